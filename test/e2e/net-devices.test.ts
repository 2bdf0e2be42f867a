import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { collect, isRoot, NEEDS_ROOT, TestWorld } from './helpers.js';

/*
 * linux.netDevices: a host interface moved into the container's network namespace. The
 * interfaces are veth pairs: this host's kernel has no dummy driver ("Unknown device type"),
 * and a veth shows what the spec says of a virtual interface when the namespace dies: it is
 * destroyed, its host peer with it.
 */

const CKRUN = fileURLToPath(new URL('../../packages/runtime/bin/ckrun', import.meta.url));
const world = new TestWorld();
const made: string[] = [];
const netnsMade: string[] = [];
beforeAll(() => isRoot && world.setUp());
afterAll(async () => {
  for (const name of made) spawnSync('ip', ['link', 'del', name]);
  for (const ns of netnsMade) spawnSync('ip', ['netns', 'del', ns]);
  if (isRoot) expect(await world.tearDown()).toEqual([]);
});

let seq = 0;
/** A veth pair on the host: the end to move and its peer, which stays; unique names (≤ 15 bytes). */
function vethPair(...addresses: string[]): { end: string; peer: string } {
  const n = ++seq;
  const end = `ckv${world.tag}${n}`;
  const peer = `ckp${world.tag}${n}`;
  execFileSync('ip', ['link', 'add', end, 'type', 'veth', 'peer', 'name', peer]);
  made.push(peer);
  for (const a of addresses) execFileSync('ip', ['addr', 'add', a, 'dev', end]);
  return { end, peer };
}

const hostHas = (name: string, netns?: string) =>
  spawnSync('ip', [...(netns ? ['-n', netns] : []), 'link', 'show', name], { stdio: 'ignore' }).status === 0;

/** A container left running (sleep) with these net devices; its processes look at what it has. */
async function running(edit: (config: any) => void) {
  const { id, bundle, config } = await world.bundle((c) => {
    c.process.args = ['sleep', '1000'];
    edit(c);
  });
  const container = await world.factory.create(id, config, { bundle });
  try {
    await container.run({ stdio: 'ignore' });
  } catch (error) {
    await container.destroy();
    throw error;
  }
  const sh = async (script: string) => {
    const proc = await container.spawn({ args: ['sh', '-c', script], stdio: ['ignore', 'pipe', 'pipe'] });
    const [stdout, stderr, status] = await Promise.all([collect(proc.stdout), collect(proc.stderr), proc.wait()]);
    expect({ stderr, status }).toEqual({ stderr: '', status: { exitCode: 0, signal: null } });
    return stdout;
  };
  return { container, sh };
}

