import { chmodSync, closeSync, openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PlanStep } from '../../packages/core/src/plan/encoder.js';
import { containerSteps, makeRootfs, runContainer } from './container.js';
import { failure, runPlan, succeeded } from './run-plan.js';

const notRoot = process.getuid?.() !== 0;
/** The shell's open fds below 20, found with builtins alone: listing them from a pipeline would see its pipe too. */
const OPEN_FDS = 'i=0; while [ $i -lt 20 ]; do [ -L /proc/$$/fd/$i ] && printf "%d " $i; i=$((i+1)); done';

/** PRESERVE_FDS: fds the parent passes at 4, 5, … are the process's 3, 4, … (runc --preserve-fds, LISTEN_FDS). */
describe.skipIf(notRoot)('ck-init PRESERVE_FDS (needs root)', () => {
  let t: ReturnType<typeof makeRootfs>;
  let opened: number[];
  const file = (name: string, text: string) => {
    const path = join(t.dir, name);
    writeFileSync(path, text);
    const fd = openSync(path, 'r');
    opened.push(fd);
    return fd;
  };
  beforeEach(() => {
    t = makeRootfs();
    opened = [];
  });
  afterEach(() => {
    for (const fd of opened) closeSync(fd);
    t.cleanup();
  });

  it('gives the process the fds passed at 4, 5, … as 3, 4, …, and no other fd above 2', async () => {
    const extraFds = [file('one', 'one\n'), file('two', 'two\n')];
    const run = await runContainer(
      { rootfs: t.rootfs, pre: [{ op: 'PRESERVE_FDS', args: [2n] }], script: `cat <&3; cat <&4; ${OPEN_FDS}` },
      undefined,
      { extraFds },
    );
    expect(succeeded(run)).toBe('one\ntwo\n0 1 2 3 4 ');
  });

  it('passes nothing above 2 without it, even where fds were passed', async () => {
    const run = await runContainer({ rootfs: t.rootfs, script: OPEN_FDS }, undefined, { extraFds: [file('one', 'one\n')] });
    expect(succeeded(run)).toBe('0 1 2 ');
  });

  it('fails before the clone, naming the fd, when fewer fds were passed than it says', async () => {
    const run = await runContainer({ rootfs: t.rootfs, pre: [{ op: 'PRESERVE_FDS', args: [2n] }], script: 'true' }, undefined, { extraFds: [file('one', 'one\n')] });
    expect(failure(run)).toMatchObject({ step: 0, detail: 'preserve fds: fd 5 (2 of 2) was not passed' });
  });

  it('still reports an execve that fails once the fds are in place (the sync socket moved above them)', async () => {
    writeFileSync(join(t.rootfs, 'bin/not-a-program'), 'neither ELF nor #!\n');
    chmodSync(join(t.rootfs, 'bin/not-a-program'), 0o755);
    const steps = containerSteps({ rootfs: t.rootfs, pre: [{ op: 'PRESERVE_FDS', args: [1n] }], script: '' }).slice(0, -1);
    const exec: PlanStep = { op: 'EXEC', args: [['/bin/not-a-program'], []] };
    const run = await runPlan([...steps, exec], undefined, { extraFds: [file('one', 'one\n')] });
    expect(failure(run)).toMatchObject({ step: steps.length, errno: 8, detail: 'exec: "/bin/not-a-program": Exec format error' });
  });
});
