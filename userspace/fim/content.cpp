// SPDX-License-Identifier: Apache-2.0
#include "fim/content.h"

#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include <algorithm>
#include <cerrno>
#include <functional>
#include <system_error>

#include "fim/diff.h"
#include "fim/sha256.h"

namespace linesman::fim {
namespace {

FileMeta meta_of(const struct stat &st)
{
	FileMeta m;
	m.exists = true;
	m.size = uint64_t(st.st_size);
	m.mode = st.st_mode;
	m.uid = st.st_uid;
	m.gid = st.st_gid;
	m.mtime_ns = int64_t(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
	m.ino = st.st_ino;
	m.dev = st.st_dev;
	return m;
}

std::string unreadable(int err)
{
	return "unreadable: " + std::system_category().message(err);
}

std::string too_large(uint64_t size)
{
	return "larger than max_file_size (" + std::to_string(size) + " bytes)";
}

// "/etc/ssh/" and "/etc/ssh" name the same directory; "/" becomes "", so
// that root + "/" is the prefix of every path below it.
std::string dir_key(const std::string &path)
{
	size_t end = path.find_last_not_of('/');
	return end == std::string::npos ? "" : path.substr(0, end + 1);
}

struct UniqueFd {
	int fd;
	~UniqueFd()
	{
		if (fd >= 0)
			close(fd);
	}
};

// nftw(3) passes no user pointer: the walk in progress is reached through this.
using Visit = std::function<int(const char *, const struct stat *, int)>;
thread_local const Visit *t_visit = nullptr;

int visit(const char *path, const struct stat *st, int type, struct FTW *)
{
	return (*t_visit)(path, st, type);
}

} // namespace

struct ContentTracker::Snapshot {
	FileMeta meta;       // exists = false when the path is gone
	std::string sha256;  // "" with a problem
	std::string content; // when asked for and there is no problem
	bool text = false;   // content has no NUL byte
	std::string problem; // not a regular file, unreadable, too large
};

ContentTracker::Snapshot ContentTracker::capture(const std::string &path, bool keep_content) const
{
	Snapshot s;
	struct stat st;
	// lstat before open: opening a FIFO or a device is not harmless (a tape
	// rewinds when closed), and only regular files are read.
	if (lstat(path.c_str(), &st) != 0) {
		if (errno != ENOENT && errno != ENOTDIR)
			s.problem = unreadable(errno);
		return s;
	}
	s.meta = meta_of(st);
	if (!S_ISREG(st.st_mode)) {
		s.problem = kNoteNotRegular;
		return s;
	}
	UniqueFd fd{open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)};
	if (fd.fd < 0) {
		int err = errno;
		if (err == ENOENT || err == ENOTDIR)
			s.meta = {}; // removed since the lstat
		else
			s.problem = err == ELOOP ? std::string(kNoteNotRegular) : unreadable(err);
		return s;
	}
	if (fstat(fd.fd, &st) != 0) {
		s.problem = unreadable(errno);
		return s;
	}
	s.meta = meta_of(st); // the file actually opened, if it was replaced since the lstat
	if (!S_ISREG(st.st_mode)) {
		s.problem = kNoteNotRegular;
		return s;
	}
	const size_t max = opts_.max_file_size;
	if (uint64_t(st.st_size) > max) {
		s.problem = too_large(uint64_t(st.st_size));
		return s;
	}
	if (keep_content)
		s.content.reserve(size_t(st.st_size));
	// Read one byte past the limit to notice a file that grew since fstat.
	Sha256 hash;
	char buf[16384];
	size_t total = 0;
	for (;;) {
		ssize_t n = read(fd.fd, buf, std::min(sizeof buf, max + 1 - total));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			s.problem = unreadable(errno);
			break;
		}
		if (n == 0)
			break;
		total += size_t(n);
		if (total > max) {
			s.problem = too_large(std::max<uint64_t>(uint64_t(st.st_size), total));
			break;
		}
		hash.update(std::string_view(buf, size_t(n)));
		if (keep_content)
			s.content.append(buf, size_t(n));
	}
	OPENSSL_cleanse(buf, sizeof buf); // it may have held a secret
	if (!s.problem.empty()) {
		s.content = std::string();
		return s;
	}
	s.sha256 = hash.hex();
	s.text = keep_content && s.content.find('\0') == std::string::npos;
	return s;
}

size_t ContentTracker::baseline(const std::vector<std::string> &roots, size_t max_files)
{
	size_t recorded = 0;
	const Visit record = [&](const char *path, const struct stat *st, int type) {
		if (type != FTW_F || !S_ISREG(st->st_mode))
			return 0;
		if (recorded == max_files)
			return 1; // stops nftw
		const std::string p = path;
		const bool tracked = !opts_.deny.matches(p) && opts_.track.matches(p);
		Snapshot now = capture(p, tracked);
		if (now.meta.exists) {
			remember(p, std::move(now), tracked);
			++recorded;
		}
		return 0;
	};
	const Visit *outer = t_visit;
	t_visit = &record;
	for (const std::string &root : roots) {
		// nftw would join "/etc/ssh/" and a name with a double slash.
		std::string start = dir_key(root);
		if (nftw(start.empty() ? "/" : start.c_str(), visit, 16, FTW_PHYS) == 1)
			break;
	}
	t_visit = outer;
	return recorded;
}

