// SPDX-License-Identifier: Apache-2.0
// Every reader returns empty/nullopt on any error: a process can exit between
// listing /proc and reading its files, and that is normal, not a failure.
// POSIX calls rather than std::filesystem, which throws.
#include "proc/procfs.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <utility>

namespace linesman::proc {
namespace {

// procfs files report st_size 0, so read to EOF. The cap bounds what a corrupt
// tree can make us allocate; a busy host's net/tcp is a few MiB.
constexpr size_t kMaxFileBytes = 64u << 20;

std::optional<std::string> read_file(const std::string &path)
{
	int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return std::nullopt;
	std::string out;
	char buf[8192];
	for (;;) {
		ssize_t n = ::read(fd, buf, sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || out.size() + size_t(n) > kMaxFileBytes) {
			::close(fd);
			return std::nullopt;
		}
		if (n == 0)
			break;
		out.append(buf, size_t(n));
	}
	::close(fd);
	return out;
}

std::optional<std::string> read_link(const std::string &path)
{
	std::string buf(256, '\0');
	for (;;) {
		ssize_t n = ::readlink(path.c_str(), buf.data(), buf.size());
		if (n < 0)
			return std::nullopt;
		if (size_t(n) < buf.size()) {
			buf.resize(size_t(n));
			return buf;
		}
		if (buf.size() >= 65536) // far beyond PATH_MAX: not a path
			return std::nullopt;
		buf.resize(buf.size() * 2);
	}
}

template <typename T>
std::optional<T> to_num(std::string_view s, int base = 10)
{
	T v{};
	auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v, base);
	if (s.empty() || ec != std::errc() || end != s.data() + s.size())
		return std::nullopt;
	return v;
}

bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

std::string_view trim(std::string_view s)
{
	while (!s.empty() && is_space(s.front()))
		s.remove_prefix(1);
	while (!s.empty() && is_space(s.back()))
		s.remove_suffix(1);
	return s;
}

std::vector<std::string_view> split_fields(std::string_view s)
{
	std::vector<std::string_view> out;
	size_t i = 0;
	while (i < s.size()) {
		while (i < s.size() && is_space(s[i]))
			++i;
		size_t start = i;
		while (i < s.size() && !is_space(s[i]))
			++i;
		if (i > start)
			out.push_back(s.substr(start, i - start));
	}
	return out;
}

// "0100007F:0016": the kernel prints each 32-bit word of the address with %08X
// straight from memory, so a word's host-order value holds the network bytes.
bool parse_endpoint(std::string_view s, bool v6, std::string *addr, uint32_t *port)
{
	size_t colon = s.find(':');
	if (colon == std::string_view::npos)
		return false;
	std::string_view hex = s.substr(0, colon);
	size_t words = v6 ? 4 : 1;
	if (hex.size() != words * 8)
		return false;
	unsigned char bytes[16];
	for (size_t i = 0; i < words; ++i) {
		auto w = to_num<uint32_t>(hex.substr(i * 8, 8), 16);
		if (!w)
			return false;
		std::memcpy(bytes + i * 4, &*w, 4);
	}
	auto p = to_num<uint32_t>(s.substr(colon + 1), 16);
	if (!p || *p > 0xffff)
		return false;
	char buf[INET6_ADDRSTRLEN];
	if (!inet_ntop(v6 ? AF_INET6 : AF_INET, bytes, buf, sizeof buf))
		return false;
	*addr = buf;
	*port = *p;
	return true;
}

std::optional<uint32_t> parse_u32_file(const std::optional<std::string> &text)
{
	if (!text)
		return std::nullopt;
	return to_num<uint32_t>(trim(*text));
}

} // namespace

