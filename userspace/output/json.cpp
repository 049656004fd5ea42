// SPDX-License-Identifier: Apache-2.0
// format_json: the event as one JSON object whose keys are the schema's field names in
// lowerCamelCase, plus the UTF-8 helpers every rendering shares.
#include <array>
#include <charconv>
#include <concepts>
#include <cstdio>
#include <ctime>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "output/format.h"
#include "output/json_writer.h"

namespace linesman::output {

Utf8Char utf8_decode(std::string_view s, std::size_t i)
{
	auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
	const unsigned char b0 = byte(i);
	if (b0 < 0x80)
		return {b0, 1};
	std::size_t len;
	char32_t cp, min;
	if ((b0 & 0xe0) == 0xc0) {
		len = 2, cp = b0 & 0x1f, min = 0x80;
	} else if ((b0 & 0xf0) == 0xe0) {
		len = 3, cp = b0 & 0x0f, min = 0x800;
	} else if ((b0 & 0xf8) == 0xf0) {
		len = 4, cp = b0 & 0x07, min = 0x10000;
	} else {
		return {}; // a continuation byte or 0xf8..0xff
	}
	if (s.size() - i < len)
		return {};
	for (std::size_t k = 1; k < len; k++) {
		if ((byte(i + k) & 0xc0) != 0x80)
			return {};
		cp = (cp << 6) | (byte(i + k) & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return {};
	return {cp, len};
}

std::string utf8_sanitize(std::string_view s)
{
	std::string out;
	out.reserve(s.size());
	for (std::size_t i = 0; i < s.size();) {
		Utf8Char c = utf8_decode(s, i);
		if (c.len == 0) {
			out += "\xef\xbf\xbd"; // U+FFFD
			i++;
		} else {
			out.append(s, i, c.len);
			i += c.len;
		}
	}
	return out;
}

bool is_invisible_control(char32_t cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp == 0x061c || cp == 0x200e ||
	       cp == 0x200f || (cp >= 0x2028 && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

const char *exec_flag_name(uint32_t bit)
{
	switch (bit) {
	case kExecSetuid:
		return "setuid";
	case kExecSetgid:
		return "setgid";
	case kExecDeleted:
		return "deleted";
	case kExecMemfd:
		return "memfd";
	case kExecScript:
		return "script";
	case kExecExeTruncated:
		return "exe_truncated";
	case kExecCwdTruncated:
		return "cwd_truncated";
	case kExecArgvTruncated:
		return "argv_truncated";
	case kExecFilenameTruncated:
		return "filename_truncated";
	case kExecArgvUnreadable:
		return "argv_unreadable";
	case kExecExeUnreachable:
		return "exe_unreachable";
	}
	return nullptr;
}

namespace {

void append_hex4(std::string &out, char32_t cp)
{
	static constexpr char digits[] = "0123456789abcdef";
	out += "\\u";
	for (int shift = 12; shift >= 0; shift -= 4)
		out += digits[(cp >> shift) & 0xf];
}

} // namespace

void append_json_string(std::string &out, std::string_view s)
{
	out += '"';
	for (std::size_t i = 0; i < s.size();) {
		Utf8Char c = utf8_decode(s, i);
		if (c.len == 0) {
			out += "\\ufffd";
			i++;
			continue;
		}
		switch (c.cp) {
		case '"':
			out += "\\\"";
			break;
		case '\\':
			out += "\\\\";
			break;
		case '\b':
			out += "\\b";
			break;
		case '\f':
			out += "\\f";
			break;
		case '\n':
			out += "\\n";
			break;
		case '\r':
			out += "\\r";
			break;
		case '\t':
			out += "\\t";
			break;
		default:
			if (is_invisible_control(c.cp))
				append_hex4(out, c.cp);
			else
				out.append(s, i, c.len);
		}
		i += c.len;
	}
	out += '"';
}

namespace {

// RFC 3339 UTC with nanoseconds: "2026-11-26T09:34:15.123456789Z".
std::string rfc3339(uint64_t ns)
{
	time_t secs = static_cast<time_t>(ns / 1000000000);
	struct tm tm {};
	gmtime_r(&secs, &tm);
	char buf[48];
	snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%09uZ", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		 static_cast<unsigned>(ns % 1000000000));
	return buf;
}

void write_origin(JsonWriter &w, const SessionOrigin &o)
{
	w.begin_object();
	w.field("peerAddr", o.peer_addr);
	w.field("peerPort", o.peer_port);
	w.field("user", o.user);
	w.field("via", o.via);
	w.end_object();
}

void write_process(JsonWriter &w, const Process &p)
{
	w.begin_object();
	w.field("pid", p.pid);
	w.field("tid", p.tid);
	w.field("ppid", p.ppid);
	w.field("execId", p.exec_id);
	w.field("parentExecId", p.parent_exec_id);
	w.field("uid", p.uid);
	w.field("gid", p.gid);
	w.field("euid", p.euid);
	w.field("egid", p.egid);
	w.field("auid", p.auid);
	w.field("sessionId", p.session_id);
	w.field("tty", p.tty);
	w.field("comm", p.comm);
	w.field("exe", p.exe);
	w.field("argv", p.argv);
	w.field("cwd", p.cwd);
	w.field("cgroupId", p.cgroup_id);
	if (!p.container_id.empty())
		w.field("containerId", p.container_id);
	w.field("startTimeNs", p.start_time_ns);
	w.field("ancestors", p.ancestors);
	if (p.origin) {
		w.key("origin");
		write_origin(w, *p.origin);
	}
	w.field("user", p.user);
	w.field("loginUser", p.login_user);
	w.end_object();
}

void write_flags(JsonWriter &w, uint32_t flags)
{
	w.begin_array();
	for (int i = 0; i < 32; i++) {
		uint32_t bit = 1u << i;
		if (!(flags & bit))
			continue;
		if (const char *name = exec_flag_name(bit))
			w.string(name);
		else
			w.string("bit" + std::to_string(i)); // from a newer kernel side: still visible
	}
	w.end_array();
}

void write_details(JsonWriter &w, const ExecDetails &d)
{
	w.key("exec");
	w.begin_object();
	w.field("filename", d.filename);
	w.field("argc", d.argc);
	w.key("flags");
	write_flags(w, d.flags);
	w.field("exeMode", d.exe_mode);
	w.field("exeIno", d.exe_ino);
	w.field("exeDev", d.exe_dev);
	w.end_object();
}

void write_details(JsonWriter &w, const ExitDetails &d)
{
	w.key("exit");
	w.begin_object();
	w.field("code", d.code);
	w.field("signal", d.signal);
	w.field("coreDumped", d.core_dumped);
	w.field("durationNs", d.duration_ns);
	w.end_object();
}

void write_details(JsonWriter &w, const RollupDetails &d)
{
	w.key("rollup");
	w.begin_object();
	w.field("rolledType", to_string(d.rolled_type));
	w.field("count", d.count);
	w.field("firstTimeNs", d.first_time_ns);
	w.field("lastTimeNs", d.last_time_ns);
	w.field("parentExe", d.parent_exe);
	w.field("windowS", d.window_s);
	w.end_object();
}

void write_details(JsonWriter &w, const LossDetails &d)
{
	w.key("loss");
	w.begin_object();
	w.field("where", d.where);
	w.field("what", d.what);
	w.field("count", d.count);
	w.end_object();
}

void write_details(JsonWriter &w, const AgentDetails &d)
{
	w.key("agent");
	w.begin_object();
	w.field("what", d.what);
	w.field("message", d.message);
	w.field("version", d.version);
	w.key("counters");
	w.begin_array();
	for (const auto &[name, value] : d.counters) {
		w.begin_object();
		w.field("name", name);
		w.field("value", value);
		w.end_object();
	}
	w.end_array();
	w.end_object();
}

// One object for the six network types; the event's "type" says which.
void write_details(JsonWriter &w, const NetDetails &d)
{
	w.key("net");
	w.begin_object();
	w.field("family", d.family);
	w.field("protocol", d.protocol);
	w.field("sockType", d.sock_type);
	w.field("localAddr", d.local_addr);
	w.field("remoteAddr", d.remote_addr);
	w.field("localPort", d.local_port);
	w.field("remotePort", d.remote_port);
	w.field("netns", d.netns);
	w.field("connId", d.conn_id);
	w.field("result", d.result);
	w.field("backlog", d.backlog);
	w.field("durationNs", d.duration_ns);
	w.field("bytesSent", d.bytes_sent);
	w.field("bytesReceived", d.bytes_received);
	w.field("packetsSent", d.packets_sent);
	w.field("packetsReceived", d.packets_received);
	w.field("closeBy", d.close_by);
	w.field("finalState", d.final_state);
	w.field("op", d.op);
	w.field("ifindex", d.ifindex);
	w.field("ifname", d.ifname);
	w.end_object();
}

void write_details(JsonWriter &w, const FileDetails &d)
{
	w.key("file");
	w.begin_object();
	w.field("op", d.op);
	w.field("path", d.path);
	w.field("newPath", d.new_path);
	w.field("target", d.target);
	w.field("flags", d.flags);
	w.field("mode", d.mode);
	w.field("oldMode", d.old_mode);
	w.field("uid", d.uid);
	w.field("gid", d.gid);
	w.field("oldUid", d.old_uid);
	w.field("oldGid", d.old_gid);
	w.field("sizeBefore", d.size_before);
	w.field("sizeAfter", d.size_after);
	w.field("bytesWritten", d.bytes_written);
	w.field("openDurationNs", d.open_duration_ns);
	w.field("atimeNs", d.atime_ns);
	w.field("mtimeNs", d.mtime_ns);
	w.field("sha256Before", d.sha256_before);
	w.field("sha256After", d.sha256_after);
	w.field("diff", d.diff);
	w.field("diffTruncated", d.diff_truncated);
	w.field("contentNote", d.content_note);
	w.field("inode", d.inode);
	w.field("dev", d.dev);
	w.end_object();
}

void write_details(JsonWriter &, std::monostate) {}

} // namespace

std::string format_json(const Event &ev, bool pretty)
{
	JsonWriter w(pretty);
	w.begin_object();
	w.field("schemaVersion", kSchemaVersion);
	w.field("seq", ev.seq);
	w.field("timeNs", ev.time_ns);
	w.field("time", rfc3339(ev.time_ns));
	w.field("host", ev.host);
	w.field("type", to_string(ev.type));
	w.key("process");
	write_process(w, ev.process);
	std::visit([&](const auto &d) { write_details(w, d); }, ev.details);
	w.end_object();
	return w.take();
}

} // namespace linesman::output
