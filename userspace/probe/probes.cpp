// SPDX-License-Identifier: Apache-2.0
#include "probe/probes.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include "linesman.skel.h"
#include "linesman_abi.h"

namespace linesman::probe {
namespace {

constexpr const char *kBtfPath = "/sys/kernel/btf/vmlinux";

bool g_verbose = false;

int libbpf_log(enum libbpf_print_level level, const char *fmt, va_list args)
{
	if (level == LIBBPF_DEBUG && !g_verbose)
		return 0;
	std::fputs("linesmand: libbpf: ", stderr);
	return std::vfprintf(stderr, fmt, args);
}

std::string read_first_line(const char *path)
{
	std::ifstream f(path);
	std::string line;
	std::getline(f, line);
	return line;
}

// Families and hooks of each program, for messages and the status report.
struct ProgramInfo {
	const char *name;
	const char *hook;
	const char *family;
	bool required;
};
constexpr ProgramInfo kPrograms[] = {
	{"handle_exec", "tp_btf/sched_process_exec", "process", true},
	{"handle_fork", "tp_btf/sched_process_fork", "process", false},
	{"handle_exit", "tp_btf/sched_process_exit", "process", false},
	{"handle_tcp_state", "tp_btf/inet_sock_set_state", "net", false},
	{"handle_accept4", "tp/syscalls/sys_exit_accept4", "net", false},
	{"handle_accept", "tp/syscalls/sys_exit_accept", "net", false},
	{"handle_socket", "tp/syscalls/sys_exit_socket", "net", false},
	{"handle_bind", "tp/syscalls/sys_enter_bind", "net", false},
};

// Classic tracepoints are attached by id, which libbpf reads from tracefs; a
// fresh machine may not have it mounted. Mount it where libbpf looks first.
Status ensure_tracefs()
{
	if (access("/sys/kernel/tracing/events", F_OK) == 0 ||
	    access("/sys/kernel/debug/tracing/events", F_OK) == 0)
		return ok();
	if (mount("tracefs", "/sys/kernel/tracing", "tracefs", 0, nullptr) != 0)
		return Error::from_errno(errno, "tracefs is not mounted and mounting it at "
						"/sys/kernel/tracing failed (syscall tracepoints need it)");
	return ok();
}

Status write_net_filter(linesman_bpf *skel, const LoadOptions &opts)
{
	ls_net_filter f{};
	if (opts.net_ignore_loopback)
		f.flags |= LS_NET_IGNORE_LOOPBACK;
	for (uint16_t port : opts.net_ignore_ports)
		f.ignored_ports[port / 8] |= uint8_t(1u << (port % 8));
	uint32_t zero = 0;
	if (bpf_map_update_elem(bpf_map__fd(skel->maps.net_filter), &zero, &f, BPF_ANY))
		return Error::from_errno(errno, "cannot write the network filter map");
	return ok();
}

uint64_t effective_capabilities()
{
	std::ifstream f("/proc/self/status");
	std::string line;
	while (std::getline(f, line))
		if (line.rfind("CapEff:", 0) == 0)
			return std::stoull(line.substr(7), nullptr, 16);
	return 0;
}

} // namespace

Status preflight()
{
	if (access(kBtfPath, R_OK) != 0)
		return Error(std::string("kernel BTF not found at ") + kBtfPath +
			     ": this kernel was built without CONFIG_DEBUG_INFO_BTF; Linesman needs a "
			     "kernel >= 5.17 built with BTF");
	// "none [integrity] confidentiality": confidentiality forbids reading kernel memory.
	std::string lockdown = read_first_line("/sys/kernel/security/lockdown");
	if (lockdown.find("[confidentiality]") != std::string::npos)
		return Error("kernel lockdown is in confidentiality mode, which forbids BPF programs "
			     "from reading kernel memory: boot with lockdown=integrity or none");
	if (geteuid() != 0) {
		// Without root, CAP_BPF (39) + CAP_PERFMON (38), Linux 5.8+, suffice for tracing.
		uint64_t eff = effective_capabilities();
		if (!(eff & (1ull << 39)) || !(eff & (1ull << 38)))
			return Error("not running as root and missing CAP_BPF/CAP_PERFMON: run linesmand "
				     "as root (sudo) or from the packaged systemd unit");
	}
	if (libbpf_probe_bpf_map_type(BPF_MAP_TYPE_RINGBUF, nullptr) != 1)
		return Error("this kernel has no BPF ring buffer: Linesman needs Linux >= 5.17");
	// bpf_loop is a base helper, offered to every program type that has one, so
	// a tracepoint-type probe answers for tp_btf too.
	if (libbpf_probe_bpf_helper(BPF_PROG_TYPE_TRACEPOINT, BPF_FUNC_loop, nullptr) != 1)
		return Error("this kernel has no bpf_loop helper, which the in-kernel path walk "
			     "needs: Linesman needs Linux >= 5.17");
	return ok();
}

Result<std::unique_ptr<Probes>> Probes::load_and_attach(const LoadOptions &opts)
{
	g_verbose = opts.verbose;
	libbpf_set_print(libbpf_log);
	// libbpf >= 1.0 raises RLIMIT_MEMLOCK only on kernels that still charge BPF
	// memory to it (< 5.11); since 5.11 BPF memory is charged to the memcg, and a
	// failed setrlimit (no CAP_SYS_RESOURCE) is harmless. It is never fatal here.

	std::unique_ptr<Probes> p(new Probes());
	p->skel_ = linesman_bpf__open();
	if (!p->skel_)
		return Error::from_errno(errno, "cannot open the embedded BPF object");

	auto *rodata = p->skel_->rodata;
	rodata->cfg_argv_max = opts.argv_max;
	rodata->cfg_wakeup_bytes = opts.wakeup_bytes;
	int err = bpf_map__set_max_entries(p->skel_->maps.events_rb, opts.ringbuf_bytes);
	if (!err)
		err = bpf_map__set_max_entries(p->skel_->maps.exec_scratch, libbpf_num_possible_cpus());
	if (err)
		return Error::from_errno(err, "cannot size BPF maps");

	err = linesman_bpf__load(p->skel_);
	if (err) {
		std::string hint;
		if (err == -EPERM || err == -EACCES)
			hint = " (permission denied: run as root, and check that lockdown or a security "
			       "module does not forbid BPF)";
		return Error::from_errno(err, "the kernel refused Linesman's BPF programs" + hint +
						      "; run with --verbose for the verifier log");
	}

	if (auto st = write_net_filter(p->skel_, opts); !st)
		return st.error();
	// Without tracefs the syscall tracepoints cannot attach; each says why below.
	Status tracefs = ensure_tracefs();

	for (const ProgramInfo &info : kPrograms) {
		Attachment a{info.name, info.hook, info.family, info.required, false, ""};
		bpf_program *prog = bpf_object__find_program_by_name(p->skel_->obj, info.name);
		if (!prog) {
			a.error = "program missing from the BPF object";
		} else {
			bpf_link *link = bpf_program__attach(prog);
			if (!link) {
				a.error = std::string("attach failed: ") + std::strerror(errno);
				if (!tracefs && std::string(info.hook).rfind("tp/", 0) == 0)
					a.error += " (" + tracefs.error().what() + ")";
			} else {
				a.attached = true;
				p->links_.push_back(link);
			}
		}
		if (info.required && !a.attached)
			return Error("cannot attach " + a.program + " to " + a.hook + ": " + a.error +
				     "; exec events are the sensor's core and it will not run without them");
		p->attachments_.push_back(std::move(a));
	}
	return p;
}

void Probes::detach()
{
	for (bpf_link *link : links_)
		bpf_link__destroy(link);
	links_.clear();
	for (Attachment &a : attachments_)
		a.attached = false;
}

Probes::~Probes()
{
	detach();
	if (skel_)
		linesman_bpf__destroy(skel_);
}

int Probes::ringbuf_fd() const
{
	return bpf_map__fd(skel_->maps.events_rb);
}

Result<KernelCounters> Probes::counters() const
{
	int ncpu = libbpf_num_possible_cpus();
	if (ncpu <= 0)
		return Error::from_errno(ncpu, "cannot count possible CPUs");
	std::vector<uint64_t> values(ncpu);
	auto sum = [&](uint32_t idx) -> Result<uint64_t> {
		if (bpf_map_lookup_elem(bpf_map__fd(skel_->maps.counters), &idx, values.data()))
			return Error::from_errno(errno, "reading BPF counters");
		uint64_t total = 0;
		for (uint64_t v : values)
			total += v;
		return total;
	};
	KernelCounters c;
	struct {
		uint32_t idx;
		uint64_t *out;
	} fields[] = {{LS_CNT_RB_DROP_EXEC, &c.dropped_exec},
		      {LS_CNT_RB_DROP_FORK, &c.dropped_fork},
		      {LS_CNT_RB_DROP_EXIT, &c.dropped_exit},
		      {LS_CNT_RB_DROP_NET, &c.dropped_net},
		      {LS_CNT_CONN_TABLE_FULL, &c.conn_table_full},
		      {LS_CNT_EMITTED, &c.emitted}};
	for (auto &f : fields) {
		auto v = sum(f.idx);
		if (!v)
			return v.error();
		*f.out = v.value();
	}
	return c;
}

} // namespace linesman::probe
