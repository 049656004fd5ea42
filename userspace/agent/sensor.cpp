// SPDX-License-Identifier: Apache-2.0
#include "agent/sensor.h"

#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>

#include "agent/pipeline.h"
#include "common/clock.h"
#include "common/version.h"
#include "decode/decoder.h"
#include "decode/net_names.h"
#include "fim/changes.h"
#include "fim/watch.h"
#include "status/status_file.h"
#include "store/layout.h"
#include "store/seq_reservation.h"
#include "store/store.h"
#include "proc/process_cache.h"
#include "proc/procfs.h"
#include "ringbuf/reader.h"

namespace linesman::agent {
namespace {

constexpr uint64_t kTickNs = 1'000'000'000;
// A watched file open for writing longer than this is checked against /proc:
// is its opener still holding it? (See Impl::reap_open_files.)
constexpr uint64_t kOpenCheckNs = 10'000'000'000;
// Events waiting for the store thread: it commits every kStoreFlush (so an event
// sits in memory for at most that plus one commit), or sooner at kStoreBatch.
constexpr auto kStoreFlush = std::chrono::milliseconds(200);
constexpr size_t kStoreBatch = 4096;
constexpr size_t kStoreMaxPending = 1 << 15; // beyond: counted as lost, never blocking (~25 MiB of events)
constexpr uint64_t kRetentionNs = 60'000'000'000;
constexpr size_t kBatch = 512;

std::string read_boot_id()
{
	std::ifstream f("/proc/sys/kernel/random/boot_id");
	std::string id;
	std::getline(f, id);
	return id;
}

// Kernel record types, as the loss events name them (index = enum ls_event_type).
const char *record_type_name(size_t type)
{
	using Kind = decode::NetRecord::Kind;
	switch (type) {
	case 1: return "exec";
	case 2: return "fork";
	case 3: return "exit";
	case 11: return "file";
	case decode::kFileCloseKind: return "file_write";
	default:
		if (type >= size_t(Kind::Connect) && type <= size_t(Kind::TcpSummary))
			return to_string(decode::event_type(Kind(type)));
		return "record";
	}
}

// Loss places counted in the kernel (the rest are the agent's own): status.json
// lists them apart, as "where.what".
bool is_kernel_place(const std::string &where)
{
	for (const char *k : {"kernel_ringbuf", "kernel_recursion", "conn_table", "udp_flow_table",
			      "udp_owner_table", "open_file_table", "file_attr_table"})
		if (where == k)
			return true;
	return false;
}

} // namespace

std::string host_name()
{
	char buf[256] = {};
	if (gethostname(buf, sizeof(buf) - 1) != 0)
		return "";
	return buf;
}

struct Sensor::Impl {
	Config cfg;
	Output out;
	std::unique_ptr<probe::Probes> probes;
	ringbuf::BoundedQueue<ringbuf::RawRecord> queue;
	std::unique_ptr<ringbuf::Reader> reader;
	proc::ProcFs procfs;
	std::unique_ptr<proc::ProcessCache> cache;
	std::unique_ptr<Pipeline> pipeline;
	aggregate::UdpSummarizer udp;
	uint64_t last_summary = 0;
	std::unique_ptr<fim::FileChanges> files; // null when files.enabled is false

	// The event log: the pipeline thread queues, the store thread commits.
	std::unique_ptr<store::Store> store; // null when store.enabled is false
	std::thread store_thread;
	std::mutex store_mu;
	std::condition_variable store_cv;
	std::vector<Event> store_pending; // guarded by store_mu
	bool store_stop = false;          // guarded by store_mu
	bool store_gap = false;           // guarded by store_mu: events dropped before the next batch
	std::atomic<uint64_t> store_lost{0}, store_shed{0}, store_retired_files{0};
	std::atomic<uint64_t> store_last_seq{0}, store_epoch{0}; // set by the store thread after each append
	std::string store_error;          // guarded by store_mu: the last append error, reported once
	std::vector<std::string> store_notices; // guarded by store_mu: folder recreated, storing again
	uint64_t reported_store_lost = 0, reported_store_shed = 0, reported_retired = 0;
	void store_queue(Event &&ev);
	void store_loop();
	// seq.reserved (null when not kept): written on the pipeline thread, once per block
	// of seqs, and at stop.
	std::unique_ptr<store::SeqReservation> seqres;
	std::string seqres_error; // pipeline thread: the last failed reservation, reported at the tick
	bool seqres_failing = false;
	uint64_t reserve_seq(uint64_t seq);
	uint64_t last_rescan = 0, last_open_check = 0;
	std::string last_watch_error;
	bool tcp_summary_error_reported = false;

	std::thread reader_thread, pipeline_thread;
	std::atomic<bool> reader_stop{false}, pipeline_stop{false};
	std::mutex stop_mu;
	bool stopped = false;

