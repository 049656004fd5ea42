// SPDX-License-Identifier: Apache-2.0
// Exec rollups: K full events per key and window, the rest folded into one
// rollup record; keys, windows, eviction, and the invariant that nothing is
// lost: every offered exec is either emitted or counted in a rollup.
#include <doctest/doctest.h>

#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "aggregate/rollup.h"

using namespace linesman;
using namespace linesman::aggregate;

namespace {

constexpr uint64_t kSec = 1'000'000'000;
constexpr uint64_t kT0 = 1'700'000'000 * kSec; // wall clock of the first exec

Event exec_event(uint32_t pid, const std::string &exe = "/usr/bin/curl",
		 std::vector<std::string> argv = {"curl", "-s", "http://localhost/health"},
		 uint32_t uid = 0, const std::string &parent = "/usr/sbin/cron")
{
	Event ev;
	ev.type = EventType::Exec;
	ev.process.pid = pid;
	ev.process.exe = exe;
	ev.process.argv = std::move(argv);
	ev.process.uid = uid;
	ev.process.cwd = "/";
	ev.process.ancestors = {parent, "/usr/lib/systemd/systemd"};
	ev.details = ExecDetails{};
	return ev;
}

const RollupDetails &details(const Event &ev)
{
	REQUIRE(ev.type == EventType::Rollup);
	REQUIRE(std::holds_alternative<RollupDetails>(ev.details));
	return std::get<RollupDetails>(ev.details);
}

RollupOptions k3_w10(size_t max_keys = 16384)
{
	return RollupOptions{.threshold = 3, .window_s = 10, .max_keys = max_keys};
}

} // namespace

TEST_CASE("rollup: K shown in full, the rest folded into one record per window")
{
	Rollup r(k3_w10());
	// Five identical execs, one a second, from different pids (a pid is not part of the key).
	CHECK(r.offer(exec_event(101), kT0));
	CHECK(r.offer(exec_event(102), kT0 + 1 * kSec));
	CHECK(r.offer(exec_event(103), kT0 + 2 * kSec));
	CHECK_FALSE(r.offer(exec_event(104), kT0 + 3 * kSec));
	CHECK_FALSE(r.offer(exec_event(105), kT0 + 4 * kSec));
	CHECK(r.folded() == 2);
	CHECK(r.keys() == 1);

	// The window opened at kT0 ends at kT0 + 10 s.
	CHECK(r.flush(kT0 + 5 * kSec).empty());
	CHECK(r.flush(kT0 + 10 * kSec - 1).empty());
	CHECK(r.keys() == 1);

	auto out = r.flush(kT0 + 10 * kSec);
	REQUIRE(out.size() == 1);
	const Event &ev = out[0];
	const RollupDetails &d = details(ev);
	CHECK(d.rolled_type == EventType::Exec);
	CHECK(d.count == 2);
	CHECK(d.first_time_ns == kT0 + 3 * kSec);
	CHECK(d.last_time_ns == kT0 + 4 * kSec);
	CHECK(d.parent_exe == "/usr/sbin/cron");
	CHECK(d.window_s == 10);
	CHECK(ev.time_ns == kT0 + 4 * kSec);
	// The last folded exec's process.
	CHECK(ev.process.pid == 105);
	CHECK(ev.process.exe == "/usr/bin/curl");
	CHECK(ev.process.argv == std::vector<std::string>{"curl", "-s", "http://localhost/health"});
	CHECK(ev.process.ancestors == std::vector<std::string>{"/usr/sbin/cron", "/usr/lib/systemd/systemd"});

	CHECK(r.keys() == 0);
	CHECK(r.flush(kT0 + 100 * kSec, true).empty()); // nothing is reported twice
	CHECK(r.folded() == 2);                          // a running total
}

TEST_CASE("rollup: a window with nothing folded closes without a record")
{
	Rollup r(k3_w10());
	CHECK(r.offer(exec_event(1), kT0));
	CHECK(r.offer(exec_event(2), kT0 + kSec));
	CHECK(r.offer(exec_event(3), kT0 + 2 * kSec));
	CHECK(r.flush(kT0 + 11 * kSec).empty());
	CHECK(r.keys() == 0);
}

TEST_CASE("rollup: flush(all) at shutdown closes open windows")
{
	Rollup r(k3_w10());
	for (uint32_t i = 0; i < 7; ++i)
		r.offer(exec_event(200 + i), kT0 + i * kSec / 10);
	CHECK(r.flush(kT0 + kSec).empty());
	auto out = r.flush(kT0 + kSec, true);
	REQUIRE(out.size() == 1);
	CHECK(details(out[0]).count == 4);
	CHECK(details(out[0]).first_time_ns == kT0 + 3 * kSec / 10);
	CHECK(details(out[0]).last_time_ns == kT0 + 6 * kSec / 10);
	CHECK(out[0].process.pid == 206);
	CHECK(r.keys() == 0);
}

