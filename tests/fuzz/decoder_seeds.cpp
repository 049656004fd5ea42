// SPDX-License-Identifier: Apache-2.0
// Writes the decoder's seed corpus: one real record of each type, built from
// linesman_abi.h as the BPF side builds them, plus a few near misses. They are
// generated at build time, not checked in, because the ABI grows (a checked-in
// record would silently stop decoding after the next layout change).
//
// Usage: decoder_seeds DIR
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "linesman_abi.h"

namespace {

using Bytes = std::vector<uint8_t>;

ls_event_header header(uint16_t type)
{
	ls_event_header h{};
	h.type = type;
	h.abi_version = LS_ABI_VERSION;
	h.ktime_ns = 123'456'789'012ull;
	h.tgid = 4242;
	h.tid = 4243;
	h.start_boottime = 98'765'432'100ull;
	return h;
}

template <typename T>
Bytes finish(T ev, std::string_view tail = {})
{
	Bytes out(sizeof(T) + tail.size());
	ev.hdr.size = uint32_t(out.size());
	std::memcpy(out.data(), &ev, sizeof(T));
	std::memcpy(out.data() + sizeof(T), tail.data(), tail.size());
	return out;
}

// Appends a segment to the tail and returns where it is.
ls_span put(std::string &tail, std::string_view s)
{
	ls_span sp{uint16_t(tail.size()), uint16_t(s.size())};
	tail += s;
	return sp;
}

Bytes exec_record(std::string_view argv, std::string_view tty)
{
	ls_exec_event ev{};
	ev.hdr = header(LS_EV_EXEC);
	ev.ppid = 1;
	ev.argc = 3;
	ev.exe_mode = 0100755;
	std::memcpy(ev.comm, "sshd", 4);
	std::string tail;
	ev.exe = put(tail, "/usr/sbin/sshd");
	ev.filename = put(tail, "/usr/sbin/sshd");
	ev.argv = put(tail, argv);
	ev.cwd = put(tail, "/");
	ev.tty = put(tail, tty);
	return finish(ev, tail);
}

Bytes net_record(uint16_t type)
{
	ls_net_event ev{};
	ev.hdr = header(type);
	ev.conn_id = 7;
	ev.family = 2; // AF_INET
	ev.protocol = type == LS_EV_UDP ? 17 : 6;
	ev.local_port = 22;
	ev.remote_port = 50000;
	const uint8_t lo[4] = {127, 0, 0, 1};
	std::memcpy(ev.local_addr, lo, 4);
	std::memcpy(ev.remote_addr, lo, 4);
	ev.op = type == LS_EV_UDP ? LS_UDP_FIRST_SEEN : type == LS_EV_SOCKET ? LS_SOCKET_OPEN : 0;
	return finish(ev);
}

Bytes file_record(uint16_t op, std::string_view path, std::string_view path2 = {})
{
	ls_file_event ev{};
	ev.hdr = header(LS_EV_FILE);
	ev.op = op;
	ev.file_id = 99;
	ev.ino = 1234;
	ev.mode = 0100644;
	std::string tail;
	ev.path = put(tail, path);
	ev.path2 = put(tail, path2);
	return finish(ev, tail);
}

} // namespace

int main(int argc, char **argv)
{
	if (argc != 2) {
		std::fprintf(stderr, "usage: %s DIR\n", argv[0]);
		return 2;
	}
	std::vector<std::pair<std::string, Bytes>> seeds;
	using namespace std::string_view_literals;
	seeds.emplace_back("exec", exec_record("sshd\0-D\0-e\0"sv, "pts3"));
	seeds.emplace_back("exec-argv-cut", exec_record("sshd\0-D\0-"sv, ""));
	{
		ls_fork_event ev{};
		ev.hdr = header(LS_EV_FORK);
		ev.parent_tgid = 1;
		seeds.emplace_back("fork", finish(ev));
	}
	{
		ls_exit_event ev{};
		ev.hdr = header(LS_EV_EXIT);
		ev.exit_code = 1 << 8;
		seeds.emplace_back("exit", finish(ev));
	}
	for (uint16_t t = LS_EV_CONNECT; t <= LS_EV_TCP_SUMMARY; ++t)
		seeds.emplace_back("net-" + std::to_string(t), net_record(t));
	seeds.emplace_back("file-open", file_record(LS_FILE_OPEN, "/etc/ssh/sshd_config"));
	seeds.emplace_back("file-close", file_record(LS_FILE_CLOSE, ""));
	seeds.emplace_back("file-rename", file_record(LS_FILE_RENAME, "/etc/.passwd.tmp", "/etc/passwd"));
	seeds.emplace_back("file-symlink", file_record(LS_FILE_SYMLINK, "/etc/x", "../tmp/y"));
	// Near misses: one byte short, a span one past the tail.
	{
		Bytes b = exec_record("a\0"sv, "tty1");
		b.pop_back();
		seeds.emplace_back("exec-short", b);
	}
	{
		Bytes b = file_record(LS_FILE_UNLINK, "/etc/hosts");
		ls_file_event ev;
		std::memcpy(&ev, b.data(), sizeof(ev));
		ev.path.len++;
		std::memcpy(b.data(), &ev, sizeof(ev));
		seeds.emplace_back("file-span-past-end", b);
	}
	for (const auto &[name, bytes] : seeds) {
		std::string path = std::string(argv[1]) + "/" + name;
		FILE *f = std::fopen(path.c_str(), "wb");
		if (!f || std::fwrite(bytes.data(), 1, bytes.size(), f) != bytes.size() || std::fclose(f) != 0) {
			std::perror(path.c_str());
			return 1;
		}
	}
	return 0;
}
