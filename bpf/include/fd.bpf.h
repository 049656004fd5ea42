/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* File descriptors of a task. Kernel-side only. */
#ifndef LINESMAN_FD_BPF_H
#define LINESMAN_FD_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

/* The open file behind descriptor @fd of @task, or NULL. Reads the table
 * without its lock, as every tracepoint reader must: a racing close can make
 * the answer stale, never unsafe. */
static __always_inline struct file *fd__file(struct task_struct *task, long fd)
{
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	if (fd < 0 || fd >= BPF_CORE_READ(fdt, max_fds))
		return NULL;
	struct file **fds = BPF_CORE_READ(fdt, fd);
	struct file *f = NULL;
	bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]);
	return f;
}

#endif
