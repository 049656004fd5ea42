/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The kernel <-> agent ABI: the one header shared by the BPF programs
 * (clang -target bpf) and the agent (g++). Every record the BPF side puts
 * on the ring buffer starts with struct ls_event_header.
 *
 * Rules for changing this file:
 *  - fixed-width types only, explicit padding, no bitfields, no bool;
 *  - enum values are never reused or renumbered, only appended;
 *  - a layout change bumps LS_ABI_VERSION; the decoder refuses other versions;
 *  - every struct has a size assert below, checked by every compiler.
 */
#ifndef LINESMAN_ABI_H
#define LINESMAN_ABI_H

#ifdef __BPF__
/* vmlinux.h provides __u8 ... __u64 */
#else
#include <linux/types.h>
#endif

#define LS_ABI_VERSION 3 /* 2: ls_net_event.owner_since_ns, ls_udp_flow.owner_since_ns; 3: file records */

/* g++ has no _Static_assert; C11 (clang -target bpf, gcc) has no static_assert keyword. */
#ifdef __cplusplus
#define LS_ABI_ASSERT(cond, msg) static_assert(cond, msg)
#else
#define LS_ABI_ASSERT(cond, msg) _Static_assert(cond, msg)
#endif

/* Limits. Each is a power of two because the BPF side masks offsets with (LIMIT - 1)
 * to prove bounds to the verifier; the asserts below tie masks to limits. */
#define LS_PATH_MAX 8192           /* resolved paths hold up to LS_PATH_MAX - 1 bytes: twice PATH_MAX */
#define LS_PATH_COMPONENTS_MAX 256 /* dentries walked per path (bpf_loop iterations) */
/* execve() filename as passed. The kernel caps a user path at PATH_MAX (4096),
 * but execveat(fd, name) reaches bprm->filename as "/dev/fd/<fd>/<name>",
 * which can be longer: twice PATH_MAX holds every real one. */
#define LS_FILENAME_MAX 8192
#define LS_ARGV_MAX 32768          /* cfg_argv_max is clamped to LS_ARGV_MAX - 1 bytes */
#define LS_ARGV_DEFAULT 8192
#define LS_TTY_NAME_MAX 32
#define LS_COMM_LEN 16
/* The variable tail of a record: segments are appended at offsets masked with
 * LS_TAIL_OFF_MASK, each at most LS_TAIL_SEG_MAX bytes, so the tail buffer must
 * hold LS_TAIL_OFF_MASK + LS_TAIL_SEG_MAX bytes. */
#define LS_TAIL_OFF_MASK 0xffff
#define LS_TAIL_SEG_MAX LS_ARGV_MAX
#define LS_TAIL_BUF (LS_TAIL_OFF_MASK + 1 + LS_TAIL_SEG_MAX)

LS_ABI_ASSERT((LS_PATH_MAX & (LS_PATH_MAX - 1)) == 0, "LS_PATH_MAX must be a power of two");
LS_ABI_ASSERT((LS_ARGV_MAX & (LS_ARGV_MAX - 1)) == 0, "LS_ARGV_MAX must be a power of two");
LS_ABI_ASSERT(LS_PATH_MAX <= LS_TAIL_SEG_MAX && LS_FILENAME_MAX <= LS_TAIL_SEG_MAX,
              "a segment must fit LS_TAIL_SEG_MAX");
LS_ABI_ASSERT(2 * LS_PATH_MAX + LS_FILENAME_MAX + LS_ARGV_MAX + LS_TTY_NAME_MAX <= LS_TAIL_OFF_MASK + 1,
              "all exec segments (exe, cwd, filename, argv, tty) must fit below the offset mask");

enum ls_event_type {
	LS_EV_EXEC = 1,
	LS_EV_FORK = 2,
	LS_EV_EXIT = 3,
	LS_EV_CONNECT = 4, /* outbound TCP: result known (established, refused, timed out) */
	LS_EV_ACCEPT = 5,  /* inbound TCP handed to a process by accept() */
	LS_EV_LISTEN = 6,  /* a TCP socket starts listening */
	LS_EV_CLOSE = 7,   /* a TCP connection ended: lifetime summary */
	LS_EV_SOCKET = 8,  /* AF_PACKET or raw IP socket opened, or an AF_PACKET socket bound */
	LS_EV_UDP = 9,     /* a UDP flow seen for the first time */
	LS_EV_TCP_SUMMARY = 10, /* a TCP connection still open: totals so far (agent-driven iterator) */
	LS_EV_FILE = 11,   /* a change to a watched path, a watched file opened or closed (struct ls_file_event) */
	LS_EV_TYPE_MAX /* not a type: array bound for per-type counters */
};

