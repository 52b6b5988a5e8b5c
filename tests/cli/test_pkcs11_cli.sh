#!/usr/bin/env bash
# CLI tests of signing with keys that live in a PKCS#11 token: a SoftHSM2
# token in a private directory, an RSA-2048 and a secp256k1 key generated in
# it, `dfota sign` and `dfota release` through --key "pkcs11:..." with the PIN
# from --passin, and the signatures checked with the public keys exported
# from the token, by dfota and by stock unzip + openssl. Runs the real dfota
# binary and checks stdout, stderr and the exit code.
#
# Needs softhsm2, opensc (pkcs11-tool) and libengine-pkcs11-openssl
# (scripts/install-deps.sh installs them): without them it fails, it never
# skips.
# usage: tests/cli/test_pkcs11_cli.sh DFOTA SOURCE_DIR
set -uo pipefail

dfota=$1
src=$2
work=$(mktemp -d "${TMPDIR:-/tmp}/dfota-pkcs11-cli.XXXXXX")
trap 'rm -rf "$work"' EXIT
unset SOURCE_DATE_EPOCH PIN PKCS11_MODULE_PATH

# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

# libp11 0.4.12, the engine, never frees the method tables it makes (its
# p11_load.c says the global methods are not safely deallocated yet); in a
# sanitizer build LeakSanitizer would fail every run on
# them. Full stacks, so that the suppressions name exactly those.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}fast_unwind_on_malloc=0"
export LSAN_OPTIONS="${LSAN_OPTIONS:+$LSAN_OPTIONS:}suppressions=$src/tests/cli/pkcs11.lsan:print_suppressions=0"

# --- what the test needs: missing is a failure, never a skip ---
module=/usr/lib/softhsm/libsofthsm2.so
engines=$(openssl version -e 2>/dev/null | sed -n 's/^ENGINESDIR: "\(.*\)"$/\1/p')
missing=()
command -v softhsm2-util >/dev/null || missing+=("softhsm2 (softhsm2-util)")
[ -r "$module" ] || missing+=("softhsm2 ($module)")
command -v pkcs11-tool >/dev/null || missing+=("opensc (pkcs11-tool)")
[ -n "$engines" ] && [ -r "$engines/pkcs11.so" ] ||
    missing+=("libengine-pkcs11-openssl (${engines:-ENGINESDIR}/pkcs11.so)")
