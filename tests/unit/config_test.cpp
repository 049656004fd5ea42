// SPDX-License-Identifier: Apache-2.0
#include "agent/config.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <string>

#include <doctest/doctest.h>

using linesman::agent::Config;
using linesman::agent::load_config;
using linesman::agent::OutputFormat;
using linesman::agent::parse_config;

namespace {

Config parsed(const std::string &yaml)
{
	auto r = parse_config(yaml, "linesman.yaml");
	if (!r)
		FAIL("unexpected error: " << r.error().what());
	return r.value();
}

std::string error_of(const std::string &yaml)
{
	auto r = parse_config(yaml, "linesman.yaml");
	if (r)
		FAIL("expected an error for:\n" << yaml);
	return r.error().message();
}

void check_defaults(const Config &c)
{
	CHECK(c.host == "");
	CHECK(c.output.format == OutputFormat::Compact);
	CHECK(c.output.path == "-");
	CHECK(c.output.color == true);
	CHECK(c.exec.argv_max == 8192);
	CHECK(c.rollup.enabled == true);
	CHECK(c.rollup.threshold == 20);
	CHECK(c.rollup.window_s == 60);
	CHECK(c.rollup.max_keys == 16384);
	CHECK(c.process_cache.max_entries == 65536);
	CHECK(c.process_cache.exit_grace_s == 10);
	CHECK(c.ring_buffer.size_mib == 8);
	CHECK(c.ring_buffer.wakeup_kib == 256);
	CHECK(c.ring_buffer.poll_ms == 100);
	CHECK(c.ring_buffer.queue_events == 65536);
	CHECK(c.heartbeat_s == 60);
}

const char *kEveryKey = R"(# every key, none at its default
host: web-01
output:
  format: jsonl
  path: /var/log/linesman/events.jsonl
  color: false
exec:
  argv_max: 4096
rollup:
  enabled: false
  threshold: 5
  window: 5m
  max_keys: 1024
process_cache:
  max_entries: 2048
  exit_grace: 30s
ring_buffer:
  size_mib: 64
  wakeup_kib: 512
  poll_ms: 250
  queue_events: 4096
heartbeat: 1h
)";

// A scratch directory removed at the end of the test.
struct TempDir {
	std::string path;
	TempDir()
	{
		char tmpl[] = "/tmp/linesman-config-test-XXXXXX";
		REQUIRE(mkdtemp(tmpl) != nullptr);
		path = tmpl;
	}
	~TempDir() { std::system(("rm -rf '" + path + "'").c_str()); }
	std::string write(const std::string &name, const std::string &text) const
	{
		std::string p = path + "/" + name;
		FILE *f = std::fopen(p.c_str(), "w");
		REQUIRE(f != nullptr);
		REQUIRE(std::fwrite(text.data(), 1, text.size(), f) == text.size());
		REQUIRE(std::fclose(f) == 0);
		return p;
	}
};

} // namespace

TEST_CASE("config: no settings means every default")
{
	for (const char *yaml : {"", "\n\n", "# nothing here\n  # indented comment\n", "---\n", "--- ~\n"}) {
		CAPTURE(yaml);
		check_defaults(parsed(yaml));
	}
}

TEST_CASE("config: an empty section means its defaults")
{
	Config c = parsed("exec:\n  # argv_max: 4096\nrollup: ~\nheartbeat: 5\n");
	CHECK(c.exec.argv_max == 8192);
	CHECK(c.rollup.window_s == 60);
	CHECK(c.heartbeat_s == 5);
}

TEST_CASE("config: every key is read")
{
	Config c = parsed(kEveryKey);
	CHECK(c.host == "web-01");
	CHECK(c.output.format == OutputFormat::Jsonl);
	CHECK(c.output.path == "/var/log/linesman/events.jsonl");
	CHECK(c.output.color == false);
	CHECK(c.exec.argv_max == 4096);
	CHECK(c.rollup.enabled == false);
	CHECK(c.rollup.threshold == 5);
	CHECK(c.rollup.window_s == 300);
	CHECK(c.rollup.max_keys == 1024);
	CHECK(c.process_cache.max_entries == 2048);
	CHECK(c.process_cache.exit_grace_s == 30);
	CHECK(c.ring_buffer.size_mib == 64);
	CHECK(c.ring_buffer.wakeup_kib == 512);
	CHECK(c.ring_buffer.poll_ms == 250);
	CHECK(c.ring_buffer.queue_events == 4096);
	CHECK(c.heartbeat_s == 3600);
}

