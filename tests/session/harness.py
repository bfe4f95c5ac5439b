"""tests/session/harness.py — what every session test needs: a private
world (users, PAM, certificates, homes) in a temporary directory, real
imapd/rimapd processes on free loopback ports, and an IMAP client that
reads the server's lines exactly.

Users come from nss_wrapper, PAM from pam_wrapper with pam_matrix. As
root the server really drops to the test users' uids; as an ordinary user
uid_wrapper lets the same privilege-drop code run. Nothing here touches
the real /etc/passwd, real users, or ports below 1024.
"""
import contextlib
import glob
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import threading
import time

LIBDIR = "/usr/lib/x86_64-linux-gnu"
for cand in ("/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu",
             "/usr/lib64", "/usr/lib"):
    if os.path.exists(os.path.join(cand, "libnss_wrapper.so")):
        LIBDIR = cand
        break
PAM_MATRIX = os.path.join(LIBDIR, "pam_wrapper", "pam_matrix.so")

IS_ROOT = os.geteuid() == 0
# SKUA_WRAP runs the server under a tool ("valgrind --..."; make
# check-valgrind), SKUA_TIMEOUT_FACTOR gives a slow one the time it needs.
WRAP = os.environ.get("SKUA_WRAP", "").split()
TIMEOUT = 10.0 * float(os.environ.get("SKUA_TIMEOUT_FACTOR") or 1)

USERS = {
    # name: (uid, password)
    "alice": (10001, "alice-secret"),
    "bob": (10002, "bob-secret"),
}
GROUPS = {"mailtest": 10001, "bobgrp": 10002, "extra": 10010}


def readme_caps(which):
    """The capability list README.md promises "before login" or "after
    login": one place for the tests and the documentation."""
    readme = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                          "..", "..", "README.md")
    with open(readme) as f:
        for line in f:
            head, _, caps = line.strip().partition(":")
            if head == which and caps.strip().startswith("IMAP4rev1"):
                return " ".join(caps.split())
    raise RuntimeError(f"README.md lists no capabilities {which!r}")


CAPS_BASE = readme_caps("before login")
CAPS_AUTHED = readme_caps("after login")


class TestFailure(Exception):
    pass


def check(cond, msg):
    if not cond:
        raise TestFailure(msg)