	// Last values turned into loss events.
	probe::KernelCounters reported_kernel{};
	std::array<uint64_t, ringbuf::Reader::kTypeSlots> reported_overflow{};
	uint64_t reported_decode_errors = 0;
	std::string last_decode_error; // pipeline thread only
	std::map<std::string, uint64_t> reported_recursion;
	uint64_t reported_write_errors = 0;
	uint64_t reported_unpaired = 0;
	bool counters_error_reported = false;

	std::atomic<uint64_t> decode_errors{0}, events{0}, lost{0}, last_seq{0};
	// status.json (publish_status): events per type counted at emit, on the pipeline thread.
	bool publish_status = false;
	std::string config_path, host;
	uint64_t started_ns = 0;
	gid_t status_gid = 0;
	std::array<uint64_t, 256> type_counts{}; // by EventType value
	bool status_error_reported = false;
	status::AgentStatus build_status(bool running);
	void publish(bool running);
	std::atomic<size_t> processes{0};
	std::string reader_error;          // written once by the reader before reader_failed
	std::atomic<bool> reader_failed{false};
	bool reader_error_reported = false;

	// The queue holds at most four ring buffers' worth of records.
	explicit Impl(const Config &c)
	    // The queue holds at most twice the ring's bytes: beyond that the pipeline is
	    // behind for good, and more room would only cost memory before the same loss.
	    : cfg(c), queue(c.ring_buffer.queue_events, size_t(c.ring_buffer.size_mib) << 21) {}

	// A start() that fails after the reader thread began returns through here: stop
	// the thread before the members it reads go. After stop() there is nothing to do.
	~Impl()
	{
		reader_stop = true;
		if (reader_thread.joinable())
			reader_thread.join();
	}

	void read_loop();
	void pipeline_loop();
	void report_losses();
	void tick(uint64_t now, bool final = false); // final: after detach, no summaries
	void apply_reload(Result<Config> next);

