// SPDX-License-Identifier: Apache-2.0
// File records -> `file` events: pairs each OPEN with its CLOSE into one
// `write`, re-checks path operations against the watch patterns after
// normalising their paths, and says what changed (old/new mode, owner, size,
// SHA-256 and a unified diff) from what Linesman last knew about the file.
// Owns no thread and no kernel object: the pipeline drives it, tests too.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/event.h"
#include "decode/record.h"
#include "fim/content.h"
#include "fim/pattern.h"

namespace linesman::fim {

struct ChangesOptions {
	std::vector<std::string> watch; // patterns and aliases, as the kernel has them
	ContentOptions content;
	size_t max_open = 65536;        // OPEN records awaiting their CLOSE
};

class FileChanges {
public:
	struct Change {
		FileDetails details;
		decode::Header actor; // the acting process: the opener, for writes
		uint64_t ktime_ns = 0;
	};

	static Result<FileChanges> create(ChangesOptions opts);

	// Zero or more events for one record.
	std::vector<Change> on_record(const decode::FileRecord &r);

	// A file the kernel tracked was found closed where no probe saw it (its last
	// holder was not the opener): report the write with what the kernel counted.
	std::optional<Change> on_unobserved_close(uint64_t file_id, uint64_t bytes, uint64_t ktime_ns);

	// The opens awaiting a CLOSE, for the agent's check that they are still open.
	struct Open {
		std::string path;
		decode::Header opener;
		uint64_t ino = 0;
		uint32_t dev = 0;
		uint32_t flags = 0;
		uint64_t size_at_open = 0;
	};
	const std::map<uint64_t, Open> &opens() const { return opens_; }
	// The kernel finished this file but its CLOSE never arrived (lost and
	// counted on the way): stop waiting for it.
	void forget_open(uint64_t file_id);

	// A directory was created, renamed or removed below a watched path since the
	// last call: the agent re-resolves the watch set (new /home/*/.ssh/ ...).
	bool take_rescan_hint();

	ContentTracker &content() { return content_; }
	void set_watch(std::vector<std::string> patterns);

	struct Stats {
		uint64_t unpaired_closes = 0; // CLOSE without its OPEN (the OPEN was lost)
		uint64_t evicted_opens = 0;   // OPENs dropped to bound memory (their CLOSE is then unpaired)
		uint64_t filtered = 0;        // path operations outside the watch once normalised
		uint64_t lost_closes = 0;     // OPENs whose CLOSE was lost (already counted as lost)
	};
	const Stats &stats() const { return stats_; }

private:
	FileChanges(ChangesOptions opts, PatternSet watch);
	bool watched(const std::string &path) const;
	void describe_content(FileDetails &d, const std::string &path);
	std::vector<Change> on_open(const decode::FileRecord &r);
	std::vector<Change> on_close(const decode::FileRecord &r);

	ChangesOptions opts_;
	PatternSet watch_;
	ContentTracker content_;
	std::map<uint64_t, Open> opens_;
	bool rescan_ = false;
	Stats stats_;
};

// The names of enum ls_file_flags bits set in @flags, as FileDetails.flags.
std::vector<std::string> file_flag_names(uint32_t flags);

} // namespace linesman::fim
