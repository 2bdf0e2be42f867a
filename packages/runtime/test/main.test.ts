import { describe, expect, it } from 'vitest';
import { main, type Io } from '../src/main.js';
import { parseGlobals, splitArgv } from '../src/globals.js';
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
});

describe('ckrun without the library', () => {
  it('prints the version in runc\'s layout', async () => {
    const r = await ckrun('--version');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^ckrun version \S+\nspec: 1\.2\.0\n$/);
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
});
