// SPDX-License-Identifier: Apache-2.0
// The file sensor against real files in the real kernel: each test changes a
// watched directory the way editors, package managers, shells and admins do,
// and asserts the event each change gives: op, path, process, mode, owner,
// sizes, hashes and the exact diff (computed here by GNU diff itself).
#include <fcntl.h>
#include <linux/limits.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/evp.h>

#include <algorithm>
#include <cstdio> // RENAME_EXCHANGE, RENAME_NOREPLACE
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>

#include <doctest/doctest.h>

#include "harness.h"

using namespace linesman;
using namespace linesman::test;

// Failures print optional fields as their value, not "{?}".
template <typename T>
struct doctest::StringMaker<std::optional<T>> {
	static doctest::String convert(const std::optional<T> &v)
	{
		return v ? doctest::toString(*v) : doctest::String("nullopt");
	}
};

namespace {

void put(const std::string &path, const std::string &content, mode_t mode = 0644)
{
	std::ofstream f(path, std::ios::binary | std::ios::trunc);
	f << content;
	f.close();
	REQUIRE(f.good());
	REQUIRE(chmod(path.c_str(), mode) == 0);
}

std::string slurp(const std::string &path)
{
	std::ifstream f(path, std::ios::binary);
	std::stringstream ss;
	ss << f.rdbuf();
	return ss.str();
}

// The sensor's own environment: a watched directory W, unwatched siblings U
// (operations that must give no event), M (mount points) and T (scratch).
struct Fim {
	std::string base, W, U, M, T, H; // H/*/.ssh/ is watched: a glob over directories made later
	std::unique_ptr<Collector> c;

	Fim()
	{
		char tmpl[] = "/var/tmp/linesman-fim.XXXXXX"; // ext4, not tmpfs
		REQUIRE(mkdtemp(tmpl) != nullptr);
		base = tmpl;
		W = base + "/W";
		U = base + "/U";
		M = base + "/M";
		T = base + "/T";
		H = base + "/H";
		for (const auto &d : {W, U, M, T, H, W + "/creds", W + "/edit", W + "/attr"})
			REQUIRE(mkdir(d.c_str(), 0755) == 0);
		// Files present at start are baselined: their later changes diff against this.
		put(W + "/edit/conf", "alpha\nbeta\ngamma\ndelta\n");
		put(W + "/sed.conf", "port 22\nuser root\nlisten any\n");
		put(W + "/inst.conf", "old install\n");
		put(W + "/cp.conf", "old 1\nold 2\nkeep\n");
		put(W + "/app.conf", "first\n");
		put(W + "/pkg.conf", "# pkg\nopt=1\nmode=fast\nend\n");
		put(W + "/attr/mode.conf", "m\n", 0644);
		put(W + "/attr/own.conf", "o\n", 0644);
		put(W + "/attr/times.conf", "t\n", 0644);
		put(W + "/gone.conf", "bye\n");
		put(W + "/trunc.conf", "0123456789\n");
		put(W + "/empty-me.conf", "abc\n");
		put(W + "/untouched.conf", "same\n");
		put(W + "/xa", "A1\nA2\n");
		put(W + "/xb", "B1\nB2\nB3\n");
		put(W + "/server.key", "KEY-ONE\n", 0600);
		put(W + "/bulk.conf", "");
		put(W + "/churn.conf", "");
		// Sensitive files are resolved to inodes at start: create them first.
		put(W + "/creds/id_test", "PRIVATE\n", 0600);
		put(W + "/creds/other", "public\n");

		agent::Config cfg = test_config();
		cfg.files.watch = {W + "/", H + "/*/.ssh/"};
		cfg.files.rescan_s = 1;
		cfg.files.content.track = {W + "/"};
		cfg.files.sensitive_reads.enabled = true;
		cfg.files.sensitive_reads.paths = {W + "/creds/id_*"};
		c = std::make_unique<Collector>(cfg);
	}
	~Fim()
	{
		c.reset();
		std::system(("umount -l " + M + "/bind 2>/dev/null; umount -l " + W + "/bound-in 2>/dev/null; rm -rf " +
			     base).c_str());
	}
};

Fim &fim()
{
	static Fim f;
	return f;
}

const FileDetails &file_of(const Event &ev)
{
	REQUIRE(std::holds_alternative<FileDetails>(ev.details));
	return std::get<FileDetails>(ev.details);
}

const FileDetails *file_if(const Event &ev)
{
	return ev.type == EventType::File ? std::get_if<FileDetails>(&ev.details) : nullptr;
}

bool has_flag(const FileDetails &d, const std::string &flag)
{
	return std::find(d.flags.begin(), d.flags.end(), flag) != d.flags.end();
}

std::string flags_of(const FileDetails &d)
{
	std::string s;
	for (const auto &f : d.flags)
		s += (s.empty() ? "" : ",") + f;
	return s;
}

uint64_t mark()
{
	return fim().c->last_seq();
}

// The first `op` event on `path` after seq `since`.
std::optional<Event> wait_file(const std::string &op, const std::string &path, uint64_t since,
			       std::chrono::milliseconds timeout = 5s)
{
	auto ev = fim().c->wait_for(
	    [&](const Event &e) {
		    const FileDetails *d = file_if(e);
		    return e.seq > since && d && d->op == op && d->path == path;
	    },
	    timeout);
	if (!ev && timeout > 0ms)
		MESSAGE("no '" << op << "' event for " << path);
	return ev;
}

// The file events in (since, until], but the sentinel's.
std::vector<Event> files_between(uint64_t since, uint64_t until)
{
	std::vector<Event> out;
	for (Event &e : fim().c->snapshot())
		if (e.seq > since && e.seq <= until && file_if(e) && file_if(e)->path != fim().W + "/sentinel")
			out.push_back(std::move(e));
	return out;
}

// A watched write of our own, waited for: every event of what came before it
// has been emitted by then. Returns the sentinel event's seq.
uint64_t sentinel()
{
	std::string file = fim().W + "/sentinel";
	uint64_t since = mark();
	{
		std::ofstream f(file, std::ios::trunc);
		f << "sentinel " << since << "\n";
	}
	auto ev = wait_file("write", file, since);
	REQUIRE(ev);
	return ev->seq;
}

// Runs `body` in a forked child (syscalls only: the parent has threads) and
// waits for it; the child must exit 0. Returns its pid.
template <typename F>
pid_t in_child(F body)
{
	pid_t pid = fork();
	REQUIRE(pid >= 0);
	if (pid == 0)
		_exit(body());
	int status = wait_status(pid);
	CHECK_MESSAGE((WIFEXITED(status) && WEXITSTATUS(status) == 0), "child exit status " << status);
	return pid;
}

bool write_str(int fd, const char *s)
{
	size_t n = strlen(s);
	return write(fd, s, n) == ssize_t(n);
}

// open, write, close: 0 on success, else the step that failed.
int write_file(const char *path, int flags, const char *content, mode_t mode = 0644)
{
	int fd = open(path, flags, mode);
	if (fd < 0)
		return 1;
	if (!write_str(fd, content))
		return 2;
	return close(fd) == 0 ? 0 : 3;
}

std::string sha256_hex(const std::string &data)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0;
	REQUIRE(EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr) == 1);
	static const char hex[] = "0123456789abcdef";
	std::string out;
	for (unsigned i = 0; i < len; ++i) {
		out += hex[md[i] >> 4];
		out += hex[md[i] & 15];
	}
	return out;
}

