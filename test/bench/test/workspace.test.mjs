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

  it('writes what a client makes differ per container: hostname, annotations, a file bound from its bundle', async () => {
    ws.baseConfig = await defaultConfig();
    const a = ws.config('ck-16a-1', undefined, { asClient: true });
    const b = ws.config('ck-16a-2', undefined, { asClient: true });
    expect(a.hostname).toBe('ck-16a-1');
    expect(b.hostname).toBe('ck-16a-2');
    expect(a.annotations['io.containerkit.bench.id']).toBe('ck-16a-1');
    expect(a.annotations).not.toEqual(b.annotations);
    const bound = (c) => c.mounts.find((m) => m.destination === '/etc/hostname');
    expect(bound(a)).toEqual({ destination: '/etc/hostname', type: 'bind', source: `${ws.bundles}/ck-16a-1/hostname`, options: ['rbind', 'ro', 'nosuid', 'nodev', 'noexec'] });
    expect(bound(b).source).toBe(`${ws.bundles}/ck-16a-2/hostname`);
    expect(a.mounts.length).toBe(ws.baseConfig.mounts.length + 1);
    expect(ws.config('ck-16a-1').hostname).toBe(ws.baseConfig.hostname);
    expect(ws.baseConfig.annotations).toBeUndefined();
  });

  it('keeps a long id’s hostname within 63 characters', async () => {
    ws.baseConfig = await defaultConfig();
    expect(ws.config('x'.repeat(80), undefined, { asClient: true }).hostname).toHaveLength(63);
  });
});
