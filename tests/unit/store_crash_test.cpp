// SPDX-License-Identifier: Apache-2.0
// kill -9 at random moments during ingest (hour rollovers included), repeated: the
// store reopens, seqs are contiguous, verify finds nothing, and every append the
// child saw commit is there.
#include <doctest/doctest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <random>

#include "store/reader.h"
#include "store/store.h"
#include "store/verify.h"
#include "store_test_util.h"

using namespace linesman;
using namespace linesman::store;
using namespace store_test;

namespace {

// 1.2 s of event time per seq: an hour every 3000 events, so kills land in rollovers too.
uint64_t time_of(uint64_t seq) { return hour_ns(0, seq * 1'200'000'000ull); }

[[noreturn]] void child(const std::string &dir, int out)
{
	StoreOptions o;
	o.state_dir = dir;
	auto s = Store::open(o);
	if (!s)
		_exit(3);
	for (;;) {
		std::vector<Event> b;
		for (uint64_t i = 0; i < 50; ++i) {
			uint64_t seq = s->next_seq() + i;
			b.push_back(i % 3 ? exec_event(seq, time_of(seq), uint32_t(seq))
					  : file_event(seq, time_of(seq), "/etc/f" + std::to_string(seq % 97)));
		}
		if (!s->append(b).ok())
			_exit(4);
		uint64_t committed = b.back().seq;
		if (write(out, &committed, sizeof committed) != sizeof committed)
			_exit(5);
	}
}

} // namespace

TEST_CASE("store: kill -9 during ingest, repeated")
{
	TempDir d;
	std::random_device rd;
	unsigned seed = rd();
	MESSAGE("seed " << seed);
	std::mt19937 rng(seed);
	uint64_t committed = 0;
	for (int iter = 0; iter < 8; ++iter) {
		int fds[2];
		REQUIRE(pipe(fds) == 0);
		pid_t pid = fork();
		REQUIRE(pid >= 0);
		if (pid == 0) {
			close(fds[0]);
			child(d.path, fds[1]);
		}
		close(fds[1]);
		usleep(std::uniform_int_distribution<useconds_t>(5'000, 120'000)(rng));
		kill(pid, SIGKILL);
		int status = 0;
		waitpid(pid, &status, 0);
		REQUIRE_MESSAGE(WIFSIGNALED(status), "the child stopped by itself: " << status);
		uint64_t seq;
		while (read(fds[0], &seq, sizeof seq) == sizeof seq)
			committed = std::max(committed, seq);
		close(fds[0]);

		auto s = Store::open(StoreOptions{.state_dir = d.path, .host = "", .max_size = 1ull << 30,
						  .max_age = std::chrono::hours(24 * 14), .keep_free = 0.15,
						  .group = "linesman", .fs_space = {}});
		REQUIRE_MESSAGE(s.ok(), (s.ok() ? "" : s.error().what()));
		INFO("iteration " << iter << ", committed " << committed << ", next_seq " << s->next_seq());
		CHECK(s->next_seq() > committed);

		auto v = verify(d.path);
		REQUIRE(v.ok());
		for (const auto &p : v->problems())
			MESSAGE(describe(p));
		CHECK(v->ok());

		auto r = Reader::open(d.path);
		REQUIRE(r.ok());
		auto all = r->query({});
		REQUIRE(all.ok());
		CHECK(all->size() == s->next_seq() - 1);
		bool contiguous = true;
		for (size_t i = 0; i < all->size(); ++i)
			contiguous = contiguous && (*all)[i].seq == i + 1;
		CHECK(contiguous);
	}
	MESSAGE("committed " << committed << " events over 8 kills");
}
