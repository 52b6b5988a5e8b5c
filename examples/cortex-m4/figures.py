#!/usr/bin/env python3
"""The figures of a target-check run (scripts/target-check.sh): code bytes per
part from each firmware's linker map, and what the firmware runs printed
("measure NAME VALUE" lines) and the instruction-counting plugin wrote
("interval N COUNT"). Prints the table, checks that the workspace figures
agree exactly, and reports the budgets of issues 11 and 12 (with --strict a
missed budget fails the run).

usage: figures.py WORKDIR [--strict]   (WORKDIR: BUILD_DIR/target)
"""
import os
import re
import subprocess
import sys

BUILDS = ("normal", "lean", "small", "small2bank", "smallraw")
SCENARIOS = ("twobank", "hwhash", "inplace", "full", "powercut", "patch", "patchhw", "zstd",
             "inplacezstd")
# Which scenarios each build runs (scripts/target-check.sh): the small build
# (lean, -DDFOTA_CODEC_ZSTD=0) has no zstd, so no full image and no zstd deltas.
RUNS = {b: SCENARIOS for b in ("normal", "lean")}
RUNS["small"] = ("twobank", "hwhash", "inplace", "powercut", "patch", "patchhw")
# small2bank: the small profile with -DDFOTA_IN_PLACE=0 (a device with two banks).
RUNS["small2bank"] = ("twobank", "hwhash", "powercut", "patch", "patchhw")
# smallraw: small2bank with the raw-patch scenarios only (-DEXAMPLE_RAW_ONLY): the
# firmware of a device without the package front end.
RUNS["smallraw"] = ("patch", "patchhw")
# The package front end's objects: what a device that applies raw patches
# (dfota/apply.h) leaves out.
FRONT_END = ("pkgapply.o", "container.o", "md5.o")
PARTS = ("applier", "decoder", "libc", "libgcc", "example")
PART_NAMES = {
    "applier": "applier (apply_ref/, core/)",
    "decoder": "zstd (lib/common, lib/decompress)",
    "libc": "libc (newlib-nano)",
    "libgcc": "libgcc",
    "example": "example firmware (startup, NOR, semihosting)",
}
# Output sections that end up in the flash image, and those in RAM only.
FLASH_SECTIONS = (".text", ".ARM.exidx", ".data")
RAM_SECTIONS = (".data", ".bss")


def part_of(path):
    if "/dfota/" in path:
        return "applier"
    if "/zstd/" in path:
        return "decoder"
    if "/example/" in path:
        return "example"
    base = os.path.basename(path.split("(")[0])
    if base.startswith(("libc", "libm", "libnosys", "libg")) and not base.startswith("libgcc"):
        return "libc"
    if base.startswith("libgcc"):
        return "libgcc"
    return "other"


def parse_map(path):
    """Bytes per part in the flash image and in static RAM, and per object file
    of the applier (flash bytes)."""
    flash = {p: 0 for p in PARTS + ("other",)}
    ram = {p: 0 for p in PARTS + ("other",)}
    objects = {}
    with open(path) as f:
        lines = f.read().split("\n")
    try:
        start = lines.index("Linker script and memory map")
    except ValueError:
        raise SystemExit("figures: %s is not a GNU ld map" % path)
    out_section = None
    pending = None
    entry = re.compile(r"^\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S.*)$")
    for line in lines[start + 1:]:
        m = re.match(r"^(\.[A-Za-z0-9_.]+)\b", line)
        if m:
            out_section = m.group(1)
            pending = None
            continue
        m = re.match(r"^ (\.\S+|\*fill\*|COMMON)(\s+0x[0-9a-f]+\s+0x[0-9a-f]+\s+\S.*)?$", line)
        if m and not m.group(2):
            pending = m.group(1)  # the input section's name alone; address, size, file follow
            continue
        if m:
            name = m.group(1)
            rest = m.group(2)
        elif pending and entry.match(line):
            name = pending
            rest = line
        else:
            # *fill* lines: " *fill*  0xADDR  0xSIZE"
            mf = re.match(r"^ \*fill\*\s+0x[0-9a-f]+\s+0x([0-9a-f]+)", line)
            if mf and out_section in FLASH_SECTIONS:
                flash["other"] += int(mf.group(1), 16)
            pending = None
            continue
        pending = None
        e = entry.match(rest)
        if not e or name == "*fill*":
            continue
        size = int(e.group(2), 16)
        part = part_of(e.group(3))
        if out_section in FLASH_SECTIONS:
            flash[part] += size
            if part == "applier":
                obj = os.path.basename(e.group(3))
                objects[obj] = objects.get(obj, 0) + size
        if out_section in RAM_SECTIONS:
            ram[part] += size
    return flash, ram, objects


