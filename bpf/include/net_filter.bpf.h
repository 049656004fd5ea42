/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The network families' kernel-side filter (struct ls_net_filter), written by
 * the agent after load. Ignored traffic costs one map lookup. Kernel-side only. */
#ifndef LINESMAN_NET_FILTER_BPF_H
#define LINESMAN_NET_FILTER_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "linesman_abi.h"

#define AF_INET 2
#define AF_INET6 10

/* Shared by the TCP and UDP objects: __weak, one definition kept by the linker. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ls_net_filter);
} net_filter SEC(".maps") __weak;

/* 127.0.0.0/8, ::1 and ::ffff:127.x.x.x; @a is 16 bytes, IPv4 in the first 4. */
static __always_inline bool addr__loopback(__u16 family, const __u8 *a)
{
	if (family == AF_INET)
		return a[0] == 127;
	bool zero10 = true;
#pragma unroll
	for (int i = 0; i < 10; i++)
		zero10 &= a[i] == 0;
	if (!zero10)
		return false;
	if (a[10] == 0xff && a[11] == 0xff)
		return a[12] == 127;
	return a[10] == 0 && a[11] == 0 && a[12] == 0 && a[13] == 0 && a[14] == 0 && a[15] == 1;
}

static __always_inline bool port__ignored(const struct ls_net_filter *f, __u16 port)
{
	return f->ignored_ports[(port >> 3) & 8191] & (1 << (port & 7));
}

/* True when the agent's filter drops traffic between these endpoints. The local
 * side covers listeners bound to loopback, which have no peer. */
static __always_inline bool filter__ignored(__u16 family, const __u8 *local, const __u8 *remote,
					    __u16 local_port, __u16 remote_port)
{
	__u32 zero = 0;
	const struct ls_net_filter *f = bpf_map_lookup_elem(&net_filter, &zero);
	if (!f)
		return false;
	if ((f->flags & LS_NET_IGNORE_LOOPBACK) &&
	    (addr__loopback(family, remote) || addr__loopback(family, local)))
		return true;
	return port__ignored(f, local_port) || port__ignored(f, remote_port);
}

#endif
