// Issue 15: thousands of containers through one factory in one long-lived process, a mix of
// run, exec and kill with many in flight, leave nothing behind and keep the process's fds and
// heap flat. Each container walks named steps, each bounded in time, so a failure says which
// container and which step instead of hanging until vitest's timeout.
import { readdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { setFlagsFromString } from 'node:v8';
import { isDeepStrictEqual } from 'node:util';
import { runInNewContext } from 'node:vm';
import type { Container, ContainerProcess } from '@containerkit/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { zygotesOf } from '../support/processes.mjs';
import { collect, isRoot, NEEDS_ROOT, TestWorld } from './helpers.js';

const world = new TestWorld();
beforeAll(() => isRoot && world.setUp());
afterAll(async () => {
  if (isRoot) expect(await world.tearDown()).toEqual([]);
});

// The VM lab (test/lab/run sets CONTAINERKIT_LAB) emulates its CPU: fork+exec is 15–100x slower
// there and the whole lab suite has 600 s, so it runs two waves; anything else runs the 3000 of
// the issue (33–48 containers/s on this 2-core host, shared with other work).
const IN_LAB = process.env.CONTAINERKIT_LAB === '1';
const IN_FLIGHT = 24;
const CONTAINERS = IN_LAB ? 2 * IN_FLIGHT : 3000;
// Everything a process opens once and keeps (the zygote and its socket, koffi's libraries, lazily
// loaded modules, the thread pool) is open after the warm-up, which walks every mix.
const WARM_UP = IN_LAB ? IN_FLIGHT : 300;
const STEP_TIMEOUT_MS = IN_LAB ? 120_000 : 20_000;
// Measured here: 62–92 s for the 3000 (Node 20 and 24); the bound leaves room for a slower CI
// runner, and in the lab for the rest of the suite within its 600 s.
const TEST_TIMEOUT_MS = 300_000;

// Observed: the same count before and after (once one fewer). The slack is for a descriptor Node or
// the library might open once, late (none seen here); a leak of one per container, or per mix,
// would be hundreds.
const FD_SLACK = 2;
// What V8 itself adds after the warm-up (compiled code, feedback, inline caches) levels off:
// observed +1.0 MiB by container 2000 and flat after on Node 20, -0.9 MiB on Node 24. A destroyed
// Container kept by the process holds about 5.5 KiB (its spec, state, streams: measured by keeping
// 300), so a tenth of that per container, above 2 MiB of V8's own, catches a leak of one per
// container or per mix on a host; in the lab's 24 it catches only a gross one.
const HEAP_GROWTH_BOUND = 2 * 2 ** 20 + (CONTAINERS - WARM_UP) * 512;

const openFds = () => readdirSync('/proc/self/fd').length;

// global.gc exists only under --expose-gc; the flag set at run time exposes gc in new contexts.
const fullGc: () => void = (() => {
  if (typeof globalThis.gc === 'function') return globalThis.gc as () => void;
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
})();

/** heapUsed once a full collection has run and the finalizers it queued have too. */
async function settledHeap(): Promise<number> {
  for (let round = 0; round < 3; round++) {
    fullGc();
    await new Promise((resolve) => setImmediate(resolve));
  }
  return process.memoryUsage().heapUsed;
}

class StepFailure extends Error {}

/** One container's walk through named steps; a step that fails or overruns names the container and itself. */
class Walk {
  constructor(private readonly label: string) {}

  async step<T>(name: string, operation: () => Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const overrun = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`did not finish within ${STEP_TIMEOUT_MS / 1000} s`)), STEP_TIMEOUT_MS);
    });
    try {
      return await Promise.race([operation(), overrun]);
    } catch (error) {
      throw new StepFailure(`${this.label}, step "${name}": ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    } finally {
      clearTimeout(timer);
    }
  }

  /** What a step gave against what it should have. */
  check(what: string, actual: unknown, expected: unknown): void {
    if (!isDeepStrictEqual(actual, expected)) {
      throw new StepFailure(`${this.label}, ${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
    }
  }
}

/** Output and ending of a container's process, read to the end. */
async function outcome(proc: ContainerProcess) {
  const [stdout, stderr, status] = await Promise.all([collect(proc.stdout), collect(proc.stderr), proc.wait()]);
  return { stdout, stderr, status };
}

const EXITED_0 = { exitCode: 0, signal: null };
const PIPES = ['ignore', 'pipe', 'pipe'] as const;

/** One way of using a container: its init's args and what is done with it. */
interface Mix {
  name: string;
  args: (index: number) => string[];
  walk: (container: Container, index: number, walk: Walk) => Promise<void>;
}