def parse_log(path):
    values = {}
    if not os.path.exists(path):
        return values
    with open(path) as f:
        for line in f:
            m = re.match(r"^measure (\S+) (\d+)$", line.strip())
            if m:
                values[m.group(1)] = int(m.group(2))  # the last one wins (powercut: boot 2)
    return values


def parse_insn(path):
    """Instruction counts per interval, and the PC of the deepest stack store
    of the last interval."""
    counts = []
    deepest = None
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                m = re.match(r"^interval \d+ (\d+)$", line.strip())
                if m:
                    counts.append(int(m.group(1)))
                m = re.match(r"^deepest \d+ 0x[0-9a-f]+ (0x[0-9a-f]+)$", line.strip())
                if m:
                    deepest = m.group(1)
    return counts, deepest


def profile_by_function(elf, path):
    """Instructions of the last interval per function (the plugin's profile
    lines, by block start address, mapped with the ELF's symbol table)."""
    if not os.path.exists(path):
        return []
    last = {}
    with open(path) as f:
        for line in f:
            m = re.match(r"^profile (\d+) 0x([0-9a-f]+) (\d+)$", line.strip())
            if m:
                last.setdefault(int(m.group(1)), []).append((int(m.group(2), 16), int(m.group(3))))
    if not last:
        return []
    syms = []
    out = subprocess.run(["arm-none-eabi-nm", "-n", "-S", elf], capture_output=True,
                         text=True, check=False).stdout
    for line in out.split("\n"):
        parts = line.split()
        if len(parts) == 4 and parts[2] in "tTwW":
            syms.append((int(parts[0], 16), int(parts[1], 16), parts[3]))
    per = {}
    for pc, n in last[max(last)]:
        name = "?"
        for start, size, sym in syms:
            if start <= pc < start + size:
                name = sym
                break
        per[name] = per.get(name, 0) + n
    return sorted(per.items(), key=lambda kv: -kv[1])


def function_at(elf, pc):
    if pc is None:
        return "-"
    out = subprocess.run(["arm-none-eabi-addr2line", "-f", "-e", elf, pc],
                         capture_output=True, text=True, check=False).stdout.split("\n")
    return out[0] if out and out[0] else pc


def num(v):
    return "-" if v is None else "{:,}".format(v)


