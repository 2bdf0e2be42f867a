export { cgroupsV1, type CgroupsV1Options } from './driver.js';
export type { Controller, ControllerContext } from './controller.js';
