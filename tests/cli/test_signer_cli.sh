#!/usr/bin/env bash
# CLI tests of the signing flow: keygen, zip, sign, and the stock unzip +
# openssl check of the result. Runs the real dfota binary and checks stdout,
# stderr and the exit code.
# usage: tests/cli/test_signer_cli.sh DFOTA SOURCE_DIR
set -uo pipefail

dfota=$1
src=$2
work=$(mktemp -d "${TMPDIR:-/tmp}/dfota-signer-cli.XXXXXX")
trap 'rm -rf "$work"' EXIT
unset SOURCE_DATE_EPOCH DFOTA_PASS

# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

# stock_verify SIGNED_ZIP PUBLIC_PEM NAME: what the README tells a user to run.
stock_verify() {
    rm -rf "$work/out"
    unzip -o "$1" -d "$work/out" >/dev/null 2>&1 &&
        openssl dgst -sha256 -verify "$2" -signature "$work/out/$3.sig" "$work/out/$3"
}

pass=Fota-2024
image="$src/samples/BC25R01A04.bin"
name=BC25R01A03_TO_BC25R01A04
mkdir -p "$work/pkg"
cp "$image" "$work/pkg/$name.bin"
bin="$work/pkg/$name.bin"
rsa="$work/rsa"
ec="$work/ec"

# --- help ---
run --help
check "--help lists the signing commands" 0 stdout '^  keygen ' stdout '^  zip ' stdout '^  sign '
run help keygen
check "help keygen" 0 stdout '^usage: dfota keygen --alg rsa2048\|ecdsa-secp256k1 -o DIR' stdout '--passout SRC'
cp "$work/stdout" "$work/help-keygen"
run keygen --help
check "keygen --help" 0
assert "keygen --help equals help keygen" cmp -s "$work/stdout" "$work/help-keygen"
run help zip
check "help zip" 0 stdout '^usage: dfota zip X.bin \[-o X.zip\]' stdout 'SOURCE_DATE_EPOCH'
run help sign
check "help sign" 0 stdout '^usage: dfota sign --key KEY --passin SRC X.zip' \
    stdout 'openssl dgst -sha256 -verify public.pem -signature out/X.bin.sig out/X.bin'

# --- keygen: usage errors ---
run keygen -o "$rsa" --passout pass:$pass
check "keygen without --alg" 2 stderr 'missing --alg rsa2048\|ecdsa-secp256k1' stderr '^usage: dfota keygen'
run keygen --alg dsa -o "$rsa" --passout pass:$pass
check "keygen unknown --alg" 2 stderr "unknown algorithm 'dsa'"
run keygen --alg rsa2048 --passout pass:$pass
check "keygen without -o" 2 stderr 'missing -o DIR'
run keygen --alg rsa2048 -o "$rsa"
check "keygen without --passout, no terminal" 2 stderr 'missing --passout SRC'
run keygen --alg rsa2048 -o "$rsa" --passout Fota-2024
check "keygen bad passphrase source" 2 stderr "--passout: unknown passphrase source"
run keygen --alg rsa2048 -o "$rsa" --passout env:DFOTA_PASS
check "keygen unset variable" 2 stderr "the environment variable named after env: is not set"
# A passphrase typed after env: or file: by mistake is never shown either.
run keygen --alg rsa2048 -o "$rsa" --passout env:MyS3cretPassphrase
check "keygen env: before a passphrase" 2 stderr "named after env: is not set"
assert "keygen env:SECRET does not echo it" sh -c "! grep -q 'MyS3cretPassphrase' '$work/stderr'"
run keygen --alg rsa2048 -o "$rsa" --passout file:MyS3cretPassphrase
check "keygen file: before a passphrase" 3 stderr "named after file:"
assert "keygen file:SECRET does not echo it" sh -c "! grep -q 'MyS3cretPassphrase' '$work/stderr'"
run keygen --alg rsa2048 -o "$rsa" --passout pass:abcdefgh
check "keygen weak passphrase (one class): no module code" 1 stderr 'only lower case letters' stderr '\(WEAK_PASSPHRASE\)$'
run keygen --alg rsa2048 -o "$rsa" --passout pass:Ab1
check "keygen weak passphrase (short)" 1 stderr 'at least 6 are needed' stderr '\(WEAK_PASSPHRASE\)$'
assert "refused keygen wrote no key" test ! -e "$rsa/private.pem" -a ! -e "$rsa/public.pem"

