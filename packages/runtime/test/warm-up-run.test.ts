import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { main, type Io } from '../src/main.js';
import { warmUpRun } from '../src/warm-up-run.js';

async function warmUpOutput(cgroups?: 'v1' | 'v2'): Promise<{ stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: Io = { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t) };
  await warmUpRun(main, io, cgroups);
  return { stdout, stderr };
}

const scratchDirs = () => readdirSync(tmpdir()).filter((name) => name.startsWith('ckrun-warm-up-run-'));
/** The warm-up's cgroup path, wherever a host hierarchy could hold it. */
const hostCgroups = () => ['', ...readdirSync('/sys/fs/cgroup')].map((h) => `/sys/fs/cgroup/${h}/ckrun-warm-up`).filter((d) => existsSync(d));
const ownProcesses = () => readFileSync('/proc/self/task/' + process.pid + '/children', 'utf8');

describe('the create/run snapshot warm-up', () => {
  it('takes run and create through the CLI up to the library, which stops at the missing rootfs', async () => {
    const { stdout, stderr } = await warmUpOutput();
    expect(stdout).toBe('');
    expect(stderr).toMatch(/^(ckrun: config\.json: root\.path: \/\S+\/cli\/rootfs is not a directory\n){2}$/);
  });

  it.each(['v1', 'v2'] as const)('walks the %s cgroup manager over plain files without failing', async (kind) => {
    await expect(warmUpOutput(kind)).resolves.toBeDefined();
  });

  it('leaves no scratch directory behind', async () => {
    const before = scratchDirs();
    await warmUpOutput();
    expect(scratchDirs().filter((name) => !before.includes(name))).toEqual([]);
  });

  it('starts no process, mounts nothing and makes no cgroup on the host', async () => {
    const mounts = readFileSync('/proc/self/mountinfo', 'utf8');
    await warmUpOutput();
    expect(ownProcesses()).toBe('');
    expect(readFileSync('/proc/self/mountinfo', 'utf8')).toBe(mounts);
    expect(hostCgroups()).toEqual([]);
  });
});
