// SPDX-License-Identifier: Apache-2.0
// Container ids: the cgroup path parser across runtimes and on bad input, the
// /proc/PID/cgroup and mountinfo parsers, and ContainerIds and the process
// cache on a fake /proc whose cgroup-v2 "mount" is a temporary directory (its
// directories' inode numbers stand in for cgroup ids, as on cgroup2).
#include <doctest/doctest.h>

#include <sys/stat.h>

#include <filesystem>
#include <string>

#include "fake_proc.h"
#include "proc/container.h"
#include "proc/process_cache.h"

using namespace linesman;
using namespace linesman::proc;
using namespace linesman::test;

namespace {

const std::string H1 = "3f4e9a0c5b1d2e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7";
const std::string H2 = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

// A cgroup-v2 tree in a temp dir, listed in the fake /proc's self/mountinfo.
struct Cgroups {
	FakeProc proc{"linesman-cg-proc"};
	FakeProc fs{"linesman-cg-fs"};
	ProcFs procfs{proc.root};
	explicit Cgroups(bool hybrid = false)
	{
		std::string mi = "25 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n"
				 "41 31 0:38 / " + fs.root + " rw,relatime - cgroup2 cgroup2 rw\n";
		if (hybrid)
			mi += "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n";
		proc.write("self/mountinfo", mi);
	}
	// Makes the cgroup directory; returns its id (the inode number).
	uint64_t mkcg(const std::string &path) const
	{
		std::filesystem::create_directories(fs.root + path);
		struct stat st{};
		REQUIRE(::stat((fs.root + path).c_str(), &st) == 0);
		return st.st_ino;
	}
	void put(uint32_t pid, const std::string &cgroup_file) const
	{
		proc.write(std::to_string(pid) + "/cgroup", cgroup_file);
	}
};

} // namespace

TEST_CASE("container_id_of_cgroup: the runtimes' cgroup names")
{
	// docker, systemd and cgroupfs drivers
	CHECK(container_id_of_cgroup("/system.slice/docker-" + H1 + ".scope") == H1);
	CHECK(container_id_of_cgroup("/docker/" + H1) == H1);
	// docker in docker: the inner container
	CHECK(container_id_of_cgroup("/docker/" + H1 + "/docker/" + H2) == H2);
	// containerd under kubelet, systemd driver
	CHECK(container_id_of_cgroup("/kubepods.slice/kubepods-burstable.slice/"
				     "kubepods-burstable-pod4f1c2d3e_5a6b_7c8d_9e0f_112233445566.slice/"
				     "cri-containerd-" + H1 + ".scope") == H1);
	// kubelet's cgroupfs driver
	CHECK(container_id_of_cgroup("/kubepods/burstable/pod4f1c2d3e-5a6b-7c8d-9e0f-112233445566/" + H2) == H2);
	CHECK(container_id_of_cgroup("/kubepods/pod4f1c2d3e-5a6b-7c8d-9e0f-112233445566/" + H2) == H2);
	// CRI-O, and its monitor (a host process)
	CHECK(container_id_of_cgroup("/kubepods.slice/kubepods-besteffort.slice/"
				     "kubepods-besteffort-pod1.slice/crio-" + H1 + ".scope") == H1);
	CHECK(container_id_of_cgroup("/kubepods.slice/kubepods-besteffort.slice/"
				     "kubepods-besteffort-pod1.slice/crio-conmon-" + H1 + ".scope") == "");
	// podman: systemd scope with the payload in a sub-cgroup; cgroupfs; conmon
	CHECK(container_id_of_cgroup("/machine.slice/libpod-" + H2 + ".scope/container") == H2);
	CHECK(container_id_of_cgroup("/libpod_parent/libpod-" + H2) == H2);
	CHECK(container_id_of_cgroup("/machine.slice/libpod-conmon-" + H2 + ".scope") == "");
	// a systemd inside the container makes its own sub-cgroups
	CHECK(container_id_of_cgroup("/system.slice/docker-" + H1 + ".scope/system.slice/nginx.service") ==
	      H1);
	// LXC 4+ / LXD, older LXC, and the monitor
	CHECK(container_id_of_cgroup("/lxc.payload.msc-b07-lab") == "msc-b07-lab");
	CHECK(container_id_of_cgroup("/lxc.payload.web1/system.slice/sshd.service") == "web1");
	CHECK(container_id_of_cgroup("/lxc/db_2.test") == "db_2.test");
	CHECK(container_id_of_cgroup("/lxc/db2/docker/" + H1) == H1);
	CHECK(container_id_of_cgroup("/lxc.monitor.web1") == "");
}

