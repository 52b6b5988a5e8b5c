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
    if schema_validate; then
        ok
    else
        rc=0
        : >"$work/stdout"
        : >"$work/stderr"
        fail "JSON documents follow docs/report.schema.json (tests/schema/validate.py)"
    fi
    schema_checked=1
    echo "$passed passed, $failed failed"
    [ "$failed" -eq 0 ]
}

# --- every JSON document a test makes follows docs/report.schema.json ---
# Sourcing this file routes $dfota through a wrapper that keeps, for
# tests/schema/validate.py: the standard output of every run given --json
# (when it goes to a file, a pipe or /dev/null; what goes to a terminal or
# another device is not kept), and, for a `release -o DIR` run, DIR and the
# *.report.json files it held before: every one that is new or another file
# (inode, time, size) at the check was written by a release, and is checked.
# `summary`, and the EXIT trap after it, validate them all: an invalid
# document, or a --json run that printed anything but one JSON object,
# fails the test. A new test gets this by sourcing lib.sh after setting
# $dfota and $work (and its own EXIT trap, which still runs, after the
# check). A run without --json is dfota itself (exec: same process, same
# signals); one with --json runs dfota as a child, passes TERM, INT, HUP,
# QUIT and CONT on to it and exits with its status.
schema_lib_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
schema_file="$schema_lib_dir/../docs/report.schema.json"
schema_captures="$work/.json-documents"
# Commands whose JSON does not follow the schema yet (validate.py --pending):
# none. A test may list one while its schema is being written.
schema_pending=()
mkdir -p "$schema_captures"
schema_real_dfota=$dfota
dfota="$work/.dfota-json-capture"
cat >"$dfota" <<WRAPPER
#!/usr/bin/env bash
# Runs $schema_real_dfota and keeps its JSON documents (tests/cli/lib.sh).
real='$schema_real_dfota'
json=0 dir= prev=
for a in "\$@"; do
    [ "\$a" = --json ] && json=1
    case \$prev in -o | --output) dir=\$a ;; esac
    case \$a in --output=*) dir=\${a#--output=} ;; -o?*) dir=\${a#-o} ;; esac
    prev=\$a
done
if [ "\$1" = release ] && [ -n "\$dir" ]; then
    case \$dir in /*) ;; *) dir=\$PWD/\$dir ;; esac
    # DIR, then the reports it holds before this run (schema_validate compares).
    { printf '%s\n' "\$dir"; [ -d "\$dir" ] && find "\$dir" -maxdepth 1 -name '*.report.json' \
          -type f -printf '%i %T@ %s %f\n'; } >"\$(mktemp '$schema_captures/dir.XXXXXX')"
fi
[ \$json = 1 ] || exec "\$real" "\$@"
doc=\$(mktemp '$schema_captures/doc.XXXXXX') || exit 3
printf '%s\n' "\$*" >"\$doc.command"
out=none
if [ \$json = 1 ]; then
    if [ -f /proc/\$\$/fd/1 ]; then
        out=file
        start=\$(awk '/^pos:/ {print \$2}' /proc/\$\$/fdinfo/1)
    elif [ -p /proc/\$\$/fd/1 ] || [ /proc/\$\$/fd/1 -ef /dev/null ]; then
        out=copy
    fi
fi
child=
for sig in TERM INT HUP QUIT CONT; do
    trap '[ -n "\$child" ] && kill -s '\$sig' "\$child" 2>/dev/null' \$sig
done
if [ \$out = copy ]; then
    "\$real" "\$@" <&0 >"\$doc.json" &
else
    "\$real" "\$@" <&0 &
fi
child=\$!
wait "\$child"
rc=\$?
while kill -0 "\$child" 2>/dev/null; do
    wait "\$child"
    rc=\$?
done
case \$out in
file)
    end=\$(awk '/^pos:/ {print \$2}' /proc/\$\$/fdinfo/1)
    tail -c +\$((start + 1)) /proc/\$\$/fd/1 | head -c \$((end - start)) >"\$doc.json" ;;
copy)
    cat "\$doc.json" || rc=3 ;;
none)
    rm -f "\$doc.command" ;;
esac
[ \$out = none ] || printf '%s\n' "\$rc" >"\$doc.rc"
rm -f "\$doc"
exit "\$rc"
WRAPPER
chmod +x "$dfota"

# Validate what was kept; prints the problems and returns 1 if there is any.
# Documents checked are dropped.
schema_validate() {
    local pending=() reports=() p m out status
    for p in "${schema_pending[@]}"; do pending+=(--pending "$p"); done
    # The reports each release run wrote or replaced: not in DIR as they were before it.
    for m in "$schema_captures"/dir.*; do
        [ -f "$m" ] || continue
        p=$(head -n 1 "$m")
        [ -d "$p" ] || continue
        find "$p" -maxdepth 1 -name '*.report.json' -type f -printf '%i %T@ %s %f\n' |
            grep -Fxv -f <(tail -n +2 "$m") | cut -d' ' -f4- | sed "s|^|$p/|"
    done | sort -u >"$schema_captures/reports"
    while IFS= read -r p; do reports+=(--as release "$p"); done <"$schema_captures/reports"
    out=$(python3 "$schema_lib_dir/schema/validate.py" "$schema_file" "${pending[@]}" \
        --captures "$schema_captures" "${reports[@]}" 2>&1)
    status=$?
    rm -f "$schema_captures"/doc.* "$schema_captures"/dir.* "$schema_captures/reports"
    if [ "$status" -ne 0 ]; then
        printf '%s\n' "$out" | sed 's/^/schema: /'
        return 1
    fi
    printf '%s\n' "$out" | tail -n 1
    return 0
}

schema_checked=0
schema_on_exit() {
    local status=$?
    # After `summary`, only what later runs kept; if summary never ran, everything.
    if [ "$schema_checked" -eq 0 ] || [ -n "$(ls -A "$schema_captures" 2>/dev/null)" ]; then
        if ! schema_validate; then
            echo "FAIL: JSON documents that do not follow docs/report.schema.json"
            status=1
        fi
    fi
    eval "$schema_previous_trap"
    exit "$status"
}
# The script's own EXIT trap (removing $work) runs after the check.
schema_previous_trap=$(trap -p EXIT)
schema_previous_trap=${schema_previous_trap#trap -- }
schema_previous_trap=${schema_previous_trap% EXIT}
eval "schema_previous_trap=$schema_previous_trap"
trap schema_on_exit EXIT
