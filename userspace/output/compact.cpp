// SPDX-License-Identifier: Apache-2.0
// format_compact: one line per event for a human on call (a file change's diff follows its
// line, indented). Everything the monitored host controls (argv, paths, comm, user names, file
// content) is escaped before it reaches the terminal: an attacker's argv must not be able to
// move the cursor, recolour the line or reorder it.
#include <algorithm>
#include <csignal>
#include <cstdio>
#include <ctime>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "output/format.h"

namespace linesman::output {
namespace {

constexpr std::string_view kReset = "\x1b[0m";
constexpr std::string_view kAlarm = "\x1b[1;31m"; // bold red: look at this line

std::string_view type_colour(EventType t)
{
	switch (t) {
	case EventType::Exec:
		return "\x1b[32m"; // green
	case EventType::Exit:
		return "\x1b[36m"; // cyan
	case EventType::Rollup:
		return "\x1b[33m"; // yellow
	case EventType::Loss:
		return kAlarm;
	case EventType::Agent:
		return "\x1b[35m"; // magenta
	case EventType::Connect:
	case EventType::Accept:
	case EventType::Close:
	case EventType::Udp:
	case EventType::TcpSummary:
		return "\x1b[34m"; // blue
	case EventType::Listen:
		return "\x1b[94m"; // bright blue: a new service
	case EventType::Socket:
		// Packet and raw sockets: capture and crafted packets are what an intruder on a
		// signalling host does.
		return kAlarm;
	case EventType::File:
		return "\x1b[93m"; // bright yellow
	}
	return "";
}

class Line {
public:
	explicit Line(bool color) : color_(color) {}

	Line &raw(std::string_view s)
	{
		out_ += s;
		return *this;
	}
	Line &num(uint64_t v)
	{
		out_ += std::to_string(v);
		return *this;
	}
	Line &snum(int64_t v)
	{
		out_ += std::to_string(v);
		return *this;
	}
	// Untrusted text as one unambiguous word: quoted when it holds a space, quote, backslash,
	// control or invalid byte (or is empty), so argv boundaries stay visible.
	Line &word(std::string_view s)
	{
		if (!needs_quotes(s))
			return raw(s);
		out_ += '"';
		escaped(s, true);
		out_ += '"';
		return *this;
	}
	// Untrusted free text (messages): escaped, never quoted.
	Line &text(std::string_view s)
	{
		escaped(s, false);
		return *this;
	}
	Line &colour(std::string_view c)
	{
		if (color_)
			out_ += c;
		return *this;
	}
	Line &reset() { return colour(kReset); }
	// A line of untrusted content (a diff): escaped like text(), but tabs stay tabs, which
	// indent as they did in the file and cannot move the cursor anywhere harmful.
	Line &content(std::string_view s)
	{
		for (std::size_t tab; (tab = s.find('\t')) != std::string_view::npos;) {
			escaped(s.substr(0, tab), false);
			out_ += '\t';
			s.remove_prefix(tab + 1);
		}
		escaped(s, false);
		return *this;
	}
	std::string take() { return std::move(out_); }

private:
	static bool needs_quotes(std::string_view s)
	{
		if (s.empty())
			return true;
		for (std::size_t i = 0; i < s.size();) {
			Utf8Char c = utf8_decode(s, i);
			if (c.len == 0 || c.cp == ' ' || c.cp == '"' || c.cp == '\\' ||
			    is_invisible_control(c.cp))
				return true;
			i += c.len;
		}
		return false;
	}

	void escaped(std::string_view s, bool in_quotes) { out_ += escape_text(s, in_quotes); }

