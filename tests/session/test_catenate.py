"""CATENATE (RFC 4469) over a real socket: the four examples of Appendix
A replayed (UIDs and UIDVALIDITYs as the RFC has them, set up through
dovecot-uidlist), each result checked byte for byte with FETCH BODY[];
BADURL for every kind of URL that names nothing (4.1), TOOBIG over
APPENDLIMIT (4.2), a NUL in a TEXT literal (5: literal is CHAR8) and
literal8 and LITERAL+ TEXT parts, relative URLs (";UID=", RFC 5092 9.1),
CATENATE in MULTIAPPEND (all or nothing) and in REPLACE (RFC 8508 4.2),
no \\Seen set on the sources (3), and nothing left in tmp/ or the
folder after a failure."""
import os

from harness import check, served
from test_write import OVERQUOTA, fresh_maildir, own, quota_file

B0 = "------------030308070208000400050907"
B3 = "------------030308070208000400050903"
B4 = "------------030308070208000400050904"
DRAFTS_UV = 385759045
INBOX_UV = 785799047


def draft(boundary, subject, part2_type, part2):
    """A multipart/mixed draft: (whole, header, {section: bytes})."""
    header = ("Return-Path: <bar@example.org>\r\n"
              "Message-ID: <419399E1.6000505@example.org>\r\n"
              "Date: Thu, 12 Nov 2004 16:57:05 +0000\r\n"
              "From: Bob Ar <bar@example.org>\r\n"
              "MIME-Version: 1.0\r\n"
              "To: foo@example.net\r\n"
              f"Subject: {subject}\r\n"
              "Content-Type: multipart/mixed;\r\n"
              f"              boundary=\"{boundary}\"\r\n\r\n").encode()
    m1 = (b"Content-Type: text/plain; charset=us-ascii; format=flowed\r\n"
          b"Content-Transfer-Encoding: 7bit\r\n\r\n")
    p1 = b"Our travel agent has sent the schedule.\r\n\r\nCheers,\r\nBob\r\n"
    m2 = (f"Content-Type: {part2_type}\r\n"
          "Content-Transfer-Encoding: base64\r\n\r\n").encode()
    b = boundary.encode()
    whole = (header + b"--" + b + b"\r\n" + m1 + p1 + b"\r\n--" + b +
             b"\r\n" + m2 + part2 + b"\r\n--" + b + b"--\r\n")
    return whole, {"HEADER": header, "1.MIME": m1, "1": p1, "2.MIME": m2,
                   "2": part2}


MSG20, S20 = draft(B0, "About our holiday trip",
                   "application/x-zip-compressed; name=\"trip.zip\"",
                   b"UEsDBBQAAAAIAAAAIQB4\r\nAAAAAAAAAAAA")
MSG30 = (b"From: Travel Agent <agent@example.com>\r\nSubject: Schedule\r\n"
         b"\r\nDay 1: fly.\r\nDay 2: swim.\r\n")
MSG21, S21 = draft(B3, "Slides", "application/vnd.ms-powerpoint",
                   b"0M8R4KGxGuEAAAAAAAAAAAAAAAAAAAAA")
INBOX_MSGS = {
    11467: b"From: a@example.org\r\nSubject: first\r\n\r\nOne.\r\n",
    11916: b"From: c@example.org\r\nSubject: third\r\n\r\nThree.\r\n",
}


def put_message(folder, uid, data, info=":2,"):
    base = f"{1700000000 + uid}.M{uid}P1.catenate"
    path = os.path.join(folder, "cur", base + info)
    with open(path, "wb") as f:
        f.write(data)
    own(path)
    return base


def uidlist(folder, uv, msgs):
    """dovecot-uidlist giving each message its UID (RFC examples')."""
    lines = [f"3 V{uv} N{max(msgs) + 1} G{uv:032x}\n"]
    for uid in sorted(msgs):
        lines.append(f"{uid} :{msgs[uid]}\n")
    path = os.path.join(folder, "dovecot-uidlist")
    with open(path, "w") as f:
        f.writelines(lines)
    own(path)


