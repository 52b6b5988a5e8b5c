#!/usr/bin/env bash
# Check an installed dfota (cmake --install --prefix PREFIX): the binary runs,
# and a program builds and runs against it through the CMake package config
# and through pkg-config.
# usage: tests/install/check.sh PREFIX
set -euo pipefail
prefix=$1
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$prefix/bin/dfota" --version | head -1
test -f "$prefix/include/dfota/container.h"
test -f "$prefix/include/dfota/version.h"

cmake -S "$here" -B "$work/cmake" -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
cmake --build "$work/cmake" >/dev/null
mkdir "$work/run"
"$work/cmake/consumer" "$here/../../samples" "$work/run"
test -s "$work/run/release/BC25R01A03_TO_BC25R01A04_signed.zip"

export PKG_CONFIG_PATH="$prefix/lib/pkgconfig:$prefix/lib/x86_64-linux-gnu/pkgconfig:${PKG_CONFIG_PATH:-}"
# shellcheck disable=SC2046
cc -o "$work/consumer-pc" "$here/consumer.c" $(pkg-config --cflags --libs dfota)
"$work/consumer-pc"
echo "install check: 3 passed, 0 failed"
