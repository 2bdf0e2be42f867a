export interface ProcessEntry {
  pid: number;
  ppid: number;
  /** The state letter of /proc/<pid>/stat: "Z" for a zombie. */
  state: string;
  /** A ck-init started with --zygote (and the processes it forked, which share its command line). */
  zygote: boolean;
  /** Its name (comm, field 2 of /proc/<pid>/stat). */
  name: string;
}
export function processTable(): ProcessEntry[];
export function zygotesOf(pid: number, table?: ProcessEntry[]): number[];
export const FILE_SERVER_NAME: string;
export function fileServersOf(pid: number, table?: ProcessEntry[]): number[];
