// A private mount and network namespace for one client world (podman's or containerd's), held
// open by a small shell, and the way every client command enters it.
//
// Why: podman and containerd write outside the directories we give them (/run/netns, /run/runc,
// /run/containerd, /var/lib/containers/cache, /dev/shm/libpod_lock, the rootfs mounts, netavark's
// bridge and firewall rules). In `unshare -m -n` with fresh tmpfs over /run, /var/lib, /dev/shm and
// /var/tmp, all of that lands in the namespace and vanishes with it; the host's mounts and network
// are never touched. The host's /tmp stays visible, so the world's own directory is reachable
// from both sides.
//
// Every client command is `nsenter -t <holder> -m -n -- <argv>` in a fixed, small environment
// (no NODE_OPTIONS, no NODE_EXTRA_CA_CERTS), with stdout and stderr going to files: a client may
// leave a daemon (conmon, a shim) that inherits them, and a pipe would then stay open.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export interface Result {
  /** The argv that ran, for failure messages. */
  argv: string[];
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

export interface Running {
  pid: number;
  /** What it has written to stdout so far. */
  stdout(): string;
  done: Promise<Result>;
}

export interface RunOptions {
  /** Written to the command's stdin, which is then closed; without it stdin is /dev/null. */
  input?: string;
  /** Killed (SIGKILL, by pid) after this long; default 60 s. */
  timeoutMs?: number;
  /** stdout and stderr both to this file (a daemon's log) instead of files of their own. */
  logPath?: string;
}

// Mounted in the namespace before any client runs (see the header).
const HOLDER_SCRIPT = `set -e
mount -t tmpfs -o mode=755 tmpfs /run
mount -t tmpfs -o mode=755 tmpfs /var/lib
mount -t tmpfs -o mode=1777 tmpfs /dev/shm
mount -t tmpfs -o mode=1777 tmpfs /var/tmp
ip link set lo up
echo ready
read _ || true
`;

/** The directories the namespace covers with a fresh tmpfs: a world's files must live elsewhere. */
const COVERED = ['/run', '/var/lib', '/dev/shm', '/var/tmp'];

/** Where a world makes its directory: the usual temporary directory unless the namespace covers it. */
export function worldsBaseDir(): string {
  const base = tmpdir();
  return COVERED.some((d) => base === d || base.startsWith(`${d}/`)) ? '/tmp' : base;
}

/** POSIX shell quoting, for the one command line `script -c` takes. */
export function shellQuote(argv: string[]): string {
  return argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replaceAll("'", `'\\''`)}'`)).join(' ');
}

export class PrivateNamespace {
  private seq = 0;

  private constructor(
    /** The holder shell: the namespace lives at least as long as it does. */
    private readonly holder: ChildProcess,
    readonly pid: number,
    /** /proc/<pid>/ns/mnt of the holder: how processes left in the namespace are found. */
    readonly mntNs: string,
    readonly env: NodeJS.ProcessEnv,
    private readonly ioDir: string,
  ) {}

