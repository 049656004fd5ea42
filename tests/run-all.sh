#!/bin/sh
# Runs every test layer in order and ends with one summary line.
# Usage: tests/run-all.sh BUILD_DIR
set -u
BUILD=${1:-build}
cd "$(dirname "$0")/.."

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

run unit "$BUILD/tests/unit_tests"
run kernel "$BUILD/tests/kernel_tests"
run e2e tests/e2e/run.sh "$BUILD"

if [ -n "$failed" ]; then
	echo "linesman tests: FAILED:$failed"
	exit 1
fi
echo "linesman tests: all layers passed (unit, kernel, e2e)"
