#!/bin/sh
# Replays every saved input through its fuzz target, built with g++ and ASan:
# the crashes fuzzers found (tests/fuzz/regressions/<target>/), the checked-in
# seeds and the generated ones. Any crash, sanitizer report or hang fails.
# Usage: tests/fuzz/regress.sh BUILD_DIR
set -u
BUILD=${1:-build}
cd "$(dirname "$0")/../.."
status=0
for src in tests/fuzz/targets/*.cpp; do
	t=$(basename "$src" .cpp)
	bin=$BUILD/asan/fuzz/$t
	if [ ! -x "$bin" ]; then
		echo "fuzz-regress: $bin is not built (make fuzz-regress)" >&2
		status=1
		continue
	fi
	"$bin" "tests/fuzz/regressions/$t" "tests/fuzz/corpus/$t" "$BUILD/fuzz/seeds/$t" || status=1
done
exit $status
