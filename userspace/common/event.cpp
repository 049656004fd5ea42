// SPDX-License-Identifier: Apache-2.0
#include "common/event.h"

namespace linesman {

// These names are the JSON/CLI spelling of the type; they match the schema's EventType names
// lowercased without the EVENT_TYPE_ prefix (checked by tests/unit/output_test.cpp).
const char *to_string(EventType t)
{
	switch (t) {
	case EventType::Exec:
		return "exec";
	case EventType::Exit:
		return "exit";
	case EventType::Rollup:
		return "rollup";
	case EventType::Loss:
		return "loss";
	case EventType::Agent:
		return "agent";
	case EventType::Connect:
		return "connect";
	case EventType::Accept:
		return "accept";
	case EventType::Listen:
		return "listen";
	case EventType::Close:
		return "close";
	case EventType::Socket:
		return "socket";
	case EventType::Udp:
		return "udp";
	case EventType::TcpSummary:
		return "tcp_summary";
	case EventType::File:
		return "file";
	}
	return "unknown"; // a value from a newer agent
}

} // namespace linesman