TEST_CASE("rollup: the key is exe, argv, parent exe and uid")
{
	Rollup r(k3_w10());
	for (uint32_t i = 0; i < 4; ++i)
		r.offer(exec_event(10 + i), kT0 + i * kSec);
	REQUIRE(r.folded() == 1);
	const uint64_t t = kT0 + 5 * kSec;

	SUBCASE("another argument")
	{
		CHECK(r.offer(exec_event(20, "/usr/bin/curl", {"curl", "-s", "http://localhost/metrics"}), t));
	}
	SUBCASE("one argument more")
	{
		CHECK(r.offer(exec_event(20, "/usr/bin/curl", {"curl", "-s", "http://localhost/health", ""}), t));
	}
	SUBCASE("arguments split differently")
	{
		CHECK(r.offer(exec_event(20, "/usr/bin/curl", {"curl", "-s http://localhost/health"}), t));
	}
	SUBCASE("another uid")
	{
		CHECK(r.offer(exec_event(20, "/usr/bin/curl", {"curl", "-s", "http://localhost/health"}, 1000), t));
	}
	SUBCASE("another parent exe")
	{
		CHECK(r.offer(exec_event(20, "/usr/bin/curl", {"curl", "-s", "http://localhost/health"}, 0,
					 "/usr/bin/bash"),
			      t));
	}
	SUBCASE("another exe")
	{
		CHECK(r.offer(exec_event(20, "/tmp/curl", {"curl", "-s", "http://localhost/health"}), t));
	}
	SUBCASE("no parent at all")
	{
		Event ev = exec_event(20);
		ev.process.ancestors.clear();
		CHECK(r.offer(ev, t));
	}
	SUBCASE("pid, cwd, grandparent and details are not part of the key")
	{
		Event ev = exec_event(999);
		ev.process.cwd = "/tmp";
		ev.process.ancestors[1] = "/sbin/init";
		ev.process.gid = 5;
		CHECK_FALSE(r.offer(ev, t));
		CHECK(r.folded() == 2);
		CHECK(r.keys() == 1);
		return;
	}
	CHECK(r.keys() == 2);
	CHECK(r.folded() == 1);
	auto out = r.flush(kT0 + 10 * kSec);
	REQUIRE(out.size() == 1); // only the first key folded anything
	CHECK(details(out[0]).count == 1);
	CHECK(out[0].process.pid == 13);
}

TEST_CASE("rollup: a new window after expiry counts from zero again")
{
	Rollup r(k3_w10());
	for (uint32_t i = 0; i < 5; ++i)
		r.offer(exec_event(100 + i), kT0 + i * kSec);
	REQUIRE(r.folded() == 2);

	// No flush in between: the next exec of the key, after the window, closes it.
	const uint64_t t1 = kT0 + 12 * kSec;
	CHECK(r.offer(exec_event(200), t1));
	CHECK(r.offer(exec_event(201), t1 + kSec));
	CHECK(r.offer(exec_event(202), t1 + 2 * kSec));
	CHECK_FALSE(r.offer(exec_event(203), t1 + 3 * kSec));
	CHECK(r.keys() == 1);

	// The closed window's record comes out of the next flush, though the new window is open.
	auto out = r.flush(t1 + 4 * kSec);
	REQUIRE(out.size() == 1);
	CHECK(details(out[0]).count == 2);
	CHECK(details(out[0]).first_time_ns == kT0 + 3 * kSec);
	CHECK(details(out[0]).last_time_ns == kT0 + 4 * kSec);
	CHECK(out[0].process.pid == 104);

	out = r.flush(t1 + 10 * kSec);
	REQUIRE(out.size() == 1);
	CHECK(details(out[0]).count == 1);
	CHECK(details(out[0]).first_time_ns == t1 + 3 * kSec);
	CHECK(out[0].process.pid == 203);
}

