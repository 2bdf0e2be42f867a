import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const dirs: string[] = [];

/** A temp dir standing in for a cgroup: the given files exist (writeCg never creates files). */
export async function fakeCgroup(files: Record<string, string> = {}): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ck-cgv2-'));
  dirs.push(dir);
  for (const [name, content] of Object.entries(files)) {
    await mkdir(join(dir, name, '..'), { recursive: true });
    await writeFile(join(dir, name), content);
  }
  return dir;
}

export const read = (dir: string, file: string) => readFile(join(dir, file), 'utf8');

export async function removeFakes(): Promise<void> {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
}

export const ctx = { hugePageSizes: ['2MB', '1GB'] };
