// SPDX-License-Identifier: Apache-2.0
// The running sensor: probes attached, one thread reading the ring buffer into
// a bounded queue, one pipeline thread that decodes, enriches and hands every
// event to the sink. linesmand and the kernel tests both run exactly this.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "agent/config.h"
#include "common/event.h"
#include "common/result.h"
#include "probe/probes.h"

namespace linesman::agent {

struct SensorStatus {
	std::vector<probe::Attachment> attachments;
	uint64_t records = 0;        // records read from the ring buffer
	uint64_t decode_errors = 0;
	uint64_t events = 0;         // events handed to the sink
	uint64_t lost = 0;           // records reported in loss events
	uint64_t last_seq = 0;
	size_t processes = 0;        // process cache entries
};

struct StartOptions {
	bool verbose = false;    // libbpf debug messages (the verifier log on a load failure)
	std::string config_path; // for status.json; "" when no file was read
	// Keep <state_dir>/status.json current (linesmand). Off by default: the kernel
	// tests run several sensors on the default state_dir at once.
	bool publish_status = false;
	// Keep <state_dir>/seq.reserved with the store off too, so that the live stream's
	// seq does not repeat across restarts (linesmand). With the store on it is always
	// kept: the store's continuity after a kill -9 depends on it.
	bool reserve_seq = false;
};

class Sensor {
public:
	// Where events go. All three are called on the pipeline thread.
	struct Output {
		std::function<void(const Event &)> write; // one event at a time, in seq order
		std::function<void()> flush;              // after each batch (optional)
		std::function<uint64_t()> write_errors;   // failed writes so far (optional), for heartbeats
	};

	static Result<std::unique_ptr<Sensor>> start(const Config &cfg, Output output,
						     StartOptions opts = {});
	~Sensor();

	// Apply a new configuration (SIGHUP), on the pipeline thread within a
	// second. What can change at run time changes; what needs a restart is
	// named in the `reload` agent event. An error (a broken file) keeps the
	// running configuration and says why in an agent event.
	void reload(Result<Config> cfg);

	// Detach the probes, drain what was read, close rollup windows, emit the
	// agent stop event. Idempotent.
	void stop();
	SensorStatus status() const;

	struct Impl;

private:
	explicit Sensor(std::unique_ptr<Impl> impl);
	std::unique_ptr<Impl> impl_;
};

// This host's name, for events ("" if gethostname fails).
std::string host_name();

} // namespace linesman::agent
