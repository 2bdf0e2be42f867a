// What the light snapshot (src/snapshot-light.ts) runs before it is written. V8 compiles a
// function when it is first called, and a snapshot keeps the bytecode of every function that
// ran: calls that went through `state`, `list` and `--version` once at build time leave those
// paths compiled, Node's own fs and path functions included, where compiling them was a
// fifth of a `state` call. The calls run against a scratch root that holds one container
// whose init is this build process, in a cgroup made of plain files: nothing outside the
// scratch directory is written, and nothing the calls read is kept (every call opens its own
// factory).
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StateStore } from '../../core/src/state/store.js';
import type { Io } from './main.js';

/** The CLI's entry (main.ts), as the warm-ups call it. */
export type Main = (argv: string[], io: Io) => Promise<number>;

/** Where a warm-up's calls print at build time: nowhere. */
export const silent: Io = { stdout: () => {}, stderr: () => {} };

/** io: where the calls print (nowhere at build time; tests look). */
export async function warmUp(main: Main, io: Io = silent): Promise<void> {
  const scratch = mkdtempSync(join(tmpdir(), 'ckrun-warm-up-'));
  try {
    const root = await saveRunningContainer(scratch);
    const calls = [
      ['--version'],
      ['--root', root, 'state', 'warm-up'],
      ['--root', root, 'state', 'no-such-container'],
      ['--root', root, 'list'],
      ['--root', root, 'list', '--format', 'json'],
    ];
    for (const argv of calls) await main(argv, io);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** A container as `run --detach` leaves it: state "running", its cgroup thawed (v1 and v2 files). */
async function saveRunningContainer(scratch: string): Promise<string> {
  const root = join(scratch, 'root');
  const cgroup = join(scratch, 'cgroup');
  mkdirSync(cgroup);
  writeFileSync(join(cgroup, 'freezer.state'), 'THAWED\n');
  writeFileSync(join(cgroup, 'cgroup.freeze'), '0\n');
  const store = new StateStore(root, () => {
    throw new Error('warm-up: the state store made a system call');
  });
  await store.claim({
    ociVersion: '1.2.0',
    id: 'warm-up',
    pid: process.pid,
    initStartTime: ownStartTime(),
    created: new Date(0).toISOString(),
    bundle: scratch,
    rootfs: join(scratch, 'rootfs'),
    owner: 'root',
    spec: { ociVersion: '1.2.0' },
    cgroupPath: '/ckrun-warm-up',
    cgroupPaths: { '': cgroup, freezer: cgroup },
    namespacePaths: {},
  });
  return root;
}

/** Field 22 of /proc/self/stat, as the library records an init's start time. */
function ownStartTime(): string {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? '';
}
