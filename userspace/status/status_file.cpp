// SPDX-License-Identifier: Apache-2.0
#include "status/status_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <yaml-cpp/yaml.h>

#include <cerrno>

#include "output/json_writer.h"

namespace linesman::status {
namespace {

constexpr mode_t kMode = 0640;

void write_counts(output::JsonWriter &w, std::string_view key, const Counts &counts)
{
	w.key(key);
	w.begin_object();
	for (const auto &[name, n] : counts)
		w.field(name, n);
	w.end_object();
}

// JSON is YAML 1.2's flow syntax: yaml-cpp, already linked for the configuration,
// reads this document, so there is no second parser to maintain. as<>() throws on a
// mistyped value; parse() turns that into an Error naming the key.
template <typename T>
T get(const YAML::Node &map, const char *key)
{
	YAML::Node n = map[key];
	if (!n.IsDefined() || n.IsNull())
		throw YAML::Exception(YAML::Mark::null_mark(), std::string("missing key \"") + key + '"');
	try {
		return n.as<T>();
	} catch (const YAML::Exception &) {
		throw YAML::Exception(n.Mark(), std::string("bad value for \"") + key + '"');
	}
}

Counts get_counts(const YAML::Node &map, const char *key)
{
	YAML::Node n = map[key];
	if (!n.IsMap())
		throw YAML::Exception(n.Mark(), std::string("\"") + key + "\" is not an object");
	Counts out;
	for (const auto &kv : n)
		out.emplace_back(kv.first.as<std::string>(), kv.second.as<uint64_t>());
	return out;
}

} // namespace

void write_json(output::JsonWriter &w, const AgentStatus &s)
{
	w.field("schema", s.schema);
	w.field("state", s.running ? "running" : "stopped");
	w.field("host", s.host);
	w.field("pid", s.pid);
	w.field("version", s.version);
	w.field("started_ns", s.started_ns);
	w.field("updated_ns", s.updated_ns);
	w.field("config", s.config);
	w.field("state_dir", s.state_dir);
	w.key("probes");
	w.begin_array();
	for (const Probe &p : s.probes) {
		w.begin_object();
		w.field("program", p.program);
		w.field("hook", p.hook);
		w.field("family", p.family);
		w.field("required", p.required);
		w.field("attached", p.attached);
		w.field("error", p.error);
		w.end_object();
	}
	w.end_array();
	write_counts(w, "events", s.events);
	write_counts(w, "kernel_losses", s.kernel_losses);
	write_counts(w, "userspace_losses", s.userspace_losses);
	w.key("store");
	w.begin_object();
	w.field("enabled", s.store.enabled);
	w.field("last_seq", s.store.last_seq);
	w.field("epoch", s.store.epoch);
	w.field("queue_depth", s.store.queue_depth);
	w.field("lost", s.store.lost);
	w.field("shed", s.store.shed);
	w.end_object();
}

std::string to_json(const AgentStatus &s)
{
	output::JsonWriter w(true);
	w.begin_object();
	write_json(w, s);
	w.end_object();
	return w.take() + '\n';
}

Result<AgentStatus> parse(std::string_view json)
{
	AgentStatus s;
	try {
		YAML::Node root = YAML::Load(std::string(json));
		if (!root.IsMap())
			return Error("not a JSON object");
		s.schema = get<uint32_t>(root, "schema");
		if (s.schema > kSchemaVersion)
			return Error("status schema " + std::to_string(s.schema) + " is newer than this linesman's " +
				     std::to_string(kSchemaVersion) + ": upgrade linesman");
		std::string state = get<std::string>(root, "state");
		if (state != "running" && state != "stopped")
			return Error("unknown state \"" + state + "\"");
		s.running = state == "running";
		s.host = get<std::string>(root, "host");
		s.pid = get<uint32_t>(root, "pid");
		s.version = get<std::string>(root, "version");
		s.started_ns = get<uint64_t>(root, "started_ns");
		s.updated_ns = get<uint64_t>(root, "updated_ns");
		s.config = get<std::string>(root, "config");
		s.state_dir = get<std::string>(root, "state_dir");
		YAML::Node probes = root["probes"];
		if (!probes.IsSequence())
			return Error("\"probes\" is not an array");
		for (const auto &p : probes)
			s.probes.push_back({get<std::string>(p, "program"), get<std::string>(p, "hook"),
					    get<std::string>(p, "family"), get<bool>(p, "required"),
					    get<bool>(p, "attached"), get<std::string>(p, "error")});
		s.events = get_counts(root, "events");
		s.kernel_losses = get_counts(root, "kernel_losses");
		s.userspace_losses = get_counts(root, "userspace_losses");
		YAML::Node st = root["store"];
		if (!st.IsMap())
			return Error("\"store\" is not an object");
		s.store = {get<bool>(st, "enabled"), get<uint64_t>(st, "last_seq"), get<uint64_t>(st, "epoch"),
			   get<uint64_t>(st, "queue_depth"), get<uint64_t>(st, "lost"), get<uint64_t>(st, "shed")};
	} catch (const YAML::Exception &e) {
		return Error(e.what());
	}
	return s;
}

Status write_file(const std::string &dir, std::string_view json, gid_t gid)
{
	std::string path = dir + "/" + kFileName;
	std::string tmp = dir + "/." + kFileName + ".tmp";
	int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, kMode);
	if (fd < 0)
		return Error::from_errno(errno, "cannot write " + tmp);
	// The umask may have narrowed the mode; a leftover temporary may have another owner.
	if (fchmod(fd, kMode) != 0 || (fchown(fd, uid_t(-1), gid) != 0 && geteuid() == 0)) {
		int err = errno;
		::close(fd);
		return Error::from_errno(err, "cannot set the mode and group of " + tmp);
	}
	for (size_t done = 0; done < json.size();) {
		ssize_t n = ::write(fd, json.data() + done, json.size() - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int err = n < 0 ? errno : EIO;
			::close(fd);
			unlink(tmp.c_str());
			return Error::from_errno(err, "cannot write " + tmp);
		}
		done += size_t(n);
	}
	// No fsync: the file is rewritten every second, and after a power loss the agent
	// that wrote it is gone anyway; rename alone keeps readers from seeing a part.
	if (::close(fd) != 0 || rename(tmp.c_str(), path.c_str()) != 0) {
		int err = errno;
		unlink(tmp.c_str());
		return Error::from_errno(err, "cannot replace " + path);
	}
	return ok();
}

