"""Operations: the login and logout log lines (imapd(8), LOGGING), the
failed-login line against the shipped fail2ban filter, the protocol
trace of rawlog_users, and process titles, all over real sockets."""
import base64
import os
import re
import shutil
import stat
import subprocess
import time

from harness import (Client, IS_ROOT, Server, TIMEOUT, TestFailure, USERS,
                     check, own)
from hardening import wait_children

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
FILTER = os.path.join(TOP, "etc", "fail2ban", "filter.d", "skua-imapd.conf")

LOGIN_RE = (r"login: user=(\S+) rip=(\S+) lip=(\S+) mech=(\S+) "
            r"tls=(yes|no) cipher=(\S+)$")
LOGOUT_KEYS = ["user", "rip", "in", "out", "cmds", "select", "fetch",
               "store", "search", "append", "copy", "move", "expunge",
               "reason", "session"]


def b64(s):
    return base64.b64encode(s.encode() if isinstance(s, str) else s).decode()


class CountingClient(Client):
    """harness.Client that counts every byte it sends and receives."""

    def __init__(self, *args, **kwargs):
        self.sent = self.received = 0
        super().__init__(*args, **kwargs)

    def send(self, data):
        if isinstance(data, str):
            data = data.encode()
        self.sent += len(data)
        self.sock.sendall(data)

    def line(self):
        while b"\r\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise TestFailure(f"connection closed; unread {self.buf!r}")
            self.received += len(chunk)
            self.buf += chunk
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line.decode("utf-8", "replace")

    def closed(self, timeout=TIMEOUT):
        self.sock.settimeout(timeout)
        while True:
            chunk = self.sock.recv(65536)
            if not chunk:
                return True
            self.received += len(chunk)
            self.buf += chunk


def log_lines(srv, what):
    """The lines of the server log that carry "what: " (login, logout),
    each without the timestamp and pid prefix."""
    out = []
    for line in srv.log_text().splitlines():
        m = re.search(r"imapd\[\d+\]: (" + what + r": .*)$", line)
        if m:
            out.append(m.group(1))
    return out


def wait_lines(srv, what, n):
    deadline = time.time() + TIMEOUT
    while time.time() < deadline:
        got = log_lines(srv, what)
        if len(got) >= n:
            return got
        time.sleep(0.02)
    raise TestFailure(f"want {n} {what} line(s); log:\n{srv.log_text()}")


def parse_logout(line):
    """The fields of a logout line, checked to be exactly LOGOUT_KEYS in
    that order, each key=value without blanks."""
    check(line.startswith("logout: "), line)
    pairs = [w.split("=", 1) for w in line[len("logout: "):].split(" ")]
    check(all(len(p) == 2 and p[1] for p in pairs), f"not key=value: {line}")
    check([p[0] for p in pairs] == LOGOUT_KEYS,
          f"keys {[p[0] for p in pairs]}, want {LOGOUT_KEYS}")
    return dict(pairs)


def deliver(world, user="alice", size=200, name=None):
    """A message in the user's Maildir/new."""
    body = "x" * max(0, size - 60)
    msg = (f"From: a@example.org\r\nSubject: test\r\n\r\n{body}\r\n")
    name = name or f"{time.time():.6f}.{os.getpid()}.test"
    path = world.path("home", user, "Maildir", "new", name)
    with open(path, "w") as f:
        f.write(msg)
    own(path, user)
    return msg


def clean_maildir(world, user="alice"):
    md = world.path("home", user, "Maildir")
    for sub in ("cur", "new", "tmp"):
        for f in os.listdir(os.path.join(md, sub)):
            os.unlink(os.path.join(md, sub, f))
    for f in os.listdir(md):
        p = os.path.join(md, f)
        if f.startswith("dovecot") or f.startswith("skua"):
            if os.path.isfile(p):
                os.unlink(p)


