#!/usr/bin/env bash
# What in-place patches cost in patch size: `dfota diff --in-place` against the normal
# two-bank `dfota diff`, at several segment sizes, on every old.bin/new.bin pair of a corpus.
# Not part of `make test`; see bench/README.md.
#
# usage: bash bench/inplace.sh [--corpus DIR] [--dfota PATH] [--out DIR]
#                              [--segment-sizes N[,N...]] [--pairs GLOB[,GLOB...]]
#                              [--erase-size N]
#
# Writes OUT/inplace.csv and OUT/inplace.md, prints inplace.md on standard output (progress
# goes to standard error). Exit status: 0 every patch was made and every rebuilt image was
# bit-exact, 1 something failed or differed, 2 usage or set-up error.
set -euo pipefail
export LC_ALL=C # stable sort order and '.' as the decimal point in awk

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# Patch header fields (docs/FORMAT.md, "Patch header").
version_offset=8       # u8 format_version: 1 two-bank, 2 in-place
flags_offset=11        # u8 flags: 0x01 in-place, 0x02 descending segment order
segcount_offset=16     # u32 little-endian segment_count
flag_in_place=1
flag_descending=2

corpus=$repo/../shared/corpus
dfota=$repo/build/dfota
out=$repo/build/bench-inplace
segment_sizes_arg=65536,16384,4096
pairs_glob='*'
erase_size=4096

usage() {
    cat <<EOF
usage: bash bench/inplace.sh [options]

Makes a two-bank patch (dfota diff) and an in-place patch (dfota diff --in-place) of every
pair (a directory holding old.bin and new.bin) of a corpus at each segment size, applies both
with dfota apply and compares the result with new.bin, and writes OUT/inplace.csv and
OUT/inplace.md; inplace.md is printed at the end.

For the in-place patch it reads the segment order the generator chose (ascending or
descending) from the patch header (byte $flags_offset, flags), and states the flash each layout
needs: two-bank = record area + old bank + new bank; in place = record area + one scratch
segment + max(old, new), every area rounded up to erase blocks (record area = 2 erase blocks).

options:
  --corpus DIR           corpus directory (default: REPO/../shared/corpus)
  --dfota PATH           dfota binary (default: REPO/build/dfota)
  --out DIR              output directory (default: REPO/build/bench-inplace)
  --segment-sizes LIST   comma-separated segment sizes, powers of two in 4096..1048576
                         (default: 65536,16384,4096)
  --pairs GLOB           only the pairs whose directory name matches GLOB; a comma-separated
                         list of globs is accepted (quote it: --pairs 'openmv2-*')
  --erase-size N         flash erase block of the simulated device (dfota apply
                         --erase-size), a power of two in 256..the smallest segment size
                         (default 4096)
  -h, --help             this text

exit status: 0 all ok, 1 a diff or apply failed or an image was not bit-exact, 2 usage or
set-up error
EOF
}

bench_name=inplace
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
    --segment-sizes) need_arg "$@"; segment_sizes_arg=$2; shift 2 ;;
    --segment-sizes=*) segment_sizes_arg=${1#*=}; shift ;;
    --pairs) need_arg "$@"; pairs_glob=$2; shift 2 ;;
    --pairs=*) pairs_glob=${1#*=}; shift ;;
    --erase-size) need_arg "$@"; erase_size=$2; shift 2 ;;
    --erase-size=*) erase_size=${1#*=}; shift ;;
    -h | --help) usage; exit 0 ;;
    *) echo "inplace: unknown argument '$1'" >&2; usage >&2; exit 2 ;;
    esac
done

is_pow2() { [[ $1 =~ ^[1-9][0-9]*$ ]] && (($1 <= 1073741824 && ($1 & ($1 - 1)) == 0)); }

