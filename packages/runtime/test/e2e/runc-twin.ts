// The same container for runc beside ckrun's, for the tests that compare the two.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CliWorld, Result } from './cli-world.js';

/** runc's side of a comparison: its own --root and, for the same id, a bundle whose cgroup is its own. */
export class RuncTwin {
  readonly root: string;
  private readonly ids = new Set<string>();

  constructor(private readonly world: CliWorld) {
    this.root = join(world.dir, `runc-${world.root.split('/').pop()}`);
  }

  runc(args: string[]): Result {
    return this.world.exec('runc', ['--root', this.root, ...args]);
  }

  /** A copy of ckrun's bundle for runc: the same config but its cgroup, so that both may run at once. */
  bundle(bundle: string, id: string): string {
    const twin = `${bundle}-runc`;
    mkdirSync(twin, { recursive: true });
    const config = JSON.parse(readFileSync(join(bundle, 'config.json'), 'utf8'));
    config.linux.cgroupsPath = `${config.linux.cgroupsPath}-runc`;
    writeFileSync(join(twin, 'config.json'), JSON.stringify(config));
    this.ids.add(id);
    return twin;
  }

  /** Deletes whatever runc still has of the containers this twin made. */
  cleanUp(): void {
    for (const id of this.ids) this.runc(['delete', '--force', id]);
    this.ids.clear();
  }
}

/** The msg of runc's last logrus error line on stderr, without the "exec failed: " kind of prefix runc 1.1 adds. */
export function runcErrorMessage(stderr: string): string {
  const line = stderr.split('\n').filter((l) => l.includes('level=error')).at(-1) ?? '';
  const raw = /level=error msg=("(?:[^"\\]|\\.)*"|\S*)/.exec(line)?.[1] ?? '';
  const msg = raw.startsWith('"') ? (JSON.parse(raw) as string) : raw;
  return msg.replace(/^(exec failed|runc (create|run) failed): /, '');
}
