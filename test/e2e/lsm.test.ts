import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRoot, NEEDS_ROOT, TestWorld } from './helpers.js';

const world = new TestWorld();
beforeAll(() => isRoot && world.setUp());
afterAll(async () => {
  if (isRoot) expect(await world.tearDown()).toEqual([]);
});

const lsmList = existsSync('/sys/kernel/security/lsm') ? readFileSync('/sys/kernel/security/lsm', 'utf8') : '';
const apparmor = lsmList.includes('apparmor') || (existsSync('/sys/module/apparmor/parameters/enabled') && readFileSync('/sys/module/apparmor/parameters/enabled', 'utf8').startsWith('Y'));
const selinux = lsmList.includes('selinux') || existsSync('/sys/fs/selinux/enforce');

/** Creates and runs a container whose config asks for a label; resolves with the error it failed with. */
async function failureOf(edit: (c: any) => void): Promise<string> {
  const { id, bundle, config } = await world.bundle(edit);
  const container = await world.factory.create(id, config, { bundle });
  try {
    await container.run({ stdio: 'ignore' });
  } catch (e) {
    expect(world.leaks()).toEqual([]);
    return (e as Error).message;
  }
  await container.destroy();
  throw new Error('the container ran');
}

describe.skipIf(!isRoot)(`LSM labels (${isRoot ? 'as root' : NEEDS_ROOT})`, () => {
  it.skipIf(apparmor)(`refuses process.apparmorProfile, naming the field, and leaves nothing behind${apparmor ? ' [skipped: AppArmor is enabled here]' : ''}`, async () => {
    expect(await failureOf((c) => (c.process.apparmorProfile = 'ck-test'))).toBe('config.json: process.apparmorProfile: AppArmor is not enabled on this host');
  });

  it.skipIf(selinux)(`refuses process.selinuxLabel and linux.mountLabel, naming the field${selinux ? ' [skipped: SELinux is enabled here]' : ''}`, async () => {
    expect(await failureOf((c) => (c.process.selinuxLabel = 'system_u:system_r:container_t:s0'))).toBe('config.json: process.selinuxLabel: SELinux is not enabled on this host');
    expect(await failureOf((c) => (c.linux.mountLabel = 'system_u:object_r:container_file_t:s0'))).toBe('config.json: linux.mountLabel: SELinux is not enabled on this host');
  });

  it.skipIf(!apparmor)(`applies process.apparmorProfile where AppArmor is enabled (the VM lab's kernel)${apparmor ? '' : ' [skipped: AppArmor is not enabled here]'}`, async () => {
    // "unconfined" is the one profile every AppArmor host has, loaded or not.
    const r = await world.sh('cat /proc/self/attr/apparmor/current', (c) => (c.process.apparmorProfile = 'unconfined'));
    expect(r).toMatchObject({ exitCode: 0, stdout: 'unconfined\n' });
    // A profile AppArmor does not have fails the start, before the process is ready.
    expect(await failureOf((c) => (c.process.apparmorProfile = 'ck-no-such-profile'))).toBe('lsm_label: write /proc/thread-self/attr/apparmor/exec: ENOENT');
  });

  it('runs a config whose label fields are empty strings', async () => {
    const r = await world.sh('echo ok', (c) => ((c.process.apparmorProfile = ''), (c.process.selinuxLabel = ''), (c.linux.mountLabel = '')));
    expect(r).toMatchObject({ exitCode: 0, stdout: 'ok\n' });
  });
});
