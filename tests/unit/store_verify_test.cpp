// SPDX-License-Identifier: Apache-2.0
// verify names exactly what was done to the log: an edited row, a deleted row, a
// truncated file, a broken link between files, an edited index column.
#include <doctest/doctest.h>
#include <unistd.h>

#include "store/store.h"
#include "store/verify.h"
#include "store_test_util.h"

using namespace linesman;
using namespace linesman::store;
using namespace store_test;

namespace {

// Three hour files: seqs 1..100, 101..200, 201..300.
void fill(const TempDir &d)
{
	StoreOptions o;
	o.state_dir = d.path;
	auto s = Store::open(o);
	REQUIRE(s.ok());
	for (int h = 0; h < 3; ++h) {
		std::vector<Event> b;
		for (uint64_t i = 0; i < 100; ++i) {
			uint64_t seq = uint64_t(h) * 100 + i + 1;
			b.push_back(i % 2 ? exec_event(seq, hour_ns(h, i * 1000))
					  : file_event(seq, hour_ns(h, i * 1000), "/etc/f" + std::to_string(i)));
		}
		REQUIRE(s->append(b).ok());
	}
}

std::vector<Problem> problems(const TempDir &d)
{
	auto v = verify(d.path);
	REQUIRE(v.ok());
	std::vector<Problem> all = v->problems();
	for (const auto &p : all)
		MESSAGE(describe(p));
	return all;
}

} // namespace

TEST_CASE("store verify: an untouched store has no problem, and counts every file")
{
	TempDir d;
	fill(d);
	auto v = verify(d.path);
	REQUIRE(v.ok());
	CHECK(v->ok());
	REQUIRE(v->files.size() == 3);
	for (int h = 0; h < 3; ++h) {
		CHECK(v->files[size_t(h)].events == 100);
		CHECK(v->files[size_t(h)].first_seq == uint64_t(h) * 100 + 1);
		CHECK(v->files[size_t(h)].last_seq == uint64_t(h) * 100 + 100);
	}
}

TEST_CASE("store verify: a row whose body was edited with SQL is named by its seq")
{
	TempDir d;
	fill(d);
	// A plausible forgery: the same event, another executable.
	std::string file = d.file("2026-11-26T14");
	Event ev = exec_event(142, hour_ns(1, 41 * 1000), 4242, "/usr/bin/innocent");
	std::string body = bytes_of(ev);
	std::string hex;
	for (unsigned char c : body) {
		static const char *k = "0123456789abcdef";
		hex += k[c >> 4];
		hex += k[c & 15];
	}
	CHECK(raw_sql(file, "UPDATE events SET body = x'" + hex + "' WHERE seq = 142") == 1);
	auto ps = problems(d);
	REQUIRE(ps.size() == 1);
	CHECK(ps[0].kind == ProblemKind::EditedRow);
	CHECK(ps[0].file == file);
	CHECK(ps[0].first_seq == 142);
	CHECK(ps[0].last_seq == 142);
	CHECK(describe(ps[0]) == "2026-11-26T14.db: edited row: seq 142 (its link does not match its body and process)");
}

TEST_CASE("store verify: a deleted row is a gap where the chain breaks")
{
	TempDir d;
	fill(d);
	CHECK(raw_sql(d.file("2026-11-26T13"), "DELETE FROM events WHERE seq = 57") == 1);
	auto ps = problems(d);
	REQUIRE(ps.size() == 1);
	CHECK(ps[0].kind == ProblemKind::DeletedRows);
	CHECK(ps[0].first_seq == 57);
	CHECK(ps[0].last_seq == 57);

	// Rows cut from the end of a closed hour: caught by the next file's chain start.
	CHECK(raw_sql(d.file("2026-11-26T14"), "DELETE FROM events WHERE seq >= 198") == 3);
	ps = problems(d);
	REQUIRE(ps.size() == 2);
	CHECK(ps[1].kind == ProblemKind::DeletedRows);
	CHECK(ps[1].file == d.file("2026-11-26T15"));
	CHECK(ps[1].first_seq == 198);
	CHECK(ps[1].last_seq == 200);
}

