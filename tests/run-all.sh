#!/bin/sh
# Runs every test layer in order and ends with one summary line.
# Usage: tests/run-all.sh BUILD_DIR [LAYER...]
#   LAYER: unit kernel e2e asan fuzz-regress (default: all, in that order)
set -u
BUILD=${1:-build}
[ $# -gt 0 ] && shift
layers=${*:-unit kernel e2e asan fuzz-regress}
cd "$(dirname "$0")/.."

# Any sanitizer report fails a run: UBSan aborts (-fno-sanitize-recover), ASan
# stops at its first error, and LeakSanitizer's exit code counts as a failure.
# The output is also searched, because a report from a child process or one
# swallowed by a test harness would not show in the exit code. The RSS limit
# turns runaway allocation (a hostile input looping in a parser) into a report
# instead of the machine's OOM killer.
export ASAN_OPTIONS="${ASAN_OPTIONS:-hard_rss_limit_mb=3072:detect_leaks=1:detect_stack_use_after_return=1:strict_string_checks=1:check_initialization_order=1:halt_on_error=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
sanitized() {
	log=$(mktemp)
	# POSIX sh has no pipefail: the command's status goes through a file.
	{
		"$@"
		echo $? >"$log.rc"
	} 2>&1 | tee "$log"
	rc=$(cat "$log.rc")
	if grep -q -e 'ERROR: AddressSanitizer' -e 'ERROR: LeakSanitizer' -e 'runtime error:' "$log"; then
		rc=1
	fi
	rm -f "$log" "$log.rc"
	return "$rc"
}

failed=""
run() {
	name=$1
	shift
	echo "=== $name"
	if "$@"; then
		echo "=== $name: passed"
	else
		echo "=== $name: FAILED"
		failed="$failed $name"
	fi
}

for layer in $layers; do
	case $layer in
	unit) run unit "$BUILD/tests/unit_tests" ;;
	kernel) run kernel "$BUILD/tests/kernel_tests" ;;
	e2e) run e2e tests/e2e/run.sh "$BUILD" ;;
	asan) run asan sanitized "$BUILD/asan/tests/unit_tests" ;;
	fuzz-regress) run fuzz-regress sanitized tests/fuzz/regress.sh "$BUILD" ;;
	*)
		echo "run-all.sh: unknown layer $layer" >&2
		exit 2
		;;
	esac
done

if [ -n "$failed" ]; then
	echo "linesman tests: FAILED:$failed"
	exit 1
fi
echo "linesman tests: all layers passed ($(echo $layers | sed 's/ /, /g'))"
