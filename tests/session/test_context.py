"""ESORT, CONTEXT=SEARCH and CONTEXT=SORT (RFC 5267) over real sockets:
the RFC's examples replayed (tags, UIDs and counts adapted to a Maildir
of ten messages, test_esearch.make_box) and the error cases its text
names: SORT RETURN (3), the CONTEXT hint (4.2), UPDATE with ADDTO and
REMOVEFROM as the mailbox changes by STORE, EXPUNGE and delivery, from
this session and another one, and during IDLE (4.3), NOUPDATE (4.3.1),
positions in a sorted context (4.3.3, 4.3.4), CANCELUPDATE (4.3.5) and
PARTIAL (4.4).

Messages 1-10 have UIDs 1-10 and INTERNALDATEs (no Date: header, so
DATE sorts by them) rising with the number; 4 and 8 are \\Draft (made
\\Deleted first here), 2, 9 and 10 \\Flagged, 3 is the only one without
\\Seen."""
import os
import time

from harness import Client, check, own
from test_esearch import exact, session
from test_write import select


def esearch(tag, rest=""):
    return f'* ESEARCH (TAG "{tag}"){rest}'


def deliver(md, n, flags=None):
    """A new message file, as an MDA (or, with flags, a copy) makes it."""
    name = f"{int(time.time())}.M{n}P9.mda"
    path = (os.path.join(md, "new", name) if flags is None else
            os.path.join(md, "cur", f"{name}:2,{flags}"))
    with open(path, "wb") as f:
        f.write(f"From: x@example.org\r\nSubject: new {n}\r\n\r\n"
                f"body\r\n".encode())
    own(path)


def deleted(c):
    c.cmd("p", "STORE 4,8 +FLAGS.SILENT (\\Deleted)")


def test_esort_rfc5267_3(world):
    srv, c = session(world, "Maildir-esort")
    deleted(c)
    try:
        # 3.3: "RETURN ()" is ALL, in sort order; the descending run
        # 10,9 is not written as a range (3.2).
        exact(c, "E01", "UID SORT RETURN () (REVERSE DATE) UTF-8 "
              "UNDELETED UNKEYWORD $Junk",
              [esearch("E01", " UID ALL 10,9,7,6,5,3,2,1")])
        # 3.1: MIN and MAX are the first and last in sort order.
        exact(c, "E02", "UID SORT RETURN (MIN MAX COUNT) (REVERSE DATE) "
              "UTF-8 UNDELETED",
              [esearch("E02", " UID MIN 10 MAX 1 COUNT 8")])
        exact(c, "E03", "SORT RETURN (ALL) (DATE) UTF-8 ALL",
              [esearch("E03", " ALL 1:10")])
        exact(c, "E04", "SORT RETURN (MIN MAX ALL COUNT) (DATE) US-ASCII "
              "KEYWORD nothere", [esearch("E04", " COUNT 0")])
        exact(c, "E05", "SORT RETURN (MIN) (DATE) UTF-8 KEYWORD nothere",
              [esearch("E05")])
        exact(c, "E06", "sort return (all count) (reverse arrival) utf-8 "
              "1:3,7", [esearch("E06", " ALL 7,3,2,1 COUNT 4")])
        # SAVE (RFC 5182) keeps the UIDs, the order is mailbox order.
        exact(c, "E07", "SORT RETURN (SAVE) (REVERSE DATE) UTF-8 FLAGGED",
              [])
        exact(c, "E08", "SEARCH $", ["* SEARCH 2 9 10"])
        exact(c, "E09", "SORT RETURN (SAVE MIN) (REVERSE DATE) UTF-8 "
              "FLAGGED", [esearch("E09", " MIN 10")])
        exact(c, "E10", "UID SEARCH $", ["* SEARCH 10"])
        # Errors: options, criteria, charset.
        exact(c, "E11", "SORT RETURN (FOO) (DATE) UTF-8 ALL", [], "BAD")
        exact(c, "E12", "SORT RETURN (ALL) UTF-8 ALL", [], "BAD")
        exact(c, "E13", "SORT RETURN (ALL) (DATE)", [], "BAD")
        exact(c, "E14", "SORT RETURN (ALL) (DATE) UTF-8", [], "BAD")
        exact(c, "E15", "SORT RETURN ALL (DATE) UTF-8 ALL", [], "BAD")
        u, t = c.cmd("E16", "SORT RETURN (ALL) (DATE) KOI8-R ALL",
                     status="NO")
        check(u == [] and "[BADCHARSET" in t, f"E16: {u!r} {t!r}")
        # Plain SORT is unchanged (RFC 5256).
        exact(c, "E17", "SORT (REVERSE DATE) UTF-8 1:3", ["* SORT 3 2 1"])
    finally:
        srv.stop()


