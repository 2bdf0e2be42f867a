'use strict';
// Starts dist/ckrun.cjs from V8's code cache (dist/ckrun.cjs.cache, written at build time by
// scripts/build-startup.mjs): compiling the bundle is otherwise a quarter of a `state` call.
// A cache that does not match this node or this bundle is rejected by V8 itself, and the
// bundle is then compiled as usual. With CKRUN_WRITE_CODE_CACHE=1 the cache is (re)written
// when the process exits, so it holds every function the call compiled.
const { readFileSync, renameSync, writeFileSync } = require('node:fs');
const Module = require('node:module');
const { dirname, join } = require('node:path');
const { Script } = require('node:vm');

const file = join(__dirname, '..', 'dist', 'ckrun.cjs');
const cacheFile = `${file}.cache`;
let cachedData;
try {
  cachedData = readFileSync(cacheFile);
} catch {
  // no cache: compile as usual
}
const script = new Script(Module.wrap(readFileSync(file, 'utf8')), { filename: file, cachedData });
if (process.env.CKRUN_WRITE_CODE_CACHE === '1') {
  delete process.env.CKRUN_WRITE_CODE_CACHE;
  process.on('exit', () => {
    writeFileSync(`${cacheFile}.${process.pid}`, script.createCachedData());
    renameSync(`${cacheFile}.${process.pid}`, cacheFile);
  });
}
const bundle = new Module(file, module);
bundle.filename = file;
bundle.paths = Module._nodeModulePaths(dirname(file));
script.runInThisContext()(bundle.exports, Module.createRequire(file), bundle, file, dirname(file));
