// SPDX-License-Identifier: Apache-2.0
// linesmand configuration. Every field has a default that works with no file at
// all; a file overrides them key by key. Unknown keys and bad values are errors
// naming the key and its line ("linesman.yaml:12: exec.argv_max: ...").
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/result.h"

namespace linesman::agent {

enum class OutputFormat { Compact, Jsonl };

struct Config {
	// host name stamped on every event; empty = gethostname()
	std::string host;

	struct Output {
		OutputFormat format = OutputFormat::Compact; // output.format: compact | jsonl
		std::string path = "-";                       // output.path: "-" = stdout, else a file (appended)
		bool color = true;                            // output.color: only ever used on a terminal
	} output;

	struct Exec {
		uint32_t argv_max = 8192; // exec.argv_max: bytes of argv captured, 64 .. 32767
	} exec;

	struct Rollup {
		bool enabled = true;       // rollup.enabled
		uint32_t threshold = 20;   // rollup.threshold: K full events per key and window, >= 1
		uint32_t window_s = 60;    // rollup.window: W seconds, 1 .. 86400 ("60", "60s", "5m", "1h")
		uint32_t max_keys = 16384; // rollup.max_keys: keys tracked at once, >= 16
	} rollup;

	struct ProcessCache {
		uint32_t max_entries = 65536; // process_cache.max_entries, >= 1024
		uint32_t exit_grace_s = 10;   // process_cache.exit_grace: keep exited processes this long
	} process_cache;

	struct RingBuffer {
		uint32_t size_mib = 8;        // ring_buffer.size_mib: power of two, 1 .. 1024
		uint32_t wakeup_kib = 256;    // ring_buffer.wakeup_kib: wake the reader at this backlog
		uint32_t poll_ms = 100;       // ring_buffer.poll_ms: max latency when below the wakeup mark, 1 .. 1000
		uint32_t queue_events = 65536; // ring_buffer.queue_events: reader -> pipeline queue bound, >= 1024
	} ring_buffer;

	// Kernel-side filters of the network sensor. Ignored traffic costs one map
	// lookup and produces no event. Packet-capture sockets are never filtered.
	struct Network {
		bool ignore_loopback = false;          // network.ignore_loopback: TCP/UDP with a loopback address
		std::vector<uint16_t> ignore_ports;    // network.ignore_ports: TCP/UDP with this local or remote port
		uint32_t summary_s = 60;           // network.summary: period of UDP flow and open TCP connection summaries, 1 .. 3600
	} network;

	// The file sensor: changes to watched paths (bpf/file.bpf.c, userspace/fim/).
	struct Files {
		bool enabled = true; // files.enabled
		// files.watch: directory patterns, each ending in '/'; `*` and `?` match within one component
		std::vector<std::string> watch = {
			"/etc/", "/root/.ssh/", "/home/*/.ssh/", "/var/spool/cron/",
			"/usr/lib/systemd/system/", "/usr/local/etc/", "/opt/*/etc/", "/opt/*/conf/",
			"/usr/lib/udev/rules.d/", "/usr/lib/modules-load.d/", "/usr/lib/sysctl.d/", "/boot/"};
		uint32_t rescan_s = 60; // files.rescan: re-resolve globs and aliases (new home directories), 1 .. 86400
		struct SensitiveReads {
			bool enabled = false; // files.sensitive_reads.enabled: report opens for reading of these files
			std::vector<std::string> paths = {"/etc/shadow", "/etc/gshadow", "/etc/ssh/*_key",
							  "/root/.ssh/id_*", "/home/*/.ssh/id_*"};
		} sensitive_reads;
		struct Content {
			// files.content.track: files whose content is kept to diff the next change against
			std::vector<std::string> track = {
				"/etc/", "/root/.ssh/", "/home/*/.ssh/", "/var/spool/cron/",
				"/usr/lib/systemd/system/", "/usr/local/etc/", "/opt/*/etc/", "/opt/*/conf/"};
			// files.content.deny: hashes only, never content (a pattern without '/' matches the file name)
			std::vector<std::string> deny = {"/etc/shadow", "/etc/shadow-", "/etc/gshadow",
							 "/etc/gshadow-", "*key*", "*secret*", "*.pem",
							 "id_*", "*password*", "*token*", "*.p12", "*.pfx"};
			uint32_t max_file_size = 1 << 20; // files.content.max_file_size: bytes, 0 .. 64 MiB; larger: no hash, no diff
			uint32_t memory_mib = 16;         // files.content.memory_mib: budget of kept content, 1 .. 1024
		} content;
	} files;

	uint32_t heartbeat_s = 60; // heartbeat: seconds between agent heartbeat events, 0 = off

	// state_dir: where the agent keeps its state; the event log is in its events/ folder.
	std::string state_dir = "/var/lib/linesman";

	// The local, tamper-evident event log (userspace/store/).
	struct Store {
		bool enabled = true;            // store.enabled
		uint32_t max_size_mib = 1024;   // store.max_size_mib: all hour files together, 16 .. 1048576
		uint32_t max_age_days = 14;     // store.max_age_days: 1 .. 3650
		uint32_t keep_free_percent = 15; // store.keep_free_percent: of the filesystem, 0 .. 90
	} store;
};

inline constexpr const char *kDefaultConfigPath = "/etc/linesman/linesman.yaml";

// Parse YAML text; `source` names it in errors (a path or "<string>").
Result<Config> parse_config(const std::string &yaml, const std::string &source);

// Load a file. A missing file at the default path yields the defaults; a missing
// file that was asked for by name is an error.
Result<Config> load_config(const std::string &path, bool explicitly_given);

} // namespace linesman::agent
