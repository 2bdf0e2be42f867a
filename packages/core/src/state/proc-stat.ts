import { readFileSync } from 'node:fs';

export interface ProcStat {
  /** The one-letter state: R, S, D, Z, X, … */
  state: string;
  /** Field 22: start time in clock ticks since boot; with the pid it names one process forever. */
  startTime: string;
}

/** /proc/<pid>/stat, or undefined when there is no such process. */
export async function readProcStat(pid: number): Promise<ProcStat | undefined> {
  let text: string;
  try {
    // procfs is memory: a synchronous read is cheaper than a thread-pool round trip.
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // comm (field 2) may hold spaces and parentheses; every later field follows the last ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { state: fields[0] ?? '', startTime: fields[19] ?? '' };
}

/** True while the process that had this pid and start time has not ended (a zombie has ended). */
export async function isAlive(pid: number, startTime: string): Promise<boolean> {
  if (pid <= 0) return false;
  const stat = await readProcStat(pid);
  return stat !== undefined && stat.startTime === startTime && stat.state !== 'Z' && stat.state !== 'X';
}
