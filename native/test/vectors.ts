/**
 * Golden vectors of the init plan wire format, shared by the TS encoder test
 * (packages/core/test/plan-encoder.test.ts) and the C decoder test (decoder.test.ts).
 * make-vectors.ts writes them to vectors/<name>.bin and vectors/<name>.txt (the expected
 * `ck-init --print-plan` output); the files are committed, so both sides are checked against
 * the same bytes.
 */
import type { PlanStep } from '../../packages/core/src/plan/encoder.js';

const MS_NOSUID = 2n;
const MS_NODEV = 4n;
const MS_NOEXEC = 8n;
const MS_RDONLY = 1n;
const MS_BIND = 4096n;
const MS_REC = 16384n;
const MS_PRIVATE = 1n << 18n;
const MS_SLAVE = 1n << 19n;
const CLONE_NEWNS = 0x00020000n;
const CLONE_NEWUTS = 0x04000000n;
const CLONE_NEWPID = 0x20000000n;
const CLONE_NEWNET = 0x40000000n;
const S_IFCHR = 0o020000n;

/** The plan of the end-to-end test, also a vector. */
export const hostnamePlan: PlanStep[] = [
  { op: 'CLONE', args: [CLONE_NEWUTS | CLONE_NEWNS | CLONE_NEWPID, 1n] },
  { op: 'SET_HOSTNAME', args: ['ck-test'] },
  { op: 'READY', args: [] },
  { op: 'EXEC', args: [['/bin/busybox', 'hostname'], []] },
];

/** Every opcode at least once, in the order a real plan would use them. */
const everyOpcode: PlanStep[] = [
  { op: 'OPEN_EXEC_FIFO', args: ['/run/ck/c1/exec.fifo'] },
  { op: 'CONSOLE_SOCKET', args: ['/run/podman/console.sock'] },
  { op: 'CGROUP_CREATE', args: ['/sys/fs/cgroup/pids/ck/c1', 0n, ''] },
  { op: 'CGROUP_CREATE', args: ['/sys/fs/cgroup/ck/c1', 2n, '/sys/fs/cgroup'] },
  { op: 'CGROUP_WRITE', args: ['/sys/fs/cgroup/devices/ck/c1', 'devices.allow', ['c 1:3 rwm', 'c 136:* rw']] },
  { op: 'CGROUP_DEVICE_FILTER', args: ['/sys/fs/cgroup/ck/c1', Uint8Array.from([0xb7, 0, 0, 0, 0, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0])] },
  { op: 'JOIN_CGROUP', args: ['/sys/fs/cgroup/pids/ck/c1'] },
  { op: 'NET_DEVICE', args: ['enp3s0', 'eth%d'] },
  { op: 'JOIN_NAMESPACE', args: [CLONE_NEWNET, '/var/run/netns/n1'] },
  { op: 'NEW_TIME_NAMESPACE', args: [-5n, 0n, 86400n, 999999999n] },
  { op: 'PRESERVE_FDS', args: [2n] },
  { op: 'CLONE', args: [CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWPID, 0n] },
  { op: 'NEW_CGROUP_NAMESPACE', args: [] },
  { op: 'NEW_SESSION_KEYRING', args: ['_ses.c1', 0x80000n] },
  { op: 'SECCOMP_LISTENER', args: ['/run/listener.sock'] },
  { op: 'LSM_LABEL', args: ['apparmor/exec', 'exec ck-profile'] },
  { op: 'JOIN_INIT', args: [4242n, '123456', CLONE_NEWNS | CLONE_NEWPID] },
  { op: 'OPEN_MOUNT_SOURCE', args: ['/srv/shared', 1n] },
  { op: 'IDMAP_MOUNT_SOURCE', args: ['0 100000 65536\n', '0 100000 65536\n', 1n] },
  { op: 'OPEN_MOUNT_SOURCE', args: ['/srv/home', 0n] },
  { op: 'IDMAP_MOUNT_SOURCE_USERNS', args: ['/run/userns/u1', 0n] },
  { op: 'PIDFD_SOCKET', args: ['/run/pidfd.sock'] },
  { op: 'PERSONALITY', args: [0x8n] },
  { op: 'SCHED_SETATTR', args: [6n, 1n, -5n, 0n, 1000000n, 2000000n, 3000000n] },
  { op: 'IOPRIO_SET', args: [(2n << 13n) | 4n] },
  { op: 'SCHED_SETAFFINITY', args: [new Uint8Array([0x05, 0x00, 0x80])] },
  { op: 'SET_MEMPOLICY', args: [2n | (1n << 15n), new Uint8Array([0x01])] },
  { op: 'CHROOT', args: ['/srv/rootfs'] },
  { op: 'HOOKS_SYNC', args: [] },
  { op: 'RUN_HOOK', args: [1n, '/hooks/hook.sh', ['hook.sh', 'startContainer'], ['PATH=/bin'], 5000n] },
  { op: 'SET_ROOT_PROPAGATION', args: [MS_SLAVE] },
  { op: 'ENTER_ROOTFS', args: ['/var/lib/ck/c1/rootfs'] },
  { op: 'MOUNT', args: ['proc', '/proc', 'proc', MS_NOSUID | MS_NODEV | MS_NOEXEC, '', 0n] },
  { op: 'MOUNT', args: ['/etc/resolv.conf', '/etc/resolv.conf', '', MS_BIND | MS_REC | MS_RDONLY, '', 1n] },
  { op: 'MOUNT', args: ['tmpfs', '/dev', 'tmpfs', MS_NOSUID, 'mode=755,size=65536k', 0n] },
  { op: 'REMOUNT', args: ['/data', MS_PRIVATE | MS_REC] },
  { op: 'MOUNT_SETATTR', args: ['/data', 0x8000n, 1n, 0n] },
  { op: 'MKDIR', args: ['/dev/pts', 0o755n] },
  { op: 'MKNOD', args: ['/dev/null', S_IFCHR | 0o666n, 1n, 3n, 0n, 0n] },
  { op: 'SYMLINK', args: ['/proc/self/fd', '/dev/fd'] },
  { op: 'PIVOT_ROOT', args: [0n] },
  { op: 'CREATE_CONSOLE', args: [0n, 1000n, 24n, 80n, 1n] },
  { op: 'MASK_PATH', args: ['/proc/kcore'] },
  { op: 'READONLY_PATH', args: ['/proc/sys'] },
  { op: 'READONLY_ROOT', args: [] },
  { op: 'SET_HOSTNAME', args: ['c1'] },
  { op: 'SET_DOMAINNAME', args: ['example.org'] },
  { op: 'SYSCTL', args: ['net.ipv4.ip_forward', '1'] },
  { op: 'SETRLIMIT', args: [7n, 1024n, (1n << 64n) - 1n] },
  { op: 'OOM_SCORE_ADJ', args: [-1000n] },
  { op: 'UMASK', args: [0o022n] },
  { op: 'CHECK_CAPABILITIES', args: [0xa80425fbn, 0xa80425fbn, 0n, 0xa80425fbn] },
  { op: 'READY', args: [] },
  { op: 'WAIT_EXEC_FIFO', args: [] },
  { op: 'DROP_BOUNDING', args: [0xa80425fbn] },
  { op: 'SET_USER', args: [1000n, 1000n, ['10', '20']] },
  { op: 'SET_CAPABILITIES', args: [0xa80425fbn, 0xa80425fbn, 0n, 0n] },
  { op: 'NO_NEW_PRIVS', args: [] },
  { op: 'SECCOMP', args: [Uint8Array.from([0x06, 0, 0, 0, 0, 0, 0xff, 0x7f]), 0n] },
  { op: 'CHDIR', args: ['/', 1n] },
  { op: 'CHECK_EXEC', args: [['sh', '-c', 'echo hi'], ['PATH=/usr/bin:/bin', 'TERM=xterm']] },
  { op: 'EXEC', args: [['sh', '-c', 'echo hi'], ['PATH=/usr/bin:/bin', 'TERM=xterm']] },
  // A plan of its own in use (sys/file-server.ts); here for its code.
  { op: 'FILE_SERVER', args: [] },
];

