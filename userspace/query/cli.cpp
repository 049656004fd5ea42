// SPDX-License-Identifier: Apache-2.0
// The parser: CLI11 takes every value as a string and the commands validate them,
// so each bad value gets a message naming the option (CLI11's own are generic).
#include "query/cli.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdlib>

#include "agent/config.h"
#include "common/version.h"
#include "query/commands.h"

namespace linesman::query {

namespace {

constexpr const char *kFooter = R"(
Exit status:
  0  events printed (verify: every file ok; sql: rows printed; status: linesmand running)
  1  nothing matched (verify: a problem found; sql: no rows; config check: invalid)
  2  bad input: an unknown option, a bad value, a refused SQL statement
  3  status: linesmand is not running (stopped, killed, hung, or never ran here)
  4  the event store cannot be read: missing directory, permissions, corrupt file
     (status: the state directory or status.json cannot be read)

Times (-S, -U) are local unless they end in Z or an offset:
  "2026-11-26 13:00", "2026-11-26 13:00:00", 2026-11-26T13:00:00Z, 13:00,
  now, today, yesterday, tomorrow, -30s, -15m, -2h, -1d, -1w)";

// The state directory: -D, else state_dir from --config (or the default config
// file when it exists), else the built-in default.
std::string state_dir(const std::string &dir, const std::string &config, bool config_given,
		      std::ostream &err, bool &failed)
{
	if (!dir.empty())
		return dir;
	auto cfg = agent::load_config(config, config_given);
	if (!cfg) {
		if (config_given) {
			err << "linesman: --config: " << cfg.error().what() << '\n';
			failed = true;
			return "";
		}
		// A broken default config must not stop a 3 a.m. query: say so, read the default.
		err << "linesman: warning: " << cfg.error().what() << "; reading "
		    << agent::Config{}.state_dir << '\n';
		return agent::Config{}.state_dir;
	}
	return cfg->state_dir;
}

} // namespace

