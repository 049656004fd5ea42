// SPDX-License-Identifier: Apache-2.0
#include "fim/watch.h"

#include <dirent.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <algorithm>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

#include "fim/pattern.h"
#include "linesman_abi.h"

namespace linesman::fim {
namespace {

// One line of /proc/self/mountinfo: what part of which device is mounted where.
struct Mount {
	uint32_t dev = 0;       // kernel dev_t
	std::string root;       // the directory of the device shown at the mountpoint
	std::string mountpoint;
};

// mountinfo escapes space, tab, newline and backslash as \ooo.
std::string unescape(const std::string &s)
{
	std::string out;
	for (size_t i = 0; i < s.size(); ++i) {
		if (s[i] == '\\' && i + 3 < s.size()) {
			int v = 0;
			bool octal = true;
			for (size_t k = 1; k <= 3; ++k) {
				if (s[i + k] < '0' || s[i + k] > '7') {
					octal = false;
					break;
				}
				v = v * 8 + (s[i + k] - '0');
			}
			if (octal) {
				out += char(v);
				i += 3;
				continue;
			}
		}
		out += s[i];
	}
	return out;
}

std::vector<Mount> read_mounts(const std::string &path)
{
	std::vector<Mount> out;
	std::ifstream f(path);
	std::string line;
	while (std::getline(f, line)) {
		std::istringstream in(line);
		std::string id, parent, majmin, root, mountpoint;
		if (!(in >> id >> parent >> majmin >> root >> mountpoint))
			continue;
		unsigned maj = 0, min = 0;
		if (std::sscanf(majmin.c_str(), "%u:%u", &maj, &min) != 2)
			continue;
		out.push_back({(maj << 20) | min, unescape(root), unescape(mountpoint)});
	}
	return out;
}

bool starts_with(std::string_view s, std::string_view prefix)
{
	return s.substr(0, prefix.size()) == prefix;
}

std::string with_slash(std::string s)
{
	if (s.empty() || s.back() != '/')
		s += '/';
	return s;
}

} // namespace

uint32_t kernel_dev(uint64_t st_dev)
{
	return (uint32_t(major(st_dev)) << 20) | uint32_t(minor(st_dev));
}

std::string normalize_path(std::string_view path)
{
	std::vector<std::string_view> parts;
	size_t i = 0;
	while (i < path.size()) {
		size_t j = path.find('/', i);
		if (j == std::string_view::npos)
			j = path.size();
		std::string_view part = path.substr(i, j - i);
		if (part == "..") {
			if (!parts.empty())
				parts.pop_back();
		} else if (!part.empty() && part != ".") {
			parts.push_back(part);
		}
		i = j + 1;
	}
	std::string out;
	for (auto p : parts) {
		out += '/';
		out += p;
	}
	return out.empty() ? "/" : out;
}

Result<ResolvedWatch> resolve_watch(const WatchConfig &cfg, const WatchEnv &env)
{
	ResolvedWatch r;
	r.kernel.sensitive_reads = cfg.sensitive_reads;
	std::set<std::string> seen_patterns;
	auto add_pattern = [&](const std::string &p) {
		if (seen_patterns.insert(p).second)
			r.patterns.push_back(p);
	};

	// Concrete watched directories (with their device), from which aliases derive.
	struct Dir {
		std::string path;
		uint32_t dev;
	};
	std::vector<Dir> concrete;
	std::set<probe::FileWatchSet::Inode> inodes;
	for (const auto &text : cfg.watch) {
		auto pat = PathPattern::parse(text);
		if (!pat)
			return Error("files.watch: " + pat.error().what());
		if (text.back() != '/')
			return Error("files.watch: \"" + text + "\" is not a directory pattern: end it with '/' "
				     "(a watched path covers everything below it)");
		add_pattern(text);
		for (const auto &dir : pat->expand()) {
			struct stat st{};
			if (stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
				continue;
			probe::FileWatchSet::Inode in{uint64_t(st.st_ino), kernel_dev(st.st_dev)};
			if (inodes.insert(in).second) {
				r.kernel.dirs.push_back(in);
				r.dirs.push_back(dir);
			}
			concrete.push_back({with_slash(dir), in.dev});
			add_pattern(with_slash(dir)); // a realpath of a symlinked directory differs from the pattern
		}
	}

	// Aliases 1: top-level symlinks to directories (merged /usr: /lib -> usr/lib).
	if (DIR *d = opendir(env.root.c_str())) {
		while (dirent *e = readdir(d)) {
			std::string name = e->d_name;
			if (name == "." || name == "..")
				continue;
			std::string link = with_slash(env.root) + name;
			struct stat lst{};
			if (lstat(link.c_str(), &lst) != 0 || !S_ISLNK(lst.st_mode))
				continue;
			char real[PATH_MAX];
			if (!realpath(link.c_str(), real))
				continue;
			std::string target = with_slash(real);
			for (const auto &c : concrete)
				if (starts_with(c.path, target))
					add_pattern(with_slash(link) + c.path.substr(target.size()));
		}
		closedir(d);
	}

	// Aliases 2: bind mounts showing a watched directory (or a part of one) elsewhere.
	for (const Mount &m : read_mounts(env.mountinfo)) {
		if (m.mountpoint == "/")
			continue;
		std::string root = with_slash(m.root), mp = with_slash(m.mountpoint);
		for (const auto &c : concrete) {
			if (c.dev != m.dev)
				continue;
			if (starts_with(c.path, root) && !starts_with(c.path, mp))
				add_pattern(mp + c.path.substr(root.size())); // the mount shows the watched dir
			else if (starts_with(root, c.path) && root != "/")
				add_pattern(mp); // the mount shows a part of the watched dir
		}
	}

	if (r.patterns.size() > LS_FILE_PATTERNS_MAX) {
		r.notes.push_back("files.watch: " + std::to_string(r.patterns.size()) +
				  " patterns with aliases; the kernel filter holds " +
				  std::to_string(LS_FILE_PATTERNS_MAX) + ", so these aliases are not watched: " +
				  [&] {
					  std::string s;
					  for (size_t i = LS_FILE_PATTERNS_MAX; i < r.patterns.size(); ++i)
						  s += (s.empty() ? "" : ", ") + r.patterns[i];
					  return s;
				  }());
		r.patterns.resize(LS_FILE_PATTERNS_MAX);
	}
	r.kernel.patterns = r.patterns;

	std::set<probe::FileWatchSet::Inode> sensitive;
	for (const auto &text : cfg.sensitive) {
		auto pat = PathPattern::parse(text);
		if (!pat)
			return Error("files.sensitive_reads.paths: " + pat.error().what());
		for (const auto &file : pat->expand()) {
			struct stat st{};
			if (stat(file.c_str(), &st) != 0 || !S_ISREG(st.st_mode))
				continue;
			probe::FileWatchSet::Inode in{uint64_t(st.st_ino), kernel_dev(st.st_dev)};
			if (sensitive.insert(in).second)
				r.kernel.sensitive.push_back(in);
		}
	}
	return r;
}

} // namespace linesman::fim
