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
#include <vector>

namespace linesman::ringbuf {

template <typename T>
class BoundedQueue {
public:
	explicit BoundedQueue(size_t capacity) : capacity_(capacity) {}

	bool try_push(T &&item)
	{
		{
			std::lock_guard lock(mu_);
			if (items_.size() >= capacity_)
				return false;
			items_.push_back(std::move(item));
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
			out.push_back(std::move(items_.front()));
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
	mutable std::mutex mu_;
	std::condition_variable cv_;
	std::deque<T> items_;
	bool woken_ = false;
};

} // namespace linesman::ringbuf
