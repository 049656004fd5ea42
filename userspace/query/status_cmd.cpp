// SPDX-License-Identifier: Apache-2.0
// `linesman status`: is the agent running, and what has it seen and kept. The agent's
// side comes from <state_dir>/status.json (status/), the log's from the hour files'
// names and end rows (store::summarize_log): no scan, so it answers at once on a full
// store. Text laid out like `systemctl status`; -o json for monitoring.
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "output/format.h"
#include "output/json_writer.h"
#include "query/cli.h"
#include "query/commands.h"
#include "query/text.h"
#include "query/time_parse.h"
#include "status/status_file.h"
#include "store/reader.h"

namespace linesman::query {

namespace {

constexpr uint64_t kNsPerSec = 1'000'000'000;

// "45s", "3min 20s", "2h 3min", "4 days 2h": the two largest units, as systemctl does.
std::string duration_text(uint64_t ns)
{
	uint64_t s = ns / kNsPerSec;
	uint64_t d = s / 86400, h = s / 3600 % 24, m = s / 60 % 60, sec = s % 60;
	auto n = [](uint64_t v, const char *unit) { return std::to_string(v) + unit; };
	if (d)
		return n(d, d == 1 ? " day" : " days") + (h ? " " + n(h, "h") : "");
	if (h)
		return n(h, "h") + (m ? " " + n(m, "min") : "");
	if (m)
		return n(m, "min") + (sec ? " " + n(sec, "s") : "");
	return n(sec, "s");
}

std::string bytes_text(uint64_t b)
{
	const char *units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
	double v = double(b);
	size_t u = 0;
	while (v >= 1024 && u + 1 < std::size(units))
		v /= 1024, ++u;
	char buf[32];
	snprintf(buf, sizeof buf, u ? "%.1f %s" : "%.0f %s", v, units[u]);
	return buf;
}

// Nonzero counts as "name n, name n"; "none" when all are zero.
std::string counts_text(const status::Counts &counts)
{
	std::string s;
	for (const auto &[name, n] : counts)
		if (n)
			s += (s.empty() ? "" : ", ") + escaped(name) + " " + std::to_string(n);
	return s.empty() ? "none" : s;
}

uint64_t total(const status::Counts &counts)
{
	uint64_t t = 0;
	for (const auto &[name, n] : counts)
		t += n;
	return t;
}

struct View {
	std::string state_dir, status_path;
	std::optional<status::AgentStatus> agent;
	std::string agent_missing; // why there is no agent document
	status::Liveness live = status::Liveness::NotRunning;
	std::optional<store::LogSummary> log;
	std::string log_missing;   // why there is no log summary (absent, or an error)
	bool log_error = false;
	uint64_t now = 0;