// What GNU `diff -u` says, with the two header lines Linesman writes.
std::string gnu_diff(const std::string &old_text, const std::string &new_text, const std::string &path)
{
	std::string a = fim().T + "/diff-old", b = fim().T + "/diff-new";
	put(a, old_text);
	put(b, new_text);
	FILE *p = popen(("/usr/bin/diff -u " + a + " " + b).c_str(), "r");
	REQUIRE(p != nullptr);
	std::string out;
	char buf[4096];
	size_t n;
	while ((n = fread(buf, 1, sizeof(buf), p)) > 0)
		out.append(buf, n);
	pclose(p);
	if (out.empty())
		return out;
	size_t first = out.find('\n'), second = out.find('\n', first + 1);
	REQUIRE(second != std::string::npos);
	return "--- a" + path + "\n+++ b" + path + "\n" + out.substr(second + 1);
}

std::string realpath_of(const std::string &p)
{
	char buf[PATH_MAX];
	REQUIRE(realpath(p.c_str(), buf) != nullptr);
	return buf;
}

void check_process(const Event &ev, const std::string &exe, const std::string &comm)
{
	CHECK(ev.process.exe == realpath_of(exe));
	CHECK(ev.process.comm == comm);
	CHECK(ev.process.uid == 0);
}

} // namespace

TEST_CASE("file: editor writes a swap file, then renames it over the original")
{
	auto &f = fim();
	std::string conf = f.W + "/edit/conf", swp = f.W + "/edit/.conf.swp";
	std::string before = "alpha\nbeta\ngamma\ndelta\n", after = "alpha\nBETA\ngamma\ndelta\nepsilon\n";
	uint64_t since = mark();
	pid_t pid = in_child([&] {
		umask(0);
		int fd = open(swp.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0644);
		if (fd < 0 || !write_str(fd, after.c_str()) || fsync(fd) != 0 || close(fd) != 0)
			return 1;
		return rename(swp.c_str(), conf.c_str()) == 0 ? 0 : 2;
	});

	auto cr = wait_file("create", swp, since);
	REQUIRE(cr);
	CHECK(cr->process.pid == uint32_t(pid));
	CHECK(file_of(*cr).mode == 0644);
	CHECK(file_of(*cr).uid == 0);
	CHECK(file_of(*cr).gid == 0);

	auto wr = wait_file("write", swp, since);
	REQUIRE(wr);
	const FileDetails &w = file_of(*wr);
	INFO("flags: " << flags_of(w));
	CHECK(wr->process.pid == uint32_t(pid));
	CHECK(has_flag(w, "created"));
	CHECK(w.bytes_written == after.size());
	CHECK(w.size_after == after.size());
	// No content check here: the agent reads content when it handles the
	// event, and by then the swap file is gone. The rename carries it.

	auto rn = wait_file("rename", swp, since);
	REQUIRE(rn);
	const FileDetails &r = file_of(*rn);
	INFO("flags: " << flags_of(r));
	CHECK(rn->process.pid == uint32_t(pid));
	CHECK(r.new_path == conf);
	CHECK(r.flags.empty());
	CHECK(r.sha256_before == sha256_hex(before));
	CHECK(r.sha256_after == sha256_hex(after));
	CHECK(r.size_after == after.size());
	// Literal once, to show the format; the other tests ask GNU diff.
	CHECK(r.diff == "--- a" + conf + "\n+++ b" + conf +
				"\n"
				"@@ -1,4 +1,5 @@\n"
				" alpha\n"
				"-beta\n"
				"+BETA\n"
				" gamma\n"
				" delta\n"
				"+epsilon\n");
	CHECK(r.diff == gnu_diff(before, after, conf));
	CHECK(r.content_note == "");
	CHECK(wr->seq < rn->seq);
}

TEST_CASE("file: sed -i (temporary file renamed over the original)")
{
	auto &f = fim();
	std::string conf = f.W + "/sed.conf";
	std::string before = "port 22\nuser root\nlisten any\n", after = "port 22\nuser nobody\nlisten any\n";
	uint64_t since = mark();
	sh("sed -i 's/user root/user nobody/' " + conf);
	REQUIRE(slurp(conf) == after);

	auto rn = fim().c->wait_for([&](const Event &e) {
		const FileDetails *d = file_if(e);
		return e.seq > since && d && d->op == "rename" && d->new_path == conf;
	});
	REQUIRE(rn);
	const FileDetails &r = file_of(*rn);
	INFO("flags: " << flags_of(r));
	check_process(*rn, "/bin/sed", "sed");
	CHECK(r.path.rfind(f.W + "/sed", 0) == 0); // sed's temporary: W/sedXXXXXX
	CHECK(r.path != conf);
	CHECK(r.sha256_before == sha256_hex(before));
	CHECK(r.sha256_after == sha256_hex(after));
	CHECK(r.diff == gnu_diff(before, after, conf));

	// The temporary's own write, by sed.
	auto wr = wait_file("write", r.path, since);
	REQUIRE(wr);
	check_process(*wr, "/bin/sed", "sed");
	CHECK(file_of(*wr).bytes_written == after.size());
	CHECK(has_flag(file_of(*wr), "created"));
}

TEST_CASE("file: install -m 600 (unlink, create exclusively, copy, chmod)")
{
	auto &f = fim();
	std::string conf = f.W + "/inst.conf", src = f.T + "/inst.src";
	std::string content = "installed line 1\ninstalled line 2\n";
	put(src, content);
	uint64_t since = mark();
	sh("install -m 600 " + src + " " + conf);

	auto ul = wait_file("unlink", conf, since);
	REQUIRE(ul);
	check_process(*ul, "/bin/install", "install");
	CHECK(file_of(*ul).size_before == std::string("old install\n").size());
	CHECK(file_of(*ul).sha256_before == sha256_hex("old install\n"));

	auto cr = wait_file("create", conf, since);
	REQUIRE(cr);
	check_process(*cr, "/bin/install", "install");
	CHECK(file_of(*cr).mode == 0600);
	CHECK(file_of(*cr).uid == 0);
	CHECK(file_of(*cr).gid == 0);

	auto wr = wait_file("write", conf, since);
	REQUIRE(wr);
	const FileDetails &w = file_of(*wr);
	INFO("flags: " << flags_of(w));
	check_process(*wr, "/bin/install", "install");
	CHECK(has_flag(w, "created"));
	CHECK(w.bytes_written == content.size()); // through copy_file_range
	CHECK(w.size_after == content.size());
	CHECK(w.sha256_after == sha256_hex(content));
	CHECK((w.mode & 07777) == 0600);

	auto ch = wait_file("chmod", conf, since);
	REQUIRE(ch);
	check_process(*ch, "/bin/install", "install");
	CHECK(file_of(*ch).mode == 0600);
	CHECK(file_of(*ch).old_mode == 0600u);
	CHECK(ul->seq < cr->seq);
	CHECK(cr->seq < wr->seq);
	CHECK(wr->seq < ch->seq);
}

