/* C's start time for PID (start_time.c). */
#ifndef CK_START_TIME_H
#define CK_START_TIME_H

#include <stddef.h>
#include <sys/types.h>

/* The inode of this process's mount namespace; 0 when it cannot be read. */
unsigned long long ck_mount_namespace(void);
/* Field 22 of /proc/<pid>/stat as decimal text into out, only while this process is still in
 * the mount namespace caller_mntns; "" otherwise, or when it cannot be read. */
void ck_start_time(unsigned long long caller_mntns, pid_t pid, char *out, size_t len);

#endif
