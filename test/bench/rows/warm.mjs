// Rows 16a–16e (issue 16): ckrun served by the warm process of its root, against runc (and crun),
// every container with a config of its own as a client writes it (Workspace asClient). ckrun's
// CPU of a call is its caller's rusage (front end, the ck-inits it forks, the container) plus what
// its warm process spent meanwhile (lib/warm.mjs), which runs outside the caller's tree.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cleanEnv, warmEnv } from '../lib/measure.mjs';
import { waitEnded } from '../lib/proc.mjs';
import { shellQuote } from '../lib/runtimes.mjs';
import { ratio, targetRatio } from '../lib/series.mjs';
import { warmServer } from '../lib/warm.mjs';
import { LIFECYCLE_SCRIPT } from './lifecycle.mjs';
import { nextId, pairedRow, usable } from './context.mjs';

const AS_CLIENT = { asClient: true };
const WARM_INCLUDED = "ckrun's CPU includes its warm process's (read from /proc/PID/task/*/schedstat around each call)";

/**
 * A runtime as these rows call it: ckrun with its warm process (its CPU counted in the call's),
 * runc and crun as they are.
 * @param {import('./context.mjs').BenchContext} ctx @param {import('../lib/runtimes.mjs').Runtime} rt
 */
function contender(ctx, rt) {
  if (rt.name !== 'ckrun') return { rt, env: cleanEnv(), server: undefined, ready: () => '' };
  const env = warmEnv();
  let server;
  try {
    server = warmServer(rt, ctx.timer, env);
  } catch (error) {
    // A ckrun without a build id (CKBENCH_CKRUN naming a build from before issue 16) has no warm process.
    const why = `this ckrun has no warm process: ${/** @type {Error} */ (error).message}`;
    return { rt, env, server: undefined, ready: () => why };
  }
  return { rt, env, server, ready: () => server.ensureUp().why };
}

/** An untimed call (setup or clean-up); its outcome says why it failed. */
function untimed(ctx, c, args) {
  return ctx.timer.run([...c.rt.argv, ...args], { env: c.env });
}

function forceDelete(ctx, c, id) {
  untimed(ctx, c, ['delete', '--force', id]);
}

/** A command that fails with this reason, for a round whose untimed setup failed. */
function failing(why) {
  return ['sh', '-c', 'printf "%s\\n" "$0" >&2; exit 1', `setup failed: ${why}`];
}

/**
 * One contestant per usable runtime; every round works on a container of its own, its setup
 * (untimed) done by prepare(c, id), which returns the timed argv.
 */
function contestants(ctx, label, { reapAll, prepare, cleanUp }) {
  return usable(ctx).map((rt) => {
    const c = contender(ctx, rt);
    let id = '';
    return {
      name: rt.name,
      reapAll,
      env: c.env,
      server: c.server,
      argv: () => {
        id = nextId(`${rt.name}-${label}`);
        const why = c.ready();
        return why ? failing(why) : prepare(c, id);
      },
      after: (_round, ok) => cleanUp(c, id, ok),
    };
  });
}

/** The rows' ratios: ckrun ÷ runc against the issue's target, then the others for context. */
function issueRatios(what) {
  return (results) => [
    targetRatio(results, 'ckrun', 'runc', { text: `ckrun ${what} CPU ≤ 1.0× runc's`, metric: 'cpu', max: 1.0 }, 'ckrun (warm process included) ÷ runc'),
    ratio(results, 'ckrun', 'crun'),
    ratio(results, 'runc', 'crun'),
  ];
}

/** The part of ckrun's CPU that its warm process spent, below the row. */
function withWarmNote(row) {
  const ckrun = row.contestants.find((c) => c.name === 'ckrun');
  const notes = [`${WARM_INCLUDED}; configs differ per container (id, hostname, annotations, a bind mount).`];
  if (ckrun?.serverCpuMs) {
    const s = ckrun.serverCpuMs;
    notes.push(`  of which the warm process: ${s.median.toFixed(1)} ms (${s.min.toFixed(1)}–${s.max.toFixed(1)}) per round; the rest is the caller's rusage (front end, ck-inits, container)`);
  }
  return { ...row, extra: { ...row.extra, notes: [...(row.extra?.notes ?? []), ...notes] } };
}

/** 16a: create; start; wait; delete (four calls from one sh, as row 2). */
export function warmLifecycleRow(ctx) {
  return withWarmNote(
    pairedRow(ctx, {
      id: '16a',
      title: 'create + start + wait + delete (four calls), ckrun through its warm process',
      contestants: contestants(ctx, 'w-cycle', {
        reapAll: true,
        prepare: (c, id) => {
          const bundle = ctx.ws.bundle(id, undefined, AS_CLIENT);
          return ['sh', '-c', `RT=${shellQuote([shellQuote(c.rt.argv)])} B=${shellQuote([bundle])} ID=${id}\n${LIFECYCLE_SCRIPT}`];
        },
        cleanUp: (c, id, ok) => ok || forceDelete(ctx, c, id),
      }),
      ratios: issueRatios('create + start + wait + delete'),
    }),
  );
}