def test_login_and_logout_lines(world):
    clean_maildir(world)
    deliver(world)
    srv = Server(world)
    try:
        c = CountingClient(srv.port)
        c.expect(r"\* OK .*")
        c.cmd("a1", "LOGIN alice alice-secret")
        c.cmd("a2", "SELECT INBOX")
        c.cmd("a3", "FETCH 1 (FLAGS)")
        c.cmd("a4", "UID FETCH 1:* (UID RFC822.SIZE)")
        c.cmd("a5", "STORE 1 +FLAGS (\\Seen)")
        c.cmd("a6", "UID SEARCH ALL")
        c.cmd("a7", "NOOP")
        c.cmd("a8", "FROBNICATE", "BAD")
        c.send("a9 LOGOUT\r\n")
        c.expect(r"\* BYE .*")
        c.expect(r"a9 OK .*")
        check(c.closed(), "open after LOGOUT")

        login = wait_lines(srv, "login", 1)[0]
        m = re.fullmatch(LOGIN_RE, login)
        check(m, f"login line {login!r}, want /{LOGIN_RE}/")
        check(m.groups() == ("alice", "127.0.0.1", "127.0.0.1", "LOGIN",
                             "no", "none"), f"login line {login!r}")
        f = parse_logout(wait_lines(srv, "logout", 1)[0])
        # The server counts what the session read and wrote: all of it.
        check(int(f["in"]) == c.sent, f"in={f['in']}, client sent {c.sent}")
        check(int(f["out"]) == c.received,
              f"out={f['out']}, client received {c.received}")
        want = {"user": "alice", "rip": "127.0.0.1", "cmds": "9",
                "select": "1", "fetch": "2", "store": "1", "search": "1",
                "append": "0", "copy": "0", "move": "0", "expunge": "0",
                "reason": "logout"}
        got = {k: f[k] for k in want}
        check(got == want, f"logout fields {got}, want {want}")
        check(re.fullmatch(r"\d+\.\d{3}", f["session"]) and
              float(f["session"]) < TIMEOUT, f"session={f['session']}")
    finally:
        srv.stop()


def test_login_line_tls_and_authenticate(world):
    """Implicit TLS and AUTHENTICATE PLAIN: tls=yes and the protocol and
    cipher the client negotiated."""
    srv = Server(world)
    try:
        c = CountingClient(srv.tls_port, tls=True)
        c.expect(r"\* OK .*")
        c.cmd("a", "AUTHENTICATE PLAIN " + b64("\0alice\0alice-secret"))
        proto, cipher = c.sock.version(), c.sock.cipher()[0]
        c.cmd("b", "LOGOUT")
        c.closed()
        login = wait_lines(srv, "login", 1)[0]
        want = (f"login: user=alice rip=127.0.0.1 lip=127.0.0.1 mech=PLAIN "
                f"tls=yes cipher={proto}/{cipher}")
        check(login == want, f"got {login!r}, want {want!r}")
        f = parse_logout(wait_lines(srv, "logout", 1)[0])
        # Bytes as the session saw them: above TLS.
        check(int(f["in"]) == c.sent and int(f["out"]) == c.received,
              f"in={f['in']} out={f['out']}, client {c.sent}/{c.received}")
    finally:
        srv.stop()


