// SPDX-License-Identifier: Apache-2.0
// The renderings of an Event: protobuf round trips, JSON that mirrors the schema (checked
// against userspace/proto/linesman/v1/event.proto itself), escaping, and the compact line.
#include <doctest/doctest.h>

#include <algorithm>
#include <cctype>
#include <climits>
#include <cstdint>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "linesman/v1/event.pb.h"
#include "output/format.h"

using namespace linesman;
using namespace linesman::output;

namespace {

// ---- fixtures: every field set, no two fields with the same value where it can be avoided ----

constexpr uint64_t kTime = 1795685655123456789ull; // 2026-11-26T09:34:15.123456789Z

Process full_process()
{
	Process p;
	p.pid = 4242;
	p.tid = 4243;
	p.ppid = 4100;
	p.exec_id = "ZXhlYy00MjQy";
	p.parent_exec_id = "ZXhlYy00MTAw";
	p.uid = 1000;
	p.gid = 1001;
	p.euid = 0;
	p.egid = 1002;
	p.auid = 1003;
	p.session_id = 7;
	p.tty = "pts/3";
	p.comm = "curl";
	p.exe = "/usr/bin/curl";
	p.argv = {"curl", "-sS", "-o", "/tmp/x y", "http://198.51.100.9/a"};
	p.cwd = "/home/alice";
	p.cgroup_id = 0xfedcba9876543210ull; // 18364758544493064720: beyond double precision
	p.container_id = "0123456789abcdef0123456789abcdef";
	p.start_time_ns = 1795685600000000001ull;
	p.ancestors = {"/usr/bin/bash", "/usr/sbin/sshd", "/sbin/init"};
	p.origin = SessionOrigin{.peer_addr = "192.0.2.7", .peer_port = 52144, .user = "alice",
				 .via = "/usr/sbin/sshd"};
	p.user = "alice";
	p.login_user = "bob";
	return p;
}

Event base_event(EventType t)
{
	Event ev;
	ev.seq = 42;
	ev.time_ns = kTime;
	ev.host = "sw-core-01";
	ev.type = t;
	ev.process = full_process();
	return ev;
}

Event exec_event()
{
	Event ev = base_event(EventType::Exec);
	ev.details = ExecDetails{.filename = "/usr/bin/curl",
				 .argc = 5,
				 .flags = kExecSetuid | kExecMemfd | kExecArgvTruncated,
				 .exe_mode = 0104755,
				 .exe_ino = 9007199254740993ull, // 2^53 + 1
				 .exe_dev = 0x800003};
	return ev;
}

Event exit_event()
{
	Event ev = base_event(EventType::Exit);
	ev.details = ExitDetails{.code = -1, .signal = 9, .core_dumped = true, .duration_ns = 1234567890};
	return ev;
}

Event rollup_event()
{
	Event ev = base_event(EventType::Rollup);
	ev.details = RollupDetails{.rolled_type = EventType::Exec,
				   .count = 57,
				   .first_time_ns = kTime - 9000000000ull,
				   .last_time_ns = kTime - 1000000ull,
				   .parent_exe = "/usr/bin/bash",
				   .window_s = 10};
	return ev;
}

Event loss_event()
{
	Event ev = base_event(EventType::Loss);
	ev.details = LossDetails{.where = "kernel_ringbuf", .what = "exec", .count = 17};
	return ev;
}

Event agent_event()
{
	Event ev = base_event(EventType::Agent);
	ev.details = AgentDetails{.what = "heartbeat",
				  .message = "all probes attached",
				  .version = "0.1.0",
				  .counters = {{"events", 1000}, {"lost", 3}, {"max", UINT64_MAX}}};
	return ev;
}

constexpr EventType kNetTypes[] = {EventType::Connect, EventType::Accept, EventType::Listen,
				   EventType::Close,   EventType::Socket, EventType::Udp,
				   EventType::TcpSummary};

// Every NetDetails field set, each to its own value (the renderings must not mix them up);
// no type uses all of them, but the schema carries every field for every type.
NetDetails full_net()
{
	return NetDetails{.family = "inet6",
			  .protocol = "tcp",
			  .sock_type = "stream",
			  .local_addr = "2001:db8::1",
			  .remote_addr = "2001:db8::2",
			  .local_port = 43122,
			  .remote_port = 443,
			  .netns = 4026531840u,
			  .conn_id = "9f3c2a7b01d4e6f8",
			  .result = "established",
			  .backlog = 128,
			  .duration_ns = 1234567891,
			  .bytes_sent = 9007199254740995ull, // 2^53 + 3
			  .bytes_received = 18000000000000000001ull,
			  .packets_sent = 11,
			  .packets_received = 13,
			  .close_by = "remote",
			  .final_state = "last_ack",
			  .op = "bind",
			  .ifindex = 2,
			  .ifname = "eth0"};
}

Event net_event(EventType t)
{
	Event ev = base_event(t);
	ev.details = full_net();
	return ev;
}

constexpr char kSha256Before[] = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
constexpr char kSha256After[] = "60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752";
constexpr char kDiff[] = "--- a/etc/ssh/sshd_config\n"
			 "+++ b/etc/ssh/sshd_config\n"
			 "@@ -1,2 +1,2 @@\n"
			 " Port 22\n"
			 "-PermitRootLogin no\n"
			 "+PermitRootLogin yes\n";

// Every FileDetails field set, each optional present, each to its own value; no operation
// fills them all, but the schema carries every field for every operation.
FileDetails full_file()
{
	return FileDetails{.op = "write",
			   .path = "/etc/ssh/sshd_config",
			   .new_path = "/etc/ssh/sshd_config.new",
			   .target = "/etc/ssh/sshd_config.orig",
			   .flags = {"truncated", "implicit_close"},
			   .mode = 0100600,
			   .old_mode = 0100644,
			   .uid = 2000,
			   .gid = 2001,
			   .old_uid = 2002,
			   .old_gid = 2003,
			   .size_before = 3021,
			   .size_after = 9007199254740997ull, // 2^53 + 5
			   .bytes_written = 112,
			   .open_duration_ns = 2500000001,
			   .atime_ns = -1000000001, // before the epoch: int64, not uint64
			   .mtime_ns = 1551441600000000007,
			   .sha256_before = kSha256Before,
			   .sha256_after = kSha256After,
			   .diff = kDiff,
			   .diff_truncated = true,
			   .content_note = "secret: hashes only",
			   .inode = 9007199254740999ull, // 2^53 + 7
			   .dev = 0x800001};
}

// The two fields every file event has; tests set the others an operation uses.
FileDetails file_op(std::string op, std::string path)
{
	FileDetails d;
	d.op = std::move(op);
	d.path = std::move(path);
	return d;
}

Event file_event()
{
	Event ev = base_event(EventType::File);
	ev.details = full_file();
	return ev;
}

std::vector<Event> all_events()
{
	std::vector<Event> out = {exec_event(), exit_event(), rollup_event(), loss_event(), agent_event()};
	for (EventType t : kNetTypes)
		out.push_back(net_event(t));
	out.push_back(file_event());
	return out;
}

// The `details` oneof member an event's details go in (the schema's field name).
std::string oneof_member(const Event &ev)
{
	static const char *const names[] = {"", "exec", "exit", "rollup", "loss", "agent", "net", "file"};
	static_assert(std::variant_size_v<decltype(Event::details)> == std::size(names));
	return names[ev.details.index()];
}

// The schema's numbering rule: 15 + the type, the six network types sharing `net` = 21.
int expected_oneof_number(const Event &ev)
{
	return std::holds_alternative<NetDetails>(ev.details) ? 21 : 15 + int(ev.type);
}

// ---- field-by-field comparison (Event has no operator==: each field is its own CHECK) ----

void check_same(const Process &a, const Process &b)
{
	CHECK(a.pid == b.pid);
	CHECK(a.tid == b.tid);
	CHECK(a.ppid == b.ppid);
	CHECK(a.exec_id == b.exec_id);
	CHECK(a.parent_exec_id == b.parent_exec_id);
	CHECK(a.uid == b.uid);
	CHECK(a.gid == b.gid);
	CHECK(a.euid == b.euid);
	CHECK(a.egid == b.egid);
	CHECK(a.auid == b.auid);
	CHECK(a.session_id == b.session_id);
	CHECK(a.tty == b.tty);
	CHECK(a.comm == b.comm);
	CHECK(a.exe == b.exe);
	CHECK(a.argv == b.argv);
	CHECK(a.cwd == b.cwd);
	CHECK(a.cgroup_id == b.cgroup_id);
	CHECK(a.container_id == b.container_id);
	CHECK(a.start_time_ns == b.start_time_ns);
	CHECK(a.ancestors == b.ancestors);
	CHECK(a.origin.has_value() == b.origin.has_value());
	if (a.origin && b.origin) {
		CHECK(a.origin->peer_addr == b.origin->peer_addr);
		CHECK(a.origin->peer_port == b.origin->peer_port);
		CHECK(a.origin->user == b.origin->user);
		CHECK(a.origin->via == b.origin->via);
	}
	CHECK(a.user == b.user);
	CHECK(a.login_user == b.login_user);
}

void check_same(const ExecDetails &a, const ExecDetails &b)
{
	CHECK(a.filename == b.filename);
	CHECK(a.argc == b.argc);
	CHECK(a.flags == b.flags);
	CHECK(a.exe_mode == b.exe_mode);
	CHECK(a.exe_ino == b.exe_ino);
	CHECK(a.exe_dev == b.exe_dev);
}

void check_same(const ExitDetails &a, const ExitDetails &b)
{
	CHECK(a.code == b.code);
	CHECK(a.signal == b.signal);
	CHECK(a.core_dumped == b.core_dumped);
	CHECK(a.duration_ns == b.duration_ns);
}

void check_same(const RollupDetails &a, const RollupDetails &b)
{
	CHECK(a.rolled_type == b.rolled_type);
	CHECK(a.count == b.count);
	CHECK(a.first_time_ns == b.first_time_ns);
	CHECK(a.last_time_ns == b.last_time_ns);
	CHECK(a.parent_exe == b.parent_exe);
	CHECK(a.window_s == b.window_s);
}

void check_same(const LossDetails &a, const LossDetails &b)
{
	CHECK(a.where == b.where);
	CHECK(a.what == b.what);
	CHECK(a.count == b.count);
}

void check_same(const AgentDetails &a, const AgentDetails &b)
{
	CHECK(a.what == b.what);
	CHECK(a.message == b.message);
	CHECK(a.version == b.version);
	CHECK(a.counters == b.counters);
}

void check_same(const NetDetails &a, const NetDetails &b)
{
	CHECK(a.family == b.family);
	CHECK(a.protocol == b.protocol);
	CHECK(a.sock_type == b.sock_type);
	CHECK(a.local_addr == b.local_addr);
	CHECK(a.remote_addr == b.remote_addr);
	CHECK(a.local_port == b.local_port);
	CHECK(a.remote_port == b.remote_port);
	CHECK(a.netns == b.netns);
	CHECK(a.conn_id == b.conn_id);
	CHECK(a.result == b.result);
	CHECK(a.backlog == b.backlog);
	CHECK(a.duration_ns == b.duration_ns);
	CHECK(a.bytes_sent == b.bytes_sent);
	CHECK(a.bytes_received == b.bytes_received);
	CHECK(a.packets_sent == b.packets_sent);
	CHECK(a.packets_received == b.packets_received);
	CHECK(a.close_by == b.close_by);
	CHECK(a.final_state == b.final_state);
	CHECK(a.op == b.op);
	CHECK(a.ifindex == b.ifindex);
	CHECK(a.ifname == b.ifname);
}

void check_same(const FileDetails &a, const FileDetails &b)
{
	CHECK(a.op == b.op);
	CHECK(a.path == b.path);
	CHECK(a.new_path == b.new_path);
	CHECK(a.target == b.target);
	CHECK(a.flags == b.flags);
	CHECK(a.mode == b.mode);
	CHECK(a.old_mode == b.old_mode); // std::optional: presence and value
	CHECK(a.uid == b.uid);
	CHECK(a.gid == b.gid);
	CHECK(a.old_uid == b.old_uid);
	CHECK(a.old_gid == b.old_gid);
	CHECK(a.size_before == b.size_before);
	CHECK(a.size_after == b.size_after);
	CHECK(a.bytes_written == b.bytes_written);
	CHECK(a.open_duration_ns == b.open_duration_ns);
	CHECK(a.atime_ns == b.atime_ns);
	CHECK(a.mtime_ns == b.mtime_ns);
	CHECK(a.sha256_before == b.sha256_before);
	CHECK(a.sha256_after == b.sha256_after);
	CHECK(a.diff == b.diff);
	CHECK(a.diff_truncated == b.diff_truncated);
	CHECK(a.content_note == b.content_note);
	CHECK(a.inode == b.inode);
	CHECK(a.dev == b.dev);
}

void check_same(std::monostate, std::monostate) {}

void check_same(const Event &a, const Event &b)
{
	CHECK(a.seq == b.seq);
	CHECK(a.time_ns == b.time_ns);
	CHECK(a.host == b.host);
	CHECK(a.type == b.type);
	check_same(a.process, b.process);
	REQUIRE(a.details.index() == b.details.index());
	std::visit(
	    [&](const auto &da) {
		    using T = std::decay_t<decltype(da)>;
		    check_same(da, std::get<T>(b.details));
	    },
	    a.details);
}

// ---- a strict JSON parser (RFC 8259), independent of the code under test ----

struct Json {
	enum Kind { Null, Bool, Number, String, Array, Object } kind = Null;
	bool b = false;
	std::string text; // a number's literal, or a string's decoded UTF-8
	std::vector<Json> items;       // an array's elements, or an object's values
	std::vector<std::string> names; // an object's keys, in order, parallel to items

