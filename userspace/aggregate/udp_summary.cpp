// SPDX-License-Identifier: Apache-2.0
#include "aggregate/udp_summary.h"

#include <set>

namespace linesman::aggregate {
namespace {

UdpCounts minus(const UdpCounts &a, const UdpCounts &b)
{
	return {a.packets_sent - b.packets_sent, a.packets_received - b.packets_received,
		a.bytes_sent - b.bytes_sent, a.bytes_received - b.bytes_received};
}

} // namespace

decode::NetRecord UdpSummarizer::summary(const UdpFlow &f, const UdpCounts &delta, uint64_t now_ns)
{
	decode::NetRecord r;
	r.kind = decode::NetRecord::Kind::Udp;
	r.op = 2; // LS_UDP_SUMMARY
	r.hdr.ktime_ns = now_ns;
	r.hdr.tgid = f.owner_tgid;
	r.hdr.tid = f.owner_tid;
	r.owner_at_ns = f.owner_since_ns ? f.owner_since_ns : f.first_ns;
	r.family = f.family;
	r.protocol = 17; // IPPROTO_UDP
	r.sock_type = 2; // SOCK_DGRAM
	r.local_addr = f.local_addr;
	r.remote_addr = f.remote_addr;
	r.local_port = f.local_port;
	r.remote_port = f.remote_port;
	r.packets_sent = delta.packets_sent;
	r.packets_received = delta.packets_received;
	r.bytes_sent = delta.bytes_sent;
	r.bytes_received = delta.bytes_received;
	r.duration_ns = now_ns > f.first_ns ? now_ns - f.first_ns : 0;
	return r;
}

std::vector<decode::NetRecord> UdpSummarizer::sweep(UdpFlowTable &table, uint64_t now_ns, bool final)
{
	std::vector<decode::NetRecord> out;
	std::set<std::array<uint8_t, 32>> present;
	for (const UdpFlow &f : table.snapshot()) {
		present.insert(f.key);
		UdpCounts &last = reported_[f.key]; // a new flow starts from zero
		if (!(f.counts == last)) {
			out.push_back(summary(f, minus(f.counts, last), now_ns));
			last = f.counts;
			continue;
		}
		if (final)
			continue;
		// Idle for a whole period: take it out. Packets that arrived since the
		// snapshot are in the taken value and reported now.
		auto taken = table.take(f.key);
		if (!taken)
			continue; // still in the table, maybe: keep what was reported, retry next sweep
		if (taken.value() && !(taken.value()->counts == last))
			out.push_back(summary(*taken.value(), minus(taken.value()->counts, last), now_ns));
		reported_.erase(f.key);
		present.erase(f.key);
	}
	for (auto it = reported_.begin(); it != reported_.end();)
		it = present.count(it->first) ? std::next(it) : reported_.erase(it);
	return out;
}

} // namespace linesman::aggregate
