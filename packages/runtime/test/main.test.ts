import { afterEach, describe, expect, it } from 'vitest';
import { COMMANDS } from '../src/commands/index.js';
import { main, type Io } from '../src/main.js';
import { UPDATE_FLAGS } from '../src/update-resources.js';
import { defaultRoot, parseGlobals, splitArgv } from '../src/globals.js';
import { parseFlags } from '../src/flags.js';
import { CliError } from '../src/cli-error.js';

async function ckrun(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: Io = { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t) };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}

describe('global flags', () => {
  it('splits argv at the command, taking the values of global string flags', () => {
    expect(splitArgv(['--root', '/r', '--debug', 'state', '--root', 'x'])).toEqual({
      global: ['--root', '/r', '--debug'],
      command: 'state',
      rest: ['--root', 'x'],
    });
    expect(splitArgv(['--log=/l', 'list', '-q'])).toEqual({ global: ['--log=/l'], command: 'list', rest: ['-q'] });
  });

  it('defaults --root to /run/containerkit and --log-format to text', () => {
    expect(parseGlobals([])).toMatchObject({ root: '/run/containerkit', logFormat: 'text', debug: false, rootless: 'auto' });
  });

  it('rejects an unknown --log-format naming the flag', () => {
    expect(() => parseGlobals(['--log-format', 'xml'])).toThrow(/--log-format: unknown format "xml"/);
  });

  it('rejects --systemd-cgroup as not supported', () => {
    expect(() => parseGlobals(['--systemd-cgroup'])).toThrow(/--systemd-cgroup: .*not supported/);
  });

  it('keeps a user that is not root in $XDG_RUNTIME_DIR/ckrun, as runc keeps it in $XDG_RUNTIME_DIR/runc', () => {
    expect(defaultRoot({ XDG_RUNTIME_DIR: '/run/user/1000/' }, 1000)).toEqual({ root: '/run/user/1000/ckrun', xdg: true });
    expect(defaultRoot({}, 1000)).toEqual({ root: '/run/containerkit', xdg: false });
    // Real root ignores XDG_RUNTIME_DIR (say, /run/user/0), for compatibility.
    expect(defaultRoot({ XDG_RUNTIME_DIR: '/run/user/0' }, 0)).toEqual({ root: '/run/containerkit', xdg: false });
  });

  it('accepts --rootless true|false|auto only', () => {
    expect(parseGlobals(['--rootless=false']).rootless).toBe('false');
    expect(() => parseGlobals(['--rootless', 'maybe'])).toThrow(/--rootless: invalid value "maybe"/);
  });
});

describe('command flags', () => {
  const flags = { bundle: { type: 'string', short: 'b', help: '' }, detach: { type: 'boolean', short: 'd', help: '' } } as const;

  it('parses long and short flags and positionals', () => {
    expect(parseFlags('run', flags, ['-b', '/b', 'id', '--detach'], true)).toEqual({ values: { bundle: '/b', detach: true }, positionals: ['id'] });
  });

  it.each([
    [['--foo'], 'unknown flag --foo'],
    [['-x'], 'unknown flag -x'],
    [['--bundle'], 'flag --bundle needs a value'],
    [['--detach=yes'], 'flag --detach does not take a value'],
  ])('turns %j into "%s"', (args, message) => {
    let error: unknown;
    try {
      parseFlags('run', flags, args, true);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CliError);
    expect((error as CliError).message).toBe(message);
    expect((error as CliError).command).toBe('run');
  });

  it("takes the next word as a string flag's value whatever it looks like, as Go's flag package: --memory-swap -1, --cpu-quota -1", () => {
    expect(parseFlags('update', UPDATE_FLAGS, ['--memory-swap', '-1', '--cpu-quota', '-1', 'c1'], true)).toEqual({
      values: { 'memory-swap': '-1', 'cpu-quota': '-1' },
      positionals: ['c1'],
    });
    expect(parseFlags('run', flags, ['-b', '-odd-dir', 'c1'], true)).toEqual({ values: { bundle: '-odd-dir' }, positionals: ['c1'] });
    expect(parseFlags('run', flags, ['-db', '-odd-dir', 'c1'], true)).toEqual({ values: { detach: true, bundle: '-odd-dir' }, positionals: ['c1'] });
    expect(parseFlags('run', flags, ['--detach', '-b', '/b', 'c1'], true)).toEqual({ values: { detach: true, bundle: '/b' }, positionals: ['c1'] });
  });
});

