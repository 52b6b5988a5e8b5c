#!/usr/bin/env bash
# CLI tests of the rule every writing command shares: an output never names
# one of the command's inputs (or, for `apply --state`, the state file),
# whatever the spelling: the same name, another path to it, a hard link, a
# symbolic link. The input is left as it was and nothing is written.
# usage: tests/cli/test_outputs_cli.sh DFOTA SOURCE_DIR
set -uo pipefail

dfota=$1
src=$2
work=$(mktemp -d "${TMPDIR:-/tmp}/dfota-outputs-cli.XXXXXX")
trap 'rm -rf "$work"' EXIT
unset SOURCE_DATE_EPOCH DFOTA_PASS

# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

pass=Fota-2024
name=BC25R01A03_TO_BC25R01A04
mkdir -p "$work/in"
cp "$src/samples/BC25R01A03.bin" "$work/in/old.bin"
cp "$src/samples/BC25R01A04.bin" "$work/in/new.bin"
old="$work/in/old.bin"
new="$work/in/new.bin"
"$dfota" keygen --alg ecdsa-secp256k1 -o "$work/keys" --passout "pass:$pass" -q </dev/null ||
    { echo "FAIL: keygen"; exit 1; }
"$dfota" diff --segment-size 4096 "$old" "$new" -o "$work/tb.patch" -q </dev/null ||
    { echo "FAIL: diff"; exit 1; }
"$dfota" pack --old "$old" --new "$new" --from-version BC25R01A03 --to-version BC25R01A04 \
    -o "$work/in/$name.bin" -q </dev/null || { echo "FAIL: pack"; exit 1; }
"$dfota" zip "$work/in/$name.bin" -q </dev/null || { echo "FAIL: zip"; exit 1; }
echo "$pass" >"$work/pass.txt"

# snapshot NAME FILE...: remember the bytes of FILEs; kept NAME checks them later.
snapshot() {
    shift
    sha256sum "$@" >"$work/snapshot"
}
kept() {
    assert "$1: the input is as it was" sha256sum -c --quiet "$work/snapshot"
}

# The other names of an input: a hard link and a symbolic link.
ln "$new" "$work/hard-new.bin"
ln -s "$new" "$work/sym-new.bin"
ln -s "in/$name.zip" "$work/sym.zip"

# --- diff ---
snapshot diff "$old" "$new"
run diff "$old" "$new" -o "$new" --force
check "diff -o NEW refused" 2 stderr "^dfota diff: -o '$new' is the same file as NEW '$new'; refusing to write over an input$"
run diff "$old" "$new" -o "$work/in/../in/old.bin" --force
check "diff -o OLD spelled another way refused" 2 stderr "is the same file as OLD '$old'"
run diff "$old" "$new" -o "$work/hard-new.bin" --force
check "diff -o a hard link to NEW refused" 2 stderr "-o '$work/hard-new.bin' is the same file as NEW"
run diff "$old" "$new" -o "$work/sym-new.bin" --force
check "diff -o a symbolic link to NEW refused" 2 stderr "-o '$work/sym-new.bin' is the same file as NEW"
kept "diff"
assert "diff: the symbolic link is still a link" test -L "$work/sym-new.bin"
run diff "$old" "$new" -o "$work/fresh.patch"
check "diff to a new file still works" 0
assert "diff wrote the new file" test -s "$work/fresh.patch"

# --- pack ---
snapshot pack "$old" "$new"
run pack --old "$old" --new "$new" --from-version BC25R01A03 --to-version BC25R01A04 -o "$new" --force
check "pack -o --new refused" 2 stderr "^dfota pack: -o '$new' is the same file as --new '$new'"
run pack --full "$new" --to-version BC25R01A04 -o "$work/hard-new.bin" --force
check "pack -o a hard link to --full refused" 2 stderr "is the same file as --full '$new'"
run pack --old "$old" --new "$new" --from-version BC25R01A03 --to-version BC25R01A04 -o "$old"
check "pack -o --old refused, without --force too" 2 stderr "is the same file as --old '$old'"
kept "pack"

# --- zip ---
cp "$new" "$work/in/X.bin"
snapshot zip "$work/in/X.bin"
run zip "$work/in/X.bin" -o "$work/in/X.bin" --force
check "zip -o X.bin refused" 2 stderr "^dfota zip: -o '$work/in/X.bin' is the same file as X.bin '$work/in/X.bin'"
ln -s X.bin "$work/in/X.zip"
run zip "$work/in/X.bin" --force
check "zip default output a symbolic link to X.bin refused" 2 stderr "-o '$work/in/X.zip' is the same file as X.bin"
kept "zip"

