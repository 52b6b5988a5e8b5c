#!/usr/bin/env bash
# CLI tests: run the real dfota binary, check stdout, stderr and exit code.
# usage: tests/cli/test_cli.sh DFOTA SOURCE_DIR
set -uo pipefail

dfota=$1
src=$2
work=$(mktemp -d "${TMPDIR:-/tmp}/dfota-cli.XXXXXX")
trap 'rm -rf "$work"' EXIT
unset SOURCE_DATE_EPOCH

# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

image="$src/samples/BC25R01A04.bin"
pkg="$work/BC25R01A04.bin"

# --- help, version, usage errors ---
run --help
check "--help" 0 stdout '^usage: dfota <command>' stdout '^  pack ' stdout '^  inspect '
check_empty "--help" stderr
run --version
check "--version" 0 stdout '^dfota [0-9]+\.[0-9]+\.[0-9]+$' stdout '^container format 2$'
run
check "no arguments" 2 stderr '^usage: dfota <command>'
check_empty "no arguments" stdout
run nosuch
check "unknown command" 2 stderr "^dfota: unknown command 'nosuch'" stderr '^usage: '
run --bogus
check "unknown global option" 2 stderr "^dfota: unknown option '--bogus'"
run help pack
check "help pack" 0 stdout '^usage: dfota pack --old OLD --new NEW' stdout '--full NEW' stdout '--window-log'
cp "$work/stdout" "$work/help-pack"
run pack --help
check "pack --help" 0 stdout '^usage: dfota pack'
assert "pack --help equals help pack" cmp -s "$work/stdout" "$work/help-pack"
run help inspect
check "help inspect" 0 stdout '^usage: dfota inspect \[--pubkey KEY\] \[--json\] \[-q\|-v\] FILE$'
run inspect -h
check "inspect -h" 0 stdout '^usage: dfota inspect'
run help nosuch
check "help unknown command" 2 stderr "unknown command 'nosuch'"
run pack --bogus
check "pack unknown option" 2 stderr "^dfota pack: unknown option '--bogus'" stderr '^usage: dfota pack' stderr "dfota help pack"
run pack --full
check "pack option without value" 2 stderr "option '--full' needs a value"
head -c 8192 /dev/zero >"$work/blank.bin" # no version string to read
run pack --full "$work/blank.bin" -o "$pkg"
check "pack without --to-version, an image without one" 2 \
    stderr "^dfota pack: no version string found in '$work/blank.bin'; give --to-version$"
run pack --full "$image" --to-version BC25R01A04
check "pack without -o" 2 stderr 'missing -o'
run pack --to-version BC25R01A04 -o "$pkg"
check "pack without --full" 2 stderr 'missing --full NEW'
run pack --full "$image" --to-version "BC25 R01" -o "$pkg"
check "pack bad version" 2 stderr 'target version has character 0x20'
run pack --full "$image" --to-version BC25R01A04 -o "$pkg" --level 0
check "pack bad level" 2 stderr "--level '0'"
run pack --full "$image" --to-version BC25R01A04 -o "$pkg" --window-log 99
check "pack bad window log" 2 stderr "--window-log '99'"
run pack --full "$image" --to-version BC25R01A04 -o "$pkg" extra
check "pack extra argument" 2 stderr "unexpected argument 'extra'"
run inspect
check "inspect without file" 2 stderr 'missing FILE'
run inspect a b
check "inspect two files" 2 stderr "unexpected argument 'b'"
assert "usage errors wrote nothing" test ! -e "$pkg"

