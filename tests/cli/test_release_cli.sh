#!/usr/bin/env bash
# CLI tests of `dfota release` and of every failure a released package can
# meet afterwards (`dfota verify`, stock unzip + openssl). Runs the real
# dfota binary and checks stdout, stderr and the exit code.
# usage: tests/cli/test_release_cli.sh DFOTA SOURCE_DIR
set -uo pipefail

dfota=$1
src=$2
work=$(mktemp -d "${TMPDIR:-/tmp}/dfota-release-cli.XXXXXX")
trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT
unset SOURCE_DATE_EPOCH DFOTA_PASS

# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

old="$src/samples/BC25R01A03.bin"
new="$src/samples/BC25R01A04.bin"
name=BC25R01A03_TO_BC25R01A04
pass=Fota-2024
rsa="$work/rsa"
ec="$work/ec"
files=("$name.bin" "$name.zip" "${name}_signed.zip" "$name.report.json")

# release ARGS...: `dfota release` with the two samples and the RSA key.
# release ARGS...: a release of the two sample images with the RSA key, but for
# what ARGS give themselves (a repeated option is a usage error).
release() {
    local a defaults=()
    local -A given=()
    for a in "$@"; do given[$a]=1; done
    [ -n "${given[--old]:-}" ] || defaults+=(--old "$old")
    [ -n "${given[--new]:-}" ] || defaults+=(--new "$new")
    [ -n "${given[--key]:-}" ] || defaults+=(--key "$rsa/private.pem")
    [ -n "${given[--passin]:-}" ] || defaults+=(--passin "pass:$pass")
    run release "${defaults[@]}" "$@"
}

# stock_verify SIGNED_ZIP PUBLIC_PEM ENTRY: what the README tells a user to run.
stock_verify() {
    rm -rf "$work/unzipped"
    unzip -o "$1" -d "$work/unzipped" >/dev/null 2>&1 &&
        openssl dgst -sha256 -verify "$2" -signature "$work/unzipped/$3.sig" \
            "$work/unzipped/$3" >/dev/null 2>&1
}

# refuses COMMAND...: COMMAND fails.
refuses() { ! "$@"; }

# listing DIR: every entry (hidden ones too) with its checksum, to compare a
# directory before and after a failed release.
listing() {
    if [ -d "$1" ]; then
        (cd "$1" && ls -A | while read -r f; do
            if [ -f "$f" ]; then echo "$f $(sha256sum <"$f")"; else echo "$f/"; fi
        done)
    else
        echo "(no directory)"
    fi
}

# untouched NAME DIR: DIR is exactly as `listing` saw it in $work/before.
untouched() {
    assert "$1: nothing written, no .release.* left" \
        cmp -s "$work/before" <(listing "$2")
}

# one_byte_flipped FILE OFFSET: invert the byte at OFFSET.
one_byte_flipped() {
    local byte
    byte=$(od -An -tx1 -j "$2" -N1 "$1" | tr -d ' ')
    patch "$1" "$2" "$(printf '%02x' $((0x$byte ^ 0xff)))"
}

"$dfota" keygen --alg rsa2048 -o "$rsa" --passout "pass:$pass" -q </dev/null ||
    { echo "FAIL: keygen rsa2048"; exit 1; }
"$dfota" keygen --alg ecdsa-secp256k1 -o "$ec" --passout "pass:$pass" -q </dev/null ||
    { echo "FAIL: keygen ecdsa-secp256k1"; exit 1; }

# --- help and usage errors ---
run help release
check "help release" 0 stdout '^usage: dfota release --old OLD \[--old OLD2 \.\.\.\] --new NEW' \
    stdout '^  -j, --jobs N  ' stdout '^  -v, --verbose  ' stdout '^  --json  '
run release --help
check "release --help" 0 stdout '^usage: dfota release'
run release --new "$new" --key "$rsa/private.pem" -o "$work/u"
check "release without --old" 2 stderr 'missing --old OLD and --new NEW' stderr '^usage: dfota release'
run release --old "$old" --new "$new" -o "$work/u"
check "release without --key" 2 stderr 'missing --key KEY'
run release --old "$old" --new "$new" --key "$rsa/private.pem"
check "release without -o" 2 stderr 'missing -o DIR'
release -o "$work/u" --bogus
check "release unknown option" 2 stderr "unknown option '--bogus'"
release -o "$work/u" extra
check "release extra argument" 2 stderr "unexpected argument 'extra'"
release -o "$work/u" --from-version "BC25 R01"
check "release bad --from-version" 2 stderr '--from-version: source version has character 0x20'
release -o "$work/u" --window-log 99
check "release bad --window-log" 2 stderr "--window-log '99'"
SOURCE_DATE_EPOCH=yesterday release -o "$work/u"
check "release bad SOURCE_DATE_EPOCH" 2 stderr "SOURCE_DATE_EPOCH='yesterday'"
run release --old "$old" --new "$new" --key "$rsa/private.pem" -o "$work/u"
check "release without --passin, no terminal" 2 stderr 'missing --passin SRC'
assert "usage errors created no directory" test ! -e "$work/u"

# --- success: versions from the images, RSA key ---
out="$work/out"
release -o "$out"
check "release, versions from the images" 0 \
    stdout "^release BC25R01A03 -> BC25R01A04 \(from: old image, offset 137712; to: new image, offset 138084\)$" \
    stdout "$name.bin +[0-9]+ bytes, [0-9.]+% of the new image, device workspace [0-9]+ bytes$" \
    stdout "${name}_signed.zip +[0-9]+ bytes, RSA2048\+SHA256$" \
    stdout '^verified signed zip +signature zip container payload source apply target new: ok$'