TEST_CASE("file: cp over an existing file (O_TRUNC, copy_file_range)")
{
	auto &f = fim();
	std::string conf = f.W + "/cp.conf", src = f.T + "/cp.src";
	std::string before = "old 1\nold 2\nkeep\n", after = "new 1\nkeep\nnew 3\n";
	put(src, after);
	uint64_t since = mark();
	sh("cp " + src + " " + conf);

	auto wr = wait_file("write", conf, since);
	REQUIRE(wr);
	const FileDetails &w = file_of(*wr);
	INFO("flags: " << flags_of(w));
	check_process(*wr, "/bin/cp", "cp");
	CHECK(has_flag(w, "truncated"));
	CHECK_FALSE(has_flag(w, "created"));
	CHECK(w.bytes_written == after.size());
	CHECK(w.size_before == before.size()); // what Linesman knew: O_TRUNC emptied it first
	CHECK(w.size_after == after.size());
	CHECK(w.sha256_before == sha256_hex(before));
	CHECK(w.sha256_after == sha256_hex(after));
	CHECK(w.diff == gnu_diff(before, after, conf));
	CHECK((w.mode & 07777) == 0644);
	struct stat st{};
	REQUIRE(stat(conf.c_str(), &st) == 0);
	CHECK(w.inode == st.st_ino);
	CHECK(w.dev == ((major(st.st_dev) << 20) | minor(st.st_dev)));
	CHECK_FALSE(wait_file("create", conf, since, 0ms));
}

TEST_CASE("file: echo >> through dash and bash (the shell's own fd juggling)")
{
	auto &f = fim();
	std::string conf = f.W + "/app.conf";
	uint64_t since = mark();
	sh("echo appended >> " + conf); // system(): /bin/sh is dash; echo is a builtin

	auto wr = wait_file("write", conf, since);
	REQUIRE(wr);
	const FileDetails &w = file_of(*wr);
	INFO("flags: " << flags_of(w));
	check_process(*wr, "/bin/sh", "sh");
	CHECK(has_flag(w, "append"));
	CHECK_FALSE(has_flag(w, "truncated"));
	CHECK(w.bytes_written == 9);
	CHECK(w.size_before == 6);
	CHECK(w.size_after == 15);
	CHECK(w.diff == gnu_diff("first\n", "first\nappended\n", conf));

	uint64_t mid = sentinel();
	sh("/bin/bash -c 'echo more >> " + conf + "; true'");
	auto wb = wait_file("write", conf, mid);
	REQUIRE(wb);
	const FileDetails &b = file_of(*wb);
	INFO("flags: " << flags_of(b));
	check_process(*wb, "/bin/bash", "bash");
	CHECK(has_flag(b, "append"));
	CHECK(b.bytes_written == 5);
	CHECK(b.size_before == 15);
	CHECK(b.size_after == 20);
	CHECK(b.diff == gnu_diff("first\nappended\n", "first\nappended\nmore\n", conf));

	// Each redirection is one write, whatever dup2 and close did with the fd.
	uint64_t until = sentinel();
	int writes = 0;
	for (const Event &e : files_between(since, until))
		writes += file_of(e).path == conf && file_of(e).op == "write";
	CHECK(writes == 2);
}

TEST_CASE("file: package-manager style: write f.dpkg-new, then rename it over f")
{
	auto &f = fim();
	std::string conf = f.W + "/pkg.conf", tmp = conf + ".dpkg-new";
	std::string before = "# pkg\nopt=1\nmode=fast\nend\n", after = "# pkg\nopt=2\nmode=fast\nend\nextra=yes\n";
	uint64_t since = mark();
	pid_t pid = in_child([&] {
		int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		if (fd < 0 || !write_str(fd, after.c_str()) || fsync(fd) != 0 || close(fd) != 0)
			return 1;
		return rename(tmp.c_str(), conf.c_str()) == 0 ? 0 : 2;
	});

	auto wr = wait_file("write", tmp, since);
	REQUIRE(wr);
	CHECK(wr->process.pid == uint32_t(pid));
	CHECK(file_of(*wr).bytes_written == after.size());
	CHECK(has_flag(file_of(*wr), "created"));

	auto rn = wait_file("rename", tmp, since);
	REQUIRE(rn);
	const FileDetails &r = file_of(*rn);
	INFO("flags: " << flags_of(r));
	CHECK(rn->process.pid == uint32_t(pid));
	CHECK(r.new_path == conf);
	CHECK(r.sha256_before == sha256_hex(before));
	CHECK(r.sha256_after == sha256_hex(after));
	CHECK(r.diff == gnu_diff(before, after, conf));
	CHECK_FALSE(r.diff_truncated);
}

