#!/usr/bin/env bash
# CLI tests of verify, inspect and apply on every kind of file: packages,
# raw patches, zips and signed zips, a signed payload dfota did not make
# (--signature-only, exit 7 without it), signatures not checked
# (--require-signature), -q, -v and --json (docs/report.schema.json).
# usage: tests/cli/test_verify_cli.sh DFOTA SOURCE_DIR
set -uo pipefail

dfota=$1
src=$2
work=$(mktemp -d "${TMPDIR:-/tmp}/dfota-verify-cli.XXXXXX")
trap 'rm -rf "$work"' EXIT
unset SOURCE_DATE_EPOCH

# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

old="$src/samples/BC25R01A03.bin"
new="$src/samples/BC25R01A04.bin"
pass='Passw0rd!'
name=BC25R01A03_TO_BC25R01A04
"$dfota" keygen --alg rsa2048 -o "$work/rsa" --passout "pass:$pass" -q </dev/null &&
    "$dfota" keygen --alg ecdsa-secp256k1 -o "$work/ec" --passout "pass:$pass" -q </dev/null &&
    "$dfota" keygen --alg rsa2048 -o "$work/other" --passout "pass:$pass" -q </dev/null ||
    { echo "FAIL: keygen"; exit 1; }
mkdir "$work/in"
"$dfota" pack --old "$old" --new "$new" --from-version BC25R01A03 --to-version BC25R01A04 \
    -o "$work/in/$name.bin" -q </dev/null &&
    "$dfota" zip "$work/in/$name.bin" -q </dev/null &&
    "$dfota" sign --key "$work/rsa/private.pem" --passin "pass:$pass" "$work/in/$name.zip" -q </dev/null &&
    "$dfota" sign --key "$work/ec/private.pem" --passin "pass:$pass" "$work/in/$name.zip" \
        -o "$work/in/ec_signed.zip" -q </dev/null &&
    "$dfota" diff "$old" "$new" -o "$work/in/raw.patch" -q </dev/null ||
    { echo "FAIL: making the inputs"; exit 1; }
pkg="$work/in/$name.bin"
zip="$work/in/$name.zip"
signed="$work/in/${name}_signed.zip"
patch="$work/in/raw.patch"
pub="$work/rsa/public.pem"
key_sha=$(openssl pkey -pubin -in "$pub" -outform DER | sha256sum | cut -d' ' -f1)
new_sha=$(sha256sum "$new" | cut -d' ' -f1)

# A payload dfota did not make, zipped and signed like the platform's signtool
# signs the module vendor's delta.
mkdir "$work/vendor"
head -c 3000 /dev/urandom >"$work/vendor/X.bin"
"$dfota" zip "$work/vendor/X.bin" -q </dev/null &&
    "$dfota" sign --key "$work/rsa/private.pem" --passin "pass:$pass" "$work/vendor/X.zip" -q </dev/null ||
    { echo "FAIL: signing the foreign payload"; exit 1; }
foreign="$work/vendor/X_signed.zip"
foreign_sha=$(sha256sum "$work/vendor/X.bin" | cut -d' ' -f1)

# nopath NAME: the JSON on stdout names no path of this machine.
nopath() {
    if grep -qF "$work" "$work/stdout"; then fail "$1: a path in the JSON"; else ok; fi
}

# --- the vendor's flow: a signed payload that is not a dfota package ---
run verify --pubkey "$pub" --signature-only "$foreign"
check "verify --signature-only of a foreign signed zip" 0 \
    stdout '^signature +passed$' stdout '^zip +passed$' stdout '^container +skipped +not checked: signature and zip only$' \
    stdout "^result +signature ok; payload not checked \(--signature-only\): the signature covers the 3000 bytes of 'X.bin' \(SHA-256 $foreign_sha\)"
