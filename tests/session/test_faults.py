"""Faults (issue 9): a full disk during APPEND, COPY and STORE; kill -9 of
the session process in the middle of writes; a child killed by SIGSEGV;
clients that vanish mid-literal, mid-IDLE and mid-TLS-handshake; and a
client that stops reading during a large FETCH.

The full disk is a 1 MiB tmpfs mounted on the test's Maildir, which needs
root; as an ordinary user that part is skipped with a message."""
import os
import random
import re
import signal
import socket
import subprocess
import threading
import time

from harness import Client, IS_ROOT, Server, TIMEOUT, check, own
from hardening import (MSG, append, deliver, fresh, login, make_maildir,
                       read_until_tag, rss_kb, session_pid, uids_of,
                       wait_children)


def uidlist_uids(maildir):
    """UID -> base name from dovecot-uidlist (version 3)."""
    out = {}
    path = os.path.join(maildir, "dovecot-uidlist")
    if not os.path.exists(path):
        return out
    with open(path) as f:
        lines = f.read().splitlines()
    for l in lines[1:]:
        m = re.match(r"(\d+)\s.*?:(\S+)$", l) or re.match(r"(\d+)\s+(\S+)$", l)
        if m:
            check(int(m.group(1)) not in out, f"UID {m.group(1)} twice in "
                  f"the uidlist")
            out[int(m.group(1))] = m.group(2)
    return out


def consistent(srv, maildir, user="alice"):
    """A fresh session's view: UIDs unique and ascending, one per file;
    returns the set of Subject lines."""
    c = login(srv, user)
    c.cmd("s", "SELECT INBOX")
    c.send("f UID FETCH 1:* (UID BODY.PEEK[HEADER.FIELDS (SUBJECT)])\r\n")
    lines, tagged = read_until_tag(c, "f")
    check(tagged.startswith("f OK"), f"FETCH after crash: {tagged}")
    uids = uids_of(lines)
    check(len(uids) == len(set(uids)), f"duplicate UIDs: {uids}")
    check(uids == sorted(uids), f"UIDs out of order: {uids}")
    subjects = [l for l in lines if l.startswith("Subject:")]
    check(len(subjects) == len(uids), f"{len(uids)} messages, "
          f"{len(subjects)} subjects")
    files = os.listdir(os.path.join(maildir, "cur")) + \
        os.listdir(os.path.join(maildir, "new"))
    check(len(files) == len(uids), f"{len(files)} files, {len(uids)} UIDs")
    c.cmd("o", "LOGOUT")
    return set(subjects)


# --- disk full -------------------------------------------------------