/** Strings that need JSON escaping, UTF-8, empty strings and lists, the extreme integers. */
const edgeValues: PlanStep[] = [
  { op: 'SET_HOSTNAME', args: [''] },
  { op: 'SYSCTL', args: ['kernel.msg"max', 'a\\b\n\t\r\b\f\u0001\u001f\u007f é 日本 🐳'] },
  { op: 'SETRLIMIT', args: [0n, 0n, (1n << 64n) - 1n] },
  { op: 'OOM_SCORE_ADJ', args: [-(1n << 63n)] },
  { op: 'SET_USER', args: [0n, 0n, []] },
  { op: 'SECCOMP', args: [new Uint8Array(0), 1n] },
  { op: 'EXEC', args: [[''], []] },
  // The longest string: MAX_STRING, the kernel's MAX_ARG_STRLEN.
  { op: 'CHDIR', args: ['x'.repeat(131072), 2n] },
];

/** A foreground container with a terminal: P relays the pty that C hands it. */
const terminalForeground: PlanStep[] = [
  { op: 'CLONE', args: [CLONE_NEWNS | CLONE_NEWPID, 2n] },
  { op: 'ENTER_ROOTFS', args: ['/var/lib/ck/c1/rootfs'] },
  { op: 'MOUNT', args: ['devpts', '/dev/pts', 'devpts', MS_NOSUID | MS_NOEXEC, 'newinstance,ptmxmode=0666,mode=0620,gid=5', 0n] },
  { op: 'SYMLINK', args: ['pts/ptmx', '/dev/ptmx'] },
  { op: 'PIVOT_ROOT', args: [0n] },
  { op: 'CREATE_CONSOLE', args: [1n, 0n, 0n, 0n, 1n] },
  { op: 'READY', args: [] },
  { op: 'EXEC', args: [['/bin/sh'], ['TERM=xterm']] },
];

