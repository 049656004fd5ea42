// SPDX-License-Identifier: Apache-2.0
// The bounded hand-off between the ring-buffer reader and the pipeline thread.
// push() never blocks: when the pipeline falls behind, records are refused and
// the caller counts them, so the kernel ring keeps draining and the loss is
// visible instead of spreading into the kernel as reservation failures.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <utility>
#include <vector>

namespace linesman::ringbuf {

// Bounded both in items and in bytes: exec records range from ~200 bytes to
// ~57 KiB (long argv and paths), so an item bound alone would allow gigabytes.
template <typename T>
class BoundedQueue {
public:
	BoundedQueue(size_t capacity, size_t capacity_bytes)
	    : capacity_(capacity), capacity_bytes_(capacity_bytes) {}

	bool try_push(T &&item, size_t bytes)
	{
		{
			std::lock_guard lock(mu_);
			if (items_.size() >= capacity_ || bytes_ + bytes > capacity_bytes_)
				return false;
			items_.push_back({std::move(item), bytes});
			bytes_ += bytes;
		}
		cv_.notify_one();
		return true;
	}

	// Move up to `max` items into `out`; wait at most `timeout` for the first.
	size_t pop_batch(std::vector<T> &out, size_t max, std::chrono::milliseconds timeout)
	{
		std::unique_lock lock(mu_);
		if (items_.empty())
			cv_.wait_for(lock, timeout, [&] { return !items_.empty() || woken_; });
		woken_ = false;
		size_t n = 0;
		while (n < max && !items_.empty()) {
			out.push_back(std::move(items_.front().first));
			bytes_ -= items_.front().second;
			items_.pop_front();
			++n;
		}
		return n;
	}

	// Wake a waiting pop_batch (shutdown).
	void wake()
	{
		{
			std::lock_guard lock(mu_);
			woken_ = true;
		}
		cv_.notify_all();
	}

	size_t size() const
	{
		std::lock_guard lock(mu_);
		return items_.size();
	}
	size_t capacity() const { return capacity_; }

private:
	const size_t capacity_;
	const size_t capacity_bytes_;
	mutable std::mutex mu_;
	std::condition_variable cv_;
	std::deque<std::pair<T, size_t>> items_;
	size_t bytes_ = 0;
	bool woken_ = false;
};

} // namespace linesman::ringbuf
