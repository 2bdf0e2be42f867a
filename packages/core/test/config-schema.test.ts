import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseSpec, parseSpecText } from '../src/config/load.js';
import { specWith } from './config-fixture.js';

function hasRunc(): boolean {
  try {
    execFileSync('runc', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('parseSpec accepts valid configs', () => {
  it('accepts the default `runc spec` config with terminal off', () => {
    const spec = parseSpec(specWith());
    expect(spec.ociVersion).toBe('1.0.2-dev');
    expect(spec.linux?.namespaces?.map((ns) => ns.type)).toEqual(['pid', 'network', 'ipc', 'uts', 'mount']);
    expect(spec.process?.rlimits).toEqual([{ type: 'RLIMIT_NOFILE', hard: 1024, soft: 1024 }]);
  });

  const runcInstalled = hasRunc();
  it.skipIf(!runcInstalled)(`accepts what the installed \`runc spec\` writes (${runcInstalled ? 'runc found' : 'skipped: runc is not installed'})`, () => {
    const dir = mkdtempSync(join(tmpdir(), 'ck-config-'));
    try {
      execFileSync('runc', ['spec'], { cwd: dir });
      const json = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
      json.process.terminal = false;
      expect(parseSpec(json).process?.cwd).toBe('/');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('ignores unknown top-level keys', () => {
    const spec = parseSpec(specWith((s) => (s.someFutureField = { x: 1 })));
    expect(spec).not.toHaveProperty('someFutureField');
  });

  it('ignores unknown keys inside known objects', () => {
    const spec = parseSpec(
      specWith((s) => {
        s.process.futureKnob = true;
        s.linux.resources.memory = { limit: 1024, futureLimit: 'x' };
      }),
    );
    expect(spec.process).not.toHaveProperty('futureKnob');
    expect(spec.linux?.resources?.memory).toEqual({ limit: 1024 });
  });

  it('accepts a config with only ociVersion', () => {
    expect(parseSpec({ ociVersion: '1.2.0' })).toEqual({ ociVersion: '1.2.0' });
  });

  it('defaults user uid and gid to 0 when the user object omits them', () => {
    const spec = parseSpec(specWith((s) => (s.process.user = { additionalGids: [10] })));
    expect(spec.process?.user).toEqual({ uid: 0, gid: 0, additionalGids: [10] });
  });

  it('takes a relative mount destination as relative to "/", as runc does', () => {
    const spec = parseSpec(specWith((s) => s.mounts.push({ destination: 'data', type: 'tmpfs', source: 'tmpfs' })));
    expect(spec.mounts?.at(-1)?.destination).toBe('/data');
  });

  it('accepts a memory limit of -1 (unlimited)', () => {
    const spec = parseSpec(specWith((s) => (s.linux.resources.memory = { limit: -1, swap: -1 })));
    expect(spec.linux?.resources?.memory).toEqual({ limit: -1, swap: -1 });
  });

  it('keeps an unlimited rlimit (2^64-1) exact as a bigint when parsing JSON text', () => {
    const text = JSON.stringify(specWith()).replace('"hard":1024', '"hard":18446744073709551615');
    const spec = parseSpecText(text);
    expect(spec.process?.rlimits?.[0]?.hard).toBe(18446744073709551615n);
    expect(spec.process?.rlimits?.[0]?.soft).toBe(1024);
  });

  it('outputs 64-bit values beyond 2^53 as bigint and safe ones as number', () => {
    const spec = parseSpec(specWith((s) => (s.linux.resources.memory = { limit: 2n ** 62n, reservation: 1n << 20n })));
    expect(spec.linux?.resources?.memory).toEqual({ limit: 2n ** 62n, reservation: 1048576 });
  });

  it('accepts the whole linux object of the spec', () => {
    const spec = parseSpec(
      specWith((s) => {
        s.linux.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
        s.linux.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
        s.linux.namespaces.push({ type: 'user' }, { type: 'cgroup' }, { type: 'time' });
        s.linux.timeOffsets = { monotonic: { secs: -3600, nanosecs: 5 }, boottime: { secs: 10 } };
        s.linux.devices = [{ path: '/dev/fuse', type: 'c', major: 10, minor: 229, fileMode: 0o666, uid: 0, gid: 0 }, { path: '/dev/p', type: 'p' }];
        s.linux.cgroupsPath = 'system.slice:ck:web';
        s.linux.sysctl = { 'net.ipv4.ip_forward': '1' };
        s.linux.rootfsPropagation = 'rslave';
        s.linux.resources = {
          devices: [{ allow: true, type: 'c', major: 10, minor: null, access: 'rw' }],
          memory: { limit: 67108864, reservation: 0, swap: 134217728, swappiness: 60, disableOOMKiller: false },
          cpu: { shares: 1024, quota: 50000, period: 100000, burst: 0, cpus: '0-1', mems: '0', idle: 0 },
          blockIO: {
            weight: 500,
            weightDevice: [{ major: 8, minor: 0, weight: 300 }],
            throttleReadBpsDevice: [{ major: 8, minor: 0, rate: 1048576 }],
          },
          hugepageLimits: [{ pageSize: '2MB', limit: 0 }],
          network: { classID: 1048577, priorities: [{ name: 'eth0', priority: 5 }] },
          pids: { limit: 100 },
          rdma: { mlx5_1: { hcaHandles: 3, hcaObjects: 10000 } },
          unified: { 'memory.high': '50000000' },
        };
      }),
    );
    expect(spec.linux?.timeOffsets?.monotonic).toEqual({ secs: -3600, nanosecs: 5 });
    expect(spec.linux?.resources?.rdma?.mlx5_1?.hcaObjects).toBe(10000);
    expect(spec.linux?.devices?.[1]).toEqual({ path: '/dev/p', type: 'p' });
  });

  it('accepts annotations set to null, as the spec schema allows', () => {
    expect(parseSpec(specWith((s) => (s.annotations = null))).annotations).toBeUndefined();
  });

  it('accepts platform objects for other platforms without reading them', () => {
    const spec = parseSpec(specWith((s) => (s.windows = { layerFolders: ['C:\\l'] })));
    expect(spec.windows).toEqual({ layerFolders: ['C:\\l'] });
  });
});
