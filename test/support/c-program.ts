/** Small C programs the tests build for their run (listeners, probes): never shipped. */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

/**
 * Compiles one C file with the project's warnings as errors into `out` and returns it.
 * static: for a program that runs inside a container's rootfs, which has no libc.
 */
export function buildCProgram(source: string, out: string, options: { static?: boolean } = {}): string {
  const flags = [...(options.static ? ['-static'] : []), '-O2', '-Wall', '-Wextra', '-Werror'];
  execFileSync(process.env.CC ?? 'cc', [...flags, '-o', out, source]);
  return out;
}

/** A C file of test/support/. */
export function supportSource(name: string): string {
  return join(new URL('.', import.meta.url).pathname, name);
}
