#!/usr/bin/env node
// Row 7, inside one fresh process: what compiling podman's default seccomp profile costs the
// built library (packages/core/dist), before and after its caches. The compiler
// (seccompCompiler, compileSeccomp) is not exported from the dist entry, so it is reached as a
// container sees it: a factory, with or without seccompCacheDir, creates a container (never
// started) and the compile is timed through that container's context (`container.ctx.seccomp`,
// the factory's compiler, exactly what start() calls). Creating the container and the factory
// is not timed; no container is started.
//
//   node seccomp-cost.mjs --root DIR --bundle DIR --cgroup-parent /P --prefix ID --repeat K --out FILE
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
    'cgroup-parent': { type: 'string' },
    prefix: { type: 'string' },
    repeat: { type: 'string', default: '10' },
    out: { type: 'string' },
  },
});
if (!o.root || !o.bundle || !o['cgroup-parent'] || !o.prefix || !o.out) {
  console.error('seccomp-cost: --root, --bundle, --cgroup-parent, --prefix and --out are required');
  process.exit(2);
}

const t0 = performance.now();
const { createFactory } = await import('@containerkit/core');
const { capabilities } = await import('@containerkit/capabilities');
const { cgroupsV1 } = await import('@containerkit/cgroups-v1');
const { namespaces } = await import('@containerkit/namespaces');
const importMs = performance.now() - t0;

const require = createRequire(import.meta.url);
const koffiLoaded = () => Object.keys(require.cache).some((k) => k.includes('/koffi'));

const bundle = o.bundle;
const base = JSON.parse(readFileSync(join(bundle, 'config.json'), 'utf8'));
if (!base.linux?.seccomp) fail(`${bundle}/config.json has no linux.seccomp`);
const drivers = { cgroups: [cgroupsV1()], namespaces: namespaces(), capabilities: capabilities() };
const repeat = Number(o.repeat);

let seq = 0;
/** A new factory's compiler and the profile as the library parsed it; the container is destroyed again. */
async function compilerOf(seccompCacheDir) {
  const factory = createFactory({ root: o.root, ...drivers, seccompCacheDir });
  const id = `${o.prefix}-${seq++}`;
  const config = structuredClone(base);
  config.linux.cgroupsPath = `${o['cgroup-parent']}/${id}`;
  const container = await factory.create(id, config, { bundle });
  try {
    const compiler = /** @type {any} */ (container).ctx?.seccomp;
    if (typeof compiler?.compile !== 'function') {
      fail('a container no longer carries its factory\'s seccomp compiler as ctx.seccomp: this measurement needs updating');
    }
    return { compiler, profile: container.spec.linux.seccomp };
  } finally {
    await container.destroy();
  }
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
