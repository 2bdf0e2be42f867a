import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { LinuxDeviceCgroup } from '@containerkit/core';
import { cleanup, held, type Held, LAB_NOTE, newManager, onPureV2, runIn, sleep, testParent, until } from './lab.js';

afterEach(cleanup);

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

// /dev/null (1:3) allowed, /dev/zero (1:5) not.
const onlyNull: LinuxDeviceCgroup[] = [
  { allow: false, access: 'rwm' },
  { allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' },
];
const probeDevices = 'read _; echo x >/dev/null && echo null-ok; head -c 1 /dev/zero >/dev/null && echo zero-ok';

describe.skipIf(!onPureV2)(`cgroup v2 devices, freezer, kill and destroy on a real hierarchy${LAB_NOTE}`, () => {
  it('makes open() of a device outside the rules fail with EPERM', async () => {
    const m = newManager('devices');
    await m.create!();
    await m.set({ devices: onlyNull });
    const h = await runIn(m, 'echo x >/dev/null && echo null-ok; head -c 1 /dev/zero >/dev/null && echo zero-ok');
    await h.exited;
    expect(h.stdout()).toContain('null-ok');
    expect(h.stdout()).not.toContain('zero-ok');
    expect(h.stderr()).toMatch(/\/dev\/zero: Operation not permitted/);
  });

  it('replaces the device program on update instead of stacking a second one', async () => {
    const m = newManager('devices-update');
    await m.create!();
    await m.set({ devices: onlyNull });
    await m.set({ devices: [...onlyNull, { allow: true, type: 'c', major: 1, minor: 5, access: 'r' }] });
    const h = await runIn(m, probeDevices);
    h.release();
    await h.exited;
    expect(h.stdout()).toContain('zero-ok');
  });

  it('enforces a device rule added while the process runs', async () => {
    const m = newManager('devices-live');
    await m.create!();
    await m.set({ devices: [{ allow: true, access: 'rwm' }] });
    const h = await runIn(m, probeDevices);
    await m.set({ devices: onlyNull });
    h.release();
    await h.exited;
    expect(h.stdout()).toContain('null-ok');
    expect(h.stderr()).toMatch(/Operation not permitted/);
  });

  it('stops a counter on freeze and lets it continue on thaw', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ck-freeze-'));
    let h: Held | undefined;
    try {
      const counter = join(dir, 'n');
      const m = newManager('freeze');
      h = await runIn(m, `i=0; while :; do i=$((i+1)); echo $i > ${counter}; done`);
      const value = async () => Number((await readFile(counter, 'utf8').catch(() => '0')).trim() || 0);
      await until('the counter to start', async () => (await value()) > 0);
      await m.freeze();
      expect(await m.freezerState()).toBe('FROZEN');
      const frozenAt = await value();
      await sleep(500);
      expect(await value()).toBe(frozenAt);
      await m.thaw();
      expect(await m.freezerState()).toBe('THAWED');
      await until('the counter to move again', async () => (await value()) > frozenAt);
    } finally {
      h?.child.kill('SIGKILL');
      await h?.exited;
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('ends every process of the cgroup and its sub-cgroups with cgroup.kill', async () => {
    const m = newManager('kill');
    const h = await runIn(m, 'sleep 60 & sleep 60 & sleep 60 & wait');
    const other = held('sleep 60');
    await m.addProcess(other.pid, 'sub');
    other.release();
    await until('four sleeps and the shell', async () => (await m.processes(true)).length >= 5);
    const pids = await m.processes(true);
    await m.killAll!();
    expect(await m.processes(true)).toEqual([]);
    expect((await h.exited).signal).toBe('SIGKILL');
    expect((await other.exited).signal).toBe('SIGKILL');
    for (const pid of pids) await until(`pid ${pid} to be reaped`, () => !alive(pid) || pid === h.pid || pid === other.pid);
  });

  it('leaves no cgroup behind on destroy, even with processes still inside', async () => {
    const m = newManager('destroy');
    const h = await runIn(m, 'sleep 60');
    await m.addProcess(h.pid, 'nested/deeper');
    await m.destroy();
    expect(await m.exists()).toBe(false);
    expect(await readdir(`/sys/fs/cgroup${testParent}`)).not.toContain('destroy');
    await h.exited;
  });
});
