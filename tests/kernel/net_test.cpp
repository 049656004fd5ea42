// SPDX-License-Identifier: Apache-2.0
// The network sensor against real sockets: two network namespaces joined by a
// veth pair, a server and a client in separate processes, exact byte counts.
#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <set>
#include <string>
#include <thread>

#include <doctest/doctest.h>

#include "harness.h"

using namespace linesman;
using namespace linesman::test;

namespace {

// Two namespaces, "cli" (10.232.0.1, fd00:232::1) and "srv" (10.232.0.2,
// fd00:232::2), joined by a veth pair; removed on destruction.
struct NetPair {
	std::string cli, srv;
	NetPair()
	{
		std::string tag = std::to_string(getpid());
		cli = "lsm-net-cli-" + tag;
		srv = "lsm-net-srv-" + tag;
		std::string vc = "lnc" + tag, vs = "lns" + tag;
		sh("ip netns add " + cli + " && ip netns add " + srv);
		sh("ip link add " + vc + " netns " + cli + " type veth peer name " + vs + " netns " + srv);
		sh("ip -n " + cli + " addr add 10.232.0.1/24 dev " + vc);
		sh("ip -n " + srv + " addr add 10.232.0.2/24 dev " + vs);
		sh("ip -n " + cli + " -6 addr add fd00:232::1/64 dev " + vc + " nodad");
		sh("ip -n " + srv + " -6 addr add fd00:232::2/64 dev " + vs + " nodad");
		for (const auto &ns : {cli, srv})
			sh("ip -n " + ns + " link set lo up");
		sh("ip -n " + cli + " link set " + vc + " up && ip -n " + srv + " link set " + vs + " up");
	}
	~NetPair()
	{
		std::system(("ip netns del " + cli + " 2>/dev/null; ip netns del " + srv + " 2>/dev/null").c_str());
	}
	static uint32_t inode(const std::string &ns)
	{
		struct stat st{};
		REQUIRE(stat(("/run/netns/" + ns).c_str(), &st) == 0);
		return uint32_t(st.st_ino);
	}
};

// Runs `body` in a child process inside network namespace `ns`; returns its pid.
// The child only makes syscalls (the parent is multi-threaded).
template <typename F>
pid_t in_netns(const std::string &ns, F body)
{
	std::string path = "/run/netns/" + ns;
	pid_t pid = fork();
	REQUIRE(pid >= 0);
	if (pid == 0) {
		int fd = open(path.c_str(), O_RDONLY);
		if (fd < 0 || setns(fd, CLONE_NEWNET) != 0)
			_exit(120);
		_exit(body());
	}
	return pid;
}

bool send_all(int fd, size_t n)
{
	char buf[4096];
	memset(buf, 'x', sizeof(buf));
	while (n > 0) {
		ssize_t w = send(fd, buf, n < sizeof(buf) ? n : sizeof(buf), 0);
		if (w <= 0)
			return false;
		n -= size_t(w);
	}
	return true;
}

bool recv_exact(int fd, size_t n)
{
	char buf[4096];
	while (n > 0) {
		ssize_t r = recv(fd, buf, n < sizeof(buf) ? n : sizeof(buf), 0);
		if (r <= 0)
			return false;
		n -= size_t(r);
	}
	return true;
}

struct Endpoint {
	int family;
	const char *addr;
};

socklen_t make_sockaddr(const Endpoint &e, uint16_t port, sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (e.family == AF_INET) {
		auto *sin = reinterpret_cast<sockaddr_in *>(ss);
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		inet_pton(AF_INET, e.addr, &sin->sin_addr);
		return sizeof(*sin);
	}
	auto *sin6 = reinterpret_cast<sockaddr_in6 *>(ss);
	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons(port);
	inet_pton(AF_INET6, e.addr, &sin6->sin6_addr);
	return sizeof(*sin6);
}

// Server: listen (backlog 17), accept one, read N, write M, wait for EOF, close.
int serve_once(Endpoint e, uint16_t port, size_t n, size_t m, int ready_fd)
{
	int s = socket(e.family, SOCK_STREAM, 0);
	int one = 1;
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	sockaddr_storage ss;
	socklen_t len = make_sockaddr(e, port, &ss);
	if (bind(s, reinterpret_cast<sockaddr *>(&ss), len) != 0 || listen(s, 17) != 0)
		return 1;
	if (write(ready_fd, "r", 1) != 1)
		return 2;
	int c = accept(s, nullptr, nullptr);
	if (c < 0 || !recv_exact(c, n) || !send_all(c, m))
		return 3;
	char b;
	if (recv(c, &b, 1, 0) != 0) // the client closes first
		return 4;
	close(c);
	close(s);
	return 0;
}

// Client: connect, write N, read M, hold the connection `hold_ms`, close.
int connect_once(Endpoint e, uint16_t port, size_t n, size_t m, int hold_ms)
{
	int s = socket(e.family, SOCK_STREAM, 0);
	sockaddr_storage ss;
	socklen_t len = make_sockaddr(e, port, &ss);
	if (connect(s, reinterpret_cast<sockaddr *>(&ss), len) != 0)
		return 1;
	if (!send_all(s, n) || !recv_exact(s, m))
		return 2;
	if (hold_ms)
		usleep(hold_ms * 1000);
	close(s);
	return 0;
}

const NetDetails &net_of(const Event &ev)
{
	REQUIRE(std::holds_alternative<NetDetails>(ev.details));
	return std::get<NetDetails>(ev.details);
}

// 15 s: the shared sensor may still be working through the flood an earlier test made.
// A miss names the losses the sensor counted, so a dropped record shows as one.
std::optional<Event> wait_net(Collector &c, EventType type, pid_t pid)
{
	auto ev = c.wait_for([&](const Event &e) { return e.type == type && e.process.pid == uint32_t(pid); }, 15s);
	if (!ev)
		for (const Event &e : c.snapshot())
			if (e.type == EventType::Loss)
				MESSAGE("the sensor counted a loss: " << std::get<LossDetails>(e.details).where << " "
								       << std::get<LossDetails>(e.details).what << " "
								       << std::get<LossDetails>(e.details).count);
	return ev;
}

void client_server_exchange(Collector &c, Endpoint server, Endpoint client, int hold_ms)
{
	NetPair net;
	const uint16_t port = 40000 + getpid() % 20000;
	const size_t n = 123457, m = 54321;
	int ready[2];
	REQUIRE(pipe(ready) == 0);
	pid_t srv = in_netns(net.srv, [&] { return serve_once(server, port, n, m, ready[1]); });
	char r;
	REQUIRE(read(ready[0], &r, 1) == 1);
	pid_t cli = in_netns(net.cli, [&] { return connect_once(server, port, n, m, hold_ms); });
	CHECK(WEXITSTATUS(wait_status(cli)) == 0);
	CHECK(WEXITSTATUS(wait_status(srv)) == 0);
	close(ready[0]);
	close(ready[1]);

	const std::string fam = server.family == AF_INET ? "inet" : "inet6";
	auto listen_ev = wait_net(c, EventType::Listen, srv);
	REQUIRE(listen_ev);
	const auto &l = net_of(*listen_ev);
	CHECK(l.family == fam);
	CHECK(l.protocol == "tcp");
	CHECK(l.local_addr == server.addr);
	CHECK(l.local_port == port);
	CHECK(l.backlog == 17);
	CHECK(l.netns == NetPair::inode(net.srv));

	auto conn = wait_net(c, EventType::Connect, cli);
	REQUIRE(conn);
	const auto &co = net_of(*conn);
	CHECK(co.result == "established");
	CHECK(co.family == fam);
	CHECK(co.local_addr == client.addr);
	CHECK(co.remote_addr == server.addr);
	CHECK(co.remote_port == port);
	CHECK(co.local_port >= 1024);
	CHECK(co.netns == NetPair::inode(net.cli));
	CHECK(co.conn_id.size() == 16);
	CHECK(conn->process.exec_id.size() == 16);

	auto acc = wait_net(c, EventType::Accept, srv);
	REQUIRE(acc);
	const auto &ac = net_of(*acc);
	CHECK(ac.local_addr == server.addr);
	CHECK(ac.local_port == port);
	CHECK(ac.remote_addr == client.addr);
	CHECK(ac.remote_port == co.local_port);
	CHECK(ac.netns == NetPair::inode(net.srv));
	CHECK(ac.conn_id != co.conn_id); // two sockets, two connection records

	auto cclose = wait_net(c, EventType::Close, cli);
	REQUIRE(cclose);
	const auto &cc = net_of(*cclose);
	CHECK(cc.conn_id == co.conn_id);
	CHECK(cc.bytes_sent == n);
	CHECK(cc.bytes_received == m);
	CHECK(cc.close_by == "local");
	CHECK(cc.duration_ns >= uint64_t(hold_ms) * 1'000'000);
	CHECK(cc.local_port == co.local_port);
	CHECK(cc.remote_addr == server.addr);

	auto sclose = wait_net(c, EventType::Close, srv);
	REQUIRE(sclose);
	const auto &sc = net_of(*sclose);
	CHECK(sc.conn_id == ac.conn_id);
	CHECK(sc.bytes_sent == m);
	CHECK(sc.bytes_received == n);
	CHECK(sc.close_by == "remote");
	CHECK(sclose->process.pid == uint32_t(srv)); // the owner, though the FIN arrived in softirq

	// Exactly one close per side.
	size_t closes = 0;
	for (const Event &e : c.snapshot())
		if (e.type == EventType::Close && (e.process.pid == uint32_t(cli) || e.process.pid == uint32_t(srv)))
			++closes;
	CHECK(closes == 2);

	if (hold_ms > 0) {
		// Held open across summary periods: summaries of the client's connection
		// showed the totals while it was open, in state established.
		size_t summaries = 0;
		for (const Event &e : c.snapshot()) {
			if (e.type != EventType::TcpSummary || net_of(e).conn_id != co.conn_id)
				continue;
			++summaries;
			CHECK(e.process.pid == uint32_t(cli));
			CHECK(net_of(e).final_state == "established");
			CHECK(net_of(e).bytes_sent == n);
			CHECK(net_of(e).bytes_received == m);
			CHECK(net_of(e).remote_port == port);
		}
		CHECK(summaries >= 1);
	}
}

} // namespace

