// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Process family: exec, fork, exit, all from sched_* tracepoints (tp_btf), so
 * nothing here runs on the syscall path of unrelated workloads.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "linesman_abi.h"
#include "maps.bpf.h"
#include "path.bpf.h"
#include "task.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define S_ISUID 04000
#define S_ISGID 02000
#define S_IXGRP 00010

struct exec_scratch {
	struct ls_exec_event ev;
	__u8 tail[LS_TAIL_BUF]; /* directly after ev: the record is output in one piece */
};

/* One slot per CPU, indexed by CPU id. Not a PERCPU_ARRAY: per-CPU values are
 * capped at 32 KiB (PCPU_MIN_UNIT_SIZE) and this one is ~96 KiB. The agent sets
 * max_entries to the number of possible CPUs before load. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct exec_scratch);
} exec_scratch SEC(".maps");

/* Append the resolved path in @w to the tail at *@off; fill @span. */
static __always_inline void tail__append_path(struct exec_scratch *s, __u32 *off,
					      struct ls_span *span, struct path_walk *w)
{
	__u64 len = LS_PATH_MAX - 1 - w->pos; /* the walk keeps the last byte free */
	bound__opaque(len);
	len &= LS_PATH_MAX - 1;
	span->off = *off;
	/* probe_read: the source is our own scratch value at a variable offset */
	if (bpf_probe_read_kernel(&s->tail[*off & LS_TAIL_OFF_MASK], len,
				  &w->buf[w->pos & (LS_PATH_MAX - 1)]))
		len = 0;
	span->len = len;
	*off += len;
}

