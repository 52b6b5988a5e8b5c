"""Real servers on loopback for the `dfota module` tests (issue 15).

Each fixture is a context manager that starts its server on a free
127.0.0.1 port, returns once the server accepts connections, and stops it
on exit:

    with Nginx(root) as web, Ftp(root, "fota", "secret") as ftp:
        web.url("pkg.bin")               # http://127.0.0.1:PORT/pkg.bin
        web.url("pkg.bin", https=True)   # https://..., trust web.ca_file
        ftp.url("pkg.bin")               # ftp://fota:secret@127.0.0.1:PORT/pkg.bin

    with Misbehaving("truncate", body, sent=1000) as bad:
        bad.url()                        # Content-Length len(body), closes after 1000 bytes

Nginx is a private instance of Debian's nginx (its own config, pid file,
temporary directories and logs in a temporary directory), with a test CA
made at start by the openssl command. Ftp is pyftpdlib in a thread of this
process. Misbehaving is a raw socket server for the failures a real server
does not give on demand. Nothing here needs root or writes outside its
temporary directory; a server that cannot start raises FixtureError with
its log. tests/module/README.md has the details.

Needs: nginx, openssl (commands), pyftpdlib (Debian's python3-pyftpdlib,
importable by /usr/bin/python3). require() checks them up front.
"""
import logging
import os
import secrets
import shutil
import signal
import socket
import socketserver
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

LOOPBACK = "127.0.0.1"
START_TIMEOUT = 10.0  # seconds a server has to accept connections


class FixtureError(RuntimeError):
    """A server could not be started (or a dependency is missing)."""


# ---- ports --------------------------------------------------------------

