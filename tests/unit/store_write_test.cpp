// SPDX-License-Identifier: Apache-2.0
// The store's writer: round trips, seq and epoch rules, hour files, permissions.
#include <doctest/doctest.h>
#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fcntl.h>

#include "store/reader.h"
#include "store/sqlite.h"
#include "store/store.h"
#include "store/verify.h"
#include "store_test_util.h"

using namespace linesman;
using namespace linesman::store;
using namespace store_test;

namespace {

StoreOptions options(const TempDir &d)
{
	StoreOptions o;
	o.state_dir = d.path;
	o.host = "sw-core-01";
	return o;
}

std::vector<Event> all_events(const TempDir &d)
{
	auto r = Reader::open(d.path);
	REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().what()));
	auto evs = r->query({});
	REQUIRE(evs.ok());
	return *evs;
}

mode_t mode_of(const std::string &path)
{
	struct stat st{};
	REQUIRE(stat(path.c_str(), &st) == 0);
	return st.st_mode & 07777;
}

} // namespace

TEST_CASE("store: every event type round-trips through the store, every field")
{
	TempDir d;
	auto s = Store::open(options(d));
	REQUIRE(s.ok());
	CHECK(s->next_seq() == 1);

	std::vector<Event> in;
	uint64_t t = hour_ns(0, 1000);
	in.push_back(exec_event(1, t));
	Event exit = exec_event(2, t + 1);
	exit.type = EventType::Exit;
	exit.details = ExitDetails{.code = -1, .signal = 9, .core_dumped = true, .duration_ns = 123};
	in.push_back(exit);
	Event rollup = exec_event(3, t + 2);
	rollup.type = EventType::Rollup;
	rollup.details = RollupDetails{.rolled_type = EventType::Exec, .count = 17, .first_time_ns = t,
				       .last_time_ns = t + 9, .parent_exe = "/usr/bin/make", .window_s = 10};
	in.push_back(rollup);
	Event loss = exec_event(4, t + 3);
	loss.type = EventType::Loss;
	loss.details = LossDetails{.where = "kernel_ringbuf", .what = "record", .count = 5};
	in.push_back(loss);
	Event agent = exec_event(5, t + 4);
	agent.type = EventType::Agent;
	agent.details = AgentDetails{.what = "heartbeat", .message = "ok", .version = "0.1",
				     .counters = {{"events", 10}, {"lost", 0}}};
	in.push_back(agent);
	uint64_t seq = 6;
	for (EventType nt : {EventType::Connect, EventType::Accept, EventType::Listen, EventType::Close,
			     EventType::Socket, EventType::Udp, EventType::TcpSummary}) {
		Event n = net_event(seq, t + seq, nt, 43122, 443, "198.51.100.9");
		auto &nd = std::get<NetDetails>(n.details);
		nd.backlog = 128;
		nd.duration_ns = 5;
		nd.bytes_sent = 6;
		nd.bytes_received = 7;
		nd.packets_sent = 8;
		nd.packets_received = 9;
		nd.close_by = "remote";
		nd.final_state = "fin_wait2";
		nd.op = "bind";
		nd.ifindex = 3;
		nd.ifname = "eth0";
		in.push_back(n);
		++seq;
	}
	Event f = file_event(seq++, t + 20, "/etc/ssh/sshd_config.tmp", "/etc/ssh/sshd_config");
	auto &fd = std::get<FileDetails>(f.details);
	fd.target = "/etc/x";
	fd.flags = {"created", "by_fd"};
	fd.old_mode = 0100600;
	fd.old_uid = 1;
	fd.old_gid = 2;
	fd.atime_ns = -5;
	fd.mtime_ns = 6;
	fd.diff = std::string("--- a\n+++ b\n@@ -1 +1 @@\n-\xff\n+x\n");
	fd.diff_truncated = true;
	fd.content_note = "note";
	in.push_back(f);

	AppendReport rep = s->append(in);
	REQUIRE_MESSAGE(rep.ok(), rep.error->what());
	CHECK(rep.stored == in.size());
	CHECK(s->next_seq() == seq);

	auto out = all_events(d);
	REQUIRE(out.size() == in.size());
	for (size_t i = 0; i < in.size(); ++i) {
		INFO("event " << i << " type " << to_string(in[i].type));
		CHECK(bytes_of(out[i]) == bytes_of(in[i]));
	}
}