TEST_CASE("config: unset keys keep their defaults next to set ones")
{
	Config c = parsed("exec: {argv_max: 64}\noutput: {format: compact}\n");
	CHECK(c.exec.argv_max == 64);
	CHECK(c.output.format == OutputFormat::Compact);
	CHECK(c.output.path == "-");
	CHECK(c.rollup.threshold == 20);
}

TEST_CASE("config: range edges are accepted")
{
	Config lo = parsed("exec: {argv_max: 64}\nring_buffer: {size_mib: 1, poll_ms: 1, wakeup_kib: 1, "
			   "queue_events: 1024}\nrollup: {threshold: 1, window: 1, max_keys: 16}\n"
			   "process_cache: {max_entries: 1024, exit_grace: 0}\nheartbeat: 0\n");
	CHECK(lo.exec.argv_max == 64);
	CHECK(lo.ring_buffer.size_mib == 1);
	CHECK(lo.ring_buffer.poll_ms == 1);
	CHECK(lo.ring_buffer.wakeup_kib == 1);
	CHECK(lo.ring_buffer.queue_events == 1024);
	CHECK(lo.rollup.threshold == 1);
	CHECK(lo.rollup.window_s == 1);
	CHECK(lo.rollup.max_keys == 16);
	CHECK(lo.process_cache.max_entries == 1024);
	CHECK(lo.process_cache.exit_grace_s == 0);
	CHECK(lo.heartbeat_s == 0);

	Config hi = parsed("exec: {argv_max: 32767}\nring_buffer: {size_mib: 1024, poll_ms: 1000}\n"
			   "rollup: {window: 86400}\nprocess_cache: {exit_grace: 3600}\nheartbeat: 24h\n");
	CHECK(hi.exec.argv_max == 32767);
	CHECK(hi.ring_buffer.size_mib == 1024);
	CHECK(hi.ring_buffer.poll_ms == 1000);
	CHECK(hi.rollup.window_s == 86400);
	CHECK(hi.process_cache.exit_grace_s == 3600);
	CHECK(hi.heartbeat_s == 86400);
}

TEST_CASE("config: quoted numbers and YAML 1.2 booleans")
{
	Config c = parsed("exec: {argv_max: \"4096\"}\noutput: {color: False}\nrollup: {enabled: TRUE}\n");
	CHECK(c.exec.argv_max == 4096);
	CHECK(c.output.color == false);
	CHECK(c.rollup.enabled == true);
}

TEST_CASE("config: durations")
{
	struct Case {
		const char *text;
		uint32_t seconds;
	};
	for (Case k : {Case{"90", 90}, Case{"\"90\"", 90}, Case{"45s", 45}, Case{"5m", 300},
		       Case{"2h", 7200}, Case{"24h", 86400}, Case{"1440m", 86400}}) {
		CAPTURE(k.text);
		CHECK(parsed(std::string("rollup:\n  window: ") + k.text + "\n").rollup.window_s == k.seconds);
	}
	CHECK(parsed("process_cache: {exit_grace: 1h}\n").process_cache.exit_grace_s == 3600);
	CHECK(parsed("heartbeat: 0s\n").heartbeat_s == 0);
}

