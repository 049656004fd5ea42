// SPDX-License-Identifier: Apache-2.0
#include "decode/net_names.h"

#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace linesman::decode {

std::string family_name(uint16_t family)
{
	switch (family) {
	case AF_INET: return "inet";
	case AF_INET6: return "inet6";
	case AF_PACKET: return "packet";
	default: return "af" + std::to_string(family);
	}
}

std::string ip_protocol_name(uint16_t proto)
{
	switch (proto) {
	case IPPROTO_TCP: return "tcp";
	case IPPROTO_UDP: return "udp";
	case IPPROTO_ICMP: return "icmp";
	case IPPROTO_ICMPV6: return "icmpv6";
	case IPPROTO_RAW: return "raw";
	case IPPROTO_SCTP: return "sctp";
	default: return "ip" + std::to_string(proto);
	}
}

std::string ethertype_name(uint16_t ethertype)
{
	switch (ethertype) {
	case 0x0003: return "all"; // ETH_P_ALL
	case 0x0800: return "ip";
	case 0x86dd: return "ipv6";
	case 0x0806: return "arp";
	case 0x0000: return "none"; // bound later, or not at all
	default: {
		char buf[8];
		std::snprintf(buf, sizeof(buf), "0x%04x", ethertype);
		return buf;
	}
	}
}

std::string sock_type_name(uint32_t type)
{
	switch (type) {
	case SOCK_STREAM: return "stream";
	case SOCK_DGRAM: return "dgram";
	case SOCK_RAW: return "raw";
	case SOCK_SEQPACKET: return "seqpacket";
	case SOCK_PACKET: return "packet";
	default: return "type" + std::to_string(type);
	}
}

std::string tcp_state_name(uint16_t state)
{
	static const char *const names[] = {"unknown",    "established", "syn_sent",   "syn_recv",
					    "fin_wait1",  "fin_wait2",   "time_wait",  "close",
					    "close_wait", "last_ack",    "listen",     "closing",
					    "new_syn_recv"};
	return state < std::size(names) ? names[state] : "state" + std::to_string(state);
}

std::string connect_result(int32_t err)
{
	switch (err) {
	case 0: return "established";
	case ECONNREFUSED: return "refused";
	case ETIMEDOUT: return "timed_out";
	case EHOSTUNREACH: return "host_unreachable";
	case ENETUNREACH: return "net_unreachable";
	case ECONNRESET: return "reset";
	default: {
		const char *name = strerrorname_np(err);
		return name ? name : "errno" + std::to_string(err);
	}
	}
}

std::string address(uint16_t family, const std::array<uint8_t, 16> &addr)
{
	char buf[INET6_ADDRSTRLEN] = {};
	if (family == AF_INET)
		return inet_ntop(AF_INET, addr.data(), buf, sizeof(buf)) ? buf : "";
	if (family != AF_INET6)
		return "";
	static constexpr uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	if (std::memcmp(addr.data(), kMapped, sizeof(kMapped)) == 0)
		return inet_ntop(AF_INET, addr.data() + 12, buf, sizeof(buf)) ? buf : "";
	return inet_ntop(AF_INET6, addr.data(), buf, sizeof(buf)) ? buf : "";
}

EventType event_type(NetRecord::Kind kind)
{
	switch (kind) {
	case NetRecord::Kind::Connect: return EventType::Connect;
	case NetRecord::Kind::Accept: return EventType::Accept;
	case NetRecord::Kind::Listen: return EventType::Listen;
	case NetRecord::Kind::Close: return EventType::Close;
	case NetRecord::Kind::Socket: return EventType::Socket;
	case NetRecord::Kind::Udp: return EventType::Udp;
	case NetRecord::Kind::TcpSummary: return EventType::TcpSummary;
	}
	return EventType::Connect;
}

NetDetails net_details(const NetRecord &r)
{
	NetDetails d;
	d.family = family_name(r.family);
	d.protocol = r.family == AF_PACKET ? ethertype_name(r.protocol) : ip_protocol_name(r.protocol);
	d.sock_type = sock_type_name(r.sock_type);
	d.netns = r.netns;
	if (r.family == AF_INET || r.family == AF_INET6) {
		d.local_addr = address(r.family, r.local_addr);
		d.remote_addr = address(r.family, r.remote_addr);
		d.local_port = r.local_port;
		d.remote_port = r.remote_port;
	}
	if (r.conn_id) {
		char buf[17];
		std::snprintf(buf, sizeof(buf), "%016llx", (unsigned long long)r.conn_id);
		d.conn_id = buf;
	}
	switch (r.kind) {
	case NetRecord::Kind::Connect:
		d.result = connect_result(r.result);
		break;
	case NetRecord::Kind::Listen:
		d.backlog = r.backlog;
		break;
	case NetRecord::Kind::Close:
		d.duration_ns = r.duration_ns;
		d.bytes_sent = r.bytes_sent;
		d.bytes_received = r.bytes_received;
		d.close_by = r.close_by == 1 ? "local" : r.close_by == 2 ? "remote" : "reset";
		d.final_state = tcp_state_name(r.final_state);
		break;
	case NetRecord::Kind::Socket:
		d.op = r.op == 2 ? "bind" : "open";
		d.ifindex = r.ifindex;
		break;
	case NetRecord::Kind::Udp:
		d.op = r.op == 2 ? "summary" : "first_seen";
		d.duration_ns = r.duration_ns; // summary: the flow's age
		d.bytes_sent = r.bytes_sent;
		d.bytes_received = r.bytes_received;
		d.packets_sent = r.packets_sent;
		d.packets_received = r.packets_received;
		break;
	case NetRecord::Kind::TcpSummary:
		d.duration_ns = r.duration_ns;
		d.bytes_sent = r.bytes_sent;
		d.bytes_received = r.bytes_received;
		d.final_state = tcp_state_name(r.final_state); // the state now
		break;
	case NetRecord::Kind::Accept:
		break;
	}
	return d;
}

} // namespace linesman::decode
