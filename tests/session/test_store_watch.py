"""Big STOREs with the selected folder's watch armed (FOLDER_TRACK,
src/store/folder.c): the session reads its own rename events back while
the STORE runs, more of them than the inotify queue holds (16384 by
default, two a rename), batched or not (CONDSTORE), so (1) the commands
after it hear of no change the session made itself, without a reread
of cur/, and (2) a change by someone else made while the STORE runs (a
flag rename or an expunge on disk, a delivery into cur/ or new/, a
STORE from a second session) is still reported afterwards."""
import os
import re
import time

from harness import Server, check, own
from test_write import MSG, fresh_maildir, login, take_recent

N = 10000                       # > 8192 renames: the queue would overflow


def big_maildir(world, name):
    """N messages straight in cur/, no flags; their bases in UID order."""
    md = fresh_maildir(world, name)
    bases = []
    for i in range(N):
        base = "%d.M%dP77.big" % (1600000000 + i, i)
        path = os.path.join(md, "cur", base + ":2,")
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.write(fd, MSG)
        os.close(fd)
        own(path)
        bases.append(base)
    return md, bases


def arm(srv):
    """The folder older than the mtime test's two seconds, its recent
    mail taken: the session's watch is armed from SELECT on."""
    time.sleep(2.2)
    take_recent(srv)
    c = login(srv)
    c.cmd("s", "SELECT INBOX")
    return c


def name_of(md, base):
    for name in os.listdir(os.path.join(md, "cur")):
        if name.split(":")[0] == base:
            return name
    return None


def until_tagged(c, tag):
    lines = []
    while True:
        got = c.line()
        if got.startswith(tag + " "):
            check(got.startswith(tag + " OK"), f"{tag}: {got!r}")
            return lines
        lines.append(got)


def test_big_store_no_phantoms(world):
    md, bases = big_maildir(world, "Maildir-bigstore")
    srv = Server(world, maildir="~/Maildir-bigstore")
    try:
        c = arm(srv)
        for i, (op, what) in enumerate((("+", "\\Seen"), ("-", "\\Seen"),
                                       ("+", "\\Flagged"))):
            u, _ = c.cmd(f"a{i}", f"STORE 1:* {op}FLAGS.SILENT ({what})")
            check(u == [], f"{op}{what}: untagged {u[:3]!r}")
            u, _ = c.cmd(f"n{i}", "NOOP")
            check(u == [], f"NOOP after {op}{what}: {u[:3]!r}")
        u, _ = c.cmd("q1", "SEARCH SEEN")
        check(u == ["* SEARCH"], f"SEARCH SEEN: {u[:1]!r}")
        u, _ = c.cmd("q2", "SEARCH FLAGGED")
        check(len(u) == 1 and len(u[0].split()) == N + 2,
              f"SEARCH FLAGGED: {len(u[0].split()) - 2 if u else u}")
        check(name_of(md, bases[N - 1]) == bases[N - 1] + ":2,F",
              f"on disk: {name_of(md, bases[N - 1])!r}")
        # Part of the folder.
        u, _ = c.cmd("d1", "STORE 1:4500 +FLAGS.SILENT (\\Draft)")
        check(u == [], f"+\\Draft: untagged {u[:3]!r}")
        u, _ = c.cmd("d2", "NOOP")
        check(u == [], f"NOOP after +\\Draft on 1:4500: {u[:3]!r}")
        # Not silent: the answers, then still nothing more.
        u, _ = c.cmd("b1", "STORE 1:* -FLAGS (\\Flagged)")
        check(len(u) == N and u[0] == "* 1 FETCH (FLAGS (\\Draft))" and
              u[-1] == f"* {N} FETCH (FLAGS ())",
              f"-FLAGS answers: {len(u)}, first {u[:1]!r}")
        u, _ = c.cmd("b2", "NOOP")
        check(u == [], f"NOOP after -FLAGS: {u[:3]!r}")
        # The watch still sees a stranger after all those reads.
        cur = os.path.join(md, "cur")
        os.rename(os.path.join(cur, bases[5] + ":2,D"),
                  os.path.join(cur, bases[5] + ":2,DR"))
        u, _ = c.cmd("b3", "NOOP")
        check(u == ["* 6 FETCH (FLAGS (\\Answered \\Draft))"],
              f"NOOP after a foreign rename: {u!r}")
        # With CONDSTORE a STORE is not batched: its 2N events, more
        # than the queue holds, are read back as it goes.
        c.cmd("e1", "ENABLE CONDSTORE")
        u, _ = c.cmd("e2", "STORE 1:* -FLAGS.SILENT (\\Draft)")
        check(len(u) == N and all("MODSEQ" in x for x in u),
              f"CONDSTORE -FLAGS: {len(u)} answers, {u[:2]!r}")
        u, _ = c.cmd("e3", "NOOP")
        check(not any("FETCH" in x or "EXISTS" in x or "EXPUNGE" in x
                      for x in u), f"NOOP after CONDSTORE -FLAGS: {u!r}")
        u, _ = c.cmd("e4", "SEARCH DRAFT")
        check(u == ["* SEARCH"], f"SEARCH DRAFT: {u[:1]!r}")
        c.cmd("z", "LOGOUT")
    finally:
        srv.stop()


