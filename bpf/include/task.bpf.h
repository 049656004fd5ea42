/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Reading process identity out of task_struct. Kernel-side only. */
#ifndef LINESMAN_TASK_BPF_H
#define LINESMAN_TASK_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include "linesman_abi.h"

/* A process is named by (tgid, start of its thread-group leader): the pair is
 * never reused, unlike the pid alone. */
static __always_inline __u64 task__start_boottime(struct task_struct *task)
{
	return BPF_CORE_READ(task, group_leader, start_boottime);
}

static __always_inline void task__fill_header(struct ls_event_header *hdr, __u16 type,
					      struct task_struct *task, __u64 now)
{
	hdr->type = type;
	hdr->abi_version = LS_ABI_VERSION;
	hdr->ktime_ns = now;
	hdr->tgid = BPF_CORE_READ(task, tgid);
	hdr->tid = BPF_CORE_READ(task, pid);
	hdr->start_boottime = task__start_boottime(task);
}

/* loginuid and sessionid exist only with CONFIG_AUDIT(SYSCALL). */
static __always_inline __u32 task__auid(struct task_struct *task)
{
	if (bpf_core_field_exists(task->loginuid))
		return BPF_CORE_READ(task, loginuid.val);
	return (__u32)-1;
}

static __always_inline __u32 task__sessionid(struct task_struct *task)
{
	if (bpf_core_field_exists(task->sessionid))
		return BPF_CORE_READ(task, sessionid);
	return (__u32)-1;
}

#endif
