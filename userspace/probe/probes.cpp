// SPDX-License-Identifier: Apache-2.0
#include "probe/probes.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <fcntl.h>
#include <sys/mount.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
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
	bool cgroup = false; // attached to the cgroup-v2 root, not a tracepoint
	bool iter = false;   // a BPF iterator: run on demand by the agent
};
constexpr ProgramInfo kPrograms[] = {
	{"handle_exec", "tp_btf/sched_process_exec", "process", true},
	{"handle_fork", "tp_btf/sched_process_fork", "process", false},
	{"handle_exit", "tp_btf/sched_process_exit", "process", false},
	{"tcp_state", "tp_btf/inet_sock_set_state", "net", false},
	{"handle_accept4", "tp/syscalls/sys_exit_accept4", "net", false},
	{"handle_accept", "tp/syscalls/sys_exit_accept", "net", false},
	{"handle_socket", "tp/syscalls/sys_exit_socket", "net", false},
	{"handle_bind", "tp/syscalls/sys_enter_bind", "net", false},
	{"udp_sock_create", "cgroup/sock_create", "udp", false, true},
	{"udp_sock_free", "cgroup/sock_release", "udp", false, true},
	{"udp_egress", "cgroup_skb/egress", "udp", false, true},
	{"udp_ingress", "cgroup_skb/ingress", "udp", false, true},
	{"tcp_summary", "iter/task_file", "net", false, false, true},
	{"file_openat", "tp/syscalls/sys_exit_openat", "file", false},
	{"file_open", "tp/syscalls/sys_exit_open", "file", false},
	{"file_creat", "tp/syscalls/sys_exit_creat", "file", false},
	{"file_openat2", "tp/syscalls/sys_exit_openat2", "file", false},
	{"file_close", "tp/syscalls/sys_enter_close", "file", false},
	{"file_dup2", "tp/syscalls/sys_enter_dup2", "file", false},
	{"file_dup3", "tp/syscalls/sys_enter_dup3", "file", false},
	{"file_closerange", "tp/syscalls/sys_enter_close_range", "file", false},
	{"file_task_exit", "tp_btf/sched_process_exit", "file", false},
	{"file_task_exec", "tp_btf/sched_process_exec", "file", false},
	{"file_unlink", "tp/syscalls/sys_exit_unlink", "file", false},
	{"file_unlinkat", "tp/syscalls/sys_exit_unlinkat", "file", false},
	{"file_rmdir", "tp/syscalls/sys_exit_rmdir", "file", false},
	{"file_mkdir", "tp/syscalls/sys_exit_mkdir", "file", false},
	{"file_mkdirat", "tp/syscalls/sys_exit_mkdirat", "file", false},
	{"file_rename", "tp/syscalls/sys_exit_rename", "file", false},
	{"file_renameat", "tp/syscalls/sys_exit_renameat", "file", false},
	{"file_renameat2", "tp/syscalls/sys_exit_renameat2", "file", false},
	{"file_link", "tp/syscalls/sys_exit_link", "file", false},
	{"file_linkat", "tp/syscalls/sys_exit_linkat", "file", false},
	{"file_symlink", "tp/syscalls/sys_exit_symlink", "file", false},
	{"file_symlinkat", "tp/syscalls/sys_exit_symlinkat", "file", false},
	{"file_chmod", "tp/syscalls/sys_exit_chmod", "file", false},
	{"file_fchmodat", "tp/syscalls/sys_exit_fchmodat", "file", false},
	{"file_fchmodat2", "tp/syscalls/sys_exit_fchmodat2", "file", false},
	{"file_chown", "tp/syscalls/sys_exit_chown", "file", false},
	{"file_lchown", "tp/syscalls/sys_exit_lchown", "file", false},
	{"file_fchownat", "tp/syscalls/sys_exit_fchownat", "file", false},
	{"file_truncate", "tp/syscalls/sys_exit_truncate", "file", false},
	{"file_utimensat", "tp/syscalls/sys_exit_utimensat", "file", false},
	{"file_futimesat", "tp/syscalls/sys_exit_futimesat", "file", false},
	{"file_utimes", "tp/syscalls/sys_exit_utimes", "file", false},
	{"file_utime", "tp/syscalls/sys_exit_utime", "file", false},
	{"file_fchmod_in", "tp/syscalls/sys_enter_fchmod", "file", false},
	{"file_fchmod", "tp/syscalls/sys_exit_fchmod", "file", false},
	{"file_fchown_in", "tp/syscalls/sys_enter_fchown", "file", false},
	{"file_fchown", "tp/syscalls/sys_exit_fchown", "file", false},
	{"file_ftrunc_in", "tp/syscalls/sys_enter_ftruncate", "file", false},
	{"file_ftruncate", "tp/syscalls/sys_exit_ftruncate", "file", false},
	{"file_mount", "tp/syscalls/sys_exit_mount", "file", false},
	{"file_umount", "tp/syscalls/sys_exit_umount", "file", false},
	{"file_move_mount", "tp/syscalls/sys_exit_move_mount", "file", false},
	{"file_pivot_root", "tp/syscalls/sys_exit_pivot_root", "file", false},
	{"file_write", "tp/syscalls/sys_exit_write", "file", false},
	{"file_pwrite64", "tp/syscalls/sys_exit_pwrite64", "file", false},
	{"file_writev", "tp/syscalls/sys_exit_writev", "file", false},
	{"file_pwritev", "tp/syscalls/sys_exit_pwritev", "file", false},
	{"file_pwritev2", "tp/syscalls/sys_exit_pwritev2", "file", false},
	{"file_sendfile64", "tp/syscalls/sys_exit_sendfile64", "file", false},
	{"file_copyrange", "tp/syscalls/sys_exit_copy_file_range", "file", false},
	{"file_splice", "tp/syscalls/sys_exit_splice", "file", false},
};

