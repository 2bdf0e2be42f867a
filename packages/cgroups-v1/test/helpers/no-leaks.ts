import { afterAll, expect } from 'vitest';
import { removeCgroup } from '@containerkit/core';
import { leftovers } from './host.js';

// Runs after every test file: whatever a test left behind fails the file (and is cleaned up).
afterAll(async () => {
  const left = leftovers();
  for (const dir of left) await removeCgroup(dir);
  expect(left, 'cgroup directories left under the test parent').toEqual([]);
});
