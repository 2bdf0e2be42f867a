import { spawn } from 'node:child_process';
import type { Hook } from '../config/schema.js';
import { ContainerError } from '../errors.js';

/** The hooks the runtime runs itself, in its own namespaces (the others run in the container). */
export type RuntimeHookKind = 'prestart' | 'createRuntime' | 'poststart' | 'poststop';

/** What of a failing hook's stdout and stderr goes into the error. */
const OUTPUT_MAX = 1024;
/** setTimeout's longest delay (about 24.8 days); a longer timeout would fire at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;
/** After the hook exits, how long a child it left holding its stdout may keep the output open. */
const DRAIN_MS = 100;

/**
 * Runs the hooks in order, each with the state on its stdin, and throws on the first that fails
 * (a non-zero exit, a signal, or a run past its timeout, after which it is killed). Once
 * `stopped` aborts (the start they are part of failed), the one running is killed and no other
 * starts.
 */
export async function runHooks(kind: RuntimeHookKind, hooks: readonly Hook[] | undefined, state: string, stopped?: AbortSignal): Promise<void> {
  for (const [index, hook] of (hooks ?? []).entries()) {
    if (stopped?.aborted) throw new ContainerError('SystemError', `${kind} hook #${index}: not run: the start failed`, { cause: stopped.reason });
    const failure = await runHook(hook, state, stopped);
    if (failure) {
      throw new ContainerError('SystemError', `error running ${kind} hook #${index}: ${hook.path}: ${failure}`, { path: hook.path });
    }
  }
}

/**
 * Every hook is tried, in order; a failing one becomes a warning (poststop: runtime-spec says the
 * rest of the lifecycle goes on).
 */
export async function runHooksWarning(kind: RuntimeHookKind, hooks: readonly Hook[] | undefined, state: string, warn: (message: string) => void): Promise<void> {
  for (const [index, hook] of (hooks ?? []).entries()) {
    const failure = await runHook(hook, state);
    if (failure) warn(`error running ${kind} hook #${index}: ${hook.path}: ${failure}`);
  }
}

/** Runs one hook; resolves with why it failed, or undefined. */
function runHook(hook: Hook, state: string, stopped?: AbortSignal): Promise<string | undefined> {
  return new Promise((resolve) => {
    const [argv0, ...args] = hook.args && hook.args.length > 0 ? hook.args : [hook.path];
    // Exactly the hook's env: nothing of the runtime's own (NODE_OPTIONS, secrets) reaches it.
    const env: Record<string, string> = {};
    for (const entry of hook.env ?? []) {
      const eq = entry.indexOf('=');
      if (eq > 0) env[entry.slice(0, eq)] = entry.slice(eq + 1);
    }
    const child = spawn(hook.path, args, { argv0, env, stdio: ['pipe', 'pipe', 'pipe'] });
    const output = { stdout: '', stderr: '' };
    const keep = (which: 'stdout' | 'stderr') => (chunk: Buffer) => {
      if (output[which].length < OUTPUT_MAX) output[which] += chunk.toString('utf8', 0, OUTPUT_MAX - output[which].length);
    };
    child.stdout.on('data', keep('stdout'));
    child.stderr.on('data', keep('stderr'));
    // A hook that does not read its stdin is not a failure.
    child.stdin.on('error', () => undefined);
    child.stdin.end(state);

    let timedOut = false;
    let abandoned = false;
    const abandon = () => {
      abandoned = true;
      child.kill('SIGKILL');
    };
    stopped?.addEventListener('abort', abandon, { once: true });
    const timer =
      hook.timeout !== undefined
        ? setTimeout(() => {
            timedOut = true;
            child.kill('SIGKILL');
          }, Math.min(hook.timeout * 1000, MAX_TIMER_MS))
        : undefined;
    let done = false;
    const finish = (failure: string | undefined) => {
      if (done) return;
      done = true;
      if (timer) clearTimeout(timer);
      stopped?.removeEventListener('abort', abandon);
      child.stdout.destroy();
      child.stderr.destroy();
      resolve(failure);
    };
    child.on('error', (e: NodeJS.ErrnoException) => finish(`${e.code ?? e.message}`));
    child.on('exit', (code, signal) => {
      const failure = abandoned
        ? 'killed: the start it was part of failed'
        : timedOut
          ? `ran past its timeout of ${hook.timeout}s and was killed`
          : code === 0
            ? undefined
            : signal
              ? `killed by ${signal}`
              : `exit status ${code}`;
      const report = () => finish(failure && `${failure}${describeOutput(output)}`);
      // Output written just before the exit may still be in the pipe: wait for its close, briefly.
      const drain = setTimeout(report, DRAIN_MS);
      child.on('close', () => {
        clearTimeout(drain);
        report();
      });
    });
  });
}

function describeOutput(output: { stdout: string; stderr: string }): string {
  const parts = [output.stdout && `stdout: ${output.stdout.trimEnd()}`, output.stderr && `stderr: ${output.stderr.trimEnd()}`].filter(Boolean);
  return parts.length > 0 ? `, ${parts.join(', ')}` : '';
}
