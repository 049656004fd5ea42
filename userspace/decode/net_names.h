// SPDX-License-Identifier: Apache-2.0
// Names for the kernel's network constants, as events print them.
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "common/event.h"
#include "decode/record.h"

namespace linesman::decode {

std::string family_name(uint16_t family);              // "inet", "inet6", "packet", "af<N>"
std::string ip_protocol_name(uint16_t proto);          // "tcp", "udp", "icmp", "icmpv6", "raw", "ip<N>"
std::string ethertype_name(uint16_t ethertype);        // "all", "ip", "ipv6", "arp", "0x88cc"
std::string sock_type_name(uint32_t type);             // "stream", "dgram", "raw", "seqpacket", "packet"
std::string tcp_state_name(uint16_t state);            // "established", "fin_wait2", ...
std::string connect_result(int32_t err);               // "established", "refused", "timed_out", "unreachable", errno name
// IPv4 from the first 4 bytes for AF_INET; IPv6 otherwise, with v4-mapped shown as IPv4.
std::string address(uint16_t family, const std::array<uint8_t, 16> &addr);

// The record's fields, named. (The acting process is filled by the pipeline.)
NetDetails net_details(const NetRecord &r);
EventType event_type(NetRecord::Kind kind);

} // namespace linesman::decode