	bool active() const { return agent && live == status::Liveness::Running; }
	const char *state() const { return agent ? status::to_string(live) : "unknown"; }
	uint64_t uptime_ns() const
	{
		if (!agent)
			return 0;
		uint64_t end = active() ? std::max(now, agent->updated_ns) : agent->updated_ns;
		return end > agent->started_ns ? end - agent->started_ns : 0;
	}
	size_t probes_attached() const
	{
		size_t n = 0;
		if (agent)
			for (const auto &p : agent->probes)
				n += p.attached;
		return n;
	}
};

// A line of the systemctl-like layout: the label right-aligned in a fixed column.
void line(std::ostream &out, const char *label, const std::string &text)
{
	char buf[16];
	snprintf(buf, sizeof buf, "%12s", label);
	out << buf << (*label ? ": " : "  ") << text << '\n';
}

void print_text(const View &v, std::ostream &out)
{
	const status::AgentStatus *a = v.agent ? &*v.agent : nullptr;
	out << (v.active() ? "\u25cf" : "\u25cb") << " linesmand";
	if (a)
		out << ' ' << escaped(a->version) << " on " << escaped(a->host);
	out << '\n';
	if (!a) {
		line(out, "Active", "unknown: " + v.agent_missing);
	} else {
		std::string when = output::date_time_of(a->updated_ns);
		uint64_t age = v.now > a->updated_ns ? v.now - a->updated_ns : 0;
		switch (v.live) {
		case status::Liveness::Running:
			line(out, "Active", "running since " + output::date_time_of(a->started_ns) + " (" +
						    duration_text(v.uptime_ns()) + ")");
			break;
		case status::Liveness::Stopped:
			line(out, "Active", "stopped at " + when + " after " + duration_text(v.uptime_ns()));
			break;
		case status::Liveness::NotRunning:
			line(out, "Active", "NOT RUNNING: no update for " + duration_text(age) +
						    " (killed or hung); last update " + when);
			break;
		}
		line(out, "PID", std::to_string(a->pid) + (v.active() ? "" : " (at the last update)"));
		line(out, "Config", a->config.empty() ? "(none read: built-in defaults)" : escaped(a->config));
		line(out, "Status", v.status_path + ", updated " + when);

		std::string probes = std::to_string(v.probes_attached()) + " of " +
				     std::to_string(a->probes.size()) + " attached";
		// Per family, in the order the agent lists them.
		std::vector<std::pair<std::string, std::pair<size_t, size_t>>> fam;
		for (const auto &p : a->probes) {
			auto it = std::find_if(fam.begin(), fam.end(), [&](const auto &f) { return f.first == p.family; });
			if (it == fam.end())
				it = fam.insert(fam.end(), {p.family, {0, 0}});
			it->second.first += p.attached;
			++it->second.second;
		}
		std::string per;
		for (const auto &[name, n] : fam)
			per += (per.empty() ? "" : ", ") + escaped(name) + " " + std::to_string(n.first) + "/" +
			       std::to_string(n.second);
		// A killed agent's programs went with it: what it had, not what runs.
		line(out, "Probes", probes + (per.empty() ? "" : " (" + per + ")") +
					    (v.live == status::Liveness::NotRunning ? " at the last update" : ""));
		for (const auto &p : a->probes)
			if (!p.attached && v.active())
				line(out, "", "not attached: " + escaped(p.program) + " (" + escaped(p.hook) + ")" +
						  (p.error.empty() ? "" : ": " + escaped(p.error)));

		line(out, "Events", std::to_string(total(a->events)) + " since start: " + counts_text(a->events));
		line(out, "Losses", "kernel: " + counts_text(a->kernel_losses));
		line(out, "", "agent: " + counts_text(a->userspace_losses));
		if (a->store.enabled)
			line(out, "Store", "last seq " + std::to_string(a->store.last_seq) + ", epoch " +
						   std::to_string(a->store.epoch) + ", queue " +
						   std::to_string(a->store.queue_depth) + ", lost " +
						   std::to_string(a->store.lost) + ", shed " + std::to_string(a->store.shed));
		else
			line(out, "Store", "disabled (store.enabled: false)");
	}

	if (!v.log) {
		line(out, "Log", v.log_missing);
		return;
	}
	const store::LogSummary &l = *v.log;
	if (l.hours == 0) {
		line(out, "Log", "no hour files in " + l.events_dir);
		return;
	}
	line(out, "Log", std::to_string(l.hours) + (l.hours == 1 ? " hour" : " hours") + " (" + l.first_hour +
				 (l.hours == 1 ? "" : " to " + l.last_hour) + "), " + bytes_text(l.bytes) + " in " +
				 l.events_dir);
	if (l.newest_ns)
		line(out, "", "oldest event " + output::date_time_of(l.oldest_ns) + ", newest " +
				  output::date_time_of(l.newest_ns) + ", last seq " + std::to_string(l.last_seq));
}

void print_json(const View &v, std::ostream &out)
{
	output::JsonWriter w(true);
	w.begin_object();
	w.field("schema", status::kSchemaVersion);
	w.field("state", v.state());
	w.field("active", v.active());
	w.field("checked_ns", v.now);
	w.field("uptime_s", v.uptime_ns() / kNsPerSec);
	w.field("status_file", v.status_path);
	if (v.agent) {
		w.field("probes_attached", uint64_t(v.probes_attached()));
		w.field("probes_total", uint64_t(v.agent->probes.size()));
		w.field("events_total", total(v.agent->events));
		w.key("agent");
		w.begin_object();
		status::write_json(w, *v.agent);
		w.end_object();
	} else {
		w.field("probes_attached", 0);
		w.field("probes_total", 0);
		w.field("events_total", 0);
		w.key("agent");
		w.null();
		w.field("agent_missing", v.agent_missing);
	}
	w.key("log");
	w.begin_object();
	w.field("present", v.log.has_value());
	if (v.log) {
		w.field("dir", v.log->events_dir);
		w.field("hours", uint64_t(v.log->hours));
		w.field("first_hour", v.log->first_hour);
		w.field("last_hour", v.log->last_hour);
		w.field("bytes", v.log->bytes);
		w.field("oldest_ns", v.log->oldest_ns);
		w.field("newest_ns", v.log->newest_ns);
		w.field("last_seq", v.log->last_seq);
	} else {
		w.field(v.log_error ? "error" : "missing", v.log_missing);
	}
	w.end_object();
	w.end_object();
	out << w.take() << '\n';
}

} // namespace

int run_status(const StatusOptions &o, std::ostream &out, std::ostream &err)
{
	if (o.output != "text" && o.output != "json") {
		err << "linesman: -o: \"" << o.output << "\" is not an output format (text or json)\n";
		return kExitUsage;
	}
	View v;
	v.state_dir = o.dir;
	v.status_path = o.dir + "/" + status::kFileName;
	v.now = o.now_ns ? o.now_ns : now_ns();

	if (access(o.dir.c_str(), R_OK | X_OK) != 0) {
		int e = errno;
		if (e == EACCES || e == EPERM)
			err << "linesman: cannot read the state directory " << o.dir
			    << ": permission denied; run as root, or join the linesman group\n";
		else
			err << "linesman: cannot read the state directory " << o.dir << ": "
			    << std::error_code(e, std::system_category()).message()
			    << " (is linesmand installed here? -D names another directory)\n";
		return kExitStore;
	}
	if (auto a = status::read_file(o.dir)) {
		v.agent = std::move(*a);
		v.live = status::liveness(*v.agent, v.now);
	} else if (a.error().code() == std::errc::no_such_file_or_directory) {
		v.agent_missing = "no " + v.status_path + ": linesmand has not run with this state_dir";
	} else {
		err << "linesman: " << a.error().what() << '\n';
		return kExitStore;
	}
	if (auto l = store::summarize_log(o.dir)) {
		v.log = std::move(*l);
	} else if (l.error().code() == std::errc::no_such_file_or_directory) {
		v.log_missing = "no event log in " + o.dir;
	} else {
		v.log_missing = l.error().what();
		v.log_error = true;
	}

	if (o.output == "json")
		print_json(v, out);
	else
		print_text(v, out);
	if (v.log_error) {
		err << "linesman: " << v.log_missing << '\n';
		return kExitStore;
	}
	return v.active() ? kExitOk : kExitNotRunning;
}

} // namespace linesman::query
