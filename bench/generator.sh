#!/usr/bin/env bash
# The patch generator's sizes (issue 13): on every pair of a corpus, dfota's
# default patch, the patch without prediction and the in-place patch, beside
# the anchors of the corpus (its ANCHORS.md: the best tool per pair, bsdiff
# 4.3, HDiffPatch -SD lzma2, detools' ARM data format) and, with --before,
# beside an older dfota binary on the same inputs in the same run; then the
# big mixed image this script builds from the corpus (old = every old.bin
# concatenated in corpus order, new = every new.bin likewise), beside
# ANCHORS.md's figures for it. Every patch is applied back (dfota apply) and
# compared with its new image. Not part of `make test`; results in
# docs/BENCHMARKS.md.
#
# usage: bash bench/generator.sh [--corpus DIR] [--dfota PATH] [--before PATH] [--out DIR]
set -euo pipefail
export LC_ALL=C

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
corpus=$repo/../shared/corpus
dfota=$repo/build/dfota
before=
out=$repo/build/bench-generator
usage="usage: bash bench/generator.sh [--corpus DIR] [--dfota PATH] [--before PATH] [--out DIR]"
while [ $# -gt 0 ]; do
    case $1 in
    --corpus) corpus=$2; shift 2 ;;
    --dfota) dfota=$2; shift 2 ;;
    --before) before=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    *) echo "$usage" >&2; exit 2 ;;
    esac
done
anchors=$corpus/ANCHORS.md
[ -f "$anchors" ] || { echo "generator: no $anchors" >&2; exit 2; }
[ -x "$dfota" ] || { echo "generator: no dfota binary at $dfota" >&2; exit 2; }
rm -rf "$out"
mkdir -p "$out"

bench_name=generator
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$repo/bench/lib.sh"

# mixed_anchor TOOL: a figure of ANCHORS.md's big-mixed-image table.
mixed_anchor() {
    awk -F'|' -v tool="$1" '
        /^## The big mixed image/ { on = 1; next }
        /^## / { on = 0 }
        on { t = $2; gsub(/^ +| +$/, "", t); if (t == tool) { v = $3; gsub(/[ ,]/, "", v); print v; exit } }' "$anchors"
}

patch_size() { checked_patch_size "$out" "$@"; }

# regions TAG: "target/source" region counts and map entries of a format-5 patch.
regions() {
    python3 - "$out/$1.patch" <<'EOF'
import struct, sys
d = open(sys.argv[1], 'rb').read()
if d[8] < 5:
    print('-'); sys.exit()
mc = struct.unpack_from('<H', d, 100)[0]; rc = d[103]
t = sum(1 for i in range(rc) if d[112 + 8 * mc + 16 * i + 4] & 0x80)
print(f'{t}/{rc - t}, {mc} map')
EOF
}

geo() { geo_mean; }

find_pairs "$corpus" "*"
names=("${pairs[@]}")
olds=()
news=()
for n in "${names[@]}"; do
    olds+=("$corpus/$n/old.bin")
    news+=("$corpus/$n/new.bin")
done

{
    echo "### Patch bytes per pair (bench/generator.sh)"
    echo
    head="| pair | bsdiff 4.3 | HDiffPatch -SD lzma2 | detools ARM + lzma | best anchor |"
    rule="|---|---:|---:|---:|---:|"
    if [ -n "$before" ]; then
        head="$head before: default | before: in place |"
        rule="$rule---:|---:|"
    fi
    echo "$head now: default | now: --predict none | now: in place | regions (target/source), map | default <= best |"
    echo "$rule---:|---:|---:|---|---|"
} >"$out/pairs.md"
: >"$out/geo-now"
: >"$out/geo-none"
: >"$out/geo-before"
total_now=0
total_inplace=0
total_before=0
total_before_inplace=0
misses=0
for i in "${!names[@]}"; do
    n=${names[$i]}
    bs=$(anchor "$anchors" "$n" "bsdiff 4.3")
    best=$(anchor "$anchors" "$n" best)
    row="| $n | $bs | $(anchor "$anchors" "$n" "HDiffPatch -SD lzma2") | $(anchor "$anchors" "$n" "detools ARM data format + lzma") | $best |"
    if [ -n "$before" ]; then
        b=$(patch_size "$n.before" "${olds[$i]}" "${news[$i]}" "$before")
        bi=$(patch_size "$n.before-ip" "${olds[$i]}" "${news[$i]}" "$before" --in-place)
        row="$row $b | $bi |"
        echo "$b $bs" >>"$out/geo-before"
        total_before=$((total_before + $(bytes "$b")))
        total_before_inplace=$((total_before_inplace + $(bytes "$bi")))
    fi
    now=$(patch_size "$n" "${olds[$i]}" "${news[$i]}" "$dfota")
    none=$(patch_size "$n.none" "${olds[$i]}" "${news[$i]}" "$dfota" --predict none)
    ip=$(patch_size "$n.ip" "${olds[$i]}" "${news[$i]}" "$dfota" --in-place)
    ok=yes
    regions=-
    if [ "$now" = FAIL ]; then
        ok="no (failed)"
        misses=$((misses + 1))
    else
        regions=$(regions "$n")
        if [ "$now" -gt "$best" ]; then
            ok="no (+$((now - best)))"
            misses=$((misses + 1))
        fi
    fi
    echo "$row $now | $none | $ip | $regions | $ok |" >>"$out/pairs.md"
    echo "$now $bs" >>"$out/geo-now"
    echo "$none $bs" >>"$out/geo-none"
    total_now=$((total_now + $(bytes "$now")))
    total_inplace=$((total_inplace + $(bytes "$ip")))