TEST_CASE("file: a write through a dirfd-relative path: openat(dirfd, \"sub/f\")")
{
	auto &f = fim();
	std::string dir = f.W + "/dirfd", file = dir + "/sub/f";
	REQUIRE(mkdir(dir.c_str(), 0755) == 0);
	REQUIRE(mkdir((dir + "/sub").c_str(), 0755) == 0);
	auto write_at = [&](int flags, const char *content) {
		return in_child([&] {
			umask(0);
			int dfd = open(dir.c_str(), O_RDONLY | O_DIRECTORY);
			if (dfd < 0)
				return 1;
			int fd = openat(dfd, "sub/f", flags, 0640);
			if (fd < 0 || !write_str(fd, content) || close(fd) != 0)
				return 2;
			return 0;
		});
	};
	uint64_t since = mark();
	pid_t pid = write_at(O_WRONLY | O_CREAT | O_EXCL, "one\ntwo\n");

	auto cr = wait_file("create", file, since);
	REQUIRE(cr);
	CHECK(cr->process.pid == uint32_t(pid));
	CHECK(file_of(*cr).mode == 0640);
	CHECK(file_of(*cr).uid == 0);
	CHECK(file_of(*cr).gid == 0);

	// A new file: no content known before it, hence no diff.
	auto w1 = wait_file("write", file, since);
	REQUIRE(w1);
	CHECK(w1->process.pid == uint32_t(pid));
	CHECK(has_flag(file_of(*w1), "created"));
	CHECK(file_of(*w1).bytes_written == 8);
	CHECK(file_of(*w1).size_after == 8);
	CHECK(file_of(*w1).diff == "");
	CHECK(file_of(*w1).content_note == "no baseline");

	// Known after its first event: the next write diffs against it.
	pid = write_at(O_WRONLY | O_TRUNC, "one\nTWO\n");
	auto w2 = wait_file("write", file, w1->seq);
	REQUIRE(w2);
	const FileDetails &w = file_of(*w2);
	INFO("flags: " << flags_of(w));
	CHECK(w2->process.pid == uint32_t(pid));
	CHECK(has_flag(w, "truncated"));
	CHECK_FALSE(has_flag(w, "created"));
	CHECK(w.size_before == 8);
	CHECK(w.size_after == 8);
	CHECK(w.sha256_before == sha256_hex("one\ntwo\n"));
	CHECK(w.sha256_after == sha256_hex("one\nTWO\n"));
	CHECK(w.diff == gnu_diff("one\ntwo\n", "one\nTWO\n", file));
}

TEST_CASE("file: relative paths from a cwd inside the watched directory")
{
	auto &f = fim();
	std::string dir = f.W + "/rel";
	REQUIRE(mkdir(dir.c_str(), 0755) == 0);
	uint64_t since = mark();
	pid_t pid = in_child([&] {
		if (chdir(dir.c_str()) != 0)
			return 1;
		umask(0);
		return write_file("rel.conf", O_WRONLY | O_CREAT | O_TRUNC, "rel\n", 0644);
	});
	auto wr = wait_file("write", dir + "/rel.conf", since);
	REQUIRE(wr);
	CHECK(wr->process.pid == uint32_t(pid));
	CHECK(file_of(*wr).bytes_written == 4);

	// Once the file is known: path operations on relative names.
	pid = in_child([&] {
		if (chdir(dir.c_str()) != 0)
			return 1;
		umask(0);
		if (chmod("./rel.conf", 0600) != 0 || mkdir("newdir", 0700) != 0)
			return 2;
		return rename("rel.conf", "../rel/newdir/moved.conf") == 0 ? 0 : 3;
	});
	auto ch = wait_file("chmod", dir + "/rel.conf", since);
	REQUIRE(ch);
	CHECK(ch->process.pid == uint32_t(pid));
	CHECK(file_of(*ch).mode == 0600);
	CHECK(file_of(*ch).old_mode == 0644u);
	auto md = wait_file("mkdir", dir + "/newdir", since);
	REQUIRE(md);
	CHECK(file_of(*md).mode == 0700);
	auto rn = wait_file("rename", dir + "/rel.conf", since);
	REQUIRE(rn);
	CHECK(rn->process.pid == uint32_t(pid));
	CHECK(file_of(*rn).new_path == dir + "/newdir/moved.conf");
	// A plain move: the content known under the old name, unchanged.
	CHECK(file_of(*rn).sha256_after == sha256_hex("rel\n"));
	CHECK(file_of(*rn).diff == "");
}

TEST_CASE("file: a path of 60 nested 40-byte directories (over 2400 bytes)")
{
	auto &f = fim();
	int dfd = open(f.W.c_str(), O_RDONLY | O_DIRECTORY);
	REQUIRE(dfd >= 0);
	std::string path = f.W;
	for (int i = 0; i < 60; ++i) {
		std::string name = "deep" + std::to_string(i) + "-";
		name += std::string(40 - name.size(), 'd');
		REQUIRE(mkdirat(dfd, name.c_str(), 0755) == 0);
		int next = openat(dfd, name.c_str(), O_RDONLY | O_DIRECTORY);
		REQUIRE(next >= 0);
		close(dfd);
		dfd = next;
		path += "/" + name;
	}
	std::string file = path + "/deep.conf";
	REQUIRE(file.size() > 2400);
	uint64_t since = mark();
	pid_t pid = in_child([&] {
		int fd = openat(dfd, "deep.conf", O_WRONLY | O_CREAT | O_EXCL, 0644);
		if (fd < 0 || !write_str(fd, "deep\n") || close(fd) != 0)
			return 1;
		return fchmodat(dfd, "deep.conf", 0600, 0) == 0 ? 0 : 2;
	});
	close(dfd);

	auto wr = wait_file("write", file, since);
	REQUIRE(wr);
	CHECK(wr->process.pid == uint32_t(pid));
	CHECK(file_of(*wr).bytes_written == 5);
	CHECK_FALSE(has_flag(file_of(*wr), "path_truncated"));
	auto ch = wait_file("chmod", file, since);
	REQUIRE(ch);
	CHECK(ch->process.pid == uint32_t(pid));
	CHECK(file_of(*ch).mode == 0600);
	CHECK_FALSE(has_flag(file_of(*ch), "path_truncated"));
}

TEST_CASE("file: through a bind mount of the watched directory, the path is the bind path")
{
	auto &f = fim();
	std::string mnt = f.M + "/bind", file = mnt + "/bm.conf";
	REQUIRE(mkdir(mnt.c_str(), 0755) == 0);
	REQUIRE(mount(f.W.c_str(), mnt.c_str(), nullptr, MS_BIND, nullptr) == 0);
	struct Unmount {
		std::string dir;
		~Unmount() { umount2(dir.c_str(), MNT_DETACH); }
	} unmount{mnt};

	uint64_t since = mark();
	pid_t pid = in_child([&] { return write_file(file.c_str(), O_WRONLY | O_CREAT | O_EXCL, "bound\n"); });
	auto wr = wait_file("write", file, since);
	REQUIRE(wr);
	CHECK(wr->process.pid == uint32_t(pid));
	CHECK(file_of(*wr).bytes_written == 6);
	CHECK(file_of(*wr).sha256_after == sha256_hex("bound\n"));

	// Path operations through the alias, once a rescan has read it from mountinfo.
	std::this_thread::sleep_for(2200ms);
	since = mark();
	pid = in_child([&] { return chmod(file.c_str(), 0600) == 0 ? 0 : 1; });
	auto ch = wait_file("chmod", file, since);
	REQUIRE(ch);
	CHECK(ch->process.pid == uint32_t(pid));
	CHECK(file_of(*ch).mode == 0600);
	CHECK(file_of(*ch).old_mode == 0644u);
}

