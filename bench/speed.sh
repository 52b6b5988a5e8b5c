#!/usr/bin/env bash
# Diff speed and memory against the size of the images (issue 13, "Speed and memory"):
# `dfota diff` beside HDiffPatch (`hdiffz -m-6 -SD`, also with -c-zstd and -c-lzma2 when
# the hdiffz binary has them) and bsdiff, on a ladder of sizes made from a corpus. Every
# patch is applied back with its own tool and compared with the new image. Not part of
# `make test` or ctest; see bench/README.md.
#
# usage: bash bench/speed.sh [--corpus DIR] [--dfota PATH] [--hdiffz PATH] [--hpatchz PATH]
#                            [--bsdiff PATH] [--bspatch PATH] [--out DIR] [--runs N]
#                            [--scale MB[,MB...]] [--dfota-args 'ARGS'] [--before PATH]
#
# Writes OUT/speed.csv and OUT/speed.md and prints speed.md (progress on standard error).
# Exit status: 0 every patch was made and rebuilt its image bit-exact, 1 something failed,
# 2 usage or set-up error.
set -euo pipefail
export LC_ALL=C
TIMEFORMAT='%3U %3S' # bash's time: user and system seconds of the timed command

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
corpus=$repo/../shared/corpus
dfota=$repo/build/dfota
hdiffz=hdiffz
hpatchz=hpatchz
bsdiff=bsdiff
bspatch=bspatch
out=$repo/build/bench-speed
runs=3
scale_arg=10,40
dfota_args=
before=

usage() {
    cat <<EOF
usage: bash bench/speed.sh [options]

The size ladder: every pair of the corpus (a directory holding old.bin and new.bin), the
mixed image (old = every old.bin concatenated in directory order, new = every new.bin
likewise), and for each --scale point S a pair of S megabytes (10^6 bytes) made from the
mixed image: copy c of the mixed pair (c = 0, 1, ...) has every byte XORed with
(157 * c) mod 256, the same mask in old and new, and the copies are concatenated and cut at
S bytes. Copy c of the new image thus matches copy c of the old one as the corpus pairs
match, but no copy matches another, so the large pairs are not trivially self-similar.

For each pair and tool: the diff's CPU time (user + sys, the minimum of --runs runs, from
/usr/bin/time), its peak RSS (the largest of the runs), the patch size, RSS per input byte
(old + new) both raw and net of the tool's baseline (the peak RSS of a diff of two one-byte
files), and CPU per KiB of the new image. Every patch is applied with its own tool
(dfota apply, hpatchz, bspatch) and compared with the new image. A missing tool is skipped.

options:
  --corpus DIR       corpus directory (default: REPO/../shared/corpus)
  --dfota PATH       dfota binary (default: REPO/build/dfota)
  --hdiffz PATH      HDiffPatch's hdiffz (default: hdiffz on PATH); --hpatchz likewise
  --bsdiff PATH      bsdiff (default: bsdiff on PATH); --bspatch likewise
  --out DIR          output directory (default: REPO/build/bench-speed)
  --runs N           runs of each diff; the least CPU is kept (default 3)
  --scale LIST       comma-separated sizes in MB of the scaled pairs (default 10,40;
                     'none' for no scaled pair)
  --dfota-args ARGS  extra options of dfota diff, e.g. '--in-place' (split on spaces)
  --before PATH      also an older dfota binary, run right after --dfota on each pair
                     (same options), as the tool "dfota-before"
  -h, --help         this text

exit status: 0 all ok, 1 a diff or apply failed or an image was not bit-exact, 2 usage or
set-up error
EOF
}

bench_name=speed
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$repo/bench/lib.sh"

