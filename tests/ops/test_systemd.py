"""The systemd units as installed: systemd-analyze verify accepts them,
each port gets the mode it needs, and imapd runs as each unit says:
Accept=yes (imapd -i, imapd -i --tls on the connection), Accept=no
(listening sockets from systemd, told apart by FileDescriptorName=), and
Type=notify (READY=1, RELOADING=1, STOPPING=1 on $NOTIFY_SOCKET)."""
import os
import shlex
import shutil
import signal
import socket
import subprocess
import tempfile

from harness import Client, IS_ROOT, TIMEOUT, TestFailure, check
from opsutil import (installed, launch, listening_socket, connect,
                     unit_value)


def test_units_verify(world):
    inst = installed(world)
    tool = shutil.which("systemd-analyze")
    if tool is None:
        print("  (systemd-analyze not installed; skipped)")
        return
    # verify wants the programs the units start to exist: a copy of the
    # units that starts the installed imapd from DESTDIR.
    d = tempfile.mkdtemp(prefix="units-", dir=world.dir)
    os.chmod(d, 0o755)
    src = inst.path(inst.unitdir())
    names = sorted(os.listdir(src))
    for n in names:
        with open(os.path.join(src, n)) as f:
            text = f.read()
        with open(os.path.join(d, n), "w") as f:
            f.write(text.replace("/usr/sbin/imapd",
                                 inst.path("/usr/sbin/imapd")))
    r = subprocess.run([tool, "verify", "--man=no"] +
                       [os.path.join(d, n) for n in names],
                       capture_output=True, text=True, timeout=60, cwd=d)
    check(r.returncode == 0 and not r.stdout.strip() and
          not r.stderr.strip(),
          f"systemd-analyze verify ({r.returncode}):\n{r.stdout}{r.stderr}")


def test_units_give_each_port_its_mode(world):
    inst = installed(world)
    # Accept=yes: one socket unit per port, its template runs imapd -i.
    for sock, port, args in (("imapd.socket", "143", ["-i"]),
                             ("imaps.socket", "993", ["-i", "--tls"])):
        u = inst.unit(sock)
        check(unit_value(u, "Socket", "ListenStream") == port,
              f"{sock} listens on {unit_value(u, 'Socket', 'ListenStream')}")
        check(unit_value(u, "Socket", "Accept") == "yes", f"{sock}: Accept")
        svc = inst.unit(sock.replace(".socket", "@.service"))
        cmd = shlex.split(unit_value(svc, "Service", "ExecStart"))
        check(cmd == ["/usr/sbin/imapd"] + args, f"{sock}: runs {cmd}")
        check(unit_value(svc, "Service", "StandardInput") == "socket",
              f"{sock}: the connection is not stdin")
        err = unit_value(svc, "Service", "StandardError")
        check(err not in (None, "inherit", "socket"),
              f"{sock}: log lines would go to the client ({err})")
    # Accept=no: both sockets feed one daemon and name their mode.
    for sock, port, name in (("imapd-activated.socket", "143", "imap"),
                             ("imaps-activated.socket", "993", "imaps")):
        u = inst.unit(sock)
        check(unit_value(u, "Socket", "ListenStream") == port,
              f"{sock}: port")
        check(unit_value(u, "Socket", "Accept") in (None, "no"),
              f"{sock}: Accept")
        check(unit_value(u, "Socket", "FileDescriptorName") == name,
              f"{sock}: FileDescriptorName")
        check(unit_value(u, "Socket", "Service") ==
              "imapd-activated.service", f"{sock}: Service")
    for svc in ("imapd.service", "imapd-activated.service"):
        u = inst.unit(svc)
        check(unit_value(u, "Service", "Type") == "notify", f"{svc}: Type")
        check(shlex.split(unit_value(u, "Service", "ExecStart")) ==
              ["/usr/sbin/imapd", "-F"], f"{svc}: ExecStart")
        check(unit_value(u, "Service", "ExecReload") ==
              "/bin/kill -HUP $MAINPID", f"{svc}: ExecReload")
    # Hardening that would break a daemon that serves home directories
    # as their owners must not be there.
    for n in os.listdir(inst.path(inst.unitdir())):
        u = inst.unit(n)
        for key in ("ProtectHome", "User", "DynamicUser", "PrivateUsers"):
            check(unit_value(u, "Service", key) in (None, "no", "false"),
                  f"{n}: {key}={unit_value(u, 'Service', key)}")
        check(unit_value(u, "Service", "ProtectSystem") in
              (None, "yes", "full"), f"{n}: ProtectSystem is too strict")


