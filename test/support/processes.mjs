// The machine's processes as /proc shows them, for the e2e leak check and the bench: what a
// run left behind, and the library's ck-init zygote among a process's children.
import { readdirSync, readFileSync } from 'node:fs';

/** Every process still listed, zombies included; one that ends while it is read is left out. */
export function processTable() {
  const table = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const zygote = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').includes('--zygote');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      table.push({ pid: Number(entry), ppid: Number(ppid), state, zygote, name });
    } catch {
      // gone while we looked
    }
  }
  return table;
}

/** The ck-init zygotes that are children of pid (the library starts one per process). */
export function zygotesOf(pid, table = processTable()) {
  return table.filter((p) => p.ppid === pid && p.zygote).map((p) => p.pid);
}

/** The name a zygote's file server runs under (native/src/file_server.h). */
export const FILE_SERVER_NAME = 'ck-file-server';

/** pid's file server (the library starts one per process, on its first create): forked by its zygote, or its own child without one. */
export function fileServersOf(pid, table = processTable()) {
  const parents = new Set([pid, ...zygotesOf(pid, table)]);
  return table.filter((p) => parents.has(p.ppid) && p.name === FILE_SERVER_NAME).map((p) => p.pid);
}