Result<AgentStatus> read_file(const std::string &dir)
{
	std::string path = dir + "/" + kFileName;
	int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		int err = errno;
		if (err == EACCES || err == EPERM)
			return Error(std::error_code(err, std::system_category()),
				     "cannot read " + path + ": run as root, or join the linesman group");
		if (err == ENOENT)
			return Error(std::error_code(err, std::system_category()),
				     "no " + std::string(kFileName) + " in " + dir);
		return Error::from_errno(err, "cannot read " + path);
	}
	std::string text;
	char buf[16384];
	for (;;) {
		ssize_t n = ::read(fd, buf, sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int err = errno;
			::close(fd);
			return Error::from_errno(err, "cannot read " + path);
		}
		if (n == 0)
			break;
		text.append(buf, size_t(n));
	}
	::close(fd);
	auto s = parse(text);
	if (!s)
		return Error(path + ": " + s.error().message());
	return s;
}

Liveness liveness(const AgentStatus &s, uint64_t now_ns)
{
	if (!s.running)
		return Liveness::Stopped;
	// A document from the future (the clock stepped back) is not evidence of death.
	if (now_ns > s.updated_ns && now_ns - s.updated_ns > kStaleNs)
		return Liveness::NotRunning;
	return Liveness::Running;
}

const char *to_string(Liveness l)
{
	switch (l) {
	case Liveness::Running: return "running";
	case Liveness::Stopped: return "stopped";
	case Liveness::NotRunning: return "not_running";
	}
	return "unknown";
}

} // namespace linesman::status
