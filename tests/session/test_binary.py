"""BINARY (RFC 3516) on the FETCH side over real sockets: BINARY[part],
BINARY.PEEK[part], BINARY.SIZE[part] and partials (4.2), the answer as a
literal8 ~{n} exactly when the decoded bytes hold a NUL and as a string
otherwise (4.3), NO [UNKNOWN-CTE] for an encoding skua cannot decode
(4.3), NO [PARSE] for broken base64 (as Dovecot 2.3), CRLF line ends
for a message stored with bare LFs (6), \\Seen set by BINARY[] but not
by BINARY.PEEK[] or BINARY.SIZE[] (RFC 3501 6.4.5), the grammar of 7
(section-binary is part numbers only; BINARY.SIZE takes no partial),
and BINARY[] of a multipart and of a message/rfc822 part: the entity with
every leaf decoded and its Content-Transfer-Encoding made "binary", as
Dovecot 2.3 answers. The APPEND side (literal8) is in
test_multiappend.py."""
import os
import re

from harness import check, own, Server
from test_write import fresh_maildir, login

B64 = (b"Subject: b64\r\nMIME-Version: 1.0\r\n"
       b"Content-Type: application/octet-stream\r\n"
       b"Content-Transfer-Encoding: base64\r\n\r\nAAECA2hlbGxvAA==\r\n")
QP = (b"Subject: qp\nMIME-Version: 1.0\n"
      b"Content-Type: text/plain; charset=utf-8\n"
      b"Content-Transfer-Encoding: quoted-printable\n\n"
      b"caf=C3=A9 soft=\nbreak\nx=3Dy\n")
MULTI = (b"Subject: multi\r\nMIME-Version: 1.0\r\n"
         b"Content-Type: multipart/mixed; boundary=XX\r\n\r\n"
         b"--XX\r\nContent-Type: text/plain\r\n\r\nplain\r\n"
         b"--XX\r\nContent-Type: image/png\r\n"
         b"Content-Transfer-Encoding: base64\r\nX-Last: 1\r\n\r\n"
         b"iVBORw0KGgo=\r\n"
         b"--XX\r\nContent-Type: message/rfc822\r\n\r\n"
         b"Subject: inner\r\nMIME-Version: 1.0\r\n"
         b"Content-Transfer-Encoding: quoted-printable\r\n\r\n=41=42\r\n"
         b"--XX--\r\n")
UNKNOWN = (b"Subject: unk\r\nMIME-Version: 1.0\r\n"
           b"Content-Transfer-Encoding: x-uuencode\r\n\r\nbegin\r\n")
BROKEN = (b"Subject: broken\r\nMIME-Version: 1.0\r\n"
          b"Content-Transfer-Encoding: base64\r\n\r\nSGVs*bG8=\r\n")
MSGS = [B64, QP, MULTI, UNKNOWN, BROKEN]


def put(md, n, data):
    base = "%d.M%dP%d.bin" % (1700000000 + n, n, os.getpid())
    tmp = os.path.join(md, "tmp", base)
    with open(tmp, "wb") as f:
        f.write(data)
    own(tmp)
    os.rename(tmp, os.path.join(md, "cur", base + ":2,"))


def response(c):
    """One response with its literals: (text with literals as {n} or
    ~{n}, [literal bytes])."""
    text, lits = b"", []
    while True:
        while b"\r\n" not in c.buf:
            chunk = c.sock.recv(65536)
            check(chunk, f"connection closed; unread {c.buf!r}")
            c.buf += chunk
        line, c.buf = c.buf.split(b"\r\n", 1)
        text += line
        m = re.search(rb"\{(\d+)\}$", line)
        if not m:
            return text.decode("utf-8", "replace"), lits
        n = int(m.group(1))
        while len(c.buf) < n:
            c.buf += c.sock.recv(65536)
        lits.append(c.buf[:n])
        c.buf = c.buf[n:]


def run(c, tag, text):
    """Sends a command; returns ([(untagged text, literals)], tagged)."""
    c.send(f"{tag} {text}\r\n")
    out = []
    while True:
        t, lits = response(c)
        if t.startswith(tag + " "):
            return out, t
        out.append((t, lits))


def one(c, tag, text, want_text, want_lits, status="OK"):
    u, t = run(c, tag, text)
    check(t.startswith(f"{tag} {status}"), f"{text}: tagged {t!r}")
    check(len(u) == 1, f"{text}: got {u!r}")
    check(re.fullmatch(want_text, u[0][0]),
          f"{text}: got {u[0][0]!r}, want /{want_text}/")
    check(u[0][1] == want_lits, f"{text}: got {u[0][1]!r}, want "
          f"{want_lits!r}")
    return t


def setup(world, name):
    md = fresh_maildir(world, name)
    for i, m in enumerate(MSGS, 1):
        put(md, i, m)
    srv = Server(world, maildir="~/" + name)
    c = login(srv)
    return srv, c