if [ ${#missing[@]} -gt 0 ]; then
    echo "FAIL: missing: ${missing[*]}; install them with scripts/install-deps.sh (as root)"
    exit 1
fi

# setup NAME COMMAND...: a step the rest depends on; stop if it fails.
setup() {
    local name=$1
    shift
    if ! "$@" >"$work/setup.log" 2>&1; then
        echo "FAIL: setup: $name"
        head -c 2000 "$work/setup.log"
        exit 1
    fi
}

# --- a token of our own ---
pin=314159
so_pin=27182818
export SOFTHSM2_CONF="$work/softhsm2.conf"
mkdir "$work/tokens"
printf 'directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n' \
    "$work/tokens" >"$SOFTHSM2_CONF"
setup "softhsm2-util --init-token" \
    softhsm2-util --init-token --free --label dfota-ci --pin "$pin" --so-pin "$so_pin"
p11() { pkcs11-tool --module "$module" --token-label dfota-ci "$@"; }
setup "generate RSA-2048 in the token" \
    p11 --login --pin "$pin" --keypairgen --key-type rsa:2048 --label fota-rsa --id 01
setup "generate secp256k1 in the token" \
    p11 --login --pin "$pin" --keypairgen --key-type EC:secp256k1 --label fota-ec --id 02
for k in rsa ec; do
    setup "export the $k public key" \
        p11 --read-object --type pubkey --label "fota-$k" -o "$work/$k.der"
    setup "$k public key to PEM" \
        openssl pkey -pubin -inform DER -in "$work/$k.der" -out "$work/$k-public.pem"
done
p11 --login --pin "$pin" --list-objects --type privkey >"$work/objects" 2>&1
assert "the token holds two private keys" test "$(grep -c '^Private Key Object' "$work/objects")" -eq 2
assert "the private keys never leave the token" \
    test "$(grep -c 'never extractable' "$work/objects")" -eq 2
openssl pkey -pubin -in "$work/rsa-public.pem" -noout -text >"$work/rsa.txt" 2>&1
assert "the RSA key is 2048 bits" grep -q 'Public-Key: (2048 bit)' "$work/rsa.txt"
openssl pkey -pubin -in "$work/ec-public.pem" -noout -text >"$work/ec.txt" 2>&1
assert "the EC key is on secp256k1" grep -q 'ASN1 OID: secp256k1' "$work/ec.txt"

uri() { printf 'pkcs11:token=dfota-ci;object=fota-%s;type=private' "$1"; }

# stock_verify SIGNED_ZIP PUBLIC_PEM ENTRY: what the README tells a user to run.
stock_verify() {
    rm -rf "$work/out"
    unzip -o "$1" -d "$work/out" >/dev/null 2>&1 &&
        openssl dgst -sha256 -verify "$2" -signature "$work/out/$3.sig" "$work/out/$3"
}

old="$src/samples/BC25R01A03.bin"
new="$src/samples/BC25R01A04.bin"
name=BC25R01A03_TO_BC25R01A04
mkdir "$work/pkg"
setup "pack" "$dfota" pack --old "$old" --new "$new" --from-version BC25R01A03 \
    --to-version BC25R01A04 -o "$work/pkg/$name.bin" -q
setup "zip" "$dfota" zip "$work/pkg/$name.bin" -q
zip="$work/pkg/$name.zip"

# The module named by DFOTA_PKCS11_MODULE, unless a test says otherwise.
export DFOTA_PKCS11_MODULE="$module"

# --- sign with each key in the token, check with the exported public keys ---
for k in rsa ec; do
    if [ "$k" = rsa ]; then scheme='RSA2048\+SHA256'; other=ec; else scheme='ECDSA_256K1\+SHA256'; other=rsa; fi
    signed="$work/${k}_signed.zip"
    PIN=$pin run sign --key "$(uri $k)" --passin env:PIN "$zip" -o "$signed"
    check "sign ($k key in the token, PIN from env:)" 0 \
        stderr "^$signed: '$name.bin' signed with $scheme, [0-9]+ bytes$"
    check_empty "sign ($k): the engine prints nothing" stdout
    run verify -v --pubkey "$work/$k-public.pem" --old "$old" --new "$new" "$signed"
    check "dfota verify --pubkey $k-public.pem" 0 \
        stdout "^signature +passed +$scheme signature" stdout '^result +ok$'
    stock_verify "$signed" "$work/$k-public.pem" "$name.bin" >"$work/stdout" 2>"$work/stderr"
    rc=$?
    check "stock unzip + openssl dgst -sha256 -verify ($k)" 0 stdout '^Verified OK$'
    assert "the signed .bin is the package ($k)" cmp -s "$work/out/$name.bin" "$work/pkg/$name.bin"
    run verify --pubkey "$work/$other-public.pem" "$signed"
    check "dfota verify with the other key's public.pem fails ($k)" 1 stderr 'BAD_SIGNATURE'
    PIN=$pin run sign --json --key "$(uri $k)" --passin env:PIN "$zip" -o "$work/${k}_json.zip"
    check "sign --json ($k key in the token)" 0
    assert "sign --json ($k): the signature checked with the token key's public half, named by its SHA-256" \
        jq -e --arg h "$(openssl pkey -pubin -in "$work/$k-public.pem" -outform DER | sha256sum | cut -d' ' -f1)" \
        '.signature.result == "passed" and .signature.key_sha256 == $h' "$work/stdout"
done
assert "ECDSA signature is DER" \
    bash -c "unzip -p '$work/ec_signed.zip' '$name.bin.sig' | openssl asn1parse -inform DER | grep -q INTEGER"
PIN=$pin run sign --key "$(uri rsa)" --passin env:PIN "$zip" -o "$work/rsa_again.zip" -q
check "sign (RSA) again" 0
assert "RSA signing in the token is deterministic" cmp -s "$work/rsa_again.zip" "$work/rsa_signed.zip"
echo "$pin" >"$work/pin.txt"
run sign --key "$(uri ec)" --passin "file:$work/pin.txt" "$zip" -o "$work/ec_file.zip" -q
check "sign with the PIN from file:" 0
run verify --pubkey "$work/ec-public.pem" "$work/ec_file.zip"
check "verify the file:-PIN signature" 0 stdout '^result +ok$'

# --- release through the token ---
for k in rsa ec; do
    PIN=$pin run release --old "$old" --new "$new" --key "$(uri $k)" --passin env:PIN \
        --pubkey "$work/$k-public.pem" -o "$work/release-$k" -q
    check "release --key pkcs11: ($k) --pubkey $k-public.pem" 0
    rsigned="$work/release-$k/${name}_signed.zip"
    assert "release ($k) wrote the four files" test -s "$rsigned" -a -s "$work/release-$k/$name.report.json"
    run verify -v --pubkey "$work/$k-public.pem" --old "$old" --new "$new" "$rsigned"
    check "dfota verify of the release ($k)" 0 stdout '^result +ok$'
    stock_verify "$rsigned" "$work/$k-public.pem" "$name.bin" >"$work/stdout" 2>"$work/stderr"
    rc=$?
    check "stock check of the release ($k)" 0 stdout '^Verified OK$'
done
PIN=$pin run release --old "$old" --new "$new" --key "$(uri rsa)" --passin env:PIN \
    --pubkey "$work/ec-public.pem" -o "$work/release-mismatch"
check "release: a --pubkey that is not the token key's is refused" 1 stderr 'signature'
assert "release mismatch: nothing released" test ! -e "$work/release-mismatch/${name}_signed.zip"

# --- failures: a clear message, a status, exit 1, never a crash ---
run sign --key "$(uri ec)" --passin pass:000000 "$zip" -o "$work/bad.zip"
check "wrong PIN" 1 stderr "^dfota sign: the token of '$(uri ec)' refuses the PIN: wrong passphrase \(PIN incorrect\) \(BAD_PASSPHRASE\)$"
assert "wrong PIN: one line on stderr, nothing from the engine" test "$(wc -l <"$work/stderr")" -eq 1
assert "wrong PIN: no signed zip" test ! -e "$work/bad.zip"
PIN=000000 run release --old "$old" --new "$new" --key "$(uri rsa)" --passin env:PIN -o "$work/release-bad"
check "release with a wrong PIN" 1 stderr 'refuses the PIN: wrong passphrase' stderr 'BAD_PASSPHRASE'
assert "release with a wrong PIN: nothing released" test ! -e "$work/release-bad/${name}_signed.zip"
run sign --key "pkcs11:token=dfota-ci;object=no-such-key;type=private" --passin "pass:$pin" "$zip" -o "$work/bad.zip"
check "a URI naming no object" 1 \
    stderr "cannot load the private key 'pkcs11:token=dfota-ci;object=no-such-key;type=private' from a token of the PKCS#11 module '$module': object not found \(KEY\)$"
run sign --key "pkcs11:token=no-such-token;object=fota-ec;type=private" --passin "pass:$pin" "$zip" -o "$work/bad.zip"
check "a URI naming no token" 1 stderr "cannot load the private key 'pkcs11:token=no-such-token;" stderr '\(KEY'
run sign --key "pkcs11:token=dfota-ci;object=fota-ec;type=private;pin-value=$pin" --passin "pass:$pin" "$zip" -o "$work/bad.zip"
check "a PIN in the URI is refused" 1 stderr 'the pkcs11: URI holds a PIN \(pin-value=\)' stderr '\(KEY'
assert "a PIN in the URI is not echoed" bash -c "! grep -q '$pin' '$work/stderr'"
run sign --key "$(uri ec)" --passin "pass:$(printf '1%.0s' $(seq 33))" "$zip" -o "$work/bad.zip"
check "a PIN longer than libp11's 32 bytes" 1 stderr 'is longer than the 32 bytes the engine .pkcs11. accepts \(BAD_PASSPHRASE'
DFOTA_PKCS11_MODULE="$work/no-module.so" run sign --key "$(uri ec)" --passin "pass:$pin" "$zip" -o "$work/bad.zip"
check "DFOTA_PKCS11_MODULE naming no file" 1 \
    stderr "cannot open the PKCS#11 module '$work/no-module.so' \(DFOTA_PKCS11_MODULE\): No such file or directory \(KEY"
run verify --pubkey "pkcs11:token=dfota-ci;object=fota-ec;type=public" "$work/ec_signed.zip"
check "--pubkey pkcs11: says to export the public key" 1 \
    stderr "the engine 'pkcs11' gives private keys only; give the public key as a file exported from the token"
assert "no signed zip after the failures" test ! -e "$work/bad.zip"

# --- without DFOTA_PKCS11_MODULE: the engine's default module (on Debian
# p11-kit's proxy, which finds SoftHSM2 through its p11-kit registration) ---
DFOTA_PKCS11_MODULE= PIN=$pin run sign --key "$(uri ec)" --passin env:PIN "$zip" -o "$work/ec_default.zip"
check "sign through the engine's default module" 0 stderr "signed with ECDSA_256K1\+SHA256"
run verify --pubkey "$work/ec-public.pem" "$work/ec_default.zip"
check "verify the default-module signature" 0 stdout '^result +ok$'

summary