# --- pack ---
run pack --full "$work/missing.bin" --to-version BC25R01A04 -o "$pkg"
check "pack missing input" 3 stderr "^dfota pack: '$work/missing.bin': cannot open: No such file or directory \(IO\)$"
run pack --full "$work" --to-version BC25R01A04 -o "$pkg"
check "pack directory input" 3 stderr 'Is a directory'
run pack --full "$image" --to-version BC25R01A04 -o "$work/no/such/dir/x.bin"
check "pack into missing directory" 3 stderr "'$work/no/such/dir': cannot write there: No such file or directory"
run pack --full "$image" --to-version BC25R01A04 -o "$pkg"
check "pack full" 0 stderr "full package for BC25R01A04, $(stat -c %s "$image") -> [0-9]+ bytes"
check_empty "pack full" stdout
assert "pack wrote the package" test -s "$pkg"
assert "pack left no temporary file" test "$(ls -A "$work" | grep -c '\.tmp\.')" -eq 0
cp "$pkg" "$work/first.bin"
run pack --full "$image" --to-version BC25R01A04 -o "$pkg"
check "pack refuses existing output" 4 stderr "'$pkg' already exists; use --force"
assert "existing output untouched" cmp -s "$pkg" "$work/first.bin"
printf 'precious' >"$work/precious.bin"
run pack --full "$work/missing.bin" --to-version BC25R01A04 -o "$work/precious.bin" --force
check "failed pack with --force" 3 stderr 'cannot open'
assert "failed pack kept the existing output" test "$(cat "$work/precious.bin")" = precious
run pack --full "$image" --to-version BC25R01A04 -o "$pkg" --force -q
check "pack --force -q" 0
check_empty "pack -q" stderr
assert "same inputs give the same bytes" cmp -s "$pkg" "$work/first.bin"
run pack --full "$image" --to-version BC25R01A04 -o - -q
check "pack to stdout" 0
assert "pack to stdout gives the same bytes" cmp -s "$work/stdout" "$work/first.bin"
run pack --full "$image" --to-version BC25R01A04 -o "$work/v.bin" -v
check "pack -v" 0 stderr '^  target sha256  [0-9a-f]{64}$' stderr '^  payload md5    [0-9a-f]{32}$'
SOURCE_DATE_EPOCH=1700000000 run pack --full "$image" --to-version BC25R01A04 -o "$work/dated.bin"
check "pack with SOURCE_DATE_EPOCH" 0
SOURCE_DATE_EPOCH=yesterday run pack --full "$image" --to-version BC25R01A04 -o "$work/bad.bin"
check "pack with bad SOURCE_DATE_EPOCH" 2 stderr "SOURCE_DATE_EPOCH='yesterday'"

# --- inspect ---
sha=$(sha256sum "$image" | cut -d' ' -f1)
md5=$(md5sum "$image" | cut -d' ' -f1)
run inspect "$pkg"
check "inspect" 0 stdout '^package type +full$' stdout '^target +version +BC25R01A04$' \
    stdout "^target +sha256 +$sha$" stdout "^target +md5 +$md5$" stdout '^format version +2$' \
    stdout '^checks +passed: container apply target; skipped: signature zip payload source new$'
check_empty "inspect" stderr
run inspect "$work/dated.bin"
check "inspect shows creation time" 0 stdout '^created +1700000000 \(2023-11-14T22:13:20Z\)$'
"$dfota" inspect - <"$pkg" >"$work/stdout" 2>"$work/stderr"
rc=$?
check "inspect stdin" 0 stdout '^file +<stdin>$'
run inspect --json "$pkg"
check "inspect --json" 0
assert "inspect --json is JSON with the image digests" \
    jq -e --arg sha "$sha" --arg md5 "$md5" \
    '.ok == true and .command == "inspect" and .file.kind == "package" and .patch == null
     and .package.type == "full" and .package.format_version == 2 and .package.source == null
     and .package.target.version == "BC25R01A04" and .package.target.sha256 == $sha
     and .package.target.md5 == $md5 and .package.payload.encoding == "zstd"
     and .package.workspace_size > 0 and .package.created == 0
     and ([.checks[] | select(.result == "passed") | .name] == ["container", "apply", "target"])' "$work/stdout"
size=$(stat -c %s "$pkg")
assert "inspect --json sizes add up" \
    jq -e --argjson size "$size" '.package.header_size + .package.payload.size == $size and .file.size == $size' "$work/stdout"

# --- corrupted packages: one status each, exit 1, module error code ---
corrupt() { cp "$pkg" "$work/bad.bin"; }
corrupt; patch "$work/bad.bin" 0 50
run inspect "$work/bad.bin"
check "bad magic: not a dfota package" 7 \
    stderr "^dfota inspect: '$work/bad.bin': not a dfota package nor a raw patch \(the file starts with 50 44 46 4f 54 41 0d 0a\)" \
    stderr 'BAD_MAGIC; module error BC25 6507, EC200 504, LwM2M 5'
