// `ckrun run --no-pivot`: MS_MOVE + chroot leaves the old root's mounts in the container's mount
// namespace; none of the host's procfs or sysfs may stay fully visible there.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CliWorld, expectOneLineError, SKIP_REASON, useCliWorld } from './cli-world.js';

const world = new CliWorld();

describe.skipIf(SKIP_REASON !== '')(`ckrun run --no-pivot (${SKIP_REASON || 'as root, built CLI'})`, () => {
  useCliWorld(world);

  it('leaves no host procfs for a nested user namespace to mount a fresh one over (sysrq-trigger stays out of reach)', async () => {
    const script = "unshare -mrpf sh -c 'echo in-new-namespaces; mount -t proc none /proc && echo mounted'; echo status=$?";
    const { id, bundle } = await world.bundle((c) => {
      c.process.args = ['sh', '-c', script];
      // Mapping root in a new user namespace needs CAP_SETFCAP where it was made (Linux 5.12); the
      // host's procfs must stay out of reach all the same.
      const caps = ['CAP_SETFCAP'];
      for (const set of ['bounding', 'effective', 'permitted']) c.process.capabilities[set].push(...caps);
    });
    const r = world.ckrun(['run', '--no-pivot', '--bundle', bundle, id]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('in-new-namespaces');
    expect(r.stdout).not.toContain('mounted');
    expect(r.stdout).toContain('status=1');
    expect(r.stderr).toMatch(/permission denied/i);
  });

  it('refuses a mount namespace joined by path, whose procfs and sysfs are not the container\'s to detach', async () => {
    const { id, bundle } = await world.bundle((c) => {
      c.linux.namespaces = c.linux.namespaces.map((ns: any) => (ns.type === 'mount' ? { type: 'mount', path: `/proc/${process.pid}/ns/mnt` } : ns));
    });
    const r = world.ckrun(['run', '--no-pivot', '--bundle', bundle, id]);
    expectOneLineError(r, /--no-pivot: needs a new mount namespace, not one joined by path/);
  });

  it('still runs the container with its own /proc', async () => {
    const { id, bundle } = await world.bundle((c) => (c.process.args = ['sh', '-c', 'cat /proc/1/cmdline | tr "\\0" " "']));
    const r = world.ckrun(['run', '--no-pivot', '--bundle', join(bundle), id]);
    expect(r).toMatchObject({ code: 0, stdout: 'sh -c cat /proc/1/cmdline | tr "\\0" " " ' });
  });
});
