// SPDX-License-Identifier: Apache-2.0
// linesman: the operator's command line. The event store and its queries
// (query, tree, stats, verify, sql) arrive with the local event log; today it
// validates configuration files, with the agent's own parser.
#include <CLI/CLI.hpp>
#include <cstdio>

#include "agent/config.h"
#include "common/version.h"

using namespace linesman;

int main(int argc, char **argv)
{
	CLI::App app{"linesman: query and manage the Linesman sensor"};
	app.require_subcommand(1);
	app.set_version_flag("--version", std::string("linesman ") + kVersion);

	auto *config = app.add_subcommand("config", "configuration tools");
	config->require_subcommand(1);
	auto *check = config->add_subcommand("check", "validate a linesmand configuration file");
	std::string path = agent::kDefaultConfigPath;
	check->add_option("file", path, "configuration file")->capture_default_str();

	try {
		app.parse(argc, argv);
	} catch (const CLI::ParseError &e) {
		return app.exit(e) == 0 ? 0 : 2;
	}

	if (check->parsed()) {
		auto cfg = agent::load_config(path, true);
		if (!cfg) {
			std::fprintf(stderr, "linesman: %s\n", cfg.error().what().c_str());
			return 1;
		}
		std::printf("%s: OK\n", path.c_str());
	}
	return 0;
}
