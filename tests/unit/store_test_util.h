// SPDX-License-Identifier: Apache-2.0
// Fixtures shared by the store tests: a scratch directory, realistic events, and
// raw SQL on an hour file (to play the attacker verify must catch).
#pragma once

#include <doctest/doctest.h>
#include <sqlite3.h>
#include <stdlib.h>

#include <cstdint>
#include <ctime>
#include <string>
#include <vector>

#include "common/event.h"
#include "linesman/v1/event.pb.h"
#include "output/format.h"

namespace store_test {

using namespace linesman;

struct TempDir {
	std::string path;
	TempDir()
	{
		char tmpl[] = "/tmp/linesman-store-XXXXXX";
		REQUIRE(mkdtemp(tmpl) != nullptr);
		path = tmpl;
	}
	~TempDir() { (void)std::system(("rm -rf '" + path + "'").c_str()); }
	std::string events() const { return path + "/events"; }
	std::string file(const char *hour) const { return events() + "/" + hour + ".db"; }
};

// 2026-11-26T13:00:00Z in ns: the tests' hour 0.
inline uint64_t hour_ns(int h, uint64_t offset_ns = 0)
{
	struct tm tm{};
	tm.tm_year = 2026 - 1900;
	tm.tm_mon = 10;
	tm.tm_mday = 26;
	tm.tm_hour = 13;
	return (uint64_t(timegm(&tm)) + uint64_t(h) * 3600) * 1'000'000'000ull + offset_ns;
}

inline Process process(uint32_t pid, const std::string &exe)
{
	Process p;
	p.pid = pid;
	p.tid = pid;
	p.ppid = 1000 + pid % 7;
	p.exec_id = "ZXhlYy0" + std::to_string(pid);
	p.parent_exec_id = "ZXhlYy1" + std::to_string(p.ppid);
	p.uid = pid % 3 ? 0 : 1000;
	p.user = p.uid ? "alice" : "root";
	p.comm = exe.substr(exe.rfind('/') + 1).substr(0, 15);
	p.exe = exe;
	p.argv = {p.comm, "--config", "/etc/" + p.comm + "/main.conf", "-v"};
	p.cwd = "/root";
	p.cgroup_id = 4242;
	p.start_time_ns = hour_ns(0);
	p.ancestors = {"/usr/bin/bash", "/usr/sbin/sshd", "/usr/lib/systemd/systemd"};
	p.origin = SessionOrigin{.peer_addr = "192.0.2.7", .peer_port = 52144, .user = "alice",
				 .via = "/usr/sbin/sshd"};
	return p;
}

inline Event exec_event(uint64_t seq, uint64_t time_ns, uint32_t pid = 4242,
			const std::string &exe = "/usr/bin/ls")
{
	Event ev;
	ev.seq = seq;
	ev.time_ns = time_ns;
	ev.host = "sw-core-01";
	ev.type = EventType::Exec;
	ev.process = process(pid, exe);
	ev.details = ExecDetails{.filename = exe, .argc = 4, .flags = 0, .exe_mode = 0100755,
				 .exe_ino = 1234567, .exe_dev = 0x800003};
	return ev;
}

inline Event file_event(uint64_t seq, uint64_t time_ns, const std::string &path,
			const std::string &new_path = "", uint32_t pid = 5151)
{
	Event ev;
	ev.seq = seq;
	ev.time_ns = time_ns;
	ev.host = "sw-core-01";
	ev.type = EventType::File;
	ev.process = process(pid, "/usr/bin/vim.basic");
	FileDetails d;
	d.op = new_path.empty() ? "write" : "rename";
	d.path = path;
	d.new_path = new_path;
	d.mode = 0100644;
	d.uid = 0;
	d.gid = 0;
	d.size_before = 3021;
	d.size_after = 3133;
	d.bytes_written = 3133;
	d.sha256_before = std::string(64, 'a');
	d.sha256_after = std::string(64, 'b');
	d.inode = 77;
	d.dev = 0x800003;
	ev.details = d;
	return ev;
}

inline Event net_event(uint64_t seq, uint64_t time_ns, EventType type, uint32_t lport,
		       uint32_t rport, const std::string &raddr)
{
	Event ev;
	ev.seq = seq;
	ev.time_ns = time_ns;
	ev.host = "sw-core-01";
	ev.type = type;
	ev.process = process(6161, "/usr/bin/curl");
	NetDetails n;
	n.family = "inet";
	n.protocol = "tcp";
	n.sock_type = "stream";
	n.local_addr = "10.0.0.1";
	n.remote_addr = raddr;
	n.local_port = lport;
	n.remote_port = rport;
	n.netns = 4026531840u;
	n.conn_id = "9f3c2a7b01d4e6f8";
	n.result = "established";
	ev.details = n;
	return ev;
}

// The canonical bytes: two events are equal when these are.
inline std::string bytes_of(const Event &ev)
{
	linesman::v1::Event m;
	output::to_proto(ev, &m);
	return m.SerializeAsString();
}

// Runs SQL on a file behind the store's back. Returns sqlite3_changes().
inline int raw_sql(const std::string &path, const std::string &sql)
{
	sqlite3 *db = nullptr;
	REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
	char *err = nullptr;
	int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
	INFO(sql << ": " << (err ? err : ""));
	sqlite3_free(err);
	int changes = sqlite3_changes(db);
	sqlite3_close(db);
	REQUIRE(rc == SQLITE_OK);
	return changes;
}

} // namespace store_test
