#!/usr/bin/env python3
"""Zip reader agreement: crafted zips against dfota and three stock readers.

usage: test_zip_readers.py DFOTA SOURCE_DIR

For every crafted zip, either dfota refuses it (`verify`, and `sign` for an
unsigned zip), or Info-ZIP unzip, Python's zipfile, and bsdtar (reading the
file, and reading it as a stream from a pipe) all extract exactly the
entries dfota verified, byte for byte: the .bin whose SHA-256 dfota reports,
and in a signed zip its .sig. Cases that only stock tools could misread are
expected to be refused (with the status given); baselines (zips made by
dfota, Info-ZIP zip and Python) are expected to pass, so that the test
cannot pass by refusing everything. docs/FORMAT.md, "The zip rule".
"""
import hashlib
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import zipfile
import zlib

DFOTA = os.path.abspath(sys.argv[1])
SRC = os.path.abspath(sys.argv[2])
WORK = tempfile.mkdtemp(prefix="dfota-zip-readers.")
DOCUMENTS = os.path.join(WORK, "json")
os.mkdir(DOCUMENTS)
PASS = "Fota-2024"
NAME = "BC25R01A03_TO_BC25R01A04.bin"
SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141

failures = []


def crc32(data):
    return zlib.crc32(data) & 0xFFFFFFFF


def deflate(data, level=6):
    c = zlib.compressobj(level, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush()


def run(args, stdin=None):
    env = dict(os.environ, DFOTA_PASS=PASS)
    env.pop("SOURCE_DATE_EPOCH", None)
    p = subprocess.run(args, input=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    return p.returncode, p.stdout, p.stderr


# ---- a zip builder in which every field can be set ------------------------

class Entry:
    """One entry; the keyword arguments override what a plain writer would put."""

    def __init__(self, name, content, method=8, **kw):
        self.name = name.encode() if isinstance(name, str) else name
        self.content = content
        self.method = method
        self.data = kw.get("data", deflate(content) if method == 8 else content)
        self.flags = kw.get("flags", 0)
        self.time = kw.get("time", 0x0000)
        self.date = kw.get("date", 0x0021)
        self.version = kw.get("version", 20 if method == 8 else 10)
        self.made_by = kw.get("made_by", 0x0314)
        self.external = kw.get("external", 0o100644 << 16)
        self.internal = kw.get("internal", 0)
        self.extra_local = kw.get("extra_local", b"")
        self.extra_central = kw.get("extra_central", self.extra_local)
        self.comment = kw.get("comment", b"")
        self.crc = kw.get("crc", crc32(content))
        self.size = kw.get("size", len(content))
        self.csize = kw.get("csize", len(self.data))
        self.local_name = kw.get("local_name", self.name)
        self.local_crc = kw.get("local_crc", 0 if self.flags & 8 else self.crc)
        self.local_csize = kw.get("local_csize", 0 if self.flags & 8 else self.csize)
        self.local_size = kw.get("local_size", 0 if self.flags & 8 else self.size)
        self.descriptor = kw.get("descriptor", struct.pack("<IIII", 0x08074B50, self.crc,
                                                           self.csize, self.size)
                                 if self.flags & 8 else b"")

    def local(self):
        return struct.pack("<IHHHHHIIIHH", 0x04034B50, self.version, self.flags, self.method,
                           self.time, self.date, self.local_crc, self.local_csize,
                           self.local_size, len(self.local_name), len(self.extra_local)) + \
            self.local_name + self.extra_local + self.data + self.descriptor

    def central(self, offset):
        return struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, self.made_by, self.version,
                           self.flags, self.method, self.time, self.date, self.crc, self.csize,
                           self.size, len(self.name), len(self.extra_central),
                           len(self.comment), 0, self.internal, self.external, offset) + \
            self.name + self.extra_central + self.comment


def build(entries, comment=b"", base=0, prefix=b"", gaps=None, offsets=None, count=None,
          trailing=b"", before_central=b""):
    """Local entries (with `gaps[i]` after entry i), central directory, end record.

    `base` shifts every offset (an archive placed inside another file);
    `offsets` overrides the local header offsets stated in the directory."""
    gaps = gaps or {}
    body = prefix
    stated = []
    for i, e in enumerate(entries):
        stated.append(base + len(body))
        body += e.local() + gaps.get(i, b"")
    body += before_central
    if offsets is not None:
        stated = offsets
    central = b"".join(e.central(o) for e, o in zip(entries, stated))
    n = len(entries) if count is None else count
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, n, n, len(central), base + len(body),
                      len(comment))
    return body + central + end + comment + trailing


