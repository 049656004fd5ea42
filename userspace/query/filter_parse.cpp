// SPDX-License-Identifier: Apache-2.0
#include "query/filter_parse.h"

#include <arpa/inet.h>
#include <sys/socket.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstring>

#include "query/quote.h"

namespace linesman::query {

namespace {

constexpr EventType kAllTypes[] = {
    EventType::Exec,   EventType::Exit,   EventType::Connect, EventType::Accept,
    EventType::Listen, EventType::Close,  EventType::Socket,  EventType::Udp,
    EventType::TcpSummary, EventType::File, EventType::Loss,  EventType::Agent,
    EventType::Rollup,
};

std::optional<uint64_t> decimal(std::string_view s, uint64_t max)
{
	uint64_t v = 0;
	// from_chars alone would take "+5" as invalid but "007" as 7: both are fine to refuse
	// or accept; what matters is that no sign, space or suffix slips through.
	if (s.empty() || s.size() > 20)
		return std::nullopt;
	auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
	if (ec != std::errc() || end != s.data() + s.size() || v > max)
		return std::nullopt;
	return v;
}

bool has_control(std::string_view s)
{
	for (unsigned char c : s)
		if (c < 0x20 || c == 0x7f)
			return true;
	return false;
}

} // namespace

Result<std::vector<EventType>> parse_types(const std::vector<std::string> &values)
{
	std::vector<EventType> out;
	for (const std::string &value : values) {
		std::string_view rest = value;
		while (true) {
			size_t comma = rest.find(',');
			std::string_view name = rest.substr(0, comma);
			bool found = false;
			for (EventType t : kAllTypes) {
				if (name == to_string(t)) {
					found = true;
					if (std::find(out.begin(), out.end(), t) == out.end())
						out.push_back(t);
				}
			}
			if (!found) {
				std::string known;
				for (EventType t : kAllTypes)
					known += std::string(known.empty() ? "" : ", ") + to_string(t);
				return Error(quoted(name) + " is not an event type (one of: " + known + ")");
			}
			if (comma == std::string_view::npos)
				break;
			rest.remove_prefix(comma + 1);
		}
	}
	return out;
}

Result<uint32_t> parse_port(std::string_view text)
{
	auto v = decimal(text, 65535);
	if (!v)
		return Error(quoted(text) + " is not a port (0 to 65535)");
	return uint32_t(*v);
}

Result<uint32_t> parse_pid(std::string_view text)
{
	auto v = decimal(text, UINT32_MAX);
	if (!v || *v == 0)
		return Error(quoted(text) + " is not a process id (1 to 4294967295)");
	return uint32_t(*v);
}

bool Cidr::single() const
{
	return prefix == (family == AF_INET ? 32 : 128);
}

bool Cidr::contains(const std::string &printable) const
{
	std::array<uint8_t, 16> a{};
	if (printable.empty())
		return false;
	int fam = printable.find(':') == std::string::npos ? AF_INET : AF_INET6;
	if (inet_pton(fam, printable.c_str(), a.data()) != 1)
		return false;
	// The store shows v4-mapped IPv6 as IPv4 (decode/net_names); a v6 network
	// spelled "::ffff:10.0.0.0/104" should still find those.
	if (fam == AF_INET && family == AF_INET6) {
		std::array<uint8_t, 16> mapped{};
		mapped[10] = mapped[11] = 0xff;
		std::memcpy(mapped.data() + 12, a.data(), 4);
		a = mapped;
		fam = AF_INET6;
	}
	if (fam != family)
		return false;
	int whole = prefix / 8, bits = prefix % 8;
	if (std::memcmp(a.data(), addr.data(), size_t(whole)) != 0)
		return false;
	if (bits == 0)
		return true;
	uint8_t mask = uint8_t(0xff << (8 - bits));
	return (a[size_t(whole)] & mask) == addr[size_t(whole)];
}

Result<Cidr> parse_cidr(std::string_view text)
{
	auto bad = [&](const std::string &why) {
		return Error(quoted(text) + " is not an address or network (" + why +
			     "; e.g. 10.0.0.2, 10.0.0.0/8, 2001:db8::/32)");
	};
	std::string_view host = text, len;
	if (size_t slash = text.find('/'); slash != std::string_view::npos) {
		host = text.substr(0, slash);
		len = text.substr(slash + 1);
	}
	if (host.empty() || host.size() >= INET6_ADDRSTRLEN || has_control(host))
		return bad("no address");
	Cidr c;
	std::string h(host);
	if (inet_pton(AF_INET, h.c_str(), c.addr.data()) == 1)
		c.family = AF_INET;
	else if (inet_pton(AF_INET6, h.c_str(), c.addr.data()) == 1)
		c.family = AF_INET6;
	else
		return bad("unparseable address");
	int max = c.family == AF_INET ? 32 : 128;
	c.prefix = max;
	if (text.find('/') != std::string_view::npos) {
		auto p = decimal(len, uint64_t(max));
		if (!p)
			return bad("the prefix length must be 0 to " + std::to_string(max));
		c.prefix = int(*p);
	}
	// Host bits set ("10.0.0.1/8") are a common slip; cleared rather than refused,
	// as ip(8) and iptables take them.
	for (int bit = c.prefix; bit < max; ++bit)
		c.addr[size_t(bit / 8)] &= uint8_t(~(0x80 >> (bit % 8)));
	char buf[INET6_ADDRSTRLEN];
	inet_ntop(c.family, c.addr.data(), buf, sizeof(buf));
	c.text = buf;
	// v4-mapped hosts are stored as IPv4: match the spelling the store uses.
	if (c.family == AF_INET6 && c.single() && IN6_IS_ADDR_V4MAPPED(c.addr.data())) {
		inet_ntop(AF_INET, c.addr.data() + 12, buf, sizeof(buf));
		c.text = buf;
	}
	return c;
}

Result<UserMatch> parse_user(std::string_view text)
{
	UserMatch m;
	if (auto uid = decimal(text, UINT32_MAX - 1)) {
		m.uid = uint32_t(*uid);
		return m;
	}
	// useradd's rule (NAME_REGEX, relaxed as Debian does): letters, digits, '_', '-',
	// '.', and a trailing '$' for machine accounts; at most 32 bytes.
	bool valid = !text.empty() && text.size() <= 32 && text[0] != '-';
	for (size_t i = 0; valid && i < text.size(); ++i) {
		char c = text[i];
		valid = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
			c == '_' || c == '-' || c == '.' || (c == '$' && i + 1 == text.size());
	}
	if (!valid)
		return Error(quoted(text) + " is not a user name or uid");
	m.name = std::string(text);
	return m;
}

Result<std::string> parse_glob(std::string_view text)
{
	if (text.empty())
		return Error("an empty pattern matches nothing; use '*' for any");
	if (has_control(text))
		return Error(quoted(text) + " holds control characters");
	// SQLite's GLOB treats an unclosed '[' as matching nothing: say so instead.
	for (size_t i = 0; i < text.size(); ++i) {
		if (text[i] != '[')
			continue;
		size_t close = text.find(']', i + 2); // "[]...]": the first ']' is a member
		if (close == std::string_view::npos)
			return Error(quoted(text) + " has an unclosed '['");
		i = close;
	}
	return std::string(text);
}

Result<std::string> parse_exec_id(std::string_view text)
{
	bool valid = !text.empty() && text.size() <= 64;
	for (char c : text)
		valid = valid && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
				  (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '+' ||
				  c == '/' || c == '=');
	if (!valid)
		return Error(quoted(text) + " is not an exec id (base64, as events show it)");
	return std::string(text);
}

Result<ContainerMatch> parse_container(std::string_view text)
{
	ContainerMatch m;
	if (text == "host") {
		m.host = true;
		return m;
	}
	auto is_hex = [](char c) {
		return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
	};
	// Pasted from systemd-cgls or /proc/PID/cgroup: say which part to give.
	for (std::string_view runtime : {"docker-", "cri-containerd-", "crio-", "libpod-"}) {
		std::string_view id = text;
		if (!id.starts_with(runtime))
			continue;
		id.remove_prefix(runtime.size());
		if (id.ends_with(".scope"))
			id.remove_suffix(6);
		if (!id.empty() && std::all_of(id.begin(), id.end(), is_hex))
			return Error(quoted(text) + " is a cgroup name; give the container id: " +
				     std::string(id));
	}
	bool hex = !text.empty() && std::all_of(text.begin(), text.end(), is_hex);
	if (hex && text.size() > 64)
		return Error(quoted(text) + " is longer than a container id (64 hex digits)");
	// LXC names: letters, digits, '-', '_' and '.' (LXD allows fewer).
	bool name = !text.empty() && text.size() <= 255;
	for (char c : text)
		name = name && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
				(c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.');
	if (!name)
		return Error(quoted(text) + " is not a container id or name (hex digits of a docker, "
					    "containerd, CRI-O or podman id, or of its start, as docker "
					    "ps shows them; an LXC container name; or host)");
	m.prefix = std::string(text);
	// Ids are lower-case hex; "3F4E" was meant as one.
	if (hex)
		for (char &c : m.prefix)
			c = char(std::tolower(static_cast<unsigned char>(c)));
	return m;
}

bool PostFilter::matches(const Event &ev) const
{
	if (uid && ev.process.uid != *uid)
		return false;
	if (network) {
		const auto *n = std::get_if<NetDetails>(&ev.details);
		if (!n || !(network->contains(n->local_addr) || network->contains(n->remote_addr)))
			return false;
	}
	return true;
}

} // namespace linesman::query
