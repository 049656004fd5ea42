// SPDX-License-Identifier: Apache-2.0
// The ring-buffer decoder: records built byte by byte from linesman_abi.h,
// decoded field by field; every malformed shape rejected with a sentence; and a
// fixed-seed fuzz loop that must never crash (run it under ASan/UBSan too).
#include <doctest/doctest.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "decode/decoder.h"
#include "linesman_abi.h"

using namespace linesman;
using namespace linesman::decode;
using namespace std::string_literals;

namespace {

using Bytes = std::vector<std::byte>;

template <typename T>
Bytes bytes_of(const T &v)
{
	Bytes out(sizeof(T));
	std::memcpy(out.data(), &v, sizeof(T));
	return out;
}

ls_event_header header(uint16_t type, uint32_t size)
{
	ls_event_header h{};
	h.type = type;
	h.abi_version = LS_ABI_VERSION;
	h.size = size;
	h.ktime_ns = 123'456'789'012ull;
	h.tgid = 4242;
	h.tid = 4243;
	h.start_boottime = 98'765'432'100ull;
	return h;
}

// An exec record: the fixed struct, then the tail segments appended in order.
struct ExecBuilder {
	ls_exec_event ev{};
	std::string tail;

	ExecBuilder()
	{
		ev.hdr = header(LS_EV_EXEC, 0);
		ev.ppid = 4000;
		ev.uid = 1000;
		ev.gid = 1001;
		ev.euid = 0;
		ev.egid = 27;
		ev.auid = 1000;
		ev.sessionid = 7;
		ev.tty_dev = (136u << 20) | 3;
		ev.flags = LS_EXEC_SETUID | LS_EXEC_ARGV_TRUNCATED;
		ev.argc = 6;
		ev.exe_mode = 0104755;
		ev.old_tid = 4244;
		ev.parent_start_boottime = 55'000'000'001ull;
		ev.cgroup_id = 0x1122334455667788ull;
		ev.exe_ino = 0xAABBCCDDEEFF0011ull;
		ev.exe_dev = 0x00800003;
		std::memcpy(ev.comm, "sudo", 4);
	}

	ls_span add(std::string_view s)
	{
		ls_span sp{uint16_t(tail.size()), uint16_t(s.size())};
		tail.append(s);
		return sp;
	}

