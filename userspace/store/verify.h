// SPDX-License-Identifier: Apache-2.0
// `linesman verify`: re-derives every hour file's hash chain and seq continuity, and
// names each problem precisely (which file, which seqs, what is wrong).
//
// What it can prove: no row in the middle of the log was edited, deleted or
// inserted, no closed hour was cut short, and consecutive files chain. What it
// cannot: rows removed from the end of the newest file, or a log rewritten with
// every later link recomputed — that needs the latest link kept elsewhere (shipped).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/result.h"

namespace linesman::store {

enum class ProblemKind {
	Unreadable,     // SQLite cannot read the file (or part of it): detail has its error
	Truncated,      // the file is shorter than its header says, or has no header
	EditedRow,      // a row's link does not match its body: the body (or link) was changed
	DeletedRows,    // seqs first..last missing and the chain broken there: rows removed
	SeqGap,         // seqs first..last missing, chain intact and no loss declared
	BrokenFileLink, // the file does not chain from the previous file's last link
	BadRow,         // a row's columns disagree with its body (an index column edited) or
			// its body does not parse
};
const char *to_string(ProblemKind kind);

struct Problem {
	ProblemKind kind;
	std::string file;
	uint64_t first_seq = 0, last_seq = 0; // the seqs concerned; 0, 0 for a whole file
	std::string detail;
};
// "2026-11-26T13.db: edited row: seq 1234 (link does not match its body)"
std::string describe(const Problem &p);

struct FileCheck {
	std::string path;
	uint64_t events = 0;
	uint64_t first_seq = 0, last_seq = 0;
	std::vector<Problem> problems;
	// Not problems: losses the agent declared, the first file chaining from an hour that
	// retention deleted.
	std::vector<std::string> notes;
};

struct VerifyReport {
	std::vector<FileCheck> files;
	std::vector<Problem> problems() const; // every file's, in order
	bool ok() const { return problems().empty(); }
};

// `dir` is a state directory (its events/ folder is read) or a folder of hour files.
Result<VerifyReport> verify(const std::string &dir);

// A directory that holds hour files: dir/events when it exists, else dir.
std::string resolve_events_dir(const std::string &dir);

} // namespace linesman::store
