// SPDX-License-Identifier: Apache-2.0
#include "query/time_parse.h"

#include <charconv>
#include <chrono>
#include <ctime>
#include <optional>
#include <string>
#include <tuple>

#include "query/quote.h"

namespace linesman::query {

namespace {

constexpr uint64_t kNsPerSec = 1'000'000'000;
constexpr const char *kExpected =
    "expected \"YYYY-MM-DD [HH:MM[:SS]]\", ISO 8601 (\"2026-11-26T13:00:00Z\"), "
    "\"HH:MM[:SS]\", now, today, yesterday, tomorrow, or an offset like -15m, -2h, -1d, -30s";

// A cursor over the text; every read either consumes what it expects or fails.
struct Scan {
	std::string_view s;
	bool done() const { return s.empty(); }
	bool eat(char c)
	{
		if (s.empty() || s.front() != c)
			return false;
		s.remove_prefix(1);
		return true;
	}
	// Exactly `width` digits.
	std::optional<int> digits(size_t width)
	{
		if (s.size() < width)
			return std::nullopt;
		int v = 0;
		for (size_t i = 0; i < width; ++i) {
			if (s[i] < '0' || s[i] > '9')
				return std::nullopt;
			v = v * 10 + (s[i] - '0');
		}
		s.remove_prefix(width);
		return v;
	}
};

bool leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int days_in(int year, int month)
{
	static constexpr int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	return month == 2 && leap(year) ? 29 : days[month - 1];
}

// Midnight `days` days from the local day of `now_ns`. mktime normalises the day
// overflow and picks the right DST offset for that date.
std::optional<uint64_t> local_midnight(uint64_t now_ns, int days)
{
	time_t t = time_t(now_ns / kNsPerSec);
	struct tm tm{};
	localtime_r(&t, &tm);
	tm.tm_mday += days;
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	tm.tm_isdst = -1;
	time_t m = mktime(&tm);
	if (m < 0)
		return std::nullopt;
	return uint64_t(m) * kNsPerSec;
}

// "-15m", "+2h", "-1d", "-30s", "-1w"; a bare number is refused (seconds? minutes?).
std::optional<uint64_t> relative(std::string_view s, uint64_t now_ns)
{
	if (s.size() < 3 || (s[0] != '-' && s[0] != '+'))
		return std::nullopt;
	uint64_t n = 0;
	auto [end, ec] = std::from_chars(s.data() + 1, s.data() + s.size() - 1, n);
	if (ec != std::errc() || end != s.data() + s.size() - 1)
		return std::nullopt;
	uint64_t unit;
	switch (s.back()) {
	case 's': unit = 1; break;
	case 'm': unit = 60; break;
	case 'h': unit = 3600; break;
	case 'd': unit = 86400; break;
	case 'w': unit = 7 * 86400; break;
	default: return std::nullopt;
	}
	// Ten years is further than any store keeps; beyond it is a typo, and the
	// bound keeps n * unit * 1e9 far from overflow.
	if (n > 10 * 366 * 86400 / unit)
		return std::nullopt;
	uint64_t delta = n * unit * kNsPerSec;
	if (s[0] == '-')
		return delta > now_ns ? 0 : now_ns - delta;
	return now_ns + delta;
}

// HH:MM[:SS[.fff]] into tm; fractional nanoseconds into *frac.
bool clock(Scan &sc, struct tm &tm, uint64_t &frac)
{
	auto h = sc.digits(2);
	if (!h || !sc.eat(':'))
		return false;
	auto m = sc.digits(2);
	if (!m)
		return false;
	int sec = 0;
	if (sc.eat(':')) {
		auto s = sc.digits(2);
		if (!s)
			return false;
		sec = *s;
		if (sc.eat('.')) {
			uint64_t scale = kNsPerSec / 10;
			size_t n = 0;
			while (!sc.s.empty() && sc.s[0] >= '0' && sc.s[0] <= '9') {
				if (n++ < 9) {
					frac += uint64_t(sc.s[0] - '0') * scale;
					scale /= 10;
				}
				sc.s.remove_prefix(1);
			}
			if (n == 0)
				return false;
		}
	}
	if (*h > 23 || *m > 59 || sec > 59) // no leap seconds: time_ns never holds one
		return false;
	tm.tm_hour = *h;
	tm.tm_min = *m;
	tm.tm_sec = sec;
	return true;
}

std::optional<uint64_t> absolute(std::string_view text, uint64_t now_ns)
{
	Scan sc{text};
	struct tm tm{};
	uint64_t frac = 0;
	bool has_date = text.size() >= 10 && text[4] == '-';
	if (has_date) {
		auto y = sc.digits(4);
		if (!y || !sc.eat('-'))
			return std::nullopt;
		auto mo = sc.digits(2);
		if (!mo || !sc.eat('-'))
			return std::nullopt;
		auto d = sc.digits(2);
		if (!d || *y < 1970 || *mo < 1 || *mo > 12 || *d < 1 || *d > days_in(*y, *mo))
			return std::nullopt;
		tm.tm_year = *y - 1900;
		tm.tm_mon = *mo - 1;
		tm.tm_mday = *d;
		if (!sc.done() && !(sc.eat(' ') || sc.eat('T')))
			return std::nullopt;
		if (!sc.done() && !clock(sc, tm, frac))
			return std::nullopt;
	} else {
		// A time alone is today's, as journalctl takes it.
		time_t t = time_t(now_ns / kNsPerSec);
		localtime_r(&t, &tm);
		if (!clock(sc, tm, frac))
			return std::nullopt;
	}
	// Zone: Z or ±HH:MM / ±HHMM means the time is UTC (plus the offset); none means local.
	std::optional<int> offset_s;
	if (sc.eat('Z')) {
		offset_s = 0;
	} else if (!sc.done() && (sc.s[0] == '+' || sc.s[0] == '-')) {
		int sign = sc.s[0] == '-' ? -1 : 1;
		sc.s.remove_prefix(1);
		auto oh = sc.digits(2);
		if (!oh)
			return std::nullopt;
		sc.eat(':');
		auto om = sc.digits(2);
		if (!om || *oh > 23 || *om > 59)
			return std::nullopt;
		offset_s = sign * (*oh * 3600 + *om * 60);
	}
	if (!sc.done())
		return std::nullopt;
	int64_t secs;
	if (offset_s) {
		secs = int64_t(timegm(&tm)) - *offset_s;
	} else {
		tm.tm_isdst = -1;
		secs = int64_t(mktime(&tm));
	}
	if (secs < 0)
		return std::nullopt;
	return uint64_t(secs) * kNsPerSec + frac;
}

} // namespace

Result<uint64_t> parse_time(std::string_view text, uint64_t now_ns)
{
	std::optional<uint64_t> t;
	if (text == "now")
		t = now_ns;
	else if (text == "today")
		t = local_midnight(now_ns, 0);
	else if (text == "yesterday")
		t = local_midnight(now_ns, -1);
	else if (text == "tomorrow")
		t = local_midnight(now_ns, 1);
	else if (!text.empty() && (text[0] == '-' || text[0] == '+'))
		t = relative(text, now_ns);
	else
		t = absolute(text, now_ns);
	if (!t)
		return Error(quoted(text) + " is not a time: " + kExpected);
	return *t;
}

uint64_t now_ns()
{
	return uint64_t(std::chrono::duration_cast<std::chrono::nanoseconds>(
			    std::chrono::system_clock::now().time_since_epoch())
			    .count());
}

Result<TimeWindow> parse_window(const std::string &since, const std::string &until, uint64_t now_ns)
{
	TimeWindow w;
	for (auto [text, opt, slot] : {std::tuple{&since, "--since", &w.since_ns},
				       std::tuple{&until, "--until", &w.until_ns}}) {
		if (text->empty())
			continue;
		auto t = parse_time(*text, now_ns);
		if (!t)
			return Error(std::string(opt) + ": " + t.error().what());
		*slot = *t;
	}
	return w;
}

} // namespace linesman::query