def main():
    args = [a for a in sys.argv[1:] if a != "--strict"]
    strict = "--strict" in sys.argv[1:]
    if len(args) != 1:
        raise SystemExit(__doc__)
    work = args[0]
    run = os.path.join(work, "run")
    maps = {b: parse_map(os.path.join(work, b, "fw.map")) for b in BUILDS}
    logs = {(b, s): parse_log(os.path.join(run, "%s-%s.log" % (b, s)))
            for b in BUILDS for s in SCENARIOS}
    parsed = {(b, s): parse_insn(os.path.join(run, "%s-%s.insn" % (b, s)))
              for b in BUILDS for s in SCENARIOS}
    insns = {k: v[0] for k, v in parsed.items()}
    deepest = {k: function_at(os.path.join(work, k[0], "fw.elf"), v[1])
               for k, v in parsed.items()}
    failures = 0

    def per_kb(b, s):
        counts = insns[(b, s)]
        target = logs[(b, s)].get("target_bytes")
        if not counts or not target:
            return None, None
        # powercut: the interval of the resumed boot (the first one was cut)
        return counts[-1], round(counts[-1] * 1024 / target)

    rows = []
    w = 64

    def row(label, values):
        rows.append("  %-*s" % (w, label) + "".join(" %12s" % v for v in values))

    def raw_code(b):
        return sum(n for o, n in maps[b][2].items() if o not in FRONT_END)

    print()
    print("Measured on an emulated Cortex-M4 (QEMU mps2-an386), BC25 sample pair")
    print("  %-*s" % (w, "") + "".join(" %12s" % b for b in BUILDS))
    for p in PARTS:
        row("code bytes: " + PART_NAMES[p], [num(maps[b][0][p]) for b in BUILDS])
    row("code bytes: alignment fill and other", [num(maps[b][0]["other"]) for b in BUILDS])
    row("code bytes: applier + decoder + libc + libgcc",
        [num(sum(maps[b][0][p] for p in ("applier", "decoder", "libc", "libgcc"))) for b in BUILDS])
    row("code bytes: applier without the package front end (raw patches)",
        [num(raw_code(b)) for b in BUILDS])
    row("static RAM (data + bss): applier + decoder + libc",
        [num(sum(maps[b][1][p] for p in ("applier", "decoder", "libc", "libgcc"))) for b in BUILDS])
    scen = (("twobank", "two-bank"), ("hwhash", "two-bank, hardware-like hash driver"),
            ("inplace", "in place (check + apply pass)"), ("full", "full image"),
            ("powercut", "resume after the power cut"), ("patch", "raw patch, two-bank"),
            ("patchhw", "raw patch, hardware-like hash driver"),
            ("zstd", "two-bank, zstd-coded delta"), ("inplacezstd", "in place, zstd-coded delta"))
    for s, label in scen:
        row("peak stack bytes, " + label,
            [num(logs[(b, s)].get("stack_peak")) for b in BUILDS])
    row("deepest stack store (two-bank) made by", [deepest[(b, "twobank")] for b in BUILDS])
    row("deepest stack store (raw patch) made by", [deepest[(b, "patch")] for b in BUILDS])
    for s, label in (("twobank", "delta"), ("patch", "raw patch"), ("zstd", "zstd delta"),
                     ("full", "full image")):
        for key, what in (("zstd_dctx", "ZSTD_estimateDCtxSize()"),
                          ("workspace_header", "stated in the package header"),
                          ("workspace_need", "needed by this build"),
                          ("workspace_rule", "the rule (dfota_pkg_workspace_size_*)")):
            if s != "zstd" and key == "zstd_dctx":
                continue
            row("workspace bytes, %s: %s" % (label, what),
                [num(logs[(b, s)].get(key)) for b in BUILDS])
    for s, label in (("twobank", "two-bank, software SHA-256/MD5"),
                     ("hwhash", "two-bank, hardware-like hash driver"), ("inplace", "in place, both passes"),
                     ("full", "full image"), ("powercut", "resume after the power cut"),
                     ("patch", "raw patch, software SHA-256"),
                     ("patchhw", "raw patch, hardware-like hash driver"),
                     ("zstd", "zstd-coded delta, two-bank"), ("inplacezstd", "zstd-coded delta, in place")):
        row("instructions, " + label, [num(per_kb(b, s)[0]) for b in BUILDS])
        row("instructions per KB of output, " + label, [num(per_kb(b, s)[1]) for b in BUILDS])
    print("\n".join(rows))

    print()
    print("  applier code bytes per object (%s):" % " / ".join(BUILDS))
    for obj in sorted(set().union(*(set(maps[b][2]) for b in BUILDS))):
        print("    %-20s" % obj + "".join(" %8s" % num(maps[b][2].get(obj)) for b in BUILDS))

    for b, s, label in (("normal", "twobank", "two-bank, software hashes"),
                        ("normal", "hwhash", "two-bank, hardware-like hash driver"),
                        ("small", "patch", "raw patch, software SHA-256"),
                        ("small", "patchhw", "raw patch, hardware-like hash driver")):
        prof = profile_by_function(os.path.join(work, b, "fw.elf"),
                                   os.path.join(run, "%s-%s.insn" % (b, s)))
        total = sum(n for _, n in prof)
        target = logs[(b, s)].get("target_bytes")
        if not prof or not target:
            continue
        print()
        print("  where the instructions go, %s (%s build; per KB of output, share):" % (label, b))
        for name, n in prof[:12]:
            print("    %-34s %10s  %5.1f %%" % (name, num(round(n * 1024 / target)), 100.0 * n / total))

    # Workspace: the figures must agree exactly (the firmware fails a run where
    # they do not; this catches a run that printed nothing).
    for b in BUILDS:
        for s in ("twobank", "inplace", "full", "hwhash", "patch", "zstd", "inplacezstd"):
            if s not in RUNS[b]:
                continue
            v = logs[(b, s)]
            figs = [v.get(k) for k in ("workspace_header", "workspace_need", "workspace_rule")]
            if None in figs or len(set(figs)) != 1:
                print("target-check: %s %s: workspace figures disagree or are missing: %s"
                      % (b, s, figs), file=sys.stderr)
                failures += 1

    print()
    print("Budgets (issue 11, item 4; BC25 pair, two-bank):")
    missed = 0

    def budget(label, value, limit):
        nonlocal missed
        if value is None:
            print("  %-60s %10s   not measured" % (label, "-"))
            missed += 1
            return
        if value <= limit:
            verdict = "met (%s under)" % num(limit - value)
        else:
            verdict = "MISSED by %s" % num(value - limit)
            missed += 1
        print("  %-60s %10s   %s" % (label, num(value), verdict))

    for b in ("normal", "lean"):
        budget("peak stack <= 700 B (%s build)" % b, logs[(b, "twobank")].get("stack_peak"), 700)
    budget("applier code without messages <= 9 KB = 9,216 B (lean)", maps["lean"][0]["applier"], 9216)
    for b in ("normal", "lean"):
        budget("instructions/KB <= 120k, software SHA-256 (%s)" % b, per_kb(b, "twobank")[1], 120000)
        budget("instructions/KB <= 60k, hardware-like hash driver (%s)" % b, per_kb(b, "hwhash")[1], 60000)
    for b in ("normal", "lean"):
        v = logs[(b, "twobank")]
        same = v.get("workspace_header") is not None and \
            v.get("workspace_header") == v.get("workspace_need") == v.get("workspace_rule")
        print("  %-60s %10s   %s" % ("workspace as the header states, exactly (%s)" % b,
                                     num(v.get("workspace_need")), "met" if same else "MISSED"))
    print()
    print("Budgets (issue 12, item 3; the small profile: lean, range codec only; BC25 pair):")
    budget("workspace <= 16 KiB = 16,384 B (raw patch, as stated)", logs[("small", "patch")].get("workspace_need"), 16384)
    budget("workspace <= 16 KiB (package, as stated)", logs[("small", "twobank")].get("workspace_need"), 16384)
    budget("applier + decoder + SHA-256 code <= 10 KB = 10,240 B (raw patch)", raw_code("small"), 10240)
    budget("... two banks only (-DDFOTA_IN_PLACE=0)", raw_code("small2bank"), 10240)
    budget("... as linked by a raw-patch-only two-bank firmware", maps["smallraw"][0]["applier"], 10240)
    budget("... with the package front end (container, MD5)", maps["small"][0]["applier"], 10240)
    budget("peak stack <= 512 B (raw patch)", logs[("small", "patch")].get("stack_peak"), 512)
    budget("peak stack <= 512 B (package)", logs[("small", "twobank")].get("stack_peak"), 512)
    budget("instructions/KB <= 100k, software SHA-256 (raw patch)", per_kb("small", "patch")[1], 100000)
    budget("instructions/KB <= 100k, software SHA-256 + MD5 (package)", per_kb("small", "twobank")[1], 100000)
    budget("instructions/KB <= 50k, hardware-like hash driver (raw patch)", per_kb("small", "patchhw")[1], 50000)
    budget("instructions/KB <= 50k, hardware-like hash driver (package)", per_kb("small", "hwhash")[1], 50000)
    if missed and strict:
        failures += 1
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
