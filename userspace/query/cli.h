// SPDX-License-Identifier: Apache-2.0
// The `linesman` command line as a function, so the unit tests run every command,
// filter and output format against a fixture store without a process per case.
#pragma once

#include <cstdint>
#include <functional>
#include <ostream>
#include <string>
#include <vector>

namespace linesman::query {

// Exit codes, as --help documents them.
inline constexpr int kExitOk = 0;       // events printed; verify: every file ok
inline constexpr int kExitNoMatch = 1;  // nothing matched; verify: a problem; config check: invalid
inline constexpr int kExitUsage = 2;    // bad input: unknown option, bad value, refused SQL
inline constexpr int kExitNotRunning = 3; // status: the agent is not running (systemctl is-active's 3)
inline constexpr int kExitStore = 4;    // the store cannot be read (missing, permissions, corrupt)

struct CliContext {
	bool out_is_tty = false; // colours only then (and not with --no-color or NO_COLOR set)
	uint64_t now_ns = 0;     // "now" for --since/--until; 0: the wall clock
	// query -f: asked before each poll; true ends the follow (exit 0) as SIGINT/SIGTERM do.
	// Lets a test append events between polls and stop after seeing them.
	std::function<bool()> follow_stop;
	uint32_t follow_interval_ms = 250; // between polls: a commit shows within ~250 ms
};

// `args` without the program name: {"query", "-n", "5"}.
int run_cli(const std::vector<std::string> &args, std::ostream &out, std::ostream &err,
	    const CliContext &ctx = {});

} // namespace linesman::query
