// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * File family: changes to watched paths, from per-syscall tracepoints only
 * (no kprobes, fentry or LSM on the platforms Linesman targets).
 *
 * Two filters, because the syscalls name files in two ways:
 *  - Descriptor-based work (open for writing, write, close, fchmod, ...) has a
 *    struct file, so the filter walks the file's dentry ancestors looking for a
 *    watched directory inode (file_watch_inodes). That is exact whatever path
 *    reached the file: bind mounts, symlinked directories, "..".
 *  - Path-based operations (rename, unlink, chmod, ...) only have the strings
 *    the caller passed; the kernel resolves them inside the syscall where no
 *    tracepoint can see. The exit program builds the absolute path from the
 *    dirfd or cwd (a dentry walk) and the string, and matches it against the
 *    agent's patterns (file_patterns), which include the aliases the agent
 *    found (merged-/usr symlinks, bind mounts). A path that is not in
 *    canonical form (".", "..", "//") goes to the agent, which normalises it.
 *
 * Writes are aggregated here: one OPEN record when a watched file is opened for
 * writing, byte counts accumulated in open_files, one CLOSE record at the last
 * close. Nothing is emitted per write(). When no watched file is open for
 * writing anywhere (file_open_tracked == 0), the write and close programs
 * return after one load.
 *
 * Syscall arguments at exit come from the task's saved user registers.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "linesman_abi.h"
#include "maps.bpf.h"
#include "path.bpf.h"
#include "task.bpf.h"
#include "fd.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define FMODE_WRITE 0x2
#define FMODE_CREATED 0x100000
#define O_WRONLY 01
#define O_CREAT 0100
#define O_TRUNC 01000
#define O_APPEND 02000
#define AT_FDCWD -100
#define AT_SYMLINK_NOFOLLOW 0x100
#define AT_REMOVEDIR 0x200
#define UTIME_NOW ((1l << 30) - 1l)
#define UTIME_OMIT ((1l << 30) - 2l)
#define CLOSE_RANGE_CLOEXEC (1u << 2)
#define NSEC_PER_SEC 1000000000ll
#define NSEC_PER_USEC 1000ll

/* Tail offsets are masked with TAIL_MASK; a segment adds at most LS_PATH_MAX. */
#define TAIL_MASK (2 * LS_PATH_MAX - 1)
#define PATTERN_MASK (LS_FILE_PATTERN_LEN - 1)

/* ---- agent-written state ---- */

/* Watched directories (LS_WATCH_SUBTREE) and sensitive files (LS_WATCH_SENSITIVE). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, struct ls_inode_key);
	__type(value, __u32);
} file_watch_inodes SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, LS_FILE_PATTERNS_MAX);
	__type(key, __u32);
	__type(value, struct ls_file_pattern);
} file_patterns SEC(".maps");

__u32 file_pattern_count = 0;   /* patterns in use, written by the agent */
__u32 file_sensitive_reads = 0; /* report reads of LS_WATCH_SENSITIVE files */
__s64 file_open_tracked = 0;    /* entries in open_files: 0 makes write/close hooks free */
__u64 file_watch_gen = 0;       /* bumped when an answer in file_discarders may be stale */
/* Watched mkdir/rename/symlink operations so far, and how many of them the
 * agent's last watch set accounts for: while they differ, a directory the
 * inode filter does not know yet may be watched (see open__exit). */
__u64 file_dirs_changed = 0;
__u64 file_dirs_resolved = 0;

/* ---- kernel state ---- */

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct ls_open_file);
} open_files SEC(".maps");

/*
 * Directories known not to be below a watched one: the answer of the ancestor
 * walk, cached per (directory, mount). An entry counts only while its
 * generation is current and the dentry still names the same inode (ino and
 * i_generation: a freed dentry can be reused for another directory). The
 * generation moves on every rename (a directory may have moved below a watched
 * one), every mount change, and every new watch set.
 */
struct discard_key {
	__u64 dentry;
	__u64 mnt;
};

struct discard_val {
	__u64 gen;
	__u64 ino;
	__u32 igen;
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 8192);
	__type(key, struct discard_key);
	__type(value, struct discard_val);
} file_discarders SEC(".maps");

/* fchmod/fchown/ftruncate on a watched file: the old values, read at entry. */
struct attr_old {
	__u32 mode, uid, gid, pad;
	__u64 size;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32); /* tid */
	__type(value, struct attr_old);
} attr_pending SEC(".maps");

struct file_scratch {
	struct ls_file_event ev;
	__u8 tail[3 * LS_PATH_MAX]; /* two segments at offsets masked with TAIL_MASK */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct file_scratch);
} file_scratch SEC(".maps");

static __always_inline struct file_scratch *scratch(void)
{
	__u32 zero = 0;
	return bpf_map_lookup_elem(&file_scratch, &zero);
}

/* ---- syscall arguments ---- */

static __always_inline struct pt_regs *user_regs(void)
{
	return (struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf());
}

#define ARG1(r) PT_REGS_PARM1_CORE_SYSCALL(r)
#define ARG2(r) PT_REGS_PARM2_CORE_SYSCALL(r)
#define ARG3(r) PT_REGS_PARM3_CORE_SYSCALL(r)
#define ARG4(r) PT_REGS_PARM4_CORE_SYSCALL(r)
#define ARG5(r) PT_REGS_PARM5_CORE_SYSCALL(r)

/* ---- struct file ---- */

/* Before 6.13 the reference count was f_count, one reference reading 1. */
struct file___f_count {
	atomic_long_t f_count;
} __attribute__((preserve_access_index));

/* True when @f holds a single reference: the descriptor being closed. */
static __always_inline bool file__last_ref(struct file *f)
{
	if (bpf_core_field_exists(f->f_ref))
		return BPF_CORE_READ(f, f_ref.refcnt.counter) == 0; /* file_ref: 0 is one reference */
	struct file___f_count *old = (void *)f;
	return BPF_CORE_READ(old, f_count.counter) == 1;
}

/* ---- the inode filter ---- */

/*
 * The loops below keep their state in a per-CPU map value, not on the stack:
 * the verifier then sees unknown values in every iteration of the callback and
 * checks it once, where constants on the stack make it walk the iterations.
 */
struct watch_walk {
	struct dentry *d;     /* next dentry on the path the file was reached by */
	struct vfsmount *mnt; /* its mount */
	struct dentry *side;  /* next ancestor, inside its filesystem, of a bind-mounted directory */
	__u32 found;
};

