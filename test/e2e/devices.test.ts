import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cgroupV2, isRoot, NEEDS_ROOT, TestWorld } from './helpers.js';

const world = new TestWorld();
beforeAll(() => isRoot && world.setUp());
afterAll(async () => {
  if (isRoot) expect(await world.tearDown()).toEqual([]);
});

describe.skipIf(!isRoot)(`linux.devices and device cgroup rules (${isRoot ? 'as root' : NEEDS_ROOT})`, () => {
  // The process runs as the FIFO's owner: the default capabilities have no CAP_DAC_OVERRIDE.
  it('makes a FIFO of type "p" with the mode, uid and gid of the config, and data goes through it', async () => {
    const r = await world.sh('[ -p /dev/myfifo ] && stat -c "%a %u %g" /dev/myfifo; echo hello > /dev/myfifo & read line < /dev/myfifo; wait; echo "$line"', (c) => {
      c.linux.devices = [{ path: '/dev/myfifo', type: 'p', fileMode: 0o640, uid: 1000, gid: 100 }];
      c.process.user = { uid: 1000, gid: 100 };
    });
    expect(r).toMatchObject({ stdout: '640 1000 100\nhello\n', stderr: '', exitCode: 0 });
  });

  const allowKmsg = (access: string) => (c: any) => {
    c.linux.resources.devices = [{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 1, minor: 11, access }];
  };

  it('runs with device access letters in any order and repeated, as runc: "wrr" is rw', async () => {
    // On v1 the rule shows in devices.list as runc writes it ("c 1:11 rw"); on v2 it is in the BPF program.
    const script = cgroupV2 ? 'echo ran' : 'grep " 1:11 " /sys/fs/cgroup/devices/devices.list';
    const r = await world.sh(script, allowKmsg('wrr'));
    expect(r).toMatchObject({ stdout: cgroupV2 ? 'ran\n' : 'c 1:11 rw\n', stderr: '', exitCode: 0 });
  });

  it('refuses an empty device access naming the field, as runc refuses it', async () => {
    const { id, bundle, config } = await world.bundle(allowKmsg(''));
    await expect(world.factory.create(id, config, { bundle })).rejects.toThrow(/linux\.resources\.devices\[1\]\.access: must not be empty/);
  });

  it('makes a device below a subdirectory of /dev (/dev/net/tun), the directories made 755, as runc', async () => {
    const r = await world.sh('stat -c "%F %a %t:%T" /dev/net/tun; stat -c "%F %a" /dev/net', (c) => {
      c.linux.devices = [{ path: '/dev/net/tun', type: 'c', major: 10, minor: 200, fileMode: 0o600 }];
    });
    expect(r).toMatchObject({ stdout: 'character special file 600 a:c8\ndirectory 755\n', stderr: '', exitCode: 0 });
  });

  it('makes /dev/null listed as a FIFO in place of the default one, and drops the default rule of c 1:3, as runc', async () => {
    const script = `[ -p /dev/null ] && echo fifo${cgroupV2 ? '' : '; grep -c " 1:3 " /sys/fs/cgroup/devices/devices.list || :'}`;
    const r = await world.sh(script, (c) => {
      c.linux.devices = [{ path: '/dev/null', type: 'p', fileMode: 0o666 }];
      // maskedPaths would be refused: they are masked with /dev/null only when it is the null device (CVE-2025-52565).
      c.linux.maskedPaths = [];
    });
    expect(r).toMatchObject({ stdout: cgroupV2 ? 'fifo\n' : 'fifo\n0\n', exitCode: 0 });
  });
});
