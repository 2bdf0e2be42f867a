/*
 * CRIU's RPC messages (images/rpc.proto, proto2), written down as this project's own schema:
 * for each message, its fields by our camelCase name with the field number and type of
 * rpc.proto. codec.ts encodes and decodes them with @bufbuild/protobuf's wire API, so no code is
 * generated and a field CRIU adds later is one line here. Only the fields containerkit sends or
 * reads are listed; the decoder skips the others.
 *
 *   request (us → criu swrk)          answer (criu → us)
 *   criu_req { type, opts, … }   ──▶
 *                                 ◀── criu_resp { type: NOTIFY, notify { script, pid } }  (0..n)
 *   criu_req { type: NOTIFY,     ──▶   each notify is answered; a failure aborts CRIU's work
 *              notify_success }
 *                                 ◀── criu_resp { type: DUMP|RESTORE|…, success, restore { pid },
 *                                                  cr_errno, cr_errmsg }
 */

export type ScalarType = 'int32' | 'uint32' | 'bool' | 'string';

export interface FieldSpec {
  readonly no: number;
  /** A scalar, 'enum' (an int32 on the wire), or the schema of a nested message. */
  readonly type: ScalarType | 'enum' | MessageSchema;
  readonly repeated?: boolean;
  /** proto2 `required`: encoding refuses a message without it, decoding an answer without it. */
  readonly required?: boolean;
}

export interface MessageSchema {
  /** rpc.proto's name, for error messages. */
  readonly name: string;
  readonly fields: Readonly<Record<string, FieldSpec>>;
}

export const ReqType = {
  EMPTY: 0,
  DUMP: 1,
  RESTORE: 2,
  CHECK: 3,
  PRE_DUMP: 4,
  PAGE_SERVER: 5,
  NOTIFY: 6,
  CPUINFO_DUMP: 7,
  CPUINFO_CHECK: 8,
  FEATURE_CHECK: 9,
  VERSION: 10,
  WAIT_PID: 11,
  PAGE_SERVER_CHLD: 12,
} as const;

/** criu_cg_mode. */
export const CgMode = { ignore: 0, none: 1, props: 2, soft: 3, full: 4, strict: 5, default: 6 } as const;

const pageServerInfo: MessageSchema = {
  name: 'criu_page_server_info',
  fields: { address: { no: 1, type: 'string' }, port: { no: 2, type: 'int32' }, pid: { no: 3, type: 'int32' }, fd: { no: 4, type: 'int32' } },
};

const extMountMap: MessageSchema = {
  name: 'ext_mount_map',
  fields: { key: { no: 1, type: 'string', required: true }, val: { no: 2, type: 'string', required: true } },
};

const joinNamespace: MessageSchema = {
  name: 'join_namespace',
  fields: { ns: { no: 1, type: 'string', required: true }, nsFile: { no: 2, type: 'string', required: true }, extraOpt: { no: 3, type: 'string' } },
};

const inheritFd: MessageSchema = {
  name: 'inherit_fd',
  fields: { key: { no: 1, type: 'string', required: true }, fd: { no: 2, type: 'int32', required: true } },
};

const cgroupRoot: MessageSchema = {
  name: 'cgroup_root',
  fields: { ctrl: { no: 1, type: 'string' }, path: { no: 2, type: 'string', required: true } },
};

export const criuOpts: MessageSchema = {
  name: 'criu_opts',
  fields: {
    imagesDirFd: { no: 1, type: 'int32', required: true },
    pid: { no: 2, type: 'int32' },
    leaveRunning: { no: 3, type: 'bool' },
    extUnixSk: { no: 4, type: 'bool' },
    tcpEstablished: { no: 5, type: 'bool' },
    evasiveDevices: { no: 6, type: 'bool' },
    shellJob: { no: 7, type: 'bool' },
    fileLocks: { no: 8, type: 'bool' },
    logLevel: { no: 9, type: 'int32' },
    logFile: { no: 10, type: 'string' },
    ps: { no: 11, type: pageServerInfo },
    notifyScripts: { no: 12, type: 'bool' },
    root: { no: 13, type: 'string' },
    parentImg: { no: 14, type: 'string' },
    trackMem: { no: 15, type: 'bool' },
    autoDedup: { no: 16, type: 'bool' },
    workDirFd: { no: 17, type: 'int32' },
    linkRemap: { no: 18, type: 'bool' },
    cpuCap: { no: 20, type: 'uint32' },
    forceIrmap: { no: 21, type: 'bool' },
    execCmd: { no: 22, type: 'string', repeated: true },
    extMnt: { no: 23, type: extMountMap, repeated: true },
    manageCgroups: { no: 24, type: 'bool' },
    cgRoot: { no: 25, type: cgroupRoot, repeated: true },
    rstSibling: { no: 26, type: 'bool' },
    inheritFd: { no: 27, type: inheritFd, repeated: true },
    autoExtMnt: { no: 28, type: 'bool' },
    extSharing: { no: 29, type: 'bool' },
    extMasters: { no: 30, type: 'bool' },
    skipMnt: { no: 31, type: 'string', repeated: true },
    enableFs: { no: 32, type: 'string', repeated: true },
    manageCgroupsMode: { no: 34, type: 'enum' },
    ghostLimit: { no: 35, type: 'uint32' },
    irmapScanPaths: { no: 36, type: 'string', repeated: true },
    external: { no: 37, type: 'string', repeated: true },
    emptyNs: { no: 38, type: 'uint32' },
    joinNs: { no: 39, type: joinNamespace, repeated: true },
    cgroupProps: { no: 41, type: 'string' },
    cgroupPropsFile: { no: 42, type: 'string' },
    cgroupDumpController: { no: 43, type: 'string', repeated: true },
    freezeCgroup: { no: 44, type: 'string' },
    timeout: { no: 45, type: 'uint32' },
    tcpSkipInFlight: { no: 46, type: 'bool' },
    weakSysctls: { no: 47, type: 'bool' },
    lazyPages: { no: 48, type: 'bool' },
    statusFd: { no: 49, type: 'int32' },
    orphanPtsMaster: { no: 50, type: 'bool' },
    configFile: { no: 51, type: 'string' },
    tcpClose: { no: 52, type: 'bool' },
    lsmProfile: { no: 53, type: 'string' },
  },
};

