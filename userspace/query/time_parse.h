// SPDX-License-Identifier: Apache-2.0
// The times `linesman query --since/--until` accepts, as journalctl does: absolute
// ("2026-11-26 13:00[:00]", ISO 8601 with T and Z or an offset), the words now,
// today, yesterday and tomorrow, and relative offsets ("-15m", "-2h", "+30s").
// Local time unless a zone is given, so what an operator types matches the clock
// on the host's own logs.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"

namespace linesman::query {

// ns since the epoch. `now_ns` is injected so tests are not at the mercy of the clock.
// The error says what was expected; the caller prefixes the option name.
Result<uint64_t> parse_time(std::string_view text, uint64_t now_ns);

// -S/--since and -U/--until, "" meaning unbounded. The error names the option.
struct TimeWindow {
	std::optional<uint64_t> since_ns, until_ns;
};
Result<TimeWindow> parse_window(const std::string &since, const std::string &until, uint64_t now_ns);

// The wall clock now, ns since the epoch.
uint64_t now_ns();

} // namespace linesman::query
