// SPDX-License-Identifier: Apache-2.0
#include "decode/decoder.h"

#include <cstring>
#include <string>

#include "common/event.h"
#include "linesman_abi.h"

namespace linesman::decode {
namespace {

// ExecRecord::flags is passed on as ExecDetails::flags: the bits must agree.
constexpr bool same_bit(uint32_t abi, uint32_t ours) { return abi == ours; }
static_assert(same_bit(LS_EXEC_SETUID, kExecSetuid) &&
	      same_bit(LS_EXEC_SETGID, kExecSetgid) &&
	      same_bit(LS_EXEC_DELETED, kExecDeleted) &&
	      same_bit(LS_EXEC_MEMFD, kExecMemfd) &&
	      same_bit(LS_EXEC_SCRIPT, kExecScript) &&
	      same_bit(LS_EXEC_EXE_TRUNCATED, kExecExeTruncated) &&
	      same_bit(LS_EXEC_CWD_TRUNCATED, kExecCwdTruncated) &&
	      same_bit(LS_EXEC_ARGV_TRUNCATED, kExecArgvTruncated) &&
	      same_bit(LS_EXEC_FILENAME_TRUNCATED, kExecFilenameTruncated) &&
	      same_bit(LS_EXEC_ARGV_UNREADABLE, kExecArgvUnreadable) &&
	      same_bit(LS_EXEC_EXE_UNREACHABLE, kExecExeUnreachable),
	      "ABI exec flags and linesman::ExecFlag differ");

template <typename T>
T load(std::span<const std::byte> bytes)
{
	T v;
	std::memcpy(&v, bytes.data(), sizeof(T)); // records are not guaranteed aligned
	return v;
}

Header header_of(const ls_event_header &h)
{
	return Header{h.ktime_ns, h.tgid, h.tid, h.start_boottime};
}

std::string_view cstr(const char *s, size_t max)
{
	return std::string_view(s, strnlen(s, max));
}

// A span of the tail, or an error if it points outside the record.
Result<std::string_view> span_of(std::span<const std::byte> tail, ls_span s, const char *field,
				 const char *record = "exec")
{
	if (size_t(s.off) + s.len > tail.size())
		return Error(std::string(record) + " record: " + std::string(field) + " span [" + std::to_string(s.off) +
			     ", +" + std::to_string(s.len) + ") exceeds the record tail (" +
			     std::to_string(tail.size()) + " bytes)");
	return std::string_view(reinterpret_cast<const char *>(tail.data()) + s.off, s.len);
}

Result<Record> decode_exec(std::span<const std::byte> bytes)
{
	if (bytes.size() < sizeof(ls_exec_event))
		return Error("exec record too short: " + std::to_string(bytes.size()) + " bytes");
	auto ev = load<ls_exec_event>(bytes);
	auto tail = bytes.subspan(sizeof(ls_exec_event));
	ExecRecord r;
	r.hdr = header_of(ev.hdr);
	r.ppid = ev.ppid;
	r.parent_start_boottime = ev.parent_start_boottime;
	r.uid = ev.uid;
	r.gid = ev.gid;
	r.euid = ev.euid;
	r.egid = ev.egid;
	r.auid = ev.auid;
	r.sessionid = ev.sessionid;
	r.tty_dev = ev.tty_dev;
	r.flags = ev.flags;
	r.argc = ev.argc;
	r.exe_mode = ev.exe_mode;
	r.old_tid = ev.old_tid;
	r.cgroup_id = ev.cgroup_id;
	r.exe_ino = ev.exe_ino;
	r.exe_dev = ev.exe_dev;
	r.comm = std::string(cstr(ev.comm, sizeof(ev.comm)));

	struct Field {
		ls_span span;
		const char *name;
		std::string_view *out;
	};
	std::string_view exe, filename, argv, cwd, tty;
	for (const Field &f : {Field{ev.exe, "exe", &exe}, Field{ev.filename, "filename", &filename},
			       Field{ev.argv, "argv", &argv}, Field{ev.cwd, "cwd", &cwd},
			       Field{ev.tty, "tty", &tty}}) {
		auto s = span_of(tail, f.span, f.name);
		if (!s)
			return s.error();
		*f.out = s.value();
	}
	// Every span is checked before anything is copied, and each string once.
	r.exe = exe;
	r.filename = filename;
	r.argv = split_argv(argv);
	r.cwd = cwd;
	r.tty = tty_display_name(tty);
	return Record(std::move(r));
}

Result<Record> decode_net(std::span<const std::byte> bytes)
{
	if (bytes.size() != sizeof(ls_net_event))
		return Error("network record has " + std::to_string(bytes.size()) + " bytes, expected " +
			     std::to_string(sizeof(ls_net_event)));
	auto ev = load<ls_net_event>(bytes);
	NetRecord r;
	r.hdr = header_of(ev.hdr);
	r.kind = NetRecord::Kind(ev.hdr.type);
	r.conn_id = ev.conn_id;
	r.duration_ns = ev.duration_ns;
	r.bytes_sent = ev.bytes_sent;
	r.bytes_received = ev.bytes_received;
	r.packets_sent = ev.packets_sent;
	r.packets_received = ev.packets_received;
	r.netns = ev.netns;
	r.family = ev.family;
	r.protocol = ev.protocol;
	r.local_port = ev.local_port;
	r.remote_port = ev.remote_port;
	r.result = ev.result;
	std::memcpy(r.local_addr.data(), ev.local_addr, 16);
	std::memcpy(r.remote_addr.data(), ev.remote_addr, 16);
	r.backlog = ev.backlog;
	r.close_by = ev.close_by;
	r.final_state = ev.final_state;
	r.sock_type = ev.sock_type;
	r.ifindex = ev.ifindex;
	r.op = ev.op;
	r.owner_at_ns = ev.owner_since_ns ? ev.owner_since_ns : ev.hdr.ktime_ns;
	return Record(std::move(r));
}

Result<Record> decode_file(std::span<const std::byte> bytes)
{
	if (bytes.size() < sizeof(ls_file_event))
		return Error("file record too short: " + std::to_string(bytes.size()) + " bytes");
	auto ev = load<ls_file_event>(bytes);
	if (ev.op == 0 || ev.op >= LS_FILE_OP_MAX)
		return Error("file record with unknown op " + std::to_string(ev.op));
	auto tail = bytes.subspan(sizeof(ls_file_event));
	auto path = span_of(tail, ev.path, "path", "file");
	if (!path)
		return path.error();
	auto path2 = span_of(tail, ev.path2, "path2", "file");
	if (!path2)
		return path2.error();
	FileRecord r;
	r.hdr = header_of(ev.hdr);
	r.op = FileRecord::Op(ev.op);
	r.flags = ev.flags;
	r.file_id = ev.file_id;
	r.ino = ev.ino;
	r.dev = ev.dev;
	r.mode = ev.mode;
	r.uid = ev.uid;
	r.gid = ev.gid;
	r.old_mode = ev.old_mode;
	r.old_uid = ev.old_uid;
	r.old_gid = ev.old_gid;
	r.rename_flags = ev.rename_flags;
	r.size_before = ev.size_before;
	r.size_after = ev.size_after;
	r.bytes = ev.bytes;
	r.atime_ns = ev.atime_ns;
	r.mtime_ns = ev.mtime_ns;
	r.path = path.value();
	r.path2 = path2.value();
	return Record(std::move(r));
}

static_assert(int(FileRecord::Op::Open) == LS_FILE_OPEN && int(FileRecord::Op::Close) == LS_FILE_CLOSE &&
		      int(FileRecord::Op::Rename) == LS_FILE_RENAME && int(FileRecord::Op::Utimes) == LS_FILE_UTIMES &&
		      int(FileRecord::Op::Read) == LS_FILE_READ && LS_FILE_OP_MAX == 14,
	      "FileRecord::Op follows enum ls_file_op");

static_assert(int(NetRecord::Kind::Connect) == LS_EV_CONNECT && int(NetRecord::Kind::Udp) == LS_EV_UDP &&
		      int(NetRecord::Kind::Close) == LS_EV_CLOSE && int(NetRecord::Kind::Socket) == LS_EV_SOCKET &&
		      int(NetRecord::Kind::TcpSummary) == LS_EV_TCP_SUMMARY,
	      "NetRecord::Kind follows enum ls_event_type");

} // namespace

std::vector<std::string> split_argv(std::string_view area)
{
	std::vector<std::string> out;
	while (!area.empty()) {
		size_t nul = area.find('\0');
		if (nul == std::string_view::npos) {
			out.emplace_back(area); // cut short by the argv cap
			break;
		}
		out.emplace_back(area.substr(0, nul));
		area.remove_prefix(nul + 1);
	}
	return out;
}

std::string tty_display_name(std::string_view name)
{
	// pty slaves are named "pts<N>" inside the kernel; /dev shows them as pts/<N>.
	if (name.size() > 3 && name.substr(0, 3) == "pts" && name[3] >= '0' && name[3] <= '9')
		return "pts/" + std::string(name.substr(3));
	return std::string(name);
}

size_t record_kind(std::span<const std::byte> bytes)
{
	static_assert(LS_EV_TYPE_MAX <= kFileCloseKind, "kFileCloseKind must not be a record type");
	if (bytes.size() < sizeof(ls_event_header))
		return 0;
	auto h = load<ls_event_header>(bytes);
	if (h.type == LS_EV_FILE && bytes.size() >= sizeof(ls_file_event) &&
	    load<ls_file_event>(bytes).op == LS_FILE_CLOSE)
		return kFileCloseKind;
	return h.type < kFileCloseKind ? h.type : 0;
}

Result<Record> decode(std::span<const std::byte> bytes)
{
	if (bytes.size() < sizeof(ls_event_header))
		return Error("record too short for a header: " + std::to_string(bytes.size()) + " bytes");
	auto h = load<ls_event_header>(bytes);
	if (h.abi_version != LS_ABI_VERSION)
		return Error("record ABI version " + std::to_string(h.abi_version) + ", agent speaks " +
			     std::to_string(LS_ABI_VERSION) + ": BPF object and agent are from different builds");
	if (h.size != bytes.size())
		return Error("record size field " + std::to_string(h.size) + " != " +
			     std::to_string(bytes.size()) + " bytes received");
	switch (h.type) {
	case LS_EV_EXEC:
		return decode_exec(bytes);
	case LS_EV_FORK: {
		if (bytes.size() != sizeof(ls_fork_event))
			return Error("fork record has " + std::to_string(bytes.size()) + " bytes, expected " +
				     std::to_string(sizeof(ls_fork_event)));
		auto ev = load<ls_fork_event>(bytes);
		return Record(ForkRecord{header_of(ev.hdr), ev.parent_tgid, ev.parent_start_boottime});
	}
	case LS_EV_EXIT: {
		if (bytes.size() != sizeof(ls_exit_event))
			return Error("exit record has " + std::to_string(bytes.size()) + " bytes, expected " +
				     std::to_string(sizeof(ls_exit_event)));
		auto ev = load<ls_exit_event>(bytes);
		return Record(ExitRecord{header_of(ev.hdr), ev.exit_code});
	}
	case LS_EV_CONNECT:
	case LS_EV_ACCEPT:
	case LS_EV_LISTEN:
	case LS_EV_CLOSE:
	case LS_EV_SOCKET:
	case LS_EV_UDP:
	case LS_EV_TCP_SUMMARY:
		return decode_net(bytes);
	case LS_EV_FILE:
		return decode_file(bytes);
	default:
		return Error("unknown record type " + std::to_string(h.type));
	}
}

} // namespace linesman::decode
