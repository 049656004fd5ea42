// SPDX-License-Identifier: Apache-2.0
// The process cache as a state machine: seeded from a fake /proc tree, fed
// fork/exec/exit records, checked field by field.
#include <doctest/doctest.h>

#include <bit>
#include <string>
#include <vector>

#include "fake_proc.h"
#include "proc/process_cache.h"

using namespace linesman;
using namespace linesman::proc;
using namespace linesman::test;
using namespace std::string_literals;

namespace {

const std::string kBoot = "7f3c1a9e-2b4d-4e6f-8a1b-3c5d7e9f0a2b";
constexpr uint64_t kTick = 10'000'000; // ns per tick at 100 Hz
constexpr uint64_t kBootWall = 1'700'000'000'000'000'000;
constexpr uint64_t kGrace = 10'000'000'000;

// /proc/net/tcp of the host's netns: the shared listener and login connection
// (inodes 2001 and 12345), and a port forward sshd dialled out to
// 198.51.100.9:80 (inode 777).
const std::string kHostNetTcp =
    kNetTcp +
    "   2: 0500000A:9C40 0963336C:0050 01 00000000:00000000 00:00000000 00000000     0        0 777 2 0000000000000000 20 4 30 10 -1\n";

// init, kthreadd and a kworker; an sshd listener whose session child
// (sshd-session, alice from 192.0.2.7) runs bash -> vim; cron -> sh; a zombie.
void build_host(const FakeProc &t)
{
	t.add({.pid = 1, .ppid = 0, .comm = "systemd", .start_ticks = 4,
	       .exe = "/usr/lib/systemd/systemd", .cmdline = nul_joined({"/sbin/init"})});
	t.add({.pid = 2, .ppid = 0, .comm = "kthreadd", .start_ticks = 4});
	t.add({.pid = 45, .ppid = 2, .comm = "kworker/0:1", .start_ticks = 30});
	t.add({.pid = 812, .ppid = 1, .comm = "sshd", .start_ticks = 950, .exe = "/usr/sbin/sshd",
	       .cmdline = "sshd: /usr/sbin/sshd -D [listener] 0 of 10-100 startups"s + '\0'});
	t.link("812/fd/3", "socket:[2001]");
	t.write("812/net/tcp", kHostNetTcp);
	t.add({.pid = 4100, .ppid = 812, .comm = "sshd-session", .start_ticks = 250000, .loginuid = 1000,
	       .sessionid = 7, .exe = "/usr/lib/openssh/sshd-session",
	       .cmdline = "sshd-session: alice [priv]"s + std::string(20, '\0')});
	t.link("4100/fd/0", "/dev/null");
	t.link("4100/fd/2", "socket:[777]"); // the port forward, on a lower fd than the login
	t.link("4100/fd/4", "socket:[12345]");
	t.link("4100/fd/5", "pipe:[40001]");
	t.write("4100/net/tcp", kHostNetTcp);
	t.write("4100/net/tcp6", "  sl  local_address remote_address st\n");
	t.add({.pid = 4130, .ppid = 4100, .comm = "bash", .start_ticks = 250010, .uid = 1000, .euid = 1000,
	       .gid = 1000, .egid = 1000, .loginuid = 1000, .sessionid = 7, .tty_nr = 34816,
	       .exe = "/usr/bin/bash", .cwd = "/home/alice", .cmdline = nul_joined({"-bash"})});
	t.add({.pid = 4200, .ppid = 4130, .comm = "vim", .start_ticks = 260000, .uid = 1000, .euid = 1000,
	       .gid = 1000, .egid = 1000, .loginuid = 1000, .sessionid = 7, .tty_nr = 34816,
	       .exe = "/usr/bin/vim.basic", .cwd = "/home/alice",
	       .cmdline = nul_joined({"vim", "/etc/ssh/sshd_config"})});
	t.add({.pid = 900, .ppid = 1, .comm = "cron", .start_ticks = 1000, .exe = "/usr/sbin/cron",
	       .cmdline = nul_joined({"/usr/sbin/cron", "-f"})});
	t.add({.pid = 5000, .ppid = 900, .comm = "sh", .start_ticks = 300000, .exe = "/usr/bin/dash",
	       .cwd = "/var/backups", .cmdline = nul_joined({"/bin/sh", "-c", "backup"})});
	t.add({.pid = 6000, .ppid = 900, .comm = "backup", .start_ticks = 300100, .state = 'Z'});
}

CacheOptions options(size_t max_entries = 65536, size_t max_ancestors = 64)
{
	CacheOptions o;
	o.boot_id = kBoot;
	o.ticks_per_second = 100;
	o.boot_wall_ns = kBootWall;
	o.max_entries = max_entries;
	o.exit_grace_ns = kGrace;
	o.max_ancestors = max_ancestors;
	o.user_name = [](uint32_t uid) -> std::string {
		switch (uid) {
		case 0: return "root";
		case 1000: return "alice";
		case 1001: return "bob";
		default: return "";
		}
	};
	return o;
}

decode::ForkRecord fork_of(uint32_t tgid, uint64_t start, uint32_t parent, uint64_t parent_start)
{
	return {.hdr = {.ktime_ns = start, .tgid = tgid, .tid = tgid, .start_boottime = start},
		.parent_tgid = parent,
		.parent_start_boottime = parent_start};
}

decode::ExitRecord exit_of(uint32_t tgid, uint64_t start, uint64_t when, uint32_t status)
{
	return {.hdr = {.ktime_ns = when, .tgid = tgid, .tid = tgid, .start_boottime = start},
		.exit_code = status};
}

decode::ExecRecord exec_of(uint32_t tgid, uint64_t start, uint64_t when, uint32_t ppid,
			   uint64_t parent_start, std::string exe)
{
	decode::ExecRecord r;
	r.hdr = {.ktime_ns = when, .tgid = tgid, .tid = tgid, .start_boottime = start};
	r.ppid = ppid;
	r.parent_start_boottime = parent_start;
	r.comm = exe.substr(exe.rfind('/') + 1);
	r.exe = exe;
	r.argv = {r.comm};
	return r;
}

// Kernel keys of the seeded processes: the exact start is somewhere inside the tick.
constexpr decode::ProcessKey kBash{4130, 250010 * kTick + 4'321'000};
constexpr decode::ProcessKey kVim{4200, 260000 * kTick + 1'234'567};
constexpr decode::ProcessKey kSshdSession{4100, 250000 * kTick + 999};
constexpr decode::ProcessKey kSh{5000, 300000 * kTick + 77};
constexpr decode::ProcessKey kListener{812, 950 * kTick + 5};

const SessionOrigin kAliceOrigin{"192.0.2.7", 51234, "alice", "/usr/lib/openssh/sshd-session"};

} // namespace