TEST_CASE("file: chmod by path and fchmod by fd, with the old mode")
{
	auto &f = fim();
	std::string file = f.W + "/attr/mode.conf";
	uint64_t since = mark();
	pid_t pid = in_child([&] {
		if (chmod(file.c_str(), 04750) != 0)
			return 1;
		int fd = open(file.c_str(), O_RDONLY);
		if (fd < 0 || fchmod(fd, 0640) != 0)
			return 2;
		return close(fd);
	});

	auto c1 = wait_file("chmod", file, since);
	REQUIRE(c1);
	const FileDetails &a = file_of(*c1);
	INFO("flags: " << flags_of(a));
	CHECK(c1->process.pid == uint32_t(pid));
	CHECK(a.mode == 04750);
	CHECK(a.old_mode == 0644u); // from the baseline
	CHECK_FALSE(has_flag(a, "by_fd"));

	auto c2 = wait_file("chmod", file, c1->seq);
	REQUIRE(c2);
	const FileDetails &b = file_of(*c2);
	INFO("flags: " << flags_of(b));
	CHECK(c2->process.pid == uint32_t(pid));
	CHECK(b.mode == 0640);
	CHECK(b.old_mode == 04750u); // from the kernel
	CHECK(has_flag(b, "by_fd"));
	// Opening for reading changes nothing: no write, no read (not a sensitive file).
	uint64_t until = sentinel();
	for (const Event &e : files_between(since, until))
		CHECK_MESSAGE(file_of(e).op == "chmod", file_of(e).op << " " << file_of(e).path);
}

TEST_CASE("file: chown, lchown and fchown with the old owner")
{
	auto &f = fim();
	std::string file = f.W + "/attr/own.conf";
	uint64_t since = mark();
	pid_t pid = in_child([&] { return chown(file.c_str(), 1234, 5678); });
	auto c1 = wait_file("chown", file, since);
	REQUIRE(c1);
	CHECK(c1->process.pid == uint32_t(pid));
	CHECK(file_of(*c1).uid == 1234);
	CHECK(file_of(*c1).gid == 5678);
	CHECK(file_of(*c1).old_uid == 0u); // from the baseline
	CHECK(file_of(*c1).old_gid == 0u);

	pid = in_child([&] { return lchown(file.c_str(), uid_t(-1), 42); });
	auto c2 = wait_file("chown", file, c1->seq);
	REQUIRE(c2);
	CHECK(c2->process.pid == uint32_t(pid));
	CHECK(file_of(*c2).uid == UINT32_MAX); // unchanged
	CHECK(file_of(*c2).gid == 42);
	CHECK(file_of(*c2).old_uid == 1234u);
	CHECK(file_of(*c2).old_gid == 5678u);

	pid = in_child([&] {
		int fd = open(file.c_str(), O_RDONLY);
		if (fd < 0 || fchown(fd, 7, 8) != 0)
			return 1;
		return close(fd);
	});
	auto c3 = wait_file("chown", file, c2->seq);
	REQUIRE(c3);
	CHECK(c3->process.pid == uint32_t(pid));
	CHECK(has_flag(file_of(*c3), "by_fd"));
	CHECK(file_of(*c3).uid == 7);
	CHECK(file_of(*c3).gid == 8);
	CHECK(file_of(*c3).old_uid == 1234u); // from the kernel
	CHECK(file_of(*c3).old_gid == 42u);
}

TEST_CASE("file: attribute changes in quick succession: each old value is the one just before")
{
	auto &f = fim();
	std::string file = f.W + "/attr/quick.conf";
	put(file, "q\n", 0644);
	uint64_t since = mark();
	in_child([&] { return write_file(file.c_str(), O_WRONLY | O_APPEND, "known\n"); });
	REQUIRE(wait_file("write", file, since)); // the file, its mode and owner are known now

	// Path-based: no fd, so the old value is what Linesman knew. Two changes
	// within microseconds must not make the first report the second's result.
	since = mark();
	pid_t pid = in_child([&] {
		if (chmod(file.c_str(), 0600) != 0 || chmod(file.c_str(), 0640) != 0)
			return 1;
		return chown(file.c_str(), 11, 12) == 0 && chown(file.c_str(), 21, 22) == 0 ? 0 : 2;
	});
	auto m1 = wait_file("chmod", file, since);
	REQUIRE(m1);
	auto m2 = wait_file("chmod", file, m1->seq);
	REQUIRE(m2);
	CHECK(m1->process.pid == uint32_t(pid));
	CHECK(file_of(*m1).mode == 0600);
	CHECK(file_of(*m1).old_mode == 0644u);
	CHECK(file_of(*m2).mode == 0640);
	CHECK(file_of(*m2).old_mode == 0600u);
	auto o1 = wait_file("chown", file, since);
	REQUIRE(o1);
	auto o2 = wait_file("chown", file, o1->seq);
	REQUIRE(o2);
	CHECK(file_of(*o1).old_uid == 0u);
	CHECK(file_of(*o1).old_gid == 0u);
	CHECK(file_of(*o2).old_uid == 11u);
	CHECK(file_of(*o2).old_gid == 12u);
}

