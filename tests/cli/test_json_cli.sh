#!/usr/bin/env bash
# CLI tests of --json on the commands that write files (diff, pack, zip,
# sign, keygen) and of the one-document rule every --json run follows:
# success or failure (a usage error, an existing output, a wrong
# passphrase), standard output holds exactly one JSON document, and every
# document is validated against docs/report.schema.json (lib.sh). The files
# a document names are checked against the files written (sha256sum, stat,
# openssl), not against fixed values.
# usage: tests/cli/test_json_cli.sh DFOTA SOURCE_DIR
set -uo pipefail

dfota=$1
src=$2
work=$(mktemp -d "${TMPDIR:-/tmp}/dfota-json-cli.XXXXXX")
trap 'rm -rf "$work"' EXIT
unset SOURCE_DATE_EPOCH

# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

sha() { sha256sum "$1" | cut -d' ' -f1; }
size() { stat -c %s "$1"; }
# item_is JQ_PATH FILE: the document's item at JQ_PATH names FILE by its base
# name, with its size and SHA-256.
item_is() {
    jq -e --arg n "$(basename "$2")" --argjson s "$(size "$2")" --arg h "$(sha "$2")" \
        "$1 | .name == \$n and .size == \$s and .sha256 == \$h" "$work/stdout" >/dev/null
}

old="$src/samples/BC25R01A03.bin"
new="$src/samples/BC25R01A04.bin"
pass=Fota-2024
out="$work/out"
mkdir "$out"

# --- keygen ---
run keygen --json --alg rsa2048 -o "$work/rsa" --passout pass:$pass
check "keygen --json" 0
check_empty "keygen --json: no summary on stderr" stderr
assert "keygen --json: ok, no input, the key's scheme" \
    jq -e '.ok and .command == "keygen" and .inputs == [] and .key.scheme == "RSA2048+SHA256"' "$work/stdout"
assert "keygen --json: key_sha256 is the SHA-256 of public.pem's SubjectPublicKeyInfo" \
    jq -e --arg k "$(openssl pkey -pubin -in "$work/rsa/public.pem" -outform DER | sha256sum | cut -d' ' -f1)" \
    '.key.key_sha256 == $k' "$work/stdout"
assert "keygen --json: private.pem as written" item_is '.outputs[0]' "$work/rsa/private.pem"
assert "keygen --json: public.pem as written" item_is '.outputs[1]' "$work/rsa/public.pem"
cp "$work/rsa/private.pem" "$work/private.before"
run keygen --json --alg rsa2048 -o "$work/rsa" --passout pass:$pass
check "keygen --json: an existing key pair" 4 stderr "already exists; use --force"
assert "keygen --json: the failure is the document, EXISTS without a module code" \
    jq -e '.ok == false and .error.status == "EXISTS" and .error.module_error == null and .outputs == []' "$work/stdout"
assert "keygen --json: the old key pair is untouched" cmp -s "$work/private.before" "$work/rsa/private.pem"
run keygen --json --alg rsa2048 -o "$work/weak" --passout pass:abc
check "keygen --json: a weak passphrase" 1 stderr WEAK_PASSPHRASE
assert "keygen --json: WEAK_PASSPHRASE, no module code" \
    jq -e '.ok == false and .error.status == "WEAK_PASSPHRASE" and .error.module_error == null' "$work/stdout"
run keygen --json --alg ecdsa-secp256k1 -o "$work/ec" --passout pass:$pass
check "keygen --json (ECDSA)" 0
assert "keygen --json: ECDSA_256K1+SHA256" jq -e '.key.scheme == "ECDSA_256K1+SHA256"' "$work/stdout"

# --- diff ---
run diff --json "$old" "$new" -o "$out/p.patch"
check "diff --json" 0
check_empty "diff --json: no summary on stderr" stderr
assert "diff --json: the old image" item_is '.inputs[0]' "$old"
assert "diff --json: the new image" item_is '.inputs[1]' "$new"
assert "diff --json: the patch written" item_is '.outputs[0]' "$out/p.patch"
"$schema_real_dfota" inspect --json "$out/p.patch" >"$work/inspect.json" </dev/null
assert "diff --json: the patch header as inspect reads it" \
    jq -e --slurpfile i "$work/inspect.json" '.patch == $i[0].patch' "$work/stdout"
