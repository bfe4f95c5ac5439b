"""The daemon as an admin runs it: standalone with limits, signals and a
pidfile; -n and -t; inetd mode; rimapd; openssl s_client."""
import os
import re
import signal
import socket
import subprocess
import time

from harness import (CAPS_AUTHED, Client, IS_ROOT, Server, TIMEOUT, TestFailure, check,
                     proc_status)


def greet(c):
    return c.expect(r"\* OK .*")


def test_per_ip_and_total_limits(world):
    srv = Server(world, max_connections_per_ip=2, max_connections=3)
    try:
        a, b = Client(srv.port), Client(srv.port)
        greet(a), greet(b)
        c = Client(srv.port)
        c.expect(r"\* BYE Too many connections from your address")
        check(c.closed(), "third connection from one address stayed open")
        d = Client(srv.port, source="127.0.0.2")
        greet(d)
        e = Client(srv.port, source="127.0.0.3")
        e.expect(r"\* BYE Too many connections, try again later")
        # Closing one frees its slot once the child is reaped.
        a.cmd("x", "LOGOUT")
        a.closed()
        deadline = time.time() + TIMEOUT
        while len(srv.children()) > 2 and time.time() < deadline:
            time.sleep(0.05)
        f = Client(srv.port)
        greet(f)
    finally:
        srv.stop()


def test_sighup_reloads_for_new_connections(world):
    srv = Server(world, plaintext_auth="always")
    try:
        old = Client(srv.port)
        old.expect(r"\* OK \[CAPABILITY .*AUTH=PLAIN.*")
        world.config(plaintext_auth="never")   # rewrites the same file
        srv.proc.send_signal(signal.SIGHUP)
        srv.wait_log(r"reloaded ")
        new = Client(srv.port)
        new.expect(r"\* OK \[CAPABILITY .*LOGINDISABLED\] .*")
        old.cmd("a", "LOGIN alice alice-secret")  # old one keeps its rules
        # A broken file is refused and the old configuration stays.
        with open(srv.conf, "a") as f:
            f.write("no_such_key = 1\n")
        srv.proc.send_signal(signal.SIGHUP)
        srv.wait_log(r"reload failed, keeping the old configuration: .*"
                     r"imapd\.conf:\d+: unknown key 'no_such_key'")
        greet(Client(srv.port))
    finally:
        srv.stop()


def test_sigterm_stops_cleanly(world):
    srv = Server(world)
    pidfile = world.path("imapd.conf.pid")
    check(os.path.exists(pidfile), "no pidfile")
    with open(pidfile) as f:
        check(int(f.read()) == srv.proc.pid, "pidfile holds another pid")
    c = Client(srv.port)
    greet(c)
    kid = srv.children()[0]
    srv.proc.send_signal(signal.SIGTERM)
    rc = srv.proc.wait(TIMEOUT)
    check(rc == 0, f"exit status {rc}, want 0")
    check(not os.path.exists(pidfile), "pidfile left behind")
    check(c.closed(), "connection survived SIGTERM")
    deadline = time.time() + TIMEOUT
    while os.path.exists(f"/proc/{kid}") and time.time() < deadline:
        time.sleep(0.05)
    check(not os.path.exists(f"/proc/{kid}/status") or
          proc_status(kid)["State"][0] == "Z", "connection process survived")


def test_daemonizes_without_F(world):
    conf = world.config("bg.conf")
    pidfile = world.path("bg.conf.pid")
    r = subprocess.run([world.imapd, "-c", conf], env=world.env(),
                       stdin=subprocess.DEVNULL, capture_output=True,
                       timeout=TIMEOUT)
    check(r.returncode == 0, f"imapd exited {r.returncode}: {r.stderr!r}")
    deadline = time.time() + TIMEOUT
    while not os.path.exists(pidfile) and time.time() < deadline:
        time.sleep(0.05)
    with open(pidfile) as f:
        pid = int(f.read())
    try:
        check(os.path.exists(f"/proc/{pid}"), "daemon not running")
        with open(f"/proc/{pid}/stat") as f:
            stat = f.read().rsplit(")", 1)[1].split()
        check(int(stat[3]) != os.getsid(0) and stat[4] == "0",
              "daemon is in our session or has a terminal")
        check(os.readlink(f"/proc/{pid}/cwd") == "/", "daemon cwd is not /")
    finally:
        os.kill(pid, signal.SIGTERM)
        deadline = time.time() + TIMEOUT
        while os.path.exists(pidfile) and time.time() < deadline:
            time.sleep(0.05)
    check(not os.path.exists(pidfile), "pidfile left after SIGTERM")


