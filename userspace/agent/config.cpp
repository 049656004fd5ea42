// SPDX-License-Identifier: Apache-2.0
// The YAML config parser. Each key has a row in a table (name + setter), so the
// accepted keys, their checks and the unknown-key suggestions come from one place.
//
// Limits the header leaves open, and why:
//   host                    at most 255 bytes, no control characters: DNS names
//                           stop at 253, and a newline would split output lines
//   output.path             not empty, no NUL (open() would silently cut the name)
//   rollup.threshold        1 .. 1000000: a larger K means no rollup; say enabled: false
//   rollup.max_keys         16 .. 1048576: each key is a live map entry; a typo
//                           should not let the agent grow to gigabytes
//   process_cache.max_entries 1024 .. 4194304: PID_MAX_LIMIT on 64-bit kernels
//   ring_buffer.wakeup_kib  1 .. below the ring size: at or above it the backlog
//                           never reaches the mark before records are dropped
//   ring_buffer.queue_events 1024 .. 1048576, for the same reason as max_keys
//   booleans                true | false only: YAML 1.1's yes/no/on/off are read
//                           differently by different tools (yaml-cpp takes them)
//   file size               at most 1 MiB, so `--config /dev/zero` fails fast
#include "agent/config.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <limits>
#include <span>
#include <sstream>
#include <string_view>
#include <vector>

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include "fim/pattern.h"