def setup(world, name):
    md = fresh_maildir(world, name, folders=[".Drafts", ".Sent"])
    drafts = os.path.join(md, ".Drafts")
    uidlist(drafts, DRAFTS_UV, {
        20: put_message(drafts, 20, MSG20, ":2,D"),
        21: put_message(drafts, 21, MSG21, ":2,D"),
        30: put_message(drafts, 30, MSG30, ":2,D")})
    uidlist(md, INBOX_UV, {uid: put_message(md, uid, data)
                           for uid, data in INBOX_MSGS.items()})
    return md


def catenate(c, tag, head, parts, sync=True):
    """APPEND/REPLACE head CATENATE (parts); parts: ("URL", str) or
    ("TEXT", bytes) or ("TEXT8", bytes), literals synchronizing unless
    sync is False. Returns (untagged, tagged); stops early when the server
    answers instead of "+"."""
    out = f"{tag} {head} CATENATE (".encode()
    for i, (kind, v) in enumerate(parts):
        out += b"" if i == 0 else b" "
        if kind == "URL":
            out += b'URL "' + v.encode() + b'"'
            continue
        pre = b"~" if kind == "TEXT8" else b""
        if not sync:
            out += b"TEXT " + pre + b"{%d+}\r\n" % len(v) + v
            continue
        c.send(out + b"TEXT " + pre + b"{%d}\r\n" % len(v))
        line = c.line()
        if not line.startswith("+"):
            return [], line
        out = v
    c.send(out + b")\r\n")
    untagged = []
    while True:
        line = c.line()
        if line.startswith(tag + " "):
            return untagged, line
        untagged.append(line)


def body_of(c, tag, box, uid):
    """BODY.PEEK[] of uid in box, byte for byte."""
    c.cmd(tag + "s", f"EXAMINE {box}")
    c.send(f"{tag} UID FETCH {uid} BODY.PEEK[]\r\n")
    head = c.line()
    check(head.endswith("}"), f"FETCH {uid}: {head!r}")
    n = int(head.rsplit("{", 1)[1][:-1])
    while len(c.buf) < n:
        c.buf += c.sock.recv(65536)
    data, c.buf = c.buf[:n], c.buf[n:]
    check(c.line() == ")", "FETCH: no closing parenthesis")
    c.expect(f"{tag} OK .*")
    return data


def flags_of(c, tag, box, uid):
    c.cmd(tag + "s", f"EXAMINE {box}")
    u, _ = c.cmd(tag, f"UID FETCH {uid} FLAGS")
    return u[0]


def tmp_empty(md):
    for d in ("tmp", ".Drafts/tmp", ".Sent/tmp"):
        got = os.listdir(os.path.join(md, d))
        check(got == [], f"{d} not empty: {got}")


def count(md, folder):
    d = os.path.join(md, folder)
    return len(os.listdir(os.path.join(d, "cur")) +
               os.listdir(os.path.join(d, "new")))


def url(uid, section=None, box="Drafts", uv=DRAFTS_UV):
    u = f"/{box};UIDVALIDITY={uv}/;UID={uid}"
    return u + (f"/;section={section}" if section else "")


