"""MULTIAPPEND (RFC 3502), APPEND of binary literals (RFC 3516 4.4) and
the literal limits of LITERAL+ / LITERAL- (RFC 7888) over real sockets.

MULTIAPPEND: the example of RFC 3502 (mailbox names and the quota
adapted): two messages in one APPEND with a continuation for each, a
missing mailbox refused with NO [TRYCREATE] before the literal is sent,
and a quota failure part-way that keeps none of the messages.
APPENDUID carries the UIDs of all the messages in order (RFC 3502,
"MULTIAPPEND Interaction with UIDPLUS Extension"). Each literal goes to
the session's file in tmp/, not to memory: messages larger than the
in-memory literal limit (1 MiB) are stored byte for byte.

BINARY APPEND: a literal8 ~{n} with NULs is stored as it came."""
import os

from harness import Server, check
from test_write import (deliver, files, fresh_maildir, login, quota_file,
                        select, take_recent)

MSG1 = (b"Date: Mon, 7 Feb 1994 21:52:25 -0800 (PST)\r\n"
        b"From: Fred Foobar <foobar@Blurdybloop.example.COM>\r\n"
        b"Subject: afternoon meeting\r\n"
        b"To: mooch@owatagu.example.net\r\n"
        b"Message-Id: <B27397-0100000@Blurdybloop.example.COM>\r\n"
        b"MIME-Version: 1.0\r\n"
        b"Content-Type: TEXT/PLAIN; CHARSET=US-ASCII\r\n"
        b"\r\n"
        b"Hello Joe, do you think we can meet at 3:30 tomorrow?\r\n")
MSG2 = (b"Date: Mon, 7 Feb 1994 22:43:04 -0800 (PST)\r\n"
        b"From: Joe Mooch <mooch@OWaTaGu.example.net>\r\n"
        b"Subject: Re: afternoon meeting\r\n"
        b"To: foobar@blurdybloop.example.com\r\n"
        b"Message-Id: <a0434793874930@OWaTaGu.example.net>\r\n"
        b"MIME-Version: 1.0\r\n"
        b"Content-Type: TEXT/PLAIN; CHARSET=US-ASCII\r\n"
        b"\r\n"
        b"3:30 is fine with me.\r\n")


def tagged(c, tag):
    untagged = []
    while True:
        line = c.line()
        if line.startswith(tag + " "):
            return untagged, line
        untagged.append(line)


def arrival(name):
    """A Maildir name's "SECS.MUSECS..." as numbers: the order in which
    the files were made (M has no leading zeros, so the names themselves
    do not sort that way)."""
    secs, rest = name.split(".", 1)
    usecs = rest[1:].split("P", 1)[0] if rest.startswith("M") else "0"
    return int(secs), int(usecs) if usecs.isdigit() else 0, name


def contents(d):
    out = []
    for name in sorted(os.listdir(os.path.join(d, "cur")), key=arrival):
        with open(os.path.join(d, "cur", name), "rb") as f:
            out.append((name, f.read()))
    return out


def status_v(c, name):
    u, t = c.cmd("sv", f"STATUS {name} (UIDVALIDITY)")
    return int(u[0].split("UIDVALIDITY ")[1].split(")")[0])


def test_rfc3502_example(world):
    md = fresh_maildir(world, "Maildir-multi", folders=[".saved-messages"])
    saved = os.path.join(md, ".saved-messages")
    srv = Server(world, maildir="~/Maildir-multi")
    try:
        c = login(srv)
        v = status_v(c, "saved-messages")
        c.send("A003 APPEND saved-messages (\\Seen) {%d}\r\n" % len(MSG1))
        c.expect(r"\+ .*")
        c.send(MSG1 + b' (\\Seen) " 7-Feb-1994 22:43:04 -0800" {%d}\r\n'
               % len(MSG2))
        c.expect(r"\+ .*")
        c.send(MSG2 + b"\r\n")
        u, t = tagged(c, "A003")
        check(t == f"A003 OK [APPENDUID {v} 1:2] Append completed.",
              f"A003: {t!r}")
        got = contents(saved)
        check([d for _, d in got] == [MSG1, MSG2], f"stored {got!r}")
        check(all(n.endswith(":2,S") for n, _ in got), f"flags {got!r}")
        # The second message's date-time is its internal date.
        c.cmd("s", "EXAMINE saved-messages")
        u, t = c.cmd("f", "FETCH 1:2 INTERNALDATE")
        check(u[1] == '* 2 FETCH (INTERNALDATE "08-Feb-1994 06:43:04 '
              '+0000")' or u[1].startswith("* 2 FETCH (INTERNALDATE "
                                           '"0'), f"{u!r}")
        # A004: refused before the literal is sent.
        c.send("A004 APPEND bogusname (\\Flagged) {1023}\r\n")
        t = c.line()
        check(t == "A004 NO [TRYCREATE] Mailbox doesn't exist: bogusname",
              f"A004: {t!r}")
        # The same with the literal in a second message, and with a
        # non-synchronizing literal (already sent: refused after it).
        c.send("A006 APPEND bogusname {3+}\r\nabc\r\n")
        t = c.line()
        check(t == "A006 NO [TRYCREATE] Mailbox doesn't exist: bogusname",
              f"A006: {t!r}")
        c.cmd("A007", "NOOP")
        c.cmd("z", "LOGOUT")
    finally:
        srv.stop()


