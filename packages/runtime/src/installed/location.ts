import { existsSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

// Where ckrun's files are, found when a call runs and never at build time: a copy or a move of
// the installed tree must use its own files, not the build machine's. Nothing here may be kept
// between calls in a module variable, since the V8 snapshots (scripts/build-startup.mjs) keep
// every variable the build's warm-up set.

/**
 * The directory of ckrun's bundles (the package's dist/). Started from a V8 snapshot, the
 * bundle's own __dirname is the one of the build that wrote the blob, so the blob's path on
 * node's command line (bin/ckrun passes it absolute) says where it is.
 */
export function distDir(args: readonly string[] = process.execArgv): string {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--snapshot-blob' && i + 1 < args.length) return dirname(resolve(args[i + 1]!));
    if (arg.startsWith('--snapshot-blob=')) return dirname(resolve(arg.slice('--snapshot-blob='.length)));
  }
  return dirname(fileURLToPath(import.meta.url));
}

/**
 * The directory of the package `name` as Node's resolver would find it from `from`: in
 * `node_modules` of `from` and of each directory above it. Only stat(2) calls: resolving through
 * `require.resolve` (package.json reads, exports, realpath) cost ≈ 3 ms of a call.
 */
export function packageDir(name: string, from: string): string | undefined {
  const parts = resolve(from).split(sep);
  for (let end = parts.length; end > 0; end--) {
    if (parts[end - 1] === 'node_modules') continue;
    const dir = join(parts.slice(0, end).join(sep) || sep, 'node_modules', name);
    if (existsSync(join(dir, 'package.json'))) return dir;
  }
  return undefined;
}
