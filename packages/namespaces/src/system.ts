import { open, readFile, writeFile } from 'node:fs/promises';
import { namespaceTypeOfFd } from '@containerkit/core';
import type { IdMapping } from './config.js';
import { runMapTool, type MapTool } from './map-tool.js';

/** What the driver asks of the system; tests pass a fake that records the calls. */
export interface NamespacesSystem {
  /**
   * The CLONE_NEW* flag of the namespace file at path. Fails with an error whose `code`
   * (Node) or `errno` (ContainerError) is ENOENT when it is missing, ENOTTY when it is no namespace.
   */
  namespaceType(path: string): Promise<number>;
  /** Writes data with a single write(2), as uid_map and gid_map require. */
  writeFile(path: string, data: string): Promise<void>;
  /** True when the caller may write a gid_map without denying setgroups first (CAP_SETGID). */
  canSetGroups(): Promise<boolean>;
  /** True when the caller may map any uid (CAP_SETUID). */
  canSetUids(): Promise<boolean>;
  /** The caller's effective uid and gid: the only ids it may map without privilege or a map tool. */
  ownIds(): { uid: number; gid: number };
  /** Runs newuidmap or newgidmap (map-tool.ts) for pid. */
  runMapTool(tool: MapTool, pid: number, mappings: readonly IdMapping[]): Promise<void>;
}

const CAP_SETGID = 6n;
const CAP_SETUID = 7n;

async function hasCapability(cap: bigint): Promise<boolean> {
  const status = await readFile('/proc/self/status', 'utf8');
  const capEff = /^CapEff:\s*([0-9a-f]+)$/m.exec(status)?.[1];
  return capEff !== undefined && ((BigInt(`0x${capEff}`) >> cap) & 1n) === 1n;
}

export const realSystem: NamespacesSystem = {
  async namespaceType(path) {
    const handle = await open(path, 'r');
    try {
      return namespaceTypeOfFd(handle.fd, path);
    } finally {
      await handle.close();
    }
  },
  async writeFile(path, data) {
    // Small enough for Node to hand to the kernel in one write(2) call.
    await writeFile(path, data);
  },
  canSetGroups() {
    // The kernel lets a writer without CAP_SETGID over the new user namespace's parent map
    // gids only after setgroups is denied; our own effective set is that capability's holder.
    return hasCapability(CAP_SETGID);
  },
  canSetUids() {
    return hasCapability(CAP_SETUID);
  },
  ownIds() {
    return { uid: process.geteuid?.() ?? 0, gid: process.getegid?.() ?? 0 };
  },
  runMapTool,
};
