// SPDX-License-Identifier: Apache-2.0
// The pipeline stage between decoded kernel records and the outputs: process
// cache enrichment, rollups, sequence numbers, loss and agent events. It owns
// no thread and touches no kernel object, so unit tests drive it directly.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <unordered_set>

#include "aggregate/rollup.h"
#include "common/event.h"
#include "decode/record.h"
#include "fim/changes.h"
#include "proc/process_cache.h"

namespace linesman::agent {

struct PipelineOptions {
	std::string host;
	uint64_t boot_wall_ns = 0; // wall clock at boot: wall = boot_wall_ns + CLOCK_BOOTTIME ns
	bool rollup_enabled = true;
	aggregate::RollupOptions rollup;
	Process agent_process; // the acting process of agent and loss events: linesmand itself
	uint64_t first_seq = 1; // continues the store's sequence across restarts
	// Called on the emitting thread before a seq past the last mark it returned is
	// handed out: records a high-water mark >= seq (store::SeqReservation) and returns
	// it. It must return a mark >= seq even when recording failed (it reports that
	// itself), and must not emit. Unset: seqs are not reserved.
	std::function<uint64_t(uint64_t seq)> reserve_seq;
};

class Pipeline {
public:
	// Takes the event: the receiver may keep it (the store queue does).
	using Emit = std::function<void(Event &&)>;

	// @files may be null: file records are then dropped (files.enabled: false).
	Pipeline(proc::ProcessCache &cache, PipelineOptions opts, Emit emit,
		 fim::FileChanges *files = nullptr);

	void on_record(const decode::Record &record);
	// `count` records of `what` were lost at `where`: becomes a `loss` event.
	void on_loss(const std::string &where, const std::string &what, uint64_t count);
	void on_agent(const std::string &what, const std::string &message,
		      std::vector<std::pair<std::string, uint64_t>> counters = {});
	// Once a second: expire exited processes, close rollup windows.
	void tick(uint64_t boot_now_ns);
	// At shutdown: close every rollup window.
	void finish(uint64_t boot_now_ns);
	// Follow a step of the wall clock (NTP, an operator): events after it use the new offset.
	void set_boot_wall_ns(uint64_t ns) { opts_.boot_wall_ns = ns; }

	struct Stats {
		uint64_t emitted = 0, execs = 0, exits = 0, forks = 0;
		uint64_t folded_execs = 0, folded_exits = 0, lost = 0;
		uint64_t net = 0;
		uint64_t file_records = 0, file_events = 0;
	};
	// A tracked open file was found closed where no probe saw it (see FileChanges).
	void on_unobserved_close(uint64_t file_id, uint64_t bytes, uint64_t boot_now_ns);
	const Stats &stats() const { return stats_; }
	// What the loss events carried, summed since start, by where and what. A place
	// reported with a zero count is listed too (it was checked and lost nothing).
	using LossKey = std::pair<std::string, std::string>;
	const std::map<LossKey, uint64_t> &losses() const { return losses_; }
	uint64_t last_seq() const { return next_seq_ - 1; }

private:
	void emit(Event &&ev);
	void handle(const decode::ExecRecord &r);
	void handle(const decode::ForkRecord &r);
	void handle(const decode::ExitRecord &r);
	void handle(const decode::NetRecord &r);
	void handle(const decode::FileRecord &r);
	void emit_file(fim::FileChanges::Change &&c);
	uint64_t wall(uint64_t boot_ns) const { return opts_.boot_wall_ns + boot_ns; }

	proc::ProcessCache &cache_;
	PipelineOptions opts_;
	Emit emit_;
	fim::FileChanges *files_;
	aggregate::Rollup rollup_;
	// Processes whose exec was folded into a rollup: their exit is folded too.
	// Keyed by the whole ProcessKey: a hash may collide, equality must not.
	struct KeyHash {
		size_t operator()(const decode::ProcessKey &k) const
		{
			return std::hash<uint64_t>{}((uint64_t(k.tgid) << 40) ^ k.start_boottime);
		}
	};
	std::unordered_set<decode::ProcessKey, KeyHash> folded_;
	uint64_t next_seq_ = 1;
	uint64_t reserved_ = 0; // the last mark reserve_seq returned
	uint32_t own_netns_ = 0;
	Stats stats_;
	std::map<LossKey, uint64_t> losses_;
};

} // namespace linesman::agent
