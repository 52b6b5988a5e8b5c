#!/usr/bin/env python3
"""`dfota module` driven like an MCU drives a module: AT commands on the
module's pseudo-terminal, against real servers on loopback (servers.py:
nginx over HTTP and HTTPS, pyftpdlib, a misbehaving HTTP server). Every
case asserts the whole transcript: the answer, every URC, every code.

usage: test_module.py DFOTA SOURCE_DIR
"""
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import termios
import time
import tty

DFOTA, SRC = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
sys.path.insert(0, os.path.join(SRC, "tests", "module"))
import servers  # noqa: E402

servers.require("nginx", "openssl", "pyftpdlib")

OLD = os.path.join(SRC, "samples", "BC25R01A03.bin")
NEW = os.path.join(SRC, "samples", "BC25R01A04.bin")
passed = failed = 0


def ok(name):
    global passed
    passed += 1


def fail(name, detail):
    global failed
    failed += 1
    print(f"FAIL: {name}\n{detail}")


def check(name, got, want):
    if got == want:
        ok(name)
        return True
    lines = [f"  got  ({len(got)} lines):"] + [f"    {x}" for x in got[:400]]
    lines += [f"  want ({len(want)} lines):"] + [f"    {x}" for x in want[:400]]
    for i, (g, w) in enumerate(zip(got, want)):
        if g != w:
            lines.append(f"  first difference at line {i + 1}: {g!r} != {w!r}")
            break
    fail(name, "\n".join(lines))
    return False


class Module:
    """One `dfota module --pty LINK` process and the line to it."""

    def __init__(self, work, model, state, image=OLD, extra=(), name="module"):
        self.link = os.path.join(work, f"{name}.tty")
        args = [DFOTA, "module", "--model", model, "--state", state, "--pty", self.link,
                "--timeout", "3"]
        if image:
            args += ["--image", image]
        args += list(extra)
        # libcurl follows *_proxy variables: the servers are on loopback, never behind one.
        env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
        self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                     env=env)
        deadline = time.time() + 10
        while not os.path.exists(self.link):
            if self.proc.poll() is not None or time.time() > deadline:
                raise RuntimeError(f"dfota module did not start: {self.proc.stderr.read()!r}")
            time.sleep(0.02)
        # Raw, without flushing what the module said at boot (an MCU on the line hears it).
        self.fd = os.open(self.link, os.O_RDWR | os.O_NOCTTY)
        tty.setraw(self.fd, termios.TCSANOW)
        self.pending = b""

    def lines(self, until, timeout=30.0):
        """Lines (without CR LF, empty ones dropped) until `until(line)` is true."""
        got = []
        deadline = time.time() + timeout
        while True:
            while b"\r\n" in self.pending:
                line, self.pending = self.pending.split(b"\r\n", 1)
                # An echoed command ends with its own <CR>, before the answer's <CR><LF>.
                line = line.strip(b"\r")
                if line:
                    got.append(line.decode("ascii", "replace"))
                    if until(got[-1]):
                        return got
            left = deadline - time.time()
            if left <= 0:
                got.append("<timeout>")
                return got
            r, _, _ = select.select([self.fd], [], [], min(left, 0.5))
            if r:
                try:
                    data = os.read(self.fd, 4096)
                except OSError:
                    data = b""
                if not data:
                    got.append("<closed>")
                    return got
                self.pending += data
            elif self.proc.poll() is not None and not self.pending:
                got.append(f"<exit {self.proc.returncode}>")
                return got

    def at(self, command, until=None, timeout=30.0):
        os.write(self.fd, command.encode() + b"\r")
        return self.lines(until or final, timeout)

    def quiet_line(self, seconds=0.5):
        """Nothing more is said within `seconds`."""
        r, _, _ = select.select([self.fd], [], [], seconds)
        return not r and not self.pending

    def stop(self, sig=signal.SIGTERM):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        self.proc.wait(timeout=10)
        os.close(self.fd)
        return self.proc.returncode

    def wait(self, timeout=10):
        self.proc.wait(timeout=timeout)
        os.close(self.fd)
        return self.proc.returncode


def final(line):
    return (line in ("OK", "ERROR", "RDY") or line.startswith("+CME ERROR:") or
            line == "010003")


def flow_end(line):
    """The end of an AT+QFOTADL flow: RDY after a good update, or an error."""
    if line in ("RDY", "ERROR") or line.startswith("+CME ERROR:"):
        return True
    if line.startswith('+QIND: "FOTA","END",') and not line.endswith(",0"):
        return True
    for end in ("HTTPEND", "FTPEND"):
        if line.startswith(f'+QIND: "FOTA","{end}",') and not line.endswith(",0"):
            return True
    return False


