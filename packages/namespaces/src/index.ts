export { namespaces, type Namespaces, type NamespacesOptions } from './driver.js';
export type { NamespacesSystem } from './system.js';
export type { NamespaceConfig, NamespaceEntry, IdMapping, TimeOffset } from './config.js';
