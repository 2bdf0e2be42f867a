import { AsyncLocalStorage } from 'node:async_hooks';
import { chmodSync, closeSync, ftruncateSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import type { Factory } from '@containerkit/core';
import { useCallStorage, type Call } from '../call.js';
import { openFactory } from '../factory.js';
import type { GlobalOptions } from '../globals.js';
import { distDir } from '../installed/location.js';
import { flushCallerOutput, writeToCaller } from './caller-output.js';
import { FrontEnd } from './front-end.js';
import { leaveCallerCgroups } from './leave-cgroups.js';
import { peerCredentials, pidfdGetfd, pidfdOpen, tryLock } from './libc.js';
import { refusal } from './peer.js';
import { decodeCall, doneFrame, frame, FrameReader, FRONT, LIMITS, refuseFrame, touchFrame, WARM } from './protocol.js';

/** How long a connection may take to send its CALL, and then its GO. */
const HANDSHAKE_TIMEOUT_MS = 5000;

type Main = (argv: string[]) => Promise<number>;

/** A call served here: its caller's things (Call), and where its frames and warnings go. */
interface WarmCall extends Call {
  warn?: (message: string) => void;
}

/** The socket and lock file of the warm process of one root and one build. */
export function warmPaths(root: string, buildId: string): { socket: string; lock: string } {
  return { socket: join(root, `@warm-${buildId}.sock`), lock: join(root, `@warm-${buildId}.lock`) };
}

/**
 * `ckrun @warm <root> <idle seconds> <build id> [<lock fd>]`, started by the front end (native/front/daemon.c):
 * serves the calls of front ends of this build on <root>/@warm-<build id>.sock, many at once,
 * each as `ckrun` would run it with the caller's environment, directory, fds and signals
 * (src/call.ts), its ck-inits started by the front end (FactoryOptions.spawnInit). Resolves, and
 * the process exits, once no call came for the idle time; another of the same root and build
 * (whose lock is held) or a build id that is not this dist/'s ends it at once.
 */
export async function serveWarm(args: string[], main: Main): Promise<number> {
  const [root, idleText, buildId, lockFdText] = args;
  const idleMs = Number(idleText) * 1000;
  if (!root?.startsWith('/') || !(idleMs > 0) || !buildId || !/^[0-9a-f]+$/.test(buildId)) return 2;
  try {
    if (readFileSync(join(distDir(), 'ckrun.build-id'), 'latin1').trim() !== buildId) return 0;
  } catch {
    return 0;
  }
  process.title = 'ckrun-warm';
  const paths = warmPaths(root, buildId);
  // The front end took the lock before Node started and hands it over (native/front/daemon.c).
  const lockFd = lockFdText !== undefined && /^\d+$/.test(lockFdText) ? Number(lockFdText) : openSync(paths.lock, 'w', 0o600);
  if (!tryLock(lockFd)) return 0;
  ftruncateSync(lockFd, 0);
  // Who serves the root, for ps-less tools (pnpm bench adds its CPU to the calls').
  writeSync(lockFd, `${process.pid}\n`, 0);
  leaveCallerCgroups();

  const storage = new AsyncLocalStorage<WarmCall>();
  useCallStorage(storage);
  const factories = new Map<string, Factory>();
  // One factory per root and options for every call: its drivers are probed once.
  const factoryFor = (globals: GlobalOptions): Factory => {
    const key = JSON.stringify([globals.root, globals.rootless, globals.criu ?? null]);
    let factory = factories.get(key);
    if (!factory) {
      factory = openFactory(
        globals,
        (message) => storage.getStore()?.warn?.(message),
        (request) => {
          const call = storage.getStore();
          if (!call?.spawnInit) throw new Error('a ck-init was asked for outside a call');
          return call.spawnInit(request);
        },
      );
      factories.set(key, factory);
    }
    return factory;
  };

  const server = createServer((socket) => serve(socket));
  let active = 0;
  let idleTimer: NodeJS.Timeout | undefined;
  let finish!: () => void;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  const armIdle = () => {
    if (active === 0) idleTimer = setTimeout(() => server.close(() => finish()), idleMs);
  };

  function serve(socket: Socket): void {
    active++;
    clearTimeout(idleTimer);
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      active--;
      armIdle();
    };
    socket.on('close', end);
    socket.on('error', () => socket.destroy());
    // A call's own errors are main's to report; anything else ends only this connection.
    handleCall(socket, storage, factoryFor, main, buildId)
      .catch(() => undefined)
      .finally(() => socket.destroy());
  }

  try {
    unlinkSync(paths.socket);
  } catch {
    // none left by a warm process before
  }
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(paths.socket, () => resolve());
  });
  chmodSync(paths.socket, 0o600);
  armIdle();
  await finished;
  for (const path of [paths.socket, paths.lock]) {
    try {
      unlinkSync(path);
    } catch {
      // the root is gone
    }
  }
  closeSync(lockFd);
  return 0;
}

