import { ContainerError, readCg, writeCgEach } from '@containerkit/core';
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
    // In order, each run of rules for the same file through one fd (a new container's are one
    // deny then a dozen allows: two opens instead of thirteen).
    const transitions = current.transition(target);
    for (let i = 0; i < transitions.length; ) {
      const allow = transitions[i]!.allow;
      let end = i;
      while (end < transitions.length && transitions[end]!.allow === allow) end++;
      await writeCgEach(dir, allow ? 'devices.allow' : 'devices.deny', transitions.slice(i, end).map((t) => t.line));
      i = end;
    }
    // As runc: never report success for a cgroup that does not show what was asked.
    const after = DeviceEmulator.fromList(await readCg(dir, 'devices.list'));
    const matches = target.isBlacklist ? after.isBlacklist : after.equals(target);
    if (!matches) {
      throw new ContainerError('SystemError', `cgroup: ${dir}/devices.list does not match linux.resources.devices after the update`);
    }
  },
};
