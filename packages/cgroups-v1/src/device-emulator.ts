import { ContainerError } from '@containerkit/core';
import type { DeviceRule } from './resources.js';

/**
 * An emulator of the v1 devices controller, after runc's devices.Emulator: the current state is
 * read back from devices.list, the target is built from the config's rules, and transition()
 * yields the fewest writes between them. A white-list → white-list update never passes
 * through "allow everything"; only a change of default (or a black-list source, whose deny
 * rules devices.list cannot show) starts with a disruptive "a" rule.
 */
export interface Transition {
  readonly allow: boolean;
  /** The line written to devices.allow / devices.deny. */
  readonly line: string;
}

type NodeType = 'b' | 'c';
const WILDCARD = -1;
const PERMS = ['r', 'w', 'm'] as const;

interface Meta {
  readonly type: NodeType;
  readonly major: number;
  readonly minor: number;
}

function key(m: Meta): string {
  return `${m.type} ${m.major < 0 ? '*' : m.major}:${m.minor < 0 ? '*' : m.minor}`;
}

function metaOf(k: string): Meta {
  const [type, numbers = ''] = k.split(' ');
  const [major = '*', minor = '*'] = numbers.split(':');
  return { type: type as NodeType, major: major === '*' ? WILDCARD : Number(major), minor: minor === '*' ? WILDCARD : Number(minor) };
}

function perms(access: string): Set<string> {
  const set = new Set<string>();
  for (const ch of access) {
    if (!PERMS.includes(ch as (typeof PERMS)[number])) {
      throw new ContainerError('ConfigInvalid', `linux.resources.devices: access "${access}" may only contain r, w and m`);
    }
    set.add(ch);
  }
  return set;
}

function permString(set: ReadonlySet<string>): string {
  return PERMS.filter((p) => set.has(p)).join('');
}

function minus(a: ReadonlySet<string> | undefined, b: ReadonlySet<string> | undefined): Set<string> {
  return new Set([...(a ?? [])].filter((p) => !b?.has(p)));
}

// A plain code-unit order: localeCompare would load ICU's collator (≈15 ms) on first use.
function compareMeta(a: Meta, b: Meta): number {
  if (a.type !== b.type) return a.type < b.type ? -1 : 1;
  return a.major - b.major || a.minor - b.minor;
}

export class DeviceEmulator {
  defaultAllow = false;
  readonly rules = new Map<string, Set<string>>();

  /** The state a devices.list text shows: "a *:* rwm" alone means allow-all, anything else a white-list. */
  static fromList(list: string): DeviceEmulator {
    const e = new DeviceEmulator();
    for (const line of list.split('\n').map((l) => l.trim()).filter(Boolean)) {
      const [type = '', numbers = '', access = ''] = line.split(' ');
      if (type === 'a') e.reset(true);
      else e.apply({ allow: true, type, major: parseNum(numbers.split(':')[0]), minor: parseNum(numbers.split(':')[1]), access });
    }
    return e;
  }

  /** The state the config's rules describe, starting from deny-all like a fresh runc emulator. */
  static fromRules(rules: readonly DeviceRule[]): DeviceEmulator {
    const e = new DeviceEmulator();
    rules.forEach((r) => e.apply(r));
    return e;
  }

  get isBlacklist(): boolean {
    return this.defaultAllow;
  }

  apply(rule: DeviceRule): void {
    const type = rule.type ?? 'a';
    if (type === 'a') return this.reset(rule.allow);
    if (type !== 'b' && type !== 'c') {
      throw new ContainerError('ConfigInvalid', `linux.resources.devices: type "${type}" must be a, b or c`);
    }
    const meta: Meta = { type, major: num(rule.major), minor: num(rule.minor) };
    const p = perms(rule.access ?? 'rwm');
    // In a white-list an allow adds an exception; in a black-list it removes one (and vice versa).
    if (rule.allow !== this.defaultAllow) this.add(meta, p);
    else this.remove(meta, p);
  }

  /** The writes that take a cgroup in this state to `target`, in a stable order. */
  transition(target: DeviceEmulator): Transition[] {
    const out: Transition[] = [];
    let old: Map<string, Set<string>> = this.rules;
    if (this.isBlacklist || this.defaultAllow !== target.defaultAllow) {
      out.push({ allow: target.defaultAllow, line: 'a *:* rwm' });
      old = new Map();
    }
    for (const [k, p] of sorted(old)) {
      const dropped = minus(p, target.rules.get(k));
      if (dropped.size > 0) out.push({ allow: target.defaultAllow, line: `${k} ${permString(dropped)}` });
    }
    for (const [k, p] of sorted(target.rules)) {
      const gained = minus(p, old.get(k));
      if (gained.size > 0) out.push({ allow: !target.defaultAllow, line: `${k} ${permString(gained)}` });
    }
    return out;
  }

  equals(other: DeviceEmulator): boolean {
    if (this.defaultAllow !== other.defaultAllow || this.rules.size !== other.rules.size) return false;
    return [...this.rules].every(([k, p]) => permString(p) === permString(other.rules.get(k) ?? new Set()));
  }

  private reset(defaultAllow: boolean): void {
    this.defaultAllow = defaultAllow;
    this.rules.clear();
  }

  private add(meta: Meta, p: Set<string>): void {
    const k = key(meta);
    this.rules.set(k, new Set([...(this.rules.get(k) ?? []), ...p]));
  }

  private remove(meta: Meta, p: Set<string>): void {
    // cgroup v1 silently ignores removing part of a wildcard exception; runc refuses, so do we.
    for (const partial of [
      { ...meta, major: WILDCARD },
      { ...meta, minor: WILDCARD },
      { ...meta, major: WILDCARD, minor: WILDCARD },
    ]) {
      const k = key(partial);
      if (k === key(meta)) continue;
      const overlap = [...(this.rules.get(k) ?? [])].filter((x) => p.has(x));
      if (overlap.length > 0) {
        throw new ContainerError(
          'ConfigInvalid',
          `linux.resources.devices: rule "${key(meta)} ${permString(p)}" cannot punch a hole in the wildcard rule "${k} ${permString(this.rules.get(k) ?? new Set())}" with cgroup v1`,
        );
      }
    }
    const k = key(meta);
    const left = minus(this.rules.get(k), p);
    if (left.size === 0) this.rules.delete(k);
    else this.rules.set(k, left);
  }
}

function num(v: number | bigint | null | undefined): number {
  return v === undefined || v === null || Number(v) < 0 ? WILDCARD : Number(v);
}

function parseNum(s: string | undefined): number {
  return s === undefined || s === '*' ? WILDCARD : Number(s);
}

function sorted(rules: Map<string, Set<string>>): [string, Set<string>][] {
  return [...rules].sort(([a], [b]) => compareMeta(metaOf(a), metaOf(b)));
}