/* Append a NUL-terminated kernel string of at most @max bytes; true if cut. */
static __always_inline bool tail__append_kstr(struct exec_scratch *s, __u32 *off,
					      struct ls_span *span, const char *str, __u32 max)
{
	__u64 cap = max;
	bound__opaque(cap);
	cap &= 2 * LS_FILENAME_MAX - 1;
	long n = bpf_probe_read_kernel_str(&s->tail[*off & LS_TAIL_OFF_MASK], cap, str);
	span->off = *off;
	if (n <= 0) {
		span->len = 0;
		return false;
	}
	span->len = n - 1; /* without the NUL */
	*off += n - 1;
	return n == max; /* filled the buffer: the string may be longer */
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(handle_exec, struct task_struct *task, pid_t old_pid, struct linux_binprm *bprm)
{
	__u32 cpu = bpf_get_smp_processor_id();
	struct exec_scratch *s = bpf_map_lookup_elem(&exec_scratch, &cpu);
	if (!s) {
		counter__add(LS_CNT_RB_DROP_EXEC, 1); /* cannot happen for a valid CPU id: counted anyway */
		return 0;
	}
	struct ls_exec_event *ev = &s->ev;
	__u64 now = bpf_ktime_get_boot_ns();

	task__fill_header(&ev->hdr, LS_EV_EXEC, task, now);
	ev->old_tid = old_pid;
	struct task_struct *parent = BPF_CORE_READ(task, real_parent);
	ev->ppid = BPF_CORE_READ(parent, tgid);
	ev->parent_start_boottime = task__start_boottime(parent);

	const struct cred *cred = BPF_CORE_READ(task, real_cred);
	ev->uid = BPF_CORE_READ(cred, uid.val);
	ev->gid = BPF_CORE_READ(cred, gid.val);
	ev->euid = BPF_CORE_READ(cred, euid.val);
	ev->egid = BPF_CORE_READ(cred, egid.val);
	ev->auid = task__auid(task);
	ev->sessionid = task__sessionid(task);
	ev->cgroup_id = bpf_get_current_cgroup_id();
	ev->argc = BPF_CORE_READ(bprm, argc);
	bpf_probe_read_kernel_str(ev->comm, sizeof(ev->comm), &task->comm);

	__u32 flags = 0;
	__u32 off = 0;

	/* The executed file: the interpreter when a #! script or binfmt_misc ran. */
	struct file *file = BPF_CORE_READ(bprm, file);
	struct inode *inode = BPF_CORE_READ(file, f_inode);
	__u32 mode = BPF_CORE_READ(inode, i_mode);
	ev->exe_mode = mode;
	ev->exe_ino = BPF_CORE_READ(inode, i_ino);
	ev->exe_dev = BPF_CORE_READ(inode, i_sb, s_dev);
	if (mode & S_ISUID)
		flags |= LS_EXEC_SETUID;
	if ((mode & (S_ISGID | S_IXGRP)) == (S_ISGID | S_IXGRP))
		flags |= LS_EXEC_SETGID;
	if (BPF_CORE_READ(inode, i_nlink) == 0) {
		char prefix[6] = {};
		bpf_probe_read_kernel(prefix, sizeof(prefix),
				      BPF_CORE_READ(file, f_path.dentry, d_name.name));
		if (prefix[0] == 'm' && prefix[1] == 'e' && prefix[2] == 'm' && prefix[3] == 'f' &&
		    prefix[4] == 'd' && prefix[5] == ':')
			flags |= LS_EXEC_MEMFD;
		else
			flags |= LS_EXEC_DELETED;
	}
	/* binfmt_script and binfmt_misc swap in the interpreter with
	 * bprm_change_interp(); without one, interp still points at filename. */
	if (BPF_CORE_READ(bprm, interp) != BPF_CORE_READ(bprm, filename))
		flags |= LS_EXEC_SCRIPT;

	struct fs_struct *fs = BPF_CORE_READ(task, fs);
	struct path root = BPF_CORE_READ(fs, root);
	struct path exe_path = BPF_CORE_READ(file, f_path);
	struct path_walk *w = path__resolve(&exe_path, &root);
	if (!w) {
		counter__add(LS_CNT_RB_DROP_EXEC, 1);
		return 0;
	}
	if (w->flags & PATH_TRUNCATED)
		flags |= LS_EXEC_EXE_TRUNCATED;
	if ((w->flags & PATH_UNREACHABLE) && !(flags & LS_EXEC_MEMFD))
		flags |= LS_EXEC_EXE_UNREACHABLE;
	tail__append_path(s, &off, &ev->exe, w);

	if (tail__append_kstr(s, &off, &ev->filename, BPF_CORE_READ(bprm, filename),
			      LS_FILENAME_MAX))
		flags |= LS_EXEC_FILENAME_TRUNCATED;

	/* argv from the new image's stack: what the program really received
	 * (syscall-time argv is wrong for scripts, whose argv[0] the kernel rewrites). */
	struct mm_struct *mm = BPF_CORE_READ(task, mm);
	__u64 arg_start = BPF_CORE_READ(mm, arg_start);
	__u64 arg_end = BPF_CORE_READ(mm, arg_end);
	__u64 argv_len = arg_end > arg_start ? arg_end - arg_start : 0;
	__u32 argv_max = cfg_argv_max;
	if (argv_max > LS_ARGV_MAX - 1)
		argv_max = LS_ARGV_MAX - 1;
	if (argv_len > argv_max) {
		argv_len = argv_max;
		flags |= LS_EXEC_ARGV_TRUNCATED;
	}
	ev->argv.off = off;
	ev->argv.len = 0;
	bound__opaque(argv_len);
	argv_len &= LS_ARGV_MAX - 1;
	if (argv_len > 0) {
		if (bpf_probe_read_user(&s->tail[off & LS_TAIL_OFF_MASK], argv_len,
					(const void *)arg_start)) {
			flags |= LS_EXEC_ARGV_UNREADABLE;
		} else {
			ev->argv.len = argv_len;
			off += argv_len;
		}
	}

	struct path pwd = BPF_CORE_READ(fs, pwd);
	w = path__resolve(&pwd, &root);
	if (!w) {
		counter__add(LS_CNT_RB_DROP_EXEC, 1);
		return 0;
	}
	if (w->flags & PATH_TRUNCATED)
		flags |= LS_EXEC_CWD_TRUNCATED;
	tail__append_path(s, &off, &ev->cwd, w);

	ev->tty_dev = 0;
	ev->tty.off = off;
	ev->tty.len = 0;
	struct tty_struct *tty = BPF_CORE_READ(task, signal, tty);
	if (tty) {
		__u32 major = BPF_CORE_READ(tty, driver, major);
		__u32 minor = BPF_CORE_READ(tty, driver, minor_start) + BPF_CORE_READ(tty, index);
		ev->tty_dev = (major << 20) | (minor & 0xfffff);
		tail__append_kstr(s, &off, &ev->tty, tty->name, LS_TTY_NAME_MAX);
	}

	ev->flags = flags;
	__u64 size = sizeof(*ev) + (off & LS_TAIL_OFF_MASK);
	ev->hdr.size = size;
	events__output(s, size, LS_CNT_RB_DROP_EXEC);
	return 0;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(handle_fork, struct task_struct *parent, struct task_struct *child)
{
	/* threads share the process: only new thread groups matter */
	if (BPF_CORE_READ(child, pid) != BPF_CORE_READ(child, tgid))
		return 0;
	struct ls_fork_event ev = {};
	task__fill_header(&ev.hdr, LS_EV_FORK, child, bpf_ktime_get_boot_ns());
	ev.hdr.size = sizeof(ev);
	ev.parent_tgid = BPF_CORE_READ(parent, tgid);
	ev.parent_start_boottime = task__start_boottime(parent);
	events__output(&ev, sizeof(ev), LS_CNT_RB_DROP_FORK);
	return 0;
}

#define SIGNAL_GROUP_EXIT 0x00000004

/* Processes whose exit was reported. Two threads of a process exiting at once
 * on two CPUs can both read signal->live == 0 after their decrements; the
 * first to insert its (tgid, start) here reports, the other sees EEXIST. The
 * group_dead argument that would make this exact exists only since 6.16
 * (sched_process_exit gained it), and tp_btf cannot probe an argument count. */
struct exit_key {
	__u32 tgid;
	__u32 pad;
	__u64 start_boottime;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, struct exit_key);
	__type(value, __u8);
} exits_reported SEC(".maps");

/*
 * Fires once per exiting thread, before the task's files and sockets are closed
 * (exit_files() runs after the tracepoint): the agent keeps the process in its
 * cache for a grace period so that close events that follow still find it.
 */
SEC("tp_btf/sched_process_exit")
int BPF_PROG(handle_exit, struct task_struct *task)
{
	/* report the process once, when its last thread goes: signal->live has
	 * already been decremented for this thread */
	if (BPF_CORE_READ(task, signal, live.counter) != 0)
		return 0;
	struct ls_exit_event ev = {};
	task__fill_header(&ev.hdr, LS_EV_EXIT, task, bpf_ktime_get_boot_ns());
	struct exit_key key = {.tgid = ev.hdr.tgid, .start_boottime = ev.hdr.start_boottime};
	__u8 one = 1;
	if (bpf_map_update_elem(&exits_reported, &key, &one, BPF_NOEXIST))
		return 0; /* another thread of this process reported it */
	ev.hdr.size = sizeof(ev);
	__u32 sflags = BPF_CORE_READ(task, signal, flags);
	ev.exit_code = (sflags & SIGNAL_GROUP_EXIT) ? BPF_CORE_READ(task, signal, group_exit_code)
						    : BPF_CORE_READ(task, exit_code);
	events__output(&ev, sizeof(ev), LS_CNT_RB_DROP_EXIT);
	return 0;
}
