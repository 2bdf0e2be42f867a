import { closeSync } from 'node:fs';
import { ContainerError, errnoName, libcFunction, loadKoffi, syscallError } from '@containerkit/core';

/*
 * The SOCK_SEQPACKET socketpair `criu swrk` talks over, through libc (Node has no seqpacket
 * sockets, and none that take SCM_RIGHTS). A receive blocks until CRIU answers, which can be
 * seconds: it runs as koffi's async call on a worker thread, so the event loop never waits.
 * Layouts are glibc's on 64-bit Linux: msghdr 56 bytes, iovec 16, cmsghdr 16 + data.
 */
const AF_UNIX = 1;
const SOCK_STREAM = 1;
const SOCK_SEQPACKET = 5;
const SOCK_CLOEXEC = 0o2000000;
const SOL_SOCKET = 1;
const SCM_RIGHTS = 1;
const MSG_NOSIGNAL = 0x4000;
const MSG_CMSG_CLOEXEC = 0x40000000;
const MSG_TRUNC = 0x20;
const MSG_CTRUNC = 0x8;

/** CRIU's answers are small; runc reads them into 40 KiB and so do we. */
const PAYLOAD_BYTES = 10 * 4096;
const CONTROL_BYTES = 64;
const MSGHDR = 0;
const IOVEC = 56;
const CONTROL = 72;
const PAYLOAD = CONTROL + CONTROL_BYTES;

interface Calls {
  socketpair(domain: number, type: number, protocol: number, fds: Buffer): number;
  socket(domain: number, type: number, protocol: number): number;
  connect(fd: number, address: Buffer, length: number): number;
  send(fd: number, buf: Uint8Array, length: number, flags: number): number;
  sendmsg(fd: number, msg: Buffer, flags: number): number;
  recvmsg: { async(fd: number, msg: unknown, flags: number, done: (error: unknown, n: number) => void): void };
  errno(): number;
}

let bound: Calls | undefined;
function calls(): Calls {
  const koffi = loadKoffi();
  return (bound ??= {
    socketpair: libcFunction('int socketpair(int domain, int type, int protocol, void *fds)'),
    socket: libcFunction('int socket(int domain, int type, int protocol)'),
    connect: libcFunction('int connect(int fd, const void *addr, uint32_t len)'),
    send: libcFunction('long send(int fd, const void *buf, size_t len, int flags)'),
    sendmsg: libcFunction('long sendmsg(int fd, const void *msg, int flags)'),
    // The async form returns errno through koffi.errno() of the worker: read it there, in the callback.
    recvmsg: libcFunction('long recvmsg(int fd, void *msg, int flags)'),
    errno: () => koffi.errno(),
  });
}

class RecvFailed extends Error {}

export interface Received {
  readonly data: Buffer;
  /** Fds that came with the message (SCM_RIGHTS), close-on-exec; the caller owns them. */
  readonly fds: number[];
}

/** Our end of a socketpair with `criu swrk`; the other end is handed to CRIU as its fd 3. */
export class SeqpacketSocket {
  private readonly block: unknown;
  private readonly view: Buffer;
  private closed = false;
  private receiving = false;

  private constructor(readonly fd: number) {
    const koffi = loadKoffi();
    this.block = koffi.alloc('uint8_t', PAYLOAD + PAYLOAD_BYTES);
    this.view = Buffer.from(koffi.view(this.block, PAYLOAD + PAYLOAD_BYTES));
    const base = koffi.address(this.block);
    this.view.fill(0, 0, PAYLOAD);
    this.view.writeBigUInt64LE(base + BigInt(IOVEC), MSGHDR + 16); // msg_iov
    this.view.writeBigUInt64LE(1n, MSGHDR + 24); // msg_iovlen
    this.view.writeBigUInt64LE(base + BigInt(CONTROL), MSGHDR + 32); // msg_control
    this.view.writeBigUInt64LE(base + BigInt(PAYLOAD), IOVEC); // iov_base
    this.view.writeBigUInt64LE(BigInt(PAYLOAD_BYTES), IOVEC + 8); // iov_len
  }

