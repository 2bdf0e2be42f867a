#!/usr/bin/env node
// Row 7, inside one fresh process: what compiling podman's default seccomp profile costs the
// built library (packages/core/dist), before and after its caches, through seccompCompiler:
// the compiler a factory makes (with or without seccompCacheDir) and start() calls. No
// container is made.
//
//   node seccomp-cost.mjs --root DIR --bundle DIR --repeat K --out FILE
//
// Writes, in ms (wall, in-process) and CPU ms (process.cpuUsage, every thread):
//   first        the process's first compile, no cache dir: loads koffi and libseccomp, compiles
//   memoryHit    the same content again (a new object) through the same compiler, K times
//   compile      a new compiler without cache dir, K times: the profile's hash + compileSeccomp
//   missWrite    a new compiler with an empty cache dir: compiles and writes the file
//   diskHit      a new compiler with that dir, K times: reads and checks the file
import { createRequire } from 'node:module';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values: o } = parseArgs({
  options: {
    root: { type: 'string' },
    bundle: { type: 'string' },
    repeat: { type: 'string', default: '10' },
    out: { type: 'string' },
  },
});
if (!o.root || !o.bundle || !o.out) {
  console.error('seccomp-cost: --root, --bundle and --out are required');
  process.exit(2);
}

const t0 = performance.now();
const { seccompCompiler } = await import('@containerkit/core');
const importMs = performance.now() - t0;

const require = createRequire(import.meta.url);
const koffiLoaded = () => Object.keys(require.cache).some((k) => k.includes('/koffi'));

const bundle = o.bundle;
const base = JSON.parse(readFileSync(join(bundle, 'config.json'), 'utf8'));
if (!base.linux?.seccomp) fail(`${bundle}/config.json has no linux.seccomp`);
const repeat = Number(o.repeat);

/** A new compiler, as a new process's factory makes it; the profile as a client wrote it. */
function compilerOf(cacheDir) {
  return { compiler: seccompCompiler({ cacheDir }), profile: structuredClone(base.linux.seccomp) };
}

/** Wall ms (performance.now) and CPU ms (every thread of this process) of one compile. */
async function timed(compiler, profile) {
  const cpu0 = process.cpuUsage();
  const w0 = performance.now();
  const filter = await compiler.compile(profile);
  const wallMs = performance.now() - w0;
  const { user, system } = process.cpuUsage(cpu0);
  if (!filter?.bpf?.length) fail('the compile returned no BPF');
  return { wallMs, cpuMs: (user + system) / 1000, instructions: filter.bpf.length / 8 };
}

function fail(why) {
  writeFileSync(o.out, JSON.stringify({ why }));
  console.error(`seccomp-cost: ${why}`);
  process.exit(3);
}

const koffiBefore = koffiLoaded();
const a = await compilerOf(undefined);
const first = await timed(a.compiler, a.profile);

const memoryHit = [];
for (let i = 0; i < repeat; i++) memoryHit.push(await timed(a.compiler, structuredClone(a.profile)));

const compile = [];
for (let i = 0; i < repeat; i++) {
  const d = await compilerOf(undefined);
  compile.push(await timed(d.compiler, d.profile));
}

const cacheDir = join(mkdtempSync(join(o.root, 'seccomp-cost-')), '@seccomp');
const w = await compilerOf(cacheDir);
const missWrite = await timed(w.compiler, w.profile);
const files = readdirSync(cacheDir).filter((f) => f.endsWith('.bpf'));
if (files.length !== 1) fail(`the cache dir holds ${files.length} .bpf files after one compile, not 1`);
const diskHit = [];
for (let i = 0; i < repeat; i++) {
  const c = await compilerOf(cacheDir);
  diskHit.push(await timed(c.compiler, c.profile));
}

writeFileSync(o.out, JSON.stringify({
  importMs, koffiBefore, instructions: first.instructions, cacheFileBytes: readFileSync(join(cacheDir, files[0])).length,
  first, memoryHit, compile, missWrite, diskHit,
}));
