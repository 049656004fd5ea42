// SPDX-License-Identifier: Apache-2.0
// The seq reservation (<state_dir>/seq.reserved), the start-up plan made from it and
// the store, and the gaps that plan declares: what `verify` then says of them.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <grp.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/seq_reservation.h"
#include "store/store.h"
#include "store/verify.h"
#include "store_test_util.h"

using namespace linesman;
using namespace linesman::store;
using namespace store_test;

namespace {

std::string seq_file(const TempDir &d)
{
	return d.path + "/" + kSeqFileName;
}

SeqPrevious reopen(const TempDir &d)
{
	auto r = SeqReservation::open(d.path, 0);
	REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().what()));
	return r->previous();
}

void flip_byte(const std::string &path, off_t off)
{
	int fd = open(path.c_str(), O_RDWR);
	REQUIRE(fd >= 0);
	unsigned char c = 0;
	REQUIRE(pread(fd, &c, 1, off) == 1);
	c ^= 0x5a;
	REQUIRE(pwrite(fd, &c, 1, off) == 1);
	close(fd);
}

StoreOptions options(const TempDir &d)
{
	StoreOptions o;
	o.state_dir = d.path;
	o.group = "";
	return o;
}

std::vector<Event> execs(uint64_t first, uint64_t last, int hour = 0)
{
	std::vector<Event> b;
	for (uint64_t s = first; s <= last; ++s)
		b.push_back(exec_event(s, hour_ns(hour, s * 1000)));
	return b;
}

std::vector<std::string> verify_notes(const TempDir &d)
{
	auto v = verify(d.path);
	REQUIRE(v.ok());
	for (const auto &p : v->problems())
		FAIL_CHECK(describe(p));
	std::vector<std::string> notes;
	for (const auto &f : v->files)
		notes.insert(notes.end(), f.notes.begin(), f.notes.end());
	return notes;
}

} // namespace

TEST_CASE("seq reservation: a first start, marks one block ahead, a clean stop")
{
	TempDir d;
	{
		auto r = SeqReservation::open(d.path, 0, 256);
		REQUIRE(r.ok());
		CHECK(r->previous().state == SeqPrevious::State::None);
		auto m = r->reserve(1);
		REQUIRE(m.ok());
		CHECK(*m == 256);
	}
	SeqPrevious p = reopen(d);
	CHECK(p.state == SeqPrevious::State::Running);
	CHECK(p.seq == 256);
	{
		auto r = SeqReservation::open(d.path, 0, 256);
		REQUIRE(r.ok());
		CHECK(r->reserve(257).value() == 512);
		CHECK(r->reserve(513).value() == 768);
	}
	CHECK(reopen(d).seq == 768); // the newer of the two slots
	{
		auto r = SeqReservation::open(d.path, 0, 256);
		REQUIRE(r.ok());
		REQUIRE(r->reserve(769).ok());
		REQUIRE(r->stop(800).ok());
	}
	p = reopen(d);
	CHECK(p.state == SeqPrevious::State::Stopped);
	CHECK(p.seq == 800);

	struct stat st{};
	REQUIRE(stat(seq_file(d).c_str(), &st) == 0);
	CHECK((st.st_mode & 07777) == 0640);
	CHECK(st.st_size <= 1024); // two slots of 512 bytes
}

TEST_CASE("seq reservation: a damaged newest slot falls back to the other, which still covers")
{
	TempDir d;
	{
		auto r = SeqReservation::open(d.path, 0, 100);
		REQUIRE(r.ok());
		REQUIRE(r->reserve(1).ok());   // generation 1: slot 1, mark 100
		REQUIRE(r->reserve(101).ok()); // generation 2: slot 0, mark 200
	}
	// A write cut short (power loss mid-sector) never completed: no seq it would have
	// covered was handed out, so the older mark is the right answer.
	flip_byte(seq_file(d), 20); // slot 0's seq
	SeqPrevious p = reopen(d);
	CHECK(p.state == SeqPrevious::State::Running);
	CHECK(p.seq == 100);

	flip_byte(seq_file(d), 512 + 8); // slot 1's generation
	p = reopen(d);
	CHECK(p.state == SeqPrevious::State::Unreadable);
	CHECK(p.problem.find("checksum mismatch") != std::string::npos);
	CHECK(p.problem.find(seq_file(d)) != std::string::npos);

	// The next write makes the file valid again.
	{
		auto r = SeqReservation::open(d.path, 0, 100);
		REQUIRE(r.ok());
		REQUIRE(r->reserve(5000).ok());
	}
	p = reopen(d);
	CHECK(p.state == SeqPrevious::State::Running);
	CHECK(p.seq == 5099);
}

