// SPDX-License-Identifier: Apache-2.0
#include "store/seq_reservation.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "common/clock.h"
#include "store/layout.h"

namespace linesman::store {
namespace {

constexpr off_t kSlotBytes = 512; // one sector each: a power loss tears at most one
constexpr char kMagic[8] = {'L', 'S', 'M', 'S', 'E', 'Q', '\0', '\1'};
constexpr uint32_t kRunning = 1, kStopped = 2;

struct Record {
	char magic[8];
	uint64_t generation; // + 1 per write; the newer valid slot wins
	uint64_t seq;        // the mark (running) or the last seq (stopped)
	uint32_t state;      // kRunning, kStopped
	uint32_t pid;        // the writer, for a person reading the file with od
	uint64_t time_ns;    // wall clock of the write, likewise
	uint64_t unused[2];
	uint64_t check; // FNV-1a 64 of the bytes before it
};
static_assert(sizeof(Record) == 64, "one record, well inside a slot");

uint64_t checksum(const Record &r)
{
	const auto *p = reinterpret_cast<const unsigned char *>(&r);
	uint64_t h = 0xcbf29ce484222325ull;
	for (size_t i = 0; i < offsetof(Record, check); ++i)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return h;
}

// Why a slot is not valid, or "" when it is.
std::string check_slot(const unsigned char *bytes, ssize_t n, Record *out)
{
	if (n < ssize_t(sizeof(Record)))
		return "short";
	memcpy(out, bytes, sizeof(Record));
	if (memcmp(out->magic, kMagic, sizeof kMagic) != 0)
		return "no record";
	if (out->check != checksum(*out))
		return "checksum mismatch (torn or damaged)";
	if (out->state != kRunning && out->state != kStopped)
		return "unknown state " + std::to_string(out->state);
	return "";
}

std::string seqs(uint64_t a, uint64_t b)
{
	return a == b ? "seq " + std::to_string(a) : "seqs " + std::to_string(a) + ".." + std::to_string(b);
}

} // namespace

Result<SeqReservation> SeqReservation::open(const std::string &state_dir, gid_t gid, uint64_t block)
{
	if (Status st = make_state_dir(state_dir, gid); !st)
		return st.error();
	SeqReservation r;
	r.path_ = state_dir + "/" + kSeqFileName;
	r.block_ = std::max<uint64_t>(block, 1);
	r.fd_ = ::open(r.path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0640);
	if (r.fd_ < 0)
		return Error::from_errno(errno, "cannot open the seq reservation " + r.path_);
	if (fchmod(r.fd_, 0640) != 0 || (fchown(r.fd_, uid_t(-1), gid) != 0 && geteuid() == 0))
		return Error::from_errno(errno, "cannot set the mode and group of " + r.path_);

	unsigned char buf[2 * kSlotBytes];
	ssize_t n = pread(r.fd_, buf, sizeof buf, 0);
	if (n < 0)
		return Error::from_errno(errno, "cannot read the seq reservation " + r.path_);
	if (n == 0)
		return r; // a first start
	std::optional<Record> best;
	std::string why[2];
	for (int slot = 0; slot < 2; ++slot) {
		Record rec{};
		ssize_t have = std::clamp<ssize_t>(n - slot * kSlotBytes, 0, kSlotBytes);
		why[slot] = check_slot(buf + slot * kSlotBytes, have, &rec);
		if (why[slot].empty() && (!best || rec.generation > best->generation))
			best = rec;
	}
	if (!best) {
		r.prev_.state = SeqPrevious::State::Unreadable;
		r.prev_.problem = r.path_ + " holds no valid record (slot 0: " + why[0] + ", slot 1: " + why[1] + ")";
		return r;
	}
	r.generation_ = best->generation;
	r.prev_.state = best->state == kStopped ? SeqPrevious::State::Stopped : SeqPrevious::State::Running;
	r.prev_.seq = best->seq;
	return r;
}

SeqReservation::SeqReservation(SeqReservation &&o) noexcept
    : fd_(std::exchange(o.fd_, -1)), path_(std::move(o.path_)), block_(o.block_), generation_(o.generation_),
      prev_(std::move(o.prev_))
{
}

SeqReservation &SeqReservation::operator=(SeqReservation &&o) noexcept
{
	if (this != &o) {
		if (fd_ >= 0)
			::close(fd_);
		fd_ = std::exchange(o.fd_, -1);
		path_ = std::move(o.path_);
		block_ = o.block_;
		generation_ = o.generation_;
		prev_ = std::move(o.prev_);
	}
	return *this;
}

SeqReservation::~SeqReservation()
{
	if (fd_ >= 0)
		::close(fd_);
}

Status SeqReservation::write(uint64_t seq, uint32_t state)
{
	Record rec{};
	memcpy(rec.magic, kMagic, sizeof kMagic);
	rec.generation = generation_ + 1;
	rec.seq = seq;
	rec.state = state;
	rec.pid = uint32_t(getpid());
	rec.time_ns = clock::realtime_ns();
	rec.check = checksum(rec);
	// The slot not holding the newest record: that one stays valid whatever happens to
	// this write.
	off_t off = off_t(rec.generation % 2) * kSlotBytes;
	ssize_t n = pwrite(fd_, &rec, sizeof rec, off);
	if (n != ssize_t(sizeof rec))
		return Error::from_errno(n < 0 ? errno : EIO, "cannot write the seq reservation " + path_);
	generation_ = rec.generation;
	return ok();
}

Result<uint64_t> SeqReservation::reserve(uint64_t seq)
{
	uint64_t mark = seq + block_ - 1;
	if (Status st = write(mark, kRunning); !st)
		return st.error();
	return mark;
}

Status SeqReservation::stop(uint64_t last_seq)
{
	return write(last_seq, kStopped);
}

SeqStart plan_seq_start(std::optional<uint64_t> store_next, const SeqPrevious &prev)
{
	SeqStart s;
	const uint64_t next = store_next.value_or(1);
	s.first_seq = next;
	switch (prev.state) {
	case SeqPrevious::State::None:
		break;
	case SeqPrevious::State::Stopped:
		s.first_seq = std::max(next, prev.seq + 1);
		if (store_next && prev.seq >= next) {
			// Its store could not write its last events (a failed batch, or the queue
			// overflowing as it stopped), and no later batch declared them.
			s.gap_first = next;
			s.gap_last = prev.seq;
			s.reason = "loss";
			s.message = "the previous run stopped cleanly at seq " + std::to_string(prev.seq) +
				    ", but the event log ends at seq " + std::to_string(next - 1) + ": " +
				    seqs(next, prev.seq) +
				    " were not stored (the previous run counted them as store losses); "
				    "declared as a gap in the log";
		}
		break;
	case SeqPrevious::State::Running:
		s.first_seq = std::max(next, prev.seq + 1);
		if (!store_next) {
			s.message = "the previous run did not stop cleanly (kill -9 or a crash): it used seqs up to at most " +
				    std::to_string(prev.seq) + ", and this run continues at " + std::to_string(s.first_seq) +
				    "; with the store off, which of its last events were written out is not known";
		} else if (prev.seq >= next) {
			s.gap_first = next;
			s.gap_last = prev.seq;
			s.reason = "unclean_stop";
			s.lost = prev.seq - next + 1;
			s.message = "the previous run did not stop cleanly (kill -9 or a crash): up to " +
				    std::to_string(s.lost) + " events, " + seqs(next, prev.seq) +
				    ", were emitted live but not stored; seqs after the last one printed live were "
				    "never used. Declared as a gap in the event log";
		}
		break;
	case SeqPrevious::State::Unreadable:
		s.first_seq = next + kSeqUnknownJump;
		s.error = true;
		if (store_next) {
			s.gap_first = next;
			s.gap_last = s.first_seq - 1;
			s.reason = "seq_file_unreadable";
			s.message = prev.problem + ": the previous run may have printed seqs that the event log lacks, "
						   "so this run skips " + seqs(s.gap_first, s.gap_last) +
				    " and declares them as a gap in the log";
		} else {
			s.message = prev.problem + ": with the store off nothing else records the last seq used; this "
						   "run starts at " + std::to_string(s.first_seq) +
				    ", and its seqs may repeat those of earlier runs";
		}
		break;
	}
	return s;
}

} // namespace linesman::store