	const Json *find(const std::string &k) const;
	const Json &operator[](const std::string &k) const;
	std::vector<std::string> keys() const;
};

const Json *Json::find(const std::string &k) const
{
	for (std::size_t i = 0; i < names.size(); i++)
		if (names[i] == k)
			return &items[i];
	return nullptr;
}

const Json &Json::operator[](const std::string &k) const
{
	const Json *v = find(k);
	if (!v)
		throw std::runtime_error("JSON object has no key \"" + k + "\"");
	return *v;
}

std::vector<std::string> Json::keys() const
{
	return names;
}

// Well-formed UTF-8 by the byte-range table of Unicode 15, Table 3-7.
bool well_formed_utf8(std::string_view s)
{
	auto in = [](unsigned char c, unsigned lo, unsigned hi) { return c >= lo && c <= hi; };
	for (std::size_t i = 0; i < s.size();) {
		auto c = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
		std::size_t left = s.size() - i;
		if (c(0) <= 0x7f) {
			i += 1;
		} else if (in(c(0), 0xc2, 0xdf) && left >= 2 && in(c(1), 0x80, 0xbf)) {
			i += 2;
		} else if (left >= 3 && in(c(2), 0x80, 0xbf) &&
			   ((c(0) == 0xe0 && in(c(1), 0xa0, 0xbf)) ||
			    ((in(c(0), 0xe1, 0xec) || in(c(0), 0xee, 0xef)) && in(c(1), 0x80, 0xbf)) ||
			    (c(0) == 0xed && in(c(1), 0x80, 0x9f)))) {
			i += 3;
		} else if (left >= 4 && in(c(2), 0x80, 0xbf) && in(c(3), 0x80, 0xbf) &&
			   ((c(0) == 0xf0 && in(c(1), 0x90, 0xbf)) ||
			    (in(c(0), 0xf1, 0xf3) && in(c(1), 0x80, 0xbf)) ||
			    (c(0) == 0xf4 && in(c(1), 0x80, 0x8f)))) {
			i += 4;
		} else {
			return false;
		}
	}
	return true;
}

class JsonParser {
public:
	static Json parse(std::string_view s)
	{
		if (!well_formed_utf8(s))
			throw std::runtime_error("JSON text is not well-formed UTF-8");
		JsonParser p(s);
		Json v = p.value();
		p.ws();
		if (p.i_ != s.size())
			p.fail("trailing characters");
		return v;
	}

private:
	explicit JsonParser(std::string_view s) : s_(s) {}

	[[noreturn]] void fail(const std::string &what)
	{
		throw std::runtime_error("invalid JSON at byte " + std::to_string(i_) + ": " + what);
	}
	char peek() { return i_ < s_.size() ? s_[i_] : '\0'; }
	void expect(char c)
	{
		if (peek() != c)
			fail(std::string("expected '") + c + "'");
		i_++;
	}
	void ws()
	{
		while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r'))
			i_++;
	}
	void literal(std::string_view word)
	{
		if (s_.substr(i_, word.size()) != word)
			fail("bad literal");
		i_ += word.size();
	}

	Json value()
	{
		ws();
		Json v;
		char c = peek();
		if (c == '{') {
			v.kind = Json::Object;
			i_++;
			ws();
			if (peek() == '}') {
				i_++;
				return v;
			}
			for (;;) {
				ws();
				std::string k = string();
				ws();
				expect(':');
				v.names.push_back(std::move(k));
				v.items.push_back(value());
				ws();
				if (peek() == ',') {
					i_++;
					continue;
				}
				expect('}');
				return v;
			}
		}
		if (c == '[') {
			v.kind = Json::Array;
			i_++;
			ws();
			if (peek() == ']') {
				i_++;
				return v;
			}
			for (;;) {
				v.items.push_back(value());
				ws();
				if (peek() == ',') {
					i_++;
					continue;
				}
				expect(']');
				return v;
			}
		}
		if (c == '"') {
			v.kind = Json::String;
			v.text = string();
			return v;
		}
		if (c == 't' || c == 'f') {
			v.kind = Json::Bool;
			v.b = c == 't';
			literal(v.b ? "true" : "false");
			return v;
		}
		if (c == 'n') {
			literal("null");
			return v;
		}
		v.kind = Json::Number;
		v.text = number();
		return v;
	}

	std::string number()
	{
		std::size_t start = i_;
		auto digits = [&] {
			std::size_t n = 0;
			while (std::isdigit(static_cast<unsigned char>(peek())))
				i_++, n++;
			if (n == 0)
				fail("expected a digit");
		};
		if (peek() == '-')
			i_++;
		if (peek() == '0')
			i_++;
		else
			digits();
		if (peek() == '.')
			i_++, digits();
		if (peek() == 'e' || peek() == 'E') {
			i_++;
			if (peek() == '+' || peek() == '-')
				i_++;
			digits();
		}
		return std::string(s_.substr(start, i_ - start));
	}

	unsigned hex4()
	{
		if (i_ + 4 > s_.size())
			fail("short \\u escape");
		unsigned v = 0;
		for (int k = 0; k < 4; k++) {
			char c = s_[i_++];
			v <<= 4;
			if (c >= '0' && c <= '9')
				v |= c - '0';
			else if (c >= 'a' && c <= 'f')
				v |= c - 'a' + 10;
			else if (c >= 'A' && c <= 'F')
				v |= c - 'A' + 10;
			else
				fail("bad hex digit");
		}
		return v;
	}

	static void put_utf8(std::string &out, unsigned cp)
	{
		if (cp < 0x80) {
			out += char(cp);
		} else if (cp < 0x800) {
			out += char(0xc0 | (cp >> 6));
			out += char(0x80 | (cp & 0x3f));
		} else if (cp < 0x10000) {
			out += char(0xe0 | (cp >> 12));
			out += char(0x80 | ((cp >> 6) & 0x3f));
			out += char(0x80 | (cp & 0x3f));
		} else {
			out += char(0xf0 | (cp >> 18));
			out += char(0x80 | ((cp >> 12) & 0x3f));
			out += char(0x80 | ((cp >> 6) & 0x3f));
			out += char(0x80 | (cp & 0x3f));
		}
	}

	std::string string()
	{
		expect('"');
		std::string out;
		for (;;) {
			if (i_ >= s_.size())
				fail("unterminated string");
			char c = s_[i_++];
			if (c == '"')
				return out;
			if (static_cast<unsigned char>(c) < 0x20)
				fail("raw control character in a string");
			if (c != '\\') {
				out += c;
				continue;
			}
			if (i_ >= s_.size())
				fail("unterminated escape");
			char e = s_[i_++];
			switch (e) {
			case '"':
			case '\\':
			case '/':
				out += e;
				break;
			case 'b':
				out += '\b';
				break;
			case 'f':
				out += '\f';
				break;
			case 'n':
				out += '\n';
				break;
			case 'r':
				out += '\r';
				break;
			case 't':
				out += '\t';
				break;
			case 'u': {
				unsigned cp = hex4();
				if (cp >= 0xdc00 && cp <= 0xdfff)
					fail("lone low surrogate");
				if (cp >= 0xd800 && cp <= 0xdbff) {
					if (s_.substr(i_, 2) != "\\u")
						fail("lone high surrogate");
					i_ += 2;
					unsigned lo = hex4();
					if (lo < 0xdc00 || lo > 0xdfff)
						fail("bad low surrogate");
					cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
				}
				put_utf8(out, cp);
				break;
			}
			default:
				fail("bad escape");
			}
		}
	}

