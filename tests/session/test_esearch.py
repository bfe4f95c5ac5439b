"""ESEARCH (RFC 4731), SEARCHRES (RFC 5182), WITHIN (RFC 5032), SAVEDATE
(RFC 8514) and OBJECTID (RFC 8474) over real sockets: each RFC's examples
replayed on a Maildir made for them (tags, UIDVALIDITY and dates adapted),
and the error cases the RFCs name.

The Maildir has ten messages, UIDs 1-10, with flags in their file names
and INTERNALDATEs (mtimes) spread over the years; a first session takes
\\Recent away. The save date is the time the Maildir base name begins with
(src/imap/objectid.c), so each message's name says its save date."""
import calendar
import os
import re
import time

from harness import Server, check, own
from test_write import fresh_maildir, login, select, take_recent

# (base time, flags, mtime "YYYY-MM-DD HH:MM:SS" UTC, extra header)
MSGS = [
    (1700000001, "S", "2004-01-01 10:00:00"),
    (1700000002, "FS", "2006-02-12 10:00:00"),
    (1700000003, "", "2006-02-13 10:00:00"),
    (1700000004, "DS", "2006-02-14 10:00:00"),
    (1700000005, "S", "2006-02-15 10:00:00"),
    (1700000006, "S", "2006-02-16 10:00:00"),
    (1700000007, "S", "2006-02-17 10:00:00"),
    (1700000008, "DS", "2006-02-18 10:00:00"),
    (1700000009, "FS", "2006-02-19 10:00:00"),
    (1700000010, "FS", "2006-02-20 10:00:00"),
]


def body(i):
    who = "Smith" if i in (3, 9) else "Jones"
    return (f"From: {who} <u{i}@example.org>\r\nSubject: message {i}\r\n"
            f"Message-ID: <m{i}@example.org>\r\n\r\nbody {i}\r\n").encode()


def utc(s):
    return calendar.timegm(time.strptime(s, "%Y-%m-%d %H:%M:%S"))


def make_box(world, name, folders=()):
    md = fresh_maildir(world, name)
    for f in folders:
        for sub in ("cur", "new", "tmp"):
            os.makedirs(os.path.join(md, f, sub))
        open(os.path.join(md, f, "maildirfolder"), "w").close()
        for root, _, files in os.walk(os.path.join(md, f)):
            own(root)
            for x in files:
                own(os.path.join(root, x))
    for i, (t, flags, mtime) in enumerate(MSGS, 1):
        path = os.path.join(md, "cur", f"{t}.M{i}P1.mda:2,{flags}")
        with open(path, "wb") as f:
            f.write(body(i))
        own(path)
        os.utime(path, (utc(mtime), utc(mtime)))
    return md


def session(world, name, folders=()):
    make_box(world, name, folders)
    srv = Server(world, maildir="~/" + name)
    take_recent(srv)
    return srv, select(srv)


def exact(c, tag, text, untagged, tagged="OK", status=""):
    u, t = c.cmd(tag, text, status=status)
    check(u == untagged, f"{text!r}: untagged {u!r}, want {untagged!r}")
    check(t.startswith(f"{tag} {tagged}"), f"{text!r}: got {t!r}, "
          f"want {tag} {tagged}")
    return u, t


# --- ESEARCH (RFC 4731) ------------------------------------------------------

