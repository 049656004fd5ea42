// SPDX-License-Identifier: Apache-2.0
// Reader::query: each filter, order and limit across hour files, hostile input bound
// as data, and the indexes the queries are meant to use.
#include <doctest/doctest.h>

#include <set>

#include "store/reader.h"
#include "store/sqlite.h"
#include "store/store.h"
#include "store_test_util.h"

// Filters are written as designated initializers naming only the fields a case sets;
// every other field's default is the point.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

using namespace linesman;
using namespace linesman::store;
using namespace store_test;

namespace {

using V = std::vector<uint64_t>;

// The seqs of the events a query of the store in `dir` returns, in order.
V seqs_in(const std::string &dir, const Filter &f, size_t limit = 0, bool reverse = false)
{
	auto r = Reader::open(dir);
	REQUIRE(r.ok());
	auto evs = r->query(f, limit, reverse);
	REQUIRE_MESSAGE(evs.ok(), (evs.ok() ? "" : evs.error().what()));
	V out;
	for (const auto &e : *evs)
		out.push_back(e.seq);
	return out;
}

// Two hours: seq 1..6 in 13:00, 7..10 in 14:00.
struct Fixture {
	TempDir d;
	Fixture()
	{
		StoreOptions o;
		o.state_dir = d.path;
		auto s = Store::open(o);
		REQUIRE(s.ok());
		std::vector<Event> b{
		    exec_event(1, hour_ns(0, 10), 100, "/usr/bin/ls"),
		    exec_event(2, hour_ns(0, 20), 101, "/usr/sbin/sshd"),
		    file_event(3, hour_ns(0, 30), "/etc/ssh/sshd_config"),
		    file_event(4, hour_ns(0, 40), "/etc/hosts.tmp", "/etc/hosts"),
		    net_event(5, hour_ns(0, 50), EventType::Listen, 57722, 0, ""),
		    net_event(6, hour_ns(0, 60), EventType::Connect, 43122, 443, "198.51.100.9"),
		    exec_event(7, hour_ns(1, 10), 102, "/usr/bin/ls"),
		    net_event(8, hour_ns(1, 20), EventType::Accept, 22, 52144, "192.0.2.7"),
		    file_event(9, hour_ns(1, 30), "/var/log/x"),
		    exec_event(10, hour_ns(1, 40), 103, "/usr/bin/curl"),
		};
		REQUIRE(s->append(b).ok());
	}
	V seqs(const Filter &f, size_t limit = 0, bool reverse = false) { return seqs_in(d.path, f, limit, reverse); }
};

} // namespace

TEST_CASE("store query: every filter")
{
	Fixture fx;
	CHECK(fx.seqs({}) == V{1, 2, 3, 4, 5, 6, 7, 8, 9, 10});
	CHECK(fx.seqs({.since_ns = hour_ns(0, 40), .until_ns = hour_ns(1, 20)}) == V{4, 5, 6, 7});
	CHECK(fx.seqs({.types = {EventType::Exec}}) == V{1, 2, 7, 10});
	CHECK(fx.seqs({.types = {EventType::Listen, EventType::Accept}}) == V{5, 8});
	CHECK(fx.seqs({.pid = 101}) == V{2});
	CHECK(fx.seqs({.exec_id = "ZXhlYy0102"}) == V{7});
	CHECK(fx.seqs({.exe = "/usr/bin/ls"}) == V{1, 7});
	CHECK(fx.seqs({.exe = "*sshd"}) == V{2});
	CHECK(fx.seqs({.user = "alice"}).size() + fx.seqs({.user = "root"}).size() == 10);
	CHECK(fx.seqs({.path = "/etc/*"}) == V{3, 4});
	CHECK(fx.seqs({.path = "/etc/hosts"}) == V{4}); // rename: the new path counts
	CHECK(fx.seqs({.port = 57722}) == V{5});
	CHECK(fx.seqs({.port = 443}) == V{6});   // remote
	CHECK(fx.seqs({.port = 22}) == V{8});    // local
	CHECK(fx.seqs({.addr = "192.0.2.7"}) == V{8});
	CHECK(fx.seqs({.addr = "10.0.0.1"}) == V{5, 6, 8});
	CHECK(fx.seqs({.after_seq = 8}) == V{9, 10});
	CHECK(fx.seqs({.types = {EventType::Exec}, .exe = "/usr/bin/*", .after_seq = 1}) == V{7, 10});
	CHECK(fx.seqs({.pid = 999}).empty());
}

