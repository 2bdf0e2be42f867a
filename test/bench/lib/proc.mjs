// Reading /proc: the resident size of a process, its parent, whether it has ended.
import { readFileSync } from 'node:fs';

/** @param {number} pid @returns {{ rssKiB: number, ppid: number, name: string } | undefined} */
export function processRss(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const field = (k) => status.match(new RegExp(`^${k}:\\s*(.*)$`, 'm'))?.[1] ?? '';
    return { rssKiB: parseInt(field('VmRSS'), 10) || 0, ppid: Number(field('PPid')), name: field('Name') };
  } catch {
    return undefined;
  }
}

/** True once the process is gone or a zombie. */
export function ended(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z';
  } catch {
    return true;
  }
}

/** Polls until the process has ended; false after timeoutMs. */
export function waitEnded(pid, timeoutMs = 10_000) {
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (let waited = 0; waited < timeoutMs; waited += 2) {
    if (ended(pid)) return true;
    Atomics.wait(pause, 0, 0, 2);
  }
  return false;
}

/** This process and its ancestors: a parent among them is not a monitor left behind by the runtime. */
export function ancestors() {
  const pids = new Set();
  for (let pid = process.pid; pid > 1 && !pids.has(pid); pid = processRss(pid)?.ppid ?? 0) pids.add(pid);
  pids.add(1);
  return pids;
}