TEST_CASE("make_exec_id: FNV-1a-64 of boot id, tgid LE, ns LE; 16 lowercase hex")
{
	// Expected values computed independently (Python, struct.pack('<I'/'<Q')).
	CHECK(make_exec_id(kBoot, 4130, 250010 * kTick) == "19952ad21a6a762a");
	CHECK(make_exec_id(kBoot, 1, 0) == "88958bd576c93fcf");
	CHECK(make_exec_id("", 0, 0) == "5467b0da1d106495");
	CHECK(make_exec_id(kBoot, 4130, 250010 * kTick + 1) != "19952ad21a6a762a");
}

TEST_CASE("seed: every live process, lineage, ancestors and image fields")
{
	FakeProc t;
	build_host(t);
	ProcFs pf(t.root);
	ProcessCache cache(pf, options());
	CHECK(cache.seed() == 9); // the zombie is not seeded
	CHECK(cache.size() == 9);
	CHECK(cache.stats().seeded == 9);
	CHECK_FALSE(cache.lookup({6000, 300100 * kTick}));

	auto vim = cache.lookup(kVim);
	REQUIRE(vim);
	CHECK(vim->pid == 4200);
	CHECK(vim->tid == 4200);
	CHECK(vim->ppid == 4130);
	CHECK(vim->exec_id == make_exec_id(kBoot, 4200, 260000 * kTick));
	CHECK(vim->parent_exec_id == "19952ad21a6a762a");
	CHECK(vim->uid == 1000);
	CHECK(vim->euid == 1000);
	CHECK(vim->gid == 1000);
	CHECK(vim->egid == 1000);
	CHECK(vim->auid == 1000);
	CHECK(vim->session_id == 7);
	CHECK(vim->tty == "pts/0");
	CHECK(vim->comm == "vim");
	CHECK(vim->exe == "/usr/bin/vim.basic");
	CHECK(vim->argv == std::vector<std::string>{"vim", "/etc/ssh/sshd_config"});
	CHECK(vim->cwd == "/home/alice");
	CHECK(vim->start_time_ns == kBootWall + 260000 * kTick);
	CHECK(vim->user == "alice");
	CHECK(vim->login_user == "alice");
	CHECK(vim->ancestors == std::vector<std::string>{"/usr/bin/bash", "/usr/lib/openssh/sshd-session",
							   "/usr/sbin/sshd", "/usr/lib/systemd/systemd"});

	auto init = cache.lookup({1, 4 * kTick + 17});
	REQUIRE(init);
	CHECK(init->ppid == 0);
	CHECK(init->parent_exec_id == "");
	CHECK(init->ancestors.empty());
	CHECK(init->auid == kNoUid);
	CHECK(init->login_user == "");
	CHECK(init->user == "root");
	CHECK(init->argv == std::vector<std::string>{"/sbin/init"});

	auto kworker = cache.lookup({45, 30 * kTick});
	REQUIRE(kworker);
	CHECK(kworker->exe == "");
	CHECK(kworker->argv.empty());
	CHECK(kworker->ancestors == std::vector<std::string>{"[kthreadd]"});

	// A key from another tick is another process.
	CHECK_FALSE(cache.lookup({4200, 260001 * kTick}));
}