/* Matches the path at tail[start, start + len) against the patterns in turn:
 * `*` and `?` match within one component (the standard single-backtrack glob
 * match); a pattern ending in '/' matches its directory and everything below. */
struct match {
	__u32 start, len;       /* the path */
	__u32 pi, i, j;         /* pattern index, path position, pattern position */
	__u32 star_i, star_j;   /* where the last `*` started, for backtracking */
	__u32 star;
	__u32 result;           /* 1: matched */
};

/* Is tail[start, start + len) in canonical form? */
struct canon {
	__u32 start, len;
	__u32 canonical;
};

struct loop_state {
	struct watch_walk w;
	struct match m;
	struct canon c;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct loop_state);
} file_loop_state SEC(".maps");

static __always_inline struct loop_state *loop_state(void)
{
	__u32 zero = 0;
	return bpf_map_lookup_elem(&file_loop_state, &zero);
}

static __always_inline bool watch__hit(struct dentry *d)
{
	struct ls_inode_key k = {};
	k.ino = BPF_CORE_READ(d, d_inode, i_ino);
	k.dev = BPF_CORE_READ(d, d_sb, s_dev);
	__u32 *flags = bpf_map_lookup_elem(&file_watch_inodes, &k);
	return flags && (*flags & LS_WATCH_SUBTREE);
}

/*
 * One step up. The path the file was reached by goes from mount to mount as
 * d_path does; at the root of a bind mount of a directory, that directory's own
 * ancestors in its filesystem are visited too (the side chain): /etc/ssh bound
 * at /mnt/ssh is still below /etc, and a directory bound into a watched one is
 * below it.
 */
static long watch__step(__u32 i, void *unused)
{
	struct loop_state *ls = loop_state();
	if (!ls)
		return 1;
	struct watch_walk *w = &ls->w;
	if (w->side) {
		struct dentry *side = w->side;
		if (watch__hit(side)) {
			w->found = 1;
			return 1;
		}
		struct dentry *up = BPF_CORE_READ(side, d_parent);
		w->side = up == side ? NULL : up;
		return !w->d && !w->side;
	}
	struct dentry *d = w->d;
	if (!d)
		return 1;
	if (watch__hit(d)) {
		w->found = 1;
		return 1;
	}
	struct vfsmount *mnt = w->mnt;
	struct dentry *parent = BPF_CORE_READ(d, d_parent);
	if (d != BPF_CORE_READ(mnt, mnt_root)) {
		if (parent == d)
			return 1; /* not in a mounted tree */
		w->d = parent;
		return 0;
	}
	if (parent != d)
		w->side = parent; /* a bind mount of a directory */
	struct mount *m = container_of(mnt, struct mount, mnt);
	struct mount *parent_mnt = BPF_CORE_READ(m, mnt_parent);
	if (parent_mnt == m) {
		w->d = NULL;
		return !w->side;
	}
	w->d = BPF_CORE_READ(m, mnt_mountpoint);
	w->mnt = &parent_mnt->mnt;
	return 0;
}

/* Does a watched directory contain @f? */
static __always_inline bool watch__covers(struct file *f)
{
	struct loop_state *ls = loop_state();
	if (!ls)
		return false;
	ls->w.d = BPF_CORE_READ(f, f_path.dentry);
	ls->w.mnt = BPF_CORE_READ(f, f_path.mnt);
	ls->w.side = NULL;
	ls->w.found = 0;
	bpf_loop(LS_PATH_COMPONENTS_MAX, watch__step, NULL, 0);
	return ls->w.found;
}

/* watch__covers() for a file opened for writing, through file_discarders. */
static __always_inline bool watch__covers_cached(struct file *f)
{
	struct dentry *dir = BPF_CORE_READ(f, f_path.dentry, d_parent);
	struct inode *dir_inode = BPF_CORE_READ(dir, d_inode);
	struct discard_key k = {
		.dentry = (__u64)dir,
		.mnt = (__u64)BPF_CORE_READ(f, f_path.mnt),
	};
	struct discard_val now = {
		.gen = file_watch_gen,
		.ino = BPF_CORE_READ(dir_inode, i_ino),
		.igen = BPF_CORE_READ(dir_inode, i_generation),
	};
	struct discard_val *v = bpf_map_lookup_elem(&file_discarders, &k);
	if (v && v->gen == now.gen && v->ino == now.ino && v->igen == now.igen)
		return false;
	if (watch__covers(f))
		return true;
	bpf_map_update_elem(&file_discarders, &k, &now, BPF_ANY);
	return false;
}

/* ---- records ---- */

static __always_inline struct file_scratch *rec__begin(__u16 op)
{
	struct file_scratch *s = scratch();
	if (!s)
		return NULL;
	__builtin_memset(&s->ev, 0, sizeof(s->ev));
	task__fill_header(&s->ev.hdr, LS_EV_FILE, bpf_get_current_task_btf(),
			  bpf_ktime_get_boot_ns());
	s->ev.op = op;
	return s;
}

static __always_inline void rec__output_counted(struct file_scratch *s, __u32 tail_len,
						__u32 drop_counter)
{
	__u64 size = sizeof(s->ev) + tail_len;
	bound__opaque(size);
	if (size > sizeof(*s))
		size = sizeof(*s);
	s->ev.hdr.size = size;
	events__output(s, size, drop_counter);
}

static __always_inline void rec__output(struct file_scratch *s, __u32 tail_len)
{
	rec__output_counted(s, tail_len, LS_CNT_RB_DROP_FILE);
}

static __always_inline void rec__inode(struct file_scratch *s, struct inode *inode)
{
	s->ev.ino = BPF_CORE_READ(inode, i_ino);
	s->ev.dev = BPF_CORE_READ(inode, i_sb, s_dev);
	s->ev.mode = BPF_CORE_READ(inode, i_mode);
	s->ev.uid = BPF_CORE_READ(inode, i_uid.val);
	s->ev.gid = BPF_CORE_READ(inode, i_gid.val);
}

/* Append the walk result to the tail at *off; returns PATH_* flags. */
static __always_inline __u32 rec__append_walk(struct file_scratch *s, __u32 *off,
					      struct path_walk *w)
{
	__u64 len = LS_PATH_MAX - 1 - w->pos; /* the walk keeps the last byte free */
	bound__opaque(len);
	len &= LS_PATH_MAX - 1;
	if (bpf_probe_read_kernel(&s->tail[*off & TAIL_MASK], len,
				  &w->buf[w->pos & (LS_PATH_MAX - 1)]))
		len = 0;
	*off += len;
	return w->flags;
}