def test_rfc4469_examples(world):
    md = setup(world, "Maildir-cat")
    with served(world, "Maildir-cat") as (srv, c):
        sep = f"\r\n--{B0}\r\n".encode()
        # Example 1: an attachment replaced.
        u, t = catenate(c, "A003", r"APPEND Drafts (\Seen \Draft $MDNSent)",
                        [("URL", url(20, "HEADER")), ("TEXT", sep),
                         ("URL", url(20, "1.MIME")), ("URL", url(20, "1")),
                         ("TEXT", sep), ("URL", url(30)),
                         ("TEXT", f"\r\n--{B0}--\r\n".encode())])
        check(t == f"A003 OK [APPENDUID {DRAFTS_UV} 31] Append completed.",
              f"example 1: {t!r}")
        want = (S20["HEADER"] + sep + S20["1.MIME"] + S20["1"] + sep +
                MSG30 + f"\r\n--{B0}--\r\n".encode())
        check(body_of(c, "f1", "Drafts", 31) == want, "example 1: bytes")
        f = flags_of(c, "g1", "Drafts", 31)
        check(set(f.split("FLAGS (")[1].rstrip(")").split()) ==
              {"\\Seen", "\\Draft", "\\Recent", "$MDNSent"},
              f"example 1: flags {f!r}")
        # 3: catenating sets no \Seen on the source.
        check("\\Seen" not in flags_of(c, "g2", "Drafts", 20),
              "example 1 set \\Seen on UID 20")

        # Example 2: edited text and header, a part kept.
        text2 = (S20["HEADER"].replace(b"holiday trip", b"our trip") +
                 f"--{B0}\r\n".encode() + S20["1.MIME"] +
                 b"Our travel agent has sent the updated schedule.\r\n\r\n"
                 b"Cheers,\r\nBob\r\n" + f"--{B0}\r\n".encode())
        c.cmd("s2", "SELECT Drafts")
        u, t = catenate(c, "A004", r"APPEND Drafts (\Seen \Draft $MDNSent)",
                        [("TEXT", text2), ("URL", url(20, "2.MIME")
                                           .replace("section", "Section")),
                         ("URL", url(20, "2").replace("section", "Section")),
                         ("TEXT", f"\r\n--{B0}--\r\n".encode())])
        check(t == f"A004 OK [APPENDUID {DRAFTS_UV} 32] Append completed.",
              f"example 2: {t!r} {u!r}")
        c.cmd("A005", r"UID STORE 20 +FLAGS.SILENT (\Deleted)")
        want = text2 + S20["2.MIME"] + S20["2"] + f"\r\n--{B0}--\r\n".encode()
        check(body_of(c, "f2", "Drafts", 32) == want, "example 2: bytes")

        # Example 3: an attachment stripped.
        sep3 = f"\r\n--{B3}\r\n".encode()
        note = (f"\r\n--{B3}\r\n".encode() +
                b"Content-type: text/plain; charset=\"us-ascii\"\r\n"
                b"Content-transfer-encoding: 7bit\r\n\r\n"
                b"This body part contained a Power Point presentation that "
                b"was\r\ndeleted upon your request.\r\n" +
                f"--{B3}--\r\n".encode())
        u, t = catenate(c, "A006", r"APPEND Drafts (\Seen \Draft $MDNSent)",
                        [("URL", url(21, "HEADER")), ("TEXT", sep3),
                         ("URL", url(21, "1.MIME")), ("URL", url(21, "1")),
                         ("TEXT", note)])
        check(t == f"A006 OK [APPENDUID {DRAFTS_UV} 33] Append completed.",
              f"example 3: {t!r}")
        want = S21["HEADER"] + sep3 + S21["1.MIME"] + S21["1"] + note
        check(body_of(c, "f3", "Drafts", 33) == want, "example 3: bytes")

        # Example 4: a digest with a URL to a message that is not there.
        head4 = (b"From: Farren Oo <foo@example.org>\r\n"
                 b"Subject: Digest of the mailing list for today\r\n"
                 b"Content-Type: multipart/digest;\r\n"
                 b"              boundary=\"" + B4.encode() + b"\"\r\n\r\n" +
                 f"--{B4}\r\n".encode())
        sep4 = f"\r\n--{B4}\r\n".encode()
        bad = url(113330, "1.5.9", "INBOX", INBOX_UV)
        sent = count(md, ".Sent")
        u, t = catenate(c, "A007", r"APPEND Sent (\Seen $MDNSent)",
                        [("TEXT", head4),
                         ("URL", url(11467, None, "INBOX", INBOX_UV)),
                         ("TEXT", sep4), ("URL", bad), ("TEXT", sep4),
                         ("URL", url(11916, None, "INBOX", INBOX_UV)),
                         ("TEXT", f"\r\n--{B4}--\r\n".encode())])
        check(t == f"A007 NO [BADURL {bad}] Message not found",
              f"example 4: {t!r}")
        check(count(md, ".Sent") == sent, "example 4 stored a message")
        # The same digest with the URLs that exist.
        u, t = catenate(c, "A008", r"APPEND Sent (\Seen $MDNSent)",
                        [("TEXT", head4),
                         ("URL", url(11467, None, "INBOX", INBOX_UV)),
                         ("TEXT", sep4),
                         ("URL", url(11916, None, "INBOX", INBOX_UV)),
                         ("TEXT", f"\r\n--{B4}--\r\n".encode())])
        check(t.startswith("A008 OK [APPENDUID "), f"digest: {t!r}")
        want = (head4 + INBOX_MSGS[11467] + sep4 + INBOX_MSGS[11916] +
                f"\r\n--{B4}--\r\n".encode())
        check(body_of(c, "f4", "Sent", 1) == want, "digest: bytes")
        tmp_empty(md)


