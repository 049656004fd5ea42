// SPDX-License-Identifier: Apache-2.0
// status.json (status/status_file.h): the document's round trip, its atomic file, the
// staleness rule; and `linesman status` rendering it with a fixture event log.
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <fstream>
#include <sstream>

#include "query/cli.h"
#include "status/status_file.h"
#include "store/store.h"
#include "store_test_util.h"
#include "query_test_util.h"

using namespace linesman;
using namespace store_test;

namespace {

constexpr uint64_t kSec = 1'000'000'000;
constexpr uint64_t kMs = 1'000'000;

status::AgentStatus sample()
{
	status::AgentStatus s;
	s.host = "sw-core-01";
	s.pid = 4321;
	s.version = "0.1.0";
	s.started_ns = hour_ns(1, 0) - (2 * 3600 + 3 * 60) * kSec; // 2h 3min before hour 1
	s.updated_ns = hour_ns(1, 0);
	s.config = "/etc/linesman/\"odd\" dir\t\u00e9/linesman.yaml"; // escapes survive the trip
	s.state_dir = "/var/lib/linesman";
	s.probes = {{"handle_exec", "tp_btf/sched_process_exec", "process", true, true, ""},
		    {"handle_fork", "tp_btf/sched_process_fork", "process", false, false, "no BTF for it"},
		    {"handle_listen", "tp/syscalls/sys_exit_listen", "net", false, true, ""}};
	s.events = {{"exec", 10}, {"exit", 2}, {"rollup", 0}, {"loss", 3}};
	s.kernel_losses = {{"kernel_ringbuf.exec", 4}, {"conn_table.tcp_connection", 0}};
	s.userspace_losses = {{"decoder", 0}, {"userspace_queue", 1}};
	s.store = {true, 10, 2, 5, 7, 8};
	return s;
}

std::string slurp(const std::string &path)
{
	std::ifstream f(path);
	std::stringstream ss;
	ss << f.rdbuf();
	return ss.str();
}

} // namespace

TEST_CASE("status document: every field survives to_json and parse")
{
	status::AgentStatus s = sample();
	std::string json = status::to_json(s);
	auto back = status::parse(json);
	REQUIRE_MESSAGE(back.ok(), back.error().what());
	CHECK(*back == s);
	CHECK(back->config == "/etc/linesman/\"odd\" dir\t\u00e9/linesman.yaml");
	CHECK(back->store.queue_depth == 5);
	CHECK(back->probes[1].error == "no BTF for it");
	// Key order and names are the documented ones.
	CHECK(json.find("\"schema\": 1,\n  \"state\": \"running\",\n  \"host\": \"sw-core-01\"") !=
	      std::string::npos);
	CHECK(json.find("\"kernel_losses\": {\n    \"kernel_ringbuf.exec\": 4,") != std::string::npos);

	s.running = false;
	s.probes.clear();
	s.events.clear();
	back = status::parse(status::to_json(s));
	REQUIRE(back.ok());
	CHECK_FALSE(back->running);
	CHECK(back->probes.empty());
	CHECK(*back == s);
}

TEST_CASE("status document: unknown keys are ignored, missing ones and newer schemas refused")
{
	auto extra = status::parse(R"({"schema":1,"state":"running","host":"h","pid":7,"version":"9",
		"started_ns":1,"updated_ns":2,"config":"","state_dir":"/s","probes":[],"events":{"exec":1},
		"kernel_losses":{},"userspace_losses":{},"a_new_key":[1,2],
		"store":{"enabled":false,"last_seq":0,"epoch":0,"queue_depth":0,"lost":0,"shed":0,"more":1}})");
	REQUIRE_MESSAGE(extra.ok(), extra.error().what());
	CHECK(extra->pid == 7);
	CHECK(extra->events == status::Counts{{"exec", 1}});
	CHECK_FALSE(extra->store.enabled);

	auto missing = status::parse(R"({"schema":1,"state":"running","host":"h"})");
	REQUIRE_FALSE(missing.ok());
	CHECK(missing.error().what().find("missing key \"pid\"") != std::string::npos);

	auto newer = status::parse(R"({"schema":2,"state":"running"})");
	REQUIRE_FALSE(newer.ok());
	CHECK(newer.error().what() == "status schema 2 is newer than this linesman's 1: upgrade linesman");

	auto state = status::parse(R"({"schema":1,"state":"dozing"})");
	REQUIRE_FALSE(state.ok());
	CHECK(state.error().what() == "unknown state \"dozing\"");

	auto typed = status::parse(R"({"schema":1,"state":"running","host":"h","pid":"seven"})");
	REQUIRE_FALSE(typed.ok());
	CHECK(typed.error().what().find("bad value for \"pid\"") != std::string::npos);

	CHECK_FALSE(status::parse("{\"schema\": 1, ").ok()); // cut short: never a half document
	CHECK_FALSE(status::parse("[1, 2]").ok());
}

