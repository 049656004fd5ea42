// SPDX-License-Identifier: Apache-2.0
#include <arpa/inet.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include <doctest/doctest.h>

#include "decode/decoder.h"
#include "decode/net_names.h"
#include "linesman_abi.h"

using namespace linesman;
using namespace linesman::decode;

namespace {

std::array<uint8_t, 16> addr_of(int family, const char *text)
{
	std::array<uint8_t, 16> a{};
	REQUIRE(inet_pton(family, text, a.data()) == 1);
	return a;
}

} // namespace

TEST_CASE("net names: addresses, v4-mapped shown as IPv4")
{
	CHECK(address(AF_INET, addr_of(AF_INET, "10.232.0.2")) == "10.232.0.2");
	CHECK(address(AF_INET6, addr_of(AF_INET6, "fd00:232::1")) == "fd00:232::1");
	CHECK(address(AF_INET6, addr_of(AF_INET6, "::ffff:192.0.2.7")) == "192.0.2.7");
	CHECK(address(AF_INET6, addr_of(AF_INET6, "::1")) == "::1");
	CHECK(address(17 /* AF_PACKET */, {}) == "");
}

TEST_CASE("net names: constants")
{
	CHECK(connect_result(0) == "established");
	CHECK(connect_result(ECONNREFUSED) == "refused");
	CHECK(connect_result(ETIMEDOUT) == "timed_out");
	CHECK(connect_result(EACCES) == "EACCES");
	CHECK(tcp_state_name(1) == "established");
	CHECK(tcp_state_name(5) == "fin_wait2");
	CHECK(tcp_state_name(9) == "last_ack");
	CHECK(tcp_state_name(99) == "state99");
	CHECK(ethertype_name(0x0003) == "all");
	CHECK(ethertype_name(0x88cc) == "0x88cc");
	CHECK(family_name(AF_INET6) == "inet6");
	CHECK(sock_type_name(SOCK_RAW) == "raw");
	CHECK(ip_protocol_name(1) == "icmp");
}

TEST_CASE("net decode: a close record becomes a named summary")
{
	ls_net_event ev{};
	ev.hdr.type = LS_EV_CLOSE;
	ev.hdr.abi_version = LS_ABI_VERSION;
	ev.hdr.size = sizeof(ev);
	ev.hdr.tgid = 4242;
	ev.hdr.tid = 4243;
	ev.hdr.start_boottime = 777;
	ev.conn_id = 0xabcdef0123456789ull;
	ev.duration_ns = 2'500'000'000;
	ev.bytes_sent = 123457;
	ev.bytes_received = 54321;
	ev.netns = 4026531840u;
	ev.family = AF_INET6;
	ev.protocol = 6;
	ev.sock_type = SOCK_STREAM;
	ev.local_port = 40001;
	ev.remote_port = 443;
	auto l = addr_of(AF_INET6, "::ffff:10.0.0.1"), r = addr_of(AF_INET6, "2001:db8::9");
	std::memcpy(ev.local_addr, l.data(), 16);
	std::memcpy(ev.remote_addr, r.data(), 16);
	ev.close_by = LS_CLOSE_REMOTE;
	ev.final_state = 9;

	std::vector<std::byte> bytes(sizeof(ev));
	std::memcpy(bytes.data(), &ev, sizeof(ev));
	auto rec = decode::decode(bytes);
	REQUIRE(rec.ok());
	const auto &n = std::get<NetRecord>(rec.value());
	CHECK(n.hdr.tgid == 4242);
	CHECK(n.hdr.start_boottime == 777);
	CHECK(event_type(n.kind) == EventType::Close);
	NetDetails d = net_details(n);
	CHECK(d.family == "inet6");
	CHECK(d.protocol == "tcp");
	CHECK(d.sock_type == "stream");
	CHECK(d.local_addr == "10.0.0.1");
	CHECK(d.remote_addr == "2001:db8::9");
	CHECK(d.local_port == 40001);
	CHECK(d.remote_port == 443);
	CHECK(d.conn_id == "abcdef0123456789");
	CHECK(d.duration_ns == 2'500'000'000);
	CHECK(d.bytes_sent == 123457);
	CHECK(d.bytes_received == 54321);
	CHECK(d.close_by == "remote");
	CHECK(d.final_state == "last_ack");
	CHECK(d.netns == 4026531840u);
	CHECK(d.result.empty());

	bytes.pop_back();
	CHECK_FALSE(decode::decode(bytes).ok());
}
