import type { ContainerState } from '@containerkit/core';

/** runc prints `state` with a 2-space indent and no newline after the closing brace. */
export function formatState(state: ContainerState): string {
  return JSON.stringify(orderedState(state), null, 2);
}

/** runc's `list -f json`: one compact array line, `null` when there is no container. */
export function formatListJson(states: ContainerState[]): string {
  return `${states.length === 0 ? 'null' : JSON.stringify(states.map(orderedState))}\n`;
}

/** runc's `list` table: Go's tabwriter with minwidth 12, padding 3. */
export function formatListTable(states: ContainerState[]): string {
  const rows = [
    ['ID', 'PID', 'STATUS', 'BUNDLE', 'CREATED', 'OWNER'],
    ...states.map((s) => [s.id, String(s.pid), s.status, s.bundle, s.created, s.owner]),
  ];
  return tabulate(rows, 12, 3);
}

export function formatListQuiet(states: ContainerState[]): string {
  return states.map((s) => `${s.id}\n`).join('');
}

/** Every column but the last is padded to max(minWidth, widest cell + padding). */
export function tabulate(rows: string[][], minWidth: number, padding: number): string {
  const columns = Math.max(0, ...rows.map((r) => r.length));
  const widths = Array.from({ length: columns - 1 }, (_, i) =>
    Math.max(minWidth, ...rows.map((r) => (i < r.length - 1 ? (r[i] ?? '').length + padding : 0))),
  );
  return rows.map((r) => r.map((cell, i) => (i < r.length - 1 ? cell.padEnd(widths[i] ?? 0) : cell)).join('') + '\n').join('');
}

/** The key order of runc's state JSON, whatever order the library built the object in. */
function orderedState(s: ContainerState): ContainerState {
  return {
    ociVersion: s.ociVersion,
    id: s.id,
    pid: s.pid,
    status: s.status,
    bundle: s.bundle,
    rootfs: s.rootfs,
    created: s.created,
    owner: s.owner,
    ...(s.annotations && Object.keys(s.annotations).length > 0 ? { annotations: s.annotations } : {}),
  };
}

/** One line of `events`: runc's types.Event, {type, id, data?}, compact as Go's json.Encoder writes it. */
export function formatEvent(type: 'stats' | 'oom', id: string, data?: unknown): string {
  return `${JSON.stringify(data === undefined ? { type, id } : { type, id, data })}\n`;
}