def test_context_hint_and_partial(world):
    srv, c = session(world, "Maildir-partial")
    deleted(c)
    try:
        # 4.2's example: CONTEXT is a hint and changes nothing.
        exact(c, "A01", "SEARCH RETURN (CONTEXT COUNT) UNDELETED "
              "UNKEYWORD $Junk", [esearch("A01", " COUNT 8")])
        # 4.4: ranges of results in mailbox order; past the end, what
        # there is, or NIL; "4:2" is "2:4" (5: partial-range).
        exact(c, "A02", "UID SEARCH RETURN (PARTIAL 2:4) UNDELETED",
              [esearch("A02", " UID PARTIAL (2:4 2:3,5)")])
        exact(c, "A03", "UID SEARCH RETURN (PARTIAL 7:20) UNDELETED",
              [esearch("A03", " UID PARTIAL (7:20 9:10)")])
        exact(c, "A04", "UID SEARCH RETURN (PARTIAL 20:30) UNDELETED",
              [esearch("A04", " UID PARTIAL (20:30 NIL)")])
        exact(c, "A05", "SEARCH RETURN (PARTIAL 4:2) UNDELETED",
              [esearch("A05", " PARTIAL (2:4 2:3,5)")])
        exact(c, "A06", "SEARCH RETURN (MIN PARTIAL 1:1 COUNT) SEEN",
              [esearch("A06", " MIN 1 PARTIAL (1:1 1) COUNT 9")])
        exact(c, "A07", "UID SORT RETURN (PARTIAL 1:3) (REVERSE DATE) "
              "UTF-8 ALL", [esearch("A07", " UID PARTIAL (1:3 10,9,8)")])
        exact(c, "A08", "SEARCH RETURN (PARTIAL 1:2) CHARSET UTF-8 SEEN",
              [esearch("A08", " PARTIAL (1:2 1:2)")])
        # "either one PARTIAL, one ALL, or neither" (4.4); nz-number,
        # no "*" (5).
        for i, bad in enumerate(["PARTIAL 1:3 ALL", "ALL PARTIAL 1:3",
                                 "PARTIAL 1:2 PARTIAL 3:4", "PARTIAL 0:3",
                                 "PARTIAL 1:*", "PARTIAL", "PARTIAL 5",
                                 "PARTIAL 1:4294967296", "PARTIAL (1:2)",
                                 "UPDATE FOO"]):
            exact(c, f"B{i}", f"SEARCH RETURN ({bad}) ALL", [], "BAD")
        u, t = c.cmd("A09", "SEARCH RETURN (PARTIAL 1:2) CHARSET NOPE ALL",
                     status="NO")
        check("[BADCHARSET" in t, f"A09: {t!r}")
    finally:
        srv.stop()


