// The bench's private world: one busybox rootfs, a bundle per container (each with its own
// absolute cgroupsPath under one parent), state roots per runtime, and the cgroup clean-up.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildBusyboxBundle } from '../../fixtures/busybox-bundle.mjs';

const PODMAN_SECCOMP = new URL('../../fixtures/podman-default-seccomp.json', import.meta.url);
let podmanSeccomp;

/**
 * podman 4.3's default seccomp profile (test/fixtures/podman-default-seccomp.json) as podman
 * puts it into config.json, with noNewPrivileges false as podman leaves it: every runtime loads
 * the filter itself, before it drops its capabilities.
 */
export function withPodmanSeccomp(config) {
  podmanSeccomp ??= JSON.parse(readFileSync(PODMAN_SECCOMP, 'utf8'));
  config.linux.seccomp = structuredClone(podmanSeccomp);
  config.process.noNewPrivileges = false;
  return config;
}

const CGROUP_ROOT = '/sys/fs/cgroup';

/**
 * What differs from one container's config to the next when podman or containerd writes it:
 * the hostname, annotations naming the container, and a file of its own bound in (its
 * /etc/hostname from its bundle, as podman binds one from its userdata). Rows that give every
 * container such a config leave no cache keyed on a whole config a chance to carry the figure.
 */
export function asClientWrites(config, id, bundleDir) {
  config.hostname = id.slice(-63);
  config.annotations = { ...config.annotations, 'io.containerkit.bench.id': id, 'io.containerkit.bench.bundle': bundleDir };
  config.mounts = [
    ...config.mounts,
    { destination: '/etc/hostname', type: 'bind', source: join(bundleDir, 'hostname'), options: ['rbind', 'ro', 'nosuid', 'nodev', 'noexec'] },
  ];
  return config;
}

export class Workspace {
  /** @param {string} dir */
  constructor(dir) {
    this.dir = dir;
    this.tag = `containerkit-bench-${process.pid}`;
    this.cgroupParent = `/${this.tag}`;
    this.rootfs = join(dir, 'base', 'rootfs');
    this.bundles = join(dir, 'b');
    /** @type {any} */
    this.baseConfig = undefined;
  }

  async build() {
    mkdirSync(this.bundles, { recursive: true });
    this.baseConfig = await buildBusyboxBundle(join(this.dir, 'base'), {
      cgroupsPath: `${this.cgroupParent}/base`,
      edit: (c) => {
        c.root.path = this.rootfs;
        c.process.terminal = false;
        c.process.args = ['/bin/true'];
      },
    });
  }

  /** A state directory for one runtime's --root. */
  stateRoot(name) {
    const d = join(this.dir, 'state', name);
    mkdirSync(d, { recursive: true });
    return d;
  }

  /**
   * The config a container with this id gets (its own cgroup below the bench parent).
   * @param {string} id
   * @param {string[]} [args]
   * @param {{ seccomp?: boolean, asClient?: boolean }} [options] seccomp: podman's default profile,
   *   as podman writes it; asClient: the per-container fields a client writes (asClientWrites)
   */
  config(id, args = ['/bin/true'], { seccomp = false, asClient = false } = {}) {
    const config = structuredClone(this.baseConfig);
    config.linux.cgroupsPath = `${this.cgroupParent}/${id}`;
    config.process.args = args;
    if (asClient) asClientWrites(config, id, join(this.bundles, id));
    return seccomp ? withPodmanSeccomp(config) : config;
  }

  /**
   * Writes <dir>/b/<id>/config.json over the shared rootfs (and, asClient, the file it binds in);
   * returns the bundle directory.
   * @param {string} id @param {string[]} [args] @param {{ seccomp?: boolean, asClient?: boolean }} [options]
   */
  bundle(id, args, options) {
    const dir = join(this.bundles, id);
    mkdirSync(dir, { recursive: true });
    const config = this.config(id, args, options);
    if (options?.asClient) writeFileSync(join(dir, 'hostname'), `${config.hostname}\n`);
    writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
    return dir;
  }

  /** <dir>/base-seccomp: the base bundle with podman's profile, for the library driver (rows 4s and 7). */
  seccompBase() {
    const dir = join(this.dir, 'base-seccomp');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'config.json'), JSON.stringify(withPodmanSeccomp(structuredClone(this.baseConfig))));
    return dir;
  }

  /**
   * Removes the bench's cgroups in every hierarchy. Returns the container cgroups that a runtime
   * left behind (each runtime must remove its own on delete), so the report can name them.
   * @returns {string[]}
   */
  removeCgroups() {
    const left = [];
    for (const hierarchy of hierarchies()) {
      const parent = join(CGROUP_ROOT, hierarchy, this.tag);
      if (!existsSync(parent)) continue;
      for (const child of readdirSync(parent, { withFileTypes: true })) {
        if (!child.isDirectory()) continue;
        left.push(`${hierarchy}${this.cgroupParent}/${child.name}`);
        removeTree(join(parent, child.name));
      }
      removeTree(parent);
    }
    return left;
  }

  removeFiles() {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function hierarchies() {
  return readdirSync(CGROUP_ROOT, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name);
}

/** Depth first; a cgroup still holding processes of ours is emptied by killing them (they are bench containers). */
function removeTree(dir) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.isDirectory()) removeTree(join(dir, e.name));
  }
  for (let attempt = 0; attempt < 50; attempt++) {
    try {
      rmdirSync(dir);
      return;
    } catch (error) {
      if (/** @type {NodeJS.ErrnoException} */ (error).code === 'ENOENT') return;
      for (const pid of readProcs(dir)) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
    }
  }
  console.error(`bench: could not remove cgroup ${dir}`);
}

function readProcs(dir) {
  try {
    return readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}
