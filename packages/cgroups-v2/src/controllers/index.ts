import type { Controller } from '../controller.js';
import { cpu } from './cpu.js';
import { cpuset } from './cpuset.js';
import { devices } from './devices.js';
import { hugetlb } from './hugetlb.js';
import { io } from './io.js';
import { memory } from './memory.js';
import { misc } from './misc.js';
import { pids } from './pids.js';
import { rdma } from './rdma.js';
import { unified } from './unified.js';

/** In runc's fs2 order; unified comes last so that its files override the typed fields. */
export const controllers: readonly Controller[] = [pids, memory, io, cpu, devices, cpuset, hugetlb, rdma, misc, unified];