TEST_CASE("net: IPv4 connect, accept, listen and close across two namespaces, exact bytes")
{
	client_server_exchange(shared_sensor(), {AF_INET, "10.232.0.2"}, {AF_INET, "10.232.0.1"}, 0);
}

TEST_CASE("net: IPv6 connect, accept, listen and close, exact bytes")
{
	client_server_exchange(shared_sensor(), {AF_INET6, "fd00:232::2"}, {AF_INET6, "fd00:232::1"}, 0);
}

TEST_CASE("net: a connection that outlives a 1 s summary period: summaries while open, exact totals")
{
	agent::Config cfg = test_config();
	cfg.network.summary_s = 1;
	Collector c(cfg);
	client_server_exchange(c, {AF_INET, "10.232.0.2"}, {AF_INET, "10.232.0.1"}, 2500);
}

TEST_CASE("net: an IPv4 peer reached through an IPv6 socket (v4-mapped)")
{
	auto &c = shared_sensor();
	NetPair net;
	const uint16_t port = 41000 + getpid() % 20000;
	int ready[2];
	REQUIRE(pipe(ready) == 0);
	// The server listens on [::] (dual stack); the client connects over IPv4.
	pid_t srv = in_netns(net.srv, [&] { return serve_once({AF_INET6, "::"}, port, 10, 20, ready[1]); });
	char r;
	REQUIRE(read(ready[0], &r, 1) == 1);
	pid_t cli = in_netns(net.cli, [&] { return connect_once({AF_INET, "10.232.0.2"}, port, 10, 20, 0); });
	CHECK(WEXITSTATUS(wait_status(cli)) == 0);
	CHECK(WEXITSTATUS(wait_status(srv)) == 0);
	auto acc = wait_net(c, EventType::Accept, srv);
	REQUIRE(acc);
	CHECK(net_of(*acc).family == "inet6");
	CHECK(net_of(*acc).remote_addr == "10.232.0.1"); // ::ffff:10.232.0.1, shown as IPv4
	CHECK(net_of(*acc).local_addr == "10.232.0.2");
	close(ready[0]);
	close(ready[1]);
}

