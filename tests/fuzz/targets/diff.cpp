// SPDX-License-Identifier: Apache-2.0
// unified_diff() on two arbitrary texts. Input: one byte of context (0..7),
// two bytes of max_bytes (small, so that truncation is exercised), then the
// old text, a NUL, the new text. Beyond not crashing, the diff must fit
// max_bytes and, when complete, count its lines right and turn the old text
// into the new one when applied as `patch` would apply it.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "fim/diff.h"

using namespace linesman;

namespace {

constexpr std::string_view kOldLabel = "a/f", kNewLabel = "b/f";

[[noreturn]] void fail(const std::string &diff, const char *what)
{
	std::fprintf(stderr, "diff fuzz: %s\n--- diff ---\n%s--- end ---\n", what, diff.c_str());
	std::abort();
}

std::vector<std::string_view> split_lines(std::string_view text)
{
	std::vector<std::string_view> lines;
	while (!text.empty()) {
		size_t nl = text.find('\n');
		size_t len = nl == std::string_view::npos ? text.size() : nl + 1;
		lines.push_back(text.substr(0, len));
		text.remove_prefix(len);
	}
	return lines;
}

// "@@ -a,b +c,d @@" with ",b" and ",d" optional (a count of 1).
bool parse_range(std::string_view &s, char sign, size_t &start, size_t &count)
{
	if (s.empty() || s.front() != sign)
		return false;
	s.remove_prefix(1);
	auto number = [&s](size_t &out) {
		size_t n = 0, digits = 0;
		while (!s.empty() && s.front() >= '0' && s.front() <= '9') {
			n = n * 10 + size_t(s.front() - '0');
			s.remove_prefix(1);
			++digits;
		}
		out = n;
		return digits > 0 && digits < 10;
	};
	if (!number(start))
		return false;
	count = 1;
	if (!s.empty() && s.front() == ',') {
		s.remove_prefix(1);
		if (!number(count))
			return false;
	}
	return true;
}

// Applies a unified diff to old_text; fails the run on anything malformed.
std::string apply(std::string_view old_text, const std::string &diff, size_t &added, size_t &removed)
{
	auto old_lines = split_lines(old_text);
	auto lines = split_lines(diff); // each with its '\n'
	if (lines.size() < 2 || lines[0] != "--- " + std::string(kOldLabel) + "\n" ||
	    lines[1] != "+++ " + std::string(kNewLabel) + "\n")
		fail(diff, "headers");
	std::string out;
	size_t pos = 0; // next old line not yet copied
	size_t i = 2;
	while (i < lines.size()) {
		std::string_view h = lines[i++];
		size_t a, b, c, d; // c: where the hunk lands in the new text, implied by the copying
		if (!h.starts_with("@@ ") || !h.ends_with(" @@\n"))
			fail(diff, "hunk header expected");
		h = h.substr(3, h.size() - 7);
		if (!parse_range(h, '-', a, b) || h.empty() || h.front() != ' ')
			fail(diff, "hunk header: old range");
		h.remove_prefix(1);
		if (!parse_range(h, '+', c, d) || !h.empty())
			fail(diff, "hunk header: new range");
		size_t start = b == 0 ? a : a - 1; // an empty range names the line before it
		if (b != 0 && a == 0)
			fail(diff, "old range starts at line 0");
		if (start < pos || start > old_lines.size())
			fail(diff, "hunk out of order or past the end");
		for (; pos < start; ++pos)
			out += old_lines[pos];
		size_t seen_old = 0, seen_new = 0;
		while (i < lines.size() && !lines[i].starts_with("@@ ")) {
			std::string_view l = lines[i++];
			if (!l.ends_with('\n'))
				fail(diff, "a diff line without its newline");
			std::string text(l.substr(1));
			// "\ No newline at end of file" belongs to the line before it.
			if (i < lines.size() && lines[i].starts_with("\\")) {
				if (lines[i] != "\\ No newline at end of file\n")
					fail(diff, "bad '\\' line");
				text.pop_back();
				++i;
			}
			switch (l.front()) {
			case ' ':
			case '-':
				if (pos >= old_lines.size() || old_lines[pos] != text)
					fail(diff, "a context or removed line differs from the old text");
				++pos;
				++seen_old;
				if (l.front() == ' ') {
					out += text;
					++seen_new;
				} else {
					++removed;
				}
				break;
			case '+':
				out += text;
				++seen_new;
				++added;
				break;
			default:
				fail(diff, "a line that is not context, removed or added");
			}
		}
		if (seen_old != b || seen_new != d)
			fail(diff, "hunk header counts differ from its lines");
	}
	for (; pos < old_lines.size(); ++pos)
		out += old_lines[pos];
	return out;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 3)
		return 0;
	size_t context = data[0] % 8;
	size_t max_bytes = 16 + (size_t(data[1]) << 8 | data[2]);
	std::string_view rest(reinterpret_cast<const char *>(data) + 3, size - 3);
	size_t nul = rest.find('\0');
	std::string_view old_text = rest.substr(0, nul);
	std::string_view new_text = nul == std::string_view::npos ? std::string_view() : rest.substr(nul + 1);

	auto r = fim::unified_diff(old_text, new_text, kOldLabel, kNewLabel, context, max_bytes);
	if (r.text.size() > max_bytes)
		fail(r.text, "longer than max_bytes");
	if (old_text == new_text) {
		if (!r.text.empty() || r.truncated || r.added || r.removed)
			fail(r.text, "equal texts, yet a diff");
		return 0;
	}
	if (r.text.empty() && !r.truncated)
		fail(r.text, "different texts, no diff");
	if (!r.text.empty() && r.text.back() != '\n')
		fail(r.text, "not cut after a whole line");
	if (r.truncated)
		return 0;
	size_t added = 0, removed = 0;
	if (apply(old_text, r.text, added, removed) != new_text)
		fail(r.text, "applied to the old text, it does not give the new one");
	if (added != r.added || removed != r.removed)
		fail(r.text, "added/removed counts differ from the diff's lines");
	return 0;
}