TEST_CASE("status file: replaced whole, mode 0640, no temporary left, read back equal")
{
	TempDir d;
	status::AgentStatus s = sample();
	REQUIRE(status::write_file(d.path, status::to_json(s), getgid()).ok());
	struct stat st{};
	REQUIRE(stat((d.path + "/status.json").c_str(), &st) == 0);
	CHECK((st.st_mode & 07777) == 0640);
	CHECK(st.st_gid == getgid());
	CHECK(access((d.path + "/.status.json.tmp").c_str(), F_OK) != 0);
	auto back = status::read_file(d.path);
	REQUIRE_MESSAGE(back.ok(), back.error().what());
	CHECK(*back == s);

	// A second write replaces the first (a shorter document leaves no tail behind).
	s.probes.clear();
	s.updated_ns += kSec;
	REQUIRE(status::write_file(d.path, status::to_json(s), getgid()).ok());
	CHECK(slurp(d.path + "/status.json") == status::to_json(s));
	back = status::read_file(d.path);
	REQUIRE(back.ok());
	CHECK(back->updated_ns == s.updated_ns);
	CHECK(back->probes.empty());

	auto none = status::read_file(d.path + "/nowhere");
	REQUIRE_FALSE(none.ok());
	CHECK(none.error().code() == std::errc::no_such_file_or_directory);
	CHECK_FALSE(status::write_file(d.path + "/nowhere", "{}", getgid()).ok());

	std::ofstream(d.path + "/status.json") << "{\"schema\": 1, \"sta";
	auto cut = status::read_file(d.path);
	REQUIRE_FALSE(cut.ok());
	CHECK(cut.error().what().rfind(d.path + "/status.json: ", 0) == 0);
}

TEST_CASE("status liveness: running only while the file is fresh")
{
	status::AgentStatus s = sample();
	uint64_t t = s.updated_ns;
	CHECK(status::liveness(s, t) == status::Liveness::Running);
	CHECK(status::liveness(s, t + status::kStaleNs) == status::Liveness::Running);
	CHECK(status::liveness(s, t + status::kStaleNs + 1) == status::Liveness::NotRunning);
	CHECK(status::liveness(s, t - 60 * kSec) == status::Liveness::Running); // clock stepped back
	s.running = false;
	CHECK(status::liveness(s, t) == status::Liveness::Stopped);
	CHECK(status::liveness(s, t + 3600 * kSec) == status::Liveness::Stopped);
	CHECK(std::string(status::to_string(status::Liveness::NotRunning)) == "not_running");
}

namespace {

// Two hours of log, seq 1..6 at 13:00 UTC and 7..10 at 14:00, and an agent's status.json.
struct StatusFixture {
	TempDir d;
	query_test::Tz tz{"UTC0"};
	StatusFixture()
	{
		store::StoreOptions o;
		o.state_dir = d.path;
		auto s = store::Store::open(o);
		REQUIRE(s.ok());
		std::vector<Event> b;
		for (uint64_t i = 1; i <= 10; ++i)
			b.push_back(exec_event(i, hour_ns(i > 6 ? 1 : 0, i * 10 * kMs)));
		REQUIRE(s->append(b).ok());
	}
	void write(const status::AgentStatus &s)
	{
		REQUIRE(status::write_file(d.path, status::to_json(s), getgid()).ok());
	}
	struct Run {
		int rc;
		std::string out, err;
	};
	Run run(std::vector<std::string> args, uint64_t now)
	{
		args.insert(args.begin(), "status");
		args.insert(args.end(), {"-D", d.path});
		query::CliContext ctx;
		ctx.now_ns = now;
		std::ostringstream out, err;
		int rc = query::run_cli(args, out, err, ctx);
		return {rc, out.str(), err.str()};
	}
};

} // namespace

