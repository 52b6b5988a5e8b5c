#!/usr/bin/env bash
# Side-by-side benchmark: dfota against bsdiff, xdelta3 and zstd --patch-from on every
# old.bin/new.bin pair of a corpus. Not part of `make test`; see bench/README.md.
#
# usage: bash bench/run.sh [--corpus DIR] [--dfota PATH] [--out DIR]
#                          [--only TOOL[,TOOL...]] [--pairs GLOB[,GLOB...]] [--repeat N]
#
# Writes OUT/results.csv and OUT/results.md, prints results.md on standard output
# (progress goes to standard error). Exit status: 0 every tool succeeded and every rebuilt
# image was bit-exact, 1 something failed or differed, 2 usage or set-up error.
set -euo pipefail
export LC_ALL=C # stable sort order and '.' as the decimal point in awk

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
all_tools=(bsdiff xdelta3 zstd dfota)
chunk_sizes=(1 7 4096)

corpus=$repo/../shared/corpus
dfota=$repo/build/dfota
out=$repo/build/bench
only=
pairs_glob='*'
repeat=1

usage() {
    cat <<EOF
usage: bash bench/run.sh [options]

Runs dfota, bsdiff, xdelta3 -9 -S lzma and zstd --ultra -22 --long=27 --patch-from on every
pair (a directory holding old.bin and new.bin) of a corpus and writes OUT/results.csv and
OUT/results.md; results.md is printed at the end.

options:
  --corpus DIR       corpus directory (default: REPO/../shared/corpus)
  --dfota PATH       dfota binary (default: REPO/build/dfota)
  --out DIR          output directory (default: REPO/build/bench)
  --only LIST        comma-separated subset of: ${all_tools[*]} (default: all)
  --pairs GLOB       only the pairs whose directory name matches GLOB; a comma-separated
                     list of globs is accepted (quote it: --pairs 'openmv2-*')
  --repeat N         run every diff and apply N times, keep the best wall time (default 1)
  -h, --help         this text

exit status: 0 all ok, 1 a tool failed or an image was not bit-exact, 2 usage or set-up error
EOF
}

die() {
    echo "bench: $*" >&2
    exit 2
}

need_arg() {
    [[ $# -ge 2 && -n $2 ]] || die "$1 needs a value (see --help)"
}

while [[ $# -gt 0 ]]; do
    case $1 in
    --corpus) need_arg "$@"; corpus=$2; shift 2 ;;
    --corpus=*) corpus=${1#*=}; shift ;;
    --dfota) need_arg "$@"; dfota=$2; shift 2 ;;
    --dfota=*) dfota=${1#*=}; shift ;;
    --out) need_arg "$@"; out=$2; shift 2 ;;
    --out=*) out=${1#*=}; shift ;;
    --only) need_arg "$@"; only=$2; shift 2 ;;
    --only=*) only=${1#*=}; shift ;;
    --pairs) need_arg "$@"; pairs_glob=$2; shift 2 ;;
    --pairs=*) pairs_glob=${1#*=}; shift ;;
    --repeat) need_arg "$@"; repeat=$2; shift 2 ;;
    --repeat=*) repeat=${1#*=}; shift ;;
    -h | --help) usage; exit 0 ;;
    *) echo "bench: unknown argument '$1'" >&2; usage >&2; exit 2 ;;
    esac
done

[[ $repeat =~ ^[1-9][0-9]*$ ]] || die "--repeat must be a positive integer, got '$repeat'"
[[ -x /usr/bin/time ]] || die "/usr/bin/time not found (apt-get install time)"
command -v cmp >/dev/null || die "cmp not found (apt-get install diffutils)"
[[ -d $corpus ]] || die "corpus directory '$corpus' not found (use --corpus DIR)"
corpus=$(cd "$corpus" && pwd)

# Tools to run, always in the canonical order.
tools=()
if [[ -z $only ]]; then
    tools=("${all_tools[@]}")
else
    IFS=, read -r -a wanted <<<"$only"
    for w in "${wanted[@]}"; do
        case $w in
        bsdiff | xdelta3 | zstd | dfota) ;;
        *) die "--only: unknown tool '$w' (known: ${all_tools[*]})" ;;
        esac
    done
    for t in "${all_tools[@]}"; do
        for w in "${wanted[@]}"; do
            if [[ $w == "$t" ]]; then
                tools+=("$t")
                break
            fi
        done
    done