export const goodVectors: Record<string, PlanStep[]> = {
  'hostname-e2e': hostnamePlan,
  'terminal-foreground': terminalForeground,
  'every-opcode': everyOpcode,
  'edge-values': edgeValues,
  empty: [],
};

/** Hand-built bytes for what the encoder refuses to produce. */
function u16(v: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(v);
  return b;
}
function u32(v: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(v);
  return b;
}
function str(s: string | Buffer): Buffer {
  const b = typeof s === 'string' ? Buffer.from(s) : s;
  return Buffer.concat([u32(b.length), b]);
}
function header(steps: number, version = 1): Buffer {
  return Buffer.concat([Buffer.from('CKPL'), u16(version), u16(0), u32(steps)]);
}
function step(op: number, payload: Buffer, declaredLength = payload.length): Buffer {
  return Buffer.concat([u16(op), u16(0), u32(declaredLength), payload]);
}

const READY = step(28, Buffer.alloc(0));

export const badVectors: Record<string, { bytes: () => Buffer; error: string }> = {
  'bad-magic': { bytes: () => Buffer.concat([Buffer.from('CKPX'), u16(1), u16(0), u32(0)]), error: 'bad magic' },
  'bad-version': { bytes: () => header(0, 2), error: 'unsupported plan version 2' },
  'unknown-opcode': {
    bytes: () => Buffer.concat([header(2), READY, step(99, Buffer.alloc(0))]),
    error: 'step 1: unknown opcode 99',
  },
  'oversize-string': {
    bytes: () => Buffer.concat([header(1), step(22, str('h'.repeat(131073)))]),
    error: 'step 0 (SET_HOSTNAME) field 0: string of 131073 bytes exceeds MAX_STRING 131072',
  },
  // A length at the top of its u32 (runc CVE-2021-43784 was a length that wrapped): refused
  // before anything is read or allocated for it.
  'string-length-4g': {
    bytes: () => Buffer.concat([header(1), step(35, Buffer.concat([u32(0xffffffff), Buffer.from('/tmp')]))]),
    error: 'step 0 (CHDIR) field 0: string of 4294967295 bytes exceeds MAX_STRING 131072',
  },
  'nul-in-string': {
    bytes: () => Buffer.concat([header(1), step(35, str(Buffer.from('/tmp\0/etc')))]),
    error: 'step 0 (CHDIR) field 0: string contains a NUL byte',
  },
  'truncated-payload': {
    bytes: () => Buffer.concat([header(1), step(35, str('/tmp'), 20)]),
    error: 'step 0 (CHDIR): payload of 20 bytes runs past the end of the plan',
  },
  'truncated-field': {
    bytes: () => Buffer.concat([header(1), step(35, Buffer.concat([u32(10), Buffer.from('/tmp')]))]),
    error: 'step 0 (CHDIR) field 0: payload truncated',
  },
  'missing-step': { bytes: () => Buffer.concat([header(2), READY]), error: 'plan truncated: 2 steps announced' },
  'trailing-payload-bytes': {
    bytes: () => Buffer.concat([header(1), step(35, Buffer.concat([str('/tmp'), Buffer.alloc(8), Buffer.from([1, 2, 3])]))]),
    error: 'step 0 (CHDIR): 3 bytes left over in the payload',
  },
  'trailing-plan-bytes': {
    bytes: () => Buffer.concat([header(1), READY, Buffer.from([0, 0])]),
    error: '2 bytes left over after the last step',
  },
  'too-many-steps': { bytes: () => header(65537), error: '65537 steps exceed MAX_STEPS 65536' },
  'list-too-long': {
    bytes: () => Buffer.concat([header(1), step(37, Buffer.concat([u32(4194305), u32(0)]))]),
    error: 'step 0 (EXEC) field 0: list of 4194305 items exceeds MAX_LIST 4194304',
  },
  'bytes-too-long': {
    bytes: () => Buffer.concat([header(1), step(34, Buffer.concat([u32((1 << 19) + 1), u32(0)]))]),
    error: 'step 0 (SECCOMP) field 0: bytes of 524289 exceed MAX_BYTES 524288',
  },
  'nonzero-reserved': {
    bytes: () => Buffer.concat([header(1), u16(28), u16(1), u32(0)]),
    error: 'step 0 (READY): reserved field is not 0',
  },
};

/** The `ck-init --print-plan` line of a step: ints in decimal (u64), strings as JSON. */
export function canonicalLine(s: PlanStep): string {
  const parts = s.args.map((a) => {
    if (typeof a === 'bigint') return BigInt.asUintN(64, a).toString();
    if (typeof a === 'string') return JSON.stringify(a);
    if (Array.isArray(a)) return `[${a.map((x) => JSON.stringify(x)).join(',')}]`;
    return `hex:${Buffer.from(a).toString('hex')}`;
  });
  return [s.op, ...parts].join(' ');
}
