import { mkdtemp, mkdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSpec } from '../src/config/load.js';
import type { NamespacePlan } from '../src/drivers.js';
import { isContainerError } from '../src/errors.js';
import { buildInitPlan } from '../src/plan/build.js';
import type { PlanStep } from '../src/plan/encoder.js';

const defaultConfigPath = new URL('../../../test/fixtures/runc-default-config.json', import.meta.url);
const CLONE_NEWUSER = 0x10000000n;
let bundle: string;

const hostNamespaces: NamespacePlan = { cloneFlags: 0x20000000n | 0x40000000n | 0x08000000n | 0x04000000n | 0x20000n, join: [], newUserNamespace: false };
const userNamespace: NamespacePlan = { ...hostNamespaces, cloneFlags: hostNamespaces.cloneFlags | CLONE_NEWUSER, newUserNamespace: true };
const noCaps = { bounding: 0n, effective: 0n, permitted: 0n, inheritable: 0n, ambient: 0n };
const map = (containerID: number, hostID: number, size: number) => ({ containerID, hostID, size });

async function steps(edit: (config: any) => void, namespaces = hostNamespaces): Promise<PlanStep[]> {
  const config = JSON.parse(await readFile(defaultConfigPath, 'utf8'));
  config.process.terminal = false;
  edit(config);
  return buildInitPlan({
    spec: parseSpec(config),
    bundle,
    namespaces,
    capabilities: noCaps,
    process: { args: ['sh'], env: [], cwd: '/' },
    cgroupPaths: { '': '/sys/fs/cgroup/ck/x' },
    cgroupPath: '/ck/x',
    monitor: true,
  });
}

/** The steps P runs for the bind sources, in order. */
function sourceSteps(plan: PlanStep[]): PlanStep[] {
  return plan.filter((s) => s.op === 'OPEN_MOUNT_SOURCE' || s.op.startsWith('IDMAP_'));
}

async function refusal(edit: (config: any) => void, namespaces = hostNamespaces): Promise<string> {
  try {
    await steps(edit, namespaces);
  } catch (error) {
    if (isContainerError(error, 'ConfigInvalid')) return error.message;
    throw error;
  }
  throw new Error('expected ConfigInvalid');
}

const withUserNamespace = (c: any) => {
  c.linux.namespaces.push({ type: 'user' });
  c.linux.uidMappings = [map(0, 100000, 65536)];
  c.linux.gidMappings = [map(0, 200000, 65536)];
};

beforeAll(async () => {
  bundle = await mkdtemp(join(tmpdir(), 'ck-plan-idmap-'));
  await mkdir(join(bundle, 'rootfs'));
  await mkdir(join(bundle, 'data'));
});
afterAll(() => rm(bundle, { recursive: true, force: true }));

describe('idmapped bind mounts (mounts[].uidMappings, gidMappings, idmap, ridmap)', () => {
  it("clones the source in P and idmaps it with the mount's own maps, as uid_map text", async () => {
    const plan = await steps((c) =>
      c.mounts.push({ destination: '/data', type: 'bind', source: 'data', options: ['bind', 'idmap'], uidMappings: [map(1000, 0, 1), map(0, 1, 1)], gidMappings: [map(1000, 5, 2)] }),
    );
    expect(sourceSteps(plan)).toEqual([
      { op: 'OPEN_MOUNT_SOURCE', args: [join(bundle, 'data'), 0n] },
      { op: 'IDMAP_MOUNT_SOURCE', args: ['1000 0 1\n0 1 1\n', '1000 5 2\n', 0n] },
    ]);
    // Before the clone, in P: the host's root makes the user namespace and clones the mount.
    expect(plan.findIndex((s) => s.op === 'IDMAP_MOUNT_SOURCE')).toBeLessThan(plan.findIndex((s) => s.op === 'CLONE'));
    // C attaches the source by its path; the option never reaches mount(2) as data.
    expect(plan).toContainEqual({ op: 'MOUNT', args: [join(bundle, 'data'), '/data', 'bind', 4096n, '', 0n] });
  });

  it('takes mappings without idmap or ridmap as idmap, as runc 1.2 does', async () => {
    const plan = await steps((c) =>
      c.mounts.push({ destination: '/data', source: join(bundle, 'data'), options: ['rbind'], uidMappings: [map(0, 1000, 1)], gidMappings: [map(0, 1000, 1)] }),
    );
    expect(sourceSteps(plan)).toEqual([
      { op: 'OPEN_MOUNT_SOURCE', args: [join(bundle, 'data'), 1n] },
      { op: 'IDMAP_MOUNT_SOURCE', args: ['0 1000 1\n', '0 1000 1\n', 0n] },
    ]);
  });

  it('maps the submounts of an rbind too with ridmap', async () => {
    const plan = await steps((c) =>
      c.mounts.push({ destination: '/data', type: 'bind', source: 'data', options: ['rbind', 'ridmap'], uidMappings: [map(0, 1000, 1)], gidMappings: [map(0, 1000, 1)] }),
    );
    expect(sourceSteps(plan)).toEqual([
      { op: 'OPEN_MOUNT_SOURCE', args: [join(bundle, 'data'), 1n] },
      { op: 'IDMAP_MOUNT_SOURCE', args: ['0 1000 1\n', '0 1000 1\n', 1n] },
    ]);
  });

  it("takes the container's user namespace mappings for idmap without mappings of its own", async () => {
    const plan = await steps((c) => {
      withUserNamespace(c);
      c.mounts.push({ destination: '/data', type: 'bind', source: 'data', options: ['bind', 'idmap'] });
    }, userNamespace);
    expect(sourceSteps(plan)).toEqual([
      { op: 'OPEN_MOUNT_SOURCE', args: [join(bundle, 'data'), 0n] },
      { op: 'IDMAP_MOUNT_SOURCE', args: ['0 100000 65536\n', '0 200000 65536\n', 0n] },
    ]);
  });

  it('idmaps with a joined user namespace itself when the mount has no mappings', async () => {
    const plan = await steps((c) => {
      c.linux.namespaces.push({ type: 'user', path: '/proc/4242/ns/user' });
      c.mounts.push({ destination: '/data', type: 'bind', source: 'data', options: ['rbind', 'ridmap'] });
    });
    expect(sourceSteps(plan)).toEqual([
      { op: 'OPEN_MOUNT_SOURCE', args: [join(bundle, 'data'), 1n] },
      { op: 'IDMAP_MOUNT_SOURCE_USERNS', args: ['/proc/4242/ns/user', 1n] },
    ]);
  });

  it('opens every bind in P once one is idmapped, so that two binds of one path each attach their own', async () => {
    const plan = await steps((c) => {
      c.mounts.push({ destination: '/plain', type: 'bind', source: 'data', options: ['bind'] });
      c.mounts.push({ destination: '/mapped', type: 'bind', source: 'data', options: ['bind'], uidMappings: [map(0, 1000, 1)], gidMappings: [map(0, 1000, 1)] });
    });
    expect(sourceSteps(plan).map((s) => s.op)).toEqual(['OPEN_MOUNT_SOURCE', 'OPEN_MOUNT_SOURCE', 'IDMAP_MOUNT_SOURCE']);
  });

  it('leaves binds to C without a user namespace or an idmapped mount', async () => {
    const plan = await steps((c) => c.mounts.push({ destination: '/data', type: 'bind', source: 'data', options: ['bind'] }));
    expect(sourceSteps(plan)).toEqual([]);
  });

  it('counts empty mapping lists as none', async () => {
    const plan = await steps((c) => c.mounts.push({ destination: '/data', type: 'bind', source: 'data', options: ['bind'], uidMappings: [], gidMappings: [] }));
    expect(sourceSteps(plan)).toEqual([]);
  });
});