/* Append the resolved path of @p (a struct path in kernel memory). */
static __always_inline __u32 rec__append_path(struct file_scratch *s, __u32 *off,
					      const struct path *p)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct path root = BPF_CORE_READ(task, fs, root);
	struct path here;
	bpf_probe_read_kernel(&here, sizeof(here), p);
	struct path_walk *w = path__resolve(&here, &root);
	return w ? rec__append_walk(s, off, w) : PATH_TRUNCATED;
}

/* Append a user string of at most @room bytes; returns PATH_TRUNCATED if cut. */
static __always_inline __u32 rec__append_user(struct file_scratch *s, __u32 *off,
					      const char *str, __u32 room)
{
	__u64 cap = room < LS_PATH_MAX - 1 ? room : LS_PATH_MAX - 1; /* a path keeps below LS_PATH_MAX */
	bound__opaque(cap);
	cap &= LS_PATH_MAX - 1;
	long n = bpf_probe_read_user_str(&s->tail[*off & TAIL_MASK], cap, str);
	if (n <= 1)
		return 0;
	*off += n - 1;
	return n == cap ? PATH_TRUNCATED : 0;
}

/*
 * Append the absolute path that (@dfd, @upath) names, as openat(2) would
 * resolve it, but lexically: an absolute string as given, a relative one after
 * the resolved dirfd or cwd. An empty string (AT_EMPTY_PATH) names @dfd itself.
 */
static __always_inline __u32 rec__append_at(struct file_scratch *s, __u32 *off, long dfd,
					    const char *upath)
{
	char first = 0;
	bpf_probe_read_user(&first, 1, upath);
	if (first == '/')
		return rec__append_user(s, off, upath, LS_PATH_MAX);

	__u32 start = *off;
	__u32 flags;
	struct task_struct *task = bpf_get_current_task_btf();
	if ((int)dfd == AT_FDCWD) {
		struct fs_struct *fs = BPF_CORE_READ(task, fs);
		flags = rec__append_path(s, off, &fs->pwd);
	} else {
		struct file *df = fd__file(task, (int)dfd);
		if (!df)
			return PATH_UNREACHABLE; /* the syscall succeeded, so a racing close */
		flags = rec__append_path(s, off, &df->f_path);
	}
	if (first == 0)
		return flags;
	if (*off - start != 1) { /* not the root "/" */
		s->tail[*off & TAIL_MASK] = '/';
		*off += 1;
	}
	__u32 used = *off - start;
	if (used >= LS_PATH_MAX - 1)
		return flags | PATH_TRUNCATED;
	return flags | rec__append_user(s, off, upath, LS_PATH_MAX - 1 - used);
}

static __always_inline __u32 path_flags(__u32 walk_flags, bool second)
{
	__u32 f = 0;
	if (walk_flags & PATH_TRUNCATED)
		f |= second ? LS_FILE_F_PATH2_TRUNCATED : LS_FILE_F_PATH_TRUNCATED;
	if (walk_flags & PATH_UNREACHABLE)
		f |= LS_FILE_F_UNREACHABLE;
	return f;
}

/* ---- the pattern filter ---- */

static __always_inline void match__next_pattern(struct match *m)
{
	m->pi++;
	m->i = m->j = 0;
	m->star = 0;
}

static long match__step(__u32 it, void *unused)
{
	struct loop_state *ls = loop_state();
	if (!ls)
		return 1;
	struct match *m = &ls->m;
	if (m->pi >= file_pattern_count || m->pi >= LS_FILE_PATTERNS_MAX)
		return 1;
	struct file_scratch *s = scratch();
	__u32 pi = m->pi;
	struct ls_file_pattern *p = bpf_map_lookup_elem(&file_patterns, &pi);
	if (!s || !p)
		return 1;
	__u32 plen = p->len;
	if (plen == 0 || plen >= LS_FILE_PATTERN_LEN) {
		match__next_pattern(m);
		return 0;
	}
	bool subtree = p->pat[(plen - 1) & PATTERN_MASK] == '/';
	if (m->j >= plen) {
		if (subtree || m->i == m->len) {
			m->result = 1;
			return 1;
		}
	} else if (m->i >= m->len) {
		/* "/etc" is the directory the pattern "/etc/" names */
		if (subtree && m->j == plen - 1) {
			m->result = 1;
			return 1;
		}
		match__next_pattern(m);
		return 0;
	} else {
		char c = s->tail[(m->start + m->i) & TAIL_MASK];
		char q = p->pat[m->j & PATTERN_MASK];
		if (q == '*') {
			m->star = 1;
			m->star_i = m->i;
			m->star_j = m->j;
			m->j++;
			return 0;
		}
		if (q == c || (q == '?' && c != '/')) {
			m->i++;
			m->j++;
			return 0;
		}
	}
	/* mismatch: let the last `*` take one more character, within its component */
	if (m->star && s->tail[(m->start + m->star_i) & TAIL_MASK] != '/' && m->star_i < m->len) {
		m->star_i++;
		m->i = m->star_i;
		m->j = m->star_j + 1;
		return 0;
	}
	match__next_pattern(m);
	return 0;
}

/* No "//", "/./", "/../", trailing "/." or "/..": the pattern match is lexical. */
static long canon__step(__u32 i, void *unused)
{
	struct loop_state *ls = loop_state();
	struct file_scratch *s = scratch();
	if (!ls || !s)
		return 1;
	struct canon *c = &ls->c;
	if (i + 1 >= c->len)
		return 1;
	if (s->tail[(c->start + i) & TAIL_MASK] != '/')
		return 0;
	char a = s->tail[(c->start + i + 1) & TAIL_MASK];
	char b = i + 2 < c->len ? s->tail[(c->start + i + 2) & TAIL_MASK] : '/';
	char d = i + 3 < c->len ? s->tail[(c->start + i + 3) & TAIL_MASK] : '/';
	if (a == '/' || (a == '.' && b == '/') || (a == '.' && b == '.' && d == '/')) {
		c->canonical = 0;
		return 1;
	}
	return 0;
}