class World:
    """The temporary directory with users, homes, PAM and TLS files."""

    def __init__(self, build):
        self.build = os.path.abspath(build)
        self.dir = tempfile.mkdtemp(prefix="skua-session-")
        # Homes must be reachable by the test users after the drop.
        os.chmod(self.dir, 0o755)
        self.imapd = os.path.join(self.build, "imapd")
        self.rimapd = os.path.join(self.build, "rimapd")
        self.runner_uid = os.getuid()
        # The servers the running test started: their logs are shown
        # when it fails (run.py).
        self.servers = []
        clean_pam_dirs()
        self._users()
        self._pam()
        self._tls()
        self._passwd_file()

    def path(self, *parts):
        return os.path.join(self.dir, *parts)

    def _users(self):
        os.makedirs(self.path("home"))
        os.chmod(self.path("home"), 0o755)
        lines = []
        for name, (uid, _) in USERS.items():
            home = self.path("home", name)
            os.makedirs(os.path.join(home, "Maildir", "cur"))
            os.makedirs(os.path.join(home, "Maildir", "new"))
            os.makedirs(os.path.join(home, "Maildir", "tmp"))
            if IS_ROOT:
                for root, dirs, files in os.walk(home):
                    os.chown(root, uid, uid)
                os.chmod(home, 0o700)
            lines.append(f"{name}:x:{uid}:{uid}:{name}:{home}:/bin/sh")
        # The person running the tests, so rimapd can find itself.
        if not IS_ROOT:
            home = self.path("home", "runner")
            os.makedirs(home)
            lines.append(f"runner:x:{self.runner_uid}:{os.getgid()}:runner:"
                         f"{home}:/bin/sh")
        lines.append("root:x:0:0:root:/root:/bin/sh")
        with open(self.path("passwd"), "w") as f:
            f.write("\n".join(lines) + "\n")
        with open(self.path("group"), "w") as f:
            f.write("root:x:0:\n")
            f.write("mailtest:x:10001:alice\n")
            f.write("bobgrp:x:10002:\n")
            f.write("extra:x:10010:alice\n")
            if not IS_ROOT:
                f.write(f"runnergrp:x:{os.getgid()}:\n")

    def _pam(self):
        os.makedirs(self.path("pam.d"))
        with open(self.path("passdb"), "w") as f:
            for name, (_, pw) in USERS.items():
                f.write(f"{name}:{pw}:imap\n")
        with open(self.path("pam.d", "imap"), "w") as f:
            f.write(f"auth required {PAM_MATRIX} passdb={self.path('passdb')}\n")
            f.write(f"account required {PAM_MATRIX} passdb={self.path('passdb')}\n")
        # pam_wrapper wants a fallback service, as a real /etc/pam.d has.
        with open(self.path("pam.d", "other"), "w") as f:
            f.write("auth required pam_deny.so\naccount required pam_deny.so\n")

    def _tls(self):
        self.cert = self.path("cert.pem")
        self.key = self.path("key.pem")
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
             "-keyout", self.key, "-out", self.cert, "-days", "2",
             "-subj", "/CN=localhost"],
            check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def _passwd_file(self):
        """Virtual users for auth = passwd-file: one {PLAIN}, one
        SHA-512 crypt, both mapped to alice's and bob's uids."""
        h = subprocess.run(["openssl", "passwd", "-6", "bob-secret"],
                           check=True, capture_output=True, text=True)
        lines = [
            f"alice:{{PLAIN}}alice-secret:10001:10001::{self.path('home', 'alice')}::",
            f"bob:{{SHA512-CRYPT}}{h.stdout.strip()}:10002:10002::{self.path('home', 'bob')}::",
        ]
        with open(self.path("users"), "w") as f:
            f.write("\n".join(lines) + "\n")

    def env(self):
        env = dict(os.environ)
        preload = [os.path.join(LIBDIR, "libpam_wrapper.so"),
                   os.path.join(LIBDIR, "libnss_wrapper.so")]
        if not IS_ROOT:
            preload.append(os.path.join(LIBDIR, "libuid_wrapper.so"))
            env["UID_WRAPPER"] = "1"
            env["UID_WRAPPER_ROOT"] = "1"
        if env.get("LD_PRELOAD"):
            preload.insert(0, env["LD_PRELOAD"])
        env["LD_PRELOAD"] = " ".join(preload)
        env["PAM_WRAPPER"] = "1"
        env["PAM_WRAPPER_SERVICE_DIR"] = self.path("pam.d")
        env["NSS_WRAPPER_PASSWD"] = self.path("passwd")
        env["NSS_WRAPPER_GROUP"] = self.path("group")
        return env

    def config(self, name="imapd.conf", **overrides):
        """Writes a configuration file and returns its path."""
        keys = {
            "listen": "127.0.0.1:0",
            "listen_tls": "127.0.0.1:0",
            "tls_cert": self.cert,
            "tls_key": self.key,
            "auth": "pam",
            "pam_service": "imap",
            "plaintext_auth": "loopback",
            "pidfile": self.path(name + ".pid"),
            "auth_failure_delay": "50",
        }
        keys.update({k: str(v) for k, v in overrides.items()})
        path = self.path(name)
        with open(path, "w") as f:
            f.write("# written by tests/session/harness.py\n")
            for k, v in keys.items():
                f.write(f"{k} = {v}\n")
        return path

    def cleanup(self):
        shutil.rmtree(self.dir, ignore_errors=True)
        # A session process may end a moment after its server: wait a
        # little for the last ones.
        deadline = time.time() + 3
        while clean_pam_dirs() and time.time() < deadline:
            time.sleep(0.05)


def clean_pam_dirs():
    """Removes this user's pam_wrapper directories whose process is gone.

    Every process that starts PAM under pam_wrapper makes itself a
    directory /tmp/pam.X, X one of only 62 letters and digits, with its
    pid inside, and removes it at exit(); a session process ends with
    _exit and leaves its own behind. pam_wrapper clears such a stale one
    when it needs the name, but only its owner can: after a run as root,
    a run as another user found the names taken and its sessions died
    before their greeting. So each run clears its own, as pam_wrapper
    would. Returns how many of this user's are still in use."""
    busy = 0
    for d in glob.glob("/tmp/pam.?"):
        try:
            if os.lstat(d).st_uid != os.getuid():
                continue
            with open(os.path.join(d, "pid")) as f:
                pid = int(f.read().strip() or 0)
        except (OSError, ValueError):
            continue
        if pid > 0 and not os.path.exists(f"/proc/{pid}"):
            shutil.rmtree(d, ignore_errors=True)
        else:
            busy += 1
    return busy


