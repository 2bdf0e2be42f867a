import { describe, expect, it } from 'vitest';
import type { Process } from '@containerkit/core';
import { checkCapabilityNames, checkTerminal, execProcess, mergeEnv, parseProcessFile, parseUser, subCgroup } from '../src/exec-process.js';
import { parseFlagsBeforeArgs } from '../src/flags.js';
import { exec } from '../src/commands/exec.js';
import { main, type Io } from '../src/main.js';

async function ckrun(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: Io = { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t) };
  return { code: await main(argv, io), stdout, stderr };
}

/** runc spec's process, as the library stores it. */
const config = (): Process => ({
  terminal: true,
  consoleSize: { height: 24, width: 80 },
  user: { uid: 0, gid: 5 },
  args: ['sh'],
  env: ['PATH=/usr/bin:/bin', 'TERM=xterm'],
  cwd: '/',
  capabilities: { bounding: ['CAP_KILL'], effective: ['CAP_KILL'], permitted: ['CAP_KILL'], ambient: ['CAP_KILL'] },
  rlimits: [{ type: 'RLIMIT_NOFILE', hard: 1024, soft: 1024 }],
  noNewPrivileges: true,
});

const parse = (...argv: string[]) => {
  const { values, positionals } = parseFlagsBeforeArgs('exec', exec.flags, argv);
  return { flags: values, args: positionals.slice(1), id: positionals[0] };
};

describe('exec -u uid[:gid]', () => {
  it('reads a uid alone, leaving the gid to the process it starts from', () => {
    expect(parseUser('1')).toEqual({ uid: 1 });
    expect(parseUser('1:2')).toEqual({ uid: 1, gid: 2 });
    expect(parseUser('0:0')).toEqual({ uid: 0, gid: 0 });
  });

  it('runs -u 1 as uid 1 and the config\'s gid, never as root (CVE-2026-30892 in crun)', () => {
    const { flags, args } = parse('-u', '1', 'id', 'true');
    expect(execProcess({ config: { ...config(), user: { uid: 0, gid: 0 } }, flags, args }).user).toEqual({ uid: 1, gid: 0 });
    expect(execProcess({ config: config(), flags, args }).user).toEqual({ uid: 1, gid: 5 });
    const both = parse('--user=1:2', 'id', 'true');
    expect(execProcess({ config: config(), ...both }).user).toEqual({ uid: 1, gid: 2 });
  });

  it.each(['x', '1:y', '1:', ':1', '1:2:3', '-1', '4294967295', 'root'])('refuses %j, naming the flag', (value) => {
    expect(() => parseUser(value)).toThrow(/^--user: /);
  });

  it('appends --additional-gids to the process\'s, as runc', () => {
    const { flags, args } = parse('-g', '7', '--additional-gids', '8', 'id', 'true');
    const p = execProcess({ config: { ...config(), user: { uid: 0, gid: 0, additionalGids: [3] } }, flags, args });
    expect(p.user).toEqual({ uid: 0, gid: 0, additionalGids: [3, 7, 8] });
    expect(() => execProcess({ config: config(), ...parse('-g', 'wheel', 'id', 'true') })).toThrow(/--additional-gids: "wheel"/);
  });
});

describe('exec --env', () => {
  it('replaces a key of the config\'s env where it stands and appends a new one', () => {
    expect(mergeEnv(['PATH=/bin', 'TERM=xterm'], ['TERM=dumb', 'NEW=1'])).toEqual(['PATH=/bin', 'TERM=dumb', 'NEW=1']);
  });

  it('lets a later entry win, and leaves one entry per key', () => {
    expect(mergeEnv(['A=1', 'B=2', 'A=3'], ['A=x', 'A=y'])).toEqual(['A=y', 'B=2']);
    expect(mergeEnv([], ['EMPTY=', 'EQ=a=b'])).toEqual(['EMPTY=', 'EQ=a=b']);
  });

  it('does not take a prefix of a key for the key', () => {
    expect(mergeEnv(['PATHS=1'], ['PATH=/x'])).toEqual(['PATHS=1', 'PATH=/x']);
  });

  it.each(['NOEQ', '=value'])('refuses %j', (entry) => {
    expect(() => mergeEnv([], [entry])).toThrow(/^--env: .* is not KEY=VALUE/);
  });

  it('is repeatable on the command line', () => {
    const { flags, args } = parse('-e', 'TERM=dumb', '--env', 'X=1', '--env=Y=2', 'c1', 'env');
    expect(execProcess({ config: config(), flags, args }).env).toEqual(['PATH=/usr/bin:/bin', 'TERM=dumb', 'X=1', 'Y=2']);
  });
});

