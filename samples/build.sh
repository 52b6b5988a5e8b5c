#!/usr/bin/env bash
# build.sh - rebuild the sample firmware images BC25R01A03.bin and
# BC25R01A04.bin from samples/firmware/ and check them against the
# committed copies.
#
#   bash samples/build.sh            rebuild, compare with samples/*.bin and
#                                    samples/SHA256SUMS, exit 1 on difference
#   bash samples/build.sh --update   rebuild and replace samples/*.bin and
#                                    samples/SHA256SUMS
#
# The build happens in a temporary directory; nothing is written inside
# samples/ unless --update is given.  Set KEEP_BUILD_DIR=1 to keep the
# temporary directory (ELF files, link maps) for inspection.  The output
# depends only on the source tree and the toolchain (no dates, no build
# paths, fixed file order).
set -euo pipefail

export LC_ALL=C
export TZ=UTC
# nothing here uses SOURCE_DATE_EPOCH; the compiler search paths must not
# be influenced by the caller's environment
unset SOURCE_DATE_EPOCH CPATH C_INCLUDE_PATH LIBRARY_PATH GCC_EXEC_PREFIX COMPILER_PATH
umask 022

script_path=${BASH_SOURCE[0]}
case $script_path in
    */*) script_dir=${script_path%/*} ;;
    *) script_dir=. ;;
esac
SCRIPT_DIR=$(cd -- "${script_dir:-/}" && pwd -P)
FW_DIR="$SCRIPT_DIR/firmware"

usage() {
    echo "usage: bash samples/build.sh [--update]"
    echo "  (no argument)  rebuild in a temp dir and compare with the committed images"
    echo "  --update       rebuild and copy the images and SHA256SUMS into samples/"
}

mode=check
case "${1:-}" in
    "") ;;
    --update) mode=update ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
esac
if [ $# -gt 1 ]; then
    usage >&2
    exit 2
fi

die() {
    echo "build.sh: error: $*" >&2
    exit 1
}

# ---- toolchain -----------------------------------------------------------------
CROSS=arm-none-eabi-
CC=${CROSS}gcc
OBJCOPY=${CROSS}objcopy

if ! command -v "$CC" >/dev/null 2>&1; then
    die "$CC not found. Install the Debian packages: apt-get install gcc-arm-none-eabi libnewlib-arm-none-eabi"
fi
command -v "$OBJCOPY" >/dev/null 2>&1 || die "$OBJCOPY not found (Debian package: binutils-arm-none-eabi)"
for tool in sha256sum cmp od grep; do
    command -v "$tool" >/dev/null 2>&1 || die "required tool '$tool' not found"
done

CPU_FLAGS=(-mcpu=cortex-m4 -mthumb -mfpu=fpv4-sp-d16 -mfloat-abi=hard)

libc_path=$("$CC" "${CPU_FLAGS[@]}" -print-file-name=libc.a)
if [ ! -f "$libc_path" ]; then
    die "newlib for $CC not found. Install the Debian packages: apt-get install gcc-arm-none-eabi libnewlib-arm-none-eabi"
fi

gcc_version=$("$CC" --version | head -n 1)
ld_version=$(${CROSS}ld --version | head -n 1)
newlib_version=$(echo '#include <newlib.h>' | "$CC" "${CPU_FLAGS[@]}" -dM -E -x c - |
                 sed -n 's/^#define _NEWLIB_VERSION "\(.*\)"$/\1/p')
echo "toolchain: $gcc_version"
echo "           $ld_version"
echo "           newlib ${newlib_version:-unknown}"

# ---- sources (fixed order: this is the link order) ----------------------------------
SOURCES=(
    startup band ringbuf uart crc sha256 base64 url log board flash mbox syscalls
    timeutil errcodes json coap http cells nvcfg psm nw at_parser at_cmdtab
    at_cmds_sys at_cmds_nw at_cmds_lwm2m sockets sntp lwm2m fota main
)
for s in "${SOURCES[@]}"; do
    [ -f "$FW_DIR/src/$s.c" ] || die "missing source file firmware/src/$s.c"
done
[ -f "$FW_DIR/bc25.ld" ] || die "missing linker script firmware/bc25.ld"

CFLAGS=(
    "${CPU_FLAGS[@]}"
    -std=gnu11 -O2
    -ffunction-sections -fdata-sections
    -fno-common -fno-ident
    -Wall -Wextra -Werror
    "-ffile-prefix-map=$FW_DIR=firmware"
    "-fdebug-prefix-map=$FW_DIR=firmware"
    -I"$FW_DIR/include"
)
# shellcheck disable=SC2054  # the commas belong to -Wl, options
LDFLAGS=(
    "${CPU_FLAGS[@]}"
    --specs=nosys.specs
    -T "$FW_DIR/bc25.ld"
    -Wl,--gc-sections
    -Wl,--fatal-warnings
    -Wl,--no-undefined
    -Wl,--build-id=none
)

WORK=$(mktemp -d "${TMPDIR:-/tmp}/dfota-samples.XXXXXX")
if [ -n "${KEEP_BUILD_DIR:-}" ]; then
    echo "build directory kept: $WORK (ELF files and link maps)"
else
    trap 'rm -rf -- "$WORK"' EXIT
fi

IMAGES=()
for rev in 3 4; do
    name="BC25R01A0$rev"
    out="$WORK/$name"
    mkdir -p "$out"
    objs=()
    for s in "${SOURCES[@]}"; do
        "$CC" "${CFLAGS[@]}" -DFW_REVISION=$rev -c "$FW_DIR/src/$s.c" -o "$out/$s.o"
        objs+=("$out/$s.o")
    done
    "$CC" "${LDFLAGS[@]}" -Wl,-Map="$out/$name.map" -o "$out/$name.elf" "${objs[@]}" -lm
    "$OBJCOPY" -O binary "$out/$name.elf" "$out/$name.bin"

    # ---- sanity checks on the image ----------------------------------------------
    size=$(stat -c %s "$out/$name.bin")
    [ "$size" -ge 131072 ] || die "$name.bin is only $size bytes (< 128 KiB)"
    other="BC25R01A0$((7 - rev))"
    grep -q -a -F "$name" "$out/$name.bin" || die "$name.bin does not contain '$name'"
    if grep -q -a -F "$other" "$out/$name.bin"; then
        die "$name.bin contains the other revision string '$other'"
    fi
    read -r sp reset < <(od -An -t x4 -N 8 "$out/$name.bin")
    sp=$((16#$sp)); reset=$((16#$reset))
    [ $((sp & 0xFFF00000)) -eq $((0x20000000)) ] || die "$name.bin: initial SP 0x$(printf %08x $sp) not in SRAM"
    [ $((reset & 1)) -eq 1 ] || die "$name.bin: Reset_Handler 0x$(printf %08x $reset) lacks the Thumb bit"
    if [ $((reset)) -lt $((0x08020000)) ] || [ $((reset)) -ge $((0x08020000 + size)) ]; then
        die "$name.bin: Reset_Handler 0x$(printf %08x $reset) outside the image"
    fi
    mkdir -p "$WORK/out"
    cp -- "$out/$name.bin" "$WORK/out/$name.bin"
    IMAGES+=("$name")
done

# ---- report ---------------------------------------------------------------------
(cd "$WORK/out" && sha256sum "${IMAGES[@]/%/.bin}") > "$WORK/SHA256SUMS"
for n in "${IMAGES[@]}"; do
    printf '%s.bin  %7d bytes  sha256 %s  version string at offset(s) %s\n' "$n" \
        "$(stat -c %s "$WORK/out/$n.bin")" \
        "$(sha256sum "$WORK/out/$n.bin" | cut -d' ' -f1)" \
        "$(grep -o -b -a -F "$n" "$WORK/out/$n.bin" | cut -d: -f1 | paste -sd, -)"
done

if [ "$mode" = update ]; then
    for n in "${IMAGES[@]}"; do
        install -m 0644 -- "$WORK/out/$n.bin" "$SCRIPT_DIR/$n.bin"
    done
    install -m 0644 -- "$WORK/SHA256SUMS" "$SCRIPT_DIR/SHA256SUMS"
    echo "updated: ${IMAGES[*]/%/.bin} SHA256SUMS in $SCRIPT_DIR"
    exit 0
fi

status=0
for n in "${IMAGES[@]}"; do
    if [ ! -f "$SCRIPT_DIR/$n.bin" ]; then
        echo "MISSING  samples/$n.bin (run: bash samples/build.sh --update)" >&2
        status=1
    elif cmp -s "$WORK/out/$n.bin" "$SCRIPT_DIR/$n.bin"; then
        echo "OK       samples/$n.bin is identical to the rebuilt image"
    else
        echo "DIFFERS  samples/$n.bin differs from the rebuilt image" >&2
        cmp "$WORK/out/$n.bin" "$SCRIPT_DIR/$n.bin" >&2 || true
        status=1
    fi
done
if [ ! -f "$SCRIPT_DIR/SHA256SUMS" ]; then
    echo "MISSING  samples/SHA256SUMS" >&2
    status=1
elif ! cmp -s "$WORK/SHA256SUMS" "$SCRIPT_DIR/SHA256SUMS"; then
    echo "DIFFERS  samples/SHA256SUMS does not list the rebuilt images' hashes" >&2
    status=1
elif ! (cd "$SCRIPT_DIR" && sha256sum --quiet -c SHA256SUMS); then
    echo "DIFFERS  samples/*.bin do not match samples/SHA256SUMS" >&2
    status=1
else
    echo "OK       samples/SHA256SUMS matches"
fi
exit $status
