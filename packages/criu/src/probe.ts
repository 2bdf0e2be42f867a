import { execFile } from 'node:child_process';
import type { ProbeFinding } from '@containerkit/core';

/**
 * `criu check`: CRIU's own test of what the kernel offers. Its first error is the finding a
 * user can act on ("vdso: Failed to fill self vdso symtable" on a kernel newer than the CRIU).
 */
export function probeCriu(criu: string): Promise<ProbeFinding> {
  return new Promise((resolve) => {
    execFile(criu, ['check'], { timeout: 30_000 }, (error, stdout, stderr) => {
      if (!error) {
        execFile(criu, ['--version'], { timeout: 10_000 }, (_e, out) => {
          const version = /Version:\s*(\S+)/.exec(out ?? '')?.[1];
          resolve(version ? { usable: true, version } : { usable: true });
        });
        return;
      }
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return resolve({ usable: false, reason: `"${criu}" is not installed (not found in PATH)` });
      resolve({ usable: false, reason: `criu check: ${checkFinding(`${stderr}\n${stdout}`) || error.message}` });
    });
  });
}

/** The first error of `criu check`'s output, without its source location. */
export function checkFinding(output: string): string {
  const lines = output.split('\n').map((l) => l.trim()).filter(Boolean);
  const first = lines.find((l) => /^Error\b/.test(l)) ?? lines[0] ?? '';
  return first.replace(/^Error \([^)]*\):\s*/, '');
}
