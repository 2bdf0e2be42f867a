// The shape of a JSON document as clients parse it: every key's path and the JSON type of its value.

/** path → JSON type for every value in a document ("memory.usage.limit": "number"); arrays by element type. */
export function keyTypes(value: unknown, path = '', out: Record<string, string> = {}): Record<string, string> {
  if (Array.isArray(value)) {
    out[path] = 'array';
    for (const item of value) keyTypes(item, `${path}[]`, out);
  } else if (value !== null && typeof value === 'object') {
    out[path] = 'object';
    for (const [k, v] of Object.entries(value)) keyTypes(v, path ? `${path}.${k}` : k, out);
  } else {
    out[path] = value === null ? 'null' : typeof value;
  }
  return out;
}

/**
 * Paths whose JSON type differs between ours and runc's: "path: ours-type vs runc-type", with
 * "absent" for a missing key; excused(path, type) forgives a key one side has and the other lacks.
 */
export function shapeDifferences(ours: unknown, runc: unknown, excused: (path: string, present: string) => boolean = () => false): string[] {
  const a = keyTypes(ours);
  const b = keyTypes(runc);
  return [...new Set([...Object.keys(a), ...Object.keys(b)])]
    .filter((path) => a[path] !== b[path])
    .filter((path) => !(a[path] === undefined && excused(path, b[path]!)) && !(b[path] === undefined && excused(path, a[path]!)))
    .map((path) => `${path}: ${a[path] ?? 'absent'} vs ${b[path] ?? 'absent'}`);
}

/**
 * Fields of runc's types/events.go tagged omitempty whose presence depends on the value read
 * (a page-cache charge, a throttled period, disk I/O), so two idle containers may differ there.
 */
const VALUE_DEPENDENT_LEAVES = new Set(['cache', 'usage', 'max', 'total', 'current', 'periods', 'throttled_periods', 'throttled_time']);

/** The excuse for `events --stats` data: a value-dependent omitempty number, or a blkio entry list. */
export function statsValueDependent(path: string, present: string): boolean {
  return (present === 'number' && VALUE_DEPENDENT_LEAVES.has(path.split('.').pop()!)) || /^blkio\.\w+(\[\].*)?$/.test(path);
}