TEST_CASE("store: seq continues across reopen, the epoch counts opens, wrong seqs are refused")
{
	TempDir d;
	uint64_t t = hour_ns(0);
	uint64_t epoch1;
	{
		auto s = Store::open(options(d));
		REQUIRE(s.ok());
		epoch1 = s->epoch();
		std::vector<Event> b{exec_event(1, t), exec_event(2, t + 1), exec_event(3, t + 2)};
		REQUIRE(s->append(b).ok());
	}
	auto s = Store::open(options(d));
	REQUIRE(s.ok());
	CHECK(s->next_seq() == 4);
	CHECK(s->epoch() == epoch1 + 1);

	// Not next_seq: refused whole, nothing stored.
	std::vector<Event> skip{exec_event(6, t + 3)};
	AppendReport r = s->append(skip);
	CHECK_FALSE(r.ok());
	CHECK(r.not_stored == 1);
	CHECK(r.error->message().find("1 of 1 events not stored") != std::string::npos);
	std::vector<Event> reuse{exec_event(3, t + 3)};
	CHECK_FALSE(s->append(reuse, Continuity::AfterLoss).ok());
	std::vector<Event> holes{exec_event(4, t + 3), exec_event(6, t + 4)};
	CHECK_FALSE(s->append(holes).ok());
	CHECK(s->next_seq() == 4);

	// After a loss of seqs 4..5 the caller says so: a new epoch, a declared gap.
	uint64_t before = s->epoch();
	std::vector<Event> b{exec_event(4, t + 3)};
	REQUIRE(s->append(b).ok());
	std::vector<Event> after{exec_event(7, t + 5), exec_event(8, t + 6)};
	AppendReport ok = s->append(after, Continuity::AfterLoss);
	REQUIRE_MESSAGE(ok.ok(), ok.error->what());
	CHECK(s->epoch() == before + 1);
	CHECK(s->next_seq() == 9);

	auto v = verify(d.path);
	REQUIRE(v.ok());
	CHECK(v->ok());
	REQUIRE(v->files.size() == 1);
	CHECK(v->files[0].events == 6);
	REQUIRE(v->files[0].notes.size() == 1);
	CHECK(v->files[0].notes[0].find("declared loss: seqs 5..6") != std::string::npos);
}