TEST_CASE("linesman status: a running agent, as text")
{
	StatusFixture f;
	status::AgentStatus s = sample();
	f.write(s);
	auto r = f.run({}, s.updated_ns + 800 * kMs);
	CHECK(r.rc == query::kExitOk);
	CHECK(r.err == "");
	std::string dir = f.d.path;
	CHECK(r.out.rfind("\u25cf linesmand 0.1.0 on sw-core-01\n"
			  "      Active: running since 2026-11-26 11:57:00.000 (2h 3min)\n"
			  "         PID: 4321\n"
			  "      Config: /etc/linesman/\"odd\" dir\\t\u00e9/linesman.yaml\n" // a tab, shown escaped
			  "      Status: " + dir + "/status.json, updated 2026-11-26 14:00:00.000\n"
			  "      Probes: 2 of 3 attached (process 1/2, net 1/1)\n"
			  "              not attached: handle_fork (tp_btf/sched_process_fork): no BTF for it\n"
			  "      Events: 15 since start: exec 10, exit 2, loss 3\n"
			  "      Losses: kernel: kernel_ringbuf.exec 4\n"
			  "              agent: userspace_queue 1\n"
			  "       Store: last seq 10, epoch 2, queue 5, lost 7, shed 8\n"
			  "         Log: 2 hours (2026-11-26T13 to 2026-11-26T14), ",
			  0) == 0);
	CHECK(r.out.find(" in " + dir + "/events\n"
			 "              oldest event 2026-11-26 13:00:00.010, newest 2026-11-26 14:00:00.100, "
			 "last seq 10\n") != std::string::npos);
	// The size is the files' blocks on disk: some KiB, never zero.
	CHECK(r.out.find(" KiB in " + dir) != std::string::npos);
}

TEST_CASE("linesman status: a running agent, as JSON")
{
	StatusFixture f;
	status::AgentStatus s = sample();
	f.write(s);
	auto r = f.run({"-o", "json"}, s.updated_ns + 2 * kSec);
	CHECK(r.rc == query::kExitOk);
	YAML::Node j = YAML::Load(r.out);
	CHECK(j["schema"].as<int>() == 1);
	CHECK(j["state"].as<std::string>() == "running");
	CHECK(j["active"].as<bool>());
	CHECK(j["checked_ns"].as<uint64_t>() == s.updated_ns + 2 * kSec);
	CHECK(j["uptime_s"].as<uint64_t>() == 2 * 3600 + 3 * 60 + 2);
	CHECK(j["status_file"].as<std::string>() == f.d.path + "/status.json");
	CHECK(j["probes_attached"].as<int>() == 2);
	CHECK(j["probes_total"].as<int>() == 3);
	CHECK(j["events_total"].as<int>() == 15);
	CHECK(j["agent"]["pid"].as<int>() == 4321);
	CHECK(j["agent"]["events"]["exec"].as<int>() == 10);
	CHECK(j["agent"]["kernel_losses"]["kernel_ringbuf.exec"].as<int>() == 4);
	CHECK(j["agent"]["userspace_losses"]["userspace_queue"].as<int>() == 1);
	CHECK(j["agent"]["store"]["last_seq"].as<int>() == 10);
	CHECK(j["agent"]["probes"][0]["program"].as<std::string>() == "handle_exec");
	CHECK(j["log"]["present"].as<bool>());
	CHECK(j["log"]["dir"].as<std::string>() == f.d.path + "/events");
	CHECK(j["log"]["hours"].as<int>() == 2);
	CHECK(j["log"]["first_hour"].as<std::string>() == "2026-11-26T13");
	CHECK(j["log"]["last_hour"].as<std::string>() == "2026-11-26T14");
	CHECK(j["log"]["bytes"].as<uint64_t>() > 0);
	CHECK(j["log"]["oldest_ns"].as<uint64_t>() == hour_ns(0, 10 * kMs));
	CHECK(j["log"]["newest_ns"].as<uint64_t>() == hour_ns(1, 100 * kMs));
	CHECK(j["log"]["last_seq"].as<int>() == 10);
	// The embedded agent document is the file's, key for key.
	auto embedded = status::parse(YAML::Dump(j["agent"]));
	REQUIRE(embedded.ok());
	CHECK(*embedded == s);
}

