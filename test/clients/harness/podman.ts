// A private podman: its own storage, state, configuration and namespace, driving one runtime.
//
// Every command is `podman <globals> ...` inside a PrivateNamespace, with
//   --root/--runroot/--tmpdir   images, containers, libpod state under the world's directory
//   --storage-driver vfs        plain directory copies: no overlay mounts to undo
//   --cgroup-manager cgroupfs   no systemd here to ask for a scope
//   --events-backend file       events to a file in the world's directory (no journald)
//   --runtime <path>            runc or ckrun, by path
// and CONTAINERS_CONF / CONTAINERS_REGISTRIES_CONF / CONTAINERS_STORAGE_CONF pointing at files
// written here (so /etc/containers and /usr/share/containers/containers.conf are not read).
// Containers are made with --cgroup-parent <this world's parent> (conmon's cgroup goes there
// too) and --pull never. The image is imported from the busybox fixture's rootfs.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { removeCgroupTree } from './cgroups.js';
import type { ImageFiles } from './images.js';
import { leftoverRuntimeState, PrivateNamespace, worldsBaseDir, type Result, type RunOptions, type Running } from './private-namespace.js';

export const PODMAN_IMAGE = 'localhost/busybox-fixture:latest';

/** A hard limit of this process, from /proc/self/limits ("Max open files" …); Infinity for unlimited. */
function hardLimit(name: string): number {
  const line = readFileSync('/proc/self/limits', 'utf8')
    .split('\n')
    .find((l) => l.startsWith(name));
  const hard = line?.slice(26).trim().split(/\s+/)[1];
  return hard === undefined || hard === 'unlimited' ? Infinity : Number(hard);
}

export class PodmanWorld {
  readonly tag = randomBytes(4).toString('hex');
  readonly cgroupParent: string;
  dir = '';
  ns!: PrivateNamespace;
  /** Every podman command run, with its duration: the report's time per client. */
  readonly timings: { argv: string[]; ms: number }[] = [];

  constructor(readonly runtime: { name: string; path: string }) {
    this.cgroupParent = `/ck-clients-${this.tag}-podman-${runtime.name}`;
  }

  async setUp(images: ImageFiles): Promise<void> {
    this.dir = mkdtempSync(join(worldsBaseDir(), `ck-clients-podman-${this.runtime.name}-`));
    for (const d of ['root', 'run', 'libpod', 'networks', 'conf']) mkdirSync(join(this.dir, d), { recursive: true });
    const conf = join(this.dir, 'conf');
    // This sandbox lacks CAP_SYS_RESOURCE: a runtime cannot raise an rlimit above the hard limit it
    // inherits, and podman's defaults (1048576 open files and processes) are above it here. Open
    // files: this process's hard limit, which podman raises its own to. Processes: podman lowers its
    // own hard RLIMIT_NPROC (32768 here, under the shell's 96363), so a value well under that.
    const nofile = Math.min(hardLimit('Max open files'), 1_048_576);
    const nproc = Math.min(hardLimit('Max processes'), 4096);
    writeFileSync(
      join(conf, 'containers.conf'),
      `[containers]
default_ulimits = ["nofile=${nofile}:${nofile}", "nproc=${nproc}:${nproc}"]
log_driver = "k8s-file"

[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "${join(this.dir, 'events.log')}"
# ckrun speaks runc's JSON error output (--log-format json), as runc and crun do.
runtime_supports_json = ["crun", "runc", "ckrun"]

[network]
network_config_dir = "${join(this.dir, 'networks')}"
`,
    );
    // No registry is ever asked: short names resolve only to local images.
    writeFileSync(join(conf, 'registries.conf'), 'unqualified-search-registries = []\nshort-name-mode = "disabled"\n');
    writeFileSync(
      join(conf, 'storage.conf'),
      `[storage]\ndriver = "vfs"\nrunroot = "${join(this.dir, 'run')}"\ngraphroot = "${join(this.dir, 'root')}"\n`,
    );
    this.ns = await PrivateNamespace.open(this.dir, {
      CONTAINERS_CONF: join(conf, 'containers.conf'),
      CONTAINERS_REGISTRIES_CONF: join(conf, 'registries.conf'),
      CONTAINERS_STORAGE_CONF: join(conf, 'storage.conf'),
    });
    const imported = await this.podman(['import', '--quiet', '--change', 'CMD=["sh"]', images.rootfsTar, PODMAN_IMAGE]);
    if (imported.code !== 0) throw new Error(`podman import: ${imported.stderr}`);
  }

  private globals(): string[] {
    return [
      '--root', join(this.dir, 'root'),
      '--runroot', join(this.dir, 'run'),
      '--tmpdir', join(this.dir, 'libpod'),
      '--storage-driver', 'vfs',
      '--cgroup-manager', 'cgroupfs',
      '--events-backend', 'file',
      '--runtime', this.runtime.path,
    ];
  }

  /** `podman <globals> ...args`. */
  async podman(args: string[], options?: RunOptions): Promise<Result> {
    const r = await this.ns.run(['podman', ...this.globals(), ...args], options);
    this.timings.push({ argv: args, ms: r.ms });
    return r;
  }

  /** `podman <globals> ...args`, still running (a foreground `podman run`). */
  podmanStart(args: string[], options?: RunOptions): Running {
    const running = this.ns.start(['podman', ...this.globals(), ...args], options);
    const started = Date.now();
    void running.done.then(() => this.timings.push({ argv: args, ms: Date.now() - started }));
    return running;
  }

  /** `podman <globals> ...args` on a terminal (podman run -it, exec -it), `input` typed into it. */
  async podmanOnTerminal(args: string[], input: string, options?: RunOptions): Promise<Result> {
    const r = await this.ns.runInTerminal(['podman', ...this.globals(), ...args], input, options);
    this.timings.push({ argv: args, ms: r.ms });
    return r;
  }

  /** The flags every `podman run`/`create` here gets: this world's cgroup parent, never a pull. */
  containerFlags(): string[] {
    return ['--cgroup-parent', this.cgroupParent, '--pull', 'never'];
  }

  /** A container's cgroup path (cgroupfs manager: <parent>/libpod-<id>). */
  async cgroupOf(name: string): Promise<string> {
    const r = await this.podman(['inspect', '--format', '{{.Id}}', name]);
    if (r.code !== 0) throw new Error(`podman inspect ${name}: ${r.stderr}`);
    return `${this.cgroupParent}/libpod-${r.stdout.trim()}`;
  }

  /** Removes every container of this world (all are ours: the storage is private). */
  async removeAll(): Promise<Result> {
    return this.podman(['rm', '--all', '--force', '--time', '0']);
  }

  /** Containers removed, the namespace ended, cgroups removed, the directory removed; returns leaks. */
  async tearDown(): Promise<string[]> {
    const leaks: string[] = [];
    if (this.ns) {
      const rm = await this.removeAll();
      if (rm.code !== 0) leaks.push(`podman rm --all: ${rm.stderr.trim()}`);
      // podman passes the runtime no --root: its default state root, in the private /run.
      leaks.push(...(await leftoverRuntimeState(this.ns, this.runtime.path, [])));
      leaks.push(...(await this.ns.stop()));
    }
    leaks.push(...(await removeCgroupTree(this.cgroupParent)));
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
    return leaks;
  }
}
