#!/usr/bin/env bash
# CLI tests of what every command shares: a single-value option given twice
# is refused, '-' is standard input or output at most once, a lost standard
# output is exit 3, -q and -v, "did you mean" for a mistyped command, and
# pack's versions read from the images. Runs the real dfota binary and checks
# stdout, stderr and the exit code.
# usage: tests/cli/test_uniform_cli.sh DFOTA SOURCE_DIR
set -uo pipefail

dfota=$1
src=$2
work=$(mktemp -d "${TMPDIR:-/tmp}/dfota-uniform-cli.XXXXXX")
trap 'rm -rf "$work"' EXIT
unset SOURCE_DATE_EPOCH

# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

# run_full ARGS...: run dfota with standard output on /dev/full (every write
# to it fails with ENOSPC); exit code in $rc, stderr in $work/stderr.
run_full() {
    : >"$work/stdout"
    "$dfota" "$@" </dev/null >/dev/full 2>"$work/stderr"
    rc=$?
}

sha() { sha256sum "$1" | cut -d' ' -f1; }

old="$src/samples/BC25R01A03.bin"
new="$src/samples/BC25R01A04.bin"
pass=Fota-2024
head -c 8192 /dev/zero >"$work/blank.bin" # holds no version string
cat "$old" "$new" >"$work/merged.bin"     # holds two
run pack --old "$old" --new "$new" --from-version BC25R01A03 --to-version BC25R01A04 \
    -o "$work/BC25R01A03_TO_BC25R01A04.bin" -q
check "setup: a delta package" 0
pkg="$work/BC25R01A03_TO_BC25R01A04.bin"
run zip "$pkg" -q
check "setup: its zip" 0
zip="$work/BC25R01A03_TO_BC25R01A04.zip"
run keygen --alg ecdsa-secp256k1 -o "$work/ec" --passout pass:$pass -q
check "setup: an ECDSA key" 0
key="$work/ec/private.pem"

# --- a single-value option given twice: exit 2, both values named, nothing written ---
out="$work/twice.out"
# repeated NAME ARGS...: refused with "OPTION given twice ('A' and 'B'); give it once".
repeated() {
    local name=$1 command=$2 option=$3 first=$4 second=$5
    shift 5
    run "$command" "$@"
    check "$name" 2 \
        stderr "^dfota $command: $option given twice \('$first' and '$second'\); give it once$" \
        stderr "^usage: dfota $command " stderr "^Try 'dfota help $command' for more information\.$"
    check_empty "$name: stdout" stdout
    assert "$name: nothing written" test ! -e "$out"
}
repeated "diff -o twice" diff -o "$out" "$out.2" "$old" "$new" -o "$out" -o "$out.2"
for opt in "--predict auto none" "--codec range zstd" "--window-log 10 11" \
    "--segment-size 4096 8192" "--level 3 5"; do
    set -- $opt
    repeated "diff $1 twice" diff "$1" "$2" "$3" "$old" "$new" -o "$out" "$1" "$2" "$1" "$3"
done
repeated "diff --level twice, with the same value" diff --level 3 3 \
    "$old" "$new" -o "$out" --level 3 --level 3
repeated "pack --old twice" pack --old "$old" "$work/blank.bin" \
    --old "$old" --old "$work/blank.bin" --new "$new" -o "$out"
repeated "pack --new twice" pack --new "$new" "$old" --old "$old" --new "$new" --new "$old" -o "$out"
repeated "pack --full twice" pack --full "$new" "$old" --full "$new" --full "$old" -o "$out"
repeated "pack --from-version twice" pack --from-version BC25R01A01 BC25R01A02 --old "$old" \
    --new "$new" --from-version BC25R01A01 --from-version BC25R01A02 -o "$out"
repeated "pack --to-version twice" pack --to-version BC25R01A04 BC25R01A05 --full "$new" \
    --to-version BC25R01A04 --to-version BC25R01A05 -o "$out"
repeated "pack -o twice" pack -o "$out" "$out.2" --full "$new" -o "$out" --output "$out.2"
repeated "pack --level twice" pack --level 19 3 --full "$new" --level 19 --level 3 -o "$out"
repeated "pack --window-log twice" pack --window-log 16 17 --full "$new" --window-log 16 \
    --window-log 17 -o "$out"
