// SPDX-License-Identifier: Apache-2.0
// unified_diff against the real GNU `diff -u`: every case, hand-picked and
// random, must give the same hunks byte for byte.
#include <doctest/doctest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "fim/diff.h"

using namespace linesman::fim;

namespace {

// A scratch directory for diff's input files, removed at the end.
struct DiffDir {
	std::string path;
	DiffDir()
	{
		char tmpl[] = "/tmp/linesman-fim-diff-XXXXXX";
		REQUIRE(mkdtemp(tmpl) != nullptr);
		path = tmpl;
	}
	~DiffDir() { std::system(("rm -rf '" + path + "'").c_str()); }

	void write(const std::string &name, const std::string &text) const
	{
		FILE *f = std::fopen((path + "/" + name).c_str(), "wb");
		REQUIRE(f != nullptr);
		REQUIRE(std::fwrite(text.data(), 1, text.size(), f) == text.size());
		REQUIRE(std::fclose(f) == 0);
	}
};

// Everything after the "---" and "+++" lines.
std::string hunks(const std::string &diff)
{
	size_t pos = 0;
	for (int i = 0; i < 2 && pos != std::string::npos; ++i) {
		pos = diff.find('\n', pos);
		if (pos != std::string::npos)
			++pos;
	}
	return pos == std::string::npos ? "" : diff.substr(pos);
}

std::string gnu_diff(const DiffDir &dir, const std::string &a, const std::string &b,
		     size_t context)
{
	dir.write("a", a);
	dir.write("b", b);
	std::string cmd = "/usr/bin/diff -U" + std::to_string(context) + " '" + dir.path +
			  "/a' '" + dir.path + "/b'";
	FILE *p = popen(cmd.c_str(), "r");
	REQUIRE(p != nullptr);
	std::string out;
	char buf[4096];
	size_t n;
	while ((n = std::fread(buf, 1, sizeof buf, p)) > 0)
		out.append(buf, n);
	int status = pclose(p);
	REQUIRE(WIFEXITED(status));
	REQUIRE(WEXITSTATUS(status) == (a == b ? 0 : 1));
	return hunks(out);
}

// Our hunks must equal GNU's; returns ours for further checks.
DiffResult same_as_gnu(const DiffDir &dir, const std::string &a, const std::string &b,
		       size_t context = 3)
{
	DiffResult r = unified_diff(a, b, "a/f", "b/f", context);
	CAPTURE(a);
	CAPTURE(b);
	CAPTURE(context);
	CHECK_FALSE(r.truncated);
	CHECK(hunks(r.text) == gnu_diff(dir, a, b, context));
	return r;
}

size_t hunk_headers(const std::string &diff)
{
	size_t n = 0;
	for (size_t pos = diff.find("\n@@ "); pos != std::string::npos; pos = diff.find("\n@@ ", pos + 1))
		++n;
	return n;
}

std::string numbered(int from, int to)
{
	std::string s;
	for (int i = from; i <= to; ++i)
		s += "line " + std::to_string(i) + "\n";
	return s;
}

} // namespace

TEST_CASE("fim diff: equal inputs give nothing")
{
	CHECK(unified_diff("", "", "a", "b").text.empty());
	DiffResult r = unified_diff("x\ny\n", "x\ny\n", "a", "b");
	CHECK(r.text.empty());
	CHECK(r.added == 0);
	CHECK(r.removed == 0);
	CHECK_FALSE(r.truncated);
}

TEST_CASE("fim diff: the exact text of a one-line append")
{
	DiffResult r = unified_diff("a\nb\nc\nd\n", "a\nb\nc\nd\ne\n", "a/etc/x", "b/etc/x");
	CHECK(r.text == "--- a/etc/x\n"
			"+++ b/etc/x\n"
			"@@ -2,3 +2,4 @@\n"
			" b\n"
			" c\n"
			" d\n"
			"+e\n");
	CHECK(r.added == 1);
	CHECK(r.removed == 0);
}

