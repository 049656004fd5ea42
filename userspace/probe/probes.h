// SPDX-License-Identifier: Apache-2.0
// Loads the BPF object (bpftool skeleton), checks what this kernel supports and
// attaches every program it can. With ringbuf/, the only libbpf user.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "aggregate/udp_summary.h"
#include "common/result.h"

struct linesman_bpf;
struct bpf_link;

namespace linesman::probe {

struct LoadOptions {
	uint32_t argv_max = 8192;
	uint32_t ringbuf_bytes = 16u << 20; // power of two, multiple of the page size
	uint64_t wakeup_bytes = 256u << 10;
	bool net_ignore_loopback = false;
	std::vector<uint16_t> net_ignore_ports;
	bool files = true;                  // attach the file family
	bool verbose = false;               // libbpf debug output on stderr
};

// The file family's kernel-side filter (see bpf/file.bpf.c).
struct FileWatchSet {
	struct Inode {
		uint64_t ino = 0;
		uint32_t dev = 0; // the kernel's dev_t: major << 20 | minor
		bool operator<(const Inode &o) const { return ino != o.ino ? ino < o.ino : dev < o.dev; }
	};
	std::vector<Inode> dirs;        // watched directories: everything below them
	std::vector<Inode> sensitive;   // files whose opens for reading are reported
	std::vector<std::string> patterns; // for path operations: absolute, `*`/`?` within a component
	bool sensitive_reads = false;
};

struct Attachment {
	std::string program; // BPF program name, e.g. "handle_exec"
	std::string hook;    // "tp_btf/sched_process_exec"
	std::string family;  // "process"
	bool required = false;
	bool attached = false;
	std::string error;   // why it is not attached
};

// Kernel-side counters, summed over CPUs.
struct KernelCounters {
	uint64_t dropped_exec = 0, dropped_fork = 0, dropped_exit = 0, dropped_net = 0;
	uint64_t conn_table_full = 0; // TCP connections not tracked
	uint64_t udp_table_full = 0;  // UDP packets not counted
	uint64_t udp_owner_full = 0;  // UDP sockets without a recorded owner
	uint64_t dropped_file = 0;       // file records other than CLOSE
	uint64_t dropped_file_close = 0; // CLOSE records: each a lost write event
	uint64_t file_table_full = 0;   // watched files opened for writing, not tracked
	uint64_t file_pending_full = 0; // descriptor attribute changes not examined
	uint64_t emitted = 0;
};

// Checks that need no BPF load: privileges, BTF, lockdown. The error names the
// cause and the fix; the caller prints it and exits non-zero.
Status preflight();

class Probes : public aggregate::UdpFlowTable {
public:
	static Result<std::unique_ptr<Probes>> load_and_attach(const LoadOptions &opts);
	~Probes(); // detaches and unloads
	Probes(const Probes &) = delete;
	Probes &operator=(const Probes &) = delete;

	// Stop the programs; maps (and records already in the ring) stay readable.
	void detach();
	int ringbuf_fd() const;
	std::vector<Attachment> attachments() const
	{
		std::lock_guard lock(mu_);
		return attachments_;
	}
	Result<KernelCounters> counters() const;

	// Replace the network filter (network.ignore_loopback, network.ignore_ports).
	Status set_net_filter(bool ignore_loopback, const std::vector<uint16_t> &ignore_ports);

	// Watched mkdir/rename/symlink operations the kernel has seen so far. Read
	// it before resolving a watch set and pass it to set_file_watch: until the
	// kernel's count moves past it, opens also check paths against the patterns.
	uint64_t file_dirs_changed() const;
	// Replace the file family's filter. Additions are written before removals,
	// so a path watched before and after is never unwatched in between.
	Status set_file_watch(const FileWatchSet &set, uint64_t dirs_changed_before);
	// Watched files open for writing, as the kernel tracks them, by file_id.
	struct OpenFile {
		uint64_t bytes = 0; // written so far
		uint32_t tgid = 0;  // the opener
		int32_t fd = -1;    // its descriptor
	};
	std::map<uint64_t, OpenFile> open_files() const;
	// Stop tracking a file the agent found closed without a CLOSE record (its
	// last holder went where no probe sees). Returns the bytes counted, or
	// nothing if the kernel finished it meanwhile.
	std::optional<uint64_t> forget_open_file(uint64_t file_id);

	// Emit a tcp_summary record for every open, tracked TCP connection.
	Status run_tcp_summaries();

	// Runs the kernel skipped because the same program was already running on
	// that CPU (bpf_prog_info.recursion_misses), by program name: each is a lost event.
	std::map<std::string, uint64_t> recursion_misses() const;

	// The kernel's UDP flow table (aggregate::UdpFlowTable).
	std::vector<aggregate::UdpFlow> snapshot() override;
	Result<std::optional<aggregate::UdpFlow>> take(const std::array<uint8_t, 32> &key) override;

private:
	Probes() = default;
	mutable std::mutex mu_; // detach() (stopping thread) vs run_tcp_summaries() (pipeline thread)
	linesman_bpf *skel_ = nullptr;
	std::vector<bpf_link *> links_;
	bpf_link *tcp_iter_ = nullptr; // owned by links_
	std::vector<Attachment> attachments_;
};

} // namespace linesman::probe
