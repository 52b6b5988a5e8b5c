#!/usr/bin/env python3
"""README.md checked against the program it describes.

Every shell example of README.md (```sh, ```bash, ```console and bare ```
blocks) is run as shown, with `dfota` the binary under test, each block in a
scratch directory of its own that holds what the README says is there (the
sample images, keys made by `dfota keygen`, the release of the first example,
...; FIXTURES and BLOCKS below). The output a block shows is compared with
the real output line by line; the figures of the prose (sizes, digests,
offsets, codes) are compared with the value a command gives (FIGURES). A
block that is not run is in ALLOW with the reason; any other block that has
no way to run (an output with no command, a JSON document) fails the check.

Comparison rules, all of them here:
  - `$ CMD` lines are commands, the lines after one are its output (standard
    output and standard error as a terminal shows them: the commands run on
    a pseudo-terminal, colour codes removed);
  - a line `...` (or `…`) stands for one line or more, `...` inside a line
    for any text (ELLIPSIS);
  - in a command, `...` stands for the options the README leaves out
    (ELIDED_OPTIONS);
  - values that differ from run to run for a stated reason are replaced by a
    placeholder on both sides (VARYING);
  - a JSON block may leave out the lines its BLOCKS entry names (`skip`),
    exactly `skipped` of them, and a line's trailing comma is not compared;
  - every command exits 0 unless BLOCKS gives the code the README states.

usage: check_readme.py [--readme README] [--keep] DFOTA SOURCE_DIR
       check_readme.py --self-test DFOTA SOURCE_DIR
The self-test runs the check on a copy of README.md with one figure and one
command's output changed, and fails unless the check fails on both lines.
"""

import json
import os
import pty
import re
import select
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import termios
import time

PASS = "Readme-Check-2024"  # FOTA_PASS: the README reads passphrases from env:FOTA_PASS
SDE = "1700000000"  # README, Release: "The report of the run above ... SOURCE_DATE_EPOCH=1700000000"
PACKAGE = "BC25R01A03_TO_BC25R01A04"

# --- what a scratch directory can hold ---------------------------------------
# (name, paths it makes, shell command, extra environment). Each is made once,
# in this order, in one directory; a block's directory gets copies of those it
# names. $DFOTA_SRC is the source tree.
FIXTURES = [
    ("samples", ["samples"],
     'mkdir samples && cp "$DFOTA_SRC/samples/BC25R01A03.bin" "$DFOTA_SRC/samples/BC25R01A04.bin" samples/',
     {}),
    # The README also names the images without samples/ (BC25R01A03.bin).
    ("images", ["BC25R01A03.bin", "BC25R01A04.bin"], "cp samples/BC25R01A03.bin samples/BC25R01A04.bin .", {}),
    # README, Signing: `dfota keygen --alg rsa2048 -o keys --passout env:FOTA_PASS`.
    ("keys", ["keys"], "dfota keygen --alg rsa2048 -o keys --passout env:FOTA_PASS -q", {}),
    ("ecdsa", ["ecdsa"], "dfota keygen --alg ecdsa-secp256k1 -o ecdsa --passout env:FOTA_PASS -q", {}),
    ("ecdsa-other", ["ecdsa-other"],
     "dfota keygen --alg ecdsa-secp256k1 -o ecdsa-other --passout env:FOTA_PASS -q", {}),
    # The release of README, Release (its first example), as its report says it was made.
    ("release", ["release"],
     "dfota release --old samples/BC25R01A03.bin --new samples/BC25R01A04.bin "
     "--key keys/private.pem --passin env:FOTA_PASS -o release -q", {"SOURCE_DATE_EPOCH": SDE}),
    # README, Commands: the `dfota pack` example, then the Signing flow's zip and sign.
    ("package", [PACKAGE + ".bin"],
     "dfota pack --old samples/BC25R01A03.bin --new samples/BC25R01A04.bin "
     "--from-version BC25R01A03 --to-version BC25R01A04 -o %s.bin -q" % PACKAGE, {}),
    ("zip", [PACKAGE + ".zip"], "dfota zip %s.bin -q" % PACKAGE, {}),
    ("signed", [PACKAGE + "_signed.zip"],
     "dfota sign --key keys/private.pem --passin env:FOTA_PASS %s.zip -q" % PACKAGE, {}),
    # README, Power cuts: pkg.bin, a delta package of the samples.
    ("pkg", ["pkg.bin"], "cp %s.bin pkg.bin" % PACKAGE, {}),
    # README, "How the versions are found": an image with no version string and
    # one that holds two.
    ("app", ["build"], "mkdir build && head -c 137000 samples/BC25R01A04.bin >build/app.bin", {}),
    ("merged", ["merged.bin"], "cat samples/BC25R01A03.bin samples/BC25R01A04.bin >merged.bin", {}),
    # README, "A delta dfota did not make": the vendor's 4096-byte delta
    # (starting "vendor d"), zipped and signed with no SOURCE_DATE_EPOCH.
    ("vendor", ["vendor"],
     "mkdir vendor && yes 'vendor delta BC25R01A03 -> BC25R01A04' | head -c 4096 >vendor/%s.bin && "
     "dfota zip vendor/%s.bin -q && "
     "dfota sign --key keys/private.pem --passin env:FOTA_PASS vendor/%s.zip -q" % ((PACKAGE,) * 3), {}),
    # README, "In a CI job": the images in fw/, the job run in a git checkout.
    ("fw", ["fw"], "mkdir fw && cp samples/BC25R01A03.bin samples/BC25R01A04.bin fw/", {}),
    ("git", [".git"],
     "git init -q . && git -c user.name=readme -c user.email=readme@example.invalid "
     "-c commit.gpgsign=false commit -q --allow-empty -m release",
     {"GIT_AUTHOR_DATE": SDE + " +0000", "GIT_COMMITTER_DATE": SDE + " +0000"}),
]

