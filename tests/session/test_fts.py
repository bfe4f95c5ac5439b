"""The full-text index (fts = yes, src/imap/fts.c): SEARCH BODY and TEXT
must answer exactly as the scan does. The Maildir is test_search_body's
(charsets, QP and base64 cut mid-word, parts, an attachment that is not
text, U+0130), whose answers that test checks against Dovecot, plus
messages for TEXT: encoded words in headers, a forwarded message, a
UTF-16 part, a word only in a header. Every search runs on a server with
the index and on one without, on the same Maildir, and must agree (and
match the known answer where there is one).

Then the index itself: it is used (the log says how many candidates came
from it), made with mode 0600, updated after an APPEND and after a
delivery straight into new/, made anew after its file is deleted or
overwritten with garbage, and not fooled when UIDVALIDITY changes and the
same UIDs name other messages."""
import base64
import os
import re
import stat

from harness import IS_ROOT, Client, Server, USERS, check, own
from test_search import numbers, send_search, uid_of
from test_search_body import SEARCHES, SKUA_ONLY, make_maildir, plain


def b64(data):
    return base64.encodebytes(data)


EXTRA = [
    ("1700000116.M16P1.mda:2,S",
     b"From: =?UTF-8?Q?J=C3=BCrgen?= <j@example.org>\n"
     b"Subject: =?UTF-8?B?" + base64.b64encode("Grüße aus Köln".encode())
     + b"?=\nMIME-Version: 1.0\n"
     b"Content-Type: multipart/alternative; boundary=\"A\"\n\n"
     b"--A\nContent-Type: text/plain; charset=iso-8859-15\n"
     b"Content-Transfer-Encoding: quoted-printable\n\n"
     b"Pr=E4sentation =A4 im Dom\n"
     b"--A\nContent-Type: text/html; charset=utf-8\n"
     b"Content-Transfer-Encoding: base64\n\n"
     + b64("<b>Präsentation € im Dom</b>\n".encode()) + b"--A--\n"),
    ("1700000117.M17P1.mda:2,S",
     b"From: b@example.org\nSubject: fwd\nMIME-Version: 1.0\n"
     b"Content-Type: multipart/mixed; boundary=\"F\"\n\n"
     b"--F\nContent-Type: text/plain\n\nsee below\n"
     b"--F\nContent-Type: message/rfc822\n\n"
     b"From: inner@example.org\nX-Inner: innerheadervalue\n"
     b"Subject: inner\n\ninnerbodyword here\n--F--\n"),
    ("1700000118.M18P1.mda:2,S",
     plain(b"UTF-16LE", b"base64",
           b64("wide needle text, \u00dcBERALL\n".encode("utf-16-le")))),
    ("1700000119.M19P1.mda:2,S",
     b"From: c@example.org\nX-Tag: headeronlyword\nSubject: tagged\n\n"
     b"plain body\n"),
]

MORE = [
    "TEXT headeronlyword", "BODY headeronlyword",
    "TEXT innerheadervalue", "BODY innerheadervalue",
    "BODY innerbodyword", "TEXT innerbodyword",
    "TEXT gr\u00fc\u00dfe", "TEXT J\u00dcRGEN", "BODY pr\u00e4sentation",
    "BODY \u20ac", "TEXT k\u00f6ln", "BODY \"wide needle\"",
    "BODY \u00fcberall", "TEXT \"subject: s\"", "TEXT \"x-tag: head\"",
    "OR BODY conference TEXT headeronlyword", "NOT TEXT needle",
    "BODY conference NOT BODY keynote", "NOT OR BODY keynote BODY caf",
    "BODY ab", "TEXT tr", "BODY \"\"", "TEXT e",
    "UID 3:9 BODY conference", "SEEN BODY stanbul TEXT trip",
    "OR TEXT \"from: a@\" BODY \u00fcber", "TEXT \"\\\"x\\\"\"",
    "BODY \"class=\\\"x\\\"\"",
]
FRESH = "zanzibarquokka"


def searches():
    """(keys, known answer or None) for every search of the test."""
    return SEARCHES + SKUA_ONLY + [(k, None) for k in MORE]


