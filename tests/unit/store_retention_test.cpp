// SPDX-License-Identifier: Apache-2.0
// Retention by size, age and free space (whole hours, oldest first, never the current
// one), and a full disk for real: a 2 MiB tmpfs.
#include <doctest/doctest.h>
#include <sys/mount.h>
#include <unistd.h>

#include <chrono>

#include "store/layout.h"
#include "store/store.h"
#include "store/verify.h"
#include "store_test_util.h"

using namespace linesman;
using namespace linesman::store;
using namespace store_test;

namespace {

// `hours` files of `per_hour` events each, hour 0 first.
void fill(Store &s, int first_hour, int hours, uint64_t per_hour)
{
	for (int h = first_hour; h < first_hour + hours; ++h) {
		std::vector<Event> b;
		for (uint64_t i = 0; i < per_hour; ++i)
			b.push_back(exec_event(s.next_seq() + i, hour_ns(h, i * 1000)));
		AppendReport r = s.append(b);
		REQUIRE_MESSAGE(r.ok(), r.error->what());
	}
}

std::chrono::system_clock::time_point at(uint64_t ns)
{
	return std::chrono::system_clock::time_point(
	    std::chrono::duration_cast<std::chrono::system_clock::duration>(std::chrono::nanoseconds(ns)));
}

StoreOptions roomy(const TempDir &d)
{
	StoreOptions o;
	o.state_dir = d.path;
	o.fs_space = [](const std::string &) { return Result<FsSpace>(FsSpace{1ull << 40, 1ull << 39}); };
	return o;
}

} // namespace

TEST_CASE("store retention: max_size deletes the oldest hours until the rest fits")
{
	TempDir d;
	StoreOptions o = roomy(d);
	auto s = Store::open(o);
	REQUIRE(s.ok());
	fill(*s, 0, 5, 200);
	uint64_t one = file_bytes(d.file("2026-11-26T14"));
	REQUIRE(one > 0);
	// Room for about three hours.
	o.max_size = 3 * one + one / 2;
	s = Store::open(o).value();
	auto r = s->apply_retention(at(hour_ns(5)));
	REQUIRE(r.ok());
	REQUIRE(r->deleted.size() == 2);
	CHECK(r->deleted[0].path == d.file("2026-11-26T13"));
	CHECK(r->deleted[0].reason == "max_size");
	CHECK(r->deleted[0].events == 200);
	CHECK(r->deleted[0].first_seq == 1);
	CHECK(r->deleted[0].last_seq == 200);
	CHECK(r->deleted[1].path == d.file("2026-11-26T14"));
	CHECK(r->events == 400);
	CHECK(r->bytes > 0);
	CHECK_FALSE(r->current_over_budget);
	auto v = verify(d.path);
	REQUIRE(v.ok());
	CHECK(v->ok());
	CHECK(v->files.size() == 3);

	// A limit only the current hour could satisfy: it is kept and the report says so.
	o.max_size = 1;
	s = Store::open(o).value();
	r = s->apply_retention(at(hour_ns(5)));
	REQUIRE(r.ok());
	CHECK(r->deleted.size() == 2);
	CHECK(r->current_over_budget);
	CHECK(access(s->current_file().c_str(), F_OK) == 0);
}

TEST_CASE("store retention: max_age deletes hours whose every event is older")
{
	TempDir d;
	StoreOptions o = roomy(d);
	o.max_age = std::chrono::hours(2);
	auto s = Store::open(o);
	REQUIRE(s.ok());
	fill(*s, 0, 4, 10);
	// Now 16:00:00 + 1 ns: hour 13 ended at 14:00, 2 h before; hour 14 ends at 15:00, not.
	auto r = s->apply_retention(at(hour_ns(3, 1)));
	REQUIRE(r.ok());
	REQUIRE(r->deleted.size() == 1);
	CHECK(r->deleted[0].reason == "max_age");
	CHECK(r->deleted[0].path == d.file("2026-11-26T13"));
	// Far in the future every closed hour goes, the current one stays.
	r = s->apply_retention(at(hour_ns(100)));
	REQUIRE(r.ok());
	CHECK(r->deleted.size() == 2);
	CHECK(access(s->current_file().c_str(), F_OK) == 0);
}

