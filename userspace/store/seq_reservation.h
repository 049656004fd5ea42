// SPDX-License-Identifier: Apache-2.0
// <state_dir>/seq.reserved: a high-water mark of the seqs handed out, kept ahead of the
// live stream. Events are printed live at once and committed to the log up to 200 ms
// later; after a kill -9 in between, the next run must neither reuse those seqs nor
// leave them unexplained. Before the pipeline hands out a seq past the mark, it records
// a new mark one block ahead (one pwrite per block, never per event, never waiting on
// the store). The next run starts after the mark and declares the seqs the log lacks.
//
// Durability: the pwrite reaches the page cache, which survives a kill -9 of the agent.
// There is no fsync: after a power loss the file may hold an older mark, like the log
// may lack its last transactions, and seqs printed live just before the crash can then
// be used again.
//
// Format: two 512-byte slots, each holding a 64-byte record with a checksum; writes
// alternate between them and carry a generation. A record is written with one pwrite
// into one sector, so it is not torn, but if one slot is (or is damaged), the other
// still holds a mark that covers every seq handed out: a mark is written before any seq
// it covers is used, so the write that was cut short had covered none yet.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>

#include "common/result.h"

namespace linesman::store {

inline constexpr const char *kSeqFileName = "seq.reserved";
// Seqs reserved per write: ~10 pwrites a second at 10,000 events/s. It is also the most
// seqs a kill leaves unused (declared, never printed).
inline constexpr uint64_t kSeqBlock = 1024;
// When neither slot can be read, how far past the log's end the next run starts: the
// previous run may have printed seqs that the log never got. Covers a run that printed
// up to 2^20 events beyond what it stored.
inline constexpr uint64_t kSeqUnknownJump = 1ull << 20;

// What the previous run left.
struct SeqPrevious {
	enum class State {
		None,       // no file, or an empty one: a first start
		Running,    // not stopped cleanly: every seq it handed out is <= seq
		Stopped,    // a clean stop: seq is exactly its last (0: it handed out none)
		Unreadable, // neither slot holds a valid record: problem says why
	};
	State state = State::None;
	uint64_t seq = 0;
	std::string problem;
};

class SeqReservation {
public:
	// Creates the state directory if needed (make_state_dir) and opens or creates
	// <state_dir>/seq.reserved (0640, group `gid`), reading what the previous run left.
	// Nothing is written until the first reserve().
	static Result<SeqReservation> open(const std::string &state_dir, gid_t gid,
					   uint64_t block = kSeqBlock);

	SeqReservation(SeqReservation &&) noexcept;
	SeqReservation &operator=(SeqReservation &&) noexcept;
	~SeqReservation();

	const SeqPrevious &previous() const { return prev_; }
	// Records the mark seq + block - 1 before seq is handed out, in one pwrite, and
	// returns it. On an error the mark in the file stays where it was.
	Result<uint64_t> reserve(uint64_t seq);
	// A clean stop: the exact last seq handed out.
	Status stop(uint64_t last_seq);
	const std::string &path() const { return path_; }

private:
	SeqReservation() = default;
	Status write(uint64_t seq, uint32_t state);

	int fd_ = -1;
	std::string path_;
	uint64_t block_ = kSeqBlock;
	uint64_t generation_ = 0; // of the newest valid record
	SeqPrevious prev_;
};

// Where a run's seqs start, and what it owes the log and the live stream.
struct SeqStart {
	uint64_t first_seq = 1;
	// Seqs to declare in the log as a gap (store on): gap_first..gap_last, none when 0, 0.
	uint64_t gap_first = 0, gap_last = 0;
	// The epoch reason of the gap: "unclean_stop" (seqs printed live before a kill),
	// "loss" (a clean stop whose last events the store could not write),
	// "seq_file_unreadable" (neither slot valid: the safety jump).
	std::string reason;
	uint64_t lost = 0;    // for a loss event (where: unclean_stop, what: event); 0: none
	std::string message;  // for an agent event; "" when there is nothing to say
	bool error = false;   // the message reports an error, not a warning
	bool has_gap() const { return gap_last != 0 && gap_last >= gap_first; }
};

// store_next: the store's next seq (Store::next_seq), nullopt with the store off.
// prev: the reservation file's state; SeqPrevious{} when there is none.
SeqStart plan_seq_start(std::optional<uint64_t> store_next, const SeqPrevious &prev);

} // namespace linesman::store