TEST_CASE("net: a refused connection")
{
	auto &c = shared_sensor();
	NetPair net;
	pid_t cli = in_netns(net.cli, [] { return connect_once({AF_INET, "10.232.0.2"}, 9, 1, 1, 0) == 1 ? 0 : 1; });
	CHECK(WEXITSTATUS(wait_status(cli)) == 0);
	auto conn = wait_net(c, EventType::Connect, cli);
	REQUIRE(conn);
	CHECK(net_of(*conn).result == "refused");
	CHECK(net_of(*conn).remote_addr == "10.232.0.2");
	CHECK(net_of(*conn).remote_port == 9);
	// No connection was made: nothing to close.
	std::this_thread::sleep_for(std::chrono::milliseconds(200));
	for (const Event &e : c.snapshot())
		CHECK_FALSE((e.type == EventType::Close && e.process.pid == uint32_t(cli)));
}

TEST_CASE("net: a connection that times out")
{
	auto &c = shared_sensor();
	NetPair net;
	// 10.233.0.0/24 is routed to the server namespace, which does not forward:
	// the SYNs vanish without an answer. One SYN retry: ETIMEDOUT in ~3 s.
	sh("ip -n " + net.cli + " route add 10.233.0.0/24 via 10.232.0.2");
	sh("ip netns exec " + net.cli + " sysctl -qw net.ipv4.tcp_syn_retries=1");
	pid_t cli = in_netns(net.cli, [] {
		int s = socket(AF_INET, SOCK_STREAM, 0);
		sockaddr_storage ss;
		socklen_t len = make_sockaddr({AF_INET, "10.233.0.9"}, 8443, &ss);
		return connect(s, reinterpret_cast<sockaddr *>(&ss), len) != 0 && errno == ETIMEDOUT ? 0 : 1;
	});
	CHECK(WEXITSTATUS(wait_status(cli)) == 0);
	auto conn = wait_net(c, EventType::Connect, cli);
	REQUIRE(conn);
	CHECK(net_of(*conn).result == "timed_out");
	CHECK(net_of(*conn).remote_addr == "10.233.0.9");
	CHECK(net_of(*conn).remote_port == 8443);
	CHECK(net_of(*conn).netns == NetPair::inode(net.cli));
}

