// SPDX-License-Identifier: Apache-2.0
// The exec sensor against the real kernel: each test triggers an exec and
// asserts the fields of the event it caused.
#include <fcntl.h>
#include <linux/limits.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <fstream>
#include <string>
#include <thread>

#include <doctest/doctest.h>

#include "harness.h"
#include "proc/process_cache.h"

using namespace linesman;
using namespace linesman::test;

namespace {

std::string realpath_of(const std::string &p)
{
	char buf[PATH_MAX];
	REQUIRE(realpath(p.c_str(), buf) != nullptr);
	return buf;
}

std::string self_exe()
{
	return realpath_of("/proc/self/exe");
}

} // namespace

TEST_CASE("exec: identity, credentials, argv, cwd, lineage")
{
	auto &c = shared_sensor();
	std::string dir = scratch_dir();
	pid_t pid = spawn("/bin/sh", {"sh", "-c", "exit 0", "arg with space"},
			  [&] { REQUIRE(chdir(dir.c_str()) == 0); });
	int status = wait_status(pid);
	CHECK(WEXITSTATUS(status) == 0);

	auto ev = c.wait_exec(pid);
	REQUIRE(ev);
	const Process &p = ev->process;
	CHECK(p.pid == uint32_t(pid));
	CHECK(p.tid == uint32_t(pid));
	CHECK(p.ppid == uint32_t(getpid()));
	CHECK(p.exe == realpath_of("/bin/sh"));
	CHECK(p.comm == "sh");
	CHECK(p.argv == std::vector<std::string>{"sh", "-c", "exit 0", "arg with space"});
	CHECK(p.cwd == dir);
	CHECK(p.uid == getuid());
	CHECK(p.euid == geteuid());
	CHECK(p.gid == getgid());
	CHECK(p.egid == getegid());
	CHECK(p.user == "root");
	CHECK(p.exec_id.size() == 16);
	CHECK(p.cgroup_id != 0);
	REQUIRE(!p.ancestors.empty());
	CHECK(p.ancestors.front() == self_exe());
	CHECK_FALSE(p.parent_exec_id.empty());
	CHECK(ev->host == agent::host_name());
	CHECK(ev->seq > 0);

	const ExecDetails &d = exec_of(*ev);
	CHECK(d.filename == "/bin/sh");
	CHECK(d.argc == 4);
	CHECK(d.flags == 0);
	struct stat st{};
	REQUIRE(stat(realpath_of("/bin/sh").c_str(), &st) == 0);
	CHECK(d.exe_ino == st.st_ino);
	CHECK(d.exe_mode == st.st_mode);

	// The event's wall time is close to now.
	auto now = std::chrono::system_clock::now().time_since_epoch();
	uint64_t now_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(now).count();
	CHECK(ev->time_ns <= now_ns);
	CHECK(ev->time_ns + 10'000'000'000ull > now_ns);

	// The exit carries the same process and its exec_id.
	auto ex = c.wait_exit(pid);
	REQUIRE(ex);
	CHECK(ex->process.exec_id == p.exec_id);
	CHECK(exit_of(*ex).code == 0);
	CHECK(exit_of(*ex).signal == 0);
	CHECK(ex->seq > ev->seq);
}

TEST_CASE("exec: argv longer than the cap is truncated and flagged")
{
	auto &c = shared_sensor();
	const size_t cap = test_config().exec.argv_max;
	std::vector<std::string> argv{"true"};
	size_t total = 5;
	for (int i = 0; total <= cap + 4096; ++i) {
		argv.push_back("argument-" + std::to_string(i) + std::string(90, 'x'));
		total += argv.back().size() + 1;
	}
	pid_t pid = spawn("/bin/true", argv);
	wait_status(pid);
	auto ev = c.wait_exec(pid);
	REQUIRE(ev);
	const ExecDetails &d = exec_of(*ev);
	CHECK((d.flags & kExecArgvTruncated) != 0);
	CHECK(d.argc == argv.size());
	// What was captured is exactly the first `cap` bytes of the NUL-joined argv.
	std::string joined;
	for (const auto &a : argv)
		joined += a + '\0';
	std::string captured;
	for (size_t i = 0; i < ev->process.argv.size(); ++i)
		captured += ev->process.argv[i] + (i + 1 < ev->process.argv.size() ? std::string(1, '\0') : "");
	CHECK(captured.size() == cap);
	CHECK(captured == joined.substr(0, cap));

	// Under the cap: no flag, every argument intact.
	pid = spawn("/bin/true", {"true", "a", "", "c"});
	wait_status(pid);
	ev = c.wait_exec(pid);
	REQUIRE(ev);
	CHECK((exec_of(*ev).flags & kExecArgvTruncated) == 0);
	CHECK(ev->process.argv == std::vector<std::string>{"true", "a", "", "c"});
}

namespace {

// Build a directory chain of `depth` components named like "d<i>-xxxx" (each
// `width` bytes) under `base`, copy /bin/true into its end, and return an fd of
// the deepest directory and the full path.
std::pair<int, std::string> deep_tree(const std::string &base, int depth, size_t width)
{
	int fd = open(base.c_str(), O_DIRECTORY | O_RDONLY);
	REQUIRE(fd >= 0);
	std::string path = base;
	for (int i = 0; i < depth; ++i) {
		std::string name = "d" + std::to_string(i) + "-";
		name += std::string(width - name.size(), 'x');
		REQUIRE((mkdirat(fd, name.c_str(), 0755) == 0 || errno == EEXIST));
		int next = openat(fd, name.c_str(), O_DIRECTORY | O_RDONLY);
		REQUIRE(next >= 0);
		close(fd);
		fd = next;
		path += "/" + name;
	}
	int src = open("/bin/true", O_RDONLY);
	int dst = openat(fd, "true", O_WRONLY | O_CREAT | O_TRUNC, 0755);
	REQUIRE(src >= 0);
	REQUIRE(dst >= 0);
	char buf[65536];
	ssize_t n;
	while ((n = read(src, buf, sizeof(buf))) > 0)
		REQUIRE(write(dst, buf, n) == n);
	close(src);
	close(dst);
	return {fd, path};
}

pid_t exec_at(int dirfd, const char *name, bool chdir_there)
{
	pid_t pid = fork();
	REQUIRE(pid >= 0);
	if (pid == 0) {
		if (chdir_there && fchdir(dirfd) != 0)
			_exit(126);
		char *argv[] = {const_cast<char *>("deep-true"), nullptr};
		char *envp[] = {nullptr};
		syscall(SYS_execveat, dirfd, name, argv, envp, 0);
		_exit(127);
	}
	return pid;
}

} // namespace

TEST_CASE("exec: a path deeper than 64 components and longer than 4096 bytes")
{
	auto &c = shared_sensor();
	// 100 components of 60 bytes: 6100+ bytes, beyond PATH_MAX, within LS_PATH_MAX.
	auto [fd, path] = deep_tree(scratch_dir(), 100, 60);
	REQUIRE(path.size() > 4096);
	pid_t pid = exec_at(fd, "true", true);
	CHECK(WEXITSTATUS(wait_status(pid)) == 0);
	auto ev = c.wait_exec(pid);
	REQUIRE(ev);
	CHECK(ev->process.exe == path + "/true");
	CHECK(ev->process.cwd == path);
	CHECK((exec_of(*ev).flags & (kExecExeTruncated | kExecCwdTruncated)) == 0);
	// execveat(dirfd, "true") reaches the kernel as a path through the fd.
	CHECK(exec_of(*ev).filename == "/dev/fd/" + std::to_string(fd) + "/true");

	// 160 components of 60 bytes: ~9800 bytes, over LS_PATH_MAX: flagged, and what
	// is kept is the path's tail (the end nearest the file is the useful part).
	auto [fd2, path2] = deep_tree(scratch_dir(), 160, 60);
	pid = exec_at(fd2, "true", true);
	CHECK(WEXITSTATUS(wait_status(pid)) == 0);
	ev = c.wait_exec(pid);
	REQUIRE(ev);
	const auto flags = exec_of(*ev).flags;
	CHECK((flags & kExecExeTruncated) != 0);
	CHECK((flags & kExecCwdTruncated) != 0);
	std::string full = path2 + "/true";
	REQUIRE(ev->process.exe.size() < full.size());
	CHECK(ev->process.exe.size() > 8000);
	CHECK(full.compare(full.size() - ev->process.exe.size(), std::string::npos, ev->process.exe) == 0);
	close(fd);
	close(fd2);
}

TEST_CASE("exec: a binary reached through a bind mount")
{
	auto &c = shared_sensor();
	std::string src = scratch_dir() + "/bind-src";
	std::string dst = scratch_dir() + "/bind-dst";
	sh("mkdir -p " + src + " " + dst + " && cp /bin/true " + src + "/bound-true");
	REQUIRE(mount(src.c_str(), dst.c_str(), nullptr, MS_BIND, nullptr) == 0);
	pid_t pid = spawn(dst + "/bound-true", {"bound-true"});
	wait_status(pid);
	auto ev = c.wait_exec(pid);
	umount2(dst.c_str(), MNT_DETACH);
	REQUIRE(ev);
	// The path through which it was run, resolved across the mount.
	CHECK(ev->process.exe == dst + "/bound-true");
}

TEST_CASE("exec: a deleted binary and a memfd binary (fileless)")
{
	auto &c = shared_sensor();
	std::string path = scratch_dir() + "/deleted-true";
	sh("cp /bin/true " + path);
	int fd = open(path.c_str(), O_RDONLY);
	REQUIRE(fd >= 0);
	REQUIRE(unlink(path.c_str()) == 0);
	pid_t pid = fork();
	if (pid == 0) {
		char *argv[] = {const_cast<char *>("deleted-true"), nullptr};
		char *envp[] = {nullptr};
		syscall(SYS_execveat, fd, "", argv, envp, AT_EMPTY_PATH);
		_exit(127);
	}
	CHECK(WEXITSTATUS(wait_status(pid)) == 0);
	close(fd);
	auto ev = c.wait_exec(pid);
	REQUIRE(ev);
	CHECK(ev->process.exe == path);
	CHECK((exec_of(*ev).flags & kExecDeleted) != 0);
	CHECK((exec_of(*ev).flags & kExecMemfd) == 0);

	int mfd = memfd_create("linesman-payload", MFD_CLOEXEC);
	REQUIRE(mfd >= 0);
	sh("cat /bin/true > /proc/" + std::to_string(getpid()) + "/fd/" + std::to_string(mfd));
	pid = fork();
	if (pid == 0) {
		char *argv[] = {const_cast<char *>("payload"), nullptr};
		char *envp[] = {nullptr};
		fexecve(mfd, argv, envp);
		_exit(127);
	}
	CHECK(WEXITSTATUS(wait_status(pid)) == 0);
	close(mfd);
	ev = c.wait_exec(pid);
	REQUIRE(ev);
	CHECK(ev->process.exe == "/memfd:linesman-payload");
	CHECK((exec_of(*ev).flags & kExecMemfd) != 0);
	CHECK((exec_of(*ev).flags & kExecDeleted) == 0);
	CHECK(ev->process.argv == std::vector<std::string>{"payload"});
}

TEST_CASE("exec: a set-uid binary run by an unprivileged user")
{
	auto &c = shared_sensor();
	std::string path = scratch_dir() + "/suid-id";
	sh("cp /usr/bin/id " + path + " && chown root:root " + path + " && chmod 4755 " + path);
	pid_t pid = spawn(path, {"suid-id", "-u"}, [] {
		if (setgid(65534) != 0 || setuid(65534) != 0)
			_exit(125);
		int devnull = open("/dev/null", O_WRONLY);
		dup2(devnull, 1);
	});
	CHECK(WEXITSTATUS(wait_status(pid)) == 0);
	auto ev = c.wait_exec(pid);
	REQUIRE(ev);
	CHECK((exec_of(*ev).flags & kExecSetuid) != 0);
	CHECK((exec_of(*ev).flags & kExecSetgid) == 0);
	CHECK(ev->process.uid == 65534);
	CHECK(ev->process.euid == 0);
	CHECK(ev->process.gid == 65534);
	CHECK((exec_of(*ev).exe_mode & 04000) != 0);
}

TEST_CASE("exec: a script with a shebang runs through its interpreter")
{
	auto &c = shared_sensor();
	std::string path = scratch_dir() + "/script.sh";
	{
		std::ofstream f(path);
		f << "#!/bin/sh\nexit 3\n";
	}
	chmod(path.c_str(), 0755);
	pid_t pid = spawn(path, {"script.sh", "one"});
	int status = wait_status(pid);
	CHECK(WEXITSTATUS(status) == 3);
	auto ev = c.wait_exec(pid);
	REQUIRE(ev);
	CHECK(ev->process.exe == realpath_of("/bin/sh"));
	CHECK(exec_of(*ev).filename == path);
	CHECK((exec_of(*ev).flags & kExecScript) != 0);
	// The kernel rewrote argv: interpreter, script path, then the arguments.
	CHECK(ev->process.argv == std::vector<std::string>{"/bin/sh", path, "one"});
	auto ex = c.wait_exit(pid);
	REQUIRE(ex);
	CHECK(exit_of(*ex).code == 3);
}

TEST_CASE("exit: codes, signals and duration")
{
	auto &c = shared_sensor();
	pid_t pid = spawn("/bin/sh", {"sh", "-c", "sleep 0.2; exit 42"});
	CHECK(WEXITSTATUS(wait_status(pid)) == 42);
	auto ex = c.wait_exit(pid);
	REQUIRE(ex);
	CHECK(exit_of(*ex).code == 42);
	CHECK(exit_of(*ex).signal == 0);
	CHECK(exit_of(*ex).duration_ns >= 200'000'000);
	CHECK(exit_of(*ex).duration_ns < 5'000'000'000);
	CHECK(ex->process.exe == realpath_of("/bin/sh"));

	pid = spawn("/bin/sleep", {"sleep", "30"});
	auto started = c.wait_exec(pid);
	REQUIRE(started);
	kill(pid, SIGKILL);
	int status = wait_status(pid);
	CHECK(WIFSIGNALED(status));
	ex = c.wait_exit(pid);
	REQUIRE(ex);
	CHECK(exit_of(*ex).signal == SIGKILL);
	CHECK(exit_of(*ex).code == -1);
	CHECK(ex->process.exec_id == started->process.exec_id);
	CHECK(ex->process.argv == std::vector<std::string>{"sleep", "30"});
}

TEST_CASE("exec: pid reuse gives a different exec_id")
{
	auto &c = shared_sensor();
	pid_t first = spawn("/bin/true", {"true", "first"});
	wait_status(first);
	auto ev1 = c.wait_exec(first);
	REQUIRE(ev1);

	// Ask the kernel for the same pid again: ns_last_pid makes the next fork
	// take the pid after it. Other forks on the host may race us; retry.
	pid_t second = -1;
	for (int attempt = 0; attempt < 50 && second != first; ++attempt) {
		std::ofstream("/proc/sys/kernel/ns_last_pid") << (first - 1);
		second = spawn("/bin/true", {"true", "second"});
		wait_status(second);
	}
	REQUIRE_MESSAGE(second == first, "could not get pid " << first << " again");
	auto ev2 = c.wait_for([&](const Event &e) {
		return e.type == EventType::Exec && e.process.pid == uint32_t(second) &&
		       e.process.argv.size() == 2 && e.process.argv[1] == "second";
	});
	REQUIRE(ev2);
	CHECK(ev2->process.pid == ev1->process.pid);
	CHECK(ev2->process.exec_id != ev1->process.exec_id);
	CHECK(ev2->process.start_time_ns > ev1->process.start_time_ns);
}

TEST_CASE("exec: a process started before the agent has lineage from /proc")
{
	// A shell that outlives a sensor restart: started before this sensor
	// instance, it execs a child after.
	int pipefd[2];
	REQUIRE(pipe(pipefd) == 0);
	pid_t shell = fork();
	REQUIRE(shell >= 0);
	if (shell == 0) {
		dup2(pipefd[0], 0);
		close(pipefd[1]);
		execl("/bin/sh", "sh", "-c", "read go; /bin/true child-of-old-shell; exit 7", nullptr);
		_exit(127);
	}
	close(pipefd[0]);
	usleep(100'000); // let the shell exec before the sensor starts

	Collector c(test_config());
	REQUIRE(write(pipefd[1], "go\n", 3) == 3);
	close(pipefd[1]);
	CHECK(WEXITSTATUS(wait_status(shell)) == 7);

	auto child = c.wait_for([&](const Event &e) {
		return e.type == EventType::Exec && e.process.ppid == uint32_t(shell);
	});
	REQUIRE(child);
	CHECK(child->process.argv == std::vector<std::string>{"/bin/true", "child-of-old-shell"});
	REQUIRE(child->process.ancestors.size() >= 2);
	CHECK(child->process.ancestors[0] == realpath_of("/bin/sh"));
	CHECK(child->process.ancestors[1] == self_exe());
	CHECK_FALSE(child->process.parent_exec_id.empty());

	// The shell's own exit names the same exec_id its child named as parent,
	// and carries the command line read from /proc.
	auto ex = c.wait_exit(shell);
	REQUIRE(ex);
	CHECK(ex->process.exec_id == child->process.parent_exec_id);
	CHECK(ex->process.argv.size() == 3);
	CHECK(exit_of(*ex).code == 7);
}

TEST_CASE("exit: a process whose 8 threads die together is reported once")
{
	auto &c = shared_sensor();
	pid_t pid = spawn("/usr/bin/python3",
			  {"python3", "-c",
			   "import threading, time, os\n"
			   "for _ in range(8): threading.Thread(target=time.sleep, args=(5,), daemon=True).start()\n"
			   "time.sleep(0.2)\n"
			   "os._exit(5)\n"});
	CHECK(WEXITSTATUS(wait_status(pid)) == 5);
	auto ex = c.wait_exit(pid);
	REQUIRE(ex);
	CHECK(exit_of(*ex).code == 5);
	std::this_thread::sleep_for(500ms); // a duplicate would have arrived by now
	size_t exits = 0;
	for (const Event &e : c.snapshot())
		if (e.type == EventType::Exit && e.process.pid == uint32_t(pid))
			++exits;
	CHECK(exits == 1);
}