TEST_CASE("linesman status: a stale file is an agent not running, exit 3")
{
	StatusFixture f;
	status::AgentStatus s = sample();
	f.write(s);
	auto r = f.run({}, s.updated_ns + 12 * kSec);
	CHECK(r.rc == query::kExitNotRunning);
	CHECK(r.out.rfind("\u25cb linesmand 0.1.0 on sw-core-01\n"
			  "      Active: NOT RUNNING: no update for 12s (killed or hung); last update "
			  "2026-11-26 14:00:00.000\n"
			  "         PID: 4321 (at the last update)\n",
			  0) == 0);
	CHECK(r.out.find("      Probes: 2 of 3 attached (process 1/2, net 1/1) at the last update\n") !=
	      std::string::npos);
	CHECK(r.out.find("not attached:") == std::string::npos); // the agent's last words, not a diagnosis

	r = f.run({"-o", "json"}, s.updated_ns + 12 * kSec);
	CHECK(r.rc == query::kExitNotRunning);
	YAML::Node j = YAML::Load(r.out);
	CHECK(j["state"].as<std::string>() == "not_running");
	CHECK_FALSE(j["active"].as<bool>());
	CHECK(j["uptime_s"].as<uint64_t>() == 2 * 3600 + 3 * 60); // until the last update

	// Within the 5 s it is still running.
	CHECK(f.run({}, s.updated_ns + 5 * kSec).rc == query::kExitOk);
}

TEST_CASE("linesman status: a stopped agent, no status file, a missing directory, bad input")
{
	StatusFixture f;
	status::AgentStatus s = sample();
	s.running = false;
	f.write(s);
	auto r = f.run({}, s.updated_ns + 3600 * kSec);
	CHECK(r.rc == query::kExitNotRunning);
	CHECK(r.out.find("      Active: stopped at 2026-11-26 14:00:00.000 after 2h 3min\n") != std::string::npos);

	REQUIRE(unlink((f.d.path + "/status.json").c_str()) == 0);
	r = f.run({}, s.updated_ns);
	CHECK(r.rc == query::kExitNotRunning);
	CHECK(r.out.rfind("\u25cb linesmand\n      Active: unknown: no " + f.d.path +
			      "/status.json: linesmand has not run with this state_dir\n",
			  0) == 0);
	CHECK(r.out.find("         Log: 2 hours (2026-11-26T13 to 2026-11-26T14)") != std::string::npos);
	r = f.run({"-o", "json"}, s.updated_ns);
	CHECK(r.rc == query::kExitNotRunning);
	YAML::Node j = YAML::Load(r.out);
	CHECK(j["state"].as<std::string>() == "unknown");
	CHECK(j["agent"].IsNull());
	CHECK(j["log"]["hours"].as<int>() == 2);

	r = f.run({"-o", "yaml"}, s.updated_ns);
	CHECK(r.rc == query::kExitUsage);
	CHECK(r.err == "linesman: -o: \"yaml\" is not an output format (text or json)\n");

	std::ostringstream out, err;
	query::CliContext ctx;
	int rc = query::run_cli({"status", "-D", f.d.path + "/missing"}, out, err, ctx);
	CHECK(rc == query::kExitStore);
	CHECK(err.str() == "linesman: cannot read the state directory " + f.d.path +
			       "/missing: No such file or directory (is linesmand installed here? "
			       "-D names another directory)\n");

	// A damaged status.json is unreadable state, not a stopped agent.
	std::ofstream(f.d.path + "/status.json") << "{\"schema\": 1";
	r = f.run({}, s.updated_ns);
	CHECK(r.rc == query::kExitStore);
	CHECK(r.err.rfind("linesman: " + f.d.path + "/status.json: ", 0) == 0);
}

TEST_CASE("linesman status: an agent without an event log")
{
	TempDir d;
	status::AgentStatus s = sample();
	s.store = {};
	REQUIRE(status::write_file(d.path, status::to_json(s), getgid()).ok());
	query::CliContext ctx;
	ctx.now_ns = s.updated_ns;
	std::ostringstream out, err;
	int rc = query::run_cli({"status", "-D", d.path}, out, err, ctx);
	CHECK(rc == query::kExitOk);
	CHECK(out.str().find("       Store: disabled (store.enabled: false)\n"
			     "         Log: no hour files in " + d.path + "\n") != std::string::npos);
}