	std::string_view s_;
	std::size_t i_ = 0;
};

// ---- the schema, read from the .proto file itself ----

struct ProtoMessage {
	std::vector<std::string> fields;       // in declaration order
	std::set<std::string> oneof_members;   // fields declared inside a oneof
	std::set<std::string> optional_fields; // proto3 `optional`: presence is part of the value
};

std::string read_file(const std::string &path)
{
	std::ifstream f(path, std::ios::binary);
	if (!f)
		throw std::runtime_error("cannot open " + path + " (run the tests from the repo root)");
	std::ostringstream ss;
	ss << f.rdbuf();
	return ss.str();
}

std::map<std::string, ProtoMessage> proto_messages(std::string src)
{
	src = std::regex_replace(src, std::regex("//[^\n]*"), "");
	std::map<std::string, ProtoMessage> out;
	const std::regex message_re(R"(\bmessage\s+(\w+)\s*\{)");
	const std::regex field_re(R"((repeated\s+|optional\s+)?([\w.]+|map\s*<[^>]*>)\s+(\w+)\s*=\s*\d+\s*(?:\[[^\]]*\])?\s*;)");
	const std::regex oneof_re(R"(\boneof\s+\w+\s*\{([^}]*)\})");
	for (std::sregex_iterator m(src.begin(), src.end(), message_re), end; m != end; ++m) {
		// The body runs to the matching brace.
		std::size_t open = m->position(0) + m->length(0) - 1, close = open;
		int depth = 0;
		for (std::size_t k = open; k < src.size(); k++) {
			if (src[k] == '{')
				depth++;
			else if (src[k] == '}' && --depth == 0) {
				close = k;
				break;
			}
		}
		std::string body = src.substr(open + 1, close - open - 1);
		ProtoMessage &pm = out[(*m)[1]];
		for (std::sregex_iterator f(body.begin(), body.end(), field_re); f != end; ++f) {
			pm.fields.push_back((*f)[3]);
			if (std::string((*f)[1]).starts_with("optional"))
				pm.optional_fields.insert((*f)[3]);
		}
		for (std::sregex_iterator o(body.begin(), body.end(), oneof_re); o != end; ++o) {
			std::string block = (*o)[1];
			for (std::sregex_iterator f(block.begin(), block.end(), field_re); f != end; ++f)
				pm.oneof_members.insert((*f)[3]);
		}
	}
	return out;
}

// The proto3 JSON name: exec_id -> execId.
std::string lower_camel(const std::string &snake)
{
	std::string out;
	bool up = false;
	for (char c : snake) {
		if (c == '_') {
			up = true;
			continue;
		}
		out += up ? char(std::toupper(static_cast<unsigned char>(c))) : c;
		up = false;
	}
	return out;
}

std::string lower(std::string s)
{
	for (char &c : s)
		c = char(std::tolower(static_cast<unsigned char>(c)));
	return s;
}

bool contains(const std::string &haystack, const std::string &needle)
{
	return haystack.find(needle) != std::string::npos;
}

} // namespace

// ---- protobuf ----

TEST_CASE("to_proto sets every field of the canonical message")
{
	linesman::v1::Event m;
	to_proto(exec_event(), &m);
	CHECK(m.schema_version() == 1);
	CHECK(m.seq() == 42);
	CHECK(m.time_ns() == kTime);
	CHECK(m.host() == "sw-core-01");
	CHECK(m.type() == linesman::v1::EVENT_TYPE_EXEC);
	const auto &p = m.process();
	CHECK(p.pid() == 4242);
	CHECK(p.tid() == 4243);
	CHECK(p.ppid() == 4100);
	CHECK(p.exec_id() == "ZXhlYy00MjQy");
	CHECK(p.parent_exec_id() == "ZXhlYy00MTAw");
	CHECK(p.uid() == 1000);
	CHECK(p.gid() == 1001);
	CHECK(p.euid() == 0);
	CHECK(p.egid() == 1002);
	CHECK(p.auid() == 1003);
	CHECK(p.session_id() == 7);
	CHECK(p.tty() == "pts/3");
	CHECK(p.comm() == "curl");
	CHECK(p.exe() == "/usr/bin/curl");
	REQUIRE(p.argv_size() == 5);
	CHECK(p.argv(3) == "/tmp/x y");
	CHECK(p.cwd() == "/home/alice");
	CHECK(p.cgroup_id() == 0xfedcba9876543210ull);
	CHECK(p.container_id() == "0123456789abcdef0123456789abcdef");
	CHECK(p.start_time_ns() == 1795685600000000001ull);
	REQUIRE(p.ancestors_size() == 3);
	CHECK(p.ancestors(1) == "/usr/sbin/sshd");
	REQUIRE(p.has_origin());
	CHECK(p.origin().peer_addr() == "192.0.2.7");
	CHECK(p.origin().peer_port() == 52144);
	CHECK(p.origin().user() == "alice");
	CHECK(p.origin().via() == "/usr/sbin/sshd");
	CHECK(p.user() == "alice");
	CHECK(p.login_user() == "bob");
	REQUIRE(m.details_case() == linesman::v1::Event::kExec);
	CHECK(m.exec().filename() == "/usr/bin/curl");
	CHECK(m.exec().argc() == 5);
	CHECK(m.exec().flags() == (linesman::v1::EXEC_FLAG_SETUID | linesman::v1::EXEC_FLAG_MEMFD |
				   linesman::v1::EXEC_FLAG_ARGV_TRUNCATED));
	CHECK(m.exec().exe_mode() == 0104755);
	CHECK(m.exec().exe_ino() == 9007199254740993ull);
	CHECK(m.exec().exe_dev() == 0x800003);

	to_proto(agent_event(), &m); // reuses the message: nothing of the exec may remain
	REQUIRE(m.details_case() == linesman::v1::Event::kAgent);
	CHECK(!m.has_exec());
	REQUIRE(m.agent().counters_size() == 3);
	CHECK(m.agent().counters(0).name() == "events");
	CHECK(m.agent().counters(0).value() == 1000);
	CHECK(m.agent().counters(2).name() == "max");
	CHECK(m.agent().counters(2).value() == UINT64_MAX);
	CHECK(m.process().argv_size() == 5);
}

TEST_CASE("proto round trip is exact for every details type")
{
	for (const Event &ev : all_events()) {
		CAPTURE(to_string(ev.type));
		linesman::v1::Event m;
		to_proto(ev, &m);
		CHECK(m.type() == int(ev.type));
		CHECK(m.details_case() == expected_oneof_number(ev)); // the schema's numbering rule
		check_same(from_proto(m), ev);
	}
}

TEST_CASE("SerializeAsString + ParseFromString round trip is exact for every details type")
{
	for (const Event &ev : all_events()) {
		CAPTURE(to_string(ev.type));
		linesman::v1::Event m;
		to_proto(ev, &m);
		std::string wire = m.SerializeAsString();
		CHECK(wire.size() > 200);
		linesman::v1::Event back;
		REQUIRE(back.ParseFromString(wire));
		CHECK(back.schema_version() == 1);
		check_same(from_proto(back), ev);
	}
}

TEST_CASE("to_proto sets every NetDetails field, for each of the six network types")
{
	CHECK(linesman::v1::Event::kNet == 21);
	for (EventType t : kNetTypes) {
		CAPTURE(to_string(t));
		linesman::v1::Event m;
		to_proto(net_event(t), &m);
		CHECK(int(m.type()) == int(t));
		REQUIRE(m.details_case() == linesman::v1::Event::kNet);
		const linesman::v1::NetDetails &n = m.net();
		CHECK(n.family() == "inet6");
		CHECK(n.protocol() == "tcp");
		CHECK(n.sock_type() == "stream");
		CHECK(n.local_addr() == "2001:db8::1");
		CHECK(n.remote_addr() == "2001:db8::2");
		CHECK(n.local_port() == 43122);
		CHECK(n.remote_port() == 443);
		CHECK(n.netns() == 4026531840u);
		CHECK(n.conn_id() == "9f3c2a7b01d4e6f8");
		CHECK(n.result() == "established");
		CHECK(n.backlog() == 128);
		CHECK(n.duration_ns() == 1234567891);
		CHECK(n.bytes_sent() == 9007199254740995ull);
		CHECK(n.bytes_received() == 18000000000000000001ull);
		CHECK(n.packets_sent() == 11);
		CHECK(n.packets_received() == 13);
		CHECK(n.close_by() == "remote");
		CHECK(n.final_state() == "last_ack");
		CHECK(n.op() == "bind");
		CHECK(n.ifindex() == 2);
		CHECK(n.ifname() == "eth0");

		// Over the wire and back, and the fields a type leaves at their defaults stay so.
		linesman::v1::Event back;
		REQUIRE(back.ParseFromString(m.SerializeAsString()));
		check_same(from_proto(back), net_event(t));
		Event bare = base_event(t);
		bare.details = NetDetails{};
		to_proto(bare, &m);
		REQUIRE(back.ParseFromString(m.SerializeAsString()));
		REQUIRE(back.details_case() == linesman::v1::Event::kNet); // present though all default
		check_same(from_proto(back), bare);
	}
}

