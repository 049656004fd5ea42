// SPDX-License-Identifier: Apache-2.0
// Reader::count and Reader::exec_children, the SQL paths of `linesman stats` and
// `linesman tree`, against the same answers computed from every decoded event.
#include <doctest/doctest.h>

#include <optional>

#include "store/reader.h"
#include "store/store.h"
#include "store/wire.h"
#include "store_test_util.h"

using namespace linesman;
using namespace store_test;

namespace {

constexpr uint64_t kMs = 1'000'000;
constexpr uint64_t kHourNs = 3600ull * 1'000'000'000ull;

// What stats counted before it had SQL: a loop over every event.
store::Counts count_by_decoding(store::Reader &r, const store::Window &w)
{
	store::Filter f;
	f.since_ns = w.since_ns;
	f.until_ns = w.until_ns;
	auto evs = r.query(f);
	REQUIRE(evs.ok());
	store::Counts c;
	for (const Event &ev : *evs) {
		++c.total;
		++c.per_hour[ev.time_ns / kHourNs][ev.type];
		if (ev.type == EventType::Exec)
			++c.exes[ev.process.exe];
		if (ev.type == EventType::Connect || ev.type == EventType::Accept)
			++c.remote_addrs[std::get<NetDetails>(ev.details).remote_addr];
		if (const auto *d = std::get_if<FileDetails>(&ev.details))
			++c.files[d->new_path.empty() ? d->path : d->new_path];
	}
	return c;
}

Event file_op(uint64_t seq, uint64_t t, const std::string &op, const std::string &path,
	      const std::string &new_path = "", const std::string &target = "")
{
	Event ev = file_event(seq, t, path, new_path);
	auto &d = std::get<FileDetails>(ev.details);
	d.op = op;
	d.target = target;
	return ev;
}

} // namespace

TEST_CASE("store count: SQL aggregates equal the decoded events', for any window")
{
	TempDir d;
	store::StoreOptions o;
	o.state_dir = d.path;
	auto s = store::Store::open(o);
	REQUIRE(s.ok());
	Event no_exe = exec_event(5, hour_ns(0, 50 * kMs), 104, "");
	std::vector<Event> hour0{
	    exec_event(1, hour_ns(0, 10 * kMs), 100, "/usr/bin/ls"),
	    exec_event(2, hour_ns(0, 20 * kMs), 101, "/usr/bin/ls"),
	    exec_event(3, hour_ns(0, 30 * kMs), 102, "/usr/sbin/sshd"),
	    net_event(4, hour_ns(0, 40 * kMs), EventType::Connect, 43122, 443, "198.51.100.9"),
	    no_exe,
	    net_event(6, hour_ns(0, 60 * kMs), EventType::Accept, 22, 52144, "192.0.2.7"),
	    net_event(7, hour_ns(0, 70 * kMs), EventType::Listen, 57722, 0, ""),
	    net_event(8, hour_ns(0, 80 * kMs), EventType::Close, 43122, 443, "198.51.100.77"),
	    file_op(9, hour_ns(0, 90 * kMs), "write", "/etc/hosts"),
	    file_op(10, hour_ns(0, 100 * kMs), "rename", "/etc/hosts.tmp", "/etc/hosts"),
	    file_op(11, hour_ns(0, 110 * kMs), "symlink", "/etc/switch/active", "", "/etc/switch/v2"),
	    file_op(12, hour_ns(0, 120 * kMs), "link", "/etc/hosts.bak", "", "/etc/hosts"),
	    file_op(13, hour_ns(0, 130 * kMs), "rename", "/etc/same", "/etc/same"),
	    file_op(14, hour_ns(0, 140 * kMs), "write", ""), // no key at all
	    net_event(15, hour_ns(0, 150 * kMs), EventType::Connect, 43123, 443, ""),
	};
	REQUIRE(s->append(hour0).ok());
	// Hour 1, then a late event from hour 0: it lands in hour 1's file, so that file's
	// events span two hours.
	std::vector<Event> hour1{
	    net_event(16, hour_ns(1, 10 * kMs), EventType::Connect, 43124, 443, "198.51.100.9"),
	    file_op(17, hour_ns(1, 20 * kMs), "rename", "/etc/a", "/etc/b"),
	    exec_event(18, hour_ns(0, 3000 * kMs), 103, "/usr/bin/ls"),
	    file_op(19, hour_ns(0, 3001 * kMs), "write", "/etc/hosts"),
	};
	REQUIRE(s->append(hour1).ok());

	auto r = store::Reader::open(d.path);
	REQUIRE(r.ok());
	REQUIRE(r->files().size() == 2);
	using W = store::Window;
	for (const W &w : {W{}, W{hour_ns(0, 45 * kMs), {}}, W{{}, hour_ns(0, 115 * kMs)},
			   W{hour_ns(0, 100 * kMs), hour_ns(0, 131 * kMs)}, W{hour_ns(0, 2000 * kMs), {}},
			   W{hour_ns(0, 2000 * kMs), hour_ns(1)}, W{hour_ns(1), {}}, W{hour_ns(2), {}},
			   W{{}, hour_ns(0)}}) {
		CAPTURE(w.since_ns.value_or(0));
		CAPTURE(w.until_ns.value_or(0));
		auto got = r->count(w);
		REQUIRE(got.ok());
		store::Counts want = count_by_decoding(*r, w);
		CHECK(got->total == want.total);
		CHECK(got->per_hour == want.per_hour);
		CHECK(got->exes == want.exes);
		CHECK(got->remote_addrs == want.remote_addrs);
		CHECK(got->files == want.files);
	}
	// The renamed-away, linked-from and symlink-target names are not "changed files".
	auto all = r->count({});
	REQUIRE(all.ok());
	CHECK(all->files == std::map<std::string, uint64_t>{{"", 1},
							    {"/etc/b", 1},
							    {"/etc/hosts", 3},
							    {"/etc/hosts.bak", 1},
							    {"/etc/same", 1},
							    {"/etc/switch/active", 1}});
	CHECK(all->per_hour.size() == 2);
	CHECK(all->per_hour[hour_ns(0) / kHourNs][EventType::Exec] == 5);
}