	std::string out_;
	bool color_;
};

// Local wall-clock time of day, HH:MM:SS.mmm.
std::string clock_of(uint64_t ns)
{
	time_t secs = static_cast<time_t>(ns / 1000000000);
	struct tm tm {};
	localtime_r(&secs, &tm);
	char buf[32];
	snprintf(buf, sizeof(buf), "%02d:%02d:%02d.%03u", tm.tm_hour, tm.tm_min, tm.tm_sec,
		 static_cast<unsigned>(ns / 1000000 % 1000));
	return buf;
}

// "0.250s", "59.999s", "12m05s", "3h02m05s", "2d03h04m".
std::string duration_of(uint64_t ns)
{
	char buf[48];
	uint64_t s = ns / 1000000000;
	if (s < 60)
		snprintf(buf, sizeof(buf), "%llu.%03llus", static_cast<unsigned long long>(s),
			 static_cast<unsigned long long>(ns / 1000000 % 1000));
	else if (s < 3600)
		snprintf(buf, sizeof(buf), "%llum%02llus", static_cast<unsigned long long>(s / 60),
			 static_cast<unsigned long long>(s % 60));
	else if (s < 86400)
		snprintf(buf, sizeof(buf), "%lluh%02llum%02llus", static_cast<unsigned long long>(s / 3600),
			 static_cast<unsigned long long>(s / 60 % 60), static_cast<unsigned long long>(s % 60));
	else
		snprintf(buf, sizeof(buf), "%llud%02lluh%02llum", static_cast<unsigned long long>(s / 86400),
			 static_cast<unsigned long long>(s / 3600 % 24),
			 static_cast<unsigned long long>(s / 60 % 60));
	return buf;
}

std::string signal_name(int sig)
{
	struct Name {
		int sig;
		const char *name;
	};
	static constexpr Name names[] = {
	    {SIGHUP, "SIGHUP"},   {SIGINT, "SIGINT"},     {SIGQUIT, "SIGQUIT"},   {SIGILL, "SIGILL"},
	    {SIGTRAP, "SIGTRAP"}, {SIGABRT, "SIGABRT"},   {SIGBUS, "SIGBUS"},     {SIGFPE, "SIGFPE"},
	    {SIGKILL, "SIGKILL"}, {SIGUSR1, "SIGUSR1"},   {SIGSEGV, "SIGSEGV"},   {SIGUSR2, "SIGUSR2"},
	    {SIGPIPE, "SIGPIPE"}, {SIGALRM, "SIGALRM"},   {SIGTERM, "SIGTERM"},   {SIGCHLD, "SIGCHLD"},
	    {SIGCONT, "SIGCONT"}, {SIGSTOP, "SIGSTOP"},   {SIGTSTP, "SIGTSTP"},   {SIGTTIN, "SIGTTIN"},
	    {SIGTTOU, "SIGTTOU"}, {SIGURG, "SIGURG"},     {SIGXCPU, "SIGXCPU"},   {SIGXFSZ, "SIGXFSZ"},
	    {SIGVTALRM, "SIGVTALRM"}, {SIGPROF, "SIGPROF"}, {SIGWINCH, "SIGWINCH"}, {SIGIO, "SIGIO"},
	    {SIGSYS, "SIGSYS"},
#ifdef SIGSTKFLT
	    {SIGSTKFLT, "SIGSTKFLT"},
#endif
#ifdef SIGPWR
	    {SIGPWR, "SIGPWR"},
#endif
	};
	for (const Name &n : names)
		if (n.sig == sig)
			return n.name;
	return std::to_string(sig); // real-time or unknown: the number
}

std::string_view basename_of(std::string_view path)
{
	auto slash = path.rfind('/');
	return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

// The program: its exe, or comm in brackets when the exe is unknown (as ps shows kernel tasks).
void program(Line &l, const Process &p)
{
	if (!p.exe.empty()) {
		l.word(p.exe);
	} else {
		l.raw("[").text(p.comm).raw("]");
	}
}

// "root(0)", "uid=1234" when the name does not resolve, then what differs: the effective uid
// (a setuid escalation) and the login user behind a su/sudo.
void identity(Line &l, const Process &p)
{
	if (!p.user.empty())
		l.word(p.user).raw("(").num(p.uid).raw(")");
	else
		l.raw("uid=").num(p.uid);
	if (p.euid != p.uid)
		l.raw(" euid=").num(p.euid);
	if (!p.origin && !p.login_user.empty() && p.login_user != p.user)
		l.raw(" login=").word(p.login_user);
}

void origin(Line &l, const Process &p)
{
	if (!p.origin)
		return;
	const SessionOrigin &o = *p.origin;
	l.raw("  ssh=");
	if (!o.user.empty())
		l.word(o.user).raw("@");
	if (o.peer_addr.find(':') != std::string::npos)
		l.raw("[").word(o.peer_addr).raw("]");
	else
		l.word(o.peer_addr);
	if (o.peer_port)
		l.raw(":").num(o.peer_port);
}

void flags(Line &l, uint32_t f)
{
	if (!f)
		return;
	l.raw("  [");
	bool first = true;
	for (int i = 0; i < 32; i++) {
		uint32_t bit = 1u << i;
		if (!(f & bit))
			continue;
		if (!first)
			l.raw(",");
		first = false;
		bool alarming = bit & (kExecSetuid | kExecMemfd | kExecDeleted);
		if (alarming)
			l.colour(kAlarm);
		if (const char *name = exec_flag_name(bit))
			l.raw(name);
		else
			l.raw("bit").num(i);
		if (alarming)
			l.reset();
	}
	l.raw("]");
}

void details(Line &l, const Process &p, const ExecDetails &d)
{
	l.raw("pid=").num(p.pid).raw(" ppid=").num(p.ppid).raw(" ");
	identity(l, p);
	l.raw(" ");
	if (!p.exe.empty())
		l.word(p.exe);
	else if (!d.filename.empty())
		l.word(d.filename);
	else
		program(l, p);
	// argv[0] is the caller's choice: show it only when it is not the program's own name,
	// which is how "[kworker/0:1]" masquerades stand out.
	if (!p.argv.empty()) {
		std::string_view shown = !p.exe.empty() ? p.exe : std::string_view(d.filename);
		if (basename_of(p.argv[0]) != basename_of(shown))
			l.raw(" (argv0=").word(p.argv[0]).raw(")");
	}
	for (std::size_t i = 1; i < p.argv.size(); i++)
		l.raw(" ").word(p.argv[i]);
	if (d.flags & kExecArgvTruncated)
		l.raw(" …");
	l.raw("  cwd=").word(p.cwd);
	flags(l, d.flags);
	if (!p.ancestors.empty())
		l.raw("  parent=").word(p.ancestors[0]);
	origin(l, p);
	if (!p.container_id.empty())
		l.raw("  container=").word(std::string_view(p.container_id).substr(0, 12));
}

void details(Line &l, const Process &p, const ExitDetails &d)
{
	l.raw("pid=").num(p.pid).raw(" ");
	program(l, p);
	if (d.signal) {
		bool alarming = d.core_dumped || d.signal == SIGKILL || d.signal == SIGSEGV;
		l.raw(" ");
		if (alarming)
			l.colour(kAlarm);
		l.raw("signal=").raw(signal_name(d.signal));
		if (alarming)
			l.reset();
		if (d.core_dumped)
			l.raw(" (core dumped)");
	} else {
		l.raw(" code=").snum(d.code);
	}
	l.raw(" duration=").raw(duration_of(d.duration_ns));
}

void details(Line &l, const Process &p, const RollupDetails &d)
{
	l.raw(to_string(d.rolled_type)).raw(" ");
	program(l, p);
	l.raw(" ×").num(d.count).raw(" in ").num(d.window_s).raw("s (");
	l.raw(clock_of(d.first_time_ns)).raw("..").raw(clock_of(d.last_time_ns)).raw(")");
	if (!d.parent_exe.empty())
		l.raw("  parent=").word(d.parent_exe);
}

void details(Line &l, const Process &, const LossDetails &d)
{
	l.colour(kAlarm).raw("LOST ").num(d.count).raw(" ").text(d.what).raw(" at ").text(d.where);
	l.reset();
}

void details(Line &l, const Process &, const AgentDetails &d)
{
	l.text(d.what);
	if (!d.version.empty())
		l.raw(" version=").word(d.version);
	if (!d.message.empty())
		l.raw(" ").text(d.message);
	for (const auto &[name, value] : d.counters)
		l.raw(" ").text(name).raw("=").num(value);
}

// "192.0.2.7:80", "[2001:db8::7]:80"; "*" for an empty address (as ss shows a wildcard).
void endpoint(Line &l, const std::string &addr, uint32_t port)
{
	if (addr.empty())
		l.raw("*");
	else if (addr.find(':') != std::string::npos)
		l.raw("[").word(addr).raw("]");
	else
		l.word(addr);
	l.raw(":").num(port);
}

// The endpoints, protocol and result of a network event: what both the compact and
// the short line show.
void net_summary(Line &l, EventType type, const NetDetails &d)
{
	switch (type) {
	case EventType::Connect:
	case EventType::Udp:
		endpoint(l, d.local_addr, d.local_port);
		l.raw(" -> ");
		endpoint(l, d.remote_addr, d.remote_port);
		break;
	case EventType::Accept:
		endpoint(l, d.local_addr, d.local_port);
		l.raw(" <- ");
		endpoint(l, d.remote_addr, d.remote_port);
		break;
	case EventType::Close:
	case EventType::TcpSummary:
		endpoint(l, d.local_addr, d.local_port);
		l.raw(" <-> ");
		endpoint(l, d.remote_addr, d.remote_port);
		break;
	case EventType::Listen:
		endpoint(l, d.local_addr, d.local_port);
		break;
	case EventType::Socket:
		l.colour(kAlarm).word(d.family.empty() ? "?" : d.family);
		if (!d.sock_type.empty())
			l.raw(" ").word(d.sock_type);
		l.reset();
		break;
	default: // NetDetails under another type (a newer agent): the endpoints as they are
		endpoint(l, d.local_addr, d.local_port);
		l.raw(" ");
		endpoint(l, d.remote_addr, d.remote_port);
		break;
	}
	if (type == EventType::Socket) {
		if (!d.protocol.empty())
			l.raw(" proto=").word(d.protocol);
		if (d.op == "bind") {
			l.raw(" bind ifindex=").num(d.ifindex);
			if (!d.ifname.empty())
				l.raw(" (").word(d.ifname).raw(")");
			else if (d.ifindex == 0)
				l.raw(" (any)");
		} else if (!d.op.empty()) {
			l.raw(" [").word(d.op).raw("]");
		}
	} else if (!d.protocol.empty()) {
		l.raw(" ").word(d.protocol);
	}
	if (!d.result.empty())
		l.raw(" ").word(d.result);
}

// connect, accept, listen, close, socket, udp: one NetDetails, `type` says which.
void net_details(Line &l, EventType type, const Process &p, const NetDetails &d)
{
	l.raw("pid=").num(p.pid).raw(" ");
	identity(l, p);
	l.raw(" ");
	program(l, p);
	l.raw(" ");
	net_summary(l, type, d);
	if (type == EventType::Listen || d.backlog)
		l.raw(" backlog=").num(d.backlog);
	if (type == EventType::Close || type == EventType::TcpSummary) {
		l.raw(" sent=").num(d.bytes_sent).raw(" recv=").num(d.bytes_received);
		l.raw(" duration=").raw(duration_of(d.duration_ns));
		if (!d.close_by.empty())
			l.raw(" by=").word(d.close_by);
		if (!d.final_state.empty())
			l.raw(" state=").word(d.final_state);
	} else if (type == EventType::Udp && d.op == "first_seen") {
		l.raw(" [first seen]"); // the counts come with the summaries
	} else if (type == EventType::Udp || d.packets_sent || d.packets_received) {
		l.raw(" sent=").num(d.packets_sent).raw("pkt/").num(d.bytes_sent).raw("B");
		l.raw(" recv=").num(d.packets_received).raw("pkt/").num(d.bytes_received).raw("B");
	}
	if (d.netns)
		l.raw(" netns=").num(d.netns);
	if (!d.conn_id.empty())
		l.raw(" conn=").word(d.conn_id);
	if (!p.container_id.empty())
		l.raw("  container=").word(std::string_view(p.container_id).substr(0, 12));
}

// Octal permission bits, as chmod takes them: "0644", "4755".
std::string mode_of(uint32_t mode)
{
	char buf[16];
	snprintf(buf, sizeof(buf), "%04o", mode & 07777);
	return buf;
}

// "0", "1000"; "?" when unknown or left unchanged (chown's -1).
std::string id_of(std::optional<uint32_t> id)
{
	return id && *id != UINT32_MAX ? std::to_string(*id) : "?";
}

// A time a file was given, as UTC to the second: "2019-03-01T12:00:00Z". Backdated times
// (timestomping) are the reason to look, so the date matters more than the time of day.
std::string utc_of(int64_t ns)
{
	int64_t secs = ns / 1000000000 - (ns % 1000000000 < 0); // floor, for times before 1970
	time_t t = static_cast<time_t>(secs);
	struct tm tm {};
	gmtime_r(&t, &tm);
	char buf[48];
	snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900, tm.tm_mon + 1,
		 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
	return buf;
}

std::string_view short_hash(std::string_view sha256)
{
	return sha256.substr(0, 12);
}

void file_flags(Line &l, const std::vector<std::string> &f)
{
	if (f.empty())
		return;
	l.raw("  [");
	for (std::size_t i = 0; i < f.size(); i++)
		l.raw(i ? "," : "").text(f[i]);
	l.raw("]");
}

// The diff's lines below the event line, two spaces in; + and - lines coloured as git does.
// Lines before the first hunk ("--- a", "+++ b") are headers, not removed or added lines.
void diff_lines(Line &l, std::string_view diff, bool truncated)
{
	bool in_hunk = false;
	while (!diff.empty()) {
		std::size_t nl = diff.find('\n');
		std::string_view line = diff.substr(0, nl);
		diff.remove_prefix(nl == std::string_view::npos ? diff.size() : nl + 1);
		if (line.starts_with("@@"))
			in_hunk = true;
		std::string_view colour;
		if (in_hunk || !(line.starts_with("+++") || line.starts_with("---"))) {
			if (line.starts_with('+'))
				colour = "\x1b[32m"; // green
			else if (line.starts_with('-'))
				colour = "\x1b[31m"; // red
		}
		l.raw("\n  ");
		if (!colour.empty())
			l.colour(colour).content(line).reset();
		else
			l.content(line);
	}
	if (truncated)
		l.raw("\n  … (diff truncated)");
}

// write, create, rename, chmod, ...: what happened to which path, then what changed.
void details(Line &l, const Process &p, const FileDetails &d)
{
	l.raw("pid=").num(p.pid).raw(" ");
	identity(l, p);
	l.raw(" ");
	program(l, p);
	l.raw(" ").word(d.op.empty() ? "?" : d.op).raw(" ").word(d.path);
	bool exchange = std::find(d.flags.begin(), d.flags.end(), "exchange") != d.flags.end();
	if (!d.new_path.empty())
		l.raw(exchange ? " ↔ " : " → ").word(d.new_path);
	if (!d.target.empty())
		l.raw(" -> ").word(d.target);
	if (d.old_mode || d.op == "chmod" || d.op == "create" || d.op == "mkdir") {
		// A set-id bit that was not there before is how a backdoor shell is planted.
		uint32_t gained = d.mode & ~d.old_mode.value_or(0) & 06000;
		l.raw(" mode=");
		if (d.old_mode)
			l.raw(mode_of(*d.old_mode)).raw("→");
		if (gained)
			l.colour(kAlarm);
		l.raw(mode_of(d.mode));
		if (gained)
			l.reset();
	}
	if (d.old_uid || d.old_gid) {
		// chown leaves an id it is given as -1 unchanged: the old one carries over.
		auto now = [](uint32_t id, std::optional<uint32_t> old) {
			return id == UINT32_MAX ? old : std::optional<uint32_t>(id);
		};
		l.raw(" owner=").raw(id_of(d.old_uid)).raw(":").raw(id_of(d.old_gid)).raw("→");
		l.raw(id_of(now(d.uid, d.old_uid))).raw(":").raw(id_of(now(d.gid, d.old_gid)));
	} else if (d.op == "chown") {
		l.raw(" owner=").raw(id_of(d.uid)).raw(":").raw(id_of(d.gid));
	}
	if (d.size_before && d.size_after)
		l.raw(" size=").num(*d.size_before).raw("→").num(*d.size_after);
	else if (d.size_before || d.size_after)
		l.raw(" size=").num(d.size_before ? *d.size_before : *d.size_after);
	if (d.bytes_written || d.op == "write")
		l.raw(" wrote=").num(d.bytes_written);
	if (d.open_duration_ns)
		l.raw(" duration=").raw(duration_of(d.open_duration_ns));
	if (d.atime_ns)
		l.raw(" atime=").raw(utc_of(*d.atime_ns));
	if (d.mtime_ns)
		l.raw(" mtime=").raw(utc_of(*d.mtime_ns));
	if (!d.sha256_before.empty() && !d.sha256_after.empty())
		l.raw(" sha256=").word(short_hash(d.sha256_before)).raw("→").word(short_hash(d.sha256_after));
	else if (!d.sha256_before.empty() || !d.sha256_after.empty())
		l.raw(" sha256=").word(short_hash(d.sha256_before.empty() ? d.sha256_after : d.sha256_before));
	file_flags(l, d.flags);
	if (!d.content_note.empty())
		l.raw("  note=").word(d.content_note);
	origin(l, p);
	if (!p.container_id.empty())
		l.raw("  container=").word(std::string_view(p.container_id).substr(0, 12));
	if (!d.diff.empty())
		diff_lines(l, d.diff, d.diff_truncated);
}

// No details (or a type newer than this agent): the process alone.
void details(Line &l, const Process &p, std::monostate)
{
	l.raw("pid=").num(p.pid).raw(" ");
	program(l, p);
}

// The short line's summary of each kind: the object of the event, no process detail.
void summary(Line &l, EventType, const ExecDetails &d, const Process &p)
{
	l.word(!p.exe.empty() ? p.exe : d.filename);
	for (std::size_t i = 1; i < p.argv.size(); i++)
		l.raw(" ").word(p.argv[i]);
	if (d.flags & kExecArgvTruncated)
		l.raw(" …");
}

void summary(Line &l, EventType, const ExitDetails &d, const Process &)
{
	if (d.signal)
		l.raw("signal=").raw(signal_name(d.signal)).raw(d.core_dumped ? " (core dumped)" : "");
	else
		l.raw("code=").snum(d.code);
}

void summary(Line &l, EventType, const RollupDetails &d, const Process &)
{
	l.raw(to_string(d.rolled_type)).raw(" ×").num(d.count).raw(" in ").num(d.window_s).raw("s");
}

void summary(Line &l, EventType, const LossDetails &d, const Process &)
{
	l.colour(kAlarm).raw("LOST ").num(d.count).raw(" ").text(d.what).raw(" at ").text(d.where);
	l.reset();
}

void summary(Line &l, EventType, const AgentDetails &d, const Process &)
{
	l.text(d.what);
	if (!d.version.empty())
		l.raw(" version=").word(d.version);
	if (!d.message.empty())
		l.raw(" ").text(d.message);
}

void summary(Line &l, EventType type, const NetDetails &d, const Process &)
{
	net_summary(l, type, d);
}

void summary(Line &l, EventType, const FileDetails &d, const Process &)
{
	l.word(d.op.empty() ? "?" : d.op).raw(" ").word(d.path);
	bool exchange = std::find(d.flags.begin(), d.flags.end(), "exchange") != d.flags.end();
	if (!d.new_path.empty())
		l.raw(exchange ? " ↔ " : " → ").word(d.new_path);
	if (!d.target.empty())
		l.raw(" -> ").word(d.target);
}

void summary(Line &, EventType, std::monostate, const Process &) {}

} // namespace

// Local date and time to the millisecond: a query spans days, a live stream does not.
std::string date_time_of(uint64_t ns)
{
	time_t secs = static_cast<time_t>(ns / 1000000000);
	struct tm tm {};
	localtime_r(&secs, &tm);
	char buf[48];
	snprintf(buf, sizeof(buf), "%04d-%02d-%02d %02d:%02d:%02d.%03u", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		 static_cast<unsigned>(ns / 1000000 % 1000));
	return buf;
}

std::string escape_text(std::string_view s, bool in_quotes)
{
	std::string out;
	char buf[16];
	for (std::size_t i = 0; i < s.size();) {
		Utf8Char c = utf8_decode(s, i);
		if (c.len == 0) {
			snprintf(buf, sizeof(buf), "\\x%02x", static_cast<unsigned char>(s[i]));
			out += buf;
			i++;
			continue;
		}
		if (c.cp == '\\') {
			out += "\\\\";
		} else if (c.cp == '"' && in_quotes) {
			out += "\\\"";
		} else if (c.cp == '\n') {
			out += "\\n";
		} else if (c.cp == '\t') {
			out += "\\t";
		} else if (c.cp == '\r') {
			out += "\\r";
		} else if (c.cp < 0x80 && is_invisible_control(c.cp)) {
			snprintf(buf, sizeof(buf), "\\x%02x", static_cast<unsigned>(c.cp));
			out += buf;
		} else if (is_invisible_control(c.cp)) {
			snprintf(buf, sizeof(buf), "\\u{%04x}", static_cast<unsigned>(c.cp));
			out += buf;
		} else {
			out.append(s, i, c.len);
		}
		i += c.len;
	}
	return out;
}

std::string format_compact(const Event &ev, bool color)
{
	Line l(color);
	l.raw(clock_of(ev.time_ns)).raw(" ");
	std::string_view type = to_string(ev.type);
	l.colour(type_colour(ev.type)).raw(type).reset();
	constexpr std::size_t kTypeWidth = 7; // "connect"
	l.raw(std::string(type.size() < kTypeWidth ? kTypeWidth - type.size() : 0, ' ')).raw(" ");
	std::visit(
	    [&](const auto &d) {
		    if constexpr (std::is_same_v<std::decay_t<decltype(d)>, NetDetails>)
			    net_details(l, ev.type, ev.process, d);
		    else
			    details(l, ev.process, d);
	    },
	    ev.details);
	return l.take();
}

std::string format_short(const Event &ev, bool color)
{
	Line l(color);
	l.raw(date_time_of(ev.time_ns)).raw(" ");
	std::string_view type = to_string(ev.type);
	l.colour(type_colour(ev.type)).raw(type).reset();
	constexpr std::size_t kTypeWidth = 7; // "connect"
	l.raw(std::string(type.size() < kTypeWidth ? kTypeWidth - type.size() : 0, ' ')).raw(" ");
	const Process &p = ev.process;
	if (!p.comm.empty())
		l.word(p.comm);
	else
		l.word(p.exe.empty() ? std::string_view("?") : basename_of(p.exe));
	l.raw("[").num(p.pid).raw("]: ");
	std::visit([&](const auto &d) { summary(l, ev.type, d, p); }, ev.details);
	return l.take();
}

} // namespace linesman::output
