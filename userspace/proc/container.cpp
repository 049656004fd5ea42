// SPDX-License-Identifier: Apache-2.0
#include "proc/container.h"

#include <sys/stat.h>

#include <span>

namespace linesman::proc {
namespace {

constexpr size_t kIdHexLen = 64; // sha256 hex: docker, containerd, CRI-O and podman ids

bool is_id_hex(std::string_view s)
{
	if (s.size() != kIdHexLen)
		return false;
	for (char c : s)
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return false;
	return true;
}

// LXC accepts almost any name; refuse only what cannot be one.
bool is_lxc_name(std::string_view s)
{
	if (s.empty() || s.size() > 255)
		return false;
	for (unsigned char c : s)
		if (c < 0x20 || c == 0x7f)
			return false;
	return true;
}

std::vector<std::string_view> components(std::string_view path)
{
	std::vector<std::string_view> out;
	while (!path.empty()) {
		size_t slash = path.find('/');
		std::string_view c = path.substr(0, slash);
		if (!c.empty())
			out.push_back(c);
		if (slash == std::string_view::npos)
			break;
		path.remove_prefix(slash + 1);
	}
	return out;
}

// The id in one component, or "". `above` are the components before it.
std::string id_in(std::string_view c, std::span<const std::string_view> above)
{
	// systemd's scope units ("docker-<id>.scope"), and podman's cgroupfs
	// "libpod-<id>". The monitors' scopes ("crio-conmon-<id>.scope",
	// "libpod-conmon-<id>.scope") are host processes and fail the hex check.
	std::string_view unit = c;
	if (unit.ends_with(".scope"))
		unit.remove_suffix(6);
	for (std::string_view prefix : {"docker-", "cri-containerd-", "crio-", "libpod-"}) {
		if (unit.starts_with(prefix) && is_id_hex(unit.substr(prefix.size())))
			return std::string(unit.substr(prefix.size()));
	}
	// cgroupfs drivers: "/docker/<id>", "/kubepods/burstable/pod<uid>/<id>".
	if (is_id_hex(c)) {
		for (std::string_view a : above)
			if (a == "docker" || a.starts_with("kubepods"))
				return std::string(c);
	}
	// LXC >= 4 (and LXD): "lxc.payload.<name>"; older LXC: "/lxc/<name>".
	// "lxc.monitor.<name>" is the container's monitor, on the host side.
	constexpr std::string_view payload = "lxc.payload.";
	if (c.starts_with(payload) && is_lxc_name(c.substr(payload.size())))
		return std::string(c.substr(payload.size()));
	if (!above.empty() && above.back() == "lxc" && is_lxc_name(c))
		return std::string(c);
	return {};
}

// mountinfo escapes ' ', '\t', '\n' and '\\' as \ooo.
std::string unescape_octal(std::string_view s)
{
	std::string out;
	for (size_t i = 0; i < s.size(); ++i) {
		auto octal = [&](size_t at, char max) { return s[at] >= '0' && s[at] <= max; };
		if (s[i] == '\\' && i + 3 < s.size() && octal(i + 1, '3') && octal(i + 2, '7') &&
		    octal(i + 3, '7')) {
			out += char((s[i + 1] - '0') << 6 | (s[i + 2] - '0') << 3 | (s[i + 3] - '0'));
			i += 3;
		} else {
			out += s[i];
		}
	}
	return out;
}

} // namespace

std::string container_id_of_cgroup(std::string_view path)
{
	auto parts = components(path);
	// From the leaf up: a container nested in another (docker in LXC, a
	// systemd inside the container making sub-cgroups) is named by its innermost one.
	for (size_t i = parts.size(); i-- > 0;) {
		std::string id = id_in(parts[i], std::span(parts.data(), i));
		if (!id.empty())
			return id;
	}
	return {};
}

ProcCgroup parse_proc_cgroup(std::string_view text)
{
	ProcCgroup out;
	while (!text.empty()) {
		size_t nl = text.find('\n');
		std::string_view line = text.substr(0, nl);
		text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
		// "hierarchy-id:controllers:path"; the path may itself hold ':'.
		size_t a = line.find(':');
		size_t b = a == std::string_view::npos ? a : line.find(':', a + 1);
		if (b == std::string_view::npos)
			continue;
		std::string_view path = line.substr(b + 1);
		if (!path.starts_with('/'))
			continue;
		if (line.substr(0, a) == "0" && a + 1 == b)
			out.unified = std::string(path);
		else
			out.legacy.emplace_back(path);
	}
	return out;
}

CgroupMounts parse_cgroup_mounts(std::string_view mountinfo)
{
	CgroupMounts out;
	while (!mountinfo.empty()) {
		size_t nl = mountinfo.find('\n');
		std::string_view line = mountinfo.substr(0, nl);
		mountinfo.remove_prefix(nl == std::string_view::npos ? mountinfo.size() : nl + 1);
		// "id parent maj:min root mount-point options [optional...] - fstype source super-options"
		size_t pos = 0;
		std::vector<std::string_view> f;
		while (pos < line.size()) {
			size_t sp = line.find(' ', pos);
			if (sp == std::string_view::npos)
				sp = line.size();
			if (sp > pos)
				f.push_back(line.substr(pos, sp - pos));
			pos = sp + 1;
		}
		size_t dash = 6;
		while (dash < f.size() && f[dash] != "-")
			++dash;
		if (f.size() < 5 || dash + 1 >= f.size())
			continue;
		std::string_view fstype = f[dash + 1];
		if (fstype == "cgroup2" && out.unified.empty())
			out.unified = unescape_octal(f[4]);
		else if (fstype == "cgroup")
			out.legacy = true;
	}
	return out;
}

ContainerIds::ContainerIds(const ProcFs &procfs, size_t max_entries)
    : procfs_(procfs), max_entries_(max_entries ? max_entries : 1)
{
	if (auto text = procfs_.mountinfo())
		mounts_ = parse_cgroup_mounts(*text);
}

std::string ContainerIds::of(uint32_t pid, uint64_t cgroup_id)
{
	if (cgroup_id) {
		if (auto it = cache_.find(cgroup_id); it != cache_.end()) {
			++stats_.hits;
			return it->second;
		}
	}
	++stats_.misses;
	return resolve(pid, cgroup_id).container_id;
}

ContainerIds::Found ContainerIds::of_seeded(uint32_t pid)
{
	return resolve(pid, 0);
}

ContainerIds::Found ContainerIds::resolve(uint32_t pid, uint64_t cgroup_id)
{
	Found out{cgroup_id, {}};
	auto text = procfs_.cgroup(pid);
	if (!text) { // exited and reaped: do not guess
		++stats_.unverified;
		return out;
	}
	ProcCgroup cg = parse_proc_cgroup(*text);
	bool verified = false;
	if (cg.unified && !mounts_.unified.empty()) {
		// On cgroup v2 the cgroup id is the cgroup directory's inode number
		// (kernfs node id; include/linux/cgroup.h cgroup_id()). A mismatch means
		// the process moved after the record was made: /proc no longer describes it.
		std::string dir = mounts_.unified;
		if (*cg.unified != "/")
			dir += *cg.unified;
		struct stat st{};
		if (::stat(dir.c_str(), &st) == 0) {
			if (!out.cgroup_id)
				out.cgroup_id = st.st_ino;
			verified = st.st_ino == out.cgroup_id;
		}
		if (!verified) {
			++stats_.unverified;
			return out;
		}
		out.container_id = container_id_of_cgroup(*cg.unified);
		if (!out.container_id.empty()) {
			remember(out.cgroup_id, out.container_id);
			return out;
		}
	}
	// Runtimes on a v1 (legacy or hybrid) host may place a container in v1
	// cgroups only, leaving its v2 cgroup shared with host processes.
	for (const std::string &p : cg.legacy) {
		out.container_id = container_id_of_cgroup(p);
		if (!out.container_id.empty())
			return out;
	}
	// A host cgroup: final only where no v1 hierarchy could hold a container
	// that shares it. On hybrid hosts such processes read /proc at each exec.
	if (verified && !mounts_.legacy)
		remember(out.cgroup_id, "");
	return out;
}

void ContainerIds::remember(uint64_t cgroup_id, const std::string &container_id)
{
	// cgroup ids are never reused within a boot (64-bit kernfs ids), so entries
	// never go stale; emptying the full cache only costs /proc reads again.
	if (cache_.size() >= max_entries_) {
		cache_.clear();
		++stats_.flushed;
	}
	cache_.emplace(cgroup_id, container_id);
}

} // namespace linesman::proc