def exec_start(world, unit, conf):
    """The unit's command, with the installed program and the test's
    configuration file."""
    inst = installed(world)
    cmd = shlex.split(unit_value(inst.unit(unit), "Service", "ExecStart"))
    return [inst.path(cmd[0])] + cmd[1:] + ["-c", conf]


def test_accept_yes_plain(world):
    """imapd@.service: the connection on stdin/stdout and, as systemd
    also does, at descriptor 3 with LISTEN_FDS=1."""
    conf = world.config("accept.conf")
    ours, theirs = socket.socketpair()
    p = launch(exec_start(world, "imapd@.service", conf), world.env(),
               socks=[theirs], names=["connection"], stdio=theirs)
    theirs.close()
    try:
        c = Client(sock=ours)
        c.expect(r"\* OK \[CAPABILITY IMAP4rev1 .*STARTTLS.*\] skua ready\.")
        c.cmd("a", "STARTTLS")
        c.starttls_handshake()
        c.cmd("b", "LOGIN alice alice-secret")
        c.cmd("c", "LOGOUT")
        check(c.closed(), "connection still open after LOGOUT")
        check(p.wait() == 0, f"exit {p.status}: {p.log_text()}")
    finally:
        p.stop()


def test_accept_yes_tls(world):
    conf = world.config("accept.conf")
    ours, theirs = socket.socketpair()
    p = launch(exec_start(world, "imaps@.service", conf), world.env(),
               socks=[theirs], names=["connection"], stdio=theirs)
    theirs.close()
    try:
        c = Client(sock=ours, tls=True)
        c.expect(r"\* OK \[CAPABILITY IMAP4rev1 .*AUTH=PLAIN.*\] skua ready\.")
        c.cmd("b", "LOGIN bob bob-secret")
        c.cmd("c", "LOGOUT")
        check(p.wait() == 0, f"exit {p.status}: {p.log_text()}")
    finally:
        p.stop()


class Notify:
    """The other end of $NOTIFY_SOCKET."""

    def __init__(self, world, abstract=False):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        if abstract:
            self.addr = f"@skua-test-{os.getpid()}-{id(self)}"
            self.sock.bind("\0" + self.addr[1:])
        else:
            self.addr = tempfile.mktemp(prefix="notify-", dir=world.dir)
            self.sock.bind(self.addr)
            os.chmod(self.addr, 0o777)
        self.sock.settimeout(TIMEOUT)

    def expect(self, want):
        try:
            got = self.sock.recv(4096).decode()
        except socket.timeout:
            raise TestFailure(f"no notification; want {want!r}")
        check(want in got.split("\n"), f"notified {got!r}, want {want!r}")

    def close(self):
        self.sock.close()
        if not self.addr.startswith("@"):
            os.unlink(self.addr)


