// One timed process: spawned through timer.c, which reports the kernel's rusage of the
// reaped children (CPU in µs, peak RSS) and a monotonic wall time.
import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/**
 * @typedef {object} Sample
 * @property {number} wallMs
 * @property {number} cpuMs user+sys of every reaped child
 * @property {number} rssKiB the largest single process among those reaped
 */

/**
 * @typedef {object} Outcome
 * @property {boolean} ok
 * @property {Sample} sample
 * @property {string} why first lines of stderr when not ok
 */

/**
 * Environment for every timed Node: these two change Node's start-up (×2.9 for the CA file).
 * CKRUN_WARM_IDLE=0 keeps ckrun on its cold path (one Node per call, as before issue 16) in every
 * row but the 16 rows, which ask for its warm process with warmEnv(): under timer.c -r, a warm
 * process started by a timed call would be adopted by the timer, which would wait out its idle time.
 */
export function cleanEnv() {
  const env = { ...process.env, CKRUN_WARM_IDLE: '0' };
  delete env.NODE_EXTRA_CA_CERTS;
  delete env.NODE_OPTIONS;
  return env;
}

/**
 * ckrun with its default idle time (it uses a warm process and starts one when none serves its
 * root), saying on stderr when a call went cold instead (`ckrun: cold: …`, CKRUN_TRACE_START).
 */
export function warmEnv() {
  const env = { ...cleanEnv(), CKRUN_TRACE_START: '1' };
  delete env.CKRUN_WARM_IDLE;
  return env;
}

export class Timer {
  /** @param {string} workDir */
  constructor(workDir) {
    this.workDir = workDir;
    this.binary = join(workDir, 'timer');
    this.out = join(workDir, 'timer.out');
    this.log = join(workDir, 'timer.log');
    execFileSync('cc', ['-O2', '-o', this.binary, join(here, '..', 'timer.c')], { stdio: 'inherit' });
  }

  /**
   * @param {string[]} argv
   * @param {{ reapAll?: boolean, timeoutSec?: number, env?: NodeJS.ProcessEnv }} [options] env: cleanEnv() unless given
   * @returns {Outcome}
   */
  run(argv, { reapAll = false, timeoutSec = 60, env = cleanEnv() } = {}) {
    // Files, not pipes: a detached container keeps inherited pipes open and spawnSync would wait for it.
    const log = openSync(this.log, 'w');
    try {
      const flags = [...(reapAll ? ['-r'] : []), '-t', String(timeoutSec)];
      const r = spawnSync(this.binary, [...flags, this.out, ...argv], { stdio: ['ignore', log, log], env });
      if (r.status !== 0) return failed(`timer failed (${r.status ?? r.signal})`);
      const [status, wall, user, sys, rss, leftover] = readFileSync(this.out, 'utf8').trim().split(' ');
      const sample = { wallMs: Number(wall) / 1000, cpuMs: (Number(user) + Number(sys)) / 1000, rssKiB: Number(rss) };
      if (status !== '0') return { ok: false, sample, why: `exit ${status}: ${this.tail()}` };
      if (leftover === '1') return { ok: false, sample, why: `left a process running after it exited: ${this.tail()}` };
      return { ok: true, sample, why: '' };
    } finally {
      closeSync(log);
    }
  }

  /** What the last call wrote on stdout and stderr. */
  output() {
    return readFileSync(this.log, 'utf8');
  }

  /** The first line that names an error (a Node crash ends with its version, not its cause), else the last three. */
  tail() {
    const lines = readFileSync(this.log, 'utf8').trim().split('\n');
    const error = lines.find((line) => /\b\w*Error\b/.test(line));
    return (error ?? lines.slice(-3).join(' | ')).trim().slice(0, 300) || '(no output)';
  }
}

/** @param {string} why @returns {Outcome} */
function failed(why) {
  return { ok: false, sample: { wallMs: 0, cpuMs: 0, rssKiB: 0 }, why };
}
