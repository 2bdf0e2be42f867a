import type * as z from 'zod';
import { describeValue } from './describe.js';

/* linux.netDevices names, by the kernel's rules for an interface name (net/core/dev.c,
 * dev_valid_name): 1 to 15 bytes (IFNAMSIZ less the NUL), not "." or "..", no "/", ":" or
 * white space. runc checks the same (allowing a 16th byte the kernel then refuses). */

const IFNAMSIZ = 16;

/** Why name cannot be an interface name, or undefined. template: a container name, which may hold one "%d". */
export function interfaceNameProblem(name: string, template: boolean): string | undefined {
  if (name === '') return 'an interface name cannot be empty';
  if (Buffer.byteLength(name) >= IFNAMSIZ) return `${describeValue(name)} is longer than the ${IFNAMSIZ - 1} bytes of an interface name`;
  if (name === '.' || name === '..') return `${describeValue(name)} is not an interface name`;
  if (/[/:\s]/.test(name)) return `${describeValue(name)}: an interface name has no "/", ":" or white space`;
  if (!name.includes('%')) return undefined;
  if (!template) return `${describeValue(name)}: a host interface name has no "%"`;
  // The kernel's __dev_alloc_name takes exactly one "%d" and no other "%".
  if (!/^[^%]*%d[^%]*$/.test(name)) return `${describeValue(name)}: a name template holds one "%d" and no other "%"`;
  return undefined;
}

/** The record's rules: valid names on both sides, and no two interfaces given one name inside. */
export function netDevicesRefine(devices: Record<string, { name?: string | undefined }>, ctx: z.RefinementCtx): void {
  const inside = new Map<string, string>();
  for (const [host, device] of Object.entries(devices)) {
    const hostProblem = interfaceNameProblem(host, false);
    if (hostProblem) ctx.addIssue({ code: 'custom', path: [host], message: hostProblem });
    const name = device.name || host;
    if (device.name !== undefined && device.name !== '') {
      const problem = interfaceNameProblem(device.name, true);
      if (problem) ctx.addIssue({ code: 'custom', path: [host, 'name'], message: problem });
    }
    // A template takes a free number each time: two of them never clash.
    if (name.includes('%')) continue;
    const other = inside.get(name);
    if (other !== undefined) {
      ctx.addIssue({ code: 'custom', path: [host], message: `named ${describeValue(name)} in the container, as ${describeValue(other)} is` });
    } else inside.set(name, host);
  }
}