namespace linesman::agent {
namespace {

constexpr size_t kMaxFileBytes = 1 << 20;

// What every error message starts with: "<source>:<line>: <dotted.key>".
struct Place {
	std::string_view source;
	int line; // 1-based
	std::string key;
};

Error bad(const Place &at, const std::string &what, const std::string &accepted)
{
	return Error(std::string(at.source) + ":" + std::to_string(at.line) + ": " + at.key + ": " +
		     what + "; " + accepted);
}

// yaml-cpp marks are 0-based; a missing mark (-1) becomes line 1.
int line_of(const YAML::Node &n)
{
	return std::max(n.Mark().line, 0) + 1;
}

// A value echoed back in a message: one line, short, quoted.
std::string shown(const std::string &text)
{
	constexpr size_t kMax = 40;
	std::string s;
	for (char c : text.substr(0, kMax))
		s += (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) ? '?' : c;
	return "'" + s + (text.size() > kMax ? "...'" : "'");
}

// What a node is, for "<key>: is a list; expected ...".
std::string shape(const YAML::Node &n)
{
	if (n.IsMap())
		return "is a map";
	if (n.IsSequence())
		return "is a list";
	if (n.IsScalar())
		return shown(n.Scalar()) + " is a single value";
	return "has no value";
}

Result<std::string> scalar(const YAML::Node &n, const Place &at, const std::string &accepted)
{
	if (!n.IsScalar())
		return bad(at, shape(n), accepted);
	return n.Scalar();
}

bool all_digits(std::string_view s)
{
	return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Told apart from other non-integers because "-1" is a common way to write "no limit".
bool is_negative(std::string_view s)
{
	return s.size() > 1 && s[0] == '-' && all_digits(s.substr(1));
}

// Saturates instead of wrapping, so a 30-digit number reads as out of range.
uint64_t digits_value(std::string_view s)
{
	constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();
	uint64_t v = 0;
	for (char c : s) {
		uint64_t d = uint64_t(c - '0');
		if (v > (kMax - d) / 10)
			return kMax;
		v = v * 10 + d;
	}
	return v;
}

// A non-negative decimal integer in lo..hi. Quoted digits are accepted: the
// number a person wrote matters more than the YAML scalar style they used.
Result<uint32_t> integer(const YAML::Node &n, const Place &at, uint32_t lo, uint32_t hi,
			 const std::string &accepted)
{
	auto text = scalar(n, at, accepted);
	if (!text)
		return text.error();
	const std::string &s = text.value();
	if (is_negative(s))
		return bad(at, shown(s) + " is negative", accepted);
	if (!all_digits(s))
		return bad(at, shown(s) + " is not an integer", accepted);
	uint64_t v = digits_value(s);
	if (v < lo || v > hi)
		return bad(at, s + " is out of range", accepted);
	return uint32_t(v);
}

// Seconds as an integer, or a number with an s, m or h suffix.
Result<uint32_t> duration(const YAML::Node &n, const Place &at, uint32_t lo, uint32_t hi)
{
	const std::string accepted = "expected " + std::to_string(lo) + ".." + std::to_string(hi) +
				     " seconds, as a number of seconds or like 30s, 5m, 1h";
	auto text = scalar(n, at, accepted);
	if (!text)
		return text.error();
	std::string_view s = text.value();
	uint64_t unit = 1;
	std::string_view number = s;
	if (!s.empty() && (s.back() == 's' || s.back() == 'm' || s.back() == 'h')) {
		unit = s.back() == 's' ? 1 : s.back() == 'm' ? 60 : 3600;
		number = s.substr(0, s.size() - 1);
	}
	if (is_negative(number))
		return bad(at, shown(text.value()) + " is negative", accepted);
	if (!all_digits(number))
		return bad(at, shown(text.value()) + " is not a duration", accepted);
	uint64_t v = digits_value(number);
	uint64_t seconds = v > std::numeric_limits<uint64_t>::max() / unit ? v : v * unit;
	if (seconds < lo || seconds > hi)
		return bad(at, text.value() + " is out of range", accepted);
	return uint32_t(seconds);
}

Result<bool> boolean(const YAML::Node &n, const Place &at)
{
	const std::string accepted = "expected true or false";
	auto text = scalar(n, at, accepted);
	if (!text)
		return text.error();
	const std::string &s = text.value();
	if (s == "true" || s == "True" || s == "TRUE")
		return true;
	if (s == "false" || s == "False" || s == "FALSE")
		return false;
	return bad(at, shown(s) + " is not a boolean", accepted);
}

// Every setter has this shape so that the key tables below can hold them all.
using Setter = Status (*)(const YAML::Node &value, const Place &at, Config &cfg);

struct Key {
	const char *name;
	Setter set;
};

template <typename T>
Status assign(Result<T> r, T &out)
{
	if (!r)
		return r.error();
	out = std::move(r.value());
	return ok();
}

Status set_host(const YAML::Node &v, const Place &at, Config &cfg)
{
	const std::string accepted =
		"expected a host name of at most 255 bytes, or omit the key to use gethostname()";
	auto s = scalar(v, at, accepted);
	if (!s)
		return s.error();
	const std::string &h = s.value();
	bool has_control = std::any_of(h.begin(), h.end(), [](char c) {
		return static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
	});
	if (has_control)
		return bad(at, shown(h) + " contains control characters", accepted);
	if (h.size() > 255)
		return bad(at, "is " + std::to_string(h.size()) + " bytes long", accepted);
	cfg.host = h;
	return ok();
}

Status set_format(const YAML::Node &v, const Place &at, Config &cfg)
{
	const std::string accepted = "expected compact or jsonl";
	auto s = scalar(v, at, accepted);
	if (!s)
		return s.error();
	if (s.value() == "compact")
		cfg.output.format = OutputFormat::Compact;
	else if (s.value() == "jsonl")
		cfg.output.format = OutputFormat::Jsonl;
	else
		return bad(at, shown(s.value()) + " is not an output format", accepted);
	return ok();
}

Status set_path(const YAML::Node &v, const Place &at, Config &cfg)
{
	const std::string accepted = "expected \"-\" for stdout or a file path";
	auto s = scalar(v, at, accepted);
	if (!s)
		return s.error();
	if (s.value().empty())
		return bad(at, "is empty", accepted);
	if (s.value().find('\0') != std::string::npos)
		return bad(at, "contains a NUL byte", accepted);
	cfg.output.path = s.value();
	return ok();
}

Status set_color(const YAML::Node &v, const Place &at, Config &cfg)
{
	return assign(boolean(v, at), cfg.output.color);
}

Status set_argv_max(const YAML::Node &v, const Place &at, Config &cfg)
{
	return assign(integer(v, at, 64, 32767, "expected 64..32767 bytes"), cfg.exec.argv_max);
}

Status set_rollup_enabled(const YAML::Node &v, const Place &at, Config &cfg)
{
	return assign(boolean(v, at), cfg.rollup.enabled);
}

Status set_threshold(const YAML::Node &v, const Place &at, Config &cfg)
{
	return assign(integer(v, at, 1, 1000000, "expected 1..1000000 events per key and window"),
		      cfg.rollup.threshold);
}

Status set_window(const YAML::Node &v, const Place &at, Config &cfg)
{
	return assign(duration(v, at, 1, 86400), cfg.rollup.window_s);
}

Status set_max_keys(const YAML::Node &v, const Place &at, Config &cfg)
{
	return assign(integer(v, at, 16, 1048576, "expected 16..1048576 keys"), cfg.rollup.max_keys);
}

Status set_max_entries(const YAML::Node &v, const Place &at, Config &cfg)
{
	return assign(integer(v, at, 1024, 4194304, "expected 1024..4194304 processes"),
		      cfg.process_cache.max_entries);
}

Status set_exit_grace(const YAML::Node &v, const Place &at, Config &cfg)
{
	return assign(duration(v, at, 0, 3600), cfg.process_cache.exit_grace_s);
}

Status set_size_mib(const YAML::Node &v, const Place &at, Config &cfg)
{
	const std::string accepted = "expected a power of two from 1 to 1024 (MiB)";
	auto r = integer(v, at, 1, 1024, accepted);
	if (!r)
		return r.error();
	// The kernel rejects a BPF ring buffer whose size is not a power of two.
	if ((r.value() & (r.value() - 1)) != 0)
		return bad(at, std::to_string(r.value()) + " is not a power of two", accepted);
	cfg.ring_buffer.size_mib = r.value();
	return ok();
}

// The upper bound depends on size_mib, which may come later in the map, so
// the ring_buffer section checks it once all its keys are read.
Status set_wakeup_kib(const YAML::Node &v, const Place &at, Config &cfg)
{
	return assign(integer(v, at, 1, 1024 * 1024 - 1, "expected 1..1048575 KiB, below the ring size"),
		      cfg.ring_buffer.wakeup_kib);
}

Status set_poll_ms(const YAML::Node &v, const Place &at, Config &cfg)
{
	return assign(integer(v, at, 1, 1000, "expected 1..1000 milliseconds"), cfg.ring_buffer.poll_ms);
}

Status set_queue_events(const YAML::Node &v, const Place &at, Config &cfg)
{
	return assign(integer(v, at, 1024, 1048576, "expected 1024..1048576 events"),
		      cfg.ring_buffer.queue_events);
}

Status set_heartbeat(const YAML::Node &v, const Place &at, Config &cfg)
{
	return assign(duration(v, at, 0, 86400), cfg.heartbeat_s);
}

const Key kOutputKeys[] = {{"format", set_format}, {"path", set_path}, {"color", set_color}};
const Key kExecKeys[] = {{"argv_max", set_argv_max}};
const Key kRollupKeys[] = {{"enabled", set_rollup_enabled},
			   {"threshold", set_threshold},
			   {"window", set_window},
			   {"max_keys", set_max_keys}};
const Key kProcessCacheKeys[] = {{"max_entries", set_max_entries}, {"exit_grace", set_exit_grace}};
const Key kRingBufferKeys[] = {{"size_mib", set_size_mib},
			       {"wakeup_kib", set_wakeup_kib},
			       {"poll_ms", set_poll_ms},
			       {"queue_events", set_queue_events}};

size_t edit_distance(std::string_view a, std::string_view b)
{
	std::vector<size_t> row(b.size() + 1);
	for (size_t j = 0; j <= b.size(); ++j)
		row[j] = j;
	for (size_t i = 1; i <= a.size(); ++i) {
		size_t diag = row[0];
		row[0] = i;
		for (size_t j = 1; j <= b.size(); ++j) {
			size_t up = row[j];
			row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] != b[j - 1])});
			diag = up;
		}
	}
	return row[b.size()];
}

