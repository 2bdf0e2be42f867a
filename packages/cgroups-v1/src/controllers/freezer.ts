import type { Controller } from '../controller.js';

/** Joined by every container; freezing goes through freeze.ts, not through resources. */
export const freezer: Controller = {
  name: 'freezer',
  async set() {},
};