check_empty "release" stderr
for f in "${files[@]}"; do
    assert "release wrote $f" test -s "$out/$f"
done
assert "release wrote exactly the four files" test "$(ls -A "$out" | wc -l)" -eq 4
run verify --old "$old" --new "$new" "$out/$name.bin"
check "verify the released package" 0 stdout '^result +ok$'
run verify --old "$old" --new "$new" "$out/$name.zip"
check "verify the released zip" 0 stdout '^zip +passed$' stdout '^result +ok$'
run verify --pubkey "$rsa/public.pem" --old "$old" --new "$new" "$out/${name}_signed.zip"
check "verify the released signed zip" 0 stdout '^signature +passed$' stdout '^new +passed$' stdout '^result +ok$'
assert "stock unzip + openssl verify the signed zip" \
    stock_verify "$out/${name}_signed.zip" "$rsa/public.pem" "$name.bin"
assert "the signed zip holds the released .bin" cmp -s "$work/unzipped/$name.bin" "$out/$name.bin"
run apply --old "$old" "$out/$name.bin" -o "$work/rebuilt.bin"
check "apply the released package" 0
assert "apply rebuilds the new image bit for bit" cmp -s "$work/rebuilt.bin" "$new"
run inspect --json "$out/$name.bin"
assert "package header holds both versions" \
    jq -e '.package.source.version == "BC25R01A03" and .package.target.version == "BC25R01A04"' "$work/stdout"

report="$out/$name.report.json"
assert "report is valid JSON" jq -e . "$report"
assert "report: versions, where they were found" \
    jq -e '.ok == true and .schema_version == 1 and .command == "release"
           and .pairs[0].from_version == "BC25R01A03" and .to_version == "BC25R01A04"
           and .pairs[0].version_source == {"from": "old image", "from_offset": 137712,
                                            "to": "new image", "to_offset": 138084}' "$report"
assert "report: old and new images" \
    jq -e --arg o "$(sha256sum <"$old" | cut -d' ' -f1)" --arg n "$(sha256sum <"$new" | cut -d' ' -f1)" \
          --arg om "$(md5sum <"$old" | cut -d' ' -f1)" \
    '.pairs[0].old_image.size == 142788 and .pairs[0].old_image.sha256 == $o
     and .pairs[0].old_image.md5 == $om and .pairs[0].old_image.name == "BC25R01A03.bin"
     and .new_image.size == 143156 and .new_image.sha256 == $n
     and .new_image.name == "BC25R01A04.bin"' "$report"
assert "report: sizes, ratio, workspace, patch parameters" \
    jq -e --argjson s "$(stat -c %s "$out/$name.bin")" \
    '.created == 0 and .new_image.size as $n | .pairs[0]
     | .package_size == $s and .patch_size < .package_size and .package_ratio > 0
     and .package_ratio < 0.05 and (.package_ratio - $s / $n | fabs) < 0.000001
     and .workspace_size > 0 and .workspace_size <= 16384
     and .patch.segment_size == 65536 and .patch.window_log == 10 and .patch.codec == "range"
     and .patch.segment_count == 3 and .patch.layout == "two-bank"
     and (.patch.predict | type) == "string"' "$report"
assert "report: signature scheme" \
    jq -e '.signature.scheme == "RSA2048+SHA256"' "$report"