corrupt; patch "$work/bad.bin" 8 03
run inspect "$work/bad.bin"
check "unknown version" 1 stderr 'container format version 3 is not supported' stderr 'UNSUPPORTED_VERSION'
head -c 100 "$pkg" >"$work/bad.bin"
run inspect "$work/bad.bin"
check "truncated header" 1 stderr 'header needs [0-9]+ bytes but only 100 are present \(TRUNCATED'
head -c $((size - 1)) "$pkg" >"$work/bad.bin"
run inspect "$work/bad.bin"
check "truncated payload" 1 stderr 'TRUNCATED'
: >"$work/bad.bin"
run inspect "$work/bad.bin"
check "empty file" 1 stderr '0 bytes is shorter than the 16-byte package preamble'
corrupt; patch "$work/bad.bin" 13 20
run inspect "$work/bad.bin"
check "header length past the limit" 1 stderr 'header size [0-9]+ is outside 20..4096 \(BAD_LENGTH'
corrupt; patch "$work/bad.bin" 30 ff
run inspect "$work/bad.bin"
check "checksum mismatch" 1 stderr 'header CRC-32 mismatch: stored 0x[0-9a-f]{8}, computed 0x[0-9a-f]{8} \(HEADER_CHECKSUM; module error BC25 6507, EC200 506'
corrupt; printf 'X' >>"$work/bad.bin"
run inspect "$work/bad.bin"
check "trailing data" 1 stderr '1 unexpected byte\(s\) after' stderr 'TRAILING_DATA'
corrupt; patch "$work/bad.bin" $((size - 10)) 00
run inspect "$work/bad.bin"
check "payload bit flip" 1 stderr 'payload (MD5|SHA-256) mismatch' stderr 'PAYLOAD_DIGEST'
corrupt; patch "$work/bad.bin" 30 ff
run inspect --json "$work/bad.bin"
check "error as JSON" 1 stderr 'HEADER_CHECKSUM'
assert "error JSON names status and module codes" \
    jq -e '.ok == false and .error.status == "HEADER_CHECKSUM" and .error.code == 24
           and .error.module_error.BC25 == 6507 and .error.module_error.EC200 == 506
           and (.error.message | test("CRC-32"))' "$work/stdout"
run inspect "$src/README.md"
check "not a package" 7 stderr 'not a dfota package'

# --- diff, apply, delta packages ---
old="$src/samples/BC25R01A03.bin"
patch="$work/a03_a04.patch"
run diff "$old"
check "diff with one image" 2 stderr 'missing OLD and NEW images'
run diff "$old" "$image"
check "diff without -o" 2 stderr 'missing -o PATCH'
run diff "$old" "$image" -o "$patch" --predict sometimes
check "diff bad --predict" 2 stderr "--predict 'sometimes' is not auto, none, branch, pointer or all"
run diff "$old" "$image" -o "$patch" --window-log 14
check "diff window log too large" 2 stderr "--window-log '14' is not a number in 8..13"
run diff "$old" "$image" -o "$patch" --window-log 13
check "diff window log too large for the range codec" 2 stderr "range codec history log 13 is outside 8..12"
run diff "$old" "$image" -o "$patch" --codec lzma
check "diff bad --codec" 2 stderr "--codec 'lzma' is not range or zstd"
run diff "$old" "$image" -o "$work/zstd.patch" --codec zstd -v
check "diff --codec zstd" 0 stderr 'codec zstd, log 13' stderr 'device workspace 6[0-9]{4} bytes'
run inspect --json "$work/zstd.patch"
check "inspect zstd patch" 0
assert "inspect shows the zstd codec" jq -e '.patch.codec == "zstd" and .patch.window_log == 13' "$work/stdout"
rm -f "$work/rebuilt.bin"
run apply --old "$old" "$work/zstd.patch" -o "$work/rebuilt.bin" --chunk-size 7
check "apply zstd patch" 0
assert "apply zstd patch bit-exact" cmp -s "$work/rebuilt.bin" "$image"
rm -f "$work/rebuilt.bin"
run diff "$old" "$image" -o "$patch" --segment-size 3000
check "diff bad segment size" 2 stderr "--segment-size '3000' is not a power of two"
run diff "$old" "$work/missing.bin" -o "$patch"
check "diff missing new image" 3 stderr "'$work/missing.bin': cannot open"
run diff "$old" "$image" -o "$patch" -v
check "diff" 0 stderr 'patch 142788 -> 143156 bytes' stderr 'prediction branch pointer' \
    stderr 'codec range, log 10' stderr 'device workspace [0-9]{4,5} bytes'
