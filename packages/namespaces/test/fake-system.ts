import type { NamespacesSystem } from '../src/index.js';

const FLAGS: Record<string, number> = {
  user: 0x10000000, ipc: 0x8000000, uts: 0x4000000, net: 0x40000000,
  pid: 0x20000000, cgroup: 0x2000000, time: 0x80, mnt: 0x20000,
};

/**
 * A system whose namespace files are /fake/<procname>/…; any other path is missing, and
 * /fake/file is a regular file. Writes are recorded in order.
 */
export function fakeSystem(options: { canSetGroups?: boolean; canSetUids?: boolean; uid?: number; gid?: number } = {}) {
  const writes: { path: string; data: string }[] = [];
  const tools: { tool: string; pid: number; mappings: unknown[] }[] = [];
  const system: NamespacesSystem = {
    async namespaceType(path) {
      const name = /^\/fake\/([a-z]+)/.exec(path)?.[1];
      if (name === 'file') throw Object.assign(new Error('not a namespace'), { errno: 'ENOTTY' });
      const flag = name === undefined ? undefined : FLAGS[name];
      if (flag === undefined) throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
      return flag;
    },
    async writeFile(path, data) {
      writes.push({ path, data });
    },
    async canSetGroups() {
      return options.canSetGroups ?? true;
    },
    async canSetUids() {
      return options.canSetUids ?? options.canSetGroups ?? true;
    },
    ownIds() {
      return { uid: options.uid ?? 0, gid: options.gid ?? 0 };
    },
    async runMapTool(tool, pid, mappings) {
      tools.push({ tool, pid, mappings: [...mappings] });
    },
  };
  return { system, writes, tools };
}
