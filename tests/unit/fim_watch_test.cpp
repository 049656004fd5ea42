// SPDX-License-Identifier: Apache-2.0
// Watch resolution (patterns -> inodes, patterns and aliases) against real
// directory trees, and lexical path normalisation.
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <string>

#include <doctest/doctest.h>

#include "fim/watch.h"

using namespace linesman;

namespace {

struct TempTree {
	std::string root;
	TempTree()
	{
		char tmpl[] = "/tmp/linesman-watch.XXXXXX";
		REQUIRE(mkdtemp(tmpl) != nullptr);
		root = tmpl;
	}
	~TempTree() { std::system(("rm -rf '" + root + "'").c_str()); }
	std::string mkdir(const std::string &rel)
	{
		std::string p = root + "/" + rel;
		REQUIRE(std::system(("mkdir -p '" + p + "'").c_str()) == 0);
		return p;
	}
	std::string write(const std::string &rel, const std::string &text)
	{
		std::string p = root + "/" + rel;
		std::ofstream(p) << text;
		return p;
	}
};

bool has(const std::vector<std::string> &v, const std::string &s)
{
	return std::find(v.begin(), v.end(), s) != v.end();
}

probe::FileWatchSet::Inode inode_of(const std::string &path)
{
	struct stat st{};
	REQUIRE(stat(path.c_str(), &st) == 0);
	return {uint64_t(st.st_ino), fim::kernel_dev(st.st_dev)};
}

bool has_inode(const std::vector<probe::FileWatchSet::Inode> &v, probe::FileWatchSet::Inode in)
{
	return std::any_of(v.begin(), v.end(), [&](const auto &x) { return x.ino == in.ino && x.dev == in.dev; });
}

} // namespace

TEST_CASE("fim watch: normalize_path is lexical")
{
	CHECK(fim::normalize_path("/etc/ssh/sshd_config") == "/etc/ssh/sshd_config");
	CHECK(fim::normalize_path("/tmp/../etc//passwd") == "/etc/passwd");
	CHECK(fim::normalize_path("//etc/./shadow") == "/etc/shadow");
	CHECK(fim::normalize_path("/etc/ssh/..") == "/etc");
	CHECK(fim::normalize_path("/../..") == "/");
	CHECK(fim::normalize_path("/etc/") == "/etc");
}

TEST_CASE("fim watch: kernel_dev converts stat's encoding to the kernel's")
{
	CHECK(fim::kernel_dev(makedev(8, 1)) == ((8u << 20) | 1u));
	CHECK(fim::kernel_dev(makedev(259, 300)) == ((259u << 20) | 300u));
	CHECK(fim::kernel_dev(makedev(0, 40)) == 40u);
}

TEST_CASE("fim watch: globs expand to the inodes of existing directories")
{
	TempTree t;
	std::string a = t.mkdir("home/alice/.ssh"), b = t.mkdir("home/bob/.ssh");
	t.mkdir("home/carol"); // no .ssh: nothing to watch yet
	std::string etc = t.mkdir("etc");
	std::string secret = t.write("etc/shadow", "root:x\n");
	t.write("etc/passwd", "root\n");

	std::string mountinfo = t.write("mountinfo", "");
	fim::WatchConfig cfg{{t.root + "/home/*/.ssh/", t.root + "/etc/"}, {t.root + "/etc/shadow"}, true};
	auto r = fim::resolve_watch(cfg, {mountinfo, t.root});
	REQUIRE(r);
	CHECK(r->kernel.dirs.size() == 3);
	CHECK(has_inode(r->kernel.dirs, inode_of(a)));
	CHECK(has_inode(r->kernel.dirs, inode_of(b)));
	CHECK(has_inode(r->kernel.dirs, inode_of(etc)));
	REQUIRE(r->kernel.sensitive.size() == 1);
	CHECK(has_inode(r->kernel.sensitive, inode_of(secret)));
	CHECK(r->kernel.sensitive_reads);
	CHECK(r->patterns.front() == t.root + "/home/*/.ssh/");
	CHECK(has(r->patterns, t.root + "/etc/"));
	CHECK(r->kernel.patterns == r->patterns);
	CHECK(has(r->dirs, a));
}

TEST_CASE("fim watch: a top-level symlink and a bind mount give aliases")
{
	TempTree t;
	std::string sys = t.mkdir("usr/lib/systemd/system");
	REQUIRE(symlink("usr/lib", (t.root + "/lib").c_str()) == 0);
	struct stat st{};
	REQUIRE(stat(sys.c_str(), &st) == 0);
	// A bind mount of <root>/usr/lib at /mnt/lib, on the same device.
	std::string mountinfo = t.write(
		"mountinfo", "22 1 " + std::to_string(major(st.st_dev)) + ":" + std::to_string(minor(st.st_dev)) +
				     " " + t.root + "/usr/lib /mnt/lib rw - ext4 /dev/x rw\n" +
				     "23 1 " + std::to_string(major(st.st_dev)) + ":" + std::to_string(minor(st.st_dev)) +
				     " " + sys + "/sub\\040dir /mnt/units rw - ext4 /dev/x rw\n" +
				     "24 1 0:99 / /mnt/other rw - tmpfs tmpfs rw\n");
	fim::WatchConfig cfg{{sys + "/"}, {}, false};
	auto r = fim::resolve_watch(cfg, {mountinfo, t.root});
	REQUIRE(r);
	CHECK(has(r->patterns, t.root + "/lib/systemd/system/")); // top-level symlink <root>/lib -> usr/lib
	CHECK(has(r->patterns, "/mnt/lib/systemd/system/")); // the bind mount shows the watched dir
	CHECK(has(r->patterns, "/mnt/units/"));           // the bind mount shows a part of it (\040 = space)
	CHECK_FALSE(has(r->patterns, "/mnt/other/"));     // another device
}

TEST_CASE("fim watch: bad patterns are refused with the reason")
{
	auto r = fim::resolve_watch({{"/etc"}, {}, false});
	REQUIRE_FALSE(r);
	CHECK(r.error().what().find("end it with '/'") != std::string::npos);
	auto r2 = fim::resolve_watch({{"relative/dir/"}, {}, false});
	REQUIRE_FALSE(r2);
	CHECK(r2.error().what().find("files.watch") != std::string::npos);
}
