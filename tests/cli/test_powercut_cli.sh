#!/usr/bin/env bash
# CLI tests of power-cut safe apply: dfota diff/pack --in-place, dfota apply
# --state/--cut-after/--cut-mode, the exit codes 5 and 6, the URCs of a
# resumed run, and a target damaged after its segment was done.
# usage: tests/cli/test_powercut_cli.sh DFOTA SOURCE_DIR
set -uo pipefail

dfota=$1
src=$2
work=$(mktemp -d "${TMPDIR:-/tmp}/dfota-cut.XXXXXX")
trap 'rm -rf "$work"' EXIT
unset SOURCE_DATE_EPOCH

# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

old="$src/samples/BC25R01A03.bin"
new="$src/samples/BC25R01A04.bin"

# --- patches and packages ---
run diff --in-place --segment-size 4096 "$old" "$new" -o "$work/ip.patch"
check "diff --in-place" 0
run inspect "$work/ip.patch"
check "inspect in-place patch" 0 stdout 'format version 5' stdout '^patch    layout    in-place, (ascending|descending|from segment [0-9]+ up, then down)$'
run diff --segment-size 4096 "$old" "$new" -o "$work/tb.patch"
check "diff two-bank" 0
run inspect "$work/tb.patch"
check "inspect two-bank patch" 0 stdout 'format version 5' stdout '^patch    layout    two-bank, ascending$'
run pack --in-place --old "$old" --new "$new" --from-version BC25R01A03 --to-version BC25R01A04 -o "$work/ip.bin"
check "pack --in-place" 0
run inspect "$work/ip.bin"
check "inspect in-place package" 0 stdout '^patch    layout    in-place'
run pack --in-place --full "$new" --to-version BC25R01A04 -o "$work/full.bin"
check "pack --in-place --full refused" 2 stderr '--in-place is for a delta package'
run verify "$work/ip.bin" --old "$old" --new "$new"
check "verify in-place package" 0

# --- usage errors ---
run apply --old "$old" "$work/ip.patch" -o "$work/x.bin" --cut-after 3
check "--cut-after without --state" 2 stderr '--cut-after needs --state'
run apply --old "$old" "$work/ip.patch" -o "$work/x.bin" --state "$work/s" --cut-mode half
check "bad --cut-mode" 2 stderr "--cut-mode 'half' is not clean or torn"

# --- cut, resume, cut during the resume, finish: both layouts, clean and torn ---
for kind in ip tb ip.bin; do
    case $kind in
    ip.bin) input="$work/ip.bin" ;;
    *) input="$work/$kind.patch" ;;
    esac
    for mode in clean torn; do
        state="$work/state-$kind-$mode"
        out="$work/new-$kind-$mode.bin"
        run apply --old "$old" "$input" -o "$out" --state "$state" --cut-after 150 --cut-mode "$mode" --cut-seed 7
        check "$kind $mode: first cut" 5 stderr "power cut at flash operation 151 of this run \\($mode\\)" stderr 'POWER_CUT'
        assert "$kind $mode: state saved" test -s "$state"
        assert "$kind $mode: no output after a cut" test ! -e "$out"
        run apply --old "$old" "$input" -o "$out" --state "$state" --cut-after 300 --cut-mode "$mode"
        check "$kind $mode: cut during the resume" 5 stderr 'power cut at flash operation 301'
        run apply --old "$old" "$input" -o "$out" --state "$state" --urc
        check "$kind $mode: resume to the end" 0 stdout '^\+QIND: "FOTA","START"$' stdout '^\+QIND: "FOTA","END",0$'
        assert "$kind $mode: bit-exact" cmp -s "$out" "$new"
        assert "$kind $mode: state removed" test ! -e "$state"
        # The resumed run starts UPDATING at the percent reached, not at 10.
        first=$(grep -m1 UPDATING "$work/stdout" | sed 's/.*,//')
        assert "$kind $mode: resumed URCs start past 10% ($first)" test "${first:-0}" -gt 10
        assert "$kind $mode: URCs end at 100" grep -qx '+QIND: "FOTA","UPDATING",100' "$work/stdout"
    done
done