TEST_CASE("store query: limit and reverse across hour files")
{
	Fixture fx;
	CHECK(fx.seqs({}, 3) == V{1, 2, 3});
	CHECK(fx.seqs({}, 3, true) == V{10, 9, 8});
	CHECK(fx.seqs({}, 6, true) == V{10, 9, 8, 7, 6, 5});
	CHECK(fx.seqs({.types = {EventType::Exec}}, 3, true) == V{10, 7, 2});
}

TEST_CASE("store query: hostile filter text is data, not SQL")
{
	Fixture fx;
	CHECK(fx.seqs({.exe = "x' OR 1=1 --"}).empty());
	CHECK(fx.seqs({.path = "*'); DROP TABLE events; --"}).empty());
	CHECK(fx.seqs({.user = "\" OR \"\"=\""}).empty());
	CHECK(fx.seqs({}).size() == 10);
}

TEST_CASE("store query: selective filters use an index")
{
	Fixture fx;
	auto r = Reader::open(fx.d.path);
	REQUIRE(r.ok());
	auto plan = [&](const Filter &f, size_t limit = 0) {
		auto p = r->explain(f, limit);
		REQUIRE(p.ok());
		MESSAGE(*p);
		return *p;
	};
	auto uses = [](const std::string &plan, const char *what) { return plan.find(what) != std::string::npos; };
	std::string p = plan({.exe = "/usr/bin/ls"});
	CHECK(uses(p, "actors_exe"));
	CHECK(uses(p, "events_actor (bucket=? AND actor_id=?)"));
	p = plan({.pid = 5});
	CHECK(uses(p, "actors_pid"));
	CHECK(uses(p, "events_actor (bucket=? AND actor_id=?)"));
	CHECK(uses(plan({.since_ns = 5, .until_ns = 10}), "events_time"));
	CHECK(uses(plan({.port = 22}), "event_ports USING PRIMARY KEY (bucket=? AND port=?)"));
	p = plan({.addr = "192.0.2.7"});
	CHECK(uses(p, "event_keys USING PRIMARY KEY (bucket=? AND key=?)"));
	p = plan({.path = "/etc/*"});
	CHECK(uses(p, "event_keys USING PRIMARY KEY (bucket=? AND key=?)"));
	CHECK(!uses(p, "SCAN e")); // no scan of events or event_keys
	CHECK(!uses(p, "SCAN strings"));
	p = plan({.container = "3f4"});
	CHECK(uses(p, "actors_container"));
	CHECK(!uses(p, "SCAN strings"));
	CHECK(!uses(p, "SCAN e"));
	// With a process filter the type is checked on its events, not walked by its index.
	p = plan({.types = {EventType::File, EventType::Connect}, .pid = 5});
	CHECK(uses(p, "events_actor (bucket=? AND actor_id=?)"));
	CHECK(!uses(p, "events_type"));
	CHECK(uses(plan({.types = {EventType::File}}), "events_type"));
	// Unfiltered, newest first: the primary key backwards, no sort.
	p = plan({}, 100);
	CHECK(!uses(p, "TEMP B-TREE"));
}

