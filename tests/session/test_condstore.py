"""CONDSTORE and QRESYNC (RFC 7162) and ENABLE (RFC 5161) over a real
socket: the RFC's examples replayed (tags, UIDVALIDITY and MODSEQ values
adapted), every error the RFCs name, and a client that resynchronizes with
SELECT (QRESYNC ...) after another session changed flags, expunged and
added messages while it was away: exactly the changed flags and exactly
the vanished UIDs come back."""
import os
import re

from harness import check
from test_write import deliver, files, fresh_maildir, login, take_recent
from harness import Server

CAPS_RE = re.compile(r"\* CAPABILITY (.*)")


def modseqs(lines):
    """{seq: modseq} of untagged FETCH lines."""
    out = {}
    for l in lines:
        m = re.match(r"\* (\d+) FETCH \(.*MODSEQ \((\d+)\)", l)
        if m:
            out[int(m.group(1))] = int(m.group(2))
    return out


def highest(lines):
    for l in lines:
        m = re.match(r"\* OK \[HIGHESTMODSEQ (\d+)\]", l)
        if m:
            return int(m.group(1))
    return None


def uidvalidity(lines):
    for l in lines:
        m = re.match(r"\* OK \[UIDVALIDITY (\d+)\]", l)
        if m:
            return int(m.group(1))
    return None


def setup(world, name, n=5):
    md = fresh_maildir(world, name)
    for _ in range(n):
        deliver(md)
    srv = Server(world, maildir="~/" + name)
    take_recent(srv)
    return md, srv


def test_enable(world):
    """RFC 5161 3.1 and its examples; RFC 7162 3.2.3."""
    md, srv = setup(world, "Maildir-cs-en")
    try:
        c = login(srv)
        u, t = c.cmd("t1", "CAPABILITY")
        before = u
        check("ENABLE" in u[0].split() and "CONDSTORE" in u[0].split()
              and "QRESYNC" in u[0].split(), f"caps {u!r}")
        u, t = c.cmd("t2", "ENABLE CONDSTORE X-GOOD-IDEA")
        check(u == ["* ENABLED CONDSTORE"], f"ENABLE: {u!r}")
        u, t = c.cmd("t3", "CAPABILITY")
        check(u == before, "CAPABILITY must not change after ENABLE")
        u, t = c.cmd("a", "ENABLE CONDSTORE")
        check(u == ["* ENABLED"], f"second ENABLE lists nothing: {u!r}")
        u, t = c.cmd("b", "ENABLE qresync condstore")
        check(u == ["* ENABLED QRESYNC"], f"ENABLE QRESYNC: {u!r}")
        u, t = c.cmd("c", "ENABLE UTF8=ACCEPT IMAP4rev2 FOO")
        check(u == ["* ENABLED UTF8=ACCEPT IMAP4rev2"],
              f"UTF8=ACCEPT IMAP4rev2: {u!r}")
        c.cmd("d", "ENABLE", status="BAD")
        c.cmd("e", 'ENABLE "CONDSTORE"', status="BAD")
        c.cmd("f", "ENABLE (CONDSTORE)", status="BAD")
        c.cmd("z", "LOGOUT")
        # Not before login (RFC 5161 3.1: the authenticated state).
        from harness import Client
        c = Client(srv.port)
        c.expect(r"\* OK .*")
        c.cmd("a", "ENABLE CONDSTORE", status="BAD")
        c.close()
    finally:
        srv.stop()