TEST_CASE("store verify: a truncated file is named, and the next file still checks")
{
	TempDir d;
	fill(d);
	std::string file = d.file("2026-11-26T14");
	off_t size = 0;
	{
		FILE *f = fopen(file.c_str(), "rb");
		REQUIRE(f);
		fseek(f, 0, SEEK_END);
		size = ftell(f);
		fclose(f);
	}
	REQUIRE(truncate(file.c_str(), size / 2) == 0);
	auto v = verify(d.path);
	REQUIRE(v.ok());
	REQUIRE(v->files.size() == 3);
	CHECK(v->files[0].problems.empty());
	REQUIRE_FALSE(v->files[1].problems.empty());
	CHECK(v->files[1].problems[0].kind == ProblemKind::Truncated);
	CHECK(v->files[1].problems[0].detail.find("its header says") != std::string::npos);
	for (const auto &p : v->files[1].problems) {
		MESSAGE(describe(p));
		CHECK((p.kind == ProblemKind::Truncated || p.kind == ProblemKind::Unreadable));
	}
	CHECK(v->files[2].problems.empty()); // chained from an unreadable tail: not checked

	REQUIRE(truncate(file.c_str(), 0) == 0);
	auto ps = problems(d);
	REQUIRE(ps.size() == 1);
	CHECK(ps[0].kind == ProblemKind::Truncated);
	CHECK(ps[0].file == file);
}

TEST_CASE("store verify: a file that does not chain from the previous one")
{
	TempDir d;
	fill(d);
	CHECK(raw_sql(d.file("2026-11-26T15"),
		      "UPDATE meta SET value = zeroblob(32) WHERE key = 'prev_link'") == 1);
	auto ps = problems(d);
	// The first row chains from prev_link too, so it is named as well.
	REQUIRE(ps.size() == 2);
	CHECK(ps[0].kind == ProblemKind::BrokenFileLink);
	CHECK(ps[0].file == d.file("2026-11-26T15"));
	CHECK(ps[1].kind == ProblemKind::EditedRow);
	CHECK(ps[1].first_seq == 201);
}

TEST_CASE("store verify: an index column edited to hide an event from queries")
{
	TempDir d;
	fill(d);
	std::string actor_of_10 = "(SELECT actor_id FROM events WHERE seq = 10)";
	SUBCASE("the type of an event")
	{
		CHECK(raw_sql(d.file("2026-11-26T13"), "UPDATE events SET type = 99 WHERE seq = 10") == 1);
		auto ps = problems(d);
		REQUIRE(ps.size() == 1);
		CHECK(ps[0].kind == ProblemKind::BadRow);
		CHECK(ps[0].first_seq == 10);
	}
	// Seq 10 is an exec of pid 4242; its process row is shared by the file's other
	// events of that process (the odd seqs 2..100).
	SUBCASE("the pid of its process row")
	{
		CHECK(raw_sql(d.file("2026-11-26T13"), "UPDATE actors SET pid = 1 WHERE id = " + actor_of_10) == 1);
		auto ps = problems(d);
		REQUIRE(ps.size() == 1);
		CHECK(ps[0].kind == ProblemKind::BadRow);
		CHECK(ps[0].first_seq == 2);
		CHECK(ps[0].last_seq == 100);
		CHECK(ps[0].detail.find("differs from the row's body") != std::string::npos);
	}
	SUBCASE("the exe of its process row")
	{
		CHECK(raw_sql(d.file("2026-11-26T13"),
			      "UPDATE actors SET exe_id = (SELECT max(id) FROM strings) WHERE id = " + actor_of_10) == 1);
		auto ps = problems(d);
		REQUIRE(ps.size() == 1);
		CHECK(ps[0].kind == ProblemKind::BadRow);
	}
	SUBCASE("its process row deleted")
	{
		CHECK(raw_sql(d.file("2026-11-26T13"), "DELETE FROM actors WHERE id = " + actor_of_10) == 1);
		auto ps = problems(d);
		REQUIRE(ps.size() == 50);
		CHECK(ps[0].kind == ProblemKind::EditedRow);
		CHECK(ps[0].first_seq == 2);
		CHECK(ps[0].detail.find("process row") != std::string::npos);
		CHECK(ps[0].detail.find("is missing") != std::string::npos);
	}
}

TEST_CASE("store verify: the oldest hour deleted (retention) is a note, not a problem")
{
	TempDir d;
	fill(d);
	REQUIRE(unlink(d.file("2026-11-26T13").c_str()) == 0);
	auto v = verify(d.path);
	REQUIRE(v.ok());
	CHECK(v->ok());
	REQUIRE(v->files.size() == 2);
	REQUIRE(v->files[0].notes.size() == 1);
	CHECK(v->files[0].notes[0].find("chains from 2026-11-26T13.db") != std::string::npos);

	// A middle hour deleted is not retention's doing.
	REQUIRE(std::system(("rm -rf '" + d.events() + "'").c_str()) == 0);
	fill(d);
	REQUIRE(unlink(d.file("2026-11-26T14").c_str()) == 0);
	auto ps = problems(d);
	REQUIRE(ps.size() == 1);
	CHECK(ps[0].kind == ProblemKind::DeletedRows);
	CHECK(ps[0].first_seq == 101);
	CHECK(ps[0].last_seq == 200);
}
