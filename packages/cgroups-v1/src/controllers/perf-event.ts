import type { Controller } from '../controller.js';

/** No resources: the container joins it so that `perf -G` can select it. */
export const perfEvent: Controller = {
  name: 'perf_event',
  async set() {},
};
