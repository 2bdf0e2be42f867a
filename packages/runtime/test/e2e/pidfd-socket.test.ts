// --pidfd-socket (runc 1.2's): the caller receives a pidfd of the container's process.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildCProgram, supportSource } from '../../../../test/support/c-program.js';
import { CliWorld, SKIP_REASON, useCliWorld } from './cli-world.js';

const world = new CliWorld();

/** test/support/recvfd.c on a socket; resolves once it listens, done with what it printed. */
async function receiver(socket: string): Promise<{ done: Promise<string> }> {
  const bin = buildCProgram(supportSource('recvfd.c'), join(world.dir, 'recvfd'));
  const child = spawn(bin, [socket], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  await new Promise<void>((resolve, reject) => {
    child.stdout.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`recvfd exited with ${code}`)));
  });
  return { done: new Promise((resolve) => child.once('close', () => resolve(out.replace(/^ready\n/, '')))) };
}

describe.skipIf(SKIP_REASON !== '')(`ckrun --pidfd-socket (${SKIP_REASON || 'as root, built CLI'})`, () => {
  useCliWorld(world);

  it("hands the caller a pidfd of the container's init on run -d", async () => {
    const socket = join(world.dir, `init-${world.tag}.sock`);
    const received = await receiver(socket);
    const { id, bundle } = await world.bundle();
    expect(world.ckrun(['run', '-d', '--pidfd-socket', socket, '--bundle', bundle, id]).code).toBe(0);
    expect(await received.done).toBe(`pidfd ${world.state(id).pid}\n`);
    expect(world.ckrun(['delete', '-f', id]).code).toBe(0);
  });

  it('hands the caller a pidfd of an exec process', async () => {
    const { id, bundle } = await world.bundle();
    expect(world.ckrun(['run', '-d', '--bundle', bundle, id]).code).toBe(0);
    const socket = join(world.dir, `exec-${world.tag}.sock`);
    const received = await receiver(socket);
    const pidFile = join(world.dir, `exec-${world.tag}.pid`);
    expect(world.ckrun(['exec', '-d', '--pid-file', pidFile, '--pidfd-socket', socket, id, 'sleep', '100']).code).toBe(0);
    expect(await received.done).toBe(`pidfd ${readFileSync(pidFile, 'utf8').trim()}\n`);
    expect(world.ckrun(['delete', '-f', id]).code).toBe(0);
  });

  it('fails the start clearly when nothing listens on the socket, leaving nothing behind', async () => {
    const { id, bundle } = await world.bundle();
    const r = world.ckrun(['run', '-d', '--pidfd-socket', join(world.dir, 'nobody.sock'), '--bundle', bundle, id]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/pidfd_socket: connect pidfd socket .*nobody\.sock: ENOENT/);
  });
});