TEST_CASE("store retention: keep_free deletes until the filesystem has its share free")
{
	TempDir d;
	StoreOptions o = roomy(d);
	auto s = Store::open(o);
	REQUIRE(s.ok());
	fill(*s, 0, 4, 100);
	uint64_t one = file_bytes(d.file("2026-11-26T13"));
	// 15% of 100 * one must be free; 13.5 * one is: two deletions reach 15.
	o.fs_space = [one](const std::string &) {
		return Result<FsSpace>(FsSpace{100 * one, 13 * one + one / 2});
	};
	s = Store::open(o).value();
	auto r = s->apply_retention(at(hour_ns(4)));
	REQUIRE(r.ok());
	REQUIRE(r->deleted.size() == 2);
	CHECK(r->deleted[0].reason == "keep_free");
	CHECK(r->deleted[1].reason == "keep_free");
}

namespace {

struct Tmpfs {
	TempDir d;
	bool mounted = false;
	explicit Tmpfs(const char *size)
	{
		std::string opts = std::string("size=") + size + ",mode=0755";
		mounted = mount("tmpfs", d.path.c_str(), "tmpfs", 0, opts.c_str()) == 0;
	}
	~Tmpfs()
	{
		if (mounted)
			umount2(d.path.c_str(), MNT_DETACH);
	}
};

} // namespace

TEST_CASE("store: a full disk sheds the oldest hours, then reports what it could not store")
{
	if (geteuid() != 0) {
		MESSAGE("skipped: mounting a tmpfs needs root");
		return;
	}
	Tmpfs fs("2m");
	REQUIRE_MESSAGE(fs.mounted, "mount -t tmpfs failed");
	StoreOptions o;
	o.state_dir = fs.d.path;
	auto s = Store::open(o);
	REQUIRE(s.ok());

	// One hour per batch until the disk is full: the store must shed and carry on.
	bool shed = false;
	int h = 0;
	for (; h < 200 && !shed; ++h) {
		std::vector<Event> b;
		for (uint64_t i = 0; i < 200; ++i)
			b.push_back(exec_event(s->next_seq() + i, hour_ns(h, i * 1000)));
		AppendReport r = s->append(b);
		if (!r.shed.empty()) {
			shed = true;
			CHECK_MESSAGE(r.ok(), (r.ok() ? "" : r.error->what()));
			CHECK(r.stored == 200);
			CHECK(r.shed.deleted[0].reason == "disk_full");
			CHECK(r.shed.deleted[0].path == fs.d.file("2026-11-26T13"));
			CHECK(r.shed.events >= 200);
		} else {
			REQUIRE_MESSAGE(r.ok(), r.error->what());
		}
	}
	REQUIRE(shed);

	// Now one hour only, growing: first the closed hours go, then nothing is left to shed.
	bool failed = false;
	for (int i = 0; i < 400 && !failed; ++i) {
		std::vector<Event> b;
		for (uint64_t k = 0; k < 200; ++k)
			b.push_back(exec_event(s->next_seq() + k, hour_ns(h, k * 1000)));
		uint64_t before = s->next_seq();
		AppendReport r = s->append(b);
		if (!r.ok()) {
			failed = true;
			MESSAGE(r.error->what());
			CHECK(r.not_stored == 200);
			CHECK(r.stored == 0);
			CHECK(r.error->code() == std::errc::no_space_on_device);
			CHECK(r.error->message().find("200 of 200 events not stored") != std::string::npos);
			CHECK(s->next_seq() == before);
		}
	}
	REQUIRE(failed);
	CHECK(list_hour_files(fs.d.events())->size() == 1);

	// The store stays usable: after the agent notes the loss, a small batch may fit
	// later; and what is stored verifies.
	auto v = verify(fs.d.path);
	REQUIRE(v.ok());
	for (const auto &p : v->problems())
		MESSAGE(describe(p));
	CHECK(v->ok());
	s = Store::open(o).value();
	CHECK(s->next_seq() > 1);
}