def login_select(srv):
    c = Client(srv.port)
    c.expect(r"\* OK .*")
    c.cmd("a", "LOGIN alice " + USERS["alice"][1])
    c.cmd("b", "SELECT INBOX")
    return c


def latin1_search(c, tag, word):
    """SEARCH CHARSET ISO-8859-1 BODY word, the word as a literal."""
    raw = word.encode("iso-8859-1")
    c.send(f"{tag} SEARCH CHARSET ISO-8859-1 BODY ".encode() +
           b"{%d+}\r\n" % len(raw) + raw + b"\r\n")
    found = None
    while True:
        line = c.line()
        if line.startswith(tag + " "):
            check(line.startswith(tag + " OK"), f"got {line!r}")
            return found
        if line.startswith("* SEARCH"):
            found = numbers(line)


def compare_all(on, off, rep, known=True):
    """Every search on both servers; they must agree, and with the
    known answer. Returns the answers."""
    got = []
    for i, (keys, want) in enumerate(searches()):
        a = send_search(on, f"f{rep}x{i}", keys)
        b = send_search(off, f"g{rep}x{i}", keys)
        check(a == b, f"SEARCH {keys}: with the index {a}, scanning {b}")
        # The known answers are about test_search_body's messages.
        check(not known or want is None or [n for n in a if n <= 15] == want,
              f"SEARCH {keys}: got {a}, want {want}")
        got.append(a)
    for w in ("r\u00e9sum\u00e9", "m\u00fcnchen", "caf\u00e9"):
        a = latin1_search(on, f"l{rep}", w)
        b = latin1_search(off, f"m{rep}", w)
        check(a == b, f"CHARSET ISO-8859-1 BODY {w}: {a} against {b}")
    return got


def fts_lines(srv):
    return re.findall(r"fts: user=alice mailbox=INBOX: (.*)",
                      srv.log_text())


def last_added(srv):
    """The messages added by the last search that used the index."""
    lines = [l for l in fts_lines(srv) if "keys from the index" in l]
    check(lines, "the index was never used; log:\n" + srv.log_text())
    return int(re.search(r"(\d+) messages added", lines[-1]).group(1))


def wait_fts(srv, count):
    srv.wait_log(r"fts: user=alice mailbox=INBOX: ", count=count)


def write_maildir(path):
    make_maildir(path, uid_of("alice"))
    for name, data in EXTRA:
        p = os.path.join(path, "cur", name)
        with open(p, "wb") as f:
            f.write(data)
        own(p)


def renumber(path):
    """A new UIDVALIDITY whose UIDs name the messages in reverse order,
    the mailbox GUID kept (RENAME keeps it; a careless restore too)."""
    p = os.path.join(path, "dovecot-uidlist")
    lines = open(p).read().splitlines()
    head = lines[0].split()
    head = [("V%d" % (int(w[1:]) + 1)) if w.startswith("V") else w
            for w in head]
    rows = [l.split(" ", 1) for l in lines[1:] if l.strip()]
    names = [r[1] for r in rows][::-1]
    with open(p + ".new", "w") as f:
        f.write(" ".join(head) + "\n")
        for (uid, _), name in zip(rows, names):
            f.write(f"{uid} {name}\n")
    os.rename(p + ".new", p)
    own(p)


def deliver(path, name, data):
    p = os.path.join(path, "tmp", name)
    with open(p, "wb") as f:
        f.write(data)
    own(p)
    os.rename(p, os.path.join(path, "new", name))


