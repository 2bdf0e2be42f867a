/** One mounted hierarchy: its key in paths() ("memory", "name=systemd", "" for cgroup2). */
export interface Hierarchy {
  readonly controllers: readonly string[];
  readonly mountPoint: string;
  /** The cgroup path the mount shows as its root (not "/" inside a cgroup namespace bind). */
  readonly root: string;
  readonly unified: boolean;
}

const V1_SUBSYSTEMS = new Set([
  'cpuset', 'cpu', 'cpuacct', 'blkio', 'memory', 'devices', 'freezer', 'net_cls', 'perf_event',
  'net_prio', 'hugetlb', 'pids', 'rdma', 'misc', 'debug',
]);

// mountinfo escapes space, tab, newline and backslash in paths as \ooo.
function unescape(path: string): string {
  return path.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

/** The cgroup hierarchies in a /proc/self/mountinfo text; the first mount of each wins, as in runc. */
export function parseHierarchies(mountinfo: string): Hierarchy[] {
  const seen = new Set<string>();
  const out: Hierarchy[] = [];
  for (const line of mountinfo.split('\n')) {
    const [before, after] = line.split(' - ');
    if (!before || !after) continue;
    const fields = before.split(' ');
    const [fsType, , superOptions = ''] = after.split(' ');
    const root = unescape(fields[3] ?? '/');
    const mountPoint = unescape(fields[4] ?? '');
    if (fsType === 'cgroup2') {
      if (seen.has('')) continue;
      seen.add('');
      out.push({ controllers: [''], mountPoint, root, unified: true });
    } else if (fsType === 'cgroup') {
      const controllers = superOptions.split(',').filter((o) => V1_SUBSYSTEMS.has(o) || o.startsWith('name='));
      if (controllers.length === 0 || controllers.some((c) => seen.has(c))) continue;
      controllers.forEach((c) => seen.add(c));
      out.push({ controllers, mountPoint, root, unified: false });
    }
  }
  return out;
}

/** The directory of cgroup `path` (absolute, below the hierarchy's root) in this hierarchy. */
export function dirIn(h: Hierarchy, path: string): string {
  const rel = h.root !== '/' && (path === h.root || path.startsWith(`${h.root}/`)) ? path.slice(h.root.length) : path;
  return `${h.mountPoint}${rel === '/' ? '' : rel}`;
}