# --- blocks that are not run ------------------------------------------------
# (the block's first line starts with, reason)
ALLOW = [
    ("make demo", "installs the build dependencies (as root) and builds the tree; "
                  "`make test` is what runs this check"),
    ("cmake -B build", "builds the tree and runs the whole suite, this check included; "
                       "`cmake --install` writes to /usr/local (CI's install check covers it)"),
    ("core/        dfota_core", "the source tree's layout, not a command: "
                                "each folder and file it names is checked to exist"),
    ('#include "dfota/pkgapply.h"', "C source: the readme_example test builds it with a board "
                                    "harness and runs it on the sample package"),
]

# --- how each block runs ----------------------------------------------------
# Keyed by the start of the block's first line. Every entry must match a block.
#   fixtures  what its directory holds (default: samples, images, keys)
#   env       extra environment ("pkcs11": True adds the sanitizer options of
#             tests/cli/test_pkcs11_cli.sh);  setup  shell run first, not checked
#   exits     {command index: (exit code, regexp of the README text stating it)}
#   producer  for a block that shows only output: the command that prints it;
#             producer_from: a regexp of the README text whose group 1 is it
#   skip, skipped  JSON: a regexp of the real lines the README may leave out, and
#             how many it leaves out
DEFAULT_FIXTURES = ["samples", "images", "keys"]
BLOCKS = {
    "$ dfota release --old samples/BC25R01A03.bin": dict(
        fixtures=["samples", "keys"], env={"SOURCE_DATE_EPOCH": SDE}),
    "$ dfota release --old BC25R01A03.bin --new build/app.bin": dict(
        fixtures=["images", "keys", "app", "merged"],
        exits={0: (2, r"Both are usage errors \(exit 2\)"), 1: (2, r"Both are usage errors \(exit 2\)")}),
    "dfota release: 'release/BC25R01A03_TO_BC25R01A04_signed.zip': signature check": dict(
        why="the release's signature check failing: an ECDSA key, checked with another key's --pubkey",
        fixtures=["samples", "ecdsa", "ecdsa-other"],
        producer="dfota release --old samples/BC25R01A03.bin --new samples/BC25R01A04.bin "
                 "--key ecdsa/private.pem --passin env:FOTA_PASS --pubkey ecdsa-other/public.pem -o release",
        exits={0: (1, r"The first failed check stops the release with exit code 1")}),
    "dfota verify --pubkey keys/public.pem --old BC25R01A03.bin": dict(
        fixtures=["images", "keys", "release"]),
    "set -eu": dict(
        fixtures=["fw", "keys", "git"],
        env={"FROM": "BC25R01A03", "TO": "BC25R01A04", "FOTA_KEY": "keys/private.pem"}),
    '{\n  "schema_version": 1,\n  "command": "release"': dict(
        why="the report of the release above",
        fixtures=["release"], producer="cat release/%s.report.json" % PACKAGE,
        skip=r'^ *\{"name": "(container|payload|source|apply|target|new)", "result": ', skipped=12),
    "$ dfota pack --old samples/BC25R01A03.bin": dict(fixtures=["samples"]),
    "$ dfota apply --old samples/BC25R01A03.bin release/": dict(fixtures=["samples", "release"]),
    "$ dfota apply --old samples/BC25R01A03.bin pkg.bin": dict(
        fixtures=["samples", "pkg"],
        exits={0: (5, r"the flash is saved in FILE and the exit code is 5")}),
    "dfota keygen --alg rsa2048 -o keys": dict(fixtures=["package"]),
    "export SOFTHSM2_CONF": dict(
        fixtures=["images", "zip"], setup="mkdir keys",
        env={"PIN": "31415926", "SO_PIN": "27182818", "pkcs11": True}),
    "unzip -o BC25R01A03_TO_BC25R01A04_signed.zip": dict(fixtures=["keys", "signed"]),
    "$ dfota verify --pubkey keys/public.pem --old samples/": dict(
        fixtures=["samples", "keys", "release"]),
    "$ dfota verify release/BC25R01A03_TO_BC25R01A04_signed.zip": dict(fixtures=["release"]),
    "$ dfota verify --pubkey keys/public.pem vendor/": dict(
        fixtures=["keys", "vendor"],
        exits={0: (7, r"ends with its own exit status, 7"), 1: (0, r"exit 0 when they pass")}),
    "$ dfota inspect release/": dict(fixtures=["release"]),
    '{\n  "schema_version": 1,\n  "command": "verify"': dict(
        why="the document of the command named before it",
        fixtures=["samples", "keys", "release"],
        producer_from=r"From `(dfota verify --json[^`]*)`",
        skip=r'^ *\{"name": "(zip|container|payload|source|apply|target)", "result": ', skipped=6),
    '{\n  "schema_version": 1,\n  "command": "sign"': dict(
        why="the document of the command named before it",
        fixtures=["keys", "zip"], producer_from=r"From `(dfota sign --json[^`]*)`"),
    "dfota inspect: 'BC25R01A04.bin': header CRC-32 mismatch": dict(
        why="a package whose header was changed (byte 30 set to 0xff), named BC25R01A04.bin",
        fixtures=["release"],
        setup="cp release/%s.bin BC25R01A04.bin && "
              "printf '\\377' | dd of=BC25R01A04.bin bs=1 seek=30 conv=notrunc status=none" % PACKAGE,
        producer="dfota inspect BC25R01A04.bin",
        exits={0: (1, r"\| 1 \| an input was read and failed a check")}),
    "dfota diff: --level given twice": dict(
        why="the usage error it describes", fixtures=["images"],
        producer="dfota diff BC25R01A03.bin BC25R01A04.bin -o patch.bin --level 3 --level 5",
        exits={0: (2, r"exits 2 and\s+prints, on standard error only")}),
}

