// SPDX-License-Identifier: Apache-2.0
// The only user of bpf/include/linesman_abi.h on the agent side. Every record
// is checked (size, version, spans inside the record) before a field is read:
// the decoder is fed by the kernel, but is also fuzzed with random bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "common/result.h"
#include "decode/record.h"

namespace linesman::decode {

Result<Record> decode(std::span<const std::byte> bytes);

// What a record is, for loss accounting without decoding it: its kernel record
// type (1 .. 15), kFileCloseKind for a file CLOSE record (each is one `write`
// event), 0 when unreadable.
inline constexpr size_t kFileCloseKind = 15;
size_t record_kind(std::span<const std::byte> bytes);

// Split a NUL-separated argv area (as in /proc/PID/cmdline) into arguments.
// A trailing NUL does not start an empty argument.
std::vector<std::string> split_argv(std::string_view area);

// "pts3" (the kernel's tty->name) -> "pts/3"; other names unchanged.
std::string tty_display_name(std::string_view kernel_name);

} // namespace linesman::decode
