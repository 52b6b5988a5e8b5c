# Shared helpers of the CLI test scripts (sourced, not run).
# The caller sets $dfota and $work; results are counted in $passed and $failed,
# and `summary` prints the closing "N passed, N failed" line and sets the status.

passed=0
failed=0

# run ARGS...: run dfota with standard input from /dev/null (never a
# terminal); exit code in $rc, output in $work/stdout, $work/stderr.
run() {
    "$dfota" "$@" </dev/null >"$work/stdout" 2>"$work/stderr"
    rc=$?
}

ok() { passed=$((passed + 1)); }

fail() {
    failed=$((failed + 1))
    echo "FAIL: $1"
    echo "  exit code: $rc"
    echo "  stdout: $(head -c 600 "$work/stdout")"
    echo "  stderr: $(head -c 600 "$work/stderr")"
}

# check NAME EXPECTED_RC [stdout|stderr PATTERN]...: exit code and grep -E patterns.
check() {
    local name=$1 want=$2
    shift 2
    if [ "$rc" -ne "$want" ]; then
        fail "$name (expected exit $want)"
        return
    fi
    while [ $# -gt 0 ]; do
        if ! grep -qE -- "$2" "$work/$1"; then
            fail "$name ($1 lacks /$2/)"
            return
        fi
        shift 2
    done
    ok
}

# check_empty NAME stdout|stderr
check_empty() {
    if [ -s "$work/$2" ]; then fail "$1 ($2 not empty)"; else ok; fi
}

# assert NAME COMMAND...: a shell condition.
assert() {
    local name=$1
    shift
    if "$@" >/dev/null 2>&1; then ok; else fail "$name"; fi
}

# patch FILE OFFSET HEXBYTE: overwrite one byte in place.
patch() {
    printf "\\x$3" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}

summary() {
    echo "$passed passed, $failed failed"
    [ "$failed" -eq 0 ]
}