describe('exec flags over the config\'s process', () => {
  it('takes the command after the id, everything after it verbatim, with no terminal unless -t', () => {
    const { id, flags, args } = parse('--cwd', '/tmp', 'c1', 'ls', '-l', '--cwd', '/');
    expect(id).toBe('c1');
    const p = execProcess({ config: config(), flags, args });
    expect(p).toMatchObject({ args: ['ls', '-l', '--cwd', '/'], cwd: '/tmp', terminal: false, noNewPrivileges: true });
    expect(execProcess({ config: config(), ...parse('-t', 'c1', 'sh') }).terminal).toBe(true);
  });

  it('reads grouped short flags, the last one taking the next word', () => {
    const { id, flags, args } = parse('-td', '-tu', '7', 'c1', 'sh');
    expect([id, flags.tty, flags.detach, flags.user, args]).toEqual(['c1', true, true, '7', ['sh']]);
    expect(parse('-u7', 'c1', 'sh').flags.user).toBe('7');
  });

  it('does not change the container\'s stored process', () => {
    const base = config();
    execProcess({ config: base, ...parse('-e', 'TERM=dumb', '-u', '3', '--cap', 'CAP_NET_ADMIN', 'c1', 'sh') });
    expect(base).toEqual(config());
  });

  it('adds --cap to bounding, effective, permitted and ambient, never inheritable (CVE-2022-29162)', () => {
    const p = execProcess({ config: config(), ...parse('-c', 'CAP_NET_ADMIN', '--cap', 'CAP_KILL', 'c1', 'sh') });
    expect(p.capabilities).toEqual({
      bounding: ['CAP_KILL', 'CAP_NET_ADMIN'],
      effective: ['CAP_KILL', 'CAP_NET_ADMIN'],
      permitted: ['CAP_KILL', 'CAP_NET_ADMIN'],
      ambient: ['CAP_KILL', 'CAP_NET_ADMIN'],
    });
    expect(execProcess({ config: { ...config(), capabilities: undefined }, ...parse('-c', 'CAP_NET_ADMIN', 'c1', 'sh') }).capabilities?.inheritable).toBeUndefined();
  });

  it('refuses an unknown --cap, hinting at the CAP_ name', () => {
    const known = ['CAP_KILL', 'CAP_NET_ADMIN'];
    expect(() => checkCapabilityNames(['CAP_NET_ADMIN'], known)).not.toThrow();
    expect(() => checkCapabilityNames(['CAP_FOO'], known)).toThrow('--cap: unknown capability "CAP_FOO"');
    expect(() => checkCapabilityNames(['net_admin'], known)).toThrow('(did you mean CAP_NET_ADMIN?)');
  });

  it('sets --no-new-privs, --apparmor and --process-label, and ignores them empty', () => {
    const base = { ...config(), noNewPrivileges: false, apparmorProfile: 'cfg' };
    expect(execProcess({ config: base, ...parse('--no-new-privs', '--apparmor', 'p', '--process-label', 'l', 'c1', 'sh') })).toMatchObject({
      noNewPrivileges: true,
      apparmorProfile: 'p',
      selinuxLabel: 'l',
    });
    expect(execProcess({ config: base, ...parse('--apparmor', '', '--cwd', '', 'c1', 'sh') })).toMatchObject({ apparmorProfile: 'cfg', cwd: '/' });
  });

  it('refuses a relative --cwd and a missing command, with runc\'s words for the latter', () => {
    expect(() => execProcess({ config: config(), ...parse('--cwd', 'tmp', 'c1', 'sh') })).toThrow('--cwd: "tmp" must be an absolute path');
    expect(() => execProcess({ config: config(), ...parse('c1') })).toThrow('process args cannot be empty');
  });
});