while [[ $# -gt 0 ]]; do
    case $1 in
    --corpus) need_arg "$@"; corpus=$2; shift 2 ;;
    --dfota) need_arg "$@"; dfota=$2; shift 2 ;;
    --hdiffz) need_arg "$@"; hdiffz=$2; shift 2 ;;
    --hpatchz) need_arg "$@"; hpatchz=$2; shift 2 ;;
    --bsdiff) need_arg "$@"; bsdiff=$2; shift 2 ;;
    --bspatch) need_arg "$@"; bspatch=$2; shift 2 ;;
    --out) need_arg "$@"; out=$2; shift 2 ;;
    --runs) need_arg "$@"; runs=$2; shift 2 ;;
    --scale) need_arg "$@"; scale_arg=$2; shift 2 ;;
    --dfota-args) [[ $# -ge 2 ]] || die "--dfota-args needs a value"; dfota_args=$2; shift 2 ;;
    --before) need_arg "$@"; before=$2; shift 2 ;;
    -h | --help) usage; exit 0 ;;
    *) echo "speed: unknown argument '$1'" >&2; usage >&2; exit 2 ;;
    esac
done

[[ $runs =~ ^[1-9][0-9]*$ ]] || die "--runs must be a positive integer, got '$runs'"
scales=()
if [[ $scale_arg != none ]]; then
    IFS=, read -r -a scales <<<"$scale_arg"
    for s in "${scales[@]}"; do
        [[ $s =~ ^[1-9][0-9]*$ && $s -le 500 ]] || die "--scale: '$s' is not a size in MB (1..500)"
    done
fi
[[ -x /usr/bin/time ]] || die "/usr/bin/time not found (apt-get install time)"
command -v cmp >/dev/null || die "cmp not found (apt-get install diffutils)"
command -v perl >/dev/null || die "perl not found (apt-get install perl-base)"
[[ -d $corpus ]] || die "corpus directory '$corpus' not found (use --corpus DIR)"
corpus=$(cd "$corpus" && pwd)
dfota=$(absolute_tool "$dfota")
"$dfota" --version >/dev/null 2>&1 || die "'$dfota' --version failed (use --dfota PATH)"
read -r -a dfota_extra <<<"$dfota_args"

have() { command -v "$1" >/dev/null 2>&1; }
tools=(dfota)
if [[ -n $before ]]; then
    before=$(absolute_tool "$before")
    "$before" --version >/dev/null 2>&1 || die "'$before' --version failed (--before PATH)"
    tools+=(dfota-before)
fi
if have "$hdiffz" && have "$hpatchz"; then
    hdiffz=$(absolute_tool "$hdiffz")
    hpatchz=$(absolute_tool "$hpatchz")
    tools+=(hdiffz)
else
    echo "speed: no hdiffz/hpatchz: HDiffPatch skipped" >&2
fi
if have "$bsdiff" && have "$bspatch"; then
    tools+=(bsdiff)
else
    echo "speed: no bsdiff/bspatch: bsdiff skipped" >&2
fi

find_pairs "$corpus" '*'
mkdir -p "$out"
out=$(cd "$out" && pwd)
work=$out/work
rm -rf "$work"
mkdir -p "$work/img"

# ------------------------------------------------------------------------- the ladder

names=() olds=() news=()
for p in "${pairs[@]}"; do
    names+=("$p")
    olds+=("$corpus/$p/old.bin")
    news+=("$corpus/$p/new.bin")
done
: >"$work/img/mixed-old.bin"
: >"$work/img/mixed-new.bin"
for p in "${pairs[@]}"; do
    cat "$corpus/$p/old.bin" >>"$work/img/mixed-old.bin"
    cat "$corpus/$p/new.bin" >>"$work/img/mixed-new.bin"
done
names+=(mixed)
olds+=("$work/img/mixed-old.bin")
news+=("$work/img/mixed-new.bin")

# scaled IN SIZE OUT: copies of IN, copy c XORed with (157 * c) mod 256, cut at SIZE bytes.
scaled() {
    perl -e '
        my ($in, $size) = @ARGV;
        open(my $f, "<:raw", $in) or die "$in: $!";
        local $/;
        my $img = <$f>;
        binmode STDOUT;
        my ($left, $c) = ($size, 0);
        while ($left > 0) {
            my $copy = $img ^ (chr((157 * $c) % 256) x length $img);
            $copy = substr($copy, 0, $left) if length $copy > $left;
            print $copy;
            $left -= length $copy;
            $c++;
        }' "$1" "$2" >"$3"
}
for s in "${scales[@]}"; do
    scaled "$work/img/mixed-old.bin" $((s * 1000000)) "$work/img/x$s-old.bin"
    scaled "$work/img/mixed-new.bin" $((s * 1000000)) "$work/img/x$s-new.bin"
    names+=("mixed-${s}MB")
    olds+=("$work/img/x$s-old.bin")
    news+=("$work/img/x$s-new.bin")
