// A private containerd: its own daemon (config.toml, root, state, gRPC socket in the world's
// directory, no CRI plugin), in a PrivateNamespace, and `ctr` against it.
//
// The daemon and every `ctr` run in the same private mount namespace: the shims' sockets
// (/run/containerd/s), ctr's stdio FIFOs (/run/containerd/fifo), the runtime's state
// (/run/containerd/runc) and the containers' rootfs overlay mounts stay in it and go with it.
// Containers run with the io.containerd.runc.v2 shim and `--runc-binary <runtime>`; their cgroups
// are /<containerd namespace>/<id>, and the containerd namespace is unique to the world, so its
// cgroup parent is too. The image is imported from an OCI layout tar made from the busybox
// fixture. At the end the daemon is stopped by pid, the namespace ended (its mounts with it),
// the cgroups and the directory removed.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { removeCgroupTree } from './cgroups.js';
import type { ImageFiles } from './images.js';
import { leftoverRuntimeState, PrivateNamespace, worldsBaseDir, type Result, type RunOptions, type Running } from './private-namespace.js';

export const CTR_IMAGE = 'localhost/busybox-fixture:latest';

// Plugins this world has no use for; the snapshotters among them probe the host (modprobe aufs).
const DISABLED_PLUGINS = [
  'io.containerd.grpc.v1.cri',
  'io.containerd.snapshotter.v1.aufs',
  'io.containerd.snapshotter.v1.btrfs',
  'io.containerd.snapshotter.v1.devmapper',
  'io.containerd.snapshotter.v1.zfs',
  'io.containerd.tracing.processor.v1.otlp',
  'io.containerd.internal.v1.tracing',
];

export class ContainerdWorld {
  readonly tag = randomBytes(4).toString('hex');
  /** The containerd namespace, and so the containers' cgroup parent. */
  readonly namespace: string;
  readonly cgroupParent: string;
  dir = '';
  ns!: PrivateNamespace;
  private daemon?: Running;
  readonly timings: { argv: string[]; ms: number }[] = [];

  constructor(readonly runtime: { name: string; path: string }) {
    this.namespace = `ck-clients-${this.tag}-containerd-${runtime.name}`;
    this.cgroupParent = `/${this.namespace}`;
  }

  get socket(): string {
    return join(this.dir, 'containerd.sock');
  }

  /** Where the runc v2 shim keeps the runtime's state (its --root) for this containerd namespace. */
  get runtimeRoot(): string {
    return `/run/containerd/runc/${this.namespace}`;
  }

  get logPath(): string {
    return join(this.dir, 'containerd.log');
  }

  async setUp(images: ImageFiles): Promise<void> {
    this.dir = mkdtempSync(join(worldsBaseDir(), `ck-clients-containerd-${this.runtime.name}-`));
    for (const d of ['root', 'state', 'opt', 'logs']) mkdirSync(join(this.dir, d), { recursive: true });
    const config = join(this.dir, 'config.toml');
    writeFileSync(
      config,
      `version = 2
root = "${join(this.dir, 'root')}"
state = "${join(this.dir, 'state')}"
disabled_plugins = ${JSON.stringify(DISABLED_PLUGINS)}

[grpc]
  address = "${this.socket}"

[ttrpc]
  address = "${this.socket}.ttrpc"

[debug]
  level = "debug"

[plugins."io.containerd.internal.v1.opt"]
  path = "${join(this.dir, 'opt')}"
`,
    );
    this.ns = await PrivateNamespace.open(this.dir);
    this.daemon = this.ns.start(['containerd', '--config', config], { timeoutMs: 24 * 3600_000, logPath: this.logPath });
    await this.waitUntilServing();
    const imported = await this.ctr(['images', 'import', images.ociTar]);
    if (imported.code !== 0) throw new Error(`ctr images import: ${imported.stderr}\n${this.logTail()}`);
  }

