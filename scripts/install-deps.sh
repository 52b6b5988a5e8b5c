#!/usr/bin/env bash
# Install what dfota needs to build and test, from Debian packages.
# As root: installs whatever is missing. Otherwise: prints the exact
# apt-get line and exits 1. Exits 0 at once when nothing is missing.
set -euo pipefail

packages=(cmake make gcc pkg-config
          libzstd-dev libssl-dev libarchive-dev libcmocka-dev libdivsufsort-dev
          zstd openssl jq zip unzip
          python3 libarchive-tools    # tests/zip_readers: Python's zipfile and bsdtar
          # --key pkcs11: (OpenSSL's pkcs11 engine) and tests/cli/test_pkcs11_cli.sh
          # (a SoftHSM2 token, pkcs11-tool to make keys in it)
          libengine-pkcs11-openssl softhsm2 opensc
          python3-jsonschema          # tests/schema/validate.py: docs/report.schema.json
          git                         # tests/readme: the README's CI job reads `git log`
          # dfota module (issue 15) downloads with libcurl; its tests run real servers
          # on loopback (tests/module/servers.py): nginx (our own instance, not the
          # system service; Debian 12's nginx-light is only a transitional package
          # for nginx), pyftpdlib, a serial port for the AT pty, curl for the self-test
          libcurl4-openssl-dev nginx python3-pyftpdlib python3-serial curl)
# Extra packages for one-off jobs, e.g. DFOTA_EXTRA_PACKAGES="gcc-arm-none-eabi".
read -r -a extra <<< "${DFOTA_EXTRA_PACKAGES:-}"
packages+=("${extra[@]}")

if ! command -v dpkg-query >/dev/null 2>&1; then
    echo "dfota: not a Debian system; install the equivalents of: ${packages[*]}" >&2
    exit 1
fi

missing=()
for p in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
        missing+=("$p")
    fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
    echo "dfota: missing build dependencies: ${missing[*]}" >&2
    echo "dfota: install them as root with:" >&2
    echo "  apt-get install -y ${missing[*]}" >&2
    exit 1
fi

echo "dfota: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