def test_print_changed_and_check(world):
    conf = world.config("n.conf", max_connections=77)
    r = subprocess.run([world.imapd, "-n", "-c", conf], capture_output=True,
                       text=True, timeout=TIMEOUT)
    check(r.returncode == 0, f"-n exited {r.returncode}: {r.stderr}")
    check("max_connections = 77\n" in r.stdout, f"-n printed {r.stdout!r}")
    check("pam_service" not in r.stdout, "-n printed a default value")
    r = subprocess.run([world.imapd, "-t", "-c", conf], capture_output=True,
                       text=True, timeout=TIMEOUT)
    check(r.returncode == 0, f"-t exited {r.returncode}: {r.stderr}")
    bad = world.path("bad.conf")
    with open(bad, "w") as f:
        f.write("# fine\nlisten = 127.0.0.1:0\nmax_connections = lots\n")
    r = subprocess.run([world.imapd, "-t", "-c", bad], capture_output=True,
                       text=True, timeout=TIMEOUT)
    check(r.returncode != 0, "-t accepted a bad value")
    check(re.search(r"bad\.conf:3: max_connections", r.stderr),
          f"-t did not name file and line: {r.stderr!r}")
    conf = world.config("badcert.conf", tls_key=world.path("passdb"))
    r = subprocess.run([world.imapd, "-t", "-c", conf], capture_output=True,
                       text=True, timeout=TIMEOUT)
    check(r.returncode != 0, "-t accepted a key that is not a key")
    check("passdb" in r.stderr, f"-t did not name the key file: {r.stderr!r}")


def inetd(world, tls, conf):
    """Starts imapd -i on one end of a socket pair, as inetd would."""
    ours, theirs = socket.socketpair()
    args = [world.imapd, "-i", "-F", "-c", conf] + (["--tls"] if tls else [])
    p = subprocess.Popen(args, env=world.env(), stdin=theirs, stdout=theirs,
                         stderr=subprocess.PIPE)
    theirs.close()
    return p, Client(sock=ours, tls=tls)


def test_inetd_plain(world):
    conf = world.config("inetd.conf", plaintext_auth="never")
    p, c = inetd(world, False, conf)
    try:
        # A Unix socket peer is local, but "never" means never.
        c.expect(r"\* OK \[CAPABILITY .* STARTTLS LOGINDISABLED\] skua ready\.")
        c.cmd("a", "STARTTLS")
        c.starttls_handshake()
        c.cmd("b", "LOGIN alice alice-secret")
        c.cmd("c", "LOGOUT")
        check(p.wait(TIMEOUT) == 0, "imapd -i did not exit 0")
    finally:
        if p.poll() is None:
            p.kill()
        p.wait()


def test_inetd_tls(world):
    conf = world.config("inetd.conf")
    p, c = inetd(world, True, conf)
    try:
        c.expect(r"\* OK \[CAPABILITY .* AUTH=PLAIN AUTH=LOGIN\] skua ready\.")
        c.cmd("b", "LOGIN bob bob-secret")
        c.cmd("c", "LOGOUT")
        check(p.wait(TIMEOUT) == 0, "imapd -i --tls did not exit 0")
    finally:
        if p.poll() is None:
            p.kill()
        p.wait()


def rimapd(world, extra=(), user="alice"):
    env = world.env()
    env["LD_PRELOAD"] = " ".join(x for x in env["LD_PRELOAD"].split()
                                 if "uid_wrapper" not in x)
    pre = None
    if IS_ROOT and user:
        uid = 10001 if user == "alice" else 10002

        def pre():
            os.setgroups([])
            os.setgid(uid)
            os.setuid(uid)
    return subprocess.Popen([world.rimapd, "-F"] + list(extra), env=env,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, preexec_fn=pre)


def test_rimapd_preauth(world):
    p = rimapd(world)
    out, err = p.communicate(b"a CAPABILITY\r\nb LOGIN x y\r\nc LOGOUT\r\n",
                             timeout=TIMEOUT)
    lines = out.decode().split("\r\n")
    name = "alice" if IS_ROOT else "runner"
    check(lines[0] == f"* PREAUTH [CAPABILITY {CAPS_AUTHED}] "
          f"skua ready, logged in as {name}", f"greeting {lines[0]!r}")
    check(lines[1] == f"* CAPABILITY {CAPS_AUTHED}", lines[1])
    check(lines[2] == "a OK Capability completed.", lines[2])
    check(lines[3] == "b BAD LOGIN is only allowed before login", lines[3])
    check(lines[4:6] == ["* BYE Logging out", "c OK Logout completed."],
          repr(lines[4:]))
    check(p.returncode == 0, f"rimapd exit {p.returncode}: {err!r}")


def test_rimapd_refuses_root(world):
    if not IS_ROOT:
        # Under uid_wrapper rimapd believes it is root.
        env = world.env()
        p = subprocess.Popen([world.rimapd, "-F"], env=env,
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE)
    else:
        p = rimapd(world, user=None)
    out, err = p.communicate(b"a LOGOUT\r\n", timeout=TIMEOUT)
    check(out.startswith(b"* BYE rimapd refuses to run as root"),
          f"got {out!r}")
    check(p.returncode != 0, "rimapd as root exited 0")