def free_port():
    """A loopback TCP port that nothing was bound to a moment ago.

    For servers that cannot be handed a bound socket (nginx): another
    process may take the port before the server binds it, so a fixture
    using it retries on "Address already in use".
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((LOOPBACK, 0))
        return s.getsockname()[1]


_down_sockets = []  # bound, never listening: kept for the life of the process


def down_port():
    """A loopback TCP port that refuses connections (ECONNREFUSED).

    The port stays bound, without listening, by a socket of this process
    until it exits, so that no other server can take it meanwhile: a
    connection to it is refused for as long as the test runs.
    """
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind((LOOPBACK, 0))
    _down_sockets.append(s)
    return s.getsockname()[1]


def _accepts(port, timeout=0.2):
    try:
        with socket.create_connection((LOOPBACK, port), timeout=timeout):
            return True
    except OSError:
        return False


# ---- dependencies -------------------------------------------------------

def _find_command(name):
    """name on PATH, else in /usr/sbin or /sbin (not on a user's PATH on Debian)."""
    path = os.environ.get("PATH", os.defpath) + os.pathsep + "/usr/sbin:/sbin"
    return shutil.which(name, path=path)


_DEBIAN_PACKAGES = {"nginx": "nginx", "openssl": "openssl", "curl": "curl",
                    "pyftpdlib": "python3-pyftpdlib", "serial": "python3-serial"}


def require(*names):
    """Raise FixtureError naming every one of names that is missing.

    names are commands ("nginx", "openssl", "curl") or Python modules
    ("pyftpdlib", "serial"). Tests call it first, so that a machine
    without a dependency fails with one clear message, never skips.
    """
    missing, packages = [], set()
    for name in names:
        if name in ("pyftpdlib", "serial"):
            try:
                __import__(name)
                continue
            except ImportError as e:
                missing.append(f"Python module {name} ({e}; not importable by "
                               f"{sys.executable}, Python {sys.version.split()[0]})")
        elif _find_command(name) is None:
            missing.append(f"command {name}")
        else:
            continue
        packages.add(_DEBIAN_PACKAGES.get(name, name))
    if missing:
        raise FixtureError(
            "missing test dependencies:\n  " + "\n  ".join(missing) +
            f"\ninstall them with scripts/install-deps.sh (Debian packages: "
            f"{' '.join(sorted(packages))}); Debian's Python packages are importable "
            f"by /usr/bin/python3, which ctest runs these tests with")


# ---- nginx --------------------------------------------------------------

def _nginx_string(value):
    """value as a double-quoted nginx configuration string."""
    if "$" in value:
        raise FixtureError(f"nginx: '$' in a path is read as a variable: {value!r}")
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


_OPENSSL_CONFIG = """\
[req]
distinguished_name = dn
[dn]
[ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[server]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1, DNS:localhost
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
"""


def make_test_ca(directory):
    """A CA and a server certificate for 127.0.0.1 and localhost, in directory.

    EC P-256 keys, valid for a week from now, made with the openssl command.
    Returns (ca_file, cert_file, key_file): PEM paths.
    """
    openssl = _find_command("openssl")
    if openssl is None:
        raise FixtureError("openssl command not found (Debian package openssl)")
    config = os.path.join(directory, "openssl.cnf")
    with open(config, "w") as f:
        f.write(_OPENSSL_CONFIG)
    p = lambda name: os.path.join(directory, name)  # noqa: E731
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
    steps = [
        ["req", "-config", config, "-x509", *ec, "-keyout", p("ca.key"), "-out", p("ca.pem"),
         "-subj", "/CN=dfota test CA", "-days", "7", "-extensions", "ca",
         "-set_serial", str(secrets.randbits(63))],
        ["req", "-config", config, "-new", *ec, "-keyout", p("server.key"),
         "-out", p("server.csr"), "-subj", "/CN=127.0.0.1"],
        ["x509", "-req", "-in", p("server.csr"), "-CA", p("ca.pem"), "-CAkey", p("ca.key"),
         "-set_serial", str(secrets.randbits(63)), "-days", "7", "-out", p("server.pem"),
         "-extfile", config, "-extensions", "server"],
    ]
    env = dict(os.environ, OPENSSL_CONF=config)
    for args in steps:
        r = subprocess.run([openssl, *args], stdin=subprocess.DEVNULL, env=env,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        if r.returncode != 0:
            raise FixtureError(f"openssl {args[0]} failed ({r.returncode}):\n"
                               + r.stdout.decode(errors="replace"))
    return p("ca.pem"), p("server.pem"), p("server.key")


class Nginx:
    """A private nginx serving root_dir over HTTP and HTTPS on loopback.

    .http_port, .https_port: its ports on 127.0.0.1.
    .ca_file: PEM file of the test CA that signed its certificate (for
        127.0.0.1 and localhost); a client must trust it for HTTPS.
    .url(name, https=False): the URL of root_dir/name.
    .access_log, .error_log: its log files; .access_lines() the access log.
    Static files only: GET and HEAD, ranges (206), 404 for a missing file.
    """

    def __init__(self, root_dir, nginx=None):
        self.root = os.path.abspath(root_dir)
        self._nginx = nginx
        self.http_port = self.https_port = None
        self.ca_file = None
        self.proc = None
        self._dir = None

    # The private instance: everything nginx writes is under self._dir.
    def _config(self, cert, key):
        d = self._dir
        q = lambda name: _nginx_string(os.path.join(d, name))  # noqa: E731
        # As root, nginx's workers take the user directive's identity, nobody
        # by default, which cannot read a 0700 temporary directory (403):
        # keep them root. As anyone else the directive is ignored with a
        # warning, so it is left out.
        user = "user root;\n" if os.geteuid() == 0 else ""
        return f"""\
{user}daemon off;
master_process on;
worker_processes 1;
pid {q("nginx.pid")};
lock_file {q("nginx.lock")};
error_log {q("error.log")} notice;
events {{ worker_connections 64; }}
http {{
    types {{ }}
    default_type application/octet-stream;
    log_format dfota '$remote_addr "$request" $status $body_bytes_sent '
                     'range="$http_range" agent="$http_user_agent" https="$https"';
    access_log {q("access.log")} dfota;
    client_body_temp_path {q("body")};
    proxy_temp_path {q("proxy")};
    fastcgi_temp_path {q("fastcgi")};
    uwsgi_temp_path {q("uwsgi")};
    scgi_temp_path {q("scgi")};
    server_tokens off;
    sendfile on;
    server {{
        listen {LOOPBACK}:{self.http_port};
        listen {LOOPBACK}:{self.https_port} ssl;
        server_name 127.0.0.1 localhost;
        ssl_certificate {_nginx_string(cert)};
        ssl_certificate_key {_nginx_string(key)};
        ssl_protocols TLSv1.2 TLSv1.3;
        root {_nginx_string(self.root)};
        location / {{ }}
    }}
}}
"""

    def _log_text(self):
        out = []
        for name in ("stderr.log", "error.log"):
            try:
                with open(os.path.join(self._dir, name), errors="replace") as f:
                    text = f.read().strip()
            except OSError:
                continue
            if text:
                out.append(f"--- nginx {name}:\n{text}")
        return "\n".join(out) or "(nginx wrote nothing)"

    def _fail(self, why):
        message = f"nginx: {why}\n{self._log_text()}"
        print(message, file=sys.stderr, flush=True)
        self._stop()
        self._cleanup()
        raise FixtureError(message)

    def _start_once(self, nginx, cert, key):
        """Start on two new ports; False if one of them was taken meanwhile."""
        self.http_port, self.https_port = free_port(), free_port()
        while self.https_port == self.http_port:
            self.https_port = free_port()
        conf = os.path.join(self._dir, "nginx.conf")
        with open(conf, "w") as f:
            f.write(self._config(cert, key))
        pidfile = os.path.join(self._dir, "nginx.pid")
        if os.path.exists(pidfile):
            os.unlink(pidfile)
        with open(os.path.join(self._dir, "stderr.log"), "ab") as err:
            self.proc = subprocess.Popen(
                [nginx, "-p", self._dir + "/", "-c", conf, "-e", os.path.join(self._dir, "error.log")],
                stdin=subprocess.DEVNULL, stdout=err, stderr=err, start_new_session=True)
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                if "Address already in use" in self._log_text():
                    return False
                self._fail(f"exited with status {self.proc.returncode} at start")
            # nginx writes its pid file once it holds its listening sockets, so
            # a connection that then succeeds is one to this nginx.
            try:
                with open(pidfile) as f:
                    ours = f.read().strip() == str(self.proc.pid)
            except OSError:
                ours = False
            if ours and _accepts(self.http_port) and _accepts(self.https_port):
                return True
            time.sleep(0.02)
        self._fail(f"ports {self.http_port} and {self.https_port} did not accept "
                   f"connections within {START_TIMEOUT:g} s")

    def __enter__(self):
        nginx = self._nginx or _find_command("nginx")
        if nginx is None:
            raise FixtureError("nginx command not found (Debian package nginx)")
        if not os.path.isdir(self.root):
            raise FixtureError(f"nginx: root_dir is not a directory: {self.root}")
        self._dir = tempfile.mkdtemp(prefix="dfota-nginx.")
        try:
            self.ca_file, cert, key = make_test_ca(self._dir)
        except BaseException:
            self._cleanup()
            raise
        for _ in range(4):
            if self._start_once(nginx, cert, key):
                self.access_log = os.path.join(self._dir, "access.log")
                self.error_log = os.path.join(self._dir, "error.log")
                return self
            self._stop()
        self._fail("could not bind free ports after 4 attempts")

    def _stop(self):
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.terminate()  # fast shutdown: master stops its workers
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        try:  # workers left behind (master killed): the whole process group
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self.proc.wait()
        self.proc = None

    def _cleanup(self):
        if self._dir:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None

    def __exit__(self, *exc):
        self._stop()
        self._cleanup()
        return False

    def url(self, name, https=False):
        scheme, port = ("https", self.https_port) if https else ("http", self.http_port)
        return f"{scheme}://{LOOPBACK}:{port}/{urllib.parse.quote(name.lstrip('/'))}"

    def access_lines(self):
        """The access log's lines so far (one per request, format 'dfota' above)."""
        with open(self.access_log, errors="replace") as f:
            return f.read().splitlines()


# ---- FTP ----------------------------------------------------------------

class Ftp:
    """pyftpdlib on a loopback port, in a thread of this process.

    One user, user/password, whose home is root_dir, read-only (list and
    retrieve). Passive data connections on loopback, on ports the kernel
    picks. A wrong password is answered at once (530), not after
    pyftpdlib's usual 3 s.
    .port, .url(name, user=None, password=None), .commands: the
    (command, argument) pairs received so far, on every connection.
    """

    def __init__(self, root_dir, user="dfota", password="dfota"):
        self.root = os.path.abspath(root_dir)
        self.user, self.password = user, password
        self.port = None
        self.commands = []
        self._server = self._thread = None
        self._stop = threading.Event()

    def __enter__(self):
        require("pyftpdlib")
        from pyftpdlib.authorizers import DummyAuthorizer
        from pyftpdlib.handlers import FTPHandler
        from pyftpdlib.servers import FTPServer

        if not os.path.isdir(self.root):
            raise FixtureError(f"ftp: root_dir is not a directory: {self.root}")
        authorizer = DummyAuthorizer()
        authorizer.add_user(self.user, self.password, self.root, perm="elr")
        commands = self.commands

        class Handler(FTPHandler):
            banner = "dfota test FTP server"
            auth_failed_timeout = 0.05
            timeout = 60
            passive_ports = None  # any free port, on the control connection's address
            permit_foreign_addresses = False

            def pre_process_command(self, line, cmd, arg):
                commands.append((cmd, "****" if cmd == "PASS" else arg))
                return super().pre_process_command(line, cmd, arg)

        Handler.authorizer = authorizer
        # Unless logging is set up, pyftpdlib's loop sets it up itself: a line
        # on stderr for every session and file. Keep its warnings only.
        log = logging.getLogger("pyftpdlib")
        if not log.handlers and not logging.getLogger().handlers:
            handler = logging.StreamHandler(sys.stderr)
            handler.setLevel(logging.WARNING)
            log.addHandler(handler)
        self._server = FTPServer((LOOPBACK, 0), Handler)
        self.port = self._server.address[1]
        self._thread = threading.Thread(target=self._serve, name=f"ftp:{self.port}", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + START_TIMEOUT
        while not _accepts(self.port):
            if time.monotonic() > deadline or not self._thread.is_alive():
                self.__exit__()
                raise FixtureError(f"ftp: port {self.port} does not accept connections")
            time.sleep(0.02)
        return self

    def _serve(self):
        # One pass of the IO loop at a time, so that the loop, and closing it,
        # stay in this thread. (The loop itself, not serve_forever(), which
        # logs a line at every call.)
        try:
            wait = 0.1
            while not self._stop.is_set():
                soonest = self._server.ioloop.loop(wait, blocking=False)  # next timer, or None
                wait = 0.1 if soonest is None else max(0.0, min(0.1, soonest))
        finally:
            self._server.close_all()

    def __exit__(self, *exc):
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        return False

    def url(self, name, user=None, password=None):
        user = self.user if user is None else user
        password = self.password if password is None else password
        auth = urllib.parse.quote(user, safe="") + ":" + urllib.parse.quote(password, safe="")
        return f"ftp://{auth}@{LOOPBACK}:{self.port}/{urllib.parse.quote(name.lstrip('/'))}"


# ---- misbehaving HTTP ---------------------------------------------------

def _default_body():
    return bytes(range(256)) * 256  # 64 KiB


class Misbehaving:
    """An HTTP server that fails the way a test asks, on a loopback port.

    mode, for every request:
      "stall":    200 with Content-Length len(body), the first `sent` bytes
                  (default half), then nothing for `seconds` (default 30),
                  then it closes the connection;
      "truncate": 200 with Content-Length len(body), closes after `sent`
                  bytes (default half);
      "close":    closes the connection right after accepting it, reading
                  nothing (the client sees an empty reply or a reset);
      "status":   answers `status` (default 404) with a short text body;
      "ok":       200 with the whole body (a baseline).
    .port, .url(path="/pkg.bin"); .requests: (method, target, headers dict
    with lower-case names) of each request read; .connections: how many
    were accepted. Exiting wakes a stalled connection at once.
    """

    MODES = ("stall", "truncate", "close", "status", "ok")

    def __init__(self, mode, body=None, *, sent=None, seconds=30.0, status=404):
        if mode not in self.MODES:
            raise ValueError(f"Misbehaving: mode {mode!r} not in {self.MODES}")
        self.mode = mode
        self.body = _default_body() if body is None else bytes(body)
        self.sent = len(self.body) // 2 if sent is None else sent
        if mode in ("stall", "truncate") and not 0 <= self.sent < len(self.body):
            raise ValueError(f"Misbehaving: sent={self.sent} must be below len(body)={len(self.body)}")
        self.seconds = seconds
        self.status = status
        self.requests = []
        self.connections = 0
        self.port = None
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._server = self._thread = None

    def url(self, path="/pkg.bin"):
        return f"http://{LOOPBACK}:{self.port}/{path.lstrip('/')}"

    def _read_request(self, sock):
        sock.settimeout(0.2)
        data = b""
        deadline = time.monotonic() + 10
        while b"\r\n\r\n" not in data:
            if self._stop.is_set() or time.monotonic() > deadline or len(data) > 65536:
                return None
            try:
                chunk = sock.recv(4096)
            except socket.timeout:
                continue
            if not chunk:
                return None
            data += chunk
        head = data.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
        parts = head[0].split(" ")
        headers = {}
        for line in head[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        request = (parts[0], parts[1] if len(parts) > 1 else "", headers)
        with self._lock:
            self.requests.append(request)
        return request

    def _handle(self, sock):
        with self._lock:
            self.connections += 1
        if self.mode == "close":
            return
        if self._read_request(sock) is None:
            return
        sock.settimeout(10)
        if self.mode == "status":
            reason = {400: "Bad Request", 403: "Forbidden", 404: "Not Found",
                      500: "Internal Server Error", 503: "Service Unavailable"}.get(self.status, "Status")
            body = f"{self.status} {reason}\n".encode()
            head = f"HTTP/1.1 {self.status} {reason}\r\n"
        else:
            body = self.body
            head = "HTTP/1.1 200 OK\r\n"
        head += (f"Content-Type: application/octet-stream\r\nContent-Length: {len(body)}\r\n"
                 "Connection: close\r\n\r\n")
        if self.mode in ("stall", "truncate"):
            body = body[:self.sent]
        sock.sendall(head.encode() + body)
        if self.mode == "stall":
            self._stop.wait(self.seconds)

    def __enter__(self):
        fixture = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self):
                try:
                    fixture._handle(self.request)
                except OSError:  # the client went away
                    pass

        class Server(socketserver.ThreadingTCPServer):
            daemon_threads = False  # joined on close; stalls end when _stop is set
            block_on_close = True

        self._server = Server((LOOPBACK, 0), Handler)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.1},
                                        name=f"misbehaving:{self.port}", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(timeout=5)
            self._server = None
        return False


__all__ = ["FixtureError", "LOOPBACK", "free_port", "down_port", "require", "make_test_ca",
           "Nginx", "Ftp", "Misbehaving"]
