// SPDX-License-Identifier: Apache-2.0
// The filter options of `linesman query`, parsed and validated into a store::Filter.
// Every value is checked here so bad input is refused with the option named, before
// the store is opened; what reaches SQL is bound as data in any case (store/reader.cpp).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/event.h"
#include "common/result.h"
#include "store/reader.h"

namespace linesman::query {

// "exec", "tcp_summary", ...; a comma list is split. Unknown names are an error
// that lists the known ones.
Result<std::vector<EventType>> parse_types(const std::vector<std::string> &values);

// 0 .. 65535, decimal only.
Result<uint32_t> parse_port(std::string_view text);
// 1 .. 2^32-1 (pid 0 is the idle task, never an event's actor).
Result<uint32_t> parse_pid(std::string_view text);

// An address or a network: "10.0.0.2", "2001:db8::1", "10.0.0.0/8", "2001:db8::/32".
struct Cidr {
	int family = 0;                 // AF_INET or AF_INET6
	std::array<uint8_t, 16> addr{}; // network bytes, host bits cleared
	int prefix = 0;                 // 0 .. 32 or 0 .. 128
	// The address in the printable form the store keeps (inet_ntop's), for an exact match.
	std::string text;
	bool single() const; // a host: /32 or /128
	// `printable` as stored ("10.0.0.1", "2001:db8::1", "" for none).
	bool contains(const std::string &printable) const;
};
Result<Cidr> parse_cidr(std::string_view text);

// -u: a user name (exact, as the store keeps it) or a numeric uid.
struct UserMatch {
	std::string name;
	std::optional<uint32_t> uid;
};
Result<UserMatch> parse_user(std::string_view text);

// --exe, --path: SQLite GLOB patterns. Refused: empty, control bytes, an unclosed '['.
Result<std::string> parse_glob(std::string_view text);
// --exec-id: the agent's exec ids are base64url; anything else cannot match.
Result<std::string> parse_exec_id(std::string_view text);

// --container: a prefix of a container id (docker's habit: any number of its hex
// digits, upper case folded), an LXC container name or its prefix, or "host" for
// processes outside any container. A runtime's cgroup name ("docker-<id>.scope")
// is refused with the id it holds.
struct ContainerMatch {
	std::string prefix; // "" with host
	bool host = false;
};
Result<ContainerMatch> parse_container(std::string_view text);

// What the store cannot answer by itself, checked on each event the query returns.
struct PostFilter {
	std::optional<Cidr> network;  // --addr with a prefix shorter than a host's
	std::optional<uint32_t> uid;  // -u with a number
	bool active() const { return network || uid; }
	bool matches(const Event &ev) const;
};

struct QueryFilter {
	store::Filter store;
	PostFilter post;
};

} // namespace linesman::query
