// SPDX-License-Identifier: Apache-2.0
// linesmand: the Linesman agent.
#include <signal.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>
#include <mutex>

#include "agent/config.h"
#include "common/version.h"
#include "agent/output_sink.h"
#include "agent/sensor.h"

using namespace linesman;

namespace {

int fail(const std::string &msg)
{
	std::fprintf(stderr, "linesmand: %s\n", msg.c_str());
	return 1;
}

} // namespace

int main(int argc, char **argv)
{
	CLI::App app{"linesmand: eBPF host sensor for telecom switching servers"};
	std::string config_path = agent::kDefaultConfigPath;
	std::string format, output_file;
	bool verbose = false, check = false;
	auto *config_opt = app.add_option("-c,--config", config_path, "configuration file (YAML)");
	app.add_option("-o,--output", format, "live output format: compact or jsonl (overrides output.format)")
	    ->check(CLI::IsMember({"compact", "jsonl"}));
	app.add_option("--output-file", output_file, "append events to this file instead of stdout");
	app.add_flag("-v,--verbose", verbose, "libbpf debug messages (verifier log on load failure)");
	app.add_flag("--check-config", check, "validate the configuration and exit");
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
	auto sensor = agent::Sensor::start(cfg.value(), std::move(output), verbose);
	if (!sensor)
		return fail(sensor.error().what());

	for (;;) {
		int sig = 0;
		if (sigwait(&sigs, &sig) != 0)
			continue;
		if (sig == SIGHUP) {
			// Log rotation: reopen the output file. Configuration reload is not
			// implemented yet; a restart applies a new configuration.
			if (auto st = sink.reopen(); !st)
				std::fprintf(stderr, "linesmand: %s\n", st.error().what().c_str());
			continue;
		}
		break;
	}
	sensor.value()->stop();
	return 0;
}