/** One connection: CALL, the checks, ACCEPT, GO, the call itself, DONE. */
async function handleCall(
  socket: Socket,
  storage: AsyncLocalStorage<WarmCall>,
  factoryFor: (globals: GlobalOptions) => Factory,
  main: Main,
  buildId: string,
): Promise<void> {
  const fd = (socket as unknown as { _handle?: { fd?: number } })._handle?.fd;
  if (fd === undefined || fd < 0) return;
  const front = new FrontEnd(fd);
  const gone = new AbortController();
  const reader = new FrameReader(LIMITS.MAX_CALL);
  let waiting: ((f: { type: number; payload: Buffer } | undefined) => void) | undefined;
  const queued: { type: number; payload: Buffer }[] = [];
  socket.on('data', (chunk: Buffer) => {
    let frames;
    try {
      frames = reader.push(chunk);
    } catch {
      socket.destroy();
      return;
    }
    for (const f of frames) {
      if (waiting) {
        const w = waiting;
        waiting = undefined;
        w(f);
      } else if (started) front.receive(f.type, f.payload);
      else queued.push(f);
    }
  });
  socket.on('close', () => {
    front.close();
    gone.abort();
    waiting?.(undefined);
  });
  let started = false;
  const next = (): Promise<{ type: number; payload: Buffer } | undefined> =>
    queued.length > 0
      ? Promise.resolve(queued.shift())
      : new Promise((resolve) => {
          const timer = setTimeout(() => resolve(undefined), HANDSHAKE_TIMEOUT_MS);
          waiting = (f) => {
            clearTimeout(timer);
            resolve(f);
          };
        });

  let peer: { pid: number; uid: number };
  try {
    peer = peerCredentials(fd);
  } catch {
    return;
  }
  const first = await next();
  if (!first || first.type !== FRONT.CALL) return;
  let request;
  try {
    request = decodeCall(first.payload);
  } catch (error) {
    return front.send(refuseFrame((error as Error).message));
  }
  if (request.buildId !== buildId || request.dist !== distDir()) return front.send(refuseFrame('another build or another install of ckrun'));
  const refused = refusal(peer.pid, peer.uid);
  if (refused) return front.send(refuseFrame(refused));
  let pidfd: number;
  try {
    pidfd = pidfdOpen(peer.pid);
  } catch (error) {
    return front.send(refuseFrame((error as Error).message));
  }
  const callerFds = new Map<number, number>();
  try {
    // GO proves that the caller was still there after pidfd_open: the pidfd is the caller's.
    front.send(frame(WARM.ACCEPT));
    const go = await next();
    if (!go || go.type !== FRONT.GO) return;
    started = true;
    for (const f of queued.splice(0)) front.receive(f.type, f.payload);
    const call: WarmCall = {
      env: request.env,
      cwd: request.cwd,
      pid: peer.pid,
      gone: gone.signal,
      fd(target) {
        let ours = callerFds.get(target);
        if (ours === undefined) {
          ours = pidfdGetfd(pidfd, target);
          callerFds.set(target, ours);
        }
        return ours;
      },
      onSignal: (_signals, listener) => front.onSignal(listener),
      touch: (id) => front.send(touchFrame(id)),
      write: (target, bytes) => writeToCaller(call, target, bytes),
      end: (status) => front.send(doneFrame(status)),
      spawnInit: (spawn) => front.spawn(spawn),
      factory(globals, warn) {
        call.warn = warn;
        return factoryFor(globals);
      },
    };
    const status = await storage.run(call, () => main(request.argv.slice(1)));
    await flushCallerOutput(call);
    front.send(doneFrame(status));
  } finally {
    for (const ours of callerFds.values()) closeSync(ours);
    closeSync(pidfd);
  }
}
