"""Limits against abuse, before and after login (issue 9): failed logins
counted per client address by the listener (auth_failures_per_ip,
auth_failure_window, auth_block_time, auth_block_exempt), connections not
yet logged in per address (max_unauth_connections_per_ip), sessions per
user (max_user_connections), the memory of a session
(session_memory_limit), and the parser's and commands' limits once logged
in: line length, literal size, pipelined commands, search work.

Loopback addresses other than 127.0.0.1 stand for different clients."""
import base64
import os
import socket
import subprocess
import threading
import time

from harness import Client, Server, TestFailure, TIMEOUT, check, proc_status
from harness import own
from hardening import (append, deliver, fresh, greet, login, make_maildir,
                       read_until_tag, rss_kb, session_pid, wait_children)

# Loopback is exempt by default; these tests count it.
COUNTED = dict(auth_block_exempt="192.0.2.0/24")


def fail_logins(srv, source, n, per_conn=3):
    """n failed logins from source, per_conn to a connection."""
    done = 0
    while done < n:
        c = Client(srv.port, source=source)
        greet(c)
        for _ in range(min(per_conn, n - done)):
            c.cmd(f"f{done}", "LOGIN alice wrong", "NO [AUTHENTICATIONFAILED]")
            done += 1
        c.close()


def refused_blocked(srv, source):
    c = Client(srv.port, source=source)
    c.expect(r"\* BYE Too many failed logins from your address, try "
             r"again later")
    check(c.closed(), "a blocked address kept its connection")


def test_failed_logins_block_the_address(world):
    """Failures add up over connections; at the limit the address is
    refused at accept, others are not, and the block ends."""
    srv = Server(world, auth_failures_per_ip=4, auth_failure_window=60,
                 auth_block_time=2, max_auth_failures=10, **COUNTED)
    try:
        fail_logins(srv, "127.0.0.3", 3, per_conn=2)
        c = Client(srv.port, source="127.0.0.3")      # 3 < 4: still in
        greet(c)
        c.cmd("a", "LOGIN alice wrong", "NO [AUTHENTICATIONFAILED]")
        c.close()
        refused_blocked(srv, "127.0.0.3")
        srv.wait_log(r"blocking 127\.0\.0\.3 for 2 seconds: 4 failed logins")
        srv.wait_log(r"refused connection from 127\.0\.0\.3 on \S+: Too "
                     r"many failed logins")
        # Another address is not affected, and may log in.
        c = login(srv, "alice", source="127.0.0.4")
        c.cmd("b", "LOGOUT")
        # Also the TLS port refuses (closed without a plaintext BYE).
        time.sleep(2.2)
        c = login(srv, "alice", source="127.0.0.3")
        c.cmd("c", "LOGOUT")
    finally:
        srv.stop()


def test_window_forgets_old_failures(world):
    srv = Server(world, auth_failures_per_ip=2, auth_failure_window=1,
                 auth_block_time=60, **COUNTED)
    try:
        fail_logins(srv, "127.0.0.5", 1)
        time.sleep(1.3)
        fail_logins(srv, "127.0.0.5", 1)
        c = Client(srv.port, source="127.0.0.5")
        greet(c)
        c.cmd("a", "LOGIN alice wrong", "NO [AUTHENTICATIONFAILED]")
        c.close()
        refused_blocked(srv, "127.0.0.5")
    finally:
        srv.stop()


def test_loopback_is_exempt_by_default(world):
    srv = Server(world, auth_failures_per_ip=2, auth_block_time=60)
    try:
        fail_logins(srv, "127.0.0.6", 4)
        c = login(srv, "alice", source="127.0.0.6")
        c.cmd("a", "LOGOUT")
        check("blocking" not in srv.log_text(), "loopback was blocked")
    finally:
        srv.stop()


