// SPDX-License-Identifier: Apache-2.0
// The filter options' parsers: types, ports, pids, users, globs, exec ids, and
// addresses and networks (v4, v6, v4-mapped), each refusal with its reason.
#include <doctest/doctest.h>

#include "query/filter_parse.h"

using namespace linesman;
using namespace linesman::query;

TEST_CASE("query filter: types, repeated and comma lists")
{
	auto t = parse_types({"exec,connect", "tcp_summary", "exec"});
	REQUIRE(t.ok());
	CHECK(*t == std::vector<EventType>{EventType::Exec, EventType::Connect, EventType::TcpSummary});
	for (const char *name : {"exec", "exit", "connect", "accept", "listen", "close", "socket",
				 "udp", "tcp_summary", "file", "loss", "agent", "rollup"})
		CHECK_MESSAGE(parse_types({name}).ok(), name);
	auto bad = parse_types({"exec,Exec"});
	REQUIRE(!bad.ok());
	CHECK(bad.error().what().starts_with("\"Exec\" is not an event type (one of: exec, exit,"));
	CHECK(!parse_types({"exec,"}).ok());
	CHECK(!parse_types({""}).ok());
}

TEST_CASE("query filter: ports and pids")
{
	CHECK(parse_port("0").value() == 0);
	CHECK(parse_port("22").value() == 22);
	CHECK(parse_port("65535").value() == 65535);
	for (const char *bad : {"65536", "-1", "+22", "22 ", " 22", "0x16", "22; DROP TABLE events", "", "99999999999999999999999"})
		CHECK_MESSAGE(!parse_port(bad).ok(), bad);
	CHECK(parse_port("70000").error().what() == "\"70000\" is not a port (0 to 65535)");
	CHECK(parse_pid("4242").value() == 4242);
	CHECK(parse_pid("4294967295").value() == 4294967295u);
	CHECK(!parse_pid("0").ok());
	CHECK(!parse_pid("4294967296").ok());
	CHECK(!parse_pid("12ab").ok());
}

TEST_CASE("query filter: addresses and networks")
{
	auto host = parse_cidr("10.0.0.2");
	REQUIRE(host.ok());
	CHECK(host->single());
	CHECK(host->text == "10.0.0.2");

	auto v4 = parse_cidr("10.0.0.0/8");
	REQUIRE(v4.ok());
	CHECK(!v4->single());
	CHECK(v4->contains("10.255.1.2"));
	CHECK(!v4->contains("11.0.0.1"));
	CHECK(!v4->contains(""));
	CHECK(!v4->contains("2001:db8::1"));

	auto slip = parse_cidr("192.0.2.77/24"); // host bits set: cleared, as ip(8) does
	REQUIRE(slip.ok());
	CHECK(slip->text == "192.0.2.0");
	CHECK(slip->contains("192.0.2.7"));
	CHECK(!slip->contains("192.0.3.7"));

	auto odd = parse_cidr("198.51.100.0/25");
	REQUIRE(odd.ok());
	CHECK(odd->contains("198.51.100.127"));
	CHECK(!odd->contains("198.51.100.128"));

	auto v6 = parse_cidr("2001:db8::/32");
	REQUIRE(v6.ok());
	CHECK(v6->contains("2001:db8:1::7"));
	CHECK(!v6->contains("2001:db9::7"));
	CHECK(!v6->contains("10.0.0.1"));

	auto v6host = parse_cidr("2001:DB8:0:0::1"); // the store's spelling is inet_ntop's
	REQUIRE(v6host.ok());
	CHECK(v6host->single());
	CHECK(v6host->text == "2001:db8::1");

	auto mapped = parse_cidr("::ffff:10.0.0.1"); // stored as IPv4
	REQUIRE(mapped.ok());
	CHECK(mapped->text == "10.0.0.1");
	auto mapped_net = parse_cidr("::ffff:10.0.0.0/104");
	REQUIRE(mapped_net.ok());
	CHECK(mapped_net->contains("10.1.2.3"));

	auto all = parse_cidr("0.0.0.0/0");
	REQUIRE(all.ok());
	CHECK(all->contains("203.0.113.9"));

	for (const char *bad : {"", "10.0.0.0/33", "2001:db8::/129", "10.0.0.0/", "10.0.0.0/-1",
				"10.0.0", "10.0.0.256", "/8", "example.com", "10.0.0.0/8/8",
				"10.0.0.1' OR 1=1 --", "2001:db8:::1"})
		CHECK_MESSAGE(!parse_cidr(bad).ok(), bad);
	CHECK(parse_cidr("10.0.0.0/33").error().what() ==
	      "\"10.0.0.0/33\" is not an address or network (the prefix length must be 0 to 32; "
	      "e.g. 10.0.0.2, 10.0.0.0/8, 2001:db8::/32)");
}