# `...` in a command: the options the README leaves out, by the command's start.
ELIDED_OPTIONS = [("dfota release ", "--key keys/private.pem --passin env:FOTA_PASS")]

# Values that legitimately differ between runs: (regexp with the group v, why).
VARYING = [
    (r'"key_sha256": "(?P<v>[0-9a-f]{64})"', "the key is made by dfota keygen for each run"),
    (r"with the public key (?P<v>[0-9a-f]{16})\b", "the key is made by dfota keygen for each run"),
    (r'"kind": "signed zip",\s+"size": \d+,\s+"sha256": "(?P<v>[0-9a-f]{64})"',
     "a signed zip holds the signature of this run's key"),
]

# --- figures of the README text ---------------------------------------------
# (what, [regexps of the README text], command, regexp of its output or None for
# the whole output, stripped; or "prefix": each README group must start the
# real value). Every regexp must match the README at least once; each match's
# groups must equal the command's. The commands run in a directory holding
# every fixture, without SOURCE_DATE_EPOCH. With no command, every match must
# equal the first one (values that vary, but all from one run).
R = PACKAGE  # no regexp metacharacters in it
FIGURES = [
    ("package size",
     [r"release/%s\.bin +(\d+) bytes" % R, r'"name": "%s\.bin",\s+"kind": "package",\s+"size": (\d+)' % R,
      r'"package_size": (\d+)', r"\d+ -> (\d+) bytes \(", r"entry +%s\.bin, (\d+) bytes" % R,
      r"signature of the (\d+) bytes of", r'"entry": \{"name": "%s\.bin", [^}]*"size": (\d+)' % R],
     "stat -c %%s release/%s.bin" % PACKAGE, None),
    ("zip size",
     [r"release/%s\.zip +(\d+) bytes" % R, r'"name": "%s\.zip",\s+"kind": "zip",\s+"size": (\d+)' % R],
     "stat -c %%s release/%s.zip" % PACKAGE, None),
    ("signed zip size",
     [r"release/%s_signed\.zip +(\d+) bytes" % R, r'"kind": "signed zip",\s+"size": (\d+)',
      r"\(signed zip, (\d+) bytes\)"],
     "stat -c %%s release/%s_signed.zip" % PACKAGE, None),
    ("package SHA-256 (what anyone gets)",
     [r'"name": "%s\.bin",\s+"kind": "package",\s+"size": \d+,\s+"sha256": "([0-9a-f]{64})"' % R,
      r"release/%s_signed\.zip \(signed zip[^)\n]*\)\nsha256 +([0-9a-f]{64})" % R,
      r'"entry": \{"name": "%s\.bin", [^}]*"sha256": "([0-9a-f]{64})"' % R],
     "sha256sum release/%s.bin" % PACKAGE, r"^([0-9a-f]{64}) "),
    ("zip SHA-256 (what anyone gets)",
     [r'"name": "%s\.zip",\s+"kind": "zip",\s+"size": \d+,\s+"sha256": "([0-9a-f]{64})"' % R],
     "sha256sum release/%s.zip" % PACKAGE, r"^([0-9a-f]{64}) "),
    ("new image size, MD5, SHA-256",
     [r'"name": "BC25R01A04\.bin", "version": "BC25R01A04", "size": (\d+), "md5": "([0-9a-f]{32})", '
      r'"sha256": "([0-9a-f]{64})"',
      r'"target": \{"version": "BC25R01A04", "size": (\d+), "md5": "([0-9a-f]{32})", "sha256": "([0-9a-f]{64})"'],
     "stat -c %s samples/BC25R01A04.bin; md5sum samples/BC25R01A04.bin; sha256sum samples/BC25R01A04.bin",
     r"^(\d+)\n([0-9a-f]{32}) .*\n([0-9a-f]{64}) "),
    ("old image size, MD5, SHA-256",
     [r'"name": "BC25R01A03\.bin", "version": "BC25R01A03", "size": (\d+), "md5": "([0-9a-f]{32})", '
      r'"sha256": "([0-9a-f]{64})"',
      r'"source": \{"version": "BC25R01A03", "size": (\d+), "md5": "([0-9a-f]{32})", "sha256": "([0-9a-f]{64})"'],
     "stat -c %s samples/BC25R01A03.bin; md5sum samples/BC25R01A03.bin; sha256sum samples/BC25R01A03.bin",
     r"^(\d+)\n([0-9a-f]{32}) .*\n([0-9a-f]{64}) "),
    ("new image size",
     [r"(\d+) -> \d+ bytes \(", r"rebuilt (\d+) bytes into", r"new\.bin: (\d+) bytes rebuilt",
      r'"target_size": (\d+)'],
     "stat -c %s samples/BC25R01A04.bin", None),
    ("old image size", [r'"source_size": (\d+)', r"old image is BC25R01A03: (\d+) bytes"],
     "stat -c %s samples/BC25R01A03.bin", None),
    ("patch size, MD5, SHA-256 (the raw patch of the pair)",
     [r'"payload": \{"encoding": "patch", "size": (\d+), "md5": "([0-9a-f]{32})", "sha256": "([0-9a-f]{64})"'],
     "dfota diff samples/BC25R01A03.bin samples/BC25R01A04.bin -o raw1.patch -q && "
     "stat -c %s raw1.patch && md5sum raw1.patch && sha256sum raw1.patch",
     r"^(\d+)\n([0-9a-f]{32}) .*\n([0-9a-f]{64}) "),
    ("patch size", [r'"patch_size": (\d+)'],
     "dfota diff samples/BC25R01A03.bin samples/BC25R01A04.bin -o raw2.patch -q && stat -c %s raw2.patch",
     None),
    ("package over new image, percent", [r"(\d+\.\d\d)% of the new image"],
     "awk -v p=$(stat -c %%s release/%s.bin) -v n=$(stat -c %%s samples/BC25R01A04.bin) "
     "'BEGIN { printf \"%%.2f\", 100 * p / n }'" % PACKAGE, None),
    ("package_ratio", [r'"package_ratio": ([0-9.]+)'],
     "awk -v p=$(stat -c %%s release/%s.bin) -v n=$(stat -c %%s samples/BC25R01A04.bin) "
     "'BEGIN { printf \"%%.6f\", p / n }'" % PACKAGE, None),
    ("device workspace (package header)",
     [r"device workspace (\d+) bytes", r'"workspace_size": (\d+),\n *"patch"', r"\nworkspace +(\d+) bytes",
      r'"workspace_size": (\d+),\n *"created"'],
     "dfota inspect --json release/%s.bin | jq .package.workspace_size" % PACKAGE, None),
    ("patch workspace", [r'"workspace_size": (\d+)\}', r"workspace (\d+) bytes; agrees"],
     "dfota inspect --json release/%s.bin | jq .patch.workspace_size" % PACKAGE, None),
    ("old version's offset in its image",
     [r"from: old image, offset (\d+);", r'"from_offset": (\d+)', r"\(old image, offset (\d+)\)"],
     "grep -abo BC25R01A03 samples/BC25R01A03.bin", r"^(\d+):BC25R01A03$"),
    ("new version's offset in its image", [r"to: new image, offset (\d+)\)", r'"to_offset": (\d+)'],
     "grep -abo BC25R01A04 samples/BC25R01A04.bin", r"^(\d+):BC25R01A04$"),
    ("version_source in the report (prose)",
     [r'`("version_source": \{[^`]*?), \.\.\.\}`'],
     "grep -o '\"version_source\": {[^}]*}' release/%s.report.json" % PACKAGE, "prefix"),
    ("pack -v: where the old version came from (prose)",
     [r"`(source version BC25R01A03 \(old image, offset \d+\))`"],
     "dfota pack -v --old samples/BC25R01A03.bin --new samples/BC25R01A04.bin -o packv.bin",
     r"^ *(source version BC25R01A03 \(old image, offset \d+\))$"),
    ("release's signed zip: entry time (SOURCE_DATE_EPOCH=%s)" % SDE,
     [r"release/%s_signed\.zip \(signed zip, entry [^,]+, dated ([^)]+)\)" % R,
      r"\(\d+ in the zip\), dated ([0-9: -]+)"],
     "python3 -c 'import sys, zipfile; print(\"%%04d-%%02d-%%02d %%02d:%%02d:%%02d\" %% "
     "zipfile.ZipFile(sys.argv[1]).infolist()[0].date_time)' release/%s_signed.zip" % PACKAGE, None),
    ("zip entry: size and compressed size", [r"(\d+) bytes \((\d+) compressed\)"],
     "python3 -c 'import sys, zipfile; i = zipfile.ZipFile(sys.argv[1]).infolist()[0]; "
     "print(i.file_size, i.compress_size)' release/%s.zip" % PACKAGE, r"^(\d+) (\d+)$"),
    ("RSA-2048 signature size", [r"RSA2048\+SHA256 \((\d+) bytes\)", r"its (\d+)-byte signature"],
     "unzip -p release/%s_signed.zip %s.bin.sig | wc -c" % (PACKAGE, PACKAGE), None),
    ("vendor payload: size and SHA-256",
     [r"the signature covers the (\d+) bytes of '%s\.bin' \(SHA-256 ([0-9a-f]{64})\)" % R],
     "unzip -p vendor/%s_signed.zip %s.bin | wc -c; unzip -p vendor/%s_signed.zip %s.bin | sha256sum"
     % ((PACKAGE,) * 4), r"^(\d+)\n([0-9a-f]{64}) "),
    ("vendor payload: SHA-256 of the package checked",
     [r"vendor/%s_signed\.zip \(signed zip[^)\n]*\)\nsha256 +([0-9a-f]{64})" % R],
     "unzip -p vendor/%s_signed.zip %s.bin | sha256sum" % (PACKAGE, PACKAGE), r"^([0-9a-f]{64}) "),
    ("vendor payload: first bytes", [r"the zip's payload starts with ((?:[0-9a-f]{2} ){7}[0-9a-f]{2})\)"],
     "unzip -p vendor/%s_signed.zip %s.bin | head -c 8 | od -An -tx1" % (PACKAGE, PACKAGE),
     r"^ *((?:[0-9a-f]{2} ){7}[0-9a-f]{2})$"),
    ("the simulated flash of the trial apply", [r"simulated NOR flash\s+\(erase block (\d+), write unit (\d+)\)"],
     "dfota verify -v --old samples/BC25R01A03.bin release/%s.bin" % PACKAGE,
     r"simulated NOR flash \(erase (\d+), write unit (\d+)\)"),
    ("times without SOURCE_DATE_EPOCH", [r"Without `SOURCE_DATE_EPOCH` the times are (\d+) \(package\) and "
                                         r"(\d{4}-\d\d-\d\d) \(zip\)"],
     "dfota inspect --json %s.zip | jq -r '\"\\(.package.created) \\(.entry.time[0:10])\"'" % PACKAGE,
     r"^(\d+) (\S+)$"),
    ("a wrong old image: its module error codes (prose)",
     [r"result FAILED at the source check:\s+SOURCE_MISMATCH \(module error ([^)]*)\)"],
     "dfota verify --old samples/BC25R01A04.bin release/%s.bin" % PACKAGE,
     r"^result +FAILED at the source check: SOURCE_MISMATCH \(module error ([^)]*)\)$"),
    # Values that vary from run to run (VARYING) still come from one run: the
    # README's examples agree with each other (no command: all matches equal).
    ("the key of the examples (varies: keygen)",
     [r'"key_sha256": "([0-9a-f]{16})', r"with the public key ([0-9a-f]{16})\b"], None, None),
    ("the SHA-256 of the release's signed zip (varies: its key)",
     [r'"kind": "signed zip",\s+"size": \d+,\s+"sha256": "([0-9a-f]{64})"'], None, None),
    ("a skipped check's detail (prose)", [r'with the reason in `detail`, e\.g\. "([^"]+)"'],
     "jq -r '.pairs[0].files[0].checks[0].detail' release/%s.report.json" % PACKAGE, None),
]

