// SPDX-License-Identifier: Apache-2.0
// ContentTracker on real files in a scratch directory: baselines, diffs,
// secrets, binary and large files, deletions, renames, the memory budget.
#include <doctest/doctest.h>

#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

#include "fim/content.h"
#include "fim/sha256.h"

using namespace linesman::fim;

namespace {

struct ContentDir {
	std::string root;
	ContentDir()
	{
		char tmpl[] = "/tmp/linesman-fim-content-XXXXXX";
		REQUIRE(mkdtemp(tmpl) != nullptr);
		char real[PATH_MAX];
		REQUIRE(realpath(tmpl, real) != nullptr);
		root = real;
	}
	~ContentDir() { std::system(("rm -rf '" + root + "'").c_str()); }

	std::string path(const std::string &rel) const { return root + "/" + rel; }
	std::string write(const std::string &rel, const std::string &text,
			  const char *mode = "w") const
	{
		std::string p = path(rel);
		FILE *f = std::fopen(p.c_str(), mode);
		REQUIRE(f != nullptr);
		REQUIRE(std::fwrite(text.data(), 1, text.size(), f) == text.size());
		REQUIRE(std::fclose(f) == 0);
		REQUIRE(chmod(p.c_str(), 0644) == 0);
		return p;
	}
	std::string mkdir(const std::string &rel) const
	{
		REQUIRE(::mkdir(path(rel).c_str(), 0755) == 0);
		return path(rel);
	}
};

PatternSet patterns(const std::vector<std::string> &texts)
{
	auto set = PatternSet::parse(texts);
	REQUIRE_MESSAGE(set.ok(), set.error().what());
	return set.value();
}

// Tracks everything under the scratch directory; *id_* and *key* are secrets.
ContentOptions options(const ContentDir &d)
{
	ContentOptions o;
	o.track = patterns({d.root + "/"});
	o.deny = patterns({"*id_*", "*key*"});
	return o;
}

} // namespace

TEST_CASE("fim content: an appended line comes out as an exact diff")
{
	ContentDir d;
	d.mkdir("etc");
	std::string conf = d.write("etc/app.conf", "a=1\nb=2\n");
	ContentTracker t(options(d));
	CHECK(t.baseline({d.root}) == 1);
	CHECK(t.files_known() == 1);
	CHECK(t.content_bytes() == 8);

	d.write("etc/app.conf", "c=3\n", "a");
	Change c = t.observe(conf);
	CHECK(c.note == "");
	CHECK(c.diff == "--- a" + conf + "\n+++ b" + conf + "\n@@ -1,2 +1,3 @@\n a=1\n b=2\n+c=3\n");
	CHECK_FALSE(c.diff_truncated);
	CHECK(c.sha256_before == sha256_hex("a=1\nb=2\n"));
	CHECK(c.sha256_after == sha256_hex("a=1\nb=2\nc=3\n"));
	CHECK(c.before.exists);
	CHECK(c.before.size == 8);
	CHECK(c.after.size == 12);
	CHECK(S_ISREG(c.after.mode));
	CHECK(c.after.uid == getuid());

	// The new content is the new baseline.
	d.write("etc/app.conf", "a=1\nc=3\n");
	c = t.observe(conf);
	CHECK(c.diff == "--- a" + conf + "\n+++ b" + conf + "\n@@ -1,3 +1,2 @@\n a=1\n-b=2\n c=3\n");
	CHECK(t.content_bytes() == 8);
}

TEST_CASE("fim content: secrets get hashes only, and their content is never kept")
{
	ContentDir d;
	d.mkdir(".ssh");
	std::string key = d.write(".ssh/id_rsa", "-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n");
	std::string host = d.write("ssh_host_ed25519_key", "secret\n");
	ContentTracker t(options(d));
	CHECK(t.baseline({d.root}) == 2);
	CHECK(t.content_bytes() == 0);

	d.write(".ssh/id_rsa", "-----BEGIN OPENSSH PRIVATE KEY-----\nBBBB\n");
	Change c = t.observe(key);
	CHECK(c.note == kNoteSecret);
	CHECK(c.diff.empty());
	CHECK(c.sha256_before == sha256_hex("-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n"));
	CHECK(c.sha256_after == sha256_hex("-----BEGIN OPENSSH PRIVATE KEY-----\nBBBB\n"));
	CHECK(c.sha256_before != c.sha256_after);
	CHECK(t.content_bytes() == 0);

	d.write("ssh_host_ed25519_key", "other\n");
	c = t.observe(host);
	CHECK(c.note == kNoteSecret);
	CHECK(c.diff.empty());
	CHECK(c.sha256_after == sha256_hex("other\n"));
	CHECK(t.content_bytes() == 0);
}

