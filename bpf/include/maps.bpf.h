/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Maps shared by every program family. Kernel-side only. */
#ifndef LINESMAN_MAPS_BPF_H
#define LINESMAN_MAPS_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "linesman_abi.h"

/* Shared by every family's object: defined __weak in each, and `bpftool gen
 * object` keeps one of the identical definitions. */

/* Every record goes through this one ring buffer; the agent sizes it before load
 * (bpf_map__set_max_entries). */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 8 << 20);
} events_rb SEC(".maps") __weak;

/* Per-CPU counters (enum ls_counter): a lost record is never silent. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, LS_CNT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps") __weak;

/* Load-time knobs, set by the agent in the skeleton's .rodata before load. */
const volatile __u32 cfg_argv_max __weak = LS_ARGV_DEFAULT;
/* Wake the reader only once this much data is waiting; below it the agent's
 * poll timeout bounds the latency. A wakeup per record costs the traced
 * workload far more than the record itself (see docs/ARCHITECTURE.md). */
const volatile __u64 cfg_wakeup_bytes __weak = 256 << 10;

/* Make @v opaque to the optimizer so that the mask applied next survives:
 * clang otherwise folds a mask it can prove redundant, and the verifier, which
 * cannot follow that proof, rejects the access. */
#define bound__opaque(v) asm volatile("" : "+r"(v))

static __always_inline void counter__add(__u32 idx, __u64 n)
{
	__u64 *v = bpf_map_lookup_elem(&counters, &idx);
	if (v)
		*v += n; /* per-CPU slot: no atomics needed */
}

/* Submit a record built in a scratch buffer. On failure the per-type drop
 * counter is bumped; the agent turns it into a `loss` event. */
static __always_inline void events__output(void *rec, __u64 size, __u32 drop_counter)
{
	__u64 flags = bpf_ringbuf_query(&events_rb, BPF_RB_AVAIL_DATA) >= cfg_wakeup_bytes
			      ? BPF_RB_FORCE_WAKEUP
			      : BPF_RB_NO_WAKEUP;
	if (bpf_ringbuf_output(&events_rb, rec, size, flags))
		counter__add(drop_counter, 1);
	else
		counter__add(LS_CNT_EMITTED, 1);
}

#endif