/* Should the path at tail[start, start+len) be reported? */
static __always_inline bool path__watched(__u32 start, __u32 len)
{
	struct loop_state *ls = loop_state();
	if (!ls)
		return true; /* cannot happen; report rather than miss */
	__builtin_memset(&ls->m, 0, sizeof(ls->m));
	ls->m.start = start;
	ls->m.len = len;
	bpf_loop(LS_FILE_PATTERNS_MAX * 2 * LS_FILE_PATTERN_LEN, match__step, NULL, 0);
	if (ls->m.result)
		return true;
	if (ls->m.pi < file_pattern_count && ls->m.pi < LS_FILE_PATTERNS_MAX)
		return true; /* ran out of iterations: report rather than miss */
	ls->c.start = start;
	ls->c.len = len;
	ls->c.canonical = 1;
	bpf_loop(LS_PATH_MAX, canon__step, NULL, 0);
	return !ls->c.canonical;
}

/* ---- open, write, close ---- */

static __always_inline void sensitive__read(struct file *f)
{
	struct inode *inode = BPF_CORE_READ(f, f_inode);
	struct ls_inode_key k = {
		.ino = BPF_CORE_READ(inode, i_ino),
		.dev = BPF_CORE_READ(inode, i_sb, s_dev),
	};
	__u32 *flags = bpf_map_lookup_elem(&file_watch_inodes, &k);
	if (!flags || !(*flags & LS_WATCH_SENSITIVE))
		return;
	struct file_scratch *s = rec__begin(LS_FILE_READ);
	if (!s)
		return;
	rec__inode(s, inode);
	__u32 off = 0;
	s->ev.flags = LS_FILE_F_SENSITIVE | path_flags(rec__append_path(s, &off, &f->f_path), false);
	s->ev.path.len = off;
	rec__output(s, off);
}

static __always_inline int open__exit(long fd, __u64 oflags)
{
	if (fd < 0)
		return 0;
	struct task_struct *task = bpf_get_current_task_btf();
	struct file *f = fd__file(task, fd);
	if (!f)
		return 0;
	__u32 fmode = BPF_CORE_READ(f, f_mode);
	if (!(fmode & FMODE_WRITE)) {
		if (file_sensitive_reads)
			sensitive__read(f);
		return 0;
	}
	struct file_scratch *s = NULL;
	__u32 off = 0, path_walk_flags = 0;
	if (!watch__covers_cached(f)) {
		if (file_dirs_changed == file_dirs_resolved)
			return 0;
		/* A directory that matches the patterns was made, moved or linked
		 * since the agent last resolved them (mkdir ~/.ssh && echo key >
		 * ~/.ssh/authorized_keys): the path decides, and the file's
		 * directory joins the inode filter now rather than at the rescan. */
		s = rec__begin(LS_FILE_OPEN);
		if (!s)
			return 0;
		path_walk_flags = rec__append_path(s, &off, &f->f_path);
		if (!path__watched(0, off))
			return 0;
		struct inode *dir = BPF_CORE_READ(f, f_path.dentry, d_parent, d_inode);
		struct ls_inode_key k = {
			.ino = BPF_CORE_READ(dir, i_ino),
			.dev = BPF_CORE_READ(dir, i_sb, s_dev),
		};
		__u32 subtree = LS_WATCH_SUBTREE;
		if (bpf_map_update_elem(&file_watch_inodes, &k, &subtree, BPF_NOEXIST) == 0)
			__sync_fetch_and_add(&file_watch_gen, 1); /* void the cache's "not watched" */
	}

	__u64 key = (__u64)f;
	struct ls_open_file of = { .tgid = BPF_CORE_READ(task, tgid), .fd = fd };
	__u32 flags = 0;
	if (bpf_map_update_elem(&open_files, &key, &of, BPF_NOEXIST) == 0) {
		__sync_fetch_and_add(&file_open_tracked, 1);
	} else {
		counter__add(LS_CNT_FILE_TABLE_FULL, 1);
		flags |= LS_FILE_F_UNTRACKED;
	}

	if (!s) {
		s = rec__begin(LS_FILE_OPEN);
		if (!s)
			return 0;
		path_walk_flags = rec__append_path(s, &off, &f->f_path);
	}
	struct inode *inode = BPF_CORE_READ(f, f_inode);
	rec__inode(s, inode);
	s->ev.file_id = key;
	s->ev.size_before = BPF_CORE_READ(inode, i_size);
	if (fmode & FMODE_CREATED)
		flags |= LS_FILE_F_CREATED;
	else if (oflags & O_TRUNC)
		flags |= LS_FILE_F_TRUNCATED;
	if (oflags & O_APPEND)
		flags |= LS_FILE_F_APPEND;
	flags |= path_flags(path_walk_flags, false);
	s->ev.flags = flags;
	s->ev.path.len = off;
	rec__output(s, off);
	return 0;
}

SEC("tp/syscalls/sys_exit_openat")
int file_openat(struct syscall_trace_exit *ctx)
{
	return open__exit(ctx->ret, ARG3(user_regs()));
}

SEC("tp/syscalls/sys_exit_open")
int file_open(struct syscall_trace_exit *ctx)
{
	return open__exit(ctx->ret, ARG2(user_regs()));
}

SEC("tp/syscalls/sys_exit_creat")
int file_creat(struct syscall_trace_exit *ctx)
{
	return open__exit(ctx->ret, O_CREAT | O_WRONLY | O_TRUNC);
}

SEC("tp/syscalls/sys_exit_openat2")
int file_openat2(struct syscall_trace_exit *ctx)
{
	__u64 flags = 0; /* struct open_how starts with the flags */
	bpf_probe_read_user(&flags, sizeof(flags), (void *)ARG3(user_regs()));
	return open__exit(ctx->ret, flags);
}

/* Count what a write-family syscall wrote through descriptor @fd. */
/* The caller has checked that something is tracked and that @ret > 0, before
 * paying for the syscall arguments. */
static __always_inline int write__exit(long fd, long ret)
{
	struct file *f = fd__file(bpf_get_current_task_btf(), fd);
	if (!f)
		return 0;
	__u64 key = (__u64)f;
	struct ls_open_file *of = bpf_map_lookup_elem(&open_files, &key);
	if (of)
		__sync_fetch_and_add(&of->bytes, ret);
	return 0;
}