def test_condstore_select_fetch_store(world):
    md, srv = setup(world, "Maildir-cs-1")
    try:
        c = login(srv)
        # RFC 7162 3.1.2.1: no HIGHESTMODSEQ before an enabling command.
        u, t = c.cmd("a", "SELECT INBOX")
        check(highest(u) is None, f"HIGHESTMODSEQ too early: {u!r}")
        # 3.1 (example 13): FETCH MODSEQ is the first enabling command
        # with a mailbox selected: HIGHESTMODSEQ comes first.
        u, t = c.cmd("b", "FETCH 1:3 (MODSEQ)")
        h0 = highest(u)
        check(h0 is not None and u[0].startswith("* OK [HIGHESTMODSEQ "),
              f"first enabling command: {u!r}")
        ms = modseqs(u)
        check(sorted(ms) == [1, 2, 3] and all(0 < v <= h0
                                              for v in ms.values()),
              f"MODSEQs {u!r}")
        check(all(re.fullmatch(r"\* \d FETCH \(MODSEQ \(\d+\)\)", l)
                  for l in u[1:]), f"FETCH MODSEQ form: {u!r}")
        # (CONDSTORE) on SELECT (3.1.8, example 18).
        u, t = c.cmd("c", "SELECT INBOX (CONDSTORE)")
        h1 = highest(u)
        check(h1 is not None and h1 >= h0, f"SELECT (CONDSTORE): {u!r}")
        check(u[0] == "* OK [CLOSED] Previous mailbox closed.",
              f"CLOSED first (3.2.11): {u!r}")
        # Plain STORE: FETCH with UID, FLAGS and a new MODSEQ (3.1.3,
        # 3.2.4).
        u, t = c.cmd("d", r"STORE 1 +FLAGS (\Seen)")
        m = re.fullmatch(r"\* 1 FETCH \(UID 1 FLAGS \(\\Seen\) "
                         r"MODSEQ \((\d+)\)\)", u[0]) if len(u) == 1 \
            else None
        check(m is not None and int(m.group(1)) > h1, f"STORE: {u!r}")
        m1 = int(m.group(1))
        # Setting it again does not change the MODSEQ (3.1.11).
        u, t = c.cmd("e", r"STORE 1 +FLAGS (\Seen)")
        check(modseqs(u) == {1: m1}, f"no-op STORE: {u!r}")
        # Example 6: UNCHANGEDSINCE passes for 2 and 3, fails for 1,
        # and .SILENT still answers MODSEQ.
        u, t = c.cmd("f", "STORE 3,1,2 (UNCHANGEDSINCE %d) "
                     r"+FLAGS.SILENT (\Deleted)" % h1)
        check(t == "f OK [MODIFIED 1] Conditional store failed.",
              f"MODIFIED: {t!r}")
        check(len(u) == 2 and all(re.fullmatch(
            r"\* [23] FETCH \(UID [23] MODSEQ \(\d+\)\)", l) for l in u),
            f"silent conditional STORE: {u!r}")
        # Example 8: UNCHANGEDSINCE 0 always fails.
        u, t = c.cmd("g", r"UID STORE 4,5 (UNCHANGEDSINCE 0) +FLAGS.SILENT "
                     r"($MDNSent)")
        # (The new keyword is announced: FLAGS, PERMANENTFLAGS.)
        check(not any(" FETCH " in l for l in u) and
              t == "g OK [MODIFIED 4:5] Conditional store failed.",
              f"UNCHANGEDSINCE 0: {u!r} {t!r}")
        # Example 4 with UID STORE: all pass.
        u, t = c.cmd("h", r"UID STORE 4,5 (UNCHANGEDSINCE 9000000000000) "
                     r"FLAGS (\Answered)")
        ms = modseqs(u)
        check(t == "h OK Store completed." and sorted(ms) == [4, 5] and
              min(ms.values()) > m1, f"UID STORE: {u!r} {t!r}")
        c.cmd("i", "STORE 1 (UNCHANGEDSINCE x) +FLAGS (\\Seen)",
              status="BAD")
        c.cmd("j", "STORE 1 (CHANGEDSINCE 1) +FLAGS (\\Seen)", status="BAD")
        c.cmd("k", "STORE 1 (UNCHANGEDSINCE 1 UNCHANGEDSINCE 2) "
              "+FLAGS (\\Seen)", status="BAD")
        # CHANGEDSINCE (3.1.4.1, example 12): only what changed after m1.
        u, t = c.cmd("l", "UID FETCH 1:* (FLAGS) (CHANGEDSINCE %d)" % m1)
        got = sorted(int(re.search(r"UID (\d+)", l).group(1)) for l in u)
        check(got == [2, 3, 4, 5] and all("MODSEQ (" in l for l in u),
              f"CHANGEDSINCE: {u!r}")
        c.cmd("m", "FETCH 1 (FLAGS) (CHANGEDSINCE -1)", status="BAD")
        c.cmd("n", "FETCH 1 (FLAGS) (FOO 1)", status="BAD")
        # SEARCH MODSEQ (3.1.5, examples 15 and 16) and (MODSEQ n).
        u, t = c.cmd("o", "SEARCH MODSEQ %d" % (m1 + 1))
        top = max(modseqs(c.cmd("p", "FETCH 1:* (MODSEQ)")[0]).values())
        check(u == ["* SEARCH 2 3 4 5 (MODSEQ %d)" % top], f"SEARCH: {u!r}")
        u, t = c.cmd("q", r'SEARCH MODSEQ "/flags/\\draft" all %d' % m1)
        check(u == ["* SEARCH 1 2 3 4 5 (MODSEQ %d)" % top],
              f"SEARCH entry: {u!r}")
        u, t = c.cmd("r", "SEARCH OR NOT MODSEQ 1 LARGER 50000")
        check(u == ["* SEARCH"], f"example 16: {u!r}")
        u, t = c.cmd("s", "UID SEARCH RETURN (COUNT) MODSEQ 1")
        check(u == ['* ESEARCH (TAG "s") UID COUNT 5 MODSEQ %d' % top],
              f"ESEARCH MODSEQ (3.1.10): {u!r}")
        c.cmd("t", "SEARCH MODSEQ", status="BAD")
        c.cmd("u", 'SEARCH MODSEQ "/flags/\\seen" bogus 1', status="BAD")
        # STATUS HIGHESTMODSEQ (3.1.7, example 17).
        u, t = c.cmd("v", "STATUS INBOX (UIDNEXT MESSAGES HIGHESTMODSEQ)")
        check(re.fullmatch(r"\* STATUS INBOX \(MESSAGES 5 UIDNEXT 6 "
                           r"HIGHESTMODSEQ (\d+)\)", u[0]) is not None and
              int(u[0].split()[-1].rstrip(")")) >= top, f"STATUS: {u!r}")
        # EXAMINE: read-only, still HIGHESTMODSEQ; STORE refused.
        u, t = c.cmd("w", "EXAMINE INBOX")
        check(highest(u) is not None, f"EXAMINE: {u!r}")
        c.cmd("x", r"STORE 1 (UNCHANGEDSINCE 1) +FLAGS (\Seen)", status="NO")
        c.cmd("z", "LOGOUT")
    finally:
        srv.stop()