repeated "pack --codec twice" pack --codec zstd range --old "$old" --new "$new" --codec zstd \
    --codec range -o "$out"
repeated "zip -o twice" zip -o "$out" "$out.2" "$pkg" -o "$out" -o "$out.2"
repeated "sign --key twice" sign --key "$key" "$work/other.pem" --key "$key" \
    --key "$work/other.pem" --passin pass:$pass "$zip" -o "$out"
repeated "sign -o twice" sign -o "$out" "$out.2" --key "$key" --passin pass:$pass "$zip" \
    -o "$out" -o "$out.2"
repeated "keygen --alg twice" keygen --alg rsa2048 ecdsa-secp256k1 --alg rsa2048 \
    --alg ecdsa-secp256k1 -o "$out" --passout pass:$pass
repeated "keygen -o twice" keygen -o "$out" "$out.2" --alg rsa2048 -o "$out" -o "$out.2" \
    --passout pass:$pass
repeated "verify --old twice" verify --old "$old" "$new" --old "$old" --old "$new" "$pkg"
repeated "verify --pubkey twice" verify --pubkey "$work/ec/public.pem" "$work/other.pem" \
    --pubkey "$work/ec/public.pem" --pubkey "$work/other.pem" "$pkg"
repeated "verify --erase-size twice" verify --erase-size 4096 8192 --erase-size 4096 \
    --erase-size 8192 "$pkg"
repeated "inspect --pubkey twice" inspect --pubkey "$work/ec/public.pem" "$work/other.pem" \
    --pubkey "$work/ec/public.pem" --pubkey "$work/other.pem" "$pkg"
repeated "apply --old twice" apply --old "$old" "$new" --old "$old" --old "$new" "$pkg" -o "$out"
repeated "apply -o twice" apply -o "$out" "$out.2" --old "$old" "$pkg" -o "$out" -o "$out.2"
repeated "apply --chunk-size twice" apply --chunk-size 512 4096 --old "$old" "$pkg" -o "$out" \
    --chunk-size 512 --chunk-size 4096
repeated "apply --module twice" apply --module bc25 ec200 --old "$old" "$pkg" -o "$out" \
    --module bc25 --module ec200
# A passphrase source is never printed, not even to say that it was given twice.
run sign --key "$key" --passin pass:$pass --passin pass:Other-2024 "$zip" -o "$out"
check "sign --passin twice" 2 \
    stderr "^dfota sign: --passin given twice \(the values are not shown\); give it once$"
assert "sign --passin twice quotes neither value" \
    sh -c "! grep -q -e '$pass' -e Other-2024 '$work/stderr'"
assert "sign --passin twice: nothing written" test ! -e "$out"
run keygen --alg rsa2048 -o "$out" --passout pass:$pass --passout pass:Other-2024
check "keygen --passout twice" 2 \
    stderr "^dfota keygen: --passout given twice \(the values are not shown\); give it once$"
assert "keygen --passout twice quotes neither value" \
    sh -c "! grep -q -e '$pass' -e Other-2024 '$work/stderr'"
assert "keygen --passout twice: nothing written" test ! -e "$out"
# Flags mean the same given twice.
run diff "$old" "$new" -o "$out" --in-place --in-place -q -q -f -f
check "diff: flags repeated are fine" 0
check_empty "diff -q -q" stderr
rm -f "$out"
run pack --full "$new" -o "$out" -q --quiet -v -v
check "pack: flags repeated are fine" 0
rm -f "$out"

# --- '-' at most once for standard input, once for standard output ---
"$dfota" diff - - -o "$out" <"$old" >"$work/stdout" 2>"$work/stderr"
rc=$?
check "diff - -" 2 stderr "^dfota diff: OLD and NEW both read standard input \('-'\), which can be read only once; give a file for one of them$" \
    stderr '^usage: dfota diff '