/* @prog: the program's name, at most 15 bytes so that bpftool shows it whole */
#define WRITE_EXIT(name, prog, fd_arg)                                    \
	SEC("tp/syscalls/sys_exit_" #name)                                \
	int prog(struct syscall_trace_exit *ctx)                          \
	{                                                                 \
		if (file_open_tracked <= 0 || ctx->ret <= 0)              \
			return 0;                                         \
		return write__exit(fd_arg(user_regs()), ctx->ret);        \
	}

WRITE_EXIT(write, file_write, ARG1)
WRITE_EXIT(pwrite64, file_pwrite64, ARG1)
WRITE_EXIT(writev, file_writev, ARG1)
WRITE_EXIT(pwritev, file_pwritev, ARG1)
WRITE_EXIT(pwritev2, file_pwritev2, ARG1)
WRITE_EXIT(sendfile64, file_sendfile64, ARG1)
WRITE_EXIT(copy_file_range, file_copyrange, ARG3)
WRITE_EXIT(splice, file_splice, ARG3)

/* The last reference to tracked file @key (its entry @of) goes: report its
 * totals. @f is NULL when the file is already gone (closed by exec), and the
 * size is unknown. */
static __always_inline void open_file__finish(__u64 key, struct ls_open_file *of, struct file *f,
					      __u32 flags)
{
	__u64 bytes = of->bytes;
	if (bpf_map_delete_elem(&open_files, &key))
		return; /* another CPU finished it */
	__sync_fetch_and_sub(&file_open_tracked, 1);
	struct file_scratch *s = rec__begin(LS_FILE_CLOSE);
	if (!s)
		return;
	s->ev.flags = flags;
	s->ev.file_id = key;
	s->ev.bytes = bytes;
	s->ev.size_after = f ? BPF_CORE_READ(f, f_inode, i_size) : (__u64)-1;
	rec__output_counted(s, 0, LS_CNT_RB_DROP_FILE_CLOSE); /* a lost CLOSE is a lost write event */
}

/* Descriptor @fd is about to be closed. */
static __always_inline void close__fd(long fd, __u32 flags)
{
	struct file *f = fd__file(bpf_get_current_task_btf(), fd);
	if (!f)
		return;
	__u64 key = (__u64)f;
	struct ls_open_file *of = bpf_map_lookup_elem(&open_files, &key);
	if (!of)
		return;
	/* Another descriptor or process still holds it (dup, fork, bash's
	 * `echo >> f` closes its own descriptor before writing through fd 1). */
	if (!file__last_ref(f))
		return;
	open_file__finish(key, of, f, flags);
}

SEC("tp/syscalls/sys_enter_close")
int file_close(struct syscall_trace_enter *ctx)
{
	if (file_open_tracked <= 0)
		return 0;
	close__fd(ctx->args[0], 0);
	return 0;
}

/* dup2/dup3 onto a descriptor closes what it held. */
static __always_inline int dup__enter(long oldfd, long newfd)
{
	if (file_open_tracked <= 0 || oldfd == newfd)
		return 0;
	if (!fd__file(bpf_get_current_task_btf(), oldfd))
		return 0; /* fails with EBADF, closes nothing */
	close__fd(newfd, LS_FILE_F_IMPLICIT_CLOSE);
	return 0;
}

SEC("tp/syscalls/sys_enter_dup2")
int file_dup2(struct syscall_trace_enter *ctx)
{
	return dup__enter(ctx->args[0], ctx->args[1]);
}

SEC("tp/syscalls/sys_enter_dup3")
int file_dup3(struct syscall_trace_enter *ctx)
{
	return dup__enter(ctx->args[0], ctx->args[1]);
}

static long close_range__step(__u32 i, __u32 *first)
{
	close__fd(*first + i, LS_FILE_F_IMPLICIT_CLOSE);
	return 0;
}

SEC("tp/syscalls/sys_enter_close_range")
int file_closerange(struct syscall_trace_enter *ctx)
{
	if (file_open_tracked <= 0 || (ctx->args[2] & CLOSE_RANGE_CLOEXEC))
		return 0;
	__u32 first = ctx->args[0];
	__u64 last = ctx->args[1];
	__u32 max_fds = BPF_CORE_READ(bpf_get_current_task_btf(), files, fdt, max_fds);
	if (last >= max_fds)
		last = max_fds - 1;
	if (last < first)
		return 0;
	__u64 n = last - first + 1;
	if (n > 1 << 16)
		n = 1 << 16; /* descriptors beyond are found by the exit sweep */
	bpf_loop(n, close_range__step, &first, 0);
	return 0;
}

/* At process exit (before its files are closed) and after exec (after the
 * O_CLOEXEC ones were): finish the tracked files this process lets go. */
struct sweep {
	struct file **fds;
	__u32 max_fds;
	__u32 tgid;
	__u32 exec; /* 0: exit sweep, 1: exec sweep */
};

static long sweep__one(struct bpf_map *map, __u64 *key, struct ls_open_file *of, struct sweep *sw)
{
	struct file *held = NULL;
	if (of->fd >= 0 && of->fd < sw->max_fds)
		bpf_probe_read_kernel(&held, sizeof(held), &sw->fds[of->fd]);
	if (sw->exec) {
		if (of->tgid == sw->tgid && held != (struct file *)*key)
			open_file__finish(*key, of, NULL, LS_FILE_F_IMPLICIT_CLOSE);
	} else if (held == (struct file *)*key && file__last_ref(held)) {
		open_file__finish(*key, of, held, LS_FILE_F_IMPLICIT_CLOSE);
	}
	return 0;
}

static __always_inline void sweep__run(struct task_struct *task, __u32 exec)
{
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	struct sweep sw = {
		.fds = BPF_CORE_READ(fdt, fd),
		.max_fds = BPF_CORE_READ(fdt, max_fds),
		.tgid = BPF_CORE_READ(task, tgid),
		.exec = exec,
	};
	bpf_for_each_map_elem(&open_files, sweep__one, &sw, 0);
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(file_task_exit, struct task_struct *task)
{
	if (file_open_tracked <= 0)
		return 0;
	/* the table goes with its last user (threads share it) */
	if (BPF_CORE_READ(task, files, count.counter) != 1)
		return 0;
	sweep__run(task, 0);
	return 0;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(file_task_exec, struct task_struct *task)
{
	if (file_open_tracked <= 0)
		return 0;
	sweep__run(task, 1);
	return 0;
}

/* ---- path operations ---- */

/* Build the record for a successful path operation on (dfd, path) and, when
 * given, (dfd2, path2); output it if either path is watched. @raw2 takes
 * path2 as given (a symlink's target). */
static __always_inline void pathop__emit(struct file_scratch *s, long dfd, const char *path,
					 long dfd2, const char *path2, bool raw2)
{
	__u32 off = 0;
	__u32 flags = path_flags(rec__append_at(s, &off, dfd, path), false);
	s->ev.path.off = 0;
	s->ev.path.len = off;
	bool watched = path__watched(0, off);
	if (path2) {
		__u32 start = off;
		__u32 f2 = raw2 ? rec__append_user(s, &off, path2, LS_PATH_MAX)
				: rec__append_at(s, &off, dfd2, path2);
		flags |= path_flags(f2, true);
		s->ev.path2.off = start;
		s->ev.path2.len = off - start;
		if (!watched)
			watched = path__watched(start, off - start);
	}
	if (!watched)
		return;
	if (s->ev.op == LS_FILE_MKDIR || s->ev.op == LS_FILE_RENAME || s->ev.op == LS_FILE_SYMLINK)
		__sync_fetch_and_add(&file_dirs_changed, 1); /* maybe a new watched directory */
	s->ev.flags |= flags;
	rec__output(s, off);
}

static __always_inline int pathop(long ret, __u16 op, long dfd, const char *path)
{
	if (ret != 0)
		return 0;
	struct file_scratch *s = rec__begin(op);
	if (s)
		pathop__emit(s, dfd, path, 0, NULL, false);
	return 0;
}

SEC("tp/syscalls/sys_exit_unlink")
int file_unlink(struct syscall_trace_exit *ctx)
{
	return pathop(ctx->ret, LS_FILE_UNLINK, AT_FDCWD, (const char *)ARG1(user_regs()));
}

SEC("tp/syscalls/sys_exit_unlinkat")
int file_unlinkat(struct syscall_trace_exit *ctx)
{
	struct pt_regs *r = user_regs();
	__u16 op = (ARG3(r) & AT_REMOVEDIR) ? LS_FILE_RMDIR : LS_FILE_UNLINK;
	return pathop(ctx->ret, op, ARG1(r), (const char *)ARG2(r));
}

SEC("tp/syscalls/sys_exit_rmdir")
int file_rmdir(struct syscall_trace_exit *ctx)
{
	return pathop(ctx->ret, LS_FILE_RMDIR, AT_FDCWD, (const char *)ARG1(user_regs()));
}

static __always_inline int mkdir__exit(long ret, long dfd, const char *path, __u32 mode)
{
	if (ret != 0)
		return 0;
	struct file_scratch *s = rec__begin(LS_FILE_MKDIR);
	if (!s)
		return 0;
	s->ev.mode = mode;
	pathop__emit(s, dfd, path, 0, NULL, false);
	return 0;
}

SEC("tp/syscalls/sys_exit_mkdir")
int file_mkdir(struct syscall_trace_exit *ctx)
{
	struct pt_regs *r = user_regs();
	return mkdir__exit(ctx->ret, AT_FDCWD, (const char *)ARG1(r), ARG2(r));
}

SEC("tp/syscalls/sys_exit_mkdirat")
int file_mkdirat(struct syscall_trace_exit *ctx)
{
	struct pt_regs *r = user_regs();
	return mkdir__exit(ctx->ret, ARG1(r), (const char *)ARG2(r), ARG3(r));
}

static __always_inline int twopath__exit(long ret, __u16 op, long dfd, const char *path,
					 long dfd2, const char *path2, __u32 rename_flags)
{
	if (ret != 0)
		return 0;
	if (op == LS_FILE_RENAME) /* a directory may have moved below a watched one */
		__sync_fetch_and_add(&file_watch_gen, 1);
	struct file_scratch *s = rec__begin(op);
	if (!s)
		return 0;
	s->ev.rename_flags = rename_flags;
	pathop__emit(s, dfd, path, dfd2, path2, false);
	return 0;
}

SEC("tp/syscalls/sys_exit_rename")
int file_rename(struct syscall_trace_exit *ctx)
{
	struct pt_regs *r = user_regs();
	return twopath__exit(ctx->ret, LS_FILE_RENAME, AT_FDCWD, (const char *)ARG1(r), AT_FDCWD,
			     (const char *)ARG2(r), 0);
}

SEC("tp/syscalls/sys_exit_renameat")
int file_renameat(struct syscall_trace_exit *ctx)
{
	struct pt_regs *r = user_regs();
	return twopath__exit(ctx->ret, LS_FILE_RENAME, ARG1(r), (const char *)ARG2(r), ARG3(r),
			     (const char *)ARG4(r), 0);
}

SEC("tp/syscalls/sys_exit_renameat2")
int file_renameat2(struct syscall_trace_exit *ctx)
{
	struct pt_regs *r = user_regs();
	return twopath__exit(ctx->ret, LS_FILE_RENAME, ARG1(r), (const char *)ARG2(r), ARG3(r),
			     (const char *)ARG4(r), ARG5(r));
}

/* link: the record's path is the new name, path2 the existing file. */
SEC("tp/syscalls/sys_exit_link")
int file_link(struct syscall_trace_exit *ctx)
{
	struct pt_regs *r = user_regs();
	return twopath__exit(ctx->ret, LS_FILE_LINK, AT_FDCWD, (const char *)ARG2(r), AT_FDCWD,
			     (const char *)ARG1(r), 0);
}

SEC("tp/syscalls/sys_exit_linkat")
int file_linkat(struct syscall_trace_exit *ctx)
{
	struct pt_regs *r = user_regs();
	return twopath__exit(ctx->ret, LS_FILE_LINK, ARG3(r), (const char *)ARG4(r), ARG1(r),
			     (const char *)ARG2(r), 0);
}

/* symlink: the record's path is the link, path2 the target as given. */
static __always_inline int symlink__exit(long ret, const char *target, long dfd, const char *link)
{
	if (ret != 0)
		return 0;
	struct file_scratch *s = rec__begin(LS_FILE_SYMLINK);
	if (s)
		pathop__emit(s, dfd, link, 0, target, true);
	return 0;
}

SEC("tp/syscalls/sys_exit_symlink")
int file_symlink(struct syscall_trace_exit *ctx)
{
	struct pt_regs *r = user_regs();
	return symlink__exit(ctx->ret, (const char *)ARG1(r), AT_FDCWD, (const char *)ARG2(r));
}

SEC("tp/syscalls/sys_exit_symlinkat")
int file_symlinkat(struct syscall_trace_exit *ctx)
{
	struct pt_regs *r = user_regs();
	return symlink__exit(ctx->ret, (const char *)ARG1(r), ARG2(r), (const char *)ARG3(r));
}

static __always_inline int chmod__exit(long ret, long dfd, const char *path, __u32 mode,
				       __u32 flags)
{
	if (ret != 0)
		return 0;
	struct file_scratch *s = rec__begin(LS_FILE_CHMOD);
	if (!s)
		return 0;
	s->ev.mode = mode & 07777;
	s->ev.flags = flags;
	pathop__emit(s, dfd, path, 0, NULL, false);
	return 0;
}

SEC("tp/syscalls/sys_exit_chmod")
int file_chmod(struct syscall_trace_exit *ctx)
{
	struct pt_regs *r = user_regs();
	return chmod__exit(ctx->ret, AT_FDCWD, (const char *)ARG1(r), ARG2(r), 0);
}

SEC("tp/syscalls/sys_exit_fchmodat")
int file_fchmodat(struct syscall_trace_exit *ctx)
{
	struct pt_regs *r = user_regs();
	return chmod__exit(ctx->ret, ARG1(r), (const char *)ARG2(r), ARG3(r), 0);
}

SEC("tp/syscalls/sys_exit_fchmodat2")
int file_fchmodat2(struct syscall_trace_exit *ctx)
{
	struct pt_regs *r = user_regs();
	__u32 flags = (ARG4(r) & AT_SYMLINK_NOFOLLOW) ? LS_FILE_F_NOFOLLOW : 0;
	return chmod__exit(ctx->ret, ARG1(r), (const char *)ARG2(r), ARG3(r), flags);
}

static __always_inline int chown__exit(long ret, long dfd, const char *path, __u32 uid,
				       __u32 gid, __u32 flags)
{
	if (ret != 0)
		return 0;
	struct file_scratch *s = rec__begin(LS_FILE_CHOWN);
	if (!s)
		return 0;
	s->ev.uid = uid;
	s->ev.gid = gid;
	s->ev.flags = flags;
	pathop__emit(s, dfd, path, 0, NULL, false);
	return 0;
}

SEC("tp/syscalls/sys_exit_chown")
int file_chown(struct syscall_trace_exit *ctx)
{
	struct pt_regs *r = user_regs();
	return chown__exit(ctx->ret, AT_FDCWD, (const char *)ARG1(r), ARG2(r), ARG3(r), 0);
}

SEC("tp/syscalls/sys_exit_lchown")
int file_lchown(struct syscall_trace_exit *ctx)
{
	struct pt_regs *r = user_regs();
	return chown__exit(ctx->ret, AT_FDCWD, (const char *)ARG1(r), ARG2(r), ARG3(r),
			   LS_FILE_F_NOFOLLOW);
}

SEC("tp/syscalls/sys_exit_fchownat")
int file_fchownat(struct syscall_trace_exit *ctx)
{
	struct pt_regs *r = user_regs();
	__u32 flags = (ARG5(r) & AT_SYMLINK_NOFOLLOW) ? LS_FILE_F_NOFOLLOW : 0;
	return chown__exit(ctx->ret, ARG1(r), (const char *)ARG2(r), ARG3(r), ARG4(r), flags);
}

SEC("tp/syscalls/sys_exit_truncate")
int file_truncate(struct syscall_trace_exit *ctx)
{
	if (ctx->ret != 0)
		return 0;
	struct pt_regs *r = user_regs();
	struct file_scratch *s = rec__begin(LS_FILE_TRUNCATE);
	if (!s)
		return 0;
	s->ev.size_after = ARG2(r);
	pathop__emit(s, AT_FDCWD, (const char *)ARG1(r), 0, NULL, false);
	return 0;
}

/* A mount change can put a directory below a watched one: forget the cache. */
#define MOUNT_EXIT(name)                                                  \
	SEC("tp/syscalls/sys_exit_" #name)                                \
	int file_##name(struct syscall_trace_exit *ctx)                   \
	{                                                                 \
		if (ctx->ret == 0)                                        \
			__sync_fetch_and_add(&file_watch_gen, 1);         \
		return 0;                                                 \
	}

MOUNT_EXIT(mount)
MOUNT_EXIT(umount)
MOUNT_EXIT(move_mount)
MOUNT_EXIT(pivot_root)

/* ---- timestamps ---- */

enum times_kind { TIMES_TIMESPEC, TIMES_TIMEVAL, TIMES_UTIMBUF };

/* Fill atime/mtime from the user's times argument (NULL: both now). */
static __always_inline void utimes__fill(struct file_scratch *s, const void *times,
					 enum times_kind kind)
{
	if (!times) {
		s->ev.flags |= LS_FILE_F_ATIME_NOW | LS_FILE_F_MTIME_NOW;
		return;
	}
	__s64 v[4] = {};
	if (kind == TIMES_UTIMBUF) {
		bpf_probe_read_user(v, 2 * sizeof(__s64), times);
		s->ev.atime_ns = v[0] * NSEC_PER_SEC;
		s->ev.mtime_ns = v[1] * NSEC_PER_SEC;
		return;
	}
	bpf_probe_read_user(v, sizeof(v), times);
	if (kind == TIMES_TIMEVAL) {
		s->ev.atime_ns = v[0] * NSEC_PER_SEC + v[1] * NSEC_PER_USEC;
		s->ev.mtime_ns = v[2] * NSEC_PER_SEC + v[3] * NSEC_PER_USEC;
		return;
	}
	if (v[1] == UTIME_NOW)
		s->ev.flags |= LS_FILE_F_ATIME_NOW;
	else if (v[1] == UTIME_OMIT)
		s->ev.flags |= LS_FILE_F_ATIME_OMIT;
	else
		s->ev.atime_ns = v[0] * NSEC_PER_SEC + v[1];
	if (v[3] == UTIME_NOW)
		s->ev.flags |= LS_FILE_F_MTIME_NOW;
	else if (v[3] == UTIME_OMIT)
		s->ev.flags |= LS_FILE_F_MTIME_OMIT;
	else
		s->ev.mtime_ns = v[2] * NSEC_PER_SEC + v[3];
}

/* A descriptor-based operation on watched file @f: output with its path. */
static __always_inline void fdop__emit(struct file_scratch *s, struct file *f)
{
	struct inode *inode = BPF_CORE_READ(f, f_inode);
	s->ev.ino = BPF_CORE_READ(inode, i_ino);
	s->ev.dev = BPF_CORE_READ(inode, i_sb, s_dev);
	__u32 off = 0;
	s->ev.flags |= LS_FILE_F_BY_FD | path_flags(rec__append_path(s, &off, &f->f_path), false);
	s->ev.path.len = off;
	rec__output(s, off);
}

static __always_inline int utimes__exit(long ret, long dfd, const char *path, const void *times,
					enum times_kind kind, __u32 flags)
{
	if (ret != 0)
		return 0;
	struct file_scratch *s = rec__begin(LS_FILE_UTIMES);
	if (!s)
		return 0;
	s->ev.flags = flags;
	utimes__fill(s, times, kind);
	if (path) {
		pathop__emit(s, dfd, path, 0, NULL, false);
		return 0;
	}
	/* utimensat(fd, NULL, ...) is futimens(2) */
	struct file *f = fd__file(bpf_get_current_task_btf(), dfd);
	if (f && watch__covers(f))
		fdop__emit(s, f);
	return 0;
}

SEC("tp/syscalls/sys_exit_utimensat")
int file_utimensat(struct syscall_trace_exit *ctx)
{
	struct pt_regs *r = user_regs();
	__u32 flags = (ARG4(r) & AT_SYMLINK_NOFOLLOW) ? LS_FILE_F_NOFOLLOW : 0;
	return utimes__exit(ctx->ret, ARG1(r), (const char *)ARG2(r), (const void *)ARG3(r),
			    TIMES_TIMESPEC, flags);
}

SEC("tp/syscalls/sys_exit_futimesat")
int file_futimesat(struct syscall_trace_exit *ctx)
{
	struct pt_regs *r = user_regs();
	return utimes__exit(ctx->ret, ARG1(r), (const char *)ARG2(r), (const void *)ARG3(r),
			    TIMES_TIMEVAL, 0);
}

SEC("tp/syscalls/sys_exit_utimes")
int file_utimes(struct syscall_trace_exit *ctx)
{
	struct pt_regs *r = user_regs();
	return utimes__exit(ctx->ret, AT_FDCWD, (const char *)ARG1(r), (const void *)ARG2(r),
			    TIMES_TIMEVAL, 0);
}

SEC("tp/syscalls/sys_exit_utime")
int file_utime(struct syscall_trace_exit *ctx)
{
	struct pt_regs *r = user_regs();
	return utimes__exit(ctx->ret, AT_FDCWD, (const char *)ARG1(r), (const void *)ARG2(r),
			    TIMES_UTIMBUF, 0);
}

/* ---- descriptor-based attribute changes: old values read at entry ---- */

static __always_inline int attr__enter(long fd)
{
	struct file *f = fd__file(bpf_get_current_task_btf(), fd);
	if (!f || !watch__covers(f))
		return 0;
	struct inode *inode = BPF_CORE_READ(f, f_inode);
	struct attr_old old = {
		.mode = BPF_CORE_READ(inode, i_mode),
		.uid = BPF_CORE_READ(inode, i_uid.val),
		.gid = BPF_CORE_READ(inode, i_gid.val),
		.size = BPF_CORE_READ(inode, i_size),
	};
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	if (bpf_map_update_elem(&attr_pending, &tid, &old, BPF_ANY))
		counter__add(LS_CNT_FILE_PENDING_FULL, 1);
	return 0;
}

/* The fd operation finished: NULL when it was not on a watched file or failed. */
static __always_inline struct file_scratch *attr__exit(long ret, __u16 op, long fd,
						       struct file **fp)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct attr_old *old = bpf_map_lookup_elem(&attr_pending, &tid);
	if (!old)
		return NULL;
	struct attr_old o = *old;
	bpf_map_delete_elem(&attr_pending, &tid);
	if (ret != 0)
		return NULL;
	*fp = fd__file(bpf_get_current_task_btf(), fd);
	if (!*fp)
		return NULL;
	struct file_scratch *s = rec__begin(op);
	if (!s)
		return NULL;
	s->ev.flags = LS_FILE_F_OLD_KNOWN;
	s->ev.old_mode = o.mode;
	s->ev.old_uid = o.uid;
	s->ev.old_gid = o.gid;
	s->ev.size_before = o.size;
	return s;
}

SEC("tp/syscalls/sys_enter_fchmod")
int file_fchmod_in(struct syscall_trace_enter *ctx)
{
	return attr__enter(ctx->args[0]);
}

SEC("tp/syscalls/sys_exit_fchmod")
int file_fchmod(struct syscall_trace_exit *ctx)
{
	struct pt_regs *r = user_regs();
	struct file *f = NULL;
	struct file_scratch *s = attr__exit(ctx->ret, LS_FILE_CHMOD, ARG1(r), &f);
	if (!s)
		return 0;
	s->ev.mode = BPF_CORE_READ(f, f_inode, i_mode) & 07777; /* the new mode */
	fdop__emit(s, f);
	return 0;
}

SEC("tp/syscalls/sys_enter_fchown")
int file_fchown_in(struct syscall_trace_enter *ctx)
{
	return attr__enter(ctx->args[0]);
}

SEC("tp/syscalls/sys_exit_fchown")
int file_fchown(struct syscall_trace_exit *ctx)
{
	struct pt_regs *r = user_regs();
	struct file *f = NULL;
	struct file_scratch *s = attr__exit(ctx->ret, LS_FILE_CHOWN, ARG1(r), &f);
	if (!s)
		return 0;
	s->ev.uid = ARG2(r);
	s->ev.gid = ARG3(r);
	fdop__emit(s, f);
	return 0;
}

SEC("tp/syscalls/sys_enter_ftruncate")
int file_ftrunc_in(struct syscall_trace_enter *ctx)
{
	return attr__enter(ctx->args[0]);
}

SEC("tp/syscalls/sys_exit_ftruncate")
int file_ftruncate(struct syscall_trace_exit *ctx)
{
	struct pt_regs *r = user_regs();
	struct file *f = NULL;
	struct file_scratch *s = attr__exit(ctx->ret, LS_FILE_TRUNCATE, ARG1(r), &f);
	if (!s)
		return 0;
	s->ev.size_after = ARG2(r);
	fdop__emit(s, f);
	return 0;
}
