import { describe, expect, it } from 'vitest';
import { filterPsOutput, formatPidsJson } from '../src/ps-output.js';
import { parseFlagsBeforeArgs } from '../src/flags.js';

const PS_EF = `UID          PID    PPID  C STIME TTY          TIME CMD
root           1       0  0 Nov28 ?        00:00:01 /sbin/init
root        8782       1  0 23:17 ?        00:00:00 sleep 1000
root        8783    8782  0 23:17 ?        00:00:00 sleep 1000
root        9000       1  0 23:17 pts/0    00:00:00 -bash
`;

describe('ps output filter', () => {
  it('keeps the header and the lines of the given pids', () => {
    expect(filterPsOutput(PS_EF, [8782, 8783])).toBe(
      'UID          PID    PPID  C STIME TTY          TIME CMD\n' +
        'root        8782       1  0 23:17 ?        00:00:00 sleep 1000\n' +
        'root        8783    8782  0 23:17 ?        00:00:00 sleep 1000\n',
    );
  });

  it('finds the PID column wherever the ps options put it', () => {
    expect(filterPsOutput('COMMAND   PID\nsleep    8782\nbash     9000\n', [8782])).toBe('COMMAND   PID\nsleep    8782\n');
  });

  it('matches the PID column, not a PPID or a number elsewhere in the line', () => {
    expect(filterPsOutput(PS_EF, [1])).toBe('UID          PID    PPID  C STIME TTY          TIME CMD\nroot           1       0  0 Nov28 ?        00:00:01 /sbin/init\n');
  });

  it('fails clearly when ps prints no PID column', () => {
    expect(() => filterPsOutput('COMMAND\nsleep\n', [1])).toThrow("couldn't find PID field in ps output");
  });

  it('prints the pids as a JSON array, null when there are none (Go nil slice)', () => {
    expect(formatPidsJson([8782, 8783])).toBe('[8782,8783]\n');
    expect(formatPidsJson([])).toBe('null\n');
  });
});

describe('flags before arguments (ps)', () => {
  const flags = { format: { type: 'string', short: 'f', help: '' } } as const;

  it('passes everything after the container id to ps, even flags', () => {
    expect(parseFlagsBeforeArgs('ps', flags, ['-f', 'table', 'web', '-o', 'pid,comm', '--format', 'x'])).toEqual({
      values: { format: 'table' },
      positionals: ['web', '-o', 'pid,comm', '--format', 'x'],
    });
  });

  it('accepts --flag=value and stops at --', () => {
    expect(parseFlagsBeforeArgs('ps', flags, ['--format=json', '--', '-web'])).toEqual({ values: { format: 'json' }, positionals: ['-web'] });
  });

  it('still rejects an unknown flag before the id', () => {
    expect(() => parseFlagsBeforeArgs('ps', flags, ['--frobnicate', 'web'])).toThrow(/unknown flag --frobnicate/);
  });
});