TEST_CASE("net: 1,000 short connections in a burst are all accounted for")
{
	Collector c(test_config()); // its own: losses counted below are this run's only
	NetPair net;
	const uint16_t port = 42000 + getpid() % 20000;
	constexpr int kConns = 1000;
	int ready[2];
	REQUIRE(pipe(ready) == 0);
	pid_t srv = in_netns(net.srv, [&] {
		int s = socket(AF_INET, SOCK_STREAM, 0);
		sockaddr_storage ss;
		socklen_t len = make_sockaddr({AF_INET, "10.232.0.2"}, port, &ss);
		if (bind(s, reinterpret_cast<sockaddr *>(&ss), len) != 0 || listen(s, 1024) != 0)
			return 1;
		if (write(ready[1], "r", 1) != 1)
			return 2;
		for (int i = 0; i < kConns; ++i) {
			int a = accept(s, nullptr, nullptr);
			if (a < 0)
				return 3;
			char b;
			while (recv(a, &b, 1, 0) > 0) {
			}
			close(a);
		}
		return 0;
	});
	char r;
	REQUIRE(read(ready[0], &r, 1) == 1);
	pid_t cli = in_netns(net.cli, [&] {
		for (int i = 0; i < kConns; ++i)
			if (connect_once({AF_INET, "10.232.0.2"}, port, 1, 0, 0) != 0)
				return 1;
		return 0;
	});
	CHECK(WEXITSTATUS(wait_status(cli)) == 0);
	CHECK(WEXITSTATUS(wait_status(srv)) == 0);
	close(ready[0]);
	close(ready[1]);

	// Wait until the last close of the server side is in, then count.
	std::this_thread::sleep_for(std::chrono::milliseconds(500));
	uint64_t connects = 0, accepts = 0, closes = 0, lost_net = 0;
	auto events = c.snapshot();
	for (const Event &e : events) {
		if (e.type == EventType::Connect && e.process.pid == uint32_t(cli) && net_of(e).result == "established")
			++connects;
		else if (e.type == EventType::Accept && e.process.pid == uint32_t(srv))
			++accepts;
		else if (e.type == EventType::Close && (e.process.pid == uint32_t(cli) || e.process.pid == uint32_t(srv)))
			++closes;
		else if (e.type == EventType::Loss) {
			// every way a TCP record can be lost: kernel ring, queue, table, recursion
			const auto &l = std::get<LossDetails>(e.details);
			static const std::set<std::string> kinds{"net", "connect", "accept", "close",
								 "tcp_connection", "tcp_state"};
			if (kinds.count(l.what))
				lost_net += l.count;
		}
	}
	MESSAGE("connects=" << connects << " accepts=" << accepts << " closes=" << closes << " lost=" << lost_net);
	CHECK(connects <= uint64_t(kConns));
	CHECK(accepts <= uint64_t(kConns));
	CHECK(connects + accepts + closes + lost_net >= uint64_t(4 * kConns));
	if (lost_net == 0) {
		CHECK(connects == uint64_t(kConns));
		CHECK(accepts == uint64_t(kConns));
		CHECK(closes == uint64_t(2 * kConns));
	}
}