def test_disk_full(world):
    if not IS_ROOT:
        print("     SKIP: mounting a 1 MiB tmpfs needs root")
        return
    path = world.path("home", "alice", "Full")
    os.makedirs(path, exist_ok=True)
    r = subprocess.run(["mount", "-t", "tmpfs", "-o",
                        "size=1m,mode=0700,uid=10001,gid=10001", "tmpfs",
                        path], capture_output=True, text=True)
    if r.returncode != 0:
        print(f"     SKIP: cannot mount tmpfs: {r.stderr.strip()}")
        return
    srv = None
    try:
        make_maildir(path)
        make_maildir(os.path.join(path, ".Other"), folder=True)
        srv = Server(world, maildir="~/Full")
        c = login(srv)
        for i in range(3):
            append(c, f"a{i}", "INBOX",
                   b"Subject: small %d\r\n\r\nx\r\n" % i)
        c.cmd("s", "SELECT INBOX")
        uidlist = open(os.path.join(path, "dovecot-uidlist")).read()
        # An APPEND bigger than the disk.
        big = b"Subject: big\r\n\r\n" + b"y" * (2 * 1024 * 1024)
        got = append(c, "b", "INBOX", big, status="NO")
        # RFC 9208 5, as Dovecot: a full disk is the user's quota.
        check("NO [OVERQUOTA]" in got, f"APPEND on a full disk: {got}")
        # Fill the disk to the brim, then COPY and STORE.
        filler = os.path.join(path, "filler")
        with open(filler, "wb", buffering=0) as f:
            try:
                while True:
                    f.write(b"z" * 4096)
            except OSError:
                pass
        os.chown(filler, 10001, 10001)
        _, got = c.cmd("c", "COPY 1:3 Other", "NO")
        check(got == "c NO [OVERQUOTA] Not enough disk space",
              f"COPY on a full disk: {got}")
        c.send('k STORE 1:3 +FLAGS (\\Flagged $NewKeyword)\r\n')
        lines, got = read_until_tag(c, "k")
        check(got.startswith("k NO [OVERQUOTA]") and "/" not in got,
              f"STORE on a full disk: {got}")
        c.cmd("n", "NOOP")
        for d in ("tmp", ".Other/tmp", ".Other/cur", ".Other/new"):
            left = os.listdir(os.path.join(path, d))
            check(not left, f"{d} not empty after the failures: {left}")
        check(len(os.listdir(os.path.join(path, "cur"))) == 3,
              "cur/ lost or gained files")
        now = open(os.path.join(path, "dovecot-uidlist")).read()
        check(now.splitlines()[1:] == uidlist.splitlines()[1:],
              f"uidlist changed:\n{uidlist}\n->\n{now}")
        os.unlink(filler)
        c.cmd("o", "LOGOUT")
        subjects = consistent(srv, path)
        check(len(subjects) == 3, f"{subjects}")
    finally:
        if srv:
            srv.stop()
        subprocess.run(["umount", path])


# --- kill -9 -----------------------------------------------------------

def test_kill9_during_writes(world):
    """Sessions are killed at random moments while they APPEND, COPY,
    STORE and EXPUNGE; afterwards every acknowledged APPEND is there (or
    was expunged by us), and UIDs are unique."""
    md = fresh(world, "Kill")
    make_maildir(os.path.join(md, ".Copies"), folder=True)
    srv = Server(world, maildir="~/Kill")
    acked = set()
    expunged = set()
    rnd = random.Random(9)
    try:
        for round_ in range(8):
            c = login(srv)
            pid = session_pid(srv)
            stop = threading.Event()

            def work(c=c, round_=round_):
                i = 0
                try:
                    c.cmd("s", "SELECT INBOX")
                    while not stop.is_set():
                        subj = f"r{round_}m{i}"
                        append(c, f"a{i}", "INBOX",
                               b"Subject: %s\r\n\r\nbody\r\n" % subj.encode())
                        acked.add("Subject: " + subj)
                        c.cmd(f"c{i}", "COPY 1:* Copies")
                        c.cmd(f"k{i}", "STORE 1 +FLAGS (\\Seen kw%d)" % i)
                        if i % 3 == 2:
                            c.send(f"f{i} FETCH 1 BODY.PEEK[HEADER.FIELDS "
                                   f"(SUBJECT)]\r\n")
                            lines, _ = read_until_tag(c, f"f{i}")
                            first = [l for l in lines
                                     if l.startswith("Subject:")]
                            # Once \\Deleted is asked for, a kill may
                            # come after the EXPUNGE took effect but
                            # before its OK was read: no longer owed.
                            expunged.update(first)
                            c.cmd(f"d{i}", "STORE 1 +FLAGS (\\Deleted)")
                            c.cmd(f"e{i}", "EXPUNGE")
                        i += 1
                except Exception:
                    pass

            t = threading.Thread(target=work)
            t.start()
            time.sleep(rnd.uniform(0.05, 0.4))
            os.kill(pid, signal.SIGKILL)
            stop.set()
            t.join(TIMEOUT)
            c.close()
            wait_children(srv, 0)
        subjects = consistent(srv, md)
        lost = acked - expunged - subjects
        check(not lost, f"acknowledged and lost: {sorted(lost)[:10]}")
        print(f"     8 kills: {len(acked)} APPENDs acknowledged, "
              f"{len(subjects)} messages left, none lost, UIDs unique")
        srv.wait_log("killed by signal 9")
    finally:
        srv.stop()