def test_authenticate_and_passwd_file_failures_count(world):
    """AUTHENTICATE counts like LOGIN, and so does the passwd-file
    backend; a failure report from a child that then dies still counts."""
    srv = Server(world, auth="passwd-file " + world.path("users"),
                 auth_failures_per_ip=2, auth_block_time=60, **COUNTED)
    try:
        c = Client(srv.port, source="127.0.0.7")
        greet(c)
        resp = base64.b64encode(b"\0alice\0nope").decode()
        c.cmd("a", "AUTHENTICATE PLAIN " + resp, "NO [AUTHENTICATIONFAILED]")
        c.send("b LOGIN nosuchuser x\r\n")      # and vanish at once
        c.close()
        deadline = time.time() + TIMEOUT
        while "blocking 127.0.0.7" not in srv.log_text():
            check(time.time() < deadline, "second failure never counted")
            time.sleep(0.05)
        refused_blocked(srv, "127.0.0.7")
    finally:
        srv.stop()


def test_max_unauth_connections_per_ip(world):
    """Connections that have not logged in are limited per address;
    logging in frees the slot."""
    srv = Server(world, max_unauth_connections_per_ip=2)
    try:
        a = Client(srv.port, source="127.0.0.8")
        b = Client(srv.port, source="127.0.0.8")
        greet(a), greet(b)
        c = Client(srv.port, source="127.0.0.8")
        c.expect(r"\* BYE Too many connections from your address that "
                 r"have not logged in")
        check(c.closed(), "third unauthenticated connection stayed open")
        d = Client(srv.port, source="127.0.0.9")     # another address
        greet(d)
        a.cmd("l", "LOGIN alice alice-secret")
        e = Client(srv.port, source="127.0.0.8")
        greet(e)
        f = Client(srv.port, source="127.0.0.8")
        f.expect(r"\* BYE Too many connections .*not logged in")
    finally:
        srv.stop()


def test_max_user_connections(world):
    srv = Server(world, max_user_connections=2)
    try:
        a = login(srv, "alice")
        b = login(srv, "alice")
        c = Client(srv.port)
        greet(c)
        c.cmd("l", "LOGIN alice alice-secret",
              "NO [LIMIT] Too many sessions for this user")
        c.cmd("n", "NOOP")              # still there, still not logged in
        bob = login(srv, "bob")
        bob.cmd("s", "SELECT INBOX")
        srv.wait_log(r"login refused: user=alice has 2 sessions")
        a.cmd("o", "LOGOUT")
        a.closed()
        wait_children(srv, 3)           # b, c, bob
        c.cmd("l2", "LOGIN alice alice-secret")
        c.cmd("s", "SELECT INBOX")
        # The refused attempt is not a failed password: nothing counted.
        check("auth failed" not in srv.log_text(), "refusal counted as failure")
    finally:
        srv.stop()


def limits_of(pid):
    with open(f"/proc/{pid}/limits") as f:
        for line in f:
            if line.startswith("Max data size"):
                return line.split()[3:5]
    return None


def test_session_memory_limit_applies(world):
    srv = Server(world, session_memory_limit=300 * 1024 * 1024)
    try:
        c = Client(srv.port)
        greet(c)
        pid = session_pid(srv)
        got = limits_of(pid)
        if got == ["unlimited", "unlimited"] and (
                os.environ.get("SKUA_WRAP") or os.environ.get("ASAN_OPTIONS")):
            print("     SKIP: no limit under a sanitizer/valgrind build")
            return
        want = str(300 * 1024 * 1024)
        check(got == [want, want], f"Max data size {got}, want {want} x2")
        c.cmd("l", "LOGIN alice alice-secret")
        check(limits_of(pid) == [want, want], "limit lost at the drop")
    finally:
        srv.stop()