done

# ------------------------------------------------------------------------- the runs

# diff_cmd TOOL VARIANT OLD NEW PATCH: fills the array `cmd`.
diff_cmd() {
    case $1 in
    dfota) cmd=("$dfota" diff -q -f "${dfota_extra[@]}" "$3" "$4" -o "$5") ;;
    dfota-before) cmd=("$before" diff -q -f "${dfota_extra[@]}" "$3" "$4" -o "$5") ;;
    hdiffz)
        cmd=("$hdiffz" -m-6 -SD -f)
        [[ -z $2 ]] || cmd+=("-c-$2")
        cmd+=("$3" "$4" "$5")
        ;;
    bsdiff) cmd=("$bsdiff" "$3" "$4" "$5") ;;
    esac
}
# apply TOOL OLD PATCH OUT
apply() {
    case $1 in
    dfota) "$dfota" apply -q --old "$2" "$3" -o "$4" ;;
    dfota-before) "$before" apply -q --old "$2" "$3" -o "$4" ;;
    hdiffz) "$hpatchz" -f "$2" "$3" "$4" ;;
    bsdiff) "$bspatch" "$2" "$4" "$3" ;;
    esac
}

# The hdiffz variants: none (-SD with no compressor), and the compressors it has.
variants_hdiffz=("")
printf a >"$work/one-a" # the one-byte images of the probes and the baselines
printf b >"$work/one-b"
if [[ " ${tools[*]} " == *" hdiffz "* ]]; then
    for c in zstd lzma2; do
        if "$hdiffz" -m-6 -SD -f "-c-$c" "$work/one-a" "$work/one-b" "$work/probe" >/dev/null 2>&1; then
            variants_hdiffz+=("$c")
        fi
    done
fi

# measure CMD...: sets cpu (least user+sys of $runs runs, from bash's `time`, to the
# millisecond; /usr/bin/time prints only hundredths) and rss (largest peak RSS of the runs,
# KiB, from /usr/bin/time, whose own few hundred microseconds are in cpu); 1 on failure.
measure() {
    local i u s m rc
    cpu='' rss=0
    for ((i = 0; i < runs; i++)); do
        rc=0
        { time /usr/bin/time -f '%M' -o "$work/rss" "$@" >"$work/log" 2>&1 || rc=$?; } 2>"$work/time"
        ((rc == 0)) || return 1
        read -r u s <"$work/time"
        read -r m <"$work/rss"
        cpu=$(awk -v u="$u" -v s="$s" -v c="$cpu" 'BEGIN { t = u + s; if (c == "" || t < c) c = t; printf "%.3f", c }')
        ((m > rss)) && rss=$m
    done
    return 0
}

declare -A baseline
for t in "${tools[@]}"; do
    variants=("")
    [[ $t != hdiffz ]] || variants=("${variants_hdiffz[@]}")
    for v in "${variants[@]}"; do
        diff_cmd "$t" "$v" "$work/one-a" "$work/one-b" "$work/base.patch"
        saved=$runs
        runs=1
        if measure "${cmd[@]}"; then baseline[$t$v]=$rss; else baseline[$t$v]=0; fi
        runs=$saved
    done
done

