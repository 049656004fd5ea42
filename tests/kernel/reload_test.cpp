// SPDX-License-Identifier: Apache-2.0
// Configuration reload (SIGHUP) on a running sensor: what can change at run
// time changes, what cannot is named, and a broken file changes nothing.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include <doctest/doctest.h>

#include "harness.h"

using namespace linesman;
using namespace linesman::test;

namespace {

std::string make_dir(const std::string &tag)
{
	std::string tmpl = "/var/tmp/linesman-reload-" + tag + ".XXXXXX";
	REQUIRE(mkdtemp(tmpl.data()) != nullptr);
	return tmpl;
}

void write_text(const std::string &path, const std::string &text)
{
	std::ofstream(path, std::ios::trunc) << text;
}

std::optional<Event> wait_reload(Collector &c, uint64_t after, const std::string &needle)
{
	return c.wait_for([&](const Event &e) {
		if (e.seq <= after || e.type != EventType::Agent)
			return false;
		const auto &a = std::get<AgentDetails>(e.details);
		return a.what == "reload" && a.message.find(needle) != std::string::npos;
	});
}

std::optional<Event> wait_write(Collector &c, uint64_t after, const std::string &path,
				std::chrono::milliseconds timeout = 5s)
{
	return c.wait_for(
		[&](const Event &e) {
			if (e.seq <= after || e.type != EventType::File)
				return false;
			const auto &d = std::get<FileDetails>(e.details);
			return d.op == "write" && d.path == path;
		},
		timeout);
}

} // namespace

TEST_CASE("reload: a new watch list applies at once; a broken one changes nothing")
{
	std::string a = make_dir("a"), b = make_dir("b");
	agent::Config cfg = test_config();
	cfg.files.watch = {a + "/"};
	cfg.files.content.track = {};
	Collector c(cfg);

	// Only a is watched: a write to b is not reported (a write to a proves the sensor caught up).
	write_text(b + "/before", "b1\n");
	write_text(a + "/sentinel", "s\n");
	auto sentinel = wait_write(c, 0, a + "/sentinel");
	REQUIRE(sentinel);
	for (const Event &e : c.snapshot())
		if (e.type == EventType::File)
			CHECK(std::get<FileDetails>(e.details).path.rfind(b, 0) != 0);

	agent::Config next = cfg;
	next.files.watch = {b + "/"};
	next.ring_buffer.size_mib = 32; // cannot change at run time
	uint64_t mark = sentinel->seq;
	c.sensor().reload(next);
	auto ev = wait_reload(c, mark, "applied: files watch");
	REQUIRE(ev);
	CHECK(std::get<AgentDetails>(ev->details).message.find("needs a restart: ring_buffer") != std::string::npos);

	write_text(b + "/after", "b2\n");
	auto wb = wait_write(c, ev->seq, b + "/after");
	REQUIRE(wb);
	CHECK(std::get<FileDetails>(wb->details).bytes_written == 3);

	// A broken file: the error is reported and b stays watched.
	c.sensor().reload(agent::parse_config("files:\n  watch: [relative/]\n", "/etc/linesman/linesman.yaml"));
	auto bad = wait_reload(c, wb->seq, "configuration not reloaded");
	REQUIRE(bad);
	const std::string &msg = std::get<AgentDetails>(bad->details).message;
	CHECK(msg.find("linesman.yaml:2: files.watch[0]") != std::string::npos);
	CHECK(msg.find("the running configuration stays in force") != std::string::npos);
	write_text(b + "/still", "b3\n");
	CHECK(wait_write(c, bad->seq, b + "/still"));

	c.stop();
	std::system(("rm -rf " + a + " " + b).c_str());
}