std::string key_list(std::span<const Key> keys)
{
	std::string list;
	for (const Key &k : keys)
		list += (list.empty() ? "" : ", ") + std::string(k.name);
	return list;
}

std::string unknown_key_hint(const std::string &name, std::span<const Key> keys)
{
	const Key *best = nullptr;
	size_t best_distance = 3; // suggestions further than 2 edits away are guesses
	for (const Key &k : keys) {
		size_t d = edit_distance(name, k.name);
		if (d < best_distance) {
			best = &k;
			best_distance = d;
		}
	}
	if (best)
		return "did you mean '" + std::string(best->name) + "'?";
	return "expected one of: " + key_list(keys);
}

std::string child_key(const std::string &parent, const std::string &name)
{
	return parent.empty() ? name : parent + "." + name;
}

// Applies each key of `map` through its table row. Errors about a value point
// at its key's line: yaml-cpp marks an empty value at the next token's line,
// and an alias at its anchor's line.
Status parse_map(const YAML::Node &map, const Place &at, std::span<const Key> keys, Config &cfg)
{
	std::vector<std::pair<std::string, int>> seen; // yaml-cpp keeps duplicate keys silently
	for (auto it = map.begin(); it != map.end(); ++it) {
		Place key_at{at.source, line_of(it->first), child_key(at.key, "?")};
		if (!it->first.IsScalar())
			return bad(key_at, "key " + shape(it->first), "expected a plain name");
		const std::string name = it->first.Scalar();
		key_at.key = child_key(at.key, name);
		auto dup = std::find_if(seen.begin(), seen.end(), [&](auto &s) { return s.first == name; });
		if (dup != seen.end())
			return bad(key_at, "set twice (first on line " + std::to_string(dup->second) + ")",
				   "expected each key once");
		seen.emplace_back(name, key_at.line);
		auto row = std::find_if(keys.begin(), keys.end(), [&](const Key &k) { return name == k.name; });
		if (row == keys.end())
			return bad(key_at, "unknown key", unknown_key_hint(name, keys));
		if (Status s = row->set(it->second, key_at, cfg); !s)
			return s;
	}
	return ok();
}