TEST_CASE("file: touch -r and touch -d set times (timestomping), touch sets now")
{
	auto &f = fim();
	std::string file = f.W + "/attr/times.conf", ref = f.T + "/ref";
	put(ref, "ref\n");
	struct timespec ts[2] = {{1000000000, 111111111}, {1234567890, 987654321}};
	REQUIRE(utimensat(AT_FDCWD, ref.c_str(), ts, 0) == 0);
	uint64_t since = mark();
	sh("touch -r " + ref + " " + file);

	auto u1 = wait_file("utimes", file, since);
	REQUIRE(u1);
	const FileDetails &a = file_of(*u1);
	INFO("flags: " << flags_of(a));
	check_process(*u1, "/bin/touch", "touch");
	CHECK(a.atime_ns == 1000000000'111111111ll);
	CHECK(a.mtime_ns == 1234567890'987654321ll);
	CHECK_FALSE(has_flag(a, "atime_now"));
	CHECK_FALSE(has_flag(a, "mtime_now"));
	struct stat st{};
	REQUIRE(stat(file.c_str(), &st) == 0);
	CHECK(a.mtime_ns == int64_t(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec);

	uint64_t mid = mark();
	sh("touch -d '2001-02-03 04:05:06.5 UTC' " + file);
	auto u2 = wait_file("utimes", file, mid);
	REQUIRE(u2);
	CHECK(file_of(*u2).atime_ns == 981173106'500000000ll);
	CHECK(file_of(*u2).mtime_ns == 981173106'500000000ll);

	mid = mark();
	sh("touch " + file);
	auto u3 = wait_file("utimes", file, mid);
	REQUIRE(u3);
	CHECK(has_flag(file_of(*u3), "atime_now"));
	CHECK(has_flag(file_of(*u3), "mtime_now"));

	mid = mark();
	sh("touch -m " + file); // the access time is left as is
	auto u4 = wait_file("utimes", file, mid);
	REQUIRE(u4);
	CHECK(has_flag(file_of(*u4), "mtime_now"));
	CHECK_FALSE(has_flag(file_of(*u4), "atime_now"));
	CHECK_FALSE(file_of(*u4).atime_ns.has_value());

	// touch opens the file for writing but writes nothing: no write event.
	uint64_t until = sentinel();
	for (const Event &e : files_between(since, until))
		CHECK_MESSAGE(file_of(e).op != "write", file_of(e).path);
}

TEST_CASE("file: hard link and symlink")
{
	auto &f = fim();
	std::string dir = f.W + "/links";
	REQUIRE(mkdir(dir.c_str(), 0755) == 0);
	put(dir + "/orig", "orig\n");
	std::string orig = dir + "/orig", hard = dir + "/hard", sym = dir + "/sym";
	uint64_t since = mark();
	pid_t pid = in_child([&] {
		if (link(orig.c_str(), hard.c_str()) != 0)
			return 1;
		return symlink("../elsewhere/target", sym.c_str()) == 0 ? 0 : 2;
	});

	auto ln = wait_file("link", hard, since);
	REQUIRE(ln);
	CHECK(ln->process.pid == uint32_t(pid));
	CHECK(file_of(*ln).target == orig);
	CHECK(file_of(*ln).sha256_after == sha256_hex("orig\n"));
	auto sl = wait_file("symlink", sym, since);
	REQUIRE(sl);
	CHECK(sl->process.pid == uint32_t(pid));
	CHECK(file_of(*sl).target == "../elsewhere/target");
}

TEST_CASE("file: unlink, mkdir, rmdir")
{
	auto &f = fim();
	std::string gone = f.W + "/gone.conf", dir = f.W + "/newdir";
	uint64_t since = mark();
	pid_t pid = in_child([&] {
		if (unlink(gone.c_str()) != 0)
			return 1;
		umask(027);
		if (mkdir(dir.c_str(), 0777) != 0)
			return 2;
		return rmdir(dir.c_str()) == 0 ? 0 : 3;
	});

	auto ul = wait_file("unlink", gone, since);
	REQUIRE(ul);
	CHECK(ul->process.pid == uint32_t(pid));
	CHECK(file_of(*ul).size_before == 4u);
	CHECK(file_of(*ul).sha256_before == sha256_hex("bye\n"));
	CHECK(file_of(*ul).sha256_after == "");
	auto md = wait_file("mkdir", dir, since);
	REQUIRE(md);
	CHECK(md->process.pid == uint32_t(pid));
	CHECK(file_of(*md).mode == 0777); // as asked, before the umask
	auto rd = wait_file("rmdir", dir, since);
	REQUIRE(rd);
	CHECK(rd->process.pid == uint32_t(pid));
	CHECK(md->seq < rd->seq);
}

TEST_CASE("file: truncate -s and truncate(2)")
{
	auto &f = fim();
	std::string file = f.W + "/trunc.conf";
	uint64_t since = mark();
	sh("truncate -s 4 " + file);
	auto t1 = wait_file("truncate", file, since);
	REQUIRE(t1);
	check_process(*t1, "/bin/truncate", "truncate");
	CHECK(file_of(*t1).size_before == 11u);
	CHECK(file_of(*t1).size_after == 4u);
	CHECK(file_of(*t1).sha256_before == sha256_hex("0123456789\n"));
	CHECK(file_of(*t1).sha256_after == sha256_hex("0123"));
	CHECK(file_of(*t1).diff == gnu_diff("0123456789\n", "0123", file));

	pid_t pid = in_child([&] { return truncate(file.c_str(), 0) == 0 ? 0 : 1; });
	auto t2 = wait_file("truncate", file, t1->seq);
	REQUIRE(t2);
	CHECK(t2->process.pid == uint32_t(pid));
	CHECK(file_of(*t2).size_before == 4u);
	CHECK(file_of(*t2).size_after == 0u);
	CHECK(file_of(*t2).diff == gnu_diff("0123", "", file));
}

TEST_CASE("file: open for writing without writing; O_TRUNC without writing")
{
	auto &f = fim();
	std::string same = f.W + "/untouched.conf", emptied = f.W + "/empty-me.conf";
	uint64_t since = mark();
	pid_t pid = in_child([&] {
		int fd = open(same.c_str(), O_WRONLY);
		if (fd < 0 || close(fd) != 0)
			return 1;
		fd = open(emptied.c_str(), O_WRONLY | O_TRUNC);
		return fd >= 0 && close(fd) == 0 ? 0 : 2;
	});

	auto tr = wait_file("truncate", emptied, since);
	REQUIRE(tr);
	CHECK(tr->process.pid == uint32_t(pid));
	CHECK(has_flag(file_of(*tr), "truncated"));
	CHECK(file_of(*tr).bytes_written == 0);
	CHECK(file_of(*tr).size_before == 4u);
	CHECK(file_of(*tr).size_after == 0u);
	CHECK(file_of(*tr).diff == gnu_diff("abc\n", "", emptied));
	uint64_t until = sentinel();
	for (const Event &e : files_between(since, until)) {
		CHECK(file_of(e).path != same);
		CHECK(file_of(e).op != "write");
	}
}

TEST_CASE("file: renameat2 RENAME_EXCHANGE and RENAME_NOREPLACE")
{
	auto &f = fim();
	std::string a = f.W + "/xa", b = f.W + "/xb", c = f.W + "/xc";
	std::string ca = "A1\nA2\n", cb = "B1\nB2\nB3\n";
	uint64_t since = mark();
	pid_t pid = in_child([&] {
		if (syscall(SYS_renameat2, AT_FDCWD, a.c_str(), AT_FDCWD, b.c_str(), RENAME_EXCHANGE) != 0)
			return 1;
		return syscall(SYS_renameat2, AT_FDCWD, a.c_str(), AT_FDCWD, c.c_str(), RENAME_NOREPLACE) == 0 ? 0 : 2;
	});
	REQUIRE(slurp(b) == ca);
	REQUIRE(slurp(c) == cb);

	auto x = wait_file("rename", a, since);
	REQUIRE(x);
	const FileDetails &d = file_of(*x);
	INFO("flags: " << flags_of(d));
	CHECK(x->process.pid == uint32_t(pid));
	CHECK(d.new_path == b);
	CHECK(has_flag(d, "exchange"));
	// What is now at new_path (a's content) against what was known there (b's).
	CHECK(d.sha256_before == sha256_hex(cb));
	CHECK(d.sha256_after == sha256_hex(ca));
	CHECK(d.diff == gnu_diff(cb, ca, b));

	auto n = wait_file("rename", a, x->seq);
	REQUIRE(n);
	CHECK(n->process.pid == uint32_t(pid));
	CHECK(file_of(*n).new_path == c);
	CHECK(has_flag(file_of(*n), "noreplace"));
	CHECK_FALSE(has_flag(file_of(*n), "exchange"));
	CHECK(file_of(*n).sha256_after == sha256_hex(cb));
	CHECK(file_of(*n).diff == ""); // a move: b's old content, now known under c
}

TEST_CASE("file: a deny-listed file gives hashes, never content")
{
	auto &f = fim();
	std::string key = f.W + "/server.key", rsa = f.W + "/id_rsa";
	uint64_t since = mark();
	pid_t pid = in_child([&] {
		if (write_file(key.c_str(), O_WRONLY | O_TRUNC, "KEY-TWO\n") != 0)
			return 1;
		return write_file(rsa.c_str(), O_WRONLY | O_CREAT | O_EXCL, "RSA PRIVATE\n", 0600) == 0 ? 0 : 2;
	});

	auto k = wait_file("write", key, since);
	REQUIRE(k);
	CHECK(k->process.pid == uint32_t(pid));
	CHECK(file_of(*k).sha256_before == sha256_hex("KEY-ONE\n"));
	CHECK(file_of(*k).sha256_after == sha256_hex("KEY-TWO\n"));
	CHECK(file_of(*k).diff == "");
	CHECK(file_of(*k).content_note == "secret: hashes only");
	CHECK(file_of(*k).size_before == 8u);
	CHECK(file_of(*k).size_after == 8u);

	auto r = wait_file("write", rsa, since);
	REQUIRE(r);
	CHECK(file_of(*r).sha256_after == sha256_hex("RSA PRIVATE\n"));
	CHECK(file_of(*r).diff == "");
	CHECK(file_of(*r).content_note == "secret: hashes only");
	// A second change still gives no content.
	uint64_t mid = mark();
	in_child([&] { return write_file(rsa.c_str(), O_WRONLY | O_APPEND, "MORE\n"); });
	auto r2 = wait_file("write", rsa, mid);
	REQUIRE(r2);
	CHECK(file_of(*r2).sha256_before == sha256_hex("RSA PRIVATE\n"));
	CHECK(file_of(*r2).sha256_after == sha256_hex("RSA PRIVATE\nMORE\n"));
	CHECK(file_of(*r2).diff == "");
	CHECK(file_of(*r2).content_note == "secret: hashes only");
}

TEST_CASE("file: a read of a sensitive file by cat")
{
	auto &f = fim();
	std::string id = f.W + "/creds/id_test", other = f.W + "/creds/other";
	auto cat = [](const std::string &path) {
		pid_t pid = spawn("/bin/cat", {"cat", path}, [] {
			int fd = open("/dev/null", O_WRONLY);
			dup2(fd, 1);
		});
		CHECK(WEXITSTATUS(wait_status(pid)) == 0);
		return pid;
	};
	uint64_t since = mark();
	pid_t pid = cat(id);
	auto rd = wait_file("read", id, since);
	REQUIRE(rd);
	CHECK(rd->process.pid == uint32_t(pid));
	check_process(*rd, "/bin/cat", "cat");
	CHECK(rd->process.argv == std::vector<std::string>{"cat", id});

	// Not on the list: no event.
	since = mark();
	cat(other);
	uint64_t until = sentinel();
	for (const Event &e : files_between(since, until))
		CHECK(file_of(e).path != other);
}

TEST_CASE("file: a sensitive file created after start is read-watched after a rescan")
{
	auto &f = fim();
	std::string id = f.W + "/creds/id_later";
	put(id, "LATER\n", 0600);
	std::this_thread::sleep_for(2200ms); // files.rescan_s = 1
	uint64_t since = mark();
	pid_t pid = in_child([&] {
		int fd = open(id.c_str(), O_RDONLY);
		char buf[16];
		if (fd < 0 || read(fd, buf, sizeof(buf)) != 6)
			return 1;
		return close(fd);
	});
	auto rd = wait_file("read", id, since);
	REQUIRE(rd);
	CHECK(rd->process.pid == uint32_t(pid));
}

TEST_CASE("file: unwatched paths give no events")
{
	auto &f = fim();
	const std::string &u = f.U;
	put(u + "/existing", "old\n");
	std::string ua = u + "/a", ub = u + "/b", ud = u + "/d", ul = u + "/l", us = u + "/s", ue = u + "/existing";
	uint64_t since = mark();
	in_child([&] {
		if (write_file(ua.c_str(), O_WRONLY | O_CREAT | O_EXCL, "a\n") != 0 ||
		    write_file(ue.c_str(), O_WRONLY | O_TRUNC, "new\n") != 0 ||
		    write_file(ue.c_str(), O_WRONLY | O_APPEND, "more\n") != 0)
			return 1;
		if (chmod(ua.c_str(), 0600) != 0 || chown(ua.c_str(), 1, 1) != 0 || truncate(ua.c_str(), 1) != 0 ||
		    utimensat(AT_FDCWD, ua.c_str(), nullptr, 0) != 0)
			return 2;
		if (link(ua.c_str(), ul.c_str()) != 0 || symlink(ua.c_str(), us.c_str()) != 0 ||
		    rename(ua.c_str(), ub.c_str()) != 0 || unlink(ub.c_str()) != 0)
			return 3;
		if (mkdir(ud.c_str(), 0755) != 0 || rmdir(ud.c_str()) != 0)
			return 4;
		return 0;
	});
	sh("sed -i s/new/NEW/ " + ue + " && cat " + ue + " > /dev/null");
	uint64_t until = sentinel();
	for (const Event &e : files_between(since, until)) {
		const FileDetails &d = file_of(e);
		for (const std::string *p : {&d.path, &d.new_path, &d.target})
			CHECK_MESSAGE(p->rfind(u, 0) != 0, d.op << " " << *p);
	}
}

TEST_CASE("file: 10000 write() calls between one open and close: one event")
{
	auto &f = fim();
	std::string file = f.W + "/bulk.conf";
	const char line[] = "0123456789abcde\n"; // 16 bytes
	constexpr int kWrites = 10'000;
	uint64_t since = mark();
	pid_t pid = in_child([&] {
		int fd = open(file.c_str(), O_WRONLY | O_TRUNC);
		if (fd < 0)
			return 1;
		for (int i = 0; i < kWrites; ++i)
			if (write(fd, line, 16) != 16)
				return 2;
		return close(fd) == 0 ? 0 : 3;
	});

	auto wr = wait_file("write", file, since);
	REQUIRE(wr);
	const FileDetails &w = file_of(*wr);
	INFO("flags: " << flags_of(w));
	CHECK(wr->process.pid == uint32_t(pid));
	CHECK(w.bytes_written == uint64_t(kWrites) * 16);
	CHECK(w.size_before == 0u);
	CHECK(w.size_after == uint64_t(kWrites) * 16);
	CHECK(has_flag(w, "truncated"));
	uint64_t until = sentinel();
	int n = 0;
	for (const Event &e : files_between(since, until))
		n += file_of(e).path == file;
	CHECK(n == 1);
}

TEST_CASE("file: 10000 open/write/close cycles: every one reported or counted as lost")
{
	auto &f = fim();
	std::string file = f.W + "/churn.conf";
	constexpr int kCycles = 10'000;
	uint64_t since = mark();
	pid_t pid = in_child([&] {
		for (int i = 0; i < kCycles; ++i)
			if (write_file(file.c_str(), O_WRONLY | O_TRUNC, "8 bytes\n") != 0)
				return 1;
		return 0;
	});

	// Count until nothing changes for 2 s (losses are reported once a poll).
	uint64_t writes = 0, lost = 0, other = 0, last_total = UINT64_MAX;
	std::string losses;
	auto stable_since = std::chrono::steady_clock::now();
	auto deadline = stable_since + 30s;
	while (std::chrono::steady_clock::now() < deadline) {
		writes = lost = other = 0;
		losses.clear();
		for (const Event &e : fim().c->snapshot()) {
			if (e.seq <= since)
				continue;
			if (const FileDetails *d = file_if(e); d && d->path == file) {
				if (d->op == "write" && e.process.pid == uint32_t(pid) && d->bytes_written == 8)
					++writes;
				else
					++other;
			} else if (e.type == EventType::Loss) {
				const auto &l = std::get<LossDetails>(e.details);
				// Each lost write is counted once as "file_write": a lost CLOSE
				// directly, a lost OPEN (itself counted as a "file" record) when
				// its CLOSE arrives unpaired.
				if (l.what == "file_write") {
					lost += l.count;
					losses += " " + l.where + "/" + l.what + "=" + std::to_string(l.count);
				}
			}
		}
		uint64_t total = writes + lost + other;
		if (total != last_total) {
			last_total = total;
			stable_since = std::chrono::steady_clock::now();
		} else if (std::chrono::steady_clock::now() - stable_since > 2s) {
			break;
		}
		std::this_thread::sleep_for(250ms);
	}
	MESSAGE("writes=" << writes << " lost=" << lost << " (" << losses << " ) other=" << other);
	CHECK(writes > 0);
	CHECK(writes + lost == uint64_t(kCycles));
	CHECK(other == 0);
}

// The kernel caches "this directory is not watched" (file_discarders): a
// directory moved below a watched one, by rename or by moving a mount, must
// be watched at once, not when the cache entry ages out.
TEST_CASE("file: a directory renamed into the watched tree is watched at once")
{
	auto &f = fim();
	std::string outside = f.U + "/moving", inside = f.W + "/moved-in";
	sh("mkdir -p " + outside);
	// Two writes outside: the first caches the directory as unwatched.
	in_child([&] {
		return write_file((outside + "/f").c_str(), O_WRONLY | O_CREAT | O_TRUNC, "1\n") |
		       write_file((outside + "/f").c_str(), O_WRONLY | O_TRUNC, "2\n");
	});
	uint64_t since = mark();
	pid_t pid = in_child([&] {
		if (rename(outside.c_str(), inside.c_str()) != 0)
			return 1;
		return write_file((inside + "/f").c_str(), O_WRONLY | O_TRUNC, "three\n");
	});
	auto wr = wait_file("write", inside + "/f", since);
	REQUIRE(wr);
	CHECK(wr->process.pid == uint32_t(pid));
	CHECK(file_of(*wr).bytes_written == 6);
	CHECK(file_of(*wr).size_after == 6u);
}

TEST_CASE("file: a mount moved into the watched tree is watched at once")
{
	auto &f = fim();
	std::string outside = f.M + "/tmpfs-move", inside = f.W + "/mounted";
	sh("mkdir -p " + outside + " " + inside + " && mount -t tmpfs lsm-move " + outside);
	in_child([&] {
		return write_file((outside + "/f").c_str(), O_WRONLY | O_CREAT | O_TRUNC, "1\n") |
		       write_file((outside + "/f").c_str(), O_WRONLY | O_TRUNC, "2\n");
	});
	sh("mount --move " + outside + " " + inside);
	uint64_t since = mark();
	pid_t pid = in_child([&] { return write_file((inside + "/f").c_str(), O_WRONLY | O_TRUNC, "four\n"); });
	auto wr = wait_file("write", inside + "/f", since);
	sh("umount " + inside);
	REQUIRE(wr);
	CHECK(wr->process.pid == uint32_t(pid));
	CHECK(file_of(*wr).bytes_written == 5);
}

// The watch names /H/*/.ssh/; bob's .ssh does not exist until the trigger makes
// it and writes a key in the same breath, well within the 1 s rescan period.
TEST_CASE("file: a watched directory made just now is watched from its first write")
{
	auto &f = fim();
	std::string ssh = f.H + "/bob/.ssh", keys = ssh + "/authorized_keys";
	uint64_t since = mark();
	pid_t pid = in_child([&] {
		if (mkdir((f.H + "/bob").c_str(), 0755) != 0 || mkdir(ssh.c_str(), 0700) != 0)
			return 1;
		return write_file(keys.c_str(), O_WRONLY | O_CREAT | O_EXCL, "ssh-ed25519 AAAA intruder\n", 0600);
	});
	auto mk = wait_file("mkdir", ssh, since);
	REQUIRE(mk);
	CHECK(file_of(*mk).mode == 0700);
	auto cr = wait_file("create", keys, since);
	REQUIRE(cr);
	CHECK(cr->process.pid == uint32_t(pid));
	CHECK(file_of(*cr).mode == 0600);
	auto wr = wait_file("write", keys, since);
	REQUIRE(wr);
	CHECK(wr->process.pid == uint32_t(pid));
	CHECK(file_of(*wr).bytes_written == 26);
	CHECK(file_of(*wr).size_after == 26u);
	// The parent made by the same trigger is not watched: no event names it.
	for (const Event &e : files_between(since, wr->seq))
		CHECK(file_of(e).path != f.H + "/bob");
}

TEST_CASE("file: an unwatched directory bind-mounted into the watched one is watched there")
{
	auto &f = fim();
	std::string src = f.U + "/bind-src", dst = f.W + "/bound-in";
	sh("mkdir -p " + src + " " + dst + " && mount --bind " + src + " " + dst);
	uint64_t since = mark();
	pid_t pid = in_child([&] { return write_file((dst + "/f").c_str(), O_WRONLY | O_CREAT | O_TRUNC, "via bind\n"); });
	auto wr = wait_file("write", dst + "/f", since);
	sh("umount " + dst);
	REQUIRE(wr);
	CHECK(wr->process.pid == uint32_t(pid));
	CHECK(file_of(*wr).bytes_written == 9);
}
