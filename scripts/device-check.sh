#!/usr/bin/env bash
# Compile the device-side code (apply_ref/ and the parts of core/ it uses) for
# a Cortex-M4 with arm-none-eabi-gcc and newlib, warnings as errors: proof
# that it depends on nothing host-only. Prints code size and the stack frame
# of every function (-fstack-usage); also builds it lean (no printf family) and
# with a device's own hash driver (no software hashes referenced), and compiles
# the README's device example as written. Linking and running it on a target is
# scripts/target-check.sh. Needs gcc-arm-none-eabi and
# libnewlib-arm-none-eabi (CI installs them); zstd.h comes from libzstd-dev.
# usage: scripts/device-check.sh [BUILD_DIR]   (BUILD_DIR holds generated/dfota/version.h)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
if ! command -v arm-none-eabi-gcc >/dev/null 2>&1; then
    echo "device-check: arm-none-eabi-gcc not found (apt-get install gcc-arm-none-eabi libnewlib-arm-none-eabi)" >&2
    exit 1
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/include"
# Only zstd's own header, not the host's include directory.
cp /usr/include/zstd.h "$work/include/"

sources=(apply_ref/src/apply.c apply_ref/src/patch.c apply_ref/src/predict.c apply_ref/src/rcdec.c apply_ref/src/progress.c
         apply_ref/src/sha256.c apply_ref/src/md5.c apply_ref/src/hash.c apply_ref/src/pkgapply.c
         core/src/status.c core/src/wire.c core/src/container.c)
# newlib-nano, as Debian's arm-none-eabi ships it, has no %zu, %ll, %j or %t: the
# arguments after one would be read wrongly (a %s then gets a number as a pointer).
if grep -nE '%[-+ #0-9.*]*(z|ll|j|t)[diouxX]' "${sources[@]/#/$root/}" >&2; then
    echo "device-check: the format(s) above are not in newlib-nano's printf (use %lu and a cast, or dfota_u64_text)" >&2
    exit 1
fi
cd "$work"
# compile OUTDIR [FLAGS...]: every source, warnings as errors.
compile() {
    local out=$1
    shift
    mkdir -p "$out"
    for src in "${sources[@]}"; do
        arm-none-eabi-gcc -mcpu=cortex-m4 -mthumb -Os -std=c11 -Wall -Wextra -Wpedantic -Werror \
            -Wconversion -Wno-sign-conversion -ffunction-sections -fstack-usage "$@" \
            -I"$root/apply_ref/include" -I"$root/core/include" -I"$build/generated" -I"$work/include" \
            -c "$root/$src" -o "$out/$(basename "$src" .c).o"
    done
}
compile full
echo "Cortex-M4, arm-none-eabi-gcc $(arm-none-eabi-gcc -dumpversion), -Os:"
(cd full && arm-none-eabi-size -t ./*.o)
echo
echo "largest stack frames (bytes, function):"
cat full/*.su | awk -F'\t' '{ n = split($1, part, ":"); print $2, part[n] }' | sort -n -r | head -8

# The lean build: statuses only, and no printf-family function referenced.
compile lean -DDFOTA_DEVICE_MESSAGES=0
echo
echo "lean build (-DDFOTA_DEVICE_MESSAGES=0):"
(cd lean && arm-none-eabi-size -t ./*.o | tail -1)
if arm-none-eabi-nm -u lean/*.o | grep -E ' (v?s?n?printf|v?fprintf|puts|putchar)$' >&2; then
    echo "device-check: the lean build references the printf family (above)" >&2
    exit 1
fi
echo "no printf-family function referenced"

# With a device's own hash driver (-DDFOTA_BUILTIN_HASH=0) nothing but the
# built-in driver itself may reach the software SHA-256 and MD5, so that a
# firmware linked with --gc-sections leaves them out.
compile nohash -DDFOTA_DEVICE_MESSAGES=0 -DDFOTA_BUILTIN_HASH=0
if arm-none-eabi-nm -u nohash/apply.o nohash/pkgapply.o nohash/patch.o nohash/predict.o \
        nohash/container.o nohash/status.o nohash/wire.o |
        grep -E ' (dfota_hash_builtin|dfota_sha256_[a-z]+|dfota_md5_[a-z]+)$' >&2; then
    echo "device-check: with -DDFOTA_BUILTIN_HASH=0 the applier still references the software hashes (above)" >&2
    exit 1
fi
echo "with -DDFOTA_BUILTIN_HASH=0: no reference to the software hashes outside hash.c"

# The README's device example, as written (its default workspace), for the target too.
python3 - "$root/README.md" "$work/readme_example.c" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
m = re.search(r"<!-- device example -->\n```c\n(.*?)```\n<!-- end device example -->", text, re.S)
if not m:
    sys.exit("device-check: README.md has no device example between its markers")
open(sys.argv[2], "w").write(m.group(1))
PY
arm-none-eabi-gcc -mcpu=cortex-m4 -mthumb -Os -std=c11 -Wall -Wextra -Wpedantic -Werror \
    -Wmissing-prototypes -I"$root/apply_ref/include" -I"$root/core/include" -I"$build/generated" \
    -c "$work/readme_example.c" -o "$work/readme_example.o"
echo "the README's device example compiles for Cortex-M4 ($(arm-none-eabi-size "$work/readme_example.o" | awk 'NR == 2 { print $1 " bytes of code, " $3 " of bss: its workspace" }'))"