TEST_CASE("fim diff: hand-picked cases equal GNU diff -u")
{
	DiffDir dir;
	const std::string ten = numbered(1, 10);
	SUBCASE("append a line") { same_as_gnu(dir, ten, ten + "line 11\n"); }
	SUBCASE("delete a line")
	{
		DiffResult r = same_as_gnu(dir, ten, numbered(1, 4) + numbered(6, 10));
		CHECK(r.removed == 1);
		CHECK(r.added == 0);
	}
	SUBCASE("change in the middle")
	{
		DiffResult r = same_as_gnu(dir, ten, numbered(1, 4) + "five\n" + numbered(6, 10));
		CHECK(r.removed == 1);
		CHECK(r.added == 1);
	}
	SUBCASE("separate hunks")
	{
		std::string b = "first\n" + numbered(2, 14) + "fifteen\n" + numbered(16, 30);
		same_as_gnu(dir, numbered(1, 30), b);
	}
	SUBCASE("hunks merge when their context overlaps")
	{
		// 6 unchanged lines between the changes: exactly 2 x 3 of context.
		same_as_gnu(dir, numbered(1, 20), numbered(1, 3) + "x\n" + numbered(5, 10) + "y\n" +
							  numbered(12, 20));
		// 7 unchanged lines: two hunks.
		same_as_gnu(dir, numbered(1, 20), numbered(1, 3) + "x\n" + numbered(5, 11) + "y\n" +
							  numbered(13, 20));
	}
	SUBCASE("empty to content") { same_as_gnu(dir, "", "a\nb\nc\n"); }
	SUBCASE("content to empty") { same_as_gnu(dir, "a\nb\nc\n", ""); }
	SUBCASE("one line to empty and back") {
		same_as_gnu(dir, "a\n", "");
		same_as_gnu(dir, "", "a\n");
	}
	SUBCASE("no newline at the end of the old text") { same_as_gnu(dir, "a\nb\nc", "a\nb\nc\n"); }
	SUBCASE("no newline at the end of the new text") { same_as_gnu(dir, "a\nb\nc\n", "a\nb\nc"); }
	SUBCASE("no newline at the end of either")
	{
		same_as_gnu(dir, "a\nb\nc", "a\nB\nc");
		same_as_gnu(dir, "a\nb\nc", "a\nb\nd");
		same_as_gnu(dir, "x", "y");
	}
	SUBCASE("CRLF lines")
	{
		same_as_gnu(dir, "a\r\nb\r\nc\r\n", "a\r\nB\r\nc\r\n");
		same_as_gnu(dir, "a\r\nb\r\nc\r\n", "a\nb\nc\n");
	}
	SUBCASE("changes that can slide go where GNU puts them")
	{
		same_as_gnu(dir, "a\nb\na\nb\n", "a\nb\n");
		same_as_gnu(dir, "x\na\na\na\ny\n", "x\na\na\na\na\ny\n");
		same_as_gnu(dir, "a\nb\nc\n", "c\nb\na\n");
		same_as_gnu(dir, ten + ten, ten);
	}
	SUBCASE("other context sizes")
	{
		std::string b = "first\n" + numbered(2, 9) + "ten\n" + numbered(11, 30);
		for (size_t context : {0, 1, 2, 5, 100})
			same_as_gnu(dir, numbered(1, 30), b, context);
	}
}