def test_large_append_and_fetch_under_a_small_limit(world):
    """A 40 MB message goes in by APPEND and out by FETCH under a 96 MiB
    limit: both stream, neither holds the message in the heap."""
    fresh(world, "MemMail")
    srv = Server(world, maildir="~/MemMail",
                 session_memory_limit=96 * 1024 * 1024)
    try:
        c = login(srv)
        pid = session_pid(srv)
        line = b"x" * 998 + b"\r\n"
        msg = b"From: a@example.org\r\nSubject: big\r\n\r\n" + line * 40000
        t = threading.Thread(target=append, args=(c, "a", "INBOX", msg))
        t.start()
        t.join(120)
        c.cmd("s", "SELECT INBOX")
        c.sock.settimeout(120)
        c.send("f FETCH 1 (RFC822.SIZE BODY.PEEK[])\r\n")
        head = c.line()
        check(head.startswith("* 1 FETCH (RFC822.SIZE %d BODY[] {%d}" %
                              (len(msg), len(msg))), f"got {head[:80]!r}")
        need = len(msg)
        while len(c.buf) < need:
            chunk = c.sock.recv(1 << 20)
            check(chunk, "closed in the middle of the literal")
            c.buf += chunk
        body, c.buf = c.buf[:need], c.buf[need:]
        check(body == msg, "FETCH returned other bytes")
        c.expect(r"\)")
        c.expect(r"f OK .*")
        # The message is mmap'ed for FETCH: its clean file pages show in
        # RSS but are neither heap nor counted by RLIMIT_DATA. The heap
        # (RssAnon) must stay small.
        hwm, anon = rss_kb(pid, "VmHWM"), rss_kb(pid, "RssAnon")
        print(f"     40 MB APPEND + FETCH: peak RSS {hwm} kB (file pages "
              f"included), anonymous {anon} kB")
        # AddressSanitizer's shadow and quarantine count as anonymous
        # memory; below the message's 40 MB still shows it is not held.
        limit = 32 if os.environ.get("ASAN_OPTIONS") else 16
        check(anon < limit * 1024, f"anonymous memory {anon} kB")
    finally:
        srv.stop()


def test_line_and_literal_limits_after_login(world):
    fresh(world, "LimMail")
    srv = Server(world, maildir="~/LimMail")
    try:
        c = login(srv)
        # A line over 64 KiB: BAD, skipped, the session goes on.
        c.send(b"a1 NOOP " + b"y" * (70 * 1024) + b"\r\n")
        c.expect(r"a1 BAD Line too long.*")
        c.cmd("a2", "NOOP")
        # A literal over 1 MiB where no sink takes it.
        c.send("a3 SELECT {2000000}\r\n")
        c.expect(r"a3 BAD Literal too large.*")
        c.cmd("a4", "NOOP")
        # APPEND over the 64 MiB APPENDLIMIT, announced, before a byte.
        c.send("a5 APPEND INBOX {70000000}\r\n")
        got = c.line()
        check(got.startswith("a5 NO [TOOBIG]") or got.startswith("a5 BAD"),
              f"APPEND of 70 MB: got {got!r}")
        c.cmd("a6", "NOOP")
        # Too many arguments (max_args 10000).
        c.send("a7 FETCH 1 (" + " ".join(["FLAGS"] * 12000) + ")\r\n")
        c.expect(r"a7 BAD .*")
        c.cmd("a8", "NOOP")
    finally:
        srv.stop()


def test_pipelined_commands_are_bounded(world):
    """20000 pipelined commands from a client that reads nothing until it
    has sent them all: the server answers them in order and its memory
    does not grow with the backlog (it stops reading while it cannot
    write)."""
    fresh(world, "PipeMail")
    srv = Server(world, maildir="~/PipeMail")
    try:
        c = login(srv)
        pid = session_pid(srv)
        before = rss_kb(pid)
        n = 20000
        data = b"".join(b"p%d NOOP\r\n" % i for i in range(n))
        t = threading.Thread(target=c.send, args=(data,))
        t.start()
        time.sleep(1.0)         # the server blocks writing to us
        during = rss_kb(pid)
        seen = 0
        while seen < n:
            got = c.line()
            if got.startswith("p"):
                check(got == f"p{seen} OK NOOP completed.",
                      f"reply {seen}: {got!r}")
                seen += 1
        t.join(30)
        print(f"     {n} pipelined NOOPs: RSS {before} kB before, "
              f"{during} kB while blocked")
        check(during < before + 8 * 1024, f"RSS grew to {during} kB")
        c.cmd("z", "NOOP")
    finally:
        srv.stop()