// A section left empty ("exec:" with its keys commented out, as shipped config
// files often are) means its defaults.
Status parse_section(const YAML::Node &v, const Place &at, std::span<const Key> keys, Config &cfg)
{
	if (v.IsNull())
		return ok();
	if (!v.IsMap())
		return bad(at, shape(v), "expected a map with keys: " + key_list(keys));
	return parse_map(v, at, keys, cfg);
}

Status set_output(const YAML::Node &v, const Place &at, Config &cfg)
{
	return parse_section(v, at, kOutputKeys, cfg);
}

Status set_exec(const YAML::Node &v, const Place &at, Config &cfg)
{
	return parse_section(v, at, kExecKeys, cfg);
}

Status set_rollup(const YAML::Node &v, const Place &at, Config &cfg)
{
	return parse_section(v, at, kRollupKeys, cfg);
}

Status set_process_cache(const YAML::Node &v, const Place &at, Config &cfg)
{
	return parse_section(v, at, kProcessCacheKeys, cfg);
}

int key_line(const YAML::Node &map, const char *name)
{
	for (auto it = map.begin(); it != map.end(); ++it)
		if (it->first.IsScalar() && it->first.Scalar() == name)
			return line_of(it->first);
	return line_of(map);
}

Status set_ring_buffer(const YAML::Node &v, const Place &at, Config &cfg)
{
	if (Status s = parse_section(v, at, kRingBufferKeys, cfg); !s)
		return s;
	// The default wakeup (256 KiB) is below the smallest ring (1 MiB), so only
	// an explicit wakeup_kib can trip this.
	const auto &rb = cfg.ring_buffer;
	uint32_t ring_kib = rb.size_mib * 1024;
	if (rb.wakeup_kib < ring_kib)
		return ok();
	Place wakeup_at{at.source, key_line(v, "wakeup_kib"), at.key + ".wakeup_kib"};
	return bad(wakeup_at,
		   std::to_string(rb.wakeup_kib) + " is not below the ring size (" +
			   std::to_string(rb.size_mib) + " MiB)",
		   "expected 1.." + std::to_string(ring_kib - 1) + " KiB");
}

