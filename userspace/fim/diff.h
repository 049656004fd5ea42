// SPDX-License-Identifier: Apache-2.0
// Line diffs in the format of GNU `diff -u`, hunk for hunk: analysts already
// read it, and `patch` applies it. Lines are compared byte for byte with their
// '\n', so a last line without one differs from the same text with one, and
// CRLF lines are just lines that end in "\r\n".
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace linesman::fim {

struct DiffResult {
	std::string text;              // "" when the inputs are equal
	bool truncated = false;        // text was cut after its last whole line to max_bytes
	size_t added = 0, removed = 0; // lines, counted over the whole diff even when truncated
};

// Headers are "--- <old_label>" and "+++ <new_label>", without timestamps.
// A rewrite too large to search (over 20000 lines on a side between the
// common first and last lines, or an edit distance above about 4000) comes
// out as one hunk that removes the old middle and adds the new one.
DiffResult unified_diff(std::string_view old_text, std::string_view new_text,
			std::string_view old_label, std::string_view new_label,
			size_t context = 3, size_t max_bytes = 64 * 1024);

} // namespace linesman::fim
