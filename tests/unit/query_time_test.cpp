// SPDX-License-Identifier: Apache-2.0
// --since/--until: every accepted form against a fixed "now", in UTC and in a zone
// east of it, and the refusals.
#include <doctest/doctest.h>

#include "query/time_parse.h"
#include "query_test_util.h"

using namespace linesman::query;
using query_test::Tz;
using query_test::utc;

namespace {

constexpr uint64_t kSec = 1'000'000'000ull;
const uint64_t kNow = utc(2026, 11, 26, 13, 30, 15) + 250'000'000; // 13:30:15.250Z

uint64_t t(const char *text)
{
	auto r = parse_time(text, kNow);
	REQUIRE_MESSAGE(r.ok(), text << ": " << (r.ok() ? "" : r.error().what()));
	return *r;
}

} // namespace

TEST_CASE("query time: words and offsets")
{
	Tz tz("UTC0");
	CHECK(t("now") == kNow);
	CHECK(t("today") == utc(2026, 11, 26));
	CHECK(t("yesterday") == utc(2026, 11, 25));
	CHECK(t("tomorrow") == utc(2026, 11, 27));
	CHECK(t("-30s") == kNow - 30 * kSec);
	CHECK(t("-15m") == kNow - 15 * 60 * kSec);
	CHECK(t("-2h") == kNow - 2 * 3600 * kSec);
	CHECK(t("-1d") == kNow - 86400 * kSec);
	CHECK(t("-1w") == kNow - 7 * 86400 * kSec);
	CHECK(t("+5m") == kNow + 300 * kSec);
}

TEST_CASE("query time: absolute, local unless a zone is given")
{
	{
		Tz tz("UTC0");
		CHECK(t("2026-11-26 13:00") == utc(2026, 11, 26, 13));
		CHECK(t("2026-11-26 13:00:05") == utc(2026, 11, 26, 13, 0, 5));
		CHECK(t("2026-11-26") == utc(2026, 11, 26));
		CHECK(t("2026-11-26T13:00:05") == utc(2026, 11, 26, 13, 0, 5));
		CHECK(t("12:00") == utc(2026, 11, 26, 12));
		CHECK(t("2024-02-29 00:00") == utc(2024, 2, 29));
	}
	{
		Tz tz("CET-1"); // UTC+1, no DST: the same text is an hour earlier in UTC
		CHECK(t("2026-11-26 13:00") == utc(2026, 11, 26, 12));
		CHECK(t("today") == utc(2026, 11, 25, 23));
		CHECK(t("yesterday") == utc(2026, 11, 24, 23));
		CHECK(t("2026-11-26T13:00:00Z") == utc(2026, 11, 26, 13));
		CHECK(t("2026-11-26T13:00:00.5Z") == utc(2026, 11, 26, 13) + kSec / 2);
		CHECK(t("2026-11-26T13:00:00+02:00") == utc(2026, 11, 26, 11));
		CHECK(t("2026-11-26T13:00:00-0130") == utc(2026, 11, 26, 14, 30));
		CHECK(t("2026-11-26 13:00Z") == utc(2026, 11, 26, 13));
	}
}

TEST_CASE("query time: refusals say what was expected")
{
	Tz tz("UTC0");
	for (const char *bad : {"", "yesterdayx", "15m", "-15", "-15x", "--15m", "-m",
				"2026-13-01", "2026-02-30", "2025-02-29", "2026-11-26 24:00",
				"2026-11-26 13:60", "2026-11-26 13", "2026-11-26T13:00:00+25:00",
				"2026-11-26 13:00:00 junk", "1969-12-31", "-99999999999d", "13:00:61",
				"2026-11-26T13:00:00.Z", "now\x1b[31m"}) {
		auto r = parse_time(bad, kNow);
		CHECK_MESSAGE(!r.ok(), bad);
		if (!r.ok())
			CHECK(r.error().what().find("is not a time: expected") != std::string::npos);
	}
	auto r = parse_time("now\x1b[31m", kNow);
	REQUIRE(!r.ok());
	CHECK(r.error().what().find('\x1b') == std::string::npos); // escaped, not echoed raw
}
