// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Network family: TCP connect/accept/listen/close and packet-capture sockets.
 *
 * TCP lifetimes come from sock:inet_sock_set_state (tp_btf), which fires on
 * every state change of every TCP socket in every network namespace. Only some
 * transitions run in the acting process's context (SYN_SENT in connect(),
 * LISTEN in listen(), the first FIN in close()); the handshake's completion and
 * the peer's FIN run in softirq, where `current` is whoever was interrupted.
 * So the connection's owner is recorded when it is known (connect(); accept()
 * for inbound) and every later event names that owner, never `current`.
 *
 * accept() and socket() are read at syscall exit (classic per-syscall
 * tracepoints: only these syscalls pay, not every syscall on the host).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "linesman_abi.h"
#include "maps.bpf.h"
#include "task.bpf.h"
#include "fd.bpf.h"
#include "net_filter.bpf.h"

#define AF_PACKET 17
#define SOCK_RAW 3
#define IPPROTO_TCP 6
#define S_IFMT 00170000
#define S_IFSOCK 0140000

/* TCP states (include/net/tcp_states.h) */
#define TCP_ESTABLISHED 1
#define TCP_SYN_SENT 2
#define TCP_SYN_RECV 3
#define TCP_FIN_WAIT1 4
#define TCP_CLOSE 7
#define TCP_CLOSE_WAIT 8
#define TCP_LISTEN 10

struct conn {
	__u32 owner_tgid; /* 0 until connect()/accept() names it */
	__u32 owner_tid;
	__u64 owner_start;
	__u64 conn_id;
	__u64 established_ns; /* 0 while connecting */
	__u16 close_by;
	__u16 local_port;     /* the kernel may release the port before CLOSE is reported */
	__u16 pad[2];
	__u64 summary_gen;    /* the last summary run that reported this connection */
};

/* Live TCP connections by socket address. A plain hash, not an LRU: an LRU
 * would evict silently; here a full table is counted (LS_CNT_CONN_TABLE_FULL). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u64);
	__type(value, struct conn);
} conns SEC(".maps");

/* Network records (152 bytes) are built on the BPF stack, not in a per-CPU
 * scratch map: tcp_state runs in softirq and can interrupt a process-context
 * program on the same CPU mid-record, and a shared slot would mix the two. */

static __always_inline void net__fill_sock(struct ls_net_event *ev, struct sock *sk)
{
	__u16 family = BPF_CORE_READ(sk, __sk_common.skc_family);
	ev->family = family;
	ev->protocol = BPF_CORE_READ(sk, sk_protocol);
	ev->sock_type = BPF_CORE_READ(sk, sk_type);
	ev->netns = BPF_CORE_READ(sk, __sk_common.skc_net.net, ns.inum);
	ev->local_port = BPF_CORE_READ(sk, __sk_common.skc_num);
	ev->remote_port = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
	if (family == AF_INET) {
		__be32 l = BPF_CORE_READ(sk, __sk_common.skc_rcv_saddr);
		__be32 r = BPF_CORE_READ(sk, __sk_common.skc_daddr);
		__builtin_memcpy(ev->local_addr, &l, 4);
		__builtin_memcpy(ev->remote_addr, &r, 4);
	} else if (family == AF_INET6) {
		BPF_CORE_READ_INTO(&ev->local_addr, sk, __sk_common.skc_v6_rcv_saddr.in6_u.u6_addr8);
		BPF_CORE_READ_INTO(&ev->remote_addr, sk, __sk_common.skc_v6_daddr.in6_u.u6_addr8);
	}
}

static __always_inline bool net__ignored(const struct ls_net_event *ev)
{
	return filter__ignored(ev->family, ev->local_addr, ev->remote_addr, ev->local_port,
			       ev->remote_port);
}

/* Fill @ev (zeroed by the caller) with @sk's endpoints; false when, with
 * @filtered, the agent's filter drops this traffic. */
static __always_inline bool net__describe(struct ls_net_event *ev, struct sock *sk, bool filtered)
{
	net__fill_sock(ev, sk);
	return !(filtered && net__ignored(ev));
}

static __always_inline void net__header_from_current(struct ls_net_event *ev, __u16 type)
{
	struct task_struct *task = bpf_get_current_task_btf();
	task__fill_header(&ev->hdr, type, task, bpf_ktime_get_boot_ns());
	ev->hdr.size = sizeof(*ev);
}

