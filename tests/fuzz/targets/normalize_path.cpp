// SPDX-License-Identifier: Apache-2.0
// normalize_path() on arbitrary strings. Its result is what kernel paths are
// compared with, so besides not crashing it must be canonical (absolute, no
// empty, "." or ".." segment, no trailing '/'), stable when normalized again,
// and leave an already canonical path as it is.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "fim/watch.h"

using namespace linesman;

namespace {

bool canonical(std::string_view p)
{
	if (p == "/")
		return true;
	if (p.empty() || p.front() != '/' || p.back() == '/')
		return false;
	for (size_t pos = 1;;) {
		size_t slash = p.find('/', pos);
		std::string_view seg = p.substr(pos, slash == std::string_view::npos ? slash : slash - pos);
		if (seg.empty() || seg == "." || seg == "..")
			return false;
		if (slash == std::string_view::npos)
			return true;
		pos = slash + 1;
	}
}

void expect(bool cond, std::string_view in, const std::string &out, const char *what)
{
	if (!cond) {
		std::fprintf(stderr, "normalize_path fuzz: \"%.*s\" -> \"%s\": %s\n", int(in.size()), in.data(),
			     out.c_str(), what);
		std::abort();
	}
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	std::string_view in(reinterpret_cast<const char *>(data), size);
	std::string out = fim::normalize_path(in);
	expect(canonical(out), in, out, "the result is not canonical");
	expect(fim::normalize_path(out) == out, in, out, "normalizing again changes it");
	if (canonical(in))
		expect(out == in, in, out, "a canonical path was changed");
	return 0;
}