/* Common header of every ring-buffer record. */
struct ls_event_header {
	__u16 type;           /* enum ls_event_type */
	__u16 abi_version;    /* LS_ABI_VERSION */
	__u32 size;           /* whole record, header included */
	__u64 ktime_ns;       /* bpf_ktime_get_boot_ns() when the event happened */
	__u32 tgid;           /* process id, in the initial pid namespace */
	__u32 tid;            /* thread id, in the initial pid namespace */
	__u64 start_boottime; /* thread-group leader's start, ns since boot: (tgid, this) names a process */
};
LS_ABI_ASSERT(sizeof(struct ls_event_header) == 32, "ls_event_header layout");

/* Where a variable-length string sits in a record's tail. */
struct ls_span {
	__u16 off; /* offset from the start of the tail */
	__u16 len; /* bytes, without a terminating NUL */
};
LS_ABI_ASSERT(sizeof(struct ls_span) == 4, "ls_span layout");

enum ls_exec_flags {
	LS_EXEC_SETUID = 1u << 0,          /* executable has S_ISUID */
	LS_EXEC_SETGID = 1u << 1,          /* executable has S_ISGID (and group-exec) */
	LS_EXEC_DELETED = 1u << 2,         /* executable had no links left when it ran */
	LS_EXEC_MEMFD = 1u << 3,           /* executable is a memfd: fileless execution */
	LS_EXEC_SCRIPT = 1u << 4,          /* run through an interpreter (#! or binfmt_misc) */
	LS_EXEC_EXE_TRUNCATED = 1u << 5,   /* exe path hit LS_PATH_MAX or LS_PATH_COMPONENTS_MAX */
	LS_EXEC_CWD_TRUNCATED = 1u << 6,   /* cwd path hit a limit */
	LS_EXEC_ARGV_TRUNCATED = 1u << 7,  /* argv longer than cfg_argv_max */
	LS_EXEC_FILENAME_TRUNCATED = 1u << 8, /* filename filled LS_FILENAME_MAX */
	LS_EXEC_ARGV_UNREADABLE = 1u << 9, /* bpf_probe_read_user of the argv area failed */
	LS_EXEC_EXE_UNREACHABLE = 1u << 10,/* exe not under the task's root (other mount ns/chroot) */
};

/* LS_EV_EXEC: a new program image (sched_process_exec). Tail: exe, filename, argv, cwd, tty. */
struct ls_exec_event {
	struct ls_event_header hdr;
	__u32 ppid;
	__u32 uid, gid, euid, egid;
	__u32 auid;      /* login uid: (u32)-1 when unset */
	__u32 sessionid; /* audit session id: (u32)-1 when unset */
	__u32 tty_dev;   /* controlling tty as major << 20 | minor, 0 when none */
	__u32 flags;     /* enum ls_exec_flags */
	__u32 argc;
	__u32 exe_mode;  /* st_mode of the executable */
	__u32 old_tid;   /* tid before exec (a non-leader thread that execs takes over the tgid) */
	__u64 parent_start_boottime;
	__u64 cgroup_id;
	__u64 exe_ino;
	__u32 exe_dev;
	__u32 pad0;
	char comm[LS_COMM_LEN];
	struct ls_span exe;      /* resolved absolute path of the executed file (bprm->file) */
	struct ls_span filename; /* the path as passed to execve (a script's path for #! runs) */
	struct ls_span argv;     /* NUL-separated, as in /proc/PID/cmdline */
	struct ls_span cwd;      /* resolved absolute working directory */
	struct ls_span tty;      /* tty name, e.g. "pts3" */
	__u32 pad1;
	/* tail follows */
};
LS_ABI_ASSERT(sizeof(struct ls_exec_event) == 152, "ls_exec_event layout");

/* LS_EV_FORK: a new process (not a thread). The header names the child. */
struct ls_fork_event {
	struct ls_event_header hdr;
	__u32 parent_tgid;
	__u32 pad0;
	__u64 parent_start_boottime;
};
LS_ABI_ASSERT(sizeof(struct ls_fork_event) == 48, "ls_fork_event layout");