TEST_CASE("container_id_of_cgroup: host cgroups and malformed ids give none")
{
	for (const std::string &p : std::vector<std::string>{
		 std::string(""), std::string("/"), std::string("//"),
		 std::string("/system.slice/sshd.service"),
		 std::string("/user.slice/user-1000.slice/session-3.scope"),
		 std::string("/init.scope"),
		 std::string("/docker"), std::string("/kubepods.slice"),
		 std::string("/lxc"), std::string("/lxc.payload."),
		 "/docker-" + H1.substr(1) + ".scope",                // 63 hex
		 "/docker-" + H1 + "0.scope",                         // 65 hex
		 "/docker-3F4E9A0C5B1D2E7F8091A2B3C4D5E6F708192A3B4C5D6E7F8091A2B3C4D5E6F7.scope", // upper case
		 "/docker-" + H1.substr(0, 63) + "g.scope",           // not hex
		 "/docker-" + H1 + ".scopex",
		 "/system.slice/docker.service",
		 "/" + H1,                                            // bare id outside docker/kubepods
		 std::string("/process_api/e162e8ebd706e63e66d4df57649ad98e"), // 32 hex
		 "/system.slice/containerd.service/" + H1.substr(0, 12),
	     }) {
		CAPTURE(p);
		CHECK(container_id_of_cgroup(p) == "");
	}
}

TEST_CASE("parse_proc_cgroup: v2, hybrid, malformed")
{
	auto v2 = parse_proc_cgroup("0::/system.slice/docker-" + H1 + ".scope\n");
	REQUIRE(v2.unified);
	CHECK(*v2.unified == "/system.slice/docker-" + H1 + ".scope");
	CHECK(v2.legacy.empty());

	auto hybrid = parse_proc_cgroup("12:memory:/docker/" + H2 + "\n"
					"1:name=systemd:/docker/" + H2 + "\n"
					"0::/\n");
	REQUIRE(hybrid.unified);
	CHECK(*hybrid.unified == "/");
	CHECK(hybrid.legacy == std::vector<std::string>{"/docker/" + H2, "/docker/" + H2});

	// a ':' inside the path is part of it; junk lines are skipped
	auto odd = parse_proc_cgroup("garbage\n3:cpu\n0::/a:b\n4:pids:relative\n");
	REQUIRE(odd.unified);
	CHECK(*odd.unified == "/a:b");
	CHECK(odd.legacy.empty());
	CHECK_FALSE(parse_proc_cgroup("").unified);
}

TEST_CASE("parse_cgroup_mounts: hybrid, pure v2, escaped mount points, none")
{
	auto hybrid = parse_cgroup_mounts(
	    "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
	    "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
	    "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime shared:9 master:2 - cgroup2 cgroup2 rw\n");
	CHECK(hybrid.unified == "/sys/fs/cgroup/unified");
	CHECK(hybrid.legacy);

	auto v2 = parse_cgroup_mounts(
	    "30 23 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 "
	    "rw,nsdelegate,memory_recursiveprot\n");
	CHECK(v2.unified == "/sys/fs/cgroup");
	CHECK_FALSE(v2.legacy);

	CHECK(parse_cgroup_mounts("41 31 0:38 / /mnt/cg\\040two rw - cgroup2 none rw\n").unified ==
	      "/mnt/cg two");
	auto none = parse_cgroup_mounts("25 1 8:1 / / rw - ext4 /dev/sda1 rw\nshort line\n- - -\n");
	CHECK(none.unified == "");
	CHECK_FALSE(none.legacy);
}

