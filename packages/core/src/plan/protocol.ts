/**
 * The init plan and the sync protocol between the parent (TypeScript) and ck-init (C).
 * This file is the source of truth; native/src/protocol.h must match it, and
 * core/test/protocol-header.test.ts checks that it does.
 *
 * ## Processes
 *
 *   parent (Node)          the library or ckrun
 *   P      (ck-init)       spawned by the parent in the host namespaces; runs the steps before
 *                          CLONE, clones C, then either exits (detached: C is orphaned to the
 *                          caller's subreaper, as runc's init is) or stays as C's monitor and
 *                          reports C's exit status.
 *   C      (ck-init)       the container's init: runs every step after CLONE, then execs.
 *
 * fd 3 of P is a stream socket to the parent (the sync socket); C inherits it. Every message
 * on it is one frame:  u32 length (LE, of what follows: the type byte and the payload) | u8 type | payload.
 *
 * ## Sync protocol
 *
 *   parent                          P / C (ck-init)
 *   ------                          ---------------
 *   PLAN{plan bytes}        ──▶ P   decode (bounded), run the pre-clone steps, clone C,
 *                                   wait for C to move itself into the JOIN_CGROUP cgroups
 *                           ◀── P   PID{u32 host pid of C, then its start time (field 22 of
 *                                   /proc/<pid>/stat, decimal, as the caller's /proc shows it;
 *                                   absent when P could not read it)}
 *   place C in its cgroups (a
 *   driver without create()),
 *   write the resources and
 *   the uid/gid maps
 *   GO{listener state}      ──▶ C   run the steps after CLONE in order. The payload is empty, or
 *                                   the container process state (JSON, runtime-spec runtime.md)
 *                                   that SECCOMP sends with a notify listener's fd: only the
 *                                   parent knows C's host pid, and only after PID.
 *                           ◀── C   READY{}  (at the READY step)
 *                                   … blocks at WAIT_EXEC_FIFO until `start` reads the fifo …
 *                                   execve (EXEC)
 *   at HOOKS_SYNC:          ◀── C   HOOKS{}
 *   prestart, createRuntime
 *   hooks
 *   RESUME{2 strs: states}  ──▶ C   (what RUN_HOOK gives its hooks on stdin)
 *   any failing step:       ◀── P/C ERROR{u32 step index, i32 errno, str detail (≤ MAX_DETAIL)}, then exit 1
 *   monitor mode, C ended:  ◀── P   EXIT{u32 kind (0 exited, 1 signaled), i32 code or signal}
 *
 * The parent never writes after GO but RESUME; C closes the socket (CLOEXEC) when it execs.
 *
 * ## Terminal (OCI process.terminal)
 *
 * C's CREATE_CONSOLE allocates the pty inside the container and hands the master away with
 * SCM_RIGHTS (data: the peer's name, "/dev/pts/N"), on one of two private channels:
 *
 *   --console-socket (podman, containerd)   CONSOLE_SOCKET in P connects to the caller's socket
 *                                            before CLONE; C sends the master on it and closes it.
 *   foreground (`ckrun run -t`)              CLONE with monitor 2: P makes a socketpair before the
 *                                            clone; C sends the master on it; P relays its own
 *                                            stdin → master and master → its stdout (stdin in raw
 *                                            mode and SIGWINCH sizes copied when it is a tty;
 *                                            SIGINT/TERM/HUP/QUIT forwarded to C) until C exits,
 *                                            then drains the master and sends EXIT.
 *
 * ## Plan encoding (all integers little-endian)
 *
 *   header:  "CKPL" | u16 version | u16 reserved (0) | u32 step count
 *   step:    u16 opcode | u16 reserved (0) | u32 payload length | payload
 *   fields:  u64  = 8 bytes
 *            str  = u32 length | bytes (no NUL inside; at most MAX_STRING bytes)
 *            strs = u32 count (at most MAX_LIST) | str …
 *            bytes= u32 length | bytes (at most MAX_BYTES)
 *
 * A decoder rejects, never truncates: an unknown version or opcode, a field longer than its
 * bound, a payload with bytes left over or missing, more than MAX_STEPS steps or a plan over
 * MAX_PLAN bytes (runc CVE-2021-43784 was a length that wrapped).
 *
 * ## Steps (arguments in order; P runs everything before CLONE, C everything after)
 */