for i in 0 1 2; do
    f=${files[$i]}
    assert "report: name, size and SHA-256 of $f" \
        jq -e --arg f "$f" --argjson s "$(stat -c %s "$out/$f")" \
              --arg h "$(sha256sum <"$out/$f" | cut -d' ' -f1)" \
        ".pairs[0].files[$i] | .name == \$f and .size == \$s and .sha256 == \$h
         and (.checks | length) == 8
         and ([.checks[] | select(.result == \"failed\")] | length) == 0
         and ([.checks[] | select(.name == \"new\")][0].result) == \"passed\"" "$report"
done
assert "report: every check of the signed zip passed, the signature included" \
    jq -e '[.pairs[0].files[2].checks[] | .result] == ["passed","passed","passed","passed","passed","passed","passed","passed"]
           and .pairs[0].files[2].kind == "signed zip"' "$report"

# --- --json, explicit versions, ECDSA ---
out2="$work/out2"
run release --old "$old" --new "$new" --from-version R1 --to-version R2 \
    --key "$ec/private.pem" --passin "pass:$pass" -o "$out2" --json
check "release --json, explicit versions, ECDSA" 0
check_empty "release --json" stderr
assert "--json prints the report" cmp -s "$work/stdout" "$out2/R1_TO_R2.report.json"
assert "--json: versions from the options, ECDSA" \
    jq -e '.ok == true and .pairs[0].from_version == "R1" and .to_version == "R2"
           and .pairs[0].version_source == {"from": "given", "from_offset": null,
                                            "to": "given", "to_offset": null}
           and .signature.scheme == "ECDSA_256K1+SHA256" and (.pairs[0].files | length) == 3' "$work/stdout"
for f in R1_TO_R2.bin R1_TO_R2.zip R1_TO_R2_signed.zip R1_TO_R2.report.json; do
    assert "explicit versions name $f" test -s "$out2/$f"
done
run verify -v --pubkey "$ec/public.pem" --old "$old" --new "$new" "$out2/R1_TO_R2_signed.zip"
check "verify the ECDSA signed zip" 0 stdout '^signature +passed +ECDSA_256K1\+SHA256'
assert "stock unzip + openssl verify the ECDSA signed zip" \
    stock_verify "$out2/R1_TO_R2_signed.zip" "$ec/public.pem" R1_TO_R2.bin
run release --old "$old" --new "$new" --key "$rsa/private.pem" --passin "pass:$pass" \
    --pubkey "$rsa/public.pem" -o "$work/out3" -q
check "release --pubkey (the matching key), -q" 0
check_empty "release -q" stdout
assert "report names the --pubkey by its digest, not its path" \
    jq -e --arg k "$(openssl pkey -pubin -in "$rsa/public.pem" -outform DER | sha256sum | cut -d' ' -f1)" \
    '.signature.key_sha256 == $k' "$work/out3/$name.report.json"
assert "no path in the report" sh -c "! grep -q '$work' '$work/out3/$name.report.json'"
DFOTA_PASS=$pass run release --old "$old" --new "$new" --key "file:$rsa/private.pem" \
    --passin env:DFOTA_PASS -o "$work/out4/" --predict none --segment-size 4096 --level 3 -q
check "release: key as a file: URI, passphrase from env:, patch options, DIR with a slash" 0
assert "patch options reach the patch" \
    jq -e '.pairs[0].patch | .predict == "none" and .segment_size == 4096 and .segment_count == 35' \
    "$work/out4/$name.report.json"

if command -v script >/dev/null; then
    # On a terminal: asked once.
    printf '%s\n' "$pass" | timeout 60 script -qefc \
        "'$dfota' release --old '$old' --new '$new' --key '$rsa/private.pem' -o '$work/tty' -q" \
        /dev/null >"$work/stdout" 2>"$work/stderr"
    rc=$?
    check "release asks for the passphrase on the terminal" 0 stdout "Enter the passphrase for $rsa/private.pem"
    assert "release from the terminal wrote the signed zip" test -s "$work/tty/${name}_signed.zip"
fi

# --- versions found in the images ---
cp "$old" "$work/nover-old.bin"
patch "$work/nover-old.bin" 137712 62 # 'b': not a revision any more
cp "$new" "$work/a05.bin"
printf 'BC25R01A05' | dd of="$work/a05.bin" bs=1 seek=138084 conv=notrunc status=none
run release --old "$work/nover-old.bin" --new "$work/a05.bin" --from-version BC25R01A03 \
    --key "$rsa/private.pem" --passin "pass:$pass" -o "$work/v1" -q
check "a given --from-version needs no string in OLD; NEW's is found" 0
assert "version read from NEW" test -s "$work/v1/BC25R01A03_TO_BC25R01A05_signed.zip"
cp "$new" "$work/m07.bin"
printf 'BC25R01A04M07\0' | dd of="$work/m07.bin" bs=1 seek=138084 conv=notrunc status=none
{ cat "$old"; printf '\0BC25R01A03\0xBC25R01A09\0BC25R01A08x\0bc25r01a07\0'; } >"$work/twice.bin"
run release --old "$work/twice.bin" --new "$work/m07.bin" \
    --key "$rsa/private.pem" --passin "pass:$pass" -o "$work/v2" -q
check "same string twice, strings inside longer words ignored, M suffix" 0
assert "versions BC25R01A03 and BC25R01A04M07" test -s "$work/v2/BC25R01A03_TO_BC25R01A04M07.bin"
cp "$new" "$work/ec200.bin"
printf 'EC200TCNTCNMAR02A02M16' | dd of="$work/ec200.bin" bs=1 seek=138084 conv=notrunc status=none
run release --old "$old" --new "$work/ec200.bin" --key "$rsa/private.pem" --passin "pass:$pass" \
    -o "$work/v3" -q --json
check "an EC200-style revision" 0
assert "EC200TCNTCNMAR02A02M16 found" jq -e '.to_version == "EC200TCNTCNMAR02A02M16"' "$work/stdout"

# --- determinism ---
for d in d1 d2; do
    SOURCE_DATE_EPOCH=1700000000 release -o "$work/$d" -q
    check "release with SOURCE_DATE_EPOCH ($d)" 0
    SOURCE_DATE_EPOCH=1700000000 run release --old "$old" --new "$new" --key "$ec/private.pem" \
        --passin "pass:$pass" -o "$work/e$d" -q
    check "ECDSA release with SOURCE_DATE_EPOCH ($d)" 0
done
for f in "${files[@]}"; do
    assert "RSA: same inputs, same $f" cmp -s "$work/d1/$f" "$work/d2/$f"
done
for f in "$name.bin" "$name.zip"; do
    assert "ECDSA: same inputs, same $f" cmp -s "$work/ed1/$f" "$work/ed2/$f"
    assert "ECDSA and RSA releases share $f" cmp -s "$work/ed1/$f" "$work/d1/$f"
done
# A DER ECDSA signature is 70 to 72 bytes: the signed zip's size may change too.
ecdsa_stable='del(.pairs[0].files[2].sha256, .pairs[0].files[2].size, .pairs[0].files[2].checks[1].detail)'
assert "ECDSA reports differ only in the signed zip's digest, size and signature length" \
    cmp -s <(jq "$ecdsa_stable" "$work/ed1/$name.report.json") \
           <(jq "$ecdsa_stable" "$work/ed2/$name.report.json")
assert "report states SOURCE_DATE_EPOCH as the creation time" \
    jq -e '.created == 1700000000' "$work/d1/$name.report.json"
assert "SOURCE_DATE_EPOCH changes the package" refuses cmp -s "$work/d1/$name.bin" "$out/$name.bin"
# The same bytes as the step-by-step commands of the README.
export SOURCE_DATE_EPOCH=1700000000
mkdir -p "$work/steps"
run pack --old "$old" --new "$new" --from-version BC25R01A03 --to-version BC25R01A04 \
    -o "$work/steps/$name.bin" -q
check "step by step: pack" 0
run zip "$work/steps/$name.bin" -q
check "step by step: zip" 0
run sign --key "$rsa/private.pem" --passin "pass:$pass" "$work/steps/$name.zip" -q
check "step by step: sign" 0
unset SOURCE_DATE_EPOCH
for f in "$name.bin" "$name.zip" "${name}_signed.zip"; do
    assert "release's $f equals pack + zip + sign" cmp -s "$work/d1/$f" "$work/steps/$f"
done

# --- failures of a released package (dfota verify) ---
cp "$old" "$work/wrong-old.bin"
one_byte_flipped "$work/wrong-old.bin" 4096
run verify --old "$work/wrong-old.bin" "$out/$name.bin"
check "wrong old image" 1 stdout '^source +FAILED ' stderr 'SOURCE_MISMATCH; module error BC25 6507'
run verify --old "$new" --new "$new" "$out/${name}_signed.zip"
check "a package for another version" 1 stderr 'source check' stderr 'SOURCE_MISMATCH; module error BC25 6507'
run verify --old "$old" --new "$work/a05.bin" "$out/$name.bin"
check "a package that rebuilds another new image" 1 stdout '^new +FAILED '
cp "$out/$name.bin" "$work/tampered.bin"
one_byte_flipped "$work/tampered.bin" $(($(stat -c %s "$work/tampered.bin") - 100))
run verify --old "$old" "$work/tampered.bin"
check "tampered package (payload)" 1 stderr 'PAYLOAD_DIGEST; module error BC25 6507'
cp "$out/$name.bin" "$work/tampered-header.bin"
one_byte_flipped "$work/tampered-header.bin" 40
run verify "$work/tampered-header.bin"
check "tampered package (header)" 1 stderr 'container check' stderr 'module error BC25 6507'
for offset in 100 1500 $(($(stat -c %s "$out/${name}_signed.zip") - 10)); do
    cp "$out/${name}_signed.zip" "$work/tampered_signed.zip"
    one_byte_flipped "$work/tampered_signed.zip" "$offset"
    run verify --pubkey "$rsa/public.pem" "$work/tampered_signed.zip"
    check "tampered signed zip (byte $offset)" 1 stderr '(BAD_ZIP|BAD_SIGNATURE|ZIP_CONTENT); module error BC25 6507'
done
run verify --pubkey "$ec/public.pem" "$out/${name}_signed.zip"
check "wrong public key" 1 stdout '^signature +FAILED ' stderr 'BAD_SIGNATURE; module error BC25 6507'
assert "stock openssl refuses the wrong public key too" \
    refuses stock_verify "$out/${name}_signed.zip" "$ec/public.pem" "$name.bin"
head -c 1000 "$out/$name.bin" >"$work/truncated.bin"
run verify "$work/truncated.bin"
check "truncated package" 1 stderr 'TRUNCATED; module error BC25 6507'
head -c 2000 "$out/${name}_signed.zip" >"$work/truncated_signed.zip"
run verify --pubkey "$rsa/public.pem" "$work/truncated_signed.zip"
check "truncated signed zip" 1 stderr 'BAD_ZIP; module error BC25 6507'
head -c 1000 "$out/$name.zip" >"$work/truncated.zip"
run verify "$work/truncated.zip"
check "truncated zip" 1 stderr 'zip check'
run verify "$out/missing_signed.zip"
check "verify a missing file" 3 stderr "'$out/missing_signed.zip': cannot open: No such file or directory \(IO\)"

# --- failures of release: nothing written, ever ---
fail="$work/fail"
mkdir -p "$fail"
echo unrelated >"$fail/keep.txt"
listing "$fail" >"$work/before"

release -o "$fail" --old "$work/missing.bin"
check "release: missing OLD" 3 stderr "'$work/missing.bin': cannot open: No such file or directory \(IO\)"
untouched "missing OLD" "$fail"
release -o "$fail" --new "$work/missing.bin"
check "release: missing NEW" 3 stderr "'$work/missing.bin': cannot open: No such file or directory"
untouched "missing NEW" "$fail"
run release --old "$old" --new "$new" --key "$work/missing.pem" --passin "pass:$pass" -o "$fail"
check "release: missing key" 3 stderr "missing.pem" stderr 'No such file or directory'
untouched "missing key" "$fail"
release -o "$fail" --old "$work/nover-old.bin"
check "release: no version in OLD" 2 \
    stderr "no version string found in '$work/nover-old.bin'; give --from-version" stderr '^usage: dfota release'
untouched "no version" "$fail"
release -o "$fail" --new "$work/nover-old.bin" --from-version BC25R01A03
check "release: no version in NEW" 2 stderr "no version string found in '$work/nover-old.bin'; give --to-version"
cat "$old" "$new" >"$work/both.bin"
release -o "$fail" --old "$work/both.bin"
check "release: ambiguous version" 2 \
    stderr "ambiguous version: '$work/both.bin' holds several version strings \(BC25R01A03, BC25R01A04\); give --from-version"
{ cat "$new"; for v in 05 06 07 08 09; do printf '\0BC25R01A%s' "$v"; done; } >"$work/many.bin"
release -o "$fail" --new "$work/many.bin"
check "release: ambiguous version lists four" 2 \
    stderr "several version strings \(BC25R01A04, BC25R01A05, BC25R01A06, BC25R01A07, \.\.\.\); give --to-version"
untouched "ambiguous version" "$fail"
release -o "$fail" --new "$old"
check "release: same version in both images" 2 stderr "the old and the new version are both 'BC25R01A03'"
release -o "$fail" --from-version V1 --to-version V1
check "release: same --from-version and --to-version" 2 stderr "both 'V1'"
untouched "same versions" "$fail"
run release --old "$old" --new "$new" --key "$rsa/private.pem" --passin pass:Wrong-2024 -o "$fail"
check "release: wrong passphrase, no module code" 1 stderr "cannot decrypt the private key in '$rsa/private.pem': wrong passphrase \(BAD_PASSPHRASE\)$"
untouched "wrong passphrase" "$fail"
release -o "$fail" --pubkey "$ec/public.pem"
check "release: verification fails (--pubkey of another key)" 1 \
    stderr "'$fail/${name}_signed.zip': signature check: .*\(BAD_SIGNATURE; module error BC25 6507" \
    stderr "no file written: '$fail' is as it was"
untouched "failed verification" "$fail"
release -o "$fail" --passin pass:Wrong-2024 --json
check "release --json: wrong passphrase" 1 stderr 'BAD_PASSPHRASE'
assert "--json: the failure as JSON" \
    jq -e '.ok == false and .command == "release" and .error.status == "BAD_PASSPHRASE"
           and .error.module_error == null and .pairs == []' "$work/stdout"
release -o "$fail" --passin "file:$work/missing-pass.txt" --json
check "release: unreadable --passin file" 3 stderr "--passin: cannot open the passphrase file named after file: \(No such file or directory; the path is not shown"
assert "release: the --passin path is not echoed" sh -c "! grep -q 'missing-pass' '$work/stderr'"
assert "--json: an unreadable passphrase file as JSON" jq -e '.ok == false and .error.status == "IO"' "$work/stdout"
release -o "$fail" --pubkey "$ec/public.pem" --json
check "release --json: verification fails" 1
assert "--json: the failed check as JSON" \
    jq -e --arg f "'${name}_signed.zip': signature check: " \
    '.ok == false and .error.status == "BAD_SIGNATURE"
     and (.error.message | startswith($f))
     and .error.module_error.BC25 == 6507' "$work/stdout"
untouched "failures with --json" "$fail"
release -o "$work/new-dir" --pubkey "$ec/public.pem"
check "release into a new DIR: verification fails" 1 stderr 'BAD_SIGNATURE'
assert "a DIR created by a failed release is removed" test ! -e "$work/new-dir"
release -o "$work/new-dir" --passin pass:Wrong-2024
check "release into a new DIR: wrong passphrase" 1 stderr 'BAD_PASSPHRASE'
assert "a wrong passphrase creates no DIR" test ! -e "$work/new-dir"

echo "a regular file" >"$work/afile"
release -o "$work/afile"
check "release: DIR is a regular file" 3 stderr "'$work/afile': cannot write there: Not a directory \(IO\)"
release -o "$work/afile/out"
check "release: DIR under a regular file" 3 stderr "'$work/afile/out': cannot create directory: Not a directory \(IO\)"
release -o "$work/no/such/dir"
check "release: DIR's parent is missing" 3 stderr "'$work/no/such/dir': cannot create directory: No such file or directory"
if [ "$(id -u)" -ne 0 ]; then
    mkdir "$work/ro"
    chmod 555 "$work/ro"
    release -o "$work/ro"
    check "release: read-only DIR" 3 stderr "'$work/ro': cannot create a directory in it: Permission denied"
    assert "read-only DIR stays empty" test "$(ls -A "$work/ro" | wc -l)" -eq 0
    chmod 755 "$work/ro"
fi

# --- existing outputs ---
listing "$out" >"$work/before"
release -o "$out"
check "release: outputs exist" 4 stderr "'$out/$name.bin' already exists; use --force to replace the release"
untouched "existing outputs" "$out"
mkdir "$work/partial"
echo "an old report" >"$work/partial/$name.report.json"
listing "$work/partial" >"$work/before"
release -o "$work/partial"
check "release: the report alone exists" 4 stderr "'$work/partial/$name.report.json' already exists"
untouched "existing report" "$work/partial"
# A failure while --force replaces files puts the replaced ones back.
mkdir -p "$work/rollback/${name}_signed.zip"
echo "in the way" >"$work/rollback/${name}_signed.zip/file"
echo "old package" >"$work/rollback/$name.bin"
echo "old zip" >"$work/rollback/$name.zip"
listing "$work/rollback" >"$work/before"
release -o "$work/rollback" --force
check "release --force fails on the third file" 3 stderr "cannot write: Is a directory"
untouched "--force rolled back" "$work/rollback"
SOURCE_DATE_EPOCH=1700000000 release -o "$out" --force -q
check "release --force replaces the release" 0
for f in "${files[@]}"; do
    assert "--force wrote $f" cmp -s "$out/$f" "$work/d1/$f"
done
assert "--force left no temporary directory" test "$(ls -A "$out" | wc -l)" -eq 4

# --- a mistyped --passin is never echoed, in text or JSON ---
secret=MyS3cretPassphrase
for source in "$secret" "fd:$secret" "Pass:$secret"; do
    run release --old "$old" --new "$new" --key "$rsa/private.pem" --passin "$source" -o "$work/echo"
    check "release --passin mistyped ('${source%%S3*}...') refused" 2 stderr '^dfota release: --passin: (unknown passphrase source|fd: needs)'
    assert "release --passin mistyped ('${source%%S3*}...'): not echoed" bash -c "! grep -q S3cret '$work/stderr' '$work/stdout'"
    run release --old "$old" --new "$new" --key "$rsa/private.pem" --passin "$source" -o "$work/echo" --json
    assert "release --json --passin mistyped ('${source%%S3*}...'): the JSON error" \
        jq -e '.ok == false and .error.status == "INVALID_ARGUMENT"' "$work/stdout"
    assert "release --json --passin mistyped ('${source%%S3*}...'): not echoed" bash -c "! grep -q S3cret '$work/stderr' '$work/stdout'"
done
for source in "env:$secret" "file:$secret"; do
    run release --old "$old" --new "$new" --key "$rsa/private.pem" --passin "$source" -o "$work/echo"
    check "release --passin ${source%%:*}:SECRET refused" "$([ "${source%%:*}" = env ] && echo 2 || echo 3)" \
        stderr "named after ${source%%:*}:"
    assert "release --passin ${source%%:*}:SECRET: not echoed" bash -c "! grep -q S3cret '$work/stderr' '$work/stdout'"
    run release --old "$old" --new "$new" --key "$rsa/private.pem" --passin "$source" -o "$work/echo" --json
    assert "release --json --passin ${source%%:*}:SECRET: not echoed" bash -c "! grep -q S3cret '$work/stderr' '$work/stdout'"
done
assert "mistyped --passin: nothing written" test ! -e "$work/echo"

# --- a signal while the files move into DIR: all of the release, or none ---
# DFOTA_TEST_PUBLISH_SIGNAL=SIG:N makes the run raise SIG on itself right
# after the N-th of its four moves into DIR (0: before the first).
ulimit -c 0 # SIGQUIT would dump core
for sig in INT TERM HUP QUIT; do
    for n in 0 1 2 3 4; do
        { DFOTA_TEST_PUBLISH_SIGNAL=$sig:$n release -o "$work/sig-new"; } 2>/dev/null
        check "$sig after move $n into a new DIR: the run dies of it" $((128 + $(kill -l "$sig"))) \
            stderr "interrupted by SIG$sig: no file written: '$work/sig-new' is as it was"
        assert "$sig after move $n into a new DIR: no DIR, no file" test ! -e "$work/sig-new"
    done
done
# --force over an existing release (another segment size: other bytes): the old one stays whole.
SOURCE_DATE_EPOCH=1700000000 release -o "$work/sig-force" --segment-size 4096 -q
listing "$work/sig-force" >"$work/before"
for sig in INT TERM HUP; do
    for n in 0 1 2 3 4; do
        { SOURCE_DATE_EPOCH=1700000000 DFOTA_TEST_PUBLISH_SIGNAL=$sig:$n release -o "$work/sig-force" --force; } 2>/dev/null
        check "$sig after move $n of --force: the run dies of it" $((128 + $(kill -l "$sig"))) \
            stderr "interrupted by SIG$sig"
        untouched "$sig after move $n of --force: the old release" "$work/sig-force"
    done
done
SOURCE_DATE_EPOCH=1700000000 release -o "$work/sig-force" --force -q
check "--force after the interrupted ones" 0
for f in "${files[@]}"; do
    assert "--force after the interrupted ones wrote $f" cmp -s "$work/sig-force/$f" "$work/d1/$f"
done
# Real signals at many points of a run: DIR is always empty or the whole release.
for delay in 0 0.02 0.05 0.1 0.15 0.2 0.3 0.4 0.6 0.8; do
    rm -rf "$work/sig-any"
    "$dfota" release --old "$old" --new "$new" --key "$rsa/private.pem" --passin "pass:$pass" \
        -o "$work/sig-any" -q </dev/null >/dev/null 2>&1 &
    pid=$!
    sleep "$delay"
    kill -TERM "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    if [ ! -e "$work/sig-any" ]; then
        ok
    else
        assert "SIGTERM after ${delay}s: the whole release or nothing" \
            test "$(ls -A "$work/sig-any" | sort | tr '\n' ' ')" = "$(printf '%s\n' "${files[@]}" | sort | tr '\n' ' ')"
    fi
done

# --- private directories left by killed runs ---
stale="$work/stale"
mkdir -p "$stale"
# Killed (SIGKILL cannot be caught) before moving anything: its .release.* stays.
{ DFOTA_TEST_PUBLISH_SIGNAL=KILL:0 release -o "$stale"; } 2>/dev/null
check "release killed before publishing" 137
dead=$(ls -d "$stale"/.release.* 2>/dev/null)
assert "the killed run left its .release.* directory" test -d "$dead"
# A directory like it that a live process still holds the lock of.
mkdir "$stale/.release.inuse1"
echo "x" >"$stale/.release.inuse1/$name.bin"
(exec 9>"$stale/.release.inuse1/lock" && flock 9 && exec sleep 60) &
holder=$!
for _ in $(seq 50); do flock -n "$stale/.release.inuse1/lock" true || break; sleep 0.1; done
# And one without a lock, as an older dfota left them, an hour old.
mkdir "$stale/.release.nolock"
echo "x" >"$stale/.release.nolock/$name.bin"
touch -d '1 hour ago' "$stale/.release.nolock"
run release --old "$old" --new "$new" --from-version BC25R01A01 --to-version BC25R01A02 \
    --key "$rsa/private.pem" --passin "pass:$pass" -o "$stale"
check "a later release reports the dead directory and removes it" 0 stderr "^dfota release: removed '$dead', left by a run that was killed$" \
    stderr "'$stale/.release.nolock': left by an earlier run; it has no lock"
assert "the dead directory is gone" test ! -e "$dead"
assert "the locked directory is left alone" test -f "$stale/.release.inuse1/$name.bin"
assert "the locked directory is not reported" bash -c "! grep -q inuse1 '$work/stderr'"
assert "the directory without a lock is left alone" test -f "$stale/.release.nolock/$name.bin"
kill "$holder" 2>/dev/null
wait "$holder" 2>/dev/null
run release --old "$old" --new "$new" --from-version BC25R01A01 --to-version BC25R01A03 \
    --key "$rsa/private.pem" --passin "pass:$pass" -o "$stale" -q
check "once its lock is free, -q removes it quietly" 0
assert "the formerly locked directory is gone" test ! -e "$stale/.release.inuse1"
assert "-q: no notice" bash -c "! grep -q removed '$work/stderr'"
rm -rf "$stale/.release.nolock"
# A release running at the same time (stopped in the middle) is never touched.
DFOTA_TEST_PUBLISH_SIGNAL=STOP:2 "$dfota" release --old "$old" --new "$new" --key "$rsa/private.pem" \
    --passin "pass:$pass" -o "$stale" -q </dev/null >"$work/bg.out" 2>"$work/bg.err" &
bg=$!
for _ in $(seq 100); do [ "$(ps -o stat= -p "$bg" | cut -c1)" = T ] && break; sleep 0.1; done
assert "the first release is stopped while publishing" test "$(ps -o stat= -p "$bg" | cut -c1)" = T
running=$(ls -d "$stale"/.release.* 2>/dev/null)
run release --old "$old" --new "$new" --from-version BC25R01A01 --to-version BC25R01A04 \
    --key "$rsa/private.pem" --passin "pass:$pass" -o "$stale"
check "a second release into the same DIR" 0
assert "the running release's directory is left alone" test -d "$running"
assert "and not reported" bash -c "! grep -q '.release' '$work/stderr'"
kill -CONT "$bg"
wait "$bg" 2>/dev/null
rc=$?
cp "$work/bg.out" "$work/stdout"
cp "$work/bg.err" "$work/stderr"
check "the stopped release then finishes" 0
for f in "${files[@]}"; do
    assert "the stopped release wrote $f" test -s "$stale/$f"
done
assert "no .release.* left at all" bash -c "! ls -d '$stale'/.release.* 2>/dev/null"
# Killed while moving its files into DIR: reported, not removed (DIR holds part of it).
mkdir -p "$work/stale2"
{ DFOTA_TEST_PUBLISH_SIGNAL=KILL:2 release -o "$work/stale2"; } 2>/dev/null
check "release killed after two moves" 137
run release --old "$old" --new "$new" --from-version BC25R01A01 --to-version BC25R01A02 \
    --key "$rsa/private.pem" --passin "pass:$pass" -o "$work/stale2" -q
check "a later release reports the half-published one" 0 \
    stderr "left by a run that was killed while moving its files into '$work/stale2', which may hold part of them"
assert "the half-published run's directory is kept" bash -c "ls -d '$work/stale2'/.release.* >/dev/null"
# The same with --force: the replaced files are kept in it.
SOURCE_DATE_EPOCH=1700000000 release -o "$work/stale3" --segment-size 4096 -q
{ DFOTA_TEST_PUBLISH_SIGNAL=KILL:2 release -o "$work/stale3" --force; } 2>/dev/null
check "release --force killed after two moves" 137
run release --old "$old" --new "$new" --from-version BC25R01A01 --to-version BC25R01A02 \
    --key "$rsa/private.pem" --passin "pass:$pass" -o "$work/stale3" -q
check "a later release reports the half-replaced one" 0 \
    stderr "left by a run with --force that was killed while replacing files in '$work/stale3'"
assert "the replaced files are still there" bash -c "ls '$work/stale3'/.release.*/replaced-$name.bin >/dev/null"

# --- a batch: every version in the field to the new one, in one run ---
# A02 and A01: the old image with its revision string changed and a few bytes more.
cp "$old" "$work/a02.bin"
printf 'BC25R01A02' | dd of="$work/a02.bin" bs=1 seek=137712 conv=notrunc status=none
printf 'A02 differs here' | dd of="$work/a02.bin" bs=1 seek=4096 conv=notrunc status=none
cp "$old" "$work/a01.bin"
printf 'BC25R01A01' | dd of="$work/a01.bin" bs=1 seek=137712 conv=notrunc status=none
head -c 20000 /dev/urandom | dd of="$work/a01.bin" bs=1 seek=60000 conv=notrunc status=none
pairs=(BC25R01A01 BC25R01A02 BC25R01A03)
batch_files() {
    local v
    for v in "${pairs[@]}"; do
        printf '%s\n' "${v}_TO_BC25R01A04.bin" "${v}_TO_BC25R01A04.zip" \
            "${v}_TO_BC25R01A04_signed.zip" "${v}_TO_BC25R01A04.report.json"
    done
    echo BC25R01A04.report.json
}
for j in 1 2; do
    SOURCE_DATE_EPOCH=1700000000 release -o "$work/batch$j" --old "$work/a01.bin" \
        --old "$work/a02.bin" --old "$old" -j "$j"
    check "batch release of three pairs, -j $j" 0 \
        stdout '^release BC25R01A01 -> BC25R01A04 ' stdout '^release BC25R01A02 -> BC25R01A04 ' \
        stdout '^release BC25R01A03 -> BC25R01A04 ' \
        stdout "^3 releases to BC25R01A04; summary in $work/batch$j/BC25R01A04.report.json$"
    assert "batch -j $j wrote exactly its 13 files" \
        cmp -s <(batch_files | sort) <(ls -A "$work/batch$j" | sort)
done
for f in $(batch_files); do
    assert "-j 1 and -j 2 give the same $f" cmp -s "$work/batch1/$f" "$work/batch2/$f"
done
for v in "${pairs[@]}"; do
    case $v in BC25R01A01) o="$work/a01.bin" ;; BC25R01A02) o="$work/a02.bin" ;; *) o=$old ;; esac
    run verify --pubkey "$rsa/public.pem" --old "$o" --new "$new" "$work/batch1/${v}_TO_BC25R01A04_signed.zip"
    check "verify the batch's $v signed zip against its own old image" 0 stdout '^result +ok$'
    assert "the batch's $v pair equals a release of that pair alone" \
        bash -c "SOURCE_DATE_EPOCH=1700000000 '$dfota' release --old '$o' --new '$new' \
                 --key '$rsa/private.pem' --passin 'pass:$pass' -o '$work/alone-$v' -q &&
                 cmp -s '$work/alone-$v/${v}_TO_BC25R01A04.bin' '$work/batch1/${v}_TO_BC25R01A04.bin' &&
                 cmp -s '$work/alone-$v/${v}_TO_BC25R01A04.report.json' \
                        '$work/batch1/${v}_TO_BC25R01A04.report.json'"
done
assert "the summary lists every pair, in order, with its report" \
    jq -e '.command == "release" and .report == "BC25R01A04.report.json" and (.pairs | length) == 3
           and [.pairs[].from_version] == ["BC25R01A01", "BC25R01A02", "BC25R01A03"]
           and [.pairs[].report] == ["BC25R01A01_TO_BC25R01A04.report.json",
                                     "BC25R01A02_TO_BC25R01A04.report.json",
                                     "BC25R01A03_TO_BC25R01A04.report.json"]
           and ([.pairs[].files[].checks[] | select(.result == "failed")] | length) == 0' \
    "$work/batch1/BC25R01A04.report.json"
assert "a pair's report is the summary's entry for it" \
    cmp -s <(jq '.pairs[1]' "$work/batch1/BC25R01A04.report.json") \
           <(jq '.pairs[0]' "$work/batch1/BC25R01A02_TO_BC25R01A04.report.json")
release -o "$work/batch3" --old "$work/a01.bin" --old "$old" --json -q
check "batch --json" 0
assert "batch --json prints the summary" cmp -s "$work/stdout" "$work/batch3/BC25R01A04.report.json"

# All or nothing: one bad pair, and nothing of the others appears.
mkdir -p "$work/batchfail"
echo unrelated >"$work/batchfail/keep.txt"
listing "$work/batchfail" >"$work/before"
release -o "$work/batchfail" --old "$work/a01.bin" --old "$work/nover-old.bin" --old "$old"
check "batch: an old image without a version" 2 \
    stderr "no version string found in '$work/nover-old.bin'; release it alone, with --from-version"
untouched "batch with an image without a version" "$work/batchfail"
release -o "$work/batchfail" --old "$work/a01.bin" --old "$old" --pubkey "$ec/public.pem" -j 2
check "batch: verification fails" 1 stderr "BAD_SIGNATURE" \
    stderr "no file written: '$work/batchfail' is as it was"
untouched "batch whose verification fails" "$work/batchfail"
cp "$old" "$work/a03copy.bin"
release -o "$work/batchfail" --old "$old" --old "$work/a03copy.bin"
check "batch: two old images of one version" 2 \
    stderr "'$old' and '$work/a03copy.bin' are both version 'BC25R01A03'"
release -o "$work/batchfail" --old "$old" --old "$old"
check "batch: the same --old twice" 2 stderr "--old '$old' given twice"
release -o "$work/batchfail" --old "$work/a01.bin" --old "$old" --from-version BC25R01A01
check "batch: --from-version with several --old" 2 stderr "--from-version names the version of one --old image"
release -o "$work/batchfail" --old "$work/a01.bin" --old "$work/new-of-a01.bin"
check "batch: a missing old image" 3 stderr "'$work/new-of-a01.bin': cannot open"
release -o "$work/batchfail" --old "$work/a01.bin" --old "$new"
check "batch: an old image of the new version" 2 stderr "the old and the new version are both 'BC25R01A04'"
untouched "batch usage errors" "$work/batchfail"
echo "in the way" >"$work/batchfail/BC25R01A04.report.json"
listing "$work/batchfail" >"$work/before"
release -o "$work/batchfail" --old "$work/a01.bin" --old "$old"
check "batch: the summary exists" 4 stderr "'$work/batchfail/BC25R01A04.report.json' already exists; use --force"
untouched "batch onto an existing summary" "$work/batchfail"
rm "$work/batchfail/BC25R01A04.report.json"
listing "$work/batchfail" >"$work/before"
for at in 0 3 8; do
    { DFOTA_TEST_PUBLISH_SIGNAL=TERM:$at release -o "$work/batchfail" --old "$work/a01.bin" --old "$old"; } 2>/dev/null
    check "batch: SIGTERM before move $at of 9: the run dies of it" 143 stderr "interrupted by SIGTERM: no file written"
    untouched "batch interrupted before move $at" "$work/batchfail"
done
for opt in --new --key --passin --pubkey --from-version --to-version -o -j --codec --level; do
    case $opt in
    --new) args=(--new "$new" --new "$new") ;;
    --key) args=(--key "$rsa/private.pem" --key "$rsa/private.pem") ;;
    --passin) args=(--passin "pass:$pass" --passin "pass:$pass") ;;
    --pubkey) args=(--pubkey "$rsa/public.pem" --pubkey "$rsa/public.pem") ;;
    -o) args=(-o "$work/x" -o "$work/y") ;;
    -j) args=(-j 1 -j 2) ;;
    --codec) args=(-o "$work/x" --codec range --codec zstd) ;;
    --level) args=(-o "$work/x" --level 3 --level 3) ;;
    *) args=("$opt" V1 "$opt" V1) ;;
    esac
    [ "$opt" = -o ] || args+=(-o "$work/x")
    release "${args[@]}"
    check "release: $opt given twice" 2 stderr "$opt given twice"
done
assert "no usage error wrote anything" test ! -e "$work/x"

summary