TEST_CASE("fim content: binary files get hashes and the note \"binary\"")
{
	ContentDir d;
	std::string bin = d.write("blob.db", std::string("ab\0cd\n", 6));
	ContentTracker t(options(d));
	t.baseline({d.root});
	CHECK(t.content_bytes() == 0);
	d.write("blob.db", std::string("ab\0ce\n", 6));
	Change c = t.observe(bin);
	CHECK(c.note == kNoteBinary);
	CHECK(c.diff.empty());
	CHECK(c.sha256_before == sha256_hex(std::string("ab\0cd\n", 6)));
	CHECK(c.sha256_after == sha256_hex(std::string("ab\0ce\n", 6)));

	// Turning text again: the old side is binary, still no diff.
	d.write("blob.db", "text now\n");
	c = t.observe(bin);
	CHECK(c.note == kNoteBinary);
	CHECK(c.diff.empty());
	// Text from now on.
	d.write("blob.db", "text now\nand more\n");
	c = t.observe(bin);
	CHECK(c.note == "");
	CHECK(c.diff.find("+and more\n") != std::string::npos);
}

TEST_CASE("fim content: files over max_file_size get metadata only")
{
	ContentDir d;
	std::string big = d.write("big.conf", std::string(100, 'x') + "\n");
	std::string small = d.write("small.conf", "x\n");
	ContentOptions o = options(d);
	o.max_file_size = 64;
	ContentTracker t(std::move(o));
	CHECK(t.baseline({d.root}) == 2);
	CHECK(t.meta(big).size == 101);
	CHECK(t.content_bytes() == 2);

	d.write("big.conf", std::string(200, 'y') + "\n");
	Change c = t.observe(big);
	CHECK(c.note == "larger than max_file_size (201 bytes)");
	CHECK(c.sha256_before.empty());
	CHECK(c.sha256_after.empty());
	CHECK(c.diff.empty());
	CHECK(c.before.size == 101);
	CHECK(c.after.size == 201);

	// A small file that grows past the limit loses its hash and content.
	d.write("small.conf", std::string(80, 'z') + "\n");
	c = t.observe(small);
	CHECK(c.note == "larger than max_file_size (81 bytes)");
	CHECK(c.sha256_before == sha256_hex("x\n"));
	CHECK(c.sha256_after.empty());
	CHECK(t.content_bytes() == 0);
}

TEST_CASE("fim content: a deleted file has after.exists false and is forgotten")
{
	ContentDir d;
	std::string f = d.write("gone.conf", "x\n");
	ContentTracker t(options(d));
	t.baseline({d.root});
	CHECK(t.sha256(f) == sha256_hex("x\n"));
	REQUIRE(unlink(f.c_str()) == 0);
	Change c = t.observe(f);
	CHECK(c.before.exists);
	CHECK_FALSE(c.after.exists);
	CHECK(c.sha256_before == sha256_hex("x\n"));
	CHECK(c.sha256_after.empty());
	CHECK(c.note == "");
	CHECK(c.diff.empty());
	CHECK(t.files_known() == 0);
	CHECK(t.content_bytes() == 0);
	CHECK_FALSE(t.meta(f).exists);
	CHECK(t.sha256(f).empty());
}