check_empty "verify --signature-only" stderr
run verify --pubkey "$pub" --signature-only --json "$foreign"
check "verify --signature-only --json" 0
assert "--signature-only JSON: signature passed, payload not checked" \
    jq -e --arg key "$key_sha" --arg sha "$foreign_sha" '.ok == true and .payload_checked == false
        and .signature == {"scheme": "RSA2048+SHA256", "result": "passed", "key_sha256": $key}
        and .entry.name == "X.bin" and .entry.sha256 == $sha and .package == null
        and ([.checks[] | select(.result == "passed") | .name] == ["signature", "zip"])' "$work/stdout"
nopath "verify --signature-only --json"
run verify --pubkey "$pub" "$foreign"
check "verify of a foreign payload: its own exit code" 7 \
    stderr "^dfota verify: '$foreign': not a dfota package; use --signature-only to check only the signature" \
    stdout '^container +FAILED +not a dfota package nor a raw patch'
run verify --pubkey "$pub" --json "$foreign"
check "verify --json of a foreign payload" 7
assert "foreign payload JSON: BAD_MAGIC at the container check" \
    jq -e '.ok == false and .error.status == "BAD_MAGIC" and .payload_checked == true
        and (.error.message | startswith("not a dfota package; use --signature-only"))
        and .first_failure == {"check": "container", "status": "BAD_MAGIC"}' "$work/stdout"
run verify --pubkey "$work/other/public.pem" --signature-only "$foreign"
check "--signature-only with the wrong key" 1 stderr 'BAD_SIGNATURE' stdout '^signature +FAILED '
cp "$foreign" "$work/vendor/tampered.zip"
patch "$work/vendor/tampered.zip" 100 00
run verify --pubkey "$pub" --signature-only "$work/vendor/tampered.zip"
check "--signature-only of a changed payload" 1 stderr '(BAD_SIGNATURE|BAD_ZIP)'
run verify --signature-only "$foreign"
check "--signature-only without --pubkey" 2 stderr '--signature-only needs --pubkey KEY'
run verify --signature-only --json "$foreign"
check "--signature-only without --pubkey, --json" 2
assert "the usage error as JSON" jq -e '.ok == false and .error.status == "INVALID_ARGUMENT"' "$work/stdout"
run verify --pubkey "$pub" --signature-only --old "$old" "$foreign"
check "--signature-only with an image" 2 stderr '--signature-only checks no image'
run verify --pubkey "$pub" --signature-only --old "$old" --json "$foreign"
check "--signature-only with an image, --json" 2
run inspect "$foreign"
check "inspect of a foreign payload" 7 stdout '^entry +X.bin, 3000 bytes' stderr 'not a dfota package nor a raw patch'
run apply --old "$old" "$foreign" -o "$work/foreign.out"
check "apply of a foreign payload" 7 stderr 'neither a dfota package nor a dfota patch'
assert "apply of a foreign payload: nothing written" test ! -e "$work/foreign.out"

# --- a signature not checked is never a plain ok; --require-signature makes it an error ---
run verify "$signed"
check "verify a signed zip without --pubkey" 0 stdout '^signature +NOT checked \(no --pubkey\)$' \
    stdout '^result +ok, but the signature was NOT checked \(no --pubkey\)$'
assert "no plain ok for an unchecked signature" bash -c "! grep -qE '^result +ok$' '$work/stdout'"
run verify --json "$signed"
check "verify --json of a signed zip without --pubkey" 0
assert "JSON: signature not checked, no key" \
    jq -e '.ok == true and .signature == {"scheme": "RSA2048+SHA256", "result": "not checked", "key_sha256": null}
        and .checks[0].result == "skipped"' "$work/stdout"
