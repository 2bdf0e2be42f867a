import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../fixtures/busybox-bundle.mjs';
import { Workspace } from '../lib/workspace.mjs';

const podman = JSON.parse(readFileSync(new URL('../../fixtures/podman-default-seccomp.json', import.meta.url), 'utf8'));

describe('Workspace.config', () => {
  const ws = new Workspace('/nonexistent');

  it('gives each container its own cgroup and leaves seccomp out by default', async () => {
    ws.baseConfig = await defaultConfig();
    const a = ws.config('a');
    const b = ws.config('b');
    expect(a.linux.cgroupsPath).toBe(`${ws.cgroupParent}/a`);
    expect(b.linux.cgroupsPath).toBe(`${ws.cgroupParent}/b`);
    expect(a.linux.seccomp).toBeUndefined();
    expect(a.process.noNewPrivileges).toBe(true);
  });

  it('puts podman’s default profile in, as podman writes it, in a copy of its own each time', async () => {
    ws.baseConfig = await defaultConfig();
    const a = ws.config('a', undefined, { seccomp: true });
    const b = ws.config('b', ['/bin/sh'], { seccomp: true });
    expect(a.linux.seccomp).toEqual(podman);
    expect(a.process.noNewPrivileges).toBe(false);
    expect(a.linux.seccomp).not.toBe(b.linux.seccomp);
    expect(b.process.args).toEqual(['/bin/sh']);
    expect(b.linux.cgroupsPath).toBe(`${ws.cgroupParent}/b`);
    expect(ws.baseConfig.linux.seccomp).toBeUndefined();
  });
});
