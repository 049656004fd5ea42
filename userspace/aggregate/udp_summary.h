// SPDX-License-Identifier: Apache-2.0
// Periodic UDP flow summaries. The kernel counts packets and bytes per flow in
// a table; every period the agent reads it and reports, per flow, what changed
// since the last report. A flow idle for a whole period is taken out of the
// table with one atomic lookup-and-delete, so a packet counted just before the
// delete is still reported: the counts of a flow's summaries add up exactly.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "common/result.h"
#include "decode/record.h"

namespace linesman::aggregate {

struct UdpCounts {
	uint64_t packets_sent = 0, packets_received = 0, bytes_sent = 0, bytes_received = 0;
	bool operator==(const UdpCounts &) const = default;
};

struct UdpFlow {
	std::array<uint8_t, 32> key{}; // the kernel's key, opaque here
	uint16_t family = 0;
	std::array<uint8_t, 16> local_addr{}, remote_addr{};
	uint16_t local_port = 0, remote_port = 0;
	uint32_t owner_tgid = 0, owner_tid = 0;
	uint64_t first_ns = 0;
	uint64_t owner_since_ns = 0; // when the owner created the socket (0: unknown)
	UdpCounts counts;
};

// The kernel flow table (probe/ implements it; tests fake it).
class UdpFlowTable {
public:
	virtual ~UdpFlowTable() = default;
	virtual std::vector<UdpFlow> snapshot() = 0;
	// Remove the flow and return its final value (nullopt if already gone). An
	// error means it may still be there: the summariser keeps what it reported.
	virtual Result<std::optional<UdpFlow>> take(const std::array<uint8_t, 32> &key) = 0;
};

class UdpSummarizer {
public:
	// One sweep; `final` reports every flow's outstanding counts without
	// removing anything (shutdown). Returns LS_EV_UDP summary records.
	std::vector<decode::NetRecord> sweep(UdpFlowTable &table, uint64_t now_ns, bool final = false);
	size_t tracked() const { return reported_.size(); }

private:
	static decode::NetRecord summary(const UdpFlow &f, const UdpCounts &delta, uint64_t now_ns);
	std::map<std::array<uint8_t, 32>, UdpCounts> reported_;
};

} // namespace linesman::aggregate