def test_esearch_rfc4731_examples(world):
    srv, c = session(world, "Maildir-esearch")
    try:
        # 3.1, A282: FLAGGED SINCE 1-Feb-1994 NOT FROM "Smith": 2, 10
        # (9 is from Smith).
        exact(c, "A282", 'SEARCH RETURN (MIN COUNT) FLAGGED SINCE '
              '1-Feb-1994 NOT FROM "Smith"',
              ['* ESEARCH (TAG "A282") MIN 2 COUNT 2'])
        # A283: RETURN () is RETURN (ALL), a sequence set.
        exact(c, "A283", 'SEARCH RETURN () FLAGGED SINCE 1-Feb-1994 '
              'NOT FROM "Smith"', ['* ESEARCH (TAG "A283") ALL 2,10'])
        exact(c, "A283b", "SEARCH RETURN (ALL) SEEN",
              ['* ESEARCH (TAG "A283b") ALL 1:2,4:10'])
        # A284: the first unseen message.
        exact(c, "A284", "SEARCH RETURN (MIN) UNSEEN",
              ['* ESEARCH (TAG "A284") MIN 3'])
        # A285: UID indicator; everything is UIDs.
        exact(c, "A285", "UID SEARCH RETURN (MIN MAX) 1:5000",
              ['* ESEARCH (TAG "A285") UID MIN 1 MAX 10'])
        exact(c, "A286", "SEARCH RETURN (COUNT) DELETED",
              ['* ESEARCH (TAG "A286") COUNT 0'])
        exact(c, "A287", "SEARCH RETURN (COUNT) DRAFT",
              ['* ESEARCH (TAG "A287") COUNT 2'])
        exact(c, "A288", "SEARCH RETURN (MIN MAX ALL COUNT) DRAFT",
              ['* ESEARCH (TAG "A288") MIN 4 MAX 8 ALL 4,8 COUNT 2'])
        exact(c, "A289", "UID SEARCH RETURN (ALL) UID 3:5,7",
              ['* ESEARCH (TAG "A289") UID ALL 3:5,7'])
        # Nothing matched: MIN, MAX, ALL left out, the response still sent.
        exact(c, "A290", "SEARCH RETURN (MIN MAX ALL) DELETED",
              ['* ESEARCH (TAG "A290")'])
        exact(c, "A291", "UID SEARCH RETURN (MIN MAX ALL COUNT) DELETED",
              ['* ESEARCH (TAG "A291") UID COUNT 0'])
        # Case-insensitive options, CHARSET after RETURN (RFC 4466 2.6.1).
        exact(c, "A292", "search return (min max) charset UTF-8 all",
              ['* ESEARCH (TAG "A292") MIN 1 MAX 10'])
        # Without RETURN: plain SEARCH.
        exact(c, "A293", "SEARCH DRAFT", ["* SEARCH 4 8"])
        # Errors: unknown option (RFC 4466 2.6.1: BAD), not a list, no
        # keys, RETURN alone.
        exact(c, "B1", "SEARCH RETURN (FOO) ALL", [], "BAD")
        exact(c, "B2", "SEARCH RETURN ALL 1", [], "BAD")
        exact(c, "B3", "SEARCH RETURN (MIN)", [], "BAD")
        exact(c, "B4", "SEARCH RETURN", [], "BAD")
        exact(c, "B5", "SEARCH RETURN ((MIN)) ALL", [], "BAD")
        exact(c, "B6", "SEARCH RETURN (MIN) CHARSET X-NOPE ALL", [],
              "NO [BADCHARSET")
        c.cmd("z", "LOGOUT")
    finally:
        srv.stop()


# --- SEARCHRES (RFC 5182) ----------------------------------------------------

