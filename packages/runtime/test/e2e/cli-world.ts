import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, beforeEach, expect } from 'vitest';
import { buildBusyboxBundle, defaultConfig } from '../../../../test/fixtures/busybox-bundle.mjs';

export const BIN = fileURLToPath(new URL('../../bin/ckrun', import.meta.url));
export const BUILT = existsSync(fileURLToPath(new URL('../../dist/ckrun.cjs', import.meta.url)));
export const isRoot = process.getuid?.() === 0;
export const SKIP_REASON = !isRoot
  ? 'needs root: containers are created for real (CI runs as root)'
  : !BUILT
    ? 'needs the built CLI: run `pnpm build` first'
    : '';

export function hasCommand(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`]).status === 0;
}

export interface Result {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * One test file's world: a busybox rootfs, a cgroup parent /containerkit-clitest-<random> and,
 * per test, its own --root. Everything is removed at the end; leaks() says what was left.
 */
export class CliWorld {
  readonly tag = randomBytes(4).toString('hex');
  readonly cgroupParent = `/containerkit-clitest-${this.tag}`;
  dir = '';
  rootfs = '';
  root = '';
  private seq = 0;
  /** Fds openFile() opened for the current test, closed by cleanUp(). */
  private opened: number[] = [];

  async setUp(): Promise<void> {
    this.dir = mkdtempSync(join(tmpdir(), 'ckrun-e2e-'));
    await buildBusyboxBundle(this.dir, { cgroupsPath: `${this.cgroupParent}/unused` });
    this.rootfs = join(this.dir, 'rootfs');
  }

  /** A fresh --root for the next test. */
  nextRoot(): string {
    this.root = join(this.dir, `state-${++this.seq}`);
    return this.root;
  }

  /** A new id and a bundle over the shared rootfs: runc's default config, no terminal, edited by the test. */
  async bundle(edit?: (config: any) => void): Promise<{ id: string; bundle: string }> {
    const id = `c${++this.seq}-${this.tag}`;
    const bundle = join(this.dir, 'bundles', id);
    mkdirSync(bundle, { recursive: true });
    const config = await defaultConfig();
    config.root.path = this.rootfs;
    config.process.terminal = false;
    config.process.args = ['sleep', '1000'];
    config.linux.cgroupsPath = `${this.cgroupParent}/${id}`;
    edit?.(config);
    writeFileSync(join(bundle, 'config.json'), JSON.stringify(config, null, 2));
    return { id, bundle };
  }

  /**
   * Runs `ckrun --root <root> ...args` to its end. Output goes through files, not pipes: a
   * created container inherits them and would hold a pipe open after ckrun exits.
   */
  ckrun(args: string[], root = this.root): Result {
    return this.exec(BIN, ['--root', root, ...args]);
  }

  /** extraFds: this process's fds the program gets as 3, 4, …; env: its whole environment; input: its stdin. */
  exec(file: string, args: string[], options: { extraFds?: number[]; env?: NodeJS.ProcessEnv; cwd?: string; input?: string } = {}): Result {
    const n = ++this.seq;
    const outPath = join(this.dir, `out-${n}`);
    const errPath = join(this.dir, `err-${n}`);
    const out = openSync(outPath, 'w');
    const err = openSync(errPath, 'w');
    try {
      const stdin = options.input === undefined ? 'ignore' : 'pipe';
      const r = spawnSync(file, args, {
        stdio: [stdin, out, err, ...(options.extraFds ?? [])],
        env: options.env,
        cwd: options.cwd,
        input: options.input,
        timeout: 60_000,
      });
      return { code: r.status, signal: r.signal, stdout: readFileSync(outPath, 'utf8'), stderr: readFileSync(errPath, 'utf8') };
    } finally {
      closeSync(out);
      closeSync(err);
    }
  }

  /** `ckrun run` in the foreground, still running; resolves with how it ended. */
  runForeground(args: string[], env?: NodeJS.ProcessEnv): { pid: number; done: Promise<Result> } {
    const child = spawn(BIN, ['--root', this.root, 'run', ...args], { stdio: ['ignore', 'pipe', 'pipe'], env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const done = new Promise<Result>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
    return { pid: child.pid!, done };
  }

  state(id: string): Record<string, unknown> {
    const r = this.ckrun(['state', id]);
    if (r.code !== 0) throw new Error(`ckrun state ${id}: ${r.stderr}`);
    return JSON.parse(r.stdout);
  }

  /** Polls `state` until it shows status; a container that does not exist yet is waited for too. */
  async waitForStatus(id: string, status: string, timeoutMs = 10_000): Promise<Record<string, unknown>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const r = this.ckrun(['state', id]);
      const state = r.code === 0 ? JSON.parse(r.stdout) : undefined;
      if (state?.status === status) return state;
      if (Date.now() > deadline) return state ?? this.state(id);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** What the current test left: state dirs in its root, cgroups below the parent, processes in them. */
  leaks(): string[] {
    const leaks: string[] = [];
    if (existsSync(this.root)) leaks.push(...containerDirs(this.root).map((d) => `state dir ${d}`));
    for (const path of cgroupDirs(this.cgroupParent)) if (!path.endsWith(this.cgroupParent)) leaks.push(`cgroup ${path}`);
    leaks.push(...processesIn(this.cgroupParent).map((pid) => `process ${pid}`));
    return leaks;
  }

  /** Removes whatever a failed test left, so that the next one starts clean. */
  /** A file of the current test holding text, open with flags (for fds handed to ckrun); closed after the test. */
  openFile(name: string, text: string, flags = 'r'): { fd: number; path: string } {
    const path = join(this.dir, `${name}-${this.root.split('/').pop()}`);
    writeFileSync(path, text);
    const fd = openSync(path, flags);
    this.opened.push(fd);
    return { fd, path };
  }

  cleanUp(): void {
    for (const fd of this.opened.splice(0)) closeSync(fd);
    if (existsSync(this.root)) {
      for (const id of containerDirs(this.root)) this.ckrun(['delete', '--force', id]);
    }
    for (const pid of processesIn(this.cgroupParent)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    for (const path of cgroupDirs(this.cgroupParent).reverse()) if (!path.endsWith(this.cgroupParent)) rmdirQuiet(path);
    rmSync(this.root, { recursive: true, force: true });
  }

  tearDown(): void {
    for (const path of cgroupDirs(this.cgroupParent).reverse()) rmdirQuiet(path);
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
  }
}

/** The containers' directories in a root; ckrun's own (the seccomp cache, "@seccomp") are no leak. */
function containerDirs(root: string): string[] {
  return readdirSync(root).filter((name) => !name.startsWith('@'));
}

function rmdirQuiet(path: string): void {
  try {
    rmdirSync(path);
  } catch {
    // still busy: leaks() reports it
  }
}

/** Every directory at or below parent in every cgroup hierarchy, parents first. */
function cgroupDirs(parent: string): string[] {
  const found: string[] = [];
  const walk = (path: string) => {
    if (!existsSync(path)) return;
    found.push(path);
    for (const entry of readdirSync(path, { withFileTypes: true })) if (entry.isDirectory()) walk(join(path, entry.name));
  };
  for (const hierarchy of readdirSync('/sys/fs/cgroup')) walk(join('/sys/fs/cgroup', hierarchy, parent));
  return found;
}

/** Live processes whose cgroup is below parent in any hierarchy. */
function processesIn(parent: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) continue;
      if (readFileSync(`/proc/${entry}/cgroup`, 'utf8').includes(`${parent}/`)) pids.push(Number(entry));
    } catch {
      // gone while we looked
    }
  }
  return pids;
}

/** Inside a describe: the world is set up once, each test gets its own --root and must leave nothing behind. */
export function useCliWorld(world: CliWorld): void {
  beforeAll(() => world.setUp());
  afterAll(() => world.tearDown());
  beforeEach(() => void world.nextRoot());
  afterEach(() => {
    const leaks = world.leaks();
    world.cleanUp();
    expect(leaks, 'left behind by the test').toEqual([]);
  });
}

/** A bad-input run: exit 1 (runc's exec: 255), one line on stderr that matches `names`. */
export function expectOneLineError(r: { code: number | null; stderr: string }, names: RegExp, code = 1): void {
  expect(r.code).toBe(code);
  expect(r.stderr.split('\n').filter(Boolean)).toHaveLength(1);
  expect(r.stderr).toMatch(/^ckrun[^:]*: /);
  expect(r.stderr).toMatch(names);
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls until check() returns a value other than undefined, or fails naming what it waited for. */
export async function waitFor<T>(what: string, check: () => T | undefined, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}
