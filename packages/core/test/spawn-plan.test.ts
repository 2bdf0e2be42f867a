import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseSpec } from '../src/config/load.js';
import { buildSpawnPlan, initNamespaceFlags, type SpawnPlanInputs } from '../src/plan/spawn-plan.js';

const defaultConfig = () => JSON.parse(readFileSync(new URL('../../../test/fixtures/runc-default-config.json', import.meta.url), 'utf8'));
const noCaps = { bounding: 0n, effective: 0n, permitted: 0n, inheritable: 0n, ambient: 0n };
const CLONE_NEWNS = 0x20000n;
const CLONE_NEWPID = 0x20000000n;
const CLONE_NEWUSER = 0x10000000n;

function spawnPlan(edit: (config: any) => void = () => {}, overrides: Partial<SpawnPlanInputs> = {}) {
  const config = defaultConfig();
  config.process.terminal = false;
  edit(config);
  const spec = parseSpec(config);
  return buildSpawnPlan({
    spec,
    process: { args: ['sh'], env: ['PATH=/bin'], cwd: '/' },
    capabilities: noCaps,
    init: { pid: 4242, startTime: '98765' },
    cgroupJoins: ['/sys/fs/cgroup/pids/ck/x', '/sys/fs/cgroup/memory/ck/x'],
    monitor: true,
    lsms: new Set(),
    ...overrides,
  });
}
const ops = (steps: { op: string }[]) => steps.map((s) => s.op);

describe('the plan of a process in a running container', () => {
  it('joins the cgroups, then the init by pid and start time, then clones with no namespace of its own', () => {
    const steps = spawnPlan((c) => delete c.process.rlimits);
    expect(ops(steps).slice(0, 6)).toEqual(['JOIN_CGROUP', 'JOIN_CGROUP', 'JOIN_INIT', 'CLONE', 'SCHED_SETAFFINITY', 'CHDIR']);
    expect(steps[2]!.args).toEqual([4242n, '98765', initNamespaceFlags(parseSpec(defaultConfig()))]);
    expect(steps[3]!.args).toEqual([0n, 1n]);
    expect(ops(steps).at(-1)).toBe('EXEC');
    expect(ops(steps)).not.toContain('PIVOT_ROOT');
    expect(ops(steps)).not.toContain('MOUNT');
  });

  it('joins exactly the namespaces the config names', () => {
    const flags = initNamespaceFlags(parseSpec(defaultConfig()));
    expect(flags & CLONE_NEWNS).toBe(CLONE_NEWNS);
    expect(flags & CLONE_NEWPID).toBe(CLONE_NEWPID);
    expect(flags & CLONE_NEWUSER).toBe(0n);
    const config = defaultConfig();
    config.linux.namespaces.push({ type: 'user' });
    config.linux.uidMappings = [{ containerID: 0, hostID: 1000, size: 1 }];
    config.linux.gidMappings = [{ containerID: 0, hostID: 1000, size: 1 }];
    expect(initNamespaceFlags(parseSpec(config)) & CLONE_NEWUSER).toBe(CLONE_NEWUSER);
  });

  it('sets rlimits and the OOM score in P before it joins, in the host procfs', () => {
    const steps = spawnPlan((c) => {
      c.process.rlimits = [{ type: 'RLIMIT_NOFILE', soft: 100, hard: 100 }];
      c.process.oomScoreAdj = 500;
    });
    expect(ops(steps).slice(0, 5)).toEqual(['JOIN_CGROUP', 'JOIN_CGROUP', 'SETRLIMIT', 'OOM_SCORE_ADJ', 'JOIN_INIT']);
  });

  it("joins the container's session keyring first thing after the clone, and changes none of its permissions", () => {
    const steps = spawnPlan(() => {}, { sessionKeyring: '_ses.x' });
    expect(ops(steps).indexOf('NEW_SESSION_KEYRING')).toBe(ops(steps).indexOf('CLONE') + 1);
    expect(steps.find((s) => s.op === 'NEW_SESSION_KEYRING')!.args).toEqual(['_ses.x', 0n]);
    expect(ops(spawnPlan())).not.toContain('NEW_SESSION_KEYRING');
  });

  it('tells P how many extra fds it was given, before the clone', () => {
    const steps = spawnPlan(() => {}, { extraFds: 2 });
    expect(ops(steps).indexOf('PRESERVE_FDS')).toBe(ops(steps).indexOf('CLONE') - 1);
    expect(steps.find((s) => s.op === 'PRESERVE_FDS')!.args).toEqual([2n]);
    expect(ops(spawnPlan(() => {}, { extraFds: 0 }))).not.toContain('PRESERVE_FDS');
  });

  it('connects a console socket before joining, and takes a pty without /dev/console', () => {
    const steps = spawnPlan((c) => (c.process.terminal = true), { consoleSocket: '/run/console.sock', monitor: false });
    expect(ops(steps)[0]).toBe('CONSOLE_SOCKET');
    const console = steps.find((s) => s.op === 'CREATE_CONSOLE')!;
    expect(console.args.at(-1)).toBe(0n);
    // After the affinity, which is set as soon as the process is in the container's cgroups.
    expect(ops(steps).slice(ops(steps).indexOf('CLONE') + 1, ops(steps).indexOf('CLONE') + 3)).toEqual(['SCHED_SETAFFINITY', 'CREATE_CONSOLE']);
  });
});