run verify --require-signature "$signed"
check "--require-signature without --pubkey" 1 stderr 'NOT_SIGNED' stdout '^signature +FAILED '
run verify --require-signature "$pkg"
check "--require-signature of a bare package" 1 stderr 'a signature is required but the file is a bare package'
run verify --require-signature "$zip"
check "--require-signature of an unsigned zip" 1 stderr 'NOT_SIGNED'
run verify --require-signature --pubkey "$pub" --old "$old" --new "$new" "$signed"
check "--require-signature with --pubkey" 0 stdout '^result +ok$'
run verify --pubkey "$pub" -v --json --old "$old" --new "$new" "$signed"
check "verify --json of the signed zip" 0
assert "JSON: the key by its SHA-256, no path" \
    jq -e --arg key "$key_sha" '.signature.key_sha256 == $key and .signature.result == "passed"
        and .file.name == "'"${name}_signed.zip"'" and .file.kind == "signed zip"
        and .patch.layout == "two-bank" and .patch.codec == "range"' "$work/stdout"
nopath "verify --json of the signed zip"
run verify --json --pubkey "$work/nope/public.pem" "$signed"
check "verify --json with a missing key" 3 stderr "signature check: cannot open 'public.pem'"
assert "the missing key is named by its base name" jq -e '.error.status == "IO" and (.error.message | contains("'"'"'public.pem'"'"'"))' "$work/stdout"
nopath "verify --json with a missing key"
run verify --pubkey "$work/ec/public.pem" -v "$work/in/ec_signed.zip"
check "verify an ECDSA signed zip" 0 stdout '^signature +passed +ECDSA_256K1\+SHA256 signature'
run verify --pubkey "$pub" "$work/in/ec_signed.zip"
check "verify an ECDSA signed zip with an RSA key" 1 stderr 'BAD_SIGNATURE'

# --- raw patches ---
run verify --old "$old" --new "$new" "$patch"
check "verify a raw patch" 0 stdout '^file .*\(patch\)$' stdout '^payload +passed$' \
    stdout '^apply +passed$' stdout '^new +passed$' stdout '^result +ok$'
run verify --json --old "$old" --new "$new" "$patch"
assert "raw patch JSON: kind patch, the header, no package" \
    jq -e '.ok == true and .file.kind == "patch" and .package == null and .patch.source_size == 142788
        and .patch.target_size == 143156 and ([.checks[] | select(.result == "passed") | .name] == ["payload", "source", "apply", "target", "new"])' "$work/stdout"
run verify --old "$new" "$patch"
check "verify a raw patch with the wrong old image" 1 stdout '^source +FAILED ' stderr 'SOURCE_MISMATCH'
run verify --new "$old" "$patch"
check "verify a raw patch against another new image" 1 stdout '^new +FAILED ' stderr 'TARGET_MISMATCH'
head -c 1000 "$patch" >"$work/cut.patch"
run verify "$work/cut.patch"
check "verify a truncated raw patch" 1 stdout '^payload +FAILED ' stderr 'TRUNCATED'
run verify --pubkey "$pub" "$patch"
check "verify a raw patch with --pubkey" 1 stderr 'NOT_SIGNED'

# --- -q and -v ---
run verify -q --old "$old" --new "$new" "$pkg"
check "verify -q" 0
check_empty "verify -q" stdout
check_empty "verify -q" stderr
run verify -q --old "$new" "$pkg"
check "verify -q, failing" 1 stderr 'SOURCE_MISMATCH'
check_empty "verify -q, failing" stdout
run verify -v --old "$old" --new "$new" "$pkg"
check "verify -v" 0 stdout '^source +passed +old image is BC25R01A03: 142788 bytes, MD5 and SHA-256 match$'
run verify -q -v "$pkg"
check "verify -q -v" 2 stderr '-q and -v cannot be used together'
run inspect -q "$signed"
check "inspect -q" 0
check_empty "inspect -q" stdout
run inspect -v "$pkg"
check "inspect -v" 0 stdout '^check +container +passed +format 2, delta package BC25R01A03 -> BC25R01A04'
rm -f "$work/q.bin"
run apply -q --old "$old" "$signed" -o "$work/q.bin"
check "apply -q of a signed zip" 0
check_empty "apply -q" stderr
rm -f "$work/v.bin"
run apply -v --old "$old" "$signed" -o "$work/v.bin"
check "apply -v" 0 stderr "signed zip, entry '$name.bin' \(1814 bytes\), signature NOT checked" \
    stderr 'patch two-bank, range codec, 3 segments of 65536 bytes'

