#!/bin/sh
# End-to-end tests of the built binaries: linesmand as an operator runs it.
# Usage: tests/e2e/run.sh BUILD_DIR
set -eu
BUILD=${1:-build}
# The CLI needs no root: its tests run either way.
python3 "$(dirname "$0")/cli_e2e.py" "$BUILD"
if [ "$(id -u)" -ne 0 ]; then
	if [ -n "${LINESMAN_CI:-}" ]; then
		echo "e2e tests: FAILED: not root" >&2
		exit 1
	fi
	echo "e2e tests: SKIPPED: not root; run them with sudo (make test)" >&2
	exit 0
fi
python3 "$(dirname "$0")/agent_e2e.py" "$BUILD"
# kill -9 under load, 3 rounds (~30 s); `make soak` runs 20.
exec python3 "$(dirname "$0")/kill_e2e.py" "$BUILD" 3
