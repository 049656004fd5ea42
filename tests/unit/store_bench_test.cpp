// SPDX-License-Identifier: Apache-2.0
// Ingest rate and query latency of the store, on this machine. Not a timed test:
// run by hand with  build/tests/unit_tests -tc='store bench*' --no-skip
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>

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

double median_ms(std::vector<double> v)
{
	std::sort(v.begin(), v.end());
	return v[v.size() / 2];
}

} // namespace

TEST_CASE("store bench: ingest in batches of 1000 exec and file events, then query" * doctest::skip())
{
	TempDir d;
	StoreOptions o;
	o.state_dir = d.path;
	auto s = Store::open(o);
	REQUIRE(s.ok());
	const uint64_t kEvents = getenv("STORE_BENCH_EVENTS") ? strtoull(getenv("STORE_BENCH_EVENTS"), nullptr, 10) : 1'000'000;
	constexpr uint64_t kBatch = 1000;
	const char *exes[] = {"/usr/bin/ls", "/usr/bin/bash", "/usr/sbin/sshd", "/usr/bin/python3",
			      "/usr/lib/frr/zebra", "/usr/bin/grep", "/usr/bin/cat", "/usr/bin/awk"};
	// Built beforehand: the rate is the store's, not the fixture's.
	std::vector<std::vector<Event>> batches;
	for (uint64_t seq = 1; seq <= kEvents; seq += kBatch) {
		std::vector<Event> b;
		for (uint64_t i = 0; i < kBatch; ++i) {
			uint64_t n = seq + i;
			// All in one hour (3.6 ms apart), as the latency targets assume.
			uint64_t t = hour_ns(0, n * 3'600'000);
			b.push_back(n % 2 ? exec_event(n, t, uint32_t(10000 + n % 30000), exes[(n / 2) % 8])
					  : file_event(n, t, "/etc/app/conf.d/" + std::to_string(n % 5000) + ".conf",
						       "", uint32_t(10000 + n % 30000)));
		}
		batches.push_back(std::move(b));
	}
	size_t body_bytes = bytes_of(batches[0][0]).size() + bytes_of(batches[0][1]).size();
	auto t0 = std::chrono::steady_clock::now();
	for (const auto &b : batches)
		REQUIRE(s->append(b).ok());
	double ms = ms_since(t0);
	MESSAGE("ingest: " << kEvents << " events (≈" << body_bytes / 2 << " B body each) in " << ms
			   << " ms = " << uint64_t(double(kEvents) / ms * 1000) << " events/s");

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
	exe.exe = "/usr/lib/frr/zebra";
	time_query("--exe /usr/lib/frr/zebra -n 100", exe, 100, false);
	Filter path;
	path.path = "/etc/app/conf.d/42.conf";
	time_query("--path /etc/app/conf.d/42.conf (all)", path, 0, false);
	Filter pid;
	pid.pid = 10042;
	time_query("--pid 10042 (all)", pid, 0, false);
}