# --- inspect of a zip and a signed zip ---
run inspect "$signed"
check "inspect a signed zip" 0 stdout "^file +$signed \(signed zip, [0-9]+ bytes\)$" \
    stdout "^entry +$name.bin, 1814 bytes \(1814 in the zip\), dated 1980-01-01 00:00:00$" \
    stdout '^signature +RSA2048\+SHA256 \(256 bytes\), NOT checked: inspect checks it only with --pubkey$' \
    stdout '^package type +delta$' stdout '^source +version +BC25R01A03$' \
    stdout '^checks +passed: zip container payload; skipped: signature source apply target new$'
cp "$work/stdout" "$work/inspect-signed"
run inspect "$pkg"
check "inspect the package" 0
assert "the package inside a signed zip shows as the package itself" \
    cmp -s <(sed -n '/^format version/,/^created/p' "$work/inspect-signed") <(sed -n '/^format version/,/^created/p' "$work/stdout")
run inspect --pubkey "$pub" "$signed"
check "inspect --pubkey" 0 stdout "^signature +RSA2048\+SHA256 \(256 bytes\), verified with the public key ${key_sha:0:16}$" \
    stdout '^checks +passed: signature zip container payload; skipped: source apply target new$'
run inspect --pubkey "$work/other/public.pem" "$signed"
check "inspect --pubkey with the wrong key" 1 stderr 'BAD_SIGNATURE'
run inspect "$work/in/ec_signed.zip"
check "inspect an ECDSA signed zip" 0 stdout '^signature +ECDSA_256K1\+SHA256 \([0-9]+ bytes\), NOT checked'
run inspect "$zip"
check "inspect a zip" 0 stdout "^entry +$name.bin, 1814 bytes \([0-9]+ in the zip\)" stdout '^signature +none: the zip is not signed$'
run inspect --json "$signed"
check "inspect --json of a signed zip" 0
assert "inspect JSON: entry, signature not checked, the package, the same checks as verify" \
    jq -e '.command == "inspect" and .file.kind == "signed zip" and .entry.name == "'"$name.bin"'"
        and .entry.time == "1980-01-01T00:00:00" and .entry.size == 1814
        and .signature == {"scheme": "RSA2048+SHA256", "result": "not checked", "key_sha256": null}
        and .package.source.version == "BC25R01A03" and .patch.layout == "two-bank"
        and ([.checks[].name] == ["signature", "zip", "container", "payload", "source", "apply", "target", "new"])
        and (.regions.target | length) >= 1' "$work/stdout"
nopath "inspect --json of a signed zip"
run inspect --json "$work/in/ec_signed.zip"
assert "inspect JSON: the ECDSA scheme read from the signature" jq -e '.signature.scheme == "ECDSA_256K1+SHA256"' "$work/stdout"
cp "$signed" "$work/bad_signed.zip"
patch "$work/bad_signed.zip" 200 00
run inspect --json "$work/bad_signed.zip"
check "inspect --json of a damaged signed zip" 1
assert "the failure as one JSON document" jq -e '.ok == false and .first_failure.check == "zip" and .error.status == "BAD_ZIP"' "$work/stdout"

# --- apply from a zip and a signed zip ---
rm -f "$work/a.bin"
run apply --old "$old" "$signed" -o "$work/a.bin"
check "apply a signed zip without --pubkey" 0 \
    stderr "^dfota apply: '$signed': signature NOT checked \(no --pubkey\); applying '$name.bin' from it$"
