#!/usr/bin/env bash
# Build the libFuzzer targets with clang and run each for a fixed time.
#
#   scripts/fuzz.sh [--seconds N] [--jobs J] [--build DIR] [TARGET...]
#
# TARGET is one of the fuzz targets (default: all of them): package apply zip
# signed_zip device progress rcdec roundtrip. Each runs for N seconds (default
# 60), up to J at a time (default: the number of cores), starting from its
# committed seeds (tests/fuzz/corpus/TARGET, only read) plus what earlier runs
# found (DIR/corpus/TARGET). A crash, leak, timeout or sanitizer report is
# saved in DIR/crashes/TARGET/ and makes the script exit 1; the last lines
# of each run's log (DIR/logs/TARGET.log) give its executions and coverage.
# `make fuzz` runs it with FUZZ_SECONDS (default 900, the 15 minutes a
# target gets before a release); CI runs it with 60.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=60
jobs=$(nproc 2>/dev/null || echo 2)
build=build-fuzz
all=(package apply zip signed_zip device progress rcdec roundtrip)
targets=()
while [ $# -gt 0 ]; do
    case $1 in
    --seconds) seconds=$2; shift 2 ;;
    --jobs) jobs=$2; shift 2 ;;
    --build) build=$2; shift 2 ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    -*) echo "fuzz.sh: unknown option '$1'" >&2; exit 2 ;;
    *) targets+=("$1"); shift ;;
    esac
done
[ ${#targets[@]} -gt 0 ] || targets=("${all[@]}")
for t in "${targets[@]}"; do
    [[ " ${all[*]} " == *" $t "* ]] || { echo "fuzz.sh: unknown target '$t' (${all[*]})" >&2; exit 2; }
done
command -v clang >/dev/null || { echo "fuzz.sh: clang is missing (apt-get install clang libclang-rt-14-dev)" >&2; exit 1; }

CC=clang cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDFOTA_FUZZ=ON >/dev/null
cmake --build "$build" -j "$jobs" --target $(printf 'fuzz_%s ' "${targets[@]}") >/dev/null

run_one() {
    local t=$1 corpus="$build/corpus/$1" crashes="$build/crashes/$1" log="$build/logs/$1.log"
    mkdir -p "$corpus" "$crashes" "$(dirname "$log")"
    # New inputs go to the first directory; the committed seeds are only read.
    # The CPU time it used goes to $log.cpu (wall time is -max_total_time).
    local start=$SECONDS rc=0
    "$build/tests/fuzz_$t" "$corpus" "tests/fuzz/corpus/$t" -max_total_time="$seconds" \
        -timeout=20 -rss_limit_mb=2560 -print_final_stats=1 -artifact_prefix="$crashes/" \
        >"$log" 2>&1 || rc=$?
    # user + system CPU seconds of this subshell's children (the fuzzer), then wall seconds
    times >"$log.times" # in this shell, not in a pipeline's subshell, which has no children
    tail -1 "$log.times" | awk -v wall=$((SECONDS - start)) '{
        split($1, u, /[ms]/); split($2, s, /[ms]/);
        printf "%d %d\n", u[1] * 60 + u[2] + s[1] * 60 + s[2], wall }' >"$log.cpu"
    return $rc
}

pids=()
names=()
status=0
for t in "${targets[@]}"; do
    while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do sleep 1; done
    run_one "$t" &
    pids+=($!)
    names+=("$t")
done
for i in "${!pids[@]}"; do
    t=${names[$i]}
    log="$build/logs/$t.log"
    if wait "${pids[$i]}"; then rc=0; else rc=$?; fi
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    cov=$(grep -oE 'cov: [0-9]+ ft: [0-9]+' "$log" | tail -1)
    found=$(find "$build/crashes/$t" -type f | wc -l)
    read -r cpu wall <"$log.cpu" || { cpu=?; wall=?; }
    if [ "$rc" -ne 0 ] || [ "$found" -ne 0 ]; then
        status=1
        printf 'FAIL %-11s %s s (%s s CPU), %s executions, %s; %s finding(s) in %s; log %s\n' \
            "$t" "$wall" "$cpu" "${execs:-?}" "${cov:-no coverage line}" "$found" \
            "$build/crashes/$t" "$log"
        grep -E 'ERROR|SUMMARY|==[0-9]+==|deadly signal' "$log" | head -5 | sed 's/^/     /'
    else
        printf 'ok   %-11s %s s (%s s CPU), %s executions, %s, no findings\n' "$t" "$wall" \
            "$cpu" "${execs:-?}" "${cov:-}"
    fi
done
exit $status
