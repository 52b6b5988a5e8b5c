#!/usr/bin/env bash
# The device-side code proven on a target: the example firmware of
# examples/cortex-m4 (bare-metal Cortex-M4, QEMU mps2-an386) applies the BC25
# sample pair as a two-bank delta, an in-place delta and a full image, pushed
# in 64-byte chunks, each compared bit for bit with the new image, plus a
# power cut (a real system reset) in the middle of an apply and the resume on
# the next boot; then measures code per part (from the linker map), peak
# stack (painted), the workspace (zstd context, header, front end: they must
# agree exactly) and instructions per KB of output (a QEMU TCG plugin).
#
# It builds dfota on the host if BUILD_DIR has no dfota binary, makes the
# packages with it, fetches zstd's source from Debian's source package of the
# host's libzstd-dev version (apt-get source; deb-src is enabled if needed),
# the QEMU plugin header from Debian's qemu source package, builds the
# firmware twice (normal, and lean: -DDFOTA_DEVICE_MESSAGES=0), runs every
# scenario of both under qemu-system-arm with a timeout, prints the figures
# and exits non-zero on any failure (a wrong image, a scenario that did not
# complete, a workspace disagreement, a zstd context of another size than
# DFOTA_ZSTD_DCTX_SIZE). Budgets (issue 11) are reported; --strict makes a
# missed budget a failure too.
#
# Needs (Debian 12): gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm
# dpkg-dev xz-utils python3 gcc, and apt sources with deb-src; run as root
# the first time (apt-get update / apt-get source), later runs reuse
# BUILD_DIR/target/src.
# usage: scripts/target-check.sh [--strict] [BUILD_DIR]
set -euo pipefail

strict=0
if [ "${1:-}" = "--strict" ]; then
    strict=1
    shift
fi
root=$(cd "$(dirname "$0")/.." && pwd)
build=$(realpath -m "${1:-$root/build}")
work=$build/target
src=$work/src
ex=$root/examples/cortex-m4
timeout_s=${TARGET_TIMEOUT:-300}

say() { printf 'target-check: %s\n' "$*"; }
die() { printf 'target-check: %s\n' "$*" >&2; exit 1; }

missing=()
for tool in arm-none-eabi-gcc:gcc-arm-none-eabi qemu-system-arm:qemu-system-arm \
            dpkg-source:dpkg-dev xz:xz-utils python3:python3 gcc:gcc apt-get:apt; do
    command -v "${tool%%:*}" >/dev/null 2>&1 || missing+=("${tool#*:}")
done
[ -e "$(arm-none-eabi-gcc -mcpu=cortex-m4 -mthumb --specs=nano.specs -print-file-name=libc_nano.a 2>/dev/null)" ] ||
    missing+=(libnewlib-arm-none-eabi)