done

# The big mixed image.
cat "${olds[@]}" >"$out/mixed.old"
cat "${news[@]}" >"$out/mixed.new"
mixed_bs=$(mixed_anchor "bsdiff 4.3")
mixed_now=$(patch_size mixed "$out/mixed.old" "$out/mixed.new" "$dfota")
mixed_none=$(patch_size mixed.none "$out/mixed.old" "$out/mixed.new" "$dfota" --predict none)
mixed_before=-
[ -z "$before" ] || mixed_before=$(patch_size mixed.before "$out/mixed.old" "$out/mixed.new" "$before")

fails=$(failures "$out")
{
    cat "$out/pairs.md"
    echo
    echo "Geometric mean over the ${#names[@]} pairs, patch bytes / bsdiff 4.3: now $(geo <"$out/geo-now")" \
        "(--predict none $(geo <"$out/geo-none"))$([ -z "$before" ] || echo ", before $(geo <"$out/geo-before")")."
    echo "Pairs above their best anchor: $misses."
    echo "In place against two-bank, corpus total: now $total_inplace / $total_now =" \
        "$(awk -v a="$total_inplace" -v b="$total_now" 'BEGIN { printf "%.3f", a / b }')$([ -z "$before" ] || echo ", before $total_before_inplace / $total_before = $(awk -v a="$total_before_inplace" -v b="$total_before" 'BEGIN { printf "%.3f", a / b }')")."
    echo
    echo "### The big mixed image (every old.bin, every new.bin of the corpus concatenated)"
    echo
    echo "$(stat -c %s "$out/mixed.old") -> $(stat -c %s "$out/mixed.new") bytes."
    echo
    echo "| tool | patch bytes | / bsdiff |"
    echo "|---|---:|---:|"
    for tool in "bsdiff 4.3" "HDiffPatch -SD lzma2" "HDiffPatch -SD zstd" "detools lzma" "detools ARM data format"; do
        v=$(mixed_anchor "$tool")
        [ -n "$v" ] && echo "| $tool (ANCHORS.md) | $v | $(awk -v a="$v" -v b="$mixed_bs" 'BEGIN { printf "%.3f", a / b }') |"
    done
    [ -z "$before" ] || echo "| dfota before | $mixed_before | $(awk -v a="$mixed_before" -v b="$mixed_bs" 'BEGIN { printf "%.3f", a / b }') |"
    echo "| dfota now, --predict none | $mixed_none | $(awk -v a="$mixed_none" -v b="$mixed_bs" 'BEGIN { printf "%.3f", a / b }') |"
    mixed_regions=-
    [ "$mixed_now" = FAIL ] || mixed_regions=$(regions mixed)
    echo "| dfota now (default; regions $mixed_regions) | $mixed_now | $(awk -v a="$mixed_now" -v b="$mixed_bs" 'BEGIN { printf "%.3f", a / b }') |"
    echo
    echo "dfota: $("$dfota" --version | head -1)$([ -z "$before" ] || echo "; before: $("$before" --version | head -1) ($before)"); every patch applied back bit-exact: $([ "$fails" -eq 0 ] && echo yes || echo "NO ($fails failures)")"
} >"$out/results.md"
cat "$out/results.md"
[ "$fails" -eq 0 ]