class Server:
    """A standalone imapd in the foreground on free loopback ports."""

    def __init__(self, world, **config):
        self.world = world
        self.conf = world.config(**config)
        self.log = []
        world.servers.append(self)
        self.lock = threading.Lock()
        self.proc = subprocess.Popen(
            WRAP + [world.imapd, "-F", "-c", self.conf], env=world.env(),
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE, text=True)
        threading.Thread(target=self._read_log, daemon=True).start()
        self.port = self.tls_port = None
        conf = dict(l.split(" = ", 1) for l in open(self.conf).read()
                    .splitlines() if " = " in l)
        expected = len(conf["listen"].split()) + len(conf["listen_tls"].split())
        deadline = time.time() + TIMEOUT
        while time.time() < deadline and self.proc.poll() is None:
            with self.lock:
                found = [re.search(r"listening on (\S+):(\d+)( \(tls\))?$", l)
                         for l in self.log]
            found = [m for m in found if m]
            for m in found:
                if m.group(1) != "127.0.0.1":
                    continue
                if m.group(3):
                    self.tls_port = self.tls_port or int(m.group(2))
                else:
                    self.port = self.port or int(m.group(2))
            if len(found) == expected:
                return
            time.sleep(0.02)
        self.stop()
        raise TestFailure("imapd did not start: " + " | ".join(self.log))

    def _read_log(self):
        for line in self.proc.stderr:
            with self.lock:
                self.log.append(line.rstrip("\n"))

    def log_text(self):
        with self.lock:
            return "\n".join(self.log)

    def wait_log(self, pattern, timeout=TIMEOUT, count=1):
        """Waits until pattern is in the log count times: a connection
        process may log after the client has its answer, and the lines
        reach us through a pipe and a thread."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            if len(re.findall(pattern, self.log_text())) >= count:
                return
            time.sleep(0.02)
        raise TestFailure(f"log never showed {pattern!r}; log:\n{self.log_text()}")

    def children(self):
        """Pids of the connection processes (not those that ended and
        wait to be reaped)."""
        kids = []
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat") as f:
                    stat = f.read()
            except OSError:
                continue
            fields = stat.rsplit(")", 1)[1].split()
            if int(fields[1]) == self.proc.pid and fields[0] != "Z":
                kids.append(int(entry))
        return kids

    def stop(self):
        # (no process when it could not even be started)
        if getattr(self, "proc", None) is not None and \
                self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(TIMEOUT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class Client:
    """An IMAP client that sees every byte: lines are returned with the
    CRLF stripped, and a missing CRLF is a failure."""

    def __init__(self, port=None, tls=False, sock=None, source=None):
        if sock is None:
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.settimeout(TIMEOUT)
            if source:
                sock.bind((source, 0))
            sock.connect(("127.0.0.1", port))
        self.sock = sock
        self.sock.settimeout(TIMEOUT)
        self.buf = b""
        if tls:
            self.starttls_handshake()

    def starttls_handshake(self):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        self.sock = ctx.wrap_socket(self.sock, server_hostname="localhost")
        self.buf = b""

    def send(self, data):
        if isinstance(data, str):
            data = data.encode()
        self.sock.sendall(data)

    def line(self):
        while b"\r\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise TestFailure(f"connection closed; unread {self.buf!r}")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line.decode("utf-8", "replace")

    def expect(self, pattern):
        """Reads one line and matches it against a regex (whole line)."""
        got = self.line()
        if not re.fullmatch(pattern, got):
            raise TestFailure(f"got {got!r}, want /{pattern}/")
        return got

    def cmd(self, tag, text, status="OK"):
        """Sends a command and reads to its tagged reply, which must have
        the given status. Returns (untagged lines, tagged line)."""
        self.send(f"{tag} {text}\r\n")
        untagged = []
        while True:
            got = self.line()
            if got.startswith(tag + " "):
                check(got.startswith(f"{tag} {status}"),
                      f"{text!r}: got {got!r}, want {tag} {status}")
                return untagged, got
            untagged.append(got)

    def closed(self, timeout=TIMEOUT):
        """True when the server closes the connection (after any lines)."""
        self.sock.settimeout(timeout)
        try:
            while True:
                chunk = self.sock.recv(65536)
                if not chunk:
                    return True
                self.buf += chunk
        except (socket.timeout, ssl.SSLError, ConnectionResetError):
            return False

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def own(path, user="alice"):
    """Gives what a test made to the user, as an MDA running as the user
    would have made it (as root; otherwise everything is ours anyway)."""
    if IS_ROOT:
        os.chown(path, USERS[user][0], USERS[user][0])


def fresh_maildir(world, name, user="alice"):
    """An empty Maildir ~user/name, made anew and owned by the user."""
    path = world.path("home", user, name)
    if os.path.lexists(path):
        shutil.rmtree(path)
    for sub in ("cur", "new", "tmp"):
        os.makedirs(os.path.join(path, sub))
    for root, _, _ in os.walk(path):
        os.chmod(root, 0o700)
        own(root, user)
    return path


def login(srv, user="alice"):
    """A client of srv, past the greeting and logged in as user."""
    c = Client(srv.port)
    c.expect(r"\* OK .*")
    c.cmd("l", f"LOGIN {user} {USERS[user][1]}")
    return c


@contextlib.contextmanager
def running(world, maildir, **config):
    """A server on the Maildir ~/maildir (and config), stopped when the
    block ends, however it ends."""
    srv = Server(world, maildir="~/" + maildir, **config)
    try:
        yield srv
    finally:
        srv.stop()


@contextlib.contextmanager
def served(world, maildir, **config):
    """running() with a client logged in as alice, which logs out when
    the block ends well."""
    with running(world, maildir, **config) as srv:
        c = login(srv)
        yield srv, c
        c.cmd("z", "LOGOUT")


def proc_status(pid):
    fields = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            k, _, v = line.partition(":")
            fields[k] = v.split()
    return fields