export const PLAN_MAGIC = 'CKPL';
export const PLAN_VERSION = 1;

export const LIMITS = {
  /** The whole plan: ck-init reads the PLAN frame into memory, so it stays bounded (16 MiB). */
  MAX_PLAN: 1 << 24,
  /** Thousands of mounts, each a step or three. */
  MAX_STEPS: 65536,
  /** The kernel's MAX_ARG_STRLEN (128 KiB): a long `sh -c` script or environment value passes.
   *  execve counts the NUL too, so an argument may be one byte shorter (CHECK_EXEC says so); a
   *  path longer than PATH_MAX still gets ENAMETOOLONG from the kernel. */
  MAX_STRING: 131072,
  /** No bound of its own: execve bounds args and env by their total size (CHECK_EXEC checks it), so
   *  the plan bounds a list. This is as many items as MAX_PLAN holds (each takes at least 4 bytes). */
  MAX_LIST: (1 << 24) / 4,
  MAX_BYTES: 1 << 19,
  /** ERROR's detail, a message for a person: ck-init cuts a longer one (it is never data). */
  MAX_DETAIL: 4096,
} as const;

export type FieldKind = 'u64' | 'str' | 'strs' | 'bytes';

/** Every opcode with its number and the kinds of its arguments, in order. */
export const OPS = {
  /** P: open a path O_PATH|O_CLOEXEC and keep it for WAIT_EXEC_FIFO. (fifo path) */
  OPEN_EXEC_FIFO: { code: 1, args: ['str'] },
  /** P: setns into an existing namespace. A joined cgroup namespace keeps the root it has, so it
   *  is joined here, before C is placed in its cgroups, as runc joins before it makes a new user
   *  namespace; only a new one must wait for GO (NEW_CGROUP_NAMESPACE). (CLONE_NEW* type, path) */
  JOIN_NAMESPACE: { code: 2, args: ['u64', 'str'] },
  /** P: unshare(CLONE_NEWTIME) and write /proc/self/timens_offsets, so C is born in it.
   *  (monotonic secs, monotonic nsecs, boottime secs, boottime nsecs; secs as two's complement) */
  NEW_TIME_NAMESPACE: { code: 3, args: ['u64', 'u64', 'u64', 'u64'] },
  /** P: clone C with these CLONE_NEW* flags. monitor 0 = P leaves; 1 = P stays and reports EXIT;
   *  2 = as 1, and P also relays its own stdin/stdout to the pty that C's CREATE_CONSOLE
   *  (target MONITOR) hands it, keeping its stdio open for that (see CONSOLE_TARGET). (flags, monitor) */
  CLONE: { code: 4, args: ['u64', 'u64'] },
  /** P: connect a SOCK_STREAM unix socket to a host path (runc's --console-socket) and keep it
   *  for CREATE_CONSOLE; put it before any JOIN_NAMESPACE of a mount namespace. (path) */
  CONSOLE_SOCKET: { code: 5, args: ['str'] },
  /** P: open a cgroup directory and keep it. C is cloned into the first cgroup2 one (clone3 with
   *  CLONE_INTO_CGROUP, Linux 5.7; before that it joins like the others): it is born there. For
   *  every other one P keeps its tasks file (v1) or cgroup.procs (cgroup2) open, and C's first
   *  act is to write "0" to each, moving itself; P reports PID only once C has joined them all.
   *  Moving another process takes a lock for writing whose first use waits for an RCU grace
   *  period (8.9 ms here); a single-threaded process moving itself through tasks does not take
   *  it (0.03 ms). A cgroup that refuses C fails this step, and P kills C. Put these before any
   *  JOIN_NAMESPACE, whose mount namespace would resolve the path. (dir) */
  JOIN_CGROUP: { code: 6, args: ['str'] },

  /** C: mount(NULL, "/", NULL, flags|MS_REC) — make the inherited mounts private/slave. (propagation flags) */
  SET_ROOT_PROPAGATION: { code: 10, args: ['u64'] },
  /** C: bind the rootfs onto itself and hold an fd to it; later paths are resolved inside it. (host path) */
  ENTER_ROOTFS: { code: 11, args: ['str'] },
  /** C: mount onto a target inside the rootfs, created first as a dir (kind 0 or 2) or file (kind 1);
   *  kind 2 copies the directory's contents into the new mount (tmpcopyup).
   *  Bind sources are host paths. (source, target, fstype, flags, data, target kind) */
  MOUNT: { code: 12, args: ['str', 'str', 'str', 'u64', 'str', 'u64'] },
  /** C: mount(NULL, target, NULL, flags) for MS_REMOUNT or propagation changes of a mount in the rootfs. (target, flags) */
  REMOUNT: { code: 13, args: ['str', 'u64'] },
  /** C: mount_setattr(target, flags, attr_set, attr_clr) (recursive attributes). (target, at flags, attr_set, attr_clr) */
  MOUNT_SETATTR: { code: 14, args: ['str', 'u64', 'u64', 'u64'] },
  /** C: mkdir -p inside the rootfs. (path, mode) */
  MKDIR: { code: 15, args: ['str', 'u64'] },
  /** C: mknod inside the rootfs and chown it; if mknod is not permitted, bind the host node; an
   *  existing entry is left alone, as runc leaves it. (path, mode incl. type, major, minor, uid, gid) */
  MKNOD: { code: 16, args: ['str', 'u64', 'u64', 'u64', 'u64', 'u64'] },
  /** C: symlink inside the rootfs; an existing entry is left alone. (link target, path) */
  SYMLINK: { code: 17, args: ['str', 'str'] },
  /** C: pivot_root into the rootfs (no_pivot 1: MS_MOVE + chroot). (no_pivot) */
  PIVOT_ROOT: { code: 18, args: ['u64'] },
  /** C (after PIVOT_ROOT): hide a path: /dev/null over a file, a read-only tmpfs over a dir; absent is fine. (path) */
  MASK_PATH: { code: 19, args: ['str'] },
  /** C (after PIVOT_ROOT): bind a path onto itself read-only; absent is fine. (path) */
  READONLY_PATH: { code: 20, args: ['str'] },
  /** C (after PIVOT_ROOT): remount / read-only. () */
  READONLY_ROOT: { code: 21, args: [] },
  SET_HOSTNAME: { code: 22, args: ['str'] },
  SET_DOMAINNAME: { code: 23, args: ['str'] },
  /** C (after PIVOT_ROOT): write /proc/sys/<key with . as />. (key, value) */
  SYSCTL: { code: 24, args: ['str', 'str'] },
  /** (RLIMIT_* number, soft, hard; RLIM_INFINITY as 2^64-1) */
  SETRLIMIT: { code: 25, args: ['u64', 'u64', 'u64'] },
  /** (value as two's complement) */
  OOM_SCORE_ADJ: { code: 26, args: ['u64'] },
  UMASK: { code: 27, args: ['u64'] },
  /** C: send READY. () */
  READY: { code: 28, args: [] },
  /** C: open the OPEN_EXEC_FIFO fd for writing (blocks until `start`) and keep it for EXEC, which
   *  writes "0" just before execve: `start` returns once every step and startContainer hook has
   *  passed, and reports an init that failed one. () */
  WAIT_EXEC_FIFO: { code: 29, args: [] },
  /** C: drop every capability not in the mask from the bounding set. (mask) */
  DROP_BOUNDING: { code: 30, args: ['u64'] },
  /** C: setgroups, setresgid, setresuid with PR_SET_KEEPCAPS around them. (uid, gid, additional gids as decimal strings) */
  SET_USER: { code: 31, args: ['u64', 'u64', 'strs'] },
  /** C: capset and the ambient set. (effective, permitted, inheritable, ambient) */
  SET_CAPABILITIES: { code: 32, args: ['u64', 'u64', 'u64', 'u64'] },
  NO_NEW_PRIVS: { code: 33, args: [] },
  /** C: load a compiled BPF filter (struct sock_filter array). With SECCOMP_FILTER_FLAG_NEW_LISTENER
   *  the kernel returns a notify fd: C sends it with SCM_RIGHTS, and GO's payload as the data, on
   *  the SECCOMP_LISTENER socket, then closes both. (filter bytes, SECCOMP_FILTER_FLAG_*) */
  SECCOMP: { code: 34, args: ['bytes', 'u64'] },
  /** C: chdir, then check with getcwd that the directory is inside the root: an fd of the host
   *  still open in C (/proc/self/fd/N) is a directory outside it (runc CVE-2024-21626). The mode
   *  (CHDIR_MODE) is runc's order: the runtime's root tries first (DEFER_DENIED, before READY), as
   *  the final user might not enter the directory; if root was denied (EACCES or EPERM, say on a
   *  root-squashed or user-namespaced volume), the final user tries again (IF_DENIED, after
   *  SET_USER), and must succeed. EXEC refuses to run after a denial that was not retried.
   *  (path, mode) */
  CHDIR: { code: 35, args: ['str', 'u64'] },
  /** C: find args[0] (PATH from env when it has no slash) and fail now if it is not executable, or if
   *  execve would refuse args and env as too long (E2BIG: the kernel's bound, from RLIMIT_STACK). (args, env) */
  CHECK_EXEC: { code: 36, args: ['strs', 'strs'] },
  /** C: close every fd above 2 on exec, write "0" to the exec fifo if WAIT_EXEC_FIFO opened it, then
   *  execve. (args, env) */
  EXEC: { code: 37, args: ['strs', 'strs'] },
  /** C (after PIVOT_ROOT with devpts on /dev/pts, before SET_USER): open /dev/pts/ptmx after checking
   *  it is the devpts ptmx, take the peer with TIOCGPTPEER (never /dev/pts/N by name: runc
   *  CVE-2025-52565), chown the peer to uid (the gid stays the devpts one, as runc does), set the
   *  window size unless rows or cols is 0, bind the peer onto /dev/console if console is 1, send the
   *  master with SCM_RIGHTS and the peer's name ("/dev/pts/N") as data to the target (CONSOLE_TARGET),
   *  then make the peer the controlling terminal and stdin, stdout and stderr.
   *  (target, uid, rows, cols, console) */
  CREATE_CONSOLE: { code: 38, args: ['u64', 'u64', 'u64', 'u64', 'u64'] },
  /** C (first after CLONE, so after GO, and before any mount): unshare(CLONE_NEWCGROUP). Not a
   *  CLONE flag: the namespace's root is the cgroup C is in when it is made, which must be the one
   *  the parent placed it in (runc does the same), not ck-init's. In a new user namespace C is
   *  already its root by then (CAP_SYS_ADMIN there), and that namespace owns the new one. () */
  NEW_CGROUP_NAMESPACE: { code: 39, args: [] },
  /** P: connect a SOCK_STREAM unix socket to a host path (linux.seccomp.listenerPath) and keep it for
   *  SECCOMP; put it before any JOIN_NAMESPACE of a mount namespace. An absent listener fails here,
   *  before the clone. (path) */
  SECCOMP_LISTENER: { code: 40, args: ['str'] },
  /** C (after PIVOT_ROOT, before SET_USER): write a label to /proc/thread-self/attr/<attr>, opened
   *  through a procfs handle ck-init has verified (procfs, its root, no mount crossed on the way), so
   *  neither a fake procfs nor a bind mount over an attr file can take the write (runc
   *  CVE-2019-16884, CVE-2025-52881). (attr: "apparmor/exec" or "exec", value) */
  LSM_LABEL: { code: 41, args: ['str', 'str'] },
  /** P (a process in a running container: after the JOIN_CGROUP steps, before CLONE): pidfd_open the
   *  container's init, check that its /proc/<pid>/stat start time is the one given (not a later
   *  process with its pid; ESRCH when it has exited), and join all these namespaces of it at once with
   *  setns(pidfd, flags) (Linux 5.8). A pid namespace joined so applies to C, which is why P clones.
   *  (init pid, its start time, CLONE_NEW* flags) */
  JOIN_INIT: { code: 42, args: ['u64', 'str', 'u64'] },
  /** C (before READY): fail now, with EPERM and the capability's name, where SET_CAPABILITIES after
   *  READY would surely be refused: a permitted capability C does not have (outside the bounding
   *  set the runtime runs with), an effective one not permitted, an inheritable one neither
   *  inheritable now nor in the bounding mask; EINVAL for one past cap_last_cap. runc sets the
   *  capabilities before its exec fifo wait, so its `create` fails there; ck-init sets them after,
   *  where a refusal would end a container that `create` and `start` reported fine.
   *  (effective, permitted, inheritable, bounding) */
  CHECK_CAPABILITIES: { code: 43, args: ['u64', 'u64', 'u64', 'u64'] },
  /** P (before CLONE and any JOIN_NAMESPACE of a mount namespace): clone a bind mount's source, a
   *  host path, as a detached mount (open_tree OPEN_TREE_CLONE, AT_RECURSIVE for rbind) as the
   *  runtime; the next MOUNT of a bind from that path in C attaches it with move_mount instead of
   *  resolving the path as the container's root, who may not reach it (a user namespace). One per
   *  bind, in the order of the MOUNTs: a detached mount is attached once. runc does the same. (host
   *  path, recursive) */
  OPEN_MOUNT_SOURCE: { code: 44, args: ['str', 'u64'] },
  /** P (before CLONE): the parent passed this many fds at 4, 5, … (behind the sync socket) for the
   *  process, as fds 3, 4, … (runc's --preserve-fds and LISTEN_FDS). P fails if one is not open, and
   *  closes its copies after the clone; EXEC moves the sync socket above them, dups them down to 3, 4,
   *  … and leaves them open across execve. (count) */
  PRESERVE_FDS: { code: 45, args: ['u64'] },
  /** C (after CLONE, before any other step): join a session keyring of this name, made if none by
   *  that name may be joined (keyctl KEYCTL_JOIN_SESSION_KEYRING), and add these permission bits to
   *  it, so the container's processes do not share the runtime's keyring. runc does it unless
   *  --no-new-keyring: "_ses.<id>", search for the possessor's uid (0x080000), or for others in a
   *  new user namespace (0x08), which lets a process exec'd later join the same keyring. A kernel
   *  without keyrings (ENOSYS) is no failure. (name, permission bits) */
  NEW_SESSION_KEYRING: { code: 46, args: ['str', 'u64'] },
  /** P (before any JOIN_NAMESPACE of a mount namespace): connect a SOCK_STREAM unix socket to a host
   *  path (runc 1.2's --pidfd-socket); right after the clone P sends a pidfd of C on it with
   *  SCM_RIGHTS and "pidfd" as the data, then closes it. (path) */
  PIDFD_SOCKET: { code: 47, args: ['str'] },
  /** C (before READY, so before the capabilities drop, as runc's init does; after SCHED_SETATTR and
   *  IOPRIO_SET, runc's order): personality(persona), the execution domain the process runs in
   *  (PER_LINUX32 makes uname report i686 on x86_64). (persona) */
  PERSONALITY: { code: 48, args: ['u64'] },
  /** C (before READY and IOPRIO_SET, as runc's init): sched_setattr(0, attr, 0) with a struct sched_attr of these
   *  fields (SCHED_ATTR_SIZE_VER0); nice as two's complement. (policy, flags, nice, priority,
   *  runtime, deadline, period) */
  SCHED_SETATTR: { code: 49, args: ['u64', 'u64', 'u64', 'u64', 'u64', 'u64', 'u64'] },
  /** C (before READY and PERSONALITY, as runc's init): ioprio_set(IOPRIO_WHO_PROCESS, 0, value), value being
   *  IOPRIO_PRIO_VALUE(class, priority) = class << 13 | priority. (value) */
  IOPRIO_SET: { code: 50, args: ['u64'] },
  /** P (right after the OPEN_MOUNT_SOURCE of its bind, so before CLONE and any JOIN_NAMESPACE):
   *  make that detached mount an idmapped one (runtime-spec mounts[].uidMappings/gidMappings, the
   *  idmap and ridmap options): mount_setattr(MOUNT_ATTR_IDMAP, Linux 5.12) with a user namespace
   *  that carries these maps. No process needs to live in it, so P clones a throwaway child into a
   *  new user namespace, writes its uid_map, setgroups "deny" and gid_map, opens /proc/<pid>/ns/user
   *  and kills it, as runc 1.2 does; the mount keeps the namespace alive. The maps are the text the
   *  kernel takes ("containerID hostID size" lines): a file owned by containerID on disk shows as
   *  hostID through the mount. recursive 1 (ridmap) maps the submounts of an rbind too, 0 only the
   *  top mount. (uid map, gid map, recursive) */
  IDMAP_MOUNT_SOURCE: { code: 51, args: ['str', 'str', 'u64'] },
  /** P (as IDMAP_MOUNT_SOURCE): the same with an existing user namespace's maps, opened at this host
   *  path: idmap or ridmap without mappings of its own in a container that joins a user namespace
   *  (runc 1.2 uses its mappings). (user namespace path, recursive) */
  IDMAP_MOUNT_SOURCE_USERNS: { code: 52, args: ['str', 'u64'] },
  /** sched_setaffinity(0, mask) (process.execCPUAffinity, and runc's reset to every CPU): in P
   *  before JOIN_INIT (initial: the runtime's process before it enters the container), in C right
   *  after CLONE, once it is in its cgroups (final, or the reset, which the cpuset then narrows). The
   *  mask is a bitmap of CPU numbers, bit n of byte n / 8 for CPU n, at most MAX_BYTES long; ck-init
   *  lays it out as the kernel's array of longs. (mask) */
  SCHED_SETAFFINITY: { code: 53, args: ['bytes'] },
  /** C (before READY, after PERSONALITY, runc's order; kept across execve): set_mempolicy(mode |
   *  flags, nodes) (linux.memoryPolicy). nodes is a bitmap as SCHED_SETAFFINITY's; empty passes no
   *  node mask. (mode with its MPOL_F_* flags, nodes) */
  SET_MEMPOLICY: { code: 54, args: ['u64', 'bytes'] },
  /** P (before any JOIN_NAMESPACE, so in the host's network namespace; before CLONE): linux.netDevices.
   *  Opens an rtnetlink socket and a handle of the network namespace P is in, and checks the host
   *  interface exists (ENODEV). Right after the clone, before PID, P moves it into C's network
   *  namespace by C's pid and renames it in the same RTM_NEWLINK (IFLA_NET_NS_PID, IFLA_IFNAME),
   *  then, in that namespace, gives it back its permanent global-scope addresses (the move drops
   *  them) and brings it up, as runtime-spec config-linux.md requires and runc 1.4 does. A name
   *  already taken there fails (EEXIST) before the move; a name with "%d" takes the lowest free
   *  number, as the kernel would. A failure kills C. (host interface name, name in the container) */
  NET_DEVICE: { code: 55, args: ['str', 'str'] },
  // 56 is unused.
  /** C (after the mounts and devices, before PIVOT_ROOT): send HOOKS and wait for RESUME, while the
   *  parent runs the prestart and createRuntime hooks in the runtime's namespaces. RESUME's payload
   *  is two strs, the state RUN_HOOK gives a hook on stdin: status "creating", then "created". () */
  HOOKS_SYNC: { code: 57, args: [] },
  /** C: run a hook in C's namespaces (createContainer before PIVOT_ROOT, startContainer just before
   *  EXEC): fork, exec path with args (none: [path]) and exactly env, the HOOKS_SYNC state `state`
   *  (0 creating, 1 created) on its stdin; a non-zero exit or a run past timeout (SIGKILL) fails the
   *  step with its output. (state, path, args, env, timeout in ms, 0 = none) */
  RUN_HOOK: { code: 58, args: ['u64', 'str', 'strs', 'strs', 'u64'] },
  /** C, only without a mount namespace of its own (where PIVOT_ROOT would be): chroot(path), then
   *  chdir("/"), as runc's init does there: the runtime's filesystem seen from root.path, with
   *  nothing mounted for the container. (path) */
  CHROOT: { code: 59, args: ['str'] },
  /** P (before the JOIN_CGROUP steps): make a cgroup directory of the container and any missing
   *  level above it, readied as the driver's hierarchy needs (CGROUP_KIND): plain mkdir -p; cpuset,
   *  each level given its parent's cpus and mems, ancestors made here cgroup.clone_children; unified,
   *  below root each level above the container's own enabling its controllers for its children, and
   *  a level of type "domain invalid" or threaded refused. The runtime's thread then makes no
   *  cgroupfs call to create a container (CgroupManager.createSteps). (dir, kind, root: the cgroup2
   *  mount point for unified, "" otherwise) */
  CGROUP_CREATE: { code: 60, args: ['str', 'u64', 'str'] },
  /** P, a plan of its own with no CLONE (sys/file-server.ts): serve FILE_OPS frames, one FILE_DONE
   *  each, in order, until the socket closes, then exit 0: the state directory's files and the
   *  cgroups' removal of the process that forked it from its zygote (FILE_OP). It first answers a
   *  request 0, which no caller sends, to say it runs. Nothing is waited for: a lock held elsewhere
   *  is EWOULDBLOCK, a cgroup still busy EBUSY, and the caller retries; a path that is not one
   *  (relative, PATH_MAX or longer) fails its operation (EINVAL, ENAMETOOLONG), not the server. () */
  FILE_SERVER: { code: 61, args: [] },
  /** P (after the CGROUP_CREATE steps, before the joins): open dir/file and write each value with
   *  a write(2) of its own (v1's devices.allow takes one rule per write), the resources the manager
   *  planned for a cgroup it has just made (CgroupManager.setSteps). (dir, file, values) */
  CGROUP_WRITE: { code: 62, args: ['str', 'str', 'strs'] },
  /** P (with the CGROUP_WRITE steps): load program, eBPF instructions of type
   *  BPF_PROG_TYPE_CGROUP_DEVICE (the verifier's last words in an error), and attach it to the
   *  cgroup2 directory dir with BPF_F_ALLOW_MULTI: cgroup v2's device rules for a cgroup ck-init
   *  made, which has none of its own yet. (dir, program) */
  CGROUP_DEVICE_FILTER: { code: 63, args: ['str', 'bytes'] },
} as const satisfies Record<string, { code: number; args: readonly FieldKind[] }>;