def test_search_limits(world):
    """SEARCH with more keys than SEARCH_MAX_KEYS is refused; a search that
    would read a large mailbox's text many times over ends in bounded
    time. A work cap answering NO [LIMIT] is checked where present."""
    md = fresh(world, "SearchMail")
    from hardening import deliver
    body = b"From: a@b\r\nSubject: s\r\n\r\n" + b"z" * 200000 + b"\r\n"
    for _ in range(100):
        deliver(md, body)
    # A quarter of the default search_work_limit, to keep the test short.
    srv = Server(world, maildir="~/SearchMail", search_work_limit=268435456)
    try:
        c = login(srv)
        c.cmd("s", "SELECT INBOX")
        keys = " ".join(["SEEN"] * 1200)
        c.cmd("k", "SEARCH " + keys, "BAD")
        c.cmd("n", "NOOP")
        # 100 x 200 KB, each message scanned by 200 TEXT keys: 4 GB of
        # work if nothing caps it (an OR of them all: an AND would stop
        # at the first key that fails).
        crit = "OR " * 199 + " ".join(f'TEXT "nomatch{i}"'
                                      for i in range(200))
        start = time.time()
        c.sock.settimeout(300)
        c.send(f"w SEARCH {crit}\r\n")
        lines, tagged = read_until_tag(c, "w")
        took = time.time() - start
        print(f"     SEARCH of 200 TEXT keys over 20 MB: {took:.1f}s, "
              f"{tagged[:60]!r}")
        if "[LIMIT]" not in tagged:
            print("     MISSING (src/imap): no search work cap answering "
                  "NO [LIMIT]")
            if os.environ.get("SKUA_STRICT"):
                raise TestFailure("no NO [LIMIT] for an expensive SEARCH")
        check(took < 120, f"SEARCH took {took:.0f}s")
        c.sock.settimeout(TIMEOUT)
        c.cmd("z", "NOOP")
    finally:
        srv.stop()


def test_search_work_limit(world):
    """search_work_limit: a SEARCH, SORT, THREAD or ESEARCH that would
    scan more message text than allowed answers NO [LIMIT] (RFC 5530)
    instead of its result; cheap keys and small searches still work, and
    a SAVE that is refused leaves $ empty (RFC 5182 2.1)."""
    md = fresh(world, "WorkMail")
    from hardening import deliver
    body = b"From: a@b\r\nSubject: s\r\n\r\n" + b"q" * 20000 + b"\r\n"
    for _ in range(20):
        deliver(md, body)
    srv = Server(world, maildir="~/WorkMail", search_work_limit=100000)
    try:
        c = login(srv)
        c.cmd("s", "SELECT INBOX")
        # Flags, UIDs and sizes cost nothing.
        u, _ = c.cmd("a", "SEARCH UNSEEN LARGER 100 UID 1:*")
        check(u == ["* SEARCH " + " ".join(str(i) for i in range(1, 21))],
              f"cheap SEARCH: {u!r}")
        # One message's body is within the limit.
        c.cmd("b", "SEARCH UID 1 BODY nomatch")
        # Twenty are not (20 x 20 KB parsed, then searched).
        want = "NO [LIMIT] Search too expensive; narrow it"
        c.cmd("c", "SEARCH BODY nomatch", want)
        c.cmd("d", "UID SEARCH TEXT nomatch", want)
        c.cmd("e", "SORT (ARRIVAL) UTF-8 BODY nomatch", want)
        c.cmd("f", "THREAD REFERENCES UTF-8 TEXT nomatch", want)
        c.cmd("g", "SEARCH RETURN (SAVE) ALL", "OK")
        c.cmd("h", "SEARCH RETURN (SAVE COUNT) BODY nomatch", want)
        u, _ = c.cmd("i", "SEARCH $")
        check(u == ["* SEARCH"], f"$ after a refused SAVE: {u!r}")
        c.cmd("j", "SEARCH RETURN (COUNT) TEXT nomatch", want)
        c.cmd("k", "SORT RETURN (COUNT) (ARRIVAL) UTF-8 BODY nomatch", want)
        # The session is unharmed.
        u, _ = c.cmd("l", "SEARCH SUBJECT s")
        check(len(u) == 1 and u[0].endswith(" 20"), f"after: {u!r}")
        srv.wait_log(r"search: user=alice mailbox=INBOX: stopped after "
                     r"search_work_limit \(100000 bytes\)")
    finally:
        srv.stop()


