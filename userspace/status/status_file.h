// SPDX-License-Identifier: Apache-2.0
// The agent's live state, <state_dir>/status.json: linesmand rewrites it every second
// on the pipeline tick and once more at stop; `linesman status` reads it. Key names
// are stable within a schema version (docs/ARCHITECTURE.md §4.2 lists them).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"

namespace linesman::output {
class JsonWriter;
}

namespace linesman::status {

// Bumped when a key changes meaning or goes away; new keys do not bump it.
inline constexpr uint32_t kSchemaVersion = 1;
inline constexpr const char *kFileName = "status.json";
// A running agent rewrites the file every second: older than this, it is not running
// (killed, or hung), whatever the file says.
inline constexpr uint64_t kStaleNs = 5'000'000'000;

struct Probe {
	std::string program; // BPF program, "handle_exec"
	std::string hook;    // "tp_btf/sched_process_exec"
	std::string family;  // "process", "net", "udp", "file"
	bool required = false;
	bool attached = false;
	std::string error;   // why it is not attached
	bool operator==(const Probe &) const = default;
};

struct StoreState {
	bool enabled = false;
	uint64_t last_seq = 0;    // the last seq committed to the event log
	uint64_t epoch = 0;
	uint64_t queue_depth = 0; // events waiting for the store thread
	uint64_t lost = 0;        // not stored (the `store` loss)
	uint64_t shed = 0;        // deleted early on a full disk (the `store_disk_full` loss)
	bool operator==(const StoreState &) const = default;
};

using Counts = std::vector<std::pair<std::string, uint64_t>>;

struct AgentStatus {
	uint32_t schema = kSchemaVersion;
	std::string host;
	uint32_t pid = 0;
	std::string version;
	uint64_t started_ns = 0; // wall clock
	uint64_t updated_ns = 0; // wall clock, at the last rewrite
	bool running = true;     // "state": "running" | "stopped"
	std::string config;      // the configuration file, "" when none was read
	std::string state_dir;
	std::vector<Probe> probes;
	Counts events;           // by event type name, since start, every type
	Counts kernel_losses;    // "where.what" (kernel_ringbuf.exec, kernel_recursion.<prog>), since start
	Counts userspace_losses; // by loss `where` (userspace_queue, decoder, output, store, ...), since start
	StoreState store;
	bool operator==(const AgentStatus &) const = default;
};

// The document as its members, in this order (so a reader can embed it).
void write_json(output::JsonWriter &w, const AgentStatus &s);
// The whole document, pretty-printed, with a trailing newline.
std::string to_json(const AgentStatus &s);
// Unknown keys are ignored (a newer agent may add some); a missing or mistyped known
// key, or a newer schema version, is an error.
Result<AgentStatus> parse(std::string_view json);

// Replaces <dir>/status.json atomically: a temporary file in the same folder, mode
// 0640, group `gid` (when root), renamed over it. Readers see the old or the new
// document, never a part.
Status write_file(const std::string &dir, std::string_view json, gid_t gid);
// ENOENT stays recognisable in the error's code (no agent has written one here); a
// permission failure names the fix.
Result<AgentStatus> read_file(const std::string &dir);

enum class Liveness {
	Running,    // says running, updated within kStaleNs
	Stopped,    // stopped cleanly (SIGTERM, SIGINT)
	NotRunning, // says running, but stale: killed or hung
};
Liveness liveness(const AgentStatus &s, uint64_t now_ns);
const char *to_string(Liveness l); // "running", "stopped", "not_running"

} // namespace linesman::status