# --- keygen: RSA and ECDSA ---
run keygen --alg rsa2048 -o "$rsa" --passout pass:$pass
check "keygen rsa2048" 0 stderr "^$rsa/private.pem: RSA2048\+SHA256 private key, PKCS#8 encrypted with AES-256-CBC \(PBKDF2-HMAC-SHA256\), mode 0600$" \
    stderr "^$rsa/public.pem: public key \(SubjectPublicKeyInfo\)$"
check_empty "keygen rsa2048" stdout
assert "private.pem is mode 0600" test "$(stat -c %a "$rsa/private.pem")" = 600
assert "public.pem is mode 0644" test "$(stat -c %a "$rsa/public.pem")" = 644
assert "keygen left no temporary file" test "$(ls -A "$rsa" | wc -l)" -eq 2
openssl asn1parse -in "$rsa/private.pem" >"$work/asn1" 2>&1
assert "private.pem is PBES2" grep -q ':PBES2$' "$work/asn1"
assert "private.pem uses PBKDF2" grep -q ':PBKDF2$' "$work/asn1"
assert "private.pem uses hmacWithSHA256" grep -q ':hmacWithSHA256$' "$work/asn1"
assert "private.pem uses AES-256-CBC" grep -q ':aes-256-cbc$' "$work/asn1"
assert "private.pem is an encrypted PKCS#8 PEM" grep -q '^-----BEGIN ENCRYPTED PRIVATE KEY-----$' "$rsa/private.pem"
assert "openssl pkcs8 decrypts it with the passphrase" \
    openssl pkcs8 -in "$rsa/private.pem" -passin pass:$pass -out "$work/plain.pem"
assert "openssl pkcs8 refuses a wrong passphrase" \
    bash -c "! openssl pkcs8 -in '$rsa/private.pem' -passin pass:Fota-2025 -out /dev/null"
openssl pkey -pubin -in "$rsa/public.pem" -noout -text >"$work/pub.txt" 2>&1
assert "public.pem is an RSA 2048 SubjectPublicKeyInfo" grep -q 'Public-Key: (2048 bit)' "$work/pub.txt"
assert "public exponent 65537" grep -q 'Exponent: 65537' "$work/pub.txt"
assert "public.pem matches private.pem" \
    cmp -s "$rsa/public.pem" <(openssl pkey -in "$rsa/private.pem" -passin pass:$pass -pubout)
cp "$rsa/private.pem" "$work/rsa-private.first"
run keygen --alg rsa2048 -o "$rsa" --passout pass:$pass
check "keygen refuses an existing key pair" 4 stderr "'$rsa/private.pem' already exists; use --force to replace the key pair"
assert "existing private.pem untouched" cmp -s "$rsa/private.pem" "$work/rsa-private.first"
mkdir -p "$work/half"
printf 'old public key\n' >"$work/half/public.pem"
run keygen --alg rsa2048 -o "$work/half" --passout pass:$pass
check "keygen refuses when public.pem alone exists" 4 stderr "'$work/half/public.pem' already exists"
assert "no private.pem without its public.pem" test ! -e "$work/half/private.pem"
echo "$pass" >"$work/pass.txt"
run keygen --alg ecdsa-secp256k1 -o "$ec" --passout "file:$work/pass.txt" -q
check "keygen ecdsa-secp256k1 (file:)" 0
check_empty "keygen -q" stderr
openssl pkey -pubin -in "$ec/public.pem" -noout -text >"$work/pub.txt" 2>&1
assert "public.pem is on secp256k1" grep -q 'ASN1 OID: secp256k1' "$work/pub.txt"
assert "ECDSA private.pem is PBES2 too" bash -c "openssl asn1parse -in '$ec/private.pem' | grep -q hmacWithSHA256"
assert "ECDSA private.pem decrypts" openssl pkey -in "$ec/private.pem" -passin pass:$pass -noout
DFOTA_PASS=$pass run keygen --alg ECDSA_256K1+SHA256 -o "$ec" --passout env:DFOTA_PASS --force -q
check "keygen --force replaces the pair (env:)" 0
assert "the new pair is another key" bash -c "! cmp -s '$ec/public.pem' '$work/pub.txt'"
assert "keygen --force: the new pair matches" \
    cmp -s "$ec/public.pem" <(openssl pkey -in "$ec/private.pem" -passin pass:$pass -pubout)
