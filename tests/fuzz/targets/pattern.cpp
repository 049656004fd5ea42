// SPDX-License-Identifier: Apache-2.0
// PathPattern::parse and matches(): the input is pattern lines, then a path on
// its last line, made into what matches() is only ever asked about, a kernel
// path: cut at a NUL (no path holds one) and given a leading '/'. Beyond not crashing, an accepted
// pattern must be one pattern.h says is accepted, and the pattern set must
// agree with its members. expand() is left out: it globs the real filesystem,
// which makes a run slow and its result depend on the machine.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "fim/pattern.h"

using namespace linesman;

namespace {

void expect(bool cond, std::string_view pattern, const char *what)
{
	if (!cond) {
		std::fprintf(stderr, "pattern fuzz: \"%.*s\": %s\n", int(pattern.size()), pattern.data(), what);
		std::abort();
	}
}

// What pattern.h promises parse() refuses: a canonical absolute path (no "//",
// "." or ".." segment) or a bare name without '/'.
bool acceptable(std::string_view p)
{
	if (p.empty() || p.size() > 4095 || p.find('\0') != std::string_view::npos)
		return false;
	if (p.front() != '/')
		return p.find('/') == std::string_view::npos && p != "." && p != "..";
	std::string_view rest = p.substr(1);
	if (rest.ends_with('/'))
		rest.remove_suffix(1);
	if (rest.empty())
		return p == "/";
	for (size_t pos = 0;;) {
		size_t slash = rest.find('/', pos);
		std::string_view seg = rest.substr(pos, slash == std::string_view::npos ? slash : slash - pos);
		if (seg.empty() || seg == "." || seg == "..")
			return false;
		if (slash == std::string_view::npos)
			return true;
		pos = slash + 1;
	}
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	std::string_view in(reinterpret_cast<const char *>(data), size);
	std::vector<std::string> lines;
	for (;;) {
		size_t nl = in.find('\n');
		lines.emplace_back(in.substr(0, nl));
		if (nl == std::string_view::npos)
			break;
		in.remove_prefix(nl + 1);
	}
	std::string path = lines.back().substr(0, lines.back().find('\0'));
	if (lines.size() > 1)
		lines.pop_back();
	if (path.empty() || path.front() != '/')
		path.insert(0, "/");

	bool all_ok = true, any_match = false;
	for (const std::string &text : lines) {
		auto p = fim::PathPattern::parse(text);
		expect(p.ok() == acceptable(text), text, p.ok() ? "accepted, but pattern.h says it is refused"
								 : "refused, but pattern.h says it is accepted");
		if (!p) {
			all_ok = false;
			continue;
		}
		const fim::PathPattern &pat = p.value();
		expect(pat.basename_only() == (text.front() != '/'), text, "base-name kind");
		expect(pat.subtree() == (text.front() == '/' && text.back() == '/'), text, "subtree kind");
		bool m = pat.matches(path);
		any_match = any_match || m;
		std::string prefix = pat.fixed_prefix();
		if (pat.basename_only()) {
			expect(prefix.empty(), text, "a base-name pattern has no fixed prefix");
		} else {
			expect(text.starts_with(prefix) && prefix.ends_with('/'), text,
			       "fixed_prefix() is a directory prefix of the pattern");
			// The directory itself matches a subtree pattern: compare it with its '/'.
			expect(!m || (path + "/").starts_with(prefix), text,
			       "a matching path starts with fixed_prefix()");
		}
	}
	auto set = fim::PatternSet::parse(lines);
	expect(set.ok() == all_ok, lines.front(), "PatternSet::parse disagrees with PathPattern::parse");
	if (set)
		expect(set.value().matches(path) == any_match, lines.front(),
		       "PatternSet::matches disagrees with its patterns");
	return 0;
}