const criuFeatures: MessageSchema = {
  name: 'criu_features',
  fields: { memTrack: { no: 1, type: 'bool' }, lazyPages: { no: 2, type: 'bool' } },
};

export const criuReq: MessageSchema = {
  name: 'criu_req',
  fields: {
    type: { no: 1, type: 'enum', required: true },
    opts: { no: 2, type: criuOpts },
    notifySuccess: { no: 3, type: 'bool' },
    keepOpen: { no: 4, type: 'bool' },
    features: { no: 5, type: criuFeatures },
    pid: { no: 6, type: 'uint32' },
  },
};

const criuVersion: MessageSchema = {
  name: 'criu_version',
  fields: {
    majorNumber: { no: 1, type: 'int32', required: true },
    minorNumber: { no: 2, type: 'int32', required: true },
    gitid: { no: 3, type: 'string' },
    sublevel: { no: 4, type: 'int32' },
    extra: { no: 5, type: 'int32' },
    name: { no: 6, type: 'string' },
  },
};

export const criuResp: MessageSchema = {
  name: 'criu_resp',
  fields: {
    type: { no: 1, type: 'enum', required: true },
    success: { no: 2, type: 'bool', required: true },
    dump: { no: 3, type: { name: 'criu_dump_resp', fields: { restored: { no: 1, type: 'bool' } } } },
    restore: { no: 4, type: { name: 'criu_restore_resp', fields: { pid: { no: 1, type: 'int32', required: true } } } },
    notify: { no: 5, type: { name: 'criu_notify', fields: { script: { no: 1, type: 'string' }, pid: { no: 2, type: 'int32' } } } },
    ps: { no: 6, type: pageServerInfo },
    crErrno: { no: 7, type: 'int32' },
    features: { no: 8, type: criuFeatures },
    crErrmsg: { no: 9, type: 'string' },
    version: { no: 10, type: criuVersion },
    status: { no: 11, type: 'int32' },
  },
};

/** The TypeScript side of the messages this package builds and reads. */
export interface CriuOpts {
  imagesDirFd: number;
  pid?: number;
  leaveRunning?: boolean;
  extUnixSk?: boolean;
  tcpEstablished?: boolean;
  evasiveDevices?: boolean;
  shellJob?: boolean;
  fileLocks?: boolean;
  logLevel?: number;
  logFile?: string;
  ps?: { address?: string; port?: number; pid?: number; fd?: number };
  notifyScripts?: boolean;
  root?: string;
  parentImg?: string;
  trackMem?: boolean;
  autoDedup?: boolean;
  workDirFd?: number;
  extMnt?: { key: string; val: string }[];
  manageCgroups?: boolean;
  cgRoot?: { ctrl?: string; path: string }[];
  rstSibling?: boolean;
  inheritFd?: { key: string; fd: number }[];
  manageCgroupsMode?: number;
  external?: string[];
  emptyNs?: number;
  freezeCgroup?: string;
  lazyPages?: boolean;
  statusFd?: number;
  orphanPtsMaster?: boolean;
  configFile?: string;
  lsmProfile?: string;
}

export interface CriuReq {
  type: number;
  opts?: CriuOpts;
  notifySuccess?: boolean;
  keepOpen?: boolean;
  features?: { memTrack?: boolean; lazyPages?: boolean };
  pid?: number;
}

export interface CriuResp {
  type: number;
  success: boolean;
  dump?: { restored?: boolean };
  restore?: { pid: number };
  notify?: { script?: string; pid?: number };
  crErrno?: number;
  crErrmsg?: string;
  features?: { memTrack?: boolean; lazyPages?: boolean };
  version?: { majorNumber: number; minorNumber: number; gitid?: string; sublevel?: number; extra?: number; name?: string };
  status?: number;
}