assert "diff - -: nothing written" test ! -e "$out"
"$dfota" pack --old - --new - -o "$out" <"$old" >"$work/stdout" 2>"$work/stderr"
rc=$?
check "pack --old - --new -" 2 stderr "^dfota pack: --old and --new both read standard input \('-'\), which can be read only once; give a file for one of them$"
assert "pack --old - --new -: nothing written" test ! -e "$out"
"$dfota" verify --old - - <"$pkg" >"$work/stdout" 2>"$work/stderr"
rc=$?
check "verify --old - -" 2 stderr "^dfota verify: FILE and --old both read standard input \('-'\), which can be read only once; give a file for one of them$"
"$dfota" verify --old "$old" --new - - <"$pkg" >"$work/stdout" 2>"$work/stderr"
rc=$?
check "verify --new - -" 2 stderr "^dfota verify: FILE and --new both read standard input"
"$dfota" apply --old - - -o "$out" <"$pkg" >"$work/stdout" 2>"$work/stderr"
rc=$?
check "apply --old - -" 2 stderr "^dfota apply: PKG_OR_PATCH and --old both read standard input \('-'\), which can be read only once; give a file for one of them$"
assert "apply --old - -: nothing written" test ! -e "$out"
"$dfota" apply --old "$old" "$pkg" --state - -o "$out" <"$pkg" >"$work/stdout" 2>"$work/stderr"
rc=$?
check "apply --state -" 2 stderr "^dfota apply: --state is read and written; give a file, not '-'$"
"$dfota" verify --old - --new "$new" "$pkg" -q <"$old" >"$work/stdout" 2>"$work/stderr"
rc=$?
check "verify --old - (once)" 0
"$dfota" apply --old "$old" - -o "$out" -q <"$pkg" >"$work/stdout" 2>"$work/stderr"
rc=$?
check "apply - (once)" 0
assert "apply - rebuilds the new image" cmp -s "$out" "$new"
rm -f "$out"
for src_spec in stdin fd:0 fd:00; do
    "$dfota" sign --key "$key" --passin "$src_spec" - -o "$out" <"$zip" >"$work/stdout" 2>"$work/stderr"
    rc=$?
    check "sign - --passin $src_spec" 2 stderr "^dfota sign: X.zip and --passin both read standard input \('-'\), which can be read only once; give a file for one of them$"
done
assert "sign - --passin stdin: nothing written" test ! -e "$out"
# Once is fine, and the same as the file.
"$dfota" pack --old - --new "$new" -o "$out" -q <"$old" >"$work/stdout" 2>"$work/stderr"
rc=$?
check "pack --old - (once)" 0
assert "pack --old - gives the package of the file" cmp -s "$out" "$pkg"
rm -f "$out"
"$dfota" sign --key "$key" --passin fd:3 - -o "$out" -q <"$zip" 3<<<"$pass" >"$work/stdout" 2>"$work/stderr"
rc=$?
check "sign - with the passphrase from fd:3" 0
rm -f "$out"

# --- every write to standard output checked: exit 3, and said so ---
[ -w /dev/full ] || fail "/dev/full is missing: the standard-output checks cannot run"
if [ -w /dev/full ]; then
    nospace='cannot write to standard output: No space left on device$'
    run_full --version
    check "--version >/dev/full" 3 stderr "^dfota: $nospace"
    run_full --help
    check "--help >/dev/full" 3 stderr "^dfota: $nospace"
    run_full help diff
    check "help diff >/dev/full" 3 stderr "^dfota help: $nospace"
    run_full help
    check "help >/dev/full" 3 stderr "^dfota help: $nospace"
    for cmd in diff pack zip sign keygen release verify inspect apply; do
        run_full "$cmd" --help
        check "$cmd --help >/dev/full" 3 stderr "^dfota $cmd: $nospace"
    done
    run_full diff "$old" "$new" -o -
    check "diff -o - >/dev/full" 3 stderr "^dfota diff: $nospace"
    assert "diff -o - >/dev/full says it once" \
        test "$(grep -c 'cannot write to standard output' "$work/stderr")" -eq 1
    run_full pack --full "$new" -o -
    check "pack -o - >/dev/full" 3 stderr "^dfota pack: $nospace"
    run_full zip "$pkg" -o -
    check "zip -o - >/dev/full" 3 stderr "^dfota zip: $nospace"
    run_full sign --key "$key" --passin pass:$pass "$zip" -o -
    check "sign -o - >/dev/full" 3 stderr "^dfota sign: $nospace"
    run_full inspect "$pkg"
    check "inspect >/dev/full" 3 stderr "^dfota inspect: $nospace"
    run_full inspect --json "$pkg"
    check "inspect --json >/dev/full" 3 stderr "^dfota inspect: $nospace"
    run_full verify --old "$old" --new "$new" "$pkg"
    check "verify >/dev/full" 3 stderr "^dfota verify: $nospace"
    run_full verify --json "$pkg"
    check "verify --json >/dev/full" 3 stderr "^dfota verify: $nospace"
    # apply flushes every URC line itself: stdio keeps the error, not its reason.
    run_full apply --old "$old" "$pkg" -o "$work/rebuilt.bin" --urc
    check "apply --urc >/dev/full" 3 \
        stderr '^dfota apply: cannot write to standard output: (No space left on device|write error)$'
    rm -f "$work/rebuilt.bin"
    # A failed check keeps its own exit code; the lost output is still said.
    run_full verify --old "$new" "$pkg"
    check "failing verify >/dev/full" 1 stderr "^dfota verify: $nospace" stderr 'SOURCE_MISMATCH'
