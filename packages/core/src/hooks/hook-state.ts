import type { SavedState } from '../state/store.js';

/** A container's status as runtime-spec's state gives it to a hook. */
export type HookStatus = 'creating' | 'created' | 'running' | 'stopped';

/** The state a hook reads on its stdin (runtime-spec runtime.md "State"). */
export function hookState(state: SavedState, status: HookStatus, pid: number): string {
  return JSON.stringify({
    ociVersion: state.ociVersion,
    id: state.id,
    status,
    ...(pid > 0 ? { pid } : {}),
    bundle: state.bundle,
    annotations: state.annotations ?? {},
  });
}