def hold_lock(folder):
    """Takes dovecot-uidlist.lock of folder as a live process on this
    host would (our pid), as alice; keeps its mtime fresh until the
    returned event is set, then removes it."""
    path = os.path.join(folder, "dovecot-uidlist.lock")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.write(fd, f"{os.getpid()}:{socket.gethostname()}".encode())
    os.close(fd)
    own(path)
    stop = threading.Event()

    def touch():
        while not stop.wait(0.5):
            os.utime(path)
        os.unlink(path)
    t = threading.Thread(target=touch, daemon=True)
    t.start()
    return stop, t


def test_busy_uidlist_lock_answers_inuse(world):
    """When another process holds dovecot-uidlist.lock for the whole lock
    timeout (10 s), SELECT, EXAMINE, STATUS, APPEND, COPY, MOVE, EXPUNGE
    and a conditional STORE answer NO [INUSE] (RFC 5530), not
    [SERVERBUG], and nothing is half done: the message APPEND, COPY or
    MOVE put into the busy folder is taken back. All wait at once, so
    the test waits the timeout once."""
    md = fresh(world, "BusyMail")
    quiet = os.path.join(md, ".Quiet")
    other = os.path.join(md, ".Other")
    make_maildir(quiet, folder=True)
    make_maildir(other, folder=True)
    for _ in range(2):
        deliver(other)
    deliver(md)
    srv = Server(world, maildir="~/BusyMail")
    clients = []
    try:
        def new(select=None):
            c = login(srv)
            if select:
                c.cmd("p", select)
            clients.append(c)
            return c
        # Every folder has its uidlist before the locks are taken.
        prep = new()
        for box in ("INBOX", "Quiet", "Other"):
            prep.cmd("p", f"STATUS {box} (MESSAGES UIDNEXT)")
        sel = new("SELECT INBOX")
        sel.cmd("p2", "STORE 1 +FLAGS (\\Deleted)")
        sel2 = new("SELECT INBOX")
        src = new("SELECT Other")
        src2 = new("SELECT Other")
        plain = [new() for _ in range(4)]
        # New mail in INBOX: every sync of it now needs UIDs, and so the
        # lock; Quiet needs it only to add a message.
        deliver(md, sub="new", info="")
        stops = [hold_lock(md), hold_lock(quiet)]
        want = "NO [INUSE] Mailbox is busy, try again"
        jobs = [
            (plain[0], "SELECT INBOX"),
            (plain[1], "EXAMINE INBOX"),
            (plain[2], "STATUS INBOX (MESSAGES)"),
            (plain[3], "APPEND Quiet {5+}\r\nhello"),
            (src, "COPY 1 Quiet"),
            (src2, "MOVE 2 Quiet"),
            (sel, "EXPUNGE"),
            (sel2, "STORE 1 (UNCHANGEDSINCE 1000) +FLAGS (\\Seen)"),
        ]
        errors = []

        def run(c, text):
            c.sock.settimeout(60)
            try:
                c.cmd("w", text, want)
            except Exception as e:          # noqa: BLE001
                errors.append(f"{text!r}: {e}")
        start = time.time()
        threads = [threading.Thread(target=run, args=j) for j in jobs]
        for t in threads:
            t.start()
        for t in threads:
            t.join(90)
        took = time.time() - start
        for stop, t in stops:
            stop.set()
            t.join(5)
        check(not errors, "; ".join(errors))
        check(took < 45, f"waited {took:.0f}s")
        check("SERVERBUG" not in srv.log_text(), "SERVERBUG logged")
        srv.wait_log(r"SELECT: user=alice mailbox=INBOX: busy: .*still "
                     r"locked by another process after 10 s")
        # Nothing was added to Quiet, nothing left Other, nothing was
        # expunged from INBOX; with the lock free all works again.
        c = new()
        u, _ = c.cmd("a", "STATUS Quiet (MESSAGES)")
        check(u == ["* STATUS Quiet (MESSAGES 0)"], f"Quiet: {u!r}")
        check(os.listdir(os.path.join(quiet, "cur")) == [],
              "a message was left in Quiet/cur")
        u, _ = c.cmd("b", "STATUS Other (MESSAGES)")
        check(u == ["* STATUS Other (MESSAGES 2)"], f"Other: {u!r}")
        u, _ = c.cmd("c", "SELECT INBOX")
        check("* 2 EXISTS" in u, f"INBOX: {u!r}")
        src2.cmd("e", "MOVE 2 Quiet")
        sel.cmd("f", "EXPUNGE")
        u, _ = c.cmd("g", "STATUS Quiet (MESSAGES)")
        check("* STATUS Quiet (MESSAGES 1)" in u, f"Quiet after: {u!r}")
    finally:
        for c in clients:
            c.close()
        srv.stop()