def test_badurl(world):
    md = setup(world, "Maildir-catbad")
    with served(world, "Maildir-catbad") as (srv, c):
        cases = [
            (url(99), "Message not found"),                 # no such UID
            (url(20).replace(str(DRAFTS_UV), "1"), "Invalid UIDVALIDITY"),
            ("/Nope/;UID=1", "Mailbox doesn't exist"),
            ("/Drafts/;UID=20/;SECTION=4", "No such body part"),
            ("/Drafts/;UID=20/;SECTION=1.5.9", "No such body part"),
            ("/Drafts", "URL names no message"),
            ("/Drafts/;UID=0", "Invalid URL: bad UID"),
            ("Drafts/;UID=20", "Relative-path URLs are not accepted "
             "(RFC 5092 7.2)"),
            (";UID=20", "Relative URL without a selected mailbox"),
            ("imap://bob@localhost/INBOX/;UID=1",
             "URL names another user's mailbox"),
            ("http://example.org/", "Not an IMAP URL"),
            ("/Drafts/;UID=20;URLAUTH=anonymous:internal:"
             "0123456789abcdef0123456789abcdef", "Invalid URLAUTH"),
        ]
        for i, (u, why) in enumerate(cases):
            _, t = catenate(c, f"b{i}", "APPEND Sent",
                            [("TEXT", b"Subject: x\r\n\r\n"), ("URL", u)])
            check(t == f"b{i} NO [BADURL {u}] {why}", f"{u}: {t!r}")
        # The first bad URL is the one named (4.1).
        _, t = catenate(c, "c", "APPEND Sent",
                        [("URL", url(20)), ("URL", "/Nope/;UID=1"),
                         ("URL", url(98))])
        check(t == "c NO [BADURL /Nope/;UID=1] Mailbox doesn't exist",
              f"{t!r}")
        # A URL may come as a literal too (an astring), which the session
        # sinks into its literal file like the TEXT parts.
        for tag, u, want in (("l1", "/Drafts/;UID=99", "NO [BADURL "
                              "/Drafts/;UID=99] Message not found"),
                             ("l2", url(30), "OK [APPENDUID ")):
            c.send(f"{tag} APPEND Drafts CATENATE (TEXT {{3+}}\r\nX:y "
                   f"URL {{{len(u)}+}}\r\n{u})\r\n")
            t = c.line()
            check(t.startswith(f"{tag} {want}"), f"URL literal: {t!r}")
        # Syntax: BAD.
        for i, args in enumerate(["CATENATE ()", "CATENATE",
                                  "CATENATE (TEXT)", "CATENATE (URL)",
                                  'CATENATE (FOO "x")',
                                  'CATENATE (TEXT "x")',
                                  "CATENATE (URL (x))"]):
            c.cmd(f"s{i}", f"APPEND Sent {args}", status="BAD")
        # A NUL in a TEXT literal is BAD (RFC 3501 9: CHAR8); literal8
        # carries one (RFC 3516 4.4).
        _, t = catenate(c, "n1", "APPEND Sent",
                        [("TEXT", b"Subject: nul\r\n\r\na\x00b\r\n")])
        check(t.startswith("n1 BAD NUL in a TEXT literal"), f"{t!r}")
        _, t = catenate(c, "n2", "APPEND Sent",
                        [("TEXT", b"Subject: x\r\n\r\n"),
                         ("TEXT", b"a\x00b\r\n")], sync=False)
        check(t.startswith("n2 BAD NUL in a TEXT literal"), f"{t!r}")
        check(count(md, ".Sent") == 0, "a failed CATENATE stored mail")
        _, t = catenate(c, "n3", "APPEND Sent",
                        [("TEXT8", b"Subject: nul\r\n\r\na\x00b\r\n"),
                         ("URL", url(30))])
        check(t.startswith("n3 OK [APPENDUID "), f"literal8: {t!r}")
        # FETCH BODY[] cannot carry the NUL: the file must.
        sent = os.path.join(md, ".Sent", "cur")
        with open(os.path.join(sent, os.listdir(sent)[0]), "rb") as f:
            check(f.read() == b"Subject: nul\r\n\r\na\x00b\r\n" + MSG30,
                  "literal8 bytes")
        # LITERAL+ TEXT parts, a relative URL in the selected mailbox.
        c.cmd("s", "SELECT Drafts")
        _, t = catenate(c, "p", "APPEND Sent",
                        [("TEXT", b"X-Note: plus\r\n"),
                         ("URL", ";UID=20/;SECTION=1.MIME"),
                         ("URL", ";UID=20/;SECTION=1/;PARTIAL=6.6")],
                        sync=False)
        check(t.startswith("p OK [APPENDUID "), f"LITERAL+: {t!r}")
        check(body_of(c, "p2", "Sent", 2) ==
              b"X-Note: plus\r\n" + S20["1.MIME"] + S20["1"][6:12],
              "relative URL bytes")
        # Empty parts only: a zero-byte message, refused as APPEND does.
        _, t = catenate(c, "e", "APPEND Sent",
                        [("TEXT", b""), ("URL", url(20, "1/;PARTIAL=9999"))])
        check(t == "e NO Can't save a zero byte message.", f"{t!r}")
        # TRYCREATE before the first "+" (RFC 3502's example).
        _, t = catenate(c, "t", "APPEND Nope", [("TEXT", b"x")])
        check(t == "t NO [TRYCREATE] Mailbox doesn't exist: Nope", f"{t!r}")
        check(count(md, ".Sent") == 2, "Sent")
        tmp_empty(md)


