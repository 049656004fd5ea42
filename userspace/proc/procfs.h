// SPDX-License-Identifier: Apache-2.0
// Read-only access to a /proc tree. The process cache reads /proc only through
// this class, so unit tests point it at a fake tree built in a temp directory.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace linesman::proc {

struct ProcStat {          // /proc/PID/stat
	uint32_t pid = 0;
	std::string comm;      // without the parentheses; may contain spaces and ')'
	char state = '?';
	uint32_t ppid = 0;
	uint32_t session = 0;  // sid
	uint32_t tty_nr = 0;   // kernel dev_t encoding of the controlling tty
	uint64_t start_ticks = 0; // field 22: clock ticks after boot
};

struct ProcStatus {        // /proc/PID/status
	uint32_t uid = 0, euid = 0, gid = 0, egid = 0;
};

struct TcpSocket {         // a line of /proc/PID/net/tcp or tcp6
	std::string local_addr, remote_addr; // printable, e.g. "10.0.0.1", "2001:db8::1"
	uint32_t local_port = 0, remote_port = 0;
	uint32_t state = 0;    // 1 = ESTABLISHED, 10 = LISTEN, ...
	uint64_t inode = 0;
};

class ProcFs {
public:
	explicit ProcFs(std::string root = "/proc");

	std::vector<uint32_t> pids() const;                 // numeric entries of root
	std::optional<ProcStat> stat(uint32_t pid) const;
	std::optional<ProcStatus> status(uint32_t pid) const;
	std::optional<std::string> cmdline(uint32_t pid) const; // raw, NUL-separated
	std::optional<std::string> exe(uint32_t pid) const;     // readlink of exe
	std::optional<std::string> cwd(uint32_t pid) const;     // readlink of cwd
	std::optional<uint32_t> loginuid(uint32_t pid) const;
	std::optional<uint32_t> sessionid(uint32_t pid) const;
	std::vector<uint64_t> socket_inodes(uint32_t pid) const; // fd/* -> "socket:[N]"
	std::vector<TcpSocket> tcp_sockets(uint32_t pid) const;  // net/tcp + net/tcp6, as seen by pid's netns
	std::optional<std::string> cgroup(uint32_t pid) const;  // PID/cgroup, raw
	std::optional<std::string> mountinfo() const;            // self/mountinfo, raw (the agent's mounts)
	const std::string &root() const { return root_; }

private:
	std::string root_;
};

// Parsers, exposed for tests.
std::optional<ProcStat> parse_stat(const std::string &text);
std::optional<ProcStatus> parse_status(const std::string &text);
std::vector<TcpSocket> parse_net_tcp(const std::string &text, bool v6);


// The controlling tty of /proc/PID/stat's tty_nr (the kernel's new_encode_dev):
// "pts/3", "tty1", "ttyS0"; "" when none; "tty?MAJ:MIN" for anything else.
std::string tty_name(uint32_t tty_nr);

// The login user in an sshd process title ("sshd: alice [priv]",
// "sshd: alice@pts/0", "sshd-session: alice [priv]"); "" for the listener's
// title, a pre-auth "unknown" user, or a cmdline that is not an sshd title.
std::string sshd_title_user(std::string_view cmdline);

} // namespace linesman::proc
