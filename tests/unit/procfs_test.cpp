// SPDX-License-Identifier: Apache-2.0
// The /proc parsers on real-format and hostile input, and ProcFs on a fake tree.
#include <doctest/doctest.h>

#include <bit>
#include <string>
#include <vector>

#include "decode/decoder.h"
#include "fake_proc.h"
#include "proc/procfs.h"

using namespace linesman::proc;
using namespace linesman::test;
using namespace std::string_literals;

namespace {

// A realistic stat line; starttime (field 22) is the 20th field after the comm.
const std::string kStatTricky =
    "4130 ((a b) c)) S 4100 4130 4130 34816 4210 4194560 1131 0 0 0 2 1 0 0 20 0 1 0 250010 "
    "8953856 1357 18446744073709551615 94208 1092197 140723 0 0 0 65536 3686404 1266761467 "
    "0 0 0 17 3 0 0 0 0 0 1316408 1365268 2146304 140723 140723 140723 140723 0\n";

} // namespace

TEST_CASE("parse_stat: comm with spaces and ')' ends at the last ')'")
{
	auto st = parse_stat(kStatTricky);
	REQUIRE(st);
	CHECK(st->pid == 4130);
	CHECK(st->comm == "(a b) c)");
	CHECK(st->state == 'S');
	CHECK(st->ppid == 4100);
	CHECK(st->session == 4130);
	CHECK(st->tty_nr == 34816);
	CHECK(st->start_ticks == 250010);
}

TEST_CASE("parse_stat: init's real line, with tpgid -1")
{
	auto st = parse_stat("1 (systemd) S 0 1 1 0 -1 4194560 39379 2408398 110 1192 142 186 4219 1788 "
			     "20 0 1 0 4 168325120 3204 18446744073709551615 1 1 0 0 0 0 671173123 4096 "
			     "1260 0 0 0 17 2 0 0 0 0 0 0 0 0 0 0 0 0 0\n");
	REQUIRE(st);
	CHECK(st->pid == 1);
	CHECK(st->comm == "systemd");
	CHECK(st->ppid == 0);
	CHECK(st->tty_nr == 0);
	CHECK(st->start_ticks == 4);
}

TEST_CASE("parse_stat: truncated and garbage input give nullopt")
{
	// Cut right before starttime.
	std::string truncated = "4130 (bash) S 4100 4130 4130 34816 4210 4194560 1131 0 0 0 2 1 0 0 20 0 1 0";
	CHECK_FALSE(parse_stat(truncated));
	CHECK_FALSE(parse_stat(""));
	CHECK_FALSE(parse_stat("hello world"));
	CHECK_FALSE(parse_stat("12 (no closing paren S 1 2 3"));
	CHECK_FALSE(parse_stat("12 )x( S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5"));
	CHECK_FALSE(parse_stat("x12 (bash) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5"));
	CHECK_FALSE(parse_stat("12 (bash) S one 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5"));
	CHECK_FALSE(parse_stat("12 (bash) SS 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5"));
	CHECK_FALSE(parse_stat("12 (bash) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 -5"));
	// The shortest valid line: exactly up to starttime.
	auto st = parse_stat("12 (bash) R 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5");
	REQUIRE(st);
	CHECK(st->state == 'R');
	CHECK(st->start_ticks == 5);
}

TEST_CASE("parse_status: real and effective ids")
{
	auto st = parse_status("Name:\tsudo\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t812\n"
			       "PPid:\t1\nUid:\t1000\t0\t0\t0\nGid:\t1001\t27\t27\t27\n"
			       "FDSize:\t64\nGroups:\t4 27 1000 \n");
	REQUIRE(st);
	CHECK(st->uid == 1000);
	CHECK(st->euid == 0);
	CHECK(st->gid == 1001);
	CHECK(st->egid == 27);
	CHECK_FALSE(parse_status("Name:\tx\nUid:\t1\t1\t1\t1\n"));      // no Gid line
	CHECK_FALSE(parse_status("Uid:\tzero\t0\t0\t0\nGid:\t0\t0\t0\t0\n"));
	CHECK_FALSE(parse_status("Uid:\t0\nGid:\t0\t0\t0\t0\n"));      // too few ids
	CHECK_FALSE(parse_status(""));
}

