import { parseUint } from '@containerkit/core';

/** Nested-keyed files of cgroup v2 ("8:0 rbytes=1 wbytes=2", "mlx4_0 hca_handle=2") → entries. */
export function parseNestedKeyed(text: string): { key: string; values: Record<string, number> }[] {
  const out: { key: string; values: Record<string, number> }[] = [];
  for (const line of text.split('\n')) {
    const [key, ...pairs] = line.trim().split(/\s+/);
    if (!key) continue;
    const values: Record<string, number> = {};
    for (const pair of pairs) {
      const eq = pair.indexOf('=');
      if (eq > 0) values[pair.slice(0, eq)] = parseUint(pair.slice(eq + 1));
    }
    out.push({ key, values });
  }
  return out;
}