def flow_end_file(line):
    return line.startswith('+QIND: "FOTA","FILEEND",') or flow_end(line)


def http_end(line):
    """The end of AT+QFOTADL=2: HTTPEND, whatever its code."""
    return line.startswith('+QIND: "FOTA","HTTPEND",') or flow_end(line)


def second_rdy():
    """Until the second RDY (upgrade mode 0: the reboot, then the updated firmware's)."""
    seen = []

    def until(line):
        if line == "RDY":
            seen.append(line)
        return len(seen) == 2 or (line != "RDY" and flow_end(line))
    return until


def qind(*parts):
    return "+QIND: " + ",".join(f'"{p}"' if isinstance(p, str) else str(p) for p in parts)


def bc_percents(kind):
    return [f'+QIND: "FOTA","{kind}",{k}%' for k in range(1, 101)]


def ec_steps(kind, n):
    return [qind("FOTA", kind, k) for k in range(1, n + 1)]


def ec_update(n, steps=None):
    """EC200x START, UPDATING x n, END,0, RDY."""
    return [qind("FOTA", "START")] + ec_steps("UPDATING", n) + [qind("FOTA", "END", 0), "RDY"]


def bc_update():
    return [qind("FOTA", "START")] + bc_percents("UPDATING") + [qind("FOTA", "END", 0), "RDY"]


def ati(model, revision):
    return ["Quectel", model, f"Revision: {revision}", "OK"]


def run(*args):
    r = subprocess.run([DFOTA, *args], stdin=subprocess.DEVNULL, capture_output=True)
    if r.returncode != 0:
        raise RuntimeError(f"dfota {' '.join(args)}: {r.stderr.decode()}")


def main():
    work = tempfile.mkdtemp(prefix="dfota-module-")
    www = os.path.join(work, "www")
    os.mkdir(www)
    try:
        # The packages: a delta (two-bank), an in-place delta, a full image
        # (EC200T), a corrupted one, and one for another source version.
        delta = os.path.join(www, "BC25R01A03_TO_BC25R01A04.bin")
        run("pack", "--old", OLD, "--new", NEW, "-o", delta, "-q")
        run("pack", "--old", OLD, "--new", NEW, "--in-place", "-o",
            os.path.join(www, "inplace.bin"), "-q")
        run("pack", "--full", NEW, "-o", os.path.join(www, "full.bin"), "-q")
        data = bytearray(open(delta, "rb").read())
        data[-100] ^= 0x40
        open(os.path.join(www, "corrupt.bin"), "wb").write(data)
        other = bytearray(open(OLD, "rb").read())
        i = other.find(b"BC25R01A03")
        other[i:i + 10] = b"BC25R01A02"
        other[5000] ^= 0xFF
        open(os.path.join(work, "A02.bin"), "wb").write(other)
        run("pack", "--old", os.path.join(work, "A02.bin"), "--new", NEW, "-o",
            os.path.join(www, "other.bin"), "-q")
        open(os.path.join(www, "mcu.bin"), "wb").write(bytes(range(256)) * 40)

        with servers.Nginx(www) as web, servers.Ftp(www, "fota", "s3cret") as ftp:
            cases(work, www, web, ftp)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


def fresh(work, name):
    d = os.path.join(work, name)
    shutil.rmtree(d, ignore_errors=True)
    return d