def test_all_or_nothing(world):
    """RFC 3502: "If the server fails to append any message, none of the
    messages are appended." The third message exceeds the quota."""
    md = fresh_maildir(world, "Maildir-multiq", folders=[".test"])
    test = os.path.join(md, ".test")
    quota_file(md, len(MSG1) + len(MSG2) + 10)
    srv = Server(world, maildir="~/Maildir-multiq")
    try:
        c = login(srv)
        c.send(b"A005 APPEND test (\\Flagged) {%d+}\r\n" % len(MSG1))
        c.send(MSG1 + b" {%d+}\r\n" % len(MSG2) + MSG2 +
               b" {%d+}\r\n" % len(MSG1) + MSG1 + b"\r\n")
        u, t = tagged(c, "A005")
        check(t == "A005 NO [OVERQUOTA] Quota exceeded (mailbox for user "
              "is full)", f"A005: {t!r}")
        check(contents(test) == [], f"kept {contents(test)!r}")
        check(os.listdir(os.path.join(test, "tmp")) == [],
              "tmp/ must be empty again")
        # Two fit; their UIDs follow the ones used up (never reused).
        c.send(b"A006 APPEND test {%d+}\r\n" % len(MSG1) + MSG1 +
               b" (\\Seen) {%d+}\r\n" % len(MSG2) + MSG2 + b"\r\n")
        u, t = tagged(c, "A006")
        check(t.startswith("A006 OK [APPENDUID ") and
              t.endswith(" 3:4] Append completed."), f"A006: {t!r}")
        check([d for _, d in contents(test)] == [MSG1, MSG2], "stored")
        # Syntax errors answer BAD and store nothing.
        for bad in (b"A007 APPEND test {3+}\r\nabc (\\Seen)\r\n",
                    b"A007 APPEND test {3+}\r\nabc \"x\"\r\n",
                    b"A007 APPEND test {3+}\r\nabc (\\Bogus) {3+}\r\n"
                    b"abc\r\n",
                    b"A007 APPEND test {3+}\r\nabc \"bad date\" {3+}\r\n"
                    b"abc\r\n"):
            c.send(bad)
            u, t = tagged(c, "A007")
            check(t.startswith("A007 BAD"), f"{bad!r}: {t!r}")
        c.send(b"A008 APPEND test {3+}\r\nabc {0+}\r\n\r\n")
        u, t = tagged(c, "A008")
        check(t == "A008 NO Can't save a zero byte message.", f"{t!r}")
        check(len(contents(test)) == 2, "nothing more stored")
        c.cmd("z", "LOGOUT")
    finally:
        srv.stop()