TEST_CASE("net: packet-capture and raw sockets are reported")
{
	auto &c = shared_sensor();
	pid_t pid = fork();
	REQUIRE(pid >= 0);
	if (pid == 0) {
		int p = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
		if (p < 0)
			_exit(1);
		sockaddr_ll sll{};
		sll.sll_family = AF_PACKET;
		sll.sll_protocol = htons(ETH_P_ALL);
		sll.sll_ifindex = int(if_nametoindex("lo"));
		if (bind(p, reinterpret_cast<sockaddr *>(&sll), sizeof(sll)) != 0)
			_exit(2);
		int raw = socket(AF_INET, SOCK_RAW, IPPROTO_ICMP);
		if (raw < 0)
			_exit(3);
		_exit(0);
	}
	CHECK(WEXITSTATUS(wait_status(pid)) == 0);
	auto is_socket = [&](const std::string &op, const std::string &family) {
		return [=](const Event &e) {
			return e.type == EventType::Socket && e.process.pid == uint32_t(pid) &&
			       std::get<NetDetails>(e.details).op == op && std::get<NetDetails>(e.details).family == family;
		};
	};
	auto open_ev = c.wait_for(is_socket("open", "packet"));
	REQUIRE(open_ev);
	CHECK(net_of(*open_ev).protocol == "all");
	CHECK(net_of(*open_ev).sock_type == "raw");
	auto bind_ev = c.wait_for(is_socket("bind", "packet"));
	REQUIRE(bind_ev);
	CHECK(net_of(*bind_ev).ifindex == if_nametoindex("lo"));
	CHECK(net_of(*bind_ev).ifname == "lo");
	auto raw_ev = c.wait_for(is_socket("open", "inet"));
	REQUIRE(raw_ev);
	CHECK(net_of(*raw_ev).protocol == "icmp");
	CHECK(net_of(*raw_ev).sock_type == "raw");
	CHECK(raw_ev->process.comm == open_ev->process.comm);
}