assert "patch smaller than bsdiff's 4300 bytes" test "$(stat -c %s "$patch")" -lt 4300
assert "the range patch is smaller than the zstd one" test "$(stat -c %s "$patch")" -lt "$(stat -c %s "$work/zstd.patch")"
assert "the range patch's workspace is within 16 KiB" test "$(od -An -tu4 -j28 -N4 "$patch" | tr -d ' ')" -le 16384
run inspect "$patch"
check "inspect raw patch" 0 stdout '^kind +raw patch, format version 5' \
    stdout '^patch +segments +3 x 65536 bytes, range codec, history log 10$' \
    stdout '^checks +passed: payload; skipped: signature zip container source apply target new$' stdout "^target +sha256 +$sha$" \
    stdout '^patch +layout +two-bank, ascending$' \
    stdout '^patch +predict +branch\+pointer \([0-9]+ map entries, [0-9]+ regions\)$' \
    stdout '^patch +region +target 0x00000000 on: map of [0-9]+ entries$' \
    stdout '^patch +region +source 0x00000000 on: branch\+pointer, pointer base 0x08[0-9a-f]{6}, delta 0$'
run inspect --json "$patch"
assert "inspect raw patch JSON: pivot and regions" \
    jq -e '.file.kind == "patch" and .package == null and .patch.pivot == 0 and .patch.layout == "two-bank" and (.regions.target | length) >= 1 and .regions.target[0].target_start == 0 and ([.regions.target[].map_count] | add) == .patch.map_count and (.regions.source | length) >= 1 and .regions.source[0].source_start == 0 and .regions.source[0].predict == "branch+pointer" and ([.regions.source[].source_start] | . == (sort | unique))' "$work/stdout"
head -c 1000 "$patch" >"$work/cut.patch"
run inspect --json "$work/cut.patch"
check "inspect truncated raw patch" 1 stderr 'patch ends inside segment'
assert "inspect truncated raw patch JSON" jq -e '.error.status == "TRUNCATED"' "$work/stdout"
run diff "$old" "$image" -o "$work/again.patch" -q
assert "diff is deterministic" cmp -s "$patch" "$work/again.patch"
# The images are mapped (cli_map_file); standard input, a pipe or an empty file is read.
"$dfota" diff -q - "$image" -o "$work/stdin.patch" <"$old" >"$work/stdout" 2>"$work/stderr"
rc=$?
check "diff OLD from standard input" 0
assert "diff from standard input equals diff from the file" cmp -s "$patch" "$work/stdin.patch"
run diff -q <(cat "$old") <(cat "$image") -o "$work/pipe.patch"
check "diff from pipes" 0
assert "diff from pipes equals diff from the files" cmp -s "$patch" "$work/pipe.patch"
: >"$work/empty.bin"
run diff -q "$work/empty.bin" "$image" -o "$work/from-empty.patch"
check "diff from an empty old image" 0
rm -f "$work/rebuilt.bin"
run apply -q --old "$work/empty.bin" "$work/from-empty.patch" -o "$work/rebuilt.bin"
check "apply patch from an empty old image" 0
assert "apply patch from an empty old image bit-exact" cmp -s "$work/rebuilt.bin" "$image"
run diff -q "$old" "$work/empty.bin" -o "$work/to-empty.patch"
check "diff to an empty new image" 0
rm -f "$work/rebuilt.bin"
run apply -q --old "$old" "$work/to-empty.patch" -o "$work/rebuilt.bin"
check "apply patch to an empty new image" 0
assert "apply patch to an empty new image gives an empty file" test -f "$work/rebuilt.bin" -a ! -s "$work/rebuilt.bin"
run diff "$work" "$image" -o "$work/dir.patch"
check "diff with a directory as OLD" 3 stderr "'$work': cannot read"
for chunk in 1 7 4096 ""; do
    rm -f "$work/rebuilt.bin"
    run apply --old "$old" "$patch" -o "$work/rebuilt.bin" ${chunk:+--chunk-size $chunk}
    check "apply patch (chunk ${chunk:-whole})" 0 stderr 'target size and SHA-256 verified'
    assert "apply patch bit-exact (chunk ${chunk:-whole})" cmp -s "$work/rebuilt.bin" "$image"