// The cgroup-v2 mount: /sys/fs/cgroup on unified systems, /sys/fs/cgroup/unified
// on hybrid ones. Programs on its root see every process on the host.
std::string cgroup2_root()
{
	std::ifstream mounts("/proc/mounts");
	std::string dev, dir, type, rest;
	while (mounts >> dev >> dir >> type && std::getline(mounts, rest))
		if (type == "cgroup2")
			return dir;
	return "";
}

bpf_link *attach_cgroup(bpf_program *prog, std::string *error)
{
	std::string root = cgroup2_root();
	if (root.empty()) {
		*error = "no cgroup-v2 hierarchy is mounted (mount -t cgroup2 none /sys/fs/cgroup/unified)";
		return nullptr;
	}
	int fd = open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		*error = "cannot open " + root + ": " + std::strerror(errno);
		return nullptr;
	}
	bpf_link *link = bpf_program__attach_cgroup(prog, fd);
	int err = errno;
	close(fd); // the link holds its own reference to the cgroup
	if (!link)
		*error = "attach to " + root + " failed: " + std::strerror(err);
	return link;
}

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

// exec_scratch is indexed by CPU id: with a sparse possible mask ("0-1,4-5") the
// highest id, not the count, sizes it.
uint32_t highest_possible_cpu()
{
	std::ifstream f("/sys/devices/system/cpu/possible");
	std::string mask;
	std::getline(f, mask);
	uint32_t highest = 0;
	size_t i = 0;
	while (i < mask.size()) {
		size_t j = i;
		while (j < mask.size() && std::isdigit(static_cast<unsigned char>(mask[j])))
			++j;
		if (j > i)
			highest = std::max<uint32_t>(highest, std::stoul(mask.substr(i, j - i)));
		i = j + 1;
	}
	int n = libbpf_num_possible_cpus();
	return std::max<uint32_t>(highest, n > 0 ? uint32_t(n - 1) : 0);
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
		// Without root: CAP_BPF (39) and CAP_PERFMON (38) for the tracing programs
		// (Linux 5.8+), CAP_NET_ADMIN (12) for the cgroup socket programs.
		uint64_t eff = effective_capabilities();
		if (!(eff & (1ull << 39)) || !(eff & (1ull << 38)) || !(eff & (1ull << 12)))
			return Error("not running as root and missing CAP_BPF, CAP_PERFMON or "
				     "CAP_NET_ADMIN (the UDP cgroup programs need it): run linesmand as "
				     "root (sudo) or from the packaged systemd unit");
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
		err = bpf_map__set_max_entries(p->skel_->maps.exec_scratch, highest_possible_cpu() + 1);
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
		if (!opts.files && std::string_view(info.family) == "file")
			continue; // files.enabled: false
		Attachment a{info.name, info.hook, info.family, info.required, false, ""};
		bpf_program *prog = bpf_object__find_program_by_name(p->skel_->obj, info.name);
		if (!prog) {
			a.error = "program missing from the BPF object";
		} else {
			// attach_cgroup() explains its own failures in a.error
			bpf_link *link = info.cgroup ? attach_cgroup(prog, &a.error) : bpf_program__attach(prog);
			if (!link && !info.cgroup) {
				a.error = std::string("attach failed: ") + std::strerror(errno);
				if (!tracefs && std::string(info.hook).rfind("tp/", 0) == 0)
					a.error += " (" + tracefs.error().what() + ")";
			} else if (link) {
				a.attached = true;
				p->links_.push_back(link);
				if (info.iter)
					p->tcp_iter_ = link;
			}
		}
		if (info.required && !a.attached)
			return Error("cannot attach " + a.program + " to " + a.hook + ": " + a.error +
				     "; exec events are the sensor's core and it will not run without them");
		p->attachments_.push_back(std::move(a));
	}
	return p;
}

