// Checkpoint/restore through `criu swrk` is a later issue; until then this package names the
// interface a checkpoint driver implements, so third parties can write one today.
export type { CheckpointDriver, CheckpointOptions } from '@containerkit/core';