def test_condstore_two_sessions(world):
    """Example 14: another session's flag change comes with its MODSEQ
    (and, 3.2.4, its UID); MODIFIED for a message another session
    changed after the client's UNCHANGEDSINCE."""
    md, srv = setup(world, "Maildir-cs-2", n=3)
    try:
        a = login(srv)
        b = login(srv)
        a.cmd("a", "ENABLE CONDSTORE")
        u, t = a.cmd("b", "SELECT INBOX")
        h = highest(u)
        b.cmd("c", "SELECT INBOX")
        u, t = b.cmd("d", r"STORE 2 +FLAGS (\Deleted)")
        u, t = a.cmd("e", "NOOP")
        m = re.fullmatch(r"\* 2 FETCH \(UID 2 FLAGS \(\\Deleted\) MODSEQ "
                         r"\((\d+)\)\)", u[0]) if len(u) == 1 else None
        check(m is not None and int(m.group(1)) > h, f"NOOP: {u!r}")
        ms = int(m.group(1))
        b.cmd("f", r"STORE 3 +FLAGS ($Processed)")
        # A's cached MODSEQ for 3 is older than b's change: MODIFIED,
        # and the unsolicited FETCH tells it why (3.1.3, example 10).
        u, t = a.cmd("g", r"STORE 2:3 (UNCHANGEDSINCE %d) +FLAGS.SILENT "
                     r"(\Seen)" % ms)
        check(t == "g OK [MODIFIED 3] Conditional store failed.",
              f"MODIFIED: {t!r}")
        check(any(l.startswith("* 3 FETCH (UID 3 FLAGS ($Processed) "
                               "MODSEQ (") for l in u), f"why: {u!r}")
        check(any(re.fullmatch(r"\* 2 FETCH \(UID 2 MODSEQ \(\d+\)\)", l)
                  for l in u), f"stored: {u!r}")
        a.cmd("z", "LOGOUT")
        b.cmd("z", "LOGOUT")
    finally:
        srv.stop()


