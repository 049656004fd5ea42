// SPDX-License-Identifier: Apache-2.0
// Path patterns as the configuration writes them:
//   /etc/ssh/sshd_config   one file; `*`, `?` and `[...]` match within a segment
//   /home/*/.ssh/          trailing '/': that directory and everything below it
//   *.pem, *key*           no '/': the base name of a file anywhere
// Globs never cross a '/' (fnmatch's FNM_PATHNAME) and do match a leading '.',
// so "/etc/*" covers /etc/.pwd.lock: hidden files are files to watch too.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace linesman::fim {

class PathPattern {
public:
	// Refuses what could never match a kernel path: an empty pattern, a
	// relative one with a '/', "." or ".." or empty segments, a NUL byte,
	// more than 4095 bytes (PATH_MAX - 1).
	static Result<PathPattern> parse(std::string_view text);

	bool matches(std::string_view abs_path) const;

	// The literal directory part before the first glob character, ending in
	// '/': "/home/*/.ssh/" -> "/home/", "/etc/passwd" -> "/etc/". "" for a
	// base-name pattern, which can match anywhere.
	std::string fixed_prefix() const;

	// What the pattern names on this host now: existing files (or, for a
	// subtree, directories), each as globbed and, if different, as its
	// realpath(3), sorted, without duplicates. Base-name patterns name nothing.
	std::vector<std::string> expand() const;

	bool subtree() const { return kind_ == Kind::Subtree; }
	bool basename_only() const { return kind_ == Kind::Basename; }

private:
	enum class Kind { Exact, Subtree, Basename };
	PathPattern(std::string text, Kind kind) : text_(std::move(text)), kind_(kind) {}

	std::string text_;
	Kind kind_;
};

class PatternSet {
public:
	// The first bad pattern's error names its 0-based position:
	// path pattern [2] "etc/x" is relative but has a '/'; ...
	static Result<PatternSet> parse(const std::vector<std::string> &texts);

	bool matches(std::string_view abs_path) const;
	const std::vector<PathPattern> &patterns() const { return patterns_; }

private:
	std::vector<PathPattern> patterns_;
};

} // namespace linesman::fim