std::optional<ProcStat> parse_stat(const std::string &text)
{
	// comm is free text (prctl(PR_SET_NAME) allows ')' and spaces): it ends at
	// the last ')', and every field after it is a number or the state letter.
	size_t open = text.find('(');
	size_t close = text.rfind(')');
	if (open == std::string::npos || close == std::string::npos || close < open)
		return std::nullopt;
	ProcStat st;
	auto pid = to_num<uint32_t>(trim(std::string_view(text).substr(0, open)));
	if (!pid)
		return std::nullopt;
	st.pid = *pid;
	st.comm = text.substr(open + 1, close - open - 1);
	auto f = split_fields(std::string_view(text).substr(close + 1));
	// f[0] is field 3 (state); starttime is field 22.
	if (f.size() < 20 || f[0].size() != 1)
		return std::nullopt;
	st.state = f[0][0];
	auto ppid = to_num<uint32_t>(f[1]);
	auto session = to_num<uint32_t>(f[3]);
	auto tty_nr = to_num<int64_t>(f[4]); // printed with %d
	auto start = to_num<uint64_t>(f[19]);
	if (!ppid || !session || !tty_nr || !start)
		return std::nullopt;
	st.ppid = *ppid;
	st.session = *session;
	st.tty_nr = uint32_t(*tty_nr);
	st.start_ticks = *start;
	return st;
}

std::optional<ProcStatus> parse_status(const std::string &text)
{
	ProcStatus st;
	bool have_uid = false, have_gid = false;
	std::string_view rest = text;
	while (!rest.empty()) {
		size_t nl = rest.find('\n');
		std::string_view line = rest.substr(0, nl);
		rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
		bool uid = line.starts_with("Uid:"), gid = line.starts_with("Gid:");
		if (!uid && !gid)
			continue;
		auto f = split_fields(line.substr(4)); // real, effective, saved, fs
		if (f.size() < 2)
			return std::nullopt;
		auto real = to_num<uint32_t>(f[0]), eff = to_num<uint32_t>(f[1]);
		if (!real || !eff)
			return std::nullopt;
		if (uid) {
			st.uid = *real;
			st.euid = *eff;
			have_uid = true;
		} else {
			st.gid = *real;
			st.egid = *eff;
			have_gid = true;
		}
	}
	if (!have_uid || !have_gid)
		return std::nullopt;
	return st;
}

std::vector<TcpSocket> parse_net_tcp(const std::string &text, bool v6)
{
	// "  sl  local_address rem_address   st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode ..."
	std::vector<TcpSocket> out;
	std::string_view rest = text;
	while (!rest.empty()) {
		size_t nl = rest.find('\n');
		std::string_view line = rest.substr(0, nl);
		rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
		auto f = split_fields(line);
		if (f.size() < 10 || !f[0].ends_with(':')) // the header's "sl" has no ':'
			continue;
		TcpSocket s;
		auto state = to_num<uint32_t>(f[3], 16);
		auto inode = to_num<uint64_t>(f[9]);
		if (!state || !inode || !parse_endpoint(f[1], v6, &s.local_addr, &s.local_port) ||
		    !parse_endpoint(f[2], v6, &s.remote_addr, &s.remote_port))
			continue;
		s.state = *state;
		s.inode = *inode;
		out.push_back(std::move(s));
	}
	return out;
}

std::string tty_name(uint32_t tty_nr)
{
	if (tty_nr == 0)
		return "";
	// new_encode_dev(): minor's low byte, then 12 bits of major, then the minor's high bits.
	uint32_t major = (tty_nr >> 8) & 0xfff;
	uint32_t minor = (tty_nr & 0xff) | ((tty_nr >> 12) & 0xfff00);
	// Unix98 pty slaves: majors 136..143 each hold 256 minors (devices.txt).
	if (major >= 136 && major <= 143)
		return "pts/" + std::to_string((major - 136) * 256 + minor);
	if (major == 4) // virtual consoles below minor 64, serial ports from 64
		return minor < 64 ? "tty" + std::to_string(minor) : "ttyS" + std::to_string(minor - 64);
	return "tty?" + std::to_string(major) + ":" + std::to_string(minor);
}

std::string sshd_title_user(std::string_view cmdline)
{
	// setproctitle() overwrites argv with the title and pads with NULs.
	std::string_view title = cmdline.substr(0, cmdline.find('\0'));
	std::string_view rest;
	for (std::string_view prefix : {"sshd: ", "sshd-session: "}) {
		if (title.starts_with(prefix)) {
			rest = title.substr(prefix.size());
			break;
		}
	}
	// The listener's title is "sshd: /usr/sbin/sshd -D [listener] 0 of 10-100 startups".
	if (rest.empty() || rest.front() == '/')
		return "";
	std::string_view user = rest.substr(0, rest.find_first_of(" @"));
	if (user == "unknown") // pre-auth: OpenSSH's placeholder, not a user
		return "";
	return std::string(user);
}

