// What clients parse, in the shape runc 1.1 gives it: the same container made by runc and by ckrun
// (each its own --root and cgroup), and each JSON document compared key by key, by JSON type
// (values such as pids and times differ, and are not compared).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CliWorld, hasCommand, SKIP_REASON, useCliWorld } from './cli-world.js';
import { keyTypes, shapeDifferences, statsValueDependent } from './json-shape.js';
import { RuncTwin } from './runc-twin.js';

const world = new CliWorld();
const runcInstalled = hasCommand('runc');
const REASON = SKIP_REASON || (runcInstalled ? 'as root, built CLI, runc found' : 'runc not installed: nothing to compare with');

describe.skipIf(SKIP_REASON !== '' || !runcInstalled)(`ckrun's JSON in runc 1.1's shape (${REASON})`, () => {
  useCliWorld(world);

  /** Both runtimes' JSON answer to the same command line (which must succeed), and runc's side itself. */
  interface Both {
    ckrun(args: string[]): unknown;
    runc(args: string[]): unknown;
    id: string;
    twin: RuncTwin;
  }

  /** Runs body with the same container created by both, then deletes both. */
  async function withBoth(body: (both: Both) => Promise<void> | void): Promise<void> {
    const { id, bundle } = await world.bundle((c) => (c.process.args = ['sh', '-c', 'sleep 1000 & sleep 1000']));
    const twin = new RuncTwin(world);
    const json = (r: { code: number | null; stdout: string; stderr: string }, what: string) => {
      expect(r.code, `${what}: ${r.stderr}`).toBe(0);
      return JSON.parse(r.stdout);
    };
    try {
      expect(twin.runc(['create', '-b', twin.bundle(bundle, id), id]).code).toBe(0);
      expect(world.ckrun(['create', '-b', bundle, id]).code).toBe(0);
      await body({
        ckrun: (args) => json(world.ckrun(args), `ckrun ${args.join(' ')}`),
        runc: (args) => json(twin.runc(args), `runc ${args.join(' ')}`),
        id,
        twin,
      });
    } finally {
      twin.cleanUp();
      world.ckrun(['delete', '--force', id]);
    }
  }

  it('state, created and running: the same keys in the same order, of the same types', async () => {
    await withBoth(async ({ ckrun, runc, id, twin }) => {
      for (const step of ['created', 'running']) {
        if (step === 'running') {
          expect(world.ckrun(['start', id]).code).toBe(0);
          expect(twin.runc(['start', id]).code).toBe(0);
        }
        const [ours, theirs] = [ckrun(['state', id]), runc(['state', id])] as Record<string, unknown>[];
        expect(Object.keys(ours!)).toEqual(Object.keys(theirs!));
        expect(shapeDifferences(ours, theirs)).toEqual([]);
        expect(ours!.status).toBe(step);
      }
    });
  });

  it('list -f json: an array of the same objects', async () => {
    await withBoth(({ ckrun, runc }) => {
      const [ours, theirs] = [ckrun(['list', '-f', 'json']), runc(['list', '-f', 'json'])] as Record<string, unknown>[][];
      expect(ours).toHaveLength(1);
      expect(theirs).toHaveLength(1);
      expect(Object.keys(ours![0]!)).toEqual(Object.keys(theirs![0]!));
      expect(shapeDifferences(ours, theirs)).toEqual([]);
    });
  });

  it('events --stats: the same envelope and data', async () => {
    await withBoth(async ({ ckrun, runc, id }) => {
      await new Promise((r) => setTimeout(r, 200));
      const [ours, theirs] = [ckrun(['events', '--stats', id]), runc(['events', '--stats', id])] as Record<string, unknown>[];
      expect(Object.keys(ours!)).toEqual(Object.keys(theirs!));
      expect(shapeDifferences(ours!.data, theirs!.data, statsValueDependent)).toEqual([]);
    });
  });

  it('ps -f json: an array of pids', async () => {
    await withBoth(({ ckrun, runc, id }) => {
      const [ours, theirs] = [ckrun(['ps', '-f', 'json', id]), runc(['ps', '-f', 'json', id])];
      expect(shapeDifferences(ours, theirs)).toEqual([]);
      expect(keyTypes(ours)).toEqual({ '': 'array', '[]': 'number' });
    });
  });

  it("features: every key runc 1.1 has, of its type (runtime-spec 1.2 adds some), and annotations a map of strings", async () => {
    const ours = JSON.parse(world.ckrun(['features']).stdout);
    const theirs = JSON.parse(world.exec('runc', ['features']).stdout);
    const [a, b] = [keyTypes(ours), keyTypes(theirs)];
    // Annotation keys are each runtime's own; ckrun runs no hooks yet, so its hooks list is empty.
    const missing = Object.keys(b).filter((path) => !path.startsWith('annotations.') && path !== 'hooks[]' && a[path] !== b[path]);
    expect(missing.map((path) => `${path}: ${a[path] ?? 'absent'} vs ${b[path]}`)).toEqual([]);
    expect(Object.values(ours.annotations).every((v) => typeof v === 'string')).toBe(true);
  });

  it('--log-format json lines: level, msg and time, all strings, for an error and a warning', async () => {
    await withBoth(({ id, twin }) => {
      const lines = (run: (args: string[]) => unknown, log: string) => {
        run(['--log', log, '--log-format', 'json', 'state', 'no-such-container']);
        run(['--log', log, '--log-format', 'json', 'update', '--kernel-memory', '1m', id]);
        return readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
      };
      const ours = lines((args) => world.ckrun(args), join(world.dir, `${id}-ckrun.json`));
      const theirs = lines((args) => twin.runc(args), join(world.dir, `${id}-runc.json`));
      expect(ours.map((l) => l.level)).toEqual(theirs.map((l) => l.level));
      expect(ours.map((l) => Object.keys(l))).toEqual(theirs.map((l) => Object.keys(l)));
      expect(ours.flatMap((l, i) => shapeDifferences(l, theirs[i]))).toEqual([]);
      expect(ours.map((l) => l.msg)).toEqual(theirs.map((l) => l.msg));
    });
  });
});
