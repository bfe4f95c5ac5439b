"""MOVE and UID MOVE (RFC 6851) over real sockets: the example of 3.3
(UIDVALIDITY adapted), COPYUID in an untagged OK before the EXPUNGEs
(4.3), flags and keywords kept and \\Deleted never set (3.3), moving into
the selected mailbox itself (3.3), TRYCREATE, the errors, a MOVE within
the quota where COPY would exceed it (4.1), and two other sessions idling
on the source and the destination that hear one consistent story: the
message leaves one and enters the other, never seen in both or neither.

On disk a move is one rename(2): the file keeps its inode and mtime."""
import os
import re
import threading
import time

from harness import Client, Server, USERS, check
from test_write import (MSG, deliver, exact, file_of, files, fresh_maildir,
                        login, quota_file, quota_used, select, take_recent)

TRYCREATE = "NO [TRYCREATE] Mailbox doesn't exist: Nope"


def copyuid(line, want):
    """line is want with the destination's UIDVALIDITY for V."""
    m = re.fullmatch(re.escape(want).replace("V", "([1-9][0-9]*)"), line)
    check(m is not None, f"got {line!r}, want {want!r}")
    return int(m.group(1))


def inode(d, base):
    return os.stat(os.path.join(d, "cur", file_of(d, base))).st_ino


def status_v(c, name):
    u, t = c.cmd("sv", f"STATUS {name} (UIDVALIDITY)")
    return int(u[0].split("UIDVALIDITY ")[1].split(")")[0])


def test_rfc_example(world):
    md = fresh_maildir(world, "Maildir-move", folders=[".foo"])
    foo = os.path.join(md, ".foo")
    bases = [deliver(md, ":2,S") for _ in range(5)]
    ino = inode(md, bases[1])
    mtime = os.stat(os.path.join(md, "cur", file_of(md, bases[1]))).st_mtime
    srv = Server(world, maildir="~/Maildir-move")
    try:
        take_recent(srv)
        c = select(srv)
        v = status_v(c, "foo")
        # RFC 6851 3.3: "a UID MOVE 42:69 foo", here 2:4.
        exact(c, "a", "UID MOVE 2:4 foo",
              [f"* OK [COPYUID {v} 2:4 1:3] Moved UIDs.",
               "* 4 EXPUNGE", "* 3 EXPUNGE", "* 2 EXPUNGE"],
              "OK Move completed.")
        check(len(files(md)) == 2, f"INBOX holds {files(md)}")
        check(len(files(foo)) == 3, f"foo holds {files(foo)}")
        # Flags kept, \Deleted never set (3.3); one rename: same inode.
        for name in files(foo):
            check(name.endswith(":2,S"), f"flags of {name}")
        inos = {os.stat(os.path.join(foo, "cur", n)).st_ino
                for n in files(foo)}
        check(ino in inos, "the moved file should keep its inode")
        u, t = c.cmd("b", "FETCH 1:* (UID FLAGS)")
        check(u == [r"* 1 FETCH (UID 1 FLAGS (\Seen))",
                    r"* 2 FETCH (UID 5 FLAGS (\Seen))"], f"left: {u!r}")
        c.cmd("c", "SELECT foo")
        u, t = c.cmd("d", "FETCH 1 (INTERNALDATE RFC822.SIZE)")
        check(f"RFC822.SIZE {len(MSG)}" in u[0], f"moved: {u!r}")
        check(abs(os.stat(os.path.join(foo, "cur", files(foo)[0]))
                  .st_mtime - mtime) < 1, "internal date kept")
        # MOVE with sequence numbers, back to INBOX.
        u, t = c.cmd("e", "MOVE 1,3 INBOX")
        vi = copyuid(u[0], "* OK [COPYUID V 1,3 6:7] Moved UIDs.")
        check(u[1:] == ["* 3 EXPUNGE", "* 1 EXPUNGE"], f"MOVE: {u!r}")
        check(t == "e OK Move completed.", f"MOVE: {t!r}")
        check(vi != v, "COPYUID names the destination's UIDVALIDITY")
        check(len(files(md)) == 4 and len(files(foo)) == 1,
              f"{files(md)} {files(foo)}")
        c.cmd("z", "LOGOUT")
    finally:
        srv.stop()


