export interface ProcessEntry {
  pid: number;
  ppid: number;
  /** The state letter of /proc/<pid>/stat: "Z" for a zombie. */
  state: string;
  /** A ck-init started with --zygote. */
  zygote: boolean;
}
export function processTable(): ProcessEntry[];
export function zygotesOf(pid: number, table?: ProcessEntry[]): number[];
