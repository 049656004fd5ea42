// SPDX-License-Identifier: Apache-2.0
// What Linesman last knew about each watched file, so that a change can be
// told as it happened: hashes, owner and mode before and after, and a diff
// against the last content seen. Only tracked text files have their content
// kept, within a memory budget; secrets (the deny patterns) are hashed through
// one small buffer and never kept. Not thread-safe: one file handler owns it.
#pragma once

#include <cstdint>
#include <list>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fim/pattern.h"

namespace linesman::fim {

struct ContentOptions {
	size_t max_file_size = 1 << 20;  // larger files: metadata only, no hash
	size_t memory_budget = 16 << 20; // bytes of kept contents, all files together
	size_t diff_max_bytes = 64 << 10;
	PatternSet track; // files whose content is kept for diffs
	PatternSet deny;  // hashes only, never content; wins over track
};

struct FileMeta {
	bool exists = false;
	uint64_t size = 0;
	uint32_t mode = 0; // st_mode, file type bits included
	uint32_t uid = 0, gid = 0;
	int64_t mtime_ns = 0;
	uint64_t ino = 0, dev = 0;
};

// Why a Change has no diff. Besides these, note is "" (there is a diff, the
// content did not change, the file is not tracked, or it was deleted),
// "larger than max_file_size (N bytes)" or "unreadable: <strerror>".
inline constexpr std::string_view kNoteSecret = "secret: hashes only";
inline constexpr std::string_view kNoteBinary = "binary";
inline constexpr std::string_view kNoteNoBaseline = "no baseline";
inline constexpr std::string_view kNoteNotRegular = "not a regular file";

struct Change {
	// "" when unknown, not a regular file, unreadable or too large.
	std::string sha256_before, sha256_after;
	std::string diff; // unified, labelled "a<path>" and "b<path>"
	bool diff_truncated = false;
	std::string note;
	FileMeta before, after;
};

class ContentTracker {
public:
	explicit ContentTracker(ContentOptions opts) : opts_(std::move(opts)) {}
	// lru_ points into known_'s nodes: a move keeps them, a copy would not.
	ContentTracker(ContentTracker &&) = default;
	ContentTracker &operator=(ContentTracker &&) = default;
	ContentTracker(const ContentTracker &) = delete;
	ContentTracker &operator=(const ContentTracker &) = delete;

	// Records every regular file under each root (a file or a directory; a
	// symlink is not followed), at most max_files in all. Returns how many.
	size_t baseline(const std::vector<std::string> &roots, size_t max_files = 100000);

	// Reads the file now, tells how it changed since it was last known, and
	// makes what it read the new baseline.
	Change observe(const std::string &path);

	// The last known metadata (exists = false when unknown): the old mode or
	// owner for a chmod/chown, the old size for an O_TRUNC open.
	FileMeta meta(const std::string &path) const;
	// The last known SHA-256, "" when unknown: the old hash of an unlinked file.
	std::string sha256(const std::string &path) const;
	// Record attributes an event set (a chmod's mode, a chown's owner) as the
	// last known ones: observe() reads the file later, maybe after further
	// changes, and the next event's old values must be this event's new ones.
	void set_attributes(const std::string &path, std::optional<uint32_t> mode,
			    std::optional<uint32_t> uid, std::optional<uint32_t> gid);

	// Moves what is known of a path, and of everything below it if it is a
	// directory; what was known at `to` is dropped.
	void rename(const std::string &from, const std::string &to);
	// RENAME_EXCHANGE: the two swap.
	void exchange(const std::string &a, const std::string &b);
	void forget(const std::string &path);
	void forget_under(const std::string &dir_prefix); // the directory and all below it

	size_t content_bytes() const { return content_bytes_; }
	size_t files_known() const { return known_.size(); }
	// Contents dropped, or refused, to stay within memory_budget.
	uint64_t evictions() const { return evictions_; }

private:
	struct Known {
		FileMeta meta;
		std::string sha256;
		bool binary = false; // tracked, and its last content had a NUL byte
		bool kept = false;   // content is the last content read
		std::string content;
		std::list<Known *>::iterator lru; // valid when kept
	};
	using Map = std::map<std::string, Known>;
	struct Snapshot;

	Snapshot capture(const std::string &path, bool keep_content) const;
	void remember(const std::string &path, Snapshot &&now, bool tracked);
	void keep(Known &k, std::string &&content);
	void drop(Known &k);
	std::vector<Map::node_type> take_tree(const std::string &root);
	void put(Map::node_type &&node);
	void discard(std::vector<Map::node_type> &&nodes);

	ContentOptions opts_;
	Map known_;                // ordered, so a directory's files are one range
	std::list<Known *> lru_;   // entries with kept content, most recently observed first
	size_t content_bytes_ = 0;
	uint64_t evictions_ = 0;
};

} // namespace linesman::fim
