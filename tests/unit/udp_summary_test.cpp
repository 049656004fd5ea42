// SPDX-License-Identifier: Apache-2.0
#include <doctest/doctest.h>

#include <map>

#include "aggregate/udp_summary.h"

using namespace linesman;
using namespace linesman::aggregate;

namespace {

// A fake kernel table. `late` packets arrive between a snapshot and a take,
// as they can in the kernel.
struct FakeTable : UdpFlowTable {
	std::map<std::array<uint8_t, 32>, UdpFlow> flows;
	uint64_t late_packets = 0;
	bool fail_take = false;

	std::vector<UdpFlow> snapshot() override
	{
		std::vector<UdpFlow> out;
		for (auto &[k, f] : flows)
			out.push_back(f);
		return out;
	}
	Result<std::optional<UdpFlow>> take(const std::array<uint8_t, 32> &key) override
	{
		if (fail_take)
			return Error("take failed");
		auto it = flows.find(key);
		if (it == flows.end())
			return std::optional<UdpFlow>();
		it->second.counts.packets_sent += late_packets;
		it->second.counts.bytes_sent += late_packets * 10;
		UdpFlow f = it->second;
		flows.erase(it);
		return std::optional<UdpFlow>(f);
	}
	UdpFlow &flow(uint8_t id)
	{
		std::array<uint8_t, 32> k{};
		k[0] = id;
		UdpFlow &f = flows[k];
		f.key = k;
		f.remote_port = 1000 + id;
		f.owner_tgid = 77;
		f.first_ns = 5;
		return f;
	}
};

uint64_t sum_packets(const std::vector<decode::NetRecord> &rs)
{
	uint64_t n = 0;
	for (const auto &r : rs)
		n += r.packets_sent + r.packets_received;
	return n;
}

} // namespace

TEST_CASE("udp summaries: deltas per period, idle flows taken out, nothing lost or counted twice")
{
	FakeTable t;
	UdpSummarizer s;
	t.flow(1).counts = {3, 1, 30, 10};
	auto r1 = s.sweep(t, 100);
	REQUIRE(r1.size() == 1);
	CHECK(r1[0].packets_sent == 3);
	CHECK(r1[0].packets_received == 1);
	CHECK(r1[0].bytes_sent == 30);
	CHECK(r1[0].remote_port == 1001);
	CHECK(r1[0].hdr.tgid == 77);
	CHECK(r1[0].owner_at_ns == 5);
	CHECK(r1[0].op == 2);
	CHECK(r1[0].duration_ns == 95);

	t.flow(1).counts = {5, 1, 50, 10};
	auto r2 = s.sweep(t, 200);
	REQUIRE(r2.size() == 1);
	CHECK(r2[0].packets_sent == 2); // only what is new
	CHECK(r2[0].packets_received == 0);
	CHECK(r2[0].bytes_sent == 20);

	// Idle for a period: taken out; a packet that slipped in before the take is reported.
	t.late_packets = 1;
	auto r3 = s.sweep(t, 300);
	REQUIRE(r3.size() == 1);
	CHECK(r3[0].packets_sent == 1);
	CHECK(r3[0].bytes_sent == 10);
	CHECK(t.flows.empty());
	CHECK(s.tracked() == 0);
	CHECK(sum_packets(r1) + sum_packets(r2) + sum_packets(r3) == 7); // 6 sent + 1 received

	// Idle without late packets: taken out silently.
	t.late_packets = 0;
	t.flow(2).counts = {1, 0, 10, 0};
	CHECK(s.sweep(t, 400).size() == 1);
	CHECK(s.sweep(t, 500).empty());
	CHECK(t.flows.empty());
}

TEST_CASE("udp summaries: the final sweep reports everything and removes nothing")
{
	FakeTable t;
	UdpSummarizer s;
	t.flow(1).counts = {4, 0, 40, 0};
	t.flow(2).counts = {0, 9, 0, 90};
	CHECK(s.sweep(t, 10).size() == 2);
	t.flow(2).counts = {0, 12, 0, 120};
	auto fin = s.sweep(t, 20, true);
	REQUIRE(fin.size() == 1);
	CHECK(fin[0].packets_received == 3);
	CHECK(t.flows.size() == 2);
}

TEST_CASE("udp summaries: a failed take keeps the flow's reported counts (no double count)")
{
	FakeTable t;
	UdpSummarizer s;
	t.flow(1).counts = {4, 0, 40, 0};
	CHECK(s.sweep(t, 10).size() == 1);
	t.fail_take = true;
	CHECK(s.sweep(t, 20).empty()); // idle, take fails: nothing reported, nothing forgotten
	CHECK(s.tracked() == 1);
	t.fail_take = false;
	t.flow(1).counts = {5, 0, 50, 0};
	auto r = s.sweep(t, 30);
	REQUIRE(r.size() == 1);
	CHECK(r[0].packets_sent == 1); // only the new packet, not all five again
}

TEST_CASE("udp summaries: the owner is resolved as of the socket's creation when it is known")
{
	FakeTable t;
	UdpSummarizer s;
	t.flow(1).counts = {1, 0, 10, 0};
	t.flow(1).owner_since_ns = 2; // created before the first packet (first_ns 5)
	t.flow(2).counts = {1, 0, 10, 0}; // owner's creation unknown: the first packet's time
	auto r = s.sweep(t, 10);
	REQUIRE(r.size() == 2);
	CHECK(r[0].owner_at_ns == 2);
	CHECK(r[1].owner_at_ns == 5);
}
