import { mkdtemp, mkdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { effectiveResources } from '../src/cgroups/device-rules.js';
import { parseSpec } from '../src/config/load.js';
import { MS } from '../src/plan/mount-options.js';
import { rootfsSteps } from '../src/plan/rootfs-steps.js';
import { RUNC_DEFAULT_SPEC } from './config-fixture.js';

let bundle: string;
beforeAll(async () => {
  bundle = await mkdtemp(join(tmpdir(), 'ck-rootfs-dev-'));
  await mkdir(join(bundle, 'rootfs'));
});
afterAll(() => rm(bundle, { recursive: true, force: true }));

async function steps(edit: (config: any) => void) {
  const config = JSON.parse(await readFile(new URL('../../../test/fixtures/runc-default-config.json', import.meta.url), 'utf8'));
  edit(config);
  return rootfsSteps({ spec: parseSpec(config), bundle, noPivot: false, cgroupPaths: { '': '/sys/fs/cgroup/ck/x' }, cgroupPath: '/ck/x', lsms: new Set() });
}

describe('/dev in the plan', () => {
  it('makes a device of linux.devices in place of the default one at its path (/dev/tty), once', async () => {
    const plan = await steps((c) => (c.linux.devices = [{ path: '/dev/tty', type: 'c', major: 5, minor: 0, fileMode: 0o620, uid: 0, gid: 5 }]));
    const ttys = plan.filter((s) => s.op === 'MKNOD' && s.args[0] === '/dev/tty');
    expect(ttys.map((s) => s.args)).toEqual([['/dev/tty', BigInt(0o020620), 5n, 0n, 0n, 5n]]);
    expect(plan.filter((s) => s.op === 'MKNOD').map((s) => s.args[0])).toContain('/dev/null');
  });

  it('makes a FIFO of linux.devices (type "p") with mknod, S_IFIFO and the mode, no device numbers', async () => {
    const plan = await steps((c) => (c.linux.devices = [{ path: '/dev/myfifo', type: 'p', fileMode: 0o640, uid: 1000, gid: 100 }]));
    const fifo = plan.filter((s) => s.op === 'MKNOD' && s.args[0] === '/dev/myfifo');
    expect(fifo.map((s) => s.args)).toEqual([['/dev/myfifo', BigInt(0o010640), 0n, 0n, 1000n, 100n]]);
  });

  it('mounts a read-only /dev tmpfs read-write and makes it read-only after pivot_root, once what is below it is made', async () => {
    const plan = await steps((c) => c.mounts.find((m: any) => m.destination === '/dev').options.push('ro'));
    const ops = plan.map((s) => `${s.op} ${s.args[1] ?? s.args[0]}`);
    const dev = plan.find((s) => s.op === 'MOUNT' && s.args[1] === '/dev')!;
    expect(Number(dev.args[3]) & MS.RDONLY).toBe(0);
    const remount = plan.findIndex((s) => s.op === 'REMOUNT' && s.args[0] === '/dev');
    expect(Number(plan[remount]!.args[1]) & (MS.REMOUNT | MS.BIND | MS.RDONLY | MS.NOSUID)).toBe(MS.REMOUNT | MS.BIND | MS.RDONLY | MS.NOSUID);
    expect(remount).toBeGreaterThan(ops.indexOf('PIVOT_ROOT 0'));
    expect(remount).toBeGreaterThan(ops.indexOf('MOUNT /dev/pts'));
    expect(remount).toBeGreaterThan(ops.indexOf('MKNOD /dev/null'));
  });

  it('mounts any other read-only filesystem read-only at once (/sys)', async () => {
    const plan = await steps(() => undefined);
    const sys = plan.find((s) => s.op === 'MOUNT' && s.args[1] === '/sys')!;
    expect(Number(sys.args[3]) & MS.RDONLY).toBe(MS.RDONLY);
    expect(plan.some((s) => s.op === 'REMOUNT' && s.args[0] === '/sys')).toBe(false);
  });
});

describe('device cgroup rules of linux.devices', () => {
  const spec = (devices: unknown[]) => {
    const config = JSON.parse(JSON.stringify(RUNC_DEFAULT_SPEC));
    config.linux.devices = devices;
    return parseSpec(config);
  };

  it('gives a FIFO (type "p") no device cgroup rule, as runc', () => {
    const rules = effectiveResources(spec([{ path: '/dev/myfifo', type: 'p' }])).devices!;
    expect(rules.map((r) => r.type)).not.toContain('p');
    expect(rules).toHaveLength(effectiveResources(spec([])).devices!.length);
  });

  it('allows a character device of type "u" as type "c"', () => {
    const rules = effectiveResources(spec([{ path: '/dev/fuse', type: 'u', major: 10, minor: 229 }])).devices!;
    expect(rules.at(-1)).toEqual({ allow: true, type: 'c', major: 10, minor: 229, access: 'rwm' });
  });

  it('drops the default rule of a default node listed at its path with another type, as runc (/dev/null as a FIFO: no c 1:3)', () => {
    const rules = effectiveResources(spec([{ path: '/dev/null', type: 'p' }])).devices!;
    expect(rules.filter((r) => r.major === 1 && r.minor === 3)).toEqual([]);
    expect(rules.filter((r) => r.major === 1 && r.minor === 5)).toHaveLength(1);
  });

  it('keeps the rule of a default node listed again as itself (/dev/null as c 1:3)', () => {
    const rules = effectiveResources(spec([{ path: '/dev/null', type: 'c', major: 1, minor: 3 }])).devices!;
    expect(rules.filter((r) => r.major === 1 && r.minor === 3)).toEqual([{ allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' }]);
  });
});