TEST_CASE("exec_id: a seeded process and a ForkRecord for it agree")
{
	FakeProc full;
	build_host(full);
	ProcFs full_fs(full.root);
	ProcessCache seeded(full_fs, options());
	seeded.seed();
	auto from_proc = seeded.lookup(kBash);
	REQUIRE(from_proc);

	// Another agent started before bash did: it learns bash from the fork.
	FakeProc before;
	build_host(before);
	before.remove("4130");
	before.remove("4200");
	ProcFs before_fs(before.root);
	ProcessCache learnt(before_fs, options());
	CHECK(learnt.seed() == 7);
	learnt.on_fork(fork_of(kBash.tgid, kBash.start_boottime, kSshdSession.tgid,
			       kSshdSession.start_boottime));
	auto from_fork = learnt.lookup(kBash);
	REQUIRE(from_fork);
	CHECK(from_fork->exec_id == "19952ad21a6a762a");
	CHECK(from_fork->exec_id == from_proc->exec_id);
	CHECK(from_fork->parent_exec_id == from_proc->parent_exec_id);
	CHECK(from_fork->parent_exec_id == make_exec_id(kBoot, 4100, 250000 * kTick));
	// Until it execs, the child runs sshd-session's image.
	CHECK(from_fork->exe == "/usr/lib/openssh/sshd-session");
	CHECK(from_fork->argv == std::vector<std::string>{"sshd-session: alice [priv]"});
	CHECK(from_fork->uid == 0);
	CHECK(from_fork->auid == 1000);
	CHECK(from_fork->session_id == 7);
	CHECK(from_fork->start_time_ns == kBootWall + kBash.start_boottime);
	CHECK(learnt.stats().forks == 1);
	CHECK(learnt.stats().misses == 0);

	// A record that arrives before seeding wins; seed does not add a duplicate.
	ProcessCache raced(full_fs, options());
	raced.on_fork(fork_of(kBash.tgid, kBash.start_boottime, kSshdSession.tgid,
			      kSshdSession.start_boottime));
	CHECK(raced.stats().misses == 1); // parent not seeded yet
	CHECK(raced.seed() == 8);
	CHECK(raced.size() == 9);
	CHECK(raced.lookup(kBash)->exec_id == "19952ad21a6a762a");
}