run diff --json --in-place "$old" "$new" -o "$out/ip.patch"
check "diff --json --in-place" 0
assert "diff --json: the layout of an in-place patch" jq -e '.patch.layout == "in-place"' "$work/stdout"
run diff --json "$old" "$new" -o -
check "diff --json -o -: refused" 2 stderr "--json prints on standard output; give -o PATCH a file"
assert "diff --json -o -: the usage error is the document" \
    jq -e '.ok == false and .error.status == "INVALID_ARGUMENT" and .outputs == []' "$work/stdout"
run diff --json "$old" "$new" -o "$out/p.patch"
check "diff --json: an existing patch" 4 stderr "use --force"
assert "diff --json: EXISTS" jq -e '.error.status == "EXISTS" and .error.code == 6' "$work/stdout"
run diff --json "$work/missing.bin" "$new" -o "$out/q.patch"
check "diff --json: a missing image" 3
assert "diff --json: IO, the image named by its base name only" \
    jq -e '.error.status == "IO" and (.error.message | startswith("'"'"'missing.bin'"'"': ")) and (.error.message | contains("/") | not)' "$work/stdout"

# --- pack ---
pkg="$out/BC25R01A03_TO_BC25R01A04.bin"
run pack --json --old "$old" --new "$new" -o "$pkg"
check "pack --json" 0
check_empty "pack --json: no summary on stderr" stderr
assert "pack --json: both images" sh -c "$(declare -f item_is sha size); work='$work'; item_is '.inputs[0]' '$old' && item_is '.inputs[1]' '$new'"
assert "pack --json: the versions read from the images, the patch inside" \
    jq -e '.package.type == "delta" and .package.source.version == "BC25R01A03" and .package.target.version == "BC25R01A04" and .package.source.sha256 == .inputs[0].sha256 and .patch.codec == "range"' "$work/stdout"
assert "pack --json: the package written" item_is '.outputs[0]' "$pkg"
run pack --json --full "$new" -o "$out/full.bin"
check "pack --json --full" 0
assert "pack --json --full: one input, no patch" \
    jq -e '(.inputs | length) == 1 and .package.type == "full" and .package.source == null and .patch == null' "$work/stdout"
run pack --json --old "$work/missing.bin" --new "$new" -o "$out/x.bin"
check "pack --json: a missing image" 3
assert "pack --json: the failure document" jq -e '.ok == false and .error.status == "IO" and .outputs == []' "$work/stdout"
assert "pack --json: nothing written" test ! -e "$out/x.bin"

# --- zip ---
run zip --json "$pkg"
check "zip --json" 0
zip="$out/BC25R01A03_TO_BC25R01A04.zip"
assert "zip --json: the package read" item_is '.inputs[0]' "$pkg"
assert "zip --json: the zip written" item_is '.outputs[0]' "$zip"
assert "zip --json: the entry as unzip extracts it" \
    jq -e --arg h "$(unzip -p "$zip" BC25R01A03_TO_BC25R01A04.bin | sha256sum | cut -d' ' -f1)" \
    '.entry.name == "BC25R01A03_TO_BC25R01A04.bin" and .entry.sha256 == $h and .entry.time == "1980-01-01T00:00:00"' "$work/stdout"
SOURCE_DATE_EPOCH=1700000000 run zip --json "$pkg" -o "$out/dated.zip"
check "zip --json with SOURCE_DATE_EPOCH" 0
assert "zip --json: the entry's time (UTC, even seconds)" \
    jq -e '.entry.time == "2023-11-14T22:13:20"' "$work/stdout"

# --- sign ---
run sign --json --key "$work/rsa/private.pem" --passin pass:$pass "$zip"
check "sign --json" 0
signed="$out/BC25R01A03_TO_BC25R01A04_signed.zip"
assert "sign --json: the zip read" item_is '.inputs[0]' "$zip"
assert "sign --json: the signed zip written" item_is '.outputs[0]' "$signed"
assert "sign --json: the signature, checked, and the key by its SHA-256" \
    jq -e --arg k "$(openssl pkey -pubin -in "$work/rsa/public.pem" -outform DER | sha256sum | cut -d' ' -f1)" \
    '.signature == {"scheme": "RSA2048+SHA256", "result": "passed", "key_sha256": $k} and .entry.compressed_size == .entry.size' "$work/stdout"
