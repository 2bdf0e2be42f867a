import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeRootfs, MS_NODEV, MS_NOSUID, MS_RDONLY, MS_REMOUNT, MS_BIND, runContainer, S_IFCHR, type ContainerPlan } from './container.js';
import { succeeded, type PlanRun } from './run-plan.js';

const notRoot = process.getuid?.() !== 0;

describe.skipIf(notRoot)('ck-init /dev steps (needs root)', () => {
  let t: ReturnType<typeof makeRootfs>;
  let c: (p: Omit<ContainerPlan, 'rootfs'>) => Promise<PlanRun>;
  beforeEach(() => {
    t = makeRootfs();
    c = (p) => runContainer({ rootfs: t.rootfs, ...p });
  });
  afterEach(() => t.cleanup());

  it('leaves a device node that is already there as it is, as runc does, instead of failing', async () => {
    const run = await c({
      mounts: [
        { op: 'MKNOD', args: ['/dev/zero', S_IFCHR | 0o640n, 1n, 5n, 1000n, 1001n] },
        { op: 'MKNOD', args: ['/dev/zero', S_IFCHR | 0o666n, 1n, 5n, 0n, 0n] },
      ],
      script: 'stat -c "%t %T %u %g %a" /dev/zero',
    });
    expect(succeeded(run)).toBe('1 5 1000 1001 640\n');
  });

  it('makes a mount read-only after PIVOT_ROOT with a bind remount, once what is below it is made', async () => {
    const run = await c({
      mounts: [
        { op: 'MOUNT', args: ['mqueue', '/dev/mqueue', 'mqueue', MS_NOSUID | MS_NODEV, '', 0n] },
        { op: 'MKNOD', args: ['/dev/zero', S_IFCHR | 0o666n, 1n, 5n, 0n, 0n] },
      ],
      post: [{ op: 'REMOUNT', args: ['/dev', MS_NOSUID | MS_REMOUNT | MS_BIND | MS_RDONLY] }],
      script: 'grep -E " /dev(/mqueue)? " /proc/self/mounts | cut -d" " -f2,4 | cut -d, -f1; touch /dev/x 2>/dev/null || echo read-only',
    });
    expect(succeeded(run)).toBe('/dev ro\n/dev/mqueue rw\nread-only\n');
  });
});
