#!/usr/bin/env bash
# CLI tests of what inspect, verify and apply accept as a package: a full-image
# payload that is exactly one zstd frame, a patch whose workspace claim is the
# format's figure, the creation time shown for every value, and apply options
# that do not fit a full-image package. The crafted packages are made here from
# real ones with stock tools (od, xxd, dd, md5sum, sha256sum, gzip for the
# CRC-32), never checked in.
# usage: tests/cli/test_package_cli.sh DFOTA SOURCE_DIR
set -uo pipefail

dfota=$1
src=$2
work=$(mktemp -d "${TMPDIR:-/tmp}/dfota-cli-package.XXXXXX")
trap 'rm -rf "$work"' EXIT
unset SOURCE_DATE_EPOCH

# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

old="$src/samples/BC25R01A03.bin"
image="$src/samples/BC25R01A04.bin"

# --- byte helpers (all integers little-endian) ---
# hex_at FILE OFFSET COUNT
hex_at() { od -An -v -tx1 -j "$2" -N "$3" "$1" | tr -d ' \n'; }
le16() { local h; h=$(hex_at "$1" "$2" 2); echo $((16#${h:2:2}${h:0:2})); }
le32() { local h; h=$(hex_at "$1" "$2" 4); echo $((16#${h:6:2}${h:4:2}${h:2:2}${h:0:2})); }
le32_hex() {
    printf '%02x%02x%02x%02x' $(($1 & 255)) $(($1 >> 8 & 255)) $(($1 >> 16 & 255)) $(($1 >> 24 & 255))
}
# put_hex FILE OFFSET HEX: overwrite bytes in place.
put_hex() { printf '%s' "$3" | xxd -r -p | dd of="$1" bs=1 seek="$2" conv=notrunc status=none; }
# crc32_hex FILE OFFSET COUNT: the CRC-32 of the container (zlib's, the one in gzip's trailer).
crc32_hex() { tail -c +$(($2 + 1)) "$1" | head -c "$3" | gzip -c | tail -c 8 | head -c 4 | od -An -tx1 | tr -d ' \n'; }
# tlv_value PKG TYPE: offset of the value of the container field TYPE.
tlv_value() {
    local hs pos=16 type len
    hs=$(le32 "$1" 12)
    while [ $((pos + 4)) -le $((hs - 4)) ]; do
        type=$(le16 "$1" $pos)
        len=$(le16 "$1" $((pos + 2)))
        if [ "$type" -eq $(($2)) ]; then
            echo $((pos + 4))
            return 0
        fi
        pos=$((pos + 4 + len))
    done
    return 1
}
fix_header_crc() { local hs; hs=$(le32 "$1" 12); put_hex "$1" $((hs - 4)) "$(crc32_hex "$1" 0 $((hs - 4)))"; }
# with_payload PKG PAYLOAD OUT: PKG's header, PAYLOAD after it, payload size and digests restated.
with_payload() {
    local hs
    hs=$(le32 "$1" 12)
    head -c "$hs" "$1" >"$3"
    cat "$2" >>"$3"
    put_hex "$3" "$(tlv_value "$3" 0x8009)" "$(le32_hex "$(stat -c %s "$2")")"
    put_hex "$3" "$(tlv_value "$3" 0x800A)" "$(md5sum "$2" | cut -d' ' -f1)"
    put_hex "$3" "$(tlv_value "$3" 0x800B)" "$(sha256sum "$2" | cut -d' ' -f1)"
    fix_header_crc "$3"
}
# payload_of PKG OUT
payload_of() { tail -c +$(($(le32 "$1" 12) + 1)) "$1" >"$2"; }
# claim PATCH CLAIM: set the patch header's workspace_size, fix the header CRC.
claim() {
    put_hex "$1" 28 "$(le32_hex "$2")"
    put_hex "$1" 108 "$(crc32_hex "$1" 0 108)"
}

# --- a full-image payload is exactly one zstd frame ---
run pack --full "$image" --to-version BC25R01A04 -o "$work/full.bin"
check "pack --full" 0
payload_of "$work/full.bin" "$work/frame.zst"
# A skippable frame after the frame: decoders skip it, the digests cover it.
{ cat "$work/frame.zst"; printf '\x50\x2a\x4d\x18\x08\x00\x00\x00appended'; } >"$work/skippable.zst"
assert "the stock zstd tool decodes past the skippable frame" \
    cmp -s <(zstd -dc "$work/skippable.zst") "$image"
with_payload "$work/full.bin" "$work/skippable.zst" "$work/skippable.bin"
# A second, empty frame with a 1 GiB window (descriptor exponent 20, one empty raw block).
{ cat "$work/frame.zst"; printf '\x28\xb5\x2f\xfd\x00\xa0\x01\x00\x00'; } >"$work/huge-window.zst"
assert "the stock zstd tool runs out of memory on the second frame" \
    test "$(zstd -dc "$work/huge-window.zst" 2>&1 >/dev/null | grep -c -i 'memory')" -ge 1
with_payload "$work/full.bin" "$work/huge-window.zst" "$work/huge-window.bin"
for kind in skippable huge-window; do
    bad="$work/$kind.bin"
    run inspect "$bad"
    check "inspect: $kind frame after the frame" 1 \
        stderr "^dfota inspect: '$bad': [0-9]+ byte\(s\) after the [0-9]+-byte zstd frame of the payload: a full-image payload is exactly one frame \(PAYLOAD_CORRUPT; module error BC25 6507, EC200 506"
    run verify "$bad" --new "$image"
    check "verify: $kind frame after the frame" 1 stdout '^container +FAILED .*exactly one frame' \
        stdout '^result +FAILED at the container check: PAYLOAD_CORRUPT'
    run apply "$bad" -o "$work/$kind.out"
    check "apply: $kind frame after the frame" 1 stderr "^dfota apply: '$bad': .*exactly one frame"
    assert "apply: $kind: nothing written" test ! -e "$work/$kind.out"
done
run inspect "$work/full.bin"
check "inspect: the package itself" 0 stdout '^checks +passed: container apply target; skipped: signature zip payload source new$'

# --- a patch's workspace claim is the format's figure ---
run diff "$old" "$image" -o "$work/patch.bin"
check "diff" 0
rule=$(le32 "$work/patch.bin" 28)
run inspect --json "$work/patch.bin"
check "inspect: the patch itself" 0
assert "the patch states its workspace" jq -e --argjson rule "$rule" '.patch.workspace_size == $rule' "$work/stdout"
for c in 16 4294967295 $((rule + 16)); do
    cp "$work/patch.bin" "$work/claim.bin"
    claim "$work/claim.bin" "$c"
    run inspect "$work/claim.bin"
    check "inspect: patch claiming $c bytes" 1 \
        stderr "^dfota inspect: '$work/claim.bin': patch header claims $c bytes of applier workspace, but codec [01], log [0-9]+, [0-9]+ map entries and [0-9]+ regions need (exactly )?$rule.* \(MALFORMED"
done
# The figure comes from constants every build shares: 16 bytes off is refused too.
check "inspect: a claim 16 bytes off is not the exact figure" 1 stderr "need $rule \(MALFORMED"
# The device applier (apply) refuses them all, before anything is written.
for c in 16 4294967295 $((rule + 16)); do
    cp "$work/patch.bin" "$work/claim.bin"
    claim "$work/claim.bin" "$c"
    run apply --old "$old" "$work/claim.bin" -o "$work/claim.out"
    check "apply: patch claiming $c bytes" 1 \
        stderr "^dfota apply: '$work/claim.bin': patch header claims $c bytes of applier workspace, .*need $rule \(MALFORMED"
    assert "apply: claim $c: nothing written" test ! -e "$work/claim.out"
done
# A delta package whose patch and container agree on a claim off the rule.
run pack --old "$old" --new "$image" --from-version BC25R01A03 --to-version BC25R01A04 -o "$work/delta.bin"
check "pack" 0
payload_of "$work/delta.bin" "$work/delta.patch"
for c in 16 $((rule + 64)); do
    cp "$work/delta.patch" "$work/claim.patch"
    claim "$work/claim.patch" "$c"
    with_payload "$work/delta.bin" "$work/claim.patch" "$work/claim-delta.bin"
    put_hex "$work/claim-delta.bin" "$(tlv_value "$work/claim-delta.bin" 0x800D)" "$(le32_hex "$c")"
    fix_header_crc "$work/claim-delta.bin"
    run verify "$work/claim-delta.bin" --old "$old" --new "$image"
    check "verify: delta package claiming $c bytes" 1 \
        stdout "^container +FAILED +payload: patch header claims $c bytes of applier workspace" \
        stdout '^result +FAILED at the container check: CORRUPT_PATCH'
    run inspect "$work/claim-delta.bin"
    check "inspect: delta package claiming $c bytes" 1 stderr "claims $c bytes of applier workspace.*\(CORRUPT_PATCH"
done

# --- the creation time, for every value ---
created() {
    SOURCE_DATE_EPOCH=$1 run pack --full "$image" --to-version BC25R01A04 -o "$work/t.bin" -f
    run inspect "$work/t.bin"
    check "inspect: created $1" 0 stdout "^created +$1 \\($2\\)\$"
    run inspect --json "$work/t.bin"
    check "inspect --json: created $1" 0 stdout "^    \"created\": $1,\$" stdout "^    \"created_utc\": $3,\$"
}
created 18446744073709551615 'not a date: after 9999-12-31T23:59:59Z' null
created 253402300800 'not a date: after 9999-12-31T23:59:59Z' null
created 253402300799 '9999-12-31T23:59:59Z' '"9999-12-31T23:59:59Z"'
created 951782400 '2000-02-29T00:00:00Z' '"2000-02-29T00:00:00Z"'
created 1 '1970-01-01T00:00:01Z' '"1970-01-01T00:00:01Z"'
run pack --full "$image" --to-version BC25R01A04 -o "$work/t.bin" -f
run inspect "$work/t.bin"
check "inspect: created unset" 0 stdout '^created +0 \(unset\)$'
run inspect --json "$work/t.bin"
check "inspect --json: created unset" 0 stdout '^    "created": 0,$' stdout '^    "created_utc": null,$'

# --- apply options that a full-image package cannot honour ---
run apply "$work/full.bin" -o "$work/new.bin" --state "$work/dev.flash"
check "apply --state with a full-image package" 2 \
    stderr "^dfota apply: --state cannot be used with a full-image package \('$work/full.bin'\): it is applied on a fresh simulated device each time" \
    stderr '^usage: dfota apply'
assert "apply --state full: no state file" test ! -e "$work/dev.flash"
assert "apply --state full: no NEW" test ! -e "$work/new.bin"
run apply "$work/full.bin" -o "$work/new.bin" --state "$work/dev.flash" --cut-after 3
check "apply --state --cut-after with a full-image package" 2 \
    stderr "^dfota apply: --state and --cut-after cannot be used with a full-image package"
assert "apply --cut-after full: no state file" test ! -e "$work/dev.flash"
run apply "$work/full.bin" -o "$work/new.bin"
check "apply of a full-image package" 0
assert "apply full: the image" cmp -s "$work/new.bin" "$image"
rm -f "$work/new.bin"
run apply "$work/full.bin" -o "$work/new.bin" --urc --chunk-size 64
check "apply --urc of a full-image package, 64-byte chunks" 0 stdout '^\+QIND: "FOTA","UPDATING",100$' \
    stdout '^\+QIND: "FOTA","END",0$'
assert "apply full in chunks: the image" cmp -s "$work/new.bin" "$image"

# A package is applied through the device's front end, as downloaded: it checks the old
# image's MD5 as the header states it, as a module does, even when the SHA-256 matches.
python3 - "$work/delta.bin" "$work/bad-md5.bin" <<'PY'
import struct, sys, zlib
d = bytearray(open(sys.argv[1], 'rb').read())
hs = struct.unpack_from('<I', d, 12)[0]
pos = 16
while pos + 4 <= hs - 4:
    t, n = struct.unpack_from('<HH', d, pos)
    if t == 0x8004:          # source_md5
        d[pos + 4] ^= 1
        break
    pos += 4 + n
struct.pack_into('<I', d, hs - 4, zlib.crc32(bytes(d[:hs - 4])) & 0xFFFFFFFF)
open(sys.argv[2], 'wb').write(d)
PY
rm -f "$work/new.bin"
run apply --old "$old" "$work/bad-md5.bin" -o "$work/new.bin"
check "apply: a package stating another MD5 of the old image" 1 stderr 'source image MD5 mismatch' \
    stderr 'SOURCE_MISMATCH'
assert "apply bad MD5: nothing written" test ! -e "$work/new.bin"

summary