TEST_CASE("seq reservation: a truncated or foreign file is unreadable, an empty one is a first start")
{
	TempDir d;
	{
		int fd = open(seq_file(d).c_str(), O_CREAT | O_WRONLY, 0640);
		REQUIRE(fd >= 0);
		close(fd);
	}
	CHECK(reopen(d).state == SeqPrevious::State::None);
	{
		int fd = open(seq_file(d).c_str(), O_WRONLY | O_TRUNC);
		REQUIRE(write(fd, "12345\n", 6) == 6);
		close(fd);
	}
	SeqPrevious p = reopen(d);
	CHECK(p.state == SeqPrevious::State::Unreadable);
	CHECK(p.problem.find("slot 0: short") != std::string::npos);
}

TEST_CASE("seq start: from the store, the mark, or a clean stop")
{
	using S = SeqPrevious::State;
	// A first start.
	SeqStart s = plan_seq_start(5, {});
	CHECK(s.first_seq == 5);
	CHECK_FALSE(s.has_gap());
	CHECK(s.message.empty());
	CHECK(plan_seq_start(std::nullopt, {}).first_seq == 1);

	// kill -9: seqs 2001..3000 were reserved, the store has up to 2000.
	s = plan_seq_start(2001, {S::Running, 3000, ""});
	CHECK(s.first_seq == 3001);
	CHECK(s.has_gap());
	CHECK(s.gap_first == 2001);
	CHECK(s.gap_last == 3000);
	CHECK(s.reason == "unclean_stop");
	CHECK(s.lost == 1000);
	CHECK(s.message.find("up to 1000 events, seqs 2001..3000") != std::string::npos);
	CHECK(s.message.find("seqs after the last one printed live were never used") != std::string::npos);

	// kill -9 with everything reserved already stored (the gap was declared by an
	// earlier start, or the mark was exactly used up).
	s = plan_seq_start(3001, {S::Running, 3000, ""});
	CHECK(s.first_seq == 3001);
	CHECK_FALSE(s.has_gap());
	CHECK(s.lost == 0);

	// A clean stop whose last events the store could not write.
	s = plan_seq_start(2001, {S::Stopped, 2500, ""});
	CHECK(s.first_seq == 2501);
	CHECK(s.gap_first == 2001);
	CHECK(s.gap_last == 2500);
	CHECK(s.reason == "loss");
	CHECK(s.lost == 0); // counted by the run that lost them
	// A clean stop with everything stored.
	s = plan_seq_start(2501, {S::Stopped, 2500, ""});
	CHECK(s.first_seq == 2501);
	CHECK_FALSE(s.has_gap());
	CHECK(s.message.empty());

	// The store off: the live stream still continues after the mark.
	s = plan_seq_start(std::nullopt, {S::Running, 3000, ""});
	CHECK(s.first_seq == 3001);
	CHECK_FALSE(s.has_gap());
	CHECK(s.lost == 0);
	CHECK_FALSE(s.message.empty());
	CHECK(plan_seq_start(std::nullopt, {S::Stopped, 700, ""}).first_seq == 701);

	// Neither slot readable: jump far past the log's end and declare the jump.
	s = plan_seq_start(10, {S::Unreadable, 0, "x: no valid record"});
	CHECK(s.first_seq == 10 + kSeqUnknownJump);
	CHECK(s.gap_first == 10);
	CHECK(s.gap_last == 9 + kSeqUnknownJump);
	CHECK(s.reason == "seq_file_unreadable");
	CHECK(s.error);
	CHECK(s.message.find("x: no valid record") == 0);
}