done
run apply --old "$old" "$patch" -o "$work/rebuilt.bin"
check "apply refuses existing output" 4 stderr 'already exists'
rm -f "$work/rebuilt.bin"
run apply --old "$old" "$patch" -o "$work/rebuilt.bin" --urc
check "apply --urc" 0
printf '+QIND: "FOTA","START"\n' >"$work/urc.want"
for p in 10 20 30 40 50 60 70 80 90 100; do printf '+QIND: "FOTA","UPDATING",%s\n' $p >>"$work/urc.want"; done
printf '+QIND: "FOTA","END",0\n' >>"$work/urc.want"
assert "apply --urc prints the module's URCs" cmp -s "$work/stdout" "$work/urc.want"
rm -f "$work/rebuilt.bin"
run apply --old "$image" "$patch" -o "$work/rebuilt.bin" --urc
check "apply to the wrong old image" 1 stdout '^\+QIND: "FOTA","END",6507$' \
    stderr "^dfota apply: '$image': source image is 143156 bytes, the patch was made for a 142788-byte image \(SOURCE_MISMATCH; module error BC25 6507, EC200 504"
assert "failed apply wrote no output" test ! -e "$work/rebuilt.bin"
cp "$old" "$work/old-changed.bin"
patch "$work/old-changed.bin" 1000 5a
run apply --old "$work/old-changed.bin" "$patch" -o "$work/rebuilt.bin" --urc --module ec200
check "apply to a changed old image" 1 stdout '"END",504$' stderr 'source image SHA-256 mismatch'
head -c 1500 "$patch" >"$work/short.patch"
run apply --old "$old" "$work/short.patch" -o "$work/rebuilt.bin"
check "apply truncated patch" 1 stderr 'patch ended inside segment [0-9] of 3 \(TRUNCATED'
cp "$patch" "$work/flipped.patch"
patch "$work/flipped.patch" 700 ff
run apply --old "$old" "$work/flipped.patch" -o "$work/rebuilt.bin"
check "apply corrupted patch" 1 stderr 'CORRUPT_PATCH'
assert "failed applies wrote no output" test ! -e "$work/rebuilt.bin"
run apply --old "$old" "$old" -o "$work/rebuilt.bin"
check "apply a non-patch" 7 stderr 'neither a dfota package nor a dfota patch'
run apply --old "$old" "$patch" -o - --urc
check "apply --urc to stdout" 2 stderr '--urc prints on standard output'
run apply "$patch" -o "$work/rebuilt.bin"
check "apply without --old" 2 stderr 'missing --old OLD'

delta="$work/BC25R01A03_TO_BC25R01A04.bin"
run pack --old "$work/blank.bin" --new "$image" --to-version BC25R01A04 -o "$delta"
check "pack delta without --from-version, an image without one" 2 \
    stderr "^dfota pack: no version string found in '$work/blank.bin'; give --from-version$"
assert "pack refused without a version wrote nothing" test ! -e "$delta"
run pack --old "$old" --full "$image" --to-version BC25R01A04 -o "$delta"
check "pack --full with --old" 2 stderr '--full cannot be combined'
run pack --old "$old" --new "$image" --from-version BC25R01A03 --to-version BC25R01A04 -o "$delta" --window-log 16
check "pack delta window log too large" 2 stderr 'a delta allows 8..13'
run pack --old "$old" --new "$image" --from-version BC25R01A03 --to-version BC25R01A04 -o "$delta"
check "pack delta" 0 stderr 'delta package BC25R01A03 -> BC25R01A04'
run inspect --json "$delta"
check "inspect delta" 0
assert "inspect delta shows both images and the patch" \
    jq -e --arg sha "$sha" '.package.type == "delta" and .package.source.version == "BC25R01A03"
     and .package.source.size == 142788 and .package.target.sha256 == $sha
     and .package.payload.encoding == "patch" and .patch.segment_count == 3
     and .patch.window_log == 10 and .patch.codec == "range"
     and .package.workspace_size <= 16384' "$work/stdout"