fi
[[ ${#tools[@]} -gt 0 ]] || die "--only selects no tool"

has_tool() {
    local t
    for t in "${tools[@]}"; do
        [[ $t == "$1" ]] && return 0
    done
    return 1
}

# dfota may be given relative to the current directory; make it absolute if it exists.
if [[ $dfota == */* && -e $dfota ]]; then
    dfota=$(cd "$(dirname "$dfota")" && pwd)/$(basename "$dfota")
fi

# Pairs: every subdirectory with old.bin and new.bin whose name matches one of the globs.
IFS=, read -r -a globs <<<"$pairs_glob"
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
        echo "bench: skipping $name: no old.bin/new.bin" >&2
        continue
    fi
    pairs+=("$name")
done
[[ ${#pairs[@]} -gt 0 ]] || die "no pair in '$corpus' matches '$pairs_glob'"

mkdir -p "$out"
out=$(cd "$out" && pwd)
runs=$out/runs # patches, rebuilt images, tool logs
timefile=$out/.time.$$
trap 'rm -f "$timefile"' EXIT

bench_start=$(date +%s)

# ---------------------------------------------------------------------------- helpers

file_size() {
    local n
    n=$(wc -c <"$1")
    echo $((n))
}

# The command lines, as arrays in CMD. Placeholders are real paths.
diff_cmd() { # tool old new patch
    case $1 in
    bsdiff) CMD=(bsdiff "$2" "$3" "$4") ;;
    xdelta3) CMD=(xdelta3 -9 -S lzma -e -f -s "$2" "$3" "$4") ;;
    zstd) CMD=(zstd -q -f --ultra -22 --long=27 "--patch-from=$2" "$3" -o "$4") ;;
    dfota) CMD=("$dfota" diff "$2" "$3" -o "$4") ;;
    esac
}

apply_cmd() { # tool old patch out [chunk-size]
    case $1 in
    bsdiff) CMD=(bspatch "$2" "$4" "$3") ;;
    xdelta3) CMD=(xdelta3 -d -f -s "$2" "$3" "$4") ;;
    zstd) CMD=(zstd -q -f -d --long=27 "--patch-from=$2" "$3" -o "$4") ;;
    dfota)
        CMD=("$dfota" apply --old "$2" "$3" -o "$4")
        if [[ $# -ge 5 ]]; then
            CMD+=(--chunk-size "$5")
        fi
        ;;
    esac
}

# timed LOG CMD...: runs CMD under /usr/bin/time, output to LOG; sets T_S (wall seconds)
# and T_KIB (peak RSS). Returns non-zero if the command failed or was not measured.
T_S=
T_KIB=
timed() {
    local log=$1 rc=0 line
    shift
    rm -f "$timefile"
    /usr/bin/time -o "$timefile" -f '%e %M' "$@" >"$log" 2>&1 </dev/null || rc=$?
    # On failure time writes "Command exited with non-zero status N" before the format line.
    line=$(tail -n 1 "$timefile" 2>/dev/null || true)
    T_S=${line% *}
    T_KIB=${line#* }
    if [[ ! $T_S =~ ^[0-9]+\.[0-9]+$ || ! $T_KIB =~ ^[0-9]+$ ]]; then
        T_S=
        T_KIB=
        [[ $rc -ne 0 ]] || rc=125
    fi
    return "$rc"
}

min_s() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b + 0 < a + 0) a = b; printf "%.2f\n", a }'; }
max_i() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b + 0 > a + 0) a = b; printf "%d\n", a }'; }

failures=()
fail() { # message
    failures+=("$1")
    echo "bench:   FAIL: $1" >&2
}

# Results, keyed "pair|tool".
declare -A R_OLD R_NEW R_PATCH R_DS R_DK R_AS R_AK R_EXACT R_CHUNK

# run_tool PAIR TOOL: measure one tool on one pair and fill the R_* arrays.
run_tool() {
    local pair=$1 tool=$2
    local key="$pair|$tool" old=$corpus/$pair/old.bin new=$corpus/$pair/new.bin
    local dir=$runs/$pair/$tool
    local patch=$dir/patch rebuilt=$dir/new.bin
    local r ds='' dk='' as='' ak='' exact=yes cs bad=()

    mkdir -p "$dir"
    R_PATCH[$key]=FAIL R_DS[$key]=FAIL R_DK[$key]=FAIL
    R_AS[$key]=FAIL R_AK[$key]=FAIL R_EXACT[$key]=FAIL
    [[ $tool != dfota ]] || R_CHUNK[$key]="FAIL (no patch)"

    for ((r = 1; r <= repeat; r++)); do
        rm -f "$patch"
        diff_cmd "$tool" "$old" "$new" "$patch"
        if ! timed "$dir/diff.log" "${CMD[@]}" || [[ ! -f $patch ]]; then
            fail "$pair $tool: diff failed (see $dir/diff.log)"
            return 0
        fi
        ds=$(min_s "$ds" "$T_S")
        dk=$(max_i "$dk" "$T_KIB")
    done
    R_PATCH[$key]=$(file_size "$patch") R_DS[$key]=$ds R_DK[$key]=$dk

    for ((r = 1; r <= repeat; r++)); do
        rm -f "$rebuilt"
        apply_cmd "$tool" "$old" "$patch" "$rebuilt"
        if ! timed "$dir/apply.log" "${CMD[@]}" || [[ ! -f $rebuilt ]]; then
            fail "$pair $tool: apply failed (see $dir/apply.log)"
            [[ $tool != dfota ]] || R_CHUNK[$key]="FAIL (apply failed)"
            return 0
        fi
        as=$(min_s "$as" "$T_S")
        ak=$(max_i "$ak" "$T_KIB")
        cmp -s "$rebuilt" "$new" || exact=no
    done
    R_AS[$key]=$as R_AK[$key]=$ak
    if [[ $exact != yes ]]; then
        fail "$pair $tool: rebuilt image differs from new.bin"
    fi

    if [[ $tool == dfota ]]; then
        # The timed apply above is the whole-image one; the chunked ones must agree with it.
        [[ $exact == yes ]] || bad+=(whole)
        for cs in "${chunk_sizes[@]}"; do
            rm -f "$rebuilt.cs$cs"
            apply_cmd dfota "$old" "$patch" "$rebuilt.cs$cs" "$cs"
            if "${CMD[@]}" >"$dir/apply-cs$cs.log" 2>&1 </dev/null &&
                cmp -s "$rebuilt.cs$cs" "$new"; then
                :
            else
                bad+=("$cs")
                fail "$pair dfota: apply --chunk-size $cs failed or not bit-exact (see $dir/apply-cs$cs.log)"
            fi
        done
        if [[ ${#bad[@]} -eq 0 ]]; then
            R_CHUNK[$key]="1/7/4096/whole: ok"
        else
            R_CHUNK[$key]="1/7/4096/whole: FAILED for $(
                IFS=/
                echo "${bad[*]}"
            )"
            exact=no
        fi
    fi
    R_EXACT[$key]=$exact
}

# ---------------------------------------------------------------------------- run

for pair in "${pairs[@]}"; do
    old_bytes=$(file_size "$corpus/$pair/old.bin")
    new_bytes=$(file_size "$corpus/$pair/new.bin")
    for tool in "${tools[@]}"; do
        echo "bench: $pair: $tool" >&2
        R_OLD["$pair|$tool"]=$old_bytes
        R_NEW["$pair|$tool"]=$new_bytes
        run_tool "$pair" "$tool"
    done
done

bench_secs=$(($(date +%s) - bench_start))

# ---------------------------------------------------------------------------- results.csv

csv_field() {
    if [[ $1 == *[,\"]* ]]; then
        printf '"%s"' "${1//\"/\"\"}"
    else
        printf '%s' "$1"
    fi
}

{
    echo "pair,tool,old_bytes,new_bytes,patch_bytes,diff_s,diff_kib,apply_s,apply_kib,exact"
    for pair in "${pairs[@]}"; do
        for tool in "${tools[@]}"; do
            k="$pair|$tool"
            printf '%s,%s,%s,%s,%s,%s,%s,%s,%s,%s\n' "$(csv_field "$pair")" "$tool" \
                "${R_OLD[$k]}" "${R_NEW[$k]}" "${R_PATCH[$k]}" "${R_DS[$k]}" "${R_DK[$k]}" \
                "${R_AS[$k]}" "${R_AK[$k]}" "${R_EXACT[$k]}"
        done
    done
} >"$out/results.csv"

# ---------------------------------------------------------------------------- results.md

is_num() { [[ $1 =~ ^[0-9]+(\.[0-9]+)?$ ]]; }

# ratio A B: A/B with 3 decimals, or n/a.
ratio() {
    if is_num "$1" && is_num "$2" && awk -v b="$2" 'BEGIN { exit !(b > 0) }'; then
        awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f\n", a / b }'
    else
        echo n/a
    fi
}

pkg_version() {
    dpkg-query -W -f='${Version}' "$1" 2>/dev/null || echo unknown
}

tool_version() {
    case $1 in
    bsdiff | xdelta3 | zstd) echo "$1 $(pkg_version "$1") (Debian package)" ;;
    dfota)
        local v
        v=$("$dfota" --version 2>/dev/null | head -n 1) || v=
        [[ -n $v ]] || v="dfota: '$dfota' --version failed"
        local rev
        rev=$(git -C "$repo" describe --always --dirty 2>/dev/null) || rev=unknown
        echo "$v (repository at $rev)"
        ;;
    esac
}

cpu_model() {
    local m
    m=$(awk -F': *' '/^(model name|Model Name|cpu model|Hardware)[[:space:]]*:/ { print $2; exit }' \
        /proc/cpuinfo 2>/dev/null) || m=
    [[ -n $m ]] || m=unknown
    echo "$m"
}

# Geometric mean of the ratios on standard input ("a b" per line); times below the 0.01 s
# resolution of /usr/bin/time count as 0.01 s when FLOOR is set.
geomean() { # FLOOR
    awk -v floor="$1" '
        { a = $1 + 0; b = $2 + 0
          if (floor != "") { if (a < floor) a = floor; if (b < floor) b = floor }
          if (a <= 0 || b <= 0) next
          s += log(a / b); n++ }
        END { if (n == 0) print "n/a"; else printf "%.3f (%d pairs)\n", exp(s / n), n }'
}

cmd_line() { echo "${CMD[*]}"; }

os_name() {
    local n
    n=$(awk -F= '/^PRETTY_NAME=/ { gsub(/"/, "", $2); print $2; exit }' /etc/os-release 2>/dev/null) || n=
    echo "${n:-unknown}"
}

{
    echo "## Benchmark results"
    echo
    echo "Corpus: \`$corpus\` (${#pairs[@]} pairs), tools: ${tools[*]}," \
        "best of $repeat run(s), $(date -u '+%Y-%m-%d %H:%M UTC')."
    echo

    # Patch sizes.
    echo "### Patch size (bytes)"
    echo
    hdr="| pair | old | new |"
    sep="|---|---:|---:|"
    for tool in "${tools[@]}"; do
        hdr+=" $tool |"
        sep+="---:|"
    done
    with_ratio=0
    if has_tool dfota && has_tool bsdiff; then
        with_ratio=1
        hdr+=" dfota/bsdiff |"
        sep+="---:|"
    fi
    echo "$hdr"
    echo "$sep"
    declare -A total
    total_bad=()
    for tool in "${tools[@]}"; do
        total[$tool]=0
    done
    for pair in "${pairs[@]}"; do
        k0="$pair|${tools[0]}"
        row="| $pair | ${R_OLD[$k0]} | ${R_NEW[$k0]} |"
        for tool in "${tools[@]}"; do
            v=${R_PATCH[$pair|$tool]}
            row+=" $v |"
            if is_num "$v"; then
                total[$tool]=$((${total[$tool]} + v))
            else
                total_bad+=("$tool")
            fi
        done
        if [[ $with_ratio == 1 ]]; then
            row+=" $(ratio "${R_PATCH[$pair|dfota]}" "${R_PATCH[$pair|bsdiff]}") |"
        fi
        echo "$row"
    done
    sum_old=0
    sum_new=0
    for pair in "${pairs[@]}"; do
        k0="$pair|${tools[0]}"
        sum_old=$((sum_old + ${R_OLD[$k0]}))
        sum_new=$((sum_new + ${R_NEW[$k0]}))
    done
    row="| **total** | $sum_old | $sum_new |"
    for tool in "${tools[@]}"; do
        if [[ " ${total_bad[*]} " == *" $tool "* ]]; then
            row+=" n/a |"
        else
            row+=" ${total[$tool]} |"
        fi
    done
    if [[ $with_ratio == 1 ]]; then
        if [[ " ${total_bad[*]} " == *" dfota "* || " ${total_bad[*]} " == *" bsdiff "* ]]; then
            row+=" n/a |"
        else
            row+=" $(ratio "${total[dfota]}" "${total[bsdiff]}") |"
        fi
    fi
    echo "$row"
    echo

    # Time and memory.
    echo "### Time and peak memory"
    echo
    echo "Wall time in seconds (best of $repeat), peak resident set size in KiB (largest of" \
        "$repeat), both from \`/usr/bin/time -f '%e %M'\`."
    echo
    echo "| pair | tool | diff s | diff peak KiB | apply s | apply peak KiB | bit-exact |"
    echo "|---|---|---:|---:|---:|---:|:---:|"
    for pair in "${pairs[@]}"; do
        for tool in "${tools[@]}"; do
            k="$pair|$tool"
            echo "| $pair | $tool | ${R_DS[$k]} | ${R_DK[$k]} | ${R_AS[$k]} | ${R_AK[$k]} | ${R_EXACT[$k]} |"
        done
    done
    echo

    # Summary.
    echo "### Summary"
    echo
    if [[ $with_ratio == 1 ]]; then
        bytes_gm=$(for pair in "${pairs[@]}"; do
            a=${R_PATCH[$pair|dfota]} b=${R_PATCH[$pair|bsdiff]}
            if is_num "$a" && is_num "$b"; then echo "$a $b"; fi
        done | geomean "")
        time_gm=$(for pair in "${pairs[@]}"; do
            a=${R_DS[$pair|dfota]} b=${R_DS[$pair|bsdiff]}
            if is_num "$a" && is_num "$b"; then echo "$a $b"; fi
        done | geomean 0.01)
        echo "- dfota patch size / bsdiff patch size, geometric mean over pairs: $bytes_gm"
        echo "- dfota diff time / bsdiff diff time, geometric mean over pairs: $time_gm" \
            "(times under the 0.01 s resolution count as 0.01 s)"
    else
        echo "- dfota/bsdiff ratios: n/a (needs both dfota and bsdiff in --only)"
    fi
    if has_tool dfota; then
        mem_max=$(for pair in "${pairs[@]}"; do
            a=${R_DK[$pair|dfota]} b=${R_NEW[$pair|dfota]}
            if is_num "$a"; then echo "$a $b $pair"; fi
        done | awk '{ r = $1 / ($2 / 1024); if (n++ == 0 || r > m) { m = r; p = $3 } }
                    END { if (n == 0) print "n/a"; else printf "%.2fx (%s)\n", m, p }')
        echo "- dfota diff peak memory as a multiple of the new image size, max over pairs: $mem_max"
        chunk_all=yes
        for pair in "${pairs[@]}"; do
            [[ ${R_EXACT[$pair|dfota]} == yes ]] || chunk_all=no
        done
        echo "- dfota bit-exact for every pair and every chunk size (1, 7, 4096, whole): $chunk_all"
    else
        echo "- dfota: not run (--only)"
    fi
    for tool in "${tools[@]}"; do
        [[ $tool != dfota ]] || continue
        all=yes
        for pair in "${pairs[@]}"; do
            [[ ${R_EXACT[$pair|$tool]} == yes ]] || all=no
        done
        echo "- $tool bit-exact for every pair: $all"
    done
    echo

    if has_tool dfota; then
        echo "### dfota chunk-size invariance"
        echo
        for pair in "${pairs[@]}"; do
            echo "- $pair: ${R_CHUNK[$pair|dfota]}"
        done
        echo
    fi

    if [[ ${#failures[@]} -gt 0 ]]; then
        echo "### Failures"
        echo
        for f in "${failures[@]}"; do
            echo "- ${f//$out\//OUT/}"
        done
        echo
    fi

    # Commands.
    echo "### Commands"
    echo
    echo "Every output is deleted before each run. OLD, NEW: the pair's old.bin and new.bin."
    echo
    echo '```sh'
    for tool in "${tools[@]}"; do
        diff_cmd "$tool" OLD NEW PATCH
        [[ $tool != dfota ]] || CMD[0]=dfota
        cmd_line
        apply_cmd "$tool" OLD PATCH OUT
        [[ $tool != dfota ]] || CMD[0]=dfota
        cmd_line
        if [[ $tool == dfota ]]; then
            apply_cmd dfota OLD PATCH OUT N
            CMD[0]=dfota
            echo "$(cmd_line)    # N = $(
                IFS=,
                echo "${chunk_sizes[*]}"
            )"
        fi
    done
    echo 'cmp OUT NEW'
    echo '```'
    echo

    # Environment.
    echo "### Environment"
    echo
    for tool in "${tools[@]}"; do
        echo "- $(tool_version "$tool")"
    done
    echo "- machine: $(uname -m), $(nproc) CPUs, $(cpu_model)"
    echo "- OS: $(os_name), kernel $(uname -r)"
    echo "- date: $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
    echo "- benchmark wall time: ${bench_secs} s"
} >"$out/results.md"

cat "$out/results.md"
echo "bench: wrote $out/results.csv and $out/results.md" >&2

if [[ ${#failures[@]} -gt 0 ]]; then
    echo "bench: ${#failures[@]} failure(s)" >&2
    exit 1
fi
