#!/usr/bin/env bash
# `make demo`: the main job on samples/. Until the delta engine lands this is
# a full-image package of BC25R01A04 (EC200T-style FOTA), then its inspection.
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
run pack --full samples/BC25R01A04.bin --to-version BC25R01A04 -o "$out/BC25R01A04.bin" --force
run inspect "$out/BC25R01A04.bin"
echo "demo: package written to $out/BC25R01A04.bin"