/** 16b: `run` of /bin/true (as row 1). */
export function warmRunRow(ctx) {
  return withWarmNote(
    pairedRow(ctx, {
      id: '16b',
      title: '`run` of /bin/true, ckrun through its warm process',
      contestants: contestants(ctx, 'w-run', {
        reapAll: true,
        prepare: (c, id) => [...c.rt.argv, 'run', '--bundle', ctx.ws.bundle(id, undefined, AS_CLIENT), id],
        cleanUp: (c, id, ok) => ok || forceDelete(ctx, c, id),
      }),
      ratios: issueRatios('run'),
    }),
  );
}

/** 16c: `state` of a running container (one per runtime, started before the rounds). */
export function warmStateRow(ctx) {
  const running = new Map();
  const setupFailed = [];
  for (const rt of usable(ctx)) {
    const c = contender(ctx, rt);
    const id = nextId(`${rt.name}-w-state`);
    const why = c.ready();
    const r = why ? undefined : untimed(ctx, c, ['run', '--detach', '--bundle', ctx.ws.bundle(id, ['sleep', '100000'], AS_CLIENT), id]);
    if (r?.ok) running.set(rt.name, { c, id });
    else {
      setupFailed.push({ name: rt.name, why: why || `run --detach failed: ${r?.why}` });
      forceDelete(ctx, c, id);
    }
  }
  try {
    return withWarmNote(
      pairedRow(ctx, {
        id: '16c',
        title: '`state` of a running container, ckrun through its warm process',
        contestants: [...running.values()].map(({ c, id }) => ({
          name: c.rt.name,
          env: c.env,
          server: c.server,
          argv: () => {
            const why = c.ready();
            return why ? failing(why) : [...c.rt.argv, 'state', id];
          },
        })),
        skipped: setupFailed,
        ratios: issueRatios('state'),
      }),
    );
  } finally {
    for (const { c, id } of running.values()) forceDelete(ctx, c, id);
  }
}

/** 16d: `kill … KILL` of a running container, a new one each round. */
export function warmKillRow(ctx) {
  return withWarmNote(
    pairedRow(ctx, {
      id: '16d',
      title: '`kill` (KILL) of a running container, ckrun through its warm process',
      contestants: contestants(ctx, 'w-kill', {
        reapAll: false,
        prepare: (c, id) => {
          const r = untimed(ctx, c, ['run', '--detach', '--bundle', ctx.ws.bundle(id, ['sleep', '100000'], AS_CLIENT), id]);
          return r.ok ? [...c.rt.argv, 'kill', id, 'KILL'] : failing(`run --detach: ${r.why}`);
        },
        cleanUp: (c, id) => forceDelete(ctx, c, id),
      }),
      ratios: issueRatios('kill'),
    }),
  );
}

/** 16e: `delete` of a stopped container (created, started, its process ended), a new one each round. */
export function warmDeleteRow(ctx) {
  return withWarmNote(
    pairedRow(ctx, {
      id: '16e',
      title: '`delete` of a stopped container, ckrun through its warm process',
      contestants: contestants(ctx, 'w-delete', {
        reapAll: false,
        prepare: (c, id) => {
          const why = stoppedContainer(ctx, c, id);
          return why ? failing(why) : [...c.rt.argv, 'delete', id];
        },
        cleanUp: (c, id, ok) => ok || forceDelete(ctx, c, id),
      }),
      ratios: issueRatios('delete'),
    }),
  );
}

/** create + start of /bin/true, then waits until the runtime says it is stopped; '' or why not. */
function stoppedContainer(ctx, c, id) {
  const bundle = ctx.ws.bundle(id, undefined, AS_CLIENT);
  const pidFile = join(bundle, 'pid');
  const created = untimed(ctx, c, ['create', '--bundle', bundle, '--pid-file', pidFile, id]);
  if (!created.ok) return `create: ${created.why}`;
  const started = untimed(ctx, c, ['start', id]);
  if (!started.ok) return `start: ${started.why}`;
  if (!waitEnded(Number(readFileSync(pidFile, 'utf8')))) return 'its process did not end within 10 s';
  for (let attempt = 0; attempt < 200; attempt++) {
    const state = spawnSync(c.rt.argv[0], [...c.rt.argv.slice(1), 'state', id], { encoding: 'utf8', env: c.env, timeout: 30_000 });
    try {
      if (JSON.parse(state.stdout).status === 'stopped') return '';
    } catch {
      // not JSON: an error, said below if it lasts
    }
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
  }
  return 'state did not say "stopped" within 2 s of its process ending';
}
