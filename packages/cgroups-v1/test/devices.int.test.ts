import { readFileSync } from 'node:fs';
import { writeCgEach, type CgroupManager } from '@containerkit/core';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, held, newManager } from './helpers/cgroup.js';
import { canRunIntegration, whyNot } from './helpers/host.js';

const NULL_RWM = { allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' };

describe.skipIf(!canRunIntegration)(`devices controller, enforced (${canRunIntegration ? 'root, v1' : whyNot})`, () => {
  afterEach(cleanup);

  it('makes opening /dev/null fail when the rules deny everything', async () => {
    const m = newManager('deny');
    const h = held("echo > /dev/null && echo opened");
    await m.apply(h.pid);
    await m.set({ devices: [{ allow: false, access: 'rwm' }] });
    h.release();
    const r = await h.exited;
    expect(r.stdout).not.toContain('opened');
    expect(r.stderr).toMatch(/Operation not permitted/);
  });

  it('lets the allowed device open under default deny', async () => {
    const m = newManager('allow');
    const h = held("echo > /dev/null && echo opened");
    await m.apply(h.pid);
    await m.set({ devices: [{ allow: false, access: 'rwm' }, NULL_RWM] });
    h.release();
    expect((await h.exited).stdout).toContain('opened');
  });

  it('updates a running white-list with the minimal writes, never showing allow-all in between', async () => {
    const m = newManager('update');
    const h = held('sleep 30');
    await m.apply(h.pid);
    await m.set({ devices: [{ allow: false, access: 'rwm' }, NULL_RWM] });
    await m.set({ devices: [{ allow: false, access: 'rwm' }, { ...NULL_RWM, access: 'r' }, { allow: true, type: 'c', major: 1, minor: 5, access: 'rw' }] });
    expect(readFileSync(`${m.paths().devices}/devices.list`, 'utf8').trim().split('\n').sort()).toEqual(['c 1:3 r', 'c 1:5 rw']);
  });

  it('plans for a new cgroup what set() leaves there: the rules ck-init writes before the init joins', async () => {
    const resources = { devices: [{ allow: false, access: 'rwm' }, NULL_RWM, { allow: true, type: 'c', major: 136, access: 'rw' }, { allow: true, type: 'b', major: 8, minor: 0, access: 'r' }] };
    const planned = newManager('planned', resources);
    await planned.create!();
    for (const step of planned.setSteps!(resources)!) {
      if (step.kind !== 'write') throw new Error(`a v1 manager planned a ${step.kind} step`);
      await writeCgEach(step.dir, step.file, step.values);
    }
    const set = newManager('set', resources);
    await set.create!();
    await set.set(resources);
    const list = (m: CgroupManager) => readFileSync(`${m.paths().devices}/devices.list`, 'utf8').trim().split('\n').sort();
    expect(list(planned)).toEqual(['b 8:0 r', 'c 136:* rw', 'c 1:3 rwm']);
    expect(list(planned)).toEqual(list(set));
  });
});
