// SPDX-License-Identifier: Apache-2.0
// The event log's folder attacked while the agent runs: removed, then made
// unwritable. The agent says so in an agent event naming the path and the fix,
// keeps emitting live events, counts what it cannot store as `store` losses,
// declares them in the log, and stores again once it can.
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <set>
#include <string>
#include <thread>

#include <doctest/doctest.h>

#include "harness.h"
#include "store/layout.h"
#include "store/verify.h"

using namespace linesman;
using namespace linesman::test;

namespace {

struct StateDir {
	std::string path;
	StateDir()
	{
		// ext4 (not tmpfs): the immutable flag test needs chattr.
		char tmpl[] = "/var/tmp/linesman-fault.XXXXXX";
		REQUIRE(mkdtemp(tmpl) != nullptr);
		path = tmpl;
	}
	~StateDir()
	{
		(void)std::system(("chattr -R -i '" + path + "' 2>/dev/null; rm -rf '" + path + "'").c_str());
	}
	std::string events() const { return store::events_dir_of(path); }
};

// What the log holds, read with plain SQL: stored seqs, declared gaps, epochs.
struct Stored {
	std::set<uint64_t> seqs;
	std::vector<std::pair<uint64_t, uint64_t>> gaps;
	std::vector<std::string> epoch_reasons;
	std::vector<std::string> prev_files; // meta prev_file of each hour file

