// SPDX-License-Identifier: Apache-2.0
// The pipeline between decoded records and the outputs, driven with a real
// process cache over a fake /proc tree: sequence numbers, enrichment, exit
// status decoding, rollups that fold execs and their exits, loss and agent events.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "agent/pipeline.h"
#include "common/clock.h"
#include "common/version.h"
#include "fake_proc.h"

using namespace linesman;
using namespace linesman::agent;

namespace {

const std::string kBoot = "0b7d4f2e-9c1a-4e3b-8d5f-6a7b8c9d0e1f";
constexpr uint64_t kSec = 1'000'000'000;
constexpr uint64_t kTick = 10'000'000; // 100 Hz
constexpr uint64_t kBootWall = 1'700'000'000 * kSec;

// The kernel's exact starts of the two seeded processes: inside the tick /proc shows.
constexpr decode::ProcessKey kInit{1, 4 * kTick + 123};
constexpr decode::ProcessKey kBash{500, 1000 * kTick + 4'567'891};

// A minimal /proc: systemd (1) -> bash (500, alice on pts/3).
struct MinimalProc : test::FakeProc {
	MinimalProc() : FakeProc("linesman-pipeline")
	{
		add({.pid = 1, .ppid = 0, .comm = "systemd", .start_ticks = 4,
		     .exe = "/usr/lib/systemd/systemd", .cwd = "/", .cmdline = test::nul_joined({"/sbin/init"})});
		add({.pid = 500, .ppid = 1, .comm = "bash", .start_ticks = 1000, .uid = 1000, .euid = 1000,
		     .gid = 1000, .egid = 1000, .loginuid = 1000, .sessionid = 3, .tty_nr = (136 << 8) | 3,
		     .exe = "/usr/bin/bash", .cwd = "/home/alice", .cmdline = test::nul_joined({"-bash"})});
	}
};

proc::CacheOptions cache_options()
{
	proc::CacheOptions o;
	o.boot_id = kBoot;
	o.ticks_per_second = 100;
	o.boot_wall_ns = kBootWall;
	o.user_name = [](uint32_t uid) -> std::string { return uid == 1000 ? "alice" : uid == 0 ? "root" : ""; };
	return o;
}

Process agent_process()
{
	Process p;
	p.pid = 77;
	p.tid = 77;
	p.exe = "/usr/sbin/linesmand";
	p.comm = "linesmand";
	return p;
}

PipelineOptions pipeline_options(bool rollup, uint32_t threshold = 2)
{
	PipelineOptions o;
	o.host = "node-7";
	o.boot_wall_ns = kBootWall;
	o.rollup_enabled = rollup;
	o.rollup = aggregate::RollupOptions{.threshold = threshold, .window_s = 10, .max_keys = 1024};
	o.agent_process = agent_process();
	return o;
}

decode::ForkRecord fork_of(uint32_t tgid, uint64_t start, const decode::ProcessKey &parent)
{
	return {.hdr = {.ktime_ns = start, .tgid = tgid, .tid = tgid, .start_boottime = start},
		.parent_tgid = parent.tgid,
		.parent_start_boottime = parent.start_boottime};
}

// A curl health check, run by bash as alice.
decode::ExecRecord exec_of(uint32_t tgid, uint64_t start, uint64_t when,
			   std::vector<std::string> argv = {"curl", "-s", "http://localhost/health"})
{
	decode::ExecRecord r;
	r.hdr = {.ktime_ns = when, .tgid = tgid, .tid = tgid, .start_boottime = start};
	r.ppid = kBash.tgid;
	r.parent_start_boottime = kBash.start_boottime;
	r.uid = 1000;
	r.gid = 1000;
	r.euid = 1000;
	r.egid = 1000;
	r.auid = 1000;
	r.sessionid = 3;
	r.tty_dev = (136u << 20) | 3;
	r.flags = kExecArgvTruncated | kExecSetuid;
	r.argc = 7;
	r.exe_mode = 0104755;
	r.old_tid = tgid;
	r.cgroup_id = 4242;
	r.exe_ino = 1'234'567;
	r.exe_dev = 0x803;
	r.comm = "curl";
	r.exe = "/usr/bin/curl";
	r.filename = "/usr/local/bin/curl-link";
	r.argv = std::move(argv);
	r.cwd = "/home/alice";
	r.tty = "pts/3";
	return r;
}

decode::ExitRecord exit_of(uint32_t tgid, uint32_t tid, uint64_t start, uint64_t when, uint32_t status)
{
	return {.hdr = {.ktime_ns = when, .tgid = tgid, .tid = tid, .start_boottime = start},
		.exit_code = status};
}

// A pipeline over the fake tree that records what it emits.
struct Harness {
	MinimalProc tree;
	proc::ProcFs procfs{tree.root};
	proc::ProcessCache cache{procfs, cache_options()};
	std::vector<Event> events;
	Pipeline pipeline;

