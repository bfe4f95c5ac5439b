"""The sample session of RFC 3501 section 8 replayed against a real
imapd, line by line.

The message is the RFC's own: its header is byte for byte the one the
RFC shows in the BODY[HEADER] literal (342 bytes, as the RFC says), its
body 92 lines of 3028 bytes, as the RFC's BODY part says; it is message
12 of 18, \\Seen, with 16 older messages \\Seen and 2 new ones \\Recent
and unseen, so that SELECT has the RFC's numbers: 18 EXISTS, 2 RECENT,
UNSEEN 17. Its INTERNALDATE is the RFC's, 17-Jul-1996 02:44:25 -0700:
the file's mtime is that instant and the server runs with TZ=PDT+7.

What is adapted, and why:
- tags are the RFC's; the user is alice, not mrc;
- the greeting and the LOGIN reply may carry a CAPABILITY code;
- UIDVALIDITY is the folder's (its value is the server's to choose);
- RFC822.SIZE is the message's real size: the RFC's 4286 is not
  342 + 3028, a message of the RFC's header and body is 3370 bytes;
- the human text after a status response or a response code is free
  (RFC 3501 7.1: "human-readable text");
- SELECT sends also the PERMANENTFLAGS and UIDNEXT lines that RFC 3501
  6.3.1 requires (the sample predates them), and untagged lines may come
  in any order;
- flags in a FLAGS list are a set (7.2.6), so their order is free;
- the body type and subtype strings are case-insensitive (7.4.2): the
  server may say "text" "plain" where the RFC says "TEXT" "PLAIN".
Everything else must match exactly, in one line per response."""
import calendar
import os
import re
import time

from harness import Client, Server, USERS, check, own, fresh_maildir

MAILDIR = "Maildir-rfc3501"
HEADER = (b"Date: Wed, 17 Jul 1996 02:23:25 -0700 (PDT)\r\n"
          b"From: Terry Gray <gray@cac.washington.edu>\r\n"
          b"Subject: IMAP4rev1 WG mtg summary and minutes\r\n"
          b"To: imap@cac.washington.edu\r\n"
          b"cc: minutes@CNRI.Reston.VA.US, John Klensin <KLENSIN@MIT.EDU>\r\n"
          b"Message-Id: <B27397-0100000@cac.washington.edu>\r\n"
          b"MIME-Version: 1.0\r\n"
          b"Content-Type: TEXT/PLAIN; CHARSET=US-ASCII\r\n"
          b"\r\n")


def body():
    """92 lines, 3028 bytes: 84 lines of 33 bytes and 8 of 32."""
    lines = []
    for i in range(92):
        width = 31 if i < 84 else 30
        lines.append((b"line %02d of the minutes " % (i + 1))
                     .ljust(width, b".") + b"\r\n")
    return b"".join(lines)


SAMPLE = HEADER + body()
# 17-Jul-1996 02:44:25 -0700
INTERNAL = calendar.timegm((1996, 7, 17, 9, 44, 25, 0, 0, 0))
FILLER = b"From: filler@example.org\r\nSubject: filler\r\n\r\nfiller\r\n"

_serial = [0]


def deliver(maildir, data, info=None, mtime=None):
    """tmp/ then new/ (or cur/ with info), as an MDA does."""
    _serial[0] += 1
    base = "%d.M%dP%d.rfc" % (1700000000 + _serial[0], _serial[0],
                             os.getpid())
    tmp = os.path.join(maildir, "tmp", base)
    with open(tmp, "wb") as f:
        f.write(data)
    if mtime is not None:
        os.utime(tmp, (mtime, mtime))
    own(tmp)
    if info is None:
        os.rename(tmp, os.path.join(maildir, "new", base))
    else:
        os.rename(tmp, os.path.join(maildir, "cur", base + info))
    return base


def read_response(c):
    """One response with its literals, as bytes, without the last CRLF;
    literals are read by their announced length."""
    out = b""
    while True:
        while b"\r\n" not in c.buf:
            chunk = c.sock.recv(65536)
            check(chunk, f"connection closed; unread {c.buf!r}")
            c.buf += chunk
        line, c.buf = c.buf.split(b"\r\n", 1)
        m = re.search(rb"\{(\d+)\}$", line)
        if not m:
            return out + line
        n = int(m.group(1))
        while len(c.buf) < n:
            chunk = c.sock.recv(65536)
            check(chunk, "connection closed inside a literal")
            c.buf += chunk
        out += line + b"\r\n" + c.buf[:n]
        c.buf = c.buf[n:]