/* LS_EV_EXIT: the last thread of a process exited. */
struct ls_exit_event {
	struct ls_event_header hdr;
	__u32 exit_code; /* wait(2) status: (code << 8) | signal | 0x80 core dumped */
	__u32 pad0;
};
LS_ABI_ASSERT(sizeof(struct ls_exit_event) == 40, "ls_exit_event layout");

enum ls_close_by {
	LS_CLOSE_UNKNOWN = 0,
	LS_CLOSE_LOCAL = 1,  /* this host sent the first FIN */
	LS_CLOSE_REMOTE = 2, /* the peer sent the first FIN */
	LS_CLOSE_RESET = 3,  /* ended by a reset or an error, without an orderly close */
};

enum ls_socket_op {
	LS_SOCKET_OPEN = 1, /* socket() returned it */
	LS_SOCKET_BIND = 2, /* bind() of an AF_PACKET socket to an interface */
};

/* LS_EV_UDP records: op says whether the kernel saw the flow's first packet or
 * the agent is reporting counts since the last report. */
enum ls_udp_op {
	LS_UDP_FIRST_SEEN = 1, /* counts are 0: the summaries carry every packet, the first included */
	LS_UDP_SUMMARY = 2,    /* counts since the previous record of the flow */
};

/* A UDP flow: one socket talking to one remote endpoint. */
struct ls_udp_key {
	__u64 cookie;         /* socket cookie: names the socket for its lifetime */
	__u8 remote_addr[16]; /* network order; IPv4 in the first 4 bytes */
	__u16 remote_port;    /* host order */
	__u16 local_port;
	__u16 family;
	__u16 pad;
};
LS_ABI_ASSERT(sizeof(struct ls_udp_key) == 32, "ls_udp_key layout");

struct ls_udp_flow {
	__u64 packets_sent, packets_received;
	__u64 bytes_sent, bytes_received; /* UDP payload bytes */
	__u64 first_ns;
	__u64 owner_since_ns;   /* when the owner created the socket: names the process despite pid reuse */
	__u32 owner_tgid;       /* the creating process; 0: the socket predates the agent */
	__u32 owner_tid;
	__u8 local_addr[16];
};
LS_ABI_ASSERT(sizeof(struct ls_udp_flow) == 72, "ls_udp_flow layout");

/* Every network record (LS_EV_CONNECT .. LS_EV_TCP_SUMMARY). The header names the
 * acting process: the caller for syscall-time events (listen, accept, socket,
 * bind), the owner recorded at connect()/accept() for connect results, closes
 * and summaries (often raised in softirq context), or tgid 0 when no process
 * has owned the socket yet (closed before accept). UDP records carry the pid of
 * the socket's creator with start_boottime 0 (see ls_udp_flow). */
struct ls_net_event {
	struct ls_event_header hdr;
	__u64 conn_id;       /* shared by a connection's connect/accept and close */
	__u64 duration_ns;   /* close: since the connection was established */
	__u64 bytes_sent;    /* close, tcp_summary: payload bytes sent once (retransmissions not counted twice) */
	__u64 bytes_received;
	__u64 packets_sent;  /* udp */
	__u64 packets_received;
	__u32 netns;         /* network namespace inode */
	__u16 family;        /* AF_INET, AF_INET6, AF_PACKET */
	__u16 protocol;      /* IPPROTO_TCP/UDP/...; ETH_P_* (host order) for AF_PACKET */
	__u16 local_port, remote_port; /* host byte order */
	__s32 result;        /* connect: 0 or the errno (ECONNREFUSED, ETIMEDOUT, ...) */
	__u8 local_addr[16]; /* network order; IPv4 in the first 4 bytes */
	__u8 remote_addr[16];
	__u32 backlog;       /* listen */
	__u16 close_by;      /* enum ls_close_by */
	__u16 final_state;   /* close: TCP state before CLOSE */
	__u32 sock_type;     /* SOCK_STREAM, SOCK_DGRAM, SOCK_RAW, ... */
	__u32 ifindex;       /* socket bind: interface index (0 = all) */
	__u16 op;            /* socket: enum ls_socket_op; udp: enum ls_udp_op */
	__u16 pad0;
	__u32 pad1;
	__u64 owner_since_ns; /* udp: when the owner (hdr.tgid) created the socket; 0 unknown */
};
LS_ABI_ASSERT(sizeof(struct ls_net_event) == 160, "ls_net_event layout");

