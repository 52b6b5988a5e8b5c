#!/usr/bin/env bash
# Side-by-side benchmark: dfota against bsdiff, xdelta3 and zstd --patch-from on every
# old.bin/new.bin pair of a corpus. Not part of `make test`; see bench/README.md.
#
# usage: bash bench/run.sh [--corpus DIR] [--dfota PATH] [--out DIR]
#                          [--only TOOL[,TOOL...]] [--pairs GLOB[,GLOB...]] [--repeat N]
#
# Writes OUT/results.csv and OUT/results.md, prints results.md on standard output
# (progress goes to standard error). Exit status: 0 every tool succeeded and every rebuilt
# image was bit-exact, 1 something failed or differed, 2 usage or set-up error. The target
# PASS/FAIL lines of the summary do not affect the exit status.
set -euo pipefail
export LC_ALL=C # stable sort order and '.' as the decimal point in awk

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
all_tools=(bsdiff xdelta3 zstd dfota)
chunk_sizes=(1 7 4096)

# Targets (docs/BENCHMARKS.md). They only mark the summary lines PASS or FAIL.
target_bytes=0.90     # geometric mean of dfota patch bytes / bsdiff patch bytes
target_time=0.50      # geometric mean of dfota diff time / bsdiff diff time
target_mem=12         # dfota diff peak memory / new image size, max over pairs
target_ws=131072      # applier workspace stated by the patch, bytes, max over pairs
workspace_offset=28   # u32 little-endian workspace_size in the patch header (docs/FORMAT.md)

corpus=$repo/../shared/corpus
dfota=$repo/build/dfota
out=$repo/build/bench
only=
pairs_glob='*'
repeat=5

