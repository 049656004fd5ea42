// SPDX-License-Identifier: Apache-2.0
// `linesman query | verify | sql` through run_cli against a fixture store: every
// filter, every output format, the exit codes, and the messages for bad input.
#include <doctest/doctest.h>

#include <sstream>

#include "output/format.h"
#include "query/cli.h"
#include "store/store.h"
#include "store_test_util.h"
#include "query_test_util.h"

using namespace linesman;
using namespace linesman::query;
using namespace store_test;

namespace {

constexpr uint64_t kMs = 1'000'000;

CliContext tty_ctx()
{
	CliContext c;
	c.out_is_tty = true;
	return c;
}

Event v6_connect(uint64_t seq, uint64_t time_ns)
{
	Event ev = net_event(seq, time_ns, EventType::Connect, 50000, 443, "2001:db8::443");
	auto &n = std::get<NetDetails>(ev.details);
	n.family = "inet6";
	n.local_addr = "2001:db8::1";
	return ev;
}

// Two hours: seq 1..6 at 13:00 UTC, 7..10 at 14:00.
struct Fixture {
	TempDir d;
	query_test::Tz tz{"UTC0"};
	Fixture()
	{
		store::StoreOptions o;
		o.state_dir = d.path;
		auto s = store::Store::open(o);
		REQUIRE(s.ok());
		std::vector<Event> b{
		    exec_event(1, hour_ns(0, 10 * kMs), 100, "/usr/bin/ls"),
		    exec_event(2, hour_ns(0, 20 * kMs), 101, "/usr/sbin/sshd"),
		    file_event(3, hour_ns(0, 30 * kMs), "/etc/ssh/sshd_config"),
		    file_event(4, hour_ns(0, 40 * kMs), "/etc/hosts.tmp", "/etc/hosts"),
		    net_event(5, hour_ns(0, 50 * kMs), EventType::Listen, 57722, 0, ""),
		    net_event(6, hour_ns(0, 60 * kMs), EventType::Connect, 43122, 443, "198.51.100.9"),
		    exec_event(7, hour_ns(1, 10 * kMs), 102, "/usr/bin/ls"),
		    net_event(8, hour_ns(1, 20 * kMs), EventType::Accept, 22, 52144, "192.0.2.7"),
		    v6_connect(9, hour_ns(1, 30 * kMs)),
		    exec_event(10, hour_ns(1, 40 * kMs), 103, "/usr/bin/curl"),
		};
		REQUIRE(s->append(b).ok());
	}
	struct Run {
		int rc;
		std::string out, err;
	};
	Run run(std::vector<std::string> args, CliContext ctx = {})
	{
		if (!args.empty() && args[0] != "config")
			args.insert(args.end(), {"-D", d.path});
		if (!ctx.now_ns)
			ctx.now_ns = hour_ns(1, 59ull * 60 * 1'000'000'000); // 14:59 UTC
		std::ostringstream out, err;
		int rc = run_cli(args, out, err, ctx);
		return {rc, out.str(), err.str()};
	}
	// The seqs a query printed, from its jsonl.
	std::string seqs(std::vector<std::string> args)
	{
		args.insert(args.end(), {"-o", "jsonl"});
		Run r = run(args);
		std::string s;
		std::istringstream in(r.out);
		for (std::string line; std::getline(in, line);) {
			auto at = line.find("\"seq\":");
			REQUIRE(at != std::string::npos);
			s += (s.empty() ? "" : " ") + line.substr(at + 6, line.find(',', at) - at - 6);
		}
		CHECK_MESSAGE(r.rc == (s.empty() ? 1 : 0), r.err);
		return s;
	}
};

} // namespace

TEST_CASE("query cli: every filter")
{
	Fixture fx;
	CHECK(fx.seqs({"query"}) == "1 2 3 4 5 6 7 8 9 10");
	CHECK(fx.seqs({"query", "-S", "2026-11-26 14:00"}) == "7 8 9 10");
	CHECK(fx.seqs({"query", "--until", "2026-11-26 14:00"}) == "1 2 3 4 5 6");
	CHECK(fx.seqs({"query", "-S", "2026-11-26T13:00:00Z", "-U", "2026-11-26T13:00:00.045Z"}) ==
	      "1 2 3 4");
	CHECK(fx.seqs({"query", "-S", "-1h"}) == "7 8 9 10"); // now: 14:59
	CHECK(fx.seqs({"query", "-S", "today", "-U", "now"}) == "1 2 3 4 5 6 7 8 9 10");
	CHECK(fx.seqs({"query", "-S", "yesterday", "-U", "today"}) == "");
	CHECK(fx.seqs({"query", "-n", "3"}) == "8 9 10");
	CHECK(fx.seqs({"query", "-n", "3", "-r"}) == "10 9 8");
	CHECK(fx.seqs({"query", "-r"}) == "10 9 8 7 6 5 4 3 2 1");
	CHECK(fx.seqs({"query", "--type", "exec"}) == "1 2 7 10");
	CHECK(fx.seqs({"query", "--type", "listen,accept"}) == "5 8");
	CHECK(fx.seqs({"query", "--type", "listen", "--type", "accept"}) == "5 8");
	CHECK(fx.seqs({"query", "-p", "101"}) == "2");
	CHECK(fx.seqs({"query", "--pid", "999"}) == "");
	CHECK(fx.seqs({"query", "--exec-id", "ZXhlYy0102"}) == "7");
	CHECK(fx.seqs({"query", "-x", "ls"}) == "1 7"); // no '/': the file name
	CHECK(fx.seqs({"query", "-x", "/usr/sbin/*"}) == "2");
	CHECK(fx.seqs({"query", "--exe", "cur?"}) == "5 6 8 9 10");
	CHECK(fx.seqs({"query", "-u", "alice"}) == "3 4 7");
	CHECK(fx.seqs({"query", "-u", "1000"}) == "3 4 7");
	CHECK(fx.seqs({"query", "--user", "0"}) == "1 2 5 6 8 9 10");
	CHECK(fx.seqs({"query", "-u", "root"}) == "1 2 5 6 8 9 10");
	CHECK(fx.seqs({"query", "-u", "1000", "-n", "1"}) == "7");
	CHECK(fx.seqs({"query", "--path", "/etc/*"}) == "3 4");
	CHECK(fx.seqs({"query", "--path", "/etc/hosts"}) == "4"); // a rename's new path
	CHECK(fx.seqs({"query", "--port", "57722"}) == "5");
	CHECK(fx.seqs({"query", "--port", "443"}) == "6 9");
	CHECK(fx.seqs({"query", "--port", "22"}) == "8");
	CHECK(fx.seqs({"query", "--addr", "192.0.2.7"}) == "8");
	CHECK(fx.seqs({"query", "--addr", "10.0.0.1"}) == "5 6 8");
	CHECK(fx.seqs({"query", "--addr", "10.0.0.0/8"}) == "5 6 8");
	CHECK(fx.seqs({"query", "--addr", "10.0.0.0/8", "-n", "2"}) == "6 8");
	CHECK(fx.seqs({"query", "--addr", "10.0.0.0/8", "-n", "2", "-r"}) == "8 6");
	CHECK(fx.seqs({"query", "--addr", "198.51.100.0/24"}) == "6");
	CHECK(fx.seqs({"query", "--addr", "2001:db8::/32"}) == "9");
	CHECK(fx.seqs({"query", "--addr", "2001:DB8::443"}) == "9");
	CHECK(fx.seqs({"query", "--addr", "203.0.113.0/24"}) == "");
	CHECK(fx.seqs({"query", "--type", "exec", "-x", "/usr/bin/*"}) == "1 7 10");
	CHECK(fx.seqs({"query", "--type", "exec", "-u", "alice", "-S", "-1h"}) == "7");
}

TEST_CASE("query cli: output formats")
{
	Fixture fx;
	auto r = fx.run({"query"});
	CHECK(r.rc == 0);
	CHECK(r.err == "");
	CHECK(r.out ==
	      "2026-11-26 13:00:00.010 exec    ls[100]: /usr/bin/ls --config /etc/ls/main.conf -v\n"
	      "2026-11-26 13:00:00.020 exec    sshd[101]: /usr/sbin/sshd --config /etc/sshd/main.conf -v\n"
	      "2026-11-26 13:00:00.030 file    vim.basic[5151]: write /etc/ssh/sshd_config\n"
	      "2026-11-26 13:00:00.040 file    vim.basic[5151]: rename /etc/hosts.tmp → /etc/hosts\n"
	      "2026-11-26 13:00:00.050 listen  curl[6161]: 10.0.0.1:57722 tcp established\n"
	      "2026-11-26 13:00:00.060 connect curl[6161]: 10.0.0.1:43122 -> 198.51.100.9:443 tcp established\n"
	      "2026-11-26 14:00:00.010 exec    ls[102]: /usr/bin/ls --config /etc/ls/main.conf -v\n"
	      "2026-11-26 14:00:00.020 accept  curl[6161]: 10.0.0.1:22 <- 192.0.2.7:52144 tcp established\n"
	      "2026-11-26 14:00:00.030 connect curl[6161]: [2001:db8::1]:50000 -> [2001:db8::443]:443 tcp established\n"
	      "2026-11-26 14:00:00.040 exec    curl[103]: /usr/bin/curl --config /etc/curl/main.conf -v\n");

	r = fx.run({"query", "-o", "compact", "-n", "2"});
	CHECK(r.rc == 0);
	CHECK(r.out ==
	      "14:00:00.030 connect pid=6161 root(0) /usr/bin/curl [2001:db8::1]:50000 -> "
	      "[2001:db8::443]:443 tcp established netns=4026531840 conn=9f3c2a7b01d4e6f8\n"
	      "14:00:00.040 exec    pid=103 ppid=1005 root(0) /usr/bin/curl --config "
	      "/etc/curl/main.conf -v  cwd=/root  parent=/usr/bin/bash  ssh=alice@192.0.2.7:52144\n");

	// JSON is linesmand's rendering (output/json.cpp), so compared with it.
	Event e2 = exec_event(2, hour_ns(0, 20 * kMs), 101, "/usr/sbin/sshd");
	Event e7 = exec_event(7, hour_ns(1, 10 * kMs), 102, "/usr/bin/ls");
	r = fx.run({"query", "-o", "jsonl", "-p", "101"});
	CHECK(r.out == output::format_json(e2) + "\n");
	r = fx.run({"query", "-o", "json", "--type", "exec", "-x", "*/ls", "-S", "14:00"});
	CHECK(r.rc == 0);
	CHECK(r.out == "[\n" + output::format_json(e7) + "\n]\n");
	r = fx.run({"query", "-o", "json", "-p", "101,102"});
	CHECK(r.rc == 2);
	r = fx.run({"query", "-o", "json", "-x", "*s*d"});
	CHECK(r.out == "[\n" + output::format_json(e2) + "\n]\n");
	r = fx.run({"query", "-o", "json", "--exec-id", "ZXhlYy0102", "-o", "json"});
	CHECK(r.out == "[\n" + output::format_json(e7) + "\n]\n");

	r = fx.run({"query", "-o", "json-pretty", "-p", "101"});
	CHECK(r.rc == 0);
	std::string pretty = "  ";
	for (char c : output::format_json(e2, true))
		pretty += c == '\n' ? std::string("\n  ") : std::string(1, c);
	CHECK(r.out == "[\n" + pretty + "\n]\n");
	CHECK(r.out.starts_with("[\n  {\n    \"schemaVersion\": 1,\n    \"seq\": 2,\n"));

	// Nothing matched: exit 1; JSON is still one valid document.
	r = fx.run({"query", "-o", "json", "-p", "999"});
	CHECK(r.rc == 1);
	CHECK(r.out == "[]\n");
	CHECK(r.err == "linesman: no events match\n");
	r = fx.run({"query", "-p", "999"});
	CHECK(r.rc == 1);
	CHECK(r.out == "");
}

TEST_CASE("query cli: colours only on a terminal")
{
	Fixture fx;
	auto tty = fx.run({"query", "-p", "100"}, tty_ctx());
	CHECK(tty.out == "2026-11-26 13:00:00.010 \x1b[32mexec\x1b[0m    ls[100]: /usr/bin/ls "
			 "--config /etc/ls/main.conf -v\n");
	auto plain = fx.run({"query", "-p", "100", "--no-color"}, tty_ctx());
	CHECK(plain.out.find('\x1b') == std::string::npos);
	auto pipe = fx.run({"query", "-p", "100", "-o", "compact"});
	CHECK(pipe.out.find('\x1b') == std::string::npos);
	auto json = fx.run({"query", "-p", "100", "-o", "json"}, tty_ctx());
	CHECK(json.out.find('\x1b') == std::string::npos);
}

TEST_CASE("query cli: bad input is exit 2 with the option and the value named")
{
	Fixture fx;
	auto bad = [&](std::vector<std::string> args, const std::string &message) {
		auto r = fx.run(args);
		CHECK_MESSAGE(r.rc == 2, args[1]);
		CHECK(r.out == "");
		CHECK(r.err == "linesman: " + message + "\n");
	};
	bad({"query", "--bogus"},
	    "The following argument was not expected: --bogus\nRun 'linesman --help' for usage.");
	bad({"query", "-S", "yesterdayx"},
	    "--since: \"yesterdayx\" is not a time: expected \"YYYY-MM-DD [HH:MM[:SS]]\", ISO 8601 "
	    "(\"2026-11-26T13:00:00Z\"), \"HH:MM[:SS]\", now, today, yesterday, tomorrow, or an "
	    "offset like -15m, -2h, -1d, -30s");
	bad({"query", "-U", "2026-02-30"},
	    "--until: \"2026-02-30\" is not a time: expected \"YYYY-MM-DD [HH:MM[:SS]]\", ISO 8601 "
	    "(\"2026-11-26T13:00:00Z\"), \"HH:MM[:SS]\", now, today, yesterday, tomorrow, or an "
	    "offset like -15m, -2h, -1d, -30s");
	bad({"query", "-S", "now", "-U", "-1h"}, "--since \"now\" is not before --until \"-1h\"");
	bad({"query", "--addr", "10.0.0.0/33"},
	    "--addr: \"10.0.0.0/33\" is not an address or network (the prefix length must be 0 to "
	    "32; e.g. 10.0.0.2, 10.0.0.0/8, 2001:db8::/32)");
	bad({"query", "--addr", "10.0.0.1' OR 1=1 --"},
	    "--addr: \"10.0.0.1' OR 1=1 --\" is not an address or network (unparseable address; "
	    "e.g. 10.0.0.2, 10.0.0.0/8, 2001:db8::/32)");
	bad({"query", "--port", "70000"}, "--port: \"70000\" is not a port (0 to 65535)");
	bad({"query", "--port", "22 OR 1=1"}, "--port: \"22 OR 1=1\" is not a port (0 to 65535)");
	bad({"query", "--type", "exec,bogus"},
	    "--type: \"bogus\" is not an event type (one of: exec, exit, connect, accept, listen, "
	    "close, socket, udp, tcp_summary, file, loss, agent, rollup)");
	bad({"query", "-p", "abc"}, "--pid: \"abc\" is not a process id (1 to 4294967295)");
	bad({"query", "-u", "x' OR '1'='1"}, "--user: \"x' OR '1'='1\" is not a user name or uid");
	bad({"query", "--exec-id", "a b"},
	    "--exec-id: \"a b\" is not an exec id (base64, as events show it)");
	bad({"query", "--path", "/etc/[ab"}, "--path: \"/etc/[ab\" has an unclosed '['");
	bad({"query", "-x", ""}, "--exe: an empty value is not allowed");
	bad({"query", "-D", "", "-n", "1"}, "--directory: an empty value is not allowed");
	bad({"query", "-n", "0"}, "-n: \"0\" is not a number of events (1 or more)");
	bad({"query", "-n", "ten"}, "-n: \"ten\" is not a number of events (1 or more)");
	bad({"query", "-o", "xml"},
	    "-o: \"xml\" is not an output format (short, compact, json, jsonl, json-pretty)");
	bad({"sql", "DELETE FROM events"}, "DELETE is refused: linesman sql is read-only");
	bad({"sql", "SELECT 1", "--file", "yesterday"},
	    "--file: \"yesterday\" is not an hour file name (e.g. 2026-11-26T13)");
	auto r = fx.run({});
	CHECK(r.rc == 2);
	CHECK(r.err.find("A subcommand is required") != std::string::npos);
}

TEST_CASE("query cli: a store that cannot be read is exit 4")
{
	Fixture fx;
	std::ostringstream out, err;
	CHECK(run_cli({"query", "-D", fx.d.path + "/nope"}, out, err) == 4);
	CHECK(err.str() == "linesman: cannot list the event store " + fx.d.path +
			       "/nope: No such file or directory\n");
	std::ostringstream out2, err2;
	CHECK(run_cli({"verify", "-D", fx.d.path + "/nope"}, out2, err2) == 4);
	// Bad input wins over a missing store: exit 2, the store is not opened.
	std::ostringstream out3, err3;
	CHECK(run_cli({"query", "--port", "x", "-D", fx.d.path + "/nope"}, out3, err3) == 2);
	std::ostringstream out4, err4;
	CHECK(run_cli({"sql", "SELECT 1", "--file", "2020-01-01T00", "-D", fx.d.path}, out4, err4) == 4);
	CHECK(err4.str().starts_with("linesman: cannot open (" + fx.d.path +
				     "/events/2020-01-01T00.db): "));
}

TEST_CASE("query cli: verify")
{
	Fixture fx;
	auto r = fx.run({"verify"});
	CHECK(r.rc == 0);
	CHECK(r.out == "2026-11-26T13.db  6 events  seq 1..6  ok\n"
		       "2026-11-26T14.db  4 events  seq 7..10  ok\n"
		       "2 files, 10 events: ok\n");
	raw_sql(fx.d.file("2026-11-26T14"), "DELETE FROM events WHERE seq = 8");
	r = fx.run({"verify"});
	CHECK(r.rc == 1);
	CHECK(r.out.starts_with("2026-11-26T13.db  6 events  seq 1..6  ok\n"
				"2026-11-26T14.db  3 events  seq 7..10  FAILED\n"
				"  2026-11-26T14.db: "));
	CHECK(r.out.find("seq 8") != std::string::npos);
	CHECK(r.out.ends_with("2 files, 9 events: 1 problem\n"));

	TempDir empty;
	std::ostringstream out, err;
	CHECK(run_cli({"verify", "-D", empty.path}, out, err) == 0);
	CHECK(out.str() == "no hour files in " + empty.path + "\n");
}

TEST_CASE("query cli: sql")
{
	Fixture fx;
	auto r = fx.run({"sql", "SELECT count(*) FROM events"});
	CHECK(r.rc == 0);
	CHECK(r.out == "hour\tcount(*)\n2026-11-26T13\t6\n2026-11-26T14\t4\n");
	r = fx.run({"sql", "SELECT seq, pid FROM events_flat WHERE type = 1", "--file", "2026-11-26T14"});
	CHECK(r.rc == 0);
	CHECK(r.out == "seq\tpid\n7\t102\n10\t103\n");
	r = fx.run({"sql", "SELECT seq FROM events_flat WHERE pid = 999", "--file", "2026-11-26T14.db"});
	CHECK(r.rc == 1);
	CHECK(r.out == "seq\n");
	r = fx.run({"sql", "PRAGMA writable_schema = 1"});
	CHECK(r.rc == 2);
	CHECK(r.err == "linesman: PRAGMA writable_schema = 1 is refused: only pragmas that report "
		       "(table_info, user_version, ...) are allowed\n");
	r = fx.run({"sql", "ATTACH '/tmp/x.db' AS x"});
	CHECK(r.rc == 2);
}

TEST_CASE("query cli: config check still works")
{
	std::ostringstream out, err;
	CHECK(run_cli({"config", "check", "/nonexistent/linesman.yaml"}, out, err) == 1);
	CHECK(err.str().find("/nonexistent/linesman.yaml") != std::string::npos);
	std::ostringstream out2, err2;
	CHECK(run_cli({"--help"}, out2, err2) == 0);
	CHECK(out2.str().find("Exit status:") != std::string::npos);
}

namespace {

// The store the fixture wrote to, reopened: the agent appending while a follow polls.
void append_more(const std::string &dir, std::vector<Event> evs)
{
	store::StoreOptions o;
	o.state_dir = dir;
	auto s = store::Store::open(o);
	REQUIRE(s.ok());
	REQUIRE(s->append(evs).ok());
}

} // namespace

TEST_CASE("query cli: follow prints events stored after the query")
{
	Fixture fx;
	int polls = 0;
	CliContext ctx;
	ctx.follow_interval_ms = 1;
	ctx.follow_stop = [&] {
		++polls;
		if (polls == 2)
			append_more(fx.d.path, {exec_event(11, hour_ns(1, 50 * kMs), 104, "/usr/bin/ls"),
						exec_event(12, hour_ns(1, 60 * kMs), 105, "/usr/bin/vi")});
		if (polls == 4)
			append_more(fx.d.path, {exec_event(13, hour_ns(1, 70 * kMs), 106, "/usr/bin/ls")});
		return polls == 6;
	};
	auto r = fx.run({"query", "-f", "-n", "1", "-x", "ls", "-o", "short"}, ctx);
	CHECK(r.rc == 0);
	CHECK(r.err == "");
	CHECK(r.out == "2026-11-26 14:00:00.010 exec    ls[102]: /usr/bin/ls --config /etc/ls/main.conf -v\n"
		       "2026-11-26 14:00:00.050 exec    ls[104]: /usr/bin/ls --config /etc/ls/main.conf -v\n"
		       "2026-11-26 14:00:00.070 exec    ls[106]: /usr/bin/ls --config /etc/ls/main.conf -v\n");
	CHECK(polls == 6);

	// Nothing matching yet is no error while following; a network post-filter still applies.
	polls = 0;
	ctx.follow_stop = [&] {
		if (++polls == 2) {
			Event far = net_event(14, hour_ns(1, 80 * kMs), EventType::Connect, 40000, 80, "203.0.113.5");
			Event near = net_event(15, hour_ns(1, 90 * kMs), EventType::Connect, 40001, 80, "203.0.113.6");
			std::get<NetDetails>(far.details).local_addr = "172.16.0.1";
			append_more(fx.d.path, {far, near});
		}
		return polls == 3;
	};
	r = fx.run({"query", "--follow", "--addr", "10.0.0.0/8", "-S", "14:00:00.060", "-o", "jsonl"}, ctx);
	CHECK(r.rc == 0);
	CHECK(r.err == "");
	CHECK(r.out.find("\"seq\":15,") != std::string::npos);
	CHECK(r.out.find("\"seq\":14,") == std::string::npos);
	CHECK(std::count(r.out.begin(), r.out.end(), '\n') == 1);

	r = fx.run({"query", "-f", "-r"}, ctx);
	CHECK(r.rc == 2);
	CHECK(r.err == "linesman: -f: cannot follow newest first (-r)\n");
	r = fx.run({"query", "-f", "-o", "json"}, ctx);
	CHECK(r.rc == 2);
	CHECK(r.err == "linesman: -f: -o json is one document, printed at the end; follow with -o jsonl\n");
}

namespace {

// systemd -> sshd (not stored) -> bash 200 -> { vim 201, curl 202 -> sh 203 }, and 300 elsewhere.
struct TreeFixture {
	TempDir d;
	query_test::Tz tz{"UTC0"};
	static Event child(Event ev, const std::string &parent_exec_id)
	{
		ev.process.parent_exec_id = parent_exec_id;
		return ev;
	}
	static Event by(Event ev, const Event &exec)
	{
		ev.process = exec.process;
		return ev;
	}
	TreeFixture()
	{
		Event bash = exec_event(1, hour_ns(0, 10 * kMs), 200, "/usr/bin/bash");
		bash.process.ancestors = {"/usr/sbin/sshd", "/usr/lib/systemd/systemd"};
		Event vim = child(exec_event(2, hour_ns(0, 20 * kMs), 201, "/usr/bin/vim.basic"), bash.process.exec_id);
		vim.process.argv = {"vim", "/etc/hosts"};
		vim.process.start_time_ns = hour_ns(0, 20 * kMs);
		Event curl = child(exec_event(3, hour_ns(0, 30 * kMs), 202, "/usr/bin/curl"), bash.process.exec_id);
		curl.process.argv = {"curl", "-d", "a b", "http://198.51.100.9/"};
		Event sh = child(exec_event(4, hour_ns(0, 40 * kMs), 203, "/bin/sh"), curl.process.exec_id);
		Event other = exec_event(5, hour_ns(0, 45 * kMs), 300, "/usr/bin/ls");
		std::vector<Event> b{
		    bash, vim, curl, sh, other,
		    by(file_event(6, hour_ns(0, 50 * kMs), "/etc/hosts"), vim),
		    by(file_event(7, hour_ns(0, 51 * kMs), "/etc/hosts"), vim),
		    by(file_event(8, hour_ns(0, 52 * kMs), "/etc/hosts.tmp", "/etc/hosts"), vim),
		    by(net_event(9, hour_ns(0, 60 * kMs), EventType::Connect, 43122, 80, "198.51.100.9"), curl),
		    by(net_event(10, hour_ns(0, 61 * kMs), EventType::Connect, 43123, 80, "198.51.100.9"), curl),
		    by(net_event(11, hour_ns(0, 62 * kMs), EventType::Listen, 57722, 0, ""), sh),
		    by(net_event(12, hour_ns(0, 63 * kMs), EventType::Accept, 22, 52144, "192.0.2.7"), bash),
		    by(file_event(13, hour_ns(0, 64 * kMs), "/tmp/other"), other),
		};
		store::StoreOptions o;
		o.state_dir = d.path;
		auto s = store::Store::open(o);
		REQUIRE(s.ok());
		REQUIRE(s->append(b).ok());
	}
	Fixture::Run run(std::vector<std::string> args)
	{
		args.insert(args.end(), {"-D", d.path});
		std::ostringstream out, err;
		CliContext ctx;
		ctx.now_ns = hour_ns(1);
		int rc = run_cli(args, out, err, ctx);
		return {rc, out.str(), err.str()};
	}
};

} // namespace

TEST_CASE("tree cli")
{
	TreeFixture fx;
	// By pid: the whole subtree, the activity of each process folded under it.
	auto r = fx.run({"tree", "200"});
	CHECK(r.rc == 0);
	CHECK(r.err == "");
	CHECK(r.out ==
	      "/usr/lib/systemd/systemd  (exec not stored)\n"
	      "└─ /usr/sbin/sshd  (exec not stored)\n"
	      "   └─ 200 /usr/bin/bash bash --config /etc/bash/main.conf -v  user=root  start=2026-11-26 13:00:00.000  ◀\n"
	      "      │    accept tcp 192.0.2.7:52144\n"
	      "      ├─ 201 /usr/bin/vim.basic vim /etc/hosts  user=alice  start=2026-11-26 13:00:00.020\n"
	      "      │       file write /etc/hosts (2×)\n"
	      "      │       file rename /etc/hosts.tmp -> /etc/hosts\n"
	      "      └─ 202 /usr/bin/curl curl -d \"a b\" http://198.51.100.9/  user=root  start=2026-11-26 13:00:00.000\n"
	      "         │    connect tcp 198.51.100.9:80 (2×)\n"
	      "         └─ 203 /bin/sh sh --config /etc/sh/main.conf -v  user=root  start=2026-11-26 13:00:00.000\n"
	      "                 listen tcp 10.0.0.1:57722\n");

	// By exec id: its ancestry (with their activity) but not its siblings.
	r = fx.run({"tree", "ZXhlYy0201"});
	CHECK(r.rc == 0);
	CHECK(r.out ==
	      "/usr/lib/systemd/systemd  (exec not stored)\n"
	      "└─ /usr/sbin/sshd  (exec not stored)\n"
	      "   └─ 200 /usr/bin/bash bash --config /etc/bash/main.conf -v  user=root  start=2026-11-26 13:00:00.000\n"
	      "      │    accept tcp 192.0.2.7:52144\n"
	      "      └─ 201 /usr/bin/vim.basic vim /etc/hosts  user=alice  start=2026-11-26 13:00:00.020  ◀\n"
	      "              file write /etc/hosts (2×)\n"
	      "              file rename /etc/hosts.tmp -> /etc/hosts\n");

	// -U before its activity: the process, without it.
	r = fx.run({"tree", "203", "-U", "2026-11-26T13:00:00.055Z"});
	CHECK(r.rc == 0);
	CHECK(r.out.ends_with("         └─ 203 /bin/sh sh --config /etc/sh/main.conf -v  user=root  start=2026-11-26 13:00:00.000  ◀\n"));

	r = fx.run({"tree", "4242"});
	CHECK(r.rc == 1);
	CHECK(r.out == "");
	CHECK(r.err == "linesman: tree: no process \"4242\" in the store\n");
	r = fx.run({"tree", "0"});
	CHECK(r.rc == 2);
	CHECK(r.err == "linesman: tree: \"0\" is not a process id (1 to 4294967295)\n");
	r = fx.run({"tree", "no;such"});
	CHECK(r.rc == 2);
	CHECK(r.err == "linesman: tree: \"no;such\" is not an exec id (base64, as events show it)\n");
	r = fx.run({"tree", "200", "-S", "yesterdayish"});
	CHECK(r.rc == 2);
	CHECK(r.err.starts_with("linesman: --since: \"yesterdayish\" is not a time: "));
	r = fx.run({"tree"});
	CHECK(r.rc == 2);
}

TEST_CASE("stats cli")
{
	Fixture fx;
	auto r = fx.run({"stats"});
	CHECK(r.rc == 0);
	CHECK(r.err == "");
	CHECK(r.out == "Events per type per hour\n"
		       "  hour              exec  connect  accept  listen  file  total\n"
		       "  2026-11-26 13:00     2        1       0       1     2      6\n"
		       "  2026-11-26 14:00     2        1       1       0     0      4\n"
		       "  total                4        2       1       1     2     10\n"
		       "\n"
		       "Top executables (exec events)\n"
		       "  2  /usr/bin/ls\n"
		       "  1  /usr/bin/curl\n"
		       "  1  /usr/sbin/sshd\n"
		       "\n"
		       "Top talkers (connect + accept, by remote address)\n"
		       "  1  192.0.2.7\n"
		       "  1  198.51.100.9\n"
		       "  1  2001:db8::443\n"
		       "\n"
		       "Top changed files (file events)\n"
		       "  1  /etc/hosts\n"
		       "  1  /etc/ssh/sshd_config\n");
	r = fx.run({"stats", "-S", "14:00"});
	CHECK(r.rc == 0);
	CHECK(r.out == "Events per type per hour\n"
		       "  hour              exec  connect  accept  total\n"
		       "  2026-11-26 14:00     2        1       1      4\n"
		       "  total                2        1       1      4\n"
		       "\n"
		       "Top executables (exec events)\n"
		       "  1  /usr/bin/curl\n"
		       "  1  /usr/bin/ls\n"
		       "\n"
		       "Top talkers (connect + accept, by remote address)\n"
		       "  1  192.0.2.7\n"
		       "  1  2001:db8::443\n"
		       "\n"
		       "Top changed files (file events)\n"
		       "  (none)\n");
	r = fx.run({"stats", "-S", "-5m"});
	CHECK(r.rc == 1);
	CHECK(r.out == "");
	CHECK(r.err == "linesman: no events match\n");
	r = fx.run({"stats", "-U", "bogus"});
	CHECK(r.rc == 2);
	CHECK(r.err.starts_with("linesman: --until: \"bogus\" is not a time: "));
}

TEST_CASE("query cli: --container by id prefix, LXC name and host; bad values")
{
	const std::string a = "3f4e9a0c5b1d2e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7";
	const std::string b = "3f4f77c0ffee0000000000000000000000000000000000000000000000000000";
	Fixture fx; // seq 1..10: host processes
	std::vector<Event> more{exec_event(11, hour_ns(1, 50 * kMs), 104, "/usr/sbin/nginx"),
				net_event(12, hour_ns(1, 51 * kMs), EventType::Connect, 40000, 6379, "10.0.0.9"),
				exec_event(13, hour_ns(1, 52 * kMs), 105, "/usr/bin/redis-server"),
				exec_event(14, hour_ns(1, 53 * kMs), 106, "/usr/sbin/sshd")};
	more[0].process.container_id = a;
	more[1].process.container_id = a;
	more[2].process.container_id = b;
	more[3].process.container_id = "msc-lab";
	append_more(fx.d.path, more);

	CHECK(fx.seqs({"query", "--container", a}) == "11 12");
	CHECK(fx.seqs({"query", "--container", a.substr(0, 12)}) == "11 12"); // as docker ps shows it
	CHECK(fx.seqs({"query", "--container", "3F4E9A"}) == "11 12");
	CHECK(fx.seqs({"query", "--container", "3f4"}) == "11 12 13");
	CHECK(fx.seqs({"query", "--container", "msc"}) == "14");
	CHECK(fx.seqs({"query", "--container", "msc-lab", "-x", "sshd"}) == "14");
	CHECK(fx.seqs({"query", "--container", "3f4", "--type", "exec", "-r"}) == "13 11");
	CHECK(fx.seqs({"query", "--container", "abc"}) == "");
	CHECK(fx.seqs({"query", "--container", "host", "-S", "2026-11-26 14:00"}) == "7 8 9 10");

	// The compact line names the container by its short id.
	auto r = fx.run({"query", "--container", a, "--type", "exec", "-o", "compact"});
	CHECK(r.rc == 0);
	CHECK(r.out.find("container=3f4e9a0c5b1d") != std::string::npos);
	// JSON carries the full id.
	r = fx.run({"query", "--container", "3f4f", "-o", "jsonl"});
	CHECK(r.out.find("\"containerId\":\"" + b + "\"") != std::string::npos);

	auto bad = [&](std::vector<std::string> args, const std::string &message) {
		auto res = fx.run(args);
		CHECK_MESSAGE(res.rc == 2, args[2]);
		CHECK(res.out == "");
		CHECK(res.err == "linesman: " + message + "\n");
	};
	const std::string kind = " is not a container id or name (hex digits of a docker, containerd, "
				 "CRI-O or podman id, or of its start, as docker ps shows them; an LXC "
				 "container name; or host)";
	bad({"query", "--container", "3f4e*"}, "--container: \"3f4e*\"" + kind);
	bad({"query", "--container", "/docker/3f4e"}, "--container: \"/docker/3f4e\"" + kind);
	bad({"query", "--container", "docker-" + a + ".scope"},
	    "--container: \"docker-" + a + ".scope\" is a cgroup name; give the container id: " + a);
	bad({"query", "--container", a + "00"},
	    "--container: \"" + a + "00\" is longer than a container id (64 hex digits)");
	bad({"query", "--container", ""}, "--container: an empty value is not allowed");
}