TEST_CASE("store exec_children: a process's children by parent_exec_id, in seq order")
{
	TempDir d;
	store::StoreOptions o;
	o.state_dir = d.path;
	auto s = store::Store::open(o);
	REQUIRE(s.ok());
	auto child = [](Event ev, const std::string &parent) {
		ev.process.parent_exec_id = parent;
		return ev;
	};
	Event bash = exec_event(1, hour_ns(0, 10 * kMs), 200, "/usr/bin/bash");
	Event self_parent = child(exec_event(4, hour_ns(0, 40 * kMs), 203, "/bin/sh"), "ZXhlYy0203");
	std::vector<Event> b{bash,
			     child(exec_event(2, hour_ns(0, 20 * kMs), 201, "/usr/bin/vim"), "ZXhlYy0200"),
			     child(exec_event(3, hour_ns(0, 30 * kMs), 202, "/usr/bin/curl"), "ZXhlYy0200"),
			     self_parent,
			     child(file_event(5, hour_ns(0, 50 * kMs), "/etc/hosts"), "ZXhlYy0200"), // not an exec
			     child(exec_event(6, hour_ns(1, 10 * kMs), 204, "/usr/bin/id"), "ZXhlYy0202")};
	REQUIRE(s->append(b).ok());
	auto r = store::Reader::open(d.path);
	REQUIRE(r.ok());
	auto seqs = [&](std::set<std::string> parents, store::Window w = {}) {
		auto evs = r->exec_children(parents, w);
		REQUIRE(evs.ok());
		std::vector<uint64_t> out;
		for (const Event &ev : *evs)
			out.push_back(ev.seq);
		return out;
	};
	CHECK(seqs({"ZXhlYy0200"}) == std::vector<uint64_t>{2, 3});
	CHECK(seqs({"ZXhlYy0200", "ZXhlYy0202"}) == std::vector<uint64_t>{2, 3, 6});
	CHECK(seqs({"ZXhlYy0200"}, {hour_ns(0, 25 * kMs), {}}) == std::vector<uint64_t>{3});
	CHECK(seqs({"ZXhlYy0202"}, {{}, hour_ns(1)}).empty());
	CHECK(seqs({"ZXhlYy0203"}).empty()); // its own parent: not its child
	CHECK(seqs({""}).empty());
	auto evs = r->exec_children({"ZXhlYy0202"}, {});
	REQUIRE(evs.ok());
	REQUIRE(evs->size() == 1);
	CHECK(evs->front().process.exe == "/usr/bin/id");
	CHECK(evs->front().process.argv == b[5].process.argv);
}

TEST_CASE("wire_field: one field of a serialised message")
{
	linesman::v1::Event msg;
	msg.set_seq(7);
	msg.set_host("sw-core-01");
	msg.mutable_net()->set_remote_addr("192.0.2.7");
	msg.mutable_net()->set_local_port(22);
	std::string bytes = msg.SerializeAsString();
	auto net = store::wire_field(bytes, linesman::v1::Event::kNetFieldNumber);
	REQUIRE(net);
	CHECK(store::wire_field(*net, linesman::v1::NetDetails::kRemoteAddrFieldNumber) == "192.0.2.7");
	CHECK(store::wire_field(*net, linesman::v1::NetDetails::kLocalAddrFieldNumber) == "");
	CHECK(store::wire_field(bytes, linesman::v1::Event::kHostFieldNumber) == "sw-core-01");
	CHECK(store::wire_field(bytes, linesman::v1::Event::kFileFieldNumber) == "");
	CHECK(store::wire_field("", 5) == "");
	// Cut anywhere inside its one field, a message is not well-formed.
	msg.Clear();
	msg.mutable_net()->set_remote_addr("192.0.2.7");
	bytes = msg.SerializeAsString();
	for (size_t n = 1; n < bytes.size(); ++n)
		CHECK_MESSAGE(!store::wire_field(std::string_view(bytes).substr(0, n), 4), "cut at " << n);
	CHECK_FALSE(store::wire_field("\x0b", 1)); // a group start tag: not proto3
	CHECK_FALSE(store::wire_field("\x12\x05" "ab", 2)); // length past the end
}