Change ContentTracker::observe(const std::string &path)
{
	const bool denied = opts_.deny.matches(path);
	const bool tracked = !denied && opts_.track.matches(path);
	Snapshot now = capture(path, tracked);

	Change ch;
	const Known *was = nullptr;
	if (auto it = known_.find(path); it != known_.end()) {
		was = &it->second;
		ch.before = was->meta;
		ch.sha256_before = was->sha256;
	}
	ch.after = now.meta;
	ch.sha256_after = now.sha256;
	// The first reason that rules out a diff, in the order a reader asks.
	if (!now.meta.exists || !now.problem.empty())
		ch.note = now.problem;
	else if (denied)
		ch.note = kNoteSecret;
	else if (!tracked)
		ch.note = "";
	else if (!now.text)
		ch.note = kNoteBinary;
	else if (!ch.sha256_after.empty() && ch.sha256_before == ch.sha256_after)
		ch.note = ""; // metadata only: nothing to diff
	else if (was && was->kept) {
		DiffResult d = unified_diff(was->content, now.content, "a" + path, "b" + path, 3,
					    opts_.diff_max_bytes);
		ch.diff = std::move(d.text);
		ch.diff_truncated = d.truncated;
	} else
		ch.note = was && was->binary ? kNoteBinary : kNoteNoBaseline;

	remember(path, std::move(now), tracked);
	return ch;
}

void ContentTracker::remember(const std::string &path, Snapshot &&now, bool tracked)
{
	if (!now.meta.exists) {
		forget(path);
		return;
	}
	Known &k = known_[path];
	drop(k);
	k.meta = now.meta;
	k.sha256 = std::move(now.sha256);
	const bool readable = now.problem.empty();
	k.binary = tracked && readable && !now.text;
	if (tracked && readable && now.text)
		keep(k, std::move(now.content));
}

void ContentTracker::keep(Known &k, std::string &&content)
{
	if (content.size() > opts_.memory_budget) {
		++evictions_;
		return;
	}
	while (content_bytes_ + content.size() > opts_.memory_budget) {
		drop(*lru_.back());
		++evictions_;
	}
	content_bytes_ += content.size();
	k.content = std::move(content);
	k.kept = true;
	lru_.push_front(&k);
	k.lru = lru_.begin();
}

void ContentTracker::drop(Known &k)
{
	if (!k.kept)
		return;
	content_bytes_ -= k.content.size();
	k.content = std::string(); // frees the buffer, which clear() would keep
	k.kept = false;
	lru_.erase(k.lru);
}

FileMeta ContentTracker::meta(const std::string &path) const
{
	auto it = known_.find(path);
	return it == known_.end() ? FileMeta{} : it->second.meta;
}

void ContentTracker::set_attributes(const std::string &path, std::optional<uint32_t> mode,
				    std::optional<uint32_t> uid, std::optional<uint32_t> gid)
{
	auto it = known_.find(path);
	if (it == known_.end())
		return;
	FileMeta &m = it->second.meta;
	if (mode)
		m.mode = (m.mode & ~07777u) | (*mode & 07777u);
	if (uid && *uid != UINT32_MAX)
		m.uid = *uid;
	if (gid && *gid != UINT32_MAX)
		m.gid = *gid;
}

std::string ContentTracker::sha256(const std::string &path) const
{
	auto it = known_.find(path);
	return it == known_.end() ? "" : it->second.sha256;
}

// `root` and every path below it, taken out of the map. A node keeps its
// element's address, so lru_ stays valid while the node is out.
std::vector<ContentTracker::Map::node_type> ContentTracker::take_tree(const std::string &root)
{
	std::vector<Map::node_type> nodes;
	if (auto it = known_.find(root); it != known_.end())
		nodes.push_back(known_.extract(it));
	const std::string below = root + "/";
	for (auto it = known_.lower_bound(below); it != known_.end() && it->first.starts_with(below);)
		nodes.push_back(known_.extract(it++));
	return nodes;
}

void ContentTracker::put(Map::node_type &&node)
{
	auto r = known_.insert(std::move(node));
	if (!r.inserted)
		drop(r.node.mapped()); // only when one path was under the other
}

void ContentTracker::discard(std::vector<Map::node_type> &&nodes)
{
	for (Map::node_type &node : nodes)
		drop(node.mapped());
}

void ContentTracker::rename(const std::string &from, const std::string &to)
{
	const std::string src = dir_key(from), dst = dir_key(to);
	if (src == dst)
		return;
	std::vector<Map::node_type> moved = take_tree(src);
	discard(take_tree(dst));
	for (Map::node_type &node : moved) {
		node.key() = dst + node.key().substr(src.size());
		put(std::move(node));
	}
}

void ContentTracker::exchange(const std::string &a, const std::string &b)
{
	const std::string ka = dir_key(a), kb = dir_key(b);
	if (ka == kb)
		return;
	std::vector<Map::node_type> from_a = take_tree(ka), from_b = take_tree(kb);
	for (Map::node_type &node : from_a) {
		node.key() = kb + node.key().substr(ka.size());
		put(std::move(node));
	}
	for (Map::node_type &node : from_b) {
		node.key() = ka + node.key().substr(kb.size());
		put(std::move(node));
	}
}

void ContentTracker::forget(const std::string &path)
{
	auto it = known_.find(path);
	if (it == known_.end())
		return;
	drop(it->second);
	known_.erase(it);
}

void ContentTracker::forget_under(const std::string &dir_prefix)
{
	discard(take_tree(dir_key(dir_prefix)));
}

} // namespace linesman::fim