def exchange(c, line):
    """C: line; returns every S: response up to the tagged one."""
    tag = line.split()[0].encode()
    c.send(line + "\r\n")
    got = []
    while True:
        r = read_response(c)
        got.append(r)
        if r.startswith(tag + b" "):
            return got


def match(got, pattern, where):
    check(re.fullmatch(pattern, got, re.S),
          f"{where}: got {got!r}, want /{pattern.decode()}/")


def match_set(got, patterns, where):
    """Each response matches exactly one pattern, each pattern one
    response; the order is free."""
    left = list(patterns)
    for r in got:
        hits = [p for p in left if re.fullmatch(p, r)]
        check(len(hits) == 1, f"{where}: unexpected {r!r}; want one of "
              f"{[p.decode() for p in left]}")
        left.remove(hits[0])
    check(not left, f"{where}: missing {[p.decode() for p in left]}; "
          f"got {got}")


def flag_set(text):
    return sorted(text.lower().split())


def test_rfc3501_section8(world):
    md = fresh_maildir(world, MAILDIR)
    for _ in range(11):
        deliver(md, FILLER, ":2,S")
    sample = deliver(md, SAMPLE, ":2,S", mtime=INTERNAL)
    for _ in range(4):
        deliver(md, FILLER, ":2,S")
    # The server in the RFC's zone, so that INTERNALDATE is the RFC's
    # text; the instant is checked in whatever zone the server shows.
    old_tz = os.environ.get("TZ")
    os.environ["TZ"] = "PDT+7"
    try:
        srv = Server(world, maildir="~/" + MAILDIR, special_folders="")
    finally:
        if old_tz is None:
            del os.environ["TZ"]
        else:
            os.environ["TZ"] = old_tz
    try:
        # A first session takes \Recent from the 16 old messages.
        c = Client(srv.port)
        c.expect(r"\* OK .*")
        c.cmd("p1", f"LOGIN alice {USERS['alice'][1]}")
        c.cmd("p2", "SELECT INBOX")
        c.cmd("p3", "LOGOUT")
        c.close()
        deliver(md, FILLER)
        deliver(md, FILLER)

        c = Client(srv.port)
        # S: * OK IMAP4rev1 Service Ready
        match(read_response(c), rb"\* OK (\[CAPABILITY IMAP4rev1( \S+)*\] )?"
              rb"[^\[].*", "greeting")
        # C: a001 login mrc secret
        got = exchange(c, f"a001 login alice {USERS['alice'][1]}")
        match_set(got[:-1], [], "a001")
        match(got[-1], rb"a001 OK (\[CAPABILITY IMAP4rev1( \S+)*\] )?"
              rb"[^\[].*", "a001")

        # C: a002 select inbox
        got = exchange(c, "a002 select inbox")
        match_set(got[:-1], [
            rb"\* 18 EXISTS",
            rb"\* FLAGS \(\\Answered \\Flagged \\Deleted \\Seen \\Draft\)",
            rb"\* 2 RECENT",
            rb"\* OK \[UNSEEN 17\] .+",
            rb"\* OK \[UIDVALIDITY [1-9][0-9]*\] .+",
            # RFC 3501 6.3.1 requires these two; the sample predates them.
            rb"\* OK \[PERMANENTFLAGS \(\\Answered \\Flagged \\Deleted "
            rb"\\Seen \\Draft \\\*\)\] .+",
            rb"\* OK \[UIDNEXT 19\] .+",
            # RFC 8474 4.2 (OBJECTID) adds this one.
            rb"\* OK \[MAILBOXID \([A-Za-z0-9_-]+\)\] .+",
            # RFC 4467 7.1 (URLAUTH) this one.
            rb"\* OK \[URLMECH INTERNAL\] .+",
        ], "a002")
        match(got[-1], rb"a002 OK \[READ-WRITE\] .+", "a002")
        with open(os.path.join(md, "dovecot-uidlist")) as f:
            v = re.search(r"V(\d+)", f.readline()).group(1)
        check(f"* OK [UIDVALIDITY {v}] ".encode() in
              b"\n".join(got), f"a002: UIDVALIDITY is not {v}: {got}")

        # C: a003 fetch 12 full
        got = exchange(c, "a003 fetch 12 full")
        check(len(got) == 2, f"a003: want one FETCH, got {got}")
        date = (rb'"(?P<date>(?:[ 0-9][0-9])-[A-Z][a-z]{2}-[0-9]{4} '
                rb'[0-9]{2}:[0-9]{2}:[0-9]{2} [-+][0-9]{4})"')
        full = (rb'\* 12 FETCH \(FLAGS \(\\Seen\) INTERNALDATE ' + date +
                rb' RFC822\.SIZE ' + str(len(SAMPLE)).encode() +
                rb' ENVELOPE \("Wed, 17 Jul 1996 02:23:25 -0700 \(PDT\)" '
                rb'"IMAP4rev1 WG mtg summary and minutes" '
                rb'\(\("Terry Gray" NIL "gray" "cac\.washington\.edu"\)\) '
                rb'\(\("Terry Gray" NIL "gray" "cac\.washington\.edu"\)\) '
                rb'\(\("Terry Gray" NIL "gray" "cac\.washington\.edu"\)\) '
                rb'\(\(NIL NIL "imap" "cac\.washington\.edu"\)\) '
                rb'\(\(NIL NIL "minutes" "CNRI\.Reston\.VA\.US"\)'
                rb'\("John Klensin" NIL "KLENSIN" "MIT\.EDU"\)\) NIL NIL '
                rb'"<B27397-0100000@cac\.washington\.edu>"\) '
                rb'BODY \((?i:"TEXT" "PLAIN" \("CHARSET" "US-ASCII"\)) '
                rb'NIL NIL (?i:"7BIT") 3028 92\)\)')
        match(got[0], full, "a003")
        m = re.fullmatch(full, got[0])
        shown = time.strptime(m.group("date").decode().strip(),
                              "%d-%b-%Y %H:%M:%S %z")
        check(calendar.timegm(shown) - shown.tm_gmtoff == INTERNAL,
              f"a003: INTERNALDATE {m.group('date')!r} is not "
              "17-Jul-1996 02:44:25 -0700")
        check(m.group("date") == b"17-Jul-1996 02:44:25 -0700",
              f"a003: INTERNALDATE {m.group('date')!r} with TZ=PDT+7, want "
              "the RFC's \"17-Jul-1996 02:44:25 -0700\"")
        match(got[1], rb"a003 OK .+", "a003")

        # C: a004 fetch 12 body[header]
        got = exchange(c, "a004 fetch 12 body[header]")
        check(len(got) == 2, f"a004: want one FETCH, got {got}")
        check(got[0] == b"* 12 FETCH (BODY[HEADER] {342}\r\n" + HEADER + b")",
              f"a004: got {got[0]!r}")
        match(got[1], rb"a004 OK .+", "a004")

        # C: a005 store 12 +flags \deleted
        got = exchange(c, r"a005 store 12 +flags \deleted")
        check(len(got) == 2, f"a005: want one FETCH, got {got}")
        m = re.fullmatch(rb"\* 12 FETCH \(FLAGS \(([^()]*)\)\)", got[0])
        check(m and flag_set(m.group(1).decode()) ==
              flag_set(r"\Seen \Deleted"),
              f"a005: got {got[0]!r}, want * 12 FETCH (FLAGS (\\Seen "
              "\\Deleted))")
        match(got[1], rb"a005 OK .+", "a005")
        name = [n for n in os.listdir(os.path.join(md, "cur"))
                if n.startswith(sample)]
        check(name == [sample + ":2,ST"], f"a005: on disk {name}")

        # C: a006 logout
        got = exchange(c, "a006 logout")
        check(len(got) == 2, f"a006: got {got}")
        match(got[0], rb"\* BYE .+", "a006")
        match(got[1], rb"a006 OK .+", "a006")
        check(c.closed(), "a006: connection still open after LOGOUT")
        c.close()
        # LOGOUT does not expunge: the message is still there.
        check(os.path.exists(os.path.join(md, "cur", sample + ":2,ST")),
              "a006: the \\Deleted message is gone after LOGOUT")
    finally:
        srv.stop()