def test_socket_activation(world):
    """imapd-activated.service: two listening sockets from systemd, named
    imaps and imap (in that order: the names decide, not the order);
    listen and listen_tls of the file are ignored."""
    conf = world.config("activated.conf")
    tls_sock, plain_sock = listening_socket(), listening_socket()
    note = Notify(world, abstract=True)
    env = world.env()
    env["NOTIFY_SOCKET"] = note.addr
    inst = installed(world)
    cmd = shlex.split(unit_value(inst.unit("imapd-activated.service"),
                                 "Service", "ExecStart"))
    p = launch([world.imapd] + cmd[1:] + ["-c", conf], env,
               socks=[tls_sock, plain_sock], names=["imaps", "imap"])
    try:
        note.expect("READY=1")
        tls_port = tls_sock.getsockname()[1]
        plain_port = plain_sock.getsockname()[1]
        # The log reaches us through a pipe and a reader thread, so READY=1
        # may arrive before the lines written ahead of it: wait for both.
        p.wait_log(rf"listening on 127\.0\.0\.1:{plain_port}(\n|$)")
        p.wait_log(rf"listening on 127\.0\.0\.1:{tls_port} \(tls\)")
        log = p.log_text()
        check("using 2 socket(s) from systemd" in log, f"log:\n{log}")
        check(log.count("listening on") == 2, f"bound more than given:\n{log}")
        check(f"listening on 127.0.0.1:{tls_port} (tls)" in log and
              f"listening on 127.0.0.1:{plain_port}\n" in log + "\n",
              f"modes not as named:\n{log}")
        c = Client(sock=connect(plain_port))
        c.expect(r"\* OK \[CAPABILITY .*STARTTLS.*\] skua ready\.")
        c.cmd("a", "LOGIN alice alice-secret")
        c.cmd("b", "LOGOUT")
        c = Client(sock=connect(tls_port), tls=True)
        c.expect(r"\* OK \[CAPABILITY .*\] skua ready\.")
        c.cmd("a", "LOGIN bob bob-secret")
        c.cmd("b", "LOGOUT")
        # The connection processes inherit no listening socket.
        c = Client(sock=connect(plain_port))
        c.expect(r"\* OK .*")
        kids = children(p.pid)
        check(kids, "no connection process")
        seen = 0
        for kid in kids:
            try:
                fds = os.listdir(f"/proc/{kid}/fd")
            except FileNotFoundError:
                continue        # an earlier session's, gone meanwhile
            seen += 1
            for fd in fds:
                try:
                    target = os.readlink(f"/proc/{kid}/fd/{fd}")
                except OSError:
                    continue
                for s in (tls_sock, plain_sock):
                    ino = os.fstat(s.fileno()).st_ino
                    check(target != f"socket:[{ino}]",
                          f"connection process {kid} holds a listening "
                          f"socket at fd {fd}")
        check(seen, "no connection process left to look at")
        c.close()
        os.kill(p.pid, signal.SIGHUP)
        note.expect("RELOADING=1")
        note.expect("READY=1")
        p.stop()
        note.expect("STOPPING=1")
        check(p.status == 0, f"exit {p.status}")
    finally:
        p.stop()
        note.close()


def children(pid):
    kids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    stat = f.read()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                kids.append(int(entry))
    return kids


def test_socket_activation_unnamed_goes_by_port(world):
    """A socket without one of the names (systemd's default is the unit's
    name) is plain unless its port is 993."""
    conf = world.config("activated.conf")
    s = listening_socket()
    p = launch([world.imapd, "-F", "-c", conf], world.env(), socks=[s],
               names=["imapd-activated.socket"])
    try:
        p.wait_log(r"listening on 127\.0\.0\.1:\d+$")
        c = Client(sock=connect(s.getsockname()[1]))
        c.expect(r"\* OK \[CAPABILITY .*STARTTLS.*\] skua ready\.")
    finally:
        p.stop()


def test_socket_activation_for_another_pid(world):
    """LISTEN_PID of another process: the variables were inherited, the
    sockets are not ours; imapd binds its own addresses."""
    conf = world.config("activated.conf")
    s = listening_socket()
    p = launch([world.imapd, "-F", "-c", conf], world.env(), socks=[s],
               names=["imap"], listen_pid=False)
    try:
        p.wait_log(r"listening on 127\.0\.0\.1:\d+ \(tls\)")
        log = p.log_text()
        check("from systemd" not in log, f"took sockets not its own:\n{log}")
        check(f":{s.getsockname()[1]}" not in log, f"log:\n{log}")
    finally:
        p.stop()


def test_socket_activation_refuses_a_connection(world):
    """A connected socket (a unit with Accept=yes that runs the daemon
    instead of imapd -i) is refused with a message that says so."""
    conf = world.config("activated.conf")
    ours, theirs = socket.socketpair()
    p = launch([world.imapd, "-F", "-c", conf], world.env(), socks=[theirs],
               names=["imap"])
    theirs.close()
    try:
        check(p.wait() == 1, f"exit {p.status}")
        p.wait_log(r"systemd socket 3 \(imap\) is not listening; a unit "
                   r"with Accept=yes must run imapd -i")
    finally:
        p.stop()
        ours.close()


def test_notify_standalone(world):
    """imapd.service: Type=notify without socket activation."""
    conf = world.config("notify.conf")
    note = Notify(world)
    env = world.env()
    env["NOTIFY_SOCKET"] = note.addr
    p = launch([world.imapd, "-F", "-c", conf], env)
    try:
        note.expect("READY=1")
        p.wait_log(r"listening on 127\.0\.0\.1:\d+ \(tls\)")
        p.stop()
        note.expect("STOPPING=1")
    finally:
        p.stop()
        note.close()
