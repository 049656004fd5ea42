// SPDX-License-Identifier: Apache-2.0
// The agent's event log: what the sensor emits is what the store holds, seq
// continues across a restart, and the chain verifies.
#include <unistd.h>

#include <cstdlib>
#include <string>

#include <doctest/doctest.h>

#include "harness.h"
#include "store/reader.h"
#include "store/verify.h"

using namespace linesman;
using namespace linesman::test;

TEST_CASE("store: the agent's events are stored as emitted, and seq survives a restart")
{
	char tmpl[] = "/var/tmp/linesman-state.XXXXXX";
	REQUIRE(mkdtemp(tmpl) != nullptr);
	std::string state = tmpl;
	agent::Config cfg = test_config();
	cfg.store.enabled = true;
	cfg.state_dir = state;

	uint64_t first_run_last = 0;
	pid_t pid = 0;
	{
		Collector c(cfg);
		pid = spawn("/bin/true", {"true", "stored-marker"});
		wait_status(pid);
		REQUIRE(c.wait_exec(pid));
		c.stop();
		auto events = c.snapshot();
		REQUIRE(!events.empty());
		first_run_last = events.back().seq;
		CHECK(events.front().seq == 1);

		auto reader = store::Reader::open(state);
		REQUIRE(reader);
		auto stored = reader->query({});
		REQUIRE(stored);
		// Everything emitted, stop event included, is in the log: same seqs, same events.
		REQUIRE(stored->size() == events.size());
		for (size_t i = 0; i < events.size(); ++i) {
			CHECK(stored->at(i).seq == events[i].seq);
			CHECK(stored->at(i).type == events[i].type);
			CHECK(stored->at(i).time_ns == events[i].time_ns);
		}
		store::Filter f;
		f.pid = uint32_t(pid);
		f.types = {EventType::Exec};
		auto execs = reader->query(f);
		REQUIRE(execs);
		REQUIRE(execs->size() == 1);
		CHECK(execs->front().process.argv == std::vector<std::string>{"true", "stored-marker"});
		CHECK(execs->front().process.exe == "/usr/bin/true");
	}
	{
		Collector c(cfg); // a restart: seq continues where the log ends
		c.stop();
		auto events = c.snapshot();
		REQUIRE(!events.empty());
		CHECK(events.front().seq == first_run_last + 1);
	}
	auto report = store::verify(state);
	REQUIRE(report);
	CHECK(report->ok());
	std::system(("rm -rf " + state).c_str());
}

TEST_CASE("store: an event log that cannot be opened fails the start cleanly, with the reason")
{
	// The reader thread is already running when the store is opened: the failed start
	// must stop it and return the error, not abort the process.
	agent::Config cfg = test_config();
	cfg.store.enabled = true;
	cfg.state_dir = "/proc/linesman-state"; // procfs: mkdir fails
	agent::Sensor::Output out;
	out.write = [](const Event &) {};
	auto s = agent::Sensor::start(cfg, std::move(out));
	REQUIRE_FALSE(s.ok());
	CHECK(s.error().what().find("/proc/linesman-state") != std::string::npos);
}
