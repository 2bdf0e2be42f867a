import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUSYBOX } from '../../../../test/support/held-process.js';

export const hasRunc = spawnSync('runc', ['--version']).status === 0;

/**
 * `runc events --stats` of a busybox container running `sleep 30` with these resources in
 * cgroup `cgroupsPath`; the container and its bundle are removed before returning.
 */
export function runcStats(cgroupsPath: string, resources: object): Record<string, unknown> {
  const dir = mkdtempSync(join(tmpdir(), 'ckv1-runc-'));
  const id = `ckv1-${process.pid}`;
  const runc = (...args: string[]) => execFileSync('runc', ['--root', join(dir, 'state'), ...args], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] }).toString();
  try {
    mkdirSync(join(dir, 'rootfs/bin'), { recursive: true });
    cpSync(BUSYBOX, join(dir, 'rootfs/bin/busybox'));
    execFileSync('chroot', [join(dir, 'rootfs'), '/bin/busybox', '--install', '-s', '/bin']);
    runc('spec');
    const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    config.process.terminal = false;
    config.process.args = ['sleep', '30'];
    config.linux.cgroupsPath = cgroupsPath;
    config.linux.resources = { ...config.linux.resources, ...resources };
    writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
    // The container inherits runc's stdio: with pipes, execFileSync would wait for `sleep 30`.
    execFileSync('runc', ['--root', join(dir, 'state'), 'run', '-d', id], { cwd: dir, stdio: 'ignore' });
    try {
      return JSON.parse(runc('events', '--stats', id)).data;
    } finally {
      runc('delete', '-f', id);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Keys and JSON types, with arrays as the type of their elements and maps (raw, hugetlb) by value type. */
export function shape(v: unknown, mapKeys: readonly string[] = ['raw', 'hugetlb'], key = ''): unknown {
  if (v === null) return 'null';
  if (Array.isArray(v)) return [v.length ? shape(v[0], mapKeys) : 'empty'];
  if (typeof v !== 'object') return typeof v;
  const entries = Object.entries(v as Record<string, unknown>);
  if (mapKeys.includes(key)) return { '*': [...new Set(entries.map(([, x]) => JSON.stringify(shape(x, mapKeys))))] };
  return Object.fromEntries(entries.sort(([a], [b]) => a.localeCompare(b)).map(([k, x]) => [k, shape(x, mapKeys, k)]));
}
