#!/usr/bin/env python3
"""Self-test of tests/module/servers.py: each fixture, fetched with curl.

usage: test_servers.py

Real servers on loopback, started here on free ports and stopped after:
nginx over HTTP (200, 404, a range) and HTTPS (trusted through the test
CA, refused without it, for 127.0.0.1 and localhost), pyftpdlib (the right
password, a wrong one, a missing file, an upload refused), each mode of
the misbehaving server, and a port that refuses connections. A fixture
that cannot start fails loudly, and every server is gone once its block
has exited. A missing dependency (nginx, openssl, curl, pyftpdlib) fails
the test with a message naming it: it never skips.
"""
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import servers  # noqa: E402

passed = 0
failures = []


def check(name, ok, detail=""):
    global passed
    if ok:
        passed += 1
    else:
        failures.append(name)
        print(f"FAIL: {name}" + (f"\n  {detail}" if detail else ""), flush=True)


# curl with no .curlrc (-q) and no proxy from the environment.
CURL_ENV = {k: v for k, v in os.environ.items()
            if k.lower() not in ("http_proxy", "https_proxy", "ftp_proxy", "all_proxy", "no_proxy")}


def curl(url, *args, out=None):
    """(exit code, HTTP/FTP response code, bytes written, stderr) of one curl run."""
    out = out or os.path.join(WORK, "out")
    if os.path.exists(out):
        os.unlink(out)
    p = subprocess.run(["curl", "-q", "-sS", "--noproxy", "*", "-o", out,
                        "-w", "%{response_code}", *args, url],
                       stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       env=CURL_ENV, timeout=30)
    data = b""
    if os.path.exists(out):
        with open(out, "rb") as f:
            data = f.read()
    return p.returncode, p.stdout.decode().strip(), data, p.stderr.decode(errors="replace").strip()


def expect(name, result, rc, code=None, data=None):
    got_rc, got_code, got_data, err = result
    detail = f"curl exit {got_rc} (want {rc}), response {got_code!r}, {len(got_data)} bytes; {err}"
    ok = got_rc == rc and (code is None or got_code == str(code)) and (data is None or got_data == data)
    check(name, ok, detail)


def test_nginx(root, pkg, spaced):
    t0 = time.monotonic()
    with servers.Nginx(root) as web:
        started = time.monotonic() - t0
        check("nginx: ports differ", web.http_port != web.https_port)
        check("nginx: .url", web.url("pkg.bin") == f"http://127.0.0.1:{web.http_port}/pkg.bin"
              and web.url("pkg.bin", https=True) == f"https://127.0.0.1:{web.https_port}/pkg.bin",
              web.url("pkg.bin"))
        expect("nginx: http 200", curl(web.url("pkg.bin")), 0, 200, pkg)
        expect("nginx: http, a name with a space", curl(web.url("sub dir/a b.bin")), 0, 200, spaced)
        expect("nginx: http 404", curl(web.url("missing.bin")), 0, 404)
        expect("nginx: http 404 with --fail", curl(web.url("missing.bin"), "--fail"), 22)
        expect("nginx: http range 206", curl(web.url("pkg.bin"), "-r", "1000-1999"), 0, 206,
               pkg[1000:2000])
        expect("nginx: https with the CA", curl(web.url("pkg.bin", https=True), "--cacert", web.ca_file),
               0, 200, pkg)
        expect("nginx: https for localhost (DNS name)",
               curl(f"https://localhost:{web.https_port}/pkg.bin", "--cacert", web.ca_file), 0, 200, pkg)
        expect("nginx: https without the CA is refused", curl(web.url("pkg.bin", https=True)), 60)
        lines = web.access_lines()
        check("nginx: access log", len(lines) == 7 and 'range="bytes=1000-1999"' in lines[4]
              and 'https="on"' in lines[5], "\n  ".join(lines))
        port, pid, tmp = web.http_port, web.proc.pid, os.path.dirname(web.access_log)
    stopped = time.monotonic() - t0 - started
    expect("nginx: port refuses once stopped", curl(f"http://127.0.0.1:{port}/pkg.bin"), 7)
    check("nginx: process gone once stopped", not os.path.exists(f"/proc/{pid}"))
    check("nginx: its directory removed", not os.path.exists(tmp), tmp)
    print(f"nginx: started in {started:.2f} s (CA included), stopped in {stopped:.2f} s")

    # A server that cannot start: FixtureError, with what nginx said.
    fake = os.path.join(WORK, "fake-nginx")
    with open(fake, "w") as f:
        f.write("#!/bin/sh\necho 'nginx: [emerg] a test failure' >&2\nexit 1\n")
    os.chmod(fake, 0o755)
    try:
        print("(an nginx that fails to start, on purpose:)", file=sys.stderr, flush=True)
        with servers.Nginx(root, nginx=fake):
            check("nginx: a failed start raises", False)
    except servers.FixtureError as e:
        check("nginx: a failed start raises FixtureError with the log",
              "exited with status 1" in str(e) and "[emerg] a test failure" in str(e), str(e))
    try:
        with servers.Nginx(os.path.join(WORK, "no-such-dir")):
            check("nginx: a missing root raises", False)
    except servers.FixtureError as e:
        check("nginx: a missing root raises FixtureError", "not a directory" in str(e), str(e))


