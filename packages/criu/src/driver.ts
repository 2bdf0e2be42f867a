import { mkdirSync, closeSync, openSync, constants as fsConstants, readlinkSync, writeFileSync } from 'node:fs';
import { readFile, rmdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { CheckpointDriver, CheckpointOptions, CheckpointTarget, RestoreTarget } from '@containerkit/core';
import { ContainerError } from '@containerkit/core';
import { dumpRequest, logFileName, restoreRequest } from './options.js';
import { probeCriu } from './probe.js';
import { bindRestoreRoot, prepareMountpoints } from './restore-root.js';
import { ReqType } from './schema.js';
import { sendFdToSocket } from './socket.js';
import { converse } from './swrk.js';

/** runc's name for the file in the images that says what the init's fds 0-2 were. */
export const DESCRIPTORS_FILE = 'descriptors.json';

export interface CriuDriverOptions {
  /** The criu binary; default "criu" from PATH. */
  readonly path?: string;
  /**
   * Sees every notify callback CRIU makes (pre-dump, post-dump, network-lock, network-unlock,
   * setup-namespaces, post-setup-namespaces, post-restore, …) after the driver's own answer; a
   * throw aborts the checkpoint or restore.
   */
  readonly onNotify?: (script: string, pid: number | undefined) => void | Promise<void>;
}

/** The CheckpointDriver over `criu swrk` (see README.md). */
export function criu(options: CriuDriverOptions = {}): CheckpointDriver {
  const binary = options.path ?? 'criu';
  return {
    name: 'criu',
    probe: () => probeCriu(binary),
    checkpoint: (target, opts) => checkpoint(binary, options, target, opts),
    restore: (target, opts) => restore(binary, options, target, opts),
  };
}

async function checkpoint(binary: string, driver: CriuDriverOptions, target: CheckpointTarget, options: CheckpointOptions): Promise<void> {
  const maskedFiles: string[] = [];
  for (const path of target.spec.linux?.maskedPaths ?? []) {
    const s = await stat(`/proc/${target.pid}/root${path}`).catch(() => undefined);
    if (s && !s.isDirectory()) maskedFiles.push(path);
  }
  const netnsPath = namespacePath(target.spec, 'network');
  const netnsInode = netnsPath ? (await stat(netnsPath)).ino : undefined;
  const fds = openDirs(options);
  try {
    const stdio = await initStdio(target.pid, ownNetworkNamespace(target.spec));
    const request = dumpRequest(target, options, { imagesDirFd: fds.images, workDirFd: fds.work, maskedFiles, netnsInode, externalFiles: stdio.external });
    if (!options.preDump) {
      // What restore hands back in place of the init's stdio (runc's descriptors.json, same format).
      writeFileSync(join(options.imagePath, DESCRIPTORS_FILE), JSON.stringify(stdio.descriptors), { mode: 0o600 });
    }
    await converse({
      criu: binary,
      stdio: ['ignore', 'ignore', 'pipe'],
      logPath: join(options.workPath ?? options.imagePath, logFileName(request.type)),
      request: () => request,
      notify: async (script, pid, received) => {
        received.forEach((fd) => closeSync(fd));
        if (script === 'status-ready') signalReady(options);
        await driver.onNotify?.(script, pid);
      },
    });
  } finally {
    fds.close();
  }
}

async function restore(binary: string, driver: CriuDriverOptions, target: RestoreTarget, options: CheckpointOptions): Promise<{ pid: number }> {
  const descriptors = await readDescriptors(options.imagePath);
  const fds = openDirs(options);
  const owned: number[] = [];
  const root = join(target.stateDir, 'criu-root');
  let unbind: (() => void) | undefined;
  try {
    // Unconnected stdio for pipes the caller gives nothing for, as a restored init's peers are gone.
    const stdio = target.stdio ? [...target.stdio] : [0, 1, 2].map(() => (owned.push(openSync('/dev/null', 'r+')), owned[owned.length - 1]!));
    const netnsPath = namespacePath(target.spec, 'network');
    const extraFds: number[] = [];
    if (netnsPath) {
      owned.push(openSync(netnsPath, 'r'));
      extraFds.push(owned[owned.length - 1]!);
    }
    await prepareMountpoints(target.rootfs, target.spec);
    mkdirSync(root, { mode: 0o755 });
    unbind = bindRestoreRoot(target.rootfs, root);
    let restoredPid: number | undefined;
    const response = await converse({
      criu: binary,
      stdio,
      extraFds,
      logPath: join(options.workPath ?? options.imagePath, logFileName(ReqType.RESTORE)),
      request: async (criuPid) => {
        // As runc: the restorer is placed in the container's cgroups and CRIU puts the tree where it is.
        await target.enterCgroups(criuPid);
        const cgroupRoots = await cgroupsOf(criuPid);
        return restoreRequest(target, options, {
          imagesDirFd: fds.images,
          workDirFd: fds.work,
          root,
          cgroupRoots,
          descriptors,
          netnsFd: netnsPath ? 4 : undefined,
        });
      },
      notify: async (script, pid, received) => {
        try {
          if (script === 'setup-namespaces' && pid !== undefined) await target.namespacesReady?.(pid);
          if (script === 'post-restore') restoredPid = pid;
          if (script === 'orphan-pts-master') {
            if (!target.consoleSocket) throw new ContainerError('ConfigInvalid', 'restore: the checkpoint has a terminal: give a console socket for its master');
            if (received[0] === undefined) throw new ContainerError('SystemError', 'criu sent orphan-pts-master without the master');
            sendFdToSocket(target.consoleSocket, received[0], 'orphan-pts-master');
          }
          if (script === 'status-ready') signalReady(options);
          await driver.onNotify?.(script, pid);
        } finally {
          received.forEach((fd) => closeSync(fd));
        }
      },
    });
    const pid = response.restore?.pid ?? restoredPid;
    if (!pid) throw new ContainerError('SystemError', 'criu restore answered without the restored pid');
    return { pid };
  } finally {
    unbind?.();
    await rmdir(root).catch(() => undefined);
    owned.forEach((fd) => closeSync(fd));
    fds.close();
  }
}

/**
 * What the init has as fds 0-2, as descriptors.json keeps it, and which of them CRIU must take as
 * external. A pipe is restored from inherit_fd as runc does. A file on a mount the container does
 * not have (the caller's /dev/null, say, when stdio was 'ignore') cannot be reopened inside it:
 * it is named "file[<mnt_id>:<inode>]". A unix socket as stdio is the caller's ('pipe' stdio,
 * a socketpair): made in the caller's network namespace, CRIU cannot find it from the
 * container's, and no option changes that, so it is refused here, before CRIU freezes anything.
 * Without a network namespace of its own it is named external ("unix[<inode>]").
 */
async function initStdio(pid: number, ownNetns: boolean): Promise<{ descriptors: string[]; external: string[] }> {
  const mountIds = new Set(
    (await readFile(`/proc/${pid}/mountinfo`, 'utf8'))
      .split('\n')
      .filter(Boolean)
      .map((line) => Number(line.split(' ')[0])),
  );
  const descriptors: string[] = [];
  const external: string[] = [];
  for (const fd of [0, 1, 2]) {
    let link: string;
    try {
      link = readlinkSync(`/proc/${pid}/fd/${fd}`);
    } catch {
      descriptors.push('/dev/null');
      continue;
    }
    const socket = /^socket:\[(\d+)\]$/.exec(link);
    if (socket && ownNetns) {
      throw new ContainerError(
        'NotSupported',
        `checkpoint: the init's ${['stdin', 'stdout', 'stderr'][fd]} is a unix socket of the caller's (stdio 'pipe'), which CRIU cannot reach from the container's network namespace: start it with stdio 'ignore', 'inherit' pipes or a terminal`,
      );
    }
    if (socket) {
      external.push(`unix[${socket[1]}]`);
      descriptors.push(link);
      continue;
    }
    if (!link.startsWith('/')) {
      descriptors.push(link);
      continue;
    }
    const fdinfo = await readFile(`/proc/${pid}/fdinfo/${fd}`, 'utf8').catch(() => '');
    const mntId = Number(/^mnt_id:\s*(\d+)/m.exec(fdinfo)?.[1] ?? -1);
    if (mntId < 0 || mountIds.has(mntId)) {
      descriptors.push(link);
      continue;
    }
    const inode = (await stat(`/proc/${pid}/fd/${fd}`, { bigint: true })).ino;
    const key = `file[${mntId.toString(16)}:${inode.toString(16)}]`;
    external.push(key);
    descriptors.push(key);
  }
  return { descriptors, external: [...new Set(external)] };
}

async function readDescriptors(imagePath: string): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(join(imagePath, DESCRIPTORS_FILE), 'utf8');
  } catch {
    throw new ContainerError('ConfigInvalid', `restore: ${imagePath} holds no checkpoint (no ${DESCRIPTORS_FILE}: was it made by a checkpoint without preDump?)`, { path: imagePath });
  }
  const parsed: unknown = JSON.parse(text);
  if (!Array.isArray(parsed) || !parsed.every((d) => typeof d === 'string')) {
    throw new ContainerError('ConfigInvalid', `restore: ${join(imagePath, DESCRIPTORS_FILE)}: expected a list of strings`);
  }
  return parsed;
}