def test_binary_capability(world):
    srv, c = setup(world, "Maildir-bincap")
    try:
        u, t = c.cmd("a", "CAPABILITY")
        check("BINARY" in u[0].split(), f"{u!r}")
        c.cmd("z", "LOGOUT")
    finally:
        srv.stop()


def test_binary_leaf(world):
    """4.2, 4.3: decoded leaves; literal8 only with a NUL; partials count
    decoded bytes; BINARY.SIZE is the size BINARY sends; bare LFs go
    out as CRLF (6)."""
    srv, c = setup(world, "Maildir-binleaf")
    try:
        c.cmd("s", "EXAMINE INBOX")
        one(c, "a", "FETCH 1 BINARY.PEEK[1]",
            r"\* 1 FETCH \(BINARY\[1\] ~\{10\}\)",
            [b"\x00\x01\x02\x03hello\x00"])
        one(c, "b", "FETCH 1 BINARY.SIZE[1]",
            r"\* 1 FETCH \(BINARY\.SIZE\[1\] 10\)", [])
        one(c, "c", "FETCH 1 BINARY.PEEK[1]<4.5>",
            r"\* 1 FETCH \(BINARY\[1\]<4> \{5\}\)", [b"hello"])
        one(c, "d", "FETCH 1 BINARY.PEEK[1]<8.2>",
            r"\* 1 FETCH \(BINARY\[1\]<8> ~\{2\}\)", [b"o\x00"])
        one(c, "e", "FETCH 1 BINARY.PEEK[1]<100.5>",
            r"\* 1 FETCH \(BINARY\[1\]<100> \{0\}\)", [b""])
        one(c, "f", "FETCH 2 (BINARY.PEEK[1] BINARY.SIZE[1])",
            r"\* 2 FETCH \(BINARY\[1\] \{22\} BINARY\.SIZE\[1\] 22\)",
            [b"caf\xc3\xa9 softbreak\r\nx=y\r\n"])
        # A part number beyond the structure: empty (RFC 3501 6.4.5).
        one(c, "g", "FETCH 2 (BINARY.PEEK[7] BINARY.SIZE[7])",
            r"\* 2 FETCH \(BINARY\[7\] \{0\} BINARY\.SIZE\[7\] 0\)", [b""])
        # UID FETCH puts UID first (RFC 3501 6.4.8).
        u, t = run(c, "h", "UID FETCH 1:2 BINARY.SIZE[1]")
        check([x[0] for x in u] == [
            "* 1 FETCH (UID 1 BINARY.SIZE[1] 10)",
            "* 2 FETCH (UID 2 BINARY.SIZE[1] 22)"], f"{u!r}")
        c.cmd("z", "LOGOUT")
    finally:
        srv.stop()


def test_binary_containers(world):
    """BINARY[] of a message and BINARY[n] of a multipart or an enclosed
    message: every leaf decoded, its Content-Transfer-Encoding field
    removed and "Content-Transfer-Encoding: binary" put after the last
    field of its header (Dovecot 2.3's answer)."""
    srv, c = setup(world, "Maildir-bincont")
    try:
        c.cmd("s", "EXAMINE INBOX")
        whole = (b"Subject: b64\r\nMIME-Version: 1.0\r\n"
                 b"Content-Type: application/octet-stream\r\n"
                 b"Content-Transfer-Encoding: binary\r\n\r\n"
                 b"\x00\x01\x02\x03hello\x00")
        one(c, "a", "FETCH 1 (BINARY.PEEK[] BINARY.SIZE[])",
            r"\* 1 FETCH \(BINARY\[\] ~\{%d\} BINARY\.SIZE\[\] %d\)" %
            (len(whole), len(whole)), [whole])
        png = b"\x89PNG\r\n\x1a\n"
        body = (b"--XX\r\nContent-Type: text/plain\r\n\r\nplain\r\n"
                b"--XX\r\nContent-Type: image/png\r\nX-Last: 1\r\n"
                b"Content-Transfer-Encoding: binary\r\n\r\n" + png +
                b"\r\n--XX\r\nContent-Type: message/rfc822\r\n\r\n"
                b"Subject: inner\r\nMIME-Version: 1.0\r\n"
                b"Content-Transfer-Encoding: binary\r\n\r\nAB\r\n"
                b"--XX--\r\n")
        head = (b"Subject: multi\r\nMIME-Version: 1.0\r\n"
                b"Content-Type: multipart/mixed; boundary=XX\r\n\r\n")
        one(c, "b", "FETCH 3 BINARY.PEEK[]",
            r"\* 3 FETCH \(BINARY\[\] \{%d\}\)" % len(head + body),
            [head + body])
        one(c, "c", "FETCH 3 (BINARY.PEEK[2] BINARY.PEEK[1])",
            r"\* 3 FETCH \(BINARY\[2\] \{8\} BINARY\[1\] \{5\}\)",
            [png, b"plain"])
        inner = (b"Subject: inner\r\nMIME-Version: 1.0\r\n"
                 b"Content-Transfer-Encoding: binary\r\n\r\nAB")
        one(c, "d", "FETCH 3 (BINARY.PEEK[3] BINARY.SIZE[3] "
            "BINARY.PEEK[3.1])",
            r"\* 3 FETCH \(BINARY\[3\] \{%d\} BINARY\.SIZE\[3\] %d "
            r"BINARY\[3\.1\] \{2\}\)" % (len(inner), len(inner)),
            [inner, b"AB"])
        c.cmd("z", "LOGOUT")
    finally:
        srv.stop()


