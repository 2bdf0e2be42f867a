import { ContainerError, readCg, writeCg } from '@containerkit/core';
import type { Controller } from '../controller.js';
import { DeviceEmulator } from '../device-emulator.js';

/**
 * Applies linux.resources.devices on top of deny-all, writing only the transitions from the
 * current devices.list (see device-emulator.ts). Absent devices leave the cgroup as it is,
 * so a partial update does not reset them; core appends runc's default allow list.
 */
export const devices: Controller = {
  name: 'devices',
  requested: (r) => (r.devices ? 'linux.resources.devices' : undefined),
  async set(dir, r) {
    if (!r.devices) return;
    const target = DeviceEmulator.fromRules(r.devices);
    const current = DeviceEmulator.fromList(await readCg(dir, 'devices.list'));
    for (const t of current.transition(target)) {
      await writeCg(dir, t.allow ? 'devices.allow' : 'devices.deny', t.line);
    }
    // As runc: never report success for a cgroup that does not show what was asked.
    const after = DeviceEmulator.fromList(await readCg(dir, 'devices.list'));
    const matches = target.isBlacklist ? after.isBlacklist : after.equals(target);
    if (!matches) {
      throw new ContainerError('SystemError', `cgroup: ${dir}/devices.list does not match linux.resources.devices after the update`);
    }
  },
};