def test_qresync_errors(world):
    md, srv = setup(world, "Maildir-qr-err", n=2)
    try:
        c = login(srv)
        # 3.2.5: BAD unless ENABLE QRESYNC came first; 3.2.6 likewise.
        c.cmd("a", "SELECT INBOX (QRESYNC (1 1))", status="BAD")
        c.cmd("b", "SELECT INBOX")
        c.cmd("c", "UID FETCH 1:* (FLAGS) (CHANGEDSINCE 1 VANISHED)",
              status="BAD")
        c.cmd("d", "ENABLE QRESYNC")
        # 3.2.6: VANISHED only with UID FETCH, and only with CHANGEDSINCE.
        c.cmd("e", "FETCH 1:* (FLAGS) (CHANGEDSINCE 1 VANISHED)",
              status="BAD")
        c.cmd("f", "UID FETCH 1:* (FLAGS) (VANISHED)", status="BAD")
        # Syntax checked before anything is closed (3.2.5).
        for tag, p in [("g", "(QRESYNC)"), ("h", "(QRESYNC (1))"),
                       ("i", "(QRESYNC (0 1))"), ("j", "(QRESYNC (1 0))"),
                       ("k", "(QRESYNC (1 1 1:*))"),
                       ("l", "(QRESYNC (1 1 1:5 (1:2 3)))"),
                       ("m", "(QRESYNC (1 1 1:5 (2,1 3,4)))"),
                       ("n", "(FOO)"), ("o", "()")]:
            u, t = c.cmd(tag, "SELECT INBOX " + p, status="BAD")
            check(u == [], f"{p}: nothing before BAD: {u!r}")
        u, t = c.cmd("p", "FETCH 1 (FLAGS)")
        check(len(u) == 1, "still selected after BAD")
        c.cmd("z", "LOGOUT")
    finally:
        srv.stop()


def vanished_of(lines, earlier):
    head = "* VANISHED (EARLIER) " if earlier else "* VANISHED "
    out = [l[len(head):] for l in lines if l.startswith(head) and
           (earlier or not l.startswith("* VANISHED (EARLIER)"))]
    check(len(out) <= 1, f"one VANISHED at most: {lines!r}")
    return out[0] if out else None