def test_openssl_s_client(world):
    """What an admin types: openssl s_client against port 993."""
    srv = Server(world)
    try:
        script = (b"a CAPABILITY\r\n")
        p = subprocess.Popen(
            ["openssl", "s_client", "-connect", f"127.0.0.1:{srv.tls_port}",
             "-quiet", "-crlf", "-ign_eof"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE)
        # Commands one at a time, as a person would, then LOGOUT.
        for line in (b"a CAPABILITY\n", b"b LOGIN alice alice-secret\n",
                     b"c LOGOUT\n"):
            p.stdin.write(line)
            p.stdin.flush()
            time.sleep(0.3)
        out, err = p.communicate(timeout=TIMEOUT)
        text = out.decode()
        for want in (r"\* OK \[CAPABILITY IMAP4rev1 .*AUTH=PLAIN.*\] skua ready\.",
                     r"a OK Capability completed\.",
                     r"b OK \[CAPABILITY " + re.escape(CAPS_AUTHED) +
                     r"\] Logged in",
                     r"\* BYE Logging out", r"c OK Logout completed\."):
            check(re.search(want, text), f"s_client output lacks /{want}/:\n{text}")
    finally:
        srv.stop()


def test_ipv6_listener(world):
    if not socket.has_ipv6:
        return
    try:
        probe = socket.socket(socket.AF_INET6)
        probe.bind(("::1", 0))
        probe.close()
    except OSError:
        return  # no IPv6 loopback on this machine
    srv = Server(world, listen="127.0.0.1:0 [::1]:0", listen_tls="[::1]:0")
    try:
        srv.wait_log(r"listening on \[::1\]:\d+ \(tls\)")
        ports = re.findall(r"listening on \[::1\]:(\d+)( \(tls\))?", srv.log_text())
        plain = [int(p) for p, t in ports if not t][0]
        tls = [int(p) for p, t in ports if t][0]
        s = socket.create_connection(("::1", plain), timeout=TIMEOUT)
        c = Client(sock=s)
        # ::1 is in the default local_networks.
        c.expect(r"\* OK \[CAPABILITY .* AUTH=PLAIN AUTH=LOGIN\] skua ready\.")
        c.cmd("a", "LOGIN alice alice-secret")
        srv.wait_log(r"login: user=alice rip=::1 ")
        s = socket.create_connection(("::1", tls), timeout=TIMEOUT)
        c = Client(sock=s, tls=True)
        greet(c)
    finally:
        srv.stop()


def test_sighup_reloads_certificate(world):
    import ssl
    srv = Server(world)
    try:
        def fingerprint():
            s = socket.create_connection(("127.0.0.1", srv.tls_port),
                                         timeout=TIMEOUT)
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
            t = ctx.wrap_socket(s)
            der = t.getpeercert(binary_form=True)
            t.close()
            return der
        before = fingerprint()
        cert, key = world.path("cert2.pem"), world.path("key2.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048",
                        "-nodes", "-keyout", key, "-out", cert, "-days", "2",
                        "-subj", "/CN=renewed"], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        world.config(tls_cert=cert, tls_key=key)
        srv.proc.send_signal(signal.SIGHUP)
        srv.wait_log(r"reloaded ")
        after = fingerprint()
        check(before != after, "the old certificate is still served")
    finally:
        srv.stop()
        world.config()


def test_not_root_serves_only_itself(world):
    """imapd started by an ordinary user says so, serves the account with
    its own uid, and refuses everyone else with a clear NO."""
    uid = 65534 if IS_ROOT else os.getuid()
    gid = 65534 if IS_ROOT else os.getgid()
    home = world.path("selfhome")
    os.makedirs(home, exist_ok=True)
    os.chmod(home, 0o777)
    users = world.path("selfusers")
    with open(users, "w") as f:
        f.write(f"self:{{PLAIN}}self-secret:{uid}:{gid}::{home}::\n")
        f.write(f"alice:{{PLAIN}}alice-secret:10001:10001::{home}::\n")
    os.chmod(users, 0o644)
    conf = world.config("self.conf", listen_tls="", auth="passwd-file " + users,
                        pidfile=os.path.join(home, "imapd.pid"))
    os.chmod(conf, 0o644)
    env = world.env()
    env["LD_PRELOAD"] = " ".join(x for x in env["LD_PRELOAD"].split()
                                 if "uid_wrapper" not in x)

    def become():
        if IS_ROOT:
            os.setgroups([])
            os.setgid(gid)
            os.setuid(uid)
    p = subprocess.Popen([world.imapd, "-F", "-c", conf], env=env,
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE, text=True, preexec_fn=become)
    try:
        port = None
        log = []
        deadline = time.time() + TIMEOUT
        while port is None and time.time() < deadline:
            line = p.stderr.readline()
            if not line:
                break
            log.append(line)
            m = re.search(r"listening on 127\.0\.0\.1:(\d+)", line)
            if m:
                port = int(m.group(1))
        check(port, f"imapd did not start: {log}")
        check(any(f"not running as root: can serve only uid {uid}" in l
                  for l in log), f"no start-up notice: {log}")
        c = Client(port)
        greet(c)
        c.cmd("a", "LOGIN alice alice-secret",
              f"NO [UNAVAILABLE] this server runs as uid {uid} and can serve "
              "only that user")
        c.cmd("b", "LOGIN self self-secret")
        c.cmd("c", "LOGOUT")
    finally:
        p.terminate()
        p.wait(TIMEOUT)
