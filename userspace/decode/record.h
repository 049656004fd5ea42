// SPDX-License-Identifier: Apache-2.0
// Kernel records, decoded from the ring-buffer ABI into owning C++ values.
// Outside decode/, only probe/ includes the ABI header (for counter indices).
#pragma once

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

using Record = std::variant<ExecRecord, ForkRecord, ExitRecord>;

} // namespace linesman::decode
