// placeholder until the schema lands
export type Spec = any;
export type LinuxResources = any;
export type LinuxCapabilities = any;
