import { execFileSync } from 'node:child_process';
import { chmodSync, closeSync, mkdtempSync, openSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { startInitProcess } from '../src/container/init-process.js';
import { sealedCopyPath } from '../src/sys/sealed-copy.js';

// startInitProcess runs ck-init in production; here a shell script stands in for it and
// reports what it was given: the fds, the environment (less the PWD sh sets itself), its
// session and its signal state.
const dir = mkdtempSync(join(tmpdir(), 'ck-init-process-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const probe = join(dir, 'probe.sh');
writeFileSync(
  probe,
  `#!/bin/sh
read -r line
echo "stdin:$line"
echo "env:$(/usr/bin/env | /bin/grep -v ^PWD= | /usr/bin/wc -l)"
echo "sid:$(/usr/bin/cut -d' ' -f6 /proc/$$/stat) pid:$$"
echo "ignored:$(/bin/grep SigIgn /proc/$$/status | /usr/bin/cut -f2)"
echo "sync" >&3
echo "to stderr" >&2
`,
);
chmodSync(probe, 0o755);

async function readAll(stream: Readable | null): Promise<string> {
  let text = '';
  for await (const chunk of stream ?? []) text += String(chunk);
  return text;
}

describe('startInitProcess (posix_spawn, no fork of the caller)', () => {
  it('wires piped stdio and the sync socket as fd 3, with an empty environment, a new session and default signals', async () => {
    const child = startInitProcess(probe, probe, ['pipe', 'pipe', 'pipe'], false);
    child.stdin!.end('hello\n');
    const [out, err, sync] = await Promise.all([readAll(child.stdout), readAll(child.stderr), readAll(child.sync)]);
    await child.reaped();
    expect(out).toContain('stdin:hello\n');
    expect(out).toContain('env:0\n');
    expect(out).toContain(`sid:${child.pid} pid:${child.pid}\n`);
    // Signals 1–31 back to default (glibc keeps its own 32 and 33 out of sigfillset, and Node's spawn leaves them too).
    const ignored = BigInt(`0x${/ignored:([0-9a-f]+)/.exec(out)?.[1] ?? 'ffff'}`);
    expect(ignored & 0x7fffffffn).toBe(0n);
    expect(err).toBe('to stderr\n');
    expect(sync).toBe('sync\n');
  });

  it('gives /dev/null for ignored stdio', async () => {
    const child = startInitProcess(probe, probe, ['ignore', 'ignore', 'ignore'], false);
    expect(child.stdout).toBeNull();
    expect(await readAll(child.sync)).toBe('sync\n');
    await child.reaped();
  });

  it('kill() ends it and reaped() resolves once it is gone', async () => {
    const sleeper = join(dir, 'sleeper.sh');
    writeFileSync(sleeper, '#!/bin/sh\nexec /bin/sleep 30\n');
    chmodSync(sleeper, 0o755);
    const child = startInitProcess(sleeper, sleeper, ['ignore', 'ignore', 'ignore'], false);
    child.sync.destroy();
    child.kill();
    await child.reaped();
    expect(() => process.kill(child.pid, 0)).toThrow(/ESRCH/);
  });

  it('passes extra fds as 4, 5, … behind the sync socket, also a number the child gets another fd at first (the caller\'s 0 behind piped stdio)', async () => {
    const lister = join(dir, 'lister.sh');
    writeFileSync(lister, '#!/bin/sh\nfor fd in 4 5; do /bin/readlink /proc/$$/fd/$fd; done >&3\n');
    chmodSync(lister, 0o755);
    const file = join(dir, 'extra');
    writeFileSync(file, '');
    const fd = openSync(file, 'r');
    try {
      const child = startInitProcess(lister, lister, ['pipe', 'pipe', 'pipe'], false, [fd, 0]);
      const sync = await readAll(child.sync);
      await child.reaped();
      expect(sync).toBe(`${file}\n${readlinkSync('/proc/self/fd/0')}\n`);
    } finally {
      closeSync(fd);
    }
  });

  it('names the path and the errno when it cannot start', () => {
    expect(() => startInitProcess(join(dir, 'missing'), join(dir, 'missing'), ['ignore', 'ignore', 'ignore'], false)).toThrow(/posix_spawn .*missing: ENOENT/);
  });
});

describe('sealedCopyPath', () => {
  it('runs a sealed in-memory copy of the binary, made once per process', () => {
    const copy = sealedCopyPath('/bin/echo');
    expect(copy).toBe(sealedCopyPath('/bin/echo'));
    expect(readlinkSync(copy)).toMatch(/^\/memfd:ck-init/);
    expect(execFileSync(copy, ['from the copy'], { encoding: 'utf8' })).toBe('from the copy\n');
  });

  it('holds the binary byte for byte', () => {
    expect(readFileSync(sealedCopyPath('/bin/echo')).equals(readFileSync('/bin/echo'))).toBe(true);
  });

  it('cannot be written to', () => {
    expect(() => writeFileSync(sealedCopyPath('/bin/echo'), 'x')).toThrow(/EPERM/);
  });
});
