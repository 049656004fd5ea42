// SPDX-License-Identifier: Apache-2.0
// Path patterns: parsing and its refusals, matching by kind, the literal
// prefix, and expansion against a real directory tree.
#include <doctest/doctest.h>

#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

#include "fim/pattern.h"

using namespace linesman::fim;

namespace {

PathPattern pattern(const std::string &text)
{
	auto p = PathPattern::parse(text);
	REQUIRE_MESSAGE(p.ok(), p.error().what());
	return p.value();
}

std::string refusal(const std::string &text)
{
	auto p = PathPattern::parse(text);
	REQUIRE_FALSE(p.ok());
	return p.error().what();
}

// A scratch tree, given by its canonical path so expectations are exact.
struct PatternDir {
	std::string path;
	PatternDir()
	{
		char tmpl[] = "/tmp/linesman-fim-pattern-XXXXXX";
		REQUIRE(mkdtemp(tmpl) != nullptr);
		char real[PATH_MAX];
		REQUIRE(realpath(tmpl, real) != nullptr);
		path = real;
	}
	~PatternDir() { std::system(("rm -rf '" + path + "'").c_str()); }

	void mkdir(const std::string &rel) const { REQUIRE(::mkdir((path + rel).c_str(), 0755) == 0); }
	void touch(const std::string &rel) const
	{
		FILE *f = std::fopen((path + rel).c_str(), "w");
		REQUIRE(f != nullptr);
		std::fclose(f);
	}
	void symlink(const std::string &target, const std::string &rel) const
	{
		REQUIRE(::symlink(target.c_str(), (path + rel).c_str()) == 0);
	}
};

} // namespace

TEST_CASE("fim pattern: refusals say why")
{
	CHECK(refusal("") == "path pattern \"\" is empty");
	CHECK(refusal("etc/passwd").find("is relative but has a '/'") != std::string::npos);
	CHECK(refusal("/etc/../shadow").find("\"..\" segment") != std::string::npos);
	CHECK(refusal("/etc/./shadow").find("\".\" or \"..\" segment") != std::string::npos);
	CHECK(refusal("..").find("no file is named") != std::string::npos);
	CHECK(refusal("/etc//shadow").find("empty segment") != std::string::npos);
	CHECK(refusal(std::string("/etc/\0x", 7)) == "path pattern \"/etc/\\0x\" contains a NUL byte");
	CHECK(refusal("/" + std::string(4095, 'a')).find("is 4096 bytes long; paths are at most 4095") !=
	      std::string::npos);
	CHECK(PathPattern::parse("/" + std::string(4094, 'a')).ok());
	// ".." inside a name is just a name.
	CHECK(PathPattern::parse("/etc/a..b").ok());
	CHECK(PathPattern::parse("*..bak").ok());
	CHECK(PathPattern::parse("/").ok());
}

TEST_CASE("fim pattern: exact paths and globs within one segment")
{
	PathPattern exact = pattern("/etc/ssh/sshd_config");
	CHECK(exact.matches("/etc/ssh/sshd_config"));
	CHECK_FALSE(exact.matches("/etc/ssh/sshd_config.d/x.conf"));
	CHECK_FALSE(exact.matches("/etc/ssh"));

	PathPattern glob = pattern("/etc/ssh/sshd_config.d/*.conf");
	CHECK(glob.matches("/etc/ssh/sshd_config.d/10-a.conf"));
	CHECK(glob.matches("/etc/ssh/sshd_config.d/.hidden.conf"));
	CHECK_FALSE(glob.matches("/etc/ssh/sshd_config.d/sub/10-a.conf"));
	CHECK_FALSE(glob.matches("/etc/ssh/sshd_config.d/10-a.conf.bak"));

	PathPattern q = pattern("/etc/rc?.d/S[0-9]*");
	CHECK(q.matches("/etc/rc2.d/S01ssh"));
	CHECK_FALSE(q.matches("/etc/rc2.d/K01ssh"));
	CHECK_FALSE(q.matches("/etc/rc/.d/S01ssh"));
	CHECK_FALSE(exact.subtree());
	CHECK_FALSE(exact.basename_only());
}

TEST_CASE("fim pattern: a trailing '/' is the directory and everything below")
{
	PathPattern ssh = pattern("/home/*/.ssh/");
	CHECK(ssh.subtree());
	CHECK(ssh.matches("/home/alice/.ssh"));
	CHECK(ssh.matches("/home/alice/.ssh/authorized_keys"));
	CHECK(ssh.matches("/home/alice/.ssh/keys/deep/id_ed25519"));
	CHECK_FALSE(ssh.matches("/home/alice/.sshx/config"));
	CHECK_FALSE(ssh.matches("/home/alice/x/.ssh/config"));
	CHECK_FALSE(ssh.matches("/home/.ssh/config"));

	PathPattern etc = pattern("/etc/ssh/");
	CHECK(etc.matches("/etc/ssh/sshd_config"));
	CHECK_FALSE(etc.matches("/etc/sshd/x"));
	CHECK_FALSE(etc.matches("/etc"));

	PathPattern star = pattern("/home/*/");
	CHECK(star.matches("/home/alice/a/b"));
	CHECK_FALSE(star.matches("/home"));

	PathPattern root = pattern("/");
	CHECK(root.matches("/"));
	CHECK(root.matches("/etc/passwd"));
}