TEST_CASE("config: bad durations name the key and its line")
{
	const std::string accepted =
		"; expected 1..86400 seconds, as a number of seconds or like 30s, 5m, 1h";
	CHECK(error_of("\nrollup:\n  window: 25h\n") ==
	      "linesman.yaml:3: rollup.window: 25h is out of range" + accepted);
	CHECK(error_of("rollup:\n  window: 0\n") ==
	      "linesman.yaml:2: rollup.window: 0 is out of range" + accepted);
	CHECK(error_of("rollup:\n  window: 1.5m\n") ==
	      "linesman.yaml:2: rollup.window: '1.5m' is not a duration" + accepted);
	CHECK(error_of("rollup:\n  window: 2d\n") ==
	      "linesman.yaml:2: rollup.window: '2d' is not a duration" + accepted);
	CHECK(error_of("rollup:\n  window: 5 m\n") ==
	      "linesman.yaml:2: rollup.window: '5 m' is not a duration" + accepted);
	CHECK(error_of("rollup:\n  window: -5s\n") ==
	      "linesman.yaml:2: rollup.window: '-5s' is negative" + accepted);
	// Would wrap to a small number without the overflow check.
	CHECK(error_of("rollup:\n  window: 5124095576030432h\n").find(
		      "rollup.window: 5124095576030432h is out of range") != std::string::npos);
	CHECK(error_of("heartbeat: 86401\n").find(":1: heartbeat: 86401 is out of range; expected 0..86400 ") !=
	      std::string::npos);
	CHECK(error_of("process_cache:\n  exit_grace: 61m\n")
		      .find(":2: process_cache.exit_grace: 61m is out of range; expected 0..3600 ") !=
	      std::string::npos);
}

TEST_CASE("config: out-of-range integers")
{
	CHECK(error_of("# a\n# b\nhost: h\noutput:\n  format: compact\n\nexec:\n  argv_max: 100000\n") ==
	      "linesman.yaml:8: exec.argv_max: 100000 is out of range; expected 64..32767 bytes");
	CHECK(error_of("exec:\n  argv_max: 63\n") ==
	      "linesman.yaml:2: exec.argv_max: 63 is out of range; expected 64..32767 bytes");
	CHECK(error_of("exec:\n  argv_max: 99999999999999999999999999\n")
		      .find(":2: exec.argv_max: 99999999999999999999999999 is out of range") != std::string::npos);
	CHECK(error_of("rollup:\n  threshold: 0\n").find(":2: rollup.threshold: 0 is out of range; expected 1..") !=
	      std::string::npos);
	CHECK(error_of("rollup:\n  max_keys: 15\n").find(":2: rollup.max_keys: 15 is out of range; expected 16..") !=
	      std::string::npos);
	CHECK(error_of("process_cache:\n  max_entries: 1023\n")
		      .find(":2: process_cache.max_entries: 1023 is out of range; expected 1024..") != std::string::npos);
	CHECK(error_of("ring_buffer:\n  poll_ms: 0\n") ==
	      "linesman.yaml:2: ring_buffer.poll_ms: 0 is out of range; expected 1..1000 milliseconds");
	CHECK(error_of("ring_buffer:\n  poll_ms: 1001\n").find(":2: ring_buffer.poll_ms: 1001 is out of range") !=
	      std::string::npos);
	CHECK(error_of("ring_buffer:\n  queue_events: 1000\n")
		      .find(":2: ring_buffer.queue_events: 1000 is out of range; expected 1024..") != std::string::npos);
	CHECK(error_of("ring_buffer:\n  size_mib: 2048\n") ==
	      "linesman.yaml:2: ring_buffer.size_mib: 2048 is out of range; expected a power of two from 1 to "
	      "1024 (MiB)");
	CHECK(error_of("ring_buffer:\n  size_mib: 0\n").find(":2: ring_buffer.size_mib: 0 is out of range") !=
	      std::string::npos);
}

TEST_CASE("config: ring buffer size must be a power of two")
{
	CHECK(error_of("ring_buffer:\n  size_mib: 24\n") ==
	      "linesman.yaml:2: ring_buffer.size_mib: 24 is not a power of two; expected a power of two from 1 "
	      "to 1024 (MiB)");
	CHECK(parsed("ring_buffer:\n  size_mib: 512\n").ring_buffer.size_mib == 512);
}

TEST_CASE("config: the wakeup mark must be below the ring size, whatever the key order")
{
	// wakeup_kib comes first, so the check can only run once size_mib is known.
	CHECK(error_of("ring_buffer:\n  wakeup_kib: 2048\n  size_mib: 2\n") ==
	      "linesman.yaml:2: ring_buffer.wakeup_kib: 2048 is not below the ring size (2 MiB); expected "
	      "1..2047 KiB");
	CHECK(error_of("ring_buffer:\n  size_mib: 1\n  poll_ms: 5\n  wakeup_kib: 4096\n")
		      .find(":4: ring_buffer.wakeup_kib: 4096 is not below the ring size (1 MiB)") != std::string::npos);
	CHECK(parsed("ring_buffer:\n  wakeup_kib: 2047\n  size_mib: 2\n").ring_buffer.wakeup_kib == 2047);
	// The default wakeup mark fits the smallest ring.
	CHECK(parsed("ring_buffer:\n  size_mib: 1\n").ring_buffer.wakeup_kib == 256);
}

