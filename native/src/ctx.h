/* State shared by the steps of one ck-init run. */
#ifndef CK_CTX_H
#define CK_CTX_H

#include <limits.h>
#include <stdint.h>

#include "plan.h"
#include "protocol.h"

/* As many as a host has cgroup hierarchies, with room to spare. */
#define CK_MAX_CGROUP_JOINS 64

struct ck_net_device;

struct ck_ctx {
  int sync_fd;
  uint32_t step;  /* index of the step being run */
  int rootfd;     /* O_PATH fd of the rootfs (ENTER_ROOTFS), "/" after PIVOT_ROOT */
  int fifofd;     /* O_PATH fd of the exec fifo (OPEN_EXEC_FIFO) */
  int fifo_wfd;   /* the exec fifo opened for writing (WAIT_EXEC_FIFO); EXEC writes "0" to it */
  int hostprocfd; /* O_PATH fd of the host's /proc, to reopen the fifo after pivot */
  unsigned long long caller_mntns; /* inode of the caller's mount namespace, before any step: P reads C's start time only in it */
  int pivoted;    /* PIVOT_ROOT done: "/" is the container's root */
  int joined_userns; /* a JOIN_NAMESPACE entered a user namespace: C takes its root ids after the clone */
  int last_cap;   /* from /proc/sys/kernel/cap_last_cap, read before pivot; -1 if unknown */
  int consolefd;  /* the caller's console socket (CONSOLE_SOCKET) */
  int pidfdsock;  /* the caller's --pidfd-socket (PIDFD_SOCKET), which gets a pidfd of C */
  uint32_t pidfd_step; /* its step, to name in an error */
  int monitorfd;  /* C's end of the socketpair to a monitor P that relays the terminal */
  int listenerfd; /* the seccomp notify listener's socket (SECCOMP_LISTENER) */
  int preserved_fds; /* how many fds the parent passed at 4, 5, … for the process (PRESERVE_FDS) */
  uint8_t *go_state;   /* GO's payload: the container state that SECCOMP sends to the listener */
  size_t go_state_len; /* 0 (and go_state NULL) when GO had none */
  char *hook_state[2]; /* RESUME's states for RUN_HOOK, by CK_HOOK_STATE_*; NULL before HOOKS_SYNC */
  const char *chdir_denied; /* the path a CHDIR DEFER_DENIED was denied, until IF_DENIED retries it */
  int chdir_errno;          /* and its errno */
  const char *exec_name;    /* the args[0] that exec_path was resolved from */
  char exec_path[PATH_MAX]; /* resolved by CHECK_EXEC or EXEC */
  struct {
    int fd;        /* the file C writes "0" to in order to move itself: tasks (v1) or cgroup.procs (cgroup2) */
    uint32_t step; /* its JOIN_CGROUP step */
  } cgroups[CK_MAX_CGROUP_JOINS];
  int ncgroups;
  int join_report[2]; /* pipe: C tells P which cgroup refused it; EOF alone means it joined them all */
  struct {
    int fd;        /* a cgroup2 directory C is cloned into, -1 if none */
    uint32_t step; /* its JOIN_CGROUP step */
  } clone_into;
  struct {
    const char *path; /* the source as the plan names it (points into the plan) */
    int fd;           /* O_PATH, opened by P as the runtime (OPEN_MOUNT_SOURCE) */
  } *mount_sources;
  uint32_t nmount_sources;
  struct ck_net_device *net_devices; /* linux.netDevices, moved by P after the clone (NET_DEVICE) */
  uint32_t nnet_devices;
  int rtnl_fd;       /* P's rtnetlink socket in the host's network namespace (NET_DEVICE) */
  int host_netns_fd; /* the host's network namespace, to step back into (NET_DEVICE) */
  char detail[CK_MAX_DETAIL]; /* ERROR's detail: a message, cut at CK_MAX_DETAIL, never a 128 KiB argument */
};

/* Sets ctx->detail (the ERROR frame's detail) and returns -1, preserving errno. */
int ck_fail(struct ck_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Writes all of data to fd (a short write is EIO) and closes it; on failure "write <what>". */
int ck_write_and_close(struct ck_ctx *ctx, int fd, const char *data, size_t len, const char *what);

typedef int (*ck_step_fn)(struct ck_ctx *ctx, const struct ck_step *step);

/* The function that runs an opcode; NULL for CLONE, which main.c runs itself. */
ck_step_fn ck_step_for(uint16_t op);

/* Rootfs path resolution (resolve.c). create: -1 only open, CK_MOUNT_TARGET_DIR or _FILE. */
int ck_resolve(struct ck_ctx *ctx, const char *path, int create, unsigned mode);
/* Opens (creating as directories if needed) the parent of path; *base points into buf. */
int ck_resolve_parent(struct ck_ctx *ctx, const char *path, char *buf, size_t buflen, const char **base);
/* "/proc/self/fd/<fd>" into buf (at least 32 bytes). */
const char *ck_fd_path(int fd, char *buf);

#endif