usage() {
    cat <<EOF
usage: bash bench/run.sh [options]

Runs dfota, bsdiff, xdelta3 -9 -S lzma and zstd --ultra -22 --long=27 --patch-from on every
pair (a directory holding old.bin and new.bin) of a corpus and writes OUT/results.csv and
OUT/results.md; results.md is printed at the end.

Wall times come from \`date +%s%N\` around bare runs (minimum of N, milliseconds); peak memory
from one extra run of each command under \`/usr/bin/time -f %M\`.

options:
  --corpus DIR       corpus directory (default: REPO/../shared/corpus)
  --dfota PATH       dfota binary (default: REPO/build/dfota)
  --out DIR          output directory (default: REPO/build/bench)
  --only LIST        comma-separated subset of: ${all_tools[*]} (default: all)
  --pairs GLOB       only the pairs whose directory name matches GLOB; a comma-separated
                     list of globs is accepted (quote it: --pairs 'openmv2-*')
  --repeat N         timed runs of every diff and apply, the minimum is kept (default 5)
  -h, --help         this text

exit status: 0 all ok, 1 a tool failed or an image was not bit-exact, 2 usage or set-up error
(the target PASS/FAIL lines do not change it)
EOF
}

bench_name=bench
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$repo/bench/lib.sh"

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
command -v od >/dev/null || die "od not found (apt-get install coreutils)"
[[ $(date +%s%N) =~ ^[0-9]{19}$ ]] || die "'date +%s%N' does not give nanoseconds (GNU date needed)"
true_bin=$(type -P true) || die "no 'true' program in PATH"
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
dfota=$(absolute_tool "$dfota")

# Pairs: every subdirectory with old.bin and new.bin whose name matches one of the globs.
find_pairs "$corpus" "$pairs_glob"

mkdir -p "$out"
out=$(cd "$out" && pwd)
runs=$out/runs # patches, rebuilt images, tool logs
timefile=$out/.time.$$
trap 'rm -f "$timefile"' EXIT

bench_start_ns=$(date +%s%N)
load_start=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)
# The repository revision the dfota binary is assumed to come from, read before the runs.
repo_rev=$(git -C "$repo" describe --always --dirty 2>/dev/null) || repo_rev=unknown

# ---------------------------------------------------------------------------- helpers

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

# wall LOG CMD...: runs CMD bare (output to LOG) between two `date +%s%N`; sets W_NS (wall
# nanoseconds). Returns CMD's exit status.
W_NS=
wall() {
    local log=$1 rc=0 t0 t1
    shift
    t0=$(date +%s%N)
    "$@" >"$log" 2>&1 </dev/null || rc=$?
    t1=$(date +%s%N)
    W_NS=$((t1 - t0))
    return "$rc"
}

# peak LOG CMD...: runs CMD under /usr/bin/time -f %M (output to LOG); sets M_KIB (peak
# RSS). Returns non-zero if the command failed or was not measured.
M_KIB=
peak() {
    local log=$1 rc=0 line
    shift
    rm -f "$timefile"
    /usr/bin/time -o "$timefile" -f '%M' "$@" >"$log" 2>&1 </dev/null || rc=$?
    # On failure time writes "Command exited with non-zero status N" before the format line.
    line=$(tail -n 1 "$timefile" 2>/dev/null || true)
    M_KIB=$line
    if [[ ! $M_KIB =~ ^[0-9]+$ ]]; then
        M_KIB=
        [[ $rc -ne 0 ]] || rc=125
    fi
    return "$rc"
}

min_i() { # current new: the smaller (current may be empty)
    if [[ -z $1 || $2 -lt $1 ]]; then echo "$2"; else echo "$1"; fi
}

ms() { awk -v ns="$1" 'BEGIN { printf "%.1f\n", ns / 1e6 }'; } # nanoseconds -> "12.3"

# workspace_of PATCH: the u32 little-endian workspace_size of a dfota patch header, or
# nothing if PATCH does not start with the patch magic.
workspace_of() {
    local magic bytes
    magic=$(od -An -tx1 -N8 "$1" | tr -d ' \n')
    [[ $magic == 8944465041540d0a ]] || return 0 # \x89 DFPAT \r \n
    read -r -a bytes < <(od -An -tu1 -j"$workspace_offset" -N4 "$1")
    [[ ${#bytes[@]} -eq 4 ]] || return 0
    echo $((bytes[0] | bytes[1] << 8 | bytes[2] << 16 | bytes[3] << 24))
}

failures=()
fail() { # message
    failures+=("$1")
    echo "bench:   FAIL: $1" >&2
}

# Results, keyed "pair|tool". Times in nanoseconds (_NS) and formatted milliseconds (_MS).
declare -A R_OLD R_NEW R_PATCH R_DNS R_DMS R_DK R_ANS R_AMS R_AK R_EXACT R_CHUNK R_WS

# run_tool PAIR TOOL: measure one tool on one pair and fill the R_* arrays.
# Diff and apply each run once under /usr/bin/time for the peak memory (this run also warms
# the page cache), then REPEAT times bare for the wall time. Every rebuilt image is compared.
run_tool() {
    local pair=$1 tool=$2
    local key="$pair|$tool" old=$corpus/$pair/old.bin new=$corpus/$pair/new.bin
    local dir=$runs/$pair/$tool
    local patch=$dir/patch rebuilt=$dir/new.bin
    local r dns='' ans='' exact=yes cs bad=()

    mkdir -p "$dir"
    R_PATCH[$key]=FAIL R_DNS[$key]='' R_DMS[$key]=FAIL R_DK[$key]=FAIL
    R_ANS[$key]='' R_AMS[$key]=FAIL R_AK[$key]=FAIL R_EXACT[$key]=FAIL R_WS[$key]=''
    R_CHUNK[$key]=''
    [[ $tool != dfota ]] || R_CHUNK[$key]="FAIL (no patch)" R_WS[$key]=FAIL

    # diff: memory run, then timed runs.
    rm -f "$patch"
    diff_cmd "$tool" "$old" "$new" "$patch"
    if ! peak "$dir/diff-mem.log" "${CMD[@]}" || [[ ! -f $patch ]]; then
        fail "$pair $tool: diff failed (see $dir/diff-mem.log)"
        return 0
    fi
    R_DK[$key]=$M_KIB
    for ((r = 1; r <= repeat; r++)); do
        rm -f "$patch"
        if ! wall "$dir/diff.log" "${CMD[@]}" || [[ ! -f $patch ]]; then
            fail "$pair $tool: diff failed (see $dir/diff.log)"
            return 0
        fi
        dns=$(min_i "$dns" "$W_NS")
    done
    R_PATCH[$key]=$(file_size "$patch") R_DNS[$key]=$dns R_DMS[$key]=$(ms "$dns")
    if [[ $tool == dfota ]]; then
        R_WS[$key]=$(workspace_of "$patch")
        if [[ -z ${R_WS[$key]} ]]; then
            R_WS[$key]=FAIL
            fail "$pair dfota: no dfota patch header in $patch"
        fi
    fi

    # apply: memory run, then timed runs; every output is compared with new.bin.
    rm -f "$rebuilt"
    apply_cmd "$tool" "$old" "$patch" "$rebuilt"
    if ! peak "$dir/apply-mem.log" "${CMD[@]}" || [[ ! -f $rebuilt ]]; then
        fail "$pair $tool: apply failed (see $dir/apply-mem.log)"
        [[ $tool != dfota ]] || R_CHUNK[$key]="FAIL (apply failed)"
        return 0
    fi
    R_AK[$key]=$M_KIB
    cmp -s "$rebuilt" "$new" || exact=no
    for ((r = 1; r <= repeat; r++)); do
        rm -f "$rebuilt"
        if ! wall "$dir/apply.log" "${CMD[@]}" || [[ ! -f $rebuilt ]]; then
            fail "$pair $tool: apply failed (see $dir/apply.log)"
            [[ $tool != dfota ]] || R_CHUNK[$key]="FAIL (apply failed)"
            return 0
        fi
        ans=$(min_i "$ans" "$W_NS")
        cmp -s "$rebuilt" "$new" || exact=no
    done
    R_ANS[$key]=$ans R_AMS[$key]=$(ms "$ans")
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

# Timer floor: `true` timed exactly like the tools, REPEAT times before and REPEAT times after
# the tools, minimum kept. It is included in every wall time and is not subtracted.
floor_ns=
measure_floor() {
    local i
    for ((i = 1; i <= repeat; i++)); do
        wall /dev/null "$true_bin" || true
        floor_ns=$(min_i "$floor_ns" "$W_NS")
    done
}
measure_floor

# Process baseline: peak RSS of `dfota --version`, measured once.
base_kib=
if has_tool dfota; then
    mkdir -p "$runs"
    echo "bench: dfota --version (process baseline)" >&2
    if peak "$runs/dfota-version.log" "$dfota" --version; then
        base_kib=$M_KIB
    else
        fail "dfota --version failed (see $runs/dfota-version.log)"
    fi
fi

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

measure_floor

bench_s=$(awk -v a="$bench_start_ns" -v b="$(date +%s%N)" 'BEGIN { printf "%.1f\n", (b - a) / 1e9 }')
load_end=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)

# ---------------------------------------------------------------------------- derived

is_num() { [[ $1 =~ ^[0-9]+(\.[0-9]+)?$ ]]; }

# ratio A B [DECIMALS]: A/B, or n/a.
ratio() {
    if is_num "$1" && is_num "$2" && awk -v b="$2" 'BEGIN { exit !(b > 0) }'; then
        awk -v a="$1" -v b="$2" -v d="${3:-3}" 'BEGIN { printf "%.*f\n", d, a / b }'
    else
        echo n/a
    fi
}

# Diff memory multiples of the new image size (dfota only): raw peak RSS, and peak RSS minus
# the process baseline.
declare -A R_MX R_MXN
for pair in "${pairs[@]}"; do
    for tool in "${tools[@]}"; do
        k="$pair|$tool"
        R_MX[$k]='' R_MXN[$k]=''
        [[ $tool == dfota ]] || continue
        R_MX[$k]=$(ratio "${R_DK[$k]}" "$(ratio "${R_NEW[$k]}" 1024 6)" 2)
        if is_num "${R_DK[$k]}" && is_num "$base_kib"; then
            R_MXN[$k]=$(ratio "$((${R_DK[$k]} - base_kib))" "$(ratio "${R_NEW[$k]}" 1024 6)" 2)
        else
            R_MXN[$k]=n/a
        fi
    done
done

# ---------------------------------------------------------------------------- results.csv

csv_field() {
    if [[ $1 == *[,\"]* ]]; then
        printf '"%s"' "${1//\"/\"\"}"
    else
        printf '%s' "$1"
    fi
}

{
    echo "pair,tool,old_bytes,new_bytes,patch_bytes,diff_ms,diff_kib,apply_ms,apply_kib,exact,workspace_bytes,diff_mem_x_new,diff_mem_net_x_new"
    for pair in "${pairs[@]}"; do
        for tool in "${tools[@]}"; do
            k="$pair|$tool"
            printf '%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s\n' "$(csv_field "$pair")" "$tool" \
                "${R_OLD[$k]}" "${R_NEW[$k]}" "${R_PATCH[$k]}" "${R_DMS[$k]}" "${R_DK[$k]}" \
                "${R_AMS[$k]}" "${R_AK[$k]}" "${R_EXACT[$k]}" "${R_WS[$k]}" "${R_MX[$k]}" \
                "${R_MXN[$k]}"
        done
    done
} >"$out/results.csv"

# ---------------------------------------------------------------------------- results.md

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
        echo "$v (repository at $repo_rev when the benchmark started)"
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

mem_total() {
    awk '/^MemTotal:/ { printf "%.1f GiB RAM\n", $2 / 1048576; found = 1; exit }
         END { if (!found) print "RAM unknown" }' /proc/meminfo 2>/dev/null || echo "RAM unknown"
}

# Geometric mean of the ratios on standard input ("a b" per line): "VALUE N".
geomean() {
    awk '{ a = $1 + 0; b = $2 + 0
           if (a <= 0 || b <= 0) next
           s += log(a / b); n++ }
         END { if (n == 0) print "n/a 0"; else printf "%.3f %d\n", exp(s / n), n }'
}

# Max over the "value pair" lines on standard input: "VALUE PAIR", or "n/a -".
maxof() {
    awk '{ if (n++ == 0 || $1 + 0 > m + 0) { m = $1; p = $2 } }
         END { if (n == 0) print "n/a -"; else print m, p }'
}

# shown VALUE PAIR SUFFIX: "VALUE+SUFFIX (PAIR)", or "n/a".
shown() {
    if is_num "$1"; then echo "$1$3 ($2)"; else echo "n/a"; fi
}

# verdict VALUE TARGET COUNT: PASS if VALUE <= TARGET and all pairs were measured.
verdict() {
    if [[ $3 -lt ${#pairs[@]} ]]; then
        echo "FAIL"
    elif ! is_num "$1"; then
        echo "n/a"
    elif awk -v v="$1" -v t="$2" 'BEGIN { exit !(v + 0 <= t + 0) }'; then
        echo "PASS"
    else
        echo "FAIL"
    fi
}

cmd_line() { echo "${CMD[*]}"; }

os_name() {
    local n
    n=$(awk -F= '/^PRETTY_NAME=/ { gsub(/"/, "", $2); print $2; exit }' /etc/os-release 2>/dev/null) || n=
    echo "${n:-unknown}"
}

with_ratio=0
if has_tool dfota && has_tool bsdiff; then
    with_ratio=1
fi

{
    echo "## Benchmark results"
    echo
    echo "Corpus: \`$corpus\` (${#pairs[@]} pairs), tools: ${tools[*]}," \
        "minimum of $repeat timed run(s), $(date -u '+%Y-%m-%d %H:%M UTC')."
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
    if [[ $with_ratio == 1 ]]; then
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

    # Times.
    floor_ms=$(ms "$floor_ns")
    echo "### Diff and apply time (ms)"
    echo
    echo "Wall time in milliseconds, minimum of $repeat bare run(s), from \`date +%s%N\` read just" \
        "before and just after each command (no \`/usr/bin/time\` in these runs). Every figure" \
        "includes process start-up and the timer's own overhead: \`true\` timed the same way" \
        "takes $floor_ms ms (minimum of $repeat runs before and $repeat after the tools; not" \
        "subtracted). Ratios are computed from the nanosecond values."
    echo
    for phase in diff apply; do
        hdr="| pair |"
        sep="|---|"
        for tool in "${tools[@]}"; do
            hdr+=" $tool $phase |"
            sep+="---:|"
        done
        if [[ $with_ratio == 1 ]]; then
            hdr+=" dfota/bsdiff $phase |"
            sep+="---:|"
        fi
        echo "$hdr"
        echo "$sep"
        for pair in "${pairs[@]}"; do
            row="| $pair |"
            for tool in "${tools[@]}"; do
                if [[ $phase == diff ]]; then
                    row+=" ${R_DMS[$pair|$tool]} |"
                else
                    row+=" ${R_AMS[$pair|$tool]} |"
                fi
            done
            if [[ $with_ratio == 1 ]]; then
                if [[ $phase == diff ]]; then
                    row+=" $(ratio "${R_DNS[$pair|dfota]}" "${R_DNS[$pair|bsdiff]}") |"
                else
                    row+=" $(ratio "${R_ANS[$pair|dfota]}" "${R_ANS[$pair|bsdiff]}") |"
                fi
            fi
            echo "$row"
        done
        echo
    done

    # Memory and exactness.
    echo "### Peak memory (KiB) and bit-exactness"
    echo
    echo "Peak resident set size in KiB, from one extra run of each command under" \
        "\`/usr/bin/time -f %M\` (separate from the timed runs). Bit-exact: \`cmp\` of every" \
        "rebuilt image (all runs) against new.bin; for dfota also with every chunk size."
    echo
    echo "| pair | tool | diff peak KiB | apply peak KiB | bit-exact |"
    echo "|---|---|---:|---:|:---:|"
    for pair in "${pairs[@]}"; do
        for tool in "${tools[@]}"; do
            k="$pair|$tool"
            echo "| $pair | $tool | ${R_DK[$k]} | ${R_AK[$k]} | ${R_EXACT[$k]} |"
        done
    done
    echo

    if has_tool dfota; then
        echo "### dfota memory and applier workspace"
        echo
        echo "Process baseline: peak RSS of \`dfota --version\`, measured once: ${base_kib:-n/a} KiB." \
            "**raw x new** = diff peak RSS / new image size; **net x new** = (diff peak RSS" \
            "− baseline) / new image size. On small images the fixed baseline dominates the raw" \
            "multiple. **workspace** = applier RAM the patch states (u32 little-endian at bytes" \
            "$workspace_offset..$((workspace_offset + 3)) of the patch header, docs/FORMAT.md)."
        echo
        echo "| pair | new bytes | diff peak KiB | raw x new | net x new | apply peak KiB | workspace bytes |"
        echo "|---|---:|---:|---:|---:|---:|---:|"
        for pair in "${pairs[@]}"; do
            k="$pair|dfota"
            echo "| $pair | ${R_NEW[$k]} | ${R_DK[$k]} | ${R_MX[$k]} | ${R_MXN[$k]} | ${R_AK[$k]} | ${R_WS[$k]} |"
        done
        echo
    fi

    # Summary.
    echo "### Summary"
    echo
    echo "PASS/FAIL: against the project targets; a target is FAIL when a pair could not be" \
        "measured. These marks do not change the exit status."
    echo
    if [[ $with_ratio == 1 ]]; then
        read -r v n < <(for pair in "${pairs[@]}"; do
            a=${R_PATCH[$pair|dfota]} b=${R_PATCH[$pair|bsdiff]}
            if is_num "$a" && is_num "$b"; then echo "$a $b"; fi
        done | geomean)
        echo "- **$(verdict "$v" "$target_bytes" "$n")** dfota patch bytes / bsdiff patch bytes," \
            "geometric mean over $n of ${#pairs[@]} pairs: $v (target <= $target_bytes)"
        read -r v n < <(for pair in "${pairs[@]}"; do
            a=${R_DNS[$pair|dfota]} b=${R_DNS[$pair|bsdiff]}
            if is_num "$a" && is_num "$b"; then echo "$a $b"; fi
        done | geomean)
        echo "- **$(verdict "$v" "$target_time" "$n")** dfota diff time / bsdiff diff time," \
            "geometric mean over $n of ${#pairs[@]} pairs: $v (target <= $target_time)"
    else
        echo "- **n/a** dfota/bsdiff size and time ratios: need both dfota and bsdiff in --only"
    fi
    if has_tool dfota; then
        n=0
        for pair in "${pairs[@]}"; do
            ! is_num "${R_MX[$pair|dfota]}" || n=$((n + 1))
        done
        read -r v p < <(for pair in "${pairs[@]}"; do
            a=${R_MX[$pair|dfota]}
            if is_num "$a"; then echo "$a $pair"; fi
        done | maxof)
        echo "- **$(verdict "$v" "$target_mem" "$n")** dfota diff peak RSS / new image size" \
            "(raw, includes the ${base_kib:-n/a} KiB process baseline), max over $n of" \
            "${#pairs[@]} pairs: $(shown "$v" "$p" x) (target <= $target_mem)"
        n=0
        for pair in "${pairs[@]}"; do
            ! is_num "${R_MXN[$pair|dfota]}" || n=$((n + 1))
        done
        read -r v p < <(for pair in "${pairs[@]}"; do
            a=${R_MXN[$pair|dfota]}
            if is_num "$a"; then echo "$a $pair"; fi
        done | maxof)
        echo "- **$(verdict "$v" "$target_mem" "$n")** dfota (diff peak RSS − ${base_kib:-n/a} KiB" \
            "baseline) / new image size, max over $n of ${#pairs[@]} pairs: $(shown "$v" "$p" x)" \
            "(target <= $target_mem)"
        n=0
        for pair in "${pairs[@]}"; do
            ! is_num "${R_WS[$pair|dfota]}" || n=$((n + 1))
        done
        read -r v p < <(for pair in "${pairs[@]}"; do
            a=${R_WS[$pair|dfota]}
            if is_num "$a"; then echo "$a $pair"; fi
        done | maxof)
        echo "- **$(verdict "$v" "$target_ws" "$n")** dfota applier workspace stated by the patch," \
            "max over $n of ${#pairs[@]} pairs: $(shown "$v" "$p" " bytes") (target <= $target_ws)"
        chunk_all=yes
        for pair in "${pairs[@]}"; do
            [[ ${R_EXACT[$pair|dfota]} == yes ]] || chunk_all=no
        done
        if [[ $chunk_all == yes ]]; then v=PASS; else v=FAIL; fi
        echo "- **$v** dfota bit-exact for every pair and every chunk size (1, 7, 4096, whole):" \
            "$chunk_all (target: yes)"
    else
        echo "- **n/a** dfota targets: dfota not run (--only)"
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
    echo "Every output is deleted before each run. OLD, NEW: the pair's old.bin and new.bin." \
        "Each diff and each apply runs once as \`/usr/bin/time -f %M CMD\` (peak memory), then" \
        "$repeat time(s) bare as \`t0=\$(date +%s%N); CMD; t1=\$(date +%s%N)\` (wall time)."
    echo
    echo '```sh'
    if has_tool dfota; then
        echo "dfota --version    # process baseline, under /usr/bin/time -f %M, once"
    fi
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
            echo "od -An -tu1 -j$workspace_offset -N4 PATCH    # workspace_size, u32 little-endian"
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
    echo "- machine: $(uname -m), $(nproc) CPUs, $(cpu_model), $(mem_total)"
    echo "- OS: $(os_name), kernel $(uname -r)"
    echo "- load average (1, 5, 15 min) at start: $load_start; at end: $load_end"
    echo "- date: $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
    echo "- benchmark wall time: $bench_s s"
} >"$out/results.md"

cat "$out/results.md"
echo "bench: wrote $out/results.csv and $out/results.md" >&2

if [[ ${#failures[@]} -gt 0 ]]; then
    echo "bench: ${#failures[@]} failure(s)" >&2
    exit 1
fi
