// What a container's process gets from the runtime besides its config: the fds of --preserve-fds
// and of socket activation (LISTEN_FDS), and a session keyring of its own unless --no-new-keyring.
// Observed from inside the container, side by side with runc where it is installed.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BIN, CliWorld, hasCommand, SKIP_REASON, useCliWorld, type Result } from './cli-world.js';
import { RuncTwin } from './runc-twin.js';

const world = new CliWorld();
const runcInstalled = hasCommand('runc');
const RUNC_REASON = runcInstalled ? 'runc found' : 'runc not installed';

/** What the process sees: fds 3 and 4 read, its open fds below 20 (found with shell builtins: a pipeline's own pipe would show), its LISTEN_* variables. */
const FD_REPORT =
  'cat <&3 2>/dev/null; cat <&4 2>/dev/null; i=0; while [ $i -lt 20 ]; do [ -L /proc/$$/fd/$i ] && printf "%d " $i; i=$((i+1)); done; echo; env | grep ^LISTEN_ | sort';
/** How many keyrings named after the container the process sees (those of earlier containers linger a while); /proc/keys is masked in runc's default config. */
const keyrings = (id: string) => `grep -c " keyring *_ses.${id}: " /proc/keys || true`;
const unmaskKeys = (c: any) => (c.linux.maskedPaths = c.linux.maskedPaths.filter((p: string) => p !== '/proc/keys'));