def test_nul_login_counts_per_address(world):
    """A LOGIN whose user name holds a NUL is a failed login like any
    other: logged for fail2ban, counted on the connection (max 3, then
    BYE) and towards the address (auth_failures_per_ip)."""
    srv = Server(world, auth_failures_per_ip=3, auth_block_time=60,
                 max_auth_failures=3, **COUNTED)
    try:
        c = Client(srv.port, source="127.0.0.11")
        greet(c)
        for i in range(3):
            c.send(f"n{i} LOGIN {{6+}}\r\nal\0ice pw\r\n")
            c.expect(rf"n{i} NO \[AUTHENTICATIONFAILED\] Authentication "
                     r"failed\.")
        c.expect(r"\* BYE Too many failed logins")
        check(c.closed(), "connection open after 3 failures")
        srv.wait_log(r"auth failed: user=<\(invalid\)> rip=127\.0\.0\.11 "
                     r"mech=LOGIN attempt=3")
        srv.wait_log(r"blocking 127\.0\.0\.11 for 60 seconds: 3 failed "
                     r"logins")
        refused_blocked(srv, "127.0.0.11")
    finally:
        srv.stop()


def test_failure_delay_grows(world):
    """The answer to each failed login on a connection comes later than
    the one before: 1x, 2x, 4x auth_failure_delay."""
    srv = Server(world, auth_failure_delay=300, max_auth_failures=3)
    try:
        c = Client(srv.port)
        greet(c)
        took = []
        for i in range(3):
            start = time.time()
            c.cmd(f"f{i}", "LOGIN alice wrong", "NO [AUTHENTICATIONFAILED]")
            took.append(time.time() - start)
        c.expect(r"\* BYE Too many failed logins")
        print("     failed login delays: " +
              ", ".join(f"{t:.2f}s" for t in took))
        check(0.3 <= took[0] < 0.55, f"first delay {took[0]:.2f}s")
        check(0.6 <= took[1] < 0.95, f"second delay {took[1]:.2f}s")
        check(1.2 <= took[2] < 1.7, f"third delay {took[2]:.2f}s")
    finally:
        srv.stop()


def test_preauth_defaults(world):
    """The defaults the issue asks for: login_timeout 60 s, 3 failed
    logins per connection, a 2 s first delay, and a 1 GiB search work
    limit (imapd -n prints only what differs from the defaults); before
    login a line or literal over 8 KiB is refused."""
    conf = world.config("defaults.conf", login_timeout=60,
                        max_auth_failures=3, auth_failure_delay=2000,
                        search_work_limit=1073741824, idle_timeout=1801)
    r = subprocess.run([world.imapd, "-n", "-c", conf], capture_output=True,
                       text=True, timeout=TIMEOUT)
    check(r.returncode == 0, f"-n exited {r.returncode}: {r.stderr}")
    for key in ("login_timeout", "max_auth_failures", "auth_failure_delay",
                "search_work_limit"):
        check(key not in r.stdout, f"{key} is not at its default: "
              f"{r.stdout!r}")
    check("idle_timeout = 1801" in r.stdout, f"-n printed {r.stdout!r}")
    srv = Server(world)
    try:
        c = Client(srv.port)
        greet(c)
        c.send(b"a LOGIN " + b"u" * 9000 + b" pw\r\n")
        c.expect(r"a BAD Line too long.*")
        c.send("b LOGIN {9000}\r\n")
        c.expect(r"b BAD Literal too large.*")
        c.cmd("c", "NOOP")
        # Both literals of a LOGIN together stay under 16 KiB.
        c.send(b"d LOGIN {8000+}\r\n" + b"u" * 8000 + b" {8500+}\r\n" +
               b"p" * 8500 + b"\r\n")
        c.expect(r"d BAD .*")
        c.cmd("e", "NOOP")
    finally:
        srv.stop()