describe('ckrun without the library', () => {
  it('prints the version in runc\'s layout', async () => {
    const r = await ckrun('--version');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^ckrun version \S+\nspec: 1\.3\.0\n$/);
  });

  it('prints the commands in the global help', async () => {
    const r = await ckrun('--help');
    expect(r.code).toBe(0);
    for (const name of ['create', 'start', 'run', 'state', 'list', 'kill', 'delete', 'spec', 'features']) expect(r.stdout).toContain(`   ${name} `);
  });

  it('prints a command\'s flags for <command> --help, -h and help <command>', async () => {
    for (const argv of [['create', '--help'], ['create', '-h'], ['help', 'create']]) {
      const r = await ckrun(...argv);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('ckrun create [command options] <container-id>');
      expect(r.stdout).toContain('--bundle value, -b value');
    }
  });

  it('reports an unknown flag in one line naming the command and the flag, exit 1', async () => {
    const r = await ckrun('create', '--foo', 'x');
    expect(r).toEqual({ code: 1, stdout: '', stderr: 'ckrun create: unknown flag --foo\n' });
  });

  it('reports a missing container id', async () => {
    const r = await ckrun('state');
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('ckrun state: missing argument: expected <container-id>\n');
  });

  it('reports extra arguments', async () => {
    const r = await ckrun('start', 'a', 'b');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^ckrun start: too many arguments/);
  });

  it('reports an unknown command', async () => {
    const r = await ckrun('frobnicate');
    expect(r).toMatchObject({ code: 1, stderr: 'ckrun: unknown command "frobnicate" (see ckrun --help)\n' });
  });

  it('refuses a non-numeric --preserve-fds', async () => {
    const r = await ckrun('run', '--preserve-fds', 'two', 'x');
    expect(r.stderr).toBe('ckrun run: --preserve-fds: "two" is not a number\n');
  });

  it('answers -h and --help on every command, before any argument check', async () => {
    for (const command of COMMANDS) {
      for (const flag of ['-h', '--help']) {
        const r = await ckrun(command.name, flag);
        expect(r.code, `${command.name} ${flag}`).toBe(0);
        expect(r.stdout).toContain(`NAME:\n   ckrun ${command.name} - `);
        expect(r.stdout).toContain(`USAGE:\n   ckrun ${command.name}`);
      }
    }
  });
});

describe('the name it was called by', () => {
  const saved = process.env.CKRUN_ARGV0;
  afterEach(() => {
    if (saved === undefined) delete process.env.CKRUN_ARGV0;
    else process.env.CKRUN_ARGV0 = saved;
  });

  it('says runc in its usage, its help, its version and its errors when installed as runc (bin/ckrun passes $0)', async () => {
    process.env.CKRUN_ARGV0 = '/usr/local/sbin/runc';
    const help = await ckrun('--help');
    expect(help.stdout).toContain('NAME:\n   runc - Open Container Initiative runtime');
    expect(help.stdout).toContain('USAGE:\n   runc [global options] command');
    expect(help.stdout).not.toMatch(/\bckrun\b/);
    const pause = await ckrun('pause', '--help');
    expect(pause.stdout).toContain('runc pause - pause suspends');
    expect(pause.stdout).toContain('Use runc list to identify');
    expect((await ckrun('--version')).stdout).toMatch(/^runc version /);
    expect(await ckrun('create', '--foo', 'x')).toEqual({ code: 1, stdout: '', stderr: 'runc create: unknown flag --foo\n' });
    expect((await ckrun('frobnicate')).stderr).toBe('runc: unknown command "frobnicate" (see runc --help)\n');
  });

  it('is ckrun when the name is missing or not a plain name', async () => {
    for (const name of ['', '/bin/', 'a b']) {
      process.env.CKRUN_ARGV0 = name;
      expect((await ckrun('--version')).stdout).toMatch(/^ckrun version /);
    }
  });
});
