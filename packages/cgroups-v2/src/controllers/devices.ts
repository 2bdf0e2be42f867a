import type { Controller } from '../controller.js';
import { replaceDeviceFilter } from '../bpf/attach.js';
import { deviceFilter } from '../bpf/device-filter.js';
import { encode } from '../bpf/insn.js';
import { libcBpf, type BpfSys } from '../bpf/syscall.js';
import type { Resources } from '../resources.js';

/**
 * cgroup v2 has no devices files: access is decided by an eBPF program attached to the cgroup.
 * An absent device list leaves the current program alone (an update that does not mention
 * devices); a present one, even empty, replaces it.
 */
export function devicesController(sys: BpfSys = libcBpf): Controller {
  return {
    name: 'devices',
    requested: () => undefined,
    async set(dir, r: Resources) {
      if (r.devices === undefined) return;
      await replaceDeviceFilter(sys, dir, encode(deviceFilter(r.devices)));
    },
    // A new cgroup has no program of its own to replace: ck-init loads and attaches this one.
    plan(r: Resources) {
      if (r.devices === undefined) return [];
      return [{ kind: 'deviceFilter', program: encode(deviceFilter(r.devices)), field: 'linux.resources.devices' }];
    },
  };
}

export const devices: Controller = devicesController();
