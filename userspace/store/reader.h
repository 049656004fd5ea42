// SPDX-License-Identifier: Apache-2.0
// Read access to the event log for the CLI (query, follow) and for sinks: every hour
// file opened read-only, one parameterised SQL statement per file, events decoded
// from their stored protobuf body. Works on a live store (the writer is not blocked)
// and on a copy (-D DIR).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/event.h"
#include "common/result.h"

namespace linesman::store {

// Every set field must match (AND). Strings are matched on the stored bytes.
struct Filter {
	std::optional<uint64_t> since_ns; // time_ns >= since
	std::optional<uint64_t> until_ns; // time_ns < until
	std::vector<EventType> types;     // any of them; empty: all
	std::optional<uint32_t> pid;
	std::string exec_id;              // exact
	std::string exe;                  // glob (SQLite GLOB: * ? [..], case-sensitive)
	std::string user;                 // exact user name
	std::string path;                 // glob over file path, new_path and target
	std::optional<uint32_t> port;     // local or remote port
	std::string addr;                 // exact local or remote address ("10.0.0.2", "2001:db8::1")
	std::string container;            // prefix of the process's container id (no glob characters)
	bool host_only = false;           // only processes outside any container
	std::optional<uint64_t> after_seq; // seq > after_seq: follow mode, sink cursors
};

// [since, until), either end open.
struct Window {
	std::optional<uint64_t> since_ns, until_ns;
};

// What `linesman stats` shows, counted in SQL file by file and merged: no event is
// decoded in full, and memory grows with the distinct names, not with the events.
struct Counts {
	uint64_t total = 0;
	std::map<uint64_t, std::map<EventType, uint64_t>> per_hour; // time_ns / 1 h -> type -> events
	std::map<std::string, uint64_t> exes;         // exec events by the process's exe
	std::map<std::string, uint64_t> remote_addrs; // connect and accept events by remote address
	std::map<std::string, uint64_t> files;        // file events by new_path, else path
};

// What the event log holds, from its file names and each end file's indexes: no scan.
struct LogSummary {
	std::string events_dir;
	size_t hours = 0;                  // hour files kept
	std::string first_hour, last_hour; // "2026-11-26T13", "" when there are none
	uint64_t bytes = 0;                // on disk, with the -wal, -shm and -journal companions
	// The earliest event time in the oldest non-empty file and the latest in the newest;
	// 0 when no file holds an event.
	uint64_t oldest_ns = 0, newest_ns = 0;
	uint64_t last_seq = 0;             // the newest file's highest seq; 0 when none
};
// `dir`: a state directory or a folder of hour files. Errors as Reader::open's; a
// missing folder keeps ENOENT in the error's code.
Result<LogSummary> summarize_log(const std::string &dir);

class Reader {
public:
	// `dir`: a state directory or a folder of hour files (see resolve_events_dir).
	// A permission failure names the path and the fix.
	static Result<Reader> open(const std::string &dir);

	// Matching events in seq order (reverse: newest first), at most `limit` (0: all).
	Result<std::vector<Event>> query(const Filter &filter, size_t limit = 0, bool reverse = false);
	// SQLite's plan for query()'s statement on each file, one line per step, each
	// file's block headed by its name: which indexes a filter uses.
	Result<std::string> explain(const Filter &filter, size_t limit = 0, bool reverse = false);
	// Counts over the events in `w`.
	Result<Counts> count(const Window &w);
	// The exec events in `w`, in seq order, whose process's parent_exec_id is in
	// `parents` (and is not its own exec_id): those processes' children. Only the
	// processes of exec events are read to find them; the matches are decoded.
	Result<std::vector<Event>> exec_children(const std::set<std::string> &parents, const Window &w);
	// Picks up hour files created (or deleted by retention) since open.
	Status refresh();

	const std::string &events_dir() const { return dir_; }
	std::vector<std::string> files() const;

	Reader(Reader &&) noexcept;
	Reader &operator=(Reader &&) noexcept;
	~Reader();

private:
	struct File;
	Reader() = default;
	std::string dir_;
	std::vector<File> files_;
};

} // namespace linesman::store