	explicit Harness(PipelineOptions opts)
	    : pipeline(cache, std::move(opts), [this](const Event &ev) { events.push_back(ev); })
	{
		REQUIRE(cache.seed() == 2);
	}

	// A child of bash: fork, exec, exit.
	void run_child(uint32_t tgid, uint64_t start, uint32_t status,
		       std::vector<std::string> argv = {"curl", "-s", "http://localhost/health"})
	{
		pipeline.on_record(fork_of(tgid, start, kBash));
		pipeline.on_record(exec_of(tgid, start, start + 1'000'000, std::move(argv)));
		pipeline.on_record(exit_of(tgid, tgid, start, start + 50'000'000, status));
	}

	void check_seq() const
	{
		for (size_t i = 0; i < events.size(); ++i) {
			CAPTURE(i);
			CHECK(events[i].seq == i + 1);
			CHECK(events[i].host == "node-7");
		}
		CHECK(pipeline.last_seq() == events.size());
	}
};

const ExitDetails &exit_details(const Event &ev)
{
	REQUIRE(ev.type == EventType::Exit);
	REQUIRE(std::holds_alternative<ExitDetails>(ev.details));
	return std::get<ExitDetails>(ev.details);
}

const RollupDetails &rollup_details(const Event &ev)
{
	REQUIRE(ev.type == EventType::Rollup);
	REQUIRE(std::holds_alternative<RollupDetails>(ev.details));
	return std::get<RollupDetails>(ev.details);
}

} // namespace

TEST_CASE("pipeline: exec enriched from the cache, exit with its status")
{
	Harness h(pipeline_options(false));
	const uint64_t start = 20 * kSec + 123;
	const uint64_t exec_at = 20 * kSec + 1'000'123;

	h.pipeline.on_record(fork_of(600, start, kBash));
	CHECK(h.events.empty()); // a fork alone is not an event
	h.pipeline.on_record(exec_of(600, start, exec_at));
	REQUIRE(h.events.size() == 1);

	const Event ex = h.events[0]; // a copy: the vector grows below
	CHECK(ex.seq == 1);
	CHECK(ex.host == "node-7");
	CHECK(ex.type == EventType::Exec);
	CHECK(ex.time_ns == kBootWall + exec_at);
	const Process &p = ex.process;
	CHECK(p.pid == 600);
	CHECK(p.tid == 600);
	CHECK(p.ppid == 500);
	CHECK(p.exec_id == proc::make_exec_id(kBoot, 600, exec_at));
	CHECK(p.parent_exec_id == proc::make_exec_id(kBoot, 500, 1000 * kTick));
	CHECK(p.ancestors == std::vector<std::string>{"/usr/bin/bash", "/usr/lib/systemd/systemd"});
	CHECK(p.uid == 1000);
	CHECK(p.gid == 1000);
	CHECK(p.euid == 1000);
	CHECK(p.egid == 1000);
	CHECK(p.auid == 1000);
	CHECK(p.session_id == 3);
	CHECK(p.tty == "pts/3");
	CHECK(p.comm == "curl");
	CHECK(p.exe == "/usr/bin/curl");
	CHECK(p.argv == std::vector<std::string>{"curl", "-s", "http://localhost/health"});
	CHECK(p.cwd == "/home/alice");
	CHECK(p.cgroup_id == 4242);
	CHECK(p.start_time_ns == kBootWall + start);
	CHECK(p.user == "alice");
	CHECK(p.login_user == "alice");
	CHECK_FALSE(p.origin.has_value());
	REQUIRE(std::holds_alternative<ExecDetails>(ex.details));
	const ExecDetails &d = std::get<ExecDetails>(ex.details);
	CHECK(d.filename == "/usr/local/bin/curl-link");
	CHECK(d.argc == 7);
	CHECK(d.flags == (kExecArgvTruncated | kExecSetuid));
	CHECK(d.exe_mode == 0104755);
	CHECK(d.exe_ino == 1'234'567);
	CHECK(d.exe_dev == 0x803);

	// exit(3) from a thread other than the leader: wait status 0x300.
	const uint64_t exit_at = 21 * kSec;
	h.pipeline.on_record(exit_of(600, 601, start, exit_at, 0x300));
	REQUIRE(h.events.size() == 2);
	const Event &x = h.events[1];
	CHECK(x.seq == 2);
	CHECK(x.host == "node-7");
	CHECK(x.time_ns == kBootWall + exit_at);
	CHECK(x.process.pid == 600);
	CHECK(x.process.tid == 601);
	CHECK(x.process.exec_id == p.exec_id);
	CHECK(x.process.parent_exec_id == p.parent_exec_id);
	CHECK(x.process.exe == "/usr/bin/curl");
	CHECK(x.process.ancestors == p.ancestors);
	const ExitDetails &xd = exit_details(x);
	CHECK(xd.code == 3);
	CHECK(xd.signal == 0);
	CHECK_FALSE(xd.core_dumped);
	CHECK(xd.duration_ns == exit_at - start);

	CHECK(h.pipeline.stats().forks == 1);
	CHECK(h.pipeline.stats().execs == 1);
	CHECK(h.pipeline.stats().exits == 1);
	CHECK(h.pipeline.stats().emitted == 2);
	h.check_seq();
}

