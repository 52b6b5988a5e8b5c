# shellcheck shell=bash
# Shared helpers of the benchmark scripts (sourced, not run). The caller sets
# $bench_name (the prefix of its messages) before sourcing.
: "${bench_name:?set bench_name before sourcing bench/lib.sh}"

die() {
    echo "$bench_name: $*" >&2
    exit 2
}

need_arg() {
    [[ $# -ge 2 && -n $2 ]] || die "$1 needs a value (see --help)"
}

file_size() {
    local n
    n=$(wc -c <"$1")
    echo $((n))
}

# absolute_tool PATH: PATH made absolute if it names an existing file by a path
# (a bare command name is left for the shell to look up).
absolute_tool() {
    if [[ $1 == */* && -e $1 ]]; then
        echo "$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
    else
        echo "$1"
    fi
}

# find_pairs CORPUS GLOBS: fill the array `pairs` with the subdirectories of
# CORPUS holding old.bin and new.bin whose names match one of the
# comma-separated GLOBS; dies if none does.
find_pairs() {
    local corpus=$1 d name g match
    local -a globs
    IFS=, read -r -a globs <<<"$2"
    pairs=()
    for d in "$corpus"/*/; do
        [[ -d $d ]] || continue
        name=$(basename "$d")
        match=0
        for g in "${globs[@]}"; do
            # shellcheck disable=SC2053 # $g is a glob on purpose
            if [[ $name == $g ]]; then
                match=1
                break
            fi
        done
        [[ $match == 1 ]] || continue
        if [[ ! -f $d/old.bin || ! -f $d/new.bin ]]; then
            echo "$bench_name: skipping $name: no old.bin/new.bin" >&2
            continue
        fi
        pairs+=("$name")
    done
    [[ ${#pairs[@]} -gt 0 ]] || die "no pair in '$corpus' matches '$2'"
}

# anchor ANCHORS_MD PAIR COLUMN: a figure of an ANCHORS.md's per-pair table
# (columns by header name), or nothing.
anchor() {
    awk -F'|' -v pair="$2" -v col="$3" '
        /^\| pair \|/ { for (i = 2; i <= NF; i++) { h = $i; gsub(/^ +| +$/, "", h); name[h] = i } next }
        { p = $2; gsub(/ /, "", p) }
        p == pair && (col in name) { v = $(name[col]); gsub(/ /, "", v); print v; exit }' "$1"
}

# checked_patch_size OUT TAG OLD NEW BINARY ARGS...: `BINARY diff OLD NEW ARGS...`
# into OUT/TAG.patch, applied back and compared with NEW: the patch's size, or
# FAIL and a line in OUT/failures (a file, so that the count survives the
# $(...) this is called in; failures OUT reads it).
checked_patch_size() {
    local out=$1 tag=$2 old=$3 new=$4 bin=$5
    shift 5
    local p=$out/$tag.patch
    rm -f "$p" "$out/rebuilt.bin"
    if ! "$bin" diff -q "$old" "$new" -o "$p" "$@" >"$out/log" 2>&1 ||
       ! "$bin" apply -q --old "$old" "$p" -o "$out/rebuilt.bin" >>"$out/log" 2>&1 ||
       ! cmp -s "$out/rebuilt.bin" "$new"; then
        echo "$tag" >>"$out/failures"
        echo FAIL
        return
    fi
    file_size "$p"
}

# failures OUT: how many checked_patch_size calls failed.
failures() {
    local n=0
    [[ -f $1/failures ]] && n=$(wc -l <"$1/failures")
    echo $((n))
}

# geo_mean < lines "value reference": the geometric mean of value / reference.
geo_mean() {
    awk '{ if ($1 > 0 && $2 > 0) { s += log($1 / $2); n++ } } END { if (n) printf "%.3f", exp(s / n); else print "-" }'
}

# bytes SIZE: SIZE as a number for sums (a FAIL of checked_patch_size counts 0;
# the failure itself is in OUT/failures).
bytes() {
    if [[ $1 =~ ^[0-9]+$ ]]; then echo "$1"; else echo 0; fi
}
