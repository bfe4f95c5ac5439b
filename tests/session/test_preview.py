"""PREVIEW (RFC 8970) over a real socket: FETCH PREVIEW (3.1, 3.2), the
LAZY modifier (4.1) inside a list and as the single fetch-att, NIL only
with LAZY and only for a preview not made yet, the empty string for a
message without text (3.2), the text decoded and stripped (3.3), the
preview kept in skua.cache so that a second FETCH reads no message file,
and BAD for an unknown modifier (6's grammar).

RFC 8970 5's examples are replayed with their own messages' texts."""
import os

from harness import Server, check
from test_write import exact, fresh_maildir, login, own, take_recent

MSGS = [
    b"Subject: one\r\nContent-Type: text/plain\r\n\r\n"
    b"Preview text for message 1.\r\n",
    b"Subject: two\r\nContent-Type: image/png\r\n\r\nPNG\r\n",
    b"Subject: three\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
    b"<html><body><p>Message data from <b>message</b> 3.</p></body></html>"
    b"\r\n",
    b"Subject: four\r\nContent-Type: text/plain; charset=iso-8859-1\r\n"
    b"Content-Transfer-Encoding: quoted-printable\r\n\r\n"
    b"Message 4 preview =\r\n\r\n> quoted\r\n",
    b"Subject: five\r\nContent-Type: text/plain\r\n\r\n" +
    b"Lorem ipsum dolor sit amet. " * 20 + b"\r\n",
]


def make(world, name):
    md = fresh_maildir(world, name)
    for i, body in enumerate(MSGS):
        base = f"{1700000000 + i}.M{i}P1.test"
        path = os.path.join(md, "cur", base + ":2,")
        with open(path, "wb") as f:
            f.write(body)
        own(path)
    return md


def test_preview(world):
    md = make(world, "Maildir-preview")
    srv = Server(world, maildir="~/Maildir-preview")
    try:
        take_recent(srv)
        c = login(srv)
        u, t = c.cmd("a1", "CAPABILITY")
        check("PREVIEW" in u[0].split(), f"no PREVIEW in {u[0]}")
        c.cmd("s", "SELECT INBOX")
        # 3.2's example
        exact(c, "A1", "FETCH 1 (PREVIEW)",
              ['* 1 FETCH (PREVIEW "Preview text for message 1.")'],
              "OK Fetch completed.")
        # Example 2's first step, without ENVELOPE: 1 is cached now,
        # 2 to 4 are not, and LAZY does not open their files (4.1).
        u, t = c.cmd("B1", "FETCH 1:4 (UID PREVIEW (LAZY))")
        check(u == ['* 1 FETCH (UID 1 PREVIEW "Preview text for message '
                    '1.")', "* 2 FETCH (UID 2 PREVIEW NIL)",
                    "* 3 FETCH (UID 3 PREVIEW NIL)",
                    "* 4 FETCH (UID 4 PREVIEW NIL)"], f"LAZY: {u!r}")
        # Example 2's second step, then the same without LAZY.
        exact(c, "B2", "FETCH 2:4 (PREVIEW)",
              ['* 2 FETCH (PREVIEW "")',
               '* 3 FETCH (PREVIEW "Message data from message 3.")',
               '* 4 FETCH (PREVIEW "Message 4 preview")'],
              "OK Fetch completed.")
        # Now all are cached: LAZY answers them (Example 3's form).
        exact(c, "C3", "UID FETCH 2:3 (UID PREVIEW (LAZY))",
              ['* 2 FETCH (UID 2 PREVIEW "")',
               '* 3 FETCH (UID 3 PREVIEW "Message data from message 3.")'],
              "OK Fetch completed.")
        # With ENVELOPE the message is parsed anyway: LAZY gets it.
        u, t = c.cmd("B3", "FETCH 5 (ENVELOPE PREVIEW (LAZY))")
        check(len(u) == 1 and "PREVIEW \"Lorem ipsum" in u[0],
              f"LAZY with ENVELOPE: {u!r}")
        text = u[0].split('PREVIEW "', 1)[1].rsplit('"', 1)[0]
        check(len(text) <= 200 and len(text) >= 190,
              f"preview of {len(text)} characters")
        # The single fetch-att with its modifier (6's grammar).
        exact(c, "D1", "FETCH 1 PREVIEW (LAZY)",
              ['* 1 FETCH (PREVIEW "Preview text for message 1.")'],
              "OK Fetch completed.")
        exact(c, "D2", "FETCH 1 PREVIEW",
              ['* 1 FETCH (PREVIEW "Preview text for message 1.")'],
              "OK Fetch completed.")
        # PREVIEW and PREVIEW (LAZY) together: not lazy.
        exact(c, "D3", "FETCH 1 (PREVIEW PREVIEW (LAZY))",
              ['* 1 FETCH (PREVIEW "Preview text for message 1.")'],
              "OK Fetch completed.")
        c.cmd("E1", "FETCH 1 (PREVIEW (FOO))", status="BAD")
        c.cmd("E2", "FETCH 1 (PREVIEW ())", status="BAD")
        c.cmd("E3", "FETCH 1 PREVIEW (FOO)", status="BAD")
        # Cached: the text comes from skua.cache even when the file
        # changed behind our back (nobody rewrites a Maildir message;
        # this shows no reparse happened).
        path = os.path.join(md, "cur", [n for n in os.listdir(
            os.path.join(md, "cur")) if n.startswith("1700000000.")][0])
        with open(path, "r+b") as f:
            f.seek(len(MSGS[0]) - 30)
            f.write(b"Changed")
        exact(c, "F1", "FETCH 1 (PREVIEW)",
              ['* 1 FETCH (PREVIEW "Preview text for message 1.")'],
              "OK Fetch completed.")
        check(os.path.exists(os.path.join(md, "skua.cache")),
              "no skua.cache")
        # PREVIEW does not set \Seen (it is no BODY[] fetch).
        exact(c, "G1", "FETCH 1 (FLAGS)", ["* 1 FETCH (FLAGS ())"],
              "OK Fetch completed.")
        c.cmd("z", "LOGOUT")
    finally:
        srv.stop()
    check("preview: " in srv.log_text(), "no log line for PREVIEW "
          "(RFC 8970 8)")


def test_preview_utf8(world):
    md = fresh_maildir(world, "Maildir-preview8")
    body = (b"Subject: x\r\nContent-Type: text/plain; charset=utf-8\r\n"
            b"Content-Transfer-Encoding: base64\r\n\r\n"
            b"w6l0w6kgYmFzZTY0\r\n")
    path = os.path.join(md, "cur", "1700000000.M1P1.test:2,")
    with open(path, "wb") as f:
        f.write(body)
    own(path)
    srv = Server(world, maildir="~/Maildir-preview8")
    try:
        take_recent(srv)
        c = login(srv)
        c.cmd("s", "SELECT INBOX")
        # 8-bit text goes as a literal (RFC 3501 4.3).
        c.send("a FETCH 1 (PREVIEW)\r\n")
        want = "\u00e9t\u00e9 base64"
        c.expect(r"\* 1 FETCH \(PREVIEW \{%d\}" % len(want.encode()))
        got = c.line()
        check(got == want + ")", f"got {got!r}")
        c.expect("a OK Fetch completed.")
        c.cmd("z", "LOGOUT")
    finally:
        srv.stop()