	Bytes bytes()
	{
		ev.hdr.size = uint32_t(sizeof(ev) + tail.size());
		Bytes out = bytes_of(ev);
		for (char c : tail)
			out.push_back(std::byte(c));
		return out;
	}
};

// The full record of the round-trip test.
ExecBuilder full_exec()
{
	ExecBuilder b;
	b.ev.exe = b.add("/usr/bin/sudo");
	b.ev.filename = b.add("./sudo-link");
	// An empty argument in the middle, and the last one cut by the argv cap (no final NUL).
	b.ev.argv = b.add("sudo\0-u\0\0ls\0/root/verylongna"s);
	b.ev.cwd = b.add("/home/alice");
	b.ev.tty = b.add("pts3");
	return b;
}

Bytes fork_bytes()
{
	ls_fork_event ev{};
	ev.hdr = header(LS_EV_FORK, sizeof(ls_fork_event));
	ev.parent_tgid = 4000;
	ev.parent_start_boottime = 55'000'000'001ull;
	return bytes_of(ev);
}

Bytes exit_bytes(uint32_t status)
{
	ls_exit_event ev{};
	ev.hdr = header(LS_EV_EXIT, sizeof(ls_exit_event));
	ev.exit_code = status;
	return bytes_of(ev);
}

Result<Record> run(const Bytes &b)
{
	return decode::decode(std::span<const std::byte>(b.data(), b.size()));
}

// The error message of a record that must be rejected.
std::string rejection(const Bytes &b)
{
	auto r = run(b);
	REQUIRE_FALSE(r.ok());
	return r.error().message();
}

bool contains(const std::string &s, std::string_view part)
{
	return s.find(part) != std::string::npos;
}

void check_header(const Header &h)
{
	CHECK(h.ktime_ns == 123'456'789'012ull);
	CHECK(h.tgid == 4242);
	CHECK(h.tid == 4243);
	CHECK(h.start_boottime == 98'765'432'100ull);
	CHECK(h.key() == ProcessKey{4242, 98'765'432'100ull});
}

} // namespace

TEST_CASE("decode: exec record, every field")
{
	Bytes b = full_exec().bytes();
	auto r = run(b);
	REQUIRE(r.ok());
	REQUIRE(std::holds_alternative<ExecRecord>(*r));
	const ExecRecord &e = std::get<ExecRecord>(*r);
	check_header(e.hdr);
	CHECK(e.ppid == 4000);
	CHECK(e.parent_start_boottime == 55'000'000'001ull);
	CHECK(e.uid == 1000);
	CHECK(e.gid == 1001);
	CHECK(e.euid == 0);
	CHECK(e.egid == 27);
	CHECK(e.auid == 1000);
	CHECK(e.sessionid == 7);
	CHECK(e.tty_dev == ((136u << 20) | 3));
	CHECK(e.flags == (LS_EXEC_SETUID | LS_EXEC_ARGV_TRUNCATED));
	CHECK(e.argc == 6);
	CHECK(e.exe_mode == 0104755);
	CHECK(e.old_tid == 4244);
	CHECK(e.cgroup_id == 0x1122334455667788ull);
	CHECK(e.exe_ino == 0xAABBCCDDEEFF0011ull);
	CHECK(e.exe_dev == 0x00800003);
	CHECK(e.comm == "sudo");
	CHECK(e.exe == "/usr/bin/sudo");
	CHECK(e.filename == "./sudo-link");
	CHECK(e.argv == std::vector<std::string>{"sudo", "-u", "", "ls", "/root/verylongna"});
	CHECK(e.cwd == "/home/alice");
	CHECK(e.tty == "pts/3");
}

TEST_CASE("decode: exec record from an unaligned buffer")
{
	Bytes b = full_exec().bytes();
	Bytes shifted(b.size() + 1);
	std::memcpy(shifted.data() + 1, b.data(), b.size());
	auto r = decode::decode(std::span<const std::byte>(shifted.data() + 1, b.size()));
	REQUIRE(r.ok());
	const ExecRecord &e = std::get<ExecRecord>(*r);
	CHECK(e.hdr.tgid == 4242);
	CHECK(e.cgroup_id == 0x1122334455667788ull);
	CHECK(e.exe == "/usr/bin/sudo");
	CHECK(e.tty == "pts/3");
}

TEST_CASE("decode: exec strings and argv shapes")
{
	SUBCASE("argv with a final NUL has no trailing empty argument")
	{
		ExecBuilder b;
		b.ev.argv = b.add("ls\0-l\0"s);
		auto r = run(b.bytes());
		REQUIRE(r.ok());
		CHECK(std::get<ExecRecord>(*r).argv == std::vector<std::string>{"ls", "-l"});
	}
	SUBCASE("a lone empty argument is kept")
	{
		ExecBuilder b;
		b.ev.argv = b.add("\0"s);
		auto r = run(b.bytes());
		REQUIRE(r.ok());
		CHECK(std::get<ExecRecord>(*r).argv == std::vector<std::string>{""});
	}
	SUBCASE("empty spans give empty strings, no tty, no argv")
	{
		ExecBuilder b; // every span {0, 0}, no tail at all
		auto r = run(b.bytes());
		REQUIRE(r.ok());
		const ExecRecord &e = std::get<ExecRecord>(*r);
		CHECK(e.exe == "");
		CHECK(e.filename == "");
		CHECK(e.argv.empty());
		CHECK(e.cwd == "");
		CHECK(e.tty == "");
	}
	SUBCASE("comm filling all 16 bytes without a NUL stops at 16")
	{
		ExecBuilder b;
		std::memcpy(b.ev.comm, "abcdefghijklmnop", LS_COMM_LEN);
		// The bytes after comm (the exe span, {2, 3}) are not NUL: an unbounded read would take them.
		b.add("..");
		b.ev.exe = b.add("XYZ");
		auto r = run(b.bytes());
		REQUIRE(r.ok());
		CHECK(std::get<ExecRecord>(*r).comm == "abcdefghijklmnop");
		CHECK(std::get<ExecRecord>(*r).exe == "XYZ");
	}
	SUBCASE("segments may share bytes and come in any order")
	{
		ExecBuilder b;
		b.add("/bin/true");
		b.ev.exe = ls_span{0, 9};
		b.ev.filename = ls_span{5, 4};
		b.ev.cwd = ls_span{0, 1};
		auto r = run(b.bytes());
		REQUIRE(r.ok());
		const ExecRecord &e = std::get<ExecRecord>(*r);
		CHECK(e.exe == "/bin/true");
		CHECK(e.filename == "true");
		CHECK(e.cwd == "/");
	}
	SUBCASE("a span ending exactly at the end of the tail is inside")
	{
		ExecBuilder b;
		b.ev.cwd = b.add("/srv");
		b.ev.tty = ls_span{uint16_t(b.tail.size()), 0};
		auto r = run(b.bytes());
		REQUIRE(r.ok());
		CHECK(std::get<ExecRecord>(*r).cwd == "/srv");
		CHECK(std::get<ExecRecord>(*r).tty == "");
	}
}

TEST_CASE("decode: tty display names")
{
	CHECK(tty_display_name("pts3") == "pts/3");
	CHECK(tty_display_name("pts12") == "pts/12");
	CHECK(tty_display_name("pts") == "pts");
	CHECK(tty_display_name("ptsx") == "ptsx");
	CHECK(tty_display_name("tty1") == "tty1");
	CHECK(tty_display_name("ttyS0") == "ttyS0");
	CHECK(tty_display_name("") == "");
}

TEST_CASE("decode: split_argv")
{
	CHECK(split_argv(""s).empty());
	CHECK(split_argv("a"s) == std::vector<std::string>{"a"});
	CHECK(split_argv("a\0"s) == std::vector<std::string>{"a"});
	CHECK(split_argv("a\0\0"s) == std::vector<std::string>{"a", ""});
	CHECK(split_argv("\0\0b"s) == std::vector<std::string>{"", "", "b"});
}

TEST_CASE("decode: fork and exit records")
{
	SUBCASE("fork")
	{
		auto r = run(fork_bytes());
		REQUIRE(r.ok());
		REQUIRE(std::holds_alternative<ForkRecord>(*r));
		const ForkRecord &f = std::get<ForkRecord>(*r);
		check_header(f.hdr);
		CHECK(f.parent_tgid == 4000);
		CHECK(f.parent_start_boottime == 55'000'000'001ull);
	}
	SUBCASE("exit")
	{
		auto r = run(exit_bytes(0x300));
		REQUIRE(r.ok());
		REQUIRE(std::holds_alternative<ExitRecord>(*r));
		const ExitRecord &x = std::get<ExitRecord>(*r);
		check_header(x.hdr);
		CHECK(x.exit_code == 0x300);
	}
}

TEST_CASE("decode: rejections say why")
{
	SUBCASE("empty and too short for a header")
	{
		CHECK(contains(rejection({}), "too short for a header: 0 bytes"));
		Bytes b = fork_bytes();
		b.resize(sizeof(ls_event_header) - 1);
		CHECK(contains(rejection(b), "too short for a header: 31 bytes"));
	}
	SUBCASE("exec record shorter than struct ls_exec_event")
	{
		ls_event_header h = header(LS_EV_EXEC, sizeof(ls_event_header) + 8);
		Bytes b = bytes_of(h);
		b.resize(h.size);
		CHECK(contains(rejection(b), "exec record too short: 40 bytes"));
	}
	SUBCASE("wrong ABI version")
	{
		ls_fork_event ev{};
		ev.hdr = header(LS_EV_FORK, sizeof ev);
		ev.hdr.abi_version = LS_ABI_VERSION + 1;
		std::string msg = rejection(bytes_of(ev));
		CHECK(contains(msg, "ABI version " + std::to_string(LS_ABI_VERSION + 1)));
		CHECK(contains(msg, "different builds"));
	}
	SUBCASE("size field larger or smaller than the bytes received")
	{
		ExecBuilder b = full_exec();
		Bytes bytes = b.bytes();
		bytes.pop_back(); // size field now says one more byte than there is
		CHECK(contains(rejection(bytes), "size field " + std::to_string(bytes.size() + 1) + " != " +
							 std::to_string(bytes.size()) + " bytes"));
		Bytes longer = b.bytes();
		longer.push_back(std::byte{0});
		CHECK(contains(rejection(longer), "size field " + std::to_string(longer.size() - 1) + " != "));
	}
	SUBCASE("span out of bounds, for each string")
	{
		// off + len one byte beyond the tail, in each of the five spans in turn.
		for (int field = 0; field < 5; ++field) {
			ExecBuilder b = full_exec();
			ls_span *spans[] = {&b.ev.exe, &b.ev.filename, &b.ev.argv, &b.ev.cwd, &b.ev.tty};
			const char *names[] = {"exe", "filename", "argv", "cwd", "tty"};
			uint16_t tail = uint16_t(b.tail.size());
			*spans[field] = ls_span{uint16_t(tail - 2), 3};
			std::string msg = rejection(b.bytes());
			CAPTURE(msg);
			CHECK(contains(msg, "exec record: "s + names[field] + " span [" +
						    std::to_string(tail - 2) + ", +3) exceeds the record tail (" +
						    std::to_string(tail) + " bytes)"));
		}
	}
	SUBCASE("span offset beyond the tail with zero length")
	{
		ExecBuilder b = full_exec();
		b.ev.cwd = ls_span{uint16_t(b.tail.size() + 1), 0};
		CHECK(contains(rejection(b.bytes()), "cwd span"));
	}
	SUBCASE("span at the largest offset and length does not wrap")
	{
		ExecBuilder b = full_exec();
		b.ev.exe = ls_span{0xffff, 0xffff};
		CHECK(contains(rejection(b.bytes()), "exe span [65535, +65535)"));
	}
	SUBCASE("unknown type")
	{
		for (uint16_t type : {uint16_t(0), uint16_t(LS_EV_TYPE_MAX), uint16_t(0xffff)}) {
			ls_fork_event ev{};
			ev.hdr = header(type, sizeof ev);
			CHECK(contains(rejection(bytes_of(ev)), "unknown record type " + std::to_string(type)));
		}
	}
	SUBCASE("fork with the wrong size")
	{
		Bytes b = fork_bytes();
		b.push_back(std::byte{0});
		ls_event_header h = header(LS_EV_FORK, uint32_t(b.size()));
		std::memcpy(b.data(), &h, sizeof h);
		CHECK(contains(rejection(b), "fork record has 49 bytes, expected 48"));
		b.resize(sizeof(ls_fork_event) - 8);
		h.size = uint32_t(b.size());
		std::memcpy(b.data(), &h, sizeof h);
		CHECK(contains(rejection(b), "fork record has 40 bytes, expected 48"));
	}
	SUBCASE("exit with the wrong size")
	{
		Bytes b = exit_bytes(0);
		b.resize(sizeof(ls_exit_event) + 8);
		ls_event_header h = header(LS_EV_EXIT, uint32_t(b.size()));
		std::memcpy(b.data(), &h, sizeof h);
		CHECK(contains(rejection(b), "exit record has 48 bytes, expected 40"));
		b.resize(sizeof(ls_event_header));
		h.size = uint32_t(b.size());
		std::memcpy(b.data(), &h, sizeof h);
		CHECK(contains(rejection(b), "exit record has 32 bytes, expected 40"));
	}
	SUBCASE("an exec-sized record typed fork is a fork of the wrong size")
	{
		Bytes b = full_exec().bytes();
		ls_event_header h = header(LS_EV_FORK, uint32_t(b.size()));
		std::memcpy(b.data(), &h, sizeof h);
		CHECK(contains(rejection(b), "fork record has " + std::to_string(b.size()) + " bytes"));
	}
}

// Random bytes, random bytes behind a plausible header, and valid records with
// bytes flipped, spans moved and lengths changed. Each decode either succeeds
// with strings that came from inside the record, or returns a non-empty error.
TEST_CASE("decode: fuzz, fixed seed")
{
	std::mt19937_64 rng(0x11e5'3a4e'5eed'0001ull);
	auto below = [&rng](uint64_t n) { return n ? rng() % n : 0; };
	const Bytes seeds[] = {full_exec().bytes(), fork_bytes(), exit_bytes(0x8b), ExecBuilder().bytes()};

	size_t ok = 0, rejected = 0, exec_ok = 0;
	constexpr int kIterations = 200'000;
	for (int i = 0; i < kIterations; ++i) {
		Bytes b;
		switch (i % 4) {
		case 0: { // pure noise
			b.resize(below(400));
			for (auto &x : b)
				x = std::byte(rng());
			break;
		}
		case 1: { // noise behind a header that passes the first checks
			b.resize(sizeof(ls_event_header) + below(400));
			for (auto &x : b)
				x = std::byte(rng());
			ls_event_header h = header(uint16_t(below(LS_EV_TYPE_MAX + 1)), uint32_t(b.size()));
			std::memcpy(b.data(), &h, sizeof h);
			break;
		}
		default: { // a valid record, mutated
			b = seeds[below(std::size(seeds))];
			int mutations = 1 + int(below(4));
			for (int m = 0; m < mutations; ++m) {
				switch (below(5)) {
				case 0: // flip a byte
					if (!b.empty())
						b[below(b.size())] ^= std::byte(1 + below(255));
					break;
				case 1: // truncate
					b.resize(below(b.size() + 1));
					break;
				case 2: // extend
					for (uint64_t n = below(64); n > 0; --n)
						b.push_back(std::byte(rng()));
					break;
				case 3: // move a span of an exec record
					if (b.size() >= sizeof(ls_exec_event)) {
						size_t at = offsetof(ls_exec_event, exe) + 4 * below(5);
						ls_span s{uint16_t(below(b.size())), uint16_t(below(b.size()))};
						std::memcpy(b.data() + at, &s, sizeof s);
					}
					break;
				case 4: // set the type
					if (b.size() >= 2) {
						uint16_t type = uint16_t(below(LS_EV_TYPE_MAX + 1));
						std::memcpy(b.data(), &type, 2);
					}
					break;
				}
			}
			if (b.size() >= sizeof(ls_event_header) && below(4) != 0) { // mostly keep size honest
				uint32_t size = uint32_t(b.size());
				std::memcpy(b.data() + offsetof(ls_event_header, size), &size, 4);
			}
			break;
		}
		}
		// A heap copy of exactly the record's size: ASan sees any read past it.
		auto heap = std::make_unique<std::byte[]>(b.size());
		if (!b.empty())
			std::memcpy(heap.get(), b.data(), b.size());
		auto r = decode::decode(std::span<const std::byte>(heap.get(), b.size()));
		if (!r.ok()) {
			++rejected;
			REQUIRE_FALSE(r.error().message().empty());
			continue;
		}
		++ok;
		REQUIRE(b.size() >= sizeof(ls_event_header));
		if (auto *e = std::get_if<ExecRecord>(&*r)) {
			++exec_ok;
			const size_t tail = b.size() - sizeof(ls_exec_event);
			REQUIRE(e->comm.size() <= LS_COMM_LEN);
			REQUIRE(e->exe.size() <= tail);
			REQUIRE(e->filename.size() <= tail);
			REQUIRE(e->cwd.size() <= tail);
			REQUIRE(e->tty.size() <= tail + 1); // "ptsN" -> "pts/N"
			size_t argv_bytes = 0;
			for (auto &a : e->argv)
				argv_bytes += a.size() + 1;
			REQUIRE(argv_bytes <= tail + 1);
		} else if (std::holds_alternative<ForkRecord>(*r)) {
			REQUIRE(b.size() == sizeof(ls_fork_event));
		} else if (std::holds_alternative<ExitRecord>(*r)) {
			REQUIRE(b.size() == sizeof(ls_exit_event));
		} else {
			REQUIRE(std::holds_alternative<NetRecord>(*r));
			REQUIRE(b.size() == sizeof(ls_net_event));
		}
	}
	// The loop exercised both outcomes, decoded execs among them.
	CHECK(ok + rejected == kIterations);
	CHECK(ok > 1000);
	CHECK(rejected > 1000);
	CHECK(exec_ok > 100);
}