TEST_CASE("fim pattern: a pattern without '/' matches base names anywhere")
{
	PathPattern key = pattern("*key*");
	CHECK(key.basename_only());
	CHECK(key.matches("/etc/ssh/ssh_host_ed25519_key"));
	CHECK(key.matches("/home/bob/.ssh/authorized_keys"));
	CHECK_FALSE(key.matches("/etc/keys.d/readme")); // a directory on the way does not count
	PathPattern pem = pattern("*.pem");
	CHECK(pem.matches("/etc/ssl/private/server.pem"));
	CHECK(pem.matches("/.pem"));
	CHECK_FALSE(pem.matches("/etc/ssl/private/server.pem.old"));
}

TEST_CASE("fim pattern: the literal prefix")
{
	CHECK(pattern("/home/*/.ssh/").fixed_prefix() == "/home/");
	CHECK(pattern("/etc/ssh/").fixed_prefix() == "/etc/ssh/");
	CHECK(pattern("/etc/passwd").fixed_prefix() == "/etc/");
	CHECK(pattern("/etc/ssh*").fixed_prefix() == "/etc/");
	CHECK(pattern("/etc/rc[0-6].d/").fixed_prefix() == "/etc/");
	CHECK(pattern("/*").fixed_prefix() == "/");
	CHECK(pattern("/").fixed_prefix() == "/");
	CHECK(pattern("*.pem").fixed_prefix() == "");
}

TEST_CASE("fim pattern: sets match any member and name the first bad entry")
{
	auto set = PatternSet::parse({"/etc/passwd", "/etc/ssh/", "*.pem"});
	REQUIRE(set.ok());
	CHECK(set->patterns().size() == 3);
	CHECK(set->matches("/etc/passwd"));
	CHECK(set->matches("/etc/ssh/sshd_config"));
	CHECK(set->matches("/srv/tls/a.pem"));
	CHECK_FALSE(set->matches("/etc/shadow"));
	CHECK_FALSE(PatternSet().matches("/etc/passwd"));

	auto bad = PatternSet::parse({"/etc/passwd", "", "etc/x"});
	REQUIRE_FALSE(bad.ok());
	CHECK(bad.error().message() == "path pattern [1] \"\" is empty");
}

TEST_CASE("fim pattern: expansion finds what exists now, through symlinks")
{
	PatternDir d;
	d.mkdir("/home");
	d.mkdir("/home/alice");
	d.mkdir("/home/alice/.ssh");
	d.mkdir("/home/bob");
	d.mkdir("/home/bob/.ssh");
	d.mkdir("/home/carol"); // no .ssh
	d.mkdir("/data");
	d.mkdir("/data/dave");
	d.mkdir("/data/dave/.ssh");
	d.symlink(d.path + "/data/dave", "/home/dave");
	d.touch("/home/alice/.ssh/authorized_keys");
	d.touch("/home/bob/.ssh/authorized_keys");
	d.touch("/home/eve"); // a file where a directory could be

	SUBCASE("subtree with a glob: two plain matches and one through a symlink")
	{
		CHECK(pattern(d.path + "/home/*/.ssh/").expand() ==
		      std::vector<std::string>{d.path + "/data/dave/.ssh", d.path + "/home/alice/.ssh",
					       d.path + "/home/bob/.ssh", d.path + "/home/dave/.ssh"});
	}
	SUBCASE("a subtree names directories only")
	{
		CHECK(pattern(d.path + "/home/*/").expand() ==
		      std::vector<std::string>{d.path + "/data/dave", d.path + "/home/alice",
					       d.path + "/home/bob", d.path + "/home/carol",
					       d.path + "/home/dave"});
	}
	SUBCASE("files by glob, hidden names included, '.' and '..' not")
	{
		CHECK(pattern(d.path + "/home/*/.ssh/authorized_keys").expand() ==
		      std::vector<std::string>{d.path + "/home/alice/.ssh/authorized_keys",
					       d.path + "/home/bob/.ssh/authorized_keys"});
		CHECK(pattern(d.path + "/home/alice/*").expand() ==
		      std::vector<std::string>{d.path + "/home/alice/.ssh"});
	}
	SUBCASE("nothing there, a dangling symlink, a base name")
	{
		CHECK(pattern(d.path + "/home/nobody/.ssh/").expand().empty());
		CHECK(pattern(d.path + "/nothing*").expand().empty());
		d.symlink(d.path + "/gone", "/home/zed");
		CHECK(pattern(d.path + "/home/zed").expand().empty());
		CHECK(pattern("authorized_keys").expand().empty());
	}
	SUBCASE("a literal path is returned as is when it exists")
	{
		CHECK(pattern(d.path + "/home/alice/.ssh/").expand() ==
		      std::vector<std::string>{d.path + "/home/alice/.ssh"});
		CHECK(pattern(d.path + "/home/eve").expand() ==
		      std::vector<std::string>{d.path + "/home/eve"});
		CHECK(pattern(d.path + "/home/eve/").expand().empty());
	}
}
