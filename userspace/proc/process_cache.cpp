// SPDX-License-Identifier: Apache-2.0
#include "proc/process_cache.h"

#include "decode/decoder.h"

#include <pwd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <tuple>

namespace linesman::proc {

struct ProcessCache::Entry {
	// What fork copies and exec replaces.
	struct Image {
		std::string comm, exe, cwd, tty;
		std::vector<std::string> argv;
		uint32_t uid = 0, gid = 0, euid = 0, egid = 0;
		uint32_t auid = UINT32_MAX, session_id = UINT32_MAX;
		uint64_t cgroup_id = 0;
		std::string container_id;
	};
	enum class Origin : uint8_t { Unknown, None, Found };

	uint32_t tgid = 0;
	uint64_t start_ns = 0;     // since boot
	bool start_exact = false;  // learnt from the kernel; else seeded: whole ticks, in ns
	uint32_t ppid = 0;
	bool parent_known = false; // parent_start_ns is valid
	bool parent_start_exact = false;
	uint64_t parent_start_ns = 0;
	std::string exec_id, parent_exec_id;
	Image image;
	std::optional<uint64_t> exited_at; // CLOCK_BOOTTIME ns
	uint64_t last_used = 0;
	// The login session this process descends from, resolved on first describe().
	// Shared by every process of the session, and it outlives the sshd entry.
	Origin origin_state = Origin::Unknown;
	std::shared_ptr<const SessionOrigin> origin;
};

namespace {

// A dual-stack sshd sees IPv4 peers as "::ffff:a.b.c.d"; operators search for
// the address they know.
std::string unmap_v4(const std::string &addr)
{
	constexpr std::string_view prefix = "::ffff:";
	if (addr.size() > prefix.size() && addr.compare(0, prefix.size(), prefix) == 0 &&
	    addr.find('.') != std::string::npos)
		return addr.substr(prefix.size());
	return addr;
}

// A deleted user name (or one added later, as an intruder's account is) shows
// up within this long; in between, NSS is asked once per uid, not per event.
constexpr uint64_t kNameTtlNs = 60'000'000'000;
constexpr size_t kMaxCachedNames = 4096;

constexpr uint32_t kTcpEstablished = 1, kTcpListen = 10;

std::string getpw_name(uint32_t uid)
{
	long hint = sysconf(_SC_GETPW_R_SIZE_MAX);
	std::vector<char> buf(hint > 0 ? size_t(hint) : 16384);
	for (;;) {
		passwd pw{}, *res = nullptr;
		int err = getpwuid_r(uid, &pw, buf.data(), buf.size(), &res);
		if (err == ERANGE && buf.size() < (1u << 20)) {
			buf.resize(buf.size() * 2);
			continue;
		}
		return err == 0 && res ? std::string(res->pw_name) : std::string();
	}
}

// sshd's exe reads "/usr/sbin/sshd (deleted)" once a package upgrade replaced
// the binary under a running daemon, which is the usual state of a long-lived host.
bool is_sshd(std::string_view exe)
{
	constexpr std::string_view deleted = " (deleted)";
	if (exe.ends_with(deleted))
		exe.remove_suffix(deleted.size());
	std::string_view base = exe.substr(exe.rfind('/') + 1);
	return base == "sshd" || base == "sshd-session";
}

// Remove the entries `doomed` selects; returns how many.
template <typename Map, typename Pred>
size_t erase_entries(Map &by_tgid, Pred doomed)
{
	size_t n = 0;
	for (auto it = by_tgid.begin(); it != by_tgid.end();) {
		n += std::erase_if(it->second, [&](const auto &e) { return doomed(*e); });
		it = it->second.empty() ? by_tgid.erase(it) : std::next(it);
	}
	return n;
}

} // namespace

std::string make_exec_id(const std::string &boot_id, uint32_t tgid, uint64_t image_time_ns)
{
	uint64_t h = 0xcbf29ce484222325ull; // FNV-1a 64 offset basis
	auto mix = [&h](uint8_t b) {
		h ^= b;
		h *= 0x100000001b3ull;
	};
	for (char c : boot_id)
		mix(uint8_t(c));
	for (int i = 0; i < 4; ++i)
		mix(uint8_t(tgid >> (8 * i)));
	for (int i = 0; i < 8; ++i)
		mix(uint8_t(image_time_ns >> (8 * i)));
	char out[17];
	std::snprintf(out, sizeof out, "%016llx", static_cast<unsigned long long>(h));
	return out;
}

ProcessCache::ProcessCache(const ProcFs &procfs, CacheOptions opts)
    : procfs_(procfs), opts_(std::move(opts)),
      ns_per_tick_(1'000'000'000 / (opts_.ticks_per_second ? opts_.ticks_per_second : 100)),
      containers_(procfs)
{
	if (!opts_.user_name)
		opts_.user_name = getpw_name;
	opts_.max_entries = std::max<size_t>(opts_.max_entries, 1);
}

ProcessCache::~ProcessCache() = default;

size_t ProcessCache::size() const
{
	return count_;
}

void ProcessCache::advance(uint64_t now_boot_ns)
{
	now_ns_ = std::max(now_ns_, now_boot_ns);
}

ProcessCache::Entry *ProcessCache::find(const decode::ProcessKey &key)
{
	return find(key.tgid, key.start_boottime, true);
}

ProcessCache::Entry *ProcessCache::find(uint32_t tgid, uint64_t start_ns, bool exact)
{
	auto it = by_tgid_.find(tgid);
	if (it == by_tgid_.end())
		return nullptr;
	Entry *hit = nullptr;
	for (auto &e : it->second) {
		if (e->start_exact && exact) {
			if (e->start_ns == start_ns) {
				hit = e.get();
				break;
			}
		} else if (!hit && e->start_ns / ns_per_tick_ == start_ns / ns_per_tick_) {
			// /proc gives the start in ticks only (nsec_to_clock_t rounds down).
			hit = e.get();
		}
	}
	if (hit)
		hit->last_used = ++use_clock_;
	return hit;
}

ProcessCache::Entry *ProcessCache::live(uint32_t tgid)
{
	auto it = by_tgid_.find(tgid);
	if (it == by_tgid_.end())
		return nullptr;
	for (auto &e : it->second)
		if (!e->exited_at)
			return e.get();
	return nullptr;
}

ProcessCache::Entry *ProcessCache::parent_of(const Entry &e)
{
	if (!e.parent_known || e.ppid == 0)
		return nullptr;
	return find(e.ppid, e.parent_start_ns, e.parent_start_exact);
}

ProcessCache::Entry &ProcessCache::insert(Entry e)
{
	evict_if_full();
	auto &same_tgid = by_tgid_[e.tgid];
	// One tgid names one live process: an older live entry missed its exit
	// record (ring-buffer loss), so let it age out like any exited one.
	for (auto &old : same_tgid)
		if (!old->exited_at)
			old->exited_at = std::max(e.start_ns, now_ns_);
	e.last_used = ++use_clock_;
	same_tgid.push_back(std::make_unique<Entry>(std::move(e)));
	++count_;
	return *same_tgid.back();
}

void ProcessCache::evict_if_full()
{
	if (count_ < opts_.max_entries)
		return;
	// Choosing victims scans every entry; evicting a batch at a time spreads
	// that cost over many inserts instead of paying it on each one.
	size_t batch = std::max<size_t>(1, opts_.max_entries / 64);
	struct Candidate {
		bool live;
		uint64_t age; // exited: when it exited; live: last use
		Entry *e;
		bool operator<(const Candidate &o) const { return std::tie(live, age) < std::tie(o.live, o.age); }
	};
	std::vector<Candidate> all;
	all.reserve(count_);
	for (auto &[tgid, entries] : by_tgid_)
		for (auto &e : entries)
			all.push_back({!e->exited_at, e->exited_at ? *e->exited_at : e->last_used, e.get()});
	batch = std::min(batch, all.size());
	// Exited entries first (oldest exit first); then live ones least recently
	// used, not oldest started: init and sshd are old but every session's ancestors.
	std::nth_element(all.begin(), all.begin() + ptrdiff_t(batch) - 1, all.end());
	std::vector<Entry *> victims;
	for (size_t i = 0; i < batch; ++i)
		victims.push_back(all[i].e);
	std::sort(victims.begin(), victims.end());
	size_t n = erase_entries(by_tgid_, [&](const Entry &e) {
		return std::binary_search(victims.begin(), victims.end(), &e);
	});
	count_ -= n;
	stats_.evicted += n;
}

void ProcessCache::expire(uint64_t now_boot_ns)
{
	advance(now_boot_ns);
	count_ -= erase_entries(by_tgid_, [&](const Entry &e) {
		return e.exited_at && *e.exited_at + opts_.exit_grace_ns < now_boot_ns;
	});
}

size_t ProcessCache::seed()
{
	std::vector<std::pair<uint32_t, uint64_t>> added; // (tgid, start ns in whole ticks)
	for (uint32_t pid : procfs_.pids()) {
		auto st = procfs_.stat(pid);
		// A zombie has exited already: no exit record will ever retire it.
		if (!st || st->state == 'Z' || st->state == 'X')
			continue;
		uint64_t start_ns = st->start_ticks * ns_per_tick_;
		if (find(pid, start_ns, false)) // a record about it arrived first
			continue;
		auto status = procfs_.status(pid);
		if (!status) // gone since stat
			continue;
		Entry e;
		e.tgid = pid;
		e.start_ns = start_ns;
		e.ppid = st->ppid;
		e.exec_id = make_exec_id(opts_.boot_id, pid, start_ns);
		Entry::Image &im = e.image;
		im.comm = st->comm;
		im.exe = procfs_.exe(pid).value_or(""); // unreadable for kernel threads
		im.cwd = procfs_.cwd(pid).value_or("");
		im.argv = decode::split_argv(procfs_.cmdline(pid).value_or("")); // same layout as the kernel's
		// setproctitle() (sshd, postgres) pads the argv area with NULs; that
		// padding is far commoner than a real trailing "" argument.
		while (!im.argv.empty() && im.argv.back().empty())
			im.argv.pop_back();
		im.tty = tty_name(st->tty_nr);
		im.uid = status->uid;
		im.euid = status->euid;
		im.gid = status->gid;
		im.egid = status->egid;
		im.auid = procfs_.loginuid(pid).value_or(UINT32_MAX);
		im.session_id = procfs_.sessionid(pid).value_or(UINT32_MAX);
		auto cg = containers_.of_seeded(pid);
		im.cgroup_id = cg.cgroup_id; // what an exec record would carry; 0 if unknown
		im.container_id = std::move(cg.container_id);
		insert(std::move(e));
		added.emplace_back(pid, start_ns);
	}
	// Link parents once all are in: after pid wrap a parent can have the higher pid.
	for (auto &[tgid, start_ns] : added) {
		Entry *e = find(tgid, start_ns, false);
		if (!e || e->ppid == 0)
			continue;
		Entry *parent = live(e->ppid);
		// A parent that started after its child is a reused pid, not the parent.
		if (!parent || parent->start_ns / ns_per_tick_ > e->start_ns / ns_per_tick_)
			continue;
		e->parent_known = true;
		e->parent_start_ns = parent->start_ns;
		e->parent_start_exact = parent->start_exact;
		e->parent_exec_id = parent->exec_id;
	}
	stats_.seeded += added.size();
	return added.size();
}

void ProcessCache::on_fork(const decode::ForkRecord &r)
{
	++stats_.forks;
	advance(r.hdr.ktime_ns);
	if (find(r.hdr.key())) // seeded from /proc after the fork
		return;
	Entry child;
	child.tgid = r.hdr.tgid;
	child.start_ns = r.hdr.start_boottime;
	child.start_exact = true;
	child.ppid = r.parent_tgid;
	child.parent_known = true;
	child.parent_start_exact = true;
	child.parent_start_ns = r.parent_start_boottime;
	// Rounded to ticks like a seeded entry, so /proc and the kernel agree on the id.
	child.exec_id = make_exec_id(opts_.boot_id, child.tgid,
				     child.start_ns / ns_per_tick_ * ns_per_tick_);
	if (Entry *parent = find({r.parent_tgid, r.parent_start_boottime})) {
		child.image = parent->image; // the child runs its parent's image until it execs
		child.parent_exec_id = parent->exec_id;
	} else {
		++stats_.misses;
	}
	insert(std::move(child)); // may evict: no Entry pointer is used after this
}

Process ProcessCache::on_exec(const decode::ExecRecord &r)
{
	++stats_.execs;
	advance(r.hdr.ktime_ns);
	std::string parent_exec_id;
	if (Entry *parent = r.ppid ? find({r.ppid, r.parent_start_boottime}) : nullptr)
		parent_exec_id = parent->exec_id;
	Entry *e = find(r.hdr.key());
	if (!e) {
		++stats_.misses;
		Entry fresh;
		fresh.tgid = r.hdr.tgid;
		fresh.start_ns = r.hdr.start_boottime;
		fresh.start_exact = true;
		e = &insert(std::move(fresh));
	}
	// The parent comes from the record: it is the current one, after any reparenting.
	e->ppid = r.ppid;
	e->parent_known = r.ppid != 0;
	e->parent_start_exact = true;
	e->parent_start_ns = r.parent_start_boottime;
	e->parent_exec_id = std::move(parent_exec_id);
	e->exec_id = make_exec_id(opts_.boot_id, e->tgid, r.hdr.ktime_ns);
	e->image = Entry::Image{.comm = r.comm, .exe = r.exe, .cwd = r.cwd, .tty = r.tty,
				.argv = r.argv, .uid = r.uid, .gid = r.gid, .euid = r.euid,
				.egid = r.egid, .auid = r.auid, .session_id = r.sessionid,
				.cgroup_id = r.cgroup_id,
				// At exec, not at fork: runtimes move a forked child into the
				// container's cgroup and then exec the container's program.
				.container_id = containers_.of(r.hdr.tgid, r.cgroup_id)};
	// The new image may be sshd-session itself: resolve the origin again.
	e->origin_state = Entry::Origin::Unknown;
	e->origin.reset();
	Process p = describe(*e);
	p.tid = r.hdr.tid ? r.hdr.tid : p.tid;
	return p;
}

std::optional<Process> ProcessCache::on_exit(const decode::ExitRecord &r, ExitDetails *details)
{
	++stats_.exits;
	advance(r.hdr.ktime_ns);
	Entry *e = find(r.hdr.key());
	if (details) {
		int status = int(r.exit_code);
		if (WIFEXITED(status)) {
			details->code = WEXITSTATUS(status);
			details->signal = 0;
			details->core_dumped = false;
		} else {
			details->code = -1;
			details->signal = WTERMSIG(status);
			details->core_dumped = WCOREDUMP(status);
		}
		details->duration_ns = e && r.hdr.ktime_ns > e->start_ns ? r.hdr.ktime_ns - e->start_ns : 0;
	}
	if (!e) {
		++stats_.misses;
		return std::nullopt;
	}
	// Kept for exit_grace_ns: socket and file closes are reported after the exit.
	e->exited_at = r.hdr.ktime_ns;
	Process p = describe(*e);
	p.tid = r.hdr.tid ? r.hdr.tid : p.tid;
	return p;
}

std::optional<Process> ProcessCache::lookup(const decode::ProcessKey &key)
{
	Entry *e = find(key);
	if (!e)
		return std::nullopt;
	return describe(*e);
}

std::optional<Process> ProcessCache::lookup_pid(uint32_t tgid, uint64_t at_boot_ns)
{
	auto it = by_tgid_.find(tgid);
	if (it == by_tgid_.end())
		return std::nullopt;
	Entry *best = nullptr;
	for (auto &e : it->second)
		if (e->start_ns <= at_boot_ns && (!best || e->start_ns > best->start_ns))
			best = e.get();
	if (!best)
		return std::nullopt;
	best->last_used = ++use_clock_;
	return describe(*best);
}

std::string ProcessCache::user_name(uint32_t uid)
{
	auto it = names_.find(uid);
	if (it != names_.end() && now_ns_ < it->second.looked_up_ns + kNameTtlNs)
		return it->second.name;
	if (names_.size() >= kMaxCachedNames)
		names_.clear();
	std::string name = opts_.user_name(uid);
	names_[uid] = CachedName{name, now_ns_};
	return name;
}

Process ProcessCache::describe(Entry &e)
{
	const Entry::Image &im = e.image;
	Process p;
	p.pid = e.tgid;
	p.tid = e.tgid;
	p.ppid = e.ppid;
	p.exec_id = e.exec_id;
	p.parent_exec_id = e.parent_exec_id;
	p.uid = im.uid;
	p.gid = im.gid;
	p.euid = im.euid;
	p.egid = im.egid;
	p.auid = im.auid;
	p.session_id = im.session_id;
	p.tty = im.tty;
	p.comm = im.comm;
	p.exe = im.exe;
	p.argv = im.argv;
	p.cwd = im.cwd;
	p.cgroup_id = im.cgroup_id;
	p.container_id = im.container_id;
	p.start_time_ns = opts_.boot_wall_ns + e.start_ns;
	p.user = user_name(im.uid);
	if (im.auid != UINT32_MAX)
		p.login_user = user_name(im.auid);

	std::vector<const Entry *> seen{&e};
	for (Entry *a = parent_of(e); a && p.ancestors.size() < opts_.max_ancestors; a = parent_of(*a)) {
		if (std::find(seen.begin(), seen.end(), a) != seen.end())
			break; // a cycle: only corrupt or lost records can build one, but never loop
		seen.push_back(a);
		// Kernel threads have no exe; "[kthreadd]" is how ps names them too.
		p.ancestors.push_back(a->image.exe.empty() ? "[" + a->image.comm + "]" : a->image.exe);
	}
	p.origin = session_origin(e);
	return p;
}

std::optional<SessionOrigin> ProcessCache::session_origin(Entry &e)
{
	// Walk up until an entry whose origin is already known, or an sshd holding
	// the session's connection; every entry on the way then gets the answer,
	// so each process pays for the walk once and a session's /proc reads happen once.
	std::vector<Entry *> path;
	std::shared_ptr<const SessionOrigin> found;
	for (Entry *a = &e; a && path.size() <= opts_.max_ancestors; a = parent_of(*a)) {
		if (a->origin_state != Entry::Origin::Unknown) {
			found = a->origin;
			break;
		}
		if (std::find(path.begin(), path.end(), a) != path.end())
			break;
		path.push_back(a);
		if (is_sshd(a->image.exe) && (found = sshd_peer(*a)))
			break;
	}
	for (Entry *a : path) {
		a->origin_state = found ? Entry::Origin::Found : Entry::Origin::None;
		a->origin = found;
	}
	if (!found)
		return std::nullopt;
	SessionOrigin o = *found;
	// The audit login uid names the user even where sshd's title does not.
	if (e.image.auid != UINT32_MAX) {
		if (std::string name = user_name(e.image.auid); !name.empty())
			o.user = std::move(name);
	}
	return o;
}

std::shared_ptr<const SessionOrigin> ProcessCache::sshd_peer(const Entry &sshd)
{
	if (sshd.exited_at)
		return nullptr;
	// /proc/PID must still be this process, not a later one that reused the pid.
	auto st = procfs_.stat(sshd.tgid);
	if (!st || st->start_ticks != sshd.start_ns / ns_per_tick_)
		return nullptr;
	auto inodes = procfs_.socket_inodes(sshd.tgid);
	if (inodes.empty())
		return nullptr;
	auto sockets = procfs_.tcp_sockets(sshd.tgid);
	std::vector<uint32_t> listen_ports;
	for (auto &s : sockets)
		if (s.state == kTcpListen)
			listen_ports.push_back(s.local_port);
	// The login's connection was accepted, so it shares its local port with a
	// listener; other established sockets (port forwards) were dialled out.
	const TcpSocket *best = nullptr;
	bool best_accepted = false;
	for (uint64_t inode : inodes) {
		for (auto &s : sockets) {
			if (s.inode != inode || s.state != kTcpEstablished)
				continue;
			bool accepted = std::find(listen_ports.begin(), listen_ports.end(), s.local_port) !=
					listen_ports.end();
			if (!best || (accepted && !best_accepted)) {
				best = &s;
				best_accepted = accepted;
			}
		}
	}
	if (!best)
		return nullptr;
	++stats_.origins_resolved;
	return std::make_shared<const SessionOrigin>(SessionOrigin{
	    unmap_v4(best->remote_addr), best->remote_port,
	    sshd_title_user(procfs_.cmdline(sshd.tgid).value_or("")), sshd.image.exe});
}

} // namespace linesman::proc
