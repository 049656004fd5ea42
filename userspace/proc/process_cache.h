// SPDX-License-Identifier: Apache-2.0
// The process cache: a state machine fed by kernel records (fork, exec, exit),
// seeded from /proc at start, that turns (tgid, start time) into a fully
// described process: exec_id, lineage, login session origin.
//
// Identity: exec_id = hex(FNV-1a-64(boot_id, tgid, image_time_ns)), where
// image_time_ns is the exec's CLOCK_BOOTTIME stamp for an exec'd image, and
// the process start time (rounded down to clock ticks, the precision /proc
// offers) for an image inherited through fork or seeded from /proc. A forked
// process that has not exec'd gets the same exec_id whether it was learnt from
// the kernel or /proc. An exec'd image learnt from /proc (the agent started
// after its exec) gets the start-time id: /proc does not tell when a process
// last exec'd, so across an agent restart such a process's exec_id changes.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/event.h"
#include "decode/record.h"
#include "proc/container.h"
#include "proc/procfs.h"

namespace linesman::proc {

struct CacheOptions {
	std::string boot_id;            // /proc/sys/kernel/random/boot_id
	uint64_t ticks_per_second = 100; // sysconf(_SC_CLK_TCK)
	uint64_t boot_wall_ns = 0;      // wall clock at boot: wall = boot_wall_ns + boottime ns
	size_t max_entries = 65536;     // live + recently exited; when full, oldest exited go first, then least recently used live
	uint64_t exit_grace_ns = 10'000'000'000; // keep an exited process this long (close events follow exit)
	size_t max_ancestors = 64;
	// uid -> user name ("" if unknown); defaults to getpwuid_r
	std::function<std::string(uint32_t)> user_name;
};

std::string make_exec_id(const std::string &boot_id, uint32_t tgid, uint64_t image_time_ns);

class ProcessCache {
public:
	ProcessCache(const ProcFs &procfs, CacheOptions opts);
	~ProcessCache(); // out of line: Entry is complete only in process_cache.cpp

	// Scan /proc; returns the number of processes added.
	size_t seed();

	// Records in arrival order. on_exec returns the new image's description;
	// on_exit returns the exiting process (and fills `details` duration) if known.
	void on_fork(const decode::ForkRecord &r);
	Process on_exec(const decode::ExecRecord &r);
	std::optional<Process> on_exit(const decode::ExitRecord &r, ExitDetails *details);

	// The current description of a live (or recently exited) process.
	std::optional<Process> lookup(const decode::ProcessKey &key);

	// The process that was `tgid` at `at_boot_ns`: for records that carry a pid
	// but no start time (the cgroup socket hooks cannot read the task). The
	// newest entry started at or before that time wins.
	std::optional<Process> lookup_pid(uint32_t tgid, uint64_t at_boot_ns);

	// Drop exited processes whose grace period ended before `now_boot_ns`.
	void expire(uint64_t now_boot_ns);

	size_t size() const;
	struct Stats {
		uint64_t seeded = 0, forks = 0, execs = 0, exits = 0;
		uint64_t misses = 0;     // records about a process the cache did not know
		uint64_t evicted = 0;    // entries dropped because max_entries was reached
		uint64_t origins_resolved = 0;
	};
	const Stats &stats() const { return stats_; }
	const ContainerIds &containers() const { return containers_; }

private:
	struct Entry;
	struct CachedName {
		std::string name;
		uint64_t looked_up_ns = 0;
	};
	Entry *find(const decode::ProcessKey &key);
	// exact: start_ns is the kernel's ns value; else it is whole clock ticks from /proc.
	Entry *find(uint32_t tgid, uint64_t start_ns, bool exact);
	Entry *live(uint32_t tgid);
	Entry *parent_of(const Entry &e);
	Entry &insert(Entry e);
	Process describe(Entry &e);
	std::optional<SessionOrigin> session_origin(Entry &e);
	std::shared_ptr<const SessionOrigin> sshd_peer(const Entry &sshd);
	std::string user_name(uint32_t uid);
	void evict_if_full();
	void advance(uint64_t now_boot_ns);

	const ProcFs &procfs_;
	CacheOptions opts_;
	uint64_t ns_per_tick_;
	std::unordered_map<uint32_t, std::vector<std::unique_ptr<Entry>>> by_tgid_;
	size_t count_ = 0;
	uint64_t now_ns_ = 0;   // latest CLOCK_BOOTTIME seen in a record or expire()
	uint64_t use_clock_ = 0; // orders entries by last use, for eviction
	std::unordered_map<uint32_t, CachedName> names_;
	ContainerIds containers_; // resolved at exec and seed, then copied by fork
	Stats stats_;
};

} // namespace linesman::proc
