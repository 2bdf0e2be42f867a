// The hooks through ckrun as podman and containerd drive it: create, start, kill, delete, each
// hook at its command, and a failing one as runc reports it.
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CliWorld, expectOneLineError, SKIP_REASON, useCliWorld } from './cli-world.js';

const world = new CliWorld();
const KINDS = ['prestart', 'createRuntime', 'createContainer', 'startContainer', 'poststart', 'poststop'];

/** A host directory bound at /hooks: a POSIX sh hook that logs "kind status" to its log, or fails. */
function hookDir(name: string): string {
  const dir = join(world.dir, 'hooks', name);
  mkdirSync(dir, { recursive: true });
  const script = join(dir, 'hook.sh');
  writeFileSync(
    script,
    '#!/bin/sh\nstate=$(cat)\nstatus=${state#*\\"status\\":\\"}\necho "$1 ${status%%\\"*}" >> "$2"\n[ "$3" = fail ] && { echo "no $1" >&2; exit 4; }\nexit 0\n',
  );
  chmodSync(script, 0o755);
  return dir;
}

function hooks(dir: string, kinds: string[], failing?: string): Record<string, unknown[]> {
  return Object.fromEntries(
    kinds.map((kind) => {
      const inside = kind === 'startContainer';
      const path = inside ? '/hooks/hook.sh' : join(dir, 'hook.sh');
      const log = inside ? '/hooks/log' : join(dir, 'log');
      return [kind, [{ path, args: ['hook.sh', kind, log, kind === failing ? 'fail' : 'ok'] }]];
    }),
  );
}

const logOf = (dir: string) => {
  try {
    return readFileSync(join(dir, 'log'), 'utf8').trim().split('\n');
  } catch {
    return [];
  }
};

describe.skipIf(SKIP_REASON !== '')(`hooks through ckrun (${SKIP_REASON || 'as root, built CLI'})`, () => {
  useCliWorld(world);

  it('runs each hook at its command: create, start, delete', async () => {
    const dir = hookDir('lifecycle');
    const { id, bundle } = await world.bundle((c) => {
      c.mounts.push({ destination: '/hooks', type: 'bind', source: dir, options: ['rbind', 'rw'] });
      c.hooks = hooks(dir, KINDS);
    });
    expect(world.ckrun(['create', '--bundle', bundle, id])).toMatchObject({ code: 0, stderr: '' });
    expect(logOf(dir)).toEqual(['prestart creating', 'createRuntime creating', 'createContainer creating']);
    expect(world.ckrun(['start', id])).toMatchObject({ code: 0, stderr: '' });
    expect(logOf(dir).slice(3)).toEqual(['startContainer created', 'poststart running']);
    expect(world.ckrun(['kill', id, 'KILL']).code).toBe(0);
    await world.waitForStatus(id, 'stopped');
    expect(world.ckrun(['delete', id])).toMatchObject({ code: 0, stderr: '' });
    expect(logOf(dir).slice(5)).toEqual(['poststop stopped']);
  });

  it('fails the create on a failing createRuntime hook, one line naming it, and leaves nothing behind', async () => {
    const dir = hookDir('fail');
    const { id, bundle } = await world.bundle((c) => (c.hooks = hooks(dir, ['createRuntime'], 'createRuntime')));
    expectOneLineError(world.ckrun(['create', '--bundle', bundle, id]), /error running createRuntime hook #0: .*hook\.sh: exit status 4, stderr: no createRuntime/);
    expect(world.ckrun(['state', id]).code).not.toBe(0);
  });

  it('warns about a failing poststop hook and still deletes', async () => {
    const dir = hookDir('poststop');
    const { id, bundle } = await world.bundle((c) => {
      c.process.args = ['true'];
      c.hooks = hooks(dir, ['poststop'], 'poststop');
    });
    const r = world.ckrun(['run', '--bundle', bundle, id]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/level=warning msg=".*error running poststop hook #0: .*exit status 4, stderr: no poststop/);
    expect(logOf(dir)).toEqual(['poststop stopped']);
    expect(world.ckrun(['state', id]).code).not.toBe(0);
  });
});