TEST_CASE("fork then exec: new exec_id, parent_exec_id from the parent's image")
{
	FakeProc t;
	build_host(t);
	ProcFs pf(t.root);
	ProcessCache cache(pf, options());
	cache.seed();
	const std::string bash_id = "19952ad21a6a762a";
	const uint64_t start = 270000 * kTick + 123'456;

	cache.on_fork(fork_of(7001, start, kBash.tgid, kBash.start_boottime));
	auto child = cache.lookup({7001, start});
	REQUIRE(child);
	CHECK(child->exec_id == make_exec_id(kBoot, 7001, 270000 * kTick));
	CHECK(child->parent_exec_id == bash_id);
	CHECK(child->ppid == 4130);
	CHECK(child->exe == "/usr/bin/bash");
	CHECK(child->argv == std::vector<std::string>{"-bash"});
	CHECK(child->cwd == "/home/alice");
	CHECK(child->tty == "pts/0");
	CHECK(child->uid == 1000);
	CHECK(child->auid == 1000);

	auto r = exec_of(7001, start, start + 2'000'000, kBash.tgid, kBash.start_boottime, "/usr/bin/ls");
	r.hdr.tid = 7001;
	r.argv = {"ls", "-la"};
	r.cwd = "/tmp";
	r.tty = "pts/0";
	r.uid = r.euid = r.gid = r.egid = 1000;
	r.auid = 1000;
	r.sessionid = 7;
	r.cgroup_id = 4242;
	Process p = cache.on_exec(r);
	CHECK(p.pid == 7001);
	CHECK(p.tid == 7001);
	CHECK(p.exec_id == make_exec_id(kBoot, 7001, start + 2'000'000));
	CHECK(p.exec_id != child->exec_id);
	CHECK(p.parent_exec_id == bash_id);
	CHECK(p.ppid == 4130);
	CHECK(p.comm == "ls");
	CHECK(p.exe == "/usr/bin/ls");
	CHECK(p.argv == std::vector<std::string>{"ls", "-la"});
	CHECK(p.cwd == "/tmp");
	CHECK(p.cgroup_id == 4242);
	CHECK(p.start_time_ns == kBootWall + start);
	CHECK(p.ancestors == std::vector<std::string>{"/usr/bin/bash", "/usr/lib/openssh/sshd-session",
							"/usr/sbin/sshd", "/usr/lib/systemd/systemd"});
	REQUIRE(p.origin);
	CHECK(*p.origin == kAliceOrigin);
	// lookup now describes the new image.
	CHECK(cache.lookup({7001, start})->exec_id == p.exec_id);
	CHECK(cache.stats().forks == 1);
	CHECK(cache.stats().execs == 1);
	CHECK(cache.stats().misses == 0);
}

TEST_CASE("exec of an unknown process creates it and counts a miss")
{
	FakeProc t;
	ProcFs pf(t.root);
	ProcessCache cache(pf, options());
	Process p = cache.on_exec(exec_of(300, 5 * kTick, 6 * kTick, 299, 4 * kTick, "/usr/bin/true"));
	CHECK(p.pid == 300);
	CHECK(p.ppid == 299);
	CHECK(p.exec_id == make_exec_id(kBoot, 300, 6 * kTick));
	CHECK(p.parent_exec_id == "");
	CHECK(p.ancestors.empty());
	CHECK_FALSE(p.origin);
	CHECK(cache.stats().misses == 1);
	CHECK(cache.size() == 1);
	CHECK(cache.lookup({300, 5 * kTick})->exe == "/usr/bin/true");
}