def test_logout_reasons(world):
    srv = Server(world, idle_timeout=1)
    try:
        # eof: the client goes away without LOGOUT.
        c = Client(srv.port)
        c.expect(r"\* OK .*")
        c.cmd("a", "LOGIN alice alice-secret")
        c.close()
        f = parse_logout(wait_lines(srv, "logout", 1)[0])
        check(f["reason"] == "eof", f"reason={f['reason']}, want eof")
        # timeout: idle_timeout passes.
        c = Client(srv.port)
        c.expect(r"\* OK .*")
        c.cmd("a", "LOGIN bob bob-secret")
        c.expect(r"\* BYE Autologout.*")
        c.closed()
        f = parse_logout(wait_lines(srv, "logout", 2)[1])
        check(f["user"] == "bob" and f["reason"] == "timeout",
              f"user={f['user']} reason={f['reason']}, want bob timeout")
        # bye: the server ends it (too many invalid commands).
        c = Client(srv.port)
        c.expect(r"\* OK .*")
        c.cmd("a", "LOGIN alice alice-secret")
        c.send("".join(f"x{i} BOGUS\r\n" for i in range(20)))
        for i in range(20):
            c.expect(rf"x{i} BAD .*")
        c.expect(r"\* BYE Too many invalid commands")
        c.closed()
        f = parse_logout(wait_lines(srv, "logout", 3)[2])
        check(f["reason"] == "bye" and f["cmds"] == "21",
              f"reason={f['reason']} cmds={f['cmds']}, want bye 21")
        # The same two ends during IDLE.
        c = Client(srv.port)
        c.expect(r"\* OK .*")
        c.cmd("a", "LOGIN alice alice-secret")
        c.send("b IDLE\r\n")
        c.expect(r"\+ .*")
        c.close()
        f = parse_logout(wait_lines(srv, "logout", 4)[3])
        check(f["reason"] == "eof", f"IDLE: reason={f['reason']}, want eof")
        c = Client(srv.port)
        c.expect(r"\* OK .*")
        c.cmd("a", "LOGIN alice alice-secret")
        c.send("b IDLE\r\n")
        c.expect(r"\+ .*")
        check(c.closed(), "IDLE outlived idle_timeout")
        f = parse_logout(wait_lines(srv, "logout", 5)[4])
        check(f["reason"] == "timeout",
              f"IDLE: reason={f['reason']}, want timeout")
    finally:
        srv.stop()


def test_user_names_are_one_word(world):
    """A user name with blanks or brackets cannot forge fields: it is
    written %XX."""
    srv = Server(world)
    try:
        c = Client(srv.port)
        c.expect(r"\* OK .*")
        c.cmd("a", 'LOGIN "x> rip=10.9.8.7 mech=LOGIN attempt=1" wrong',
              "NO [AUTHENTICATIONFAILED]")
        c.cmd("b", 'LOGIN "\\"%<\xe9>" wrong', "NO [AUTHENTICATIONFAILED]")
        srv.wait_log(r"auth failed: user=<x%3E%20rip=10\.9\.8\.7%20mech="
                     r"LOGIN%20attempt=1> rip=127\.0\.0\.1 mech=LOGIN "
                     r"attempt=1(?m:$)")
        srv.wait_log(r"auth failed: user=<%22%25%3C%C3%A9%3E> "
                     r"rip=127\.0\.0\.1 mech=LOGIN attempt=2(?m:$)")
    finally:
        srv.stop()


def fail2ban_regex(world, log_path):
    """Runs fail2ban-regex with the shipped filter (and the common.conf
    it includes). Returns (matched lines count, [addresses])."""
    exe = shutil.which("fail2ban-regex")
    check(exe, "fail2ban-regex is not installed (scripts/deps.sh check)")
    conf = world.path("fail2ban", "filter.d")
    os.makedirs(conf, exist_ok=True)
    shutil.copy("/etc/fail2ban/filter.d/common.conf", conf)
    shutil.copy(FILTER, conf)
    r = subprocess.run([exe, "-v", log_path,
                        os.path.join(conf, "skua-imapd.conf")],
                       capture_output=True, text=True, timeout=60)
    check(r.returncode == 0, f"fail2ban-regex failed: {r.stdout}{r.stderr}")
    m = re.search(r"^Lines: \d+ lines, \d+ ignored, (\d+) matched",
                  r.stdout, re.M)
    check(m, f"cannot read fail2ban-regex's output:\n{r.stdout}")
    # -v lists each hit under its regex: "|      ADDRESS  DATE".
    hits = re.findall(r"^\|\s+(\S+)\s+\w{3} \w{3} +\d+ [\d:]+ \d{4}$",
                      r.stdout, re.M)
    return int(m.group(1)), hits, r.stdout


