// SPDX-License-Identifier: Apache-2.0
#include "ringbuf/reader.h"

#include "decode/decoder.h"

#include <bpf/libbpf.h>

#include <cerrno>
#include <cstring>

namespace linesman::ringbuf {

Result<std::unique_ptr<Reader>> Reader::open(int map_fd, BoundedQueue<RawRecord> &queue)
{
	std::unique_ptr<Reader> r(new Reader(queue));
	r->rb_ = ring_buffer__new(map_fd, &Reader::on_record, r.get(), nullptr);
	if (!r->rb_)
		return Error::from_errno(errno, "cannot map the BPF ring buffer");
	return r;
}

Reader::~Reader()
{
	if (rb_)
		ring_buffer__free(rb_);
}

// Runs inside libbpf's consume loop: copy and return, nothing else. The record's
// type is read here only to attribute a refused record to its event type.
int Reader::on_record(void *ctx, void *data, size_t size) noexcept
{
	auto *self = static_cast<Reader *>(ctx);
	self->records_.fetch_add(1, std::memory_order_relaxed);
	try {
		auto *p = static_cast<const std::byte *>(data);
		if (self->queue_.try_push(RawRecord(p, p + size), size))
			return 0;
	} catch (const std::bad_alloc &) {
		// fall through: counted as an overflow like a full queue
	}
	size_t kind = decode::record_kind({static_cast<const std::byte *>(data), size});
	self->overflow_[kind < kTypeSlots ? kind : 0].fetch_add(1, std::memory_order_relaxed);
	return 0;
}

Result<int> Reader::poll(int timeout_ms)
{
	int n = ring_buffer__poll(rb_, timeout_ms);
	if (n < 0 && n != -EINTR)
		return Error::from_errno(n, "polling the BPF ring buffer");
	// Records submitted with BPF_RB_NO_WAKEUP do not wake epoll: drain explicitly.
	int m = ring_buffer__consume(rb_);
	if (m < 0)
		return Error::from_errno(m, "consuming the BPF ring buffer");
	return (n > 0 ? n : 0) + m;
}

std::array<uint64_t, Reader::kTypeSlots> Reader::overflow_by_type() const
{
	std::array<uint64_t, kTypeSlots> out{};
	for (size_t i = 0; i < kTypeSlots; ++i)
		out[i] = overflow_[i].load(std::memory_order_relaxed);
	return out;
}

} // namespace linesman::ringbuf
