#!/bin/sh
# Runs libFuzzer targets for a bounded time each, as many at once as there are
# CPUs, and prints one line per target. A crash, hang or leak is saved under
# tests/fuzz/regressions/<target>/ (from then on replayed by `make test`) and
# fails the run. New coverage goes to BUILD/fuzz/corpus/<target>/, which later
# runs start from; the checked-in seeds in tests/fuzz/corpus/ stay as written.
# Usage: tests/fuzz/run.sh BUILD_DIR SECONDS TARGET...
set -u
BUILD=$1
SECONDS_EACH=$2
shift 2
cd "$(dirname "$0")/../.."
LOGS=$BUILD/fuzz/logs
mkdir -p "$LOGS"

# Inputs a little above each parser's limits, so that the limits are crossed:
# decoder records carry paths of up to LS_PATH_MAX (8192), patterns are refused
# past 4095 bytes. Longer inputs only slow the search down.
max_len() {
	case $1 in
	decoder | diff) echo 16384 ;;
	*) echo 8192 ;;
	esac
}

fuzz_one() {
	t=$1
	mkdir -p "$BUILD/fuzz/corpus/$t" "tests/fuzz/regressions/$t"
	set -- -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=2048 -max_len="$(max_len "$t")" \
		-print_final_stats=1 -artifact_prefix="tests/fuzz/regressions/$t/"
	[ -f "tests/fuzz/$t.dict" ] && set -- "$@" -dict="tests/fuzz/$t.dict"
	set -- "$@" "$BUILD/fuzz/corpus/$t"
	for seeds in "tests/fuzz/corpus/$t" "$BUILD/fuzz/seeds/$t"; do
		[ -d "$seeds" ] && set -- "$@" "$seeds"
	done
	"$BUILD/fuzz/$t" "$@" >"$LOGS/$t.log" 2>&1
	echo $? >"$LOGS/$t.rc"
	# Units slower than -report_slow_units are written next to the crashes
	# but are not failures: keep them with the log instead.
	for f in "tests/fuzz/regressions/$t"/slow-unit-*; do
		[ -e "$f" ] && mv "$f" "$LOGS/"
	done
}

report() {
	t=$1
	rc=$(cat "$LOGS/$t.rc")
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$LOGS/$t.log")
	cov=$(grep -o 'cov: [0-9]*' "$LOGS/$t.log" | tail -1)
	if [ "$rc" -eq 0 ]; then
		printf '  %-16s ok: %s runs, %s\n' "$t" "${runs:-?}" "${cov:-cov: ?}"
		return 0
	fi
	printf '  %-16s FAILED (exit %s), log %s:\n' "$t" "$rc" "$LOGS/$t.log"
	grep -A40 -m1 -e '^==[0-9]*==' -e 'runtime error' -e 'fuzz: ' "$LOGS/$t.log" | sed 's/^/    /'
	grep -e 'Test unit written to' "$LOGS/$t.log" | sed 's/^/    /'
	return 1
}

jobs=$(nproc 2>/dev/null || echo 1)
echo "fuzz: $# targets, ${SECONDS_EACH}s each, $jobs at a time (logs in $LOGS)"
status=0
while [ $# -gt 0 ]; do
	batch=""
	while [ $# -gt 0 ] && [ "$(echo $batch | wc -w)" -lt "$jobs" ]; do
		batch="$batch $1"
		fuzz_one "$1" &
		shift
	done
	wait
	for t in $batch; do
		report "$t" || status=1
	done
done
[ $status -eq 0 ] && echo "fuzz: no crash" || echo "fuzz: FAILED: inputs saved under tests/fuzz/regressions/"
exit $status
