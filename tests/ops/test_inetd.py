"""The xinetd files and the inetd.conf lines as installed: the server and
arguments they name, run exactly so (with the test's configuration file
added) on a connected socket as stdin and stdout."""
import re
import socket
import subprocess

from harness import Client, TIMEOUT, check
from opsutil import installed, parse_xinetd


def serve(world, argv, executable, tls, user, password):
    conf = world.config("inetd-ops.conf")
    ours, theirs = socket.socketpair()
    p = subprocess.Popen(list(argv) + ["-c", conf], executable=executable,
                         env=world.env(), stdin=theirs, stdout=theirs,
                         stderr=subprocess.PIPE)
    theirs.close()
    try:
        c = Client(sock=ours, tls=tls)
        c.expect(r"\* OK \[CAPABILITY IMAP4rev1 .*\] skua ready\.")
        if not tls:
            c.cmd("a", "STARTTLS")
            c.starttls_handshake()
        c.cmd("b", f"LOGIN {user} {password}")
        c.cmd("c", "LOGOUT")
        rc = p.wait(TIMEOUT)
        check(rc == 0, f"{argv} exited {rc}: {p.stderr.read()!r}")
    finally:
        if p.poll() is None:
            p.kill()
        p.wait()
        p.stderr.close()


def test_xinetd(world):
    inst = installed(world)
    for name, args, tls in (("imap", ["-i"], False),
                            ("imaps", ["-i", "--tls"], True)):
        services = parse_xinetd(inst.path("/etc/xinetd.d/" + name))
        check(list(services) == [name], f"xinetd.d/{name}: services "
              f"{list(services)}")
        s = services[name]
        for k, v in (("socket_type", "stream"), ("protocol", "tcp"),
                     ("wait", "no"), ("user", "root"),
                     ("server", "/usr/sbin/imapd"), ("disable", "yes")):
            check(s.get(k) == v, f"xinetd.d/{name}: {k} = {s.get(k)}, "
                  f"want {v}")
        check(s["server_args"].split() == args,
              f"xinetd.d/{name}: server_args = {s['server_args']}")
        # xinetd passes the program's name as argv[0].
        serve(world, ["imapd"] + s["server_args"].split(),
              inst.path(s["server"]), tls, "alice", "alice-secret")


def test_inetd_conf(world):
    inst = installed(world)
    with open(inst.path("/usr/share/doc/skua/inetd.conf")) as f:
        lines = [l.split() for l in f if l.strip() and not l.startswith("#")]
    check([l[0] for l in lines] == ["imap", "imaps"],
          f"inetd.conf services: {[l[0] for l in lines]}")
    for fields, tls in zip(lines, (False, True)):
        check(fields[1:5] == ["stream", "tcp", "nowait", "root"],
              f"inetd.conf: {fields}")
        check(fields[5] == "/usr/sbin/imapd", f"inetd.conf: {fields}")
        argv = fields[6:]
        check(argv[1:] == (["-i", "--tls"] if tls else ["-i"]),
              f"inetd.conf: {fields}")
        serve(world, argv, inst.path(fields[5]), tls, "bob", "bob-secret")


def test_man_page_inetd_example_matches(world):
    """imapd(8) shows an inetd.conf line: the one installed."""
    inst = installed(world)
    with open(inst.path("/usr/share/man/man8/imapd.8")) as f:
        man = f.read()
    with open(inst.path("/usr/share/doc/skua/inetd.conf")) as f:
        conf = [" ".join(l.split()) for l in f
                if l.strip() and not l.startswith("#")]
    shown = [" ".join(l.split()) for l in man.splitlines()
             if re.match(r"imaps?\s+stream\s", l)]
    check(shown and all(l in conf for l in shown),
          f"imapd(8) shows {shown}, installed {conf}")
