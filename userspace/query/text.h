// SPDX-License-Identifier: Apache-2.0
// Text helpers for the commands that compose their own lines (tree, stats): untrusted
// strings (argv, paths, exe) escaped so they cannot drive the terminal, as linesmand's
// own lines are (times: output::date_time_of, as `query -o short` shows them).
#pragma once

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

} // namespace linesman::query