TEST_CASE("fim content: rename moves the baseline, exchange swaps it")
{
	ContentDir d;
	std::string tmp = d.write("app.conf.tmp", "a\nb\n");
	std::string conf = d.path("app.conf");
	ContentTracker t(options(d));
	t.baseline({d.root});

	SUBCASE("a file, as an editor's save-by-rename does")
	{
		REQUIRE(std::rename(tmp.c_str(), conf.c_str()) == 0);
		t.rename(tmp, conf);
		CHECK_FALSE(t.meta(tmp).exists);
		CHECK(t.meta(conf).exists);
		d.write("app.conf", "a\nB\n");
		Change c = t.observe(conf);
		CHECK(c.diff == "--- a" + conf + "\n+++ b" + conf + "\n@@ -1,2 +1,2 @@\n a\n-b\n+B\n");
		CHECK(c.sha256_before == sha256_hex("a\nb\n"));
	}
	SUBCASE("over a known file, whose state is dropped")
	{
		d.write("app.conf", "old\n");
		t.observe(conf);
		CHECK(t.files_known() == 2);
		REQUIRE(std::rename(tmp.c_str(), conf.c_str()) == 0);
		t.rename(tmp, conf);
		CHECK(t.files_known() == 1);
		CHECK(t.content_bytes() == 4);
		Change c = t.observe(conf);
		CHECK(c.sha256_before == c.sha256_after);
		CHECK(c.diff.empty());
	}
	SUBCASE("a directory takes everything below it, and nothing beside it")
	{
		d.mkdir("conf.d");
		std::string a = d.write("conf.d/a.conf", "1\n");
		std::string beside = d.write("conf.d.bak", "2\n");
		t.baseline({d.root});
		t.rename(d.path("conf.d/"), d.path("new.d"));
		CHECK_FALSE(t.meta(a).exists);
		CHECK(t.meta(d.path("new.d/a.conf")).exists);
		CHECK(t.meta(beside).exists);
	}
	SUBCASE("RENAME_EXCHANGE")
	{
		d.write("app.conf", "c\n");
		t.observe(conf);
		t.exchange(tmp, conf);
		CHECK(t.meta(conf).size == 4);
		CHECK(t.meta(tmp).size == 2);
		d.write("app.conf", "a\nb\nc\n");
		Change c = t.observe(conf);
		CHECK(c.diff == "--- a" + conf + "\n+++ b" + conf + "\n@@ -1,2 +1,3 @@\n a\n b\n+c\n");
	}
}

TEST_CASE("fim content: the memory budget evicts the least recently observed first")
{
	ContentDir d;
	std::vector<std::string> files;
	for (int i = 0; i < 5; ++i)
		files.push_back(d.write("f" + std::to_string(i), "0123456789\n")); // 11 bytes each
	ContentOptions o = options(d);
	o.memory_budget = 30; // two contents fit
	ContentTracker t(std::move(o));
	CHECK(t.baseline({d.root}) == 5);
	CHECK(t.files_known() == 5);
	CHECK(t.evictions() == 3);
	CHECK(t.content_bytes() == 22);
	CHECK(t.content_bytes() <= 30);

	// Which two survived depends on the walk order; observing all five in
	// turn shows one that was evicted, and at most two diffs.
	int diffs = 0, no_baseline = 0;
	for (const std::string &f : files) {
		std::string name = f.substr(f.rfind('/') + 1);
		d.write(name, "changed-89\n");
		Change c = t.observe(f);
		CHECK(c.sha256_before == sha256_hex("0123456789\n"));
		CHECK(c.sha256_after == sha256_hex("changed-89\n"));
		if (c.note == kNoteNoBaseline)
			++no_baseline;
		else if (!c.diff.empty())
			++diffs;
		CHECK(t.content_bytes() <= 30);
	}
	CHECK(no_baseline >= 3);
	CHECK(diffs <= 2);
	CHECK(no_baseline + diffs == 5);

	// Now f3 and f4 are the most recent; observing f0 evicts f3, not f4.
	uint64_t before = t.evictions();
	d.write("f0", "again-6789\n");
	t.observe(files[0]);
	CHECK(t.evictions() == before + 1);
	d.write("f4", "again-6789\n");
	Change c4 = t.observe(files[4]);
	CHECK(c4.note == "");
	CHECK(c4.diff.find("-changed-89\n+again-6789\n") != std::string::npos);
	d.write("f3", "again-6789\n");
	CHECK(t.observe(files[3]).note == kNoteNoBaseline);

	// A content larger than the whole budget is refused, and counted.
	std::string huge = d.write("huge", std::string(40, 'h') + "\n");
	before = t.evictions();
	t.observe(huge);
	CHECK(t.evictions() == before + 1);
	CHECK(t.content_bytes() <= 30);
}

TEST_CASE("fim content: meta() keeps the old mode until the file is observed")
{
	ContentDir d;
	std::string f = d.write("sudoers", "root ALL=(ALL) ALL\n");
	ContentTracker t(options(d));
	t.baseline({d.root});
	REQUIRE(chmod(f.c_str(), 0600) == 0);
	CHECK((t.meta(f).mode & 07777) == 0644);
	CHECK(S_ISREG(t.meta(f).mode));
	Change c = t.observe(f);
	CHECK((c.before.mode & 07777) == 0644);
	CHECK((c.after.mode & 07777) == 0600);
	CHECK(c.sha256_before == c.sha256_after);
	CHECK(c.note == "");
	CHECK(c.diff.empty());
	CHECK((t.meta(f).mode & 07777) == 0600);
	CHECK_FALSE(t.meta(d.path("unknown")).exists);
}

