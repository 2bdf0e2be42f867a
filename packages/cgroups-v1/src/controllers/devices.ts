import { ContainerError, readCg, writeCgEach } from '@containerkit/core';
import type { Controller } from '../controller.js';
import { DeviceEmulator, type Transition } from '../device-emulator.js';

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
    for (const { file, values } of writesFor(current.transition(target))) await writeCgEach(dir, file, values);
    // As runc: never report success for a cgroup that does not show what was asked.
    const after = DeviceEmulator.fromList(await readCg(dir, 'devices.list'));
    const matches = target.isBlacklist ? after.isBlacklist : after.equals(target);
    if (!matches) {
      throw new ContainerError('SystemError', `cgroup: ${dir}/devices.list does not match linux.resources.devices after the update`);
    }
  },
  /**
   * A new directory holds its parent's rules, unread here: the transition from an unknown state
   * starts with the "a" rule that resets it, as a change of default does. Nothing is read back:
   * the kernel refuses (EPERM) a rule the parent does not allow, so a cgroup with no process and
   * no child yet ends with what was written or the step fails.
   */
  plan(r) {
    if (!r.devices) return [];
    const transitions = DeviceEmulator.fromList('a *:* rwm').transition(DeviceEmulator.fromRules(r.devices));
    return writesFor(transitions).map(({ file, values }) => ({ file, values, field: 'linux.resources.devices' }));
  },
};

/**
 * In order, each run of rules for the same file through one fd (a new container's are one deny
 * then a dozen allows: two opens instead of thirteen).
 */
function writesFor(transitions: readonly Transition[]): { file: string; values: string[] }[] {
  const out: { file: string; values: string[] }[] = [];
  for (const t of transitions) {
    const file = t.allow ? 'devices.allow' : 'devices.deny';
    const last = out[out.length - 1];
    if (last?.file === file) last.values.push(t.line);
    else out.push({ file, values: [t.line] });
  }
  return out;
}
