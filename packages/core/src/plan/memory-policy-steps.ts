import { ContainerError } from '../errors.js';
import type { Spec } from '../config/schema.js';
import type { PlanStep } from './encoder.js';
import { parseIdList } from './id-list.js';

/** The most NUMA nodes a Linux kernel is built for (MAX_NUMNODES with NODES_SHIFT 10). */
export const MAX_NODE = 1023;

/** linux/mempolicy.h. */
export const MEMORY_POLICY_MODES = {
  MPOL_DEFAULT: 0n,
  MPOL_PREFERRED: 1n,
  MPOL_BIND: 2n,
  MPOL_INTERLEAVE: 3n,
  MPOL_LOCAL: 4n,
  MPOL_PREFERRED_MANY: 5n,
  MPOL_WEIGHTED_INTERLEAVE: 6n,
} as const;

export const MEMORY_POLICY_FLAGS = {
  MPOL_F_NUMA_BALANCING: 1n << 13n,
  MPOL_F_RELATIVE_NODES: 1n << 14n,
  MPOL_F_STATIC_NODES: 1n << 15n,
} as const;

/** runc's rule (validate.memoryPolicy): these take no node, these at least one; MPOL_PREFERRED either. */
const NO_NODES = new Set(['MPOL_DEFAULT', 'MPOL_LOCAL']);
const SOME_NODES = new Set(['MPOL_BIND', 'MPOL_INTERLEAVE', 'MPOL_PREFERRED_MANY', 'MPOL_WEIGHTED_INTERLEAVE']);

const FIELD = 'linux.memoryPolicy';
const invalid = (path: string, message: string) => new ContainerError('ConfigInvalid', `config.json: ${FIELD}${path}: ${message}`);

/**
 * linux.memoryPolicy as SET_MEMPOLICY, for the init and every process spawned in the container
 * (runc 1.5 sets it in both, after the personality). Whether the kernel knows the mode or flag
 * (MPOL_WEIGHTED_INTERLEAVE: Linux 6.9) and has the nodes is for set_mempolicy to say: its error
 * names the field.
 */
export function memoryPolicySteps(spec: Spec): PlanStep[] {
  const policy = spec.linux?.memoryPolicy;
  if (policy === undefined) return [];
  const mode = MEMORY_POLICY_MODES[policy.mode as keyof typeof MEMORY_POLICY_MODES];
  if (mode === undefined) throw invalid('.mode', `unknown memory policy mode "${policy.mode}"`);
  let flags = 0n;
  for (const [index, name] of (policy.flags ?? []).entries()) {
    const flag = MEMORY_POLICY_FLAGS[name as keyof typeof MEMORY_POLICY_FLAGS];
    if (flag === undefined) throw invalid(`.flags[${index}]`, `unknown memory policy flag "${name}"`);
    flags |= flag;
  }
  const both = MEMORY_POLICY_FLAGS.MPOL_F_STATIC_NODES | MEMORY_POLICY_FLAGS.MPOL_F_RELATIVE_NODES;
  if ((flags & both) === both) throw invalid('.flags', 'MPOL_F_STATIC_NODES and MPOL_F_RELATIVE_NODES exclude each other');
  const nodes = parseIdList(policy.nodes ?? '', `${FIELD}.nodes`, 'node', MAX_NODE) ?? new Uint8Array(0);
  const hasNodes = nodes.length > 0;
  if (NO_NODES.has(policy.mode) && hasNodes) throw invalid('.nodes', `${policy.mode} takes no nodes, got "${policy.nodes}"`);
  if (SOME_NODES.has(policy.mode) && !hasNodes) throw invalid('.nodes', `${policy.mode} needs at least one node`);
  return [{ op: 'SET_MEMPOLICY', args: [mode | flags, nodes], field: FIELD }];
}