assert "keygen --force: private.pem is mode 0600" test "$(stat -c %a "$ec/private.pem")" = 600
assert "keygen --force left no temporary or saved file" test "$(ls -A "$ec" | tr '\n' ' ')" = "private.pem public.pem "

# --- keygen --force: both files are replaced, or neither ---
# The report's case: public.pem cannot be written (it is a directory); the old
# private.pem used to be gone by then.
"$dfota" keygen --alg ecdsa-secp256k1 -o "$work/pair" --passout pass:$pass -q </dev/null
cp "$work/pair/private.pem" "$work/pair-private.first"
rm "$work/pair/public.pem"
mkdir "$work/pair/public.pem"
run keygen --alg ecdsa-secp256k1 -o "$work/pair" --passout pass:$pass --force
check "keygen --force, public.pem a directory: refused" 3 stderr "'$work/pair/public.pem': cannot write: Is a directory" \
    stderr "no key written: '$work/pair/private.pem' and '$work/pair/public.pem' are as they were"
assert "keygen --force, public.pem a directory: the old private.pem is kept" cmp -s "$work/pair/private.pem" "$work/pair-private.first"
assert "keygen --force, public.pem a directory: still mode 0600" test "$(stat -c %a "$work/pair/private.pem")" = 600
assert "keygen --force, public.pem a directory: public.pem untouched" test -d "$work/pair/public.pem"
assert "keygen --force, public.pem a directory: nothing left behind" test "$(ls -A "$work/pair" | tr '\n' ' ')" = "private.pem public.pem "
# And the other way round: private.pem cannot be written.
rmdir "$work/pair/public.pem"
openssl pkey -in "$work/pair/private.pem" -passin pass:$pass -pubout -out "$work/pair/public.pem"
cp "$work/pair/public.pem" "$work/pair-public.first"
mv "$work/pair/private.pem" "$work/pair-private.moved"
mkdir "$work/pair/private.pem"
run keygen --alg ecdsa-secp256k1 -o "$work/pair" --passout pass:$pass --force
check "keygen --force, private.pem a directory: refused" 3 stderr "'$work/pair/private.pem': cannot write: Is a directory"
assert "keygen --force, private.pem a directory: public.pem kept" cmp -s "$work/pair/public.pem" "$work/pair-public.first"
assert "keygen --force, private.pem a directory: nothing left behind" test "$(ls -A "$work/pair" | tr '\n' ' ')" = "private.pem public.pem "
# No old pair, one half in the way: nothing is written at all.
rm "$work/pair/public.pem"
run keygen --alg ecdsa-secp256k1 -o "$work/pair" --passout pass:$pass --force
check "keygen --force, no old pair, private.pem a directory: refused" 3
assert "keygen --force, no old pair: no public.pem written alone" test ! -e "$work/pair/public.pem"
rmdir "$work/pair/private.pem"
mv "$work/pair-private.moved" "$work/pair/private.pem"
mkdir "$work/pair/public.pem"
run keygen --alg ecdsa-secp256k1 -o "$work/pair" --passout pass:$pass --force
check "keygen --force, private.pem alone, public.pem a directory: refused" 3
assert "keygen --force, private.pem alone: kept" cmp -s "$work/pair/private.pem" "$work/pair-private.first"
# A symbolic link is replaced by the new file, and put back on failure.
rmdir "$work/pair/public.pem"
mkdir "$work/pair/public.pem"
mv "$work/pair/private.pem" "$work/pair-private.real"
ln -s "$work/pair-private.real" "$work/pair/private.pem"
run keygen --alg ecdsa-secp256k1 -o "$work/pair" --passout pass:$pass --force
check "keygen --force, private.pem a symbolic link, public.pem a directory: refused" 3
assert "keygen --force: the symbolic link is put back" test -L "$work/pair/private.pem"
assert "keygen --force: its target untouched" cmp -s "$work/pair-private.real" "$work/pair-private.first"

