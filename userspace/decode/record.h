// SPDX-License-Identifier: Apache-2.0
// Kernel records, decoded from the ring-buffer ABI into owning C++ values.
// Outside decode/, only probe/ includes the ABI header (for counter indices).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <variant>
#include <vector>

namespace linesman::decode {

// (tgid, start of the thread-group leader in ns since boot): names a process.
struct ProcessKey {
	uint32_t tgid = 0;
	uint64_t start_boottime = 0;
	bool operator==(const ProcessKey &) const = default;
};

struct Header {
	uint64_t ktime_ns = 0; // CLOCK_BOOTTIME ns
	uint32_t tgid = 0;
	uint32_t tid = 0;
	uint64_t start_boottime = 0;
	ProcessKey key() const { return {tgid, start_boottime}; }
};

struct ExecRecord {
	Header hdr;
	uint32_t ppid = 0;
	uint64_t parent_start_boottime = 0;
	uint32_t uid = 0, gid = 0, euid = 0, egid = 0;
	uint32_t auid = UINT32_MAX, sessionid = UINT32_MAX;
	uint32_t tty_dev = 0;
	uint32_t flags = 0; // same bits as linesman::ExecFlag
	uint32_t argc = 0;
	uint32_t exe_mode = 0;
	uint32_t old_tid = 0;
	uint64_t cgroup_id = 0;
	uint64_t exe_ino = 0;
	uint32_t exe_dev = 0;
	std::string comm;
	std::string exe;
	std::string filename;
	std::vector<std::string> argv;
	std::string cwd;
	std::string tty;
};

struct ForkRecord {
	Header hdr; // the child
	uint32_t parent_tgid = 0;
	uint64_t parent_start_boottime = 0;
};

struct ExitRecord {
	Header hdr;
	uint32_t exit_code = 0; // wait(2) status
};

// connect, accept, listen, close, socket, udp: one layout, `kind` tells which.
struct NetRecord {
	enum class Kind : uint16_t {
		Connect = 4, Accept = 5, Listen = 6, Close = 7, Socket = 8, Udp = 9, TcpSummary = 10
	};
	Header hdr; // the acting process; tgid 0 when no process owned the socket yet
	Kind kind = Kind::Connect;
	uint64_t conn_id = 0;
	uint64_t duration_ns = 0;
	uint64_t bytes_sent = 0, bytes_received = 0;
	uint64_t packets_sent = 0, packets_received = 0;
	uint32_t netns = 0;
	uint16_t family = 0, protocol = 0;
	uint16_t local_port = 0, remote_port = 0;
	int32_t result = 0;
	std::array<uint8_t, 16> local_addr{}, remote_addr{};
	uint32_t backlog = 0;
	uint16_t close_by = 0, final_state = 0;
	uint32_t sock_type = 0;
	uint32_t ifindex = 0;
	uint16_t op = 0;
	// When hdr.start_boottime is 0 (UDP: the cgroup hooks cannot read the task),
	// the owner is the process that was hdr.tgid at this time: the socket's creation.
	uint64_t owner_at_ns = 0;
};

// A file record: one of enum ls_file_op. Paths are as the kernel built them
// (absolute; path operations' strings are not normalised yet).
struct FileRecord {
	enum class Op : uint16_t {
		Open = 1, Close = 2, Truncate = 3, Rename = 4, Unlink = 5, Mkdir = 6, Rmdir = 7,
		Link = 8, Symlink = 9, Chmod = 10, Chown = 11, Utimes = 12, Read = 13
	};
	Header hdr;
	Op op = Op::Open;
	uint32_t flags = 0; // enum ls_file_flags
	uint64_t file_id = 0;
	uint64_t ino = 0;
	uint32_t dev = 0;
	uint32_t mode = 0, uid = 0, gid = 0;
	uint32_t old_mode = 0, old_uid = 0, old_gid = 0;
	uint32_t rename_flags = 0;
	uint64_t size_before = 0, size_after = 0;
	uint64_t bytes = 0;
	int64_t atime_ns = 0, mtime_ns = 0;
	std::string path, path2;
};

using Record = std::variant<ExecRecord, ForkRecord, ExitRecord, NetRecord, FileRecord>;

} // namespace linesman::decode