TEST_CASE("rollup: a time earlier than the window start stays in the window")
{
	Rollup r(k3_w10());
	const uint64_t start = kT0 + 5 * kSec;
	CHECK(r.offer(exec_event(1), start));
	CHECK(r.offer(exec_event(2), start + kSec));
	CHECK(r.offer(exec_event(3), start - kSec)); // from another CPU, a little late
	CHECK_FALSE(r.offer(exec_event(4), start - 2 * kSec));
	CHECK(r.keys() == 1);

	// The window is measured from its first event, not from the earliest time.
	CHECK(r.flush(start - 2 * kSec + 10 * kSec).empty());
	CHECK(r.flush(start + 10 * kSec - 1).empty());
	auto out = r.flush(start + 10 * kSec);
	REQUIRE(out.size() == 1);
	CHECK(details(out[0]).count == 1);
	CHECK(details(out[0]).first_time_ns == start - 2 * kSec);
	CHECK(details(out[0]).last_time_ns == start - 2 * kSec);
}

TEST_CASE("rollup: out-of-order folded execs give first <= last")
{
	Rollup r(k3_w10());
	for (uint32_t i = 0; i < 3; ++i)
		r.offer(exec_event(1 + i), kT0 + i * kSec);
	CHECK_FALSE(r.offer(exec_event(10), kT0 + 5 * kSec));
	CHECK_FALSE(r.offer(exec_event(11), kT0 + 4 * kSec)); // arrived after, happened before
	CHECK_FALSE(r.offer(exec_event(12), kT0 + 6 * kSec));
	CHECK_FALSE(r.offer(exec_event(13), kT0 + 3 * kSec)); // arrived last, happened first
	auto out = r.flush(kT0, true);
	REQUIRE(out.size() == 1);
	const RollupDetails &d = details(out[0]);
	CHECK(d.count == 4);
	CHECK(d.first_time_ns == kT0 + 3 * kSec);
	CHECK(d.last_time_ns == kT0 + 6 * kSec);
	// The record's time and process are those of one exec: the latest.
	CHECK(out[0].time_ns == kT0 + 6 * kSec);
	CHECK(out[0].process.pid == 12);
}

TEST_CASE("rollup: max_keys evicts the least recently used key, and its record survives")
{
	Rollup r(RollupOptions{.threshold = 1, .window_s = 10, .max_keys = 2});
	auto a = [](uint32_t pid) { return exec_event(pid, "/bin/a", {"a"}); };
	auto b = [](uint32_t pid) { return exec_event(pid, "/bin/b", {"b"}); };
	auto c = [](uint32_t pid) { return exec_event(pid, "/bin/c", {"c"}); };

	SUBCASE("the oldest key goes first")
	{
		CHECK(r.offer(a(1), kT0));
		CHECK_FALSE(r.offer(a(2), kT0 + 1));
		CHECK(r.offer(b(3), kT0 + 2));
		CHECK_FALSE(r.offer(b(4), kT0 + 3));
		CHECK(r.offer(c(5), kT0 + 4)); // evicts a
		CHECK(r.keys() == 2);
		CHECK(r.offer(b(6), kT0 + 5) == false); // b is still tracked: folded

		auto out = r.flush(kT0 + 6); // long before any window ends
		REQUIRE(out.size() == 1);
		CHECK(out[0].process.exe == "/bin/a");
		CHECK(details(out[0]).count == 1);
		CHECK(out[0].process.pid == 2);
		CHECK(r.keys() == 2);
	}
	SUBCASE("use refreshes a key")
	{
		CHECK(r.offer(a(1), kT0));
		CHECK(r.offer(b(2), kT0 + 1));
		CHECK_FALSE(r.offer(b(3), kT0 + 2));
		CHECK_FALSE(r.offer(a(4), kT0 + 3)); // a is now the most recent
		CHECK(r.offer(c(5), kT0 + 4));       // evicts b
		CHECK_FALSE(r.offer(a(6), kT0 + 5)); // a kept its count

		auto out = r.flush(kT0 + 6);
		REQUIRE(out.size() == 1);
		CHECK(out[0].process.exe == "/bin/b");
		CHECK(details(out[0]).count == 1);
		CHECK(out[0].process.pid == 3);

		out = r.flush(kT0 + 7, true);
		REQUIRE(out.size() == 1); // c folded nothing
		CHECK(out[0].process.exe == "/bin/a");
		CHECK(details(out[0]).count == 2);
	}
	SUBCASE("an evicted key starts over in full")
	{
		CHECK(r.offer(a(1), kT0));
		CHECK(r.offer(b(2), kT0 + 1));
		CHECK(r.offer(c(3), kT0 + 2)); // evicts a
		CHECK(r.offer(a(4), kT0 + 3)); // shown again: it was forgotten
		CHECK(r.keys() == 2);
	}
}

