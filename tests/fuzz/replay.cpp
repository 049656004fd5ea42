// SPDX-License-Identifier: Apache-2.0
// Runs saved inputs through a fuzz target without libFuzzer, so that every
// crash a fuzzer found once stays a test: `make fuzz-regress` links each target
// with this file, g++ and ASan, and `make test` runs it. An input that takes
// longer than kSlowSeconds fails too: libFuzzer saves hangs as timeout-* files.
//
// Usage: TARGET FILE_OR_DIR...   (a directory: its regular files, sorted)
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

namespace fs = std::filesystem;

namespace {

constexpr unsigned kTimeoutSeconds = 10; // libFuzzer's -timeout in tests/fuzz/run.sh

void on_alarm(int)
{
	static const char msg[] = "replay: TIMEOUT: the input above ran for more than 10 s (a hang)\n";
	(void)!write(STDERR_FILENO, msg, sizeof(msg) - 1);
	_exit(1);
}

std::vector<fs::path> inputs(const char *arg)
{
	std::vector<fs::path> out;
	std::error_code ec;
	if (fs::is_directory(arg, ec)) {
		for (const auto &e : fs::directory_iterator(arg))
			if (e.is_regular_file() && e.path().filename().string().front() != '.')
				out.push_back(e.path());
		std::sort(out.begin(), out.end());
	} else if (fs::exists(arg, ec)) {
		out.push_back(arg);
	}
	return out;
}

} // namespace

int main(int argc, char **argv)
{
	signal(SIGALRM, on_alarm);
	size_t count = 0;
	for (int i = 1; i < argc; ++i) {
		for (const fs::path &path : inputs(argv[i])) {
			std::ifstream f(path, std::ios::binary);
			std::vector<uint8_t> data((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
			// A crash report follows this line: it names the input.
			std::fprintf(stderr, "  replay %s\n", path.c_str());
			// libFuzzer never passes a null pointer, even for an empty input.
			static const uint8_t empty = 0;
			alarm(kTimeoutSeconds);
			LLVMFuzzerTestOneInput(data.empty() ? &empty : data.data(), data.size());
			alarm(0);
			++count;
		}
	}
	std::fprintf(stderr, "%s: %zu inputs replayed\n", argv[0], count);
	return 0;
}
