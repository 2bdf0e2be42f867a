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

  it('takes 0, with or without --all, as runc does (it only checks the process is there)', async () => {
    expect(signalNumber('0')).toBe(0);
    for (const argv of [['kill', 'nope', '0'], ['kill', '--all', 'nope', '0'], ['kill', '-a', 'nope', '0']]) {
      expect(await ckrun('--root', '/nonexistent-ckrun-root', ...argv)).toEqual({ code: 1, stdout: '', stderr: 'ckrun: container does not exist\n' });
    }
  });
});

describe('ckrun features', () => {
  it('prints the OCI features document of what the library implements', async () => {
    const r = await ckrun('features');
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({ ociVersionMin: '1.0.0', ociVersionMax: '1.3.0' });
    expect(doc.hooks).toEqual(['prestart', 'createRuntime', 'createContainer', 'startContainer', 'poststart', 'poststop']);
    expect(doc.linux.seccomp).toMatchObject({ enabled: true, operators: expect.arrayContaining(['SCMP_CMP_MASKED_EQ']) });
    expect(doc.linux.apparmor).toEqual({ enabled: true });
    expect(doc.linux.selinux).toEqual({ enabled: true });
    // runc's shape: what the runtime implements, whatever this host has (this one has no resctrl).
    expect(doc.linux.intelRdt).toEqual({ enabled: true, schemata: true, monitoring: true });
    expect(doc.linux.netDevices).toEqual({ enabled: true });
    expect(doc.linux.cgroup).toMatchObject({ v1: true, systemd: false });
    expect(doc.linux.namespaces).toEqual(['cgroup', 'ipc', 'mount', 'network', 'pid', 'time', 'user', 'uts']);
    expect(doc.linux.capabilities).toContain('CAP_SYS_ADMIN');
    expect(doc.mountOptions).toContain('rbind');
    expect(doc.mountOptions).toContain('tmpcopyup');
    expect(doc.mountOptions).toEqual(expect.arrayContaining(['idmap', 'ridmap']));
    expect(doc.linux.mountExtensions).toEqual({ idmap: { enabled: true } });
    expect(doc.linux.memoryPolicy).toEqual({
      modes: ['MPOL_DEFAULT', 'MPOL_PREFERRED', 'MPOL_BIND', 'MPOL_INTERLEAVE', 'MPOL_LOCAL', 'MPOL_PREFERRED_MANY', 'MPOL_WEIGHTED_INTERLEAVE'],
      flags: ['MPOL_F_NUMA_BALANCING', 'MPOL_F_RELATIVE_NODES', 'MPOL_F_STATIC_NODES'],
    });
  });
});

describe('state of a missing container', () => {
  it("reports it in one line with exit 1, in runc's words (containerd matches \"does not exist\")", async () => {
    const r = await ckrun('--root', '/nonexistent-ckrun-root', 'state', 'nope');
    expect(r).toEqual({ code: 1, stdout: '', stderr: 'ckrun: container does not exist\n' });
  });

  it('exits 255 from exec, as runc does, and 1 from every other command', async () => {
    const root = ['--root', '/nonexistent-ckrun-root'];
    expect(await ckrun(...root, 'exec', 'nope', 'true')).toEqual({ code: 255, stdout: '', stderr: 'ckrun: container does not exist\n' });
    for (const argv of [['start', 'nope'], ['delete', 'nope'], ['pause', 'nope'], ['ps', 'nope'], ['events', '--stats', 'nope'], ['update', '--memory', '1m', 'nope']]) {
      expect(await ckrun(...root, ...argv)).toEqual({ code: 1, stdout: '', stderr: 'ckrun: container does not exist\n' });
    }
  });

  it('writes its --debug lines to stderr as logrus text, the error itself as ckrun\'s line', async () => {
    const r = await ckrun('--debug', '--root', '/nonexistent-ckrun-root', 'state', 'nope');
    const lines = r.stderr.split('\n').filter(Boolean);
    expect(lines[0]).toMatch(/^time="[\dT:-]+Z" level=debug msg="ckrun --debug --root \/nonexistent-ckrun-root state nope"$/);
    expect(lines).toContain('ckrun: container does not exist');
    expect(lines.at(-1)).toMatch(/^time="[^"]+" level=debug msg="ContainerError: container \\"nope\\" does not exist\\n +at /);
  });

  it('writes --debug lines as JSON with --log-format json', async () => {
    const r = await ckrun('--debug', '--log-format', 'json', '--root', '/nonexistent-ckrun-root', 'list');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stderr.split('\n')[0]!)).toEqual({ level: 'debug', msg: 'ckrun --debug --log-format json --root /nonexistent-ckrun-root list', time: expect.any(String) });
  });

  it('writes no debug line without --debug', async () => {
    expect(await ckrun('--root', '/nonexistent-ckrun-root', 'list')).toEqual({ code: 0, stdout: 'ID          PID         STATUS      BUNDLE      CREATED     OWNER\n', stderr: '' });
  });

  it('lists nothing as null in JSON when the root does not exist', async () => {
    const r = await ckrun('--root', '/nonexistent-ckrun-root', 'list', '-f', 'json');
    expect(r).toEqual({ code: 0, stdout: 'null\n', stderr: '' });
  });
});