def foreign_during(md, bases, c, tag, store, end, other):
    """Sends store, waits until it has renamed the first file, runs
    other() (the foreign changes) and reads the answer. The STORE is
    still running when the last file it changes has its old name. Returns the
    untagged lines of the STORE and of a NOOP after it, and whether the
    STORE was still running when other() was done."""
    cur = os.path.join(md, "cur")
    first = os.path.join(cur, name_of(md, bases[0]))
    last = os.path.join(cur, name_of(md, bases[end - 1]))
    c.send(f"{tag} {store}\r\n")
    deadline = time.time() + 10
    while os.path.exists(first) and time.time() < deadline:
        time.sleep(0.001)
    other()
    during = os.path.exists(last)
    lines = until_tagged(c, tag)
    u, _ = c.cmd(tag + "n", "NOOP")
    return lines + u, during


def test_foreign_changes_during_big_store(world):
    md, bases = big_maildir(world, "Maildir-bigforeign")
    srv = Server(world, maildir="~/Maildir-bigforeign")
    cur = os.path.join(md, "cur")
    serial = [0]

    def rename(k, info):
        return lambda: os.rename(os.path.join(cur, name_of(md, bases[k])),
                                 os.path.join(cur, bases[k] + info))

    def unlink(k):
        return lambda: os.unlink(os.path.join(cur, name_of(md, bases[k])))

    def delivery(sub, info):
        def fn():
            serial[0] += 1
            base = "1700000000.M%dP78.mda" % serial[0]
            tmp = os.path.join(md, "tmp", base)
            with open(tmp, "wb") as f:
                f.write(MSG)
            own(tmp)
            os.rename(tmp, os.path.join(md, sub, base + info))
        return fn

    def session_store(cmd):
        return lambda: b.cmd("b", cmd)

    exists = r"\* \d+ EXISTS"

    def fetch(seq, flags):
        return re.escape(f"* {seq} FETCH (FLAGS ({flags}))")

    # Each STORE leaves the last five messages alone; one change by
    # someone else to them comes while it runs. UID k is bases[k-1].
    # First over nearly all of the folder, then over less than half of
    # it. The expunge of sequence number N-3 in the first round moves
    # the ones after it.
    rounds = [(N - 5, [
        ("a rename on disk", rename(N - 5, ":2,F"), fetch(N - 4, "\\Flagged")),
        ("an expunge on disk", unlink(N - 4), re.escape(f"* {N - 3} EXPUNGE")),
        ("a delivery into cur/", delivery("cur", ":2,"), exists),
        ("a delivery into new/", delivery("new", ""), exists),
        ("a second session's STORE",
         session_store(f"UID STORE {N - 1} +FLAGS.SILENT (\\Answered)"),
         fetch(N - 2, "\\Answered")),
    ]), (4500, [
        ("a rename on disk", rename(N - 3, ":2,R"), fetch(N - 3, "\\Answered")),
        ("an expunge on disk", unlink(N - 1), re.escape(f"* {N - 1} EXPUNGE")),
        ("a delivery into cur/", delivery("cur", ":2,S"), exists),
        ("a delivery into new/", delivery("new", ""), exists),
        ("a second session's STORE",
         session_store(f"UID STORE {N - 1} -FLAGS.SILENT (\\Answered)"),
         fetch(N - 2, "")),
    ])]
    try:
        c = arm(srv)
        b = login(srv)
        b.cmd("s", "SELECT INBOX")
        total, k = N, 0
        for end, cases in rounds:
            for what, change, want in cases:
                op = "+" if k % 2 == 0 else "-"
                k += 1
                lines, during = foreign_during(
                    md, bases, c, f"a{k}",
                    f"STORE 1:{end} {op}FLAGS.SILENT (\\Seen)", end, change)
                what = f"{what} (1:{end})"
                check(any(re.fullmatch(want, x) for x in lines),
                      f"{what} not told: {lines!r}")
                # About the watch only when the STORE was still
                # running: it takes far longer than a change on disk.
                # (A second session's STORE may come after it on a busy
                # machine.)
                check(during or "session" in what,
                      f"{what} came after the STORE: make N bigger")
                total += 1 if want == exists else \
                    -1 if "EXPUNGE" in want else 0
                u, _ = c.cmd(f"c{k}", "SEARCH ALL")
                check(len(u[0].split()) == total + 2,
                      f"after {what}: SEARCH ALL {len(u[0].split()) - 2}, "
                      f"want {total}")
                u, _ = c.cmd(f"d{k}", "NOOP")
                check(u == [], f"second NOOP after {what}: {u!r}")
        # The last STORE (the tenth) took \Seen away from 1:4500.
        u, _ = c.cmd("e", "SEARCH 1:4500 SEEN")
        check(u == ["* SEARCH"], f"SEARCH 1:4500 SEEN: {u[:1]!r}")
        for x in (b, c):
            x.cmd("z", "LOGOUT")
    finally:
        srv.stop()