assert "apply a signed zip: bit-exact" cmp -s "$work/a.bin" "$new"
rm -f "$work/a.bin"
run apply --old "$old" --pubkey "$pub" "$signed" -o "$work/a.bin"
check "apply a signed zip with --pubkey" 0
assert "apply --pubkey: no 'not checked' line" bash -c "! grep -q 'NOT checked' '$work/stderr'"
assert "apply --pubkey: bit-exact" cmp -s "$work/a.bin" "$new"
rm -f "$work/a.bin"
run apply --old "$old" --pubkey "$work/other/public.pem" "$signed" -o "$work/a.bin"
check "apply a signed zip with the wrong key" 1 stderr "signature check: signature does not match" stderr 'BAD_SIGNATURE'
assert "apply with the wrong key: nothing written" test ! -e "$work/a.bin"
run apply --old "$old" --pubkey "$pub" "$pkg" -o "$work/a.bin"
check "apply --pubkey of a bare package" 1 stderr 'NOT_SIGNED'
run apply --old "$old" "$zip" -o "$work/a.bin" --urc
check "apply a zip with --urc" 0 stdout '^\+QIND: "FOTA","END",0$'
assert "apply a zip: bit-exact" cmp -s "$work/a.bin" "$new"
run apply --old "$old" "$work/bad_signed.zip" -o "$work/b.bin" --urc
check "apply a damaged signed zip with --urc" 1 stdout '^\+QIND: "FOTA","END",6507$' stderr 'BAD_ZIP'
assert "apply a damaged signed zip: nothing written" test ! -e "$work/b.bin"
rm -f "$work/a.bin"
run apply --json --old "$old" "$signed" -o "$work/a.bin"
check "apply --json" 0
assert "apply JSON: the input, what it applied, NEW in outputs" \
    jq -e --arg sha "$new_sha" '.ok == true and .command == "apply" and .file.kind == "signed zip"
        and .signature.result == "not checked" and .package.target.version == "BC25R01A04"
        and .patch.codec == "range" and .outputs == [{"name": "a.bin", "size": 143156, "sha256": $sha}]' "$work/stdout"
nopath "apply --json"
run apply --json --old "$new" "$signed" -o "$work/c.bin"
check "apply --json, failing" 1 stderr 'SOURCE_MISMATCH'
assert "apply --json failure: one document" jq -e '.ok == false and .error.status == "SOURCE_MISMATCH" and .outputs == []' "$work/stdout"
nopath "apply --json failure"
run apply --json --urc --old "$old" "$signed" -o "$work/c.bin"
check "apply --json --urc" 2 stderr '--json and --urc both print on standard output'
assert "apply --json --urc: a usage error document" jq -e '.ok == false and .error.status == "INVALID_ARGUMENT"' "$work/stdout"
run apply --json --old "$old" "$signed" -o -
check "apply --json -o -" 2 stderr '--json prints on standard output'
rm -f "$work/p.bin"
run apply --json --old "$old" "$patch" -o "$work/p.bin"
check "apply --json of a raw patch" 0
assert "apply JSON of a raw patch: no package" jq -e '.package == null and .patch.segment_count == 3 and .file.kind == "patch"' "$work/stdout"

# --- standard output that cannot be written: exit 3, nothing claimed ---
[ -w /dev/full ] || fail "/dev/full is missing: the standard-output checks cannot run"
if [ -w /dev/full ]; then
    "$schema_real_dfota" verify --json "$pkg" >/dev/full 2>"$work/stderr" </dev/null
    rc=$?
    check "verify --json >/dev/full" 3 stderr '^dfota verify: cannot write to standard output: No space left on device$'
    "$schema_real_dfota" inspect "$pkg" >/dev/full 2>"$work/stderr" </dev/null
    rc=$?
    check "inspect >/dev/full" 3 stderr 'cannot write to standard output'
    "$schema_real_dfota" inspect --json "$pkg" >/dev/full 2>"$work/stderr" </dev/null
    rc=$?
    check "inspect --json >/dev/full" 3
fi

# --- help and the exit code ---
run --help
check "the main help names exit status 7" 0 stdout '7 not a dfota package'
run help verify
check "help verify" 0 stdout '--signature-only' stdout '--require-signature' stdout '^  -q, --quiet' stdout '^  -v, --verbose'
run help apply
check "help apply" 0 stdout '--pubkey KEY' stdout '^  --json' stdout '^  -v, --verbose'

summary