rm -f "$work/rebuilt.bin"
run apply --old "$old" "$delta" -o "$work/rebuilt.bin" --chunk-size 512
check "apply delta package" 0
assert "apply delta package bit-exact" cmp -s "$work/rebuilt.bin" "$image"
rm -f "$work/rebuilt.bin"
run apply "$work/first.bin" -o "$work/rebuilt.bin"
check "apply full package" 0
assert "apply full package bit-exact" cmp -s "$work/rebuilt.bin" "$image"

# --- verify ---
run verify --old "$old" --new "$image" "$delta"
check "verify delta package" 0 stdout '^source +passed$' stdout '^apply +passed$' \
    stdout '^new +passed$' stdout '^result +ok$'
run verify --json --old "$old" --new "$image" "$delta"
check "verify --json" 0
assert "verify JSON lists every check" \
    jq -e '.ok == true and .file.kind == "package" and (.checks | length) == 8
           and ([.checks[] | select(.result == "failed")] | length) == 0
           and .package.source.version == "BC25R01A03"' "$work/stdout"
run verify --old "$image" "$delta"
check "verify with the wrong old image" 1 stdout '^source +FAILED ' \
    stderr "source check: old image is 143156 bytes, the package states 142788 \(SOURCE_MISMATCH; module error BC25 6507"
run verify --json --old "$image" "$delta"
assert "verify failure as JSON" \
    jq -e '.ok == false and .first_failure.check == "source"
           and .error.status == "SOURCE_MISMATCH" and .error.module_error.BC25 == 6507' "$work/stdout"
run verify "$work/missing.bin"
check "verify a missing file" 3 stderr "cannot open"
run verify -v "$work/first.bin"
check "verify a full package" 0 stdout '^apply +passed +the device.s package front end rebuilt'
run verify
check "verify without a file" 2 stderr 'missing FILE'
# Every JSON dfota prints parses, whatever the bytes of a name: a file name that
# is not UTF-8, and one with a right-to-left override (escaped, so it shows).
odd="$work/odd-$(printf '\xff\xfe')-$(printf '\xe2\x80\xae')nib.bin"
cp "$delta" "$odd"
run verify --json "$odd"
check "verify --json of a file whose name is not UTF-8" 0
# (jq itself is lenient with bad UTF-8; Python's decoder is not.)
strict_json() { python3 -c 'import json, sys; json.loads(open(sys.argv[1], "rb").read().decode("utf-8"))' "$1"; }
assert "its JSON is valid UTF-8 and parses" strict_json "$work/stdout"
assert "the bad bytes are U+FFFD" jq -e '.file.name | test("odd-\ufffd\ufffd-")' "$work/stdout"
assert "the override is escaped as \\u202e" grep -q 'odd-\\ufffd\\ufffd-\\u202enib.bin' "$work/stdout"
run inspect --json "$odd"
assert "inspect --json of that file is valid UTF-8 and parses" strict_json "$work/stdout"

# --- progress bar: on a terminal only, for images of 256 KiB or more ---
cat "$old" "$old" "$old" >"$work/big-old.bin"
cat "$image" "$image" "$image" >"$work/big-new.bin"
run diff "$work/big-old.bin" "$work/big-new.bin" -o "$work/big.patch"
check "no progress bar without a terminal" 0
assert "no progress bar in captured stderr" sh -c "! grep -q 'diff \[' '$work/stderr'"
if command -v script >/dev/null 2>&1; then
    rm -f "$work/big.patch"
    script -qec "'$dfota' diff '$work/big-old.bin' '$work/big-new.bin' -o '$work/big.patch'" \
        "$work/tty.log" >/dev/null 2>&1
    rc=$?
    cp "$work/tty.log" "$work/stderr"
    check "progress bar on a terminal" 0 stderr 'diff \[#+ *\] +[0-9]+%'
fi

summary