# ---- dfota's layout 2 for a signed zip, written from docs/FORMAT.md -------

def signed_layout(name, content, signature, time=0, date=0x21):
    name = name.encode()
    sig_name = name + b".sig"

    def local(n, data):
        return struct.pack("<IHHHHHIIIHH", 0x04034B50, 10, 0, 0, time, date, crc32(data),
                           len(data), len(data), len(n), 0) + n + data

    def central(n, data, offset):
        return struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 0x0314, 10, 0, 0, time, date,
                           crc32(data), len(data), len(data), len(n), 0, 0, 0, 0,
                           0o100644 << 16, offset) + n

    a = local(name, content)
    b = local(sig_name, signature)
    cd = central(name, content, 0) + central(sig_name, signature, len(a))
    return a + b + cd + struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 2, 2, len(cd),
                                    len(a) + len(b), 0)


def der_integer(v):
    b = v.to_bytes((v.bit_length() + 8) // 8, "big")
    return b"\x02" + bytes([len(b)]) + b


def der_ecdsa(r, s):
    body = der_integer(r) + der_integer(s)
    return b"\x30" + bytes([len(body)]) + body


def parse_der_ecdsa(sig):
    assert sig[0] == 0x30
    pos = 2
    values = []
    for _ in range(2):
        assert sig[pos] == 0x02
        n = sig[pos + 1]
        values.append(int.from_bytes(sig[pos + 2:pos + 2 + n], "big"))
        pos += 2 + n
    return values


# ---- the readers ---------------------------------------------------------

def extracted(directory):
    files = {}
    for root, dirs, names in os.walk(directory):
        for d in dirs:
            files[os.path.relpath(os.path.join(root, d), directory) + "/"] = None
        for n in names:
            path = os.path.join(root, n)
            with open(path, "rb") as f:
                files[os.path.relpath(path, directory)] = f.read()
    return files


def read_unzip(path, out):
    rc, _, err = run(["unzip", "-qq", "-o", path, "-d", out])
    return None if rc != 0 else extracted(out), "exit %d: %s" % (rc, err.decode(errors="replace")[:200])


def read_python(path, out):
    try:
        with zipfile.ZipFile(path) as z:
            z.extractall(out)
    except Exception as e:  # any refusal is a disagreement with an accepting dfota
        return None, repr(e)[:200]
    return extracted(out), ""


def read_bsdtar(path, out):
    rc, _, err = run(["bsdtar", "-xf", path, "-C", out])
    return None if rc != 0 else extracted(out), "exit %d: %s" % (rc, err.decode(errors="replace")[:200])


def read_bsdtar_stream(path, out):
    with open(path, "rb") as f:
        data = f.read()
    rc, _, err = run(["bsdtar", "-xf", "-", "-C", out], stdin=data)
    return None if rc != 0 else extracted(out), "exit %d: %s" % (rc, err.decode(errors="replace")[:200])


READERS = [("unzip", read_unzip), ("python zipfile", read_python), ("bsdtar", read_bsdtar),
           ("bsdtar (stream)", read_bsdtar_stream)]


# ---- one case -------------------------------------------------------------

def dfota_verify(path, pubkey):
    args = [DFOTA, "verify", "--json"] + (["--pubkey", pubkey] if pubkey else []) + [path]
    rc, out, err = run(args)
    # Every document is validated against docs/report.schema.json at the end.
    with open(os.path.join(DOCUMENTS, "verify-%04d.json" % len(os.listdir(DOCUMENTS))), "wb") as f:
        f.write(out)
    try:
        report = json.loads(out.decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as e:
        return rc, None, "verify --json printed invalid JSON (%s): %r" % (e, out[:300])
    return rc, report, err.decode(errors="replace")


def compare_readers(path, case_dir, entry, signed, bin_is_right, what):
    """Every reader must extract exactly `entry` (and its .sig) with a .bin that is right."""
    want = {entry} | ({entry + ".sig"} if signed else set())
    problems = []
    signatures = {}
    for reader, fn in READERS:
        out = os.path.join(case_dir, reader.replace(" ", "_").replace("(", "").replace(")", ""))
        os.mkdir(out)
        files, why = fn(path, out)
        if files is None:
            problems.append("%s cannot read what dfota accepted: %s" % (reader, why))
        elif set(files) != want:
            problems.append("%s extracts %s, dfota verified %s" % (reader, sorted(files),
                                                                  sorted(want)))
        else:
            if not bin_is_right(files[entry]):
                problems.append("%s extracts a %s with SHA-256 %s; %s" % (
                    reader, entry, hashlib.sha256(files[entry]).hexdigest(), what))
            if signed:
                signatures.setdefault(files[entry + ".sig"], []).append(reader)
    if len(signatures) > 1:
        problems.append("readers extract different signatures: %s" % list(signatures.values()))
    return problems


def new_case(data):
    """A directory for the next case, with the file to check in it as X.zip."""
    case_dir = os.path.join(WORK, "case-%03d" % len(results))
    os.mkdir(case_dir)
    path = os.path.join(case_dir, "X.zip")
    with open(path, "wb") as f:
        f.write(data)
    return case_dir, path


def check_case(label, data, expect, signed=False, pubkey=None, status=None, note=None):
    """expect: 'accept' or 'refuse'. status: the refusal's status name."""
    case_dir, path = new_case(data)
    rc, report, detail = dfota_verify(path, pubkey)
    problems = []
    if report is None:
        problems.append(detail)
        accepted = False
    elif report["file"]["kind"] == "package":
        # Not a zip to dfota: then it must not be one to any stock reader either.
        accepted = report["ok"]
        failed_status = (report.get("first_failure") or {}).get("status")
        if accepted:
            for reader, fn in READERS:
                out = os.path.join(case_dir, reader.replace(" ", "_").replace("(", "").replace(")", ""))
                os.mkdir(out)
                files, _ = fn(path, out)
                if files:
                    problems.append("%s extracts %s from a file dfota verified as a bare package"
                                    % (reader, sorted(files)))
            if expect == "refuse":
                problems.append("dfota accepts it as a package")
        elif expect == "refuse" and status and failed_status != status:
            problems.append("refused as %s, expected %s: %s" % (failed_status, status,
                                                                 detail.strip()[:200]))
        elif expect == "accept":
            problems.append("dfota refuses it: %s" % detail.strip()[:300])
    else:
        checks = {c["name"]: c for c in report["checks"]}
        zip_ok = checks["zip"]["result"] == "passed"
        sig_ok = (not signed) or checks["signature"]["result"] == "passed"
        accepted = zip_ok and sig_ok
        failed_status = (report.get("first_failure") or {}).get("status")
        if not signed:
            src, dst = path, os.path.join(case_dir, "X_signed.zip")
            src_rc, _, _ = run([DFOTA, "sign", "--key", KEYS["rsa"][0], "--passin",
                                "env:DFOTA_PASS", src, "-o", dst])
            if (src_rc == 0) != zip_ok:
                problems.append("verify's zip check %s but sign exits %d"
                                % ("passed" if zip_ok else "failed", src_rc))
        if expect == "refuse" and accepted:
            problems.append("dfota accepts it")
        if expect == "refuse" and not accepted and status and failed_status != status:
            problems.append("refused as %s, expected %s: %s" % (
                failed_status, status, detail.strip()[:200]))
        if expect == "accept" and not accepted:
            problems.append("dfota refuses it: %s" % detail.strip()[:300])
        if note and accepted and note not in json.dumps(report):
            problems.append("the report does not say %r" % note)
    if accepted and report["file"]["kind"] != "package":
        digest = report["entry"]["sha256"]
        problems += compare_readers(path, case_dir, report["entry"]["name"], signed,
                                    lambda b: hashlib.sha256(b).hexdigest() == digest,
                                    "dfota verified SHA-256 %s" % digest)
    if not accepted:
        verdict = "refused (%s)" % ((report or {}).get("first_failure") or {}).get("status")
    elif problems:
        verdict = "accepted"
    else:
        verdict = "accepted, and every reader extracts what dfota verified"
    results.append(label)
    if problems:
        failures.append(label)
        print("FAIL %s: %s" % (label, verdict))
        for p in problems:
            print("     - %s" % p)
    else:
        print("ok   %s: %s" % (label, verdict))


results = []


def main():
    global KEYS
    for tool in ("unzip", "bsdtar", "openssl", "zip"):
        if shutil.which(tool) is None:
            print("FAIL: %s is not installed (scripts/install-deps.sh installs it)" % tool)
            sys.exit(1)
    # Two valid packages: the one a user means to ship, and another one (a
    # small full image of the attacker's) that an attacker would hide.
    samples = os.path.join(SRC, "samples")
    pkg = os.path.join(WORK, NAME)
    evil = os.path.join(WORK, "evil.bin")
    evil_image = os.path.join(WORK, "evil-image.bin")
    with open(evil_image, "wb") as f:
        f.write(b"attacker's firmware " * 200)
    for args in (["pack", "--old", samples + "/BC25R01A03.bin", "--new",
                  samples + "/BC25R01A04.bin", "--from-version", "BC25R01A03", "--to-version",
                  "BC25R01A04", "-o", pkg],
                 ["pack", "--full", evil_image, "--to-version", "BC25R01A04", "-o", evil]):
        rc, _, err = run([DFOTA] + args + ["-q"])
        assert rc == 0, err
    content = open(pkg, "rb").read()
    hidden = open(evil, "rb").read()
    KEYS = {}
    for alg, tag in (("rsa2048", "rsa"), ("ecdsa-secp256k1", "ec")):
        d = os.path.join(WORK, tag)
        rc, _, err = run([DFOTA, "keygen", "--alg", alg, "-o", d, "--passout", "env:DFOTA_PASS",
                          "-q"])
        assert rc == 0, err
        KEYS[tag] = (os.path.join(d, "private.pem"), os.path.join(d, "public.pem"))

    # ---- unsigned zips: baselines ----
    rc, _, err = run([DFOTA, "zip", pkg, "-o", os.path.join(WORK, "dfota.zip")])
    assert rc == 0, err
    dfota_zip = open(os.path.join(WORK, "dfota.zip"), "rb").read()
    check_case("dfota zip output (deflate, data descriptor, UT and ux)", dfota_zip, "accept")
    cwd = os.getcwd()
    os.chdir(WORK)
    run(["zip", "-q", "-X", "infozip-plain.zip", NAME])
    run(["zip", "-q", "infozip.zip", NAME])
    run(["bsdtar", "-a", "-cf", "bsdtar.zip", NAME])
    run(["bsdtar", "-a", "-cf", "bsdtar-stored.zip", "--options", "zip:compression=store", NAME])
    os.chdir(cwd)
    check_case("bsdtar -a -cf X.zip (UT with every time in the central directory too)",
               open(os.path.join(WORK, "bsdtar.zip"), "rb").read(), "accept")
    # bsdtar stores with a data descriptor: libarchive's own stream reader then looks for
    # the descriptor inside the data, which a crafted .bin can fake.
    check_case("bsdtar, stored (with a data descriptor)",
               open(os.path.join(WORK, "bsdtar-stored.zip"), "rb").read(), "refuse",
               status="UNSAFE_ZIP")
    check_case("Info-ZIP zip -X", open(os.path.join(WORK, "infozip-plain.zip"), "rb").read(),
               "accept")
    check_case("Info-ZIP zip (UT and ux extra fields)",
               open(os.path.join(WORK, "infozip.zip"), "rb").read(), "accept")
    for method in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        p = os.path.join(WORK, "python%d.zip" % method)
        with zipfile.ZipFile(p, "w", method) as z:
            z.write(pkg, NAME)
        check_case("Python zipfile, method %d" % method, open(p, "rb").read(), "accept")
    check_case("hand-made, stored", build([Entry(NAME, content, 0)]), "accept")
    check_case("hand-made, deflate, descriptor without signature",
               build([Entry(NAME, content, flags=8,
                            descriptor=struct.pack("<III", crc32(content),
                                                   len(deflate(content)), len(content)))]),
               "accept")
    # A fake end record and central directory inside stored data: every
    # reader finds the real end record at the end of the file first.
    fake = build([Entry("fake.bin", b"x" * 64, 0)])
    stored_fake = Entry(NAME, content + fake, 0)
    # (A package with bytes appended is not a valid package, which the container
    # check refuses: this case checks that the zip passes and that readers agree.)
    check_case_zip_only("stored data holding a whole fake zip", build([stored_fake]), content + fake)

    # ---- unsigned zips: what stock readers could read differently ----
    visible = build([Entry(NAME, content, 0)])
    evil_archive = build([Entry(NAME, hidden, 0)], base=len(visible))
    outer = visible[:-2] + struct.pack("<H", len(evil_archive)) + evil_archive
    check_case("archive comment holding a second archive (end record at the end)", outer,
               "refuse", status="UNSAFE_ZIP")
    padded = visible[:-2] + struct.pack("<H", len(evil_archive) + 7) + evil_archive + b"\0" * 7
    check_case("archive comment holding a second archive, then padding", padded, "refuse",
               status="UNSAFE_ZIP")
    check_case("archive comment (plain text)", build([Entry(NAME, content)], comment=b"release"),
               "refuse", status="UNSAFE_ZIP")
    check_case("comment with an end record signature",
               build([Entry(NAME, content)], comment=b"PK\x05\x06" + b"\0" * 18), "refuse",
               status="UNSAFE_ZIP")
    hidden_entry = Entry(NAME, hidden, 0).local()
    check_case("unreferenced local entry in a gap before the central directory",
               build([Entry(NAME, content, 0)], before_central=hidden_entry), "refuse",
               status="UNSAFE_ZIP")
    check_case("unreferenced local entry before the first entry",
               build([Entry(NAME, content, 0)], prefix=hidden_entry), "refuse",
               status="UNSAFE_ZIP")
    check_case("bytes before the first entry, offsets not adjusted (self-extractor style)",
               build([Entry(NAME, content, 0)], prefix=b"MZ" + b"\0" * 62, offsets=[0]),
               "refuse")
    check_case("bytes after the end record", build([Entry(NAME, content)], trailing=b"\0" * 16),
               "refuse", status="UNSAFE_ZIP")
    check_case("local header names another file",
               build([Entry(NAME, content, 0, local_name=b"other.bin")]), "refuse",
               status="BAD_ZIP")
    check_case("local header with other sizes",
               build([Entry(NAME, content, 0, local_size=len(content) - 1,
                            local_csize=len(content) - 1)]), "refuse", status="BAD_ZIP")
    plain = build([Entry(NAME, content)])
    check_case("local header with another time", plain[:10] + b"\x21\x43" + plain[12:],
               "refuse", status="BAD_ZIP")
    check_case("two entries with the same name",
               build([Entry(NAME, content, 0), Entry(NAME, hidden, 0)]), "refuse",
               status="UNSAFE_ZIP")
    check_case("two entries whose names differ in case",
               build([Entry(NAME, content, 0), Entry(NAME.upper(), hidden, 0)]), "refuse",
               status="UNSAFE_ZIP")
    check_case("a directory entry and the .bin", build([Entry("fw/", b"", 0),
                                                        Entry("fw/" + NAME, content, 0)]),
               "refuse", status="ZIP_CONTENT")
    check_case("symbolic link", build([Entry(NAME, b"/etc/passwd", 0,
                                             external=0o120777 << 16)]), "refuse",
               status="ZIP_CONTENT")
    check_case("setuid mode", build([Entry(NAME, content, 0, external=0o104755 << 16)]),
               "refuse", status="UNSAFE_ZIP")
    check_case("traditional encryption flag", build([Entry(NAME, content, 0, flags=1)]),
               "refuse", status="UNSAFE_ZIP")
    check_case("stored with a data descriptor", build([Entry(NAME, content, 0, flags=8)]),
               "refuse", status="UNSAFE_ZIP")
    check_case("descriptor without signature whose CRC-32 is the signature's value",
               build([Entry(NAME, content, flags=8, crc=0x08074B50,
                            descriptor=struct.pack("<III", 0x08074B50, len(deflate(content)),
                                                   len(content)))]), "refuse", status="BAD_ZIP")
    check_case("zip64 extra field", build([Entry(NAME, content, 0, extra_local=struct.pack(
        "<HHQQ", 1, 16, len(content), len(content)))]), "refuse", status="UNSAFE_ZIP")
    check_case("zip64 locator before the end record",
               build([Entry(NAME, content, 0, extra_local=b"", extra_central=struct.pack(
                   "<HH", 0x5455, 16) + b"\x01" + b"PK\x06\x07" + b"\0" * 11)]), "refuse")
    check_case("version needed 4.5 (zip64)", build([Entry(NAME, content, 0, version=45)]),
               "refuse", status="UNSAFE_ZIP")
    check_case("Unicode path extra field with another name",
               build([Entry(NAME, content, 0, extra_local=struct.pack("<HHB", 0x7075, 14, 1) +
                            struct.pack("<I", crc32(NAME.encode())) + b"evil.bin\0")]),
               "refuse", status="UNSAFE_ZIP")
    check_case("unknown extra field", build([Entry(NAME, content, 0, extra_local=struct.pack(
        "<HH", 0xCAFE, 4) + b"data")]), "refuse", status="UNSAFE_ZIP")
    check_case("extra fields that differ between local header and directory",
               build([Entry(NAME, content, 0,
                            extra_local=struct.pack("<HHB I", 0x5455, 5, 1, 1),
                            extra_central=struct.pack("<HHB I", 0x5455, 5, 1, 2))]), "refuse",
               status="BAD_ZIP")
    check_case("entry comment", build([Entry(NAME, content, 0, comment=b"hello")]), "refuse",
               status="UNSAFE_ZIP")
    check_case("name in CP437/UTF-8 (non-ASCII, no flag)",
               build([Entry("fw\xe9.bin".encode("latin-1"), content, 0)]), "refuse",
               status="UNSAFE_ZIP")
    check_case("UTF-8 name with a right-to-left override",
               build([Entry("fw\u202enib.exe.bin".encode(), content, 0, flags=0x800)]),
               "refuse", status="UNSAFE_ZIP")
    check_case("deflate stream followed by junk inside its size",
               build([Entry(NAME, content, data=deflate(content) + b"PK\x03\x04junk")]),
               "refuse", status="BAD_ZIP")
    two = build([Entry(NAME, content, 0), Entry("b.bin", hidden, 0)])
    check_case("two directory entries pointing at one local header",
               build([Entry(NAME, content, 0), Entry("b.bin", content, 0)], offsets=[0, 0]),
               "refuse")
    check_case("a second .bin", two, "refuse", status="ZIP_CONTENT")

    # ---- a package that is also a zip: dfota must not verify it as a package ----
    header_size = struct.unpack("<I", content[12:16])[0]
    tlvs, payload = content[16:header_size - 4], content[header_size:]
    crc = crc32(hidden)
    base = 16 + len(tlvs) + 4  # where the unknown field's value starts
    local = struct.pack("<IHHHHHIIIHH", 0x04034B50, 10, 0, 0, 0, 0x21, crc, len(hidden),
                        len(hidden), len(NAME), 0) + NAME.encode() + hidden
    central = struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 0x0314, 10, 0, 0, 0, 0x21, crc,
                          len(hidden), len(hidden), len(NAME), 0, 0, 0, 0, 0o100644 << 16,
                          base) + NAME.encode()
    value_size = len(local) + len(central) + 22
    total = base + value_size + len(payload)
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 1, 1, len(central), base + len(local),
                      total - (base + value_size))
    field = struct.pack("<HH", 0x0F00, value_size) + local + central + end  # optional TLV
    head = bytearray(content[:16]) + tlvs + field
    head[12:16] = struct.pack("<I", len(head) + 4)
    head += struct.pack("<I", crc32(bytes(head)))
    check_case("a valid package whose unknown header field holds a zip of another .bin",
               bytes(head) + payload, "refuse", status="UNSAFE_ZIP")
    # A full image that ends with a zip: zstd stores incompressible bytes as they are,
    # so the package would end with the zip too. dfota pack refuses to write it
    # (test_packer.c builds such a package through the library and checks that
    # dfota_package_open() and dfota_verify() refuse it).
    image = os.path.join(WORK, "zip-at-the-end.bin")
    with open(image, "wb") as f:
        f.write(os.urandom(100000) + build([Entry(NAME, content)]))
    rc, _, err = run([DFOTA, "pack", "--full", image, "--to-version", "EVIL1", "-o",
                      os.path.join(WORK, "zip-at-the-end.pkg")])
    label = "pack --full of an image that ends with a zip"
    results.append(label)
    if rc == 0 or b"also a zip" not in err:
        failures.append(label)
        print("FAIL %s: exit %d: %s" % (label, rc, err.decode(errors="replace")[:200]))
    else:
        print("ok   %s: refused (the package would also be a zip)" % label)

    # ---- signed zips ----
    for tag in ("rsa", "ec"):
        rc, _, err = run([DFOTA, "sign", "--key", KEYS[tag][0], "--passin", "env:DFOTA_PASS",
                          os.path.join(WORK, "dfota.zip"), "-o",
                          os.path.join(WORK, "signed-%s.zip" % tag)])
        assert rc == 0, err
    signed = open(os.path.join(WORK, "signed-rsa.zip"), "rb").read()
    pub = KEYS["rsa"][1]
    check_case("dfota signed zip (RSA)", signed, "accept", signed=True, pubkey=pub,
               note="not authenticated")
    with zipfile.ZipFile(os.path.join(WORK, "signed-rsa.zip")) as z:
        signature = z.read(NAME + ".sig")
    check_case("layout 2 written from docs/FORMAT.md", signed_layout(NAME, content, signature),
               "accept", signed=True, pubkey=pub)
    assert signed_layout(NAME, content, signature) == signed, \
        "docs/FORMAT.md's layout and dfota's signed zip differ"
    check_case("signed zip with another entry time (checked, not authenticated)",
               signed_layout(NAME, content, signature, time=0x6000, date=0x5A21), "accept",
               signed=True, pubkey=pub, note="not authenticated")
    # Layout 1 of dfota 0.1: the deflated entry of X.zip copied, then the signature.
    old = Entry(NAME, content)
    sig = Entry(NAME + ".sig", signature, 0)
    check_case("the payload deflated (an equivalent encoding of the signed content)",
               build([old, sig]), "refuse", signed=True, pubkey=pub, status="BAD_ZIP")
    check_case("the payload deflated at another level",
               build([Entry(NAME, content, data=deflate(content, 1)), sig]), "refuse",
               signed=True, pubkey=pub, status="BAD_ZIP")
    check_case("the payload with a UT extra field",
               build([Entry(NAME, content, 0, extra_local=struct.pack("<HHBI", 0x5455, 5, 1, 7)),
                      sig]), "refuse", signed=True, pubkey=pub, status="BAD_ZIP")
    check_case("the payload with the UTF-8 flag",
               build([Entry(NAME, content, 0, flags=0x800), sig]), "refuse", signed=True,
               pubkey=pub, status="BAD_ZIP")
    check_case("the payload as mode 0755",
               build([Entry(NAME, content, 0, external=0o100755 << 16), sig]), "refuse",
               signed=True, pubkey=pub, status="BAD_ZIP")
    check_case("the payload with an owner (ux uid 1000)",
               build([Entry(NAME, content, 0, extra_local=struct.pack("<HHBBIBI", 0x7875, 11, 1,
                                                                      4, 1000, 4, 1000)), sig]),
               "refuse", signed=True, pubkey=pub, status="BAD_ZIP")
    check_case("signed zip with a comment holding another signed zip",
               signed[:-2] + struct.pack("<H", len(signed)) + signed, "refuse", signed=True,
               pubkey=pub, status="UNSAFE_ZIP")
    ec = open(os.path.join(WORK, "signed-ec.zip"), "rb").read()
    with zipfile.ZipFile(os.path.join(WORK, "signed-ec.zip")) as z:
        ec_sig = z.read(NAME + ".sig")
    r, s = parse_der_ecdsa(ec_sig)
    assert s <= SECP256K1_N // 2, "dfota signed with a high S"
    check_case("dfota signed zip (ECDSA, low S)", ec, "accept", signed=True, pubkey=KEYS["ec"][1])
    twin = der_ecdsa(r, SECP256K1_N - s)
    # The twin is a valid signature for stock OpenSSL: that is the malleability.
    with open(os.path.join(WORK, "twin.sig"), "wb") as f:
        f.write(twin)
    rc, out, _ = run(["openssl", "dgst", "-sha256", "-verify", KEYS["ec"][1], "-signature",
                      os.path.join(WORK, "twin.sig"), pkg])
    assert rc == 0 and b"Verified OK" in out, "openssl should accept the high-S twin"
    check_case("ECDSA high-S twin of a valid signature", signed_layout(NAME, content, twin),
               "refuse", signed=True, pubkey=KEYS["ec"][1], status="BAD_SIGNATURE")

    documents = sorted(os.listdir(DOCUMENTS))
    schema_args = [sys.executable, os.path.join(SRC, "tests", "schema", "validate.py"),
                   os.path.join(SRC, "docs", "report.schema.json")]
    for name in documents:
        schema_args += ["--as", "verify", os.path.join(DOCUMENTS, name)]
    rc, out, err = run(schema_args)
    results.append("every verify --json document follows docs/report.schema.json")
    if rc != 0 or not documents:
        failures.append(results[-1])
        print("FAIL %s:\n%s%s" % (results[-1], out.decode(errors="replace"),
                                   err.decode(errors="replace")))
    else:
        print("ok   %s" % out.decode(errors="replace").strip())
    print("%d cases, %d failed" % (len(results), len(failures)))
    shutil.rmtree(WORK, ignore_errors=True)
    sys.exit(1 if failures else 0)


def check_case_zip_only(label, data, content):
    """A zip whose .bin is not a package: only the zip check and the readers matter."""
    case_dir, path = new_case(data)
    rc, report, detail = dfota_verify(path, None)
    problems = []
    if report is None:
        problems.append(detail)
    else:
        checks = {c["name"]: c for c in report["checks"]}
        if checks["zip"]["result"] != "passed":
            problems.append("dfota refuses the zip: %s" % checks["zip"]["detail"])
        else:
            problems += compare_readers(path, case_dir, NAME, False, lambda b: b == content,
                                        "the zip holds another")
    results.append(label)
    if problems:
        failures.append(label)
        print("FAIL %s" % label)
        for p in problems:
            print("     - %s" % p)
    else:
        print("ok   %s: the zip is accepted and every reader extracts the same .bin" % label)


if __name__ == "__main__":
    main()