Status set_ignore_loopback(const YAML::Node &v, const Place &at, Config &cfg)
{
	return assign(boolean(v, at), cfg.network.ignore_loopback);
}

Status set_ignore_ports(const YAML::Node &v, const Place &at, Config &cfg)
{
	if (v.IsNull())
		return ok();
	if (!v.IsSequence())
		return bad(at, shape(v), "expected a list of ports, e.g. [22, 5060]");
	cfg.network.ignore_ports.clear();
	for (size_t i = 0; i < v.size(); ++i) {
		Place item{at.source, line_of(v[i]), at.key + "[" + std::to_string(i) + "]"};
		auto port = integer(v[i], item, 1, 65535, "expected a port 1..65535");
		if (!port)
			return port.error();
		cfg.network.ignore_ports.push_back(uint16_t(port.value()));
	}
	return ok();
}

Status set_summary(const YAML::Node &v, const Place &at, Config &cfg)
{
	return assign(duration(v, at, 1, 3600), cfg.network.summary_s);
}

const Key kNetworkKeys[] = {{"ignore_loopback", set_ignore_loopback},
			    {"ignore_ports", set_ignore_ports},
			    {"summary", set_summary}};

Status set_network(const YAML::Node &v, const Place &at, Config &cfg)
{
	return parse_section(v, at, kNetworkKeys, cfg);
}

// A list of path patterns; @dirs_only: each must end in '/'.
Status pattern_list(const YAML::Node &v, const Place &at, std::vector<std::string> &out, bool dirs_only)
{
	const std::string accepted = dirs_only
		? "expected a list of absolute directory patterns ending in '/', e.g. [/etc/, /opt/*/conf/]"
		: "expected a list of path patterns, e.g. [/etc/shadow, '*.pem']";
	if (v.IsNull()) {
		out.clear();
		return ok();
	}
	if (!v.IsSequence())
		return bad(at, shape(v), accepted);
	std::vector<std::string> list;
	for (size_t i = 0; i < v.size(); ++i) {
		Place item{at.source, line_of(v[i]), at.key + "[" + std::to_string(i) + "]"};
		auto text = scalar(v[i], item, accepted);
		if (!text)
			return text.error();
		auto pat = fim::PathPattern::parse(text.value());
		if (!pat)
			return bad(item, pat.error().what(), accepted);
		if (dirs_only && (text.value()[0] != '/' || text.value().back() != '/'))
			return bad(item, shown(text.value()) + " is not an absolute directory pattern", accepted);
		// The kernel's matcher knows `*` and `?` only.
		if (dirs_only && text.value().find('[') != std::string::npos)
			return bad(item, shown(text.value()) + " uses a [...] class", accepted + " (only * and ?)");
		list.push_back(text.value());
	}
	if (dirs_only && list.size() > 32)
		return bad(at, std::to_string(list.size()) + " patterns", "expected at most 32 (the kernel "
			   "filter holds 64 with the aliases Linesman adds); watch a common parent instead");
	out = std::move(list);
	return ok();
}

Status set_files_enabled(const YAML::Node &v, const Place &at, Config &cfg)
{
	return assign(boolean(v, at), cfg.files.enabled);
}

Status set_files_watch(const YAML::Node &v, const Place &at, Config &cfg)
{
	return pattern_list(v, at, cfg.files.watch, true);
}

Status set_files_rescan(const YAML::Node &v, const Place &at, Config &cfg)
{
	return assign(duration(v, at, 1, 86400), cfg.files.rescan_s);
}

Status set_sensitive_enabled(const YAML::Node &v, const Place &at, Config &cfg)
{
	return assign(boolean(v, at), cfg.files.sensitive_reads.enabled);
}

Status set_sensitive_paths(const YAML::Node &v, const Place &at, Config &cfg)
{
	return pattern_list(v, at, cfg.files.sensitive_reads.paths, false);
}

const Key kSensitiveKeys[] = {{"enabled", set_sensitive_enabled}, {"paths", set_sensitive_paths}};