# --- passphrases: never echoed, counted in characters ---
secret=MyS3cretPassphrase
# not_echoed NAME: neither output holds the passphrase, nor any part of it.
not_echoed() {
    assert "$1: the passphrase is not echoed" bash -c "! grep -q 'S3cret' '$work/stderr' '$work/stdout'"
}
run keygen --alg ecdsa-secp256k1 -o "$work/echo" --passout "$secret"
check "keygen --passout without pass: refused" 2 stderr "^dfota keygen: --passout: unknown passphrase source \(not shown"
not_echoed "keygen --passout SECRET"
run keygen --alg ecdsa-secp256k1 -o "$work/echo" --passout "fd:$secret"
check "keygen --passout fd:SECRET refused" 2 stderr '--passout: fd: needs a file descriptor number'
not_echoed "keygen --passout fd:SECRET"
run keygen --alg ecdsa-secp256k1 -o "$work/utf8" --passout 'pass:€€a'
check "keygen counts characters: '€€a' (7 bytes) is 3 characters" 1 \
    stderr 'passphrase has 3 characters; at least 6 are needed' stderr 'WEAK_PASSPHRASE'
assert "keygen '€€a' wrote no key" test ! -e "$work/utf8/private.pem"
run keygen --alg ecdsa-secp256k1 -o "$work/utf8" --passout pass:abcdefgh
check "the weak-passphrase message names the classes" 1 \
    stderr 'lower case \(a-z\), upper case \(A-Z\), digits \(0-9\) and other \(every other character'
run keygen --alg ecdsa-secp256k1 -o "$work/utf8" --passout "pass:$(printf 'Passw\366rd1')"
check "keygen refuses a passphrase that is not UTF-8" 1 stderr 'passphrase is not valid UTF-8'
run keygen --alg ecdsa-secp256k1 -o "$work/utf8" --passout 'pass:€€€€€a' -q
check "keygen: six characters, two classes" 0
assert "the UTF-8 passphrase decrypts the key" openssl pkey -in "$work/utf8/private.pem" -passin 'pass:€€€€€a' -noout

"$dfota" keygen --alg rsa2048 -o "$work/fd" --passout fd:3 -q 3<"$work/pass.txt" >"$work/stdout" 2>"$work/stderr"
rc=$?
check "keygen --passout fd:3" 0
assert "fd: key decrypts" openssl pkey -in "$work/fd/private.pem" -passin pass:$pass -noout
echo "$pass" | "$dfota" keygen --alg rsa2048 -o "$work/stdin" --passout stdin -q >"$work/stdout" 2>"$work/stderr"
rc=$?
check "keygen --passout stdin" 0
assert "stdin key decrypts" openssl pkey -in "$work/stdin/private.pem" -passin pass:$pass -noout
if command -v script >/dev/null; then
    # On a terminal: asked twice, without echo.
    printf '%s\n%s\n' "$pass" "$pass" | timeout 60 script -qefc \
        "'$dfota' keygen --alg ecdsa-secp256k1 -o '$work/tty' -q" /dev/null >"$work/stdout" 2>"$work/stderr"
    rc=$?
    check "keygen asks on the terminal" 0 stdout 'Enter a passphrase for' stdout 'Verifying'
    assert "terminal key decrypts" openssl pkey -in "$work/tty/private.pem" -passin pass:$pass -noout
    printf '%s\n%s\n' "$pass" "Other-123" | timeout 60 script -qefc \
        "'$dfota' keygen --alg ecdsa-secp256k1 -o '$work/tty2' -q" /dev/null >"$work/stdout" 2>"$work/stderr"
    rc=$?
    check "keygen refuses two different passphrases" 2 stdout 'the two passphrases differ'
    assert "no key after a mismatch" test ! -e "$work/tty2/private.pem"
