// SPDX-License-Identifier: Apache-2.0
// The agent's typed event: what the pipeline passes from the decoder to the
// outputs. It mirrors userspace/proto/linesman/v1/event.proto field for field
// (output/json.cpp and output/proto.cpp translate; tests check they agree).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace linesman {

enum class EventType : uint8_t {
	Exec = 1,
	Exit = 2,
	Rollup = 3,
	Loss = 4,
	Agent = 5,
	Connect = 6,
	Accept = 7,
	Listen = 8,
	Close = 9,
	Socket = 10,
	Udp = 11,
	TcpSummary = 12, // an open TCP connection's totals so far, every network.summary
	File = 13,       // a change to a watched path, or a read of a sensitive file
};
const char *to_string(EventType t);

// Where a login session came from (sshd peer), when the process descends from one.
struct SessionOrigin {
	std::string peer_addr; // "192.0.2.7" or "2001:db8::7"
	uint32_t peer_port = 0;
	std::string user;      // the login user (from the audit login uid or sshd's title)
	std::string via;       // the exe that accepted the login, e.g. "/usr/sbin/sshd"
	bool operator==(const SessionOrigin &) const = default;
};

// The acting process, as every event carries it.
struct Process {
	uint32_t pid = 0;
	uint32_t tid = 0;
	uint32_t ppid = 0;
	std::string exec_id;
	std::string parent_exec_id;
	uint32_t uid = 0, gid = 0, euid = 0, egid = 0;
	uint32_t auid = UINT32_MAX;      // login uid; UINT32_MAX when unset
	uint32_t session_id = UINT32_MAX;
	std::string tty;                 // "pts/3", empty when none
	std::string comm;
	std::string exe;
	std::vector<std::string> argv;
	std::string cwd;
	uint64_t cgroup_id = 0;
	std::string container_id;        // empty when not in a container
	uint64_t start_time_ns = 0;      // wall clock, ns since the epoch
	std::vector<std::string> ancestors; // exe of parent, grandparent, ... up to the root
	std::optional<SessionOrigin> origin;
	std::string user;                // user name of uid, when it resolves
	std::string login_user;          // user name of auid, when set and it resolves
	bool operator==(const Process &) const = default;
};

enum ExecFlag : uint32_t {
	kExecSetuid = 1u << 0,
	kExecSetgid = 1u << 1,
	kExecDeleted = 1u << 2,
	kExecMemfd = 1u << 3,
	kExecScript = 1u << 4,
	kExecExeTruncated = 1u << 5,
	kExecCwdTruncated = 1u << 6,
	kExecArgvTruncated = 1u << 7,
	kExecFilenameTruncated = 1u << 8,
	kExecArgvUnreadable = 1u << 9,
	kExecExeUnreachable = 1u << 10,
};

struct ExecDetails {
	std::string filename;   // as passed to execve; the script for #! runs
	uint32_t argc = 0;      // the kernel's count (argv may be truncated)
	uint32_t flags = 0;     // ExecFlag
	uint32_t exe_mode = 0;
	uint64_t exe_ino = 0;
	uint32_t exe_dev = 0;
};

struct ExitDetails {
	int32_t code = 0;       // exit status when exited normally, else -1
	int32_t signal = 0;     // terminating signal, 0 when exited normally
	bool core_dumped = false;
	uint64_t duration_ns = 0; // process lifetime
};

// K full events of one kind were followed by `count` more within the window.
struct RollupDetails {
	EventType rolled_type = EventType::Exec;
	uint64_t count = 0;       // events folded into this record
	uint64_t first_time_ns = 0;
	uint64_t last_time_ns = 0;
	std::string parent_exe;
	uint32_t window_s = 0;
};