def test_toobig(world):
    """APPENDLIMIT counts the catenated whole (RFC 7889, RFC 4469 4.2): a
    message of exactly APPENDLIMIT bytes fits alone, not with one byte
    more."""
    md = fresh_maildir(world, "Maildir-catbig", folders=[".Sent"])
    limit = 64 * 1024 * 1024
    head = b"Subject: big\r\n\r\n"
    chunk = (b"x" * 62 + b"\r\n") * 16384         # 1 MiB
    base = put_message(md, 1, head)
    path = os.path.join(md, "cur", base + ":2,")
    with open(path, "ab") as f:
        for _ in range(63):
            f.write(chunk)
        f.write(chunk[:limit - 63 * len(chunk) - len(head) - 2] + b"\r\n")
    check(os.path.getsize(path) == limit, "size")
    uidlist(md, 7, {1: base})
    with served(world, "Maildir-catbig") as (srv, c):
        _, t = catenate(c, "a", "APPEND Sent",
                        [("TEXT", b"X"), ("URL", "/INBOX/;UID=1")])
        check(t == "a NO [TOOBIG] Message too large", f"{t!r}")
        _, t = catenate(c, "b", "APPEND Sent",
                        [("TEXT", b"X-Pad: " + b"p" * 11 + b"\r\n"),
                         ("URL", "/INBOX/;UID=1/;SECTION=TEXT")])
        check(t == "b NO [TOOBIG] Message too large", f"{t!r}")
        check(count(md, ".Sent") == 0, "TOOBIG stored a message")
        tmp_empty(md)
        _, t = catenate(c, "c", "APPEND Sent",
                        [("URL", "/INBOX/;UID=1/;PARTIAL=0.100")] * 2)
        check(t.startswith("c OK [APPENDUID "), f"{t!r}")