TEST_CASE("proto: FileDetails over the wire, every field, optional presence, raw bytes in paths")
{
	CHECK(linesman::v1::Event::kFile == 28);
	Event ev = file_event();
	FileDetails &d = std::get<FileDetails>(ev.details);
	// Paths and content are whatever bytes the file's owner chose; flags and hashes are
	// agent-composed `string`s: sanitized, never a parse failure.
	d.path = "/etc/cron.d/\xff\xfejob";
	d.new_path = "/tmp/\xc0\xaf";
	d.target = std::string("/a\0b", 4);
	d.diff = "-caf\xe9\n+caf\xc3\xa9\n";
	d.flags.push_back("bad\xff");
	linesman::v1::Event m;
	to_proto(ev, &m);
	linesman::v1::Event back;
	REQUIRE(back.ParseFromString(m.SerializeAsString()));
	CHECK(back.type() == linesman::v1::EVENT_TYPE_FILE);
	REQUIRE(back.details_case() == linesman::v1::Event::kFile);
	const linesman::v1::FileDetails &f = back.file();
	CHECK(f.op() == "write");
	CHECK(f.path() == "/etc/cron.d/\xff\xfejob");
	CHECK(f.new_path() == "/tmp/\xc0\xaf");
	CHECK(f.target() == std::string("/a\0b", 4));
	REQUIRE(f.flags_size() == 3);
	CHECK(f.flags(0) == "truncated");
	CHECK(f.flags(1) == "implicit_close");
	CHECK(f.flags(2) == "bad\xef\xbf\xbd");
	CHECK(f.mode() == 0100600);
	REQUIRE(f.has_old_mode());
	CHECK(f.old_mode() == 0100644);
	CHECK(f.uid() == 2000);
	CHECK(f.gid() == 2001);
	REQUIRE(f.has_old_uid());
	CHECK(f.old_uid() == 2002);
	REQUIRE(f.has_old_gid());
	CHECK(f.old_gid() == 2003);
	REQUIRE(f.has_size_before());
	CHECK(f.size_before() == 3021);
	REQUIRE(f.has_size_after());
	CHECK(f.size_after() == 9007199254740997ull);
	CHECK(f.bytes_written() == 112);
	CHECK(f.open_duration_ns() == 2500000001);
	REQUIRE(f.has_atime_ns());
	CHECK(f.atime_ns() == -1000000001);
	REQUIRE(f.has_mtime_ns());
	CHECK(f.mtime_ns() == 1551441600000000007);
	CHECK(f.sha256_before() == kSha256Before);
	CHECK(f.sha256_after() == kSha256After);
	CHECK(f.diff() == "-caf\xe9\n+caf\xc3\xa9\n");
	CHECK(f.diff_truncated());
	CHECK(f.content_note() == "secret: hashes only");
	CHECK(f.inode() == 9007199254740999ull);
	CHECK(f.dev() == 0x800001);
	d.flags.back() = "bad\xef\xbf\xbd";
	check_same(from_proto(back), ev);

	// Absent optionals stay absent; present zeros stay present (0 is a size, not "unknown").
	Event bare = base_event(EventType::File);
	bare.details = file_op("chmod", "/x");
	std::get<FileDetails>(bare.details).mode = 0755;
	to_proto(bare, &m);
	REQUIRE(back.ParseFromString(m.SerializeAsString()));
	REQUIRE(back.details_case() == linesman::v1::Event::kFile);
	CHECK(!back.file().has_old_mode());
	CHECK(!back.file().has_old_uid());
	CHECK(!back.file().has_old_gid());
	CHECK(!back.file().has_size_before());
	CHECK(!back.file().has_size_after());
	CHECK(!back.file().has_atime_ns());
	CHECK(!back.file().has_mtime_ns());
	CHECK(back.file().uid() == UINT32_MAX); // the agent's "unknown/unchanged" owner
	check_same(from_proto(back), bare);

	FileDetails &z = std::get<FileDetails>(bare.details);
	z.old_mode = 0;
	z.old_uid = 0;
	z.old_gid = 0;
	z.size_before = 0;
	z.size_after = 0;
	z.atime_ns = 0;
	z.mtime_ns = 0;
	to_proto(bare, &m);
	REQUIRE(back.ParseFromString(m.SerializeAsString()));
	CHECK(back.file().has_old_mode());
	CHECK(back.file().has_old_uid());
	CHECK(back.file().has_old_gid());
	CHECK(back.file().has_size_before());
	CHECK(back.file().has_size_after());
	CHECK(back.file().has_atime_ns());
	CHECK(back.file().has_mtime_ns());
	check_same(from_proto(back), bare);
}

TEST_CASE("proto: absent origin, empty origin and no details survive the wire")
{
	Event ev = base_event(EventType::Exec);
	ev.process.origin.reset();
	ev.details = std::monostate{};
	linesman::v1::Event m;
	to_proto(ev, &m);
	linesman::v1::Event back;
	REQUIRE(back.ParseFromString(m.SerializeAsString()));
	CHECK(!back.process().has_origin());
	CHECK(back.details_case() == linesman::v1::Event::DETAILS_NOT_SET);
	Event got = from_proto(back);
	CHECK(!got.process.origin.has_value());
	CHECK(std::holds_alternative<std::monostate>(got.details));

	ev.process.origin = SessionOrigin{}; // present though every field is default
	to_proto(ev, &m);
	REQUIRE(back.ParseFromString(m.SerializeAsString()));
	CHECK(back.process().has_origin());
	CHECK(from_proto(back).process.origin == SessionOrigin{});
}

TEST_CASE("proto: raw bytes stay exact, invalid UTF-8 in string fields cannot break parsing")
{
	// An attacker names the binary and its arguments with bytes that are not UTF-8.
	Event ev = exec_event();
	ev.process.exe = "/dev/shm/\xff\xfe";
	ev.process.comm = "\xc0\xaf";
	ev.process.argv = {"x", "\x80", std::string("a\0b", 3)};
	ev.process.cwd = "/tmp/\xed\xa0\x80";
	ev.process.ancestors = {"/tmp/\xff"};
	ev.process.origin->via = "/usr/sbin/\xff";
	std::get<ExecDetails>(ev.details).filename = "\xf8";
	ev.host = "h\xff";
	ev.process.user = "\xe2\x82";

	linesman::v1::Event m;
	to_proto(ev, &m);
	linesman::v1::Event back;
	REQUIRE(back.ParseFromString(m.SerializeAsString()));
	Event got = from_proto(back);
	CHECK(got.process.exe == "/dev/shm/\xff\xfe");
	CHECK(got.process.comm == "\xc0\xaf");
	CHECK(got.process.argv == std::vector<std::string>{"x", "\x80", std::string("a\0b", 3)});
	CHECK(got.process.cwd == "/tmp/\xed\xa0\x80");
	CHECK(got.process.ancestors == std::vector<std::string>{"/tmp/\xff"});
	CHECK(got.process.origin->via == "/usr/sbin/\xff");
	CHECK(std::get<ExecDetails>(got.details).filename == "\xf8");
	CHECK(got.host == "h\xef\xbf\xbd");                        // U+FFFD
	CHECK(got.process.user == "\xef\xbf\xbd\xef\xbf\xbd");      // one per invalid byte

	Event roll = rollup_event();
	std::get<RollupDetails>(roll.details).parent_exe = "/x/\xff";
	to_proto(roll, &m);
	REQUIRE(back.ParseFromString(m.SerializeAsString()));
	CHECK(std::get<RollupDetails>(from_proto(back).details).parent_exe == "/x/\xff");

	// An interface name is whatever the netns owner chose: bytes, exact. Addresses and the
	// other net strings are agent-composed `string`s: sanitized, never a parse failure.
	Event sock = net_event(EventType::Socket);
	std::get<NetDetails>(sock.details).ifname = "e\xff\x1b[2J";
	std::get<NetDetails>(sock.details).conn_id = "ab\xfe";
	to_proto(sock, &m);
	REQUIRE(back.ParseFromString(m.SerializeAsString()));
	const NetDetails got_net = std::get<NetDetails>(from_proto(back).details);
	CHECK(got_net.ifname == "e\xff\x1b[2J");
	CHECK(got_net.conn_id == "ab\xef\xbf\xbd");
}

TEST_CASE("proto: event types of a newer agent decode without details")
{
	linesman::v1::Event m;
	to_proto(loss_event(), &m);
	m.set_type(static_cast<linesman::v1::EventType>(99));
	m.clear_details();
	Event got = from_proto(m);
	CHECK(int(got.type) == 99);
	CHECK(std::string(to_string(got.type)) == "unknown");
	CHECK(std::holds_alternative<std::monostate>(got.details));
	CHECK(got.seq == 42);

	// Its details arrive in a oneof field this schema does not know (29, the next type's):
	// the message still parses, and the event decodes without details.
	std::string wire = m.SerializeAsString();
	wire += std::string("\xea\x01\x03\x0a\x01x", 6); // field 29, length 3: {1: "x"}
	linesman::v1::Event back;
	REQUIRE(back.ParseFromString(wire));
	CHECK(back.details_case() == linesman::v1::Event::DETAILS_NOT_SET);
	got = from_proto(back);
	CHECK(int(got.type) == 99);
	CHECK(std::holds_alternative<std::monostate>(got.details));
	CHECK(got.process.pid == 4242);
}

TEST_CASE("type and flag names are the schema's enum names")
{
	// Every value the schema names is an agent type of that name, and the other way round.
	int types = 0;
	for (int v = 1; v <= 0xff; v++) {
		CAPTURE(v);
		std::string name = to_string(static_cast<EventType>(v));
		if (!linesman::v1::EventType_IsValid(v)) {
			CHECK(name == "unknown");
			continue;
		}
		std::string schema = linesman::v1::EventType_Name(static_cast<linesman::v1::EventType>(v));
		REQUIRE(schema.rfind("EVENT_TYPE_", 0) == 0);
		CHECK(name == lower(schema.substr(11)));
		types++;
	}
	CHECK(types == 13);
	CHECK(std::string(to_string(EventType::Exec)) == "exec");
	CHECK(std::string(to_string(EventType::Agent)) == "agent");
	CHECK(std::string(to_string(EventType::Connect)) == "connect");
	CHECK(std::string(to_string(EventType::Accept)) == "accept");
	CHECK(std::string(to_string(EventType::Listen)) == "listen");
	CHECK(std::string(to_string(EventType::Close)) == "close");
	CHECK(std::string(to_string(EventType::Socket)) == "socket");
	CHECK(std::string(to_string(EventType::Udp)) == "udp");
	CHECK(std::string(to_string(EventType::TcpSummary)) == "tcp_summary");
	CHECK(std::string(to_string(EventType::File)) == "file");

	int named = 0;
	for (int i = 0; i < 32; i++) {
		uint32_t bit = 1u << i;
		const char *name = exec_flag_name(bit);
		CAPTURE(i);
		if (!linesman::v1::ExecFlag_IsValid(int(bit))) {
			CHECK(name == nullptr);
			continue;
		}
		REQUIRE(name != nullptr);
		std::string schema = linesman::v1::ExecFlag_Name(static_cast<linesman::v1::ExecFlag>(bit));
		CHECK(std::string(name) == lower(schema.substr(std::string("EXEC_FLAG_").size())));
		named++;
	}
	CHECK(named == 11);
	CHECK(std::string(exec_flag_name(kExecExeUnreachable)) == "exe_unreachable");
}

// ---- JSON ----