def test_fts_same_answers(world):
    """The index on and off give the same answers; it is kept up to
    date and made anew as it must be."""
    path = world.path("home", "alice", "Maildir-fts")
    write_maildir(path)
    db = os.path.join(path, "skua.fts.sqlite")
    on = Server(world, maildir="~/Maildir-fts", fts="yes")
    off = Server(world, maildir="~/Maildir-fts", fts="no",
                 pidfile=world.path("imapd-nofts.pid"))
    try:
        c, d = login_select(on), login_select(off)
        first = compare_all(c, d, 0)
        wait_fts(on, 1)
        if "built without libsqlite3" in on.log_text():
            return          # nothing more to see: the scan answered
        check(last_added(on) == 0, "a second search added messages")
        check(any("messages added" in l and " 0 messages added" not in l
                  for l in fts_lines(on)),
              "the first search added nothing")
        check(not any("index not used" in l for l in fts_lines(on)),
              "the index failed: " + "\n".join(fts_lines(on)))
        check(os.path.exists(db), "no skua.fts.sqlite")
        check(stat.S_IMODE(os.stat(db).st_mode) == 0o600,
              f"mode {oct(os.stat(db).st_mode)}, want 0600")
        if IS_ROOT:
            check(os.stat(db).st_uid == uid_of("alice"), "not alice's")
        # Candidates come from the index: BODY conference has 4.
        n = len(fts_lines(on))
        send_search(c, "q1", "BODY conference")
        wait_fts(on, n + 1)
        check(fts_lines(on)[-1].startswith("1 keys from the index, 4 "
                                           "candidates"),
              "BODY conference: " + fts_lines(on)[-1])

        # APPEND: found at once.
        msg = plain(b"utf-8", b"8bit", f"{FRESH} appended\n".encode())
        msg = msg.replace(b"\n", b"\r\n")
        c.send(b"p APPEND INBOX {%d+}\r\n" % len(msg) + msg + b"\r\n")
        while not (line := c.line()).startswith("p "):
            pass
        check(line.startswith("p OK"), f"APPEND: {line!r}")
        d.cmd("n", "NOOP")
        n = len(fts_lines(on))
        check(send_search(c, "q2", "BODY " + FRESH) == [20], "APPEND")
        check(send_search(d, "r2", "BODY " + FRESH) == [20], "APPEND off")
        wait_fts(on, n + 1)
        check(last_added(on) == 1, "APPEND: " + fts_lines(on)[-1])

        # Straight into new/, as an MDA delivers.
        deliver(path, "1700000200.M20P1.mda",
                b"Subject: mda\n\nthe mda brought " + FRESH.encode() + b"\n")
        c.cmd("n", "NOOP")
        d.cmd("n", "NOOP")
        n = len(fts_lines(on))
        check(send_search(c, "q3", "TEXT " + FRESH) == [20, 21], "MDA")
        wait_fts(on, n + 1)
        check(last_added(on) == 1, "MDA: " + fts_lines(on)[-1])

        # Expunged: dropped, and the answers still agree.
        c.cmd("s", "STORE 20 +FLAGS (\\Deleted)")
        c.cmd("e", "EXPUNGE")
        d.cmd("n", "NOOP")
        check(send_search(c, "q4", "TEXT " + FRESH) == [20], "EXPUNGE")
        first = compare_all(c, d, 1)

        # Deleted, then garbage: made anew, same answers.
        for junk in (None, b"this is not an SQLite database" * 100):
            for sfx in ("", "-wal", "-shm"):
                if os.path.exists(db + sfx):
                    os.unlink(db + sfx)
            if junk is not None:
                with open(db, "wb") as f:
                    f.write(junk)
                own(db)
            n = len(fts_lines(on))
            check(compare_all(c, d, 2) == first, "answers changed")
            wait_fts(on, n + 1)
            check(not any("index not used" in l for l in fts_lines(on)),
                  "\n".join(fts_lines(on)))
            check(any(" 0 scanned" in l and " 0 messages added"
                      not in l for l in fts_lines(on)[n:]),
                  "not made anew: " + "\n".join(fts_lines(on)[n:]))
        c.cmd("z", "LOGOUT")
        d.cmd("z", "LOGOUT")
        c.close()
        d.close()

        # UIDVALIDITY changes and the UIDs name other messages.
        renumber(path)
        c, d = login_select(on), login_select(off)
        n = len(fts_lines(on))
        compare_all(c, d, 3, known=False)
        wait_fts(on, n + 1)
        check(any(" 0 messages added" not in l
                  for l in fts_lines(on)[n:]), "UIDVALIDITY: not redone")
        c.cmd("z", "LOGOUT")
        d.cmd("z", "LOGOUT")
        c.close()
        d.close()
    finally:
        on.stop()
        off.stop()