TEST_CASE("fim content: notes for untracked, new, irregular and unreadable paths")
{
	ContentDir d;
	d.mkdir("etc");
	d.mkdir("var");
	ContentOptions o;
	o.track = patterns({d.root + "/etc/"});
	ContentTracker t(std::move(o));
	std::string log = d.write("var/app.log", "x\n");
	std::string conf = d.write("etc/new.conf", "x\n");
	CHECK(t.baseline({d.root + "/var/"}) == 1);

	d.write("var/app.log", "y\n", "a");
	Change c = t.observe(log);
	CHECK(c.note == "");
	CHECK(c.diff.empty());
	CHECK(c.sha256_after == sha256_hex("x\ny\n"));
	CHECK(t.content_bytes() == 0);

	c = t.observe(conf);
	CHECK(c.note == kNoteNoBaseline);
	CHECK_FALSE(c.before.exists);
	CHECK(c.sha256_before.empty());
	CHECK(c.sha256_after == sha256_hex("x\n"));

	std::string link = d.path("etc/link.conf");
	REQUIRE(symlink(conf.c_str(), link.c_str()) == 0);
	c = t.observe(link);
	CHECK(c.note == kNoteNotRegular);
	CHECK(c.after.exists);
	CHECK(S_ISLNK(c.after.mode));
	CHECK(c.sha256_after.empty());

	std::string fifo = d.path("etc/fifo");
	REQUIRE(mkfifo(fifo.c_str(), 0600) == 0);
	c = t.observe(fifo); // must not block
	CHECK(c.note == kNoteNotRegular);
	CHECK(S_ISFIFO(c.after.mode));

	// A regular file whose read fails, for root too: address 0 is not mapped.
	c = t.observe("/proc/self/mem");
	CHECK(c.note == "unreadable: Input/output error");
	CHECK(c.after.exists);
	CHECK(c.sha256_after.empty());
}

TEST_CASE("fim content: baseline limits, roots, and forgetting")
{
	ContentDir d;
	d.mkdir("a");
	d.mkdir("a/sub");
	d.mkdir("b");
	d.write("a/1", "1\n");
	d.write("a/sub/2", "2\n");
	d.write("b/3", "3\n");
	REQUIRE(symlink(d.path("b").c_str(), d.path("a/link").c_str()) == 0);

	ContentTracker t(options(d));
	CHECK(t.baseline({d.path("a/"), d.path("b/3"), d.path("missing")}) == 3);
	CHECK(t.meta(d.path("a/sub/2")).exists); // no "a//sub/2"
	CHECK_FALSE(t.meta(d.path("a/link/3")).exists); // symlinks are not followed

	ContentTracker limited(options(d));
	CHECK(limited.baseline({d.root}, 2) == 2);
	CHECK(limited.files_known() == 2);

	t.forget_under(d.path("a/"));
	CHECK(t.files_known() == 1);
	CHECK(t.content_bytes() == 2);
	t.forget(d.path("b/3"));
	CHECK(t.files_known() == 0);
	CHECK(t.content_bytes() == 0);
}

TEST_CASE("fim content: a long diff is cut to diff_max_bytes")
{
	ContentDir d;
	std::string text;
	for (int i = 0; i < 200; ++i)
		text += "line " + std::to_string(i) + "\n";
	std::string f = d.write("long.conf", text);
	ContentOptions o = options(d);
	o.diff_max_bytes = 256;
	ContentTracker t(std::move(o));
	t.baseline({d.root});
	std::string changed;
	for (int i = 0; i < 200; ++i)
		changed += "LINE " + std::to_string(i) + "\n";
	d.write("long.conf", changed);
	Change c = t.observe(f);
	CHECK(c.diff_truncated);
	CHECK(c.diff.size() <= 256);
	CHECK(c.diff.starts_with("--- a" + f + "\n+++ b" + f + "\n@@ -1,200 +1,200 @@\n-line 0\n"));
	CHECK(c.diff.back() == '\n');
}

TEST_CASE("fim content: a moved tracker keeps its contents and budget")
{
	ContentDir d;
	std::string a = d.write("a", "1\n");
	std::string b = d.write("b", "2\n");
	ContentOptions o = options(d);
	o.memory_budget = 4;
	ContentTracker first(std::move(o));
	first.baseline({d.root});
	ContentTracker t(std::move(first));
	CHECK(t.files_known() == 2);
	CHECK(t.content_bytes() == 4);
	d.write("c", "3\n");
	t.observe(d.path("c")); // evicts through the moved LRU list
	CHECK(t.evictions() == 1);
	CHECK(t.content_bytes() == 4);
}
