/**
 * The parts of the OCI config this package reads, written structurally so that core's
 * zod-inferred Spec is assignable to them.
 */
export interface NamespaceEntry {
  readonly type: string;
  readonly path?: string;
}

export interface IdMapping {
  readonly containerID: number;
  readonly hostID: number;
  readonly size: number;
}

export interface TimeOffset {
  readonly secs?: number | bigint;
  readonly nanosecs?: number;
}

export interface NamespaceConfig {
  readonly linux?: {
    readonly namespaces?: readonly NamespaceEntry[];
    readonly uidMappings?: readonly IdMapping[];
    readonly gidMappings?: readonly IdMapping[];
    readonly timeOffsets?: Readonly<Record<string, TimeOffset>>;
  };
}
