// SPDX-License-Identifier: Apache-2.0
// `linesman query`: options to a store::Filter, the Reader's answer, one rendering.
#include <signal.h>
#include <time.h>

#include <algorithm>
#include <charconv>

#include "output/format.h"
#include "query/cli.h"
#include "query/commands.h"
#include "query/filter_parse.h"
#include "query/quote.h"
#include "query/time_parse.h"
#include "store/reader.h"

namespace linesman::query {

namespace {

enum class Format { Short, Compact, Json, Jsonl, JsonPretty };

std::optional<Format> parse_format(const std::string &s)
{
	if (s == "short")
		return Format::Short;
	if (s == "compact")
		return Format::Compact;
	if (s == "json")
		return Format::Json;
	if (s == "jsonl")
		return Format::Jsonl;
	if (s == "json-pretty")
		return Format::JsonPretty;
	return std::nullopt;
}

// Every option validated before the store is opened, so bad input is exit 2 even
// where the store is missing. The error names the option.
Result<QueryFilter> build_filter(const QueryOptions &o)
{
	QueryFilter f;
	auto fail = [](const char *opt, const Error &e) { return Error(std::string(opt) + ": " + e.what()); };
	uint64_t now = o.now_ns ? o.now_ns : now_ns();
	auto win = parse_window(o.since, o.until, now);
	if (!win)
		return win.error();
	f.store.since_ns = win->since_ns;
	f.store.until_ns = win->until_ns;
	if (f.store.since_ns && f.store.until_ns && *f.store.since_ns >= *f.store.until_ns)
		return Error("--since " + quoted(o.since) + " is not before --until " + quoted(o.until));
	if (!o.types.empty()) {
		auto t = parse_types(o.types);
		if (!t)
			return fail("--type", t.error());
		f.store.types = std::move(*t);
	}
	if (!o.pid.empty()) {
		auto p = parse_pid(o.pid);
		if (!p)
			return fail("--pid", p.error());
		f.store.pid = *p;
	}
	if (!o.exec_id.empty()) {
		auto id = parse_exec_id(o.exec_id);
		if (!id)
			return fail("--exec-id", id.error());
		f.store.exec_id = std::move(*id);
	}
	if (!o.exe.empty()) {
		auto g = parse_glob(o.exe);
		if (!g)
			return fail("--exe", g.error());
		// "-x sshd" means the program, wherever it lives: a pattern without '/'
		// is matched against the last path component.
		f.store.exe = g->find('/') == std::string::npos ? "*/" + *g : *g;
	}
	if (!o.user.empty()) {
		auto u = parse_user(o.user);
		if (!u)
			return fail("--user", u.error());
		// The store indexes the user name; a uid is compared on the decoded events,
		// since the name it had on the recording host need not resolve here.
		f.store.user = u->name;
		f.post.uid = u->uid;
	}
	if (!o.path.empty()) {
		auto g = parse_glob(o.path);
		if (!g)
			return fail("--path", g.error());
		f.store.path = std::move(*g);
	}
	if (!o.port.empty()) {
		auto p = parse_port(o.port);
		if (!p)
			return fail("--port", p.error());
		f.store.port = *p;
	}
	if (!o.addr.empty()) {
		auto c = parse_cidr(o.addr);
		if (!c)
			return fail("--addr", c.error());
		// The Reader matches one address exactly (an index lookup); a network is
		// checked here on the events it returns, after a query without --addr.
		if (c->single())
			f.store.addr = c->text;
		else
			f.post.network = std::move(*c);
	}
	if (!o.container.empty()) {
		auto c = parse_container(o.container);
		if (!c)
			return fail("--container", c.error());
		f.store.container = std::move(c->prefix);
		f.store.host_only = c->host;
	}
	return f;
}

Result<std::optional<size_t>> parse_lines(const std::string &s)
{
	if (s.empty())
		return std::optional<size_t>();
	size_t n = 0;
	auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
	if (ec != std::errc() || end != s.data() + s.size() || n == 0)
		return Error("-n: " + quoted(s) + " is not a number of events (1 or more)");
	return std::optional<size_t>(n);
}

void render(std::ostream &out, Format fmt, const std::vector<Event> &evs, bool color)
{
	switch (fmt) {
	case Format::Short:
	case Format::Compact:
		for (const Event &ev : evs)
			out << (fmt == Format::Short ? output::format_short(ev, color)
						     : output::format_compact(ev, color))
			    << '\n';
		break;
	case Format::Jsonl:
		for (const Event &ev : evs)
			out << output::format_json(ev) << '\n';
		break;
	case Format::Json:
	case Format::JsonPretty: {
		// One document, also when empty: `| jq` never sees a syntax error.
		bool pretty = fmt == Format::JsonPretty;
		out << '[';
		for (size_t i = 0; i < evs.size(); ++i) {
			out << (i ? ",\n" : "\n");
			if (!pretty) {
				out << output::format_json(evs[i]);
				continue;
			}
			// Indented one level further, as an array element.
			std::string obj = output::format_json(evs[i], true);
			out << "  ";
			for (char c : obj) {
				out << c;
				if (c == '\n')
					out << "  ";
			}
		}
		out << (evs.empty() ? "]\n" : "\n]\n");
		break;
	}
	}
}

volatile sig_atomic_t g_stop_signal = 0;

extern "C" void on_stop_signal(int) { g_stop_signal = 1; }

// SIGINT/SIGTERM end a follow cleanly (exit 0, output flushed), as journalctl -f does;
// the previous handlers are restored when the follow ends (run_cli is also a library call).
class StopSignals {
public:
	StopSignals()
	{
		g_stop_signal = 0;
		struct sigaction sa{};
		sa.sa_handler = on_stop_signal;
		sigemptyset(&sa.sa_mask);
		sa.sa_flags = 0; // no SA_RESTART: the signal cuts the sleep short
		sigaction(SIGINT, &sa, &old_int_);
		sigaction(SIGTERM, &sa, &old_term_);
	}
	~StopSignals()
	{
		sigaction(SIGINT, &old_int_, nullptr);
		sigaction(SIGTERM, &old_term_, nullptr);
	}
	StopSignals(const StopSignals &) = delete;
	StopSignals &operator=(const StopSignals &) = delete;
	bool stopped() const { return g_stop_signal != 0; }

private:
	struct sigaction old_int_{}, old_term_{};
};

void sleep_ms(uint32_t ms)
{
	struct timespec ts{time_t(ms / 1000), long(ms % 1000) * 1'000'000L};
	nanosleep(&ts, nullptr); // EINTR: a stop signal, seen by the caller
}

// Polls for events stored after `cursor` and prints the matching ones, until a stop
// signal or the test hook. Events the post-filter drops still advance the cursor.
int follow(store::Reader &reader, const QueryOptions &o, QueryFilter filter, Format fmt,
	   uint64_t cursor, std::ostream &out, std::ostream &err)
{
	StopSignals signals;
	for (;;) {
		if (signals.stopped() || (o.follow_stop && o.follow_stop()))
			return kExitOk;
		sleep_ms(o.follow_interval_ms);
		if (signals.stopped())
			return kExitOk;
		if (auto st = reader.refresh(); !st.ok()) {
			err << "linesman: " << st.error().what() << '\n';
			return kExitStore;
		}
		filter.store.after_seq = cursor;
		auto evs = reader.query(filter.store);
		if (!evs) {
			err << "linesman: " << evs.error().what() << '\n';
			return kExitStore;
		}
		if (evs->empty())
			continue;
		cursor = std::max(cursor, evs->back().seq);
		if (filter.post.active())
			std::erase_if(*evs, [&](const Event &ev) { return !filter.post.matches(ev); });
		render(out, fmt, *evs, o.color);
		out.flush(); // a pipe (| grep) sees each event now, not at exit
	}
}

} // namespace

int run_query(const QueryOptions &o, std::ostream &out, std::ostream &err)
{
	auto fmt = parse_format(o.output);
	if (!fmt) {
		err << "linesman: -o: " << quoted(o.output)
		    << " is not an output format (short, compact, json, jsonl, json-pretty)\n";
		return kExitUsage;
	}
	auto lines = parse_lines(o.lines);
	if (!lines) {
		err << "linesman: " << lines.error().what() << '\n';
		return kExitUsage;
	}
	auto filter = build_filter(o);
	if (!filter) {
		err << "linesman: " << filter.error().what() << '\n';
		return kExitUsage;
	}
	if (o.follow && o.reverse) {
		err << "linesman: -f: cannot follow newest first (-r)\n";
		return kExitUsage;
	}
	if (o.follow && (*fmt == Format::Json || *fmt == Format::JsonPretty)) {
		err << "linesman: -f: -o " << o.output
		    << " is one document, printed at the end; follow with -o jsonl\n";
		return kExitUsage;
	}
	auto reader = store::Reader::open(o.dir);
	if (!reader) {
		err << "linesman: " << reader.error().what() << '\n';
		return kExitStore;
	}
	// The follow starts after the newest event stored before the first query, so an event
	// committed during it is printed once (by the query or by the follow, not both).
	uint64_t cursor = 0;
	if (o.follow) {
		auto newest = reader->query(store::Filter{}, 1, true);
		if (!newest) {
			err << "linesman: " << newest.error().what() << '\n';
			return kExitStore;
		}
		if (!newest->empty())
			cursor = newest->front().seq;
	}
	// -n is the last N (journalctl's sense): read newest first and stop at N, then
	// turn them back to oldest first unless -r. A post-filter sees every event first.
	const std::optional<size_t> &n = *lines;
	bool newest_first = n || o.reverse;
	size_t limit = n && !filter->post.active() ? *n : 0;
	auto evs = reader->query(filter->store, limit, newest_first);
	if (!evs) {
		err << "linesman: " << evs.error().what() << '\n';
		return kExitStore;
	}
	if (filter->post.active()) {
		std::erase_if(*evs, [&](const Event &ev) { return !filter->post.matches(ev); });
		if (n && evs->size() > *n)
			evs->resize(*n);
	}
	if (newest_first && !o.reverse)
		std::reverse(evs->begin(), evs->end());
	render(out, *fmt, *evs, o.color);
	if (o.follow) {
		for (const Event &ev : *evs)
			cursor = std::max(cursor, ev.seq);
		out.flush();
		return follow(*reader, o, *filter, *fmt, cursor, out, err);
	}
	if (evs->empty()) {
		err << "linesman: no events match\n";
		return kExitNoMatch;
	}
	return kExitOk;
}

} // namespace linesman::query
