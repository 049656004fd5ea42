// SPDX-License-Identifier: Apache-2.0
// The agent's local event log: appends batches of events to one SQLite file per UTC
// hour, chains them with SHA-256, keeps seq contiguous across restarts, and keeps to
// its disk budget. One writer (the store thread); not thread-safe.
//
// Durability: WAL with synchronous=NORMAL. A committed append survives the process
// being killed at any moment (the WAL is in the page cache); after a power loss the
// last transactions before the crash may be missing, never half-written.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "common/event.h"
#include "common/result.h"
#include "store/layout.h"

namespace linesman::store {

struct FsSpace {
	uint64_t total = 0;     // bytes of the filesystem
	uint64_t available = 0; // bytes an unprivileged writer could still use (f_bavail)
};

struct StoreOptions {
	std::string state_dir = "/var/lib/linesman";
	std::string host;                      // stored in each file's meta
	uint64_t max_size = 1ull << 30;        // all hour files together
	std::chrono::seconds max_age{14 * 24 * 3600};
	double keep_free = 0.15;               // fraction of the filesystem to leave free
	std::string group = kReadersGroup;     // readers' group; root's when it does not exist
	// Tests replace statvfs; empty: statvfs(events dir).
	std::function<Result<FsSpace>(const std::string &dir)> fs_space;
};

struct DeletedFile {
	std::string path;
	std::string reason; // "max_age", "max_size", "keep_free", "disk_full"
	uint64_t events = 0;
	uint64_t first_seq = 0, last_seq = 0; // 0, 0 when the file held none or was unreadable
	uint64_t bytes = 0;
};

struct RetentionReport {
	std::vector<DeletedFile> deleted;
	uint64_t events = 0, bytes = 0; // sums over `deleted`
	// Only the hour being written is left and it alone breaks a limit: the store never
	// deletes it (that would cut the chain it is extending and lose the newest events);
	// disk full then makes appends fail, each failure counting its events as lost.
	bool current_over_budget = false;
	bool empty() const { return deleted.empty(); }
};

// How a batch relates to what is stored.
enum class Continuity {
	Contiguous, // first seq == next_seq()
	// The caller lost events (seq next_seq() .. first-1) or restarts its stream: the batch
	// starts a new epoch; the gap is recorded in the file, so verify reports it as a
	// declared loss instead of tampering. Seqs are still never reused.
	AfterLoss,
};

struct AppendReport {
	size_t stored = 0;     // a prefix of the batch, committed
	size_t not_stored = 0; // the rest: the caller counts them as lost
	std::optional<Error> error; // why not_stored > 0 ("N of M events not stored: ...")
	RetentionReport shed;  // hour files deleted to make room on a full disk
	// Not a loss of this batch: the hour file being written was removed under the store
	// (the events folder deleted by hand); the store recreated the folder and started a
	// new hour file and a new epoch. Says which file and what is gone.
	std::optional<Error> recreated;
	bool ok() const { return !error; }
};

class Store {
public:
	// Creates <state_dir> (make_state_dir) and <state_dir>/events (0750, group `group`)
	// if needed, removes a newest file left empty by a crash during its creation, and
	// continues the newest file's chain, after its last event or declared gap.
	static Result<Store> open(StoreOptions opts);

	Store(Store &&) noexcept;
	Store &operator=(Store &&) noexcept;
	~Store();

	// One transaction per hour file touched (a batch crossing an hour writes to both).
	// Events go to the file of their UTC hour, or to the current file when they are
	// older than it (late events and clock steps back never reopen a closed hour).
	// Seqs within a batch must be contiguous. Never throws, never blocks on readers.
	// On a full disk: rolls back, deletes the oldest closed hours, retries once.
	// When the current hour file was removed (or replaced) since the last append, the
	// store starts over in a new file chained from the removed one's last link; a batch
	// committed into a file removed during the commit is reported as not stored, and
	// its seqs must then be declared with AfterLoss like any other loss.
	[[nodiscard]] AppendReport append(std::span<const Event> batch,
					  Continuity continuity = Continuity::Contiguous);

	// At start, before the first append: seqs next_seq()..last_seq will never be stored
	// (an earlier run printed them live and was killed before committing them). Records
	// them as a gap, in this run's epoch (first_seq last_seq + 1, `reason`), in a
	// transaction of its own: in the newest hour file, or in a new file of the current
	// hour when there is none. next_seq() becomes last_seq + 1, so the first batch is
	// Contiguous. Nothing to do when last_seq < next_seq(). On an error nothing changed:
	// the caller then passes AfterLoss with its first batch, which declares the same
	// seqs (with reason "loss").
	Status declare_gap(uint64_t last_seq, const std::string &reason);

	// The seq the next batch must start with: the agent starts its counter here.
	uint64_t next_seq() const;
	// The stream epoch: highest stored + 1 at open, + 1 at each AfterLoss.
	uint64_t epoch() const;
	// The file being appended to, "" before the first append into an empty store.
	std::string current_file() const;
	const std::string &events_dir() const;

	// Deletes whole closed hour files, oldest first, while any limit is broken.
	Result<RetentionReport> apply_retention(std::chrono::system_clock::time_point now);

private:
	struct Impl;
	explicit Store(std::unique_ptr<Impl> impl);
	std::unique_ptr<Impl> impl_;
};

} // namespace linesman::store
