// SPDX-License-Identifier: Apache-2.0
// Event <-> linesman.v1.Event (userspace/proto/linesman/v1/event.proto), field for field.
#include <optional>

#include "linesman/v1/event.pb.h"
#include "output/format.h"

namespace linesman::output {
namespace {

namespace pb = linesman::v1;

// The schema's enums carry the agent's values: a mismatch is a build error, not a wrong event.
static_assert(pb::EVENT_TYPE_EXEC == int(EventType::Exec));
static_assert(pb::EVENT_TYPE_EXIT == int(EventType::Exit));
static_assert(pb::EVENT_TYPE_ROLLUP == int(EventType::Rollup));
static_assert(pb::EVENT_TYPE_LOSS == int(EventType::Loss));
static_assert(pb::EVENT_TYPE_AGENT == int(EventType::Agent));
static_assert(pb::EVENT_TYPE_CONNECT == int(EventType::Connect));
static_assert(pb::EVENT_TYPE_ACCEPT == int(EventType::Accept));
static_assert(pb::EVENT_TYPE_LISTEN == int(EventType::Listen));
static_assert(pb::EVENT_TYPE_CLOSE == int(EventType::Close));
static_assert(pb::EVENT_TYPE_SOCKET == int(EventType::Socket));
static_assert(pb::EVENT_TYPE_UDP == int(EventType::Udp));
static_assert(pb::EVENT_TYPE_TCP_SUMMARY == int(EventType::TcpSummary));
static_assert(pb::EVENT_TYPE_FILE == int(EventType::File));
static_assert(pb::EventType_MAX == int(EventType::File), "a schema EventType the agent lacks");
static_assert(uint32_t(pb::EXEC_FLAG_SETUID) == kExecSetuid);
static_assert(uint32_t(pb::EXEC_FLAG_SETGID) == kExecSetgid);
static_assert(uint32_t(pb::EXEC_FLAG_DELETED) == kExecDeleted);
static_assert(uint32_t(pb::EXEC_FLAG_MEMFD) == kExecMemfd);
static_assert(uint32_t(pb::EXEC_FLAG_SCRIPT) == kExecScript);
static_assert(uint32_t(pb::EXEC_FLAG_EXE_TRUNCATED) == kExecExeTruncated);
static_assert(uint32_t(pb::EXEC_FLAG_CWD_TRUNCATED) == kExecCwdTruncated);
static_assert(uint32_t(pb::EXEC_FLAG_ARGV_TRUNCATED) == kExecArgvTruncated);
static_assert(uint32_t(pb::EXEC_FLAG_FILENAME_TRUNCATED) == kExecFilenameTruncated);
static_assert(uint32_t(pb::EXEC_FLAG_ARGV_UNREADABLE) == kExecArgvUnreadable);
static_assert(uint32_t(pb::EXEC_FLAG_EXE_UNREACHABLE) == kExecExeUnreachable);
// The oneof field number is 15 + the EventType value (the schema's numbering rule).
static_assert(pb::Event::kExec == 15 + int(EventType::Exec));
static_assert(pb::Event::kExit == 15 + int(EventType::Exit));
static_assert(pb::Event::kRollup == 15 + int(EventType::Rollup));
static_assert(pb::Event::kLoss == 15 + int(EventType::Loss));
static_assert(pb::Event::kAgent == 15 + int(EventType::Agent));
// The six network types share NetDetails, at the number of the lowest of them.
static_assert(pb::Event::kNet == 15 + int(EventType::Connect));
static_assert(pb::Event::kFile == 15 + int(EventType::File));

// For `string` fields: a parser rejects the whole message on invalid UTF-8.
std::string text(const std::string &s)
{
	return utf8_sanitize(s);
}

pb::EventType type_to_proto(EventType t)
{
	return static_cast<pb::EventType>(t);
}

// A value from a newer agent is kept when it fits (to_string names it "unknown").
EventType type_from_proto(int t)
{
	return t > 0 && t <= 0xff ? static_cast<EventType>(t) : static_cast<EventType>(0);
}

void process_to_proto(const Process &p, pb::Process *m)
{
	m->set_pid(p.pid);
	m->set_tid(p.tid);
	m->set_ppid(p.ppid);
	m->set_exec_id(text(p.exec_id));
	m->set_parent_exec_id(text(p.parent_exec_id));
	m->set_uid(p.uid);
	m->set_gid(p.gid);
	m->set_euid(p.euid);
	m->set_egid(p.egid);
	m->set_auid(p.auid);
	m->set_session_id(p.session_id);
	m->set_tty(text(p.tty));
	m->set_comm(p.comm);
	m->set_exe(p.exe);
	for (const auto &a : p.argv)
		m->add_argv(a);
	m->set_cwd(p.cwd);
	m->set_cgroup_id(p.cgroup_id);
	m->set_container_id(text(p.container_id));
	m->set_start_time_ns(p.start_time_ns);
	for (const auto &a : p.ancestors)
		m->add_ancestors(a);
	if (p.origin) {
		pb::SessionOrigin *o = m->mutable_origin();
		o->set_peer_addr(text(p.origin->peer_addr));
		o->set_peer_port(p.origin->peer_port);
		o->set_user(text(p.origin->user));
		o->set_via(p.origin->via);
	}
	m->set_user(text(p.user));
	m->set_login_user(text(p.login_user));
}

Process process_from_proto(const pb::Process &m)
{
	Process p;
	p.pid = m.pid();
	p.tid = m.tid();
	p.ppid = m.ppid();
	p.exec_id = m.exec_id();
	p.parent_exec_id = m.parent_exec_id();
	p.uid = m.uid();
	p.gid = m.gid();
	p.euid = m.euid();
	p.egid = m.egid();
	p.auid = m.auid();
	p.session_id = m.session_id();
	p.tty = m.tty();
	p.comm = m.comm();
	p.exe = m.exe();
	p.argv.assign(m.argv().begin(), m.argv().end());
	p.cwd = m.cwd();
	p.cgroup_id = m.cgroup_id();
	p.container_id = m.container_id();
	p.start_time_ns = m.start_time_ns();
	p.ancestors.assign(m.ancestors().begin(), m.ancestors().end());
	if (m.has_origin()) {
		const pb::SessionOrigin &o = m.origin();
		p.origin = SessionOrigin{
		    .peer_addr = o.peer_addr(), .peer_port = o.peer_port(), .user = o.user(), .via = o.via()};
	}
	p.user = m.user();
	p.login_user = m.login_user();
	return p;
}

void details_to_proto(const ExecDetails &d, pb::Event *m)
{
	pb::ExecDetails *x = m->mutable_exec();
	x->set_filename(d.filename);
	x->set_argc(d.argc);
	x->set_flags(d.flags);
	x->set_exe_mode(d.exe_mode);
	x->set_exe_ino(d.exe_ino);
	x->set_exe_dev(d.exe_dev);
}

void details_to_proto(const ExitDetails &d, pb::Event *m)
{
	pb::ExitDetails *x = m->mutable_exit();
	x->set_code(d.code);
	x->set_signal(d.signal);
	x->set_core_dumped(d.core_dumped);
	x->set_duration_ns(d.duration_ns);
}

void details_to_proto(const RollupDetails &d, pb::Event *m)
{
	pb::RollupDetails *x = m->mutable_rollup();
	x->set_rolled_type(type_to_proto(d.rolled_type));
	x->set_count(d.count);
	x->set_first_time_ns(d.first_time_ns);
	x->set_last_time_ns(d.last_time_ns);
	x->set_parent_exe(d.parent_exe);
	x->set_window_s(d.window_s);
}

void details_to_proto(const LossDetails &d, pb::Event *m)
{
	pb::LossDetails *x = m->mutable_loss();
	x->set_where(text(d.where));
	x->set_what(text(d.what));
	x->set_count(d.count);
}

void details_to_proto(const AgentDetails &d, pb::Event *m)
{
	pb::AgentDetails *x = m->mutable_agent();
	x->set_what(text(d.what));
	x->set_message(text(d.message));
	x->set_version(text(d.version));
	for (const auto &[name, value] : d.counters) {
		pb::Counter *c = x->add_counters();
		c->set_name(text(name));
		c->set_value(value);
	}
}

void details_to_proto(const NetDetails &d, pb::Event *m)
{
	pb::NetDetails *x = m->mutable_net();
	x->set_family(text(d.family));
	x->set_protocol(text(d.protocol));
	x->set_sock_type(text(d.sock_type));
	x->set_local_addr(text(d.local_addr));
	x->set_remote_addr(text(d.remote_addr));
	x->set_local_port(d.local_port);
	x->set_remote_port(d.remote_port);
	x->set_netns(d.netns);
	x->set_conn_id(text(d.conn_id));
	x->set_result(text(d.result));
	x->set_backlog(d.backlog);
	x->set_duration_ns(d.duration_ns);
	x->set_bytes_sent(d.bytes_sent);
	x->set_bytes_received(d.bytes_received);
	x->set_packets_sent(d.packets_sent);
	x->set_packets_received(d.packets_received);
	x->set_close_by(text(d.close_by));
	x->set_final_state(text(d.final_state));
	x->set_op(text(d.op));
	x->set_ifindex(d.ifindex);
	x->set_ifname(d.ifname); // bytes: exact
}

void details_to_proto(const FileDetails &d, pb::Event *m)
{
	pb::FileDetails *x = m->mutable_file();
	x->set_op(text(d.op));
	x->set_path(d.path);         // bytes: exact
	x->set_new_path(d.new_path); // bytes: exact
	x->set_target(d.target);     // bytes: exact
	for (const auto &f : d.flags)
		x->add_flags(text(f));
	x->set_mode(d.mode);
	if (d.old_mode)
		x->set_old_mode(*d.old_mode);
	x->set_uid(d.uid);
	x->set_gid(d.gid);
	if (d.old_uid)
		x->set_old_uid(*d.old_uid);
	if (d.old_gid)
		x->set_old_gid(*d.old_gid);
	if (d.size_before)
		x->set_size_before(*d.size_before);
	if (d.size_after)
		x->set_size_after(*d.size_after);
	x->set_bytes_written(d.bytes_written);
	x->set_open_duration_ns(d.open_duration_ns);
	if (d.atime_ns)
		x->set_atime_ns(*d.atime_ns);
	if (d.mtime_ns)
		x->set_mtime_ns(*d.mtime_ns);
	x->set_sha256_before(text(d.sha256_before));
	x->set_sha256_after(text(d.sha256_after));
	x->set_diff(d.diff); // bytes: the file's own content, any encoding
	x->set_diff_truncated(d.diff_truncated);
	x->set_content_note(text(d.content_note));
	x->set_inode(d.inode);
	x->set_dev(d.dev);
}

// proto3 `optional`: presence on the wire is presence in the event.
template <typename T>
std::optional<T> present(bool has, T value)
{
	return has ? std::optional<T>(value) : std::nullopt;
}

FileDetails file_from_proto(const pb::FileDetails &x)
{
	return FileDetails{.op = x.op(),
			   .path = x.path(),
			   .new_path = x.new_path(),
			   .target = x.target(),
			   .flags = {x.flags().begin(), x.flags().end()},
			   .mode = x.mode(),
			   .old_mode = present(x.has_old_mode(), x.old_mode()),
			   .uid = x.uid(),
			   .gid = x.gid(),
			   .old_uid = present(x.has_old_uid(), x.old_uid()),
			   .old_gid = present(x.has_old_gid(), x.old_gid()),
			   .size_before = present(x.has_size_before(), x.size_before()),
			   .size_after = present(x.has_size_after(), x.size_after()),
			   .bytes_written = x.bytes_written(),
			   .open_duration_ns = x.open_duration_ns(),
			   .atime_ns = present(x.has_atime_ns(), x.atime_ns()),
			   .mtime_ns = present(x.has_mtime_ns(), x.mtime_ns()),
			   .sha256_before = x.sha256_before(),
			   .sha256_after = x.sha256_after(),
			   .diff = x.diff(),
			   .diff_truncated = x.diff_truncated(),
			   .content_note = x.content_note(),
			   .inode = x.inode(),
			   .dev = x.dev()};
}

void details_to_proto(std::monostate, pb::Event *) {}

} // namespace

void to_proto_without_process(const Event &ev, pb::Event *out)
{
	out->Clear();
	out->set_schema_version(kSchemaVersion);
	out->set_seq(ev.seq);
	out->set_time_ns(ev.time_ns);
	out->set_host(text(ev.host));
	out->set_type(type_to_proto(ev.type));
	std::visit([&](const auto &d) { details_to_proto(d, out); }, ev.details);
}

void to_proto(const Process &p, pb::Process *out)
{
	out->Clear();
	process_to_proto(p, out);
}

void to_proto(const Event &ev, pb::Event *out)
{
	to_proto_without_process(ev, out);
	process_to_proto(ev.process, out->mutable_process());
}

Event from_proto(const pb::Event &msg)
{
	Event ev;
	ev.seq = msg.seq();
	ev.time_ns = msg.time_ns();
	ev.host = msg.host();
	ev.type = type_from_proto(msg.type());
	ev.process = process_from_proto(msg.process());
	switch (msg.details_case()) {
	case pb::Event::kExec: {
		const pb::ExecDetails &x = msg.exec();
		ev.details = ExecDetails{.filename = x.filename(),
					 .argc = x.argc(),
					 .flags = x.flags(),
					 .exe_mode = x.exe_mode(),
					 .exe_ino = x.exe_ino(),
					 .exe_dev = x.exe_dev()};
		break;
	}
	case pb::Event::kExit: {
		const pb::ExitDetails &x = msg.exit();
		ev.details = ExitDetails{.code = x.code(),
					 .signal = x.signal(),
					 .core_dumped = x.core_dumped(),
					 .duration_ns = x.duration_ns()};
		break;
	}
	case pb::Event::kRollup: {
		const pb::RollupDetails &x = msg.rollup();
		ev.details = RollupDetails{.rolled_type = type_from_proto(x.rolled_type()),
					   .count = x.count(),
					   .first_time_ns = x.first_time_ns(),
					   .last_time_ns = x.last_time_ns(),
					   .parent_exe = x.parent_exe(),
					   .window_s = x.window_s()};
		break;
	}
	case pb::Event::kLoss: {
		const pb::LossDetails &x = msg.loss();
		ev.details = LossDetails{.where = x.where(), .what = x.what(), .count = x.count()};
		break;
	}
	case pb::Event::kAgent: {
		const pb::AgentDetails &x = msg.agent();
		AgentDetails d{.what = x.what(), .message = x.message(), .version = x.version(), .counters = {}};
		for (const pb::Counter &c : x.counters())
			d.counters.emplace_back(c.name(), c.value());
		ev.details = std::move(d);
		break;
	}
	case pb::Event::kNet: {
		const pb::NetDetails &x = msg.net();
		ev.details = NetDetails{.family = x.family(),
					.protocol = x.protocol(),
					.sock_type = x.sock_type(),
					.local_addr = x.local_addr(),
					.remote_addr = x.remote_addr(),
					.local_port = x.local_port(),
					.remote_port = x.remote_port(),
					.netns = x.netns(),
					.conn_id = x.conn_id(),
					.result = x.result(),
					.backlog = x.backlog(),
					.duration_ns = x.duration_ns(),
					.bytes_sent = x.bytes_sent(),
					.bytes_received = x.bytes_received(),
					.packets_sent = x.packets_sent(),
					.packets_received = x.packets_received(),
					.close_by = x.close_by(),
					.final_state = x.final_state(),
					.op = x.op(),
					.ifindex = x.ifindex(),
					.ifname = x.ifname()};
		break;
	}
	case pb::Event::kFile:
		ev.details = file_from_proto(msg.file());
		break;
	case pb::Event::DETAILS_NOT_SET:
		break; // no details, or details of a type newer than this agent
	}
	return ev;
}

} // namespace linesman::output