def test_searchres_examples(world):
    srv, c = session(world, "Maildir-searchres", folders=[".Other"])
    try:
        # Example 1: SAVE sends no ESEARCH; FETCH $.
        exact(c, "A282", 'SEARCH RETURN (SAVE) FLAGGED SINCE 1-Feb-1994 '
              'NOT FROM "Smith"', [], "OK")
        exact(c, "A283", "FETCH $ (UID FLAGS)",
              [r"* 2 FETCH (UID 2 FLAGS (\Flagged \Seen))",
               r"* 10 FETCH (UID 10 FLAGS (\Flagged \Seen))"])
        # Example 2: pipelined.
        c.send('A284 SEARCH RETURN (SAVE) DRAFT\r\nA285 FETCH $ (UID)\r\n')
        lines = [c.line() for _ in range(4)]
        check(lines == ["A284 OK Search completed, result saved.",
                        "* 4 FETCH (UID 4)", "* 8 FETCH (UID 8)",
                        "A285 OK Fetch completed."], f"pipelined: {lines!r}")
        # Example 3: UID SEARCH UID $ and UID SEARCH $.
        exact(c, "A300", "SEARCH RETURN (SAVE) SINCE 1-Jan-2006 "
              'NOT FROM "Smith"', [])
        exact(c, "A301", "UID SEARCH UID $ SMALLER 4096",
              ["* SEARCH 2 4 5 6 7 8 10"])
        exact(c, "A301b", "UID SEARCH $ SMALLER 4096",
              ["* SEARCH 2 4 5 6 7 8 10"])
        # Example 4: OR $ with other numbers, CHARSET, a literal.
        exact(c, "P282", "SEARCH RETURN (SAVE) DRAFT", [])
        c.send("P283 SEARCH CHARSET UTF-8 (OR $ 1,9:10) TEXT {4}\r\n")
        c.expect(r"\+ .*")
        c.send("body\r\n")
        lines = [c.line(), c.line()]
        check(lines[0] == "* SEARCH 1 4 8 9 10" and
              lines[1].startswith("P283 OK"), f"example 4: {lines!r}")
        # Example 5: a SAVE that fails with NO empties $; a BAD does not.
        exact(c, "B282", "SEARCH RETURN (SAVE) DRAFT", [])
        exact(c, "B283", "SEARCH RETURN (SAVE) BADKEY", [], "BAD")
        exact(c, "B284", "SEARCH $", ["* SEARCH 4 8"])
        exact(c, "B285", "SEARCH RETURN (SAVE) CHARSET KOI8-X (OR $ "
              "1,3000:3021) TEXT x", [], "NO [BADCHARSET")
        exact(c, "B286", "SEARCH $", ["* SEARCH"])
        # Example 6: an empty $ is valid and matches nothing.
        exact(c, "E282", "SEARCH RETURN (SAVE) DELETED", [])
        exact(c, "E283", 'COPY $ "Other"', [], "OK")
        exact(c, "E284", "FETCH $ (UID)", [], "OK")
        exact(c, "E285", "UID FETCH $ (UID)", [], "OK")
        exact(c, "E286", r"STORE $ +FLAGS (\Answered)", [], "OK")
        # Example 7: COPY and STORE with $, pipelined.
        c.send("F282 SEARCH RETURN (SAVE) FLAGGED\r\nF283 COPY $ Other\r\n"
               "F284 STORE $ +FLAGS.Silent (\\Deleted)\r\n")
        lines = [c.line() for _ in range(3)]
        check(lines[0] == "F282 OK Search completed, result saved." and
              re.fullmatch(r"F283 OK \[COPYUID \d+ 2,9:10 1:3\] .*",
                           lines[1]) is not None and
              lines[2] == "F284 OK Store completed.", f"ex 7: {lines!r}")
        exact(c, "F285", "SEARCH DELETED", ["* SEARCH 2 9 10"])
        # Example 9: the second SAVE overrides the first.
        exact(c, "H282", "SEARCH RETURN (SAVE) DRAFT", [])
        exact(c, "H283", "SEARCH RETURN (SAVE) UNSEEN", [])
        exact(c, "H284", "SEARCH $", ["* SEARCH 3"])
        c.cmd("z", "LOGOUT")
    finally:
        srv.stop()


