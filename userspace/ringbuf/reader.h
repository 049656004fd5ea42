// SPDX-License-Identifier: Apache-2.0
// Reads the kernel ring buffer. The BPF side wakes us only once a backlog has
// built up (cfg_wakeup_bytes), so poll() also drains on its timeout: latency is
// bounded by the poll timeout, and a quiet host costs one wakeup per timeout.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "common/result.h"
#include "ringbuf/queue.h"

struct ring_buffer;

namespace linesman::ringbuf {

using RawRecord = std::vector<std::byte>;

class Reader {
public:
	// Counts of records refused by a full queue, by decode::record_kind().
	static constexpr size_t kTypeSlots = 16;

	static Result<std::unique_ptr<Reader>> open(int ringbuf_map_fd, BoundedQueue<RawRecord> &queue);
	~Reader();
	Reader(const Reader &) = delete;
	Reader &operator=(const Reader &) = delete;

	// Wait up to timeout_ms for a wakeup, then drain everything available.
	// Returns the number of records read, or an error from epoll.
	Result<int> poll(int timeout_ms);

	std::array<uint64_t, kTypeSlots> overflow_by_type() const;
	uint64_t records() const { return records_.load(std::memory_order_relaxed); }

private:
	Reader(BoundedQueue<RawRecord> &queue) : queue_(queue) {}
	static int on_record(void *ctx, void *data, size_t size) noexcept;

	BoundedQueue<RawRecord> &queue_;
	ring_buffer *rb_ = nullptr;
	std::atomic<uint64_t> records_{0};
	std::array<std::atomic<uint64_t>, kTypeSlots> overflow_{};
};

} // namespace linesman::ringbuf