# --- one bit flipped in a segment that is done (state layout: docs/FORMAT.md) ---
# flip_bit FILE OFFSET: invert bit 2 of one byte in place.
flip_bit() {
    local b
    b=$(od -An -tu1 -j "$2" -N1 "$1" | tr -d ' ')
    patch "$1" "$2" "$(printf '%02x' $((b ^ 4)))"
}
round4k() { echo $(((($1) + 4095) / 4096 * 4096)); }
old_size=$(wc -c <"$old")
new_size=$(wc -c <"$new")
# Two-bank: record area, old bank, new bank; segment 0 is done after the cut.
state="$work/flip-tb"
run apply --old "$old" "$work/tb.patch" -o "$work/flip-tb.bin" --state "$state" --cut-after 150
check "flip tb: cut" 5
flip_bit "$state" $((8192 + $(round4k "$old_size") + 100))
run apply --old "$old" "$work/tb.patch" -o "$work/flip-tb.bin" --state "$state" --urc
check "flip tb: the boot that finds it fails its check" 1 stdout '^\+QIND: "FOTA","END",6508$' \
    stderr 'SHA-256 mismatch.*; progress record: restart, every segment to be rewritten' stderr 'TARGET_MISMATCH'
assert "flip tb: state kept" test -s "$state"
assert "flip tb: no output" test ! -e "$work/flip-tb.bin"
run apply --old "$old" "$work/tb.patch" -o "$work/flip-tb.bin" --state "$state" --urc
check "flip tb: the next boot rewrites and ends END,0" 0 stdout '^\+QIND: "FOTA","UPDATING",10$' \
    stdout '^\+QIND: "FOTA","END",0$'
assert "flip tb: bit-exact" cmp -s "$work/flip-tb.bin" "$new"
assert "flip tb: state removed" test ! -e "$state"
# In place: record area, scratch, the area; the segment applied first is done.
state="$work/flip-ip"
run inspect "$work/ip.patch"
if grep -q 'descending' "$work/stdout"; then
    first=$(((new_size + 4095) / 4096 - 1))
elif grep -q 'from segment' "$work/stdout"; then
    first=$(sed -n 's/.*from segment \([0-9]*\) up.*/\1/p' "$work/stdout")
else
    first=0
fi
run apply --old "$old" "$work/ip.patch" -o "$work/flip-ip.bin" --state "$state" --cut-after 150
check "flip ip: cut" 5
flip_bit "$state" $((8192 + 4096 + first * 4096 + 100))
run apply --old "$old" "$work/ip.patch" -o "$work/flip-ip.bin" --state "$state" --urc
check "flip ip: the boot that finds it fails its check" 1 stdout '^\+QIND: "FOTA","END",6508$' \
    stderr 'SHA-256 mismatch.*; progress record: FAILED \(in place it cannot be rebuilt\)'
cp "$state" "$work/flip-ip.before"
run apply --old "$old" "$work/ip.patch" -o "$work/flip-ip.bin" --state "$state" --urc
check "flip ip: later boots refuse at once" 1 stdout '^\+QIND: "FOTA","END",6508$' \
    stderr 'gave this update up'
assert "flip ip: no UPDATING once given up" sh -c "! grep -q UPDATING '$work/stdout'"
assert "flip ip: flash untouched once given up" cmp -s "$state" "$work/flip-ip.before"
assert "flip ip: no output" test ! -e "$work/flip-ip.bin"

# --- the URC sequence of a resumed run, exactly ---
run apply --old "$old" "$work/tb.patch" -o "$work/urc.bin" --state "$work/urc-state" --cut-after 400 --urc
check "urc: cut" 5 stdout '^\+QIND: "FOTA","START"$'
assert "urc: no END after a cut" sh -c "! grep -q END '$work/stdout'"
run apply --old "$old" "$work/tb.patch" -o "$work/urc.bin" --state "$work/urc-state" --urc
check "urc: resume" 0
awk 'NR == 1 && $0 != "+QIND: \"FOTA\",\"START\"" { exit 1 }
     /UPDATING/ { split($0, f, ","); if (f[3] + 0 <= last) exit 1; last = f[3] + 0 }
     END { if ($0 != "+QIND: \"FOTA\",\"END\",0") exit 1 }' "$work/stdout"
assert "urc: START, increasing UPDATING, END,0" test $? -eq 0

# --- a cut that never comes ---
run apply --old "$old" "$work/tb.patch" -o "$work/late.bin" --state "$work/late" --cut-after 100000
check "cut after the end" 0 stderr 'did not cut: this run took [0-9]+ flash operations'
assert "late cut: bit-exact" cmp -s "$work/late.bin" "$new"