def test_big_literals_sunk(world):
    """Three messages of 1.5 MiB each: more than the in-memory literal
    limits, so each must go through the file in tmp/."""
    md = fresh_maildir(world, "Maildir-multibig")
    srv = Server(world, maildir="~/Maildir-multibig")
    bodies = []
    for i in range(3):
        line = (b"line %d " % i) + b"x" * 70 + b"\r\n"
        bodies.append(b"Subject: big %d\r\n\r\n" % i +
                      line * (1536 * 1024 // len(line)))
    try:
        c = login(srv)
        c.send(b"a APPEND INBOX {%d}\r\n" % len(bodies[0]))
        c.expect(r"\+ .*")
        c.send(bodies[0] + b" {%d+}\r\n" % len(bodies[1]) + bodies[1] +
               b" {%d}\r\n" % len(bodies[2]))
        c.expect(r"\+ .*")
        c.send(bodies[2] + b"\r\n")
        u, t = tagged(c, "a")
        check(t.endswith(" 1:3] Append completed."), f"{t!r}")
        check([d for _, d in contents(md)] == bodies, "stored as sent")
        c.cmd("z", "LOGOUT")
    finally:
        srv.stop()


def test_binary_append(world):
    """RFC 3516 4.4: APPEND with literal8; NULs are kept as they came."""
    md = fresh_maildir(world, "Maildir-binapp")
    srv = Server(world, maildir="~/Maildir-binapp")
    msg = (b"Subject: binary\r\nContent-Type: application/octet-stream\r\n"
           b"Content-Transfer-Encoding: binary\r\n\r\n\x00\x01\x02\xff"
           b"\x00\r\n")
    try:
        c = login(srv)
        c.send(b"a APPEND INBOX ~{%d}\r\n" % len(msg))
        c.expect(r"\+ .*")
        c.send(msg + b"\r\n")
        u, t = tagged(c, "a")
        check(t.startswith("a OK [APPENDUID "), f"{t!r}")
        c.send(b"b APPEND INBOX (\\Seen) ~{%d+}\r\n" % len(msg) + msg +
               b" ~{%d+}\r\n" % len(msg) + msg + b"\r\n")
        u, t = tagged(c, "b")
        check(t.endswith(" 2:3] Append completed."), f"{t!r}")
        check([d for _, d in contents(md)] == [msg] * 3, "stored as sent")
        c.cmd("z", "LOGOUT")
    finally:
        srv.stop()


def test_literal_limits(world):
    """RFC 7888: skua advertises LITERAL+ (not LITERAL-: section 5, a
    server advertises one of them), so {n+} is accepted beyond 4096
    bytes, in commands and in APPEND; a synchronizing literal over the
    limit is refused before it is sent, a non-synchronizing one is read
    and skipped (section 4) and the session goes on."""
    md = fresh_maildir(world, "Maildir-litlim")
    srv = Server(world, maildir="~/Maildir-litlim")
    try:
        c = login(srv)
        u, t = c.cmd("a", "CAPABILITY")
        caps = u[0].split()
        check("LITERAL+" in caps and "LITERAL-" not in caps, f"{caps!r}")
        big = b"Subject: x\r\n\r\n" + b"y" * 5000 + b"\r\n"
        c.send(b"b APPEND INBOX {%d+}\r\n" % len(big) + big + b"\r\n")
        u, t = tagged(c, "b")
        check(t.startswith("b OK"), f"{{5000+}}: {t!r}")
        # A 5000-byte non-synchronizing literal as a mailbox name: in
        # memory, within the 1 MiB limit; no such mailbox.
        c.send(b"c STATUS {5000+}\r\n" + b"n" * 5000 + b" (MESSAGES)\r\n")
        u, t = tagged(c, "c")
        check(t.startswith("c NO"), f"{t!r}")
        # Over the in-memory limit: {n} refused before the data, {n+}
        # skipped; then the next command works.
        c.send(b"d STATUS {2000000}\r\n")
        t = c.line()
        check(t.startswith("d BAD") and "Literal too large" in t, f"{t!r}")
        c.cmd("f", "NOOP")
        # Before login the limits are small (8 KiB): a {9000+} is read,
        # skipped and refused; the session goes on.
        c2 = login_raw(srv)
        c2.send(b"g LOGIN {9000+}\r\n" + b"u" * 9000 + b" pw\r\n")
        u, t = tagged(c2, "g")
        check(t.startswith("g BAD"), f"{t!r}")
        c2.cmd("h", "NOOP")
        c2.cmd("z", "LOGOUT")
        # Over what may be skipped: RFC 7888 4, the server may close.
        c.send(b"e STATUS {1100000+}\r\n")
        u, t = tagged(c, "e")
        check(t.startswith("e BAD"), f"{t!r}")
        check(c.line().startswith("* BYE"), "BYE after an unskippable {n+}")
        check(c.closed(), "connection closed")
    finally:
        srv.stop()


def login_raw(srv):
    from harness import Client
    c = Client(srv.port)
    c.expect(r"\* OK .*")
    return c
