import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { namespaces, type NamespaceConfig } from '../src/index.js';

const notRoot = process.getuid?.() !== 0;
const driver = namespaces();

/** Starts `unshare -U sleep 30` and resolves once the child sits in its own user namespace. */
async function childInNewUserNamespace(): Promise<ChildProcess & { pid: number }> {
  const child = spawn('unshare', ['-U', 'sleep', '30'], { stdio: 'ignore' });
  const own = readlinkSync('/proc/self/ns/user');
  for (let i = 0; i < 200; i++) {
    try {
      if (child.pid !== undefined && readlinkSync(`/proc/${child.pid}/ns/user`) !== own) {
        return child as ChildProcess & { pid: number };
      }
    } catch {
      // The child may not have a /proc entry yet.
    }
    await sleep(10);
  }
  child.kill('SIGKILL');
  throw new Error('unshare -U did not create a user namespace');
}

function mapLines(path: string): string[] {
  return readFileSync(path, 'utf8').trim().split('\n').map((l) => l.trim().split(/\s+/).join(' '));
}

describe.skipIf(notRoot)('on the real kernel (needs root)', () => {
  const children: ChildProcess[] = [];
  afterEach(() => {
    for (const c of children.splice(0)) c.kill('SIGKILL');
  });

  it('rejects /proc/self/ns/uts given as a network namespace', async () => {
    const error = await driver
      .plan({ linux: { namespaces: [{ type: 'network', path: '/proc/self/ns/uts' }] } })
      .catch((e: unknown) => e);
    expect((error as Error).message).toBe(
      'config.json: linux.namespaces[0].path: "/proc/self/ns/uts" is a uts namespace, not a network namespace',
    );
  });

  it('joins a /proc namespace file of the right type', async () => {
    const plan = await driver.plan({ linux: { namespaces: [{ type: 'network', path: '/proc/self/ns/net' }] } });
    expect(plan.join).toEqual([{ type: 0x40000000n, path: '/proc/self/ns/net' }]);
  });

  it('rejects a regular file given as a namespace', async () => {
    const error = await driver.plan({ linux: { namespaces: [{ type: 'ipc', path: '/etc/hostname' }] } }).catch((e: unknown) => e);
    expect((error as Error).message).toBe('config.json: linux.namespaces[0].path: "/etc/hostname" is not a namespace file');
  });

  it('recognises the type of a bind-mounted namespace file, where readlink cannot', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ck-ns-'));
    const file = join(dir, 'uts');
    writeFileSync(file, '');
    const mount = spawnSync('mount', ['--bind', `/proc/${process.pid}/ns/uts`, file]);
    try {
      expect(mount.status).toBe(0);
      const ok = await driver.plan({ linux: { namespaces: [{ type: 'uts', path: file }] } });
      expect(ok.join).toEqual([{ type: 0x4000000n, path: file }]);
      const error = await driver.plan({ linux: { namespaces: [{ type: 'pid', path: file }] } }).catch((e: unknown) => e);
      expect((error as Error).message).toContain('is a uts namespace, not a pid namespace');
    } finally {
      spawnSync('umount', [file]);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('writes uid_map and gid_map of a process in a new user namespace', async () => {
    const child = await childInNewUserNamespace();
    children.push(child);
    const config: NamespaceConfig = {
      linux: {
        namespaces: [{ type: 'user' }],
        uidMappings: [
          { containerID: 0, hostID: 100000, size: 1000 },
          { containerID: 1000, hostID: 1000, size: 1 },
        ],
        gidMappings: [{ containerID: 0, hostID: 200000, size: 65536 }],
      },
    };
    await driver.writeIdMaps(child.pid, config);
    expect(mapLines(`/proc/${child.pid}/uid_map`)).toEqual(['0 100000 1000', '1000 1000 1']);
    expect(mapLines(`/proc/${child.pid}/gid_map`)).toEqual(['0 200000 65536']);
  });

  it('leaves setgroups allowed when root writes the maps', async () => {
    const child = await childInNewUserNamespace();
    children.push(child);
    await driver.writeIdMaps(child.pid, {
      linux: {
        namespaces: [{ type: 'user' }],
        uidMappings: [{ containerID: 0, hostID: 0, size: 1 }],
        gidMappings: [{ containerID: 0, hostID: 0, size: 1 }],
      },
    });
    expect(readFileSync(`/proc/${child.pid}/setgroups`, 'utf8').trim()).toBe('allow');
  });

  it('names /proc paths that lead to the namespaces of a running process', async () => {
    const child = await childInNewUserNamespace();
    children.push(child);
    const paths = driver.namespacePaths(child.pid, { linux: { namespaces: [{ type: 'user' }, { type: 'network' }] } });
    expect(paths).toEqual({ user: `/proc/${child.pid}/ns/user`, network: `/proc/${child.pid}/ns/net` });
    expect(readlinkSync(paths.user!)).not.toBe(readlinkSync('/proc/self/ns/user'));
    expect(readlinkSync(paths.network!)).toBe(readlinkSync('/proc/self/ns/net'));
  });
});