TEST_CASE("net: ignored ports and loopback produce no events; other traffic still does")
{
	agent::Config cfg = test_config();
	const uint16_t ignored = 43000 + getpid() % 20000;
	cfg.network.ignore_ports = {ignored};
	cfg.network.ignore_loopback = true;
	Collector c(cfg);
	NetPair net;
	auto exchange = [&](const std::string &srv_ns, const std::string &cli_ns, Endpoint srv_ep, uint16_t port) {
		int ready[2];
		REQUIRE(pipe(ready) == 0);
		pid_t srv = in_netns(srv_ns, [&] { return serve_once(srv_ep, port, 5, 5, ready[1]); });
		char r;
		REQUIRE(read(ready[0], &r, 1) == 1);
		pid_t cli = in_netns(cli_ns, [&] { return connect_once(srv_ep, port, 5, 5, 0); });
		CHECK(WEXITSTATUS(wait_status(cli)) == 0);
		CHECK(WEXITSTATUS(wait_status(srv)) == 0);
		close(ready[0]);
		close(ready[1]);
		return std::pair{cli, srv};
	};
	auto [icli, isrv] = exchange(net.srv, net.cli, {AF_INET, "10.232.0.2"}, ignored);
	auto [lcli, lsrv] = exchange(net.srv, net.srv, {AF_INET, "127.0.0.1"}, ignored + 1); // loopback
	auto [ccli, csrv] = exchange(net.srv, net.cli, {AF_INET, "10.232.0.2"}, ignored + 2); // control
	REQUIRE(c.wait_for([&](const Event &e) { return e.type == EventType::Close && e.process.pid == uint32_t(csrv); }));
	for (const Event &e : c.snapshot()) {
		if (!std::holds_alternative<NetDetails>(e.details))
			continue;
		for (pid_t p : {icli, isrv, lcli, lsrv})
			CHECK_MESSAGE(e.process.pid != uint32_t(p), "event for ignored traffic: " << to_string(e.type));
	}
}

namespace {

struct UdpTotals {
	uint64_t first_seen = 0, summaries = 0;
	uint64_t packets_sent = 0, packets_received = 0, bytes_sent = 0, bytes_received = 0;
};

UdpTotals udp_totals(const std::vector<Event> &events, pid_t pid, uint32_t remote_port = 0)
{
	UdpTotals t;
	for (const Event &e : events) {
		if (e.type != EventType::Udp || e.process.pid != uint32_t(pid))
			continue;
		const auto &d = std::get<NetDetails>(e.details);
		if (remote_port && d.remote_port != remote_port)
			continue;
		(d.op == "first_seen" ? t.first_seen : t.summaries)++;
		t.packets_sent += d.packets_sent;
		t.packets_received += d.packets_received;
		t.bytes_sent += d.bytes_sent;
		t.bytes_received += d.bytes_received;
	}
	return t;
}

} // namespace