TEST_CASE("parse_net_tcp: IPv4 lines, header and garbage skipped")
{
	if constexpr (std::endian::native != std::endian::little) {
		MESSAGE("fixtures are little-endian /proc/net/tcp dumps");
		return;
	}
	auto socks = parse_net_tcp(kNetTcp + "garbage line\n   7: 0500000A 00000000:0000 01\n", false);
	REQUIRE(socks.size() == 2);
	CHECK(socks[0].local_addr == "0.0.0.0");
	CHECK(socks[0].local_port == 22);
	CHECK(socks[0].state == 10);
	CHECK(socks[0].inode == 2001);
	CHECK(socks[1].local_addr == "10.0.0.5");
	CHECK(socks[1].local_port == 22);
	CHECK(socks[1].remote_addr == "192.0.2.7");
	CHECK(socks[1].remote_port == 51234);
	CHECK(socks[1].state == 1);
	CHECK(socks[1].inode == 12345);
	// The same text read as tcp6: every address has the wrong width.
	CHECK(parse_net_tcp(kNetTcp, true).empty());
	CHECK(parse_net_tcp("", false).empty());
}

TEST_CASE("parse_net_tcp: IPv6 and v4-mapped addresses as inet_ntop prints them")
{
	if constexpr (std::endian::native != std::endian::little) {
		MESSAGE("fixtures are little-endian /proc/net/tcp6 dumps");
		return;
	}
	auto socks = parse_net_tcp(kNetTcp6, true);
	REQUIRE(socks.size() == 1);
	CHECK(socks[0].local_addr == "::ffff:10.0.0.5");
	CHECK(socks[0].local_port == 22);
	CHECK(socks[0].remote_addr == "2001:db8::7");
	CHECK(socks[0].remote_port == 54321);
	CHECK(socks[0].state == 1);
	CHECK(socks[0].inode == 23456);
	CHECK(parse_net_tcp(kNetTcp6, false).empty());
	// A port beyond 16 bits or a non-hex word is not a socket line.
	CHECK(parse_net_tcp("0: 0500000A:10000 070200C0:C822 01 0:0 0:0 0 0 0 99\n", false).empty());
	CHECK(parse_net_tcp("0: 0500000G:0016 070200C0:C822 01 0:0 0:0 0 0 0 99\n", false).empty());
}

TEST_CASE("/proc cmdline splits like the kernel's argv area: trailing NUL adds nothing")
{
	CHECK(linesman::decode::split_argv("bash\0-l\0"s) == std::vector<std::string>{"bash", "-l"});
	CHECK(linesman::decode::split_argv("a\0\0b"s) == std::vector<std::string>{"a", "", "b"});
	CHECK(linesman::decode::split_argv("sshd: alice [priv]") == std::vector<std::string>{"sshd: alice [priv]"});
	CHECK(linesman::decode::split_argv("").empty());
	CHECK(linesman::decode::split_argv("\0"s) == std::vector<std::string>{""});
}

TEST_CASE("tty_name: new_encode_dev decoding")
{
	auto dev = [](uint32_t major, uint32_t minor) {
		return (minor & 0xff) | (major << 8) | ((minor & ~0xffu) << 12);
	};
	CHECK(tty_name(0) == "");
	CHECK(tty_name(34816) == "pts/0");
	CHECK(tty_name(dev(136, 3)) == "pts/3");
	CHECK(tty_name(dev(136, 300)) == "pts/300");
	CHECK(tty_name(dev(137, 5)) == "pts/261");
	CHECK(tty_name(dev(4, 1)) == "tty1");
	CHECK(tty_name(dev(4, 64)) == "ttyS0");
	CHECK(tty_name(dev(5, 1)) == "tty?5:1");
}