TEST_CASE("store: a gap declared at start is a declared loss, in the same file or the next")
{
	TempDir d;
	{
		auto s = Store::open(options(d));
		REQUIRE(s.ok());
		REQUIRE(s->append(execs(1, 10)).ok());
	}
	{
		auto s = Store::open(options(d));
		REQUIRE(s.ok());
		uint64_t epoch = s->epoch();
		REQUIRE(s->declare_gap(20, "unclean_stop").ok());
		CHECK(s->next_seq() == 21);
		CHECK(s->epoch() == epoch);
		CHECK(s->declare_gap(20, "unclean_stop").ok()); // nothing left to declare
	}
	// Killed again before the first batch: the gap stays spent.
	{
		auto s = Store::open(options(d));
		REQUIRE(s.ok());
		CHECK(s->next_seq() == 21);
		REQUIRE(s->append(execs(21, 25)).ok()); // Contiguous
		// The next hour, after a second unclean stop with nothing stored in between.
	}
	{
		auto s = Store::open(options(d));
		REQUIRE(s.ok());
		REQUIRE(s->declare_gap(40, "unclean_stop").ok());
		REQUIRE(s->append(execs(41, 42, 1)).ok()); // a new hour file, chained after the gap
	}
	auto notes = verify_notes(d);
	REQUIRE(notes.size() == 2);
	CHECK(notes[0].find("declared loss: seqs 11..20 (the agent was killed before storing them") == 0);
	CHECK(notes[1].find("declared loss: seqs 26..40") == 0);
	auto epochs = [&](const char *hour) {
		sqlite3 *db = nullptr;
		REQUIRE(sqlite3_open(d.file(hour).c_str(), &db) == SQLITE_OK);
		sqlite3_stmt *st = nullptr;
		REQUIRE(sqlite3_prepare_v2(db, "SELECT group_concat(first_seq || ':' || reason, ' ') FROM "
					       "(SELECT * FROM epochs ORDER BY epoch)",
					   -1, &st, nullptr) == SQLITE_OK);
		REQUIRE(sqlite3_step(st) == SQLITE_ROW);
		std::string s = reinterpret_cast<const char *>(sqlite3_column_text(st, 0));
		sqlite3_finalize(st);
		sqlite3_close(db);
		return s;
	};
	// Epoch 2 is the gap 11..20 (its run was killed before storing anything); epoch 3, the
	// run that stored 21..25; both begin at seq 21.
	CHECK(epochs("2026-11-26T13") == "1:open 21:unclean_stop 21:open 41:unclean_stop");
}

TEST_CASE("store: a gap declared into an empty log, then a store loss right after it")
{
	TempDir d;
	{
		auto s = Store::open(options(d));
		REQUIRE(s.ok());
		REQUIRE(s->declare_gap(1024, "unclean_stop").ok());
		CHECK(s->next_seq() == 1025);
		CHECK_FALSE(s->current_file().empty());
	}
	{
		auto s = Store::open(options(d));
		REQUIRE(s.ok());
		CHECK(s->next_seq() == 1025);
		// The first batch of this run (1025..1030) was not stored: the next declares it.
		auto r = s->append(execs(1031, 1040), Continuity::AfterLoss);
		REQUIRE(r.ok());
	}
	auto notes = verify_notes(d);
	REQUIRE(notes.size() == 2);
	CHECK(notes[0].find("declared loss: seqs 1..1024 (the agent was killed") == 0);
	CHECK(notes[1] == "declared loss: seqs 1025..1030 (the agent could not store them)");
}

TEST_CASE("state dir: created 0750 with the readers' group; a shared folder is left alone")
{
	TempDir d;
	struct group *g = getgrnam("nogroup");
	gid_t gid = g ? g->gr_gid : 0;
	std::string state = d.path + "/state";
	StoreOptions o = options(d);
	o.state_dir = state;
	o.group = "nogroup";
	{
		auto s = Store::open(o);
		REQUIRE(s.ok());
	}
	struct stat st{};
	REQUIRE(stat(state.c_str(), &st) == 0);
	CHECK((st.st_mode & 07777) == 0750);
	if (geteuid() == 0 && g)
		CHECK(st.st_gid == gid);

	// What an earlier version left: root:root 0700 (umask 077). It gains the group.
	if (geteuid() == 0 && g) {
		std::string old = d.path + "/old";
		REQUIRE(mkdir(old.c_str(), 0700) == 0);
		REQUIRE(make_state_dir(old, gid).ok());
		REQUIRE(stat(old.c_str(), &st) == 0);
		CHECK(st.st_gid == gid);
		CHECK((st.st_mode & 07777) == 0750);
		// A folder others may use (a shared /var/tmp) keeps its owner and mode.
		std::string shared = d.path + "/shared";
		REQUIRE(mkdir(shared.c_str(), 0) == 0);
		REQUIRE(chmod(shared.c_str(), 01777) == 0);
		REQUIRE(make_state_dir(shared, gid).ok());
		REQUIRE(stat(shared.c_str(), &st) == 0);
		CHECK(st.st_gid == 0);
		CHECK((st.st_mode & 07777) == 01777);
	}

	// The reservation file: 0640, the same group.
	auto r = SeqReservation::open(state, gid);
	REQUIRE(r.ok());
	REQUIRE(stat((state + "/" + kSeqFileName).c_str(), &st) == 0);
	CHECK((st.st_mode & 07777) == 0640);
	if (geteuid() == 0 && g)
		CHECK(st.st_gid == gid);
}