TEST_CASE("fim diff: 200 random pairs equal GNU diff -u")
{
	DiffDir dir;
	std::mt19937 rng(20240611);
	auto pick = [&](unsigned n) { return unsigned(rng() % n); };
	// Few distinct lines, so that many equally short scripts exist and the
	// choice among them is what is tested.
	const std::vector<std::string> alphabet = {"a\n", "b\n", "c\n", "d\n", "e\n", "f\n", "a\r\n"};
	auto random_text = [&]() {
		std::string s;
		unsigned lines = pick(12);
		for (unsigned i = 0; i < lines; ++i)
			s += alphabet[pick(unsigned(alphabet.size()))];
		if (!s.empty() && pick(6) == 0)
			s.pop_back();
		return s;
	};
	for (int i = 0; i < 200; ++i) {
		std::string a = random_text();
		// Half the pairs are edits of a, as real config changes are.
		std::string b = a;
		if (pick(2) == 0) {
			b = random_text();
		} else {
			for (unsigned k = 0, n = 1 + pick(3); k < n; ++k) {
				size_t at = b.empty() ? 0 : pick(unsigned(b.size()));
				at = b.rfind('\n', at) == std::string::npos ? 0 : b.rfind('\n', at) + 1;
				if (pick(2))
					b.insert(at, alphabet[pick(unsigned(alphabet.size()))]);
				else if (size_t nl = b.find('\n', at); nl != std::string::npos)
					b.erase(at, nl + 1 - at);
			}
		}
		same_as_gnu(dir, a, b, i % 4 == 0 ? 1 : 3);
	}
}

TEST_CASE("fim diff: output is cut at a line boundary to max_bytes")
{
	const std::string a = numbered(1, 100);
	const std::string b = numbered(1, 50) + "changed\n" + numbered(52, 100) + "more\n";
	DiffResult full = unified_diff(a, b, "a/f", "b/f");
	REQUIRE_FALSE(full.truncated);
	DiffResult cut = unified_diff(a, b, "a/f", "b/f", 3, 60);
	CHECK(cut.truncated);
	CHECK(cut.text.size() <= 60);
	CHECK(!cut.text.empty());
	CHECK(cut.text.back() == '\n');
	CHECK(full.text.compare(0, cut.text.size(), cut.text) == 0);
	CHECK(full.text.find('\n', cut.text.size()) != std::string::npos);
	// The counts describe the whole change, not the part shown.
	CHECK(cut.added == full.added);
	CHECK(cut.removed == full.removed);
	CHECK(full.added == 2);
	CHECK(full.removed == 1);
}

TEST_CASE("fim diff: large rewrites fall back to one coarse hunk, quickly")
{
	auto start = std::chrono::steady_clock::now();
	std::string a, b;
	SUBCASE("more lines than the search takes")
	{
		for (int i = 0; i < 25000; ++i) {
			a += std::to_string(i) + "\n";
			b += std::to_string(25000 - i) + "\n";
		}
	}
	SUBCASE("an edit distance above the cap")
	{
		for (int i = 0; i < 5000; ++i) {
			a += std::to_string(i) + "\n";
			b += std::to_string(5000 - i) + "\n";
		}
	}
	a = "head\n" + a + "tail\n";
	b = "head\n" + b + "tail\n";
	DiffResult r = unified_diff(a, b, "a/f", "b/f", 3, size_t(1) << 30);
	const size_t n = size_t(std::count(a.begin(), a.end(), '\n')) - 2;
	CHECK(r.removed == n);
	CHECK(r.added == n);
	// One hunk, still framed by the common first and last lines.
	CHECK(hunk_headers(r.text) == 1);
	CHECK(r.text.find("\n@@ -1," + std::to_string(n + 2) + " +1," + std::to_string(n + 2) +
			  " @@\n head\n") != std::string::npos);
	CHECK(r.text.ends_with("\n tail\n"));
	CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
}

TEST_CASE("fim diff: a small change in a long file is searched, not coarse")
{
	std::string a = numbered(1, 30000);
	std::string b = numbered(1, 14999) + "changed\n" + numbered(15001, 30000);
	DiffResult r = unified_diff(a, b, "a/f", "b/f");
	CHECK(r.added == 1);
	CHECK(r.removed == 1);
	CHECK(hunks(r.text) == "@@ -14997,7 +14997,7 @@\n line 14997\n line 14998\n line 14999\n"
			       "-line 15000\n+changed\n line 15001\n line 15002\n line 15003\n");
}
