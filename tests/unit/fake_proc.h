// SPDX-License-Identifier: Apache-2.0
// A fake /proc tree for unit tests: a temporary directory that files and
// symlinks are written into, processes described field by field, and the
// /proc/net/tcp{,6} texts the socket tests share.
#pragma once

#include <doctest/doctest.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace linesman::test {

// What /proc/PID/loginuid and sessionid hold for a process outside any login.
inline constexpr uint32_t kNoUid = UINT32_MAX;

// /proc/net/tcp: sshd listening on 0.0.0.0:22 (inode 2001) and the login
// connection 10.0.0.5:22 <- 192.0.2.7:51234 (inode 12345).
inline const std::string kNetTcp =
    "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
    "   0: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 2001 1 0000000000000000 100 0 0 10 0\n"
    "   1: 0500000A:0016 070200C0:C822 01 00000000:00000000 02:000AFC3E 00000000     0        0 12345 4 0000000000000000 20 4 29 10 -1\n";

// /proc/net/tcp6: a login over IPv6, [::ffff:10.0.0.5]:22 <- [2001:db8::7]:54321
// (inode 23456).
inline const std::string kNetTcp6 =
    "  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
    "   0: 0000000000000000FFFF00000500000A:0016 B80D0120000000000000000007000000:D431 01 00000000:00000000 02:00098F7A 00000000     0        0 23456 2 0000000000000000 20 4 30 10 -1\n";

// argv as /proc/PID/cmdline holds it: each argument followed by a NUL.
inline std::string nul_joined(const std::vector<std::string> &argv)
{
	std::string out;
	for (auto &a : argv)
		out += a + '\0';
	return out;
}

// One process as FakeProc::add writes it.
struct Proc {
	uint32_t pid = 0, ppid = 0;
	std::string comm = "";
	uint64_t start_ticks = 0;
	uint32_t uid = 0, euid = 0, gid = 0, egid = 0;
	uint32_t loginuid = kNoUid, sessionid = kNoUid;
	uint32_t tty_nr = 0;
	std::string exe = "", cwd = "/"; // no exe link when empty (a kernel thread)
	std::string cmdline = "";        // raw, NUL-separated
	char state = 'S';
};

// A temporary directory standing in for /proc, removed with everything in it
// on destruction. Paths are relative to root.
class FakeProc {
public:
	std::string root;

	explicit FakeProc(const std::string &name = "linesman-proc")
	{
		std::string tmpl = "/tmp/" + name + "-XXXXXX";
		REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
		root = tmpl;
	}
	~FakeProc() { std::filesystem::remove_all(root); }
	FakeProc(const FakeProc &) = delete;
	FakeProc &operator=(const FakeProc &) = delete;

	// Creates the parent directories; replaces an existing file.
	void write(const std::string &rel, const std::string &content) const
	{
		std::filesystem::create_directories(std::filesystem::path(root + "/" + rel).parent_path());
		std::ofstream(root + "/" + rel, std::ios::binary | std::ios::trunc) << content;
	}
	void link(const std::string &rel, const std::string &target) const
	{
		std::filesystem::create_directories(std::filesystem::path(root + "/" + rel).parent_path());
		std::filesystem::create_symlink(target, root + "/" + rel);
	}
	void remove(const std::string &rel) const { std::filesystem::remove_all(root + "/" + rel); }

	// A full /proc/PID/stat line: pid, comm, state, ppid, pgrp and session
	// (the pid), tty_nr, starttime (field 22) and realistic filler.
	static std::string stat_line(const Proc &p)
	{
		return std::to_string(p.pid) + " (" + p.comm + ") " + p.state + " " + std::to_string(p.ppid) +
		       " " + std::to_string(p.pid) + " " + std::to_string(p.pid) + " " +
		       std::to_string(p.tty_nr) + " -1 4194560 1131 0 0 0 2 1 0 0 20 0 1 0 " +
		       std::to_string(p.start_ticks) +
		       " 8953856 1357 18446744073709551615 94208 1092197 140723 0 0 0 65536 3686404 "
		       "1266761467 0 0 0 17 3 0 0 0 0 0 1316408 1365268 2146304 140723 140723 140723 "
		       "140723 0\n";
	}

	// PID/stat, status, cmdline, loginuid, sessionid, the exe and cwd links
	// and an empty fd directory.
	void add(const Proc &p) const
	{
		std::string dir = std::to_string(p.pid) + "/";
		write(dir + "stat", stat_line(p));
		write(dir + "status", "Name:\t" + p.comm + "\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t" +
					  std::to_string(p.pid) + "\nPPid:\t" + std::to_string(p.ppid) +
					  "\nUid:\t" + std::to_string(p.uid) + "\t" + std::to_string(p.euid) +
					  "\t" + std::to_string(p.euid) + "\t" + std::to_string(p.euid) +
					  "\nGid:\t" + std::to_string(p.gid) + "\t" + std::to_string(p.egid) +
					  "\t" + std::to_string(p.egid) + "\t" + std::to_string(p.egid) +
					  "\nFDSize:\t64\n");
		write(dir + "cmdline", p.cmdline);
		write(dir + "loginuid", std::to_string(p.loginuid));
		write(dir + "sessionid", std::to_string(p.sessionid));
		if (!p.exe.empty())
			link(dir + "exe", p.exe);
		link(dir + "cwd", p.cwd);
		std::filesystem::create_directories(root + "/" + dir + "fd");
	}
};

} // namespace linesman::test