def test_ftp(root, pkg):
    t0 = time.monotonic()
    with servers.Ftp(root, "fota", "s3cr:t@") as ftp:
        check("ftp: .url quotes user and password",
              ftp.url("pkg.bin") == f"ftp://fota:s3cr%3At%40@127.0.0.1:{ftp.port}/pkg.bin", ftp.url("pkg.bin"))
        expect("ftp: right password", curl(ftp.url("pkg.bin")), 0, 226, pkg)
        expect("ftp: wrong password (67)", curl(ftp.url("pkg.bin", password="wrong")), 67, 530)
        expect("ftp: wrong user (67)", curl(ftp.url("pkg.bin", user="nobody")), 67, 530)
        expect("ftp: missing file (78)", curl(ftp.url("missing.bin")), 78)
        expect("ftp: resumed from an offset", curl(ftp.url("pkg.bin"), "-r", "5000-"), 0, 226, pkg[5000:])
        expect("ftp: upload refused, read-only (25)",
               curl(ftp.url("up.bin"), "-T", os.path.join(root, "pkg.bin")), 25)
        check("ftp: nothing was written", not os.path.exists(os.path.join(root, "up.bin")))
        check("ftp: commands recorded", ("RETR", "pkg.bin") in ftp.commands and ("REST", "5000") in ftp.commands
              and ("PASS", "****") in ftp.commands, str(ftp.commands))
        port = ftp.port
    expect("ftp: port refuses once stopped", curl(f"ftp://127.0.0.1:{port}/pkg.bin"), 7)
    print(f"ftp: whole block {time.monotonic() - t0:.2f} s")


def test_misbehaving():
    body = servers._default_body()
    t0 = time.monotonic()
    with servers.Misbehaving("stall", seconds=30) as bad:
        started = time.monotonic()
        expect("misbehaving stall: --max-time 2 times out (28)", curl(bad.url(), "--max-time", "2"), 28, 200,
               body[:len(body) // 2])
        took = time.monotonic() - started
        check("misbehaving stall: after about 2 s", 1.8 < took < 5, f"{took:.2f} s")
        # A client still waiting when the block exits is let go at once.
        waiting = subprocess.Popen(["curl", "-q", "-sS", "--noproxy", "*", "-o", os.devnull, bad.url()],
                                   env=CURL_ENV, stdin=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 5
        while len(bad.requests) < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
        exiting = time.monotonic()
    exited = time.monotonic() - exiting
    check("misbehaving stall: exit does not wait for the stall", exited < 1.5, f"{exited:.2f} s")
    try:
        rc = waiting.wait(timeout=5)
    except subprocess.TimeoutExpired:
        waiting.kill()
        rc = waiting.wait()
    check("misbehaving stall: a waiting client gets a short body once it exits (18)", rc == 18, f"exit {rc}")

    with servers.Misbehaving("truncate", sent=1000) as bad:
        expect("misbehaving truncate: partial file (18)", curl(bad.url("/x/pkg.bin")), 18, 200, body[:1000])
        check("misbehaving truncate: request recorded",
              bad.requests and bad.requests[0][:2] == ("GET", "/x/pkg.bin")
              and bad.requests[0][2].get("host") == f"127.0.0.1:{bad.port}", str(bad.requests))

    with servers.Misbehaving("close") as bad:
        rc, code, data, err = curl(bad.url())
        check("misbehaving close: empty reply or reset (52/56)", rc in (52, 56) and data == b"",
              f"curl exit {rc}; {err}")
        check("misbehaving close: one connection, no request read", bad.connections == 1 and not bad.requests,
              f"{bad.connections} {bad.requests}")

    for status in (404, 500, 403):
        with servers.Misbehaving("status", status=status) as bad:
            expect(f"misbehaving status {status}", curl(bad.url()), 0, status)
            expect(f"misbehaving status {status} with --fail (22)", curl(bad.url(), "--fail"), 22)

    with servers.Misbehaving("ok", b"hello") as bad:
        expect("misbehaving ok", curl(bad.url()), 0, 200, b"hello")
        port = bad.port
    expect("misbehaving: port refuses once stopped", curl(f"http://127.0.0.1:{port}/"), 7)
    print(f"misbehaving: all modes {time.monotonic() - t0:.2f} s")


def test_ports():
    down = servers.down_port()
    expect("down_port refuses (7)", curl(f"http://127.0.0.1:{down}/pkg.bin"), 7)
    expect("down_port refuses ftp too (7)", curl(f"ftp://u:p@127.0.0.1:{down}/pkg.bin"), 7)
    ports = {servers.free_port() for _ in range(5)}
    check("free_port gives loopback ports", all(1024 <= p < 65536 for p in ports), str(ports))


def main():
    try:
        servers.require("nginx", "openssl", "curl", "pyftpdlib")
    except servers.FixtureError as e:
        print(f"FAIL: {e}", file=sys.stderr)
        return 1
    root = os.path.join(WORK, "root")
    os.makedirs(os.path.join(root, "sub dir"))
    pkg = b"".join(hashlib.sha256(i.to_bytes(4, "big")).digest() for i in range(6400))  # 200 KiB
    spaced = b"a file whose name has a space\n"
    with open(os.path.join(root, "pkg.bin"), "wb") as f:
        f.write(pkg)
    with open(os.path.join(root, "sub dir", "a b.bin"), "wb") as f:
        f.write(spaced)

    t0 = time.monotonic()
    for test in (test_ports, lambda: test_nginx(root, pkg, spaced), lambda: test_ftp(root, pkg),
                 test_misbehaving):
        try:
            test()
        except servers.FixtureError as e:
            check("a fixture failed to start", False, str(e))
    print(f"{passed} passed, {len(failures)} failed ({time.monotonic() - t0:.1f} s, "
          f"{'as root' if os.geteuid() == 0 else 'uid ' + str(os.geteuid())})")
    return 1 if failures else 0


WORK = tempfile.mkdtemp(prefix="dfota-servers-test.")
if __name__ == "__main__":
    try:
        status = main()
    finally:
        shutil.rmtree(WORK, ignore_errors=True)
    sys.exit(status)
