/**
 * The OCI runtime-spec linux.resources shapes this driver reads. They mirror core's
 * LinuxResources (config/schema.ts); numbers may arrive as bigint from the schema, so every
 * write goes through String().
 */
export type Num = number | bigint;

export interface DeviceRule {
  allow: boolean;
  type?: string;
  major?: Num | null;
  minor?: Num | null;
  access?: string;
}

export interface ThrottleDevice {
  major: Num;
  minor: Num;
  rate: Num;
}

export interface Resources {
  devices?: DeviceRule[];
  memory?: {
    limit?: Num;
    reservation?: Num;
    swap?: Num;
    kernel?: Num;
    kernelTCP?: Num;
    swappiness?: Num;
    disableOOMKiller?: boolean;
    useHierarchy?: boolean;
  };
  cpu?: {
    shares?: Num;
    quota?: Num;
    burst?: Num;
    period?: Num;
    realtimeRuntime?: Num;
    realtimePeriod?: Num;
    cpus?: string;
    mems?: string;
    idle?: Num;
  };
  pids?: { limit?: Num };
  blockIO?: {
    weight?: Num;
    leafWeight?: Num;
    weightDevice?: { major: Num; minor: Num; weight?: Num; leafWeight?: Num }[];
    throttleReadBpsDevice?: ThrottleDevice[];
    throttleWriteBpsDevice?: ThrottleDevice[];
    throttleReadIOPSDevice?: ThrottleDevice[];
    throttleWriteIOPSDevice?: ThrottleDevice[];
  };
  hugepageLimits?: { pageSize: string; limit: Num }[];
  network?: { classID?: Num; priorities?: { name: string; priority: Num }[] };
  rdma?: Record<string, { hcaHandles?: Num; hcaObjects?: Num }>;
  unified?: Record<string, string>;
}

/** Set when v is present: 0 and "" count as set, as in the spec (runc treats 0 as unset only where noted). */
export function given<T>(v: T | null | undefined): v is T {
  return v !== undefined && v !== null;
}

/** runc writes most scalar resources only when non-zero. */
export function nonZero(v: Num | null | undefined): v is Num {
  return given(v) && Number(v) !== 0;
}
