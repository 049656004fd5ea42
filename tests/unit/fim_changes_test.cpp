// SPDX-License-Identifier: Apache-2.0
// FileChanges: kernel file records -> `file` events, against real files.
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include <doctest/doctest.h>

#include "fim/changes.h"
#include "fim/sha256.h"
#include "linesman_abi.h"

using namespace linesman;
using Op = decode::FileRecord::Op;

namespace {

struct Fixture {
	std::string dir;
	fim::FileChanges fc = make();

	static std::string make_dir()
	{
		char tmpl[] = "/tmp/linesman-changes.XXXXXX";
		REQUIRE(mkdtemp(tmpl) != nullptr);
		return tmpl;
	}
	fim::FileChanges make()
	{
		dir = make_dir();
		fim::ChangesOptions o;
		o.watch = {dir + "/"};
		o.content.track = fim::PatternSet::parse({dir + "/"}).value();
		o.content.deny = fim::PatternSet::parse({"*key*"}).value();
		auto fc = fim::FileChanges::create(o);
		REQUIRE(fc);
		return std::move(fc.value());
	}
	~Fixture() { std::system(("rm -rf '" + dir + "'").c_str()); }

	std::string write(const std::string &name, const std::string &text)
	{
		std::string p = dir + "/" + name;
		std::ofstream(p, std::ios::trunc) << text;
		return p;
	}
	decode::FileRecord rec(Op op, const std::string &path, uint32_t tgid = 42)
	{
		decode::FileRecord r;
		r.op = op;
		r.path = path;
		r.hdr.tgid = tgid;
		r.hdr.tid = tgid;
		r.hdr.start_boottime = 7;
		r.hdr.ktime_ns = 1000;
		return r;
	}
};

} // namespace

TEST_CASE("fim changes: an O_CREAT open gives create, its close one write")
{
	Fixture f;
	auto open = f.rec(Op::Open, f.dir + "/new.conf");
	open.file_id = 0xabc;
	open.flags = LS_FILE_F_CREATED;
	open.mode = 0100644;
	auto out = f.fc.on_record(open);
	REQUIRE(out.size() == 1);
	CHECK(out[0].details.op == "create");
	CHECK(out[0].details.path == f.dir + "/new.conf");
	CHECK(out[0].details.mode == 0644); // permission bits, as mkdir and chmod report them
	CHECK(out[0].actor.tgid == 42);

	f.write("new.conf", "a=1\n");
	auto close = f.rec(Op::Close, "", 99); // closed by another process: the opener acts
	close.file_id = 0xabc;
	close.bytes = 4;
	close.size_after = 4;
	close.hdr.ktime_ns = 5000;
	out = f.fc.on_record(close);
	REQUIRE(out.size() == 1);
	const FileDetails &d = out[0].details;
	CHECK(d.op == "write");
	CHECK(d.path == f.dir + "/new.conf");
	CHECK(d.bytes_written == 4);
	CHECK(d.size_before == 0u);
	CHECK(d.size_after == 4u);
	CHECK(d.open_duration_ns == 4000);
	CHECK(d.flags == std::vector<std::string>{"created"});
	CHECK(d.sha256_after == fim::sha256_hex("a=1\n"));
	CHECK(out[0].actor.tgid == 42);
	CHECK(f.fc.opens().empty());
}

TEST_CASE("fim changes: O_TRUNC rewrite of a baselined file diffs against the old content")
{
	Fixture f;
	std::string p = f.write("app.conf", "port=1\nhost=a\n");
	REQUIRE(f.fc.content().baseline({f.dir}) >= 1);
	f.write("app.conf", "port=2\nhost=a\n");
	auto open = f.rec(Op::Open, p);
	open.file_id = 1;
	open.flags = LS_FILE_F_TRUNCATED;
	CHECK(f.fc.on_record(open).empty());
	auto close = f.rec(Op::Close, "");
	close.file_id = 1;
	close.bytes = 14;
	close.size_after = 14;
	auto out = f.fc.on_record(close);
	REQUIRE(out.size() == 1);
	const FileDetails &d = out[0].details;
	CHECK(d.op == "write");
	CHECK(d.flags == std::vector<std::string>{"truncated"});
	CHECK(d.size_before == 14u); // what Linesman knew: O_TRUNC emptied it before the kernel looked
	CHECK(d.diff == "--- a" + p + "\n+++ b" + p + "\n@@ -1,2 +1,2 @@\n-port=1\n+port=2\n host=a\n");
	CHECK(d.sha256_before != d.sha256_after);
	CHECK(d.sha256_before.size() == 64);
}

