// SPDX-License-Identifier: Apache-2.0
// Shared by the query tests: a time zone set for one test case and restored after,
// since time parsing and the short line are local time, as an operator reads them.
#pragma once

#include <stdlib.h>
#include <time.h>

#include <cstdint>
#include <optional>
#include <string>

namespace query_test {

class Tz {
public:
	explicit Tz(const char *tz)
	{
		if (const char *old = getenv("TZ"))
			old_ = old;
		setenv("TZ", tz, 1);
		tzset();
	}
	~Tz()
	{
		if (old_)
			setenv("TZ", old_->c_str(), 1);
		else
			unsetenv("TZ");
		tzset();
	}
	Tz(const Tz &) = delete;
	Tz &operator=(const Tz &) = delete;

private:
	std::optional<std::string> old_;
};

// A UTC time in ns.
inline uint64_t utc(int y, int mo, int d, int h = 0, int mi = 0, int s = 0)
{
	struct tm tm{};
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = s;
	return uint64_t(timegm(&tm)) * 1'000'000'000ull;
}

} // namespace query_test
