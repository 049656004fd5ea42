// SPDX-License-Identifier: Apache-2.0
// 10,000 execs as fast as this machine allows: every one is reported in full,
// folded into a rollup, or counted in a loss event. Nothing vanishes silently.
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <climits>
#include <cstdlib>
#include <unordered_set>

#include <doctest/doctest.h>

#include "harness.h"

using namespace linesman;
using namespace linesman::test;

extern char **environ;

namespace {

constexpr int kExecs = 10'000;

struct Accounting {
	uint64_t full = 0;      // exec events of our children
	uint64_t folded = 0;    // rolled up
	uint64_t lost_exec = 0; // loss events for exec records (any process on the host)
	uint64_t rollups = 0;
};

// `pad` bytes of argument make each exec record that much bigger.
std::unordered_set<uint32_t> spawn_many(int n, size_t pad = 0)
{
	std::unordered_set<uint32_t> pids;
	std::string padding(pad, 'p');
	char *argv[] = {const_cast<char *>("true"), pad ? padding.data() : nullptr, nullptr};
	for (int i = 0; i < n; ++i) {
		pid_t pid;
		REQUIRE(posix_spawn(&pid, "/bin/true", nullptr, nullptr, argv, environ) == 0);
		int status;
		REQUIRE(waitpid(pid, &status, 0) == pid);
		pids.insert(uint32_t(pid));
	}
	return pids;
}

Accounting account(const std::vector<Event> &events, const std::unordered_set<uint32_t> &pids,
		   const std::string &self)
{
	Accounting a;
	for (const Event &e : events) {
		switch (e.type) {
		case EventType::Exec:
			// pids wrap around (pid_max may be 32768): count only this run's
			// children of ours, by parent and exe.
			if (pids.count(e.process.pid) && e.process.exe == "/usr/bin/true" &&
			    e.process.ppid == uint32_t(getpid()))
				++a.full;
			break;
		case EventType::Rollup: {
			const auto &r = std::get<RollupDetails>(e.details);
			if (e.process.exe == "/usr/bin/true" && r.parent_exe == self) {
				a.folded += r.count;
				++a.rollups;
			}
			break;
		}
		case EventType::Loss: {
			const auto &l = std::get<LossDetails>(e.details);
			if (l.what == "exec")
				a.lost_exec += l.count;
			break;
		}
		default:
			break;
		}
	}
	return a;
}

std::string self_exe()
{
	char buf[PATH_MAX];
	REQUIRE(realpath("/proc/self/exe", buf) != nullptr);
	return buf;
}

} // namespace

TEST_CASE("stress: 10,000 execs, each seen, rolled up or counted as lost")
{
	agent::Config cfg = test_config();
	cfg.rollup = agent::Config().rollup; // the defaults: rollups on (20 per 60 s window)
	cfg.ring_buffer.poll_ms = agent::Config().ring_buffer.poll_ms;
	Collector c(cfg);
	auto pids = spawn_many(kExecs);
	c.stop(); // drains the ring and the queue, closes rollup windows
	auto a = account(c.snapshot(), pids, self_exe());
	MESSAGE("full=" << a.full << " folded=" << a.folded << " rollups=" << a.rollups
			<< " lost_exec=" << a.lost_exec);
	CHECK(a.full >= cfg.rollup.threshold);
	CHECK(a.rollups >= 1);
	CHECK(a.full + a.folded <= uint64_t(kExecs));
	CHECK(a.full + a.folded + a.lost_exec >= uint64_t(kExecs));
	if (a.lost_exec == 0)
		CHECK(a.full + a.folded == uint64_t(kExecs));
}

TEST_CASE("stress: a tiny ring drained once a second loses records, and counts every one")
{
	agent::Config cfg = test_config();
	cfg.ring_buffer.size_mib = 1;
	cfg.ring_buffer.wakeup_kib = 4096; // above the ring size: the kernel never wakes us,
	cfg.ring_buffer.poll_ms = 1000;    // the reader drains once a second (a config file cannot ask this)
	Collector c(cfg);
	auto pids = spawn_many(kExecs, 4000); // ~4.3 KB records: far more than 1 MiB a second
	c.stop();
	auto a = account(c.snapshot(), pids, self_exe());
	MESSAGE("full=" << a.full << " lost_exec=" << a.lost_exec);
	CHECK(a.lost_exec > 0);
	CHECK(a.full < uint64_t(kExecs));
	CHECK(a.full + a.lost_exec >= uint64_t(kExecs));
}