Status set_sensitive(const YAML::Node &v, const Place &at, Config &cfg)
{
	return parse_section(v, at, kSensitiveKeys, cfg);
}

Status set_content_track(const YAML::Node &v, const Place &at, Config &cfg)
{
	return pattern_list(v, at, cfg.files.content.track, false);
}

Status set_content_deny(const YAML::Node &v, const Place &at, Config &cfg)
{
	return pattern_list(v, at, cfg.files.content.deny, false);
}

Status set_content_max_file_size(const YAML::Node &v, const Place &at, Config &cfg)
{
	return assign(integer(v, at, 0, 64u << 20, "expected 0..67108864 bytes"),
		      cfg.files.content.max_file_size);
}

Status set_content_memory(const YAML::Node &v, const Place &at, Config &cfg)
{
	return assign(integer(v, at, 1, 1024, "expected 1..1024 MiB"), cfg.files.content.memory_mib);
}

const Key kContentKeys[] = {{"track", set_content_track},
			    {"deny", set_content_deny},
			    {"max_file_size", set_content_max_file_size},
			    {"memory_mib", set_content_memory}};

Status set_content(const YAML::Node &v, const Place &at, Config &cfg)
{
	return parse_section(v, at, kContentKeys, cfg);
}

const Key kFilesKeys[] = {{"enabled", set_files_enabled},
			  {"watch", set_files_watch},
			  {"rescan", set_files_rescan},
			  {"sensitive_reads", set_sensitive},
			  {"content", set_content}};

Status set_files(const YAML::Node &v, const Place &at, Config &cfg)
{
	return parse_section(v, at, kFilesKeys, cfg);
}

Status set_state_dir(const YAML::Node &v, const Place &at, Config &cfg)
{
	const std::string accepted = "expected an absolute directory path, e.g. /var/lib/linesman";
	auto s = scalar(v, at, accepted);
	if (!s)
		return s.error();
	const std::string &dir = s.value();
	if (dir.empty() || dir[0] != '/' || dir.find('\0') != std::string::npos)
		return bad(at, shown(dir) + " is not an absolute path", accepted);
	cfg.state_dir = dir;
	return ok();
}

Status set_store_enabled(const YAML::Node &v, const Place &at, Config &cfg)
{
	return assign(boolean(v, at), cfg.store.enabled);
}

Status set_store_max_size(const YAML::Node &v, const Place &at, Config &cfg)
{
	return assign(integer(v, at, 16, 1u << 20, "expected 16..1048576 MiB"), cfg.store.max_size_mib);
}

Status set_store_max_age(const YAML::Node &v, const Place &at, Config &cfg)
{
	return assign(integer(v, at, 1, 3650, "expected 1..3650 days"), cfg.store.max_age_days);
}

Status set_store_keep_free(const YAML::Node &v, const Place &at, Config &cfg)
{
	return assign(integer(v, at, 0, 90, "expected 0..90 percent"), cfg.store.keep_free_percent);
}

const Key kStoreKeys[] = {{"enabled", set_store_enabled},
			  {"max_size_mib", set_store_max_size},
			  {"max_age_days", set_store_max_age},
			  {"keep_free_percent", set_store_keep_free}};

Status set_store(const YAML::Node &v, const Place &at, Config &cfg)
{
	return parse_section(v, at, kStoreKeys, cfg);
}

const Key kTopKeys[] = {{"host", set_host},
			{"output", set_output},
			{"exec", set_exec},
			{"rollup", set_rollup},
			{"process_cache", set_process_cache},
			{"ring_buffer", set_ring_buffer},
			{"network", set_network},
			{"files", set_files},
			{"heartbeat", set_heartbeat},
			{"state_dir", set_state_dir},
			{"store", set_store}};