TEST_CASE("pipeline: exit status by signal")
{
	Harness h(pipeline_options(false));
	h.run_child(601, 30 * kSec, 9);    // SIGKILL
	h.run_child(602, 31 * kSec, 0x8b); // SIGSEGV, core dumped
	h.run_child(603, 32 * kSec, 0);    // exit(0)
	REQUIRE(h.events.size() == 6);

	const ExitDetails &killed = exit_details(h.events[1]);
	CHECK(h.events[1].process.pid == 601);
	CHECK(killed.code == -1);
	CHECK(killed.signal == 9);
	CHECK_FALSE(killed.core_dumped);
	CHECK(killed.duration_ns == 50'000'000);

	const ExitDetails &segv = exit_details(h.events[3]);
	CHECK(h.events[3].process.pid == 602);
	CHECK(segv.code == -1);
	CHECK(segv.signal == 11);
	CHECK(segv.core_dumped);

	const ExitDetails &clean = exit_details(h.events[5]);
	CHECK(h.events[5].process.pid == 603);
	CHECK(clean.code == 0);
	CHECK(clean.signal == 0);
	CHECK_FALSE(clean.core_dumped);
	h.check_seq();
}

TEST_CASE("pipeline: an exit of an unknown process still reports the pid")
{
	Harness h(pipeline_options(true));
	h.pipeline.on_record(exit_of(9999, 10001, 5 * kSec, 40 * kSec, 0x100));
	REQUIRE(h.events.size() == 1);
	const Event &x = h.events[0];
	CHECK(x.seq == 1);
	CHECK(x.type == EventType::Exit);
	CHECK(x.time_ns == kBootWall + 40 * kSec);
	CHECK(x.process.pid == 9999);
	CHECK(x.process.tid == 10001);
	CHECK(x.process.exec_id == "");
	CHECK(x.process.exe == "");
	const ExitDetails &d = exit_details(x);
	CHECK(d.code == 1);
	CHECK(d.signal == 0);
	CHECK(d.duration_ns == 0);
	CHECK(h.cache.stats().misses == 1);
}