// For any sequence of offers and flushes: every exec offered is either emitted
// (offer returned true) or counted in exactly one rollup of its own key, and
// at most `threshold` execs of a key are emitted per window.
TEST_CASE("rollup: nothing is lost, for random sequences")
{
	std::mt19937_64 rng(0x7011'0b5e'ed00'0042ull);
	auto below = [&rng](uint64_t n) { return rng() % n; };
	const std::vector<std::string> exes = {"/bin/a", "/bin/b", "/bin/c", "/usr/bin/d", "/usr/bin/e",
					       "/usr/bin/f", "/sbin/g"};
	const std::vector<std::string> parents = {"/usr/sbin/cron", "/usr/bin/bash"};

	for (int round = 0; round < 300; ++round) {
		RollupOptions opts{.threshold = uint32_t(1 + below(5)),
				   .window_s = uint32_t(1 + below(30)),
				   .max_keys = size_t(1 + below(8))};
		CAPTURE(round);
		CAPTURE(opts.threshold);
		CAPTURE(opts.window_s);
		CAPTURE(opts.max_keys);
		Rollup r(opts);
		using Key = std::tuple<std::string, std::string, uint32_t, std::vector<std::string>>;
		std::map<Key, uint64_t> offered, emitted, rolled;
		uint64_t total_offered = 0, total_emitted = 0, total_rolled = 0, rollups = 0;
		uint64_t now = kT0;
		auto collect = [&](const std::vector<Event> &out) {
			for (const Event &ev : out) {
				const RollupDetails &d = details(ev);
				REQUIRE(d.count > 0);
				REQUIRE(d.window_s == opts.window_s);
				REQUIRE(d.parent_exe == ev.process.ancestors.front());
				REQUIRE(ev.time_ns == d.last_time_ns);
				Key k{ev.process.exe, d.parent_exe, ev.process.uid, ev.process.argv};
				rolled[k] += d.count;
				total_rolled += d.count;
				++rollups;
			}
		};

		const int steps = 50 + int(below(400));
		for (int step = 0; step < steps; ++step) {
			// Time mostly moves forward, sometimes jumps over windows, sometimes goes back a little.
			switch (below(10)) {
			case 0:
				now -= std::min<uint64_t>(now - kT0, below(2 * kSec));
				break;
			case 1:
				now += below(60 * kSec);
				break;
			default:
				now += below(kSec / 2);
			}
			if (below(8) == 0) {
				collect(r.flush(now));
				continue;
			}
			const std::string &exe = exes[below(1 + below(exes.size()))]; // skewed to a few keys
			const std::string &parent = parents[below(parents.size())];
			uint32_t uid = below(6) == 0 ? 1000 : 0;
			std::vector<std::string> argv = {exe};
			if (below(3) == 0)
				argv.push_back(std::to_string(below(2)));
			Event ev = exec_event(uint32_t(1000 + step), exe, argv, uid, parent);
			Key k{exe, parent, uid, argv};
			++offered[k];
			++total_offered;
			if (r.offer(ev, now)) {
				++emitted[k];
				++total_emitted;
			}
			REQUIRE(r.keys() <= opts.max_keys);
		}
		collect(r.flush(now, true));
		CHECK(r.keys() == 0);
		CHECK(total_emitted + total_rolled == total_offered);
		CHECK(r.folded() == total_rolled);
		for (auto &[k, n] : offered) {
			CAPTURE(std::get<0>(k));
			CHECK(emitted[k] + rolled[k] == n);
		}
		CHECK(r.flush(now + 1000 * kSec, true).empty());
		(void)rollups;
	}
}

TEST_CASE("rollup: a burst of one key emits exactly K per window")
{
	// 1000 execs, 100 per second, of one key over 10 windows of 1 s: each
	// window shows K = 5 and folds 95.
	Rollup r(RollupOptions{.threshold = 5, .window_s = 1, .max_keys = 16});
	uint64_t shown = 0;
	std::vector<Event> out;
	for (uint32_t i = 0; i < 1000; ++i) {
		uint64_t now = kT0 + uint64_t(i) * kSec / 100;
		shown += r.offer(exec_event(i), now) ? 1 : 0;
		for (Event &ev : r.flush(now))
			out.push_back(std::move(ev));
	}
	for (Event &ev : r.flush(kT0 + 100 * kSec, true))
		out.push_back(std::move(ev));
	CHECK(shown == 50);
	REQUIRE(out.size() == 10);
	for (size_t w = 0; w < out.size(); ++w) {
		CAPTURE(w);
		CHECK(details(out[w]).count == 95);
		CHECK(details(out[w]).first_time_ns == kT0 + w * kSec + 5 * kSec / 100);
		CHECK(details(out[w]).last_time_ns == kT0 + w * kSec + 99 * kSec / 100);
	}
}