def test_fail2ban_filter(world):
    """Two failed logins and one good one, from a real server's log, in
    imapd -F's form and in syslog's: the filter finds exactly the two
    failures, with the client's address, and not the address a user name
    tries to plant."""
    srv = Server(world)
    try:
        c = Client(srv.port)
        c.expect(r"\* OK .*")
        c.cmd("a", "LOGIN alice wrong", "NO [AUTHENTICATIONFAILED]")
        c.cmd("b", 'LOGIN "evil> rip=10.9.8.7 mech=LOGIN attempt=1" x',
              "NO [AUTHENTICATIONFAILED]")
        c.cmd("c", "LOGIN alice alice-secret")
        c.cmd("d", "LOGOUT")
        c.closed()
        wait_lines(srv, "logout", 1)
        text = srv.log_text()
    finally:
        srv.stop()
    check(len(re.findall(r"auth failed: ", text)) == 2, text)
    path = world.path("f2b-stderr.log")
    with open(path, "w") as f:
        f.write(text + "\n")
    n, hits, out = fail2ban_regex(world, path)
    check(n == 2 and hits == ["127.0.0.1", "127.0.0.1"],
          f"matched {n}, addresses {hits}; want 2 x 127.0.0.1\n{out}")
    # The same lines as syslog writes them.
    syslog = []
    for line in text.splitlines():
        m = re.match(r"(\d{4})-(\d\d)-(\d\d) (\d\d:\d\d:\d\d) (.*)$", line)
        if m:
            t = time.strptime(f"{m.group(1)}-{m.group(2)}-{m.group(3)}",
                              "%Y-%m-%d")
            syslog.append(time.strftime("%b %e ", t) + m.group(4) +
                          " mailhost " + m.group(5))
    path = world.path("f2b-syslog.log")
    with open(path, "w") as f:
        f.write("\n".join(syslog) + "\n")
    n, hits, out = fail2ban_regex(world, path)
    check(n == 2 and hits == ["127.0.0.1", "127.0.0.1"],
          f"syslog form: matched {n}, addresses {hits}\n{out}")


# ---- rawlog ----------------------------------------------------------

def rawlog_dir(world, user="alice"):
    return world.path("home", user, "skua-rawlog")


def reset_rawlog(world, user="alice"):
    d = rawlog_dir(world, user)
    if os.path.islink(d) or os.path.isfile(d):
        os.unlink(d)
    elif os.path.isdir(d):
        shutil.rmtree(d)


def rawlog_files(world, user="alice"):
    d = rawlog_dir(world, user)
    if not os.path.isdir(d) or os.path.islink(d):
        return []
    return sorted(os.path.join(d, f) for f in os.listdir(d))


def user_uid(user):
    return USERS[user][0] if IS_ROOT else os.getuid()