TEST_CASE("pipeline: rollup folds execs beyond K and their exits")
{
	Harness h(pipeline_options(true, 2));
	// Five identical health checks within one 10 s window, 1 s apart.
	for (uint32_t i = 0; i < 5; ++i)
		h.run_child(700 + i, (20 + i) * kSec, 0);

	// exec 700, exit 700, exec 701, exit 701; the other three and their exits are folded.
	REQUIRE(h.events.size() == 4);
	CHECK(h.events[0].type == EventType::Exec);
	CHECK(h.events[0].process.pid == 700);
	CHECK(h.events[1].type == EventType::Exit);
	CHECK(h.events[1].process.pid == 700);
	CHECK(h.events[2].type == EventType::Exec);
	CHECK(h.events[2].process.pid == 701);
	CHECK(h.events[3].type == EventType::Exit);
	CHECK(h.events[3].process.pid == 701);
	CHECK(h.pipeline.stats().execs == 5);
	CHECK(h.pipeline.stats().exits == 5);
	CHECK(h.pipeline.stats().folded_execs == 3);
	CHECK(h.pipeline.stats().folded_exits == 3);

	// The window opened by the first exec (20 s + 1 ms) is still open at 29 s.
	h.pipeline.tick(29 * kSec);
	CHECK(h.events.size() == 4);

	SUBCASE("finish closes the window")
	{
		h.pipeline.finish(29 * kSec);
	}
	SUBCASE("a tick after the window closes it")
	{
		h.pipeline.tick(30 * kSec + 1'000'000);
		h.pipeline.finish(31 * kSec);
	}
	REQUIRE(h.events.size() == 5);
	const Event &r = h.events[4];
	const RollupDetails &d = rollup_details(r);
	CHECK(d.rolled_type == EventType::Exec);
	CHECK(d.count == 3);
	CHECK(d.first_time_ns == kBootWall + 22 * kSec + 1'000'000);
	CHECK(d.last_time_ns == kBootWall + 24 * kSec + 1'000'000);
	CHECK(d.parent_exe == "/usr/bin/bash");
	CHECK(d.window_s == 10);
	CHECK(r.time_ns == kBootWall + 24 * kSec + 1'000'000);
	CHECK(r.process.pid == 704);
	CHECK(r.process.exe == "/usr/bin/curl");
	CHECK(r.process.exec_id == proc::make_exec_id(kBoot, 704, 24 * kSec + 1'000'000));
	h.check_seq();
}

TEST_CASE("pipeline: a folded process that execs something new is shown again, exit too")
{
	Harness h(pipeline_options(true, 1));
	h.run_child(800, 20 * kSec, 0); // shown
	const uint64_t start = 21 * kSec;
	h.pipeline.on_record(fork_of(801, start, kBash));
	h.pipeline.on_record(exec_of(801, start, start + 1000)); // folded
	CHECK(h.events.size() == 2);
	h.pipeline.on_record(exec_of(801, start, start + 2000, {"curl", "-v"})); // a new key: shown
	h.pipeline.on_record(exit_of(801, 801, start, start + 3000, 0x200));
	REQUIRE(h.events.size() == 4);
	CHECK(h.events[2].type == EventType::Exec);
	CHECK(h.events[2].process.argv == std::vector<std::string>{"curl", "-v"});
	CHECK(h.events[3].process.pid == 801);
	CHECK(exit_details(h.events[3]).code == 2);
	CHECK(h.pipeline.stats().folded_exits == 0);
	h.check_seq();
}

TEST_CASE("pipeline: with rollup disabled every exec and exit is shown")
{
	Harness h(pipeline_options(false, 1));
	for (uint32_t i = 0; i < 4; ++i)
		h.run_child(900 + i, (20 + i) * kSec, 0);
	CHECK(h.events.size() == 8);
	h.pipeline.tick(100 * kSec);
	h.pipeline.finish(100 * kSec);
	CHECK(h.events.size() == 8);
	CHECK(h.pipeline.stats().folded_execs == 0);
	h.check_seq();
}

