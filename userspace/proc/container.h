// SPDX-License-Identifier: Apache-2.0
// Container ids from cgroups. The kernel records carry the task's cgroup-v2 id
// (bpf_get_current_cgroup_id); the container runtimes name their cgroups after
// the container ("docker-<64 hex>.scope", "/lxc/<name>", ...). This turns a
// cgroup id into that name: once per cgroup id from /proc/PID/cgroup, checked
// against the cgroup directory's inode, then from a bounded cache.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "proc/procfs.h"

namespace linesman::proc {

// The container a cgroup path belongs to: the full 64-hex id for docker,
// containerd, CRI-O and podman cgroups (systemd "<runtime>-<id>.scope" or
// cgroupfs "/docker/<id>", "/kubepods/.../pod<uid>/<id>"), the name for LXC
// ("lxc.payload.<name>", "/lxc/<name>"). The innermost container wins when
// they nest. "" for anything else: host services, the runtimes' own monitors
// (conmon, lxc.monitor), a malformed id.
std::string container_id_of_cgroup(std::string_view path);

// /proc/PID/cgroup: the cgroup-v2 line ("0::/path") and the v1 lines' paths.
struct ProcCgroup {
	std::optional<std::string> unified;
	std::vector<std::string> legacy;
};
ProcCgroup parse_proc_cgroup(std::string_view text);

// From /proc/self/mountinfo: where the cgroup-v2 hierarchy is mounted ("" when
// it is not: a legacy host), and whether any v1 hierarchy is (a hybrid or
// legacy host, where a runtime may place containers in v1 cgroups only).
struct CgroupMounts {
	std::string unified;
	bool legacy = false;
};
CgroupMounts parse_cgroup_mounts(std::string_view mountinfo);

// cgroup id -> container id, for the process cache. Only a cache miss reads
// /proc/PID/cgroup and stats the cgroup directory; a hit is one hash lookup.
class ContainerIds {
public:
	// The mounts are read from procfs's self/mountinfo once, here.
	explicit ContainerIds(const ProcFs &procfs, size_t max_entries = 16384);

	// The container of process `pid`, whose kernel record carries `cgroup_id`.
	// "" for a host process, and when it cannot be told: /proc/PID is gone, or
	// the process is no longer in that cgroup (it moved since the record).
	std::string of(uint32_t pid, uint64_t cgroup_id);

	// For a process found in /proc (no kernel record): its cgroup-v2 id (0 if
	// unknown) from the cgroup directory's inode, and its container.
	struct Found {
		uint64_t cgroup_id = 0;
		std::string container_id;
	};
	Found of_seeded(uint32_t pid);

	struct Stats {
		uint64_t hits = 0, misses = 0; // cache lookups; a miss reads /proc
		uint64_t unverified = 0;       // /proc gone, or its cgroup was not the record's
		uint64_t flushed = 0;          // times the full cache was emptied
	};
	const Stats &stats() const { return stats_; }
	const CgroupMounts &mounts() const { return mounts_; }
	size_t size() const { return cache_.size(); }

private:
	Found resolve(uint32_t pid, uint64_t cgroup_id);
	void remember(uint64_t cgroup_id, const std::string &container_id);

	const ProcFs &procfs_;
	CgroupMounts mounts_;
	size_t max_entries_;
	std::unordered_map<uint64_t, std::string> cache_;
	Stats stats_;
};

} // namespace linesman::proc
