// SPDX-License-Identifier: Apache-2.0
// The example configuration shipped in packaging/ documents the defaults: it
// must parse, and say exactly what the agent does with no file at all.
#include <fstream>
#include <sstream>

#include <doctest/doctest.h>

#include "agent/config.h"

using namespace linesman::agent;

TEST_CASE("packaging/linesman.yaml parses and equals the built-in defaults")
{
	std::ifstream f("packaging/linesman.yaml"); // tests run from the repository root
	REQUIRE(f.good());
	std::stringstream text;
	text << f.rdbuf();
	auto parsed = parse_config(text.str(), "packaging/linesman.yaml");
	REQUIRE_MESSAGE(parsed.ok(), (parsed.ok() ? "" : parsed.error().what()));
	const Config &c = parsed.value();
	const Config d;
	CHECK(c.host == d.host);
	CHECK(c.output.format == d.output.format);
	CHECK(c.output.path == d.output.path);
	CHECK(c.output.color == d.output.color);
	CHECK(c.exec.argv_max == d.exec.argv_max);
	CHECK(c.rollup.enabled == d.rollup.enabled);
	CHECK(c.rollup.threshold == d.rollup.threshold);
	CHECK(c.rollup.window_s == d.rollup.window_s);
	CHECK(c.rollup.max_keys == d.rollup.max_keys);
	CHECK(c.process_cache.max_entries == d.process_cache.max_entries);
	CHECK(c.process_cache.exit_grace_s == d.process_cache.exit_grace_s);
	CHECK(c.ring_buffer.size_mib == d.ring_buffer.size_mib);
	CHECK(c.ring_buffer.wakeup_kib == d.ring_buffer.wakeup_kib);
	CHECK(c.ring_buffer.poll_ms == d.ring_buffer.poll_ms);
	CHECK(c.ring_buffer.queue_events == d.ring_buffer.queue_events);
	CHECK(c.network.ignore_loopback == d.network.ignore_loopback);
	CHECK(c.network.ignore_ports == d.network.ignore_ports);
	CHECK(c.network.summary_s == d.network.summary_s);
	CHECK(c.files.enabled == d.files.enabled);
	CHECK(c.files.watch == d.files.watch);
	CHECK(c.files.rescan_s == d.files.rescan_s);
	CHECK(c.files.sensitive_reads.enabled == d.files.sensitive_reads.enabled);
	CHECK(c.files.sensitive_reads.paths == d.files.sensitive_reads.paths);
	CHECK(c.files.content.track == d.files.content.track);
	CHECK(c.files.content.deny == d.files.content.deny);
	CHECK(c.files.content.max_file_size == d.files.content.max_file_size);
	CHECK(c.files.content.memory_mib == d.files.content.memory_mib);
	CHECK(c.state_dir == d.state_dir);
	CHECK(c.store.enabled == d.store.enabled);
	CHECK(c.store.max_size_mib == d.store.max_size_mib);
	CHECK(c.store.max_age_days == d.store.max_age_days);
	CHECK(c.store.keep_free_percent == d.store.keep_free_percent);
	CHECK(c.heartbeat_s == d.heartbeat_s);
}
