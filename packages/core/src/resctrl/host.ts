import { existsSync, readFileSync, statfsSync, writeFileSync } from 'node:fs';
import { mkdir, readFile, rmdir } from 'node:fs/promises';

/**
 * The resctrl filesystem as the Intel RDT code sees it: where it is mounted and the few file
 * operations it makes there. The host's is the real one; a test hands in one over a directory
 * of its own that acts as the kernel does (a group's mkdir brings its files, rmdir takes them).
 */
export interface Resctrl {
  /** Where resctrl is mounted in the runtime's mount namespace; undefined when it is not. */
  mountPoint(): Promise<string | undefined>;
  /** Whether this kernel has the filesystem at all (/proc/filesystems), to say why it is missing. */
  kernelSupports(): Promise<boolean>;
  /** mkdir; false when it was there already. */
  mkdir(path: string): Promise<boolean>;
  /** rmdir; one that is gone already is success. */
  rmdir(path: string): Promise<void>;
  /** A kernel control file: one synchronous write (the kernel answers at once or refuses). */
  write(path: string, data: string): void;
  read(path: string): string;
  exists(path: string): boolean;
}

const RDTGROUP_SUPER_MAGIC = 0x7655821;
const DEFAULT_MOUNT = '/sys/fs/resctrl';

/** The first resctrl mount in a mountinfo text (its mount point octal-unescaped), as runc looks for it. */
export function resctrlMountIn(mountinfo: string): string | undefined {
  for (const line of mountinfo.split('\n')) {
    const [before, after] = line.split(' - ');
    if (after?.split(' ')[0] !== 'resctrl') continue;
    const point = before?.split(' ')[4];
    if (point) return point.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
  }
  return undefined;
}

/**
 * The host's resctrl: /sys/fs/resctrl when resctrl is mounted there (runc's fast path), else from
 * mountinfo. Looked up for each container that asks (not kept): it may be mounted later.
 */
export function hostResctrl(): Resctrl {
  return {
    async mountPoint() {
      try {
        if (statfsSync(DEFAULT_MOUNT).type === RDTGROUP_SUPER_MAGIC) return DEFAULT_MOUNT;
      } catch {
        // no such directory: this kernel or this machine has no resctrl; mountinfo says for sure
      }
      return resctrlMountIn(await readFile('/proc/self/mountinfo', 'utf8'));
    },
    kernelSupports: async () => /\tresctrl$/m.test(await readFile('/proc/filesystems', 'utf8').catch(() => '')),
    mkdir: async (path) => {
      try {
        await mkdir(path, 0o755);
        return true;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
        throw e;
      }
    },
    rmdir: async (path) => {
      try {
        await rmdir(path);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      }
    },
    write: (path, data) => writeFileSync(path, data),
    read: (path) => readFileSync(path, 'utf8'),
    exists: (path) => existsSync(path),
  };
}
