// SPDX-License-Identifier: Apache-2.0
// Text helpers for the commands that compose their own lines (tree, stats): untrusted
// strings (argv, paths, exe) escaped so they cannot drive the terminal, and event times
// in local time as `query -o short` shows them, so the outputs read alike.
#pragma once

#include <time.h>

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

#include "output/format.h"

namespace linesman::query {

// Control characters, bidi overrides and invalid UTF-8 escaped as linesmand's
// compact lines escape them.
inline std::string escaped(std::string_view s)
{
	return output::escape_text(s);
}

// One argv word: quoted when empty or holding a space or quote, so word boundaries stay visible.
inline std::string word(std::string_view s)
{
	std::string e = escaped(s);
	if (!s.empty() && e.find_first_of(" \t\"'") == std::string::npos)
		return e;
	std::string q = "\"";
	for (char c : e)
		q += c == '"' ? std::string("\\\"") : std::string(1, c);
	return q + '"';
}

// "2026-11-26 13:00:00.010", local time.
inline std::string local_time(uint64_t ns, bool millis = true)
{
	time_t t = time_t(ns / 1'000'000'000ull);
	struct tm tm{};
	localtime_r(&t, &tm);
	char buf[48];
	size_t n = strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S", &tm);
	if (millis)
		std::snprintf(buf + n, sizeof(buf) - n, ".%03u", unsigned(ns / 1'000'000ull % 1000));
	return buf;
}

} // namespace linesman::query