TEST_CASE("query filter: users, globs, exec ids")
{
	auto name = parse_user("alice");
	REQUIRE(name.ok());
	CHECK(name->name == "alice");
	CHECK(!name->uid);
	auto uid = parse_user("1000");
	REQUIRE(uid.ok());
	CHECK(uid->uid == 1000u);
	CHECK(uid->name.empty());
	CHECK(parse_user("host$").ok());
	for (const char *bad : {"", "-x", "a b", "x' OR 1=1 --", "\" OR \"\"=\"", "a$b",
				"averyveryveryveryveryverylongname1"})
		CHECK_MESSAGE(!parse_user(bad).ok(), bad);

	CHECK(parse_glob("/etc/*").value() == "/etc/*");
	CHECK(parse_glob("/etc/[ab]*.conf").value() == "/etc/[ab]*.conf");
	CHECK(parse_glob("[]]").value() == "[]]");
	CHECK(parse_glob("").error().what() == "an empty pattern matches nothing; use '*' for any");
	CHECK(parse_glob("/etc/[ab").error().what() == "\"/etc/[ab\" has an unclosed '['");
	CHECK(!parse_glob("/etc/\nx").ok());

	CHECK(parse_exec_id("ZXhlYy0102").value() == "ZXhlYy0102");
	CHECK(!parse_exec_id("x' OR '1'='1").ok());
	CHECK(!parse_exec_id("").ok());
}

TEST_CASE("query filter: post-filter on decoded events")
{
	Event net;
	net.type = EventType::Connect;
	NetDetails n;
	n.local_addr = "10.0.0.1";
	n.remote_addr = "198.51.100.9";
	net.details = n;
	net.process.uid = 1000;

	PostFilter none;
	CHECK(!none.active());
	CHECK(none.matches(net));

	PostFilter by_net{.network = parse_cidr("198.51.100.0/24").value(), .uid = std::nullopt};
	CHECK(by_net.matches(net));
	by_net.network = parse_cidr("192.0.2.0/24").value();
	CHECK(!by_net.matches(net));

	Event exec;
	exec.type = EventType::Exec;
	exec.details = ExecDetails{};
	CHECK(!PostFilter{.network = parse_cidr("0.0.0.0/0").value(), .uid = std::nullopt}.matches(exec));

	PostFilter by_uid{.network = std::nullopt, .uid = 1000};
	CHECK(by_uid.matches(net));
	by_uid.uid = 0;
	CHECK(!by_uid.matches(net));
}

TEST_CASE("query filter: container ids, prefixes, LXC names, host")
{
	const std::string id = "3f4e9a0c5b1d2e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7";
	auto full = parse_container(id);
	REQUIRE(full.ok());
	CHECK(full->prefix == id);
	CHECK_FALSE(full->host);
	CHECK(parse_container("3").value().prefix == "3");
	CHECK(parse_container("3f4e9a0c5b1d").value().prefix == "3f4e9a0c5b1d");
	CHECK(parse_container("3F4E9A").value().prefix == "3f4e9a"); // ids are lower case
	CHECK(parse_container("web1").value().prefix == "web1");     // an LXC name keeps its case
	CHECK(parse_container("Msc_b07.lab-2").value().prefix == "Msc_b07.lab-2");
	auto host = parse_container("host");
	REQUIRE(host.ok());
	CHECK(host->host);
	CHECK(host->prefix == "");

	const std::string kind = " is not a container id or name (hex digits of a docker, containerd, "
				 "CRI-O or podman id, or of its start, as docker ps shows them; an LXC "
				 "container name; or host)";
	CHECK(parse_container("").error().what() == "\"\"" + kind);
	CHECK(parse_container("3f4e*").error().what() == "\"3f4e*\"" + kind);
	CHECK(parse_container("a b").error().what() == "\"a b\"" + kind);
	CHECK(parse_container("/docker/3f4e").error().what() == "\"/docker/3f4e\"" + kind);
	CHECK(parse_container("x' OR '1'='1").error().what() == "\"x' OR '1'='1\"" + kind);
	CHECK(parse_container(id + "0").error().what() ==
	      "\"" + id + "0\" is longer than a container id (64 hex digits)");
	CHECK(parse_container("docker-" + id + ".scope").error().what() ==
	      "\"docker-" + id + ".scope\" is a cgroup name; give the container id: " + id);
	CHECK(parse_container("cri-containerd-3f4e9a").error().what() ==
	      "\"cri-containerd-3f4e9a\" is a cgroup name; give the container id: 3f4e9a");
	CHECK(!parse_container("web\n1").ok());
}
