// SPDX-License-Identifier: Apache-2.0
// Kernel-test harness: runs the real Sensor (real probes in the real kernel),
// collects its events, and lets a test wait for the event its trigger caused.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "agent/config.h"
#include "agent/sensor.h"
#include "common/event.h"

namespace linesman::test {

using namespace std::chrono_literals;

// Collects every event of one Sensor.
class Collector {
public:
	explicit Collector(agent::Config cfg);
	~Collector();

	// Wait for the first event (in seq order) that matches; nullopt on timeout.
	std::optional<Event> wait_for(const std::function<bool(const Event &)> &match,
				      std::chrono::milliseconds timeout = 5s);
	std::optional<Event> wait_exec(pid_t pid, std::chrono::milliseconds timeout = 5s);
	std::optional<Event> wait_exit(pid_t pid, std::chrono::milliseconds timeout = 5s);
	std::vector<Event> snapshot();
	uint64_t last_seq(); // seq of the newest event so far, 0 when none: "after this point"
	void stop(); // stop the sensor: drains and emits rollups and the stop event
	agent::Sensor &sensor() { return *sensor_; }

private:
	std::mutex mu_;
	std::vector<Event> events_;
	std::unique_ptr<agent::Sensor> sensor_;
};

// The sensor shared by most tests: rollups off, so that repeated triggers are
// all reported in full.
Collector &shared_sensor();

// Config with defaults except what tests need.
agent::Config test_config();

// fork + (optional setup in the child) + execve. Returns the child's pid.
pid_t spawn(const std::string &path, const std::vector<std::string> &argv,
	    const std::function<void()> &in_child = {});
// waitpid; returns the raw wait status.
int wait_status(pid_t pid);

// Directory for test files on a filesystem that honours set-uid (not /tmp).
std::string scratch_dir();
// Run a shell command; fail the test if it does not exit 0.
void sh(const std::string &cmd);
std::string sh_output(const std::string &cmd);

const ExecDetails &exec_of(const Event &ev);
const ExitDetails &exit_of(const Event &ev);

} // namespace linesman::test