def test_rawlog_records_session_without_password(world):
    clean_maildir(world)
    deliver(world)
    reset_rawlog(world)
    reset_rawlog(world, "bob")
    srv = Server(world, rawlog_users="alice")
    password = USERS["alice"][1]
    try:
        # LOGIN with the password as a literal.
        c = Client(srv.port)
        c.expect(r"\* OK .*")
        c.send(f"a1 LOGIN alice {{{len(password)}}}\r\n")
        c.expect(r"\+ .*")
        c.send(password + "\r\n")
        c.expect(r"a1 OK .*")
        c.cmd("a2", "SELECT INBOX")
        c.cmd("a3", "FETCH 1 (BODY[])")
        c.cmd("a4", "LOGOUT")
        c.closed()
        srv.wait_log(r"rawlog: user=alice file=\S+/skua-rawlog/\d{8}-\d{6}"
                     r"-\d+\.log")
        wait_lines(srv, "logout", 1)
        # AUTHENTICATE PLAIN with a continuation, and a command
        # pipelined behind the credentials in the same packet.
        c = Client(srv.port)
        c.expect(r"\* OK .*")
        c.send("b1 AUTHENTICATE PLAIN\r\n")
        c.expect(r"\+ ")
        c.send(b64("\0alice\0" + password) + "\r\nb2 NOOP\r\n")
        c.expect(r"b1 OK .*")
        c.expect(r"b2 OK .*")
        c.cmd("b3", "LOGOUT")
        c.closed()
        # SASL-IR over TLS.
        c = Client(srv.tls_port, tls=True)
        c.expect(r"\* OK .*")
        c.cmd("c1", "AUTHENTICATE PLAIN " + b64("alice\0alice\0" + password))
        c.cmd("c2", "LOGOUT")
        c.closed()
        # bob is not listed.
        c = Client(srv.port)
        c.expect(r"\* OK .*")
        c.cmd("d1", "LOGIN bob bob-secret")
        c.cmd("d2", "LOGOUT")
        c.closed()
        wait_lines(srv, "logout", 4)
    finally:
        srv.stop()

    files = rawlog_files(world)
    check(len(files) == 3, f"rawlog files {files}, want 3")
    check(not os.path.exists(rawlog_dir(world, "bob")), "bob was traced")
    st = os.stat(rawlog_dir(world))
    check(stat.S_IMODE(st.st_mode) == 0o700 and st.st_uid == user_uid("alice"),
          f"dir mode {oct(st.st_mode)} uid {st.st_uid}")
    secrets = [password, b64(password), b64("\0alice\0" + password),
               b64("alice\0alice\0" + password),
               b64("\0alice\0" + password)[:-4]]
    texts = []
    for path in files:
        st = os.lstat(path)
        check(stat.S_ISREG(st.st_mode) and stat.S_IMODE(st.st_mode) == 0o600,
              f"{path}: mode {oct(st.st_mode)}, want a 0600 file")
        check(st.st_uid == user_uid("alice"), f"{path}: uid {st.st_uid}")
        with open(path, "rb") as f:
            data = f.read()
        for s in secrets:
            check(s.encode() not in data, f"{path} holds {s!r}:\n{data!r}")
        texts.append(data.decode("utf-8", "replace"))
    first, second, third = texts
    check(re.match(r"# skua rawlog user=alice rip=127\.0\.0\.1 pid=\d+ "
                   r"start=\S+\n# a1 logged in with LOGIN; credentials not "
                   r"recorded\nS: a1 OK ", first), first[:300])
    for want in ("C: a2 SELECT INBOX\r\n", "S: a2 OK [READ-WRITE]",
                 "C: a3 FETCH 1 (BODY[])\r\n",
                 "S: Subject: test\r\n", "C: a4 LOGOUT\r\n",
                 "S: * BYE Logging out\r\n", "S: a4 OK Logout completed."):
        check(want in first, f"first trace lacks {want!r}:\n{first}")
    check(re.search(r"\nS: \* 1 FETCH \(.*BODY\[\] \{\d+\}\r\n", first),
          first)
    check(re.search(r"\n# end in=\d+ out=\d+\n$", first), first[-200:])
    check("# b1 logged in with PLAIN" in second and
          "C: b2 NOOP\r\n" in second and "S: b2 OK" in second,
          f"second trace:\n{second}")
    check(second.index("S: b1 OK") < second.index("C: b2 NOOP"), second)
    check("C: c2 LOGOUT\r\n" in third, f"TLS trace:\n{third}")


def test_rawlog_with_compress_is_plain(world):
    """COMPRESS=DEFLATE: the trace holds the IMAP text, not the
    compressed bytes."""
    from test_compress import ZClient
    reset_rawlog(world)
    srv = Server(world, rawlog_users="alice")
    try:
        c = ZClient(srv.port)
        c.expect(r"\* OK .*")
        c.cmd("a", "LOGIN alice alice-secret")
        c.cmd("b", "COMPRESS DEFLATE")
        c.start_compress()
        c.cmd("c", "LIST \"\" \"*\"")
        c.cmd("d", "LOGOUT")
        c.closed()
        wait_lines(srv, "logout", 1)
    finally:
        srv.stop()
    files = rawlog_files(world)
    check(len(files) == 1, f"files {files}")
    with open(files[0], "rb") as f:
        data = f.read()
    for want in (b"C: b COMPRESS DEFLATE\r\n", b"C: c LIST \"\" \"*\"\r\n",
                 b"S: * LIST (", b"S: d OK Logout completed."):
        check(want in data, f"trace lacks {want!r}:\n{data!r}")


