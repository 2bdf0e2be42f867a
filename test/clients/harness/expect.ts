// Small helpers shared by the client suites: failure messages that show the client's command line
// and what it printed (where podman and containerd put the runtime's own error), and polling.
import type { Result } from './private-namespace.js';

/** The command and its output, for an assertion's message. */
export function shown(r: Result): string {
  return `\`${r.argv.join(' ')}\` exited ${r.code ?? r.signal} after ${r.ms} ms\nstdout: ${r.stdout.trim()}\nstderr: ${r.stderr.trim()}`;
}

/** The result, if it exited 0; otherwise an error that shows it (and `context`, say a daemon's log). */
export function ok(r: Result, context = ''): Result {
  if (r.code !== 0) throw new Error(`${shown(r)}${context ? `\n${context}` : ''}`);
  return r;
}

/** Polls `probe` until it returns something truthy; fails with `what` (and the last value) after timeoutMs. */
export async function eventually<T>(what: string, probe: () => Promise<T> | T, timeoutMs = 10_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  for (;;) {
    last = await probe();
    if (last) return last as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