describe('idmapped mounts refused, naming the field', () => {
  const bind = (extra: Record<string, unknown>) => (c: any) => c.mounts.push({ destination: '/data', type: 'bind', source: 'data', options: ['bind'], ...extra });

  it('refuses idmap on a mount that is not a bind', async () => {
    expect(await refusal((c) => c.mounts.push({ destination: '/t', type: 'tmpfs', source: 'tmpfs', options: ['idmap'], uidMappings: [map(0, 1, 1)], gidMappings: [map(0, 1, 1)] }))).toBe(
      'config.json: mounts[7].options: idmap: an idmapped mount must be a bind mount (type "bind" or the bind or rbind option)',
    );
    expect(await refusal((c) => c.mounts.push({ destination: '/t', type: 'tmpfs', source: 'tmpfs', uidMappings: [map(0, 1, 1)], gidMappings: [map(0, 1, 1)] }))).toMatch(
      /^config\.json: mounts\[7\]\.uidMappings: an idmapped mount must be a bind mount/,
    );
  });

  it('refuses uidMappings without gidMappings, and the other way round', async () => {
    expect(await refusal(bind({ uidMappings: [map(0, 1000, 1)] }))).toBe('config.json: mounts[7].gidMappings: required with mounts[7].uidMappings');
    expect(await refusal(bind({ gidMappings: [map(0, 1000, 1)] }))).toBe('config.json: mounts[7].uidMappings: required with mounts[7].gidMappings');
  });

  it('refuses idmap without mappings in a container without a user namespace', async () => {
    expect(await refusal(bind({ options: ['bind', 'ridmap'] }))).toBe(
      'config.json: mounts[7].options: ridmap: needs mounts[7].uidMappings and mounts[7].gidMappings, or a user namespace whose mappings it takes (linux.namespaces has none)',
    );
  });

  it('refuses a mapping the kernel would: size 0, past the id space, overlapping', async () => {
    const both = (uid: unknown[]) => bind({ uidMappings: uid, gidMappings: [map(0, 1000, 1)] });
    expect(await refusal(both([map(0, 1000, 0)]))).toBe('config.json: mounts[7].uidMappings[0].size: must be at least 1');
    expect(await refusal(both([map(4294967295, 0, 2)]))).toBe('config.json: mounts[7].uidMappings[0]: the range goes past id 4294967295');
    expect(await refusal(both([map(0, 1000, 10), map(5, 5000, 1)]))).toBe("config.json: mounts[7].uidMappings[1]: its containerID range overlaps mounts[7].uidMappings[0]'s");
    expect(await refusal(both([map(0, 1000, 10), map(50, 1009, 1)]))).toBe("config.json: mounts[7].uidMappings[1]: its hostID range overlaps mounts[7].uidMappings[0]'s");
  });
});