def test_rawlog_size_limit(world):
    clean_maildir(world)
    deliver(world, size=40000)
    reset_rawlog(world)
    srv = Server(world, rawlog_users="alice", rawlog_max_size=4096)
    try:
        c = Client(srv.port)
        c.expect(r"\* OK .*")
        c.cmd("a", "LOGIN alice alice-secret")
        c.cmd("b", "SELECT INBOX")
        c.cmd("c", "FETCH 1 BODY[]")
        c.cmd("d", "LOGOUT")
        c.closed()
        wait_lines(srv, "logout", 1)
    finally:
        srv.stop()
    files = rawlog_files(world)
    check(len(files) == 1, f"files {files}")
    size = os.path.getsize(files[0])
    check(size < 4096 + 400, f"trace is {size} bytes, limit 4096")
    with open(files[0], "rb") as f:
        data = f.read()
    check(b"# rawlog_max_size (4096 bytes) reached; nothing more is "
          b"recorded\n" in data, data[-300:])
    check(b"d LOGOUT" not in data, "recorded past the limit")


def login_works(srv, user="alice"):
    c = Client(srv.port)
    c.expect(r"\* OK .*")
    c.cmd("a", f"LOGIN {user} {USERS[user][1]}")
    c.cmd("b", "SELECT INBOX")
    c.cmd("c", "LOGOUT")
    c.closed()


def test_rawlog_refuses_planted_links(world):
    reset_rawlog(world)
    target = world.path("home", "alice", "elsewhere")
    if os.path.lexists(target):
        shutil.rmtree(target)
    os.mkdir(target, 0o700)
    own(target)
    srv = Server(world, rawlog_users="alice")
    try:
        # The directory is a symbolic link.
        os.symlink(target, rawlog_dir(world))
        login_works(srv)
        srv.wait_log(r"rawlog: user=alice: not tracing: \S+/skua-rawlog: "
                     r"a symbolic link or not a directory")
        check(os.listdir(target) == [], f"wrote through the link: "
              f"{os.listdir(target)}")
        os.unlink(rawlog_dir(world))

        # A link where the file will be: its name is the time of the
        # login and the pid, which the connection process has already.
        os.mkdir(rawlog_dir(world), 0o700)
        own(rawlog_dir(world))
        c = Client(srv.port)
        c.expect(r"\* OK .*")
        # the first session's process may still be on its way out
        kids = wait_children(srv, 1)
        check(len(kids) == 1, f"children {kids}")
        now = time.time()
        for t in range(-1, 4):
            name = time.strftime("%Y%m%d-%H%M%S", time.localtime(now + t))
            os.symlink(os.path.join(target, "planted"),
                       os.path.join(rawlog_dir(world),
                                    f"{name}-{kids[0]}.log"))
        c.cmd("a", "LOGIN alice alice-secret")
        c.cmd("b", "SELECT INBOX")
        c.cmd("c", "LOGOUT")
        c.closed()
        srv.wait_log(r"rawlog: user=alice: not tracing: \S+/skua-rawlog/"
                     rf"\d{{8}}-\d{{6}}-{kids[0]}\.log: the file exists")
        check(not os.path.lexists(os.path.join(target, "planted")),
              "created the file the link points to")
        shutil.rmtree(rawlog_dir(world))

        # A directory others may write to.
        os.mkdir(rawlog_dir(world))
        os.chmod(rawlog_dir(world), 0o777)
        own(rawlog_dir(world))
        login_works(srv)
        srv.wait_log(r"rawlog: user=alice: not tracing: \S+/skua-rawlog: "
                     r"writable by group or others")
        check(os.listdir(rawlog_dir(world)) == [], "traced anyway")
        shutil.rmtree(rawlog_dir(world))

        if IS_ROOT:
            # Somebody else's directory: alice cannot write there, and
            # were it writable (an ACL), its owner would be refused.
            os.mkdir(rawlog_dir(world), 0o755)
            own(rawlog_dir(world), "bob")
            login_works(srv)
            srv.wait_log(r"rawlog: user=alice: not tracing: "
                         r"\S+/skua-rawlog/\S+\.log: (Permission denied|"
                         r"the directory belongs to another user)")
            check(os.listdir(rawlog_dir(world)) == [], "file left behind")
            shutil.rmtree(rawlog_dir(world))
    finally:
        srv.stop()
        reset_rawlog(world)
        shutil.rmtree(target, ignore_errors=True)


# ---- process titles --------------------------------------------------