TEST_CASE("pipeline: loss and agent events")
{
	Harness h(pipeline_options(true));
	const uint64_t before = clock::realtime_ns();
	h.pipeline.on_loss("kernel_ringbuf", "exec", 5);
	h.pipeline.on_loss("userspace_queue", "record", 0); // nothing lost: no event, no seq
	h.pipeline.on_agent("start", "linesmand started", {{"probes", 3}, {"seeded", 2}});
	const uint64_t after = clock::realtime_ns();
	REQUIRE(h.events.size() == 2);

	const Event &loss = h.events[0];
	CHECK(loss.seq == 1);
	CHECK(loss.type == EventType::Loss);
	CHECK(loss.time_ns >= before);
	CHECK(loss.time_ns <= after);
	CHECK(loss.process.pid == 77);
	CHECK(loss.process.exe == "/usr/sbin/linesmand");
	REQUIRE(std::holds_alternative<LossDetails>(loss.details));
	const LossDetails &ld = std::get<LossDetails>(loss.details);
	CHECK(ld.where == "kernel_ringbuf");
	CHECK(ld.what == "exec");
	CHECK(ld.count == 5);
	CHECK(h.pipeline.stats().lost == 5);

	const Event &agent = h.events[1];
	CHECK(agent.seq == 2);
	CHECK(agent.type == EventType::Agent);
	CHECK(agent.time_ns >= before);
	CHECK(agent.time_ns <= after);
	CHECK(agent.process.pid == 77);
	REQUIRE(std::holds_alternative<AgentDetails>(agent.details));
	const AgentDetails &ad = std::get<AgentDetails>(agent.details);
	CHECK(ad.what == "start");
	CHECK(ad.message == "linesmand started");
	CHECK(std::string(ad.version) == kVersion);
	CHECK(ad.counters == std::vector<std::pair<std::string, uint64_t>>{{"probes", 3}, {"seeded", 2}});
	h.check_seq();
}

TEST_CASE("pipeline: seq is contiguous across every kind of event")
{
	Harness h(pipeline_options(true, 1));
	h.pipeline.on_agent("start", "");
	h.run_child(1000, 20 * kSec, 0);  // exec + exit
	h.run_child(1001, 21 * kSec, 0);  // folded, exit folded
	h.pipeline.on_loss("kernel_ringbuf", "fork", 0);
	h.pipeline.on_loss("kernel_ringbuf", "fork", 2);
	h.run_child(1002, 22 * kSec, 9);  // folded, but killed: its exit is shown
	h.pipeline.on_record(exit_of(4321, 4321, kSec, 23 * kSec, 0)); // unknown process
	h.pipeline.tick(40 * kSec);       // the rollup of 1001 and 1002
	h.pipeline.on_agent("stop", "");
	h.pipeline.finish(41 * kSec);     // nothing left

	std::vector<EventType> types;
	for (const Event &ev : h.events)
		types.push_back(ev.type);
	CHECK(types == std::vector<EventType>{EventType::Agent, EventType::Exec, EventType::Exit,
					       EventType::Loss, EventType::Exit, EventType::Exit,
					       EventType::Rollup, EventType::Agent});
	REQUIRE(h.events.size() == 8);
	CHECK(h.events[4].process.pid == 1002);
	CHECK(std::get<ExitDetails>(h.events[4].details).signal == 9);
	CHECK(rollup_details(h.events[6]).count == 2);
	CHECK(h.events[6].process.pid == 1002);
	CHECK(h.pipeline.stats().emitted == 8);
	CHECK(h.pipeline.stats().folded_exits == 1);
	h.check_seq();
}

// A folded exec is remembered by (tgid, start); two different processes must
// never share the entry, or one's exit is silently dropped as "folded".
// tgid 2 started at 3 * 2^40 ns and tgid 3 started at 2 * 2^40 ns (about 55 and
// 37 minutes after boot) mix to the same word in folded_key().
TEST_CASE("pipeline: the exit of a process never folded is shown, whatever its key")
{
	Harness h(pipeline_options(true, 1));
	const uint64_t a_start = 3ull << 40, b_start = 2ull << 40;
	h.run_child(10, a_start - 2 * kSec, 0);             // the key's one full exec
	h.pipeline.on_record(fork_of(2, a_start, kBash));
	h.pipeline.on_record(exec_of(2, a_start, a_start + 1000)); // folded
	h.pipeline.on_record(fork_of(3, b_start, kBash));          // runs bash, never execs
	const size_t before = h.events.size();
	h.pipeline.on_record(exit_of(3, 3, b_start, a_start + 2000, 0));
	REQUIRE(h.events.size() == before + 1);
	CHECK(h.events.back().type == EventType::Exit);
	CHECK(h.events.back().process.pid == 3);
	CHECK(h.events.back().process.exe == "/usr/bin/bash");
	h.pipeline.on_record(exit_of(2, 2, a_start, a_start + 3000, 0));
	CHECK(h.events.size() == before + 1); // process 2's exit is folded with its exec
	CHECK(h.pipeline.stats().folded_exits == 1);
}