TEST_CASE("store query: a limited process filter gives the same events by index and by walking")
{
	// 400 events of 20 processes: --pid matches 20 (through events_actor), --exe
	// /usr/bin/cat matches 200, past sqrt(400 * limit) for the limits below, so the
	// reader walks events in seq order instead. Either way: the first `limit` matches.
	TempDir d;
	StoreOptions o;
	o.state_dir = d.path;
	auto s = Store::open(o);
	REQUIRE(s.ok());
	std::vector<Event> b;
	for (uint64_t n = 1; n <= 400; ++n)
		b.push_back(exec_event(n, hour_ns(0, n), uint32_t(300 + n % 20), n % 2 ? "/usr/bin/cat" : "/usr/bin/ls"));
	REQUIRE(s->append(b).ok());
	auto seqs = [&](const Filter &f, size_t limit, bool reverse) { return seqs_in(d.path, f, limit, reverse); };
	for (Filter f : {Filter{.pid = 307}, Filter{.exe = "/usr/bin/cat"}, Filter{.exe = "/usr/bin/*", .user = "root"}}) {
		for (bool reverse : {false, true}) {
			V all = seqs(f, 0, reverse);
			REQUIRE(all.size() >= 10);
			for (size_t limit : {1, 3, 10, 50}) {
				V want(all.begin(), all.begin() + std::min(limit, all.size()));
				CHECK(seqs(f, limit, reverse) == want);
			}
		}
	}
	CHECK(seqs({.exe = "/usr/bin/cat"}, 3, false) == V{1, 3, 5});
	CHECK(seqs({.pid = 307}, 3, true) == V{387, 367, 347});
}

TEST_CASE("store query: --port finds events in every bucket of a file")
{
	// Seqs 1..3, then (after declared losses) 40000.. and 90000..: buckets 0, 2 and 5
	// of event_ports in one hour file.
	TempDir d;
	StoreOptions o;
	o.state_dir = d.path;
	auto s = Store::open(o);
	REQUIRE(s.ok());
	for (uint64_t first : {1, 40000, 90000}) {
		std::vector<Event> b;
		for (uint64_t n = first; n < first + 3; ++n)
			b.push_back(net_event(n, hour_ns(0, n), EventType::Connect, uint32_t(40000 + n % 3), 5060, "10.1.1.1"));
		REQUIRE(s->append(b, first == 1 ? Continuity::Contiguous : Continuity::AfterLoss).ok());
	}
	auto seqs = [&](uint32_t port, size_t limit = 0, bool reverse = false) {
		return seqs_in(d.path, {.port = port}, limit, reverse);
	};
	CHECK(seqs(5060) == V{1, 2, 3, 40000, 40001, 40002, 90000, 90001, 90002});
	CHECK(seqs(40001) == V{1, 40000, 90001});
	CHECK(seqs(40001, 2, true) == V{90001, 40000});
	CHECK(seqs(5061).empty());
}

TEST_CASE("store query: container id prefixes and host processes")
{
	const std::string a = "3f4e9a0c5b1d2e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7";
	const std::string b = "3f4f000000000000000000000000000000000000000000000000000000000000";
	TempDir d;
	{
		StoreOptions o;
		o.state_dir = d.path;
		auto s = Store::open(o);
		REQUIRE(s.ok());
		std::vector<Event> evs{
		    exec_event(1, hour_ns(0, 10), 100, "/usr/bin/ls"),
		    exec_event(2, hour_ns(0, 20), 101, "/usr/sbin/nginx"),
		    net_event(3, hour_ns(0, 30), EventType::Connect, 40000, 443, "198.51.100.9"),
		    exec_event(4, hour_ns(0, 40), 102, "/usr/bin/redis-server"),
		    exec_event(5, hour_ns(0, 50), 103, a), // the same string as an exe: not a container
		    file_event(6, hour_ns(1, 10), "/etc/passwd"),
		};
		evs[1].process.container_id = a;
		evs[2].process.container_id = a;
		evs[3].process.container_id = b;
		evs[5].process.container_id = "web1";
		REQUIRE(s->append(evs).ok());
	}
	auto seqs = [&](const Filter &f) { return seqs_in(d.path, f); };
	CHECK(seqs({.container = a}) == V{2, 3});
	CHECK(seqs({.container = "3f4e"}) == V{2, 3});
	CHECK(seqs({.container = "3f4"}) == V{2, 3, 4});
	CHECK(seqs({.container = "3"}) == V{2, 3, 4});
	CHECK(seqs({.container = "web"}) == V{6});
	CHECK(seqs({.container = "4"}).empty());
	CHECK(seqs({.container = "\xff"}).empty()); // no upper bound: still a prefix
	CHECK(seqs({.host_only = true}) == V{1, 5});
	CHECK(seqs({.types = {EventType::Exec}, .container = "3f4"}) == V{2, 4});

}