// connect, accept, listen, close, socket, udp.
struct NetDetails {
	std::string family;        // "inet", "inet6", "packet"
	std::string protocol;      // "tcp", "udp", "icmp", ...; for packet sockets the ethertype, e.g. "all", "ip", "0x88cc"
	std::string sock_type;     // "stream", "dgram", "raw", ...
	std::string local_addr, remote_addr; // printable; v4-mapped IPv6 shown as IPv4
	uint32_t local_port = 0, remote_port = 0;
	uint32_t netns = 0;        // network namespace inode
	std::string conn_id;       // 16 hex; shared by a connection's connect/accept and close
	std::string result;        // connect: "established", "refused", "timed_out", or an errno name
	uint32_t backlog = 0;      // listen
	uint64_t duration_ns = 0;  // close, tcp_summary: since established; udp summary: flow age
	uint64_t bytes_sent = 0, bytes_received = 0;     // close, udp
	uint64_t packets_sent = 0, packets_received = 0; // udp
	std::string close_by;      // close: "local", "remote", "reset"
	std::string final_state;   // close: TCP state before CLOSE, e.g. "fin_wait2"; tcp_summary: the state now
	std::string op;            // socket: "open", "bind"; udp: "first_seen", "summary"
	uint32_t ifindex = 0;      // socket bind
	std::string ifname;        // socket bind, when it resolves
};

// One change to a watched path (or a read of a file on the sensitive-read list).
struct FileDetails {
	// "write", "create", "truncate", "rename", "unlink", "mkdir", "rmdir", "link",
	// "symlink", "chmod", "chown", "utimes", "read"
	std::string op;
	std::string path;      // absolute; rename: the old path; link, symlink: the new name
	std::string new_path;  // rename: the new path (RENAME_EXCHANGE: the other file)
	std::string target;    // link: the existing file; symlink: the target as given
	// "created", "truncated" (O_TRUNC at open), "append", "exchange", "noreplace",
	// "whiteout", "by_fd", "nofollow", "implicit_close" (closed by exit, exec or dup2),
	// "close_unobserved" (closed where no probe saw it), "path_truncated",
	// "path_unreachable", "atime_now", "mtime_now"
	std::vector<std::string> flags;
	uint32_t mode = 0;     // chmod: the new mode; mkdir/create: the mode asked; else the file's mode
	std::optional<uint32_t> old_mode;           // chmod: before, when known
	uint32_t uid = UINT32_MAX, gid = UINT32_MAX; // chown: the new owner (UINT32_MAX: unchanged); else the file's
	std::optional<uint32_t> old_uid, old_gid;   // chown: before, when known
	std::optional<uint64_t> size_before, size_after;
	uint64_t bytes_written = 0;                 // write: bytes written between open and close
	uint64_t open_duration_ns = 0;              // write: from open to close
	std::optional<int64_t> atime_ns, mtime_ns;  // utimes: the times set (ns since the epoch); absent: left as is
	std::string sha256_before, sha256_after;    // regular files up to content.max_file_size; empty: unknown
	std::string diff;                           // unified diff against the last content Linesman knew
	bool diff_truncated = false;
	std::string content_note;                   // why there is no diff: "secret: hashes only", "binary", ...
	uint64_t inode = 0;
	uint32_t dev = 0;                           // the kernel's dev_t: major << 20 | minor
};

struct LossDetails {
	std::string where;      // "kernel_ringbuf", "userspace_queue", ...
	std::string what;       // the event type lost, or "record"
	uint64_t count = 0;
};

struct AgentDetails {
	std::string what;       // "start", "stop", "heartbeat", "reload"
	std::string message;
	std::string version;
	std::vector<std::pair<std::string, uint64_t>> counters;
};

struct Event {
	uint64_t seq = 0;
	uint64_t time_ns = 0;   // wall clock, ns since the epoch
	std::string host;
	EventType type = EventType::Agent;
	Process process;
	std::variant<std::monostate, ExecDetails, ExitDetails, RollupDetails, LossDetails, AgentDetails,
		     NetDetails, FileDetails>
	    details;
};

} // namespace linesman