/* The network family's filter: one value in the net_filter map, written by the
 * agent. Ignored TCP traffic creates no state and no event. */
#define LS_NET_IGNORE_LOOPBACK (1u << 0)
struct ls_net_filter {
	__u32 flags;
	__u8 ignored_ports[65536 / 8]; /* bit (port % 8) of byte (port / 8): ignore this local or remote port */
};
LS_ABI_ASSERT(sizeof(struct ls_net_filter) == 4 + 8192, "ls_net_filter layout");

/* ---- file family ---- */

/* What a file record reports. OPEN and CLOSE bracket one open file description
 * of a watched file opened for writing: the agent pairs them by file_id and
 * reports one `write` (and a `create` at OPEN when the open created the file). */
enum ls_file_op {
	LS_FILE_OPEN = 1,     /* opened for writing: path, size at open */
	LS_FILE_CLOSE = 2,    /* its last close: bytes written, size now; no path */
	LS_FILE_TRUNCATE = 3, /* truncate(2), ftruncate(2) */
	LS_FILE_RENAME = 4,   /* path -> path2 */
	LS_FILE_UNLINK = 5,
	LS_FILE_MKDIR = 6,
	LS_FILE_RMDIR = 7,
	LS_FILE_LINK = 8,     /* path2 (existing) linked as path */
	LS_FILE_SYMLINK = 9,  /* path created, pointing at path2 (as given) */
	LS_FILE_CHMOD = 10,
	LS_FILE_CHOWN = 11,
	LS_FILE_UTIMES = 12,
	LS_FILE_READ = 13,    /* a file on the sensitive-read list opened for reading */
	LS_FILE_OP_MAX
};

enum ls_file_flags {
	LS_FILE_F_CREATED = 1u << 0,         /* OPEN: the open created the file */
	LS_FILE_F_TRUNCATED = 1u << 1,       /* OPEN: O_TRUNC; the size before is unknown to the kernel */
	LS_FILE_F_APPEND = 1u << 2,          /* OPEN: O_APPEND */
	LS_FILE_F_BY_FD = 1u << 3,           /* the operation named a descriptor, not a path */
	LS_FILE_F_NOFOLLOW = 1u << 4,        /* lchown, AT_SYMLINK_NOFOLLOW: acts on a symlink itself */
	LS_FILE_F_IMPLICIT_CLOSE = 1u << 5,  /* CLOSE: by exit, exec (O_CLOEXEC), dup2 or close_range */
	LS_FILE_F_PATH_TRUNCATED = 1u << 6,  /* path hit LS_PATH_MAX or LS_PATH_COMPONENTS_MAX */
	LS_FILE_F_PATH2_TRUNCATED = 1u << 7,
	LS_FILE_F_UNREACHABLE = 1u << 8,     /* path not under the task's root (other mount ns, chroot) */
	LS_FILE_F_ATIME_NOW = 1u << 9,       /* UTIMES: atime set to the current time */
	LS_FILE_F_MTIME_NOW = 1u << 10,
	LS_FILE_F_ATIME_OMIT = 1u << 11,     /* UTIMES: atime left as is */
	LS_FILE_F_MTIME_OMIT = 1u << 12,
	LS_FILE_F_OLD_KNOWN = 1u << 13,      /* old_mode/old_uid/old_gid/size_before were read by the kernel */
	LS_FILE_F_SENSITIVE = 1u << 14,      /* OPEN, READ: the file is on the sensitive-read list */
	LS_FILE_F_UNTRACKED = 1u << 15,      /* OPEN: the open-file table was full; no CLOSE follows */
};

