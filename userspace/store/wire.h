// SPDX-License-Identifier: Apache-2.0
// One length-delimited field of a serialised protobuf message, read without parsing
// (or allocating) the rest. The aggregates over the log (stats, tree) need one string
// out of each of a million bodies; a full parse of each would cost more than reading it.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace linesman::store {

// The bytes of field `number` (a string, bytes or message field) of `msg`: "" when the
// field is absent (proto3's default), the last occurrence when it repeats (as a parse
// keeps it), nullopt when `msg` is not well-formed wire data.
std::optional<std::string_view> wire_field(std::string_view msg, uint32_t number);

} // namespace linesman::store
