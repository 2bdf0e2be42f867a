/**
 * runc's ps filter: keep ps(1)'s header and the lines whose PID column (found by name in the
 * header, fields split on blanks) is one of the container's pids.
 */
export function filterPsOutput(output: string, pids: readonly number[]): string {
  const lines = output.split('\n');
  const header = lines[0] ?? '';
  const pidIndex = header.trim().split(/\s+/).indexOf('PID');
  if (pidIndex < 0) throw new Error("couldn't find PID field in ps output");
  const wanted = new Set(pids);
  const kept = [header];
  for (const line of lines.slice(1)) {
    if (line === '') continue;
    const field = line.trim().split(/\s+/)[pidIndex] ?? '';
    if (!/^[-+]?\d+$/.test(field)) throw new Error(`unable to parse pid: "${field}" in ps output line ${JSON.stringify(line)}`);
    if (wanted.has(Number(field))) kept.push(line);
  }
  return kept.map((l) => `${l}\n`).join('');
}

/** `ps -f json`: Go's json.Encoder of an []int; a nil slice (no process) is `null`. */
export function formatPidsJson(pids: readonly number[]): string {
  return `${pids.length === 0 ? 'null' : JSON.stringify(pids)}\n`;
}
