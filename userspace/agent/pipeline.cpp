// SPDX-License-Identifier: Apache-2.0
#include "agent/pipeline.h"

#include <variant>

#include <net/if.h>
#include <sys/stat.h>

#include "common/clock.h"
#include "decode/net_names.h"
#include "common/version.h"

namespace linesman::agent {
namespace {

constexpr size_t kMaxFolded = 1 << 16;

} // namespace

Pipeline::Pipeline(proc::ProcessCache &cache, PipelineOptions opts, Emit emit,
		   fim::FileChanges *files)
    : cache_(cache), opts_(std::move(opts)), emit_(std::move(emit)), files_(files), rollup_(opts_.rollup),
      next_seq_(opts_.first_seq)
{
	// Interface names resolve only in the agent's own network namespace.
	struct stat st{};
	if (stat("/proc/self/ns/net", &st) == 0)
		own_netns_ = uint32_t(st.st_ino);
}

void Pipeline::emit(Event &&ev)
{
	if (opts_.reserve_seq && next_seq_ > reserved_)
		reserved_ = opts_.reserve_seq(next_seq_); // once per block: one pwrite
	ev.seq = next_seq_++;
	ev.host = opts_.host;
	if (ev.time_ns == 0)
		ev.time_ns = clock::realtime_ns();
	++stats_.emitted;
	emit_(std::move(ev));
}

void Pipeline::on_record(const decode::Record &record)
{
	std::visit([this](const auto &r) { handle(r); }, record);
}

void Pipeline::handle(const decode::ForkRecord &r)
{
	++stats_.forks;
	cache_.on_fork(r);
}

void Pipeline::handle(const decode::ExecRecord &r)
{
	++stats_.execs;
	Event ev;
	ev.type = EventType::Exec;
	ev.time_ns = wall(r.hdr.ktime_ns);
	ev.process = cache_.on_exec(r);
	ExecDetails d;
	d.filename = r.filename;
	d.argc = r.argc;
	d.flags = r.flags;
	d.exe_mode = r.exe_mode;
	d.exe_ino = r.exe_ino;
	d.exe_dev = r.exe_dev;
	ev.details = std::move(d);

	if (opts_.rollup_enabled && !rollup_.offer(ev, ev.time_ns)) {
		++stats_.folded_execs;
		if (folded_.size() >= kMaxFolded)
			folded_.clear(); // bounded: their exits are then shown, nothing is lost
		folded_.insert(r.hdr.key());
		return;
	}
	// An exec that is shown ends any folding of an earlier image of this process.
	folded_.erase(r.hdr.key());
	emit(std::move(ev));
}

void Pipeline::handle(const decode::ExitRecord &r)
{
	++stats_.exits;
	ExitDetails d;
	auto proc = cache_.on_exit(r, &d);
	// A folded run's clean exit is folded with it; a failure or a signal (a
	// health check that crashed) is always shown.
	if (folded_.erase(r.hdr.key()) && d.code == 0 && d.signal == 0) {
		++stats_.folded_exits;
		return;
	}
	Event ev;
	ev.type = EventType::Exit;
	ev.time_ns = wall(r.hdr.ktime_ns);
	if (proc) {
		ev.process = std::move(*proc);
	} else {
		// Unknown to the cache (started and exec'd while a record was lost):
		// still report what the kernel said.
		ev.process.pid = r.hdr.tgid;
		ev.process.tid = r.hdr.tid;
	}
	ev.details = d;
	emit(std::move(ev));
}

void Pipeline::handle(const decode::NetRecord &r)
{
	++stats_.net;
	Event ev;
	ev.type = decode::event_type(r.kind);
	ev.time_ns = wall(r.hdr.ktime_ns);
	if (r.hdr.tgid != 0) {
		auto p = r.hdr.start_boottime ? cache_.lookup(r.hdr.key())
					      : cache_.lookup_pid(r.hdr.tgid, r.owner_at_ns);
		if (p)
			ev.process = std::move(*p);
		ev.process.pid = r.hdr.tgid; // also when the cache does not know it
		ev.process.tid = r.hdr.tid;
	}
	NetDetails d = decode::net_details(r);
	if (d.ifindex && d.netns == own_netns_) {
		char name[IF_NAMESIZE] = {};
		if (if_indextoname(d.ifindex, name))
			d.ifname = name;
	}
	ev.details = std::move(d);
	emit(std::move(ev));
}

void Pipeline::handle(const decode::FileRecord &r)
{
	++stats_.file_records;
	if (!files_)
		return;
	for (auto &c : files_->on_record(r))
		emit_file(std::move(c));
}

void Pipeline::on_unobserved_close(uint64_t file_id, uint64_t bytes, uint64_t boot_now_ns)
{
	if (!files_)
		return;
	if (auto c = files_->on_unobserved_close(file_id, bytes, boot_now_ns))
		emit_file(std::move(*c));
}

void Pipeline::emit_file(fim::FileChanges::Change &&c)
{
	++stats_.file_events;
	Event ev;
	ev.type = EventType::File;
	ev.time_ns = wall(c.ktime_ns);
	if (auto p = cache_.lookup(c.actor.key()))
		ev.process = std::move(*p);
	ev.process.pid = c.actor.tgid; // also when the cache does not know it
	ev.process.tid = c.actor.tid;
	ev.details = std::move(c.details);
	emit(std::move(ev));
}

void Pipeline::on_loss(const std::string &where, const std::string &what, uint64_t count)
{
	losses_[{where, what}] += count; // once a second per place at most: no hot path
	if (count == 0)
		return;
	stats_.lost += count;
	Event ev;
	ev.type = EventType::Loss;
	ev.process = opts_.agent_process;
	LossDetails d{where, what, count};
	ev.details = std::move(d);
	emit(std::move(ev));
}

void Pipeline::on_agent(const std::string &what, const std::string &message,
			std::vector<std::pair<std::string, uint64_t>> counters)
{
	Event ev;
	ev.type = EventType::Agent;
	ev.process = opts_.agent_process;
	AgentDetails d;
	d.version = kVersion;
	d.what = what;
	d.message = message;
	d.counters = std::move(counters);
	ev.details = std::move(d);
	emit(std::move(ev));
}

void Pipeline::tick(uint64_t boot_now_ns)
{
	cache_.expire(boot_now_ns);
	if (!opts_.rollup_enabled)
		return;
	for (Event &ev : rollup_.flush(wall(boot_now_ns)))
		emit(std::move(ev));
}

void Pipeline::finish(uint64_t boot_now_ns)
{
	if (!opts_.rollup_enabled)
		return;
	for (Event &ev : rollup_.flush(wall(boot_now_ns), true))
		emit(std::move(ev));
}

} // namespace linesman::agent
