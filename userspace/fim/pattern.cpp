// SPDX-License-Identifier: Apache-2.0
#include "fim/pattern.h"

#include <fnmatch.h>
#include <glob.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <algorithm>

namespace linesman::fim {
namespace {

constexpr size_t kMaxPattern = PATH_MAX - 1;

// For error messages: NULs made visible, and a runaway pattern shortened.
std::string quoted(std::string_view text)
{
	std::string out = "\"";
	for (char c : text.substr(0, 80))
		out += c == '\0' ? std::string("\\0") : std::string(1, c);
	return out + (text.size() > 80 ? "...\"" : "\"");
}

bool dot_segment(std::string_view seg) { return seg == "." || seg == ".."; }

// Why the pattern can never name a canonical absolute path; "" if it can.
std::string refusal(std::string_view text)
{
	if (text.empty())
		return "is empty";
	if (text.find('\0') != std::string_view::npos)
		return "contains a NUL byte";
	if (text.size() > kMaxPattern)
		return "is " + std::to_string(text.size()) + " bytes long; paths are at most " +
		       std::to_string(kMaxPattern);
	if (text.front() != '/') {
		if (text.find('/') != std::string_view::npos)
			return "is relative but has a '/'; write an absolute path, or a bare "
			       "file name pattern such as *.pem to match a name anywhere";
		if (dot_segment(text))
			return "is \".\" or \"..\", which no file is named";
		return "";
	}
	// The kernel reports canonical paths: "//", "/./" and "/../" never occur.
	std::string_view rest = text.substr(1);
	if (rest.ends_with('/'))
		rest.remove_suffix(1);
	if (rest.empty() && text.size() == 1)
		return "";
	for (;;) {
		size_t slash = rest.find('/');
		std::string_view seg = rest.substr(0, slash);
		if (seg.empty())
			return "has an empty segment (\"//\"); write the canonical path";
		if (dot_segment(seg))
			return "has a \".\" or \"..\" segment; write the canonical path";
		if (slash == std::string_view::npos)
			return "";
		rest.remove_prefix(slash + 1);
	}
}

bool has_dot_segment(std::string_view path)
{
	for (size_t pos = 0; pos < path.size();) {
		size_t slash = path.find('/', pos);
		size_t end = slash == std::string_view::npos ? path.size() : slash;
		if (dot_segment(path.substr(pos, end - pos)))
			return true;
		pos = end + 1;
	}
	return false;
}

} // namespace

Result<PathPattern> PathPattern::parse(std::string_view text)
{
	if (std::string why = refusal(text); !why.empty())
		return Error("path pattern " + quoted(text) + " " + why);
	Kind kind = text.front() != '/' ? Kind::Basename
		    : text.back() == '/' ? Kind::Subtree
					 : Kind::Exact;
	return PathPattern(std::string(text), kind);
}

bool PathPattern::matches(std::string_view abs_path) const
{
	const std::string path(abs_path); // fnmatch wants NUL-terminated strings
	switch (kind_) {
	case Kind::Basename:
		return fnmatch(text_.c_str(), path.c_str() + path.rfind('/') + 1, 0) == 0;
	case Kind::Exact:
		return fnmatch(text_.c_str(), path.c_str(), FNM_PATHNAME) == 0;
	case Kind::Subtree:
		if (text_ == "/")
			return abs_path.starts_with('/');
		// FNM_LEADING_DIR: the directory itself, or it followed by "/anything".
		return fnmatch(text_.substr(0, text_.size() - 1).c_str(), path.c_str(),
			       FNM_PATHNAME | FNM_LEADING_DIR) == 0;
	}
	return false;
}

std::string PathPattern::fixed_prefix() const
{
	if (kind_ == Kind::Basename)
		return "";
	std::string_view literal(text_);
	literal = literal.substr(0, literal.find_first_of("*?[\\"));
	return std::string(literal.substr(0, literal.rfind('/') + 1));
}

std::vector<std::string> PathPattern::expand() const
{
	if (kind_ == Kind::Basename)
		return {};
	if (text_ == "/")
		return {"/"};
	const bool dirs = kind_ == Kind::Subtree;
	const std::string pattern = dirs ? text_.substr(0, text_.size() - 1) : text_;
	// GLOB_PERIOD so that globs match hidden names as matches() does; it
	// also lets '*' match "." and "..", which are dropped below.
	glob_t g{};
	int flags = GLOB_NOSORT | GLOB_PERIOD | (dirs ? GLOB_ONLYDIR : 0);
	std::vector<std::string> out;
	if (glob(pattern.c_str(), flags, nullptr, &g) == 0) {
		for (size_t i = 0; i < g.gl_pathc; ++i) {
			std::string path = g.gl_pathv[i];
			char real[PATH_MAX];
			if (has_dot_segment(path) || !realpath(path.c_str(), real))
				continue; // realpath fails on a dangling symlink: nothing is there
			struct stat st;
			// GLOB_ONLYDIR is only a hint to glob(3).
			if (dirs && (stat(real, &st) != 0 || !S_ISDIR(st.st_mode)))
				continue;
			out.push_back(path);
			if (path != real)
				out.push_back(real);
		}
	}
	globfree(&g);
	std::sort(out.begin(), out.end());
	out.erase(std::unique(out.begin(), out.end()), out.end());
	return out;
}

Result<PatternSet> PatternSet::parse(const std::vector<std::string> &texts)
{
	PatternSet set;
	for (size_t i = 0; i < texts.size(); ++i) {
		if (std::string why = refusal(texts[i]); !why.empty())
			return Error("path pattern [" + std::to_string(i) + "] " + quoted(texts[i]) +
				     " " + why);
		set.patterns_.push_back(PathPattern::parse(texts[i]).value());
	}
	return set;
}

bool PatternSet::matches(std::string_view abs_path) const
{
	return std::any_of(patterns_.begin(), patterns_.end(),
			   [&](const PathPattern &p) { return p.matches(abs_path); });
}

} // namespace linesman::fim
