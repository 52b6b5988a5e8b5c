#!/usr/bin/env bash
# `make demo`: the release engineer's job on samples/. A demo signing key;
# `dfota release` from the two sample images (versions read from the
# images); the signed zip checked by `dfota verify` and by the stock unzip
# and openssl commands; then the package applied the way the module does it
# (progress URCs) and the result compared bit for bit with the real
# BC25R01A04. Re-runnable: every step replaces its previous output.
# usage: scripts/demo.sh DFOTA OUTDIR
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
# Both paths as the caller meant them; the demo then runs from the source tree.
dfota=$(realpath "$1")
out=$(realpath -m --relative-to="$root" "$2")
case $out in ../*) out=$(realpath -m "$2") ;; esac

# A demo key only: its passphrase is on the command line for all to see. A real
# key's passphrase comes from env:, file: or the terminal (README, "Release").
demo_pass=Demo-2024

run() {
    echo "\$ dfota $*"
    "$dfota" "$@" 2>&1
    echo
}

show() {
    echo "\$ $*"
    "$@" 2>&1
    echo
}

cd "$root"
mkdir -p "$out"
name=BC25R01A03_TO_BC25R01A04
echo "# demo key: passphrase 'pass:$demo_pass' given on the command line, for this demo only"
run keygen --alg rsa2048 -o "$out/keys" --passout "pass:$demo_pass" --force
run release --old samples/BC25R01A03.bin --new samples/BC25R01A04.bin \
    --key "$out/keys/private.pem" --passin "pass:$demo_pass" -o "$out" --force
run verify --pubkey "$out/keys/public.pem" --old samples/BC25R01A03.bin \
    --new samples/BC25R01A04.bin "$out/${name}_signed.zip"
echo "# the same signature, checked with stock tools"
show unzip -o "$out/${name}_signed.zip" -d "$out/unzipped"
show openssl dgst -sha256 -verify "$out/keys/public.pem" \
    -signature "$out/unzipped/$name.bin.sig" "$out/unzipped/$name.bin"
run apply --old samples/BC25R01A03.bin "$out/$name.bin" -o "$out/BC25R01A04.bin" \
    --urc --urc-max 5 --force
echo "\$ cmp $out/BC25R01A04.bin samples/BC25R01A04.bin"
cmp "$out/BC25R01A04.bin" samples/BC25R01A04.bin
echo "bit-exact: the rebuilt image equals samples/BC25R01A04.bin"