# --- another package while one is in progress ---
printf 'x' | cat "$new" - >"$work/other-new.bin"
run diff --segment-size 4096 "$old" "$work/other-new.bin" -o "$work/other.patch"
check "other patch" 0
run apply --old "$old" "$work/tb.patch" -o "$work/a.bin" --state "$work/busy" --cut-after 200
check "busy: cut" 5
cp "$work/busy" "$work/busy.before"
run apply --old "$old" "$work/other.patch" -o "$work/b.bin" --state "$work/busy"
check "busy: other package refused" 6 stderr 'another patch' stderr 'UPDATE_IN_PROGRESS'
assert "busy: state unchanged" cmp -s "$work/busy" "$work/busy.before"
run apply --old "$old" "$work/tb.patch" -o "$work/a.bin" --state "$work/busy"
check "busy: the update in progress finishes" 0
assert "busy: bit-exact" cmp -s "$work/a.bin" "$new"

# --- a state file made with other options ---
run apply --old "$old" "$work/tb.patch" -o "$work/g.bin" --state "$work/geo" --cut-after 10
check "geometry: cut" 5
run apply --old "$old" "$work/tb.patch" -o "$work/g.bin" --state "$work/geo" --erase-size 1024
check "geometry: other erase size refused" 1 stderr 'other options'
# The message is about the state file, not the package.
check "geometry: the message names the state file" 1 \
    stderr "^dfota apply: '$work/geo': state file is [0-9]+ bytes; this package, OLD and the flash geometry make a [0-9]+-byte device flash"
run apply --old "$old" "$work/tb.patch" -o "$work/g.bin" --state "$work/geo"
check "geometry: same options resume" 0

# --- a damaged state file: the messages name it, not OLD or the package ---
# Layout of this two-bank device (erase size 4096): two record slots, the old
# bank from 8192, the new bank after it (docs/FORMAT.md, "Device layout").
old_bank=8192
new_bank=$((old_bank + ($(stat -c %s "$old") + 4095) / 4096 * 4096))
zero16() { dd if=/dev/zero of="$1" bs=1 seek="$2" count=16 conv=notrunc status=none; }
run apply --old "$old" "$work/tb.patch" -o "$work/d.bin" --state "$work/dmg-old" --cut-after 400
check "damaged old bank: cut" 5
zero16 "$work/dmg-old" $((old_bank + 100))
run apply --old "$old" "$work/tb.patch" -o "$work/d.bin" --state "$work/dmg-old"
check "damaged old bank in the state: names the state file, not --old" 1 \
    stderr "^dfota apply: '$work/dmg-old': source image SHA-256 mismatch" stderr 'SOURCE_MISMATCH'
assert "damaged old bank: OLD is not blamed" bash -c "! grep -q \"'$old'\" '$work/stderr'"
assert "damaged old bank: no output" test ! -e "$work/d.bin"
run apply --old "$old" "$work/tb.patch" -o "$work/d.bin" --state "$work/dmg-new" --cut-after 400
check "damaged new bank: cut" 5
zero16 "$work/dmg-new" $((new_bank + 100))
run apply --old "$old" "$work/tb.patch" -o "$work/d.bin" --state "$work/dmg-new"
check "damaged half-built image in the state: names the state file, not the package" 1 \
    stderr "^dfota apply: '$work/dmg-new': target image SHA-256 mismatch" stderr 'TARGET_MISMATCH'
mkdir "$work/dir-state"
run apply --old "$old" "$work/tb.patch" -o "$work/d.bin" --state "$work/dir-state"
check "a directory as the state file" 1 stderr "^dfota apply: '$work/dir-state': not a state file"
# A wrong OLD with a new state is still OLD's fault.
run apply --old "$new" "$work/tb.patch" -o "$work/d.bin" --state "$work/fresh-state"
check "wrong OLD, no state yet: names OLD" 1 stderr "^dfota apply: '$new': source image is"

# --- NEW exists: refused before anything runs ---
run apply --old "$old" "$work/tb.patch" -o "$work/g.bin" --state "$work/exists"
check "existing output" 4 stderr 'exists'
assert "existing output: no state made" test ! -e "$work/exists"

summary