  private async waitUntilServing(timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last: Result | undefined;
    for (;;) {
      if (existsSync(this.socket)) {
        last = await this.ctr(['version']);
        if (last.code === 0) return;
      }
      if (Date.now() > deadline) throw new Error(`containerd did not serve on ${this.socket}: ${last?.stderr ?? ''}\n${this.logTail()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** `ctr --address <socket> --namespace <ns> ...args`. */
  async ctr(args: string[], options?: RunOptions): Promise<Result> {
    const r = await this.ns.run(this.ctrArgv(args), options);
    this.timings.push({ argv: args, ms: r.ms });
    return r;
  }

  /** `ctr ...args`, still running (a foreground `ctr run`). */
  ctrStart(args: string[], options?: RunOptions): Running {
    const running = this.ns.start(this.ctrArgv(args), options);
    const started = Date.now();
    void running.done.then(() => this.timings.push({ argv: args, ms: Date.now() - started }));
    return running;
  }

  /** `ctr ...args` on a terminal (`task exec -t`), `input` typed into it. */
  async ctrOnTerminal(args: string[], input: string, options?: RunOptions): Promise<Result> {
    const r = await this.ns.runInTerminal(this.ctrArgv(args), input, options);
    this.timings.push({ argv: args, ms: r.ms });
    return r;
  }

  private ctrArgv(args: string[]): string[] {
    return ['ctr', '--address', this.socket, '--namespace', this.namespace, ...args];
  }

  /** The flags every `ctr run` here gets: the runtime under test as the shim's runc binary. */
  runFlags(): string[] {
    return ['--runc-binary', this.runtime.path];
  }

  /** The lines of the daemon's log (where the shims' and the runtime's errors land) that warn or fail. */
  logTail(lines = 30): string {
    try {
      const log = readFileSync(this.logPath, 'utf8').split('\n');
      return log.filter((l) => /level=(warning|error|fatal)/.test(l)).slice(-lines).join('\n');
    } catch {
      return '';
    }
  }

  /** Every task killed and deleted, every container removed. */
  async removeAll(): Promise<string[]> {
    const problems: string[] = [];
    const list = await this.ctr(['containers', 'list', '--quiet']);
    for (const id of list.stdout.split('\n').filter(Boolean)) {
      await this.ctr(['tasks', 'kill', '--all', '--signal', 'SIGKILL', id]);
      const task = await this.ctr(['tasks', 'delete', '--force', id]);
      if (task.code !== 0 && !/not found/.test(task.stderr)) problems.push(`ctr tasks delete --force ${id}: ${task.stderr.trim()}`);
      const container = await this.ctr(['containers', 'delete', id]);
      if (container.code !== 0) problems.push(`ctr containers delete ${id}: ${container.stderr.trim()}`);
    }
    return problems;
  }

  async tearDown(): Promise<string[]> {
    const leaks: string[] = [];
    if (this.ns) {
      if (this.daemon) {
        leaks.push(...(await this.removeAll()));
        leaks.push(...(await leftoverRuntimeState(this.ns, this.runtime.path, ['--root', this.runtimeRoot])));
        const { pid, done } = this.daemon;
        process.kill(pid, 'SIGTERM');
        const stopped = await Promise.race([done.then(() => true), new Promise<false>((r) => setTimeout(() => r(false), 10_000))]);
        if (!stopped) {
          leaks.push(`containerd ${pid} ignored SIGTERM for 10 s`);
          process.kill(pid, 'SIGKILL');
          await done;
        }
      }
      leaks.push(...(await this.ns.stop()));
    }
    leaks.push(...(await removeCgroupTree(this.cgroupParent)));
    if (this.dir) {
      // The rootfs mounts were in the private namespace, gone with it; never rm through a mount.
      const mounted = readFileSync('/proc/self/mountinfo', 'utf8')
        .split('\n')
        .filter((l) => l.split(' ')[4]?.startsWith(this.dir));
      if (mounted.length > 0) leaks.push(...mounted.map((l) => `still mounted: ${l.split(' ')[4]}`));
      else rmSync(this.dir, { recursive: true, force: true });
    }
    return leaks;
  }
}