def test_qresync_resync_after_away(world):
    """The client syncs, goes away; another session changes flags,
    expunges, and new mail comes; SELECT (QRESYNC ...) then reports the
    exact VANISHED set and exactly the changed messages (3.2.5.1)."""
    md, srv = setup(world, "Maildir-qr-away", n=10)
    try:
        a = login(srv)
        a.cmd("a", "ENABLE QRESYNC")
        u, t = a.cmd("b", "SELECT INBOX")
        uv, hms = uidvalidity(u), highest(u)
        check(hms is not None, f"SELECT after ENABLE QRESYNC: {u!r}")
        a.cmd("z", "LOGOUT")
        # While away: flags on 2, 5 and 9; 3, 4, 7 expunged; 2 new.
        b = login(srv)
        b.cmd("a", "SELECT INBOX")
        b.cmd("b", r"STORE 2 +FLAGS (\Flagged)")
        b.cmd("c", r"STORE 5 +FLAGS ($Label1)")
        b.cmd("d", r"STORE 3:4,7 +FLAGS (\Deleted)")
        b.cmd("e", "EXPUNGE")
        b.cmd("f", r"UID STORE 9 +FLAGS (\Seen)")
        b.cmd("z", "LOGOUT")
        deliver(md)
        deliver(md)
        a = login(srv)
        a.cmd("a", "ENABLE QRESYNC")
        u, t = a.cmd("b", "SELECT INBOX (QRESYNC (%d %d))" % (uv, hms))
        check(vanished_of(u, True) == "3:4,7", f"VANISHED (EARLIER): {u!r}")
        fetches = [l for l in u if " FETCH " in l]
        got = {int(re.search(r"UID (\d+)", l).group(1)): l for l in fetches}
        check(sorted(got) == [2, 5, 9, 11, 12], f"changed: {fetches!r}")
        check(re.fullmatch(r"\* 2 FETCH \(UID 2 FLAGS \(\\Flagged\) "
                           r"MODSEQ \(\d+\)\)", got[2]), got[2])
        check("FLAGS ($Label1)" in got[5] and got[5].startswith("* 3 FETCH"),
              got[5])
        check("FLAGS (\\Seen)" in got[9] and got[9].startswith("* 6 FETCH"),
              got[9])
        check(u.index([l for l in u if l.startswith("* VANISHED")][0]) <
              u.index(fetches[0]), "VANISHED before FETCH (3.2.6)")
        h2 = highest(u)
        check(all(hms < v <= h2 for v in modseqs(u).values()),
              f"MODSEQs above the client's: {u!r}")
        # Known UIDs restrict both answers.
        a.cmd("c", "ENABLE QRESYNC")
        u, t = a.cmd("d", "SELECT INBOX (QRESYNC (%d %d 1:4))" % (uv, hms))
        check(u[0] == "* OK [CLOSED] Previous mailbox closed.", u[0])
        check(vanished_of(u, True) == "3:4", f"known-uids: {u!r}")
        check([l for l in u if " FETCH " in l] ==
              [got[2]], f"known-uids FETCH: {u!r}")
        # Up to date: nothing to say.
        u, t = a.cmd("e", "SELECT INBOX (QRESYNC (%d %d))" % (uv, h2))
        check(vanished_of(u, True) is None and
              not any(" FETCH " in l for l in u), f"in sync: {u!r}")
        # Another UIDVALIDITY: the rest is ignored (3.2.5).
        u, t = a.cmd("f", "SELECT INBOX (QRESYNC (%d %d))" % (uv + 1, hms))
        check(vanished_of(u, True) is None and
              not any(" FETCH " in l for l in u) and highest(u) >= h2,
              f"UIDVALIDITY mismatch: {u!r}")
        # UID FETCH (VANISHED) gives the same (3.2.6, its example).
        u, t = a.cmd("g", "UID FETCH 1:12 (FLAGS) (CHANGEDSINCE %d VANISHED)"
                     % hms)
        check(vanished_of(u, True) == "3:4,7" and
              sorted(modseqs(u)) == [2, 3, 6, 8, 9], f"UID FETCH: {u!r}")
        a.cmd("z", "LOGOUT")
    finally:
        srv.stop()