ELLIPSIS = ("...", "\u2026")


class Failure(Exception):
    pass


class Check:
    def __init__(self, dfota, src, readme, keep):
        self.dfota = os.path.abspath(dfota)
        self.src = os.path.abspath(src)
        self.readme = os.path.abspath(readme)
        self.name = os.path.basename(self.readme)
        with open(self.readme, encoding="utf-8") as f:
            self.text = f.read()
        self.keep = keep
        self.failures = 0
        self.sessions = 0
        self.work = tempfile.mkdtemp(prefix="dfota-readme.")
        self.bindir = os.path.join(self.work, "bin")
        os.mkdir(self.bindir)
        os.symlink(self.dfota, os.path.join(self.bindir, "dfota"))
        os.mkdir(os.path.join(self.work, "home"))
        self.fixdir = os.path.join(self.work, "fixtures")
        os.mkdir(self.fixdir)

    # --- reporting ---
    def fail(self, line, what, command=None, expected=None, actual=None, context=None):
        self.failures += 1
        print("FAIL %s:%s: %s" % (self.name, line, what))
        if command is not None:
            print("  command:  %s" % command.replace("\n", "\n            "))
        if expected is not None:
            print("  expected: %s" % expected)
        if actual is not None:
            print("  actual:   %s" % actual)
        if context:
            print("  output:")
            for ln in context[:60]:
                print("    | %s" % ln)
            if len(context) > 60:
                print("    | ... (%d more lines)" % (len(context) - 60))

    def line_of(self, offset):
        return self.text.count("\n", 0, offset) + 1

    # --- environment ---
    def env(self, extra=None):
        drop = {"SOURCE_DATE_EPOCH", "FOTA_PASS", "FOTA_KEY", "FROM", "TO", "PIN", "SO_PIN",
                "SOFTHSM2_CONF", "PKCS11_MODULE_PATH", "JQ_COLORS", "CDPATH", "BASH_ENV", "ENV"}
        env = {k: v for k, v in os.environ.items()
               if k not in drop and not k.startswith(("DFOTA_", "GIT_"))}
        env.update(PATH=self.bindir + os.pathsep + os.environ.get("PATH", "/usr/bin:/bin"),
                   HOME=os.path.join(self.work, "home"), LC_ALL="C.UTF-8", FOTA_PASS=PASS,
                   DFOTA_SRC=self.src)
        extra = dict(extra or {})
        if extra.pop("pkcs11", None):
            # As tests/cli/test_pkcs11_cli.sh: in a sanitizer build, the leaks of
            # libp11 (it never frees its method tables) are suppressed.
            env["ASAN_OPTIONS"] = ":".join(filter(None, [os.environ.get("ASAN_OPTIONS"),
                                                         "fast_unwind_on_malloc=0"]))
            env["LSAN_OPTIONS"] = ":".join(filter(None, [
                os.environ.get("LSAN_OPTIONS"),
                "suppressions=%s/tests/cli/pkcs11.lsan:print_suppressions=0" % self.src]))
        env.update(extra)
        return env

    def sh(self, command, cwd, extra=None):
        p = subprocess.run(["bash", "-c", command], cwd=cwd, env=self.env(extra), stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=300)
        return p.returncode, p.stdout.decode("utf-8", "replace")

    # --- fixtures ---
    def make_fixtures(self):
        for name, paths, command, extra in FIXTURES:
            rc, out = self.sh(command, self.fixdir, extra)
            if rc != 0:
                raise Failure("fixture %s: `%s` exited %d:\n%s" % (name, command, rc, out))
            for p in paths:
                if not os.path.lexists(os.path.join(self.fixdir, p)):
                    raise Failure("fixture %s: `%s` made no %s" % (name, command, p))

    def scratch(self, label, fixtures):
        d = os.path.join(self.work, label)
        os.mkdir(d)
        known = {f[0]: f[1] for f in FIXTURES}
        for name in fixtures:
            for p in known[name]:
                s, t = os.path.join(self.fixdir, p), os.path.join(d, p)
                if os.path.isdir(s) and not os.path.islink(s):
                    shutil.copytree(s, t, symlinks=True)
                else:
                    shutil.copy2(s, t, follow_symlinks=False)
        return d

    # --- running a block's commands, as on a terminal ---
    def session(self, cwd, commands, extra):
        """Run the commands one after the other in one bash, standard output
        and standard error on a pseudo-terminal. Returns [(output, rc or None)]."""
        self.sessions += 1
        status = os.path.join(self.work, "session%d.status" % self.sessions)
        script = ["__readme_rc=0"]
        for i, c in enumerate(commands):
            script += ["printf '\\036README-CMD %d\\036\\n'" % i, "(exit $__readme_rc)", c,
                       '__readme_rc=$?; printf "%%d %%d\\n" %d "$__readme_rc" >>%s' % (i, shlex.quote(status))]
        script.append("printf '\\036README-CMD end\\036\\n'")
        path = status + ".sh"
        with open(path, "w") as f:
            f.write("\n".join(script) + "\n")
        master, slave = pty.openpty()
        attrs = termios.tcgetattr(slave)
        attrs[1] &= ~termios.ONLCR  # "\n" stays "\n"
        termios.tcsetattr(slave, termios.TCSANOW, attrs)
        proc = subprocess.Popen(["bash", "--noprofile", "--norc", path], cwd=cwd, env=self.env(extra),
                                stdin=subprocess.DEVNULL, stdout=slave, stderr=slave, start_new_session=True)
        os.close(slave)
        data, deadline = [], time.monotonic() + 300
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                os.killpg(proc.pid, signal.SIGKILL)
                data.append(b"\n[check_readme: timed out after 300 s]\n")
                break
            ready, _, _ = select.select([master], [], [], left)
            if not ready:
                continue
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: every writer has closed the terminal
                break
            if not chunk:
                break
            data.append(chunk)
        os.close(master)
        proc.wait()
        out = b"".join(data).decode("utf-8", "replace").replace("\r", "")
        out = re.sub(r"\x1b\[[0-9;]*m", "", out)  # colours (jq on a terminal)
        codes = {}
        if os.path.exists(status):
            with open(status) as f:
                for ln in f:
                    i, rc = ln.split()
                    codes[int(i)] = int(rc)
        parts = re.split(r"\x1eREADME-CMD (\d+|end)\x1e\n", out)
        outputs = {}
        for k in range(1, len(parts) - 1, 2):
            if parts[k] != "end":
                outputs[int(parts[k])] = parts[k + 1]
        return [(outputs.get(i, ""), codes.get(i)) for i in range(len(commands))]

    # --- comparison ---
    @staticmethod
    def normalize(text):
        for rx, _ in VARYING:
            text = re.sub(rx, lambda m: m.group(0)[:m.start("v") - m.start()] + "<varies>" +
                          m.group(0)[m.end("v") - m.start():], text)
        return text

    def compare(self, expected, actual, skip=None, json_mode=False):
        """expected: [(line number, text)]; actual: text. None if they agree,
        else (line number, expected text, actual text); also the lines skipped."""
        def clean(t):
            t = t.rstrip()
            return t[:-1] if json_mode and t.endswith(",") else t
        exp_text = self.normalize("\n".join(t for _, t in expected))
        pats = []
        for (ln, _), t in zip(expected, exp_text.split("\n")):
            t = clean(t)
            if t.strip() in ELLIPSIS:
                pats.append((ln, t, None))
            else:
                parts = re.split(r"\.\.\.|\u2026", t)
                pats.append((ln, t, re.compile(".*".join(re.escape(p) for p in parts), re.S)))
        act = [clean(a) for a in self.normalize(actual).split("\n")]
        while act and act[-1] == "":
            act.pop()
        skip_rx = re.compile(skip) if skip else None
        m, n = len(pats), len(act)
        seen, frontier = set(), [(0, 0)]
        while frontier:
            i, j = frontier.pop()
            if (i, j) in seen:
                continue
            seen.add((i, j))
            if i < m and pats[i][2] is None:  # one line or more
                if j < n:
                    frontier += [(i + 1, j + 1), (i, j + 1)]
            elif i < m and j < n and pats[i][2].fullmatch(act[j]):
                frontier.append((i + 1, j + 1))
            if j < n and skip_rx and skip_rx.search(act[j]):
                frontier.append((i, j + 1))
        if (m, n) in seen:
            return None, n - sum(1 for p in pats if p[2] is not None)
        i, j = max(seen)
        if i < m:
            return (pats[i][0], pats[i][1], act[j] if j < n else "<end of output>"), 0
        j = max(jj for ii, jj in seen if ii == m)
        return (pats[-1][0] if pats else "?", "<end of output>", act[j]), 0

    # --- the blocks of the README ---
    def blocks(self):
        lines = self.text.split("\n")
        out, i = [], 0
        while i < len(lines):
            m = re.match(r"^```(\S*)\s*$", lines[i])
            if m:
                start, body = i + 2, []
                i += 1
                while i < len(lines) and not lines[i].startswith("```"):
                    body.append(lines[i])
                    i += 1
                out.append((m.group(1), start, body))
            i += 1
        return out

    @staticmethod
    def parse_console(start, body):
        """[(line, command, [(line, expected output)])] of `$ CMD` lines."""
        cmds, k = [], 0
        while k < len(body):
            if body[k].startswith("$ "):
                ln, text = start + k, body[k][2:]
                while text.endswith("\\") and k + 1 < len(body):
                    k += 1
                    text += "\n" + body[k]
                cmds.append([ln, text, []])
            elif cmds:
                cmds[-1][2].append((start + k, body[k]))
            else:
                raise Failure("line %d: output before the first `$ ` command" % (start + k))
            k += 1
        for c in cmds:  # the blank line that ends a block's last output is not output
            while c[2] and c[2][-1][1] == "":
                c[2].pop()
        return cmds

    @staticmethod
    def parse_script(start, body):
        """[(line, command, {"prints": X, "creates": [FILE]})] of a block of bare commands."""
        cmds, k = [], 0
        while k < len(body):
            ln, text = start + k, body[k]
            if not text.strip():
                k += 1
                continue
            if text.lstrip().startswith("#"):
                m = re.match(r"^\s*#\s*->\s*(\S+)\s*$", text)
                if m and cmds:
                    cmds[-1][2]["creates"].append(m.group(1))
                k += 1
                continue
            while text.endswith("\\") and k + 1 < len(body):
                k += 1
                text += "\n" + body[k]
            notes = {"prints": None, "creates": []}
            last = text.split("\n")[-1]
            m = re.search(r'#\s*prints "([^"]*)"\s*$', last)
            if m:
                notes["prints"] = m.group(1)
            m = re.search(r"#\s*->\s*(\S+)\s*$", last)
            if m:
                notes["creates"].append(m.group(1))
            cmds.append([ln, text, notes])
            k += 1
        return cmds

    @staticmethod
    def expand(command):
        for prefix, options in ELIDED_OPTIONS:
            if command.startswith(prefix):
                command = re.sub(r"(?<=\s)\.\.\.(?=\s)", options, command)
        return command

    def check_exits(self, ln, conf, count):
        exits = {}
        for i, (code, statement) in conf.get("exits", {}).items():
            if i >= count:
                self.fail(ln, "BLOCKS gives an exit code for command %d, the block has %d" % (i, count))
            elif not re.search(statement, " ".join(self.text.split())):  # prose is wrapped
                self.fail(ln, "BLOCKS gives exit %d for command %d because the README says /%s/, "
                              "which it no longer does" % (code, i, statement))
            exits[i] = code
        return exits

    def run_block(self, info, start, body, conf):
        """Returns the number of commands run."""
        first = body[0] if body else ""
        fixtures = conf.get("fixtures", DEFAULT_FIXTURES)
        d = self.scratch("L%d" % start, fixtures)
        if conf.get("setup"):
            rc, out = self.sh(conf["setup"], d, conf.get("env"))
            if rc != 0:
                raise Failure("line %d: setup `%s` exited %d: %s" % (start, conf["setup"], rc, out))
        if any(l.startswith("$ ") for l in body):
            kind, cmds = "console", self.parse_console(start, body)
        elif info in ("sh", "bash"):
            kind, cmds = "script", self.parse_script(start, body)
        else:
            producer = conf.get("producer")
            if conf.get("producer_from"):
                m = re.search(conf["producer_from"], self.text)
                if not m:
                    self.fail(start, "no command found in the README for this block by /%s/"
                              % conf["producer_from"])
                    return 0
                producer = " ".join(m.group(1).split())  # prose is wrapped
            if producer is None:
                self.fail(start, "a ```%s block with no command to run: give it a producer in BLOCKS "
                                 "or put it in ALLOW with the reason" % info, actual=first)
                return 0
            kind = "json" if info == "json" else "output"
            cmds = [[start, producer, [(start + k, t) for k, t in enumerate(body)]]]
        exits = self.check_exits(start, conf, len(cmds))
        results = self.session(d, [self.expand(c[1]) for c in cmds], conf.get("env"))
        for i, ((ln, command, exp), (out, rc)) in enumerate(zip(cmds, results)):
            want = exits.get(i, 0)
            actual_lines = out.rstrip("\n").split("\n") if out else []
            if rc is None:
                self.fail(ln, "the shell stopped before this command finished (a `set -e` failure?)",
                          command, "exit %d" % want, "no exit status", actual_lines)
                continue
            if rc != want:
                self.fail(ln, "exit code", command, str(want), str(rc), actual_lines)
            if kind == "script":
                if exp["prints"] is not None and exp["prints"] not in out.split("\n"):
                    self.fail(ln, "the comment says it prints this line", command, exp["prints"],
                              "not printed", actual_lines)
                for f in exp["creates"]:
                    if not os.path.exists(os.path.join(d, f)):
                        self.fail(ln, "the comment says it writes this file", command, f, "no such file")
                continue
            if kind == "json":
                try:
                    json.loads("\n".join(t for _, t in exp))
                except ValueError as e:
                    self.fail(ln, "the README's JSON does not parse: %s" % e)
            diff, skipped = self.compare(exp, out, conf.get("skip"), kind == "json")
            if diff:
                self.fail(diff[0], "output", command, diff[1], diff[2], actual_lines)
            elif "skipped" in conf and skipped != conf["skipped"]:
                self.fail(ln, "the README leaves out %d lines of the real output, BLOCKS says %d"
                          % (skipped, conf["skipped"]), command)
        return len(cmds)

    def check_layout(self, start, body):
        for k, line in enumerate(body):
            m = re.match(r"^(\S+)\s", line)
            if m and ("/" in m.group(1)) and not os.path.exists(os.path.join(self.src, m.group(1))):
                self.fail(start + k, "the layout names a path the tree does not have", None,
                          m.group(1), "no such file or directory")

    def check_blocks(self):
        used, ran, commands, allowed = set(), 0, 0, 0
        for info, start, body in self.blocks():
            head = "\n".join(body)
            allow = [a for a in ALLOW if head.startswith(a[0])]
            conf_keys = [k for k in BLOCKS if head.startswith(k)]
            if len(conf_keys) > 1:
                self.fail(start, "more than one BLOCKS entry matches: %s" % conf_keys)
                continue
            if allow:
                used.add(allow[0][0])
                allowed += 1
                print("skip %s:%d ```%s: %s" % (self.name, start, info, allow[0][1]))
                if allow[0][0].startswith("core/"):
                    self.check_layout(start, body)
                continue
            if info not in ("sh", "bash", "console", "", "json"):
                self.fail(start, "a ```%s block: not a shell example; put it in ALLOW with the reason" % info)
                continue
            conf = {}
            if conf_keys:
                used.add(conf_keys[0])
                conf = BLOCKS[conf_keys[0]]
            before = self.failures
            try:
                n = self.run_block(info, start, body, conf)
            except Failure as e:
                self.fail(start, str(e))
                continue
            ran += 1
            commands += n
            print("%s %s:%d ```%s, %d command%s%s" % ("ok  " if self.failures == before else "bad ",
                                                      self.name, start, info or "", n, "s"[:n != 1],
                                                      ": " + conf["why"] if "why" in conf else ""))
        for key in list(BLOCKS) + [a[0] for a in ALLOW]:
            if key not in used:
                self.fail("?", "no block starts with %r: remove or update its entry" % key.split("\n")[0])
        return ran, commands, allowed

    def check_figures(self):
        d = self.scratch("figures", [f[0] for f in FIXTURES])
        count, before = 0, self.failures
        for what, readme_rxs, command, out_rx in FIGURES:
            real = None
            if command is None:  # the README against itself: its first match
                pass
            elif out_rx in (None, "prefix"):
                rc, out = self.sh(command, d)
                real = (out.strip(),)
            else:
                rc, out = self.sh(command, d)
                m = re.search(out_rx, out, re.M)
                if not m:
                    self.fail("?", "figure '%s': the command's output has no /%s/" % (what, out_rx),
                              command, None, None, out.rstrip("\n").split("\n"))
                    continue
                real = m.groups()
            for rx in readme_rxs:
                matches = list(re.finditer(rx, self.text))
                if not matches:
                    self.fail("?", "figure '%s': nothing in the README matches /%s/: update FIGURES" % (what, rx))
                for m in matches:
                    count += 1
                    shown = m.groups()
                    if real is None:
                        real, command = shown, "(none: as at line %d of the README)" % self.line_of(m.start(1))
                        continue
                    ok = (all(r.startswith(s) for s, r in zip(shown, real)) if out_rx == "prefix"
                          else shown == real)
                    if not ok:
                        self.fail(self.line_of(m.start(1)), "figure '%s'" % what, command,
                                  " / ".join(shown), " / ".join(real))
        print("%s %d figures of the text (%d table entries)" % ("ok  " if self.failures == before else "bad ",
                                                                 count, len(FIGURES)))
        return count

    def run(self):
        try:
            self.make_fixtures()
            ran, commands, allowed = self.check_blocks()
            figures = self.check_figures()
        except Failure as e:
            self.fail("?", str(e))
            ran = commands = allowed = figures = 0
        finally:
            if self.keep:
                print("scratch directory kept: %s" % self.work)
            else:
                shutil.rmtree(self.work, ignore_errors=True)
        print("%s: %d blocks run (%d commands), %d allow-listed, %d figures checked; %d failed"
              % (self.name, ran, commands, allowed, figures, self.failures))
        return 0 if self.failures == 0 else 1


