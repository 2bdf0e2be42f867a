import { describe, expect, it } from 'vitest';
import { main, type Io } from '../src/main.js';
import { signalNumber } from '../src/factory.js';

async function ckrun(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: Io = { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t) };
  return { code: await main(argv, io), stdout, stderr };
}

describe('kill signal argument', () => {
  it.each(['KILL', 'SIGKILL', 'kill', '9'])('reads %s as 9', (text) => {
    expect(signalNumber(text)).toBe(9);
  });

  it('reports an unknown signal name as runc does', async () => {
    const r = await ckrun('kill', 'x', 'FOO');
    expect(r).toMatchObject({ code: 1, stderr: 'ckrun: unknown signal "FOO"\n' });
  });

  it('rejects a number that is no signal', () => {
    expect(() => signalNumber('65')).toThrow(/invalid signal "65"/);
  });
});

describe('ckrun features', () => {
  it('prints the OCI features document of what the library implements', async () => {
    const r = await ckrun('features');
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({ ociVersionMin: '1.0.0', ociVersionMax: '1.2.0', hooks: [] });
    expect(doc.linux.seccomp).toMatchObject({ enabled: true, operators: expect.arrayContaining(['SCMP_CMP_MASKED_EQ']) });
    expect(doc.linux.apparmor).toEqual({ enabled: true });
    expect(doc.linux.selinux).toEqual({ enabled: true });
    expect(doc.linux.cgroup).toMatchObject({ v1: true, systemd: false });
    expect(doc.linux.namespaces).toEqual(['cgroup', 'ipc', 'mount', 'network', 'pid', 'time', 'user', 'uts']);
    expect(doc.linux.capabilities).toContain('CAP_SYS_ADMIN');
    expect(doc.mountOptions).toContain('rbind');
    expect(doc.mountOptions).toContain('tmpcopyup');
    expect(doc.mountOptions).not.toContain('idmap');
  });
});

describe('state of a missing container', () => {
  it('reports it in one line with exit 1', async () => {
    const r = await ckrun('--root', '/nonexistent-ckrun-root', 'state', 'nope');
    expect(r).toEqual({ code: 1, stdout: '', stderr: 'ckrun: container "nope" does not exist\n' });
  });

  it('lists nothing as null in JSON when the root does not exist', async () => {
    const r = await ckrun('--root', '/nonexistent-ckrun-root', 'list', '-f', 'json');
    expect(r).toEqual({ code: 0, stdout: 'null\n', stderr: '' });
  });
});