	std::mutex reload_mu;
	std::optional<Result<Config>> pending_reload; // set by reload(), taken by the pipeline thread
	Status apply_watch();
	void reap_open_files(uint64_t now);
};

// Resolve the watch patterns now (globs, aliases) and hand them to the kernel
// and to the userspace re-check.
Status Sensor::Impl::apply_watch()
{
	fim::WatchConfig wc{cfg.files.watch, cfg.files.sensitive_reads.paths,
			    cfg.files.sensitive_reads.enabled};
	uint64_t dirs_changed = probes->file_dirs_changed(); // before looking at the filesystem
	auto r = fim::resolve_watch(wc);
	if (!r)
		return r.error();
	if (auto st = probes->set_file_watch(r->kernel, dirs_changed); !st)
		return st.error();
	files->set_watch(r->patterns);
	if (pipeline)
		for (const auto &note : r->notes)
			pipeline->on_agent("warning", note);
	return ok();
}

// A tracked open file whose opener no longer holds it, and whose CLOSE never
// came, was closed where no probe looks (its last holder was another process,
// or it was passed on): report it with the kernel's count and stop tracking it.
void Sensor::Impl::reap_open_files(uint64_t now)
{
	auto kernel = probes->open_files();
	std::vector<uint64_t> stale;
	for (const auto &[id, o] : files->opens()) {
		if (now - o.opener.ktime_ns < kOpenCheckNs)
			continue;
		auto k = kernel.find(id);
		if (k == kernel.end()) {
			// Finished in the kernel. Its CLOSE arrives within a poll period
			// unless it was lost (and counted): then stop waiting for it.
			if (now - o.opener.ktime_ns >= 2 * kOpenCheckNs)
				stale.push_back(id);
			continue;
		}
		std::string fd = "/proc/" + std::to_string(k->second.tgid) + "/fd/" + std::to_string(k->second.fd);
		struct stat st{};
		if (stat(fd.c_str(), &st) == 0 && st.st_ino == o.ino && fim::kernel_dev(st.st_dev) == o.dev)
			continue; // still open
		if (auto bytes = probes->forget_open_file(id))
			pipeline->on_unobserved_close(id, *bytes, now);
	}
	for (uint64_t id : stale)
		files->forget_open(id);
}

void Sensor::Impl::read_loop()
{
	while (!reader_stop.load(std::memory_order_relaxed)) {
		auto n = reader->poll(int(cfg.ring_buffer.poll_ms));
		if (!n) {
			reader_error = n.error().what();
			reader_failed = true;
			break;
		}
	}
	(void)reader->poll(0); // the probes are detached: take what is left
}

void Sensor::Impl::report_losses()
{
	for (const auto &[prog, misses] : probes->recursion_misses()) {
		// The kernel skipped a run because the program was already running on that
		// CPU (a softirq state change while a process-context one ran): an event lost.
		pipeline->on_loss("kernel_recursion", prog, misses - reported_recursion[prog]);
		reported_recursion[prog] = misses;
	}
	if (uint64_t we = out.write_errors ? out.write_errors() : 0; we > reported_write_errors) {
		pipeline->on_loss("output", "event", we - reported_write_errors);
		reported_write_errors = we;
	}
	auto kc = probes->counters();
	if (!kc && !counters_error_reported) {
		pipeline->on_agent("error", kc.error().what() + "; kernel drop counters are not being reported");
		counters_error_reported = true;
	}
	if (kc) {
		const probe::KernelCounters &c = kc.value();
		pipeline->on_loss("kernel_ringbuf", "exec", c.dropped_exec - reported_kernel.dropped_exec);
		pipeline->on_loss("kernel_ringbuf", "fork", c.dropped_fork - reported_kernel.dropped_fork);
		pipeline->on_loss("kernel_ringbuf", "exit", c.dropped_exit - reported_kernel.dropped_exit);
		pipeline->on_loss("kernel_ringbuf", "net", c.dropped_net - reported_kernel.dropped_net);
		pipeline->on_loss("conn_table", "tcp_connection", c.conn_table_full - reported_kernel.conn_table_full);
		pipeline->on_loss("udp_flow_table", "udp_packet", c.udp_table_full - reported_kernel.udp_table_full);
		pipeline->on_loss("udp_owner_table", "udp_socket_owner", c.udp_owner_full - reported_kernel.udp_owner_full);
		pipeline->on_loss("kernel_ringbuf", "file", c.dropped_file - reported_kernel.dropped_file);
		pipeline->on_loss("kernel_ringbuf", "file_write", c.dropped_file_close - reported_kernel.dropped_file_close);
		pipeline->on_loss("open_file_table", "file_write", c.file_table_full - reported_kernel.file_table_full);
		pipeline->on_loss("file_attr_table", "file_attr_change", c.file_pending_full - reported_kernel.file_pending_full);
		reported_kernel = c;
	}
	if (store) {
		uint64_t lost = store_lost.load(), shed = store_shed.load(), retired = store_retired_files.load();
		pipeline->on_loss("store", "event", lost - reported_store_lost);
		// A full disk: hour files deleted before their time to keep recording.
		pipeline->on_loss("store_disk_full", "stored_event", shed - reported_store_shed);
		if (lost > reported_store_lost) {
			std::string why;
			{
				std::lock_guard lock(store_mu);
				why.swap(store_error);
			}
			if (!why.empty())
				pipeline->on_agent("error", "event log: " + why);
		}
		std::vector<std::string> notices;
		{
			std::lock_guard lock(store_mu);
			notices.swap(store_notices);
		}
		for (const auto &n : notices)
			pipeline->on_agent("error", "event log: " + n);
		if (retired > reported_retired)
			pipeline->on_agent("store", "retention deleted " + std::to_string(retired - reported_retired) +
							    " hour file(s) past store.max_size_mib, max_age_days or keep_free_percent");
		reported_store_lost = lost;
		reported_store_shed = shed;
		reported_retired = retired;
	}
	if (files) {
		// A CLOSE whose OPEN was lost (the loss of the OPEN was counted as a
		// "file" record) cannot become a write event: that write is lost.
		uint64_t unpaired = files->stats().unpaired_closes;
		pipeline->on_loss("file_pairing", "file_write", unpaired - reported_unpaired);
		reported_unpaired = unpaired;
	}
	if (!seqres_error.empty()) {
		pipeline->on_agent("error", "seq reservation: " + seqres_error);
		seqres_error.clear();
	}
	auto overflow = reader->overflow_by_type();
	for (size_t t = 0; t < overflow.size(); ++t) {
		pipeline->on_loss("userspace_queue", record_type_name(t), overflow[t] - reported_overflow[t]);
		reported_overflow[t] = overflow[t];
	}
	uint64_t de = decode_errors.load();
	if (de > reported_decode_errors) {
		pipeline->on_loss("decoder", "record", de - reported_decode_errors);
		// The reason, once per tick: e.g. an ABI mismatch names both versions and the fix.
		pipeline->on_agent("error", "decoder rejected " + std::to_string(de - reported_decode_errors) +
						    " records, e.g.: " + last_decode_error);
		last_decode_error.clear();
	}
	reported_decode_errors = de;
	if (reader_failed.load() && !reader_error_reported) {
		// The reader thread stopped: nothing more arrives from the kernel. Say so
		// loudly; the operator must restart the agent.
		pipeline->on_agent("error", "ring-buffer reader stopped: " + reader_error +
						    "; no further events will be recorded until linesmand restarts");
		std::fprintf(stderr, "linesmand: ring-buffer reader stopped: %s\n", reader_error.c_str());
		reader_error_reported = true;
	}
}

// On the pipeline thread, once per block of seqs, before the first of them is used.
uint64_t Sensor::Impl::reserve_seq(uint64_t seq)
{
	auto mark = seqres->reserve(seq);
	if (mark) {
		seqres_failing = false;
		return *mark;
	}
	// Never hold the events back for it: go on, retry at the next block, and say what
	// it costs (reported at the next tick; emitting here would recurse).
	if (!seqres_failing)
		seqres_error = mark.error().what() + "; after a kill -9 the next run may reuse seqs from " +
			       std::to_string(seq) + " on without declaring them";
	seqres_failing = true;
	return seq + store::kSeqBlock - 1;
}

// On the pipeline thread, for every event: queue it for the store thread.
void Sensor::Impl::store_queue(Event &&ev)
{
	std::lock_guard lock(store_mu);
	if (store_pending.size() >= kStoreMaxPending) {
		// The disk cannot keep up: never block the pipeline, count the loss.
		store_lost.fetch_add(1, std::memory_order_relaxed);
		store_gap = true;
		return;
	}
	store_pending.push_back(std::move(ev));
	if (store_pending.size() >= kStoreBatch)
		store_cv.notify_one();
}

void Sensor::Impl::store_loop()
{
	std::vector<Event> batch;
	bool after_loss = false;
	bool store_failing = false; // the last append stored nothing
	uint64_t last_retention = clock::boottime_ns();
	for (;;) {
		bool stopping;
		{
			std::unique_lock lock(store_mu);
			store_cv.wait_for(lock, kStoreFlush,
					  [&] { return store_stop || store_pending.size() >= kStoreBatch; });
			stopping = store_stop;
			batch.swap(store_pending);
			after_loss |= std::exchange(store_gap, false);
		}
		if (!batch.empty()) {
			auto r = store->append(batch, after_loss ? store::Continuity::AfterLoss
								 : store::Continuity::Contiguous);
			for (const auto &f : r.shed.deleted)
				store_shed.fetch_add(f.events, std::memory_order_relaxed);
			{
				std::lock_guard lock(store_mu);
				if (r.recreated)
					store_notices.push_back(r.recreated->what());
				// The first batch stored after failed ones: say the store works again.
				if (store_failing && r.ok())
					store_notices.push_back("storing again from seq " + std::to_string(batch.front().seq) +
								"; the seqs lost before it are declared in " +
								store->current_file());
			}
			after_loss = r.not_stored > 0;
			store_failing = r.not_stored > 0;
			store_last_seq.store(store->next_seq() - 1, std::memory_order_relaxed);
			store_epoch.store(store->epoch(), std::memory_order_relaxed);
			if (r.not_stored) {
				store_lost.fetch_add(r.not_stored, std::memory_order_relaxed);
				std::lock_guard lock(store_mu);
				store_error = r.error ? r.error->what() : "events not stored";
			}
			batch.clear();
		}
		uint64_t now = clock::boottime_ns();
		if (now - last_retention >= kRetentionNs) {
			if (auto rr = store->apply_retention(std::chrono::system_clock::now()))
				store_retired_files.fetch_add(rr->deleted.size(), std::memory_order_relaxed);
			last_retention = now;
		}
		if (stopping) {
			std::lock_guard lock(store_mu);
			if (store_pending.empty())
				return;
		}
	}
}

// Which keys differ, by the names the configuration file uses.
static std::vector<std::string> changed_keys(const Config &a, const Config &b)
{
	std::vector<std::string> out;
	auto diff = [&](bool differs, const char *key) {
		if (differs)
			out.emplace_back(key);
	};
	diff(a.host != b.host, "host");
	diff(a.output.format != b.output.format || a.output.path != b.output.path ||
		     a.output.color != b.output.color,
	     "output");
	diff(a.exec.argv_max != b.exec.argv_max, "exec.argv_max");
	diff(a.rollup.enabled != b.rollup.enabled || a.rollup.threshold != b.rollup.threshold ||
		     a.rollup.window_s != b.rollup.window_s || a.rollup.max_keys != b.rollup.max_keys,
	     "rollup");
	diff(a.process_cache.max_entries != b.process_cache.max_entries ||
		     a.process_cache.exit_grace_s != b.process_cache.exit_grace_s,
	     "process_cache");
	diff(a.ring_buffer.size_mib != b.ring_buffer.size_mib || a.ring_buffer.wakeup_kib != b.ring_buffer.wakeup_kib ||
		     a.ring_buffer.poll_ms != b.ring_buffer.poll_ms || a.ring_buffer.queue_events != b.ring_buffer.queue_events,
	     "ring_buffer");
	diff(a.network.ignore_loopback != b.network.ignore_loopback ||
		     a.network.ignore_ports != b.network.ignore_ports,
	     "network filters");
	diff(a.network.summary_s != b.network.summary_s, "network.summary");
	diff(a.files.enabled != b.files.enabled, "files.enabled");
	diff(a.files.watch != b.files.watch || a.files.sensitive_reads.enabled != b.files.sensitive_reads.enabled ||
		     a.files.sensitive_reads.paths != b.files.sensitive_reads.paths,
	     "files watch");
	diff(a.files.rescan_s != b.files.rescan_s, "files.rescan");
	diff(a.files.content.track != b.files.content.track || a.files.content.deny != b.files.content.deny ||
		     a.files.content.max_file_size != b.files.content.max_file_size ||
		     a.files.content.memory_mib != b.files.content.memory_mib,
	     "files.content");
	diff(a.heartbeat_s != b.heartbeat_s, "heartbeat");
	return out;
}

void Sensor::Impl::apply_reload(Result<Config> next)
{
	if (!next) {
		pipeline->on_agent("reload", "configuration not reloaded: " + next.error().what() +
						     "; the running configuration stays in force");
		return;
	}
	const Config &n = next.value();
	std::vector<std::string> applied, restart;
	for (const std::string &key : changed_keys(cfg, n)) {
		Status st = ok();
		if (key == "network filters") {
			st = probes->set_net_filter(n.network.ignore_loopback, n.network.ignore_ports);
			if (st) {
				cfg.network.ignore_loopback = n.network.ignore_loopback;
				cfg.network.ignore_ports = n.network.ignore_ports;
			}
		} else if (key == "network.summary") {
			cfg.network.summary_s = n.network.summary_s;
		} else if (key == "heartbeat") {
			cfg.heartbeat_s = n.heartbeat_s;
		} else if (key == "files.rescan" && files) {
			cfg.files.rescan_s = n.files.rescan_s;
		} else if (key == "files watch" && files) {
			Config::Files old = cfg.files;
			cfg.files.watch = n.files.watch;
			cfg.files.sensitive_reads = n.files.sensitive_reads;
			st = apply_watch();
			if (!st)
				cfg.files = old; // the kernel still holds the old set
		} else {
			restart.push_back(key);
			continue;
		}
		if (st)
			applied.push_back(key);
		else
			restart.push_back(key + " (" + st.error().what() + ")");
	}
	auto join = [](const std::vector<std::string> &v) {
		std::string s;
		for (const auto &k : v)
			s += (s.empty() ? "" : ", ") + k;
		return s.empty() ? std::string("nothing") : s;
	};
	pipeline->on_agent("reload", "configuration reloaded; applied: " + join(applied) +
					     (restart.empty() ? "" : "; needs a restart: " + join(restart)));
}

void Sensor::Impl::tick(uint64_t now, bool final)
{
	if (!final) {
		std::optional<Result<Config>> next;
		{
			std::lock_guard lock(reload_mu);
			next.swap(pending_reload);
		}
		if (next)
			apply_reload(std::move(*next));
	}
	pipeline->set_boot_wall_ns(clock::boot_wall_ns());
	report_losses();
	if (!final && now - last_summary >= uint64_t(cfg.network.summary_s) * 1'000'000'000) {
		for (const auto &r : udp.sweep(*probes, now))
			pipeline->on_record(r);
		// Open TCP connections report through the ring buffer, like every record.
		if (auto st = probes->run_tcp_summaries(); !st && !tcp_summary_error_reported) {
			pipeline->on_agent("error", st.error().what() + "; open TCP connections are not summarised");
			tcp_summary_error_reported = true;
		}
		last_summary = now;
	}
	if (files && !final) {
		bool due = now - last_rescan >= uint64_t(cfg.files.rescan_s) * 1'000'000'000;
		if (files->take_rescan_hint() || due) {
			auto st = apply_watch();
			if (!st && st.error().what() != last_watch_error)
				pipeline->on_agent("error", st.error().what() + "; the previous watch set stays in force");
			last_watch_error = st ? "" : st.error().what();
			last_rescan = now;
		}
		if (now - last_open_check >= kOpenCheckNs) {
			reap_open_files(now);
			last_open_check = now;
		}
	}
	pipeline->tick(now);
	processes = cache->size();
}

void Sensor::Impl::pipeline_loop()
{
	std::vector<ringbuf::RawRecord> batch;
	batch.reserve(kBatch);
	uint64_t last_tick = clock::boottime_ns();
	uint64_t last_heartbeat = last_tick;
	publish(true); // `linesman status` sees the agent from its first second

	for (;;) {
		bool stopping = pipeline_stop.load();
		batch.clear();
		queue.pop_batch(batch, kBatch, std::chrono::milliseconds(100));
		for (const auto &raw : batch) {
			auto rec = decode::decode(raw);
			if (rec) {
				pipeline->on_record(rec.value());
			} else {
				decode_errors.fetch_add(1);
				if (last_decode_error.empty())
					last_decode_error = rec.error().what();
			}
		}
		uint64_t now = clock::boottime_ns();
		if (now - last_tick >= kTickNs) {
			tick(now);
			publish(true);
			last_tick = now;
		}
		const uint64_t heartbeat_ns = uint64_t(cfg.heartbeat_s) * 1'000'000'000; // reloadable
		if (heartbeat_ns && now - last_heartbeat >= heartbeat_ns) {
			const auto &s = pipeline->stats();
			const auto &cs = cache->stats();
			pipeline->on_agent("heartbeat", "",
					   {{"execs", s.execs}, {"exits", s.exits}, {"forks", s.forks},
					    {"folded_execs", s.folded_execs}, {"folded_exits", s.folded_exits},
					    {"net", s.net}, {"file_records", s.file_records},
					    {"file_events", s.file_events}, {"lost", s.lost}, {"processes", cache->size()},
					    {"cache_misses", cs.misses}, {"cache_evictions", cs.evicted},
					    {"ring_records", reader->records()},
					    {"output_write_errors", out.write_errors ? out.write_errors() : 0}});
			last_heartbeat = now;
		}
		if (out.flush)
			out.flush();
		// Stop only once the reader is gone and the queue is empty.
		if (stopping && batch.empty() && queue.size() == 0)
			break;
	}
	uint64_t now = clock::boottime_ns();
	tick(now, true);
	for (const auto &r : udp.sweep(*probes, now, true)) // what the flows hold since the last summary
		pipeline->on_record(r);
	pipeline->finish(now);
	const auto &s = pipeline->stats();
	pipeline->on_agent("stop", "linesmand stopping",
			   {{"execs", s.execs}, {"exits", s.exits}, {"lost", s.lost}});
	if (out.flush)
		out.flush();
}

Result<std::unique_ptr<Sensor>> Sensor::start(const Config &cfg, Output output, StartOptions opts)
{
	if (auto st = probe::preflight(); !st)
		return st.error();
	auto impl = std::make_unique<Impl>(cfg);
	impl->out = std::move(output);
	impl->started_ns = clock::realtime_ns();
	impl->publish_status = opts.publish_status;
	impl->config_path = opts.config_path;
	impl->status_gid = store::store_gid(store::kReadersGroup);

	probe::LoadOptions lo;
	lo.argv_max = cfg.exec.argv_max;
	lo.ringbuf_bytes = cfg.ring_buffer.size_mib << 20;
	lo.wakeup_bytes = uint64_t(cfg.ring_buffer.wakeup_kib) << 10;
	lo.verbose = opts.verbose;
	lo.net_ignore_loopback = cfg.network.ignore_loopback;
	lo.net_ignore_ports = cfg.network.ignore_ports;
	lo.files = cfg.files.enabled;
	auto probes = probe::Probes::load_and_attach(lo);
	if (!probes)
		return probes.error();
	impl->probes = std::move(probes.value());

	auto reader = ringbuf::Reader::open(impl->probes->ringbuf_fd(), impl->queue);
	if (!reader)
		return reader.error();
	impl->reader = std::move(reader.value());
	// Read from now on: records queue up while /proc is scanned below, so a
	// process that starts during the scan is seen through its records.
	impl->reader_thread = std::thread([p = impl.get()] { p->read_loop(); });

	proc::CacheOptions co;
	co.boot_id = read_boot_id();
	co.ticks_per_second = uint64_t(sysconf(_SC_CLK_TCK));
	co.boot_wall_ns = clock::boot_wall_ns();
	co.max_entries = cfg.process_cache.max_entries;
	co.exit_grace_ns = uint64_t(cfg.process_cache.exit_grace_s) * 1'000'000'000;
	impl->cache = std::make_unique<proc::ProcessCache>(impl->procfs, co);
	size_t seeded = impl->cache->seed();

	size_t baselined = 0;
	if (cfg.files.enabled) {
		fim::ChangesOptions fo;
		fo.watch = cfg.files.watch;
		fo.content.max_file_size = cfg.files.content.max_file_size;
		fo.content.memory_budget = size_t(cfg.files.content.memory_mib) << 20;
		auto track = fim::PatternSet::parse(cfg.files.content.track);
		auto deny = fim::PatternSet::parse(cfg.files.content.deny);
		if (!track)
			return Error("files.content.track: " + track.error().what());
		if (!deny)
			return Error("files.content.deny: " + deny.error().what());
		fo.content.track = std::move(track.value());
		fo.content.deny = std::move(deny.value());
		auto files = fim::FileChanges::create(std::move(fo));
		if (!files)
			return files.error();
		impl->files = std::make_unique<fim::FileChanges>(std::move(files.value()));
		if (auto st = impl->apply_watch(); !st)
			return st.error();
		// What the tracked files hold now: the next change to one is diffed against it.
		std::vector<std::string> roots;
		for (const auto &text : cfg.files.content.track)
			if (auto pat = fim::PathPattern::parse(text))
				for (auto &p : pat->expand())
					roots.push_back(std::move(p));
		baselined = impl->files->content().baseline(roots);
	}

	PipelineOptions po;
	po.host = cfg.host.empty() ? host_name() : cfg.host;
	if (cfg.store.enabled) {
		store::StoreOptions so;
		so.state_dir = cfg.state_dir;
		so.host = po.host;
		so.max_size = uint64_t(cfg.store.max_size_mib) << 20;
		so.max_age = std::chrono::hours(24) * cfg.store.max_age_days;
		so.keep_free = cfg.store.keep_free_percent / 100.0;
		auto st = store::Store::open(so);
		if (!st)
			return Error("event log at " + cfg.state_dir + "/events: " + st.error().what() +
				     " (set state_dir, or store.enabled: false to run without it)");
		impl->store = std::make_unique<store::Store>(std::move(st.value()));
	}
	// seq continues across restarts, past every seq a killed run may have printed live.
	std::vector<std::pair<std::string, std::string>> seq_notes; // (agent what, message)
	store::SeqStart seq_start;
	if (impl->store || opts.reserve_seq) {
		auto r = store::SeqReservation::open(cfg.state_dir, impl->status_gid);
		if (r) {
			impl->seqres = std::make_unique<store::SeqReservation>(std::move(r.value()));
			seq_start = store::plan_seq_start(impl->store ? std::optional(impl->store->next_seq()) : std::nullopt,
							  impl->seqres->previous());
		} else {
			seq_start = store::plan_seq_start(impl->store ? std::optional(impl->store->next_seq()) : std::nullopt,
							  {});
			seq_notes.emplace_back("error", r.error().what() + "; seqs are not reserved: after a kill -9 the "
									   "next run may reuse seqs printed live by this one");
		}
		if (!seq_start.message.empty())
			seq_notes.emplace_back(seq_start.error ? "error" : "warning", seq_start.message);
	}
	if (impl->store && seq_start.has_gap()) {
		if (auto st = impl->store->declare_gap(seq_start.gap_last, seq_start.reason); !st) {
			// The first batch declares them instead (as a store loss, AfterLoss).
			impl->store_gap = true;
			seq_notes.emplace_back("error", "event log: " + st.error().what() +
								"; the first batch stored declares them instead");
		}
	}
	po.first_seq = seq_start.first_seq;
	if (impl->store) {
		impl->store_last_seq = impl->store->next_seq() - 1;
		impl->store_epoch = impl->store->epoch();
	}
	if (impl->seqres)
		po.reserve_seq = [p = impl.get()](uint64_t seq) { return p->reserve_seq(seq); };
	po.boot_wall_ns = co.boot_wall_ns;
	impl->host = po.host;
	po.rollup_enabled = cfg.rollup.enabled;
	po.rollup = {cfg.rollup.threshold, cfg.rollup.window_s, cfg.rollup.max_keys};
	if (auto st = impl->procfs.stat(uint32_t(getpid())))
		if (auto self = impl->cache->lookup({st->pid, st->start_ticks * (1'000'000'000 / co.ticks_per_second)}))
			po.agent_process = std::move(*self);
	Impl *p = impl.get();
	impl->pipeline = std::make_unique<Pipeline>(
		*impl->cache, po,
		[p](Event &&ev) {
			p->events.fetch_add(1, std::memory_order_relaxed);
			++p->type_counts[size_t(ev.type)];
			p->last_seq.store(ev.seq, std::memory_order_relaxed);
			if (ev.type == EventType::Loss)
				p->lost.fetch_add(std::get<LossDetails>(ev.details).count, std::memory_order_relaxed);
			p->out.write(ev);
			if (p->store)
				p->store_queue(std::move(ev)); // last: the event is gone after this
		},
		impl->files.get());

	std::string attached, missing;
	for (const auto &a : impl->probes->attachments()) {
		std::string &list = a.attached ? attached : missing;
		list += (list.empty() ? "" : ", ") + a.hook + (a.attached ? "" : " (" + a.error + ")");
	}
	impl->pipeline->on_agent("start",
				 "attached: " + attached + (missing.empty() ? "" : "; not attached: " + missing),
				 {{"processes_seeded", seeded}, {"files_baselined", baselined}});
	// After the start event, whose seq opens this run's epoch.
	if (seq_start.lost)
		impl->pipeline->on_loss("unclean_stop", "event", seq_start.lost);
	for (const auto &[what, message] : seq_notes)
		impl->pipeline->on_agent(what, message);
	impl->processes = impl->cache->size();
	impl->last_summary = impl->last_rescan = impl->last_open_check = clock::boottime_ns();
	if (impl->store)
		impl->store_thread = std::thread([p] { p->store_loop(); });
	impl->pipeline_thread = std::thread([p] { p->pipeline_loop(); });
	return std::unique_ptr<Sensor>(new Sensor(std::move(impl)));
}

// On the pipeline thread, or at stop once it has ended.
status::AgentStatus Sensor::Impl::build_status(bool running)
{
	status::AgentStatus s;
	s.host = host;
	s.pid = uint32_t(getpid());
	s.version = kVersion;
	s.started_ns = started_ns;
	s.updated_ns = clock::realtime_ns();
	s.running = running;
	s.config = config_path;
	s.state_dir = cfg.state_dir;
	for (const auto &a : probes->attachments())
		s.probes.push_back({a.program, a.hook, a.family, a.required, a.attached, a.error});
	for (size_t t = 1; t < type_counts.size(); ++t) {
		const char *name = to_string(EventType(t));
		if (std::string_view(name) != "unknown")
			s.events.emplace_back(name, type_counts[t]);
	}
	// The same sums the loss events carried; the agent's own places are always
	// listed, so a consumer finds its key even before the first loss.
	std::map<std::string, uint64_t> user{{"userspace_queue", 0}, {"decoder", 0}, {"output", 0}};
	if (store)
		user["store"] = user["store_disk_full"] = 0;
	if (files)
		user["file_pairing"] = 0;
	for (const auto &[key, n] : pipeline->losses()) {
		if (is_kernel_place(key.first))
			s.kernel_losses.emplace_back(key.first + "." + key.second, n);
		else
			user[key.first] += n;
	}
	s.userspace_losses.assign(user.begin(), user.end());
	s.store.enabled = store != nullptr;
	if (store) {
		s.store.last_seq = store_last_seq.load(std::memory_order_relaxed);
		s.store.epoch = store_epoch.load(std::memory_order_relaxed);
		s.store.lost = store_lost.load(std::memory_order_relaxed);
		s.store.shed = store_shed.load(std::memory_order_relaxed);
		std::lock_guard lock(store_mu);
		s.store.queue_depth = store_pending.size();
	}
	return s;
}

// Rewrite status.json. A failure (state_dir missing or read-only) is reported once
// per run of failures, and the pipeline goes on: the events matter more.
void Sensor::Impl::publish(bool running)
{
	if (!publish_status)
		return;
	auto st = status::write_file(cfg.state_dir, status::to_json(build_status(running)), status_gid);
	if (st) {
		status_error_reported = false;
		return;
	}
	if (status_error_reported)
		return;
	status_error_reported = true;
	std::string msg = st.error().what() + "; linesman status cannot see this agent";
	if (running)
		pipeline->on_agent("error", msg);
	else // the pipeline has ended: nothing can carry an event now
		std::fprintf(stderr, "linesmand: %s\n", msg.c_str());
}

Sensor::Sensor(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

void Sensor::reload(Result<Config> cfg)
{
	std::lock_guard lock(impl_->reload_mu);
	impl_->pending_reload = std::move(cfg); // a newer SIGHUP replaces one not yet applied
}

Sensor::~Sensor()
{
	stop();
}

void Sensor::stop()
{
	std::lock_guard lock(impl_->stop_mu);
	if (impl_->stopped)
		return;
	impl_->stopped = true;
	impl_->probes->detach();
	impl_->reader_stop = true;
	impl_->reader_thread.join();
	impl_->pipeline_stop = true;
	impl_->queue.wake();
	impl_->pipeline_thread.join();
	if (impl_->store_thread.joinable()) {
		{
			std::lock_guard lock(impl_->store_mu);
			impl_->store_stop = true; // after the stop event: everything is queued
		}
		impl_->store_cv.notify_one();
		impl_->store_thread.join();
	}
	// After the store thread: a kill before this line leaves the running mark, and the
	// next run declares what the store had not committed.
	if (impl_->seqres)
		if (auto st = impl_->seqres->stop(impl_->pipeline->last_seq()); !st)
			std::fprintf(stderr, "linesmand: %s; the next run will take this stop for a kill -9\n",
				     st.error().what().c_str());
	// After every thread: the last seq stored, an empty queue, the probes detached.
	impl_->publish(false);
}

SensorStatus Sensor::status() const
{
	SensorStatus s;
	s.attachments = impl_->probes->attachments();
	s.records = impl_->reader->records();
	s.decode_errors = impl_->decode_errors.load();
	s.events = impl_->events.load();
	s.lost = impl_->lost.load();
	s.last_seq = impl_->last_seq.load();
	s.processes = impl_->processes.load();
	return s;
}

} // namespace linesman::agent
