import type { Controller } from '../controller.js';
import { blkio } from './blkio.js';
import { cpu } from './cpu.js';
import { cpuacct } from './cpuacct.js';
import { cpuset } from './cpuset.js';
import { devices } from './devices.js';
import { freezer } from './freezer.js';
import { hugetlb } from './hugetlb.js';
import { memory } from './memory.js';
import { netCls } from './net-cls.js';
import { netPrio } from './net-prio.js';
import { perfEvent } from './perf-event.js';
import { pids } from './pids.js';
import { rdma } from './rdma.js';

/** Every subsystem this driver knows, in runc's order (cpuset first: it creates its own directories). */
export const controllers: readonly Controller[] = [
  cpuset, devices, memory, cpu, cpuacct, pids, blkio, hugetlb, netCls, netPrio, perfEvent, freezer, rdma,
];
