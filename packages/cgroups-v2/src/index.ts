export { cgroupsV2, CGROUP2_SUPER_MAGIC, type CgroupsV2Options } from './driver.js';
export type { Controller, ControllerContext } from './controller.js';
export { sharesToWeight } from './controllers/cpu.js';
export { swapMax } from './controllers/memory.js';
export { blkioToIoWeight } from './controllers/io.js';
export { deviceFilter, type DeviceRule } from './bpf/device-filter.js';
export { encode as encodeBpf, decode as decodeBpf, type Insn } from './bpf/insn.js';
export type { BpfSys } from './bpf/syscall.js';