/** The images (and work) directories as fds of this process: CRIU opens them through /proc/<our pid>/fd. */
function openDirs(options: CheckpointOptions): { images: number; work?: number; close(): void } {
  const flags = fsConstants.O_RDONLY | fsConstants.O_DIRECTORY;
  const open = (path: string, what: string) => {
    try {
      return openSync(path, flags);
    } catch (error) {
      throw new ContainerError('ConfigInvalid', `checkpoint options: ${what}: ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, { path });
    }
  };
  const images = open(options.imagePath, 'imagePath');
  let work: number | undefined;
  try {
    work = options.workPath ? open(options.workPath, 'workPath') : undefined;
  } catch (error) {
    closeSync(images);
    throw error;
  }
  return {
    images,
    work,
    close: () => {
      closeSync(images);
      if (work !== undefined) closeSync(work);
    },
  };
}

/** The lazy-pages server is up: one zero byte on statusFd, which is then closed (runc's status-ready). */
function signalReady(options: CheckpointOptions): void {
  if (options.statusFd === undefined) return;
  try {
    writeFileSync(options.statusFd, Buffer.from([0]));
  } finally {
    closeSync(options.statusFd);
  }
}

function ownNetworkNamespace(spec: CheckpointTarget['spec']): boolean {
  return spec.linux?.namespaces?.some((n) => n.type === 'network') ?? false;
}

function namespacePath(spec: CheckpointTarget['spec'], type: string): string | undefined {
  return spec.linux?.namespaces?.find((n) => n.type === type)?.path || undefined;
}

/** A process's cgroups, controller ("" for the unified hierarchy) → path (runc's ParseCgroupFile). */
async function cgroupsOf(pid: number): Promise<Record<string, string>> {
  const roots: Record<string, string> = {};
  for (const line of (await readFile(`/proc/${pid}/cgroup`, 'utf8')).split('\n')) {
    const [, controllers, path] = /^\d+:([^:]*):(.*)$/.exec(line) ?? [];
    if (path === undefined) continue;
    for (const controller of controllers!.split(',')) {
      // A named hierarchy ("name=systemd") is no controller CRIU maps.
      if (!controller.startsWith('name=')) roots[controller] = path;
    }
  }
  // On a hybrid host the unified line ("0::/…") is systemd's, not one of the container's.
  if (Object.keys(roots).length > 1) delete roots[''];
  return roots;
}