TEST_CASE("store: a batch across an hour writes both files; the earlier hour is closed read-only")
{
	TempDir d;
	auto s = Store::open(options(d));
	REQUIRE(s.ok());
	std::vector<Event> b;
	for (uint64_t i = 1; i <= 10; ++i)
		b.push_back(exec_event(i, hour_ns(0, (3590 + i) * 1'000'000'000ull)));
	// Seq 10 is at 14:00:00, in the next hour; seq 11 is late (13:59:59).
	b.push_back(exec_event(11, hour_ns(0, 3599'000'000'000ull)));
	AppendReport r = s->append(b);
	REQUIRE_MESSAGE(r.ok(), r.error->what());

	std::string h13 = d.file("2026-11-26T13"), h14 = d.file("2026-11-26T14");
	CHECK(s->current_file() == h14);
	CHECK(mode_of(h13) == 0440);
	CHECK(mode_of(h14) == 0640);
	auto hdr13 = read_db_header(h13);
	REQUIRE(hdr13);
	CHECK_FALSE(hdr13->wal); // self-contained: no -wal to copy along
	CHECK(access((h13 + "-wal").c_str(), F_OK) != 0);

	auto v = verify(d.path);
	REQUIRE(v.ok());
	CHECK(v->ok());
	REQUIRE(v->files.size() == 2);
	CHECK(v->files[0].first_seq == 1);
	CHECK(v->files[0].last_seq == 9);
	CHECK(v->files[1].first_seq == 10);
	CHECK(v->files[1].last_seq == 11); // the late event went to the current hour

	// Reopened later: the newest file continues, the closed one stays closed.
	s = Store::open(options(d)).value();
	std::vector<Event> more{exec_event(12, hour_ns(1, 5))};
	REQUIRE(s->append(more).ok());
	CHECK(s->current_file() == h14);
	CHECK(all_events(d).size() == 12);
}

TEST_CASE("store: a file left without schema by a kill during its creation is removed at open")
{
	TempDir d;
	{
		auto s = Store::open(options(d));
		REQUIRE(s.ok());
		std::vector<Event> b{exec_event(1, hour_ns(0))};
		REQUIRE(s->append(b).ok());
	}
	// What a kill between the file's creation and its first commit leaves.
	int fd = open(d.file("2026-11-26T15").c_str(), O_CREAT | O_WRONLY, 0640);
	REQUIRE(fd >= 0);
	close(fd);
	auto s = Store::open(options(d));
	REQUIRE_MESSAGE(s.ok(), (s.ok() ? "" : s.error().what()));
	CHECK(access(d.file("2026-11-26T15").c_str(), F_OK) != 0);
	CHECK(s->next_seq() == 2);
	CHECK(s->current_file() == d.file("2026-11-26T13"));
}

TEST_CASE("store: files 0640, folder 0750, group of the option when it exists")
{
	TempDir d;
	StoreOptions o = options(d);
	o.group = "nogroup"; // Debian's; `linesman` is created by the package
	struct group *g = getgrnam("nogroup");
	auto s = Store::open(o);
	REQUIRE(s.ok());
	std::vector<Event> b{exec_event(1, hour_ns(0))};
	REQUIRE(s->append(b).ok());
	struct stat st{};
	REQUIRE(stat(d.events().c_str(), &st) == 0);
	CHECK((st.st_mode & 07777) == 0750);
	// The state dir too (mkdtemp made it 0700 root:root, as an earlier agent would
	// have): group members must be able to enter it to reach events/ and status.json.
	REQUIRE(stat(d.path.c_str(), &st) == 0);
	if (g && geteuid() == 0) {
		CHECK(st.st_gid == g->gr_gid);
		CHECK((st.st_mode & 07777) == 0750);
	}
	REQUIRE(stat(s->current_file().c_str(), &st) == 0);
	CHECK((st.st_mode & 07777) == 0640);
	if (g && geteuid() == 0) {
		CHECK(st.st_gid == g->gr_gid);
		struct stat wal{};
		REQUIRE(stat((s->current_file() + "-wal").c_str(), &wal) == 0);
		CHECK(wal.st_gid == g->gr_gid);      // SQLite copies the database's owner
		CHECK((wal.st_mode & 07777) == 0640); // and mode
	}
}

TEST_CASE("store: a reader outside the group gets the path and the fix")
{
	if (geteuid() != 0) {
		MESSAGE("skipped: needs root to drop to another user");
		return;
	}
	TempDir d;
	chmod(d.path.c_str(), 0755);
	{
		auto s = Store::open(options(d));
		REQUIRE(s.ok());
		std::vector<Event> b{exec_event(1, hour_ns(0))};
		REQUIRE(s->append(b).ok());
	}
	struct passwd *nobody = getpwnam("nobody");
	REQUIRE(nobody);
	int fds[2];
	REQUIRE(pipe(fds) == 0);
	pid_t pid = fork();
	if (pid == 0) {
		close(fds[0]);
		if (setgid(nobody->pw_gid) != 0 || setuid(nobody->pw_uid) != 0)
			_exit(2);
		auto r = Reader::open(d.path);
		std::string msg = r.ok() ? "opened" : r.error().what();
		(void)!write(fds[1], msg.data(), msg.size());
		_exit(0);
	}
	close(fds[1]);
	std::string msg;
	char buf[512];
	ssize_t n;
	while ((n = read(fds[0], buf, sizeof buf)) > 0)
		msg.append(buf, size_t(n));
	close(fds[0]);
	int status = 0;
	waitpid(pid, &status, 0);
	CHECK(msg.find(d.events()) != std::string::npos);
	CHECK(msg.find("add the user to group linesman, or run as root") != std::string::npos);
}
