#!/usr/bin/env bash
# Measure the device-side SHA-256 and MD5 on a Cortex-M4, exactly: build
# bench/hash-m4/main.c with them (arm-none-eabi-gcc -Os, newlib-nano), run it
# under qemu-system-arm -M mps2-an386 with one instruction per translation
# block and an execution trace (-singlestep -d exec,nochain), and count the
# trace lines between the bench_mark() calls: one line per instruction
# executed. Prints instructions per byte over 4 KiB, the code size of each
# object and its stack frames (-fstack-usage), and the stack depth painted.
# The digests printed on the target are checked against Python's hashlib.
# usage: bench/hash-m4/run.sh   (needs gcc-arm-none-eabi, libnewlib-arm-none-eabi,
#                                qemu-system-arm, python3)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cflags=(-mcpu=cortex-m4 -mthumb -Os -std=c99 -Wall -Wextra -Werror -ffunction-sections
        -fstack-usage -I"$root/apply_ref/include")
objects=()
md5=1
[ -f "$root/apply_ref/src/md5.c" ] || md5=0
for src in "$root/apply_ref/src/sha256.c" "$root/apply_ref/src/md5.c"; do
    [ -f "$src" ] || continue
    obj=$work/$(basename "$src" .c).o
    arm-none-eabi-gcc "${cflags[@]}" -c "$src" -o "$obj"
    objects+=("$obj")
done
extra=()
[ "$md5" = 1 ] || extra=(-DBENCH_NO_MD5)
arm-none-eabi-gcc "${cflags[@]}" "${extra[@]}" -c "$here/main.c" -o "$work/main.o"
arm-none-eabi-gcc -mcpu=cortex-m4 -mthumb -nostartfiles --specs=nano.specs -T "$here/link.ld" \
    -Wl,--gc-sections "$work/main.o" "${objects[@]}" -o "$work/bench.elf"

mark=$(arm-none-eabi-nm "$work/bench.elf" | awk '$3 == "bench_mark" { print $1 }')
timeout 600 qemu-system-arm -M mps2-an386 -nographic -monitor none -serial none \
    -chardev file,id=out,path="$work/out.txt" \
    -semihosting-config enable=on,target=native,chardev=out -singlestep -d exec,nochain \
    -D "$work/trace.log" -kernel "$work/bench.elf" </dev/null
cat "$work/out.txt"

python3 - "$work/out.txt" "$md5" <<'PY'
import hashlib, sys
x = 0x12345678
msg = bytearray()
for _ in range(4096):
    x ^= (x << 13) & 0xffffffff
    x ^= x >> 17
    x ^= (x << 5) & 0xffffffff
    msg.append((x >> 11) & 0xff)
out = open(sys.argv[1]).read().split()
want = {"sha256": hashlib.sha256(msg).hexdigest(), "md5": hashlib.md5(msg).hexdigest()}
for name in (["sha256", "md5"] if sys.argv[2] == "1" else ["sha256"]):
    got = out[out.index(name) + 1]
    if got != want[name]:
        sys.exit("bench: %s on the target is %s, hashlib says %s" % (name, got, want[name]))
print("digests match hashlib")
PY

# Instructions between consecutive bench_mark() entries (the marks' own
# instructions and the calls' argument set-up included: about 10).
awk -v mark="$(printf '%08x' "0x$mark")" '
    /^Trace / {
        split($4, f, "/"); pc = f[2]
        if (pc == mark) { if (n > 0) count[n] = lines; n++; lines = 0; next }
        lines++
    }
    END {
        per = 4096
        printf "instructions for 4096 bytes (per byte):\n"
        printf "  sha256 init+update+final  %7d (%.2f)\n", count[1], count[1] / per
        printf "  sha256 update, aligned    %7d (%.2f)\n", count[5], count[5] / per
        printf "  sha256 update, unaligned  %7d (%.2f)\n", count[7], count[7] / per
        if (9 in count) {
        printf "  md5 init+update+final     %7d (%.2f)\n", count[3], count[3] / per
        printf "  md5 update, aligned       %7d (%.2f)\n", count[9], count[9] / per
        printf "  md5 update, unaligned     %7d (%.2f)\n", count[11], count[11] / per
        }
    }' "$work/trace.log"
echo
echo "code (arm-none-eabi-size, -Os):"
(cd "$work" && arm-none-eabi-size "${objects[@]##*/}")
echo
echo "stack frames (-fstack-usage; hash_* is the bench's wrapper, inside the painted depth):"
cat "$work"/*.su | grep -v -e 'main.c.*main' -e bench_ -e put -e paint -e semihost | awk -F'\t' '{ n = split($1, p, ":"); print "  " $2, p[n], $3 }'