describe.skipIf(SKIP_REASON !== '')(`ckrun's extra fds and session keyring (${SKIP_REASON || 'as root, built CLI'})`, () => {
  useCliWorld(world);
  const file = (name: string, text: string, flags = 'r') => world.openFile(name, text, flags);
  const two = () => [file('one', 'one\n').fd, file('two', 'two\n').fd];
  /** bin with args, its pid as LISTEN_PID and LISTEN_FDS=n, as systemd starts a socket-activated service. */
  const activated = (n: number, bin: string, args: string[], extraFds: number[]): Result =>
    world.exec('sh', ['-c', `LISTEN_PID=$$ LISTEN_FDS=${n} exec "$0" "$@"`, bin, ...args], { extraFds });

  it('passes --preserve-fds N of its fds to run\'s process as 3, 4, …, and no other fd', async () => {
    const { id, bundle } = await world.bundle((c) => (c.process.args = ['sh', '-c', FD_REPORT]));
    expect(world.exec(BIN, ['--root', world.root, 'run', '--preserve-fds', '2', '-b', bundle, id], { extraFds: two() })).toMatchObject({
      code: 0,
      stdout: 'one\ntwo\n0 1 2 3 4 \n',
    });
    expect(world.exec(BIN, ['--root', world.root, 'run', '-b', bundle, id], { extraFds: two() })).toMatchObject({ code: 0, stdout: '0 1 2 \n' });
  });

  it('passes them to a created container\'s init, which keeps them past start', async () => {
    const { id, bundle } = await world.bundle((c) => (c.process.args = ['sh', '-c', 'echo written-after-start >&3']));
    const out = file('out', '', 'a');
    expect(world.exec(BIN, ['--root', world.root, 'create', '--preserve-fds', '1', '-b', bundle, id], { extraFds: [out.fd] })).toMatchObject({ code: 0, stderr: '' });
    expect(world.ckrun(['start', id])).toMatchObject({ code: 0, stderr: '' });
    await world.waitForStatus(id, 'stopped');
    expect(readFileSync(out.path, 'utf8')).toBe('written-after-start\n');
    expect(world.ckrun(['delete', id]).code).toBe(0);
  });

  it('passes exec\'s --preserve-fds to the exec\'d process', async () => {
    const { id, bundle } = await world.bundle();
    expect(world.ckrun(['run', '-d', '-b', bundle, id]).code).toBe(0);
    expect(world.exec(BIN, ['--root', world.root, 'exec', '--preserve-fds', '2', id, 'sh', '-c', FD_REPORT], { extraFds: two() })).toMatchObject({
      code: 0,
      stdout: 'one\ntwo\n0 1 2 3 4 \n',
    });
    expect(world.ckrun(['delete', '-f', id]).code).toBe(0);
  });

  it('passes socket activation\'s fds (LISTEN_FDS for its own pid) first, with LISTEN_FDS and LISTEN_PID=1 in the environment', async () => {
    const { id, bundle } = await world.bundle((c) => (c.process.args = ['sh', '-c', FD_REPORT]));
    const r = activated(1, BIN, ['--root', world.root, 'run', '--preserve-fds', '1', '-b', bundle, id], two());
    expect(r).toMatchObject({ code: 0, stdout: 'one\ntwo\n0 1 2 3 4 \nLISTEN_FDS=1\nLISTEN_PID=1\n' });
    // LISTEN_PID another process's: the fds are not ours to pass.
    const other = world.exec(BIN, ['--root', world.root, 'run', '-b', bundle, id], { extraFds: two(), env: { ...process.env, LISTEN_PID: '1', LISTEN_FDS: '2' } });
    expect(other).toMatchObject({ code: 0, stdout: '0 1 2 \n' });
  });

  it.skipIf(!runcInstalled)(`gives the process the same fds and LISTEN_* variables as runc does (${RUNC_REASON})`, async () => {
    const { id, bundle } = await world.bundle((c) => (c.process.args = ['sh', '-c', FD_REPORT]));
    const twin = new RuncTwin(world);
    const theirs = twin.bundle(bundle, id);
    try {
      const runcRun = activated(1, 'runc', ['--root', twin.root, 'run', '--preserve-fds', '1', '-b', theirs, id], two());
      const ours = activated(1, BIN, ['--root', world.root, 'run', '--preserve-fds', '1', '-b', bundle, id], two());
      expect(runcRun.code).toBe(0);
      expect(ours).toMatchObject({ code: 0, stdout: runcRun.stdout });
    } finally {
      twin.cleanUp();
    }
  });

  it('refuses a --preserve-fds fd it does not have, in runc\'s words', async () => {
    const { id, bundle } = await world.bundle();
    const r = world.exec(BIN, ['--root', world.root, 'run', '--preserve-fds', '1000', '-b', bundle, id]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^ckrun: unable to stat preserved-fd \d+ \(of 1000\): EBADF\n$/);
  });

  describe('session keyring', () => {
    it('gives run\'s process a keyring "_ses.<id>" of its own, which exec\'d processes join', async () => {
      const { id, bundle } = await world.bundle(unmaskKeys);
      expect(world.ckrun(['run', '-d', '-b', bundle, id]).code).toBe(0);
      expect(world.ckrun(['exec', id, 'sh', '-c', keyrings(id)])).toMatchObject({ code: 0, stdout: '1\n' });
      expect(world.ckrun(['delete', '-f', id]).code).toBe(0);
    });

    it('keeps the caller\'s keyring with --no-new-keyring, for the init and exec alike', async () => {
      const { id, bundle } = await world.bundle(unmaskKeys);
      expect(world.ckrun(['run', '-d', '--no-new-keyring', '-b', bundle, id]).code).toBe(0);
      expect(world.ckrun(['exec', id, 'sh', '-c', keyrings(id)])).toMatchObject({ code: 0, stdout: '0\n' });
      expect(world.ckrun(['delete', '-f', id]).code).toBe(0);
    });

    it.skipIf(!runcInstalled)(`makes the keyring runc makes, with its permissions, and none with --no-new-keyring (${RUNC_REASON})`, async () => {
      // The permissions of the keyring named after this container, as /proc/keys shows them.
      const showPerms = (c: any) => {
        unmaskKeys(c);
        c.process.args = ['sh', '-c', `grep "_ses.${c.linux.cgroupsPath.split('/').pop()}:" /proc/keys | awk '{print $4, $5}' || true`];
      };
      const twin = new RuncTwin(world);
      try {
        for (const noNewKeyring of [[], ['--no-new-keyring']]) {
          // Ids apart: a keyring outlives its container for a while, and ckrun's would join runc's of the same name.
          const ours = await world.bundle(showPerms);
          const theirs = await world.bundle(showPerms);
          const runcRun = twin.runc(['run', ...noNewKeyring, '-b', twin.bundle(theirs.bundle, theirs.id), theirs.id]);
          const ckrunRun = world.ckrun(['run', ...noNewKeyring, '-b', ours.bundle, ours.id]);
          expect(runcRun).toMatchObject({ code: 0, stdout: noNewKeyring.length > 0 ? '' : 'perm 3f1b0000\n' });
          expect(ckrunRun).toMatchObject({ code: 0, stdout: runcRun.stdout });
        }
      } finally {
        twin.cleanUp();
      }
    });
  });
});
