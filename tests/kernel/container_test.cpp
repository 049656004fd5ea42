// SPDX-License-Identifier: Apache-2.0
// Container ids against the real kernel: a cgroup-v2 directory named the way
// docker's systemd driver names a container's scope, a process moved into it
// as runc moves one (fork, join the cgroup, exec), and the events it causes.
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <climits>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>

#include <doctest/doctest.h>

#include "harness.h"
#include "proc/container.h"

using namespace linesman;
using namespace linesman::test;

namespace {

std::string read_text(const std::string &path)
{
	std::ifstream in(path);
	std::stringstream ss;
	ss << in.rdbuf();
	return ss.str();
}

void write_text(const std::string &path, const std::string &text)
{
	int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
	REQUIRE_MESSAGE(fd >= 0, path << ": " << std::strerror(errno));
	ssize_t n = ::write(fd, text.data(), text.size());
	int err = errno;
	::close(fd);
	REQUIRE_MESSAGE(n == ssize_t(text.size()), path << ": " << std::strerror(err));
}

std::string random_id()
{
	unsigned char bytes[32];
	std::ifstream("/dev/urandom", std::ios::binary).read(reinterpret_cast<char *>(bytes), sizeof bytes);
	static const char digits[] = "0123456789abcdef";
	std::string id;
	for (unsigned char b : bytes) {
		id += digits[b >> 4];
		id += digits[b & 15];
	}
	return id;
}

// "<cgroup2 mount>/docker-<64 hex>.scope", removed on destruction after moving
// anything left in it back to the root.
struct DockerScope {
	std::string root, dir, id = random_id();
	uint64_t cgroup_id = 0;

	DockerScope()
	{
		root = proc::parse_cgroup_mounts(read_text("/proc/self/mountinfo")).unified;
		REQUIRE_MESSAGE(!root.empty(), "no cgroup2 mount in /proc/self/mountinfo");
		dir = root + "/docker-" + id + ".scope";
		REQUIRE_MESSAGE(::mkdir(dir.c_str(), 0755) == 0, dir << ": " << std::strerror(errno));
		struct stat st{};
		REQUIRE(::stat(dir.c_str(), &st) == 0);
		cgroup_id = st.st_ino;
	}
	~DockerScope()
	{
		std::istringstream pids(read_text(dir + "/cgroup.procs"));
		for (std::string pid; std::getline(pids, pid);)
			if (!pid.empty()) {
				int fd = ::open((root + "/cgroup.procs").c_str(), O_WRONLY | O_CLOEXEC);
				if (fd >= 0) {
					(void)!::write(fd, pid.data(), pid.size());
					::close(fd);
				}
			}
		if (::rmdir(dir.c_str()) != 0)
			MESSAGE("cannot remove " << dir << ": " << std::strerror(errno));
	}
	// In a forked child, before exec: "0" moves the writer (cgroup-v2.rst, cgroup.procs).
	void join_self() const { write_text(dir + "/cgroup.procs", "0"); }
	std::string procs() const { return read_text(dir + "/cgroup.procs"); }
};

} // namespace

TEST_CASE("container: a process in docker-<id>.scope carries the container id; host processes do not")
{
	DockerScope scope;
	std::string watched = scratch_dir() + "/container-" + scope.id.substr(0, 12);
	REQUIRE(::mkdir(watched.c_str(), 0755) == 0);

	// Started before the sensor: found by its /proc scan.
	pid_t sleeper = spawn("/bin/sleep", {"sleep", "60"}, [&] { scope.join_self(); });
	for (int i = 0; i < 200 && scope.procs().empty(); ++i)
		usleep(10'000);
	REQUIRE(scope.procs() == std::to_string(sleeper) + "\n");
	usleep(100'000); // let it exec sleep before the scan

	agent::Config cfg = test_config();
	cfg.files.watch = {watched + "/"};
	Collector c(cfg);

	// runc's order: fork, join the container's cgroup, exec. The shell opens
	// a watched file for writing, then execs /bin/true in the same process.
	std::string marker = "linesman-container-" + scope.id.substr(0, 12);
	std::string file = watched + "/written-in-container";
	pid_t child = spawn("/bin/sh", {"sh", "-c", "echo hi > " + file + "; exec /bin/true " + marker},
			    [&] { scope.join_self(); });
	// Not reaped until its events are in: the agent reads /proc/PID/cgroup on a miss.
	auto sh_exec = c.wait_exec(child);
	REQUIRE(sh_exec);
	CHECK(sh_exec->process.container_id == scope.id);
	CHECK(sh_exec->process.cgroup_id == scope.cgroup_id);
	auto true_exec = c.wait_for([&](const Event &e) {
		return e.type == EventType::Exec && e.process.pid == uint32_t(child) &&
		       e.process.argv == std::vector<std::string>{"/bin/true", marker};
	});
	REQUIRE(true_exec);
	CHECK(true_exec->process.container_id == scope.id);
	CHECK(true_exec->process.cgroup_id == scope.cgroup_id);
	char true_path[PATH_MAX];
	REQUIRE(realpath("/bin/true", true_path) != nullptr);
	CHECK(true_exec->process.exe == true_path);
	auto write = c.wait_for([&](const Event &e) {
		const auto *f = std::get_if<FileDetails>(&e.details);
		return f && f->path == file && e.process.pid == uint32_t(child);
	});
	REQUIRE(write);
	CHECK(write->process.container_id == scope.id);
	auto child_exit = c.wait_exit(child);
	REQUIRE(child_exit);
	CHECK(child_exit->process.container_id == scope.id);
	CHECK(WEXITSTATUS(wait_status(child)) == 0);

	// A host process, also left unreaped until its event is in.
	pid_t host = spawn("/bin/true", {"true", "linesman-host-" + scope.id.substr(0, 12)});
	auto host_exec = c.wait_exec(host);
	REQUIRE(host_exec);
	CHECK(host_exec->process.container_id == "");
	CHECK(host_exec->process.cgroup_id != scope.cgroup_id);
	wait_status(host);

	// The process seeded from /proc: its exit names the container.
	REQUIRE(::kill(sleeper, SIGKILL) == 0);
	auto sleeper_exit = c.wait_exit(sleeper);
	REQUIRE(sleeper_exit);
	CHECK(sleeper_exit->process.container_id == scope.id);
	CHECK(sleeper_exit->process.cgroup_id == scope.cgroup_id);
	CHECK(sleeper_exit->process.argv == std::vector<std::string>{"sleep", "60"});
	CHECK(WTERMSIG(wait_status(sleeper)) == SIGKILL);

	CHECK(scope.procs() == "");
	(void)!std::system(("rm -rf " + watched).c_str());
}
