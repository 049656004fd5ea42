// SPDX-License-Identifier: Apache-2.0
// Renderings of an Event: one compact human line, one JSON object (mirrors the
// protobuf schema field for field, proto3 JSON mapping names), and protobuf-lite.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/event.h"

namespace linesman::v1 {
class Event;
class Process;
}

namespace linesman::output {

// Event.schema_version in userspace/proto/linesman/v1/event.proto (see its compatibility rules).
inline constexpr uint32_t kSchemaVersion = 1;

// One line, no trailing newline, e.g.
// 09:34:15.123 exec    pid=4242 ppid=4100 root(0) /usr/bin/ls -la /tmp  cwd=/root  parent=/usr/bin/bash  ssh=alice@192.0.2.7:52144
// 09:34:15.301 connect pid=4242 root(0) /usr/bin/curl 10.0.0.1:43122 -> 10.0.0.2:80 tcp established netns=4026531840 conn=9f3c2a7b01d4e6f8
// 09:34:15.402 file    pid=4242 root(0) /usr/bin/vim.basic write /etc/ssh/sshd_config size=3021→3133 wrote=3133 sha256=9f86d081884c→60303ae22b99
// A file event with a diff is followed by the diff's lines, each as "\n  " + the line.
// Untrusted text (argv, paths, comm, file content) is shown escaped: control characters,
// invalid UTF-8 and bidi overrides never reach the terminal raw. `color` adds ANSI colours
// (callers pass true only for a terminal).
std::string format_compact(const Event &ev, bool color);

// The `linesman query -o short` line, like journalctl's: local date and time, type, comm[pid],
// and what the event is about (the exec'd command, the endpoints, the file and op), without the
// process detail (ids, user, cwd, parent, session) or a file's diff. Escaped as format_compact.
// 2026-11-26 13:00:00.010 exec    ls[4242]: /usr/bin/ls -la /tmp
// 2026-11-26 13:00:00.301 connect curl[4242]: 10.0.0.1:43122 -> 10.0.0.2:80 tcp established
std::string format_short(const Event &ev, bool color);

// One JSON object, no trailing newline. Keys are the proto field names in
// lowerCamelCase (the proto3 JSON mapping); 64-bit integers are JSON numbers.
// Beyond the schema: "type" and "rolledType" are the lowercase names ("exec", "connect"),
// "time" is timeNs as RFC 3339 UTC, exec "flags" is an array of flag names. Every process field is
// printed except "origin" when absent and "containerId" when empty; proto3 `optional` fields
// (file "oldMode", "sizeBefore", ...) are printed only when present. Invalid UTF-8 becomes
// U+FFFD, so the output is always valid JSON. `pretty` indents by two spaces over lines.
std::string format_json(const Event &ev, bool pretty = false);

// Conversion to the canonical protobuf message and back. The round trip is exact, except that
// invalid UTF-8 in fields the schema types as `string` (agent-composed text) is replaced by
// U+FFFD so the message always parses; `bytes` fields (argv, paths, comm, ifname, file diffs)
// stay exact.
void to_proto(const Event &ev, linesman::v1::Event *out);
// The two halves the event log stores apart: the event without its process, and the process.
void to_proto_without_process(const Event &ev, linesman::v1::Event *out);
void to_proto(const Process &p, linesman::v1::Process *out);
Event from_proto(const linesman::v1::Event &msg);

// The JSON name of an ExecFlag bit ("setuid", "exe_truncated", ...), nullptr for unknown bits.
const char *exec_flag_name(uint32_t bit);

// UTF-8 helpers the renderings share.
struct Utf8Char {
	char32_t cp = 0;
	std::size_t len = 0; // 0: the bytes at that position are not well-formed UTF-8
};
// Decodes the sequence at s[i]; rejects overlongs, surrogates, > U+10FFFF and truncation.
Utf8Char utf8_decode(std::string_view s, std::size_t i);
// s with every byte that is not part of a well-formed sequence replaced by U+FFFD.
std::string utf8_sanitize(std::string_view s);
// Code points a terminal or viewer acts on instead of showing: C0/C1 controls, DEL, line and
// paragraph separators, bidi embeddings/overrides/isolates (the "Trojan Source" characters).
bool is_invisible_control(char32_t cp);
// Untrusted text made safe for a terminal: invalid UTF-8 as \xNN, backslash, \n, \t, \r
// and (in_quotes) '"' escaped, other invisible controls as \xNN or \u{NNNN}.
std::string escape_text(std::string_view s, bool in_quotes = false);
// Local date and time to the millisecond, "2026-11-26 13:00:00.010".
std::string date_time_of(uint64_t ns);

} // namespace linesman::output
