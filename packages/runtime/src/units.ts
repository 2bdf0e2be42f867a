// The two value syntaxes runc's flags inherit from Go: docker/go-units sizes (`--memory 64m`)
// and time.Duration (`--interval 5s`). Both answer undefined for a value Go would refuse.

const BINARY: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4, p: 1024 ** 5 };

/** go-units RAMInBytes: "64m", "1g", "512k", "1.5GiB", "100" (bytes); the multipliers are binary. */
export function ramInBytes(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)*) ?([kKmMgGtTpP])?[iI]?[bB]?$/.exec(text);
  if (!m) return undefined;
  // go-units' regexp lets "1.2.3" through and then fails in ParseFloat.
  if (!/^\d+(\.\d+)?$/.test(m[1]!)) return undefined;
  return Math.trunc(Number(m[1]) * BINARY[(m[2] ?? '').toLowerCase()]!);
}

const DURATION_UNITS: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, 'μs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Go's time.ParseDuration, in milliseconds: "5s", "250ms", "1m30s", "1.5h", "0". */
export function durationMs(text: string): number | undefined {
  const m = /^([-+]?)(.*)$/.exec(text)!;
  const sign = m[1] === '-' ? -1 : 1;
  const body = m[2]!;
  if (body === '0') return 0;
  if (body === '') return undefined;
  let total = 0;
  const part = /(\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h)/y;
  let at = 0;
  while (at < body.length) {
    part.lastIndex = at;
    const p = part.exec(body);
    if (!p) return undefined;
    total += Number(p[1]) * DURATION_UNITS[p[2]!]!;
    at = part.lastIndex;
  }
  return sign * total;
}