def test_utf8(world):
    """RFC 6855 4: cat-part =/ "UTF8" SP "(" literal8 ")"; 8-bit header
    fields from the client only after ENABLE UTF8=ACCEPT (NO before);
    a URL part copies mail that is here already, 8-bit or not."""
    md = setup(world, "Maildir-catutf8")
    head = "Subject: caf\u00e9\r\n\r\n".encode()
    with served(world, "Maildir-catutf8") as (srv, c):
        for i, part in enumerate([b"UTF8 (~{%d+}\r\n%s)" % (len(head), head),
                                  b"TEXT {%d+}\r\n%s" % (len(head), head)]):
            c.send(b"u%d APPEND Sent CATENATE (%s URL \"%s\")\r\n" %
                   (i, part, url(30, "TEXT").encode()))
            c.expect(f"u{i} NO Message has 8-bit header fields; ENABLE "
                     r"UTF8=ACCEPT first \(RFC 6855 4\)")
        c.cmd("b1", "APPEND Sent CATENATE (UTF8 ({1+}\r\nx))", status="BAD")
        c.cmd("b2", "APPEND Sent CATENATE (UTF8 (~{1+}\r\nx ~{1+}\r\ny))",
              status="BAD")
        c.cmd("b3", "APPEND Sent CATENATE (UTF8 ~{1+}\r\nx)", status="BAD")
        check(count(md, ".Sent") == 0, "refused UTF8 stored")
        # The header's 8-bit bytes are the client's only in TEXT/UTF8:
        # in the body they are fine.
        c.send(b"a1 APPEND Sent CATENATE (TEXT {12+}\r\nSubject: x\r\n"
               b" UTF8 (~{7+}\r\n\r\ncaf\xc3\xa9))\r\n")
        c.expect(r"a1 OK \[APPENDUID \d+ 1\] Append completed\.")
        c.cmd("e", "ENABLE UTF8=ACCEPT")
        c.send(b"a2 APPEND Sent CATENATE (UTF8 (~{%d+}\r\n%s) URL \"%s\")"
               b"\r\n" % (len(head), head, url(30, "TEXT").encode()))
        c.expect(r"a2 OK \[APPENDUID \d+ 2\] Append completed\.")
        sent = os.path.join(md, ".Sent", "cur")
        got = sorted(open(os.path.join(sent, n), "rb").read()
                     for n in os.listdir(sent))
        body30 = MSG30[MSG30.index(b"\r\n\r\n") + 4:]
        check(got == sorted([b"Subject: x\r\n\r\ncaf\xc3\xa9",
                             head + body30]), f"UTF8 bytes {got!r}")
        tmp_empty(md)