fi

# --- zip ---
run zip
check "zip without input" 2 stderr 'missing X.bin'
run zip "$work/pass.txt"
check "zip of a non-.bin" 2 stderr 'the payload must be a file named <name>.bin'
run zip "$work/missing.bin"
check "zip missing input" 3 stderr "'$work/missing.bin': cannot open: No such file or directory"
: >"$work/empty.bin"
run zip "$work/empty.bin"
check "zip empty input" 1 stderr "'empty.bin' is empty" stderr 'ZIP_CONTENT'
run zip "$bin"
check "zip" 0 stderr "^$work/pkg/$name.zip: '$name.bin', 143156 -> [0-9]+ bytes \(deflate\), dated 1980-01-01T00:00:00Z$"
zip="$work/pkg/$name.zip"
assert "zip default output next to X.bin" test -s "$zip"
cp "$zip" "$work/first.zip"
run zip "$bin"
check "zip refuses an existing output" 4 stderr 'already exists; use --force'
run zip "$bin" --force -q
check "zip --force" 0
assert "zip twice: same bytes" cmp -s "$zip" "$work/first.zip"
TZ=Asia/Shanghai run zip "$bin" -o "$work/shanghai.zip"
check "zip in Asia/Shanghai" 0
assert "zip in another time zone: same bytes" cmp -s "$work/shanghai.zip" "$work/first.zip"
SOURCE_DATE_EPOCH=1700000000 run zip "$bin" -o "$work/d1.zip"
check "zip with SOURCE_DATE_EPOCH" 0 stderr 'dated 2023-11-14T22:13:20Z'
SOURCE_DATE_EPOCH=1700000000 TZ=America/New_York run zip "$bin" -o "$work/d2.zip"
assert "same SOURCE_DATE_EPOCH, other time zone: same bytes" cmp -s "$work/d1.zip" "$work/d2.zip"
SOURCE_DATE_EPOCH=1710506096 run zip "$bin" -o "$work/d3.zip"
assert "other SOURCE_DATE_EPOCH: other bytes" bash -c "! cmp -s '$work/d1.zip' '$work/d3.zip'"
assert "other SOURCE_DATE_EPOCH: same size" test "$(stat -c %s "$work/d1.zip")" = "$(stat -c %s "$work/d3.zip")"
SOURCE_DATE_EPOCH=0 run zip "$bin" -o "$work/d0.zip"
assert "SOURCE_DATE_EPOCH before 1980 becomes 1980-01-01" cmp -s "$work/d0.zip" "$work/first.zip"
SOURCE_DATE_EPOCH=soon run zip "$bin" -o "$work/bad.zip"
check "zip bad SOURCE_DATE_EPOCH" 2 stderr "SOURCE_DATE_EPOCH='soon'"
SOURCE_DATE_EPOCH=99999999999 run zip "$bin" -o "$work/bad.zip"
check "zip SOURCE_DATE_EPOCH past 2099" 2 stderr 'after 2099-12-31'
unzip -Z -l "$zip" >"$work/zipinfo" 2>&1
assert "one entry, -rw-r--r--, dated 1980" grep -qE "^-rw-r--r-- .* 143156 .* 80-Jan-01 00:00 $name.bin$" "$work/zipinfo"
assert "zip holds exactly X.bin" test "$(unzip -Z1 "$zip")" = "$name.bin"
assert "unzip gives back X.bin" cmp -s <(unzip -p "$zip" "$name.bin") "$bin"
run zip "$bin" -o - -q
check "zip to stdout" 0
assert "zip to stdout gives the same bytes" cmp -s "$work/stdout" "$work/first.zip"