Status Probes::run_tcp_summaries()
{
	std::lock_guard lock(mu_);
	if (!tcp_iter_)
		return Error("the TCP summary iterator (iter/task_file) is not attached");
	skel_->bss->summary_gen++;
	int fd = bpf_iter_create(bpf_link__fd(tcp_iter_));
	if (fd < 0)
		return Error::from_errno(errno, "cannot start the TCP summary iterator");
	// The program writes to the ring buffer; reading to the end runs it over
	// every TCP socket of every namespace.
	char buf[256];
	ssize_t n;
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
	}
	int err = n < 0 ? errno : 0;
	close(fd);
	if (err)
		return Error::from_errno(err, "running the TCP summary iterator");
	return ok();
}

void Probes::detach()
{
	std::lock_guard lock(mu_);
	tcp_iter_ = nullptr;
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
		      {LS_CNT_UDP_TABLE_FULL, &c.udp_table_full},
		      {LS_CNT_UDP_OWNER_FULL, &c.udp_owner_full},
		      {LS_CNT_RB_DROP_FILE, &c.dropped_file},
		      {LS_CNT_RB_DROP_FILE_CLOSE, &c.dropped_file_close},
		      {LS_CNT_FILE_TABLE_FULL, &c.file_table_full},
		      {LS_CNT_FILE_PENDING_FULL, &c.file_pending_full},
		      {LS_CNT_EMITTED, &c.emitted}};
	for (auto &f : fields) {
		auto v = sum(f.idx);
		if (!v)
			return v.error();
		*f.out = v.value();
	}
	return c;
}

namespace {

aggregate::UdpFlow flow_of(const ls_udp_key &k, const ls_udp_flow &v)
{
	aggregate::UdpFlow f;
	static_assert(sizeof(k) == std::tuple_size_v<decltype(f.key)>);
	std::memcpy(f.key.data(), &k, sizeof(k));
	f.family = k.family;
	std::memcpy(f.remote_addr.data(), k.remote_addr, 16);
	std::memcpy(f.local_addr.data(), v.local_addr, 16);
	f.local_port = k.local_port;
	f.remote_port = k.remote_port;
	f.owner_tgid = v.owner_tgid;
	f.owner_tid = v.owner_tid;
	f.first_ns = v.first_ns;
	f.owner_since_ns = v.owner_since_ns;
	f.counts = {v.packets_sent, v.packets_received, v.bytes_sent, v.bytes_received};
	return f;
}

} // namespace

std::vector<aggregate::UdpFlow> Probes::snapshot()
{
	std::vector<aggregate::UdpFlow> out;
	int fd = bpf_map__fd(skel_->maps.udp_flows);
	ls_udp_key key{}, next{};
	ls_udp_flow value{};
	const void *prev = nullptr;
	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		if (bpf_map_lookup_elem(fd, &next, &value) == 0)
			out.push_back(flow_of(next, value));
		key = next;
		prev = &key;
	}
	return out;
}

Result<std::optional<aggregate::UdpFlow>> Probes::take(const std::array<uint8_t, 32> &raw)
{
	ls_udp_key key;
	std::memcpy(&key, raw.data(), sizeof(key));
	ls_udp_flow value{};
	// Atomic for hash maps (Linux >= 5.14): the value returned is the element's last.
	if (bpf_map_lookup_and_delete_elem(bpf_map__fd(skel_->maps.udp_flows), &key, &value) != 0) {
		if (errno == ENOENT)
			return std::optional<aggregate::UdpFlow>();
		return Error::from_errno(errno, "taking an idle UDP flow out of the kernel table");
	}
	return std::optional<aggregate::UdpFlow>(flow_of(key, value));
}

std::map<std::string, uint64_t> Probes::recursion_misses() const
{
	std::map<std::string, uint64_t> out;
	bpf_program *prog;
	bpf_object__for_each_program(prog, skel_->obj)
	{
		bpf_prog_info info{};
		uint32_t len = sizeof(info);
		int fd = bpf_program__fd(prog);
		if (fd >= 0 && bpf_obj_get_info_by_fd(fd, &info, &len) == 0 && info.recursion_misses)
			out[bpf_program__name(prog)] = info.recursion_misses;
	}
	return out;
}

} // namespace linesman::probe