ProcFs::ProcFs(std::string root) : root_(std::move(root)) {}

std::vector<uint32_t> ProcFs::pids() const
{
	std::vector<uint32_t> out;
	DIR *d = ::opendir(root_.c_str());
	if (!d)
		return out;
	while (dirent *de = ::readdir(d)) {
		if (auto pid = to_num<uint32_t>(de->d_name))
			out.push_back(*pid);
	}
	::closedir(d);
	std::sort(out.begin(), out.end());
	return out;
}

std::optional<ProcStat> ProcFs::stat(uint32_t pid) const
{
	auto text = read_file(root_ + "/" + std::to_string(pid) + "/stat");
	if (!text)
		return std::nullopt;
	return parse_stat(*text);
}

std::optional<ProcStatus> ProcFs::status(uint32_t pid) const
{
	auto text = read_file(root_ + "/" + std::to_string(pid) + "/status");
	if (!text)
		return std::nullopt;
	return parse_status(*text);
}

std::optional<std::string> ProcFs::cmdline(uint32_t pid) const
{
	return read_file(root_ + "/" + std::to_string(pid) + "/cmdline");
}

std::optional<std::string> ProcFs::exe(uint32_t pid) const
{
	return read_link(root_ + "/" + std::to_string(pid) + "/exe");
}

std::optional<std::string> ProcFs::cwd(uint32_t pid) const
{
	return read_link(root_ + "/" + std::to_string(pid) + "/cwd");
}

std::optional<uint32_t> ProcFs::loginuid(uint32_t pid) const
{
	return parse_u32_file(read_file(root_ + "/" + std::to_string(pid) + "/loginuid"));
}

std::optional<uint32_t> ProcFs::sessionid(uint32_t pid) const
{
	return parse_u32_file(read_file(root_ + "/" + std::to_string(pid) + "/sessionid"));
}

std::vector<uint64_t> ProcFs::socket_inodes(uint32_t pid) const
{
	std::string dir = root_ + "/" + std::to_string(pid) + "/fd";
	std::vector<std::pair<uint32_t, uint64_t>> by_fd;
	DIR *d = ::opendir(dir.c_str());
	if (!d)
		return {};
	while (dirent *de = ::readdir(d)) {
		auto fd = to_num<uint32_t>(de->d_name);
		if (!fd)
			continue;
		auto target = read_link(dir + "/" + de->d_name);
		if (!target || !target->starts_with("socket:[") || !target->ends_with("]"))
			continue;
		auto inode = to_num<uint64_t>(std::string_view(*target).substr(8, target->size() - 9));
		if (inode)
			by_fd.emplace_back(*fd, *inode);
	}
	::closedir(d);
	// fd order: the connection a server accepted first sits on its lowest fd.
	std::sort(by_fd.begin(), by_fd.end());
	std::vector<uint64_t> out;
	out.reserve(by_fd.size());
	for (auto &[fd, inode] : by_fd)
		out.push_back(inode);
	return out;
}

std::optional<std::string> ProcFs::cgroup(uint32_t pid) const
{
	return read_file(root_ + "/" + std::to_string(pid) + "/cgroup");
}

std::optional<std::string> ProcFs::mountinfo() const
{
	return read_file(root_ + "/self/mountinfo");
}

std::vector<TcpSocket> ProcFs::tcp_sockets(uint32_t pid) const
{
	std::string base = root_ + "/" + std::to_string(pid) + "/net/";
	std::vector<TcpSocket> out;
	if (auto v4 = read_file(base + "tcp"))
		out = parse_net_tcp(*v4, false);
	if (auto v6 = read_file(base + "tcp6")) {
		auto more = parse_net_tcp(*v6, true);
		out.insert(out.end(), std::make_move_iterator(more.begin()),
			   std::make_move_iterator(more.end()));
	}
	return out;
}

} // namespace linesman::proc
