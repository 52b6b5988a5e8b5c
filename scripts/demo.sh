#!/usr/bin/env bash
# `make demo`: the main job on samples/. A delta package from BC25R01A03 to
# BC25R01A04, inspected, applied the way the module does it (progress URCs),
# and the result compared bit for bit with the real BC25R01A04; then a
# full-image package for modules that take whole images (EC200T-style).
# Signing and `dfota release` join when they land.
# usage: scripts/demo.sh DFOTA OUTDIR
set -euo pipefail

dfota=$1
out=$2
root=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$out"

run() {
    echo "\$ dfota $*"
    "$dfota" "$@"
    echo
}

cd "$root"
pkg="$out/BC25R01A03_TO_BC25R01A04.bin"
run pack --old samples/BC25R01A03.bin --new samples/BC25R01A04.bin \
    --from-version BC25R01A03 --to-version BC25R01A04 -o "$pkg" --force
run inspect "$pkg"
run apply --old samples/BC25R01A03.bin "$pkg" -o "$out/BC25R01A04.bin" --urc --urc-max 5 --force
echo "\$ cmp $out/BC25R01A04.bin samples/BC25R01A04.bin"
cmp "$out/BC25R01A04.bin" samples/BC25R01A04.bin
echo "bit-exact: the rebuilt image equals samples/BC25R01A04.bin"
echo
run pack --full samples/BC25R01A04.bin --to-version BC25R01A04 -o "$out/BC25R01A04_FULL.bin" --force
echo "demo: packages in $out"