	bool declared(uint64_t seq) const
	{
		return std::any_of(gaps.begin(), gaps.end(),
				   [&](const auto &g) { return seq >= g.first && seq <= g.second; });
	}
};

Stored read_store(const std::string &events_dir)
{
	Stored s;
	auto files = store::list_hour_files(events_dir);
	REQUIRE(files);
	for (const auto &f : *files) {
		sqlite3 *db = nullptr;
		REQUIRE(sqlite3_open_v2(f.path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
		auto each = [&](const char *sql, auto &&row) {
			sqlite3_stmt *st = nullptr;
			REQUIRE_MESSAGE(sqlite3_prepare_v2(db, sql, -1, &st, nullptr) == SQLITE_OK, sqlite3_errmsg(db));
			while (sqlite3_step(st) == SQLITE_ROW)
				row(st);
			sqlite3_finalize(st);
		};
		auto text = [](sqlite3_stmt *st, int col) {
			auto *p = sqlite3_column_text(st, col);
			return std::string(p ? reinterpret_cast<const char *>(p) : "");
		};
		each("SELECT seq FROM events", [&](sqlite3_stmt *st) { s.seqs.insert(uint64_t(sqlite3_column_int64(st, 0))); });
		each("SELECT first_seq, last_seq FROM gaps", [&](sqlite3_stmt *st) {
			s.gaps.emplace_back(uint64_t(sqlite3_column_int64(st, 0)), uint64_t(sqlite3_column_int64(st, 1)));
		});
		each("SELECT reason FROM epochs ORDER BY epoch", [&](sqlite3_stmt *st) { s.epoch_reasons.push_back(text(st, 0)); });
		each("SELECT value FROM meta WHERE key = 'prev_file'", [&](sqlite3_stmt *st) { s.prev_files.push_back(text(st, 0)); });
		sqlite3_close(db);
	}
	return s;
}

uint64_t store_losses(const std::vector<Event> &events)
{
	uint64_t n = 0;
	for (const Event &e : events)
		if (e.type == EventType::Loss && std::get<LossDetails>(e.details).where == "store")
			n += std::get<LossDetails>(e.details).count;
	return n;
}

bool agent_says(const Event &e, const std::string &a, const std::string &b = "")
{
	if (e.type != EventType::Agent)
		return false;
	const auto &m = std::get<AgentDetails>(e.details).message;
	return m.find(a) != std::string::npos && m.find(b) != std::string::npos;
}

// An exec the test can find again, live and in the log.
uint32_t marker(Collector &c, const std::string &tag)
{
	pid_t pid = spawn("/bin/true", {"true", tag});
	wait_status(pid);
	REQUIRE_MESSAGE(c.wait_exec(pid), "no live exec event for " << tag);
	return uint32_t(pid);
}

bool stored_exec(const std::vector<Event> &emitted, const Stored &s, uint32_t pid)
{
	for (const Event &e : emitted)
		if (e.type == EventType::Exec && e.process.pid == pid)
			return s.seqs.count(e.seq) > 0;
	return false;
}

agent::Config store_config(const std::string &state)
{
	agent::Config cfg = test_config();
	cfg.store.enabled = true;
	cfg.state_dir = state;
	return cfg;
}

void check_verify(const std::string &state, const std::string &note)
{
	auto v = store::verify(state);
	REQUIRE(v);
	for (const auto &p : v->problems())
		MESSAGE(describe(p));
	CHECK(v->ok());
	bool noted = false;
	for (const auto &f : v->files)
		for (const auto &n : f.notes)
			noted = noted || n.find(note) != std::string::npos;
	CHECK_MESSAGE(noted, "verify has no note containing: " << note);
}

} // namespace

TEST_CASE("store faults: the events folder removed at run time is recreated, and storing goes on")
{
	StateDir d;
	Collector c(store_config(d.path));
	uint32_t before = marker(c, "fault-rm-before");
	std::this_thread::sleep_for(600ms); // three store periods: committed
	auto files = store::list_hour_files(d.events());
	REQUIRE(files);
	REQUIRE(!files->empty());
	std::string removed = files->back().path;

	sh("rm -rf '" + d.events() + "'");
	// Live output does not depend on the store.
	uint32_t during = marker(c, "fault-rm-during");
	auto said = c.wait_for([&](const Event &e) { return agent_says(e, "was removed", d.events()); }, 5s);
	REQUIRE_MESSAGE(said, "no agent event about the removed folder");
	MESSAGE(std::get<AgentDetails>(said->details).message);
	CHECK(std::get<AgentDetails>(said->details).what == "error");
	CHECK(agent_says(*said, removed, "recreates"));
	uint32_t after = marker(c, "fault-rm-after");
	std::this_thread::sleep_for(600ms);
	c.stop();

	auto emitted = c.snapshot();
	Stored s = read_store(d.events());
	CHECK(!stored_exec(emitted, s, before)); // removed with its file
	CHECK(stored_exec(emitted, s, during));
	CHECK(stored_exec(emitted, s, after));
	// The new file chains from the removed one, in a new epoch that says why.
	CHECK(std::count(s.prev_files.begin(), s.prev_files.end(),
			 removed.substr(removed.rfind('/') + 1)) == 1);
	CHECK(std::count(s.epoch_reasons.begin(), s.epoch_reasons.end(), "recreated") == 1);
	// From the first seq of the new file on, every emitted event is stored or counted
	// (a removal during a commit loses that batch, counted and declared).
	REQUIRE(!s.seqs.empty());
	uint64_t missing = 0;
	for (const Event &e : emitted)
		if (e.seq >= *s.seqs.begin() && !s.seqs.count(e.seq)) {
			++missing;
			CHECK_MESSAGE(s.declared(e.seq), "seq " << e.seq << " neither stored nor declared");
		}
	CHECK(missing == store_losses(emitted));
	check_verify(d.path, "which is not here");
}

TEST_CASE("store faults: an unwritable store counts every event it cannot store, and stores again")
{
	// Root ignores file modes, and a read-only bind mount does not reach the files
	// SQLite already holds open; the immutable flag does: every write() to the hour
	// file and its WAL fails with EPERM, and no file can be created in the folder.
	// The -shm is left alone: SQLite writes it through mmap, and ext4 answers a write
	// fault on an immutable file with SIGBUS.
	StateDir d;
	Collector c(store_config(d.path));
	marker(c, "fault-ro-before");
	std::this_thread::sleep_for(600ms);
	std::string lock = "chattr +i '" + d.events() + "'/*.db '" + d.events() + "'/*.db-wal '" + d.events() + "'";
	std::string unlock = "chattr -i '" + d.events() + "'/*.db '" + d.events() + "'/*.db-wal '" + d.events() + "'";
	if (std::system((lock + " 2>/dev/null").c_str()) != 0) {
		MESSAGE("skipped: " << d.path << " does not support chattr +i");
		(void)std::system((unlock + " 2>/dev/null").c_str());
		return;
	}
	std::vector<uint32_t> during;
	for (int i = 0; i < 10; ++i) {
		during.push_back(marker(c, "fault-ro-during-" + std::to_string(i)));
		std::this_thread::sleep_for(150ms);
	}
	// Three commit periods (200 ms each): the batch holding the last marker has been
	// tried, and refused, before the store is made writable again.
	std::this_thread::sleep_for(600ms);
	auto loss = c.wait_for([](const Event &e) {
		return e.type == EventType::Loss && std::get<LossDetails>(e.details).where == "store";
	}, 5s);
	auto said = c.wait_for([&](const Event &e) { return agent_says(e, "not stored", "is writable"); }, 5s);
	sh(unlock);
	REQUIRE_MESSAGE(loss, "no store loss event while the store was unwritable");
	REQUIRE_MESSAGE(said, "no agent error naming the cause");
	MESSAGE(std::get<AgentDetails>(said->details).message);
	CHECK(agent_says(*said, d.events()));

	auto again = c.wait_for([](const Event &e) { return agent_says(e, "storing again"); }, 5s);
	REQUIRE_MESSAGE(again, "the store did not report storing again");
	uint32_t after = marker(c, "fault-ro-after");
	std::this_thread::sleep_for(600ms);
	c.stop();

	auto emitted = c.snapshot();
	Stored s = read_store(d.events());
	CHECK(stored_exec(emitted, s, after));
	for (uint32_t pid : during)
		CHECK_MESSAGE(!stored_exec(emitted, s, pid), "stored while the store was unwritable");
	// Exact: every emitted event is stored, or counted in a `store` loss event and
	// declared as a gap in the log.
	uint64_t missing = 0;
	for (const Event &e : emitted)
		if (!s.seqs.count(e.seq)) {
			++missing;
			CHECK_MESSAGE(s.declared(e.seq), "seq " << e.seq << " neither stored nor declared");
		}
	CHECK(missing > 0);
	CHECK(missing == store_losses(emitted));
	CHECK(std::count(s.epoch_reasons.begin(), s.epoch_reasons.end(), "loss") >= 1);
	check_verify(d.path, "declared loss");
}