def test_listener_survives_segv(world):
    srv = Server(world)
    try:
        c = login(srv)
        pid = session_pid(srv)
        # AddressSanitizer catches SIGSEGV and exits instead; SIGABRT
        # is a crash it lets through.
        sig = signal.SIGABRT if os.environ.get("ASAN_OPTIONS") else \
            signal.SIGSEGV
        os.kill(pid, sig)
        check(c.closed(), f"connection open after signal {int(sig)}")
        srv.wait_log(rf"connection process {pid} killed by signal {int(sig)}")
        wait_children(srv, 0)
        check(srv.proc.poll() is None, "the listener died")
        c = login(srv)
        c.cmd("n", "NOOP")
    finally:
        srv.stop()


# --- vanishing clients ---------------------------------------------------

def test_vanishing_clients_leave_no_process(world):
    fresh(world, "Vanish")
    srv = Server(world, maildir="~/Vanish")
    try:
        # Mid-literal, before login and after.
        c = Client(srv.port)
        c.expect(r"\* OK .*")
        c.send("a LOGIN {5}\r\n")
        c.expect(r"\+ .*")
        c.send("ali")
        c.close()
        c = login(srv)
        c.send("b APPEND INBOX {100000}\r\n")
        c.expect(r"\+ .*")
        c.send(b"x" * 5000)
        c.close()
        # Mid-IDLE.
        c = login(srv)
        c.cmd("s", "SELECT INBOX")
        c.send("i IDLE\r\n")
        c.expect(r"\+ .*")
        c.close()
        # Mid-TLS handshake: a ClientHello cut short, and nothing at all.
        s = socket.create_connection(("127.0.0.1", srv.tls_port))
        s.sendall(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03")
        s.close()
        s = socket.create_connection(("127.0.0.1", srv.tls_port))
        s.close()
        # STARTTLS then vanish.
        c = Client(srv.port)
        c.expect(r"\* OK .*")
        c.cmd("t", "STARTTLS")
        c.close()
        kids = wait_children(srv, 0, timeout=5)
        check(not kids, f"processes left 5 s after their clients vanished: "
              f"{kids}")
        check(not os.listdir(os.path.join(world.path("home", "alice",
                                                     "Vanish"), "tmp")),
              "a half-sent APPEND left a file in tmp/")
    finally:
        srv.stop()


# --- slow client -----------------------------------------------------------

def test_slow_reader_during_large_fetch(world):
    """A client that asks for 50 MB and reads nothing: the session blocks
    on its bounded output, its heap does not grow, and it ends when the
    client goes."""
    md = fresh(world, "Slow")
    body = b"Subject: slow\r\n\r\n" + (b"s" * 998 + b"\r\n") * 5000
    for _ in range(10):
        deliver(md, body)
    srv = Server(world, maildir="~/Slow")
    try:
        c = login(srv)
        c.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        pid = session_pid(srv)
        c.cmd("s", "SELECT INBOX")
        anon0 = rss_kb(pid, "RssAnon")
        c.send("f FETCH 1:* BODY.PEEK[]\r\n")
        samples = []
        for _ in range(6):
            time.sleep(0.5)
            samples.append(rss_kb(pid, "RssAnon"))
        with open(f"/proc/{pid}/stat") as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
        print(f"     50 MB FETCH, client not reading: heap {anon0} kB -> "
              f"{samples} kB, state {state}")
        check(max(samples) < anon0 + 8 * 1024,
              f"heap grew while blocked: {samples}")
        check(state == "S", f"session state {state}, want S (blocked)")
        c.close()
        kids = wait_children(srv, 0, timeout=5)
        check(not kids, "session outlived its vanished reader by 5 s")
    finally:
        srv.stop()