def test_searchres_with_esearch(world):
    """RFC 5182 2.4, example 10: what $ holds for each combination."""
    srv, c = session(world, "Maildir-searchres2")
    try:
        crit = 'SINCE 12-Feb-2006 NOT FROM "Smith"'
        exact(c, "C282", f"SEARCH RETURN (ALL) {crit}",
              ['* ESEARCH (TAG "C282") ALL 2,4:8,10'])
        exact(c, "C282b", "SEARCH $", ["* SEARCH"])     # unchanged: empty
        exact(c, "C283", f"SEARCH RETURN (ALL SAVE) {crit}",
              ['* ESEARCH (TAG "C283") ALL 2,4:8,10'])
        exact(c, "C283b", "SEARCH $", ["* SEARCH 2 4 5 6 7 8 10"])
        exact(c, "C284", f"SEARCH RETURN (SAVE MIN) {crit}",
              ['* ESEARCH (TAG "C284") MIN 2'])
        exact(c, "C284b", "SEARCH $", ["* SEARCH 2"])
        exact(c, "C285", f"SEARCH RETURN (MAX SAVE MIN) {crit}",
              ['* ESEARCH (TAG "C285") MIN 2 MAX 10'])
        exact(c, "C285b", "SEARCH $", ["* SEARCH 2 10"])
        exact(c, "C286", f"SEARCH RETURN (MAX SAVE MIN COUNT) {crit}",
              ['* ESEARCH (TAG "C286") MIN 2 MAX 10 COUNT 7'])
        exact(c, "C286b", "SEARCH $", ["* SEARCH 2 4 5 6 7 8 10"])
        exact(c, "C287", f"SEARCH RETURN (ALL SAVE MIN) {crit}",
              ['* ESEARCH (TAG "C287") MIN 2 ALL 2,4:8,10'])
        exact(c, "C287b", "SEARCH $", ["* SEARCH 2 4 5 6 7 8 10"])
        # UID SEARCH SAVE, then $ as sequence numbers and as UIDs
        # (2.1, implementation note).
        exact(c, "D1", "UID SEARCH RETURN (SAVE) UID 7:9", [])
        exact(c, "D2", "FETCH $ (UID)", ["* 7 FETCH (UID 7)",
                                         "* 8 FETCH (UID 8)",
                                         "* 9 FETCH (UID 9)"])
        exact(c, "D3", "UID FETCH $ (FLAGS)",
              [r"* 7 FETCH (UID 7 FLAGS (\Seen))",
               r"* 8 FETCH (UID 8 FLAGS (\Seen \Draft))",
               r"* 9 FETCH (UID 9 FLAGS (\Flagged \Seen))"])
        exact(c, "D4", "SEARCH RETURN (SAVE MIN MAX) DELETED",
              ['* ESEARCH (TAG "D4")'])
        exact(c, "D5", "SEARCH $", ["* SEARCH"])
        c.cmd("z", "LOGOUT")
    finally:
        srv.stop()


def test_searchres_follows_expunge_and_resets(world):
    """RFC 5182 2.1: an expunged message leaves $; SELECT, EXAMINE,
    CLOSE and UNSELECT empty it."""
    srv, c = session(world, "Maildir-searchres3")
    try:
        exact(c, "a", "SEARCH RETURN (SAVE) 3:6", [])
        c.cmd("b", r"STORE 4 +FLAGS.SILENT (\Deleted)")
        exact(c, "c", "EXPUNGE", ["* 4 EXPUNGE"])
        exact(c, "d", "FETCH $ (UID)", ["* 3 FETCH (UID 3)",
                                        "* 4 FETCH (UID 5)",
                                        "* 5 FETCH (UID 6)"])
        exact(c, "e", "UID SEARCH $", ["* SEARCH 3 5 6"])
        # UID EXPUNGE $ (RFC 4315) takes the set too.
        c.cmd("f", r"STORE 5 +FLAGS.SILENT (\Deleted)")
        exact(c, "g", "UID EXPUNGE $", ["* 5 EXPUNGE"])
        exact(c, "h", "UID SEARCH $", ["* SEARCH 3 5"])
        # Another session expunges: $ follows after the EXPUNGE is told.
        c2 = select(srv)
        c2.cmd("a", r"UID STORE 3 +FLAGS.SILENT (\Deleted)")
        c2.cmd("b", "EXPUNGE")
        c2.cmd("z", "LOGOUT")
        u, t = c.cmd("i", "NOOP")
        check("* 3 EXPUNGE" in u, f"NOOP: {u!r}")
        exact(c, "j", "UID SEARCH $", ["* SEARCH 5"])
        # SELECT resets it.
        c.cmd("k", "SELECT INBOX")
        exact(c, "l", "SEARCH $", ["* SEARCH"])
        exact(c, "m", "SEARCH RETURN (SAVE) ALL", [])
        c.cmd("n", "EXAMINE INBOX")
        exact(c, "o", "SEARCH $", ["* SEARCH"])
        exact(c, "p", "SEARCH RETURN (SAVE) ALL", [])
        c.cmd("q", "CLOSE")
        c.cmd("r", "SELECT INBOX")
        exact(c, "s", "FETCH $ (UID)", [])
        exact(c, "t", "SEARCH RETURN (SAVE) ALL", [])
        c.cmd("u", "UNSELECT")
        c.cmd("v", "SELECT INBOX")
        exact(c, "w", "FETCH $ (UID)", [])
        # Only "$" itself: not "$,1" nor "$:4" (RFC 5182 3: seq-last-command
        # is a sequence-set of its own).
        exact(c, "x1", "FETCH $,1 (UID)", [], "BAD")
        exact(c, "x2", "SEARCH $:4", [], "BAD")
        # $ outside the selected state is no command at all.
        c.cmd("y", "CLOSE")
        exact(c, "y2", "FETCH $ (UID)", [], "BAD")
        c.cmd("z", "LOGOUT")
    finally:
        srv.stop()


