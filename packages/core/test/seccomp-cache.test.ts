import { chmod, mkdtemp, readFile, rename, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { linuxSeccomp } from '../src/config/schema-linux.js';
import { isContainerError } from '../src/errors.js';
import { profileKey, seccompCompiler } from '../src/seccomp/cache.js';
import { libseccomp, type Libseccomp } from '../src/seccomp/libseccomp.js';

const seccomp = (profile: Record<string, unknown>) => linuxSeccomp.parse(profile);
const profileA = () => seccomp({ defaultAction: 'SCMP_ACT_ERRNO', syscalls: [{ names: ['read', 'write', 'exit_group'], action: 'SCMP_ACT_ALLOW' }] });
const profileB = () => seccomp({ defaultAction: 'SCMP_ACT_ERRNO', syscalls: [{ names: ['read', 'write', 'getpid'], action: 'SCMP_ACT_ALLOW' }] });
const withFlag = () => seccomp({ ...profileA(), flags: ['SECCOMP_FILTER_FLAG_LOG'] });
const badArchitecture = () => seccomp({ defaultAction: 'SCMP_ACT_ERRNO', architectures: ['SCMP_ARCH_PDP11'] });

/** The real libseccomp, counting how many filters it starts. */
function countingLibseccomp(version?: string) {
  const counts = { compiles: 0 };
  const lib = (): Libseccomp => {
    const real = libseccomp();
    return {
      version: version ?? real.version,
      archToken: (name) => real.archToken(name),
      nativeArch: () => real.nativeArch(),
      syscallNumber: (name) => real.syscallNumber(name),
      syscallNumberOn: (arch, name) => real.syscallNumberOn(arch, name),
      init(action) {
        counts.compiles++;
        return real.init(action);
      },
    };
  };
  return { lib, counts };
}

describe('seccomp filters reused in one process', () => {
  it('compiles a profile once for two containers', async () => {
    const { lib, counts } = countingLibseccomp();
    const compiler = seccompCompiler({ lib });
    const first = await compiler.compile(profileA());
    const second = await compiler.compile(profileA());
    expect(counts.compiles).toBe(1);
    expect(second).toEqual(first);
  });

  it('knows a profile by its content: two parsed configs with the same profile compile once', async () => {
    const { lib, counts } = countingLibseccomp();
    const compiler = seccompCompiler({ lib });
    const a = profileA();
    const b = profileA();
    expect(b).not.toBe(a);
    await Promise.all([compiler.compile(a), compiler.compile(b)]);
    expect(counts.compiles).toBe(1);
  });

  it('compiles a different profile again', async () => {
    const { lib, counts } = countingLibseccomp();
    const compiler = seccompCompiler({ lib });
    const a = await compiler.compile(profileA());
    const b = await compiler.compile(profileB());
    expect(counts.compiles).toBe(2);
    expect(b.bpf).not.toEqual(a.bpf);
  });

  it('does not keep a failed compile: the error is reported again', async () => {
    const { lib, counts } = countingLibseccomp();
    const compiler = seccompCompiler({ lib });
    for (let i = 0; i < 2; i++) {
      const error = await compiler.compile(badArchitecture()).catch((e: unknown) => e);
      expect(isContainerError(error, 'ConfigInvalid')).toBe(true);
    }
    expect(counts.compiles).toBe(2);
  });
});

describe('seccomp filters reused across processes (cache dir)', () => {
  let root: string;
  let dir: string;
  const fileOf = (profile: ReturnType<typeof seccomp>) => join(dir, `${profileKey(profile, libseccomp().version)}.bpf`);
  /** A compiler as a new ckrun process has it: nothing in memory. */
  const newProcess = (version?: string) => {
    const { lib, counts } = countingLibseccomp(version);
    return { compiler: seccompCompiler({ cacheDir: dir, lib }), counts };
  };

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'ck-seccomp-cache-'));
    dir = join(root, 'seccomp');
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  it('writes <profileKey>.bpf readable by its owner only, in a directory only its owner may enter', async () => {
    await newProcess().compiler.compile(profileA());
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
    const file = await stat(fileOf(profileA()));
    expect(file.mode & 0o777).toBe(0o600);
    expect(file.uid).toBe(process.geteuid!());
  });

  it("never takes one profile's file for another's, even renamed to its key", async () => {
    await newProcess().compiler.compile(profileA());
    await rename(fileOf(profileA()), fileOf(profileB()));
    const next = newProcess();
    const compiled = await next.compiler.compile(profileB());
    expect(next.counts.compiles).toBe(1);
    expect(compiled.bpf).toEqual((await newProcess().compiler.compile(profileB())).bpf);
  });

  it('neither reads nor writes a cache dir that others may write', async () => {
    await newProcess().compiler.compile(profileA());
    await chmod(dir, 0o777);
    const next = newProcess();
    await next.compiler.compile(profileA());
    expect(next.counts.compiles).toBe(1);
    await next.compiler.compile(profileB());
    await expect(stat(fileOf(profileB()))).rejects.toThrow(/ENOENT/);
  });

  it('hands a new process the filter without compiling it', async () => {
    const compiled = await newProcess().compiler.compile(withFlag());
    const next = newProcess();
    const cached = await next.compiler.compile(withFlag());
    expect(next.counts.compiles).toBe(0);
    expect(cached.bpf).toEqual(compiled.bpf);
    expect(cached.flags).toBe(compiled.flags);
    expect(cached.notify).toBe(compiled.notify);
  });

  it('keeps the listener of a notifying profile', async () => {
    const notifying = () =>
      seccomp({ defaultAction: 'SCMP_ACT_ALLOW', listenerPath: '/run/l.sock', syscalls: [{ names: ['getpriority'], action: 'SCMP_ACT_NOTIFY' }] });
    const compiled = await newProcess().compiler.compile(notifying());
    const cached = await newProcess().compiler.compile(notifying());
    expect(cached).toEqual(compiled);
    expect(cached.notify).toBe(true);
  });

  it('ignores a file with a flipped BPF byte, compiles again and rewrites it', async () => {
    const compiled = await newProcess().compiler.compile(profileA());
    const file = fileOf(profileA());
    const intact = await readFile(file);
    const damaged = Buffer.from(intact);
    damaged[damaged.length - 1]! ^= 0x01;
    await writeFile(file, damaged);
    const next = newProcess();
    expect((await next.compiler.compile(profileA())).bpf).toEqual(compiled.bpf);
    expect(next.counts.compiles).toBe(1);
    expect(await readFile(file)).toEqual(intact);
  });

  it('ignores a file others may read or write (mode 0644)', async () => {
    await newProcess().compiler.compile(profileA());
    await chmod(fileOf(profileA()), 0o644);
    const next = newProcess();
    await next.compiler.compile(profileA());
    expect(next.counts.compiles).toBe(1);
  });

  it.each([
    ['in the middle of an instruction', 3],
    ['by a whole instruction', 8],
  ])('ignores a file truncated %s', async (_how, cut) => {
    const compiled = await newProcess().compiler.compile(profileA());
    const file = fileOf(profileA());
    await truncate(file, (await stat(file)).size - cut);
    const next = newProcess();
    expect((await next.compiler.compile(profileA())).bpf).toEqual(compiled.bpf);
    expect(next.counts.compiles).toBe(1);
  });

  it('ignores a file cut to its header', async () => {
    await newProcess().compiler.compile(profileA());
    await truncate(fileOf(profileA()), 49);
    const next = newProcess();
    await next.compiler.compile(profileA());
    expect(next.counts.compiles).toBe(1);
  });

  it('does not write a profile that fails to compile', async () => {
    await newProcess().compiler.compile(badArchitecture()).catch(() => undefined);
    await expect(stat(fileOf(badArchitecture()))).rejects.toThrow(/ENOENT/);
  });

  it('ignores a file whose flags were damaged', async () => {
    const compiled = await newProcess().compiler.compile(withFlag());
    const file = fileOf(withFlag());
    const damaged = await readFile(file);
    damaged[8] = 0;
    await writeFile(file, damaged);
    const next = newProcess();
    expect((await next.compiler.compile(withFlag())).flags).toBe(compiled.flags);
    expect(next.counts.compiles).toBe(1);
  });

  it('compiles again after libseccomp is upgraded, which may know syscalls the cached filter skipped', async () => {
    await newProcess('2.5.4').compiler.compile(profileA());
    const upgraded = newProcess('2.6.0');
    await upgraded.compiler.compile(profileA());
    expect(upgraded.counts.compiles).toBe(1);
  });
});