TEST_CASE("fim changes: an open for writing with nothing written is no change")
{
	Fixture f;
	auto open = f.rec(Op::Open, f.write("x", "x\n"));
	open.file_id = 5;
	f.fc.on_record(open);
	auto close = f.rec(Op::Close, "");
	close.file_id = 5;
	CHECK(f.fc.on_record(close).empty());
	auto orphan = f.rec(Op::Close, "");
	orphan.file_id = 6;
	orphan.bytes = 3;
	CHECK(f.fc.on_record(orphan).empty());
	CHECK(f.fc.stats().unpaired_closes == 1);
}

TEST_CASE("fim changes: atomic replace by rename diffs against the replaced file")
{
	Fixture f;
	std::string target = f.write("sshd_config", "PermitRootLogin no\n");
	f.fc.content().baseline({f.dir});
	std::string tmp = f.write("sedAb12", "PermitRootLogin yes\n");
	REQUIRE(rename(tmp.c_str(), target.c_str()) == 0);
	auto r = f.rec(Op::Rename, tmp);
	r.path2 = target;
	auto out = f.fc.on_record(r);
	REQUIRE(out.size() == 1);
	const FileDetails &d = out[0].details;
	CHECK(d.op == "rename");
	CHECK(d.path == tmp);
	CHECK(d.new_path == target);
	CHECK(d.diff == "--- a" + target + "\n+++ b" + target +
			       "\n@@ -1 +1 @@\n-PermitRootLogin no\n+PermitRootLogin yes\n");
}

TEST_CASE("fim changes: path operations are normalised and re-checked against the watch")
{
	Fixture f;
	std::string p = f.write("mode", "m\n");
	REQUIRE(chmod(p.c_str(), 0644) == 0);
	f.fc.content().baseline({f.dir});
	REQUIRE(chmod(p.c_str(), 0600) == 0);
	auto r = f.rec(Op::Chmod, "/tmp/../" + f.dir.substr(1) + "/./mode");
	r.mode = 0600;
	auto out = f.fc.on_record(r);
	REQUIRE(out.size() == 1);
	CHECK(out[0].details.path == p);
	CHECK(out[0].details.mode == 0600);
	REQUIRE(out[0].details.old_mode);
	CHECK(*out[0].details.old_mode == 0644);

	auto outside = f.rec(Op::Chmod, f.dir + "/../elsewhere");
	CHECK(f.fc.on_record(outside).empty());
	CHECK(f.fc.stats().filtered == 1);
}

TEST_CASE("fim changes: a deny-listed file gets hashes, never a diff")
{
	Fixture f;
	std::string p = f.write("server.key", "secret-1\n");
	f.fc.content().baseline({f.dir});
	f.write("server.key", "secret-2\n");
	auto open = f.rec(Op::Open, p);
	open.file_id = 9;
	f.fc.on_record(open);
	auto close = f.rec(Op::Close, "");
	close.file_id = 9;
	close.bytes = 9;
	auto out = f.fc.on_record(close);
	REQUIRE(out.size() == 1);
	CHECK(out[0].details.diff.empty());
	CHECK(out[0].details.content_note == "secret: hashes only");
	CHECK(out[0].details.sha256_before.size() == 64);
	CHECK(out[0].details.sha256_after.size() == 64);
	CHECK(out[0].details.sha256_before != out[0].details.sha256_after);
}

TEST_CASE("fim changes: mkdir, rmdir and directory renames ask for a rescan")
{
	Fixture f;
	auto r = f.rec(Op::Mkdir, f.dir + "/d");
	r.mode = 0755;
	auto out = f.fc.on_record(r);
	REQUIRE(out.size() == 1);
	CHECK(out[0].details.op == "mkdir");
	CHECK(out[0].details.mode == 0755);
	CHECK(f.fc.take_rescan_hint());
	CHECK_FALSE(f.fc.take_rescan_hint());
}

TEST_CASE("fim changes: a close nobody saw is reported with the kernel's count")
{
	Fixture f;
	auto open = f.rec(Op::Open, f.write("held", "abc\n"));
	open.file_id = 77;
	f.fc.on_record(open);
	auto c = f.fc.on_unobserved_close(77, 4, 9000);
	REQUIRE(c);
	CHECK(c->details.op == "write");
	CHECK(c->details.bytes_written == 4);
	CHECK(c->details.flags.back() == "close_unobserved");
	CHECK_FALSE(f.fc.on_unobserved_close(77, 4, 9000));
}