# --- sign: usage and refusals ---
run sign "$zip" --passin pass:$pass
check "sign without --key" 2 stderr 'missing --key KEY'
run sign --key "$rsa/private.pem" --passin pass:$pass
check "sign without zip" 2 stderr 'missing X.zip'
run sign --key "$rsa/private.pem" "$zip"
check "sign without --passin, no terminal" 2 stderr 'missing --passin SRC'
run sign --key "$rsa/private.pem" --passin pass:Fota-2025 "$zip"
check "sign with a wrong passphrase" 1 stderr "cannot decrypt the private key in '$rsa/private.pem': wrong passphrase \(BAD_PASSPHRASE\)$"
run sign --key "$work/nokey.pem" --passin pass:$pass "$zip"
check "sign with a missing key" 3 stderr "cannot open '$work/nokey.pem': No such file or directory \(IO\)"
run sign --key "$rsa/public.pem" --passin pass:$pass "$zip"
check "sign with a public key" 1 stderr 'holds a public key or certificate, not a private key \(KEY\)$'
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$work/p256.pem" 2>/dev/null
run sign --key "$work/p256.pem" --passin pass:$pass "$zip"
check "sign with a P-256 key" 1 stderr 'EC key on prime256v1; the signtool uses secp256k1 \(UNSUPPORTED_ALGORITHM\)$'
assert "refused signing wrote nothing" test ! -e "$work/pkg/${name}_signed.zip"
run sign --key "$rsa/private.pem" --passin pass:$pass "$bin"
check "sign a non-zip" 1 stderr 'not a zip file' stderr 'BAD_ZIP'
(cd "$work" && zip -q -X readme.zip pass.txt)
run sign --key "$rsa/private.pem" --passin pass:$pass "$work/readme.zip"
check "sign a zip without .bin" 1 stderr 'the payload must be a file named <name>.bin' stderr 'ZIP_CONTENT'
cp "$bin" "$work/other.bin"
(cd "$work" && zip -q -X two.zip other.bin pkg/$name.bin)
run sign --key "$rsa/private.pem" --passin pass:$pass "$work/two.zip"
check "sign a zip with two entries" 1 stderr 'holds 2 entries' stderr 'ZIP_CONTENT'

for source in "$secret" "Pass:$secret" "fd:$secret" "$secret:x"; do
    run sign --key "$rsa/private.pem" --passin "$source" "$zip"
    check "sign --passin mistyped ('${source%%S3*}...') refused" 2 stderr '^dfota sign: --passin: (unknown passphrase source|fd: needs)'
    not_echoed "sign --passin mistyped ('${source%%S3*}...')"
done

# --- sign, and the stock check ---
run sign --key "$rsa/private.pem" --passin pass:$pass "$zip"
check "sign (RSA)" 0 stderr "^$work/pkg/${name}_signed.zip: '$name.bin' signed with RSA2048\+SHA256, [0-9]+ bytes$"
signed="$work/pkg/${name}_signed.zip"
assert "sign default output next to X.zip" test -s "$signed"
# The .bin is stored (layout 2): its local header, then X.bin byte for byte; the .sig follows.
sigoff=$(unzip -Zv "$signed" | sed -n 's/.*offset of local header from start of archive: *\([0-9]*\).*/\1/p' | sed -n 2p)
assert "signed zip stores X.bin" test "$(unzip -Zv "$signed" | grep -m1 'compression method')" = \
    "  compression method:                             none (stored)"
