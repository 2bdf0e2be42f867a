import * as z from 'zod';
import { describeValue } from './describe.js';

/** A string from a closed list; the message names the bad value and the list. */
export function oneOf<const T extends readonly [string, ...string[]]>(label: string, values: T) {
  return z.enum(values, {
    error: (issue) =>
      issue.input === undefined
        ? 'required'
        : `unknown ${label} ${describeValue(issue.input)} (expected one of ${values.join(', ')})`,
  });
}

/** Like oneOf, but typed as a plain string, for fields that callers build from other strings. */
export function oneOfString(label: string, values: readonly string[]) {
  return z.string().check((ctx) => {
    if (!values.includes(ctx.value)) {
      ctx.issues.push({ code: 'custom', input: ctx.value, message: `unknown ${label} ${describeValue(ctx.value)} (expected one of ${values.join(', ')})` });
    }
  });
}

/** A string matching `pattern`, for names from an open but regular family (CAP_*, SCMP_*). */
export function named(label: string, pattern: RegExp) {
  return z.string().check((ctx) => {
    if (!pattern.test(ctx.value)) {
      ctx.issues.push({ code: 'custom', input: ctx.value, message: `invalid ${label} ${describeValue(ctx.value)} (expected ${pattern.source})` });
    }
  });
}

/** A path that the spec says MUST be absolute. */
export function absolutePath() {
  return z.string().check((ctx) => {
    if (!ctx.value.startsWith('/')) {
      ctx.issues.push({ code: 'custom', input: ctx.value, message: `must be an absolute path, got ${describeValue(ctx.value)}` });
    }
  });
}

/** A JSON object of string values (sysctl, annotations, unified). */
export function stringMap() {
  return z.record(z.string(), z.string());
}

/** Rejects a second entry with the same `key(entry)`: the spec makes duplicates an error. */
export function noDuplicates<T>(label: string, key: (entry: T) => string) {
  return (entries: readonly T[], ctx: z.RefinementCtx) => {
    const seen = new Map<string, number>();
    entries.forEach((entry, index) => {
      const k = key(entry);
      const first = seen.get(k);
      if (first === undefined) seen.set(k, index);
      else ctx.addIssue({ code: 'custom', path: [index], message: `duplicate ${label} ${describeValue(k)} (also at [${first}])` });
    });
  };
}

/** Object keys from a closed list, for records such as timeOffsets. */
export function keysOneOf(label: string, values: readonly string[]) {
  return (record: Record<string, unknown>, ctx: z.RefinementCtx) => {
    for (const key of Object.keys(record)) {
      if (!values.includes(key)) {
        ctx.addIssue({ code: 'custom', path: [key], message: `unknown ${label} ${describeValue(key)} (expected one of ${values.join(', ')})` });
      }
    }
  };
}
