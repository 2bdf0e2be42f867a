export { capabilities, type CapabilitiesOptions } from './driver.js';
export type { CapabilitySets } from './masks.js';
export { capabilityNumber, capabilityName, maskToNames, CAPABILITY_NAMES, type CapabilityName } from './table.js';
