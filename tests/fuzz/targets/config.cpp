// SPDX-License-Identifier: Apache-2.0
// parse_config() on arbitrary text: it must refuse with an error or return a
// Config, never crash, hang or throw. An accepted Config must also respect
// every limit config.h and config.cpp promise, because the agent passes these
// values on unchecked (to the kernel, to allocations): a value that slips past
// its check is a bug even when nothing crashes here.
#include <cstdint>
#include <cstdlib>
#include <cstdio>
#include <string>

#include "agent/config.h"
#include "fim/pattern.h"

using namespace linesman;

namespace {

void expect(bool cond, const char *what)
{
	if (!cond) {
		std::fprintf(stderr, "config fuzz: accepted a Config that breaks: %s\n", what);
		std::abort();
	}
}

bool in(uint32_t v, uint32_t lo, uint32_t hi) { return v >= lo && v <= hi; }

bool no_control(const std::string &s)
{
	for (char c : s)
		if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
			return false;
	return true;
}

void check_patterns(const std::vector<std::string> &list, bool dirs_only, const char *what)
{
	for (const std::string &p : list) {
		expect(fim::PathPattern::parse(p).ok(), what);
		if (dirs_only)
			expect(p.front() == '/' && p.back() == '/' && p.find('[') == std::string::npos, what);
	}
}

void check(const agent::Config &c)
{
	expect(c.host.size() <= 255 && no_control(c.host), "host: at most 255 bytes, no control characters");
	expect(!c.output.path.empty() && c.output.path.find('\0') == std::string::npos,
	       "output.path: not empty, no NUL");
	expect(in(c.exec.argv_max, 64, 32767), "exec.argv_max 64..32767");
	expect(in(c.rollup.threshold, 1, 1000000), "rollup.threshold 1..1000000");
	expect(in(c.rollup.window_s, 1, 86400), "rollup.window 1..86400");
	expect(in(c.rollup.max_keys, 16, 1048576), "rollup.max_keys 16..1048576");
	expect(in(c.process_cache.max_entries, 1024, 4194304), "process_cache.max_entries 1024..4194304");
	expect(in(c.process_cache.exit_grace_s, 0, 3600), "process_cache.exit_grace 0..3600");
	const auto &rb = c.ring_buffer;
	expect(in(rb.size_mib, 1, 1024) && (rb.size_mib & (rb.size_mib - 1)) == 0,
	       "ring_buffer.size_mib: a power of two 1..1024");
	expect(rb.wakeup_kib >= 1 && rb.wakeup_kib < rb.size_mib * 1024, "ring_buffer.wakeup_kib below the ring");
	expect(in(rb.poll_ms, 1, 1000), "ring_buffer.poll_ms 1..1000");
	expect(in(rb.queue_events, 1024, 1048576), "ring_buffer.queue_events 1024..1048576");
	for (uint16_t port : c.network.ignore_ports)
		expect(port >= 1, "network.ignore_ports 1..65535");
	expect(in(c.network.summary_s, 1, 3600), "network.summary 1..3600");
	expect(c.files.watch.size() <= 32, "files.watch: at most 32 patterns");
	check_patterns(c.files.watch, true, "files.watch: absolute directory patterns without [...]");
	expect(in(c.files.rescan_s, 1, 86400), "files.rescan 1..86400");
	check_patterns(c.files.sensitive_reads.paths, false, "files.sensitive_reads.paths: valid patterns");
	check_patterns(c.files.content.track, false, "files.content.track: valid patterns");
	check_patterns(c.files.content.deny, false, "files.content.deny: valid patterns");
	expect(c.files.content.max_file_size <= (64u << 20), "files.content.max_file_size <= 64 MiB");
	expect(in(c.files.content.memory_mib, 1, 1024), "files.content.memory_mib 1..1024");
	expect(in(c.heartbeat_s, 0, 86400), "heartbeat 0..86400");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	auto cfg = agent::parse_config(std::string(reinterpret_cast<const char *>(data), size), "fuzz.yaml");
	if (cfg)
		check(cfg.value());
	return 0;
}
