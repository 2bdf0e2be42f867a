// ckrun with seccomp as podman drives it: the config podman writes, the filter cache across calls.
import { readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { podmanConfig } from '../../../../test/fixtures/podman-config.mjs';
import { CliWorld, SKIP_REASON, useCliWorld } from './cli-world.js';

const world = new CliWorld();

function podmanBundle(id: string, args: string[]): string {
  const bundle = join(world.dir, 'bundles', id);
  const config = podmanConfig({ rootfs: world.rootfs, cgroupsPath: `${world.cgroupParent}/${id}`, dir: join(bundle, 'userdata'), args });
  writeFileSync(join(bundle, 'config.json'), JSON.stringify(config));
  return bundle;
}

describe.skipIf(SKIP_REASON !== '')(`ckrun and linux.seccomp (${SKIP_REASON || 'as root, built CLI'})`, () => {
  useCliWorld(world);

  it("runs podman's config.json, default seccomp profile and all", () => {
    const id = `podman-${world.tag}`;
    const bundle = podmanBundle(id, ['sh', '-c', 'echo hi; grep "^Seccomp:" /proc/self/status']);
    const r = world.ckrun(['run', '--bundle', bundle, id]);
    expect(r).toMatchObject({ code: 0, stderr: '', stdout: 'hi\nSeccomp:\t2\n' });
  });

  it('compiles a profile once per root: the next call loads the root-only file, and list shows no container for it', () => {
    const first = podmanBundle(`first-${world.tag}`, ['true']);
    expect(world.ckrun(['run', '--bundle', first, `first-${world.tag}`]).code).toBe(0);
    const cacheDir = join(world.root, '@seccomp');
    const files = readdirSync(cacheDir);
    expect(files).toHaveLength(1);
    expect(statSync(cacheDir).mode & 0o777).toBe(0o700);
    expect(statSync(join(cacheDir, files[0]!)).mode & 0o777).toBe(0o600);
    const written = statSync(join(cacheDir, files[0]!)).mtimeMs;

    const second = podmanBundle(`second-${world.tag}`, ['true']);
    expect(world.ckrun(['run', '--bundle', second, `second-${world.tag}`]).code).toBe(0);
    expect(readdirSync(cacheDir)).toEqual(files);
    expect(statSync(join(cacheDir, files[0]!)).mtimeMs).toBe(written);
    expect(world.ckrun(['list', '-q']).stdout).toBe('');
  });

  it('reports seccomp in features: every action and operator, the known flags and those this kernel takes', () => {
    const features = JSON.parse(world.ckrun(['features']).stdout);
    expect(features.linux.seccomp).toMatchObject({
      enabled: true,
      actions: expect.arrayContaining(['SCMP_ACT_ERRNO', 'SCMP_ACT_NOTIFY', 'SCMP_ACT_KILL_PROCESS']),
      operators: expect.arrayContaining(['SCMP_CMP_MASKED_EQ']),
      knownFlags: ['SECCOMP_FILTER_FLAG_TSYNC', 'SECCOMP_FILTER_FLAG_LOG', 'SECCOMP_FILTER_FLAG_SPEC_ALLOW', 'SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV'],
    });
    expect(features.linux.seccomp.operators).toHaveLength(7);
    expect(features.linux.seccomp.actions).toHaveLength(9);
    if (process.arch === 'x64') expect(features.linux.seccomp.archs).toEqual(expect.arrayContaining(['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32']));
    // Linux 6.0 and later know all four (the lab's 6.1 and this host's 6.18).
    expect(features.linux.seccomp.supportedFlags).toEqual(features.linux.seccomp.knownFlags);
  });
});
