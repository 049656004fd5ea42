// SPDX-License-Identifier: Apache-2.0
// Ingest rate and query latency of the store, on this machine. Not a timed test:
// run by hand with  build/tests/unit_tests -tc='store bench*' --no-skip
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <sys/resource.h>

#include "store/reader.h"
#include "store/store.h"
#include "store_test_util.h"

using namespace linesman;
using namespace linesman::store;
using namespace store_test;

namespace {

double ms_since(std::chrono::steady_clock::time_point t0)
{
	return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

// CPU seconds (user + system) of this process so far: on a shared machine the
// store's cost, where wall time also counts the neighbours.
double cpu_s()
{
	struct rusage ru{};
	getrusage(RUSAGE_SELF, &ru);
	return double(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) + double(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

double median_ms(std::vector<double> v)
{
	std::sort(v.begin(), v.end());
	return v[v.size() / 2];
}

} // namespace

TEST_CASE("store bench: ingest a switching host's busy hour in agent-sized batches, then query" * doctest::skip())
{
	TempDir d;
	StoreOptions o;
	o.state_dir = d.path;
	auto s = Store::open(o);
	REQUIRE(s.ok());
	const uint64_t kEvents = getenv("STORE_BENCH_EVENTS") ? strtoull(getenv("STORE_BENCH_EVENTS"), nullptr, 10) : 1'000'000;
	constexpr uint64_t kBatch = 4096; // the agent's batch at full rate (kStoreBatch)
	const char *exes[] = {"/usr/sbin/sshd", "/usr/bin/python3", "/usr/lib/frr/zebra", "/usr/lib/frr/bgpd",
			      "/opt/switch/bin/callctl", "/opt/switch/bin/cdrd", "/usr/sbin/rsyslogd", "/usr/bin/java"};
	// The mix of a busy hour: 400 long-running daemons make most events (connections,
	// config writes), and one event in 20 is the exec of a new short-lived process,
	// each with its own pid and exec_id: 50,000 distinct processes per 1M events.
	auto daemon = [&](uint64_t n) {
		uint32_t pid = uint32_t(2000 + n % 400);
		Process p = process(pid, exes[pid % 8]);
		return p;
	};
	// Built beforehand: the rate is the store's, not the fixture's.
	std::vector<std::vector<Event>> batches;
	for (uint64_t seq = 1; seq <= kEvents; seq += kBatch) {
		std::vector<Event> b;
		for (uint64_t n = seq; n < seq + kBatch && n <= kEvents; ++n) {
			// All in one hour (3.6 ms apart at 1M), as the latency targets assume.
			uint64_t t = hour_ns(0, n * (3'600'000'000'000ull / (kEvents + 1)));
			Event ev;
			if (n % 20 == 0) {
				ev = exec_event(n, t, uint32_t(100000 + n), n % 40 ? "/usr/bin/ls" : "/usr/bin/true");
			} else if (n % 3 == 0) {
				ev = file_event(n, t, "/etc/switch/conf.d/" + std::to_string(n % 5000) + ".conf");
				ev.process = daemon(n);
			} else {
				ev = net_event(n, t, EventType::Connect, uint32_t(30000 + n % 30000),
					       uint32_t(5060 + n % 50), "10.20." + std::to_string(n % 200) + ".7");
				ev.process = daemon(n);
			}
			b.push_back(std::move(ev));
		}
		batches.push_back(std::move(b));
	}
	size_t body_bytes = 0;
	for (const Event &ev : batches[0])
		body_bytes += bytes_of(ev).size();
	body_bytes /= batches[0].size();
	{
		double e0 = cpu_s();
		linesman::v1::Event m;
		std::string body;
		size_t total = 0;
		for (const auto &b : batches)
			for (const auto &ev : b) {
				output::to_proto(ev, &m);
				body.clear();
				m.SerializeToString(&body);
				total += body.size();
			}
		MESSAGE("encode only: " << uint64_t(double(kEvents) / (cpu_s() - e0)) << " events per CPU second (" << total << " B)");
	}
	auto t0 = std::chrono::steady_clock::now();
	double c0 = cpu_s();
	for (const auto &b : batches)
		REQUIRE(s->append(b).ok());
	double ms = ms_since(t0), cpu = cpu_s() - c0;
	MESSAGE("ingest: " << kEvents << " events (" << body_bytes << " B each as one message) in " << ms
			   << " ms = " << uint64_t(double(kEvents) / ms * 1000) << " events/s; "
			   << uint64_t(double(kEvents) / cpu) << " events per CPU second");

	if (const char *keep = getenv("STORE_BENCH_KEEP")) // a copy to look at by hand
		REQUIRE(std::system(("cp -r '" + d.path + "' '" + keep + "'").c_str()) == 0);
	auto r = Reader::open(d.path);
	REQUIRE(r.ok());
	auto time_query = [&](const std::string &what, const Filter &f, size_t limit, bool reverse) {
		std::vector<double> runs;
		size_t n = 0;
		for (int i = 0; i < 7; ++i) {
			auto q0 = std::chrono::steady_clock::now();
			auto evs = r->query(f, limit, reverse);
			runs.push_back(ms_since(q0));
			REQUIRE(evs.ok());
			n = evs->size();
		}
		MESSAGE(what << ": " << n << " events, median " << median_ms(runs) << " ms");
	};
	Filter unfiltered;
	time_query("-n 100 -r (unfiltered)", unfiltered, 100, true);
	Filter exe;
	exe.exe = "/usr/lib/frr/bgpd";
	time_query("--exe /usr/lib/frr/bgpd -n 100", exe, 100, false);
	Filter many;
	many.exe = "/usr/bin/ls";
	time_query("--exe /usr/bin/ls -n 100 (25,000 processes)", many, 100, false);
	Filter rare;
	rare.exe = "/usr/bin/true";
	time_query("--exe /usr/bin/true (all, 25,000 processes)", rare, 0, false);
	Filter path;
	path.path = "/etc/switch/conf.d/42.conf";
	time_query("--path /etc/switch/conf.d/42.conf (all)", path, 0, false);
	Filter port;
	port.port = 5077;
	time_query("--port 5077 -n 100", port, 100, false);
	Filter pid;
	pid.pid = 2042;
	time_query("--pid 2042 -n 100", pid, 100, false);
}