TEST_CASE("pid reuse: same tgid, another start: another exec_id, both kept until expiry")
{
	FakeProc t;
	build_host(t);
	ProcFs pf(t.root);
	ProcessCache cache(pf, options());
	cache.seed();
	const uint64_t s1 = 300000 * kTick + 1, t1 = s1 + 5'000'000'000;
	const uint64_t s2 = t1 + 1'000'000;
	cache.on_fork(fork_of(7000, s1, kBash.tgid, kBash.start_boottime));
	ExitDetails d;
	REQUIRE(cache.on_exit(exit_of(7000, s1, t1, 0), &d));
	cache.on_fork(fork_of(7000, s2, kBash.tgid, kBash.start_boottime));
	CHECK(cache.size() == 11);

	auto old = cache.lookup({7000, s1});
	auto now = cache.lookup({7000, s2});
	REQUIRE(old);
	REQUIRE(now);
	CHECK(old->exec_id == make_exec_id(kBoot, 7000, 300000 * kTick));
	CHECK(now->exec_id == make_exec_id(kBoot, 7000, s2 / kTick * kTick));
	CHECK(old->exec_id != now->exec_id);

	cache.expire(t1 + kGrace + 1);
	CHECK(cache.size() == 10);
	CHECK_FALSE(cache.lookup({7000, s1}));
	CHECK(cache.lookup({7000, s2})->exec_id == now->exec_id);
}

TEST_CASE("pid reuse with a lost exit record retires the old entry")
{
	FakeProc t;
	ProcFs pf(t.root);
	ProcessCache cache(pf, options());
	const uint64_t s1 = 100 * kTick, s2 = 900 * kTick;
	cache.on_fork(fork_of(7100, s1, 1, 0));
	cache.on_fork(fork_of(7100, s2, 1, 0)); // no exit for the first one ever came
	CHECK(cache.size() == 2);
	cache.expire(s2 + kGrace);
	CHECK(cache.size() == 2);
	cache.expire(s2 + kGrace + 1);
	CHECK(cache.size() == 1);
	CHECK_FALSE(cache.lookup({7100, s1}));
	CHECK(cache.lookup({7100, s2}));
}