TEST_CASE("JSON mirrors the .proto field for field, in both directions")
{
	auto schema = proto_messages(read_file("userspace/proto/linesman/v1/event.proto"));

	std::map<EventType, Json> by_type;
	std::map<std::string, int> carrying; // oneof member -> how many of the events carry it
	for (const Event &ev : all_events()) {
		by_type[ev.type] = JsonParser::parse(format_json(ev));
		carrying[oneof_member(ev)]++;
	}
	REQUIRE(by_type.size() == 13);
	const Json &exec = by_type[EventType::Exec];
	std::vector<const Json *> nets;
	for (EventType t : kNetTypes)
		nets.push_back(&by_type[t]["net"]);

	// Where each message's JSON object lives. A new message in the schema fails this test until
	// it is listed here, i.e. until the JSON rendering has learnt it.
	std::map<std::string, std::vector<const Json *>> objects = {
	    {"Process", {&exec["process"]}},
	    {"SessionOrigin", {&exec["process"]["origin"]}},
	    {"ExecDetails", {&exec["exec"]}},
	    {"ExitDetails", {&by_type[EventType::Exit]["exit"]}},
	    {"RollupDetails", {&by_type[EventType::Rollup]["rollup"]}},
	    {"LossDetails", {&by_type[EventType::Loss]["loss"]}},
	    {"AgentDetails", {&by_type[EventType::Agent]["agent"]}},
	    {"Counter", {&by_type[EventType::Agent]["agent"]["counters"].items.at(0)}},
	    {"NetDetails", nets},
	    {"FileDetails", {&by_type[EventType::File]["file"]}},
	    {"Event", {}},
	};
	for (auto &[t, root] : by_type)
		objects["Event"].push_back(&root);

	std::set<std::string> parsed, mapped;
	for (const auto &[name, msg] : schema)
		parsed.insert(name);
	for (const auto &[name, objs] : objects)
		mapped.insert(name);
	CHECK(parsed == mapped);
	CHECK(schema["Process"].fields.size() == 23);
	CHECK(schema["NetDetails"].fields.size() == 21);
	CHECK(schema["FileDetails"].fields.size() == 24);
	CHECK(schema["FileDetails"].optional_fields.size() == 7);
	CHECK(schema["Event"].oneof_members ==
	      std::set<std::string>{"exec", "exit", "rollup", "loss", "agent", "net", "file"});
	CHECK(carrying["net"] == 7);
	CHECK(carrying["file"] == 1);

	const std::set<std::string> extras = {"time"}; // the RFC 3339 twin of timeNs
	for (const auto &entry : objects) {
		const std::string &name = entry.first;
		const std::vector<const Json *> &objs = entry.second;
		CAPTURE(name);
		const ProtoMessage &msg = schema[name];
		REQUIRE(!msg.fields.empty());
		std::set<std::string> names;
		for (const std::string &f : msg.fields)
			names.insert(lower_camel(f));
		for (const std::string &f : msg.fields) {
			std::string key = lower_camel(f);
			CAPTURE(key);
			int present = 0;
			for (const Json *o : objs)
				present += o->find(key) != nullptr;
			if (msg.oneof_members.count(f))
				CHECK(present == carrying[f]); // exactly the events of its types carry it
			else
				CHECK(present == int(objs.size()));
		}
		for (const Json *o : objs)
			for (const std::string &key : o->keys()) {
				CAPTURE(key);
				CHECK((names.count(key) || (name == "Event" && extras.count(key))));
			}
	}

	// proto3 `optional` fields: the fixtures above have them present, and an absent one has no
	// key (not a 0, which is a value). Where each message's JSON object lives with every optional
	// field absent; a message that gains an optional field fails this until it is listed here.
	Event bare_file = base_event(EventType::File);
	bare_file.details = FileDetails{};
	Json bare_file_json = JsonParser::parse(format_json(bare_file));
	std::map<std::string, const Json *> bare = {{"FileDetails", &bare_file_json["file"]}};
	std::set<std::string> with_optional, bare_listed;
	for (const auto &[name, msg] : schema)
		if (!msg.optional_fields.empty())
			with_optional.insert(name);
	for (const auto &[name, obj] : bare)
		bare_listed.insert(name);
	CHECK(with_optional == bare_listed);
	for (const auto &[name, obj] : bare) {
		CAPTURE(name);
		const ProtoMessage &msg = schema[name];
		std::vector<std::string> expected;
		for (const std::string &f : msg.fields)
			if (!msg.optional_fields.count(f))
				expected.push_back(lower_camel(f));
		CHECK(obj->keys() == expected);
	}
	CHECK(lower_camel("parent_exec_id") == "parentExecId");
	CHECK(lower_camel("sha256_before") == "sha256Before");
}

TEST_CASE("JSON values: types, 64-bit numbers, time, flags, nesting")
{
	std::string s = format_json(exec_event());
	CHECK(s.find('\n') == std::string::npos);
	CHECK(s.rfind("{\"schemaVersion\":1,\"seq\":42,\"timeNs\":1795685655123456789,", 0) == 0);
	Json j = JsonParser::parse(s);
	CHECK(j["time"].text == "2026-11-26T09:34:15.123456789Z");
	CHECK(j["type"].text == "exec");
	CHECK(j["host"].text == "sw-core-01");
	const Json &p = j["process"];
	CHECK(p["pid"].text == "4242");
	CHECK(p["execId"].text == "ZXhlYy00MjQy");
	CHECK(p["cgroupId"].kind == Json::Number);
	CHECK(p["cgroupId"].text == "18364758544493064720");
	CHECK(p["startTimeNs"].text == "1795685600000000001");
	REQUIRE(p["argv"].items.size() == 5);
	CHECK(p["argv"].items[3].text == "/tmp/x y");
	CHECK(p["ancestors"].items.at(2).text == "/sbin/init");
	CHECK(p["origin"]["peerPort"].text == "52144");
	CHECK(p["origin"]["via"].text == "/usr/sbin/sshd");
	CHECK(p["loginUser"].text == "bob");
	CHECK(p["containerId"].text == "0123456789abcdef0123456789abcdef");
	const Json &x = j["exec"];
	REQUIRE(x["flags"].kind == Json::Array);
	REQUIRE(x["flags"].items.size() == 3);
	CHECK(x["flags"].items[0].text == "setuid");
	CHECK(x["flags"].items[1].text == "memfd");
	CHECK(x["flags"].items[2].text == "argv_truncated");
	CHECK(x["exeIno"].text == "9007199254740993");
	CHECK(x["exeMode"].text == "35309");

	Json e = JsonParser::parse(format_json(exit_event()));
	CHECK(e["type"].text == "exit");
	CHECK(e["exit"]["code"].text == "-1");
	CHECK(e["exit"]["signal"].text == "9");
	CHECK(e["exit"]["coreDumped"].kind == Json::Bool);
	CHECK(e["exit"]["coreDumped"].b == true);
	CHECK(e["exit"]["durationNs"].text == "1234567890");

	Json r = JsonParser::parse(format_json(rollup_event()));
	CHECK(r["rollup"]["rolledType"].text == "exec");
	CHECK(r["rollup"]["count"].text == "57");
	CHECK(r["rollup"]["windowS"].text == "10");

	Json a = JsonParser::parse(format_json(agent_event()));
	REQUIRE(a["agent"]["counters"].items.size() == 3);
	CHECK(a["agent"]["counters"].items[1]["name"].text == "lost");
	CHECK(a["agent"]["counters"].items[2]["value"].text == "18446744073709551615");

	Json l = JsonParser::parse(format_json(loss_event()));
	CHECK(l["loss"]["where"].text == "kernel_ringbuf");
	CHECK(l.find("exec") == nullptr);

	for (EventType t : kNetTypes) {
		CAPTURE(to_string(t));
		Json n = JsonParser::parse(format_json(net_event(t)));
		CHECK(n["type"].text == to_string(t));
		const Json &d = n["net"];
		CHECK(d.keys() == std::vector<std::string>{
				      "family", "protocol", "sockType", "localAddr", "remoteAddr",
				      "localPort", "remotePort", "netns", "connId", "result", "backlog",
				      "durationNs", "bytesSent", "bytesReceived", "packetsSent",
				      "packetsReceived", "closeBy", "finalState", "op", "ifindex", "ifname"});
		CHECK(d["family"].text == "inet6");
		CHECK(d["protocol"].text == "tcp");
		CHECK(d["sockType"].text == "stream");
		CHECK(d["localAddr"].text == "2001:db8::1");
		CHECK(d["remoteAddr"].text == "2001:db8::2");
		CHECK(d["localPort"].kind == Json::Number);
		CHECK(d["localPort"].text == "43122");
		CHECK(d["remotePort"].text == "443");
		CHECK(d["netns"].text == "4026531840");
		CHECK(d["connId"].text == "9f3c2a7b01d4e6f8");
		CHECK(d["result"].text == "established");
		CHECK(d["backlog"].text == "128");
		CHECK(d["durationNs"].text == "1234567891");
		CHECK(d["bytesSent"].text == "9007199254740995");
		CHECK(d["bytesReceived"].text == "18000000000000000001");
		CHECK(d["packetsSent"].text == "11");
		CHECK(d["packetsReceived"].text == "13");
		CHECK(d["closeBy"].text == "remote");
		CHECK(d["finalState"].text == "last_ack");
		CHECK(d["op"].text == "bind");
		CHECK(d["ifindex"].text == "2");
		CHECK(d["ifname"].text == "eth0");
	}
	// Defaults are printed too: every key, whatever the type uses.
	Event bare = base_event(EventType::Listen);
	bare.details = NetDetails{};
	Json b = JsonParser::parse(format_json(bare));
	CHECK(b["net"].keys().size() == 21);
	CHECK(b["net"]["remoteAddr"].text == "");
	CHECK(b["net"]["bytesReceived"].text == "0");
	CHECK(JsonParser::parse(format_json(rollup_event()))["rollup"]["rolledType"].text == "exec");
}