static __always_inline void net__header_from_owner(struct ls_net_event *ev, __u16 type,
						   const struct conn *c)
{
	ev->hdr.type = type;
	ev->hdr.abi_version = LS_ABI_VERSION;
	ev->hdr.size = sizeof(*ev);
	ev->hdr.ktime_ns = bpf_ktime_get_boot_ns();
	ev->hdr.tgid = c->owner_tgid;
	ev->hdr.tid = c->owner_tid;
	ev->hdr.start_boottime = c->owner_start;
}

/* Payload bytes each way. bytes_acked would count our SYN and FIN (they take
 * sequence space); bytes_sent counts data octets put on the wire, retransmits
 * included (RFC 4898 HCDataOctetsOut). bytes_received counts the peer's FIN,
 * which tcp_fin() marks with SOCK_DONE. */
static __always_inline void tcp__payload(struct sock *sk, struct ls_net_event *ev)
{
	struct tcp_sock *tp = (struct tcp_sock *)sk;
	ev->bytes_sent = BPF_CORE_READ(tp, bytes_sent) - BPF_CORE_READ(tp, bytes_retrans);
	__u64 received = BPF_CORE_READ(tp, bytes_received);
	if ((BPF_CORE_READ(sk, __sk_common.skc_flags) & (1ul << SOCK_DONE)) && received)
		received -= 1;
	ev->bytes_received = received;
}

static __always_inline void conn__set_owner_current(struct conn *c)
{
	struct task_struct *task = bpf_get_current_task_btf();
	c->owner_tgid = BPF_CORE_READ(task, tgid);
	c->owner_tid = BPF_CORE_READ(task, pid);
	c->owner_start = task__start_boottime(task);
}

static __always_inline __u64 conn__new_id(void)
{
	/* creation time with 32 random bits folded in: two connections would need
	 * the same nanosecond and the same random draw to collide */
	return bpf_ktime_get_boot_ns() ^ ((__u64)bpf_get_prandom_u32() << 32);
}

static __always_inline struct conn *conn__create(__u64 key, bool owned_by_current)
{
	struct conn c = {.conn_id = conn__new_id()};
	if (owned_by_current)
		conn__set_owner_current(&c);
	if (bpf_map_update_elem(&conns, &key, &c, BPF_ANY)) {
		counter__add(LS_CNT_CONN_TABLE_FULL, 1);
		return NULL;
	}
	return bpf_map_lookup_elem(&conns, &key);
}

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(tcp_state, const struct sock *csk, const int oldstate, const int newstate)
{
	struct sock *sk = (struct sock *)csk;
	if (BPF_CORE_READ(sk, sk_protocol) != IPPROTO_TCP)
		return 0;
	__u64 key = (__u64)sk;
	struct ls_net_event rec = {};
	struct ls_net_event *ev = &rec;

	if (oldstate == TCP_LISTEN) {
		/* a listener closing: no connection of its own, but clear any stale
		 * entry a missed CLOSE left under this socket address */
		bpf_map_delete_elem(&conns, &key);
		return 0;
	}

	if (newstate == TCP_LISTEN) {
		/* inet_listen() -> inet_csk_listen_start(): process context */
		bpf_map_delete_elem(&conns, &key); /* see above */
		if (!net__describe(ev, sk, true))
			return 0;
		net__header_from_current(ev, LS_EV_LISTEN);
		ev->backlog = BPF_CORE_READ(sk, sk_max_ack_backlog);
		events__output(ev, sizeof(*ev), LS_CNT_RB_DROP_NET);
		return 0;
	}

	if (newstate == TCP_SYN_SENT) {
		/* connect(): process context. Filter on the destination now. */
		if (net__describe(ev, sk, true))
			conn__create(key, true);
		return 0;
	}

	struct conn *c = bpf_map_lookup_elem(&conns, &key);

	if (oldstate == TCP_SYN_RECV && newstate == TCP_ESTABLISHED) {
		/* inbound handshake completed (softirq): the owner comes with accept() */
		if (!net__describe(ev, sk, true))
			return 0;
		c = conn__create(key, false);
		if (c) {
			c->established_ns = bpf_ktime_get_boot_ns();
			c->local_port = ev->local_port;
		}
		return 0;
	}
	if (!c)
		return 0; /* not tracked: ignored by the filter, or began before we attached */

	if (oldstate == TCP_SYN_SENT) {
		if (!net__describe(ev, sk, false))
			return 0;
		net__header_from_owner(ev, LS_EV_CONNECT, c);
		ev->conn_id = c->conn_id;
		if (newstate == TCP_ESTABLISHED) {
			c->established_ns = ev->hdr.ktime_ns;
			c->local_port = ev->local_port;
		} else {
			/* refused (RST), timed out, unreachable: tcp_done_with_error()
			 * stored the errno before moving to CLOSE */
			int err = BPF_CORE_READ(sk, sk_err);
			ev->result = err ? err : 104 /* ECONNRESET */;
			bpf_map_delete_elem(&conns, &key);
		}
		events__output(ev, sizeof(*ev), LS_CNT_RB_DROP_NET);
		return 0;
	}

	if (oldstate == TCP_ESTABLISHED && c->close_by == LS_CLOSE_UNKNOWN) {
		if (newstate == TCP_FIN_WAIT1)
			c->close_by = LS_CLOSE_LOCAL;
		else if (newstate == TCP_CLOSE_WAIT)
			c->close_by = LS_CLOSE_REMOTE;
	}

	if (newstate != TCP_CLOSE)
		return 0;
	if (!net__describe(ev, sk, false))
		return 0;
	net__header_from_owner(ev, LS_EV_CLOSE, c);
	ev->conn_id = c->conn_id;
	ev->duration_ns = c->established_ns ? ev->hdr.ktime_ns - c->established_ns : 0;
	ev->close_by = c->close_by ? c->close_by : LS_CLOSE_RESET;
	ev->final_state = oldstate;
	if (!ev->local_port)
		ev->local_port = c->local_port;
	tcp__payload(sk, ev);
	bpf_map_delete_elem(&conns, &key);
	events__output(ev, sizeof(*ev), LS_CNT_RB_DROP_NET);
	return 0;
}

