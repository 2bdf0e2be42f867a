import type { ContainerState } from '@containerkit/core';
import { describe, expect, it } from 'vitest';
import { formatListJson, formatListQuiet, formatListTable, formatEvent, formatState, tabulate } from '../src/format.js';
import { formatLogLine } from '../src/log.js';
import { exitStatusCode } from '../src/foreground.js';

const state: ContainerState = {
  ociVersion: '1.2.0',
  id: 'x1',
  pid: 15331,
  status: 'created',
  bundle: '/tmp/rb',
  rootfs: '/tmp/rb/rootfs',
  created: '2026-11-28T22:05:25.349767039Z',
  owner: 'root',
};

describe('state and list output', () => {
  it('prints state as runc: 2-space indented JSON in runc\'s key order, no final newline', () => {
    const { ociVersion, ...rest } = state;
    const shuffled: ContainerState = { ...rest, ociVersion };
    expect(formatState(shuffled)).toBe(
      '{\n  "ociVersion": "1.2.0",\n  "id": "x1",\n  "pid": 15331,\n  "status": "created",\n  "bundle": "/tmp/rb",\n' +
        '  "rootfs": "/tmp/rb/rootfs",\n  "created": "2026-11-28T22:05:25.349767039Z",\n  "owner": "root"\n}',
    );
  });

  it('keeps annotations in state only when there are some', () => {
    expect(JSON.parse(formatState({ ...state, annotations: {} }))).not.toHaveProperty('annotations');
    expect(JSON.parse(formatState({ ...state, annotations: { a: 'b' } })).annotations).toEqual({ a: 'b' });
  });

  // Both strings are what runc 1.1.5 printed for the same container and for an empty root.
  it('prints the list table as runc\'s tabwriter does', () => {
    expect(formatListTable([state])).toBe(
      'ID          PID         STATUS      BUNDLE      CREATED                          OWNER\n' +
        'x1          15331       created     /tmp/rb     2026-11-28T22:05:25.349767039Z   root\n',
    );
    expect(formatListTable([])).toBe('ID          PID         STATUS      BUNDLE      CREATED     OWNER\n');
  });

  it('prints list -f json as one compact array, and null when empty, as runc', () => {
    expect(formatListJson([])).toBe('null\n');
    expect(formatListJson([state])).toBe(
      '[{"ociVersion":"1.2.0","id":"x1","pid":15331,"status":"created","bundle":"/tmp/rb","rootfs":"/tmp/rb/rootfs","created":"2026-11-28T22:05:25.349767039Z","owner":"root"}]\n',
    );
  });

  it('prints only ids for list -q', () => {
    expect(formatListQuiet([state, { ...state, id: 'x2' }])).toBe('x1\nx2\n');
  });

  it('pads every column but the last to the widest cell plus padding', () => {
    expect(tabulate([['a', 'bbbbbb', 'c'], ['dddd', 'e', 'f']], 2, 1)).toBe('a    bbbbbb c\ndddd e      f\n');
  });
});

describe('log lines', () => {
  const now = new Date('2026-11-28T22:05:33.123Z');

  it('writes logrus JSON with level, msg and a to-the-second time', () => {
    expect(formatLogLine('json', 'error', 'container "x" does not exist', now)).toBe(
      '{"level":"error","msg":"container \\"x\\" does not exist","time":"2026-11-28T22:05:33Z"}\n',
    );
  });

  it('writes logrus text with a quoted msg', () => {
    expect(formatLogLine('text', 'error', 'unknown signal "FOO"', now)).toBe('time="2026-11-28T22:05:33Z" level=error msg="unknown signal \\"FOO\\""\n');
  });

  it('leaves a msg bare when logrus does (letters, digits and -._/@^+ only, or nothing)', () => {
    expect(formatLogLine('text', 'debug', 'init/ready-1.0', now)).toBe('time="2026-11-28T22:05:33Z" level=debug msg=init/ready-1.0\n');
    expect(formatLogLine('text', 'debug', '', now)).toBe('time="2026-11-28T22:05:33Z" level=debug msg=\n');
  });

  it('quotes as Go\'s %q does: \\t and \\n, \\x01 for other control characters', () => {
    expect(formatLogLine('text', 'warning', 'a\tb\nc\u0001', now)).toBe('time="2026-11-28T22:05:33Z" level=warning msg="a\\tb\\nc\\x01"\n');
  });

  it('escapes <, > and & in JSON, as Go\'s encoder does (logrus\'s JSONFormatter)', () => {
    expect(formatLogLine('json', 'error', 'expected <container-id> & more', now)).toBe(
      '{"level":"error","msg":"expected \\u003ccontainer-id\\u003e \\u0026 more","time":"2026-11-28T22:05:33Z"}\n',
    );
  });
});

describe('exit status of run', () => {
  it('is the exit code of a process that exited', () => {
    expect(exitStatusCode({ exitCode: 3, signal: null })).toBe(3);
  });

  it('is 128 + the signal number of a process a signal ended', () => {
    expect(exitStatusCode({ exitCode: null, signal: 'SIGKILL' })).toBe(137);
    expect(exitStatusCode({ exitCode: null, signal: 'SIGTERM' })).toBe(143);
  });
});

describe('events lines', () => {
  it('writes runc\'s {type,id,data} envelope, compact, one per line', () => {
    expect(formatEvent('stats', 'web', { pids: { current: 1 } })).toBe('{"type":"stats","id":"web","data":{"pids":{"current":1}}}\n');
  });

  it('leaves data out of an oom event, as Go\'s omitempty does', () => {
    expect(formatEvent('oom', 'web')).toBe('{"type":"oom","id":"web"}\n');
  });
});
