#!/usr/bin/env bash
# Patch sizes per codec (issue 12): on every pair of a corpus and the BC25
# samples, dfota's patches with the range codec (the default) and with zstd,
# with prediction (auto, the default) and without (--predict none), beside
# the anchors of the corpus (its ANCHORS.md: bsdiff 4.3, HDiffPatch,
# HPatchLite, detools) and, when --before is given, beside an older dfota
# binary on the same inputs in the same run. Then the RAM/size trade-offs of
# the range codec: history log and segment size, the corpus total and the
# largest workspace. Every patch is applied back (dfota apply) and compared
# with new.bin. Not part of `make test`; results in docs/BENCHMARKS.md.
#
# usage: bash bench/codec.sh [--corpus DIR] [--dfota PATH] [--before PATH] [--out DIR]
set -euo pipefail
export LC_ALL=C

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
corpus=$repo/../shared/corpus
dfota=$repo/build/dfota
before=
out=$repo/build/bench-codec
while [ $# -gt 0 ]; do
    case $1 in
    --corpus) corpus=$2; shift 2 ;;
    --dfota) dfota=$2; shift 2 ;;
    --before) before=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    *) echo "usage: bash bench/codec.sh [--corpus DIR] [--dfota PATH] [--before PATH] [--out DIR]" >&2; exit 2 ;;
    esac
done
anchors=$corpus/ANCHORS.md
[ -f "$anchors" ] || { echo "codec: no $anchors" >&2; exit 2; }
rm -rf "$out"
mkdir -p "$out"

bench_name=codec
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$repo/bench/lib.sh"

patch_size() { checked_patch_size "$out" "$@"; }
workspace() { od -An -tu4 -j28 -N4 "$out/$1.patch" | tr -d ' '; }

find_pairs "$corpus" "*"
names=("${pairs[@]}")
olds=()
news=()
for n in "${names[@]}"; do
    olds+=("$corpus/$n/old.bin")
    news+=("$corpus/$n/new.bin")
done
ncorpus=${#names[@]}
names+=(BC25R01A03_to_A04)
olds+=("$repo/samples/BC25R01A03.bin")
news+=("$repo/samples/BC25R01A04.bin")

# geo LIST_OF "value bsdiff" pairs -> geometric mean of value / bsdiff
geo() { geo_mean; }

{
echo "### Patch bytes per codec (bench/codec.sh)"
echo
hdr="| pair | bsdiff 4.3 | HDiffPatch -SD lzma2 | HPatchLite tuz | detools ARM + lzma |"
sep="|---|---:|---:|---:|---:|"
if [ -n "$before" ]; then
    hdr="$hdr before: default | before: --predict none |"
    sep="$sep---:|---:|"
fi
echo "$hdr range (default) | range, --predict none | zstd | zstd, --predict none | range workspace | zstd workspace |"
echo "$sep---:|---:|---:|---:|---:|---:|"
: >"$out/rows"
for i in "${!names[@]}"; do
    n=${names[$i]} o=${olds[$i]} w=${news[$i]}
    bs=$(anchor "$anchors" "$n" "bsdiff 4.3"); hd=$(anchor "$anchors" "$n" "HDiffPatch -SD lzma2")
    hl=$(anchor "$anchors" "$n" "HPatchLite tuz"); dt=$(anchor "$anchors" "$n" "detools ARM data format + lzma")
    row="| $n | ${bs:--} | ${hd:--} | ${hl:--} | ${dt:--} |"
    b1=- b2=-
    if [ -n "$before" ]; then
        b1=$(patch_size before "$o" "$w" "$before")
        b2=$(patch_size before-none "$o" "$w" "$before" --predict none)
        row="$row $b1 | $b2 |"
    fi
    r1=$(patch_size range "$o" "$w" "$dfota"); rw=$(workspace range)
    r2=$(patch_size range-none "$o" "$w" "$dfota" --predict none)
    z1=$(patch_size zstd "$o" "$w" "$dfota" --codec zstd); zw=$(workspace zstd)
    z2=$(patch_size zstd-none "$o" "$w" "$dfota" --codec zstd --predict none)
    echo "$row $r1 | $r2 | $z1 | $z2 | $rw | $zw |"
    [ "$i" -lt "$ncorpus" ] && echo "$n ${bs:-0} $b1 $b2 $r1 $r2 $z1 $z2" >>"$out/rows"
done
echo
echo "Geometric mean over the $ncorpus corpus pairs, patch bytes / bsdiff 4.3 (the BC25 pair has no anchor):"
echo
echo "| | default | --predict none |"
echo "|---|---:|---:|"
if [ -n "$before" ]; then
    echo "| before | $(awk '{ print $3, $2 }' "$out/rows" | geo) | $(awk '{ print $4, $2 }' "$out/rows" | geo) |"
fi
echo "| range | $(awk '{ print $5, $2 }' "$out/rows" | geo) | $(awk '{ print $6, $2 }' "$out/rows" | geo) |"
echo "| zstd | $(awk '{ print $7, $2 }' "$out/rows" | geo) | $(awk '{ print $8, $2 }' "$out/rows" | geo) |"
if [ -n "$before" ]; then
    echo
    echo "Pairs where the range codec's default patch is larger than the older binary's: $(awk '$5 > $3 { printf "%s ", $1; n++ } END { if (!n) print "none" }' "$out/rows")"
fi

echo
echo "### Range codec: history and segment size against RAM (bench/codec.sh)"
echo
echo "Corpus total patch bytes (the $ncorpus pairs), the geometric mean / bsdiff, and the largest applier"
echo "workspace any pair's patch states (raw patch; a package adds 1,120 bytes):"
echo
echo "| setting | total bytes | geo-mean / bsdiff | largest workspace |"
echo "|---|---:|---:|---:|"
for setting in "--window-log 8" "--window-log 9" "--window-log 10" "--window-log 11" "--window-log 12" \
               "--segment-size 4096" "--segment-size 16384" "--segment-size 262144" "--segment-size 1048576"; do
    total=0 ws=0
    : >"$out/geo"
    for i in $(seq 0 $((ncorpus - 1))); do
        # shellcheck disable=SC2086
        s=$(patch_size t "${olds[$i]}" "${news[$i]}" "$dfota" $setting)
        [ "$s" = FAIL ] && continue
        total=$((total + $(bytes "$s")))
        w=$(workspace t)
        [ "$w" -gt "$ws" ] && ws=$w
        echo "$s $(anchor "$anchors" "${names[$i]}" "bsdiff 4.3")" >>"$out/geo"
    done
    echo "| \`$setting\` | $total | $(geo <"$out/geo") | $ws |"
done
echo
echo "dfota: $("$dfota" --version | head -1)${before:+; before: $("$before" --version | head -1) ($before)}"
} | tee "$out/results.md"
fails=$(failures "$out")
[ "$fails" -eq 0 ] || { echo "codec: $fails patch(es) failed to build or to apply bit-exactly; see $out/log" >&2; exit 1; }
