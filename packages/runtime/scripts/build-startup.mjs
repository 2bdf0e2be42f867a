#!/usr/bin/env node
// Writes what makes a ckrun call start fast (bin/ckrun picks among them):
//   dist/ckrun.blob        V8 startup snapshot of create and run (src/snapshot.ts)
//   dist/ckrun-light.blob  the snapshot of every other command (src/snapshot-light.ts), built
//                          and started with --no-rehash-snapshot (see bin/ckrun)
//   dist/ckrun.blob.node   the node binary both belong to, then the CPU's flags line of
//                          /proc/cpuinfo: a blob loads only into the exact Node.js build that
//                          wrote it, on a CPU with the same features (V8 exits 14 on another),
//                          so bin/ckrun checks both first
//   dist/ckrun.cjs.cache   V8 code cache of dist/ckrun.cjs, for a node the blobs do not fit
//                          (bin/ckrun-start.cjs), filled by one `list` call
//   dist/ckrun             the front end (native/front/), which bin/ckrun links to: it hands a
//                          call to the warm process of its root, or starts node as above
//   dist/ckrun.build-id    drawn anew by every build: a front end talks only to a warm process
//                          of its own build (src/warm/), and a rebuild leaves the old ones idle
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, copyFileSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { frontEndPath } from '@containerkit/native';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const pkg = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(pkg, 'dist');
const env = { ...process.env };
// Whatever these hold at build time would be replayed by every call that starts from the blob.
delete env.NODE_OPTIONS;
delete env.NODE_EXTRA_CA_CERTS;

function run(what, args, extraEnv = {}) {
  const r = spawnSync(process.execPath, args, { stdio: ['ignore', 'ignore', 'inherit'], env: { ...env, ...extraEnv }, cwd: '/' });
  if (r.status !== 0) {
    console.error(`build-startup: ${what} failed (${r.error?.message ?? `exit status ${r.status}`})`);
    process.exit(1);
  }
}

/** v8Flags: what bin/ckrun passes when it starts from this blob (V8 loads a blob only under the flags that built it). */
function buildSnapshot(entry, blob, v8Flags = []) {
  const temp = `${blob}.${process.pid}`;
  try {
    run(`node --build-snapshot ${entry}`, ['--no-warnings', ...v8Flags, '--snapshot-blob', temp, '--build-snapshot', join(dist, entry)]);
    renameSync(temp, blob);
  } finally {
    rmSync(temp, { force: true });
  }
}

/** Written beside and renamed over: a call running the old file goes on with it. */
function install(target, write) {
  const temp = `${target}.${process.pid}`;
  write(temp);
  renameSync(temp, target);
}

install(join(dist, 'ckrun'), (temp) => {
  copyFileSync(frontEndPath, temp);
  chmodSync(temp, 0o755);
});
rmSync(join(dist, 'ckrun.blob.node'), { force: true });
buildSnapshot('ckrun-snapshot.cjs', join(dist, 'ckrun.blob'));
buildSnapshot('ckrun-snapshot-light.cjs', join(dist, 'ckrun-light.blob'), ['--no-rehash-snapshot']);
const cpuFlags = readFileSync('/proc/cpuinfo', 'utf8').split('\n').find((line) => line.startsWith('flags') || line.startsWith('Features')) ?? '';
writeFileSync(join(dist, 'ckrun.blob.node'), `${process.execPath}\n${cpuFlags}\n`);

const root = mkdtempSync(join(tmpdir(), 'ckrun-code-cache-'));
try {
  run('writing the code cache', [join(pkg, 'bin', 'ckrun-start.cjs'), '--root', root, 'list'], { CKRUN_WRITE_CODE_CACHE: '1' });
} finally {
  rmSync(root, { recursive: true, force: true });
}
// Last: a warm process of this build reads it, and everything it loads is in place by now.
install(join(dist, 'ckrun.build-id'), (temp) => writeFileSync(temp, `${randomBytes(16).toString('hex')}\n`));
