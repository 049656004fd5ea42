/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Absolute path of a (dentry, vfsmount) pair, resolved in the kernel.
 *
 * Tracepoint programs may not call bpf_d_path (it is allow-listed for a few
 * fentry/LSM hooks only), so this walks d_parent towards the task's root the
 * way the kernel's prepend_path() does, hopping from a mount's root to its
 * mountpoint in the parent mount. It takes no locks: a rename racing the walk
 * can yield a path that never existed, as with every tracepoint-based sensor.
 *
 * The walk is a bpf_loop whose state lives in a per-CPU map value, looked up
 * in each iteration: the verifier checks the callback once, so 256 components
 * cost nothing at load time. The same walk with its state on the stack needs
 * the loop unrolled and blows the 1M-instruction budget long before 64
 * components (measured on 6.18 with clang 14).
 */
#ifndef LINESMAN_PATH_BPF_H
#define LINESMAN_PATH_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "linesman_abi.h"

#define PATH_NAME_MAX 255 /* NAME_MAX: a dentry name never exceeds it */
#define PATH_NAME_MASK 255
LS_ABI_ASSERT(PATH_NAME_MASK + 1 == PATH_NAME_MAX + 1, "name mask covers NAME_MAX");

enum path_walk_flags {
	PATH_TRUNCATED = 1u << 0,   /* stopped at LS_PATH_MAX bytes or LS_PATH_COMPONENTS_MAX */
	PATH_UNREACHABLE = 1u << 1, /* hit a root that is not the task's: detached or other namespace */
	PATH_DONE = 1u << 2,
};

struct path_walk {
	struct dentry *dentry;
	struct vfsmount *vfsmnt;
	struct dentry *root_dentry;
	struct vfsmount *root_mnt;
	__u32 pos; /* the path is buf[pos, LS_PATH_MAX - 1): at most LS_PATH_MAX - 1 bytes */
	__u32 flags;
	/* written backwards from the end; PATH_NAME_MAX of slack so that a masked
	 * offset plus a masked name length stays inside the value */
	char buf[LS_PATH_MAX + PATH_NAME_MAX + 1];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct path_walk);
} path_scratch SEC(".maps") __weak; /* shared by the families: see maps.bpf.h */

static __always_inline struct path_walk *path__scratch(void)
{
	__u32 zero = 0;
	return bpf_map_lookup_elem(&path_scratch, &zero);
}

/* Prepend "/name" to the path under construction; false when it does not fit. */
static __always_inline bool path__prepend(struct path_walk *w, struct dentry *d)
{
	const unsigned char *name = BPF_CORE_READ(d, d_name.name);
	__u32 len = BPF_CORE_READ(d, d_name.len);

	if (len > PATH_NAME_MAX)
		len = PATH_NAME_MAX;
	if (w->pos < len + 1) {
		w->flags |= PATH_TRUNCATED | PATH_DONE;
		return false;
	}
	w->pos -= len;
	bpf_probe_read_kernel(&w->buf[w->pos & (LS_PATH_MAX - 1)], len & PATH_NAME_MASK, name);
	w->pos -= 1;
	w->buf[w->pos & (LS_PATH_MAX - 1)] = '/';
	return true;
}

static long path__step(__u32 i, void *unused)
{
	struct path_walk *w = path__scratch();
	if (!w)
		return 1;

	struct dentry *d = w->dentry;
	struct vfsmount *vfsmnt = w->vfsmnt;
	if (d == w->root_dentry && vfsmnt == w->root_mnt) {
		w->flags |= PATH_DONE;
		return 1;
	}

	struct dentry *mnt_root = BPF_CORE_READ(vfsmnt, mnt_root);
	struct dentry *parent = BPF_CORE_READ(d, d_parent);
	if (d == mnt_root) {
		struct mount *mnt = container_of(vfsmnt, struct mount, mnt);
		struct mount *mnt_parent = BPF_CORE_READ(mnt, mnt_parent);
		if (mnt != mnt_parent) {
			/* cross into the parent mount at our mountpoint */
			w->dentry = BPF_CORE_READ(mnt, mnt_mountpoint);
			w->vfsmnt = &mnt_parent->mnt;
			return 0;
		}
		/* the root of a mount tree that is not the task's root */
		w->flags |= PATH_UNREACHABLE | PATH_DONE;
		return 1;
	}
	if (d == parent) {
		/* a dentry outside any mounted tree (memfd, pipe, anon inode): the
		 * kernel's d_path shows its name alone, as we do */
		path__prepend(w, d);
		w->flags |= PATH_UNREACHABLE | PATH_DONE;
		return 1;
	}
	if (!path__prepend(w, d))
		return 1;
	w->dentry = parent;
	return 0;
}

/*
 * Resolve @path against @root into the per-CPU walk buffer. Returns the walk
 * (path at buf[pos, LS_PATH_MAX - 1)) or NULL if the scratch map is unavailable.
 */
static __always_inline struct path_walk *path__resolve(const struct path *path,
							const struct path *root)
{
	struct path_walk *w = path__scratch();
	if (!w)
		return NULL;
	w->dentry = BPF_CORE_READ(path, dentry);
	w->vfsmnt = BPF_CORE_READ(path, mnt);
	w->root_dentry = BPF_CORE_READ(root, dentry);
	w->root_mnt = BPF_CORE_READ(root, mnt);
	w->pos = LS_PATH_MAX - 1;
	w->flags = 0;

	/* Each iteration costs two or three probe reads and one name copy. */
	bpf_loop(LS_PATH_COMPONENTS_MAX, path__step, NULL, 0);
	if (!(w->flags & PATH_DONE))
		w->flags |= PATH_TRUNCATED; /* ran out of components */
	if (w->pos == LS_PATH_MAX - 1) {
		/* the root itself */
		w->pos -= 1;
		w->buf[LS_PATH_MAX - 2] = '/';
	}
	return w;
}

#endif
