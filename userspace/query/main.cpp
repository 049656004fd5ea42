// SPDX-License-Identifier: Apache-2.0
// linesman: the operator's command line (query/cli.cpp).
#include <unistd.h>

#include <iostream>

#include "query/cli.h"

int main(int argc, char **argv)
{
	std::vector<std::string> args(argv + 1, argv + argc);
	linesman::query::CliContext ctx;
	ctx.out_is_tty = isatty(STDOUT_FILENO) == 1;
	return linesman::query::run_cli(args, std::cout, std::cerr, ctx);
}