TEST_CASE("net: K datagrams on one UDP flow: one first-seen event, summaries adding up to K")
{
	agent::Config cfg = test_config();
	cfg.network.summary_s = 1;
	Collector c(cfg);
	NetPair net;
	const uint16_t port = 44000 + getpid() % 20000;
	constexpr int kRounds = 5, kPerRound = 100, kPayload = 200;
	int ready[2];
	REQUIRE(pipe(ready) == 0);
	pid_t srv = in_netns(net.srv, [&] {
		int s = socket(AF_INET, SOCK_DGRAM, 0);
		sockaddr_storage ss;
		socklen_t len = make_sockaddr({AF_INET, "10.232.0.2"}, port, &ss);
		if (bind(s, reinterpret_cast<sockaddr *>(&ss), len) != 0)
			return 1;
		if (write(ready[1], "r", 1) != 1)
			return 2;
		char buf[2048];
		for (int i = 0; i < kRounds * kPerRound; ++i)
			if (recv(s, buf, sizeof(buf), 0) != kPayload)
				return 3;
		return 0;
	});
	char r;
	REQUIRE(read(ready[0], &r, 1) == 1);
	pid_t cli = in_netns(net.cli, [&] {
		int s = socket(AF_INET, SOCK_DGRAM, 0);
		sockaddr_storage ss;
		socklen_t len = make_sockaddr({AF_INET, "10.232.0.2"}, port, &ss);
		char buf[kPayload];
		memset(buf, 'u', sizeof(buf));
		for (int round = 0; round < kRounds; ++round) {
			for (int i = 0; i < kPerRound; ++i) {
				if (sendto(s, buf, sizeof(buf), 0, reinterpret_cast<sockaddr *>(&ss), len) != kPayload)
					return 1;
				usleep(200); // the receiver's queue never overflows: all K arrive
			}
			// Shorter than the 1 s period: the flow is never idle for a whole
			// period, so it is never taken out and seen "first" again.
			usleep(600'000);
		}
		return 0;
	});
	CHECK(WEXITSTATUS(wait_status(cli)) == 0);
	CHECK(WEXITSTATUS(wait_status(srv)) == 0);
	close(ready[0]);
	close(ready[1]);
	c.stop(); // final sweep: what the flows hold since the last summary

	auto events = c.snapshot();
	UdpTotals sent = udp_totals(events, cli, port);
	CHECK(sent.first_seen == 1);
	CHECK(sent.summaries >= 2); // the flow outlived several summary periods
	CHECK(sent.packets_sent == kRounds * kPerRound);
	CHECK(sent.bytes_sent == uint64_t(kRounds * kPerRound * kPayload));
	CHECK(sent.packets_received == 0);

	UdpTotals got = udp_totals(events, srv);
	CHECK(got.first_seen == 1);
	CHECK(got.packets_received == kRounds * kPerRound);
	CHECK(got.bytes_received == uint64_t(kRounds * kPerRound * kPayload));

	auto first = c.wait_for([&](const Event &e) {
		return e.type == EventType::Udp && e.process.pid == uint32_t(cli) && net_of(e).op == "first_seen";
	}, std::chrono::milliseconds(0));
	REQUIRE(first);
	CHECK(net_of(*first).remote_addr == "10.232.0.2");
	CHECK(net_of(*first).local_addr == "10.232.0.1");
	CHECK(net_of(*first).remote_port == port);
	CHECK(net_of(*first).protocol == "udp");
	CHECK(first->process.exec_id.size() == 16);
}

TEST_CASE("net: 500 distinct UDP flows are all reported")
{
	agent::Config cfg = test_config();
	cfg.network.summary_s = 1;
	Collector c(cfg);
	NetPair net;
	constexpr int kFlows = 500;
	const uint16_t base = 20000;
	pid_t cli = in_netns(net.cli, [&] {
		int s = socket(AF_INET6, SOCK_DGRAM, 0);
		char buf[10] = {};
		for (int i = 0; i < kFlows; ++i) {
			sockaddr_storage ss;
			socklen_t len = make_sockaddr({AF_INET6, "fd00:232::2"}, uint16_t(base + i), &ss);
			if (sendto(s, buf, sizeof(buf), 0, reinterpret_cast<sockaddr *>(&ss), len) != sizeof(buf))
				return 1;
		}
		return 0;
	});
	CHECK(WEXITSTATUS(wait_status(cli)) == 0);
	c.stop();
	std::set<uint32_t> first_ports;
	std::map<uint32_t, uint64_t> packets;
	for (const Event &e : c.snapshot()) {
		if (e.type != EventType::Udp || e.process.pid != uint32_t(cli))
			continue;
		const auto &d = net_of(e);
		CHECK(d.family == "inet6");
		CHECK(d.remote_addr == "fd00:232::2");
		if (d.op == "first_seen")
			first_ports.insert(d.remote_port);
		packets[d.remote_port] += d.packets_sent;
	}
	CHECK(first_ports.size() == kFlows);
	CHECK(packets.size() == kFlows);
	for (int i = 0; i < kFlows; ++i)
		CHECK(packets[base + i] == 1);
}
