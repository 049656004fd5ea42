// SPDX-License-Identifier: Apache-2.0
// linesmand: the Linesman agent.
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <mutex>
#include <string>

#include "agent/config.h"
#include "common/version.h"
#include "agent/output_sink.h"
#include "agent/sensor.h"
#include "probe/probes.h"

using namespace linesman;

namespace {

int fail(const std::string &msg)
{
	std::fprintf(stderr, "linesmand: %s\n", msg.c_str());
	return 1;
}

constexpr const char *kDefaultLockPath = "/run/linesman/linesmand.lock";

// One agent per host: a second one would attach every program again and
// report every event twice. flock(2) rather than a pid file alone: the kernel
// drops the lock when its holder dies, even by kill -9, so a stale file never
// blocks a restart. The pid written into the file is only for the message.
// The descriptor stays open (and locked) until the process exits; the file is
// never unlinked, because a new agent could lock the unlinked inode while a
// third one creates and locks a fresh file under the same name.
Status take_instance_lock(const std::string &path)
{
	size_t slash = path.rfind('/');
	std::string dir = slash == std::string::npos ? "" : path.substr(0, slash);
	if (!dir.empty() && mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST)
		return Error::from_errno(errno, "cannot create the directory of the lock file " + path);
	int fd = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return Error::from_errno(errno, "cannot open the lock file " + path);
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		int err = errno;
		if (err != EWOULDBLOCK) {
			close(fd);
			return Error::from_errno(err, "cannot lock " + path);
		}
		char buf[32] = {};
		ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
		close(fd);
		std::string pid = n > 0 ? std::string(buf, strcspn(buf, "\n")) : "";
		// Empty while the holder is between its flock() and its write().
		std::string holder = pid.empty() ? "pid not yet written" : "pid " + pid;
		return Error("another linesmand is running (" + holder + ", holding " + path +
			     "); stop it first, or give this one its own --lock-file");
	}
	std::string pid = std::to_string(getpid()) + "\n";
	if (ftruncate(fd, 0) != 0 || pwrite(fd, pid.data(), pid.size(), 0) != ssize_t(pid.size())) {
		int err = errno;
		close(fd);
		return Error::from_errno(err, "cannot write the pid into the lock file " + path);
	}
	return ok();
}

} // namespace

int main(int argc, char **argv)
{
	CLI::App app{"linesmand: eBPF host sensor for telecom switching servers"};
	std::string config_path = agent::kDefaultConfigPath;
	std::string format, output_file, lock_path = kDefaultLockPath;
	bool verbose = false, check = false;
	auto *config_opt = app.add_option("-c,--config", config_path, "configuration file (YAML)");
	app.add_option("-o,--output", format, "live output format: compact or jsonl (overrides output.format)")
	    ->check(CLI::IsMember({"compact", "jsonl"}));
	app.add_option("--output-file", output_file, "append events to this file instead of stdout");
	app.add_flag("-v,--verbose", verbose, "libbpf debug messages (verifier log on load failure)");
	app.add_flag("--check-config", check, "validate the configuration and exit");
	app.add_option("--lock-file", lock_path, "lock that keeps a second agent from starting")
	    ->capture_default_str();
	app.set_version_flag("--version", std::string("linesmand ") + kVersion);
	try {
		app.parse(argc, argv);
	} catch (const CLI::ParseError &e) {
		return app.exit(e) == 0 ? 0 : 2;
	}

	auto cfg = agent::load_config(config_path, config_opt->count() > 0);
	if (!cfg)
		return fail(cfg.error().what());
	if (!format.empty())
		cfg->output.format = format == "jsonl" ? agent::OutputFormat::Jsonl : agent::OutputFormat::Compact;
	if (!output_file.empty())
		cfg->output.path = output_file;
	if (check) {
		std::printf("linesmand: configuration OK\n");
		return 0;
	}

	// Privileges and kernel support first: without them the lock directory
	// cannot be created either, and "run as root" is the error that helps.
	if (auto st = probe::preflight(); !st)
		return fail(st.error().what());
	// Before the output is opened and any program loaded: a refused second
	// agent must leave no trace.
	if (auto st = take_instance_lock(lock_path); !st)
		return fail(st.error().what());

	auto out = agent::OutputSink::open(cfg->output);
	if (!out)
		return fail(out.error().what());
	agent::OutputSink &sink = *out.value();

	// A closed pipe or socket on the output must show as write errors (and loss
	// events), not kill the sensor.
	signal(SIGPIPE, SIG_IGN);

	// Signals are taken synchronously by this thread; every other thread
	// inherits the blocked mask.
	sigset_t sigs;
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &sigs, nullptr);

	agent::Sensor::Output output{[&sink](const Event &ev) { sink.write(ev); }, [&sink] { sink.flush(); },
				     [&sink] { return sink.write_errors(); }};
	agent::StartOptions so;
	so.verbose = verbose;
	so.publish_status = true;
	so.reserve_seq = true;
	// The defaults apply when the default file is missing: then no file was read.
	if (config_opt->count() > 0 || access(config_path.c_str(), F_OK) == 0) {
		char *abs = realpath(config_path.c_str(), nullptr); // a reader elsewhere needs no cwd
		so.config_path = abs ? abs : config_path;
		free(abs);
	}
	auto sensor = agent::Sensor::start(cfg.value(), std::move(output), std::move(so));
	if (!sensor)
		return fail(sensor.error().what());

	for (;;) {
		int sig = 0;
		if (sigwait(&sigs, &sig) != 0)
			continue;
		if (sig == SIGHUP) {
			// Log rotation: reopen the output file. Then reload the configuration
			// file: the sensor applies what can change at run time and reports the
			// rest, or the parse error, in an agent event.
			if (auto st = sink.reopen(); !st)
				std::fprintf(stderr, "linesmand: %s\n", st.error().what().c_str());
			auto next = agent::load_config(config_path, config_opt->count() > 0);
			if (!next)
				std::fprintf(stderr, "linesmand: reload: %s; the running configuration stays\n",
					     next.error().what().c_str());
			else if (!format.empty() || !output_file.empty())
				next->output = cfg->output; // the command line's output options still hold
			sensor.value()->reload(std::move(next));
			continue;
		}
		break;
	}
	sensor.value()->stop();
	return 0;
}
