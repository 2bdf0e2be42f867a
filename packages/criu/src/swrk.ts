import { spawn, type StdioOptions } from 'node:child_process';
import { closeSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { ContainerError } from '@containerkit/core';
import { decodeResponse, encodeRequest } from './codec.js';
import { ReqType, type CriuReq, type CriuResp } from './schema.js';
import { SeqpacketSocket } from './socket.js';

const TYPE_NAMES = Object.fromEntries(Object.entries(ReqType).map(([name, value]) => [value, name.toLowerCase().replace('_', '-')]));

export interface Conversation {
  /** The criu binary. */
  readonly criu: string;
  /**
   * CRIU's fds 0-2: fds of this process, 'ignore', or 'pipe' for a stderr kept for the error
   * (what CRIU says before its log is open). Its fd 3 is the RPC socket.
   */
  readonly stdio: readonly (number | 'ignore' | 'pipe')[];
  /** Fds of this process that CRIU gets as its fds 4, 5, … (inherit_fd refers to them so). */
  readonly extraFds?: readonly number[];
  /**
   * Called once CRIU runs, before the request is sent (the restorer is put into the container's
   * cgroups here); returns the request.
   */
  request(criuPid: number): Promise<CriuReq> | CriuReq;
  /** Answers one notify callback; a throw makes CRIU abort, and the conversation fails with it. */
  notify(script: string, pid: number | undefined, fds: number[]): Promise<void> | void;
  /** Where CRIU's log for this request will be, read into the error on failure. */
  readonly logPath: string;
}

/**
 * One request to `criu swrk` and the notify callbacks until its answer (runc's criuSwrk). CRIU
 * is a child of this process; the restored tree of a RESTORE with rst_sibling becomes one too.
 */
export async function converse(c: Conversation): Promise<CriuResp> {
  const { ours, peer } = SeqpacketSocket.pair();
  let child: ReturnType<typeof spawn>;
  try {
    child = spawn(c.criu, ['swrk', '3'], { stdio: [...c.stdio, peer, ...(c.extraFds ?? [])] as StdioOptions });
  } finally {
    // CRIU has its end now: if it dies, our receive sees the end of the socket instead of waiting for ever.
    closeSync(peer);
  }
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code, signal) => resolve(signal ? 128 : code)));
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4096)));
  const started = await new Promise<Error | undefined>((resolve) => {
    child.once('spawn', () => resolve(undefined));
    child.once('error', (error) => resolve(error));
  });
  if (started) {
    ours.close();
    const missing = (started as NodeJS.ErrnoException).code === 'ENOENT';
    throw new ContainerError('SystemError', missing ? `criu: "${c.criu}" is not installed (not found in PATH)` : `criu: cannot start "${c.criu}": ${started.message}`);
  }
  let request: CriuReq | undefined;
  let response: CriuResp;
  try {
    request = await c.request(child.pid!);
    response = await talk(c, ours, request, exited, () => stderr);
  } catch (error) {
    ours.close();
    // CRIU ends when its socket does; the restorer must not outlive a failed restore.
    await exited;
    throw error;
  }
  // A pre-dump's CRIU waits for a next request until its socket closes, then exits non-zero (runc ignores that).
  ours.close();
  const code = await exited;
  if (code !== 0 && request.type !== ReqType.PRE_DUMP) throw await failure(c, request, `criu exited with status ${code} after answering`, stderr);
  return response;
}

async function talk(c: Conversation, ours: SeqpacketSocket, request: CriuReq, exited: Promise<number | null>, stderr: () => string): Promise<CriuResp> {
  ours.send(encodeRequest(request));
  for (;;) {
    const { data, fds } = await ours.receive();
    if (data.length === 0) throw await failure(c, request, `criu exited before answering (exit status ${await exited})`, stderr());
    const response = decodeResponse(data);
    if (!response.success) {
      fds.forEach((fd) => closeSync(fd));
      const why = response.crErrmsg ?? (response.crErrno ? `errno ${response.crErrno}` : 'no reason given');
      throw await failure(c, request, why, stderr());
    }
    if (response.type !== ReqType.NOTIFY) return response;
    let handlerError: unknown;
    try {
      await c.notify(response.notify?.script ?? '', response.notify?.pid, fds);
    } catch (error) {
      handlerError = error;
    }
    ours.send(encodeRequest({ type: ReqType.NOTIFY, notifySuccess: handlerError === undefined }));
    // CRIU undoes its work after a failed callback (and kills what it restored); ours is the reason to report.
    if (handlerError !== undefined) throw handlerError;
  }
}

async function failure(c: Conversation, request: CriuReq | undefined, why: string, stderr: string): Promise<ContainerError> {
  const what = request ? TYPE_NAMES[request.type] ?? `request ${request.type}` : 'swrk';
  const log = await readFile(c.logPath, 'utf8').catch(() => '');
  const errors = log
    .split('\n')
    .filter((line) => /^\(?[\d. ]*\)?\s*Error /.test(line) || line.includes('Error ('))
    .slice(-8);
  const detail = errors.length > 0 ? errors.join('\n') : log.split('\n').slice(-10).join('\n') || stderr.trim();
  return new ContainerError('SystemError', `criu ${what} failed: ${why}${detail ? `\n${detail}` : ''}\n(log: ${c.logPath})`, { path: c.logPath });
}