def cases(work, www, web, ftp):
    url = web.url("BC25R01A03_TO_BC25R01A04.bin")
    down = f"http://127.0.0.1:{servers.down_port()}/x.bin"

    # --- the command line: no --state, so bc25.state here ---
    r = subprocess.run([DFOTA, "module", "--model", "bc25", "--image", OLD, "--stdio", "-q"],
                       cwd=work, input=b"ATE0\rATI\r", capture_output=True, timeout=20)
    check("no --state: the state is MODEL.state in the current directory",
          [r.returncode, r.stdout.decode().split("\r\n"), os.path.isdir(os.path.join(work, "bc25.state"))],
          [0, ["ATE0\r", "OK", "", "Quectel", "BC25", "Revision: BC25R01A03", "", "OK", ""], True])
    r = subprocess.run([DFOTA, "module", "--model", "bc26", "--stdio"], cwd=work,
                       stdin=subprocess.DEVNULL, capture_output=True, timeout=20)
    check("an unknown model", [r.returncode, r.stderr.decode().splitlines()[:1]],
          [2, ["dfota module: unknown model 'bc26' (bc25, bc32, ec200s, ec200t, ec600s, eg912y) (INVALID_ARGUMENT)"]])
    r = subprocess.run([DFOTA, "module", "--model", "ec200s", "--state", os.path.join(work, "bc25.state"),
                        "--stdio"], cwd=work, stdin=subprocess.DEVNULL, capture_output=True, timeout=20)
    check("a state of another model", [r.returncode, "is the state of a bc25 module, not of a ec200s" in r.stderr.decode()],
          [2, True])

    # --- docs/MODULE.md's Python example, run as shown (the URL's port is nginx's) ---
    doc = open(os.path.join(SRC, "docs", "MODULE.md")).read()
    example = doc.split("```python\n", 1)[1].split("```", 1)[0]
    exdir = os.path.join(work, "example")
    os.mkdir(exdir)
    open(os.path.join(exdir, "example.py"), "w").write(
        example.replace("127.0.0.1:8080/", f"127.0.0.1:{web.http_port}/"))
    m = Module(exdir, "bc25", fresh(work, "example.state"), name="bc25")
    os.close(m.fd)
    r = subprocess.run([sys.executable, "example.py"], cwd=exdir, capture_output=True, timeout=60)
    out = r.stdout.decode().splitlines()
    check("docs/MODULE.md's Python example", [r.returncode, out[0], out[-2:]],
          [0, "['Quectel', 'BC25', 'Revision: BC25R01A03', 'OK']",
           ["RDY", "['Quectel', 'BC25', 'Revision: BC25R01A04', 'OK']"]])
    m.proc.send_signal(signal.SIGTERM)
    m.proc.wait(timeout=10)

    # --- BC25: the basics, then the HTTP form end to end ---
    m = Module(work, "bc25", fresh(work, "bc25"))
    check("bc25: ATE0 (echoed once, then no echo)", m.at("ATE0"), ["ATE0", "OK"])
    check("bc25: AT", m.at("AT"), ["OK"])
    check("bc25: at (lower case)", m.at("at"), ["OK"])
    check("bc25: ATI", m.at("ATI"), ati("BC25", "BC25R01A03"))
    check("bc25: AT+QFOTADL=?", m.at("AT+QFOTADL=?"), ["OK"])
    check("bc25: unknown command", m.at("AT+NOPE"), ["ERROR"])
    check("bc25: not an AT line", m.at("hello"), ["ERROR"])
    check("bc25: AT+QFLST, empty", m.at("AT+QFLST"), ["OK"])
    check("bc25: HTTP update, the guide's sequence", m.at(f'AT+QFOTADL="{url}"', flow_end),
          ["OK", qind("FOTA", "HTTPSTART")] + bc_percents("DOWNLOADING") +
          [qind("FOTA", "HTTPEND", 0)] + bc_update())
    check("bc25: ATI after the update", m.at("ATI"), ati("BC25", "BC25R01A04"))
    check("bc25: fota.pack removed after the update", m.at("AT+QFLST"), ["OK"])
    m.stop()

    # --- BC25: errors of the HTTP form ---
    m = Module(work, "bc25", fresh(work, "bc25e"), extra=["--ufs-size", "1000"])
    m.at("ATE0")
    check("bc25: a URL that is not http://", m.at('AT+QFOTADL="ftp://a:b@h/x.bin"'),
          ["+CME ERROR: 6501"])
    check("bc25: a URL over 511 bytes",
          m.at('AT+QFOTADL="http://127.0.0.1/' + "a" * 500 + '"'), ["+CME ERROR: 6501"])
    check("bc25: port 0", m.at('AT+QFOTADL="http://127.0.0.1:0/x.bin"'), ["+CME ERROR: 6501"])
    check("bc25: port 65536", m.at('AT+QFOTADL="http://127.0.0.1:65536/x.bin"'),
          ["+CME ERROR: 6501"])
    check("bc25: full UFS (6502)", m.at(f'AT+QFOTADL="{url}"', flow_end),
          ["OK", qind("FOTA", "HTTPSTART"), qind("FOTA", "HTTPEND", 6502)])
    m.stop()
    m = Module(work, "bc25", fresh(work, "bc25f"))
    m.at("ATE0")
    check("bc25: server down (6503)", m.at(f'AT+QFOTADL="{down}"', flow_end),
          ["OK", qind("FOTA", "HTTPSTART"), qind("FOTA", "HTTPEND", 6503)])
    check("bc25: 404 (6504)", m.at(f'AT+QFOTADL="{web.url("missing.bin")}"', flow_end),
          ["OK", qind("FOTA", "HTTPSTART"), qind("FOTA", "HTTPEND", 6504)])
    with servers.Misbehaving("stall", open(os.path.join(www, "corrupt.bin"), "rb").read(),
                             sent=100, seconds=20) as bad:
        t0 = time.time()
        got = m.at(f'AT+QFOTADL="{bad.url()}"', flow_end, timeout=15)
        check("bc25: stalled server (timeout, 6503)", [x for x in got if "DOWNLOADING" not in x],
              ["OK", qind("FOTA", "HTTPSTART"), qind("FOTA", "HTTPEND", 6503)])
        if time.time() - t0 > 10:
            fail("bc25: stalled server: --timeout 3 applies", f"{time.time() - t0:.1f} s")
    with servers.Misbehaving("truncate", open(delta_path(www), "rb").read(), sent=500) as bad:
        got = m.at(f'AT+QFOTADL="{bad.url()}"', flow_end)
        check("bc25: truncated body (6503)", [x for x in got if "DOWNLOADING" not in x],
              ["OK", qind("FOTA", "HTTPSTART"), qind("FOTA", "HTTPEND", 6503)])
    check("bc25: corrupted package (6507), refused before any flash write",
          m.at(f'AT+QFOTADL="{web.url("corrupt.bin")}"', flow_end),
          ["OK", qind("FOTA", "HTTPSTART")] + bc_percents("DOWNLOADING") +
          [qind("FOTA", "HTTPEND", 6507)])
    check("bc25: a package for another source version (6507)",
          m.at(f'AT+QFOTADL="{web.url("other.bin")}"', flow_end),
          ["OK", qind("FOTA", "HTTPSTART")] + bc_percents("DOWNLOADING") +
          [qind("FOTA", "HTTPEND", 6507)])
    check("bc25: still the old firmware", m.at("ATI"), ati("BC25", "BC25R01A03"))
    if os.path.exists(os.path.join(work, "bc25f", "flash.bin")):
        fail("bc25: no device flash after refused packages", "flash.bin exists")
    else:
        ok("bc25: no device flash after refused packages")

    # --- BC25: AT+QFOTADL=2 (MCU files) and =1 (local upgrade) ---
    check("bc25: =2, name from the URL",
          m.at(f'AT+QFOTADL=2,"{web.url("mcu.bin")}"', http_end),
          ["OK", qind("FOTA", "HTTPSTART")] + bc_percents("DOWNLOADING") +
          [qind("FOTA", "HTTPEND", 0)])
    check("bc25: =2 with a name",
          m.at(f'AT+QFOTADL=2,"{web.url("mcu.bin")}","app_v2.bin"', http_end)[-1:],
          [qind("FOTA", "HTTPEND", 0)])
    check("bc25: =2, illegal characters: mcu_update.bin",
          m.at(f'AT+QFOTADL=2,"{web.url("mcu.bin")}","a b*c"', http_end)[-1:],
          [qind("FOTA", "HTTPEND", 0)])
    check("bc25: =2, a name over 63 bytes", m.at(
        f'AT+QFOTADL=2,"{web.url("mcu.bin")}","{"n" * 64}"'), ["+CME ERROR: 6501"])
    check("bc25: AT+QFLST lists the files", m.at("AT+QFLST"),
          ['+QFLST: "app_v2.bin",10240', '+QFLST: "mcu.bin",10240',
           '+QFLST: "mcu_update.bin",10240', "OK"])
    check("bc25: =1 without fota.pack (6506)", m.at("AT+QFOTADL=1"), ["+CME ERROR: 6506"])
    m.stop()
    size = os.path.getsize(delta_path(www))
    m = Module(work, "bc25", fresh(work, "bc25l"),
               extra=["--ufs-import", f"{delta_path(www)}:fota.pack"])
    m.at("ATE0")
    check("bc25: AT+QFLST as in the guide", m.at("AT+QFLST"),
          [f'+QFLST: "fota.pack",{size}', "OK"])
    check("bc25: =1, local upgrade", m.at("AT+QFOTADL=1", flow_end), ["OK"] + bc_update())
    check("bc25: =1, ATI", m.at("ATI"), ati("BC25", "BC25R01A04"))
    m.stop()
    m = Module(work, "bc25", fresh(work, "bc25c"),
               extra=["--ufs-import", f"{os.path.join(www, 'corrupt.bin')}:fota.pack"])
    m.at("ATE0")
    check("bc25: =1 with a corrupted fota.pack (6507)", m.at("AT+QFOTADL=1"),
          ["+CME ERROR: 6507"])
    m.stop()

    # --- BC32 (same forms) ---
    m = Module(work, "bc32", fresh(work, "bc32"))
    m.at("ATE0")
    check("bc32: ATI", m.at("ATI"), ati("BC32", "BC25R01A03"))
    check("bc32: HTTP update", m.at(f'AT+QFOTADL="{url}"', flow_end)[-3:],
          ['+QIND: "FOTA","UPDATING",100%', qind("FOTA", "END", 0), "RDY"])
    m.stop()

    # --- EC200S / EC600S / EG912Y: FTP, HTTP, HTTPS, URC counts, modes ---
    for model in ("ec200s", "ec600s", "eg912y"):
        m = Module(work, model, fresh(work, model), extra=["--ca-file", web.ca_file])
        m.at("ATE0")
        check(f"{model}: AT+QFOTADL=?", m.at("AT+QFOTADL=?"),
              ["+QFOTADL: <url>,(0,1),(0,5-100)", "OK"])
        check(f"{model}: FTP, mode 1, 50 download URCs (the guide's example)",
              m.at(f'AT+QFOTADL="{ftp.url("BC25R01A03_TO_BC25R01A04.bin", "fota", "s3cret")}",1,50',
                   flow_end),
              ["OK", qind("FOTA", "FTPSTART")] + ec_steps("DOWNLOADING", 50) +
              [qind("FOTA", "FTPEND", 0)] + ec_update(100))
        check(f"{model}: ATI", m.at("ATI"), ati(model.upper(), "BC25R01A04"))
        m.stop()
    m = Module(work, "ec200s", fresh(work, "ec200s-h"), extra=["--ca-file", web.ca_file])
    m.at("ATE0")
    for n in (0, 5, 100):
        st = fresh(work, f"ec-n{n}")
        m2 = Module(work, "ec200s", st, extra=["--ca-file", web.ca_file], name=f"n{n}")
        m2.at("ATE0")
        check(f"ec200s: HTTPS, {n} download URCs",
              m2.at(f'AT+QFOTADL="{web.url("BC25R01A03_TO_BC25R01A04.bin", https=True)}",1,{n}',
                    flow_end),
              ["OK", qind("FOTA", "HTTPSTART")] + ec_steps("DOWNLOADING", n) +
              [qind("FOTA", "HTTPEND", 0)] + ec_update(100))
        m2.stop()
    check("ec200s: a 4th parameter (update_URC_max is EC200T's)",
          m.at(f'AT+QFOTADL="{url}",1,5,5'), ["ERROR"])
    check("ec200s: download_URC_max 3", m.at(f'AT+QFOTADL="{url}",1,3'), ["ERROR"])
    check("ec200s: mode 2", m.at(f'AT+QFOTADL="{url}",2'), ["ERROR"])
    check("ec200s: a URL over 255 bytes", m.at('AT+QFOTADL="http://127.0.0.1/' + "a" * 240 + '"'),
          ["ERROR"])
    check("ec200s: an FTP file outside the root",
          m.at('AT+QFOTADL="ftp://fota:s3cret@127.0.0.1/dir/x.bin"'), ["ERROR"])
    check("ec200s: an FTP user over 50 bytes",
          m.at(f'AT+QFOTADL="ftp://{"u" * 51}:p@127.0.0.1/x.bin"'), ["ERROR"])
    m3 = Module(work, "ec200s", fresh(work, "ec-noca"), name="noca")
    m3.at("ATE0")
    check("ec200s: HTTPS from a server the module does not trust (701)",
          m3.at(f'AT+QFOTADL="{web.url("BC25R01A03_TO_BC25R01A04.bin", https=True)}",1,5',
                flow_end), ["OK", qind("FOTA", "HTTPSTART"), qind("FOTA", "HTTPEND", 701)])
    m3.stop()
    check("ec200s: server down (716)", m.at(f'AT+QFOTADL="{down}",1,5', flow_end),
          ["OK", qind("FOTA", "HTTPSTART"), qind("FOTA", "HTTPEND", 716)])
    check("ec200s: 404 (723)", m.at(f'AT+QFOTADL="{web.url("missing.bin")}",1,5', flow_end),
          ["OK", qind("FOTA", "HTTPSTART"), qind("FOTA", "HTTPEND", 723)])
    check("ec200s: FTP, wrong password (625)",
          m.at(f'AT+QFOTADL="{ftp.url("BC25R01A03_TO_BC25R01A04.bin", "fota", "wrong")}"',
               flow_end), ["OK", qind("FOTA", "FTPSTART"), qind("FOTA", "FTPEND", 625)])
    check("ec200s: FTP, no such file (627)",
          m.at(f'AT+QFOTADL="{ftp.url("missing.bin", "fota", "s3cret")}"', flow_end),
          ["OK", qind("FOTA", "FTPSTART"), qind("FOTA", "FTPEND", 627)])
    check("ec200s: FTP, server down (605)",
          m.at(f'AT+QFOTADL="ftp://fota:s3cret@127.0.0.1:{servers.down_port()}/x.bin"',
               flow_end), ["OK", qind("FOTA", "FTPSTART"), qind("FOTA", "FTPEND", 605)])
    with servers.Misbehaving("stall", open(delta_path(www), "rb").read(), sent=100,
                             seconds=20) as bad:
        check("ec200s: stalled server (722)", m.at(f'AT+QFOTADL="{bad.url()}",1,0', flow_end,
                                                     timeout=15),
              ["OK", qind("FOTA", "HTTPSTART"), qind("FOTA", "HTTPEND", 722)])
    with servers.Misbehaving("truncate", open(delta_path(www), "rb").read(), sent=500) as bad:
        check("ec200s: truncated body (719)", m.at(f'AT+QFOTADL="{bad.url()}",1,0', flow_end),
              ["OK", qind("FOTA", "HTTPSTART"), qind("FOTA", "HTTPEND", 719)])
    check("ec200s: corrupted package: END,506 before any flash write",
          m.at(f'AT+QFOTADL="{web.url("corrupt.bin")}",1,0', flow_end),
          ["OK", qind("FOTA", "HTTPSTART"), qind("FOTA", "HTTPEND", 0), qind("FOTA", "START"),
           qind("FOTA", "END", 506)])
    check("ec200s: a package for another source version: END,504",
          m.at(f'AT+QFOTADL="{web.url("other.bin")}",1,0', flow_end),
          ["OK", qind("FOTA", "HTTPSTART"), qind("FOTA", "HTTPEND", 0), qind("FOTA", "START"),
           qind("FOTA", "END", 504)])
    check("ec200s: a full image (EC200T's) is refused: END,504",
          m.at(f'AT+QFOTADL="{web.url("full.bin")}",1,0', flow_end),
          ["OK", qind("FOTA", "HTTPSTART"), qind("FOTA", "HTTPEND", 0), qind("FOTA", "START"),
           qind("FOTA", "END", 504)])
    check("ec200s: no device flash, no accepted package after the refusals",
          [os.path.exists(os.path.join(work, "ec200s-h", f)) for f in ("flash.bin", "update.pack")],
          [False, False])
    check("ec200s: mode 0: reboot, then the update at boot",
          m.at(f'AT+QFOTADL="{url}",0,5', second_rdy()),
          ["OK", qind("FOTA", "HTTPSTART")] + ec_steps("DOWNLOADING", 5) +
          [qind("FOTA", "HTTPEND", 0), "RDY"] + ec_update(100))
    check("ec200s: ATI after mode 0", m.at("ATI"), ati("EC200S", "BC25R01A04"))
    m.stop()

    # --- EC200x "FILE:<length>": the package over the line itself ---
    pkg = open(delta_path(www), "rb").read()
    m = Module(work, "ec200s", fresh(work, "ec-file"), name="file")
    m.at("ATE0")
    filestart = lambda x: x in (qind("FOTA", "FILESTART"), "ERROR")  # noqa: E731
    check("ec200s: AT+IFC=2,2 (hardware flow control)", m.at("AT+IFC=2,2"), ["OK"])
    check("ec200s: AT+IFC?", m.at("AT+IFC?"), ["+IFC: 2,2", "OK"])
    check('ec200s: "FILE:<length>",1,5 with flow control: OK, FILESTART',
          m.at(f'AT+QFOTADL="FILE:{len(pkg)}",1,5', filestart), ["OK", qind("FOTA", "FILESTART")])
    os.write(m.fd, pkg)
    check("ec200s: the package in one write, FILEEND,0, the update", m.lines(flow_end),
          ec_steps("DOWNLOADING", 5) + [qind("FOTA", "FILEEND", 0)] + ec_update(100))
    check("ec200s: ATI after FILE:", m.at("ATI"), ati("EC200S", "BC25R01A04"))
    m.stop()
    m = Module(work, "ec200s", fresh(work, "ec-file2"), name="file2")
    m.at("ATE0")
    check("ec200s: AT+IFC? without flow control", m.at("AT+IFC?"), ["+IFC: 0,0", "OK"])
    m.at(f'AT+QFOTADL="FILE:{len(pkg)}",1,0', filestart)
    os.write(m.fd, pkg)
    check("ec200s: without flow control, the package in one write overruns the FIFO (500)",
          m.lines(flow_end_file), [qind("FOTA", "FILEEND", 500)])
    check("ec200s: after an overrun, the rest of the package is not taken as commands",
          m.at("AT"), ["OK"])
    m.at(f'AT+QFOTADL="FILE:{len(pkg)}",1,0', filestart)
    for i in range(0, len(pkg), 32):
        os.write(m.fd, pkg[i:i + 32])
        time.sleep(0.005)
    check("ec200s: without flow control, 32-byte writes paced below 15 KB/s",
          m.lines(flow_end), [qind("FOTA", "FILEEND", 0)] + ec_update(100))
    m.stop()
    m = Module(work, "ec200s", fresh(work, "ec-file3"), name="file3")
    m.at("ATE0")
    m.at('AT+QFOTADL="FILE:1000",1,0', filestart)
    os.write(m.fd, pkg[:100])
    check("ec200s: a line that falls silent (--timeout 3): FILEEND,500",
          m.lines(flow_end_file, 15), [qind("FOTA", "FILEEND", 500)])
    check('ec200s: "FILE:<length>",2 is EC200T\'s', m.at('AT+QFOTADL="FILE:1000",2'), ["ERROR"])
    check('ec200s: "FILE:0"', m.at('AT+QFOTADL="FILE:0"'), ["ERROR"])
    m.stop()

    # --- EC200T: full images, update_URC_max, FILE:<length>,2 ---
    for n in (0, 5, 50, 100):
        m = Module(work, "ec200t", fresh(work, f"ec200t-{n}"), name=f"t{n}")
        m.at("ATE0")
        if n == 0:
            check("ec200t: AT+QFOTADL=?", m.at("AT+QFOTADL=?"),
                  ["+QFOTADL: <url>,(0,1),(0,5-100),(0,5-100)", "OK"])
            check('ec200t: "FILE:<length>",2 answers 010003', m.at('AT+QFOTADL="FILE:1000",2'),
                  ["010003"])
        check(f"ec200t: full image, {n} update URCs",
              m.at(f'AT+QFOTADL="{web.url("full.bin")}",1,5,{n}', flow_end),
              ["OK", qind("FOTA", "HTTPSTART")] + ec_steps("DOWNLOADING", 5) +
              [qind("FOTA", "HTTPEND", 0)] + ec_update(n))
        check(f"ec200t ({n}): ATI", m.at("ATI"), ati("EC200T", "BC25R01A04"))
        m.stop()

    # --- power cuts during the update, then the forced upgrade at boot ---
    for layout, pkg in (("two-bank", "BC25R01A03_TO_BC25R01A04.bin"), ("in-place", "inplace.bin")):
        # The update's flash operations, counted by a run the cut never reaches.
        m = Module(work, "bc25", fresh(work, f"count-{layout}"), name="count",
                   extra=["--cut-after", "1000000000"])
        m.at("ATE0")
        m.at(f'AT+QFOTADL="{web.url(pkg)}"', flow_end)
        m.stop()
        note = m.proc.stderr.read().decode()
        ops = int(note.split("the update took ")[1].split()[0])
        # Every phase: the first record and erase, writes, segment ends, the last record.
        for cut in sorted({0, 1, 2, ops // 4, ops // 2, 3 * ops // 4, ops - 2, ops - 1}):
            st = fresh(work, f"cut-{layout}-{cut}")
            m = Module(work, "bc25", st, extra=["--cut-after", str(cut)], name=f"c{cut}")
            m.at("ATE0")
            got = m.at(f'AT+QFOTADL="{web.url(pkg)}"', lambda x: False, timeout=10)
            rc = m.wait()
            before = [x for x in got if "UPDATING" in x]
            if got[-1] != "<exit 5>" and got[-1] != "<closed>":
                fail(f"{layout}: cut after {cut}: the module stops", "\n".join(got[-5:]))
                continue
            if rc != 5 or not got[:3] == ["OK", qind("FOTA", "HTTPSTART"),
                                          '+QIND: "FOTA","DOWNLOADING",1%']:
                fail(f"{layout}: cut after {cut}: exit 5 after the download", f"rc {rc}")
                continue
            ok(f"{layout}: cut after {cut}: exit 5, nothing said after the cut")
            m = Module(work, "bc25", st, image=None, name=f"r{cut}")
            boot = m.lines(flow_end, 20)
            m.at("ATE0")
            first = boot[1] if len(boot) > 1 else ""
            resumed_at = int(first.split(",")[-1].rstrip("%")) if "UPDATING" in first else 0
            reached = int(before[-1].split(",")[-1].rstrip("%")) if before else 0
            want = ([qind("FOTA", "START")] +
                    [f'+QIND: "FOTA","UPDATING",{k}%' for k in range(resumed_at, 101)] +
                    [qind("FOTA", "END", 0), "RDY"])
            check(f"{layout}: cut after {cut}: forced upgrade at boot (START, UPDATING from "
                  f"the progress reached, END,0)", boot, want)
            if resumed_at > max(reached, 1):
                fail(f"{layout}: cut after {cut}: resumes at or before {reached}%",
                     f"resumed at {resumed_at}%")
            check(f"{layout}: cut after {cut}: ATI", m.at("ATI"), ati("BC25", "BC25R01A04"))
            m.stop()

    # EC200T: a full image cut halfway, then the forced upgrade with its URC count.
    st = fresh(work, "cut-full")
    m = Module(work, "ec200t", st, extra=["--cut-after", "20"], name="cf")
    m.at("ATE0")
    m.at(f'AT+QFOTADL="{web.url("full.bin")}",1,0,10', lambda x: False, timeout=10)
    check("ec200t: full image cut: exit 5", [m.wait()], [5])
    m = Module(work, "ec200t", st, image=None, name="cfr")
    boot = m.lines(flow_end, 20)
    first = int(boot[1].split(",")[-1]) if len(boot) > 1 and "UPDATING" in boot[1] else 1
    check("ec200t: full image cut: the forced upgrade, its 10 URCs counted on",
          boot, [qind("FOTA", "START")] + [qind("FOTA", "UPDATING", k) for k in range(first, 11)] +
          [qind("FOTA", "END", 0), "RDY"])
    m.at("ATE0")
    check("ec200t: full image cut: ATI", m.at("ATI"), ati("EC200T", "BC25R01A04"))
    m.stop()

    # --- a kill at any moment: during the download, during the update ---
    st = fresh(work, "kill-dl")
    with servers.Misbehaving("stall", open(delta_path(www), "rb").read(), sent=800,
                             seconds=20) as bad:
        m = Module(work, "bc25", st, name="k1")
        m.at("ATE0")
        m.at(f'AT+QFOTADL="{bad.url()}"', lambda x: "HTTPSTART" in x)
        time.sleep(0.5)
        m.stop(signal.SIGKILL)
    m = Module(work, "bc25", st, image=None, name="k1b")
    check("kill during the download: the module boots on the old firmware, quietly",
          m.at("ATE0"), ["ATE0", "OK"])
    check("kill during the download: ATI", m.at("ATI"), ati("BC25", "BC25R01A03"))
    check("kill during the download: no partial file", m.at("AT+QFLST"), ["OK"])
    check("kill during the download: the download again, whole",
          m.at(f'AT+QFOTADL="{url}"', flow_end)[-1], "RDY")
    m.stop()
    for layout, pkg in (("two-bank", "BC25R01A03_TO_BC25R01A04.bin"), ("in-place", "inplace.bin")):
        st = fresh(work, f"kill-up-{layout}")
        m = Module(work, "bc25", st, name="k2")
        m.at("ATE0")
        m.at(f'AT+QFOTADL="{web.url(pkg)}"', lambda x: x == '+QIND: "FOTA","UPDATING",1%')
        m.stop(signal.SIGKILL)
        m = Module(work, "bc25", st, image=None, name="k2b")
        boot = m.lines(lambda x: x == "RDY", 5) if not m.quiet_line(1.0) else []
        if boot and (boot[0] != qind("FOTA", "START") or boot[-2:] != [qind("FOTA", "END", 0), "RDY"]):
            fail(f"kill during the {layout} update: the forced upgrade completes", "\n".join(boot))
        else:
            ok(f"kill during the {layout} update: the forced upgrade completes")
        m.at("ATE0")
        check(f"kill during the {layout} update: ATI", m.at("ATI"), ati("BC25", "BC25R01A04"))
        m.stop()


def delta_path(www):
    return os.path.join(www, "BC25R01A03_TO_BC25R01A04.bin")


if __name__ == "__main__":
    sys.exit(main())