def test_quota(world):
    """The catenated message goes through APPEND's quota check (RFC 9208
    via folder_append_commit): over the limit, NO [OVERQUOTA], nothing
    kept."""
    md = setup(world, "Maildir-catquota")
    quota_file(md, sum(len(m) for m in INBOX_MSGS.values()) + len(MSG20) +
               len(MSG21) + len(MSG30) + len(MSG30) // 2)
    with served(world, "Maildir-catquota") as (srv, c):
        _, t = catenate(c, "q1", "APPEND Sent", [("URL", url(30)),
                                                 ("URL", url(30))])
        check(t == "q1 " + OVERQUOTA, f"{t!r}")
        check(count(md, ".Sent") == 0, "over quota, kept")
        tmp_empty(md)
        _, t = catenate(c, "q2", "APPEND Sent",
                        [("URL", url(30, "TEXT"))])
        check(t.startswith("q2 OK [APPENDUID "), f"{t!r}")


def test_multiappend(world):
    md = setup(world, "Maildir-catmulti")
    with served(world, "Maildir-catmulti") as (srv, c):
        # The second message's URL is bad: neither is stored (RFC 3502).
        msg = b"Subject: one\r\n\r\nplain\r\n"
        c.send(b"m1 APPEND Sent {%d+}\r\n" % len(msg) + msg +
               b" CATENATE (TEXT {6+}\r\nX: y\r\n URL \"" +
               url(20, "HEADER").encode() + b"\")"
               b" (\\Seen) CATENATE (URL \"/Drafts/;UID=77\")\r\n")
        c.expect(r"m1 NO \[BADURL /Drafts/;UID=77\] Message not found")
        check(count(md, ".Sent") == 0, "MULTIAPPEND kept a message")
        tmp_empty(md)
        # All good: three messages, in order.
        c.send(b"m2 APPEND Sent {%d+}\r\n" % len(msg) + msg +
               b" CATENATE (TEXT {6+}\r\nX: y\r\n URL \"" +
               url(20, "HEADER").encode() + b"\")"
               b" (\\Seen) CATENATE (URL \"" + url(30).encode() + b"\")\r\n")
        c.expect(r"m2 OK \[APPENDUID \d+ 1:3\] Append completed\.")
        check(body_of(c, "b1", "Sent", 1) == msg, "1")
        check(body_of(c, "b2", "Sent", 2) == b"X: y\r\n" + S20["HEADER"],
              "2")
        check(body_of(c, "b3", "Sent", 3) == MSG30, "3")


def test_replace(world):
    md = setup(world, "Maildir-catrepl")
    with served(world, "Maildir-catrepl") as (srv, c):
        c.cmd("s", "SELECT Drafts")
        new_head = S20["HEADER"].replace(b"holiday", b"winter")
        # RFC 8508 4.2 with a body taken from the message replaced.
        c2 = c
        u, t = catenate(c2, "r2", "UID REPLACE 21 Drafts (\\Draft)",
                        [("TEXT", new_head), ("URL", ";UID=21/;SECTION=TEXT")])
        check(t == "r2 OK Replace completed.", f"REPLACE: {t!r}")
        check(u[0].startswith(f"* OK [APPENDUID {DRAFTS_UV} ") and
              "* 2 EXPUNGE" in u, f"REPLACE: {u!r}")
        uid = int(u[0].split()[4].rstrip("]"))
        body = MSG21[MSG21.index(b"\r\n\r\n") + 4:]
        check(body_of(c2, "f", "Drafts", uid) == new_head + body,
              "REPLACE bytes")
        # A bad URL: NO [BADURL], the old message stays.
        c2.cmd("s2", "SELECT Drafts")
        _, t = catenate(c2, "r3", f"UID REPLACE {uid} Drafts",
                        [("URL", ";UID=4242")])
        check(t == "r3 NO [BADURL ;UID=4242] Message not found", f"{t!r}")
        c2.cmd("f2", f"UID FETCH {uid} UID")
        tmp_empty(md)


def test_capability(world):
    fresh_maildir(world, "Maildir-catcap")
    with served(world, "Maildir-catcap") as (srv, c):
        u, _ = c.cmd("a", "CAPABILITY")
        check("CATENATE" in u[0].split(), f"no CATENATE: {u[0]}")