IFS=, read -r -a segment_sizes <<<"$segment_sizes_arg"
[[ ${#segment_sizes[@]} -gt 0 ]] || die "--segment-sizes is empty"
min_segment=
for s in "${segment_sizes[@]}"; do
    if ! is_pow2 "$s" || ((s < 4096 || s > 1048576)); then
        die "--segment-sizes: '$s' is not a power of two in 4096..1048576"
    fi
    [[ -n $min_segment && $min_segment -le $s ]] || min_segment=$s
done
if ! is_pow2 "$erase_size" || ((erase_size < 256 || erase_size > min_segment)); then
    die "--erase-size must be a power of two in 256..$min_segment (the smallest segment size), got '$erase_size'"
fi
command -v cmp >/dev/null || die "cmp not found (apt-get install diffutils)"
command -v od >/dev/null || die "od not found (apt-get install coreutils)"
[[ -d $corpus ]] || die "corpus directory '$corpus' not found (use --corpus DIR)"
corpus=$(cd "$corpus" && pwd)

# dfota may be given relative to the current directory; make it absolute if it exists.
dfota=$(absolute_tool "$dfota")
dfota_version=$("$dfota" --version 2>/dev/null | head -n 1) ||
    die "'$dfota' --version failed (use --dfota PATH)"

# Pairs: every subdirectory with old.bin and new.bin whose name matches one of the globs.
find_pairs "$corpus" "$pairs_glob"

mkdir -p "$out"
out=$(cd "$out" && pwd)
runs=$out/runs # patches, rebuilt images, logs

bench_start_ns=$(date +%s%N)
# The repository revision the dfota binary is assumed to come from, read before the runs.
repo_rev=$(git -C "$repo" describe --always --dirty 2>/dev/null) || repo_rev=unknown

# ---------------------------------------------------------------------------- helpers

round_up() { echo $((($1 + $2 - 1) / $2 * $2)); } # value multiple

# header_u8 PATCH OFFSET / header_u32 PATCH OFFSET: a patch header field, or nothing if
# PATCH does not start with the patch magic.
has_magic() { [[ $(od -An -tx1 -N8 "$1" | tr -d ' \n') == 8944465041540d0a ]]; }
header_u8() {
    has_magic "$1" || return 0
    od -An -tu1 -j"$2" -N1 "$1" | tr -d ' \n'
}
header_u32() {
    local bytes
    has_magic "$1" || return 0
    read -r -a bytes < <(od -An -tu1 -j"$2" -N4 "$1")
    [[ ${#bytes[@]} -eq 4 ]] || return 0
    echo $((bytes[0] | bytes[1] << 8 | bytes[2] << 16 | bytes[3] << 24))
}

failures=()
fail() { # message
    failures+=("$1")
    echo "inplace:   FAIL: $1" >&2
}

# diff_cmd KIND OLD NEW PATCH SEGMENT / apply_cmd OLD PATCH OUT: the command lines in CMD.
diff_cmd() {
    CMD=("$dfota" diff)
    [[ $1 != in-place ]] || CMD+=(--in-place)
    CMD+=(--segment-size "$5" "$2" "$3" -o "$4" -q)
}
apply_cmd() { CMD=("$dfota" apply --old "$1" "$2" -o "$3" --erase-size "$erase_size" -q); }

# Results, keyed "pair|segment_size".
declare -A R_OLD R_NEW R_SEGS R_TB R_IP R_RATIO R_ORDER R_FLAGS R_TBX R_IPX R_TBF R_IPF

# make_patch KIND PAIR SEGMENT: diff, check the header, apply, cmp. Sets P_BYTES (or FAIL),
# P_VERSION, P_FLAGS, P_SEGS and P_EXACT (yes, no or FAIL).
make_patch() {
    local kind=$1 pair=$2 seg=$3
    local old=$corpus/$pair/old.bin new=$corpus/$pair/new.bin dir=$runs/$pair/$seg/$1
    local patch=$dir/patch rebuilt=$dir/new.bin

    P_BYTES=FAIL P_VERSION='' P_FLAGS='' P_SEGS='' P_EXACT=FAIL
    mkdir -p "$dir"
    rm -f "$patch" "$rebuilt"
    diff_cmd "$kind" "$old" "$new" "$patch" "$seg"
    if ! "${CMD[@]}" >"$dir/diff.log" 2>&1 </dev/null || [[ ! -f $patch ]]; then
        fail "$pair $kind segment $seg: diff failed (see $dir/diff.log)"
        return 0
    fi
    P_BYTES=$(file_size "$patch")
    P_VERSION=$(header_u8 "$patch" "$version_offset")
    P_FLAGS=$(header_u8 "$patch" "$flags_offset")
    P_SEGS=$(header_u32 "$patch" "$segcount_offset")
    if [[ -z $P_VERSION || -z $P_FLAGS || -z $P_SEGS ]]; then
        fail "$pair $kind segment $seg: no dfota patch header in $patch"
        P_FLAGS='' P_SEGS=''
    elif [[ $kind == two-bank ]] && ((P_VERSION != 1 || P_FLAGS != 0)); then
        fail "$pair two-bank segment $seg: header says version $P_VERSION, flags $P_FLAGS (expected 1, 0)"
    elif [[ $kind == in-place ]] && ((P_VERSION != 2 || !(P_FLAGS & flag_in_place))); then
        fail "$pair in-place segment $seg: header says version $P_VERSION, flags $P_FLAGS (expected 2, in-place flag set)"
    fi
    apply_cmd "$old" "$patch" "$rebuilt"
    if ! "${CMD[@]}" >"$dir/apply.log" 2>&1 </dev/null || [[ ! -f $rebuilt ]]; then
        fail "$pair $kind segment $seg: apply failed (see $dir/apply.log)"
        return 0
    fi
    if cmp -s "$rebuilt" "$new"; then
        P_EXACT=yes
    else
        P_EXACT=no
        fail "$pair $kind segment $seg: rebuilt image differs from new.bin"
    fi
}

is_num() { [[ $1 =~ ^[0-9]+(\.[0-9]+)?$ ]]; }

# ratio A B: A/B with 4 decimals, or n/a.
ratio() {
    if is_num "$1" && is_num "$2" && [[ $2 != 0 ]]; then
        awk -v a="$1" -v b="$2" 'BEGIN { printf "%.4f\n", a / b }'
    else
        echo n/a
    fi
}

# Geometric mean of the ratios on standard input ("a b" per line): "VALUE N".
geomean() {
    awk '{ a = $1 + 0; b = $2 + 0
           if (a <= 0 || b <= 0) next
           s += log(a / b); n++ }
         END { if (n == 0) print "n/a 0"; else printf "%.4f %d\n", exp(s / n), n }'
}

# ---------------------------------------------------------------------------- run

record_bytes=$((2 * erase_size))
for pair in "${pairs[@]}"; do
    old_bytes=$(file_size "$corpus/$pair/old.bin")
    new_bytes=$(file_size "$corpus/$pair/new.bin")
    big=$((old_bytes > new_bytes ? old_bytes : new_bytes))
    for seg in "${segment_sizes[@]}"; do
        k="$pair|$seg"
        echo "inplace: $pair: segment size $seg" >&2
        R_OLD[$k]=$old_bytes R_NEW[$k]=$new_bytes
        R_TBF[$k]=$((record_bytes + $(round_up "$old_bytes" "$erase_size") + $(round_up "$new_bytes" "$erase_size")))
        R_IPF[$k]=$((record_bytes + $(round_up "$seg" "$erase_size") + $(round_up "$big" "$erase_size")))

        make_patch two-bank "$pair" "$seg"
        R_TB[$k]=$P_BYTES R_TBX[$k]=$P_EXACT

        make_patch in-place "$pair" "$seg"
        R_IP[$k]=$P_BYTES R_IPX[$k]=$P_EXACT R_SEGS[$k]=${P_SEGS:-n/a}
        R_RATIO[$k]=$(ratio "${R_IP[$k]}" "${R_TB[$k]}")
        if [[ -z $P_FLAGS ]]; then
            R_FLAGS[$k]=n/a R_ORDER[$k]=n/a
        else
            R_FLAGS[$k]=$(printf '0x%02x' "$P_FLAGS")
            if ((P_FLAGS & flag_descending)); then R_ORDER[$k]=descending; else R_ORDER[$k]=ascending; fi
        fi
    done
done

bench_s=$(awk -v a="$bench_start_ns" -v b="$(date +%s%N)" 'BEGIN { printf "%.1f\n", (b - a) / 1e9 }')

# ---------------------------------------------------------------------------- inplace.csv

csv_field() { # quote a field holding a comma or a double quote
    if [[ $1 == *[,\"]* ]]; then
        printf '"%s"' "${1//\"/\"\"}"
    else
        printf '%s' "$1"
    fi
}

{
    echo "pair,segment_size,old_bytes,new_bytes,segment_count,two_bank_bytes,in_place_bytes,in_place_over_two_bank,order,flags,two_bank_exact,in_place_exact,scratch_bytes,record_bytes,two_bank_flash_bytes,in_place_flash_bytes"
    for seg in "${segment_sizes[@]}"; do
        for pair in "${pairs[@]}"; do
            k="$pair|$seg"
            printf '%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s\n' "$(csv_field "$pair")" \
                "$seg" "${R_OLD[$k]}" "${R_NEW[$k]}" "${R_SEGS[$k]}" "${R_TB[$k]}" "${R_IP[$k]}" \
                "${R_RATIO[$k]}" "${R_ORDER[$k]}" "${R_FLAGS[$k]}" "${R_TBX[$k]}" "${R_IPX[$k]}" \
                "$(round_up "$seg" "$erase_size")" "$record_bytes" "${R_TBF[$k]}" "${R_IPF[$k]}"
        done
    done
} >"$out/inplace.csv"

# ---------------------------------------------------------------------------- inplace.md

os_name() {
    local n
    n=$(awk -F= '/^PRETTY_NAME=/ { gsub(/"/, "", $2); print $2; exit }' /etc/os-release 2>/dev/null) || n=
    echo "${n:-unknown}"
}

# Summary figures per segment size, for the tables and the summary list.
declare -A S_TB S_IP S_TRATIO S_GEO S_GEON S_DESC S_EXACT
for seg in "${segment_sizes[@]}"; do
    tb=0 ip=0 desc=0 exact=yes complete=yes
    for pair in "${pairs[@]}"; do
        k="$pair|$seg"
        if is_num "${R_TB[$k]}" && is_num "${R_IP[$k]}"; then
            tb=$((tb + ${R_TB[$k]})) ip=$((ip + ${R_IP[$k]}))
        else
            complete=no
        fi
        [[ ${R_ORDER[$k]} != descending ]] || desc=$((desc + 1))
        [[ ${R_TBX[$k]} == yes && ${R_IPX[$k]} == yes ]] || exact=no
    done
    if [[ $complete == yes ]]; then
        S_TB[$seg]=$tb S_IP[$seg]=$ip S_TRATIO[$seg]=$(ratio "$ip" "$tb")
    else
        S_TB[$seg]=FAIL S_IP[$seg]=FAIL S_TRATIO[$seg]=n/a
    fi
    read -r "S_GEO[$seg]" "S_GEON[$seg]" < <(for pair in "${pairs[@]}"; do
        a=${R_IP[$pair|$seg]} b=${R_TB[$pair|$seg]}
        if is_num "$a" && is_num "$b"; then echo "$a $b"; fi
    done | geomean)
    S_DESC[$seg]=$desc S_EXACT[$seg]=$exact
done

{
    echo "### In-place patches: size against two-bank"
    echo
    echo "Corpus: \`$corpus\` (${#pairs[@]} pairs), segment sizes: ${segment_sizes[*]}," \
        "erase block $erase_size bytes, $(date -u '+%Y-%m-%d %H:%M UTC')."
    echo
    echo "**two-bank** = \`dfota diff\`, **in-place** = \`dfota diff --in-place\`, both at the" \
        "same segment size; bytes of the patch file. **order**: the segment order the generator" \
        "kept for the in-place patch (it encodes both and keeps the smaller), read from the" \
        "patch header flags (byte $flags_offset: 0x01 in-place, 0x02 descending); with a single" \
        "segment there is nothing to choose and the order is ascending. **exact**: both patches" \
        "applied with \`dfota apply\` and compared with new.bin (\`cmp\`)."
    echo
    for seg in "${segment_sizes[@]}"; do
        scratch=$(round_up "$seg" "$erase_size")
        echo "#### Segment size $seg bytes (scratch $scratch + record area $record_bytes =" \
            "$((scratch + record_bytes)) bytes of extra flash in place)"
        echo
        echo "| pair | segments | two-bank | in-place | in-place/two-bank | order | exact |"
        echo "|---|---:|---:|---:|---:|---|:---:|"
        for pair in "${pairs[@]}"; do
            k="$pair|$seg"
            if [[ ${R_TBX[$k]} == yes && ${R_IPX[$k]} == yes ]]; then
                ex=yes
            else
                ex="no (two-bank ${R_TBX[$k]}, in-place ${R_IPX[$k]})"
            fi
            echo "| $pair | ${R_SEGS[$k]} | ${R_TB[$k]} | ${R_IP[$k]} | ${R_RATIO[$k]} |" \
                "${R_ORDER[$k]} | $ex |"
        done
        echo "| **total** | | ${S_TB[$seg]} | ${S_IP[$seg]} | ${S_TRATIO[$seg]} |" \
            "${S_DESC[$seg]} of ${#pairs[@]} descending | ${S_EXACT[$seg]} |"
        echo "| **geometric mean** | | | | ${S_GEO[$seg]} | | |"
        echo
    done

    echo "#### Summary"
    echo
    echo "| segment size | scratch + record | two-bank total | in-place total | total ratio | geometric mean of ratios | descending | all bit-exact |"
    echo "|---:|---:|---:|---:|---:|---:|---:|:---:|"
    for seg in "${segment_sizes[@]}"; do
        echo "| $seg | $(($(round_up "$seg" "$erase_size") + record_bytes)) | ${S_TB[$seg]} |" \
            "${S_IP[$seg]} | ${S_TRATIO[$seg]} | ${S_GEO[$seg]} (${S_GEON[$seg]} pairs) |" \
            "${S_DESC[$seg]} of ${#pairs[@]} | ${S_EXACT[$seg]} |"
    done
    echo

    echo "#### Flash needed (bytes)"
    echo
    echo "Two-bank: record area (2 erase blocks, $record_bytes) + old bank + new bank. In place:" \
        "record area + one scratch segment + one area of max(old, new). Every area rounded up to" \
        "whole $erase_size-byte erase blocks."
    echo
    hdr="| pair | old | new | two-bank |"
    sep="|---|---:|---:|---:|"
    for seg in "${segment_sizes[@]}"; do
        hdr+=" in place, segment $seg |"
        sep+="---:|"
    done
    echo "$hdr"
    echo "$sep"
    for pair in "${pairs[@]}"; do
        k0="$pair|${segment_sizes[0]}"
        row="| $pair | ${R_OLD[$k0]} | ${R_NEW[$k0]} | ${R_TBF[$k0]} |"
        for seg in "${segment_sizes[@]}"; do
            row+=" ${R_IPF[$pair|$seg]} |"
        done
        echo "$row"
    done
    echo

    if [[ ${#failures[@]} -gt 0 ]]; then
        echo "#### Failures"
        echo
        for f in "${failures[@]}"; do
            echo "- ${f//$out\//OUT/}"
        done
        echo
    fi

    echo "#### Commands"
    echo
    echo "For each pair and each segment size N (OLD, NEW: the pair's old.bin and new.bin;" \
        "every output is deleted first):"
    echo
    echo '```sh'
    diff_cmd two-bank OLD NEW PATCH N
    CMD[0]=dfota
    echo "${CMD[*]}"
    diff_cmd in-place OLD NEW PATCH N
    CMD[0]=dfota
    echo "${CMD[*]}"
    apply_cmd OLD PATCH OUT
    CMD[0]=dfota
    echo "${CMD[*]}    # both patches"
    echo 'cmp OUT NEW'
    echo "od -An -tu1 -j$flags_offset -N1 PATCH    # flags: 0x01 in-place, 0x02 descending"
    echo '```'
    echo
    echo "- $dfota_version (repository at $repo_rev when the run started)"
    echo "- machine: $(uname -m), $(nproc) CPUs; OS: $(os_name)"
    echo "- date: $(date -u '+%Y-%m-%d %H:%M:%S UTC'); run time: $bench_s s"
} >"$out/inplace.md"

cat "$out/inplace.md"
echo "inplace: wrote $out/inplace.csv and $out/inplace.md" >&2

if [[ ${#failures[@]} -gt 0 ]]; then
    echo "inplace: ${#failures[@]} failure(s)" >&2
    exit 1
fi