export type OpName = keyof typeof OPS;

export const FRAME = {
  PLAN: 1,
  PID: 2,
  GO: 3,
  READY: 4,
  ERROR: 5,
  EXIT: 6,
  HOOKS: 7,
  RESUME: 8,
  /** To a FILE_SERVER: u32 request id, u32 count, count × an operation (FILE_OP). */
  FILE_OPS: 9,
  /** From a FILE_SERVER: u32 request id, i32 errno (0: all done), u32 length, the path that failed. */
  FILE_DONE: 10,
} as const;

export type FrameType = (typeof FRAME)[keyof typeof FRAME];

/** RUN_HOOK's state argument: the HOOKS_SYNC state its hook reads. */
export const HOOK_STATE = { CREATING: 0, CREATED: 1 } as const;

/** Step index that ERROR uses for a failure outside any step (decoding, the sync socket). */
export const NO_STEP = 0xffffffff;

/** MOUNT's target kind. DIR_COPY_UP: a directory whose contents are copied into what is mounted
 *  over it (crun's tmpcopyup, for a tmpfs). */
export const MOUNT_TARGET_KIND = { DIR: 0, FILE: 1, DIR_COPY_UP: 2 } as const;

/** Where CREATE_CONSOLE sends the pty master: the CONSOLE_SOCKET (which it then closes), or the
 *  monitor P, which must have been cloned with monitor 2. */