def cmdline(pid):
    with open(f"/proc/{pid}/cmdline", "rb") as f:
        data = f.read()
    return data.split(b"\0")[0].decode("utf-8", "replace")


def want_title(pid, want):
    deadline = time.time() + TIMEOUT
    got = None
    while time.time() < deadline:
        got = cmdline(pid)
        if got == want:
            return
        time.sleep(0.02)
    raise TestFailure(f"title {got!r}, want {want!r}")


def test_proctitle_states(world):
    srv = Server(world)
    try:
        want_title(srv.proc.pid, "imapd: listening")
        c = Client(srv.port)
        c.expect(r"\* OK .*")
        kids = srv.children()
        check(len(kids) == 1, f"children {kids}")
        kid = kids[0]
        want_title(kid, "imapd: [127.0.0.1 not authenticated]")
        c.cmd("a", "LOGIN alice alice-secret")
        want_title(kid, "imapd: alice 127.0.0.1 AUTHENTICATED")
        c.cmd("b", "SELECT INBOX")
        want_title(kid, "imapd: alice 127.0.0.1 SELECTED INBOX")
        c.send("c IDLE\r\n")
        c.expect(r"\+ .*")
        want_title(kid, "imapd: alice 127.0.0.1 IDLE INBOX")
        c.send("DONE\r\n")
        c.expect(r"c OK .*")
        want_title(kid, "imapd: alice 127.0.0.1 SELECTED INBOX")
        c.cmd("d", "CLOSE")
        want_title(kid, "imapd: alice 127.0.0.1 AUTHENTICATED")
        c.send("e IDLE\r\n")
        c.expect(r"\+ .*")
        want_title(kid, "imapd: alice 127.0.0.1 IDLE")
        c.send("DONE\r\n")
        c.expect(r"e OK .*")
        # The environment still works after the move: a second login in
        # another process looks users up through nss_wrapper, which
        # finds its files through getenv.
        c2 = Client(srv.port, tls=False)
        c2.expect(r"\* OK .*")
        c2.cmd("a", "LOGIN bob bob-secret")
        c2.cmd("b", "LOGOUT")
        c.cmd("f", "LOGOUT")
    finally:
        srv.stop()


def test_proctitle_off(world):
    srv = Server(world, verbose_proctitle="no")
    try:
        c = Client(srv.port)
        c.expect(r"\* OK .*")
        c.cmd("a", "LOGIN alice alice-secret")
        kid = srv.children()[0]
        for pid in (srv.proc.pid, kid):
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                args = f.read().rstrip(b"\0").split(b"\0")
            check(args == [world.imapd.encode(), b"-F", b"-c",
                           srv.conf.encode()], f"pid {pid}: {args}")
        c.cmd("b", "LOGOUT")
    finally:
        srv.stop()


def test_proctitle_rimapd(world):
    env = world.env()
    env["LD_PRELOAD"] = " ".join(x for x in env["LD_PRELOAD"].split()
                                 if "uid_wrapper" not in x)
    pre = None
    if IS_ROOT:
        def pre():
            os.setgroups([])
            os.setgid(10001)
            os.setuid(10001)
    p = subprocess.Popen([world.rimapd, "-F"], env=env,
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, preexec_fn=pre)
    try:
        line = p.stdout.readline()
        check(line.startswith(b"* PREAUTH"), f"greeting {line!r}")
        name = "alice" if IS_ROOT else "runner"
        want_title(p.pid, f"rimapd: {name} AUTHENTICATED")
        p.stdin.write(b"a SELECT INBOX\r\n")
        p.stdin.flush()
        while not p.stdout.readline().startswith(b"a "):
            pass
        want_title(p.pid, f"rimapd: {name} SELECTED INBOX")
        out, err = p.communicate(b"b LOGOUT\r\n", timeout=TIMEOUT)
        check(re.search(rb"login: user=" + name.encode() + rb" rip=unknown "
                        rb"lip=unknown mech=PREAUTH tls=no cipher=none", err),
              f"rimapd log: {err!r}")
        check(re.search(rb"logout: user=" + name.encode() + rb" .* "
                        rb"reason=logout session=", err),
              f"rimapd log: {err!r}")
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
