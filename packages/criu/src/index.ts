export { criu, DESCRIPTORS_FILE, type CriuDriverOptions } from './driver.js';
export { probeCriu, checkFinding } from './probe.js';
export { dumpRequest, restoreRequest, bindMounts, cgroupBinds, logFileName, DEFAULT_CONFIG_FILE, type DumpFacts, type RestoreFacts } from './options.js';
export { encodeRequest, decodeResponse, encodeMessage, decodeMessage } from './codec.js';
export { ReqType, CgMode, criuReq, criuResp, criuOpts, type CriuReq, type CriuResp, type CriuOpts, type MessageSchema, type FieldSpec } from './schema.js';
export type { CheckpointDriver, CheckpointOptions, CheckpointTarget, RestoreTarget, ProbeFinding, ManageCgroupsMode } from '@containerkit/core';