def test_qresync_vanished_live(world):
    """3.2.10.2: VANISHED instead of EXPUNGE, for our EXPUNGE (with
    HIGHESTMODSEQ in the tagged OK, 3.2.7), UID EXPUNGE (3.2.9) and
    another session's; none during FETCH, STORE or SEARCH; CLOSE quiet."""
    md, srv = setup(world, "Maildir-qr-live", n=12)
    try:
        a = login(srv)
        b = login(srv)
        a.cmd("a", "ENABLE QRESYNC")
        a.cmd("b", "SELECT INBOX")
        b.cmd("c", "SELECT INBOX")
        a.cmd("d", r"STORE 3:4,7,11 +FLAGS.SILENT (\Deleted)")
        u, t = a.cmd("e", "EXPUNGE")
        check(u == ["* VANISHED 3:4,7,11"], f"EXPUNGE: {u!r}")
        m = re.fullmatch(r"e OK \[HIGHESTMODSEQ (\d+)\] Expunge completed\.",
                         t)
        check(m is not None, f"tagged: {t!r}")
        u, t = a.cmd("f", r"STORE 1 +FLAGS.SILENT (\Deleted)")
        u, t = a.cmd("g", "UID EXPUNGE 1:2")
        check(u == ["* VANISHED 1"], f"UID EXPUNGE: {u!r}")
        # Another session expunges: not during FETCH, then VANISHED.
        b.cmd("h", r"UID STORE 5,6 +FLAGS.SILENT (\Deleted)")
        b.cmd("i", "UID EXPUNGE 5:6")
        u, t = a.cmd("j", "FETCH 1 (UID)")
        check(not any(l.startswith("* VANISHED") for l in u),
              f"no VANISHED during FETCH: {u!r}")
        u, t = a.cmd("k", "NOOP")
        check(vanished_of(u, False) == "5:6", f"NOOP: {u!r}")
        u, t = a.cmd("l", "UID SEARCH ALL")
        check(u == ["* SEARCH 2 8 9 10 12"], f"left: {u!r}")
        # A message new and gone before the client heard of it is not
        # named (3.2.10.2).
        base = deliver(md)
        os.unlink(os.path.join(md, "cur", base + ":2,"))
        u, t = a.cmd("m", "NOOP")
        check(not any("VANISHED" in l for l in u), f"never told: {u!r}")
        a.cmd("n", r"STORE 1 +FLAGS.SILENT (\Deleted)")
        u, t = a.cmd("o", "CLOSE")
        check(u == [] and t == "o OK Close completed.", f"CLOSE: {u!r} {t!r}")
        a.cmd("z", "LOGOUT")
        b.cmd("z", "LOGOUT")
    finally:
        srv.stop()


def test_qresync_no_log(world):
    """Without the expunge log (skua.index lost), VANISHED (EARLIER)
    names every UID not in the mailbox (3.2.5.1, 5.1), cut down by the
    sequence match data (3.2.5.2)."""
    md, srv = setup(world, "Maildir-qr-nolog", n=9)
    try:
        a = login(srv)
        a.cmd("a", "ENABLE QRESYNC")
        u, t = a.cmd("b", "SELECT INBOX")
        uv, hms = uidvalidity(u), highest(u)
        a.cmd("c", r"STORE 1:2,4:5,7:8 +FLAGS.SILENT (\Deleted)")
        a.cmd("d", "EXPUNGE")
        a.cmd("z", "LOGOUT")
        os.unlink(os.path.join(md, "skua.index"))
        a = login(srv)
        a.cmd("a", "ENABLE QRESYNC")
        # Left: UIDs 3, 6, 9 as 1, 2, 3 (the RFC's example, in small).
        u, t = a.cmd("b", "SELECT INBOX (QRESYNC (%d %d 1:9))" % (uv, hms))
        check(vanished_of(u, True) == "1:2,4:5,7:8", f"no log: {u!r}")
        u, t = a.cmd("c", "SELECT INBOX (QRESYNC (%d %d 1:9 (1,2 3,6)))"
                     % (uv, hms))
        check(vanished_of(u, True) == "7:8", f"seq-match: {u!r}")
        # A pair that does not match stops the match (3.2.5.2).
        u, t = a.cmd("d", "SELECT INBOX (QRESYNC (%d %d 1:9 (1:3 3,5,9)))"
                     % (uv, hms))
        check(vanished_of(u, True) == "4:5,7:8", f"mismatch: {u!r}")
        a.cmd("z", "LOGOUT")
    finally:
        srv.stop()
