// SPDX-License-Identifier: Apache-2.0
// The event log's ingest rate, for `make bench`: a busy hour of a switching host
// appended in the agent's batch size to a fresh store, timed by wall clock and by
// CPU. The query latencies over the result are measured by bench.py through the
// real `linesman` binary.
//
//   store_bench STATE_DIR [EVENTS [BATCH]]      prints one JSON object on stdout
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>
#include <vector>

#include "common/event.h"
#include "store/store.h"

using namespace linesman;

namespace {

size_t batch_size = 4096; // the agent's batch at full rate (kStoreBatch in sensor.cpp)

// The mix of a busy hour: 400 long-running daemons make most events (connections,
// config writes), and one event in 20 is the exec of a new short-lived process with
// its own pid and exec_id: 50,000 distinct processes per 1M events.
const char *const kDaemons[] = {"/usr/sbin/sshd",          "/usr/bin/python3",     "/usr/lib/frr/zebra",
				"/usr/lib/frr/bgpd",       "/opt/switch/bin/callctl", "/opt/switch/bin/cdrd",
				"/usr/sbin/rsyslogd",      "/usr/bin/java"};

Process process(uint32_t pid, const std::string &exe, uint64_t start_ns)
{
	Process p;
	p.pid = p.tid = pid;
	p.ppid = 1000 + pid % 7;
	p.exec_id = "c3ctMDE6" + std::to_string(pid) + ":" + std::to_string(start_ns);
	p.parent_exec_id = "c3ctMDE6" + std::to_string(p.ppid) + ":1";
	p.uid = pid % 3 ? 0 : 1000;
	p.user = p.uid ? "oper" : "root";
	p.comm = exe.substr(exe.rfind('/') + 1).substr(0, 15);
	p.exe = exe;
	p.argv = {exe, "--config", "/etc/switch/" + p.comm + ".conf", "-v"};
	p.cwd = "/";
	p.cgroup_id = 4242;
	p.start_time_ns = start_ns;
	p.ancestors = {"/usr/bin/bash", "/usr/sbin/sshd", "/usr/lib/systemd/systemd"};
	p.origin = SessionOrigin{.peer_addr = "192.0.2.7", .peer_port = 52144, .user = "oper", .via = "/usr/sbin/sshd"};
	return p;
}

Event event(uint64_t n, uint64_t time_ns, uint64_t hour_start_ns)
{
	Event ev;
	ev.seq = n;
	ev.time_ns = time_ns;
	ev.host = "sw-core-01";
	if (n % 20 == 0) {
		std::string exe = n % 40 ? "/usr/bin/ls" : "/usr/bin/true";
		ev.type = EventType::Exec;
		ev.process = process(uint32_t(100000 + n), exe, time_ns);
		ev.details = ExecDetails{.filename = exe, .argc = 4, .flags = 0, .exe_mode = 0100755,
					 .exe_ino = 1234567, .exe_dev = 0x800003};
		return ev;
	}
	uint32_t pid = uint32_t(2000 + n % 400);
	ev.process = process(pid, kDaemons[pid % 8], hour_start_ns);
	if (n % 3 == 0) {
		ev.type = EventType::File;
		FileDetails d;
		d.op = "write";
		d.path = "/etc/switch/conf.d/" + std::to_string(n % 5000) + ".conf";
		d.mode = 0100644;
		d.size_before = 3021;
		d.size_after = 3133;
		d.bytes_written = 3133;
		d.sha256_before = std::string(64, 'a');
		d.sha256_after = std::string(64, 'b');
		d.inode = 77 + n % 5000;
		d.dev = 0x800003;
		ev.details = std::move(d);
	} else {
		ev.type = EventType::Connect;
		NetDetails d;
		d.family = "inet";
		d.protocol = "tcp";
		d.sock_type = "stream";
		d.local_addr = "10.0.0.1";
		d.remote_addr = "10.20." + std::to_string(n % 200) + ".7";
		d.local_port = uint32_t(30000 + n % 30000);
		d.remote_port = uint32_t(5060 + n % 50);
		d.netns = 4026531840u;
		d.conn_id = std::to_string(n);
		d.result = "established";
		ev.details = std::move(d);
	}
	return ev;
}

double cpu_seconds()
{
	struct rusage ru{};
	getrusage(RUSAGE_SELF, &ru);
	return double(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
	       double(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

// Bytes this process passed to write(2)/pwrite(2) and read(2)/pread(2) so far: the
// WAL frames and checkpoints SQLite writes, and the pages it reads back. Unlike time
// they do not depend on what else the machine runs.
std::pair<uint64_t, uint64_t> io_bytes()
{
	uint64_t rchar = 0, wchar = 0;
	if (FILE *f = std::fopen("/proc/self/io", "r")) {
		char key[32];
		unsigned long long v;
		while (std::fscanf(f, "%31s %llu", key, &v) == 2) {
			if (std::string(key) == "rchar:")
				rchar = v;
			else if (std::string(key) == "wchar:")
				wchar = v;
		}
		std::fclose(f);
	}
	return {rchar, wchar};
}

} // namespace

int main(int argc, char **argv)
{
	if (argc < 2 || argc > 4) {
		std::fprintf(stderr, "usage: store_bench STATE_DIR [EVENTS [BATCH]]\n");
		return 2;
	}
	const uint64_t events = argc >= 3 ? strtoull(argv[2], nullptr, 10) : 1'000'000;
	if (argc == 4)
		batch_size = strtoull(argv[3], nullptr, 10);
	store::StoreOptions opts;
	opts.state_dir = argv[1];
	auto s = store::Store::open(opts);
	if (!s) {
		std::fprintf(stderr, "store_bench: %s\n", s.error().what().c_str());
		return 1;
	}
	// The current hour, so retention leaves it alone; all events inside it.
	auto now = uint64_t(std::chrono::duration_cast<std::chrono::nanoseconds>(
				std::chrono::system_clock::now().time_since_epoch())
				.count());
	const uint64_t hour_ns = 3'600'000'000'000ull, hour_start = now / hour_ns * hour_ns;
	const uint64_t step = hour_ns / (events + 1);

	// Built beforehand: the rate is the store's, not the generator's.
	std::vector<std::vector<Event>> batches;
	for (uint64_t n = 1; n <= events; ++n) {
		if ((n - 1) % batch_size == 0)
			batches.emplace_back().reserve(batch_size);
		batches.back().push_back(event(n, hour_start + n * step, hour_start));
	}

	auto t0 = std::chrono::steady_clock::now();
	double c0 = cpu_seconds();
	auto io0 = io_bytes();
	for (const auto &b : batches) {
		auto rep = s->append(b);
		if (rep.error) {
			std::fprintf(stderr, "store_bench: %s\n", rep.error->what().c_str());
			return 1;
		}
	}
	double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
	double cpu = cpu_seconds() - c0;
	auto io1 = io_bytes();
	std::printf("{\"events\": %llu, \"wall_s\": %.3f, \"cpu_s\": %.3f, \"events_per_s\": %.0f, "
		    "\"events_per_cpu_s\": %.0f, \"read_bytes_per_event\": %.0f, \"written_bytes_per_event\": %.0f, "
		    "\"file\": \"%s\"}\n",
		    (unsigned long long)events, wall, cpu, double(events) / wall, double(events) / cpu,
		    double(io1.first - io0.first) / double(events), double(io1.second - io0.second) / double(events),
		    s->current_file().c_str());
	return 0;
}