int run_cli(const std::vector<std::string> &args, std::ostream &out, std::ostream &err,
	    const CliContext &ctx)
{
	CLI::App app{"linesman: query and manage the Linesman sensor"};
	app.name("linesman");
	app.require_subcommand(1);
	app.set_version_flag("--version", std::string("linesman ") + kVersion);
	app.footer(kFooter);
	// An option given twice: the last wins, as journalctl and most tools do (CLI11 refuses).
	app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);

	std::string dir, config = agent::kDefaultConfigPath;
	auto add_store_options = [&](CLI::App *cmd) {
		cmd->add_option("-D,--directory", dir,
				"state directory or folder of hour files (a copied store); "
				"default: state_dir from the configuration, /var/lib/linesman")->type_name("DIR");
		cmd->add_option("--config", config, "linesmand configuration, for state_dir")->type_name("FILE")
		    ->capture_default_str();
	};

	QueryOptions q;
	bool no_color = false;
	auto *query = app.add_subcommand("query", "print stored events, oldest first (journalctl-like)");
	query->add_option("-S,--since", q.since, "events at or after this time")->type_name("TIME");
	query->add_option("-U,--until", q.until, "events before this time")->type_name("TIME");
	query->add_option("-n,--lines", q.lines, "only the last N matching events")->type_name("N");
	query->add_flag("-r,--reverse", q.reverse, "newest first");
	query->add_flag("-f,--follow", q.follow,
			"after the matching events, print new ones as they are stored, until interrupted");
	query->add_option("--type", q.types,
			  "event type, repeatable or a comma list: exec, exit, connect, accept, listen, "
			  "close, socket, udp, tcp_summary, file, loss, agent, rollup")->type_name("TYPE")
	    ->expected(1)
	    ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
	query->add_option("-p,--pid", q.pid, "process id")->type_name("PID");
	query->add_option("--exec-id", q.exec_id, "exec id (one execution of a program)")->type_name("ID");
	query->add_option("-x,--exe", q.exe,
			  "executable, a glob; without '/' it matches the file name (-x sshd)")->type_name("GLOB");
	query->add_option("-u,--user", q.user, "user name or uid")->type_name("USER");
	query->add_option("--path", q.path, "file path, a glob (renames: old or new path)")->type_name("GLOB");
	query->add_option("--port", q.port, "local or remote port")->type_name("PORT");
	query->add_option("--addr", q.addr, "local or remote address, or a network (10.0.0.0/8)")->type_name("ADDR[/LEN]");
	query->add_option("--container", q.container,
			  "container id or its first hex digits (as docker ps shows), an LXC name, "
			  "or host: processes in no container")->type_name("ID|host");
	query->add_option("-o,--output", q.output, "short, compact, json, jsonl or json-pretty")->type_name("FORMAT")
	    ->capture_default_str();
	query->add_flag("--no-color", no_color, "no colours, even on a terminal");
	add_store_options(query);

	auto *verify = app.add_subcommand("verify",
					  "check every hour file's hash chain and seq continuity");
	add_store_options(verify);

	SqlOptions s;
	auto *sql = app.add_subcommand(
	    "sql", "run a read-only SELECT on each hour file (rows prefixed by their hour), or on "
		   "one with --file; tab-separated, with a header line");
	sql->add_option("statement", s.sql, "the SELECT")->type_name("SQL")->required();
	sql->add_option("--file", s.file, "one hour file, e.g. 2026-11-26T13")->type_name("HOUR");
	add_store_options(sql);

	TreeOptions t;
	auto *tree = app.add_subcommand(
	    "tree", "a process's ancestry and descendants, with each one's files changed, "
		    "connections and listeners");
	tree->add_option("process", t.target, "a pid (its newest execution) or an exec id")
	    ->type_name("PID|EXEC_ID")->required();
	tree->add_option("-S,--since", t.since, "only executions and activity at or after this time")
	    ->type_name("TIME");
	tree->add_option("-U,--until", t.until, "only executions and activity before this time")
	    ->type_name("TIME");
	add_store_options(tree);

	StatsOptions st;
	auto *stats = app.add_subcommand(
	    "stats", "events per type per hour, top executables, talkers and changed files");
	stats->add_option("-S,--since", st.since, "events at or after this time")->type_name("TIME");
	stats->add_option("-U,--until", st.until, "events before this time")->type_name("TIME");
	add_store_options(stats);

	StatusOptions so;
	auto *status = app.add_subcommand(
	    "status", "is linesmand running: probes attached, events per type and losses since it "
		      "started, the event log's size and the hours it keeps (exit 0 running, 3 not)");
	status->add_option("-o,--output", so.output,
			   "text, or json (keys documented in docs/ARCHITECTURE.md, linesman status)")
	    ->type_name("FORMAT")->capture_default_str();
	add_store_options(status);
	status->get_option("--directory")->description(
	    "state directory (status.json and events/); default: state_dir from the configuration, "
	    "/var/lib/linesman");

	auto *cfg = app.add_subcommand("config", "configuration tools");
	cfg->require_subcommand(1);
	auto *check = cfg->add_subcommand("check", "validate a linesmand configuration file");
	std::string check_path = agent::kDefaultConfigPath;
	check->add_option("file", check_path, "configuration file")->capture_default_str();

	// CLI11 parses a vector from the back.
	std::vector<std::string> rev(args.rbegin(), args.rend());
	try {
		app.parse(rev);
	} catch (const CLI::CallForHelp &e) {
		return app.exit(e, out, err) == 0 ? kExitOk : kExitUsage;
	} catch (const CLI::CallForAllHelp &e) {
		return app.exit(e, out, err) == 0 ? kExitOk : kExitUsage;
	} catch (const CLI::CallForVersion &e) {
		return app.exit(e, out, err) == 0 ? kExitOk : kExitUsage;
	} catch (const CLI::ParseError &e) {
		err << "linesman: " << e.what() << "\nRun 'linesman --help' for usage.\n";
		return kExitUsage;
	}

	// An empty value ("-x ''") would otherwise read as the option not given at all.
	for (CLI::App *cmd : {query, verify, sql, tree, stats, status}) {
		for (const CLI::Option *opt : cmd->get_options()) {
			for (const std::string &v : opt->results()) {
				if (v.empty()) {
					err << "linesman: " << opt->get_name() << ": an empty value is not allowed\n";
					return kExitUsage;
				}
			}
		}
	}

	if (check->parsed()) {
		auto c = agent::load_config(check_path, true);
		if (!c) {
			err << "linesman: " << c.error().what() << '\n';
			return kExitNoMatch;
		}
		out << check_path << ": OK\n";
		return kExitOk;
	}

	CLI::App *cmd = query->parsed()    ? query
			: verify->parsed() ? verify
			: tree->parsed()   ? tree
			: stats->parsed()  ? stats
			: status->parsed() ? status
			                   : sql;
	bool failed = false;
	std::string state = state_dir(dir, config, cmd->count("--config") > 0, err, failed);
	if (failed)
		return kExitUsage;

	if (query->parsed()) {
		q.dir = state;
		q.color = ctx.out_is_tty && !no_color && !std::getenv("NO_COLOR");
		q.now_ns = ctx.now_ns;
		q.follow_stop = ctx.follow_stop;
		q.follow_interval_ms = ctx.follow_interval_ms;
		return run_query(q, out, err);
	}
	if (tree->parsed()) {
		t.dir = state;
		t.now_ns = ctx.now_ns;
		return run_tree(t, out, err);
	}
	if (stats->parsed()) {
		st.dir = state;
		st.now_ns = ctx.now_ns;
		return run_stats(st, out, err);
	}
	if (verify->parsed())
		return run_verify(state, out, err);
	if (status->parsed()) {
		so.dir = state;
		so.now_ns = ctx.now_ns;
		return run_status(so, out, err);
	}
	s.dir = state;
	return run_sql_command(s, out, err);
}

} // namespace linesman::query
