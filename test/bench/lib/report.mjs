// The printed table: per row, each contestant's medians (min–max), the paired ratios and the
// issue's target beside them, and a line for every runtime that was not measured and why.

const f1 = (x) => (x === undefined || Number.isNaN(x) ? '–' : x >= 100 ? x.toFixed(0) : x.toFixed(1));
const f2 = (x) => (x === undefined || Number.isNaN(x) ? '–' : x.toFixed(2));
const mib = (kib) => (kib === undefined ? '–' : (kib / 1024).toFixed(1));
const pad = (s, n) => String(s).padEnd(n);

/** @param {{ median: number, min: number, max: number } | undefined} s @param {number} [div] */
function range(s, div = 1, fmt = f1) {
  if (!s) return '–';
  return `${fmt(s.median / div)} (${fmt(s.min / div)}–${fmt(s.max / div)})`;
}

/** Issue 15: what Node itself spends per container once it runs them one after another. */
const STEADY_NODE_TARGET = { text: "Node's own CPU per container in steady state ≤ 1 ms", metric: 'ms', max: 1 };

/** @param {import('../rows/context.mjs').Target} target @param {any} r */
export function verdict(target, r) {
  const s = r?.[target.metric];
  if (!s) return 'not measured';
  const v = s.median;
  if (target.max !== undefined) return v <= target.max ? 'met' : `MISSED by ${((v / target.max - 1) * 100).toFixed(0)}%`;
  if (target.min !== undefined) return v >= target.min ? 'met' : `MISSED by ${((1 - v / target.min) * 100).toFixed(0)}%`;
  return '';
}

/** @param {import('../rows/context.mjs').RowResult} row @returns {string[]} */
export function formatRow(row) {
  const lines = [`── ${row.id}. ${row.title}`];
  if (row.id === '6') lines.push(...rssLines(row));
  else if (row.contestants.length) {
    const unit = row.contestants.some((c) => c.perUnit) ? ' per container' : '';
    lines.push(`  ${pad('', 28)}${pad(`CPU ms${unit}`, 26)}${pad(`wall ms${unit}`, 26)}peak RSS MiB`);
    for (const c of row.contestants) {
      const div = c.perUnit ?? 1;
      const extra = c.perUnit ? `   ${f1((c.perUnit * 1000) / c.wallMs.median)} containers/s, ${c.rounds} rounds` : `   ${c.rounds} rounds`;
      lines.push(`  ${pad(c.name, 28)}${pad(range(c.cpuMs, div), 26)}${pad(range(c.wallMs, div), 26)}${mib(c.peakRssKiB.median)}${extra}`);
    }
  }
  for (const r of row.ratios) {
    const name = r.label ?? `${r.a} ÷ ${r.b}`;
    if (r.target?.metric === 'throughput') lines.push(`  ratio ${name}: ${range(r.throughput, 1, f2)}`);
    else lines.push(`  ratio ${name}: CPU ${range(r.cpu, 1, f2)}, wall ${range(r.wall, 1, f2)}`);
    if (r.target) lines.push(`    target: ${r.target.text} (${r.target.metric}) → ${verdict(r.target, r)}`);
  }
  if (row.extra?.libraryInProcess) {
    const runs = row.extra.libraryInProcess;
    const p50 = runs.map((x) => x.medianMs).sort((a, b) => a - b)[runs.length >> 1];
    const firsts = runs.map((x) => x.firstMs).filter((x) => x !== undefined).sort((a, b) => a - b);
    const first = firsts.length ? `; its first container ${f1(firsts[firsts.length >> 1])} ms (median of rounds)` : '';
    lines.push(`  library, measured inside its process: per-container time from create to destroy, median of round medians ${f1(p50)} ms${first}`);
    const split = runs.filter((x) => x.childrenCpuMsPerContainer !== undefined);
    if (split.length) {
      const med = (key) => split.map((x) => x[key]).sort((a, b) => a - b)[split.length >> 1];
      lines.push(`  library CPU per container, median of rounds: Node ${f1(med('nodeCpuMsPerContainer'))} ms (its start included), ck-init and the container's process ${f1(med('childrenCpuMsPerContainer'))} ms`);
      const steady = split.filter((x) => x.nodeSteadyCpuMsPerContainer !== undefined && x.parallel === 1);
      if (steady.length) {
        const v = steady.map((x) => x.nodeSteadyCpuMsPerContainer).sort((a, b) => a - b)[steady.length >> 1];
        lines.push(`  Node's own CPU per container in steady state (every thread; its first container excluded), median of rounds: ${f2(v)} ms`);
        lines.push(`    target: ${STEADY_NODE_TARGET.text} → ${verdict(STEADY_NODE_TARGET, { ms: { median: v } })}`);
      }
    }
  }
  for (const note of row.extra?.notes ?? []) lines.push(`  ${note}`);
  for (const s of row.skipped) lines.push(`  not measured: ${s.name}: ${s.why}`);
  return lines;
}

function rssLines(row) {
  const lines = [`  peak RSS MiB of each call   ${pad('create', 9)}${pad('state', 9)}${pad('start', 9)}${pad('delete', 9)}waiting init MiB med (min–max)   its monitor`];
  for (const c of row.contestants) {
    const p = c.peakRssKiB;
    const init = c.waitingInitKiB ? `${mib(c.waitingInitKiB.median)} (${mib(c.waitingInitKiB.min)}–${mib(c.waitingInitKiB.max)}) ${c.initName ?? ''}` : '–';
    const monitor = c.monitorKiB !== undefined ? `${c.monitorName}: ${mib(c.monitorKiB)} MiB` : '';
    lines.push(`  ${pad(c.name, 28)}${pad(mib(p.create), 9)}${pad(mib(p.state), 9)}${pad(mib(p.start), 9)}${pad(mib(p.delete), 9)}${pad(init, 33)}${monitor}`);
  }
  const target = row.extra.target;
  for (const name of ['ckrun', 'library']) {
    const v = row.contestants.find((x) => x.name === name)?.waitingInitKiB?.median;
    if (v === undefined) {
      lines.push(`    target: ${target.text}: ${name} → not measured`);
      continue;
    }
    lines.push(`    target: ${target.text}: ${name} ${mib(v)} MiB → ${v <= target.maxKiB ? 'met' : `MISSED by ${((v / target.maxKiB - 1) * 100).toFixed(0)}%`}`);
  }
  return lines;
}
