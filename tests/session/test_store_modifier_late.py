"""STORE with its store-modifiers after the flags, as imapflow 1.x writes
them: "UID STORE 8 +FLAGS (\\Seen) (UNCHANGEDSINCE 41)". RFC 4466 2.5
puts "(UNCHANGEDSINCE n)" before the item; skua takes it in either place
and honours it the same way (RFC 7162 3.1.3), so that the conditional
STORE of that client is neither refused nor turned unconditional."""
import re

from harness import Server, check
from test_write import deliver, fresh_maildir, login, take_recent


def test_store_modifier_after_flags(world):
    md = fresh_maildir(world, "Maildir-storelate")
    for _ in range(3):
        deliver(md)
    srv = Server(world, maildir="~/Maildir-storelate")
    take_recent(srv)
    try:
        c = login(srv)
        c.cmd("a", "ENABLE CONDSTORE")
        c.cmd("b", "SELECT INBOX")
        u, _ = c.cmd("c", "FETCH 1:3 (MODSEQ)")
        ms = {int(l.split()[1]): int(re.search(r"MODSEQ \((\d+)\)", l)
                                     .group(1)) for l in u if "FETCH" in l}
        # Passes: nothing changed since.
        u, t = c.cmd("d", r"UID STORE 1 +FLAGS (\Seen) (UNCHANGEDSINCE %d)"
                     % ms[1])
        check(t == "d OK Store completed." and len(u) == 1 and
              re.fullmatch(r"\* 1 FETCH \(UID 1 FLAGS \(\\Seen\) MODSEQ "
                           r"\(\d+\)\)", u[0]), f"{u!r} {t!r}")
        # Fails: MODIFIED, and the flags stay as they were.
        u, t = c.cmd("e", r"UID STORE 2 +FLAGS (\Draft) (UNCHANGEDSINCE 1)")
        check(t == "e OK [MODIFIED 2] Conditional store failed." and
              not u, f"{u!r} {t!r}")
        u, _ = c.cmd("f", "FETCH 2 (FLAGS)")
        check(u == [r"* 2 FETCH (FLAGS ())"], f"{u!r}")
        # .SILENT and STORE by number too.
        u, t = c.cmd("g", r"STORE 3 FLAGS.SILENT ($X) (UNCHANGEDSINCE %d)"
                     % ms[3])
        # (The new keyword comes first in FLAGS and PERMANENTFLAGS.)
        f = [l for l in u if " FETCH " in l]
        check(t == "g OK Store completed." and len(f) == 1 and
              re.fullmatch(r"\* 3 FETCH \(UID 3 MODSEQ \(\d+\)\)", f[0]),
              f"{u!r} {t!r}")
        # The usual place still works; modifiers in both places, or a
        # list that is not a modifier, are BAD.
        c.cmd("h", r"STORE 1 (UNCHANGEDSINCE 1) -FLAGS (\Seen)")
        c.cmd("i", r"STORE 1 (UNCHANGEDSINCE 1) +FLAGS (\Seen) "
              r"(UNCHANGEDSINCE 1)", status="BAD")
        c.cmd("j", r"STORE 1 +FLAGS (\Seen) (FOO 1)", status="BAD")
        c.cmd("k", r"STORE 1 +FLAGS (\Seen) (UNCHANGEDSINCE x)",
              status="BAD")
        c.cmd("z", "LOGOUT")
    finally:
        srv.stop()