def test_binary_errors(world):
    """4.3: NO [UNKNOWN-CTE]; broken data NO [PARSE]; the failing
    message gets its UID alone and nothing after it is answered; 7:
    BAD for sections other than part numbers and for BINARY.SIZE with a
    partial."""
    srv, c = setup(world, "Maildir-binerr")
    try:
        c.cmd("s", "EXAMINE INBOX")
        for tag, cmd in (("a", "FETCH 4 BINARY.PEEK[1]"),
                         ("b", "FETCH 4 BINARY.SIZE[]"),
                         ("c", "FETCH 4 BINARY.PEEK[]")):
            u, t = run(c, tag, cmd)
            check(u == [("* 4 FETCH (UID 4)", [])], f"{cmd}: {u!r}")
            check(t == f"{tag} NO [UNKNOWN-CTE] Unknown "
                  "Content-Transfer-Encoding", f"{cmd}: {t!r}")
        u, t = run(c, "d", "FETCH 3:5 BINARY.SIZE[1]")
        check([x[0] for x in u] == ["* 3 FETCH (BINARY.SIZE[1] 5)",
                                    "* 4 FETCH (UID 4)"], f"{u!r}")
        check(t == "d NO [UNKNOWN-CTE] Unknown Content-Transfer-Encoding",
              f"{t!r}")
        u, t = run(c, "e", "FETCH 5 BINARY.PEEK[1]")
        check(u == [("* 5 FETCH (UID 5)", [])] and
              t == "e NO [PARSE] Invalid data in MIME part", f"{u!r} {t!r}")
        # The leaves of message 4 that BODY can fetch are still there.
        u, t = run(c, "f", "FETCH 4 BODY.PEEK[1]")
        check(t.startswith("f OK") and u[0][1] == [b"begin\r\n"],
              f"{u!r} {t!r}")
        for tag, cmd in (("g", "FETCH 1 BINARY.PEEK[HEADER]"),
                         ("h", "FETCH 1 BINARY.PEEK[1.MIME]"),
                         ("i", "FETCH 1 BINARY[TEXT]"),
                         ("j", "FETCH 1 BINARY.SIZE[1]<0.2>"),
                         ("k", "FETCH 1 BINARY[1"),
                         ("l", "FETCH 1 BINARY.PEEK"),
                         ("m", "FETCH 1 BINARY.SIZE"),
                         ("n", "FETCH 1 BINARY[x]"),
                         ("o", "FETCH 1 BINARY[1]<1.2.3>")):
            c.cmd(tag, cmd, status="BAD")
        c.cmd("z", "LOGOUT")
    finally:
        srv.stop()


def test_binary_seen(world):
    """RFC 3501 6.4.5 (and 3516 4.2, BINARY.PEEK "does not implicitly
    set the \\Seen flag"): BINARY[] sets \\Seen and reports FLAGS;
    BINARY.PEEK and BINARY.SIZE do not; EXAMINE never does."""
    srv, c = setup(world, "Maildir-binseen")
    try:
        c.cmd("s", "EXAMINE INBOX")
        run(c, "a", "FETCH 2 BINARY[1]")
        u, t = run(c, "b", "FETCH 2 FLAGS")
        check("\\Seen" not in u[0][0], f"EXAMINE: {u!r}")
        c.cmd("s2", "SELECT INBOX")
        run(c, "c", "FETCH 1 (BINARY.PEEK[1] BINARY.SIZE[1])")
        u, t = run(c, "d", "FETCH 1 FLAGS")
        check("\\Seen" not in u[0][0], f"PEEK/SIZE: {u!r}")
        u, t = run(c, "e", "FETCH 2 BINARY[1]<0.3>")
        check(re.fullmatch(r"\* 2 FETCH \(FLAGS \(\\Seen( \\Recent)?\) "
                           r"BINARY\[1\]<0> \{3\}\)", u[0][0]) and
              u[0][1] == [b"caf"], f"{u!r}")
        c.cmd("z", "LOGOUT")
    finally:
        srv.stop()