# --- sign ---
zip="$work/in/$name.zip"
snapshot sign "$zip" "$work/keys/private.pem" "$work/pass.txt"
run sign --key "$work/keys/private.pem" --passin "pass:$pass" "$zip" -o "$zip" --force
check "sign -o X.zip refused" 2 stderr "^dfota sign: -o '$zip' is the same file as X.zip '$zip'"
run sign --key "$work/keys/private.pem" --passin "pass:$pass" "$work/sym.zip" -o "$zip" --force
check "sign -o the target of a symbolic-link X.zip refused" 2 stderr "is the same file as X.zip '$work/sym.zip'"
run sign --key "$work/keys/private.pem" --passin "pass:$pass" "$zip" -o "$work/keys/private.pem" --force
check "sign -o --key refused" 2 stderr "is the same file as --key '$work/keys/private.pem'"
run sign --key "file://$work/keys/private.pem" --passin "pass:$pass" "$zip" -o "$work/keys/private.pem" --force
check "sign -o a file:// --key refused" 2 stderr "is the same file as --key '$work/keys/private.pem'"
run sign --key "$work/keys/private.pem" --passin "file:$work/pass.txt" "$zip" -o "$work/pass.txt" --force
check "sign -o the --passin file refused" 2 stderr "is the same file as --passin '$work/pass.txt'"
kept "sign"

# --- keygen ---
mkdir -p "$work/k2"
echo "$pass" >"$work/k2/private.pem"
snapshot keygen "$work/k2/private.pem"
run keygen --alg ecdsa-secp256k1 -o "$work/k2" --passout "file:$work/k2/private.pem" --force
check "keygen over its --passout file refused" 2 stderr "^dfota keygen: -o '$work/k2/private.pem' is the same file as --passout '$work/k2/private.pem'"
kept "keygen"
assert "keygen: no public.pem written" test ! -e "$work/k2/public.pem"

# --- release ---
mkdir -p "$work/rel"
cp "$new" "$work/rel/$name.bin"
snapshot release "$work/rel/$name.bin"
run release --old "$old" --new "$work/rel/$name.bin" --from-version BC25R01A03 --to-version BC25R01A04 \
    --key "$work/keys/private.pem" --passin "pass:$pass" -o "$work/rel" --force
check "release over its --new image refused" 2 stderr "^dfota release: -o '$work/rel/$name.bin' is the same file as --new '$work/rel/$name.bin'"
kept "release"
assert "release: nothing else written" test "$(ls -A "$work/rel")" = "$name.bin"

# --- apply: the output, the state file and the inputs are all different files ---
state="$work/dev.flash"
run apply --old "$old" "$work/tb.patch" -o "$state" --state "$state"
check "apply -o the --state file refused before it exists" 2 stderr "^dfota apply: -o '$state' is the same file as --state '$state'; refusing to write over another output$"
assert "apply: no state and no image after the refusal" test ! -e "$state"
run apply --old "$old" "$work/tb.patch" -o "$state" --state "$state" --cut-after 200
check "apply --cut-after with -o the --state file refused" 2 stderr "is the same file as --state"
assert "apply: still no state" test ! -e "$state"
run apply --old "$old" "$work/tb.patch" -o "$work/new.bin" --state "$state" --cut-after 200
check "apply: a cut saves the state" 5
cp "$state" "$work/state.saved"
# The report's case: resume with the state file as the output, which the
# completed update then removed, with the image in it.
run apply --old "$old" "$work/tb.patch" -o "$state" --state "$state" --force
check "apply --state F -o F refused" 2 stderr "-o '$state' is the same file as --state '$state'"
assert "apply --state F -o F: the state is as it was" cmp -s "$state" "$work/state.saved"
ln "$state" "$work/dev-link.flash"
run apply --old "$old" "$work/tb.patch" -o "$work/dev-link.flash" --state "$state" --force
check "apply -o a hard link to the state refused" 2 stderr "is the same file as --state '$state'"
cd "$work" || exit 1
run apply --old "$old" "$work/tb.patch" -o ./dev.flash --state "../${work##*/}/dev.flash" --force
cd - >/dev/null || exit 1
check "apply -o the state spelled another way refused" 2 stderr "is the same file as --state"
run apply --old "$old" "$work/tb.patch" -o "$work/tb.patch" --state "$state" --force
check "apply -o the patch refused" 2 stderr "-o '$work/tb.patch' is the same file as PKG_OR_PATCH '$work/tb.patch'"
run apply --old "$old" "$work/tb.patch" -o "$work/x.bin" --state "$old"
check "apply --state the old image refused" 2 stderr "^dfota apply: --state '$old' is the same file as --old '$old'; refusing to write over an input$"
run apply --old "$old" "$work/tb.patch" -o "$old" --force
check "apply -o the old image refused (no --state)" 2 stderr "-o '$old' is the same file as --old '$old'"
assert "apply: the state survived every refusal" cmp -s "$state" "$work/state.saved"
assert "apply: the old image survived" cmp -s "$old" "$src/samples/BC25R01A03.bin"
run apply --old "$old" "$work/tb.patch" -o "$work/new.bin" --state "$state"
check "apply: the resume to another file finishes" 0
assert "apply: bit-exact" cmp -s "$work/new.bin" "$new"
assert "apply: state removed" test ! -e "$state"

summary