  /** Starts the holder; `dir` is the world's directory (command output files go to dir/io). */
  static async open(dir: string, extraEnv: NodeJS.ProcessEnv = {}): Promise<PrivateNamespace> {
    const env: NodeJS.ProcessEnv = {
      // ckrun starts `node` on its cold path and for its warm process: the node running this test, first on PATH.
      PATH: `${dirname(process.execPath)}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`,
      HOME: dir,
      LANG: 'C.UTF-8',
      SHELL: '/bin/sh',
      TERM: 'xterm',
      TMPDIR: join(dir, 'tmp'),
      // CI's cold pass (scripts/test-cold.sh) reaches the ckrun the clients start.
      ...(process.env.CKRUN_WARM_IDLE !== undefined ? { CKRUN_WARM_IDLE: process.env.CKRUN_WARM_IDLE } : {}),
      ...extraEnv,
    };
    mkdirSync(join(dir, 'tmp'), { recursive: true });
    mkdirSync(join(dir, 'io'), { recursive: true });
    const holder = spawn('unshare', ['--mount', '--net', '--propagation', 'private', '--', '/bin/sh', '-c', HOLDER_SCRIPT], {
      env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    await new Promise<void>((resolve, reject) => {
      holder.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('ready\n')) resolve();
      });
      holder.stderr!.on('data', (d: Buffer) => (err += d.toString()));
      holder.on('exit', (code) => reject(new Error(`the namespace holder exited (${code}) before it was ready: ${err.trim()}`)));
      holder.on('error', reject);
    });
    const pid = holder.pid!;
    return new PrivateNamespace(holder, pid, readlinkSync(`/proc/${pid}/ns/mnt`), env, join(dir, 'io'));
  }

  private argvIn(argv: string[]): string[] {
    return ['nsenter', '-t', String(this.pid), '-m', '-n', '--', ...argv];
  }

  /** Starts argv in the namespace, stdout and stderr to the given files (appended). */
  spawn(argv: string[], stdoutPath: string, stderrPath = stdoutPath, stdin: 'pipe' | 'ignore' = 'ignore'): ChildProcess {
    const out = openSync(stdoutPath, 'a');
    const err = stderrPath === stdoutPath ? out : openSync(stderrPath, 'a');
    try {
      const [file, ...args] = this.argvIn(argv);
      return spawn(file!, args, { env: this.env, stdio: [stdin, out, err] });
    } finally {
      closeSync(out);
      if (err !== out) closeSync(err);
    }
  }

  /** Runs argv in the namespace to its end. */
  run(argv: string[], options: RunOptions = {}): Promise<Result> {
    return this.start(argv, options).done;
  }

  /** Starts argv in the namespace; its output so far can be read while it runs. */
  start(argv: string[], options: RunOptions = {}): Running {
    const n = ++this.seq;
    const outPath = options.logPath ?? join(this.ioDir, `${n}.out`);
    const errPath = options.logPath ?? join(this.ioDir, `${n}.err`);
    const started = Date.now();
    const child = this.spawn(argv, outPath, errPath, options.input === undefined ? 'ignore' : 'pipe');
    if (options.input !== undefined) child.stdin!.end(options.input);
    return {
      pid: child.pid!,
      stdout: () => readFileSync(outPath, 'utf8'),
      done: this.finish(child, argv, outPath, errPath, started, options.timeoutMs),
    };
  }

  /**
   * Runs argv in the namespace with a terminal as its stdin/stdout/stderr: util-linux `script`
   * allocates the pty, copies `input` into it and returns the command's exit status (-e). What the
   * terminal showed (echo included, CRLF line ends) is stdout.
   */
  runInTerminal(argv: string[], input: string, options: RunOptions = {}): Promise<Result> {
    const n = ++this.seq;
    const outPath = join(this.ioDir, `${n}.out`);
    const errPath = join(this.ioDir, `${n}.err`);
    const started = Date.now();
    const out = openSync(outPath, 'a');
    const err = openSync(errPath, 'a');
    let child: ChildProcess;
    try {
      child = spawn('script', ['--quiet', '--return', '--command', shellQuote(this.argvIn(argv)), '/dev/null'], {
        env: this.env,
        stdio: ['pipe', out, err],
      });
    } finally {
      closeSync(out);
      closeSync(err);
    }
    child.stdin!.end(input);
    return this.finish(child, ['script', '-qec', ...argv], outPath, errPath, started, options.timeoutMs);
  }

  private finish(child: ChildProcess, argv: string[], outPath: string, errPath: string, started: number, timeoutMs = 60_000): Promise<Result> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => child.pid && process.kill(child.pid, 'SIGKILL'), timeoutMs);
      child.on('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
      child.on('exit', (code, signal) => {
        clearTimeout(timer);
        resolve({
          argv,
          code,
          signal,
          stdout: readFileSync(outPath, 'utf8'),
          stderr: readFileSync(errPath, 'utf8'),
          ms: Date.now() - started,
        });
      });
    });
  }

  /** Live processes in this namespace other than the holder (conmon, containerd, shims, containers). */
  processes(): { pid: number; comm: string }[] {
    const found: { pid: number; comm: string }[] = [];
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry) || Number(entry) === this.pid) continue;
      try {
        if (readlinkSync(`/proc/${entry}/ns/mnt`) !== this.mntNs) continue;
        const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
        if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) continue;
        found.push({ pid: Number(entry), comm: readFileSync(`/proc/${entry}/comm`, 'utf8').trim() });
      } catch {
        // gone while we looked
      }
    }
    return found;
  }

  /**
   * Ends the holder and waits for every other process of the namespace to end (the clients' own
   * clean-up should have ended them, and ckrun's warm process ends 5 s after its last call);
   * what is still there after `graceMs` is SIGKILLed by pid and returned as a leak. With the last
   * process the namespace goes, and every mount in it.
   */
  async stop(graceMs = 10_000): Promise<string[]> {
    const exited = new Promise<void>((resolve) => (this.holder.exitCode !== null ? resolve() : this.holder.on('exit', () => resolve())));
    this.holder.stdin!.end();
    await exited;
    const deadline = Date.now() + graceMs;
    let left = this.processes();
    while (left.length > 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      left = this.processes();
    }
    for (const p of left) {
      try {
        process.kill(p.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    return left.map((p) => `process ${p.pid} (${p.comm}) still in the private namespace`);
  }
}

/**
 * The containers a runtime still lists in its state root once the client has removed them all
 * (`<runtime> [--root R] list --format json`, run in the namespace): a delete that left state.
 */
export async function leftoverRuntimeState(ns: PrivateNamespace, runtime: string, globals: string[]): Promise<string[]> {
  const r = await ns.run([runtime, ...globals, 'list', '--format', 'json']);
  if (r.code !== 0) return [`${runtime} list: exited ${r.code}: ${r.stderr.trim()}`];
  const listed = (JSON.parse(r.stdout) ?? []) as { id: string; status: string }[];
  return listed.map((c) => `${runtime} still lists ${c.id} (${c.status}) after the client removed it`);
}