describe('exec --process', () => {
  const file = (process: Record<string, unknown>) => ({ process, source: 'p.json' });

  it('replaces the config\'s process: what the file leaves out is unset, but for capabilities and labels', () => {
    const p = execProcess({ config: config(), flags: {}, args: [], file: file({ args: ['true'], cwd: '/tmp' }) });
    expect(p).toEqual({ args: ['true'], cwd: '/tmp', env: [], user: { uid: 0, gid: 0 }, terminal: false, noNewPrivileges: false });
    // Set, as undefined, so that the spawn does not take the container's.
    expect(Object.keys(p)).toContain('rlimits');
  });

  it('keeps the file\'s terminal, and applies the flags and a command over the file', () => {
    const process = { args: ['true'], cwd: '/tmp', terminal: true, env: ['A=1'], user: { uid: 3, gid: 4 } };
    const p = execProcess({ config: config(), ...parse('-e', 'A=2', '-u', '1', '--cwd', '/', '-c', 'CAP_NET_ADMIN', 'c1', 'id'), file: file(process) });
    expect(p).toMatchObject({ args: ['id'], cwd: '/', terminal: true, env: ['A=2'], user: { uid: 1, gid: 4 } });
    // The file has no capabilities: --cap adds to the container's, which the spawn would use.
    expect(p.capabilities?.bounding).toEqual(['CAP_KILL', 'CAP_NET_ADMIN']);
  });

  it('refuses a file without args or cwd, as runc', () => {
    expect(() => execProcess({ config: config(), flags: {}, args: [], file: file({ cwd: '/' }) })).toThrow('--process p.json: args must not be empty');
    expect(() => execProcess({ config: config(), flags: {}, args: [], file: file({ args: ['true'] }) })).toThrow('--process p.json: cwd must not be empty');
  });

  it('reads an unlimited rlimit as RLIM_INFINITY, not as the 2^64 JSON.parse rounds it to', () => {
    const text = '{"args":["true"],"cwd":"/","rlimits":[{"type":"RLIMIT_CORE","hard":18446744073709551615,"soft":1024}]}';
    expect(parseProcessFile(text, 'p.json').rlimits).toEqual([{ type: 'RLIMIT_CORE', hard: 2n ** 64n - 1n, soft: 1024 }]);
  });

  it('names the file when it is not a JSON object', () => {
    expect(() => parseProcessFile('{"args":', 'p.json')).toThrow(/^--process p\.json: invalid JSON: /);
    expect(() => parseProcessFile('[]', 'p.json')).toThrow('--process p.json: expected a JSON object');
  });
});

describe('exec --cgroup and the terminal flags', () => {
  it('takes one plain sub-cgroup path and refuses runc\'s <controller>:<path> form', () => {
    expect(subCgroup(undefined)).toBeUndefined();
    expect(subCgroup(['sub/dir'])).toBe('sub/dir');
    expect(() => subCgroup(['cpu,cpuacct:sub'])).toThrow(/--cgroup: "cpu,cpuacct:sub": the <controller>:<path> form is not supported yet/);
    expect(() => subCgroup(['a', 'b'])).toThrow(/--cgroup: give one path/);
  });

  it('checks -t, -d and --console-socket together as runc does', () => {
    expect(() => checkTerminal({ detach: false, terminal: true })).not.toThrow();
    expect(() => checkTerminal({ detach: true, terminal: true, consoleSocket: '/s' })).not.toThrow();
    expect(() => checkTerminal({ detach: true, terminal: true })).toThrow('cannot allocate tty if ckrun will detach without setting console socket');
    expect(() => checkTerminal({ detach: false, terminal: true, consoleSocket: '/s' })).toThrow('cannot use console socket if ckrun will not detach or allocate tty');
    expect(() => checkTerminal({ detach: true, terminal: false, consoleSocket: '/s' })).toThrow('cannot use console socket');
  });
});

describe('ckrun exec on the command line', () => {
  it('prints runc\'s usage and every runc 1.1 flag in --help', async () => {
    const r = await ckrun('exec', '--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('ckrun exec [command options] <container-id> <command> [command options]  || -p process.json <container-id>');
    for (const flag of ['--console-socket value', '--cwd value', '--env value, -e value', '--tty, -t', '--user value, -u value', '--additional-gids value, -g value',
      '--process value, -p value', '--detach, -d', '--pid-file value', '--process-label value', '--apparmor value', '--no-new-privs', '--cap value, -c value',
      '--preserve-fds value', '--cgroup value', '--ignore-paused']) {
      expect(r.stdout).toContain(`   ${flag} `);
    }
  });

  it('is listed in the global help after events, as runc lists it', async () => {
    expect((await ckrun('--help')).stdout).toMatch(/ {3}events +.*\n {3}exec +execute new process inside the container\n/);
  });

  it.each([
    [['exec'], 'ckrun exec: missing argument: expected <container-id> <command>', 1],
    [['exec', '--bogus', 'c1', 'true'], 'ckrun exec: unknown flag --bogus', 1],
    // From here on runc's exec fails with 255.
    [['exec', 'c1'], 'ckrun exec: process args cannot be empty', 255],
    [['exec', '--preserve-fds', 'one', 'c1', 'true'], 'ckrun exec: --preserve-fds: "one" is not a number', 255],
    [['exec', '--cgroup', 'cpu:x', 'c1', 'true'], 'ckrun exec: --cgroup: "cpu:x": the <controller>:<path> form', 255],
    [['exec', '-p', '/nonexistent/process.json', 'c1'], 'ckrun exec: --process /nonexistent/process.json: no such file', 255],
  ])('refuses %j in one line before touching any container', async (argv, message, code) => {
    const r = await ckrun('--root', '/nonexistent/ckrun-root', ...argv);
    expect(r.code).toBe(code);
    expect(r.stderr.startsWith(message)).toBe(true);
    expect(r.stderr.split('\n').filter(Boolean)).toHaveLength(1);
  });
});