fi
# Standard output closed: a command that writes nothing to it succeeds, one that does fails.
"$dfota" pack --full "$new" -o "$out" -q </dev/null >&- 2>"$work/stderr"
rc=$?
check "pack -q with standard output closed" 0
check_empty "pack -q with standard output closed" stderr
rm -f "$out"
"$dfota" --version </dev/null >&- 2>"$work/stderr"
rc=$?
check "--version with standard output closed" 3 \
    stderr '^dfota: cannot write to standard output: Bad file descriptor$'

# --- -q and -v on diff, pack, zip, sign, keygen ---
for cmd in diff pack zip sign keygen; do
    run help "$cmd"
    check "help $cmd lists -q and -v" 0 stdout '^  -q, --quiet ' stdout '^  -v, --verbose '
done
run diff "$old" "$new" -o "$out" -v
check "diff -v" 0 stderr '^  prediction branch pointer ' stderr '^  layout two-bank$' \
    stderr "^  patch sha256   $(sha "$out")$"
rm -f "$out"
run diff "$old" "$new" -o "$out" -v --in-place
check "diff -v --in-place" 0 stderr '^  layout in-place, pivot [0-9]+$' \
    stderr "^  patch sha256   $(sha "$out")$"
rm -f "$out"
run pack --old "$old" --new "$new" -o "$out" -v
check "pack -v: versions read from the images" 0 \
    stderr "^$out: delta package BC25R01A03 -> BC25R01A04, " \
    stderr '^  source version BC25R01A03 \(old image, offset 137712\)$' \
    stderr '^  target version BC25R01A04 \(new image, offset 138084\)$' \
    stderr "^  package sha256 $(sha "$out")$"
assert "pack with versions read gives the package with versions given" cmp -s "$out" "$pkg"
rm -f "$out"
run pack --old "$old" --new "$new" -o "$out" -v --from-version BC25R01A03 --to-version BC25R01A04
check "pack -v: versions given" 0 stderr '^  source version BC25R01A03 \(--from-version\)$' \
    stderr '^  target version BC25R01A04 \(--to-version\)$'
rm -f "$out"
run pack --full "$new" -o "$out" -v
check "pack --full -v: the version read from the image" 0 \
    stderr "^$out: full package for BC25R01A04, " \
    stderr '^  target version BC25R01A04 \(full image, offset 138084\)$' \
    stderr "^  package sha256 $(sha "$out")$"
assert "pack --full -v prints no source version" sh -c "! grep -q 'source version' '$work/stderr'"
rm -f "$out"
run zip "$pkg" -o "$out.zip" -v
check "zip -v" 0 stderr "^  entry sha256   $(sha "$pkg")$" stderr "^  zip sha256     $(sha "$out.zip")$"
run zip "$pkg" -o "$out.q.zip" -q
check "zip -q" 0
check_empty "zip -q" stderr
run sign --key "$key" --passin pass:$pass "$zip" -o "$out.sig.zip" -v
check "sign -v" 0 stderr "^  key            '$key', ECDSA on secp256k1$" \
    stderr '^  signature      (7[0-2]|6[0-9]) bytes, DER ECDSA-Sig-Value over SHA-256$' \
    stderr "^  entry sha256   $(sha "$pkg")$" stderr "^  signed sha256  $(sha "$out.sig.zip")$"