def test_update_rfc5267_4_3(world):
    srv, c = session(world, "Maildir-update")
    deleted(c)
    try:
        # 4.3's example: a count now, notifications later.
        exact(c, "B01", "UID SEARCH RETURN (UPDATE COUNT) DELETED "
              "KEYWORD $Junk", [esearch("B01", " UID COUNT 0")])
        # "the following is rejected, and has no effect"
        exact(c, "B01", "SORT RETURN (UPDATE) (DATE) UTF-8 FLAGGED", [],
              "BAD")
        # 4.3.3's example: ADDTO after the FETCH that causes it.
        u, _ = c.cmd("S1", "STORE 2:3 +FLAGS ($Junk \\Deleted)")
        check(u[-1] == esearch("B01", " UID ADDTO (0 2:3)") and
              u[-2].startswith("* 3 FETCH"),
              f"ADDTO: {u!r}")
        # UPDATE without COUNT or ALL answers no result, just the tag.
        exact(c, "C1", "SEARCH RETURN (UPDATE) FLAGGED", [esearch("C1")])
        # 4.3.4: REMOVEFROM by sequence number before the EXPUNGE.
        u, _ = c.cmd("S2", "EXPUNGE")
        want_b = esearch("B01", " UID REMOVEFROM (0 2:3)")
        want_c = esearch("C1", " REMOVEFROM (0 2)")
        check(want_b in u and want_c in u, f"EXPUNGE: {u!r}")
        check(u.index(want_c) < u.index("* 2 EXPUNGE"),
              f"REMOVEFROM after EXPUNGE: {u!r}")
        check(u[-4:] == ["* 8 EXPUNGE", "* 4 EXPUNGE", "* 3 EXPUNGE",
                         "* 2 EXPUNGE"], f"EXPUNGE: {u!r}")
        # Now 1 3 4 5 6 7 8 hold UIDs 1 5 6 7 9 10... as numbers:
        # UIDs 1,5,6,7,9,10 are 1..6. Flag changes by number.
        u, _ = c.cmd("S3", "STORE 1 +FLAGS (\\Flagged)")
        check(u[-1] == esearch("C1", " ADDTO (0 1)"), f"ADDTO: {u!r}")
        u, _ = c.cmd("S4", "UID STORE 9 -FLAGS (\\Flagged)")
        check(u[-1] == esearch("C1", " REMOVEFROM (0 5)"),
              f"REMOVEFROM: {u!r}")
        # A change that is no change to the result says nothing.
        u, _ = c.cmd("S5", "STORE 1 +FLAGS (\\Answered)")
        check(not any("ESEARCH" in x for x in u), f"quiet: {u!r}")
        # 4.3.5: CANCELUPDATE ends it; an unknown tag is NO.
        exact(c, "B04", 'CANCELUPDATE "C1"', [])
        u, _ = c.cmd("S6", "STORE 2 +FLAGS (\\Flagged)")
        check(not any("ESEARCH" in x for x in u), f"cancelled: {u!r}")
        exact(c, "B05", 'CANCELUPDATE "C1"', [], "NO")
        exact(c, "B06", 'CANCELUPDATE "B01" "nope"', [], "NO")
        exact(c, "B07", "CANCELUPDATE", [], "BAD")
        exact(c, "B08", "CANCELUPDATE B01", [], "BAD")
        exact(c, "B09", 'CANCELUPDATE {3+}\r\nB01', [], "OK")
        # The tag is free again.
        exact(c, "B01", "UID SEARCH RETURN (UPDATE) FLAGGED",
              [esearch("B01", " UID")])
        # 4.3: updates cease when the mailbox is no longer selected.
        c.cmd("s2", "SELECT INBOX")
        exact(c, "B10", 'CANCELUPDATE "B01"', [], "NO")
        exact(c, "B11", 'CANCELUPDATE "B01"', [], "NO")
        c.cmd("u", "UNSELECT")
        exact(c, "B12", 'CANCELUPDATE "B01"', [], "BAD")
    finally:
        srv.stop()


def test_update_from_other_session(world):
    srv, c = session(world, "Maildir-upd2")
    md = world.path("home", "alice", "Maildir-upd2")
    try:
        exact(c, "U1", "UID SEARCH RETURN (UPDATE ALL) UNSEEN",
              [esearch("U1", " UID ALL 3")])
        exact(c, "N1", "SEARCH RETURN (UPDATE) FLAGGED", [esearch("N1")])
        # Another session expunges a flagged message.
        d = select(srv)
        d.cmd("d1", "STORE 9 +FLAGS (\\Deleted)")
        d.cmd("d2", "EXPUNGE")
        # During FETCH no EXPUNGE (RFC 3501 7.4.1): the UID context may
        # hear at once, the numbered one must wait for its EXPUNGE.
        u, _ = c.cmd("F1", "FETCH 1 (UID)")
        check(not any("REMOVEFROM" in x for x in u), f"FETCH: {u!r}")
        u, _ = c.cmd("F2", "NOOP")
        want = esearch("N1", " REMOVEFROM (0 9)")
        check(want in u and "* 9 EXPUNGE" in u and
              u.index(want) < u.index("* 9 EXPUNGE"), f"NOOP: {u!r}")
        # New mail: ADDTO after EXISTS (4.3.3), in UIDs and numbers.
        deliver(md, 11)
        u, _ = c.cmd("F3", "NOOP")
        wu = esearch("U1", " UID ADDTO (0 11)")
        check("* 10 EXISTS" in u and wu in u and
              u.index("* 10 EXISTS") < u.index(wu), f"new: {u!r}")
        deliver(md, 12, flags="F")
        u, _ = c.cmd("F4", "NOOP")
        wn = esearch("N1", " ADDTO (0 11)")
        check("* 11 EXISTS" in u and wn in u and
              u.index("* 11 EXISTS") < u.index(wn), f"flagged new: {u!r}")
        # IDLE hears it too (4.3.2: "when the client is using the IDLE
        # facility").
        c.send("I1 IDLE\r\n")
        c.expect(r"\+ .*")
        d.cmd("d3", "STORE 3 +FLAGS (\\Seen)")
        got = []
        while esearch("U1", " UID REMOVEFROM (0 3)") not in got:
            got.append(c.line())
        c.send("DONE\r\n")
        c.expect("I1 OK.*")
        d.close()
    finally:
        srv.stop()