describe.skipIf(!isRoot)(`linux.netDevices (${isRoot ? 'as root' : NEEDS_ROOT})`, () => {
  it('moves a host interface into the container renamed, up, with its permanent address; the host no longer has it', async () => {
    const { end, peer } = vethPair('10.213.7.1/24', 'fd0c:213:7::1/64');
    // Not permanent (a lifetime, as DHCP or SLAAC gives): the spec keeps only permanent addresses.
    execFileSync('ip', ['addr', 'add', '10.213.9.1/24', 'dev', end, 'valid_lft', '600', 'preferred_lft', '600']);
    const { container, sh } = await running((c) => (c.linux.netDevices = { [end]: { name: 'eth7' } }));
    try {
      expect(await sh('ip -o link show eth7')).toMatch(/^\d+: eth7@\S+: <[^>]*\bUP\b[^>]*>/);
      const v4 = await sh('ip -o -4 addr show dev eth7');
      expect(v4).toMatch(/inet 10\.213\.7\.1\/24 .*scope global eth7/);
      expect(v4).not.toContain('10.213.9.1');
      expect(await sh('ip -o -6 addr show dev eth7 scope global')).toMatch(/inet6 fd0c:213:7::1\/64 scope global/);
      expect((await sh('ls /sys/class/net')).split('\n').filter(Boolean).sort()).toEqual(['eth7', 'lo']);
      expect(hostHas(end)).toBe(false);
      expect(hostHas(peer)).toBe(true);
    } finally {
      await container.destroy();
    }
    // The namespace died with the container: the kernel destroys a virtual interface, and a veth's
    // peer goes with it. Nothing of it comes back to the host (runtime-spec: the runtime MUST NOT
    // move it out before deletion; a physical one would come back, under the name eth7).
    // The kernel frees a dead namespace from a workqueue: the peer goes a moment after.
    await expect.poll(() => hostHas(peer), { timeout: 10_000, interval: 50 }).toBe(false);
    expect(hostHas(end)).toBe(false);
    expect(hostHas('eth7')).toBe(false);
  });

  it('does the same under `ckrun run`', async () => {
    const { end } = vethPair('10.213.10.1/24');
    const { id, bundle } = await world.bundle((c) => {
      c.process.args = ['sh', '-c', 'ip -o -4 addr show dev eth5'];
      c.linux.netDevices = { [end]: { name: 'eth5' } };
    });
    const root = join(world.dir, 'ckrun-state');
    const r = spawnSync(CKRUN, ['--root', root, 'run', '--bundle', bundle, id], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 20_000 });
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
    expect(r.stdout).toMatch(/inet 10\.213\.10\.1\/24 .*scope global eth5/);
    expect(spawnSync(CKRUN, ['--root', root, 'list', '-q'], { encoding: 'utf8' }).stdout).toBe('');
    expect(world.leaks()).toEqual([]);
  });

  it('keeps the host name when no name is given, and gives a "%d" name the lowest free number', async () => {
    const a = vethPair();
    const b = vethPair();
    const { container, sh } = await running((c) => (c.linux.netDevices = { [a.end]: {}, [b.end]: { name: 'net%d' } }));
    try {
      expect((await sh('ls /sys/class/net')).split('\n').filter(Boolean).sort()).toEqual([a.end, 'lo', 'net0'].sort());
    } finally {
      await container.destroy();
    }
  });

  it('moves an interface into a network namespace joined by path, where it stays after delete', async () => {
    const ns = `ckns${world.tag}`;
    execFileSync('ip', ['netns', 'add', ns]);
    netnsMade.push(ns);
    const { end } = vethPair('10.213.8.1/24');
    const { container, sh } = await running((c) => {
      c.linux.namespaces = c.linux.namespaces.map((n: any) => (n.type === 'network' ? { type: 'network', path: `/var/run/netns/${ns}` } : n));
      c.linux.netDevices = { [end]: { name: 'eth8' } };
    });
    try {
      expect(await sh('ip -o -4 addr show dev eth8')).toMatch(/inet 10\.213\.8\.1\/24 /);
    } finally {
      await container.destroy();
    }
    // The namespace outlives the container: the interface is its owner's now, as the spec has it.
    expect(hostHas('eth8', ns)).toBe(true);
    expect(hostHas(end)).toBe(false);
  });

  it('moves an interface into a container with its own user namespace', async () => {
    const { end } = vethPair();
    const { container, sh } = await running((c) => {
      c.linux.namespaces.push({ type: 'user' });
      c.linux.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
      c.linux.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
      c.linux.netDevices = { [end]: { name: 'eth9' } };
    });
    try {
      expect(await sh('ip -o link show eth9')).toMatch(/^\d+: eth9@\S+: <[^>]*\bUP\b/);
    } finally {
      await container.destroy();
    }
  });

  it('refuses a host interface that does not exist, naming it, and leaves nothing behind', async () => {
    await expect(world.sh('true', (c) => (c.linux.netDevices = { [`ckmissing${seq}`]: { name: 'eth0' } }))).rejects.toThrow(
      /net_device: linux\.netDevices\.ckmissing\d+: the host has no interface of that name: ENODEV/,
    );
    expect(world.leaks()).toEqual([]);
  });

  it('refuses a name the container\'s namespace already has (EEXIST) before moving anything: the host keeps the interface', async () => {
    const { end } = vethPair();
    await expect(world.sh('true', (c) => (c.linux.netDevices = { [end]: { name: 'lo' } }))).rejects.toThrow(
      new RegExp(`linux\\.netDevices\\.${end}\\.name: the container's network namespace already has an interface named lo: EEXIST`),
    );
    expect(hostHas(end)).toBe(true);
    expect(world.leaks()).toEqual([]);
  });

  it('loses a virtual interface to a create that fails after the move, as runc does: it dies with the new namespace', async () => {
    const { end, peer } = vethPair();
    await expect(
      world.sh('true', (c) => {
        c.process.args = ['/no/such/program'];
        c.linux.netDevices = { [end]: { name: 'eth7' } };
      }),
    ).rejects.toThrow(/check_exec: exec: "\/no\/such\/program"/);
    // Moved right after the clone, before the init failed: the spec leaves the interface to the
    // kernel when the namespace goes (runc's comment on it: "the kernel handles moving back any
    // devices that were successfully moved"); a virtual one is destroyed, a physical one returns.
    await expect.poll(() => hostHas(peer), { timeout: 10_000, interval: 50 }).toBe(false);
    expect(hostHas(end)).toBe(false);
    expect(world.leaks()).toEqual([]);
  });

  it('refuses bad names and two interfaces given one name, naming the field', async () => {
    await expect(world.sh('true', (c) => (c.linux.netDevices = { ckx0: { name: 'a/b' } }))).rejects.toThrow(
      /config\.json: linux\.netDevices\.ckx0\.name: "a\/b": an interface name has no "\/", ":" or white space/,
    );
    await expect(world.sh('true', (c) => (c.linux.netDevices = { ckx0: { name: 'a-name-of-16-byt' } }))).rejects.toThrow(
      /linux\.netDevices\.ckx0\.name: "a-name-of-16-byt" is longer than the 15 bytes of an interface name/,
    );
    await expect(world.sh('true', (c) => (c.linux.netDevices = { ckx0: { name: 'eth0' }, ckx1: { name: 'eth0' } }))).rejects.toThrow(
      /linux\.netDevices\.ckx1: named "eth0" in the container, as "ckx0" is/,
    );
    await expect(world.sh('true', (c) => (c.linux.netDevices = { ckx0: { name: 'eth%s' } }))).rejects.toThrow(
      /linux\.netDevices\.ckx0\.name: "eth%s": a name template holds one "%d" and no other "%"/,
    );
    expect(world.leaks()).toEqual([]);
  });

  it('refuses interfaces for a container without a network namespace: they would stay on the host', async () => {
    const { end } = vethPair();
    await expect(
      world.sh('true', (c) => {
        c.linux.namespaces = c.linux.namespaces.filter((n: any) => n.type !== 'network');
        c.linux.netDevices = { [end]: {} };
      }),
    ).rejects.toThrow(/config\.json: linux\.netDevices: moving interfaces needs a network namespace in linux\.namespaces/);
    expect(hostHas(end)).toBe(true);
    expect(world.leaks()).toEqual([]);
  });
});