TEST_CASE("config: wrong types")
{
	CHECK(error_of("exec:\n  argv_max: lots\n") ==
	      "linesman.yaml:2: exec.argv_max: 'lots' is not an integer; expected 64..32767 bytes");
	CHECK(error_of("exec:\n  argv_max: 4096.5\n").find(":2: exec.argv_max: '4096.5' is not an integer") !=
	      std::string::npos);
	CHECK(error_of("exec:\n  argv_max: -1\n") ==
	      "linesman.yaml:2: exec.argv_max: '-1' is negative; expected 64..32767 bytes");
	CHECK(error_of("exec:\n  argv_max: {a: 1}\n") ==
	      "linesman.yaml:2: exec.argv_max: is a map; expected 64..32767 bytes");
	CHECK(error_of("exec:\n  argv_max:\n    - 1\n    - 2\n") ==
	      "linesman.yaml:2: exec.argv_max: is a list; expected 64..32767 bytes");
	// yaml-cpp places an empty value at the next token (line 4 here); the key's line is reported.
	CHECK(error_of("exec:\n  argv_max:\n  # later\nrollup: {}\n") ==
	      "linesman.yaml:2: exec.argv_max: has no value; expected 64..32767 bytes");
	CHECK(error_of("output:\n  color: yes\n") ==
	      "linesman.yaml:2: output.color: 'yes' is not a boolean; expected true or false");
	CHECK(error_of("rollup:\n  enabled: 1\n").find(":2: rollup.enabled: '1' is not a boolean") !=
	      std::string::npos);
	CHECK(error_of("output:\n  format: json\n") ==
	      "linesman.yaml:2: output.format: 'json' is not an output format; expected compact or jsonl");
	CHECK(error_of("output:\n  path: \"\"\n").find(":2: output.path: is empty; expected \"-\"") !=
	      std::string::npos);
	CHECK(error_of("output:\n  path: [a, b]\n").find(":2: output.path: is a list;") != std::string::npos);
	CHECK(error_of("host:\n  name: x\n").find(":1: host: is a map; expected a host name") != std::string::npos);
	CHECK(error_of("host: \"web\\n01\"\n").find(":1: host: 'web?01' contains control characters") !=
	      std::string::npos);
	CHECK(error_of("host: " + std::string(256, 'a') + "\n").find(":1: host: is 256 bytes long") !=
	      std::string::npos);
	CHECK(parsed("host: " + std::string(255, 'a') + "\n").host.size() == 255);
	CHECK(error_of("heartbeat: [1]\n").find(":1: heartbeat: is a list; expected 0..86400 seconds") !=
	      std::string::npos);
}

TEST_CASE("config: a section that is not a map")
{
	CHECK(error_of("host: a\nexec: 4096\n") ==
	      "linesman.yaml:2: exec: '4096' is a single value; expected a map with keys: argv_max");
	CHECK(error_of("rollup:\n  - enabled\n") ==
	      "linesman.yaml:1: rollup: is a list; expected a map with keys: enabled, threshold, window, max_keys");
}

TEST_CASE("config: an alias is reported at the key that uses it")
{
	CHECK(error_of("host: &h web\nexec:\n  argv_max: *h\n") ==
	      "linesman.yaml:3: exec.argv_max: 'web' is not an integer; expected 64..32767 bytes");
}