def test_sorted_context_positions(world):
    srv, c = session(world, "Maildir-sortctx")
    md = world.path("home", "alice", "Maildir-sortctx")
    try:
        exact(c, "S1", "UID SORT RETURN (UPDATE ALL) (REVERSE DATE) UTF-8 "
              "UNSEEN", [esearch("S1", " UID ALL 3")])
        exact(c, "S2", "SORT RETURN (UPDATE COUNT) (DATE) UTF-8 UNSEEN",
              [esearch("S2", " COUNT 1")])
        # Result [3] -> [5, 3]: inserted at position 1 (4.3.3).
        u, _ = c.cmd("a", "STORE 5 -FLAGS (\\Seen)")
        check(esearch("S1", " UID ADDTO (1 5)") in u and
              esearch("S2", " ADDTO (2 5)") in u, f"a: {u!r}")
        # [5, 3] -> [5, 3, 1, ...]: at the end.
        u, _ = c.cmd("b", "STORE 1:2 -FLAGS (\\Seen)")
        check(esearch("S1", " UID ADDTO (3 2:1)") not in u and
              esearch("S1", " UID ADDTO (3 2,1)") in u and
              esearch("S2", " ADDTO (1 1:2)") in u, f"b: {u!r}")
        # [5, 3, 2, 1] -> [3, 1]: two runs removed (4.3.4).
        u, _ = c.cmd("c", "STORE 2,5 +FLAGS (\\Seen)")
        check(esearch("S1", " UID REMOVEFROM (1 5 2 2)") in u and
              esearch("S2", " REMOVEFROM (2 2 3 5)") in u, f"c: {u!r}")
        # New mail is the newest: first in REVERSE DATE, last in DATE.
        deliver(md, 11)
        u, _ = c.cmd("d", "NOOP")
        check(esearch("S1", " UID ADDTO (1 11)") in u and
              esearch("S2", " ADDTO (3 11)") in u, f"d: {u!r}")
        exact(c, "e", "UID SORT RETURN (ALL) (REVERSE DATE) UTF-8 UNSEEN",
              [esearch("e", " UID ALL 11,3,1")])
    finally:
        srv.stop()


def test_noupdate_limit(world):
    srv, c = session(world, "Maildir-noupd")
    try:
        # 4.3.1: at least one context; past our limit (8), NOUPDATE and
        # the other options still honoured.
        for i in range(8):
            exact(c, f"K{i}", "UID SEARCH RETURN (UPDATE) FLAGGED",
                  [esearch(f"K{i}", " UID")])
        u, t = c.cmd("K8", "UID SORT RETURN (UPDATE COUNT) (DATE) UTF-8 "
                     "FLAGGED")
        check(u == [esearch("K8", " UID COUNT 3"),
                    '* NO [NOUPDATE "K8"] Too many contexts (at most 8)'],
              f"NOUPDATE: {u!r}")
        exact(c, "K9", 'CANCELUPDATE "K8"', [], "NO")
        exact(c, "K10", 'CANCELUPDATE "K0" "K1"', [])
        exact(c, "K11", "SEARCH RETURN (UPDATE) FLAGGED", [esearch("K11")])
        u, _ = c.cmd("x", "STORE 1 +FLAGS (\\Flagged)")
        n = sum(1 for x in u if "ADDTO" in x)
        check(n == 7, f"7 contexts hear: {u!r}")
    finally:
        srv.stop()
