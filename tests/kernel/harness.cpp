// SPDX-License-Identifier: Apache-2.0
#include "harness.h"

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <thread>

#include <doctest/doctest.h>

namespace linesman::test {

agent::Config test_config()
{
	agent::Config cfg;
	cfg.rollup.enabled = false;
	cfg.ring_buffer.poll_ms = 20; // tests wait on events: keep latency low
	cfg.heartbeat_s = 0;
	cfg.store.enabled = false; // several sensors run at once here; store tests give each its own state_dir
	return cfg;
}

Collector::Collector(agent::Config cfg)
{
	agent::Sensor::Output out;
	out.write = [this](const Event &ev) {
		std::lock_guard lock(mu_);
		events_.push_back(ev);
	};
	auto s = agent::Sensor::start(cfg, std::move(out));
	if (!s)
		FAIL("cannot start the sensor: " << s.error().what());
	sensor_ = std::move(s.value());
}

Collector::~Collector()
{
	stop();
}

void Collector::stop()
{
	if (sensor_)
		sensor_->stop();
}

std::optional<Event> Collector::wait_for(const std::function<bool(const Event &)> &match,
					 std::chrono::milliseconds timeout)
{
	auto deadline = std::chrono::steady_clock::now() + timeout;
	size_t checked = 0;
	for (;;) {
		{
			std::lock_guard lock(mu_);
			for (; checked < events_.size(); ++checked)
				if (match(events_[checked]))
					return events_[checked];
		}
		if (std::chrono::steady_clock::now() > deadline)
			return std::nullopt;
		std::this_thread::sleep_for(5ms);
	}
}

std::optional<Event> Collector::wait_exec(pid_t pid, std::chrono::milliseconds timeout)
{
	return wait_for([pid](const Event &e) { return e.type == EventType::Exec && e.process.pid == uint32_t(pid); },
			timeout);
}

std::optional<Event> Collector::wait_exit(pid_t pid, std::chrono::milliseconds timeout)
{
	return wait_for([pid](const Event &e) { return e.type == EventType::Exit && e.process.pid == uint32_t(pid); },
			timeout);
}

std::vector<Event> Collector::snapshot()
{
	std::lock_guard lock(mu_);
	return events_;
}

uint64_t Collector::last_seq()
{
	std::lock_guard lock(mu_);
	return events_.empty() ? 0 : events_.back().seq;
}

Collector &shared_sensor()
{
	static Collector c(test_config());
	return c;
}

pid_t spawn(const std::string &path, const std::vector<std::string> &argv,
	    const std::function<void()> &in_child)
{
	std::vector<char *> args;
	for (const auto &a : argv)
		args.push_back(const_cast<char *>(a.c_str()));
	args.push_back(nullptr);
	pid_t pid = fork();
	REQUIRE(pid >= 0);
	if (pid == 0) {
		if (in_child)
			in_child();
		execv(path.c_str(), args.data());
		_exit(127);
	}
	return pid;
}

int wait_status(pid_t pid)
{
	int status = 0;
	REQUIRE(waitpid(pid, &status, 0) == pid);
	return status;
}

std::string scratch_dir()
{
	static std::string dir = [] {
		char tmpl[] = "/var/tmp/linesman-ktest.XXXXXX";
		REQUIRE(mkdtemp(tmpl) != nullptr);
		chmod(tmpl, 0755);
		return std::string(tmpl);
	}();
	return dir;
}

void sh(const std::string &cmd)
{
	int rc = std::system(cmd.c_str());
	REQUIRE_MESSAGE(rc == 0, "command failed: " << cmd);
}

std::string sh_output(const std::string &cmd)
{
	std::string out;
	FILE *p = popen(cmd.c_str(), "r");
	REQUIRE(p != nullptr);
	char buf[4096];
	size_t n;
	while ((n = fread(buf, 1, sizeof(buf), p)) > 0)
		out.append(buf, n);
	pclose(p);
	while (!out.empty() && out.back() == '\n')
		out.pop_back();
	return out;
}

const ExecDetails &exec_of(const Event &ev)
{
	REQUIRE(std::holds_alternative<ExecDetails>(ev.details));
	return std::get<ExecDetails>(ev.details);
}

const ExitDetails &exit_of(const Event &ev)
{
	REQUIRE(std::holds_alternative<ExitDetails>(ev.details));
	return std::get<ExitDetails>(ev.details);
}

} // namespace linesman::test
