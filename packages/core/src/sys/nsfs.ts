import koffi from 'koffi';
import { ContainerError } from '../errors.js';

// _IO(0xb7, 0x3) from linux/nsfs.h: returns the CLONE_NEW* flag of the namespace behind fd.
const NS_GET_NSTYPE = 0xb703;

let ioctl: ((fd: number, request: number, arg: number) => number) | undefined;

function bind(): (fd: number, request: number, arg: number) => number {
  // Declared with a fixed third argument: on x86-64 and arm64 an integer argument of a
  // variadic call is passed exactly like a fixed one.
  ioctl ??= koffi.load('libc.so.6').func('int ioctl(int fd, unsigned long request, unsigned long arg)');
  return ioctl;
}

function errnoName(errno: number): string {
  const entry = Object.entries(koffi.os.errno).find(([, n]) => n === errno);
  return entry?.[0] ?? `errno ${errno}`;
}

/**
 * The CLONE_NEW* flag of the namespace file open as fd (NS_GET_NSTYPE, Linux ≥ 4.11).
 * Works for bind-mounted namespace files too, where readlink has nothing to read.
 * A file that is not a namespace fails with errno ENOTTY.
 */
export function namespaceTypeOfFd(fd: number, path = `fd ${fd}`): number {
  const result = bind()(fd, NS_GET_NSTYPE, 0);
  if (result < 0) {
    const errno = errnoName(koffi.errno());
    throw new ContainerError('SystemError', `ioctl NS_GET_NSTYPE ${path}: ${errno}`, {
      syscall: 'ioctl',
      errno,
      path,
    });
  }
  return result;
}
