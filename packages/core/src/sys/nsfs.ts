import { ContainerError } from '../errors.js';
import { lastErrnoName, libcFunction } from './libc-calls.js';

// _IO(0xb7, 0x3) from linux/nsfs.h: returns the CLONE_NEW* flag of the namespace behind fd.
const NS_GET_NSTYPE = 0xb703;

type Ioctl = (fd: number, request: number, arg: number) => number;
let ioctl: Ioctl | undefined;

// A fixed third argument: on x86-64 and arm64 an integer argument of a variadic call is
// passed exactly like a fixed one.
const loadIoctl = () => (ioctl ??= libcFunction<Ioctl>('int ioctl(int fd, unsigned long request, unsigned long arg)'));

/**
 * The CLONE_NEW* flag of the namespace file open as fd (NS_GET_NSTYPE, Linux ≥ 4.11).
 * Works for bind-mounted namespace files too, where readlink has nothing to read.
 * A file that is not a namespace fails with errno ENOTTY.
 */
export function namespaceTypeOfFd(fd: number, path = `fd ${fd}`): number {
  const result = loadIoctl()(fd, NS_GET_NSTYPE, 0);
  if (result < 0) {
    const errno = lastErrnoName();
    throw new ContainerError('SystemError', `ioctl NS_GET_NSTYPE ${path}: ${errno}`, { syscall: 'ioctl', errno, path });
  }
  return result;
}
