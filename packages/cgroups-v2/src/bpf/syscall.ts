import { closeSync } from 'node:fs';
import { ContainerError, errnoName, libcFunction, loadKoffi } from '@containerkit/core';

/** The bpf(2) commands the device filter needs, behind an interface so tests can fake them. */
export interface BpfSys {
  /** Loads a BPF_PROG_TYPE_CGROUP_DEVICE program; returns its fd. */
  loadDeviceProgram(insns: Buffer): number;
  /** Attaches with BPF_F_ALLOW_MULTI, and BPF_F_REPLACE of `replaceFd` when given. */
  attach(cgroupFd: number, progFd: number, replaceFd?: number): void;
  detach(cgroupFd: number, progFd: number): void;
  /** Ids of the device programs attached to this very cgroup (not inherited ones). */
  query(cgroupFd: number): number[];
  /** An fd for a program id; undefined when it is gone. */
  progFd(id: number): number | undefined;
  close(fd: number): void;
}

const SYS_BPF = 321; // x86_64
const BPF_PROG_LOAD = 5;
const BPF_PROG_ATTACH = 8;
const BPF_PROG_DETACH = 9;
const BPF_PROG_GET_FD_BY_ID = 13;
const BPF_PROG_QUERY = 16;
const BPF_PROG_TYPE_CGROUP_DEVICE = 15;
const BPF_CGROUP_DEVICE = 6;
export const BPF_F_ALLOW_MULTI = 1 << 1;
export const BPF_F_REPLACE = 1 << 2;
const MAX_PROGS = 64;
const LOG_SIZE = 64 * 1024;

type Koffi = ReturnType<typeof loadKoffi>;
type Pointer = unknown;

interface Native {
  koffi: Koffi;
  syscall: (...args: unknown[]) => number | bigint;
}

let native: Native | undefined;

function load(): Native {
  native ??= { koffi: loadKoffi(), syscall: libcFunction('long syscall(long number, ...)') };
  return native;
}

/** Memory the kernel reads and writes outside any JS call (a Buffer may move; this does not). */
class Native64 {
  readonly ptr: Pointer;
  readonly view: Buffer;
  readonly address: bigint;
  constructor(readonly size: number) {
    const { koffi } = load();
    this.ptr = koffi.alloc('uint8_t', size);
    this.view = Buffer.from(koffi.view(this.ptr, size));
    this.view.fill(0);
    this.address = koffi.address(this.ptr);
  }
  free(): void {
    load().koffi.free(this.ptr);
  }
}

function withMemory<T>(sizes: number[], fn: (mem: Native64[]) => T): T {
  const mem = sizes.map((s) => new Native64(s));
  try {
    return fn(mem);
  } finally {
    for (const m of mem) m.free();
  }
}

function bpf(cmd: number, attr: Native64): { rc: number; errno: string } {
  const { syscall, koffi } = load();
  const rc = Number(syscall(SYS_BPF, 'int', cmd, 'void *', attr.ptr, 'unsigned int', attr.size));
  return { rc, errno: rc < 0 ? errnoName(koffi.errno()) : '' };
}

function fail(call: string, errno: string, detail = ''): never {
  const hint = errno === 'EPERM' ? ' (needs CAP_SYS_ADMIN, or the memlock rlimit is too low)' : '';
  throw new ContainerError('SystemError', `bpf(${call}): ${errno}${hint}${detail}`, { syscall: `bpf(${call})`, errno });
}

function loadProgram(insns: Buffer, withLog: boolean): { fd: number; errno: string; log: string } {
  const license = Buffer.from('Apache\0');
  return withMemory([128, insns.length, license.length, withLog ? LOG_SIZE : 1], ([attr, code, lic, log]) => {
    insns.copy(code!.view);
    license.copy(lic!.view);
    const a = attr!.view;
    a.writeUInt32LE(BPF_PROG_TYPE_CGROUP_DEVICE, 0);
    a.writeUInt32LE(insns.length / 8, 4);
    a.writeBigUInt64LE(code!.address, 8);
    a.writeBigUInt64LE(lic!.address, 16);
    if (withLog) {
      a.writeUInt32LE(1, 24);
      a.writeUInt32LE(LOG_SIZE, 28);
      a.writeBigUInt64LE(log!.address, 32);
    }
    a.write('ck_devices', 48, 'latin1');
    a.writeUInt32LE(BPF_CGROUP_DEVICE, 68);
    const { rc, errno } = bpf(BPF_PROG_LOAD, attr!);
    const text = withLog ? log!.view.toString('utf8').replace(/\0[\s\S]*$/, '').trim() : '';
    return { fd: rc, errno, log: text };
  });
}

export const libcBpf: BpfSys = {
  loadDeviceProgram(insns) {
    const first = loadProgram(insns, false);
    if (first.fd >= 0) return first.fd;
    // Load again with the verifier log only to explain the failure.
    const again = loadProgram(insns, true);
    if (again.fd >= 0) return again.fd;
    return fail('BPF_PROG_LOAD', first.errno, again.log ? `; verifier: ${again.log.split('\n').slice(-3).join(' | ')}` : '');
  },
  attach(cgroupFd, progFd, replaceFd) {
    withMemory([32], ([attr]) => {
      const a = attr!.view;
      a.writeUInt32LE(cgroupFd, 0);
      a.writeUInt32LE(progFd, 4);
      a.writeUInt32LE(BPF_CGROUP_DEVICE, 8);
      a.writeUInt32LE(BPF_F_ALLOW_MULTI | (replaceFd === undefined ? 0 : BPF_F_REPLACE), 12);
      if (replaceFd !== undefined) a.writeUInt32LE(replaceFd, 16);
      const { rc, errno } = bpf(BPF_PROG_ATTACH, attr!);
      if (rc < 0) fail('BPF_PROG_ATTACH', errno);
    });
  },
  detach(cgroupFd, progFd) {
    withMemory([32], ([attr]) => {
      const a = attr!.view;
      a.writeUInt32LE(cgroupFd, 0);
      a.writeUInt32LE(progFd, 4);
      a.writeUInt32LE(BPF_CGROUP_DEVICE, 8);
      const { rc, errno } = bpf(BPF_PROG_DETACH, attr!);
      if (rc < 0 && errno !== 'ENOENT') fail('BPF_PROG_DETACH', errno);
    });
  },
  query(cgroupFd) {
    return withMemory([40, MAX_PROGS * 4], ([attr, ids]) => {
      const a = attr!.view;
      a.writeUInt32LE(cgroupFd, 0);
      a.writeUInt32LE(BPF_CGROUP_DEVICE, 4);
      a.writeBigUInt64LE(ids!.address, 16);
      a.writeUInt32LE(MAX_PROGS, 24);
      const { rc, errno } = bpf(BPF_PROG_QUERY, attr!);
      if (rc < 0) fail('BPF_PROG_QUERY', errno);
      const count = a.readUInt32LE(24);
      return Array.from({ length: Math.min(count, MAX_PROGS) }, (_, i) => ids!.view.readUInt32LE(i * 4));
    });
  },
  progFd(id) {
    return withMemory([16], ([attr]) => {
      attr!.view.writeUInt32LE(id, 0);
      const { rc, errno } = bpf(BPF_PROG_GET_FD_BY_ID, attr!);
      if (rc >= 0) return rc;
      if (errno === 'ENOENT') return undefined;
      return fail('BPF_PROG_GET_FD_BY_ID', errno);
    });
  },
  close(fd) {
    closeSync(fd);
  },
};
