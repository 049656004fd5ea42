// SPDX-License-Identifier: Apache-2.0
// Kernel records are stamped with CLOCK_BOOTTIME (bpf_ktime_get_boot_ns), which
// keeps counting through suspend and never jumps; events carry wall-clock time.
#pragma once

#include <time.h>

#include <cstdint>

namespace linesman::clock {

inline uint64_t read(clockid_t id)
{
	timespec ts{};
	clock_gettime(id, &ts);
	return uint64_t(ts.tv_sec) * 1'000'000'000 + uint64_t(ts.tv_nsec);
}

inline uint64_t realtime_ns() { return read(CLOCK_REALTIME); }
inline uint64_t boottime_ns() { return read(CLOCK_BOOTTIME); }

// Wall-clock time of boot; wall = boot_wall_ns() + a CLOCK_BOOTTIME stamp.
// Re-read it after the wall clock is stepped (NTP) to follow the step.
inline uint64_t boot_wall_ns() { return realtime_ns() - boottime_ns(); }

} // namespace linesman::clock