assert "signed zip holds X.bin, byte for byte, after its 30-byte header and name" \
    cmp -s "$bin" <(tail -c +$((30 + ${#name} + 4 + 1)) "$signed" | head -c "$(stat -c %s "$bin")")
assert "the .sig entry follows X.bin" test "$sigoff" -eq $((30 + ${#name} + 4 + $(stat -c %s "$bin")))
assert "signed zip holds X.bin then X.bin.sig" test "$(unzip -Z1 "$signed" | tr '\n' ' ')" = "$name.bin $name.bin.sig "
assert "unzip -t passes" unzip -tq "$signed"
stock_verify "$signed" "$rsa/public.pem" "$name.bin" >"$work/stdout" 2>"$work/stderr"
rc=$?
check "stock unzip + openssl dgst -verify (RSA)" 0 stdout '^Verified OK$'
assert "the extracted X.bin is the package" cmp -s "$work/out/$name.bin" "$bin"
assert "RSA signature is 256 bytes" test "$(stat -c %s "$work/out/$name.bin.sig")" = 256
assert "openssl pkeyutl agrees (PKCS#1 v1.5 over SHA-256)" \
    openssl pkeyutl -verify -pubin -inkey "$rsa/public.pem" -sigfile "$work/out/$name.bin.sig" \
    -in <(openssl dgst -sha256 -binary "$bin") -pkeyopt digest:sha256 -pkeyopt rsa_padding_mode:pkcs1
cp "$signed" "$work/signed.first"
run sign --key "$rsa/private.pem" --passin pass:$pass "$zip"
check "sign refuses an existing output" 4 stderr 'already exists; use --force'
run sign --key "file:$rsa/private.pem" --passin "file:$work/pass.txt" "$zip" --force -q
check "sign with a file: URI key and file: passphrase" 0
check_empty "sign -q" stderr
assert "RSA signing is deterministic" cmp -s "$signed" "$work/signed.first"

# --- file: URIs: relative (file:keys/private.pem), file:///abs, file://localhost/abs ---
# OpenSSL's file store takes absolute file: URIs only; dfota hands it the path.
cd "$work"
run sign --key file:rsa/private.pem --passin pass:$pass "$zip" -o "$work/rel_signed.zip" -q
check "sign with a relative file: URI" 0
assert "relative file: URI: the same signed zip" cmp -s "$work/rel_signed.zip" "$work/signed.first"
run sign --key file:rsa/no-such.pem --passin pass:$pass "$zip" -o "$work/rel_bad.zip"
check "a relative file: URI naming no file" 3 stderr "cannot open 'rsa/no-such.pem': No such file or directory \(IO\)"
run sign --key "file://$rsa/private.pem" --passin pass:$pass "$zip" -o "$work/abs_signed.zip" -q
check "sign with a file:/// URI" 0
assert "file:/// URI: the same signed zip" cmp -s "$work/abs_signed.zip" "$work/signed.first"
run sign --key "file://localhost$rsa/private.pem" --passin pass:$pass "$zip" -o "$work/lh_signed.zip" -q
check "sign with a file://localhost/ URI" 0
assert "file://localhost/ URI: the same signed zip" cmp -s "$work/lh_signed.zip" "$work/signed.first"
mkdir -p "$work/relpkg"
"$dfota" pack --old "$src/samples/BC25R01A03.bin" --new "$image" --from-version BC25R01A03 \
    --to-version BC25R01A04 -o "$work/relpkg/P.bin" -q </dev/null &&
    "$dfota" zip "$work/relpkg/P.bin" -q </dev/null || echo "FAIL: pack and zip a package"
run sign --key file:ec/private.pem --passin pass:$pass relpkg/P.zip -q
check "sign a package with a relative file: URI (ECDSA)" 0
run verify -v --pubkey file:ec/public.pem relpkg/P_signed.zip
check "verify --pubkey with a relative file: URI" 0 \
    stdout "^signature +passed .* verifies with the public key $(openssl pkey -pubin -in "$ec/public.pem" -outform DER | sha256sum | cut -c1-16);" \
    stdout '^result +ok$'
run verify --pubkey file:ec/no-such.pem relpkg/P_signed.zip
check "verify --pubkey: a relative file: URI naming no file" 3 stderr "cannot open 'ec/no-such.pem'"
run verify --pubkey "file://$ec/public.pem" relpkg/P_signed.zip
check "verify --pubkey with a file:/// URI" 0 stdout '^result +ok$'
cd - >/dev/null
run sign --key "$rsa/private.pem" --passin pass:$pass "$signed" -o "$work/twice.zip"
check "sign refuses an already signed zip" 1 stderr "zip is already signed: it holds '$name.bin.sig' \(ALREADY_SIGNED\)$"
DFOTA_PASS=$pass run sign --key "$ec/private.pem" --passin env:DFOTA_PASS "$zip" -o "$work/ec_signed.zip"
check "sign (ECDSA)" 0 stderr "signed with ECDSA_256K1\+SHA256"
stock_verify "$work/ec_signed.zip" "$ec/public.pem" "$name.bin" >"$work/stdout" 2>"$work/stderr"
rc=$?
check "stock unzip + openssl dgst -verify (ECDSA)" 0 stdout '^Verified OK$'
assert "ECDSA signature is DER" bash -c "openssl asn1parse -inform DER -in '$work/out/$name.bin.sig' | grep -q 'INTEGER'"
"$dfota" sign --key "$ec/private.pem" --passin fd:3 "$zip" -o - 3<"$work/pass.txt" >"$work/fd_signed.zip" 2>"$work/stderr"
rc=$?
check "sign --passin fd:3 -o -" 0
stock_verify "$work/fd_signed.zip" "$ec/public.pem" "$name.bin" >"$work/stdout" 2>"$work/stderr"
rc=$?
check "stock check of the fd: signed zip" 0 stdout '^Verified OK$'
echo "$pass" | "$dfota" sign --key "$rsa/private.pem" --passin stdin "$zip" -o "$work/stdin_signed.zip" -q >"$work/stdout" 2>"$work/stderr"
rc=$?
check "sign --passin stdin" 0
assert "stdin-signed zip is the same" cmp -s "$work/stdin_signed.zip" "$work/signed.first"

# A zip made by Info-ZIP (sizes in the local header, different extra fields in the
# central directory) is signed too, into the same signed zip as dfota's own X.zip
# (the name, the content, the time and the signature decide every byte).
(cd "$work/pkg" && zip -q -X -9 "$work/infozip.zip" "$name.bin")
run sign --key "$rsa/private.pem" --passin pass:$pass "$work/infozip.zip"
check "sign an Info-ZIP zip" 0
stock_verify "$work/infozip_signed.zip" "$rsa/public.pem" "$name.bin" >"$work/stdout" 2>"$work/stderr"
rc=$?
check "stock check of the signed Info-ZIP zip" 0 stdout '^Verified OK$'
TZ=UTC touch -d 1980-01-01T00:00:00 "$work/pkg/$name.bin"
(cd "$work/pkg" && TZ=UTC zip -q -X -9 "$work/infozip1980.zip" "$name.bin")
run sign --key "$rsa/private.pem" --passin pass:$pass "$work/infozip1980.zip" -q
check "sign an Info-ZIP zip dated 1980-01-01" 0
assert "an Info-ZIP zip and dfota's X.zip of the same .bin and time sign to the same bytes" \
    cmp -s "$work/infozip1980_signed.zip" "$signed"

# --- tampering: the stock check fails ---
stock_verify "$signed" "$work/fd/public.pem" "$name.bin" >"$work/stdout" 2>"$work/stderr"
rc=$?
check "stock check with the wrong public key" 1 stdout 'Verification failure'
cp "$signed" "$work/tampered.zip"
sigpos=$((sigoff + 30 + ${#name} + 8 + 10)) # a byte inside the signature
patch "$work/tampered.zip" "$sigpos" 00
stock_verify "$work/tampered.zip" "$rsa/public.pem" "$name.bin" >"$work/stdout" 2>"$work/stderr"
rc=$?
if [ "$rc" -ne 0 ]; then ok; else fail "stock check of a zip with a changed signature byte"; fi
stock_verify "$signed" "$rsa/public.pem" "$name.bin" >/dev/null 2>&1
patch "$work/out/$name.bin" 1000 5a
openssl dgst -sha256 -verify "$rsa/public.pem" -signature "$work/out/$name.bin.sig" "$work/out/$name.bin" \
    >"$work/stdout" 2>"$work/stderr"
rc=$?
check "stock check of a changed X.bin" 1 stdout 'Verification failure'

summary
