// SPDX-License-Identifier: Apache-2.0
// Exec rollups. Telecom hosts run the same health-check commands all day; a
// process that runs more than `threshold` times within `window` seconds with
// the same (exe, argv, parent exe, uid) is shown in full `threshold` times, then
// folded into one `rollup` record per window with the count and the first and
// last time. Anything that differs in one of those four fields is a new key,
// so a changed argument or a new parent is always seen in full.
#pragma once

#include <cstdint>
#include <list>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/event.h"

namespace linesman::aggregate {

struct RollupOptions {
	uint32_t threshold = 20;  // K
	uint32_t window_s = 60;   // W
	size_t max_keys = 16384;  // tracked keys; the least recently used one is closed first
};

class Rollup {
public:
	explicit Rollup(RollupOptions opts) : opts_(opts)
	{
		if (opts_.max_keys == 0)
			opts_.max_keys = 1; // eviction needs a key to evict
	}

	// An exec event; true = emit it in full, false = folded into a rollup.
	// `now_ns` is the event's wall time.
	bool offer(const Event &exec, uint64_t now_ns);

	// Rollup records for every window that ended before `now_ns` (all of them
	// when `all`, at shutdown). Each carries the last folded exec's process.
	std::vector<Event> flush(uint64_t now_ns, bool all = false);

	size_t keys() const { return by_key_.size(); }
	uint64_t folded() const { return folded_; }

private:
	struct Window {
		std::string key;
		uint64_t start_ns = 0;
		uint64_t seen = 0;          // events in this window, full ones included
		uint64_t folded = 0;        // events beyond the threshold
		uint64_t first_folded_ns = 0, last_folded_ns = 0;
		Process last;               // the most recent folded exec's process
	};
	using Lru = std::list<Window>;

	static std::string key_of(const Event &exec);
	void close(Lru::iterator it, std::vector<Event> *out);

	RollupOptions opts_;
	Lru lru_; // front = most recently used
	std::unordered_map<std::string, Lru::iterator> by_key_;
	uint64_t folded_ = 0;
	std::vector<Event> pending_; // closed by offer() (new window, eviction), not yet flushed
};

} // namespace linesman::aggregate