TEST_CASE("config: unknown keys")
{
	CHECK(error_of("exec:\n  argv_max: 100\n\n  argv_mx: 100\n") ==
	      "linesman.yaml:4: exec.argv_mx: unknown key; did you mean 'argv_max'?");
	CHECK(error_of("rolup:\n  enabled: true\n") == "linesman.yaml:1: rolup: unknown key; did you mean 'rollup'?");
	CHECK(error_of("output:\n  colour: false\n") ==
	      "linesman.yaml:2: output.colour: unknown key; did you mean 'color'?");
	CHECK(error_of("ring_buffer:\n  poll_msec: 5\n") ==
	      "linesman.yaml:2: ring_buffer.poll_msec: unknown key; did you mean 'poll_ms'?");
	// Three edits away: a list instead of a guess.
	CHECK(error_of("host: a\nlogging: debug\n") ==
	      "linesman.yaml:2: logging: unknown key; expected one of: host, output, exec, rollup, "
	      "process_cache, ring_buffer, network, files, heartbeat, state_dir, store");
	CHECK(error_of("output:\n  fmt: jsonl\n") ==
	      "linesman.yaml:2: output.fmt: unknown key; expected one of: format, path, color");
	// Flattened keys are not accepted at the top level.
	CHECK(error_of("argv_max: 100\n").find(":1: argv_max: unknown key;") != std::string::npos);
}

TEST_CASE("config: keys that are not plain names, and duplicates")
{
	CHECK(error_of("exec:\n  [a, b]: 1\n") ==
	      "linesman.yaml:2: exec.?: key is a list; expected a plain name");
	CHECK(error_of("exec:\n  argv_max: 100\nhost: x\nexec:\n  argv_max: 200\n") ==
	      "linesman.yaml:4: exec: set twice (first on line 1); expected each key once");
	CHECK(error_of("output:\n  path: a\n  color: true\n  path: b\n") ==
	      "linesman.yaml:4: output.path: set twice (first on line 2); expected each key once");
}

TEST_CASE("config: the document must be one map")
{
	CHECK(error_of("- host\n- exec\n") ==
	      "linesman.yaml:1: top level: is a list; expected a map of settings such as 'exec: {argv_max: 4096}'");
	CHECK(error_of("# comment\nhello\n").find("linesman.yaml:2: top level: 'hello' is a single value;") == 0);
	CHECK(error_of("host: a\n---\nhost: b\n") ==
	      "linesman.yaml:3: top level: a second YAML document; expected one document");
	// A trailing empty document is harmless.
	CHECK(parsed("host: a\n---\n").host == "a");
}

TEST_CASE("config: YAML syntax errors give line and column")
{
	CHECK(error_of("host: a\nexec: [64\n") ==
	      "linesman.yaml:3:1: YAML syntax error: end of sequence flow not found");
	CHECK(error_of("exec:\n  argv_max: 1\n   poll: 2\n") ==
	      "linesman.yaml:3:8: YAML syntax error: illegal map value");
	CHECK(error_of("exec:\n  argv_max: *nowhere\n").find("linesman.yaml:2:13: YAML syntax error: ") == 0);
}

TEST_CASE("config: source names the input in errors")
{
	auto r = parse_config("exec: {argv_max: 1}\n", "<string>");
	REQUIRE_FALSE(r.ok());
	CHECK(r.error().message().find("<string>:1: exec.argv_max: 1 is out of range") == 0);
	CHECK(r.error().code().value() == 0);
}

TEST_CASE("load_config: a missing file")
{
	TempDir dir;
	std::string missing = dir.path + "/linesman.yaml";

	auto by_default = load_config(missing, false);
	REQUIRE(by_default.ok());
	check_defaults(by_default.value());

	auto asked_for = load_config(missing, true);
	REQUIRE_FALSE(asked_for.ok());
	CHECK(asked_for.error().message().find(missing) != std::string::npos);
	CHECK(asked_for.error().message().find("create it or drop --config") != std::string::npos);
}

TEST_CASE("load_config: a file round trip")
{
	TempDir dir;
	std::string path = dir.write("linesman.yaml", kEveryKey);
	auto r = load_config(path, true);
	REQUIRE(r.ok());
	CHECK(r.value().host == "web-01");
	CHECK(r.value().output.format == OutputFormat::Jsonl);
	CHECK(r.value().exec.argv_max == 4096);
	CHECK(r.value().rollup.window_s == 300);
	CHECK(r.value().ring_buffer.size_mib == 64);
	CHECK(r.value().heartbeat_s == 3600);

	// The same file read from the default location (not explicitly given).
	CHECK(load_config(path, false).value().process_cache.exit_grace_s == 30);
}