run sign --key "$key" --passin pass:$pass "$zip" -o "$out.sig.q.zip" -q
check "sign -q" 0
check_empty "sign -q" stderr
run keygen --alg rsa2048 -o "$work/rsa" --passout pass:$pass -v
check "keygen -v" 0 stderr '^  algorithm      RSA2048\+SHA256: RSA 2048 bits, e 65537, PKCS#1 v1\.5 signatures$' \
    stderr "^  private.pem    $(stat -c %s "$work/rsa/private.pem") bytes$" \
    stderr "^  public.pem     $(stat -c %s "$work/rsa/public.pem") bytes$" \
    stderr "^  public sha256  $(sha "$work/rsa/public.pem")$"
run sign --key "$work/rsa/private.pem" --passin pass:$pass "$zip" -o "$out.rsa.zip" -v
check "sign -v with RSA" 0 stderr "^  key            '$work/rsa/private.pem', RSA 2048 bits$" \
    stderr '^  signature      256 bytes, PKCS#1 v1\.5 over SHA-256$'
run keygen --alg ecdsa-secp256k1 -o "$work/ec2" --passout pass:$pass -q
check "keygen -q" 0
check_empty "keygen -q" stderr

# --- "did you mean" ---
run relase
check "mistyped command" 2 stderr "^dfota: unknown command 'relase'; did you mean 'release'\?$" \
    stderr '^usage: dfota <command>'
check_empty "mistyped command" stdout
run help relase
check "help of a mistyped command" 2 \
    stderr "^dfota help: unknown command 'relase'; did you mean 'release'\?$"
run sing
check "swapped letters" 2 stderr "did you mean 'sign'\?$"
run inspct
check "a letter missing" 2 stderr "did you mean 'inspect'\?$"
run re
check "the start of one command" 2 stderr "did you mean 'release'\?$"
run diip
check "two commands as close" 2 stderr "did you mean 'diff' or 'zip'\?$"
run nosuch
check "nothing close" 2 stderr "^dfota: unknown command 'nosuch'$"
run help nosuch
check "help of nothing close" 2 \
    stderr "^dfota help: unknown command 'nosuch'; 'dfota --help' lists the commands$"
run --relase
check "an unknown option gets no suggestion" 2 stderr "^dfota: unknown option '--relase'$"
run help help
check "help help" 0 stdout '^usage: dfota <command>'

# --- pack: versions read from the images, as release does ---
run pack --old "$work/merged.bin" --new "$new" -o "$out"
check "pack: an old image with two versions" 2 \
    stderr "^dfota pack: ambiguous version: several version strings \(BC25R01A03, BC25R01A04\) in '$work/merged.bin'; give --from-version$" \
    stderr '^usage: dfota pack '
assert "pack: an ambiguous version wrote nothing" test ! -e "$out"
run pack --old "$old" --new "$work/blank.bin" -o "$out"
check "pack: a new image without a version" 2 \
    stderr "^dfota pack: no version string found in '$work/blank.bin'; give --to-version$"
run pack --full "$work/merged.bin" -o "$out"
check "pack --full: an image with two versions" 2 \
    stderr "ambiguous version: several version strings \(BC25R01A03, BC25R01A04\) in '$work/merged.bin'; give --to-version$"
"$dfota" pack --old - --new "$new" -o "$out" <"$work/blank.bin" >"$work/stdout" 2>"$work/stderr"
rc=$?
check "pack: standard input without a version" 2 \
    stderr "^dfota pack: no version string found in '<stdin>'; give --from-version$"
assert "pack: no version, nothing written" test ! -e "$out"
run pack --old "$work/merged.bin" --from-version BC25R01A03 --new "$new" -o "$out" -v
check "pack: --from-version settles an ambiguous image" 0 \
    stderr '^  source version BC25R01A03 \(--from-version\)$' \
    stderr '^  target version BC25R01A04 \(new image, offset 138084\)$'
run inspect --json "$out"
assert "pack: its package has both versions" \
    jq -e '.package.source.version == "BC25R01A03" and .package.target.version == "BC25R01A04"' "$work/stdout"
rm -f "$out"

summary
