#!/usr/bin/env bash
# The small profile on every pair of a corpus, on the emulated Cortex-M4: each
# pair's raw patch (dfota diff, the default range codec) applied two-bank by
# the example firmware of examples/cortex-m4 built as scripts/target-check.sh
# builds it (BUILD_DIR/target/<build>/fw.elf), with the software SHA-256 and
# with the hardware-like hash driver, each result compared bit for bit with
# new.bin; prints a Markdown table of patch bytes, workspace, peak stack and
# instructions per KB of output. Not part of `make test` (it needs the
# corpus); the results are recorded in docs/BENCHMARKS.md.
#
# usage: bash bench/m4-corpus.sh [--corpus DIR] [--build BUILD_DIR] [--fw BUILD]
#   BUILD: small (default), small2bank, lean or normal
# Runs scripts/target-check.sh first if the firmware is not built.
set -euo pipefail
export LC_ALL=C

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
corpus=$repo/../shared/corpus
build=$repo/build
fw=small
while [ $# -gt 0 ]; do
    case $1 in
    --corpus) corpus=$2; shift 2 ;;
    --build) build=$2; shift 2 ;;
    --fw) fw=$2; shift 2 ;;
    *) echo "usage: bash bench/m4-corpus.sh [--corpus DIR] [--build BUILD_DIR] [--fw BUILD]" >&2; exit 2 ;;
    esac
done
build=$(realpath -m "$build")
work=$build/target
elf=$work/$fw/fw.elf
[ -f "$elf" ] && [ -f "$work/insncount.so" ] || bash "$repo/scripts/target-check.sh" "$build" >&2
[ -f "$elf" ] || { echo "m4-corpus: no $elf" >&2; exit 2; }
dfota=$build/dfota
run=$work/corpus
rm -rf "$run"
mkdir -p "$run"

sym() { arm-none-eabi-nm "$elf" | awk -v s="$1" '$3 == s { print "0x" $1 }'; }
begin=$(sym measure_begin); end=$(sym measure_end); lo=$(sym __stack_limit); hi=$(sym __stack_top)

# qemu_pair DIR SCENARIO DIGESTS: runs the firmware on DIR's old.bin, new.bin and patch.bin.
qemu_pair() {
    local dir=$1 sc=$2 digests=$3
    (cd "$dir" && timeout 600 qemu-system-arm -M mps2-an386 -cpu cortex-m4 -nographic \
        -monitor none -serial none \
        -semihosting-config enable=on,target=native,arg=fw.elf,arg="$sc",arg=old.bin,arg=new.bin,arg=patch.bin,arg="$digests" \
        -plugin "$work/insncount.so,begin=$begin,end=$end,stack_lo=$lo,stack_hi=$hi,profile=on,out=$dir/$sc.insn" \
        -kernel "$elf" >"$dir/$sc.log" 2>&1) || true
    grep -q "^PASSED $sc\$" "$dir/$sc.log"
}

value() { awk -v k="$1" '$1 == "measure" && $2 == k { v = $3 } END { print v }' "$2"; }
insn() { awk '$1 == "interval" { v = $3 } END { print v }' "$1"; }

pairs=()
for d in "$corpus"/*/; do
    [ -f "$d/old.bin" ] && [ -f "$d/new.bin" ] && pairs+=("$d")
done
pairs+=("$repo/samples")
fails=0
printf '| pair | patch bytes | workspace | peak stack | instructions / KB out, software SHA-256 | with the hardware-like hash driver | bit-exact |\n'
printf '|---|---:|---:|---:|---:|---:|---|\n'
for d in "${pairs[@]}"; do
    name=$(basename "$d")
    dir=$run/$name
    mkdir -p "$dir"
    if [ "$name" = samples ]; then
        name=BC25R01A03_to_A04
        cp "$d/BC25R01A03.bin" "$dir/old.bin"
        cp "$d/BC25R01A04.bin" "$dir/new.bin"
    else
        cp "$d/old.bin" "$d/new.bin" "$dir/"
    fi
    "$dfota" diff -q "$dir/old.bin" "$dir/new.bin" -o "$dir/patch.bin"
    python3 - "$dir" <<'EOF'
import hashlib, struct, sys
d = sys.argv[1]
patch = open(d + "/patch.bin", "rb").read()
out = b""
for data in (patch[:112], open(d + "/old.bin", "rb").read(), open(d + "/new.bin", "rb").read()):
    out += struct.pack("<II", 1, len(data)) + hashlib.sha256(data).digest()
open(d + "/digests.bin", "wb").write(out)
EOF
    ok=yes
    qemu_pair "$dir" patch digests.bin || ok=no
    qemu_pair "$dir" patchhw digests.bin || ok=no
    [ "$ok" = yes ] || fails=$((fails + 1))
    target=$(value target_bytes "$dir/patch.log")
    sw=$(insn "$dir/patch.insn"); hw=$(insn "$dir/patchhw.insn")
    per() { [ -n "$1" ] && [ -n "$target" ] && [ "$target" -gt 0 ] && echo $(( ($1 * 1024 + target / 2) / target )) || echo -; }
    printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$name" "$(stat -c %s "$dir/patch.bin")" \
        "$(value workspace_need "$dir/patch.log")" "$(value stack_peak "$dir/patch.log")" \
        "$(per "$sw")" "$(per "$hw")" "$ok"
done
printf '\nfirmware: %s (%s), dfota %s\n' "$fw" "$elf" "$("$dfota" --version | head -1)"
[ "$fails" -eq 0 ] || { echo "m4-corpus: $fails pair(s) failed; logs in $run" >&2; exit 1; }
