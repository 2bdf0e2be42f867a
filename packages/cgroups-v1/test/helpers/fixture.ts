import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import type { ControllerContext } from '../../src/controller.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A temp dir standing in for a cgroup directory: only the listed files exist, as in cgroupfs. */
export function fixture(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'ckv1-unit-'));
  dirs.push(dir);
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  return dir;
}

export const read = (dir: string, file: string) => readFileSync(join(dir, file), 'utf8');

export function context(hugePageSizes: string[] = ['2MB', '1GB']): ControllerContext & { warnings: string[] } {
  const warnings: string[] = [];
  return { hugePageSizes, warn: (w) => warnings.push(w), warnings };
}

/** Each listed file starts empty. */
export const empty = (...names: string[]) => Object.fromEntries(names.map((n) => [n, '']));