TEST_CASE("load_config: errors name the file")
{
	TempDir dir;
	std::string path = dir.write("bad.yaml", "host: a\nexec:\n  argv_max: 1\n");
	auto r = load_config(path, false);
	REQUIRE_FALSE(r.ok());
	CHECK(r.error().message() == path + ":3: exec.argv_max: 1 is out of range; expected 64..32767 bytes");

	std::string empty = dir.write("empty.yaml", "");
	REQUIRE(load_config(empty, true).ok());
	check_defaults(load_config(empty, true).value());
}

TEST_CASE("load_config: OS errors keep errno and the path")
{
	TempDir dir;
	// A directory opens but cannot be read.
	auto r = load_config(dir.path, true);
	REQUIRE_FALSE(r.ok());
	CHECK(r.error().code().value() == EISDIR);
	CHECK(r.error().message().find(dir.path) != std::string::npos);

	// Present but in the way: only a missing file falls back to the defaults.
	std::string file = dir.write("plain", "x: 1\n");
	auto not_dir = load_config(file + "/linesman.yaml", false);
	REQUIRE_FALSE(not_dir.ok());
	CHECK(not_dir.error().code().value() == ENOTDIR);

}

// The exit status of a child that drops to `nobody` and loads `path`: 0 when
// the error is EACCES naming the path. Root is never denied, so as root the
// check runs in a child with root's privileges dropped.
int denied_status(const std::string &path)
{
	pid_t pid = fork();
	if (pid == 0) {
		if (geteuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0))
			_exit(2);
		auto r = load_config(path, false);
		bool ok = !r.ok() && r.error().code().value() == EACCES &&
			  r.error().message().find(path) != std::string::npos;
		_exit(ok ? 0 : 1);
	}
	int status = -1;
	REQUIRE(waitpid(pid, &status, 0) == pid);
	REQUIRE(WIFEXITED(status));
	return WEXITSTATUS(status);
}

TEST_CASE("load_config: an unreadable file is an error, not the defaults")
{
	TempDir dir;
	REQUIRE(chmod(dir.path.c_str(), 0755) == 0);
	std::string secret = dir.write("secret.yaml", "host: a\n");
	REQUIRE(chmod(secret.c_str(), 0) == 0);
	CHECK(denied_status(secret) == 0);
}

TEST_CASE("load_config: a file that is far too large")
{
	TempDir dir;
	std::string path = dir.write("huge.yaml", "# " + std::string((1 << 20) + 10, 'x') + "\n");
	auto r = load_config(path, true);
	REQUIRE_FALSE(r.ok());
	CHECK(r.error().message().find("larger than 1 MiB") != std::string::npos);
	CHECK(r.error().message().find(path) != std::string::npos);
}

TEST_CASE("config: network filters")
{
	Config c = parsed("network:\n  ignore_loopback: true\n  ignore_ports: [22, 5060]\n");
	CHECK(c.network.ignore_loopback);
	CHECK(c.network.ignore_ports == std::vector<uint16_t>{22, 5060});
	CHECK(Config{}.network.ignore_ports.empty());
	CHECK_FALSE(Config{}.network.ignore_loopback);
	CHECK(error_of("network:\n  ignore_ports: [22, 70000]\n").find(":2: network.ignore_ports[1]: 70000") !=
	      std::string::npos);
	CHECK(error_of("network:\n  ignore_ports: 22\n").find(":2: network.ignore_ports:") != std::string::npos);
}

TEST_CASE("config: network.summary is a duration within 1 s .. 1 h")
{
	CHECK(parsed("network:\n  summary: 2m\n").network.summary_s == 120);
	CHECK(Config{}.network.summary_s == 60);
	CHECK(error_of("network:\n  summary: 0\n").find(":2: network.summary:") != std::string::npos);
}