[ ${#missing[@]} -eq 0 ] || die "missing: apt-get install ${missing[*]}"

# ---------------------------------------------------------------- dfota
# Configured if needed, then brought up to date (nothing to do when it is).
if [ ! -f "$build/CMakeCache.txt" ]; then
    say "configuring dfota in $build"
    cmake -S "$root" -B "$build" -DDFOTA_WERROR=ON >/dev/null
fi
cmake --build "$build" -j "${JOBS:-1}" --target dfota >/dev/null
dfota=$build/dfota

mkdir -p "$src"

# ------------------------------------------------- Debian source packages
# deb-src next to every deb entry of the deb822 sources (Debian 12's format).
ensure_deb_src() {
    local f=/etc/apt/sources.list.d/debian.sources
    if grep -qsE '^Types:.*deb-src' "$f" /etc/apt/sources.list.d/*.sources 2>/dev/null ||
       grep -qsE '^deb-src ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null; then
        return 0
    fi
    [ "$(id -u)" -eq 0 ] || die "no deb-src in the apt sources; as root: add deb-src to the Types: lines of $f, apt-get update"
    [ -f "$f" ] || die "no $f to add deb-src to"
    say "enabling deb-src in $f"
    sed -i -E 's/^Types:[[:space:]]*deb[[:space:]]*$/Types: deb deb-src/' "$f"
    apt-get update -qq
}

# upstream VERSION: 1:7.2+dfsg-7+deb12u18 -> 7.2, 1.5.4+dfsg2-5 -> 1.5.4
upstream() { local v=${1#*:}; v=${v%-*}; echo "${v%%+*}"; }

# fetch_source PACKAGE VERSION DEST [--download-only]: the exact VERSION
# first, then any other version of the same upstream version the archive has.
# Prints the version it got.
fetch_source() {
    local pkg=$1 want=$2 dest=$3 only=${4:-} v tried=()
    mkdir -p "$dest"
    for v in "$want" $(apt-cache showsrc "$pkg" 2>/dev/null | awk '/^Version:/ { print $2 }'); do
        [ "$(upstream "$v")" = "$(upstream "$want")" ] || continue
        case " ${tried[*]} " in *" $v "*) continue ;; esac
        tried+=("$v")
        if (cd "$dest" && apt-get source -qq $only "$pkg=$v" >"$dest/apt-get.log" 2>&1); then
            echo "$v"
            return 0
        fi
        say "apt-get source $pkg=$v failed ($(grep -m1 -E '^(E|Err):' "$dest/apt-get.log" || echo 'see log'))" >&2
    done
    die "no source package of $pkg $(upstream "$want") could be fetched (tried: ${tried[*]:-none})"
}

# zstd: the host's libzstd-dev version, or the same upstream version.
zstd_host=$(dpkg-query -W -f='${source:Version}' libzstd-dev 2>/dev/null) ||
    die "libzstd-dev is not installed (scripts/install-deps.sh)"
zstd_dir=$(find "$src/zstd" -maxdepth 1 -type d -name 'libzstd-*' 2>/dev/null | head -1 || true)
if [ -z "$zstd_dir" ] || [ ! -f "$src/zstd/version" ]; then
    ensure_deb_src
    rm -rf "$src/zstd"
    got=$(fetch_source libzstd "$zstd_host" "$src/zstd")
    echo "$got" >"$src/zstd/version"
    zstd_dir=$(find "$src/zstd" -maxdepth 1 -type d -name 'libzstd-*' | head -1)
fi
zstd_used=$(cat "$src/zstd/version")
if [ "$zstd_used" = "$zstd_host" ]; then
    say "zstd: Debian source libzstd $zstd_used, the host's libzstd-dev version"
else
    say "zstd: Debian source libzstd $zstd_used (the host's libzstd-dev is $zstd_host, whose source could not be fetched; same upstream version)"
fi
zlib=$zstd_dir/lib
zver=$(awk '/^#define ZSTD_VERSION_(MAJOR|MINOR|RELEASE)/ { printf "%s%s", sep, $3; sep = "." }' "$zlib/zstd.h")
[ "$zver" = "$(upstream "$zstd_host")" ] ||
    die "zstd source is $zver, the host's libzstd-dev is $(upstream "$zstd_host")"

# The QEMU plugin API header: Debian's qemu source of the installed qemu-system-arm.
qemu_host=$(dpkg-query -W -f='${source:Version}' qemu-system-arm)
plugin_h=$src/qemu/qemu-plugin.h
if [ ! -f "$plugin_h" ]; then
    ensure_deb_src
    rm -rf "$src/qemu"
    got=$(fetch_source qemu "$qemu_host" "$src/qemu" --download-only)
    orig=$(find "$src/qemu" -maxdepth 1 -name 'qemu_*.orig.tar.*' | head -1)
    [ -n "$orig" ] || die "no orig tarball in $src/qemu"
    tar -xOf "$orig" --wildcards '*/include/qemu/qemu-plugin.h' >"$plugin_h.tmp" ||
        die "no include/qemu/qemu-plugin.h in $orig"
    [ -s "$plugin_h.tmp" ] || die "no include/qemu/qemu-plugin.h in $orig"
    mv "$plugin_h.tmp" "$plugin_h"
    echo "$got" >"$src/qemu/version"
    rm -f "$orig" "$src/qemu"/*.debian.tar.* # only the header is kept
fi
say "QEMU plugin header from Debian source qemu $(cat "$src/qemu/version") (qemu-system-arm $(dpkg-query -W -f='${Version}' qemu-system-arm))"

# ---------------------------------------------------------------- plugin
gcc -shared -fPIC -O2 -std=c11 -Wall -Wextra -Werror -I"$src/qemu" \
    "$ex/plugin/insncount.c" -o "$work/insncount.so"

# -------------------------------------------------------------- firmware
cpu=(-mcpu=cortex-m4 -mthumb -mfloat-abi=soft)
cflags=("${cpu[@]}" -Os -std=c11 -Wall -Wextra -Werror -ffunction-sections -fdata-sections)
# zstd's decoder with the size options of its lib/README.md ("Small
# footprint"); ZSTD_DISABLE_ASM is lib/common/portability_macros.h's.
zstd_flags=(-DZSTD_DECODER_INTERNAL_BUFFER=8192 -DHUF_FORCE_DECOMPRESS_X1
            -DZSTD_FORCE_DECOMPRESS_SEQUENCES_SHORT -DZSTD_NO_INLINE -DZSTD_STRIP_ERROR_STRINGS
            -DZSTD_LEGACY_SUPPORT=0 -DZSTD_DISABLE_ASM)
for m in "${zstd_flags[@]}"; do
    m=${m#-D}
    m=${m%%=*}
    grep -rqw "$m" "$zlib/common" "$zlib/decompress" || die "zstd $zver does not know $m"
done
zstd_sources=("$zlib"/common/*.c "$zlib"/decompress/*.c)
device_sources=("$root"/apply_ref/src/*.c "$root"/core/src/status.c "$root"/core/src/wire.c
                "$root"/core/src/container.c)
fw_sources=("$ex"/*.c)

# build NAME [FLAGS...]: the firmware $work/NAME/fw.elf and its map (with
# zstd's decoder unless FLAGS has -DDFOTA_CODEC_ZSTD=0).
build_fw() {
    local name=$1 out=$work/$1 f with_zstd=1
    shift
    case " $* " in *" -DDFOTA_CODEC_ZSTD=0 "*) with_zstd=0 ;; esac
    rm -rf "$out"
    mkdir -p "$out/zstd" "$out/dfota" "$out/example"
    if [ "$with_zstd" -eq 1 ]; then
        for f in "${zstd_sources[@]}"; do
            arm-none-eabi-gcc "${cflags[@]}" "${zstd_flags[@]}" -c "$f" -o "$out/zstd/$(basename "$f" .c).o"
        done
    fi
    for f in "${device_sources[@]}"; do
        arm-none-eabi-gcc "${cflags[@]}" -Wpedantic -Wconversion -Wno-sign-conversion -fstack-usage "$@" \
            -I"$root/apply_ref/include" -I"$root/core/include" -I"$build/generated" -I"$zlib" \
            -c "$f" -o "$out/dfota/$(basename "$f" .c).o"
    done
    for f in "${fw_sources[@]}"; do
        arm-none-eabi-gcc "${cflags[@]}" -Wpedantic "$@" -I"$ex" \
            -I"$root/apply_ref/include" -I"$root/core/include" -I"$build/generated" -I"$zlib" \
            -c "$f" -o "$out/example/$(basename "$f" .c).o"
    done
    arm-none-eabi-gcc "${cpu[@]}" --specs=nano.specs -nostartfiles -T "$ex/link.ld" \
        -Wl,--gc-sections -Wl,-Map="$out/fw.map" -Wl,--fatal-warnings \
        "$out"/example/*.o "$out"/dfota/*.o $([ "$with_zstd" -eq 1 ] && echo "$out"/zstd/*.o) \
        -o "$out/fw.elf"
}

say "building the firmware (normal, lean, and small: lean without zstd)"
build_fw normal
build_fw lean -DDFOTA_DEVICE_MESSAGES=0
build_fw small -DDFOTA_DEVICE_MESSAGES=0 -DDFOTA_CODEC_ZSTD=0
# The small profile for a device with two banks: no in-place code either.
build_fw small2bank -DDFOTA_DEVICE_MESSAGES=0 -DDFOTA_CODEC_ZSTD=0 -DDFOTA_IN_PLACE=0
# ... and the firmware of a device that applies raw patches only (no package
# front end): its map holds exactly what such an applier links.
build_fw smallraw -DDFOTA_DEVICE_MESSAGES=0 -DDFOTA_CODEC_ZSTD=0 -DDFOTA_IN_PLACE=0 -DDFOTA_BUILTIN_MD5=0 \
    -DEXAMPLE_RAW_ONLY
for b in lean small small2bank smallraw; do
    if arm-none-eabi-nm "$work/$b/fw.elf" | grep -E ' [Tt] _?(v?s?n?printf|_svfprintf_r|_vfprintf_r)$' >&2; then
        die "the $b firmware links the printf family (above)"
    fi
done
if arm-none-eabi-nm "$work/smallraw/fw.elf" | grep -E ' [Tt] dfota_(pkg|container|md5)_' >&2; then
    die "the raw-patch firmware links the package front end (above)"
fi
for b in small small2bank smallraw; do
    if arm-none-eabi-nm "$work/$b/fw.elf" | grep -E ' [Tt] ZSTD_' >&2; then
        die "the $b firmware links zstd (above)"
    fi
done

# -------------------------------------------------------------- packages
old=$root/samples/BC25R01A03.bin
new=$root/samples/BC25R01A04.bin
run=$work/run
rm -rf "$run"
mkdir -p "$run"
cp "$old" "$run/old.bin"
cp "$new" "$run/new.bin"
"$dfota" pack -q --old "$old" --new "$new" --from-version BC25R01A03 --to-version BC25R01A04 \
    -o "$run/twobank.bin"
"$dfota" pack -q --in-place --old "$old" --new "$new" --from-version BC25R01A03 \
    --to-version BC25R01A04 -o "$run/inplace.bin"
"$dfota" pack -q --full "$new" --to-version BC25R01A04 -o "$run/full.bin"
# The same deltas with zstd frames (for the builds that include zstd), and the
# raw patch of the two-bank package (its payload).
"$dfota" pack -q --codec zstd --old "$old" --new "$new" --from-version BC25R01A03 \
    --to-version BC25R01A04 -o "$run/twobank-zstd.bin"
"$dfota" pack -q --codec zstd --in-place --old "$old" --new "$new" --from-version BC25R01A03 \
    --to-version BC25R01A04 -o "$run/inplace-zstd.bin"
# The digests the hardware-like hash driver returns (hwhash.c), computed here:
# every digest a two-bank delta asks for (pkgapply.c, apply.c): SHA-256 of the
# package header (the package's id) and of the patch header (the patch's id),
# SHA-256 and MD5 of the source image and of the payload, SHA-256 and MD5 of
# the target as read back.
python3 - "$run" <<'EOF'
import hashlib, struct, sys
run = sys.argv[1]
pkg = open(run + "/twobank.bin", "rb").read()
header_size = struct.unpack_from("<I", pkg, 12)[0]
old = open(run + "/old.bin", "rb").read()
new = open(run + "/new.bin", "rb").read()
out = b""
for alg, data in ((1, pkg[:header_size]), (1, pkg[header_size:header_size + 112]), (1, old), (2, old), (1, pkg[header_size:]),
                  (2, pkg[header_size:]), (1, new), (2, new)):
    digest = (hashlib.sha256 if alg == 1 else hashlib.md5)(data).digest()
    out += struct.pack("<II", alg, len(data)) + digest.ljust(32, b"\0")
open(run + "/digests.bin", "wb").write(out)
# The raw patch (the payload) and what a raw apply asks the driver for: the
# patch header (its id), the source, the target read back.
patch = pkg[header_size:]
open(run + "/patch.bin", "wb").write(patch)
out = b""
for alg, data in ((1, patch[:112]), (1, old), (1, new)):
    out += struct.pack("<II", alg, len(data)) + hashlib.sha256(data).digest()
open(run + "/patch-digests.bin", "wb").write(out)
EOF

# ------------------------------------------------------------- scenarios
# qemu_run BUILD SCENARIO PACKAGE [EXPECTED [LABEL [DIGESTS]]]: the firmware's
# output in $run/BUILD-LABEL.log (LABEL: the scenario's name by default);
# EXPECTED is the image the result is compared with.
fails=0
qemu_run() {
    local b=$1 sc=$2 pkg=$3 expected=${4:-new.bin} label=${5:-$2} digests=${6:-digests.bin}
    local elf=$work/$1/fw.elf log=$run/$1-${5:-$2}.log rc=0 begin end lo hi
    begin=$(arm-none-eabi-nm "$elf" | awk '$3 == "measure_begin" { print "0x" $1 }')
    end=$(arm-none-eabi-nm "$elf" | awk '$3 == "measure_end" { print "0x" $1 }')
    lo=$(arm-none-eabi-nm "$elf" | awk '$3 == "__stack_limit" { print "0x" $1 }')
    hi=$(arm-none-eabi-nm "$elf" | awk '$3 == "__stack_top" { print "0x" $1 }')
    (cd "$run" && timeout "$timeout_s" qemu-system-arm -M mps2-an386 -cpu cortex-m4 \
        -nographic -monitor none -serial none \
        -semihosting-config enable=on,target=native,arg=fw.elf,arg="$sc",arg=old.bin,arg="$expected",arg="$pkg",arg="$digests" \
        -plugin "$work/insncount.so,begin=$begin,end=$end,stack_lo=$lo,stack_hi=$hi,profile=on,out=$run/$b-$label.insn" \
        -kernel "$elf" >"$log" 2>&1) || rc=$?
    if [ "$rc" -ne 0 ] || ! grep -q "^PASSED $sc\$" "$log"; then
        [ "$rc" -eq 124 ] && echo "(timed out after ${timeout_s} s)" >>"$log"
        say "FAILED: $b $label (exit $rc):"
        sed 's/^/    /' "$log" >&2
        fails=$((fails + 1))
        return 0
    fi
    say "passed: $b $label"
}

# The comparison itself: against the old image instead of the new one, the
# run must fail, and say so.
qemu_run normal twobank twobank.bin old.bin >/dev/null 2>&1 || true
if [ "$fails" -ne 1 ] || ! grep -q '^FAIL twobank: the new image differs' "$run/normal-twobank.log"; then
    die "the firmware did not detect a result that differs from the expected image"
fi
fails=0
say "checked: a result compared with the wrong image fails the run"

for b in normal lean small; do
    qemu_run "$b" twobank twobank.bin
    qemu_run "$b" inplace inplace.bin
    qemu_run "$b" powercut twobank.bin
    qemu_run "$b" hwhash twobank.bin
    qemu_run "$b" patch patch.bin
    qemu_run "$b" patchhw patch.bin new.bin patchhw patch-digests.bin
done
qemu_run smallraw patch patch.bin
qemu_run smallraw patchhw patch.bin new.bin patchhw patch-digests.bin
for b in small2bank; do
    qemu_run "$b" twobank twobank.bin
    qemu_run "$b" powercut twobank.bin
    qemu_run "$b" hwhash twobank.bin
    qemu_run "$b" patch patch.bin
    qemu_run "$b" patchhw patch.bin new.bin patchhw patch-digests.bin
done
for b in normal lean; do
    qemu_run "$b" full full.bin
    qemu_run "$b" twobank twobank-zstd.bin new.bin zstd
    qemu_run "$b" inplace inplace-zstd.bin new.bin inplacezstd
done
# The power cut must have been a reset, and the resume must have found work left.
for b in normal lean small small2bank; do
    log=$run/$b-powercut.log
    [ -f "$log" ] || continue
    if ! grep -q '^power cut: system reset' "$log" || ! grep -q '^dfota example firmware, boot 2,' "$log"; then
        say "FAILED: $b powercut: no reset and second boot in the log"
        fails=$((fails + 1))
    fi
done

# ---------------------------------------------------------------- figures
python3 "$ex/figures.py" "$work" $([ "$strict" -eq 1 ] && echo --strict) || fails=$((fails + 1))

if [ "$fails" -ne 0 ]; then
    say "$fails failure(s); logs in $run"
    exit 1
fi
say "all scenarios passed (logs in $run)"
