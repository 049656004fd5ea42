// SPDX-License-Identifier: Apache-2.0
// Kernel tests load the real BPF programs: they need root. Outside CI they skip
// with a message; in CI (LINESMAN_CI=1, set by .ci/run) a skip is a failure.
#define DOCTEST_CONFIG_IMPLEMENT
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include <doctest/doctest.h>

int main(int argc, char **argv)
{
	if (geteuid() != 0) {
		bool ci = std::getenv("LINESMAN_CI") != nullptr;
		std::fprintf(stderr, "kernel tests: %s: not root; run them with sudo (make test)\n",
			     ci ? "FAILED" : "SKIPPED");
		return ci ? 1 : 0;
	}
	doctest::Context ctx(argc, argv);
	return ctx.run();
}