fails=0
csv=$out/speed.csv
echo "pair,old_bytes,new_bytes,tool,cpu_s,peak_rss_kib,rss_per_input_byte,net_rss_per_input_byte,cpu_ms_per_kib_new,patch_bytes,exact" >"$csv"
for i in "${!names[@]}"; do
    name=${names[$i]} old=${olds[$i]} new=${news[$i]}
    os=$(file_size "$old") ns=$(file_size "$new")
    for t in "${tools[@]}"; do
        variants=("")
        [[ $t != hdiffz ]] || variants=("${variants_hdiffz[@]}")
        for v in "${variants[@]}"; do
            label=$t
            [[ $t != hdiffz ]] || label="hdiffz -SD${v:+ -c-$v}"
            echo "speed: $name: $label" >&2
            patch=$work/$name.$t$v.patch
            rm -f "$patch" "$work/rebuilt.bin"
            diff_cmd "$t" "$v" "$old" "$new" "$patch"
            if ! measure "${cmd[@]}" || [[ ! -s $patch ]]; then
                echo "$name,$os,$ns,$label,FAIL,,,,,,no" >>"$csv"
                fails=$((fails + 1))
                continue
            fi
            exact=yes
            if ! apply "$t" "$old" "$patch" "$work/rebuilt.bin" >"$work/apply.log" 2>&1 ||
                ! cmp -s "$work/rebuilt.bin" "$new"; then
                exact=NO
                fails=$((fails + 1))
            fi
            awk -v n="$name" -v os="$os" -v ns="$ns" -v l="$label" -v c="$cpu" -v r="$rss" \
                -v b="${baseline[$t$v]}" -v p="$(file_size "$patch")" -v e="$exact" 'BEGIN {
                    in_ = os + ns
                    printf "%s,%d,%d,%s,%.3f,%d,%.2f,%.2f,%.3f,%d,%s\n", n, os, ns, l, c, r,
                        r * 1024 / in_, (r - b) * 1024 / in_, c * 1000 / (ns / 1024), p, e
                }' >>"$csv"
            rm -f "$work/rebuilt.bin"
        done
    done
    # The images of the scaled pairs are large: drop each pair's patches once measured.
    rm -f "$work/$name".*.patch
done

# ------------------------------------------------------------------------- the report

md=$out/speed.md
{
    echo "dfota: $dfota ($("$dfota" --version | head -n 1))${before:+; dfota-before: $before}${dfota_args:+; diff options: $dfota_args}; runs per diff: $runs (least CPU kept); $(nproc) CPUs"
    echo
    echo "| pair | old + new bytes | tool | CPU s | peak RSS KiB | RSS B/input B (net) | CPU ms/KiB new | patch bytes | exact |"
    echo "|---|---:|---|---:|---:|---:|---:|---:|---|"
    awk -F, 'NR > 1 {
        if ($5 == "FAIL") { printf "| %s | %d | %s | FAIL | | | | | no |\n", $1, $2 + $3, $4; next }
        printf "| %s | %d | %s | %.3f | %d | %.2f (%.2f) | %.3f | %d | %s |\n", $1, $2 + $3, $4, $5, $6, $7, $8, $9, $10, $11
    }' "$csv"
    echo
    echo "dfota against the others (CPU ratio, < 1: dfota uses less; RSS ratio likewise):"
    echo
    echo "| pair | CPU / hdiffz -SD | CPU / bsdiff | RSS / hdiffz -SD | RSS / bsdiff | CPU / dfota-before | RSS / dfota-before |"
    echo "|---|---:|---:|---:|---:|---:|---:|"
    awk -F, 'NR > 1 && $5 != "FAIL" { cpu[$1, $4] = $5; rss[$1, $4] = $6; if (!($1 in seen)) { seen[$1] = 1; order[n++] = $1 } }
        function r(a, b) { return (b > 0 && a != "") ? sprintf("%.2f", a / b) : "-" }
        END { for (i = 0; i < n; i++) { p = order[i]
            printf "| %s | %s | %s | %s | %s | %s | %s |\n", p, r(cpu[p, "dfota"], cpu[p, "hdiffz -SD"]),
                r(cpu[p, "dfota"], cpu[p, "bsdiff"]), r(rss[p, "dfota"], rss[p, "hdiffz -SD"]),
                r(rss[p, "dfota"], rss[p, "bsdiff"]), r(cpu[p, "dfota"], cpu[p, "dfota-before"]),
                r(rss[p, "dfota"], rss[p, "dfota-before"]) } }' "$csv"
} >"$md"
cat "$md"
((fails == 0)) || { echo "speed: $fails diff(s) or apply(s) failed or differed" >&2; exit 1; }