export const CONSOLE_TARGET = { SOCKET: 0, MONITOR: 1 } as const;

/** CHDIR's mode: ALWAYS, any failure fails the step; DEFER_DENIED, EACCES or EPERM is kept for an
 *  IF_DENIED step instead; IF_DENIED, nothing unless the last DEFER_DENIED was denied, then a chdir
 *  that must succeed. */
export const CHDIR_MODE = { ALWAYS: 0, DEFER_DENIED: 1, IF_DENIED: 2 } as const;

/** CGROUP_CREATE's kinds, by CgroupCreateStep.kind. */
export const CGROUP_KIND = { plain: 0, cpuset: 1, unified: 2 } as const;

/** CLONE's monitor argument. */
export const CLONE_MONITOR = { DETACH: 0, MONITOR: 1, MONITOR_TERMINAL: 2 } as const;

/**
 * A FILE_OPS operation: a u8 kind, then its fields (str: u32 length, bytes; paths absolute). The
 * operations of a request run in order, and the first that fails ends it.
 * - REMOVE_CGROUP path: rmdir, child cgroups first, absent is success.
 * - MAKE_DIR path, u32 mode: mkdir (the umask applies).
 * - REPLACE_FILE temp, path, u32 mode, bytes: written to temp, renamed over path.
 * - UNLINK path, REMOVE_DIR path: absent is success.
 * - LOCK path: opened (made if absent) and flock'd, held under this request's id.
 * - UNLOCK u32 id: the lock held under that request's id closed (an unknown id is malformed).
 * A request of UNLOCKs only is not answered: nothing in it can fail but what ends the server.
 */
export const FILE_OP = { REMOVE_CGROUP: 1, MAKE_DIR: 2, REPLACE_FILE: 3, UNLINK: 4, REMOVE_DIR: 5, LOCK: 6, UNLOCK: 7 } as const;