/* LS_EV_FILE. Tail: path, path2. The header names the acting process. */
struct ls_file_event {
	struct ls_event_header hdr;
	__u16 op;              /* enum ls_file_op */
	__u16 pad0;
	__u32 flags;           /* enum ls_file_flags */
	__u64 file_id;         /* OPEN, CLOSE: names the open file description */
	__u64 ino;             /* OPEN, READ and descriptor-based operations: the inode */
	__u32 dev;             /* its superblock's dev_t (major << 20 | minor) */
	__u32 mode;            /* CHMOD: the new mode; MKDIR: the mode asked; OPEN/READ: i_mode */
	__u32 uid, gid;        /* CHOWN: the new owner ((u32)-1: unchanged); OPEN/READ: the file's */
	__u32 old_mode;        /* with LS_FILE_F_OLD_KNOWN */
	__u32 old_uid, old_gid;
	__u32 rename_flags;    /* RENAME: renameat2 flags (RENAME_NOREPLACE, RENAME_EXCHANGE, ...) */
	__u64 size_before;     /* OPEN: i_size at open (0 after O_TRUNC); TRUNCATE: with OLD_KNOWN */
	__u64 size_after;      /* CLOSE: i_size at close; TRUNCATE: the length asked */
	__u64 bytes;           /* CLOSE: bytes written through this open file */
	__s64 atime_ns, mtime_ns; /* UTIMES: the times set, ns since the epoch */
	struct ls_span path;
	struct ls_span path2;
	/* tail follows */
};
LS_ABI_ASSERT(sizeof(struct ls_file_event) == 136, "ls_file_event layout");

/* A file record's tail holds two paths; each is at most LS_PATH_MAX bytes. */
#define LS_FILE_TAIL_OFF_MASK (LS_PATH_MAX - 1)
#define LS_FILE_TAIL_BUF (2 * LS_PATH_MAX)

/* Kernel-side filters, written by the agent. A directory (dev, ino) in
 * file_watch_inodes covers everything below it, whatever the path used to reach
 * it (bind mounts, symlinks, hard links); path operations, which name strings,
 * are matched against the patterns in file_patterns. */
#define LS_WATCH_SUBTREE (1u << 0)   /* the inode is a watched directory: its subtree is watched */
#define LS_WATCH_SENSITIVE (1u << 1) /* the inode is a file on the sensitive-read list */
struct ls_inode_key {
	__u64 ino;
	__u32 dev;
	__u32 pad;
};
LS_ABI_ASSERT(sizeof(struct ls_inode_key) == 16, "ls_inode_key layout");

/* A watched file open for writing (map open_files, keyed by its struct file). */
struct ls_open_file {
	__u64 bytes; /* written through it so far */
	__u32 tgid;  /* the opener */
	__s32 fd;    /* the opener's descriptor */
};
LS_ABI_ASSERT(sizeof(struct ls_open_file) == 16, "ls_open_file layout");

#define LS_FILE_PATTERNS_MAX 64
#define LS_FILE_PATTERN_LEN 256  /* bytes, NUL included */
/* An absolute path pattern: `*` and `?` match within one component; a trailing
 * '/' makes it a subtree (the directory itself and everything below). */
struct ls_file_pattern {
	__u32 len; /* bytes, without a NUL */
	__u32 pad;
	char pat[LS_FILE_PATTERN_LEN];
};
LS_ABI_ASSERT(sizeof(struct ls_file_pattern) == 264, "ls_file_pattern layout");

/* Per-CPU counters, indexed by enum ls_counter; the agent sums the CPUs and turns
 * deltas into `loss` events. */
enum ls_counter {
	LS_CNT_RB_DROP_EXEC = 0, /* ring buffer full: exec records lost */
	LS_CNT_RB_DROP_FORK = 1,
	LS_CNT_RB_DROP_EXIT = 2,
	LS_CNT_EMITTED = 3,      /* records successfully submitted */
	LS_CNT_RB_DROP_NET = 4,  /* ring buffer full: network records lost */
	LS_CNT_CONN_TABLE_FULL = 5, /* a TCP connection not tracked: conn table full */
	LS_CNT_UDP_TABLE_FULL = 6,  /* UDP packets not counted: flow table full */
	LS_CNT_UDP_OWNER_FULL = 7,  /* UDP sockets whose owner was not recorded: owner table full */
	LS_CNT_RB_DROP_FILE = 8,    /* ring buffer full: file records other than CLOSE lost */
	LS_CNT_FILE_TABLE_FULL = 9, /* a watched file opened for writing not tracked: open-file table full */
	LS_CNT_FILE_PENDING_FULL = 10, /* an fchmod/fchown/ftruncate not examined: per-thread pending table full */
	LS_CNT_RB_DROP_FILE_CLOSE = 11, /* ring buffer full: CLOSE records (each a write event) lost */
	LS_CNT_MAX
};

#endif /* LINESMAN_ABI_H */