/** The three ways a container is used, by index: each prints its index, so crossed stdio would show. */
const MIXES: Mix[] = [
  {
    name: 'run a short process',
    args: (index) => ['sh', '-c', `echo run ${index}`],
    walk: async (container, index, walk) => {
      const init = await walk.step('run', () => container.run({ stdio: [...PIPES] }));
      walk.check('its output and exit', await walk.step('wait for the process', () => outcome(init)), { stdout: `run ${index}\n`, stderr: '', status: EXITED_0 });
    },
  },
  {
    name: 'exec in a sleeper, then kill it',
    args: () => ['sleep', '1000'],
    walk: async (container, index, walk) => {
      const init = await walk.step('run', () => container.run({ stdio: 'ignore' }));
      const spawned = await walk.step('spawn', () => container.spawn({ args: ['sh', '-c', `echo exec ${index}`], stdio: [...PIPES] }));
      walk.check('the spawned output and exit', await walk.step('wait for the spawned process', () => outcome(spawned)), { stdout: `exec ${index}\n`, stderr: '', status: EXITED_0 });
      await walk.step('signal SIGKILL', () => container.signal('SIGKILL'));
      walk.check('the init\'s end', await walk.step('wait for the killed init', () => init.wait()), { exitCode: null, signal: 'SIGKILL' });
    },
  },
  {
    name: 'start, then exec',
    args: (index) => ['sh', '-c', `echo start ${index}`],
    walk: async (container, index, walk) => {
      const init = await walk.step('start', () => container.start({ stdio: [...PIPES] }));
      walk.check('the status before exec', await walk.step('status', () => container.status()), 'created');
      await walk.step('exec', () => container.exec());
      walk.check('its output and exit', await walk.step('wait for the process', () => outcome(init)), { stdout: `start ${index}\n`, stderr: '', status: EXITED_0 });
    },
  },
];

/** Container number index, with its own bundle, id and cgroup, from creation to destroy; a failure is a StepFailure. */
async function exercise(index: number): Promise<void> {
  const mix = MIXES[index % MIXES.length]!;
  const walk = new Walk(`container #${index} (${mix.name})`);
  const { id, bundle, config } = await walk.step('write its bundle', () => world.bundle((c) => (c.process.args = mix.args(index))));
  let failure: unknown;
  let container: Container | undefined;
  try {
    container = await walk.step('create', () => world.factory.create(id, config, { bundle }));
    await mix.walk(container, index, walk);
  } catch (error) {
    failure = error;
  }
  try {
    if (container) await walk.step('destroy', () => container.destroy());
    await walk.step('remove its bundle', () => rm(bundle, { recursive: true, force: true }));
  } catch (error) {
    failure ??= error;
  }
  if (failure) throw failure;
}

/** Runs exercise over [from, to) with at most IN_FLIGHT at once; after a failure no new one starts. */
async function exerciseAll(from: number, to: number): Promise<string[]> {
  const failures: string[] = [];
  let next = from;
  const lane = async () => {
    while (next < to && failures.length === 0) {
      const index = next++;
      await exercise(index).catch((error: unknown) => failures.push(error instanceof Error ? error.message : String(error)));
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
  return failures;
}

describe.skipIf(!isRoot)(`a long-lived library process under load (${isRoot ? 'as root' : NEEDS_ROOT})`, () => {
  it(
    `runs ${CONTAINERS} containers through one factory, ${IN_FLIGHT} at a time (run, exec+kill, start+exec mixed), leaving nothing and keeping fds and heap flat${IN_LAB ? ' [VM lab: 3000 on a host]' : ''}`,
    async () => {
      const began = performance.now();
      expect(await exerciseAll(0, WARM_UP)).toEqual([]);
      const zygotesAfterWarmUp = zygotesOf(process.pid);
      const fdsAfterWarmUp = openFds();
      const heapAfterWarmUp = await settledHeap();

      const failures = await exerciseAll(WARM_UP, CONTAINERS);
      const fds = openFds();
      const zygotes = zygotesOf(process.pid);
      const heap = await settledHeap();
      const seconds = (performance.now() - began) / 1000;
      console.info(
        `stress: ${CONTAINERS} containers in ${seconds.toFixed(1)} s (${(CONTAINERS / seconds).toFixed(1)}/s); ` +
          `fds ${fdsAfterWarmUp} -> ${fds}; heap after full GC ${(heapAfterWarmUp / 2 ** 20).toFixed(2)} -> ${(heap / 2 ** 20).toFixed(2)} MiB`,
      );

      expect(failures).toEqual([]);
      expect(fds - fdsAfterWarmUp).toBeLessThanOrEqual(FD_SLACK);
      expect(heap - heapAfterWarmUp).toBeLessThan(HEAP_GROWTH_BOUND);
      // One zygote forks every ck-init, the same process from the warm-up to the end (none restarted).
      expect(zygotesAfterWarmUp).toHaveLength(1);
      expect(zygotes).toEqual(zygotesAfterWarmUp);
      expect(world.leaks()).toEqual([]);
    },
    TEST_TIMEOUT_MS,
  );
});