# --- WITHIN (RFC 5032) -------------------------------------------------------

def test_within(world):
    md = make_box(world, "Maildir-within")
    now = int(time.time())
    names = sorted(os.listdir(os.path.join(md, "cur")))
    # Message 1: 100 s old, 2: 3 days less an hour, 3: a week; the rest
    # stay years old.
    for name, age in zip(names, (100, 259200 - 3600, 7 * 86400)):
        p = os.path.join(md, "cur", name)
        os.utime(p, (now - age, now - age))
    srv = Server(world, maildir="~/Maildir-within")
    try:
        take_recent(srv)
        c = select(srv)
        # RFC 5032 4: YOUNGER 259200, the past three days.
        exact(c, "a1", "SEARCH UNSEEN YOUNGER 259200", ["* SEARCH"])
        exact(c, "a2", "SEARCH YOUNGER 259200", ["* SEARCH 1 2"])
        exact(c, "a3", "SEARCH YOUNGER 1000", ["* SEARCH 1"])
        exact(c, "a4", "SEARCH OLDER 1000", ["* SEARCH 2 3 4 5 6 7 8 9 10"])
        exact(c, "a5", "SEARCH OLDER 259200", ["* SEARCH 3 4 5 6 7 8 9 10"])
        exact(c, "a6", "SEARCH NOT YOUNGER 259200",
              ["* SEARCH 3 4 5 6 7 8 9 10"])
        exact(c, "a7", "UID SEARCH RETURN (COUNT) OLDER 1",
              ['* ESEARCH (TAG "a7") UID COUNT 10'])
        # nz-number (RFC 5032 3).
        exact(c, "b1", "SEARCH YOUNGER 0", [], "BAD")
        exact(c, "b2", "SEARCH OLDER -5", [], "BAD")
        exact(c, "b3", "SEARCH OLDER", [], "BAD")
        exact(c, "b4", "SEARCH OLDER abc", [], "BAD")
        exact(c, "b5", "SEARCH YOUNGER 99999999999", [], "BAD")
        c.cmd("z", "LOGOUT")
    finally:
        srv.stop()


# --- SAVEDATE (RFC 8514) -----------------------------------------------------

