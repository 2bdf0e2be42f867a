// ckrun's warm process (issue 16): which process serves a state root, and the CPU it spends on a
// call. A call it serves runs mostly in it, outside the caller's process tree, so the kernel's
// rusage of the call misses that part; the bench reads the warm process's own counters around
// each timed call and adds the difference to the call's CPU.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, readlinkSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { waitEnded } from './proc.mjs';

/** The build id a ckrun binary's warm process is keyed by: dist/ckrun.build-id beside the real binary. */
export function buildIdOf(ckrunBinary) {
  return readFileSync(join(dirname(realpathSync(ckrunBinary)), 'ckrun.build-id'), 'latin1').trim();
}

/** packages/runtime/src/warm/server.ts warmPaths. */
export function warmPaths(root, buildId) {
  return { socket: join(root, `@warm-${buildId}.sock`), lock: join(root, `@warm-${buildId}.lock`) };
}

/** The pid the lock file holds as text, or undefined while it is empty or not a pid. */
export function parseLockPid(text) {
  const m = /^(\d+)\n?$/.exec(text);
  return m ? Number(m[1]) : undefined;
}

/** se.sum_exec_runtime of one thread, in ns: the first field of /proc/PID/task/TID/schedstat. */
export function parseSchedstatNs(text) {
  const m = /^(\d+)\s/.exec(text);
  if (!m) throw new Error(`schedstat: not a number of ns: ${JSON.stringify(text)}`);
  return Number(m[1]);
}

/** cutime + cstime (fields 16 and 17) of /proc/PID/stat, in clock ticks: the CPU of children it reaped. */
export function parseStatChildrenTicks(text) {
  // The name (field 2) may hold spaces and parentheses: fields are counted after its last ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).trim().split(/\s+/);
  const [cutime, cstime] = [fields[16 - 3], fields[17 - 3]].map((f) => (/^\d+$/.test(f ?? '') ? Number(f) : NaN));
  if (Number.isNaN(cutime) || Number.isNaN(cstime)) throw new Error(`stat: no cutime/cstime in ${JSON.stringify(text)}`);
  return cutime + cstime;
}

let ticksPerSecond;
function tickNs() {
  ticksPerSecond ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  return 1e9 / ticksPerSecond;
}

/**
 * CPU the process has spent so far, in ns: every thread's scheduler runtime (ns, where
 * /proc/PID/stat counts in 10 ms ticks) plus what its reaped children spent.
 * @returns {number | undefined} undefined once it is gone
 */
export function processCpuNs(pid) {
  try {
    let ns = 0;
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try {
        ns += parseSchedstatNs(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'latin1'));
      } catch (error) {
        // A thread that ended between the listing and the read.
        if (/** @type {NodeJS.ErrnoException} */ (error).code !== 'ENOENT' && /** @type {NodeJS.ErrnoException} */ (error).code !== 'ESRCH') throw error;
      }
    }
    return ns + parseStatChildrenTicks(readFileSync(`/proc/${pid}/stat`, 'latin1')) * tickNs();
  } catch (error) {
    if (/** @type {NodeJS.ErrnoException} */ (error).code === 'ENOENT' || /** @type {NodeJS.ErrnoException} */ (error).code === 'ESRCH') return undefined;
    throw error;
  }
}

const pause = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/**
 * The process's CPU once it has stopped working: after a call's DONE it may still close the
 * connection and collect garbage, which the call caused. Read until it stays the same for 20 ms
 * (at most 1 s).
 */
export function settledCpuNs(pid) {
  let last = processCpuNs(pid);
  for (let waited = 0, still = 0; last !== undefined && waited < 1000 && still < 20; waited += 5) {
    pause(5);
    const now = processCpuNs(pid);
    still = now === last ? still + 5 : 0;
    last = now;
  }
  return last;
}

/**
 * The warm process serving this root for this build: the pid in its lock file, if that process
 * is alive and has that very file open (not a stale file, not another root's process).
 * @returns {number | undefined}
 */
export function warmPid(root, buildId) {
  const { lock } = warmPaths(root, buildId);
  let pid;
  try {
    pid = parseLockPid(readFileSync(lock, 'latin1'));
  } catch {
    return undefined;
  }
  if (pid === undefined) return undefined;
  try {
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      try {
        if (readlinkSync(`/proc/${pid}/fd/${fd}`) === lock) return pid;
      } catch {
        // closed meanwhile
      }
    }
  } catch {
    // gone
  }
  return undefined;
}

/** Polls until a warm process serves the root and listens; undefined after timeoutMs. */
export function waitWarm(root, buildId, timeoutMs = 10_000) {
  for (let waited = 0; waited < timeoutMs; waited += 5) {
    const pid = warmPid(root, buildId);
    if (pid !== undefined && existsSync(warmPaths(root, buildId).socket)) return pid;
    pause(5);
  }
  return undefined;
}

/**
 * Ends a warm process the bench had started (never one it did not: the pid comes from a root of
 * the bench's own) and waits until it has ended.
 */
export function endWarm(pid) {
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  waitEnded(pid, 5000);
}

/**
 * What the series needs to count a warm process's CPU in a ckrun contestant's calls.
 * @param {{ argv: string[] }} runtime ckrun: binary, --root, root
 * @param {{ output: () => string }} timer the timer the calls run under (its log says whether a call went cold)
 * @param {NodeJS.ProcessEnv} env the calls' environment (warmEnv())
 */
export function warmServer(runtime, timer, env) {
  const [binary, , root] = runtime.argv;
  const buildId = buildIdOf(binary);
  let lastWhy = '';
  return {
    root,
    pid: () => warmPid(root, buildId),
    /**
     * A warm process for the root, started if none is up by an untimed `list` spawned from the
     * bench (so that it is not adopted by a timer -r of a timed call).
     * @returns {{ pid?: number, why: string }}
     */
    ensureUp() {
      const up = warmPid(root, buildId);
      if (up !== undefined) return { pid: up, why: (lastWhy = '') };
      const r = spawnSync(binary, [...runtime.argv.slice(1), 'list'], { stdio: 'ignore', env, timeout: 30_000 });
      if (r.status !== 0) return { why: (lastWhy = `ckrun list, to start the warm process, failed (${r.status ?? r.signal})`) };
      const pid = waitWarm(root, buildId);
      lastWhy = pid === undefined ? `no warm process came up for ${root} within 10 s of a call` : '';
      return { pid, why: lastWhy };
    },
    /**
     * Called right before a timed call (its preparation done): the warm process must already be up.
     * The returned function, called after it, gives the CPU the warm process spent meanwhile.
     * @returns {() => { cpuMs: number, why: string }}
     */
    begin() {
      const pid = warmPid(root, buildId);
      const before = pid === undefined ? undefined : settledCpuNs(pid);
      return () => {
        if (pid === undefined || before === undefined) return { cpuMs: 0, why: `no warm process served ${root} before the call${lastWhy ? `: ${lastWhy}` : ''}` };
        const after = settledCpuNs(pid);
        if (after === undefined || warmPid(root, buildId) !== pid) return { cpuMs: 0, why: 'the warm process ended during the call' };
        const cold = timer.output().split('\n').find((line) => line.startsWith('ckrun: cold:'));
        if (cold) return { cpuMs: 0, why: `a call went cold instead of to the warm process: ${cold.slice(0, 160)}` };
        return { cpuMs: (after - before) / 1e6, why: '' };
      };
    },
  };
}