  /** A connected pair: ours, and the peer's fd for the child (close it here once the child has it). */
  static pair(): { ours: SeqpacketSocket; peer: number } {
    const fds = Buffer.alloc(8);
    if (calls().socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) !== 0) throw syscallError('socketpair');
    return { ours: new SeqpacketSocket(fds.readInt32LE(0)), peer: fds.readInt32LE(4) };
  }

  send(message: Uint8Array): void {
    const n = calls().send(this.fd, message, message.length, MSG_NOSIGNAL);
    if (n !== message.length) throw syscallError('send', 'to criu swrk', n < 0 ? errnoName(calls().errno()) : 'short write');
  }

  /**
   * The next message; an empty one means CRIU closed its end (it exited). A failed call is tried
   * again a few times: the errno of a worker thread's call is not ours to read, and EINTR is the
   * one failure a healthy socket gives.
   */
  async receive(): Promise<Received> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.receiveOnce();
      } catch (error) {
        if (!(error instanceof RecvFailed) || attempt >= 3) throw error instanceof RecvFailed ? syscallError('recvmsg', 'from criu swrk', 'failed') : error;
      }
    }
  }

  private receiveOnce(): Promise<Received> {
    this.view.writeBigUInt64LE(BigInt(CONTROL_BYTES), MSGHDR + 40); // msg_controllen, shrunk by each call
    this.receiving = true;
    return new Promise((resolve, reject) => {
      calls().recvmsg.async(this.fd, this.block, MSG_CMSG_CLOEXEC, (error, n) => {
        this.receiving = false;
        if (this.closed) {
          loadKoffi().free(this.block);
          return reject(new ContainerError('SystemError', 'criu swrk: the socket was closed while waiting for an answer'));
        }
        if (error) return reject(error);
        if (n < 0) return reject(new RecvFailed());
        const fds = this.controlFds();
        const flags = this.view.readInt32LE(MSGHDR + 48);
        if (flags & (MSG_TRUNC | MSG_CTRUNC)) {
          fds.forEach((fd) => closeSync(fd));
          return reject(new ContainerError('SystemError', `criu swrk sent a message over ${PAYLOAD_BYTES} bytes or with too many fds`));
        }
        resolve({ data: Buffer.from(this.view.subarray(PAYLOAD, PAYLOAD + Number(n))), fds });
      });
    });
  }

  private controlFds(): number[] {
    const length = Number(this.view.readBigUInt64LE(MSGHDR + 40));
    const fds: number[] = [];
    for (let at = CONTROL; at + 16 <= CONTROL + length; ) {
      const cmsgLen = Number(this.view.readBigUInt64LE(at));
      if (cmsgLen < 16) break;
      if (this.view.readInt32LE(at + 8) === SOL_SOCKET && this.view.readInt32LE(at + 12) === SCM_RIGHTS) {
        for (let i = at + 16; i + 4 <= at + cmsgLen; i += 4) fds.push(this.view.readInt32LE(i));
      }
      at += (cmsgLen + 7) & ~7;
    }
    return fds;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    closeSync(this.fd);
    // A receive still on its worker thread writes into the block: it is freed when that returns.
    if (!this.receiving) loadKoffi().free(this.block);
  }
}

/**
 * Sends fd to a unix socket at path by SCM_RIGHTS with name as the payload, as runc hands a
 * terminal's master to --console-socket.
 */
export function sendFdToSocket(path: string, fd: number, name: string): void {
  const sock = calls().socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (sock < 0) throw syscallError('socket');
  try {
    const address = Buffer.alloc(110);
    address.writeUInt16LE(AF_UNIX, 0);
    if (Buffer.byteLength(path) > 107) throw new ContainerError('ConfigInvalid', `--console-socket: "${path}" is too long for a unix socket path`);
    address.write(path, 2);
    if (calls().connect(sock, address, 2 + Buffer.byteLength(path) + 1) !== 0) throw syscallError('connect', path);
    const payload = Buffer.from(name);
    const message = Buffer.alloc(56 + 16 + 24);
    const koffi = loadKoffi();
    // sendmsg needs the addresses of the iovec and control block: one koffi allocation holds them all.
    const block = koffi.alloc('uint8_t', message.length + payload.length);
    try {
      const base = koffi.address(block);
      const view = Buffer.from(koffi.view(block, message.length + payload.length));
      view.fill(0);
      view.writeBigUInt64LE(base + 56n, 16); // msg_iov
      view.writeBigUInt64LE(1n, 24); // msg_iovlen
      view.writeBigUInt64LE(base + 72n, 32); // msg_control
      view.writeBigUInt64LE(24n, 40); // msg_controllen = CMSG_SPACE(4)
      view.writeBigUInt64LE(base + 96n, 56); // iov_base
      view.writeBigUInt64LE(BigInt(payload.length), 64); // iov_len
      view.writeBigUInt64LE(20n, 72); // cmsg_len = CMSG_LEN(4)
      view.writeInt32LE(SOL_SOCKET, 80);
      view.writeInt32LE(SCM_RIGHTS, 84);
      view.writeInt32LE(fd, 88);
      payload.copy(view, 96);
      if (calls().sendmsg(sock, block as Buffer, MSG_NOSIGNAL) < 0) throw syscallError('sendmsg', path);
    } finally {
      koffi.free(block);
    }
  } finally {
    closeSync(sock);
  }
}
