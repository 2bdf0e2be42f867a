/*
 * Constants of the init plan and the sync protocol. The source of truth is
 * packages/core/src/plan/protocol.ts; packages/core/test/protocol-header.test.ts checks
 * that every value here matches it, so edit both together.
 */
#ifndef CK_PROTOCOL_H
#define CK_PROTOCOL_H

#define CK_PLAN_MAGIC "CKPL"
#define CK_PLAN_VERSION 1

#define CK_MAX_PLAN 16777216
#define CK_MAX_STEPS 65536
#define CK_MAX_STRING 131072
#define CK_MAX_LIST 4194304
#define CK_MAX_BYTES 524288
#define CK_MAX_DETAIL 4096

/* Argument kinds, one letter per argument: u = u64, s = str, l = strs, b = bytes. */
#define CK_OP_OPEN_EXEC_FIFO 1
#define CK_ARGS_OPEN_EXEC_FIFO "s"
#define CK_OP_JOIN_NAMESPACE 2
#define CK_ARGS_JOIN_NAMESPACE "us"
#define CK_OP_NEW_TIME_NAMESPACE 3
#define CK_ARGS_NEW_TIME_NAMESPACE "uuuu"
#define CK_OP_CLONE 4
#define CK_ARGS_CLONE "uu"
#define CK_OP_CONSOLE_SOCKET 5
#define CK_ARGS_CONSOLE_SOCKET "s"
#define CK_OP_JOIN_CGROUP 6
#define CK_ARGS_JOIN_CGROUP "s"
#define CK_OP_SET_ROOT_PROPAGATION 10
#define CK_ARGS_SET_ROOT_PROPAGATION "u"
#define CK_OP_ENTER_ROOTFS 11
#define CK_ARGS_ENTER_ROOTFS "s"
#define CK_OP_MOUNT 12
#define CK_ARGS_MOUNT "sssusu"
#define CK_OP_REMOUNT 13
#define CK_ARGS_REMOUNT "su"
#define CK_OP_MOUNT_SETATTR 14
#define CK_ARGS_MOUNT_SETATTR "suuu"
#define CK_OP_MKDIR 15
#define CK_ARGS_MKDIR "su"
#define CK_OP_MKNOD 16
#define CK_ARGS_MKNOD "suuuuu"
#define CK_OP_SYMLINK 17
#define CK_ARGS_SYMLINK "ss"
#define CK_OP_PIVOT_ROOT 18
#define CK_ARGS_PIVOT_ROOT "u"
#define CK_OP_MASK_PATH 19
#define CK_ARGS_MASK_PATH "s"
#define CK_OP_READONLY_PATH 20
#define CK_ARGS_READONLY_PATH "s"
#define CK_OP_READONLY_ROOT 21
#define CK_ARGS_READONLY_ROOT ""
#define CK_OP_SET_HOSTNAME 22
#define CK_ARGS_SET_HOSTNAME "s"
#define CK_OP_SET_DOMAINNAME 23
#define CK_ARGS_SET_DOMAINNAME "s"
#define CK_OP_SYSCTL 24
#define CK_ARGS_SYSCTL "ss"
#define CK_OP_SETRLIMIT 25
#define CK_ARGS_SETRLIMIT "uuu"
#define CK_OP_OOM_SCORE_ADJ 26
#define CK_ARGS_OOM_SCORE_ADJ "u"
#define CK_OP_UMASK 27
#define CK_ARGS_UMASK "u"
#define CK_OP_READY 28
#define CK_ARGS_READY ""
#define CK_OP_WAIT_EXEC_FIFO 29
#define CK_ARGS_WAIT_EXEC_FIFO ""
#define CK_OP_DROP_BOUNDING 30
#define CK_ARGS_DROP_BOUNDING "u"
#define CK_OP_SET_USER 31
#define CK_ARGS_SET_USER "uul"
#define CK_OP_SET_CAPABILITIES 32
#define CK_ARGS_SET_CAPABILITIES "uuuu"
#define CK_OP_NO_NEW_PRIVS 33
#define CK_ARGS_NO_NEW_PRIVS ""
#define CK_OP_SECCOMP 34
#define CK_ARGS_SECCOMP "bu"
#define CK_OP_CHDIR 35
#define CK_ARGS_CHDIR "su"
#define CK_OP_CHECK_EXEC 36
#define CK_ARGS_CHECK_EXEC "ll"
#define CK_OP_EXEC 37
#define CK_ARGS_EXEC "ll"
#define CK_OP_CREATE_CONSOLE 38
#define CK_ARGS_CREATE_CONSOLE "uuuuu"
#define CK_OP_NEW_CGROUP_NAMESPACE 39
#define CK_ARGS_NEW_CGROUP_NAMESPACE ""
#define CK_OP_SECCOMP_LISTENER 40
#define CK_ARGS_SECCOMP_LISTENER "s"
#define CK_OP_LSM_LABEL 41
#define CK_ARGS_LSM_LABEL "ss"
#define CK_OP_JOIN_INIT 42
#define CK_ARGS_JOIN_INIT "usu"
#define CK_OP_CHECK_CAPABILITIES 43
#define CK_ARGS_CHECK_CAPABILITIES "uuuu"
#define CK_OP_OPEN_MOUNT_SOURCE 44
#define CK_ARGS_OPEN_MOUNT_SOURCE "su"
#define CK_OP_PRESERVE_FDS 45
#define CK_ARGS_PRESERVE_FDS "u"
#define CK_OP_NEW_SESSION_KEYRING 46
#define CK_ARGS_NEW_SESSION_KEYRING "su"
#define CK_OP_PIDFD_SOCKET 47
#define CK_ARGS_PIDFD_SOCKET "s"
#define CK_OP_PERSONALITY 48
#define CK_ARGS_PERSONALITY "u"
#define CK_OP_SCHED_SETATTR 49
#define CK_ARGS_SCHED_SETATTR "uuuuuuu"
#define CK_OP_IOPRIO_SET 50
#define CK_ARGS_IOPRIO_SET "u"
#define CK_OP_IDMAP_MOUNT_SOURCE 51
#define CK_ARGS_IDMAP_MOUNT_SOURCE "ssu"
#define CK_OP_IDMAP_MOUNT_SOURCE_USERNS 52
#define CK_ARGS_IDMAP_MOUNT_SOURCE_USERNS "su"
#define CK_OP_SCHED_SETAFFINITY 53
#define CK_ARGS_SCHED_SETAFFINITY "b"
#define CK_OP_SET_MEMPOLICY 54
#define CK_ARGS_SET_MEMPOLICY "ub"
#define CK_OP_NET_DEVICE 55
#define CK_ARGS_NET_DEVICE "ss"
/* 56 is unused. */
#define CK_OP_HOOKS_SYNC 57
#define CK_ARGS_HOOKS_SYNC ""
#define CK_OP_RUN_HOOK 58
#define CK_ARGS_RUN_HOOK "usllu"
#define CK_OP_CHROOT 59
#define CK_ARGS_CHROOT "s"
#define CK_OP_CGROUP_CREATE 60
#define CK_ARGS_CGROUP_CREATE "sus"
#define CK_OP_FILE_SERVER 61
#define CK_ARGS_FILE_SERVER ""
#define CK_OP_CGROUP_WRITE 62
#define CK_ARGS_CGROUP_WRITE "ssl"
#define CK_OP_CGROUP_DEVICE_FILTER 63
#define CK_ARGS_CGROUP_DEVICE_FILTER "sb"