TEST_CASE("ContainerIds: verified against the cgroup's inode, then a hash lookup")
{
	Cgroups cg;
	uint64_t docker = cg.mkcg("/system.slice/docker-" + H1 + ".scope");
	uint64_t sshd = cg.mkcg("/system.slice/sshd.service");
	cg.put(100, "0::/system.slice/docker-" + H1 + ".scope\n");
	cg.put(200, "0::/system.slice/sshd.service\n");

	ContainerIds ids(cg.procfs);
	CHECK(ids.mounts().unified == cg.fs.root);
	CHECK(ids.of(100, docker) == H1);
	CHECK(ids.of(200, sshd) == "");
	CHECK(ids.stats().misses == 2);
	CHECK(ids.size() == 2); // pure v2: a host cgroup's answer is final too

	// Hits never read /proc: the files are gone and the answers stay.
	cg.proc.remove("100");
	cg.proc.remove("200");
	CHECK(ids.of(101, docker) == H1);
	CHECK(ids.of(201, sshd) == "");
	CHECK(ids.stats().hits == 2);
	CHECK(ids.stats().misses == 2);

	// /proc gone on a miss: nothing guessed, nothing cached.
	uint64_t other = cg.mkcg("/system.slice/docker-" + H2 + ".scope");
	CHECK(ids.of(300, other) == "");
	CHECK(ids.stats().unverified == 1);
	// The process moved after its record: its /proc names another cgroup.
	cg.put(300, "0::/system.slice/docker-" + H2 + ".scope\n");
	CHECK(ids.of(300, other + 1'000'000) == "");
	CHECK(ids.stats().unverified == 2);
	CHECK(ids.of(300, other) == H2);
	// A cgroup removed since (a zombie's, after the runtime cleaned up).
	cg.put(301, "0::/system.slice/docker-" + H1 + "0.scope\n");
	CHECK(ids.of(301, 12345) == "");
	CHECK(ids.size() == 3);
}

TEST_CASE("ContainerIds: seeded processes get their cgroup id from the inode")
{
	Cgroups cg;
	uint64_t kube = cg.mkcg("/kubepods/burstable/pod4f1c/" + H2);
	cg.put(400, "0::/kubepods/burstable/pod4f1c/" + H2 + "\n");
	cg.put(401, "0::/\n");
	ContainerIds ids(cg.procfs);
	auto found = ids.of_seeded(400);
	CHECK(found.cgroup_id == kube);
	CHECK(found.container_id == H2);
	auto root = ids.of_seeded(401);
	struct stat st{};
	REQUIRE(::stat(cg.fs.root.c_str(), &st) == 0);
	CHECK(root.cgroup_id == st.st_ino);
	CHECK(root.container_id == "");
	CHECK(ids.of_seeded(402).cgroup_id == 0); // no /proc entry
}

TEST_CASE("ContainerIds: hybrid hosts fall back to v1 paths and keep host answers uncached")
{
	Cgroups cg(true);
	struct stat st{};
	REQUIRE(::stat(cg.fs.root.c_str(), &st) == 0);
	uint64_t root = st.st_ino;
	// docker with the cgroupfs driver on v1: its v2 cgroup is the root, shared with the host
	cg.put(500, "4:memory:/docker/" + H1 + "\n1:name=systemd:/docker/" + H1 + "\n0::/\n");
	cg.put(501, "4:memory:/\n1:name=systemd:/\n0::/\n");
	ContainerIds ids(cg.procfs);
	CHECK(ids.mounts().legacy);
	CHECK(ids.of(500, root) == H1);
	CHECK(ids.of(501, root) == "");
	CHECK(ids.of(500, root) == H1);
	CHECK(ids.size() == 0);
	CHECK(ids.stats().misses == 3);
	// a container the v2 path names is still cached
	uint64_t scope = cg.mkcg("/system.slice/docker-" + H2 + ".scope");
	cg.put(502, "4:memory:/system.slice/docker-" + H2 + ".scope\n0::/system.slice/docker-" + H2 +
			".scope\n");
	CHECK(ids.of(502, scope) == H2);
	CHECK(ids.size() == 1);
}

TEST_CASE("ContainerIds: no cgroup2 mount (legacy host): v1 paths only, never cached")
{
	FakeProc proc("linesman-cg-legacy");
	proc.write("self/mountinfo", "35 31 0:32 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n");
	proc.write("600/cgroup", "4:memory:/lxc/web1\n0::/\n");
	ProcFs procfs(proc.root);
	ContainerIds ids(procfs);
	CHECK(ids.mounts().unified == "");
	CHECK(ids.of(600, 1) == "web1");
	CHECK(ids.of(600, 1) == "web1");
	CHECK(ids.size() == 0);
	CHECK(ids.stats().misses == 2);
}

TEST_CASE("ContainerIds: the cache is bounded")
{
	Cgroups cg;
	ContainerIds ids(cg.procfs, 2);
	for (int i = 0; i < 3; ++i) {
		std::string path = "/lxc.payload.c" + std::to_string(i);
		uint64_t id = cg.mkcg(path);
		cg.put(700 + uint32_t(i), "0::" + path + "\n");
		CHECK(ids.of(700 + uint32_t(i), id) == "c" + std::to_string(i));
	}
	CHECK(ids.size() == 1);
	CHECK(ids.stats().flushed == 1);
}

