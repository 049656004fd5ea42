// SPDX-License-Identifier: Apache-2.0
#include "store/wire.h"

#include <google/protobuf/io/coded_stream.h>

namespace linesman::store {

std::optional<std::string_view> wire_field(std::string_view msg, uint32_t number)
{
	// Wire types: https://protobuf.dev/programming-guides/encoding/#structure
	enum : uint32_t { Varint = 0, Fixed64 = 1, Len = 2, Fixed32 = 5 };
	google::protobuf::io::CodedInputStream in(reinterpret_cast<const uint8_t *>(msg.data()), int(msg.size()));
	std::string_view found;
	// The tag is read as a plain varint: ReadTag() answers 0 for the end and for a
	// tag cut short alike.
	while (in.CurrentPosition() < int(msg.size())) {
		uint32_t tag;
		if (!in.ReadVarint32(&tag) || tag >> 3 == 0)
			return std::nullopt;
		uint64_t v;
		uint32_t len;
		switch (tag & 7) {
		case Varint:
			if (!in.ReadVarint64(&v))
				return std::nullopt;
			break;
		case Fixed64:
			if (!in.Skip(8))
				return std::nullopt;
			break;
		case Fixed32:
			if (!in.Skip(4))
				return std::nullopt;
			break;
		case Len: {
			if (!in.ReadVarint32(&len))
				return std::nullopt;
			int at = in.CurrentPosition();
			if (!in.Skip(int(len)))
				return std::nullopt;
			if (tag >> 3 == number)
				found = msg.substr(size_t(at), len);
			break;
		}
		default: // groups (3, 4) are not in proto3; 6, 7 do not exist
			return std::nullopt;
		}
	}
	return found;
}

} // namespace linesman::store