TEST_CASE("JSON file event: every key and value, optional fields present and absent")
{
	Event ev = file_event();
	FileDetails &d = std::get<FileDetails>(ev.details);
	d.path = "/etc/cron.d/\xffjob"; // bytes: printed as a string, invalid UTF-8 as U+FFFD
	std::string s = format_json(ev);
	CAPTURE(s);
	CHECK(contains(s, ",\"type\":\"file\","));
	CHECK(contains(s, "\"diff\":\"--- a/etc/ssh/sshd_config\\n+++ b/etc/ssh/sshd_config\\n@@ -1,2 +1,2 @@\\n"
			  " Port 22\\n-PermitRootLogin no\\n+PermitRootLogin yes\\n\","));
	Json j = JsonParser::parse(s);
	CHECK(j["type"].text == "file");
	CHECK(j.keys() == std::vector<std::string>{"schemaVersion", "seq", "timeNs", "time", "host",
						   "type", "process", "file"});
	const Json &f = j["file"];
	CHECK(f.keys() == std::vector<std::string>{
			      "op", "path", "newPath", "target", "flags", "mode", "oldMode", "uid", "gid",
			      "oldUid", "oldGid", "sizeBefore", "sizeAfter", "bytesWritten",
			      "openDurationNs", "atimeNs", "mtimeNs", "sha256Before", "sha256After", "diff",
			      "diffTruncated", "contentNote", "inode", "dev"});
	CHECK(f["op"].text == "write");
	CHECK(f["path"].kind == Json::String);
	CHECK(f["path"].text == "/etc/cron.d/\xef\xbf\xbdjob");
	CHECK(f["newPath"].text == "/etc/ssh/sshd_config.new");
	CHECK(f["target"].text == "/etc/ssh/sshd_config.orig");
	REQUIRE(f["flags"].kind == Json::Array);
	REQUIRE(f["flags"].items.size() == 2);
	CHECK(f["flags"].items[0].text == "truncated");
	CHECK(f["flags"].items[1].text == "implicit_close");
	CHECK(f["mode"].kind == Json::Number);
	CHECK(f["mode"].text == "33152"); // 0100600
	CHECK(f["oldMode"].text == "33188"); // 0100644
	CHECK(f["uid"].text == "2000");
	CHECK(f["gid"].text == "2001");
	CHECK(f["oldUid"].text == "2002");
	CHECK(f["oldGid"].text == "2003");
	CHECK(f["sizeBefore"].text == "3021");
	CHECK(f["sizeAfter"].text == "9007199254740997");
	CHECK(f["bytesWritten"].text == "112");
	CHECK(f["openDurationNs"].text == "2500000001");
	CHECK(f["atimeNs"].text == "-1000000001");
	CHECK(f["mtimeNs"].text == "1551441600000000007");
	CHECK(f["sha256Before"].text == kSha256Before);
	CHECK(f["sha256After"].text == kSha256After);
	CHECK(f["diff"].text == kDiff);
	CHECK(f["diffTruncated"].kind == Json::Bool);
	CHECK(f["diffTruncated"].b == true);
	CHECK(f["contentNote"].text == "secret: hashes only");
	CHECK(f["inode"].text == "9007199254740999");
	CHECK(f["dev"].text == "8388609");

	// An unlink: no optional field known, so none printed; every other field still is.
	Event bare = base_event(EventType::File);
	bare.details = file_op("unlink", "/etc/ld.so.preload");
	Json b = JsonParser::parse(format_json(bare))["file"];
	CHECK(b.keys() == std::vector<std::string>{"op", "path", "newPath", "target", "flags", "mode",
						   "uid", "gid", "bytesWritten", "openDurationNs",
						   "sha256Before", "sha256After", "diff", "diffTruncated",
						   "contentNote", "inode", "dev"});
	CHECK(b["flags"].kind == Json::Array);
	CHECK(b["flags"].items.empty());
	CHECK(b["uid"].text == "4294967295");
	CHECK(b["diff"].text == "");
	CHECK(b["diffTruncated"].b == false);

	// Some present, some not; a present 0 is printed (an empty file, the epoch).
	FileDetails &p = std::get<FileDetails>(bare.details);
	p.op = "utimes";
	p.mtime_ns = 0;
	p.size_after = 0;
	p.flags = {"atime_now"};
	std::string u = format_json(bare);
	CHECK(contains(u, "\"sizeAfter\":0,\"bytesWritten\":0,\"openDurationNs\":0,\"mtimeNs\":0,"));
	CHECK(contains(u, "\"flags\":[\"atime_now\"],"));
	b = JsonParser::parse(u)["file"];
	CHECK(b.find("atimeNs") == nullptr);
	CHECK(b.find("sizeBefore") == nullptr);
	CHECK(b.find("oldMode") == nullptr);
	CHECK(b["mtimeNs"].text == "0");
	CHECK(b["sizeAfter"].text == "0");

	// Pretty: the diff stays one JSON string, its newlines escaped.
	std::string pretty = format_json(ev, true);
	CHECK(contains(pretty, "\n  \"file\": {\n    \"op\": \"write\",\n"));
	CHECK(contains(pretty, "\n    \"flags\": [\n      \"truncated\",\n      \"implicit_close\"\n    ],\n"));
	CHECK(contains(pretty, "\n    \"diff\": \"--- a/etc/ssh/sshd_config\\n+++ "));
}

TEST_CASE("JSON prints every process field, omitting only an absent origin and empty containerId")
{
	Event ev;
	ev.type = EventType::Exit;
	ev.details = ExitDetails{};
	Json j = JsonParser::parse(format_json(ev));
	const Json &p = j["process"];
	CHECK(p.find("origin") == nullptr);
	CHECK(p.find("containerId") == nullptr);
	CHECK(p.keys().size() == 21);
	CHECK(p["tty"].text == "");
	CHECK(p["argv"].kind == Json::Array);
	CHECK(p["argv"].items.empty());
	CHECK(p["auid"].text == "4294967295");
	CHECK(j["time"].text == "1970-01-01T00:00:00.000000000Z");
	CHECK(j["exit"]["code"].text == "0");
	CHECK(j["exit"]["coreDumped"].b == false);
	// No details at all: no details key, still valid.
	ev.details = std::monostate{};
	Json k = JsonParser::parse(format_json(ev));
	CHECK(k.keys() == std::vector<std::string>{"schemaVersion", "seq", "timeNs", "time", "host",
						   "type", "process"});
	// An empty exec flag set is an empty array; an unknown bit still shows.
	Event x = exec_event();
	std::get<ExecDetails>(x.details).flags = 0;
	CHECK(contains(format_json(x), "\"flags\":[]"));
	std::get<ExecDetails>(x.details).flags = kExecDeleted | (1u << 20);
	CHECK(contains(format_json(x), "\"flags\":[\"deleted\",\"bit20\"]"));
}