TEST_CASE("exit: code, signal, core dump and duration from the wait status")
{
	FakeProc t;
	build_host(t);
	ProcFs pf(t.root);
	ProcessCache cache(pf, options());
	cache.seed();
	const uint64_t s = 280000 * kTick + 500;
	for (uint32_t pid : {7200u, 7201u, 7202u})
		cache.on_fork(fork_of(pid, s, kBash.tgid, kBash.start_boottime));

	ExitDetails d;
	auto r = exit_of(7200, s, s + 1'500'000'000, 3 << 8);
	r.hdr.tid = 7203; // the last thread out
	auto p = cache.on_exit(r, &d);
	REQUIRE(p);
	CHECK(p->pid == 7200);
	CHECK(p->tid == 7203);
	CHECK(p->exe == "/usr/bin/bash");
	CHECK(d.code == 3);
	CHECK(d.signal == 0);
	CHECK_FALSE(d.core_dumped);
	CHECK(d.duration_ns == 1'500'000'000);

	ExitDetails k;
	REQUIRE(cache.on_exit(exit_of(7201, s, s + 42, 9), &k)); // SIGKILL
	CHECK(k.code == -1);
	CHECK(k.signal == 9);
	CHECK_FALSE(k.core_dumped);
	CHECK(k.duration_ns == 42);

	ExitDetails c;
	REQUIRE(cache.on_exit(exit_of(7202, s, s + 7, 11 | 0x80), &c)); // SIGSEGV, core
	CHECK(c.code == -1);
	CHECK(c.signal == 11);
	CHECK(c.core_dumped);

	ExitDetails u;
	CHECK_FALSE(cache.on_exit(exit_of(9999, s, s + 1, 1 << 8), &u));
	CHECK(u.code == 1);
	CHECK(u.duration_ns == 0);
	CHECK(cache.stats().exits == 4);
	CHECK(cache.stats().misses == 1);
}

TEST_CASE("exit grace: looked up after exit until expire() passes exit + grace")
{
	FakeProc t;
	build_host(t);
	ProcFs pf(t.root);
	ProcessCache cache(pf, options());
	cache.seed();
	const uint64_t when = 400000 * kTick;
	REQUIRE(cache.on_exit(exit_of(kVim.tgid, kVim.start_boottime, when, 0), nullptr));
	CHECK(cache.size() == 9);

	auto after = cache.lookup(kVim); // a close reported after the exit
	REQUIRE(after);
	CHECK(after->exe == "/usr/bin/vim.basic");
	CHECK(after->exec_id == make_exec_id(kBoot, 4200, 260000 * kTick));

	cache.expire(when + kGrace);
	CHECK(cache.size() == 9);
	CHECK(cache.lookup(kVim));
	cache.expire(when + kGrace + 1);
	CHECK(cache.size() == 8);
	CHECK_FALSE(cache.lookup(kVim));
	CHECK(cache.lookup(kBash)); // live processes never expire
}

TEST_CASE("eviction at max_entries: exited first, then least recently used")
{
	FakeProc t;
	ProcFs pf(t.root);
	ProcessCache cache(pf, options(3));
	const uint64_t s = 1000 * kTick;
	cache.on_fork(fork_of(100, s, 1, 0));
	cache.on_fork(fork_of(101, s, 1, 0));
	cache.on_fork(fork_of(102, s, 1, 0));
	cache.on_exit(exit_of(101, s, s + 5, 0), nullptr);
	cache.on_fork(fork_of(103, s, 1, 0));
	CHECK(cache.size() == 3);
	CHECK(cache.stats().evicted == 1);
	CHECK_FALSE(cache.lookup({101, s})); // exited, though 100 is older

	REQUIRE(cache.lookup({100, s})); // used: 102 is now the least recently used
	cache.on_fork(fork_of(104, s, 1, 0));
	CHECK(cache.size() == 3);
	CHECK(cache.stats().evicted == 2);
	CHECK_FALSE(cache.lookup({102, s}));
	CHECK(cache.lookup({100, s}));
	CHECK(cache.lookup({103, s}));
	CHECK(cache.lookup({104, s}));
}

TEST_CASE("session origin: found through the sshd ancestor, resolved once per session")
{
	FakeProc t;
	build_host(t);
	ProcFs pf(t.root);
	ProcessCache cache(pf, options());
	cache.seed();

	auto vim = cache.lookup(kVim);
	REQUIRE(vim);
	REQUIRE(vim->origin);
	// The login socket, not the port forward on the lower fd.
	CHECK(vim->origin->peer_addr == "192.0.2.7");
	CHECK(vim->origin->peer_port == 51234);
	CHECK(vim->origin->user == "alice");
	CHECK(vim->origin->via == "/usr/lib/openssh/sshd-session");
	CHECK(cache.stats().origins_resolved == 1);

	// Cached on the session: /proc is not read again.
	t.remove("4100/net");
	auto bash = cache.lookup(kBash);
	REQUIRE(bash->origin);
	CHECK(*bash->origin == kAliceOrigin);
	auto session = cache.lookup(kSshdSession);
	REQUIRE(session->origin);
	CHECK(*session->origin == kAliceOrigin);
	CHECK(cache.stats().origins_resolved == 1);
}

TEST_CASE("session origin: absent outside an sshd session")
{
	FakeProc t;
	build_host(t);
	ProcFs pf(t.root);
	ProcessCache cache(pf, options());
	cache.seed();
	auto sh = cache.lookup(kSh);
	REQUIRE(sh);
	CHECK(sh->ancestors == std::vector<std::string>{"/usr/sbin/cron", "/usr/lib/systemd/systemd"});
	CHECK_FALSE(sh->origin);
	auto listener = cache.lookup(kListener); // sshd, but only a LISTEN socket
	REQUIRE(listener);
	CHECK_FALSE(listener->origin);
	CHECK(cache.stats().origins_resolved == 0);
}

TEST_CASE("session origin: a negative answer is cached per process")
{
	FakeProc t;
	build_host(t);
	t.remove("4100/net"); // sshd-session's sockets cannot be matched yet
	ProcFs pf(t.root);
	ProcessCache cache(pf, options());
	cache.seed();
	CHECK_FALSE(cache.lookup(kBash)->origin);
	t.write("4100/net/tcp", kHostNetTcp);
	CHECK_FALSE(cache.lookup(kBash)->origin); // not resolved again
	CHECK_FALSE(cache.lookup(kVim)->origin);  // inherits bash's cached answer
	CHECK(cache.stats().origins_resolved == 0);
}

TEST_CASE("session origin: user from sshd's title when no login uid; IPv6 peer; deleted sshd")
{
	if constexpr (std::endian::native != std::endian::little) {
		MESSAGE("fixtures are little-endian /proc/net/tcp6 dumps");
		return;
	}
	FakeProc t;
	t.add({.pid = 1, .ppid = 0, .comm = "systemd", .start_ticks = 4, .exe = "/usr/lib/systemd/systemd"});
	t.add({.pid = 812, .ppid = 1, .comm = "sshd", .start_ticks = 950, .exe = "/usr/sbin/sshd (deleted)"});
	t.add({.pid = 3000, .ppid = 812, .comm = "sshd", .start_ticks = 9000, .exe = "/usr/sbin/sshd (deleted)",
	       .cmdline = "sshd: bob@pts/1"s + std::string(30, '\0')});
	t.link("3000/fd/3", "socket:[23456]");
	t.write("3000/net/tcp", "  sl  local_address rem_address   st\n");
	t.write("3000/net/tcp6", kNetTcp6);
	t.add({.pid = 3010, .ppid = 3000, .comm = "bash", .start_ticks = 9010, .uid = 1001, .euid = 1001,
	       .tty_nr = 34817, .exe = "/usr/bin/bash"});
	ProcFs pf(t.root);
	ProcessCache cache(pf, options());
	CHECK(cache.seed() == 4);
	auto bash = cache.lookup({3010, 9010 * kTick});
	REQUIRE(bash);
	CHECK(bash->tty == "pts/1");
	CHECK(bash->user == "bob");
	CHECK(bash->login_user == "");
	REQUIRE(bash->origin);
	CHECK(*bash->origin == SessionOrigin{"2001:db8::7", 54321, "bob", "/usr/sbin/sshd (deleted)"});
}

TEST_CASE("session origin: a pid now naming another process is not read")
{
	FakeProc t;
	build_host(t);
	ProcFs pf(t.root);
	ProcessCache cache(pf, options());
	cache.seed();
	// sshd-session exited unseen and its pid went to a process started later.
	t.write("4100/stat", FakeProc::stat_line({.pid = 4100, .ppid = 1, .comm = "sshd-session",
						  .start_ticks = 999999}));
	CHECK_FALSE(cache.lookup(kBash)->origin);
	CHECK(cache.stats().origins_resolved == 0);
}

TEST_CASE("ancestors stop at a cycle and at max_ancestors")
{
	FakeProc t;
	ProcFs pf(t.root);
	ProcessCache cycle(pf, options());
	const uint64_t sa = 10 * kTick, sb = 11 * kTick;
	cycle.on_exec(exec_of(10, sa, sa + 1, 11, sb, "/bin/a"));
	Process a = cycle.on_exec(exec_of(11, sb, sb + 1, 10, sa, "/bin/b"));
	CHECK(a.ancestors == std::vector<std::string>{"/bin/a"});
	CHECK(cycle.lookup({10, sa})->ancestors == std::vector<std::string>{"/bin/b"});

	ProcessCache capped(pf, options(65536, 2));
	for (uint32_t pid = 23; pid >= 20; --pid)
		capped.on_exec(exec_of(pid, pid * kTick, pid * kTick + 1, pid == 23 ? 0 : pid + 1,
				       (pid + 1) * kTick, "/bin/p" + std::to_string(pid)));
	auto deep = capped.lookup({20, 20 * kTick});
	REQUIRE(deep);
	CHECK(deep->ancestors == std::vector<std::string>{"/bin/p21", "/bin/p22"});
	CHECK(capped.lookup({22, 22 * kTick})->ancestors == std::vector<std::string>{"/bin/p23"});
}
