"""The selected folder's inotify watch (FOLDER_TRACK, src/store/folder.c):
a sync after which only the session's own flag renames happened skips
the scan of cur/, but a change by anyone else in the same second as the
session's own, which the mtime test could not tell apart, is still seen
at the very next command: a flag rename, a delivery straight into cur/,
an expunge (unlink), and during IDLE."""
import os
import time

from harness import Server, check
from test_write import deliver, file_of, fresh_maildir, login, take_recent


def setup(world, name, n=4):
    md = fresh_maildir(world, name)
    bases = [deliver(md) for _ in range(n)]
    # Older than the mtime test's two seconds: only the watch can make
    # the syncs below cheap, and only it can make them wrong.
    time.sleep(2.2)
    return md, bases


def session(srv):
    c = login(srv)
    c.cmd("s", "SELECT INBOX")
    return c


def rename_by_hand(md, base, flags):
    cur = os.path.join(md, "cur")
    old = file_of(md, base)
    os.rename(os.path.join(cur, old),
              os.path.join(cur, base + ":2," + flags))


def test_watch_sees_others_next_to_own(world):
    md, bases = setup(world, "Maildir-watch")
    srv = Server(world, maildir="~/Maildir-watch")
    try:
        take_recent(srv)
        c = session(srv)
        for round_ in range(3):
            # Our own rename, then a stranger's within the same second.
            u, _ = c.cmd(f"a{round_}", "STORE 1 +FLAGS (\\Flagged)"
                         if round_ % 2 == 0 else
                         "STORE 1 -FLAGS (\\Flagged)")
            check(len(u) == 1, f"STORE answer {u!r}")
            flags = "S" if round_ % 2 == 0 else "D"
            rename_by_hand(md, bases[1], flags)
            u, _ = c.cmd(f"n{round_}", "NOOP")
            want = "\\Seen" if flags == "S" else "\\Draft"
            check(u == [f"* 2 FETCH (FLAGS ({want}))"],
                  f"round {round_}: NOOP after a foreign rename: {u!r}")
            # Nothing else happened: nothing to tell.
            u, _ = c.cmd(f"q{round_}", "NOOP")
            check(u == [], f"round {round_}: second NOOP: {u!r}")

        # A delivery straight into cur/ right after our own STORE.
        c.cmd("b1", "STORE 3 +FLAGS.SILENT (\\Answered)")
        deliver(md)
        u, _ = c.cmd("b2", "NOOP")
        check("* 5 EXISTS" in u, f"NOOP after a delivery: {u!r}")

        # An expunge by hand right after our own STORE.
        c.cmd("c1", "STORE 3 -FLAGS.SILENT (\\Answered)")
        os.unlink(os.path.join(md, "cur", file_of(md, bases[3])))
        u, _ = c.cmd("c2", "NOOP")
        check("* 4 EXPUNGE" in u, f"NOOP after an expunge: {u!r}")

        # IDLE: a foreign rename while idling comes as news.
        c.cmd("d1", "STORE 1 +FLAGS.SILENT (\\Seen)")
        c.send(b"i IDLE\r\n")
        c.expect(r"\+ .*")
        rename_by_hand(md, bases[2], "F")
        deadline = time.time() + 3
        got = ""
        while time.time() < deadline and "FETCH" not in got:
            got = c.line()
        check(got == "* 3 FETCH (FLAGS (\\Flagged))",
              f"IDLE news of a foreign rename: {got!r}")
        c.send(b"DONE\r\n")
        c.expect(r"i OK.*")
        c.cmd("z", "LOGOUT")
    finally:
        srv.stop()


def test_watch_own_changes_stay_quiet(world):
    """A second session that stores: the first session hears of it, and
    the storing session itself is told only its own FETCH answers."""
    md, bases = setup(world, "Maildir-watch2")
    srv = Server(world, maildir="~/Maildir-watch2")
    try:
        take_recent(srv)
        a, b = session(srv), session(srv)
        for i in range(1, 5):
            u, _ = a.cmd(f"a{i}", f"STORE {i} +FLAGS (\\Flagged)")
            check(u == [f"* {i} FETCH (FLAGS (\\Flagged))"],
                  f"own STORE {i}: {u!r}")
            u, _ = a.cmd(f"n{i}", "NOOP")
            check(u == [], f"NOOP after own STORE {i}: {u!r}")
            u, _ = b.cmd(f"b{i}", "NOOP")
            check(u == [f"* {i} FETCH (FLAGS (\\Flagged))"],
                  f"the other session after STORE {i}: {u!r}")
        for c in (a, b):
            c.cmd("z", "LOGOUT")
    finally:
        srv.stop()


def test_watch_from_select_on(world):
    """The watch is armed before SELECT reads the folder: on a folder
    changed this very second (where the mtime test proves nothing), a
    stranger's rename, delivery or expunge right after SELECT still
    comes out at the next command, and the session's own STORE does
    not."""
    md = fresh_maildir(world, "Maildir-watch3")
    bases = [deliver(md) for _ in range(4)]
    srv = Server(world, maildir="~/Maildir-watch3")
    try:
        take_recent(srv)
        for round_ in range(3):
            rename_by_hand(md, bases[0], "" if round_ % 2 else "A")
            c = session(srv)
            flags = "S" if round_ % 2 == 0 else "D"
            rename_by_hand(md, bases[1], flags)
            u, _ = c.cmd(f"n{round_}", "NOOP")
            want = "\\Seen" if flags == "S" else "\\Draft"
            check(u == [f"* 2 FETCH (FLAGS ({want}))"],
                  f"round {round_}: NOOP after a rename: {u!r}")
            u, _ = c.cmd(f"s{round_}", "STORE 3 +FLAGS.SILENT (\\Flagged)")
            u, _ = c.cmd(f"q{round_}", "NOOP")
            check(u == [], f"round {round_}: NOOP after own STORE: {u!r}")
            c.cmd(f"r{round_}", "STORE 3 -FLAGS.SILENT (\\Flagged)")
            c.cmd("z", "LOGOUT")
        c = session(srv)
        new = deliver(md)
        u, _ = c.cmd("d", "NOOP")
        check("* 5 EXISTS" in u, f"NOOP after a delivery: {u!r}")
        c.cmd("z", "LOGOUT")
        c = session(srv)
        os.unlink(os.path.join(md, "cur", file_of(md, new)))
        u, _ = c.cmd("e", "NOOP")
        check(u == ["* 5 EXPUNGE"], f"NOOP after an expunge: {u!r}")
        c.cmd("z", "LOGOUT")
    finally:
        srv.stop()