# --- self-test: the check must be able to fail ------------------------------
MUTATIONS = [
    # a figure of the prose (FIGURES: the simulated flash of the trial apply)
    ("(erase block 4096, write unit 4)", "(erase block 4096, write unit 8)"),
    # a command's output (README, Commands: `dfota apply ... --urc --urc-max 5`)
    ('"UPDATING",20\n+QIND: "FOTA","UPDATING",40\n', '"UPDATING",20\n+QIND: "FOTA","UPDATING",45\n'),
]


def self_test(dfota, src):
    with open(os.path.join(src, "README.md"), encoding="utf-8") as f:
        text = f.read()
    lines = []
    for old, new in MUTATIONS:
        if text.count(old) != 1:
            print("FAIL self-test: README.md holds %r %d times, not once" % (old, text.count(old)))
            return 1
        at = text.index(old) + next(k for k in range(len(old)) if old[k] != new[k])
        lines.append(text.count("\n", 0, at) + 1)
        text = text.replace(old, new)
    d = tempfile.mkdtemp(prefix="dfota-readme-selftest.")
    try:
        copy = os.path.join(d, "README.md")
        with open(copy, "w", encoding="utf-8") as f:
            f.write(text)
        p = subprocess.run([sys.executable, os.path.abspath(__file__), "--readme", copy, dfota, src],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=600)
    finally:
        shutil.rmtree(d, ignore_errors=True)
    out = p.stdout.decode("utf-8", "replace")
    fails = [l for l in out.split("\n") if re.match(r"FAIL \S+:(\d+|\?): ", l)]
    missing = [ln for ln in lines if not any(l.startswith("FAIL README.md:%d:" % ln) for l in fails)]
    print("\n".join(l for l in out.split("\n") if l.startswith(("FAIL ", "  command:", "  expected:", "  actual:"))))
    if p.returncode == 0 or missing or len(fails) != len(lines):
        print("FAIL self-test: exit %d; expected exactly %d failures, at README.md lines %s%s"
              % (p.returncode, len(lines), lines, "; none at %s" % missing if missing else ""))
        print(out)
        return 1
    print("ok   self-test: the changed figure (line %d) and output (line %d) each fail the check, exit %d"
          % (lines[0], lines[1], p.returncode))
    return 0


def main(argv):
    args, readme, keep, selftest = [], None, False, False
    it = iter(argv)
    for a in it:
        if a == "--readme":
            readme = next(it)
        elif a == "--keep":
            keep = True
        elif a == "--self-test":
            selftest = True
        else:
            args.append(a)
    if len(args) != 2:
        print(__doc__[__doc__.index("usage:"):].strip(), file=sys.stderr)
        return 2
    dfota, src = args
    if selftest:
        return self_test(dfota, src)
    return Check(dfota, src, readme or os.path.join(src, "README.md"), keep).run()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
