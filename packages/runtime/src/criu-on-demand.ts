import type { CheckpointDriver } from '@containerkit/core';
import type { CriuDriverOptions } from '@containerkit/criu';

/**
 * The CRIU checkpoint driver, loaded by the first of its methods that is called. The factory
 * probes a checkpoint driver on the first checkpoint or restore only, so no other command needs
 * the driver's code, yet a driver imported up front is read and compiled by every call (and kept
 * in both startup snapshots). In ckrun's bundles @containerkit/criu is dist/ckrun-criu.cjs, a
 * file of its own (src/installed/criu.ts).
 */
export function criuOnDemand(options: CriuDriverOptions): CheckpointDriver {
  let driver: Promise<CheckpointDriver> | undefined;
  const loaded = () => (driver ??= import('@containerkit/criu').then(({ criu }) => criu(options)));
  return {
    // The loaded driver's name, which the factory's "not available" message quotes.
    name: 'criu',
    probe: async (host) => (await loaded()).probe(host),
    checkpoint: async (target, checkpointOptions) => (await loaded()).checkpoint(target, checkpointOptions),
    restore: async (target, checkpointOptions) => (await loaded()).restore(target, checkpointOptions),
  };
}