/* Set by the agent before each summary run; a connection reports once per run
 * even when several processes (or fds) share its socket. */
__u64 summary_gen = 0;

/*
 * Periodic summaries of open TCP connections: the agent runs this iterator once
 * per summary period, and every tracked, established connection reports its
 * totals so far. A long-lived connection (a SIGTRAN or Diameter link, or an
 * exfiltration channel) is visible while it lasts, not only when it closes.
 * iter/task_file rather than iter/tcp: iter/tcp walks only the reader's own
 * network namespace, the open files of every task reach all of them. The
 * kernel skips threads that share their leader's file table.
 */
SEC("iter/task_file")
int tcp_summary(struct bpf_iter__task_file *ctx)
{
	struct file *file = ctx->file;
	if (!file)
		return 0;
	if ((BPF_CORE_READ(file, f_inode, i_mode) & S_IFMT) != S_IFSOCK)
		return 0;
	struct socket *sock = BPF_CORE_READ(file, private_data);
	struct sock *sk = BPF_CORE_READ(sock, sk);
	if (!sk || BPF_CORE_READ(sk, sk_protocol) != IPPROTO_TCP)
		return 0;
	__u64 key = (__u64)sk;
	struct conn *c = bpf_map_lookup_elem(&conns, &key);
	if (!c || !c->established_ns || c->summary_gen == summary_gen)
		return 0;
	c->summary_gen = summary_gen;
	struct task_struct *task = ctx->task;
	if (!c->owner_tgid && task) {
		/* accepted without accept()/accept4() (io_uring): the holder of the fd owns it */
		c->owner_tgid = BPF_CORE_READ(task, tgid);
		c->owner_tid = BPF_CORE_READ(task, pid);
		c->owner_start = task__start_boottime(task);
	}
	struct ls_net_event rec = {};
	struct ls_net_event *ev = &rec;
	net__describe(ev, sk, false);
	net__header_from_owner(ev, LS_EV_TCP_SUMMARY, c);
	ev->conn_id = c->conn_id;
	ev->duration_ns = ev->hdr.ktime_ns - c->established_ns;
	ev->final_state = BPF_CORE_READ(sk, __sk_common.skc_state); /* the current state */
	tcp__payload(sk, ev);
	events__output(ev, sizeof(*ev), LS_CNT_RB_DROP_NET);
	return 0;
}

