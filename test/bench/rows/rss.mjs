// Row 6: peak RSS of each CLI call of a lifecycle, and the RSS of a created container's init
// while it waits on the exec fifo (ck-init vs `runc init` vs crun's), read from --pid-file.
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ancestors, processRss, waitEnded } from '../lib/proc.mjs';
import { forceDelete } from '../lib/runtimes.mjs';
import { median, summary } from '../lib/stats.mjs';
import { missingLines, nextId, usable } from './context.mjs';

const CALLS = ['create', 'state', 'start', 'delete'];

/** One create/state/start/wait/delete; undefined and a reason when a step fails. */
function lifecycle(ctx, rt) {
  const id = nextId(`${rt.name}-rss`);
  const bundle = ctx.ws.bundle(id);
  const pidFile = join(bundle, 'pid');
  const calls = {};
  const step = (name, args) => {
    const out = ctx.timer.run([...rt.argv, ...args]);
    if (!out.ok) throw new Error(`${name} failed: ${out.why}`);
    calls[name] = out.sample.rssKiB;
  };
  try {
    step('create', ['create', '--bundle', bundle, '--pid-file', pidFile, id]);
    const pid = Number(readFileSync(pidFile, 'utf8').trim());
    const init = processRss(pid);
    if (!init) throw new Error(`the init ${pid} from --pid-file is not running after create`);
    const monitor = ancestors().has(init.ppid) ? undefined : processRss(init.ppid);
    step('state', ['state', id]);
    step('start', ['start', id]);
    if (!waitEnded(pid)) throw new Error(`the container's /bin/true (pid ${pid}) did not end within 10 s`);
    step('delete', ['delete', id]);
    return { calls, initKiB: init.rssKiB, initName: init.name, monitorKiB: monitor?.rssKiB, monitorName: monitor?.name };
  } catch (error) {
    forceDelete(rt, id);
    return { why: /** @type {Error} */ (error).message };
  }
}

function libraryCreated(ctx) {
  const out = join(ctx.ws.dir, 'driver-rss.json');
  rmSync(out, { force: true });
  const r = ctx.timer.run([
    process.execPath, ctx.driver, '--root', ctx.ws.stateRoot('library'), '--bundle', join(ctx.ws.dir, 'base'),
    '--cgroup-parent', ctx.ws.cgroupParent, '--prefix', nextId('lib-rss'), '--rss', '--out', out,
  ], { reapAll: true });
  if (!r.ok) return { why: r.why };
  return { ...JSON.parse(readFileSync(out, 'utf8')), driverPeakKiB: r.sample.rssKiB };
}

/** @param {import('./context.mjs').BenchContext} ctx @returns {import('./context.mjs').RowResult} */
export function rssRow(ctx) {
  const skipped = missingLines(ctx);
  const contestants = [];
  const measure = (name, once) => {
    const runs = [];
    for (let i = 0; i < ctx.size.rssRuns; i++) {
      const r = once();
      if (r.why) {
        skipped.push({ name, why: r.why });
        return;
      }
      runs.push(r);
    }
    const med = (pick) => {
      const xs = runs.map(pick).filter((x) => typeof x === 'number');
      return xs.length ? median(xs) : undefined;
    };
    contestants.push({
      name,
      peakRssKiB: Object.fromEntries(CALLS.map((c) => [c, med((r) => r.calls?.[c])]).filter(([, v]) => v !== undefined)),
      waitingInitKiB: runs.length ? summary(runs.map((r) => r.initKiB)) : undefined,
      initName: runs[0]?.initName,
      monitorKiB: med((r) => r.monitorKiB),
      monitorName: runs.find((r) => r.monitorName)?.monitorName,
      driverPeakKiB: med((r) => r.driverPeakKiB),
    });
  };
  for (const rt of usable(ctx)) measure(rt.name, () => lifecycle(ctx, rt));
  if (ctx.library.ok) measure('library', () => libraryCreated(ctx));
  else skipped.push({ name: 'library', why: ctx.library.why });
  return {
    id: '6',
    title: 'peak RSS of each CLI call, and RSS of a created container’s waiting init',
    skipped,
    contestants,
    ratios: [],
    extra: { target: { text: 'a created container’s waiting init ≤ 1.5 MiB RSS', maxKiB: 1536 } },
  };
}
