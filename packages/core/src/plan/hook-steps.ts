import type { Hook, Spec } from '../config/schema.js';
import type { PlanStep } from './encoder.js';
import { HOOK_STATE } from './protocol.js';

/** Whether C must stop before pivot_root for the runtime's hooks, or needs a state for its own. */
export function needsHookSync(spec: Spec): boolean {
  const hooks = spec.hooks;
  return [hooks?.prestart, hooks?.createRuntime, hooks?.createContainer, hooks?.startContainer].some((list) => (list?.length ?? 0) > 0);
}

function runHookStep(state: number, hook: Hook): PlanStep {
  return { op: 'RUN_HOOK', args: [BigInt(state), hook.path, hook.args ?? [], hook.env ?? [], BigInt((hook.timeout ?? 0) * 1000)] };
}

/**
 * Between the mounts and pivot_root, as runc: C waits while the parent runs prestart and
 * createRuntime (they may still reach the rootfs by its host path), then runs createContainer in
 * its own namespaces.
 */
export function beforePivotHookSteps(spec: Spec): PlanStep[] {
  if (!needsHookSync(spec)) return [];
  return [{ op: 'HOOKS_SYNC', args: [] }, ...(spec.hooks?.createContainer ?? []).map((hook) => runHookStep(HOOK_STATE.CREATING, hook))];
}

/** startContainer: in the container, after `start`, just before the process is exec'd. */
export function startContainerHookSteps(spec: Spec): PlanStep[] {
  return (spec.hooks?.startContainer ?? []).map((hook) => runHookStep(HOOK_STATE.CREATED, hook));
}
