// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * UDP flows, counted in the kernel: one record when a flow is first seen, and
 * per-flow packet and byte counters that the agent reads and reports as
 * periodic summaries. Never a record per datagram.
 *
 * No tracepoint carries a UDP datagram's peer (sock:sock_send_length has the
 * socket and the length only), so packets are counted by cgroup-skb programs
 * on the cgroup-v2 root, which see every IP packet of every process, in every
 * network namespace, with its headers and its socket. The owner of a socket
 * is recorded by cgroup/sock_create, in the creating process's context.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "linesman_abi.h"
#include "maps.bpf.h"
#include "net_filter.bpf.h"

#define ETH_P_IP 0x0800
#define ETH_P_IPV6 0x86DD
#define IPPROTO_UDP 17

struct udp_owner {
	__u32 tgid, tid;
	__u64 created_ns; /* the agent resolves the pid as of this time: pid reuse cannot mislead it */
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u64); /* socket cookie */
	__type(value, struct udp_owner);
} udp_owners SEC(".maps");

/* Read and swept by the agent (lookup, then lookup-and-delete once idle). A full
 * table is counted per packet (LS_CNT_UDP_TABLE_FULL), never silent. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	/* not preallocated: an element the agent just took out is freed after an RCU
	 * grace period, so an add racing the take lands in the dying element, never
	 * in another flow that reused it at once */
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct ls_udp_key);
	__type(value, struct ls_udp_flow);
} udp_flows SEC(".maps");

SEC("cgroup/sock_create")
int udp_sock_create(struct bpf_sock *sk)
{
	if (sk->protocol != IPPROTO_UDP)
		return 1;
	__u64 cookie = bpf_get_socket_cookie(sk);
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct udp_owner o = {.tgid = pid_tgid >> 32, .tid = (__u32)pid_tgid,
			      .created_ns = bpf_ktime_get_boot_ns()};
	if (bpf_map_update_elem(&udp_owners, &cookie, &o, BPF_ANY))
		counter__add(LS_CNT_UDP_OWNER_FULL, 1); /* its flows will name no process */
	return 1; /* never deny: Linesman observes */
}

SEC("cgroup/sock_release")
int udp_sock_free(struct bpf_sock *sk)
{
	if (sk->protocol != IPPROTO_UDP)
		return 1;
	__u64 cookie = bpf_get_socket_cookie(sk);
	bpf_map_delete_elem(&udp_owners, &cookie);
	return 1;
}

static __always_inline bool udp__ignored(const struct ls_udp_key *k, const __u8 *local)
{
	return filter__ignored(k->family, local, k->remote_addr, k->local_port, k->remote_port);
}

static __always_inline void udp__first_seen(const struct ls_udp_key *k, const struct ls_udp_flow *f)
{
	/* on the stack: ingress (softirq) can interrupt egress on this CPU */
	struct ls_net_event rec = {};
	struct ls_net_event *ev = &rec;
	ev->hdr.type = LS_EV_UDP;
	ev->hdr.abi_version = LS_ABI_VERSION;
	ev->hdr.size = sizeof(*ev);
	ev->hdr.ktime_ns = f->first_ns;
	ev->hdr.tgid = f->owner_tgid;
	ev->hdr.tid = f->owner_tid;
	/* the cgroup hooks cannot read the task's start time: 0 tells the agent to
	 * resolve the pid as of the socket's creation */
	ev->hdr.start_boottime = 0;
	ev->owner_since_ns = f->owner_since_ns;
	ev->op = LS_UDP_FIRST_SEEN;
	ev->family = k->family;
	ev->protocol = IPPROTO_UDP;
	ev->sock_type = 2; /* SOCK_DGRAM */
	ev->local_port = k->local_port;
	ev->remote_port = k->remote_port;
	__builtin_memcpy(ev->local_addr, f->local_addr, 16);
	__builtin_memcpy(ev->remote_addr, k->remote_addr, 16);
	/* counts stay 0: the agent's summaries report every packet, this one included */
	events__output(ev, sizeof(*ev), LS_CNT_RB_DROP_NET);
}

