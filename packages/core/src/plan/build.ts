import type { CapabilityMasks, NamespacePlan } from '../drivers.js';
import type { Spec } from '../config/schema.js';
import type { PlanStep } from './encoder.js';
import { environmentSteps, execSteps, resourceLimitSteps, type ProcessInputs } from './process-steps.js';
import { rootfsSteps } from './rootfs-steps.js';

export interface PlanInputs {
  spec: Spec;
  bundle: string;
  namespaces: NamespacePlan;
  capabilities: CapabilityMasks;
  process: ProcessInputs;
  cgroupPaths: Record<string, string>;
  cgroupPath: string;
  /** The state directory's exec fifo; absent: the process runs as soon as it is ready. */
  execFifo?: string;
  /** Keep ck-init as the monitor that reports the exit status (library); false: detached (ckrun create). */
  monitor: boolean;
  noPivot?: boolean;
}

/** The whole init plan: everything ck-init does, computed here so ck-init knows no policy. */
export async function buildInitPlan(inputs: PlanInputs): Promise<PlanStep[]> {
  const { spec, namespaces } = inputs;
  const steps: PlanStep[] = [];
  if (inputs.execFifo) steps.push({ op: 'OPEN_EXEC_FIFO', args: [inputs.execFifo] });
  for (const join of namespaces.join) steps.push({ op: 'JOIN_NAMESPACE', args: [join.type, join.path] });
  if (namespaces.timeOffsets) {
    const { monotonic, boottime } = namespaces.timeOffsets;
    steps.push({
      op: 'NEW_TIME_NAMESPACE',
      args: [BigInt.asUintN(64, monotonic.secs), monotonic.nanosecs, BigInt.asUintN(64, boottime.secs), boottime.nanosecs],
    });
  }
  // Inherited by the init across clone: set here, a user namespace's non-dumpable init needs no /proc write.
  steps.push(...resourceLimitSteps(spec));
  steps.push({ op: 'CLONE', args: [namespaces.cloneFlags, inputs.monitor ? 1n : 0n] });
  steps.push(
    ...(await rootfsSteps({
      spec,
      bundle: inputs.bundle,
      noPivot: inputs.noPivot ?? false,
      cgroupPaths: inputs.cgroupPaths,
      cgroupPath: inputs.cgroupPath,
    })),
  );
  steps.push(...environmentSteps(spec, namespaces));
  steps.push(...execSteps(spec, inputs.capabilities, inputs.process, inputs.execFifo !== undefined));
  return steps;
}