def test_errors(world):
    md = fresh_maildir(world, "Maildir-moveerr", folders=[".Dest"])
    for _ in range(3):
        deliver(md)
    srv = Server(world, maildir="~/Maildir-moveerr")
    try:
        take_recent(srv)
        c = select(srv)
        exact(c, "a", "MOVE 1 Nope", [], TRYCREATE)
        exact(c, "b", "UID MOVE 1 Nope", [], TRYCREATE)
        c.cmd("c", "MOVE 1", status="BAD")
        c.cmd("d", "MOVE", status="BAD")
        c.cmd("e", "MOVE x Dest", status="BAD")
        c.cmd("f", "MOVE 1 Dest extra", status="BAD")
        c.cmd("g", "MOVE 9 Dest", status="BAD")
        exact(c, "h", "UID MOVE 100:200 Dest", [], "OK No messages found.")
        check(len(files(md)) == 3, "nothing may have moved")
        # An EXAMINEd mailbox: MOVE expunges, so it is refused.
        c.cmd("i", "EXAMINE INBOX")
        exact(c, "j", "MOVE 1 Dest", [], "NO [READ-ONLY] Mailbox is "
              "read-only.")
        check(len(files(md)) == 3 and files(os.path.join(md, ".Dest")) == [],
              "EXAMINE must not move")
        # Not in the authenticated state.
        c.cmd("k", "UNSELECT", status="")
        c.cmd("k2", "CLOSE", status="")
        c2 = login(srv)
        c2.cmd("l", "MOVE 1 Dest", status="BAD")
        c2.cmd("m", "UID MOVE 1 Dest", status="BAD")
        c2.cmd("z", "LOGOUT")
        c.cmd("z", "LOGOUT")
    finally:
        srv.stop()


def test_expunged_meanwhile(world):
    """A message another session expunged, not yet announced: nothing
    moves and the answer is NO [EXPUNGEISSUED], as for COPY."""
    md = fresh_maildir(world, "Maildir-moveexp", folders=[".Dest"])
    for _ in range(3):
        deliver(md)
    srv = Server(world, maildir="~/Maildir-moveexp")
    try:
        take_recent(srv)
        a = select(srv)
        b = select(srv)
        b.cmd("a", r"STORE 2 +FLAGS.SILENT (\Deleted)")
        b.cmd("b", "EXPUNGE")
        a.cmd("c", "FETCH 1 UID")     # syncs, may not announce (7.4.1)
        exact(a, "d", "MOVE 1:3 Dest", [], "NO [EXPUNGEISSUED] Some of "
              "the requested messages no longer exist.")
        check(files(os.path.join(md, ".Dest")) == [], "nothing moved")
        u, t = a.cmd("e", "NOOP")
        check(u == ["* 2 EXPUNGE"], f"NOOP: {u!r}")
        u, t = a.cmd("f", "MOVE 1:2 Dest")
        copyuid(u[0], "* OK [COPYUID V 1,3 1:2] Moved UIDs.")
        check(u[1:] == ["* 2 EXPUNGE", "* 1 EXPUNGE"], f"MOVE: {u!r}")
        a.cmd("z", "LOGOUT")
        b.cmd("z", "LOGOUT")
    finally:
        srv.stop()


def test_into_selected_and_keywords(world):
    md = fresh_maildir(world, "Maildir-moveself", folders=[".Dest"])
    dest = os.path.join(md, ".Dest")
    for _ in range(3):
        deliver(md)
    srv = Server(world, maildir="~/Maildir-moveself")
    try:
        take_recent(srv)
        c = select(srv)
        c.cmd("a", r"STORE 1 +FLAGS.SILENT (\Flagged $Work)")
        # RFC 6851 3.3: the selected mailbox as the target.
        u, t = c.cmd("b", "MOVE 1 INBOX")
        copyuid(u[0], "* OK [COPYUID V 1 4] Moved UIDs.")
        # The new message is \Recent here (RFC 3501 2.3.2: this session
        # is the first to be told of it).
        check(u[1:] == ["* 1 EXPUNGE", "* 3 EXISTS", "* 1 RECENT"],
              f"MOVE self: {u!r}")
        u, t = c.cmd("c", "FETCH 3 (UID FLAGS)")
        check(u == [r"* 3 FETCH (UID 4 FLAGS (\Flagged \Recent $Work))"],
              f"{u!r}")
        check(len(files(md)) == 3, f"INBOX {files(md)}")
        # A keyword carried over by name into a folder that lacks it.
        u, t = c.cmd("d", "UID MOVE 4 Dest")
        copyuid(u[0], "* OK [COPYUID V 4 1] Moved UIDs.")
        check(u[1:] == ["* 3 EXPUNGE"], f"{u!r}")
        with open(os.path.join(dest, "dovecot-keywords")) as f:
            check("$Work" in f.read(), "keyword in Dest's dovecot-keywords")
        c.cmd("e", "SELECT Dest")
        u, t = c.cmd("f", "FETCH 1 FLAGS")
        check(u == [r"* 1 FETCH (FLAGS (\Flagged \Recent $Work))"],
              f"{u!r}")
        c.cmd("z", "LOGOUT")
    finally:
        srv.stop()