namespace linesman::probe {

Status Probes::set_net_filter(bool ignore_loopback, const std::vector<uint16_t> &ignore_ports)
{
	std::lock_guard lock(mu_);
	LoadOptions o;
	o.net_ignore_loopback = ignore_loopback;
	o.net_ignore_ports = ignore_ports;
	return write_net_filter(skel_, o);
}

uint64_t Probes::file_dirs_changed() const
{
	return __atomic_load_n(&skel_->bss->file_dirs_changed, __ATOMIC_ACQUIRE);
}

Status Probes::set_file_watch(const FileWatchSet &set, uint64_t dirs_changed_before)
{
	std::lock_guard lock(mu_);
	if (set.patterns.size() > LS_FILE_PATTERNS_MAX)
		return Error("files.watch: " + std::to_string(set.patterns.size()) +
			     " patterns (with aliases); the kernel filter holds " +
			     std::to_string(LS_FILE_PATTERNS_MAX));
	for (const auto &pat : set.patterns)
		if (pat.empty() || pat.size() >= LS_FILE_PATTERN_LEN)
			return Error("files.watch: pattern \"" + pat + "\" must be 1 .. " +
				     std::to_string(LS_FILE_PATTERN_LEN - 1) + " bytes for the kernel filter");

	int inodes_fd = bpf_map__fd(skel_->maps.file_watch_inodes);
	std::map<std::pair<uint64_t, uint32_t>, uint32_t> want;
	for (const auto &i : set.dirs)
		want[{i.ino, i.dev}] |= LS_WATCH_SUBTREE;
	for (const auto &i : set.sensitive)
		want[{i.ino, i.dev}] |= LS_WATCH_SENSITIVE;
	for (const auto &[inode, flags] : want) {
		ls_inode_key key{inode.first, inode.second, 0};
		if (bpf_map_update_elem(inodes_fd, &key, &flags, BPF_ANY))
			return Error::from_errno(errno, "writing the watched-inode map (" +
							    std::to_string(want.size()) + " entries)");
	}
	// Then drop what is no longer wanted, including the directories the kernel
	// added itself between two resolutions (the new set has them if they match).
	std::vector<ls_inode_key> stale;
	ls_inode_key key{}, next{};
	ls_inode_key *prev = nullptr;
	while (bpf_map_get_next_key(inodes_fd, prev, &next) == 0) {
		if (!want.count({next.ino, next.dev}))
			stale.push_back(next);
		key = next;
		prev = &key;
	}
	for (const auto &k : stale)
		bpf_map_delete_elem(inodes_fd, &k);

	// Patterns: shrink the count first, grow it last; a slot rewritten in place
	// can mismatch for the one operation that reads it meanwhile.
	auto *bss = skel_->bss;
	uint32_t n = uint32_t(set.patterns.size());
	if (n < bss->file_pattern_count)
		bss->file_pattern_count = n;
	int pat_fd = bpf_map__fd(skel_->maps.file_patterns);
	for (uint32_t i = 0; i < n; ++i) {
		ls_file_pattern p{};
		p.len = uint32_t(set.patterns[i].size());
		std::memcpy(p.pat, set.patterns[i].data(), p.len);
		if (bpf_map_update_elem(pat_fd, &i, &p, BPF_ANY))
			return Error::from_errno(errno, "writing the watched-pattern map");
	}
	bss->file_pattern_count = n;
	bss->file_sensitive_reads = set.sensitive_reads ? 1 : 0;
	__sync_fetch_and_add(&bss->file_watch_gen, 1); // cached "not watched" answers may be wrong now
	__atomic_store_n(&bss->file_dirs_resolved, dirs_changed_before, __ATOMIC_RELEASE);
	return ok();
}

std::map<uint64_t, Probes::OpenFile> Probes::open_files() const
{
	std::map<uint64_t, OpenFile> out;
	int fd = bpf_map__fd(skel_->maps.open_files);
	uint64_t key = 0, next = 0;
	uint64_t *prev = nullptr;
	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		ls_open_file v{};
		if (bpf_map_lookup_elem(fd, &next, &v) == 0)
			out[next] = OpenFile{v.bytes, v.tgid, v.fd};
		key = next;
		prev = &key;
	}
	return out;
}

std::optional<uint64_t> Probes::forget_open_file(uint64_t file_id)
{
	ls_open_file v{};
	int fd = bpf_map__fd(skel_->maps.open_files);
	if (bpf_map_lookup_elem(fd, &file_id, &v) != 0)
		return std::nullopt;
	if (bpf_map_delete_elem(fd, &file_id) != 0)
		return std::nullopt; // the kernel finished it between the two calls
	__sync_fetch_and_sub(&skel_->bss->file_open_tracked, 1);
	return v.bytes;
}

} // namespace linesman::probe
