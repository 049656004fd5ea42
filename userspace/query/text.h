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

// Control characters, bidi overrides and invalid UTF-8 as \xNN / \u{...}; the rest as is.
inline std::string escaped(std::string_view s)
{
	std::string out;
	char buf[16];
	for (size_t i = 0; i < s.size();) {
		output::Utf8Char c = output::utf8_decode(s, i);
		if (c.len == 0) {
			std::snprintf(buf, sizeof(buf), "\\x%02x", unsigned(uint8_t(s[i])));
			out += buf;
			++i;
			continue;
		}
		if (c.cp == '\\') {
			out += "\\\\";
		} else if (output::is_invisible_control(c.cp)) {
			if (c.cp < 0x80)
				std::snprintf(buf, sizeof(buf), "\\x%02x", unsigned(c.cp));
			else
				std::snprintf(buf, sizeof(buf), "\\u{%x}", unsigned(c.cp));
			out += buf;
		} else {
			out.append(s.substr(i, c.len));
		}
		i += c.len;
	}
	return out;
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
