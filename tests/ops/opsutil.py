"""tests/ops/opsutil.py — what the tests of the installed files share:
`make install` into a private DESTDIR (once per run), a reader for unit
and xinetd files, and a launcher that starts imapd the way systemd does,
with sockets at descriptors 3, 4, ... and LISTEN_* set for the very
process that runs imapd.

Nothing here installs into the real system: the build directory is
copied into the test's temporary directory, so that a PREFIX=/usr build
(which compiles another configuration path into imapd) does not touch
the build the other tests use.
"""
import fcntl
import os
import re
import shutil
import signal
import socket
import subprocess
import threading
import time

from harness import TIMEOUT, TestFailure, check

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
PREFIX = "/usr"
SYSCONFDIR = "/etc"


class Install:
    """`make install DESTDIR=... PREFIX=/usr sysconfdir=/etc`."""

    def __init__(self, world):
        self.world = world
        self.build = world.path("ops-build")
        self.destdir = world.path("destdir")
        if not os.path.exists(self.build):
            os.makedirs(self.build)
            for name in ("libskua.a", "imapd", "rimapd", "paths.h", "src"):
                src = os.path.join(world.build, name)
                if os.path.isdir(src):
                    shutil.copytree(src, os.path.join(self.build, name),
                                    symlinks=True)
                elif os.path.exists(src):
                    shutil.copy2(src, os.path.join(self.build, name))
        self.output = self.run()

    def run(self, *extra):
        r = subprocess.run(
            # The library as built for the other tests (-o): only imapd.o
            # and rimapd.o are compiled again, for the new sysconfdir.
            ["make", "-C", ROOT, "-s", "B=" + self.build,
             "-o", os.path.join(self.build, "libskua.a"), "install",
             "DESTDIR=" + self.destdir, "PREFIX=" + PREFIX,
             "sysconfdir=" + SYSCONFDIR] + list(extra),
            capture_output=True, text=True, timeout=600,
            # Not the flags of a `make check` this runs under.
            env={k: v for k, v in os.environ.items()
                 if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")})
        check(r.returncode == 0,
              f"make install failed ({r.returncode}):\n{r.stdout}{r.stderr}")
        return r.stdout + r.stderr

    def path(self, installed):
        """The file that `make install` put at installed (absolute)."""
        return self.destdir + installed

    def files(self):
        out = set()
        for root, _, names in os.walk(self.destdir):
            for n in names:
                out.add(os.path.join(root, n)[len(self.destdir):])
        return out

    def unitdir(self):
        return PREFIX + "/lib/systemd/system"

    def unit(self, name):
        return parse_unit(self.path(self.unitdir() + "/" + name))


def installed(world):
    """The one installation of this run."""
    inst = getattr(world, "_ops_install", None)
    if inst is None:
        inst = Install(world)
        world._ops_install = inst
    return inst


def parse_unit(path):
    """A unit file as {section: [(key, value), ...]}, keys in order."""
    sections = {}
    cur = None
    with open(path) as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line or line[0] in "#;":
                continue
            m = re.fullmatch(r"\[(\w+)\]", line)
            if m:
                cur = sections.setdefault(m.group(1), [])
                continue
            check(cur is not None and "=" in line,
                  f"{path}:{n}: cannot read {line!r}")
            k, _, v = line.partition("=")
            cur.append((k.strip(), v.strip()))
    return sections


def unit_value(unit, section, key):
    """The last value of key (as systemd takes it), or None."""
    vals = [v for k, v in unit.get(section, []) if k == key]
    return vals[-1] if vals else None


def parse_xinetd(path):
    """{service: {key: value}} of an xinetd file."""
    services = {}
    cur = name = None
    with open(path) as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            m = re.fullmatch(r"service\s+(\S+)", line)
            if m:
                name = m.group(1)
                continue
            if line == "{":
                cur = services.setdefault(name, {})
                continue
            if line == "}":
                cur = None
                continue
            m = re.fullmatch(r"(\w+)\s*(\+?=)\s*(.*)", line)
            check(cur is not None and m, f"{path}: cannot read {line!r}")
            cur[m.group(1)] = m.group(3).strip()
    return services


class Proc:
    """imapd started by launch(): its stderr is collected as log lines."""

    def __init__(self, pid, err_fd):
        self.pid = pid
        self.log = []
        self.lock = threading.Lock()
        self.status = None
        self.stderr = os.fdopen(err_fd, "r", errors="replace")
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.stderr:
            with self.lock:
                self.log.append(line.rstrip("\n"))

    def log_text(self):
        with self.lock:
            return "\n".join(self.log)

    def wait_log(self, pattern, timeout=TIMEOUT):
        deadline = time.time() + timeout
        while time.time() < deadline:
            m = re.search(pattern, self.log_text())
            if m:
                return m
            if self.poll() is not None:
                time.sleep(0.1)       # the last lines
                m = re.search(pattern, self.log_text())
                if m:
                    return m
                break
            time.sleep(0.02)
        raise TestFailure(f"log never showed {pattern!r}; log:\n"
                          f"{self.log_text()}")

    def poll(self):
        if self.status is None:
            pid, st = os.waitpid(self.pid, os.WNOHANG)
            if pid == self.pid:
                self.status = os.waitstatus_to_exitcode(st)
        return self.status

    def wait(self, timeout=TIMEOUT):
        deadline = time.time() + timeout
        while self.poll() is None:
            if time.time() > deadline:
                raise TestFailure(f"imapd {self.pid} did not exit; log:\n"
                                  f"{self.log_text()}")
            time.sleep(0.02)
        return self.status

    def stop(self):
        if self.poll() is None:
            os.kill(self.pid, signal.SIGTERM)
            try:
                self.wait()
            except TestFailure:
                os.kill(self.pid, signal.SIGKILL)
                self.wait()


def launch(argv, env, socks=(), names=None, stdio=None, listen_pid=True,
           executable=None):
    """Starts argv as systemd starts a service: the sockets socks at
    descriptors 3, 4, ..., LISTEN_FDS counting them, LISTEN_FDNAMES from
    names, and LISTEN_PID the pid of the process that execs imapd (or
    another pid, with listen_pid False). stdio, a socket, becomes stdin
    and stdout (Accept=yes, inetd). Returns a Proc."""
    r, w = os.pipe()
    high = [fcntl.fcntl(s.fileno(), fcntl.F_DUPFD_CLOEXEC, 100)
            for s in socks]
    io = (fcntl.fcntl(stdio.fileno(), fcntl.F_DUPFD_CLOEXEC, 100)
          if stdio is not None else None)
    pid = os.fork()
    if pid == 0:
        try:
            null = os.open(os.devnull, os.O_RDWR)
            os.dup2(io if io is not None else null, 0)
            os.dup2(io if io is not None else null, 1)
            os.dup2(w, 2)
            for i, fd in enumerate(high):
                os.dup2(fd, 3 + i)      # dup2 leaves close-on-exec off
            os.closerange(3 + len(high), 4096)
            e = dict(env)
            if socks:
                e["LISTEN_FDS"] = str(len(socks))
                e["LISTEN_PID"] = str(os.getpid() if listen_pid else 1)
                if names is not None:
                    e["LISTEN_FDNAMES"] = ":".join(names)
            os.execve(executable or argv[0], argv, e)
        finally:
            os._exit(127)
    os.close(w)
    for fd in high:
        os.close(fd)
    if io is not None:
        os.close(io)
    return Proc(pid, r)


def listening_socket(host="127.0.0.1"):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((host, 0))
    s.listen(16)
    return s


def connect(port):
    return socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