static __always_inline void udp__account(struct __sk_buff *skb, bool egress)
{
	struct ls_udp_key key = {};
	__u8 local[16] = {};
	__u32 l4off;
	if (skb->protocol == bpf_htons(ETH_P_IP)) {
		struct iphdr ip;
		if (bpf_skb_load_bytes(skb, 0, &ip, sizeof(ip)) || ip.protocol != IPPROTO_UDP)
			return;
		if (ip.frag_off & bpf_htons(0x1fff))
			return; /* a later fragment: no UDP header, its bytes count with the first */
		l4off = ip.ihl * 4;
		key.family = AF_INET;
		__builtin_memcpy(key.remote_addr, egress ? &ip.daddr : &ip.saddr, 4);
		__builtin_memcpy(local, egress ? &ip.saddr : &ip.daddr, 4);
	} else if (skb->protocol == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr ip6;
		if (bpf_skb_load_bytes(skb, 0, &ip6, sizeof(ip6)) || ip6.nexthdr != IPPROTO_UDP)
			return; /* extension headers before UDP are not followed */
		l4off = sizeof(ip6);
		key.family = AF_INET6;
		__builtin_memcpy(key.remote_addr, egress ? &ip6.daddr : &ip6.saddr, 16);
		__builtin_memcpy(local, egress ? &ip6.saddr : &ip6.daddr, 16);
	} else {
		return;
	}
	struct udphdr uh;
	if (bpf_skb_load_bytes(skb, l4off, &uh, sizeof(uh)))
		return;
	key.remote_port = bpf_ntohs(egress ? uh.dest : uh.source);
	key.local_port = bpf_ntohs(egress ? uh.source : uh.dest);
	key.cookie = bpf_get_socket_cookie(skb);
	__u64 payload = bpf_ntohs(uh.len) >= 8 ? bpf_ntohs(uh.len) - 8 : 0;

	struct ls_udp_flow *f = bpf_map_lookup_elem(&udp_flows, &key);
	if (!f) {
		if (udp__ignored(&key, local))
			return;
		struct ls_udp_flow nf = {.first_ns = bpf_ktime_get_boot_ns()};
		__builtin_memcpy(nf.local_addr, local, 16);
		struct udp_owner *o = bpf_map_lookup_elem(&udp_owners, &key.cookie);
		if (o) {
			nf.owner_tgid = o->tgid;
			nf.owner_tid = o->tid;
			nf.owner_since_ns = o->created_ns;
		}
		if (egress) {
			nf.packets_sent = 1;
			nf.bytes_sent = payload;
		} else {
			nf.packets_received = 1;
			nf.bytes_received = payload;
		}
		int err = bpf_map_update_elem(&udp_flows, &key, &nf, BPF_NOEXIST);
		if (err == 0) {
			udp__first_seen(&key, &nf);
			return;
		}
		f = bpf_map_lookup_elem(&udp_flows, &key); /* another CPU created it first */
		if (!f) {
			counter__add(LS_CNT_UDP_TABLE_FULL, 1);
			return;
		}
	}
	if (egress) {
		__sync_fetch_and_add(&f->packets_sent, 1);
		__sync_fetch_and_add(&f->bytes_sent, payload);
	} else {
		__sync_fetch_and_add(&f->packets_received, 1);
		__sync_fetch_and_add(&f->bytes_received, payload);
	}
}

SEC("cgroup_skb/egress")
int udp_egress(struct __sk_buff *skb)
{
	udp__account(skb, true);
	return 1; /* always let the packet through */
}

SEC("cgroup_skb/ingress")
int udp_ingress(struct __sk_buff *skb)
{
	udp__account(skb, false);
	return 1;
}
