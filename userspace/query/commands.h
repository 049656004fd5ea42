// SPDX-License-Identifier: Apache-2.0
// The subcommands behind cli.cpp's parser: each takes its options as parsed strings,
// validates them, and returns an exit code (cli.h).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace linesman::query {

struct QueryOptions {
	std::string dir;
	std::string since, until;          // "" : unbounded
	std::string lines;                 // -n, "" : all
	bool reverse = false;              // -r
	std::vector<std::string> types;
	std::string pid, exec_id, exe, user, path, port, addr, container; // "" : not given
	std::string output = "short";
	bool color = false;                // already decided: a terminal and no --no-color
	uint64_t now_ns = 0;
	bool follow = false;               // -f
	std::function<bool()> follow_stop; // CliContext::follow_stop
	uint32_t follow_interval_ms = 250;
};
int run_query(const QueryOptions &o, std::ostream &out, std::ostream &err);

int run_verify(const std::string &dir, std::ostream &out, std::ostream &err);

struct SqlOptions {
	std::string dir;
	std::string sql;
	std::string file; // an hour ("2026-11-26T13", with or without ".db"); "": every file
};
int run_sql_command(const SqlOptions &o, std::ostream &out, std::ostream &err);

struct TreeOptions {
	std::string dir;
	std::string target;       // a pid or an exec id
	std::string since, until; // "" : unbounded
	uint64_t now_ns = 0;
};
int run_tree(const TreeOptions &o, std::ostream &out, std::ostream &err);

struct StatsOptions {
	std::string dir;
	std::string since, until;
	uint64_t now_ns = 0;
};
int run_stats(const StatsOptions &o, std::ostream &out, std::ostream &err);

struct StatusOptions {
	std::string dir;              // the state directory (status.json, events/)
	std::string output = "text";  // text or json
	uint64_t now_ns = 0;          // to judge staleness; 0: the wall clock
};
// kExitOk when the agent runs, kExitNotRunning when it does not (stopped, killed,
// hung, never started here), kExitStore when the state cannot be read.
int run_status(const StatusOptions &o, std::ostream &out, std::ostream &err);

} // namespace linesman::query
