/* System call numbers and flags newer than some libc headers (x86_64 numbers are shared by every
 * architecture for these, since Linux 5.x's unified table). */
#ifndef CK_SYSCALLS_H
#define CK_SYSCALLS_H

#include <sys/syscall.h>

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_close_range
#define SYS_close_range 436
#endif
#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

#endif