unzip -o -q "$signed" -d "$work/x"
assert "sign --json: stock openssl agrees" \
    openssl dgst -sha256 -verify "$work/rsa/public.pem" -signature "$work/x/BC25R01A03_TO_BC25R01A04.bin.sig" \
    "$work/x/BC25R01A03_TO_BC25R01A04.bin"
run sign --json --key "$work/ec/private.pem" --passin pass:Wrong-2024 "$zip" -o "$out/bad_signed.zip"
check "sign --json: a wrong passphrase" 1 stderr BAD_PASSPHRASE
assert "sign --json: BAD_PASSPHRASE, no module code, no output" \
    jq -e '.ok == false and .error.status == "BAD_PASSPHRASE" and .error.module_error == null and .outputs == []' "$work/stdout"
assert "sign --json: the key named by its base name, no path in the message" \
    jq -e '(.error.message | contains("'"'"'private.pem'"'"'")) and (.error.message | contains("/") | not)' "$work/stdout"
run release --json --old "$old" --new "$new" --key "$work/ec/private.pem" --passin pass:Wrong-2024 -o "$work/relbad"
check "release --json: a wrong passphrase" 1 stderr BAD_PASSPHRASE
assert "release --json: no path in the failure's message" \
    jq -e '.error.status == "BAD_PASSPHRASE" and (.error.message | contains("/") | not)' "$work/stdout"
run verify --json --pubkey "$work/missing/public.pem" "$signed"
check "verify --json: a missing public key" 3
assert "verify --json: no path in the message or the check's detail" \
    jq -e '(.error.message | contains("/") | not) and ([.checks[]?.detail | contains("/")] | any | not)' "$work/stdout"
assert "sign --json: nothing written" test ! -e "$out/bad_signed.zip"
run sign --json --key "$work/ec/private.pem" --passin pass:$pass "$signed" -o "$out/twice.zip"
check "sign --json: an already signed zip" 1
assert "sign --json: the zip's failure" jq -e '.ok == false and .error.status != "OK"' "$work/stdout"

# --- every command: a usage error with --json is a document ---
for cmd in diff pack zip sign keygen apply verify inspect release; do
    run "$cmd" --json --no-such-option
    check "$cmd --json --no-such-option" 2 stderr "unknown option '--no-such-option'"
    assert "$cmd --json: the usage error is one document of $cmd" \
        jq -e --arg c "$cmd" '.command == $c and .ok == false and .error.status == "INVALID_ARGUMENT" and .error.message == "unknown option '"'"'--no-such-option'"'"'"' "$work/stdout"
done
run release --json --old "$old" --new "$new" -o "$work/rel"
check "release --json without --key" 2 stderr "missing --key"
assert "release --json: a usage error has the release members, empty" \
    jq -e '.ok == false and .report == null and .new_image == null and .signature == null and .pairs == []' "$work/stdout"

# --- standard output lost: exit 3, said once ---
[ -w /dev/full ] || fail "/dev/full is missing: the standard-output checks cannot run"
if [ -w /dev/full ]; then
    "$schema_real_dfota" diff --json "$old" "$new" -o "$out/full.patch" </dev/null >/dev/full 2>"$work/stderr"
    rc=$?
    check "diff --json >/dev/full" 3 stderr '^dfota diff: cannot write to standard output: No space left on device$'
    assert "diff --json >/dev/full: said once" test "$(grep -c 'cannot write' "$work/stderr")" -eq 1
    "$schema_real_dfota" keygen --json --alg rsa2048 -o "$work/k2" --passout pass:$pass </dev/null >/dev/full 2>"$work/stderr"
    rc=$?
    check "keygen --json >/dev/full" 3 stderr 'cannot write to standard output: No space left on device$'
fi

# --- help ---
for cmd in diff pack zip sign keygen; do
    run help "$cmd"
    check "help $cmd names --json" 0 stdout '^  --json  '
done

summary