def test_move_within_quota(world):
    """RFC 6851 4.1: a MOVE may succeed where COPY would overrun the
    quota; the Maildir++ usage does not change."""
    md = fresh_maildir(world, "Maildir-moveq", folders=[".Other"])
    for _ in range(2):
        deliver(md)
    quota_file(md, 2 * len(MSG) + 10)
    srv = Server(world, maildir="~/Maildir-moveq")
    try:
        take_recent(srv)
        c = select(srv)
        used = quota_used(md)
        exact(c, "a", "COPY 1:2 Other", [], "NO [OVERQUOTA] Quota exceeded "
              "(mailbox for user is full)")
        u, t = c.cmd("b", "MOVE 1:2 Other")
        check(t == "b OK Move completed.", f"MOVE: {t!r}")
        check(quota_used(md) == used, f"quota {quota_used(md)}, want {used}")
        check(len(files(os.path.join(md, ".Other"))) == 2, "moved")
        c.cmd("z", "LOGOUT")
    finally:
        srv.stop()


def idle_lines(c, want, limit=5.0):
    """Reads untagged IDLE news until want lines came."""
    got = []
    deadline = time.time() + limit
    c.sock.settimeout(limit)
    while len(got) < want and time.time() < deadline:
        got.append(c.line())
    return got


def test_idlers_see_one_story(world):
    """Sessions idling on the source and on the destination. The source
    hears EXPUNGE, the destination EXISTS; at every moment a poller's
    STATUS of both folders counts each message exactly once."""
    md = fresh_maildir(world, "Maildir-moveidle", folders=[".Dest"])
    n = 20
    for _ in range(n):
        deliver(md)
    srv = Server(world, maildir="~/Maildir-moveidle")
    try:
        take_recent(srv)
        mover = select(srv)
        src = select(srv)
        dst = select(srv, "Dest")
        src.send("i IDLE\r\n")
        src.expect(r"\+ .*")
        dst.send("j IDLE\r\n")
        dst.expect(r"\+ .*")
        # A poller that lists both cur/ directories around each file
        # operation cannot be atomic; what we can check is that no
        # file ever has two names: the count of names in both cur/
        # directories, taken from one directory snapshot each, never
        # exceeds n (link-then-unlink would show n + 1 sometimes).
        stop = threading.Event()
        seen = []

        def poll():
            while not stop.is_set():
                a = set(os.listdir(os.path.join(md, "cur")))
                b = set(os.listdir(os.path.join(md, ".Dest", "cur")))
                a2 = set(os.listdir(os.path.join(md, "cur")))
                # Names in Dest and still in INBOX after Dest was read.
                seen.append(len(b) + len(a & a2))
        t = threading.Thread(target=poll)
        t.start()
        for i in range(0, n, 2):
            u, tag = mover.cmd("m%d" % i, "MOVE 1:2 Dest")
            check(tag.endswith("OK Move completed."), f"{tag!r}")
        stop.set()
        t.join()
        check(max(seen) <= n, f"a message was seen twice: {max(seen)}")
        got_src = idle_lines(src, n)
        got_dst = idle_lines(dst, 1)
        # Each EXPUNGE names a message the idler still has (RFC 3501
        # 7.4.1), and all n go.
        count = n
        for line in got_src:
            k = int(line.split()[1]) if line.endswith(" EXPUNGE") else 0
            check(1 <= k <= count, f"source heard {line!r} with {count}")
            count -= 1
        check(count == 0, f"source heard {got_src!r}")
        # EXISTS (and RECENT: the idler of Dest has it read-write) may
        # come in steps; the last EXISTS says n.
        src.send("DONE\r\n")
        src.expect("i OK .*")
        dst.send("DONE\r\n")
        while True:
            line = dst.line()
            if line.startswith("j "):
                break
            got_dst.append(line)
        check(line.startswith("j OK"), f"DONE: {line!r}")
        exists = [l for l in got_dst if l.endswith(" EXISTS")]
        check(exists and exists[-1] == f"* {n} EXISTS",
              f"dest heard {got_dst!r}")
        check(all(l.endswith("EXISTS") or l.endswith("RECENT")
                  for l in got_dst), f"dest heard {got_dst!r}")
        u, t = dst.cmd("k", "UID FETCH 1:* (UID)")
        check(len(u) == n, f"dest has {len(u)}")
        u, t = src.cmd("l", "STATUS Dest (MESSAGES)", status="OK")
        check(u == [f"* STATUS Dest (MESSAGES {n})"], f"{u!r}")
        for c in (mover, src, dst):
            c.cmd("z", "LOGOUT")
    finally:
        srv.stop()