TEST_CASE("config: files section")
{
	Config c = parsed("files:\n"
			  "  watch: [/srv/switch/conf/, /opt/*/etc/]\n"
			  "  rescan: 5m\n"
			  "  sensitive_reads:\n    enabled: true\n    paths: [/etc/shadow, '/root/.ssh/id_*']\n"
			  "  content:\n    track: [/srv/switch/conf/]\n    deny: ['*.pem']\n"
			  "    max_file_size: 4096\n    memory_mib: 2\n");
	CHECK(c.files.enabled);
	CHECK(c.files.watch == std::vector<std::string>{"/srv/switch/conf/", "/opt/*/etc/"});
	CHECK(c.files.rescan_s == 300);
	CHECK(c.files.sensitive_reads.enabled);
	CHECK(c.files.sensitive_reads.paths == std::vector<std::string>{"/etc/shadow", "/root/.ssh/id_*"});
	CHECK(c.files.content.track == std::vector<std::string>{"/srv/switch/conf/"});
	CHECK(c.files.content.deny == std::vector<std::string>{"*.pem"});
	CHECK(c.files.content.max_file_size == 4096);
	CHECK(c.files.content.memory_mib == 2);
	CHECK_FALSE(parsed("files:\n  enabled: false\n").files.enabled);
	CHECK(parsed("files:\n  watch: []\n").files.watch.empty());
	CHECK(Config{}.files.watch.front() == "/etc/");
}

TEST_CASE("config: bad file patterns name the item and the reason")
{
	CHECK(error_of("files:\n  watch:\n    - /etc/\n    - /etc/passwd\n")
		      .find(":4: files.watch[1]: '/etc/passwd' is not an absolute directory pattern") !=
	      std::string::npos);
	CHECK(error_of("files:\n  watch:\n    - /etc/ssh[12]/\n").find("files.watch[0]") != std::string::npos);
	CHECK(error_of("files:\n  watch:\n    - /etc/ssh[12]/\n").find("only * and ?") != std::string::npos);
	CHECK(error_of("files:\n  watch: [/etc/../x/]\n").find(":2: files.watch[0]:") != std::string::npos);
	CHECK(error_of("files:\n  content:\n    deny: ['a/b']\n").find("files.content.deny[0]") !=
	      std::string::npos);
	CHECK(error_of("files:\n  content:\n    max_file_size: 100000000\n").find("files.content.max_file_size") !=
	      std::string::npos);
	CHECK(error_of("files:\n  rescan: 0\n").find(":2: files.rescan:") != std::string::npos);
	std::string many = "files:\n  watch:\n";
	for (int i = 0; i < 33; ++i)
		many += "    - /d" + std::to_string(i) + "/\n";
	CHECK(error_of(many).find("expected at most 32") != std::string::npos);
	CHECK(error_of("files:\n  wach: []\n").find("files.wach: unknown key") != std::string::npos);
}

TEST_CASE("config: state_dir and store")
{
	Config c = parsed("state_dir: /srv/linesman\nstore:\n  max_size_mib: 64\n  max_age_days: 2\n"
			  "  keep_free_percent: 5\n");
	CHECK(c.state_dir == "/srv/linesman");
	CHECK(c.store.enabled);
	CHECK(c.store.max_size_mib == 64);
	CHECK(c.store.max_age_days == 2);
	CHECK(c.store.keep_free_percent == 5);
	CHECK(Config{}.state_dir == "/var/lib/linesman");
	CHECK(error_of("state_dir: var/lib\n").find(":1: state_dir: 'var/lib' is not an absolute path") !=
	      std::string::npos);
	CHECK(error_of("store:\n  max_size_mib: 1\n").find(":2: store.max_size_mib: 1 is out of range") !=
	      std::string::npos);
	CHECK(error_of("store:\n  keep_free_percent: 95\n").find("store.keep_free_percent") != std::string::npos);
}

TEST_CASE("config: a stray comma is a syntax error, not a hang (yaml-cpp#1040, found by fuzzing)")
{
	for (const char *text : {",", ",},", "host: a\n,\n"}) {
		auto r = parse_config(text, "linesman.yaml");
		REQUIRE_FALSE(r);
		CHECK(r.error().message().find("linesman.yaml") == 0);
		CHECK(r.error().message().find("YAML syntax error") != std::string::npos);
	}
	CHECK(parse_config("---\n---\n", "linesman.yaml")); // empty documents: the defaults
}