TEST_CASE("JSON escaping: quotes, backslash, controls, invalid UTF-8")
{
	Event ev = exec_event();
	ev.process.argv = {
	    "say \"hi\"",                    // quotes
	    "C:\\dir",                       // backslash
	    "line1\nline2\ttab\r",           // shorthand escapes
	    "\x01\x1b[2J\x7f",               // other controls: \u00XX
	    "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", // valid UTF-8 passes through
	    "bad\xff",                       // invalid byte
	    "trunc\xe2\x82",                 // truncated sequence at the end
	    "over\xc0\xaf",                  // overlong '/'
	    "surr\xed\xa0\x80",              // UTF-8-encoded surrogate
	    "rtl\xe2\x80\xaegpj.exe",        // U+202E RIGHT-TO-LEFT OVERRIDE
	    "c1\xc2\x9b",                    // U+009B: C1 CSI
	    std::string("nul\0end", 7),
	};
	std::string s = format_json(ev);
	CHECK(contains(s, R"("say \"hi\"")"));
	CHECK(contains(s, R"("C:\\dir")"));
	CHECK(contains(s, R"("line1\nline2\ttab\r")"));
	CHECK(contains(s, R"("\u0001\u001b[2J\u007f")"));
	CHECK(contains(s, "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\""));
	CHECK(contains(s, R"("bad\ufffd")"));
	CHECK(contains(s, R"("trunc\ufffd\ufffd")"));
	CHECK(contains(s, R"("over\ufffd\ufffd")"));
	CHECK(contains(s, R"("surr\ufffd\ufffd\ufffd")"));
	CHECK(contains(s, R"("rtl\u202egpj.exe")"));
	CHECK(contains(s, R"("c1\u009b")"));
	CHECK(contains(s, R"("nul\u0000end")"));

	Json j = JsonParser::parse(s); // valid JSON, valid UTF-8 throughout
	const auto &argv = j["process"]["argv"].items;
	REQUIRE(argv.size() == 12);
	CHECK(argv[0].text == "say \"hi\"");
	CHECK(argv[1].text == "C:\\dir");
	CHECK(argv[2].text == "line1\nline2\ttab\r");
	CHECK(argv[3].text == "\x01\x1b[2J\x7f");
	CHECK(argv[4].text == "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
	CHECK(argv[5].text == "bad\xef\xbf\xbd");
	CHECK(argv[9].text == "rtl\xe2\x80\xaegpj.exe");
	CHECK(argv[11].text == std::string("nul\0end", 7));

	// The same holds for every string the event carries, keys' values included.
	ev.host = "h\xff\"";
	ev.process.exe = "/dev/shm/\xff";
	j = JsonParser::parse(format_json(ev));
	CHECK(j["host"].text == "h\xef\xbf\xbd\"");
	CHECK(j["process"]["exe"].text == "/dev/shm/\xef\xbf\xbd");
}

TEST_CASE("JSON pretty form: same content, indented lines")
{
	for (const Event &ev : all_events()) {
		std::string pretty = format_json(ev, true);
		CAPTURE(pretty);
		CHECK(pretty.rfind("{\n  \"schemaVersion\": 1,\n  \"seq\": 42,\n", 0) == 0);
		CHECK(pretty.back() == '}');
		CHECK(contains(pretty, "\n  \"process\": {\n    \"pid\": 4242,\n"));
		Json a = JsonParser::parse(pretty), b = JsonParser::parse(format_json(ev));
		CHECK(a.keys() == b.keys());
		CHECK(a["process"].keys() == b["process"].keys());
		CHECK(a["process"]["argv"].items.size() == b["process"]["argv"].items.size());
	}
	CHECK(contains(format_json(agent_event(), true),
		       "\"counters\": [\n      {\n        \"name\": \"events\",\n        \"value\": 1000\n      },"));
	Event ev = exec_event();
	ev.process.argv.clear();
	CHECK(contains(format_json(ev, true), "\"argv\": [],\n"));
}

TEST_CASE("UTF-8 helpers")
{
	CHECK(utf8_decode("A", 0).cp == U'A');
	CHECK(utf8_decode("\xc3\xa9", 0).cp == U'\u00e9');
	CHECK(utf8_decode("\xc3\xa9", 0).len == 2);
	CHECK(utf8_decode("\xf0\x9f\x98\x80", 0).cp == U'\U0001F600');
	CHECK(utf8_decode("\xf0\x9f\x98\x80", 0).len == 4);
	CHECK(utf8_decode("\xc0\xaf", 0).len == 0);         // overlong
	CHECK(utf8_decode("\xe0\x80\xaf", 0).len == 0);     // overlong, 3 bytes
	CHECK(utf8_decode("\xed\xa0\x80", 0).len == 0);     // surrogate
	CHECK(utf8_decode("\xf4\x90\x80\x80", 0).len == 0); // > U+10FFFF
	CHECK(utf8_decode("\xe2\x82", 0).len == 0);         // truncated
	CHECK(utf8_decode("\x80", 0).len == 0);             // stray continuation
	CHECK(utf8_decode("x\xe2\x82\xac", 1).cp == U'\u20ac');
	CHECK(utf8_sanitize("ok\xff!") == "ok\xef\xbf\xbd!");
	CHECK(utf8_sanitize("caf\xc3\xa9") == "caf\xc3\xa9");
	CHECK(is_invisible_control(0x1b));
	CHECK(is_invisible_control(0x85));
	CHECK(is_invisible_control(0x202e));
	CHECK(is_invisible_control(0x2066));
	CHECK(!is_invisible_control(U'é'));
	CHECK(!is_invisible_control(U' '));
}

// ---- compact ----

// The clock is local time: seconds and milliseconds do not depend on the zone.
void check_clock_prefix(const std::string &line)
{
	REQUIRE(line.size() > 13);
	CHECK(std::regex_search(line, std::regex(R"(^\d\d:\d\d:15\.123 )")));
}

TEST_CASE("compact exec line")
{
	std::string line = format_compact(exec_event(), false);
	CAPTURE(line);
	check_clock_prefix(line);
	CHECK(line.find('\n') == std::string::npos);
	CHECK(line.find('\x1b') == std::string::npos);
	CHECK(line.substr(13, 8) == "exec    ");
	CHECK(contains(line, " pid=4242 ppid=4100 alice(1000) euid=0 /usr/bin/curl -sS -o \"/tmp/x y\" "
			     "http://198.51.100.9/a …  cwd=/home/alice"));
	CHECK(contains(line, "  [setuid,memfd,argv_truncated]"));
	CHECK(contains(line, "  parent=/usr/bin/bash"));
	CHECK(contains(line, "  ssh=alice@192.0.2.7:52144"));
	CHECK(contains(line, "  container=0123456789ab"));
	CHECK(!contains(line, "argv0="));
	CHECK(!contains(line, "login=")); // the ssh origin already names the login

	// A masquerading argv[0], no origin, unresolved user, a login user behind su.
	Event ev = exec_event();
	ev.process.exe = "/dev/shm/x";
	ev.process.argv = {"[kworker/0:1]", "-c"};
	ev.process.origin.reset();
	ev.process.user = "";
	ev.process.euid = ev.process.uid;
	ev.process.container_id = "";
	std::get<ExecDetails>(ev.details).flags = kExecDeleted;
	line = format_compact(ev, false);
	CAPTURE(line);
	CHECK(contains(line, " uid=1000 login=bob /dev/shm/x (argv0=[kworker/0:1]) -c  cwd=/home/alice  [deleted]"));
	CHECK(!contains(line, "ssh="));
	CHECK(!contains(line, "container="));
	CHECK(!contains(line, "euid="));

	// IPv6 peers are bracketed so the port stays readable.
	ev = exec_event();
	ev.process.origin->peer_addr = "2001:db8::7";
	CHECK(contains(format_compact(ev, false), "  ssh=alice@[2001:db8::7]:52144"));
}

TEST_CASE("compact escapes what the monitored host controls")
{
	Event ev = exec_event();
	ev.process.argv = {"curl", "\x1b[2J\x1b[1;1Hok", "a\"b", "back\\slash", "", "tab\there",
			   "bad\xff", "rtl\xe2\x80\xae" "fdp.exe", "caf\xc3\xa9"};
	ev.process.cwd = "/tmp/new\nline";
	std::string line = format_compact(ev, true);
	CAPTURE(line);
	CHECK(line.find('\n') == std::string::npos);
	CHECK(!contains(line, "\x1b[2J"));
	CHECK(contains(line, " \"\\x1b[2J\\x1b[1;1Hok\" \"a\\\"b\" \"back\\\\slash\" \"\" \"tab\\there\" "
			     "\"bad\\xff\" \"rtl\\u{202e}fdp.exe\" café"));
	CHECK(contains(line, "cwd=\"/tmp/new\\nline\""));
}

TEST_CASE("compact colours: type, and red for setuid/memfd/deleted")
{
	std::string line = format_compact(exec_event(), true);
	CAPTURE(line);
	CHECK(contains(line, "\x1b[32mexec\x1b[0m    pid=4242"));
	CHECK(contains(line, "[\x1b[1;31msetuid\x1b[0m,\x1b[1;31mmemfd\x1b[0m,argv_truncated]"));
	CHECK(contains(format_compact(loss_event(), true), "\x1b[1;31mLOST 17 exec at kernel_ringbuf\x1b[0m"));
	CHECK(contains(format_compact(exit_event(), true), "\x1b[1;31msignal=SIGKILL\x1b[0m"));
	CHECK(!contains(format_compact(agent_event(), false), "\x1b"));
}

TEST_CASE("compact exit line")
{
	std::string line = format_compact(exit_event(), false);
	CAPTURE(line);
	check_clock_prefix(line);
	CHECK(line.substr(13) == "exit    pid=4242 /usr/bin/curl signal=SIGKILL (core dumped) duration=1.234s");

	Event ev = exit_event();
	ev.details = ExitDetails{.code = 3, .signal = 0, .core_dumped = false, .duration_ns = 3723000000000ull};
	CHECK(format_compact(ev, false).substr(13) == "exit    pid=4242 /usr/bin/curl code=3 duration=1h02m03s");
	ev.details = ExitDetails{.code = 0, .signal = 0, .core_dumped = false, .duration_ns = 754000000000ull};
	CHECK(contains(format_compact(ev, false), " code=0 duration=12m34s"));
	ev.details = ExitDetails{.code = 0, .signal = 0, .core_dumped = false, .duration_ns = 2 * 86400000000000ull + 3 * 3600000000000ull};
	CHECK(contains(format_compact(ev, false), " duration=2d03h00m"));
	ev.details = ExitDetails{.code = -1, .signal = 15, .core_dumped = false, .duration_ns = 5000000};
	CHECK(contains(format_compact(ev, false), " signal=SIGTERM duration=0.005s"));
	ev.process.exe = "";
	CHECK(contains(format_compact(ev, false), "pid=4242 [curl] signal=SIGTERM"));
}

TEST_CASE("compact loss, rollup and agent lines")
{
	std::string loss = format_compact(loss_event(), false);
	check_clock_prefix(loss);
	CHECK(loss.substr(13) == "loss    LOST 17 exec at kernel_ringbuf");

	std::string rollup = format_compact(rollup_event(), false);
	CAPTURE(rollup);
	CHECK(rollup.substr(13, 8) == "rollup  ");
	CHECK(std::regex_search(rollup, std::regex(R"(rollup  exec /usr/bin/curl ×57 in 10s \(\d\d:\d\d:06\.123\.\.\d\d:\d\d:15\.122\)  parent=/usr/bin/bash$)")));

	std::string agent = format_compact(agent_event(), false);
	CHECK(agent.substr(13) ==
	      "agent   heartbeat version=0.1.0 all probes attached events=1000 lost=3 max=18446744073709551615");
}

// A network event as the sensor emits it: only the fields its type uses.
Event net_line_event(EventType t, NetDetails d)
{
	Event ev = base_event(t);
	ev.process.euid = ev.process.uid;
	ev.process.container_id = "";
	ev.details = std::move(d);
	return ev;
}

TEST_CASE("compact connect and accept lines")
{
	NetDetails d;
	d.family = "inet";
	d.protocol = "tcp";
	d.sock_type = "stream";
	d.local_addr = "10.0.0.1";
	d.remote_addr = "10.0.0.2";
	d.local_port = 43122;
	d.remote_port = 80;
	d.netns = 4026531840u;
	d.conn_id = "9f3c2a7b01d4e6f8";
	d.result = "established";
	std::string line = format_compact(net_line_event(EventType::Connect, d), false);
	CAPTURE(line);
	check_clock_prefix(line);
	CHECK(line.substr(13) == "connect pid=4242 alice(1000) /usr/bin/curl 10.0.0.1:43122 -> 10.0.0.2:80 "
				 "tcp established netns=4026531840 conn=9f3c2a7b01d4e6f8");

	d.result = "refused";
	CHECK(contains(format_compact(net_line_event(EventType::Connect, d), false),
		       " -> 10.0.0.2:80 tcp refused netns="));

	// IPv6 addresses are bracketed so the port stays readable.
	NetDetails v6 = d;
	v6.family = "inet6";
	v6.local_addr = "2001:db8::1";
	v6.remote_addr = "2001:db8::2";
	v6.remote_port = 443;
	v6.result = "established";
	CHECK(contains(format_compact(net_line_event(EventType::Connect, v6), false),
		       " /usr/bin/curl [2001:db8::1]:43122 -> [2001:db8::2]:443 tcp established "));

	NetDetails a;
	a.family = "inet";
	a.protocol = "tcp";
	a.sock_type = "stream";
	a.local_addr = "10.0.0.2";
	a.remote_addr = "10.0.0.1";
	a.local_port = 80;
	a.remote_port = 43122;
	a.netns = 4026531840u;
	a.conn_id = "0123456789abcdef";
	Event acc = net_line_event(EventType::Accept, a);
	acc.process.exe = "/usr/sbin/nginx";
	acc.process.user = "www-data";
	acc.process.uid = acc.process.euid = 33;
	CHECK(format_compact(acc, false).substr(13) ==
	      "accept  pid=4242 www-data(33) /usr/sbin/nginx 10.0.0.2:80 <- 10.0.0.1:43122 tcp "
	      "netns=4026531840 conn=0123456789abcdef");
}

TEST_CASE("compact listen, close and udp lines")
{
	NetDetails l;
	l.family = "inet";
	l.protocol = "tcp";
	l.sock_type = "stream";
	l.local_addr = "0.0.0.0";
	l.local_port = 57722;
	l.netns = 4026531840u;
	l.backlog = 128;
	CHECK(format_compact(net_line_event(EventType::Listen, l), false).substr(13) ==
	      "listen  pid=4242 alice(1000) /usr/bin/curl 0.0.0.0:57722 tcp backlog=128 netns=4026531840");
	l.local_addr = "::";
	CHECK(contains(format_compact(net_line_event(EventType::Listen, l), false), " [::]:57722 tcp backlog=128"));

	NetDetails c;
	c.family = "inet";
	c.protocol = "tcp";
	c.sock_type = "stream";
	c.local_addr = "10.0.0.1";
	c.remote_addr = "10.0.0.2";
	c.local_port = 43122;
	c.remote_port = 80;
	c.netns = 4026531840u;
	c.conn_id = "9f3c2a7b01d4e6f8";
	c.duration_ns = 1200000000;
	c.bytes_sent = 1234;
	c.bytes_received = 56789;
	c.close_by = "local";
	c.final_state = "fin_wait2";
	std::string line = format_compact(net_line_event(EventType::Close, c), false);
	CAPTURE(line);
	CHECK(line.substr(13) == "close   pid=4242 alice(1000) /usr/bin/curl 10.0.0.1:43122 <-> 10.0.0.2:80 tcp "
				 "sent=1234 recv=56789 duration=1.200s by=local state=fin_wait2 "
				 "netns=4026531840 conn=9f3c2a7b01d4e6f8");
	c.close_by = "reset";
	c.final_state = "";
	c.duration_ns = 754000000000ull;
	line = format_compact(net_line_event(EventType::Close, c), false);
	CHECK(contains(line, " duration=12m34s by=reset netns="));
	CHECK(!contains(line, "state="));

	NetDetails u;
	u.family = "inet";
	u.protocol = "udp";
	u.sock_type = "dgram";
	u.local_addr = "10.0.0.1";
	u.remote_addr = "224.0.0.251";
	u.local_port = 5353;
	u.remote_port = 5353;
	u.netns = 4026531840u;
	u.bytes_sent = 300;
	u.bytes_received = 120;
	u.packets_sent = 3;
	u.packets_received = 1;
	CHECK(format_compact(net_line_event(EventType::Udp, u), false).substr(13) ==
	      "udp     pid=4242 alice(1000) /usr/bin/curl 10.0.0.1:5353 -> 224.0.0.251:5353 udp "
	      "sent=3pkt/300B recv=1pkt/120B netns=4026531840");
	// A flow's first sight carries no counts: the summaries report every packet.
	u.op = "first_seen";
	u.bytes_sent = u.bytes_received = u.packets_sent = u.packets_received = 0;
	CHECK(format_compact(net_line_event(EventType::Udp, u), false).substr(13) ==
	      "udp     pid=4242 alice(1000) /usr/bin/curl 10.0.0.1:5353 -> 224.0.0.251:5353 udp "
	      "[first seen] netns=4026531840");
}

TEST_CASE("compact socket lines: packet capture in bold red")
{
	NetDetails s;
	s.family = "packet";
	s.protocol = "all";
	s.sock_type = "raw";
	s.netns = 4026531840u;
	s.op = "open";
	Event ev = net_line_event(EventType::Socket, s);
	ev.process.exe = "/usr/sbin/tcpdump";
	ev.process.user = "root";
	ev.process.uid = ev.process.euid = 0;
	std::string line = format_compact(ev, false);
	CAPTURE(line);
	CHECK(line.substr(13) == "socket  pid=4242 root(0) /usr/sbin/tcpdump packet raw proto=all [open] netns=4026531840");
	CHECK(line.find('\x1b') == std::string::npos);

	std::string coloured = format_compact(ev, true);
	CAPTURE(coloured);
	CHECK(contains(coloured, "\x1b[1;31msocket\x1b[0m  pid=4242"));
	CHECK(contains(coloured, "\x1b[1;31mpacket raw\x1b[0m proto=all [open]"));

	s.op = "bind";
	s.ifindex = 2;
	s.ifname = "eth0";
	ev.details = s;
	CHECK(contains(format_compact(ev, false), " packet raw proto=all bind ifindex=2 (eth0) netns=4026531840"));
	s.ifindex = 0;
	s.ifname = "";
	ev.details = s;
	CHECK(contains(format_compact(ev, false), " proto=all bind ifindex=0 (any) netns="));
	// The interface name is the netns owner's choice: escaped like argv.
	s.ifindex = 7;
	s.ifname = "e\x1b[2J";
	ev.details = s;
	line = format_compact(ev, true);
	CHECK(!contains(line, "\x1b[2J"));
	CHECK(contains(line, " bind ifindex=7 (\"e\\x1b[2J\")"));

	// Other net types: their own colour, never the alarm.
	std::string conn = format_compact(net_event(EventType::Connect), true);
	CHECK(contains(conn, "\x1b[34mconnect\x1b[0m pid=4242"));
	CHECK(!contains(conn, "\x1b[1;31m"));
	CHECK(contains(conn, "  container=0123456789ab")); // net lines name the container too
}

// A file event as the sensor emits it: only the fields its operation uses.
Event file_line_event(FileDetails d)
{
	Event ev = base_event(EventType::File);
	ev.process.euid = ev.process.uid;
	ev.process.container_id = "";
	ev.process.origin.reset();
	ev.process.login_user = "";
	ev.details = std::move(d);
	return ev;
}

TEST_CASE("compact file lines: rename, link and symlink")
{
	FileDetails d = file_op("rename", "/etc/cron.d/job");
	d.new_path = "/etc/cron.d/.hidden job";
	d.flags = {"noreplace"};
	d.mode = 0100644;
	d.uid = d.gid = 0;
	d.inode = 1234;
	d.dev = 0x800001;
	Event ev = file_line_event(d);
	ev.process.exe = "/usr/bin/mv";
	std::string line = format_compact(ev, false);
	CAPTURE(line);
	check_clock_prefix(line);
	CHECK(line.substr(13) == "file    pid=4242 alice(1000) /usr/bin/mv rename /etc/cron.d/job → "
				 "\"/etc/cron.d/.hidden job\"  [noreplace]");
	CHECK(line.find('\n') == std::string::npos);

	// RENAME_EXCHANGE swaps the two: both names still exist.
	std::get<FileDetails>(ev.details).flags = {"exchange"};
	CHECK(contains(format_compact(ev, false), " rename /etc/cron.d/job ↔ \"/etc/cron.d/.hidden job\"  [exchange]"));

	// Paths are the file owner's choice: escaped like argv.
	std::get<FileDetails>(ev.details).new_path = "/tmp/\x1b[2J\xff";
	line = format_compact(ev, true);
	CHECK(!contains(line, "\x1b[2J"));
	CHECK(contains(line, " ↔ \"/tmp/\\x1b[2J\\xff\"  [exchange]"));

	// The acting process shows as on every other line; a login session names its peer.
	d = file_op("symlink", "/usr/local/bin/sudo");
	d.target = "/tmp/.x/sh";
	ev = file_line_event(d);
	ev.process.origin = full_process().origin;
	ev.process.container_id = "0123456789abcdef0123456789abcdef";
	CHECK(format_compact(ev, false).substr(13) ==
	      "file    pid=4242 alice(1000) /usr/bin/curl symlink /usr/local/bin/sudo -> /tmp/.x/sh"
	      "  ssh=alice@192.0.2.7:52144  container=0123456789ab");
	d = file_op("link", "/tmp/s");
	d.target = "/etc/shadow";
	CHECK(contains(format_compact(file_line_event(d), false), " /usr/bin/curl link /tmp/s -> /etc/shadow"));
}

TEST_CASE("compact file lines: chmod, chown, utimes")
{
	FileDetails d = file_op("chmod", "/usr/local/bin/sh2");
	d.mode = 0104755;
	d.old_mode = 0100755;
	Event ev = file_line_event(d);
	ev.process.exe = "/usr/bin/chmod";
	std::string line = format_compact(ev, false);
	CAPTURE(line);
	CHECK(line.substr(13) == "file    pid=4242 alice(1000) /usr/bin/chmod chmod /usr/local/bin/sh2 mode=0755→4755");
	// A set-id bit gained is the alarm colour; the type has its own.
	line = format_compact(ev, true);
	CHECK(contains(line, "\x1b[93mfile\x1b[0m    pid=4242"));
	CHECK(contains(line, " mode=0755→\x1b[1;31m4755\x1b[0m"));
	d = file_op("chmod", "/srv/x");
	d.mode = 0600;
	d.old_mode = 0644;
	ev.details = d;
	CHECK(format_compact(ev, false).substr(13) == "file    pid=4242 alice(1000) /usr/bin/chmod chmod /srv/x mode=0644→0600");
	CHECK(!contains(format_compact(ev, true), "\x1b[1;31m"));
	d.old_mode.reset(); // the mode before was not known
	ev.details = d;
	CHECK(contains(format_compact(ev, false), " chmod /srv/x mode=0600"));
	CHECK(!contains(format_compact(ev, false), "→"));

	// chown: -1 leaves an id as it was.
	d = file_op("chown", "/etc/sudoers");
	d.uid = 1000;
	d.gid = UINT32_MAX;
	d.old_uid = d.old_gid = 0;
	ev.details = d;
	CHECK(contains(format_compact(ev, false), " chown /etc/sudoers owner=0:0→1000:0"));
	d.gid = 1000;
	ev.details = d;
	CHECK(contains(format_compact(ev, false), " chown /etc/sudoers owner=0:0→1000:1000"));
	d.gid = UINT32_MAX;
	d.old_uid.reset();
	d.old_gid.reset();
	ev.details = d;
	CHECK(format_compact(ev, false).substr(13) ==
	      "file    pid=4242 alice(1000) /usr/bin/chmod chown /etc/sudoers owner=1000:?");

	// utimes: the times set, as UTC dates (a backdated mtime is timestomping).
	d = file_op("utimes", "/usr/bin/ls");
	d.flags = {"atime_now"};
	d.mtime_ns = 1551441600000000000;
	ev.details = d;
	CHECK(contains(format_compact(ev, false), " utimes /usr/bin/ls mtime=2019-03-01T12:00:00Z  [atime_now]"));
	d = file_op("utimes", "/x");
	d.atime_ns = -1;
	d.mtime_ns = 0;
	ev.details = d;
	CHECK(contains(format_compact(ev, false), " utimes /x atime=1969-12-31T23:59:59Z mtime=1970-01-01T00:00:00Z"));
}

TEST_CASE("compact file lines: a write and its diff below it")
{
	FileDetails w = file_op("write", "/etc/ssh/sshd_config");
	w.flags = {"truncated"};
	w.mode = 0100644;
	w.uid = w.gid = 0;
	w.size_before = 3021;
	w.size_after = 3133;
	w.bytes_written = 3133;
	w.open_duration_ns = 2500000000;
	w.sha256_before = kSha256Before;
	w.sha256_after = kSha256After;
	w.diff = kDiff;
	Event ev = file_line_event(w);
	ev.process.exe = "/usr/bin/vim.basic";
	std::string out = format_compact(ev, false);
	CAPTURE(out);
	check_clock_prefix(out);
	CHECK(out.substr(13) == "file    pid=4242 alice(1000) /usr/bin/vim.basic write /etc/ssh/sshd_config "
				"size=3021→3133 wrote=3133 duration=2.500s sha256=9f86d081884c→60303ae22b99  [truncated]\n"
				"  --- a/etc/ssh/sshd_config\n"
				"  +++ b/etc/ssh/sshd_config\n"
				"  @@ -1,2 +1,2 @@\n"
				"   Port 22\n"
				"  -PermitRootLogin no\n"
				"  +PermitRootLogin yes");
	CHECK(out.find('\x1b') == std::string::npos);

	// Colours for the removed and added lines only, not for the "--- a"/"+++ b" headers: a
	// removed line "-- x" is "--- x" in the hunk and still red.
	FileDetails &d = std::get<FileDetails>(ev.details);
	d.diff = std::string(kDiff) + "---- comment\n";
	out = format_compact(ev, true);
	CAPTURE(out);
	CHECK(contains(out, "\n  --- a/etc/ssh/sshd_config\n  +++ b/etc/ssh/sshd_config\n  @@ -1,2 +1,2 @@\n   Port 22\n"));
	CHECK(contains(out, "\n  \x1b[31m-PermitRootLogin no\x1b[0m\n  \x1b[32m+PermitRootLogin yes\x1b[0m\n"));
	CHECK(contains(out, "\n  \x1b[31m---- comment\x1b[0m"));

	// The content is the attacker's too: escaped, one diff line per output line; tabs stay.
	d.diff = "@@ -1 +1 @@\n-a\tb\n+\x1b[2J\rx\xff\n";
	d.diff_truncated = true;
	out = format_compact(ev, false);
	CHECK(!contains(out, "\x1b[2J"));
	CHECK(contains(out, "\n  @@ -1 +1 @@\n  -a\tb\n  +\\x1b[2J\\rx\\xff\n  … (diff truncated)"));
	CHECK(out.back() != '\n');

	// Sizes and hashes when only one side is known; a note when there is no diff.
	d = file_op("create", "/etc/cron.d/new");
	d.flags = {"created"};
	d.mode = 0644;
	d.size_after = 0;
	d.sha256_after = kSha256After;
	d.content_note = "secret: hashes only";
	CHECK(format_compact(ev, false).substr(13) ==
	      "file    pid=4242 alice(1000) /usr/bin/vim.basic create /etc/cron.d/new mode=0644 size=0 "
	      "sha256=60303ae22b99  [created]  note=\"secret: hashes only\"");
	d = file_op("write", "/var/log/x");
	d.flags = {"append"};
	CHECK(format_compact(ev, false).substr(13) ==
	      "file    pid=4242 alice(1000) /usr/bin/vim.basic write /var/log/x wrote=0  [append]");
}
