import { constants } from 'node:os';
import { ContainerError } from '../errors.js';
import { loadKoffi, type Koffi } from './koffi.js';

const errnoNames = new Map(Object.entries(constants.errno).map(([name, value]) => [value, name]));

/** "EPERM" for 1; unknown numbers as "errno N". */
export function errnoName(errno: number): string {
  return errnoNames.get(errno) ?? `errno ${errno}`;
}

let libc: ReturnType<Koffi['load']> | undefined;

/**
 * A C library function bound through koffi, for the calls Node lacks. Every package binds
 * here, so libc.so.6 is opened once per process however many drivers make calls.
 */
export function libcFunction<F>(signature: string): F {
  libc ??= loadKoffi().load('libc.so.6');
  return libc.func(signature) as unknown as F;
}

/** The errno the last libcFunction call left, by name. */
export function lastErrnoName(): string {
  return errnoName(loadKoffi().errno());
}

/** A SystemError for a failed call, from the errno it left: "<call> <path>: <ERRNO>". */
export function syscallError(call: string, path?: string, errno = lastErrnoName()): ContainerError {
  return new ContainerError('SystemError', `${call}${path ? ` ${path}` : ''}: ${errno}`, { syscall: call, errno, path });
}
