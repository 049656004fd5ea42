// SPDX-License-Identifier: Apache-2.0
// From the configured watch patterns to what the kernel filters on: the inodes
// of the watched directories (descriptor-based operations), and the patterns
// plus their aliases (path-based operations, matched on strings).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "probe/probes.h"

namespace linesman::fim {

struct WatchConfig {
	std::vector<std::string> watch;     // directory patterns, each ending in '/'
	std::vector<std::string> sensitive; // file patterns: opens for reading are reported
	bool sensitive_reads = false;
};

struct ResolvedWatch {
	probe::FileWatchSet kernel;
	// kernel.patterns again: the configured ones first, then the aliases (another
	// name for a watched directory: a symlink such as /lib -> usr/lib, a bind mount).
	std::vector<std::string> patterns;
	std::vector<std::string> dirs;      // existing watched directories, for baselines
	std::vector<std::string> notes;     // what the operator should know, e.g. dropped aliases
};

// Where the filesystem is looked at: tests point these at fixtures.
struct WatchEnv {
	std::string mountinfo = "/proc/self/mountinfo";
	std::string root = "/"; // top-level symlinks (merged /usr) are looked for here
};

Result<ResolvedWatch> resolve_watch(const WatchConfig &cfg, const WatchEnv &env = {});

// The kernel's dev_t (major << 20 | minor) of a stat(2) st_dev.
uint32_t kernel_dev(uint64_t st_dev);

// "/a/./b//c/../d" -> "/a/b/d": lexical, as the kernel's pattern match sees
// paths (symlinks are not followed: the change happened to the name given).
std::string normalize_path(std::string_view path);

} // namespace linesman::fim
