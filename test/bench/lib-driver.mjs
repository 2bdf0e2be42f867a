#!/usr/bin/env node
// One long-lived process driving the library: create → run → wait → destroy for COUNT
// containers, PARALLEL at a time (rows 4 and 5), or one container held in "created" to read
// the RSS of its waiting init (row 6). Writes its own per-container times as JSON to --out.
//
//   node lib-driver.mjs --root DIR --bundle DIR --cgroup-parent /P --prefix ID --count N
//                       [--parallel P] [--rss] [--seccomp-cache-dir DIR] --out FILE
// --seccomp-cache-dir is the factory's seccompCacheDir (row 4s: filled before the rounds, so the
// process's first container reads the compiled filter from it and the rest reuse it in memory).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createFactory } from '@containerkit/core';
import { capabilities } from '@containerkit/capabilities';
import { cgroupsV1 } from '@containerkit/cgroups-v1';
import { namespaces } from '@containerkit/namespaces';
import { median } from './lib/stats.mjs';
import { processRss } from './lib/proc.mjs';
import { fileServersOf, zygotesOf } from '../support/processes.mjs';

const { values: o } = parseArgs({
  options: {
    root: { type: 'string' },
    bundle: { type: 'string' },
    'cgroup-parent': { type: 'string' },
    prefix: { type: 'string' },
    count: { type: 'string', default: '1' },
    parallel: { type: 'string', default: '1' },
    rss: { type: 'boolean', default: false },
    'seccomp-cache-dir': { type: 'string' },
    out: { type: 'string' },
  },
});
if (!o.root || !o.bundle || !o['cgroup-parent'] || !o.prefix || !o.out) {
  console.error('lib-driver: --root, --bundle, --cgroup-parent, --prefix and --out are required');
  process.exit(2);
}
const bundle = o.bundle;
const base = JSON.parse(readFileSync(join(bundle, 'config.json'), 'utf8'));

const factory = createFactory({
  root: o.root, cgroups: await cgroupDrivers(), namespaces: namespaces(), capabilities: capabilities(),
  seccompCacheDir: o['seccomp-cache-dir'],
});

/** cgroups-v2 is optional: on a hybrid host v1 serves, and a v2 package that does not load must not stop the bench. */
async function cgroupDrivers() {
  const drivers = [cgroupsV1()];
  try {
    const v2 = await import('@containerkit/cgroups-v2');
    if (typeof v2.cgroupsV2 === 'function') drivers.push(v2.cgroupsV2());
  } catch {
    // v1 alone
  }
  return drivers;
}

function configFor(id) {
  const config = structuredClone(base);
  config.linux.cgroupsPath = `${o['cgroup-parent']}/${id}`;
  return config;
}

async function one(id) {
  const t0 = process.hrtime.bigint();
  const container = await factory.create(id, configFor(id), { bundle });
  try {
    const proc = await container.run({ stdio: 'ignore' });
    const { exitCode, signal } = await proc.wait();
    if (exitCode !== 0) throw new Error(`container ${id} ended with ${signal ?? `exit code ${exitCode}`}`);
  } finally {
    await container.destroy();
  }
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

/** The init after start() waits on the exec fifo: its RSS is what a created container costs. */
async function createdRss(id) {
  const container = await factory.create(id, configFor(id), { bundle });
  try {
    const proc = await container.start({ stdio: 'ignore' });
    const init = processRss(proc.pid);
    const monitor = init && init.ppid !== process.pid ? processRss(init.ppid) : undefined;
    await container.exec();
    await proc.wait();
    return { initKiB: init?.rssKiB, monitorKiB: monitor?.rssKiB, monitorName: monitor?.name };
  } finally {
    await container.destroy();
  }
}

const count = Number(o.count);
const parallel = Number(o.parallel);
const start = process.hrtime.bigint();
if (o.rss) {
  writeFileSync(o.out, JSON.stringify(await createdRss(`${o.prefix}-0`)));
} else {
  const times = [];
  let next = 0;
  // Node's CPU once its first container is done: the steady state, without start-up and first use.
  let afterFirst;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      times.push(await one(`${o.prefix}-${i}`));
      afterFirst ??= { cpuMs: ownCpuMs(), done: times.length };
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, count) }, worker));
  const totalMs = Number(process.hrtime.bigint() - start) / 1e6;
  const cpu = cpuSplit();
  writeFileSync(
    o.out,
    JSON.stringify({
      count, parallel, totalMs, firstMs: parallel === 1 ? times[0] : undefined, medianMs: median(times), minMs: Math.min(...times), maxMs: Math.max(...times),
      nodeCpuMsPerContainer: cpu.nodeMs / count, childrenCpuMsPerContainer: cpu.childrenMs / count,
      nodeSteadyCpuMsPerContainer: count > afterFirst.done ? (cpu.nodeMs - afterFirst.cpuMs) / (count - afterFirst.done) : undefined,
    }),
  );
}

/**
 * This process's CPU (every thread) and that of ck-init and the containers' processes. The
 * split shows how much of a container is Node's and how much the kernel work every runtime does
 * for it. The library's ck-init zygote (a child of this process) reaps the ck-inits it forked,
 * so their CPU is in its counters; anything this process reaped itself is in its own. Clock
 * ticks, fine over a batch.
 */
function cpuSplit() {
  const tickMs = 1000 / 100; // CLK_TCK is 100 on Linux
  const ticks = (pid, fields) => {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const stat = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return fields.reduce((sum, i) => sum + Number(stat[i]), 0);
  };
  let childrenTicks = ticks('self', [13, 14]); // cutime, cstime
  for (const pid of zygotesOf(process.pid)) childrenTicks += ticks(pid, [11, 12, 13, 14]); // its own and its reaped children's
  // The zygote's file server lives until this process ends, so it is not among the reaped yet.
  for (const pid of fileServersOf(process.pid)) childrenTicks += ticks(pid, [11, 12]);
  return { nodeMs: ownCpuMs(), childrenMs: childrenTicks * tickMs };
}

/** This process's CPU, every thread of it (the main one, libuv's pool, V8's), in ms. */
function ownCpuMs() {
  const { userCPUTime, systemCPUTime } = process.resourceUsage();
  return (userCPUTime + systemCPUTime) / 1000;
}
