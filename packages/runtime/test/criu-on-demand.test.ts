import { describe, expect, it } from 'vitest';
import { hostInfo } from '@containerkit/core';
import { criuOnDemand } from '../src/criu-on-demand.js';

describe('criuOnDemand', () => {
  it('answers a probe through the CRIU driver it loads, with the options it was given', async () => {
    const driver = criuOnDemand({ path: '/nonexistent/criu' });
    expect(driver.name).toBe('criu');
    expect(await driver.probe(await hostInfo())).toEqual({ usable: false, reason: '"/nonexistent/criu" is not installed (not found in PATH)' });
  });
});