TEST_CASE("sshd_title_user: the user of each OpenSSH title")
{
	CHECK(sshd_title_user("sshd: alice [priv]") == "alice");
	CHECK(sshd_title_user("sshd: alice@pts/0\0\0\0"s) == "alice");
	CHECK(sshd_title_user("sshd: bob@notty") == "bob");
	CHECK(sshd_title_user("sshd-session: carol [priv]") == "carol");
	CHECK(sshd_title_user("sshd: /usr/sbin/sshd -D [listener] 0 of 10-100 startups") == "");
	CHECK(sshd_title_user("sshd: unknown [priv]") == "");
	CHECK(sshd_title_user("/usr/sbin/sshd\0-D\0"s) == "");
	CHECK(sshd_title_user("") == "");
}

TEST_CASE("ProcFs reads a fake tree")
{
	FakeProc t("linesman-procfs");
	t.write("4130/stat", kStatTricky);
	t.write("4130/status", "Name:\tbash\nUid:\t1000\t1000\t1000\t1000\nGid:\t1000\t1000\t1000\t1000\n");
	t.write("4130/cmdline", "-bash\0--login\0"s);
	t.write("4130/loginuid", "1000");
	t.write("4130/sessionid", "7\n");
	t.link("4130/exe", "/usr/bin/bash");
	t.link("4130/cwd", "/home/alice");
	t.link("4130/fd/0", "/dev/pts/0");
	t.link("4130/fd/10", "socket:[12345]");
	t.link("4130/fd/3", "socket:[2001]");
	t.link("4130/fd/4", "pipe:[999]");
	t.link("4130/fd/5", "socket:[oops]");
	t.write("4130/net/tcp", kNetTcp);
	t.write("4130/net/tcp6", kNetTcp6);
	t.write("77/stat", "garbage");
	t.write("self/stat", kStatTricky); // not a pid
	t.write("sys/kernel/x", "");

	ProcFs pf(t.root);
	CHECK(pf.root() == t.root);
	CHECK(pf.pids() == std::vector<uint32_t>{77, 4130});
	auto st = pf.stat(4130);
	REQUIRE(st);
	CHECK(st->comm == "(a b) c)");
	CHECK_FALSE(pf.stat(77));
	auto status = pf.status(4130);
	REQUIRE(status);
	CHECK(status->uid == 1000);
	CHECK(pf.cmdline(4130) == "-bash\0--login\0"s);
	CHECK(pf.exe(4130) == "/usr/bin/bash");
	CHECK(pf.cwd(4130) == "/home/alice");
	CHECK(pf.loginuid(4130) == 1000u);
	CHECK(pf.sessionid(4130) == 7u);
	// Sorted by fd number (3 before 10), non-sockets and malformed links skipped.
	CHECK(pf.socket_inodes(4130) == std::vector<uint64_t>{2001, 12345});
	if constexpr (std::endian::native == std::endian::little) {
		auto socks = pf.tcp_sockets(4130);
		REQUIRE(socks.size() == 3);
		CHECK(socks[1].remote_addr == "192.0.2.7");
		CHECK(socks[2].remote_addr == "2001:db8::7");
	}
}

TEST_CASE("ProcFs: a vanished process reads as empty, never throws")
{
	FakeProc t("linesman-procfs");
	t.write("5/loginuid", "not a number");
	ProcFs pf(t.root);
	CHECK_FALSE(pf.stat(9));
	CHECK_FALSE(pf.status(9));
	CHECK_FALSE(pf.cmdline(9));
	CHECK_FALSE(pf.exe(9));
	CHECK_FALSE(pf.cwd(9));
	CHECK_FALSE(pf.loginuid(9));
	CHECK_FALSE(pf.loginuid(5));
	CHECK_FALSE(pf.sessionid(9));
	CHECK(pf.socket_inodes(9).empty());
	CHECK(pf.tcp_sockets(9).empty());
	CHECK(ProcFs(t.root + "/missing").pids().empty());
}