/* The socket behind a file descriptor of the current task, or NULL. */
static __always_inline struct socket *fd__socket(long fd)
{
	struct file *f = fd__file(bpf_get_current_task_btf(), fd);
	if (!f)
		return NULL;
	if ((BPF_CORE_READ(f, f_inode, i_mode) & S_IFMT) != S_IFSOCK)
		return NULL;
	return BPF_CORE_READ(f, private_data);
}

static __always_inline int accept__exit(long ret)
{
	if (ret < 0)
		return 0;
	struct socket *sock = fd__socket(ret);
	if (!sock)
		return 0;
	struct sock *sk = BPF_CORE_READ(sock, sk);
	if (BPF_CORE_READ(sk, sk_protocol) != IPPROTO_TCP)
		return 0;
	__u64 key = (__u64)sk;
	struct conn *c = bpf_map_lookup_elem(&conns, &key);
	if (!c)
		return 0; /* ignored by the filter, or the table was full (counted) */
	conn__set_owner_current(c);
	struct ls_net_event rec = {};
	struct ls_net_event *ev = &rec;
	net__describe(ev, sk, false);
	net__header_from_current(ev, LS_EV_ACCEPT);
	ev->conn_id = c->conn_id;
	events__output(ev, sizeof(*ev), LS_CNT_RB_DROP_NET);
	return 0;
}

SEC("tp/syscalls/sys_exit_accept4")
int handle_accept4(struct syscall_trace_exit *ctx)
{
	return accept__exit(ctx->ret);
}

SEC("tp/syscalls/sys_exit_accept")
int handle_accept(struct syscall_trace_exit *ctx)
{
	return accept__exit(ctx->ret);
}

/* Packet capture and raw IP sockets: tcpdump, custom sniffers. Never filtered. */
SEC("tp/syscalls/sys_exit_socket")
int handle_socket(struct syscall_trace_exit *ctx)
{
	if (ctx->ret < 0)
		return 0;
	struct socket *sock = fd__socket(ctx->ret);
	if (!sock)
		return 0;
	struct sock *sk = BPF_CORE_READ(sock, sk);
	__u16 family = BPF_CORE_READ(sk, __sk_common.skc_family);
	__u16 type = BPF_CORE_READ(sk, sk_type);
	if (family != AF_PACKET && type != SOCK_RAW)
		return 0;
	struct ls_net_event rec = {};
	struct ls_net_event *ev = &rec;
	net__header_from_current(ev, LS_EV_SOCKET);
	ev->op = LS_SOCKET_OPEN;
	ev->family = family;
	ev->sock_type = type;
	if (family == AF_PACKET) /* the ethertype, in network order, lives in packet_sock */
		ev->protocol = bpf_ntohs(BPF_CORE_READ((struct packet_sock *)sk, num));
	else
		ev->protocol = BPF_CORE_READ(sk, sk_protocol);
	ev->netns = BPF_CORE_READ(sk, __sk_common.skc_net.net, ns.inum);
	events__output(ev, sizeof(*ev), LS_CNT_RB_DROP_NET);
	return 0;
}

/* bind() of an AF_PACKET socket names the interface it captures on. */
SEC("tp/syscalls/sys_enter_bind")
int handle_bind(struct syscall_trace_enter *ctx)
{
	struct socket *sock = fd__socket(ctx->args[0]);
	if (!sock)
		return 0;
	struct sock *sk = BPF_CORE_READ(sock, sk);
	if (BPF_CORE_READ(sk, __sk_common.skc_family) != AF_PACKET)
		return 0;
	struct sockaddr_ll sll = {};
	if (bpf_probe_read_user(&sll, sizeof(sll), (const void *)ctx->args[1]))
		return 0;
	struct ls_net_event rec = {};
	struct ls_net_event *ev = &rec;
	net__header_from_current(ev, LS_EV_SOCKET);
	ev->op = LS_SOCKET_BIND;
	ev->family = AF_PACKET;
	ev->sock_type = BPF_CORE_READ(sk, sk_type);
	ev->protocol = bpf_ntohs(sll.sll_protocol);
	ev->ifindex = sll.sll_ifindex;
	ev->netns = BPF_CORE_READ(sk, __sk_common.skc_net.net, ns.inum);
	events__output(ev, sizeof(*ev), LS_CNT_RB_DROP_NET);
	return 0;
}