// Reads the stream's documents without building them, and stops when the
// parser stops consuming input: yaml-cpp 0.7's LoadAll loops for ever on some
// malformed input (",", ",},": yaml-cpp#1040, found by our config fuzzer),
// allocating an empty document per turn until memory runs out.
class DocumentScan : public YAML::EventHandler {
public:
	void OnDocumentStart(const YAML::Mark &mark) override { start = mark.pos; }
	void OnDocumentEnd() override {}
	void OnNull(const YAML::Mark &, YAML::anchor_t) override {}
	void OnAlias(const YAML::Mark &, YAML::anchor_t) override {}
	void OnScalar(const YAML::Mark &, const std::string &, YAML::anchor_t, const std::string &) override {}
	void OnSequenceStart(const YAML::Mark &, const std::string &, YAML::anchor_t,
			     YAML::EmitterStyle::value) override {}
	void OnSequenceEnd() override {}
	void OnMapStart(const YAML::Mark &, const std::string &, YAML::anchor_t, YAML::EmitterStyle::value) override {}
	void OnMapEnd() override {}
	int start = -1; // where the last document began
};

// LoadAll rather than Load: Load silently ignores every document after the
// first, which would hide half of a file that was pasted together. The scan
// first proves the stream ends.
Result<YAML::Node> root_document(const std::string &yaml, std::string_view source)
{
	std::vector<YAML::Node> docs;
	try {
		std::istringstream in(yaml);
		YAML::Parser parser(in);
		int last_start = -1;
		DocumentScan scan;
		for (size_t n = 0; parser.HandleNextDocument(scan); ++n) {
			int begun = scan.start;
			scan.start = -1;
			bool stalled = n > 0 && begun <= last_start;
			if (stalled || n > 1000)
				return Error(std::string(source) + ": YAML syntax error: the parser stopped making "
								   "progress (a stray ',' or '}' outside a [list] or {map}?)");
			last_start = begun;
		}
		docs = YAML::LoadAll(yaml);
	} catch (const YAML::ParserException &e) {
		return Error(std::string(source) + ":" + std::to_string(std::max(e.mark.line, 0) + 1) +
			     ":" + std::to_string(std::max(e.mark.column, 0) + 1) + ": YAML syntax error: " + e.msg);
	}
	YAML::Node root; // Null: no document at all, or only empty ones
	for (const YAML::Node &doc : docs) {
		if (doc.IsNull())
			continue;
		if (!root.IsNull())
			return bad(Place{source, line_of(doc), "top level"}, "a second YAML document",
				   "expected one document");
		root = doc;
	}
	return root;
}

Result<std::string> read_file(const std::string &path)
{
	int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return Error::from_errno(errno, "cannot open config file " + path);
	std::string text;
	char buf[64 * 1024];
	for (;;) {
		ssize_t n = ::read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int err = errno;
			::close(fd);
			return Error::from_errno(err, "cannot read config file " + path);
		}
		if (n == 0)
			break;
		text.append(buf, size_t(n));
		if (text.size() > kMaxFileBytes) {
			::close(fd);
			return Error("config file " + path + " is larger than 1 MiB; expected a small YAML file");
		}
	}
	::close(fd);
	return text;
}

} // namespace

Result<Config> parse_config(const std::string &yaml, const std::string &source)
{
	Config cfg;
	try {
		auto root = root_document(yaml, source);
		if (!root)
			return root.error();
		if (root.value().IsNull())
			return cfg;
		Place top{source, line_of(root.value()), ""};
		if (!root.value().IsMap()) {
			top.key = "top level";
			return bad(top, shape(root.value()),
				   "expected a map of settings such as 'exec: {argv_max: 4096}'");
		}
		if (Status s = parse_map(root.value(), top, kTopKeys, cfg); !s)
			return s.error();
	} catch (const YAML::Exception &e) {
		// Parsing errors are handled above; this is yaml-cpp failing on a tree it built.
		return Error(source + ": YAML error: " + e.what());
	}
	return cfg;
}

Result<Config> load_config(const std::string &path, bool explicitly_given)
{
	auto text = read_file(path);
	if (!text) {
		if (text.error().code() != std::errc::no_such_file_or_directory)
			return text.error();
		if (!explicitly_given)
			return Config{};
		return Error("config file " + path + " does not exist; create it or drop --config");
	}
	return parse_config(text.value(), path);
}

} // namespace linesman::agent