TEST_CASE("process cache: container ids at seed, exec and fork")
{
	Cgroups cg;
	uint64_t docker = cg.mkcg("/system.slice/docker-" + H1 + ".scope");
	uint64_t sshd = cg.mkcg("/system.slice/sshd.service");
	cg.proc.add({.pid = 1, .comm = "init", .start_ticks = 4, .exe = "/sbin/init"});
	cg.put(1, "0::/init.scope\n"); // not made: unverifiable, so empty and cgroup id 0
	cg.proc.add({.pid = 800, .ppid = 1, .comm = "containerd-shim", .start_ticks = 100,
		     .exe = "/usr/bin/containerd-shim-runc-v2"});
	cg.put(800, "0::/system.slice/sshd.service\n");
	cg.proc.add({.pid = 900, .ppid = 800, .comm = "nginx", .start_ticks = 200, .exe = "/usr/sbin/nginx"});
	cg.put(900, "0::/system.slice/docker-" + H1 + ".scope\n");

	CacheOptions o;
	o.boot_id = "boot";
	o.user_name = [](uint32_t) { return std::string("root"); };
	constexpr uint64_t kTick = 10'000'000; // 100 Hz
	ProcessCache cache(cg.procfs, o);
	REQUIRE(cache.seed() == 3);
	auto nginx = cache.lookup({900, 200 * kTick});
	REQUIRE(nginx);
	CHECK(nginx->container_id == H1);
	CHECK(nginx->cgroup_id == docker);
	auto shim = cache.lookup({800, 100 * kTick});
	REQUIRE(shim);
	CHECK(shim->container_id == "");
	CHECK(shim->cgroup_id == sshd);
	auto init = cache.lookup({1, 4 * kTick});
	REQUIRE(init);
	CHECK(init->container_id == "");
	CHECK(init->cgroup_id == 0);

	// The shim forks; the child joins the container's cgroup, then execs.
	decode::ForkRecord fork;
	fork.hdr = {.ktime_ns = 300 * kTick, .tgid = 950, .tid = 950, .start_boottime = 300 * kTick};
	fork.parent_tgid = 800;
	fork.parent_start_boottime = 100 * kTick;
	cache.on_fork(fork);
	CHECK(cache.lookup(fork.hdr.key())->container_id == ""); // still the shim's image
	uint64_t docker2 = cg.mkcg("/system.slice/docker-" + H2 + ".scope");
	cg.put(950, "0::/system.slice/docker-" + H2 + ".scope\n");
	decode::ExecRecord exec;
	exec.hdr = {.ktime_ns = 301 * kTick, .tgid = 950, .tid = 950, .start_boottime = 300 * kTick};
	exec.ppid = 800;
	exec.parent_start_boottime = 100 * kTick;
	exec.cgroup_id = docker2;
	exec.comm = "sh";
	exec.exe = "/bin/sh";
	Process p = cache.on_exec(exec);
	CHECK(p.container_id == H2);
	CHECK(p.cgroup_id == docker2);
	CHECK(cache.lookup(fork.hdr.key())->container_id == H2);

	// Its child inherits the image; its own exec is a cache hit (no /proc entry needed).
	decode::ForkRecord fork2;
	fork2.hdr = {.ktime_ns = 302 * kTick, .tgid = 951, .tid = 951, .start_boottime = 302 * kTick};
	fork2.parent_tgid = 950;
	fork2.parent_start_boottime = 300 * kTick;
	cache.on_fork(fork2);
	CHECK(cache.lookup(fork2.hdr.key())->container_id == H2);
	decode::ExecRecord exec2 = exec;
	exec2.hdr = {.ktime_ns = 303 * kTick, .tgid = 951, .tid = 951, .start_boottime = 302 * kTick};
	exec2.ppid = 950;
	exec2.parent_start_boottime = 300 * kTick;
	CHECK(cache.on_exec(exec2).container_id == H2);

	// A host process's exec: the seed cached its cgroup's answer.
	decode::ExecRecord host = exec;
	host.hdr = {.ktime_ns = 304 * kTick, .tgid = 960, .tid = 960, .start_boottime = 304 * kTick};
	host.cgroup_id = sshd;
	CHECK(cache.on_exec(host).container_id == "");
	CHECK(cache.containers().stats().hits == 2);
}
