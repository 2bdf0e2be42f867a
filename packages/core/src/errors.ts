/** The closed set of error codes, named after libcontainer's. */
export type ErrorCode =
  | 'IdInUse'
  | 'InvalidIdFormat'
  | 'ContainerNotExists'
  | 'ContainerPaused'
  | 'ContainerNotStopped'
  | 'ContainerNotRunning'
  | 'ContainerNotPaused'
  | 'ConfigInvalid'
  | 'NotSupported'
  | 'NoProcessOps'
  | 'SystemError';

/**
 * The one error type of containerkit. `message` is meant for a person to act on; a system
 * call failure also carries the call, the errno name and the path.
 */
export class ContainerError extends Error {
  readonly code: ErrorCode;
  readonly syscall?: string;
  readonly errno?: string;
  readonly path?: string;

  constructor(
    code: ErrorCode,
    message: string,
    options: { cause?: unknown; syscall?: string; errno?: string; path?: string } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ContainerError';
    this.code = code;
    this.syscall = options.syscall;
    this.errno = options.errno;
    this.path = options.path;
  }
}

export function isContainerError(error: unknown, code?: ErrorCode): error is ContainerError {
  return error instanceof ContainerError && (code === undefined || error.code === code);
}

/** Wraps a Node fs/syscall error (which carries code, syscall and path) into a SystemError. */
export function systemError(what: string, cause: unknown): ContainerError {
  const e = cause as NodeJS.ErrnoException;
  const detail = [e?.syscall, e?.code, e?.path].filter(Boolean).join(' ');
  return new ContainerError('SystemError', `${what}: ${detail || String(cause)}`, {
    cause,
    syscall: e?.syscall,
    errno: e?.code,
    path: e?.path,
  });
}