/* Frame: u32 length (LE, of the type byte and the payload) | u8 type | payload. */
#define CK_FRAME_PLAN 1
#define CK_FRAME_PID 2
#define CK_FRAME_GO 3
#define CK_FRAME_READY 4
#define CK_FRAME_ERROR 5
#define CK_FRAME_EXIT 6
#define CK_FRAME_HOOKS 7
#define CK_FRAME_RESUME 8
#define CK_FRAME_FILE_OPS 9
#define CK_FRAME_FILE_DONE 10

#define CK_NO_STEP 0xffffffff

#define CK_MOUNT_TARGET_DIR 0
#define CK_MOUNT_TARGET_FILE 1
#define CK_MOUNT_TARGET_DIR_COPY_UP 2

#define CK_CONSOLE_TARGET_SOCKET 0
#define CK_CONSOLE_TARGET_MONITOR 1

#define CK_CHDIR_ALWAYS 0
#define CK_CHDIR_DEFER_DENIED 1
#define CK_CHDIR_IF_DENIED 2

#define CK_HOOK_STATE_CREATING 0
#define CK_HOOK_STATE_CREATED 1

#define CK_CLONE_DETACH 0
#define CK_CLONE_MONITOR 1
#define CK_CLONE_MONITOR_TERMINAL 2

/* CGROUP_CREATE's kinds. */
#define CK_CGROUP_KIND_PLAIN 0
#define CK_CGROUP_KIND_CPUSET 1
#define CK_CGROUP_KIND_UNIFIED 2

/* A FILE_OPS operation's kind, its first byte; what follows it is in FILE_OP of protocol.ts. */
#define CK_FILE_OP_REMOVE_CGROUP 1
#define CK_FILE_OP_MAKE_DIR 2
#define CK_FILE_OP_REPLACE_FILE 3
#define CK_FILE_OP_UNLINK 4
#define CK_FILE_OP_REMOVE_DIR 5
#define CK_FILE_OP_LOCK 6
#define CK_FILE_OP_UNLOCK 7

#endif
