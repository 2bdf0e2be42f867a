// '@containerkit/core/config': the OCI config schema and its helpers. A separate entry, so that
// importing the main one does not load zod.
export { specSchema, RLIMIT_TYPES } from './schema.js';
export { NAMESPACE_TYPES } from './schema-linux.js';
export { parseSpec, parseSpecText, loadSpecFile } from './load.js';
export { configInvalid, formatConfigIssues, invalidJson } from './errors.js';
export { UNSUPPORTED_FIELDS, unsupportedFields, type UnsupportedField } from './supported.js';
