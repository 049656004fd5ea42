// SPDX-License-Identifier: Apache-2.0
// User input echoed back in an error message, in double quotes, with control bytes
// escaped: a bad argument must not be able to drive the terminal it is shown on.
#pragma once

#include <cstdio>
#include <string>
#include <string_view>

namespace linesman::query {

inline std::string quoted(std::string_view s)
{
	std::string out = "\"";
	for (unsigned char c : s) {
		if (c < 0x20 || c == 0x7f || c == '"' || c == '\\') {
			char buf[8];
			std::snprintf(buf, sizeof(buf), "\\x%02x", c);
			out += buf;
		} else {
			out += char(c);
		}
	}
	return out + "\"";
}

} // namespace linesman::query
