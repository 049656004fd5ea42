// SPDX-License-Identifier: Apache-2.0
#include <chrono>
#include <thread>

#include <doctest/doctest.h>

#include "ringbuf/queue.h"

using linesman::ringbuf::BoundedQueue;
using namespace std::chrono_literals;

TEST_CASE("queue: refuses beyond its item bound and its byte bound, never blocks")
{
	BoundedQueue<int> q(3, 100);
	CHECK(q.try_push(1, 10));
	CHECK(q.try_push(2, 10));
	CHECK(q.try_push(3, 10));
	CHECK_FALSE(q.try_push(4, 10)); // 4th item
	CHECK(q.size() == 3);

	std::vector<int> out;
	CHECK(q.pop_batch(out, 2, 0ms) == 2);
	CHECK(out == std::vector<int>{1, 2});
	CHECK(q.try_push(5, 85));        // 10 + 85 = 95 bytes held
	CHECK_FALSE(q.try_push(6, 6));   // 101 > 100
	CHECK(q.try_push(7, 5));         // exactly 100
	out.clear();
	CHECK(q.pop_batch(out, 10, 0ms) == 3);
	CHECK(out == std::vector<int>{3, 5, 7});
	CHECK(q.try_push(8, 100));       // bytes were released by the pops
}

TEST_CASE("queue: pop_batch waits for the first item, and wake() ends the wait")
{
	BoundedQueue<int> q(8, 1 << 20);
	std::vector<int> out;
	auto t0 = std::chrono::steady_clock::now();
	CHECK(q.pop_batch(out, 4, 30ms) == 0);
	CHECK(std::chrono::steady_clock::now() - t0 >= 25ms);

	std::thread producer([&] {
		std::this_thread::sleep_for(20ms);
		q.try_push(42, 1);
	});
	CHECK(q.pop_batch(out, 4, 5000ms) == 1);
	CHECK(out == std::vector<int>{42});
	producer.join();

	std::thread waker([&] {
		std::this_thread::sleep_for(20ms);
		q.wake();
	});
	t0 = std::chrono::steady_clock::now();
	out.clear();
	CHECK(q.pop_batch(out, 4, 5000ms) == 0);
	CHECK(std::chrono::steady_clock::now() - t0 < 4000ms);
	waker.join();
}