def imap_date(t):
    lt = time.localtime(t)
    off = lt.tm_gmtoff // 60
    return (time.strftime("%d-%b-%Y %H:%M:%S", lt) + " %s%02d%02d" %
            ("-" if off < 0 else "+", abs(off) // 60, abs(off) % 60))


def imap_day(t):
    return time.strftime("%d-%b-%Y", time.localtime(t)).lstrip("0")


def test_savedate(world):
    srv, c = session(world, "Maildir-savedate", folders=[".Other"])
    try:
        exact(c, "A101", "FETCH 1 (SAVEDATE)",
              [f'* 1 FETCH (SAVEDATE "{imap_date(1700000001)}")'])
        exact(c, "A101b", "UID FETCH 10 (SAVEDATE INTERNALDATE)",
              [f'* 10 FETCH (UID 10 SAVEDATE "{imap_date(1700000010)}" '
               f'INTERNALDATE "{imap_date(utc("2006-02-20 10:00:00"))}")'])
        # A flag change renames the file; the save date stays (RFC 8514
        # 3: "MUST NOT change as long as the message is contained within
        # the same mailbox").
        c.cmd("a", r"STORE 1 +FLAGS.SILENT (\Flagged)")
        exact(c, "b", "FETCH 1 (SAVEDATE)",
              [f'* 1 FETCH (SAVEDATE "{imap_date(1700000001)}")'])
        # A102/A103: SAVEDON, SAVEDSINCE, SAVEDBEFORE, by day.
        day = imap_day(1700000001)
        u, t = c.cmd("A102", f"SEARCH SAVEDON {day}")
        on = [int(x) for x in u[0].split()[2:]]
        check(1 in on, f"SAVEDON: {u!r}")
        exact(c, "A103", "SEARCH SAVEDSINCE 1-Jan-2000",
              ["* SEARCH 1 2 3 4 5 6 7 8 9 10"])
        exact(c, "A104", "SEARCH SAVEDBEFORE 1-Jan-2000", ["* SEARCH"])
        exact(c, "A105", "SEARCH SAVEDATESUPPORTED",
              ["* SEARCH 1 2 3 4 5 6 7 8 9 10"])
        # The INTERNALDATE keys still see the mtimes.
        exact(c, "A106", "SEARCH BEFORE 1-Jan-2005", ["* SEARCH 1"])
        # COPY: the copy gets a new save date, the source keeps its own.
        t0 = int(time.time())
        c.cmd("c", "COPY 1 Other")
        exact(c, "d", "FETCH 1 (SAVEDATE)",
              [f'* 1 FETCH (SAVEDATE "{imap_date(1700000001)}")'])
        c.cmd("e", "SELECT Other")
        u, t = c.cmd("f", "FETCH 1 (SAVEDATE INTERNALDATE)")
        m = re.fullmatch(r'\* 1 FETCH \(SAVEDATE "([^"]+)" INTERNALDATE '
                         r'"([^"]+)"\)', u[0])
        check(m is not None, f"copy: {u!r}")
        saved = calendar.timegm(time.strptime(m.group(1)[:20],
                                              "%d-%b-%Y %H:%M:%S"))
        saved -= time.localtime(t0).tm_gmtoff
        check(abs(saved - t0) < 60, f"copy's save date {m.group(1)}")
        check(m.group(2) == imap_date(utc("2004-01-01 10:00:00")),
              f"copy's INTERNALDATE {m.group(2)}")
        exact(c, "g", f"SEARCH SAVEDSINCE {imap_day(t0)}", ["* SEARCH 1"])
        exact(c, "h", f"SEARCH SAVEDON {imap_day(t0)}", ["* SEARCH 1"])
        # Errors: a date that is none.
        exact(c, "i", "SEARCH SAVEDON 32-Jan-2020", [], "BAD")
        exact(c, "j", "SEARCH SAVEDBEFORE", [], "BAD")
        exact(c, "k", "SEARCH SAVEDATESUPPORTED 1", ["* SEARCH 1"])
        c.cmd("z", "LOGOUT")
    finally:
        srv.stop()


# --- OBJECTID (RFC 8474) -----------------------------------------------------

ID = r"[A-Za-z0-9_-]{1,255}"


def mailboxid_of(line):
    m = re.search(r"MAILBOXID \((" + ID + r")\)", line)
    check(m is not None, f"no MAILBOXID in {line!r}")
    return m.group(1)


def test_mailboxid(world):
    make_box(world, "Maildir-mboxid")
    srv = Server(world, maildir="~/Maildir-mboxid")
    try:
        c = login(srv)
        # 4.1: CREATE answers the new mailbox's id.
        u, t = c.cmd("3", "CREATE foo")
        foo = mailboxid_of(t)
        u, t = c.cmd("4", "CREATE bar/")
        bar = mailboxid_of(t)
        check(foo != bar, "two mailboxes, one id")
        c.cmd("5", "CREATE foo", status="NO")
        # 4.3: STATUS.
        exact(c, "6", "STATUS foo (MAILBOXID)",
              [f'* STATUS foo (MAILBOXID ({foo}))'])
        exact(c, "7", "STATUS bar (mailboxid)",
              [f'* STATUS bar (MAILBOXID ({bar}))'])
        c.cmd("8", "RENAME foo renamed")
        exact(c, "9", "STATUS renamed (MAILBOXID)",
              [f'* STATUS renamed (MAILBOXID ({foo}))'])
        exact(c, "10", "STATUS bar (MAILBOXID)",
              [f'* STATUS bar (MAILBOXID ({bar}))'])
        u, t = c.cmd("10b", "STATUS INBOX (MESSAGES MAILBOXID)")
        inbox = mailboxid_of(u[0])
        check(inbox not in (foo, bar), "INBOX shares an id")
        # 4.2: SELECT and EXAMINE say it in an untagged OK.
        u, t = c.cmd("27", "SELECT renamed")
        check(f"* OK [MAILBOXID ({foo})] Ok" in u, f"SELECT: {u!r}")
        u, t = c.cmd("28", "EXAMINE INBOX")
        check(f"* OK [MAILBOXID ({inbox})] Ok" in u, f"EXAMINE: {u!r}")
        # The same again in a new session: it is kept on disk.
        c.cmd("z", "LOGOUT")
        c = login(srv)
        exact(c, "a", "STATUS renamed (MAILBOXID)",
              [f'* STATUS renamed (MAILBOXID ({foo}))'])
        # DELETE and CREATE: a new mailbox, a new id.
        c.cmd("b", "DELETE renamed")
        u, t = c.cmd("c", "CREATE renamed")
        check(mailboxid_of(t) not in (foo, bar, inbox), "id reused")
        exact(c, "d", "STATUS renamed (MAILBOXID UIDNEXT)",
              [f'* STATUS renamed (UIDNEXT 1 MAILBOXID ({mailboxid_of(t)}))'])
        c.cmd("e", "STATUS INBOX (MAILBOXID FOO)", status="BAD")
        c.cmd("z", "LOGOUT")
    finally:
        srv.stop()


def test_emailid_threadid(world):
    srv, c = session(world, "Maildir-emailid", folders=[".foo"])
    try:
        u, t = c.cmd("22", "FETCH 1:* (EMAILID THREADID)")
        ids = []
        for i, line in enumerate(u, 1):
            m = re.fullmatch(rf"\* {i} FETCH \(EMAILID \(({ID})\) "
                             r"THREADID NIL\)", line)
            check(m is not None, f"FETCH: {line!r}")
            ids.append(m.group(1))
        check(len(set(ids)) == 10, f"ids not distinct: {ids!r}")
        # Immutable: a flag change does not change it.
        c.cmd("a", r"STORE 1:* +FLAGS.SILENT (\Answered)")
        u, t = c.cmd("b", "UID FETCH 2 EMAILID")
        check(u == [f"* 2 FETCH (UID 2 EMAILID ({ids[1]}))"], f"{u!r}")
        # SEARCH EMAILID, THREADID (matches nothing: 8474 5.2).
        exact(c, "27", f"SEARCH EMAILID {ids[0]}", ["* SEARCH 1"])
        exact(c, "27b", f"SEARCH OR EMAILID {ids[3]} EMAILID {ids[8]}",
              ["* SEARCH 4 9"])
        exact(c, "27c", "SEARCH EMAILID Mnothere", ["* SEARCH"])
        exact(c, "27d", f"SEARCH EMAILID {ids[0].upper()}",
              ["* SEARCH"])
        exact(c, "28", "SEARCH THREADID T1", ["* SEARCH"])
        exact(c, "28b", "SEARCH NOT THREADID T1",
              ["* SEARCH 1 2 3 4 5 6 7 8 9 10"])
        # 5.1: same EMAILID after COPY and MOVE (COPYUID pairing).
        c.cmd("23", "COPY 2 foo")
        c.cmd("23b", "MOVE 3 foo")
        c.cmd("25", "SELECT foo")
        exact(c, "26", "FETCH 1:* (EMAILID THREADID)",
              [f"* 1 FETCH (EMAILID ({ids[1]}) THREADID NIL)",
               f"* 2 FETCH (EMAILID ({ids[2]}) THREADID NIL)"])
        exact(c, "26b", f"SEARCH EMAILID {ids[2]}", ["* SEARCH 2"])
        # Errors: not an objectid (RFC 8474 7).
        exact(c, "e1", "SEARCH EMAILID", [], "BAD")
        exact(c, "e2", "SEARCH EMAILID a.b", [], "BAD")
        exact(c, "e3", f"SEARCH EMAILID {'x' * 256}", [], "BAD")
        exact(c, "e4", "SEARCH THREADID (T1)", [], "BAD")
        c.cmd("z", "LOGOUT")
    finally:
        srv.stop()
