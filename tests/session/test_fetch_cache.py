"""skua.cache as FETCH and SEARCH use it (imap/msgcache.h): ENVELOPE,
BODYSTRUCTURE, BODY, INTERNALDATE and RFC822.SIZE, and the SEARCH keys
FROM, SUBJECT, SENTSINCE, SINCE and LARGER, answer the same whether the
cache is absent, fresh, damaged, or holds a record of a file that has
since been replaced; in a read-write SELECT, an EXAMINE, and a folder
that may not be written. A cache is an optimisation: no state of it may
change an answer."""
import os
import time

from harness import Server, check
from test_write import fresh_maildir, login, own

PLAIN = (b"From: Alice Example <alice@example.org>\r\n"
         b"To: bob@example.net\r\n"
         b"Subject: first plain\r\n"
         b"Date: Mon, 2 Jan 2023 10:00:00 +0100\r\n"
         b"Message-ID: <one@example.org>\r\n"
         b"\r\n"
         b"Hello there, a plain body.\r\n")
MULTI = (b"From: =?utf-8?q?Zo=C3=AB?= <zoe@example.se>\r\n"
         b"To: alice@example.org\r\n"
         b"Subject: =?utf-8?b?TcO2dGxleQ==?= report\r\n"
         b"Date: Tue, 3 Jan 2023 11:00:00 +0000\r\n"
         b"MIME-Version: 1.0\r\n"
         b"Content-Type: multipart/mixed; boundary=xx\r\n"
         b"\r\n"
         b"--xx\r\n"
         b"Content-Type: text/plain; charset=utf-8\r\n"
         b"Content-Transfer-Encoding: base64\r\n"
         b"\r\n"
         b"Q29uZmVyZW5jZSBpbiBaw7xyaWNo\r\n"
         b"--xx\r\n"
         b"Content-Type: message/rfc822\r\n"
         b"\r\n"
         b"From: inner@example.com\r\n"
         b"Subject: inner\r\n"
         b"\r\n"
         b"inner body\r\n"
         b"--xx--\r\n")
REPLACED = (b"From: Mallory <mallory@example.com>\r\n"
            b"Subject: replaced in place, longer than before\r\n"
            b"Date: Wed, 4 Jan 2023 12:00:00 +0000\r\n"
            b"\r\n"
            b"Another body altogether, and longer.\r\n")

FETCH = "FETCH 1:* (ENVELOPE BODYSTRUCTURE BODY INTERNALDATE RFC822.SIZE)"
SEARCHES = ['SEARCH FROM "alice example"', 'SEARCH FROM "zoe@"',
            'SEARCH SUBJECT "TLEY REPORT"', "SEARCH SENTSINCE 3-Jan-2023",
            "SEARCH SINCE 1-Jan-2023", 'SEARCH BODY "conference in z"',
            "SEARCH LARGER 200", "SEARCH HEADER Message-ID one@",
            'SEARCH OR SUBJECT inner TEXT "plain body"']


def place(md, name, data, mtime):
    path = os.path.join(md, "cur", name)
    with open(path, "wb") as f:
        f.write(data)
    os.utime(path, (mtime, mtime))
    own(path)
    return path


def make(world, name):
    md = fresh_maildir(world, name)
    # Message 1's name gives no size: a rewrite must be found by stat.
    p1 = place(md, "1700000000.M1P1.test:2,", PLAIN, 1672650000)
    place(md, "1700000001.M2P1.test,S=%d:2,S" % len(MULTI), MULTI,
          1672743600)
    return md, p1


def answers(c, tag):
    """The FETCH responses and every search's, as lists of lines."""
    u, _ = c.cmd(tag, FETCH)
    out = [u]
    for i, s in enumerate(SEARCHES):
        out.append(c.cmd(f"{tag}s{i}", s)[0])
    return out


def session(srv, cmd="SELECT"):
    c = login(srv)
    c.cmd("s", f"{cmd} INBOX")
    return c


def test_fetch_cache_states(world):
    md, p1 = make(world, "Maildir-fcache")
    cache = os.path.join(md, "skua.cache")
    srv = Server(world, maildir="~/Maildir-fcache")
    try:
        c = session(srv)
        cold = answers(c, "a")
        check(len(cold[0]) == 2, f"FETCH answers: {cold[0]!r}")
        check("first plain" in cold[0][0] and "BODYSTRUCTURE" in
              cold[0][1], f"FETCH answers: {cold[0]!r}")
        check(cold[1] == ["* SEARCH 1"] and cold[2] == ["* SEARCH 2"] and
              cold[3] == ["* SEARCH 2"] and cold[6] == ["* SEARCH 2"],
              f"searches: {cold[1:]!r}")
        check(os.path.exists(cache), "no skua.cache after FETCH")
        # Warm, in the same session and in a new one.
        check(answers(c, "b") == cold, "warm answers differ")
        c.cmd("z", "LOGOUT")
        c = session(srv)
        check(answers(c, "c") == cold, "answers in a new session differ")

        # A damaged cache: every byte after the file header flipped in
        # places, then cut short; then garbage; then none at all.
        with open(cache, "r+b") as f:
            data = bytearray(f.read())
            for i in range(40, len(data), 97):
                data[i] ^= 0x5a
            f.seek(0)
            f.write(data)
        check(answers(c, "d") == cold, "answers with a damaged cache")
        with open(cache, "r+b") as f:
            f.truncate(os.path.getsize(cache) // 2 + 3)
        check(answers(c, "e") == cold, "answers with a cut cache")
        with open(cache, "wb") as f:
            f.write(b"not a cache at all" * 50)
        check(answers(c, "f") == cold, "answers with a foreign file")
        os.unlink(cache)
        check(answers(c, "g") == cold, "answers without a cache")
        check(answers(c, "h") == cold, "answers with a rebuilt cache")

        # Message 1 rewritten in place under its name: nothing stale.
        with open(p1, "wb") as f:
            f.write(REPLACED)
        os.utime(p1, (1672833600, 1672833600))
        new = answers(c, "i")
        check("replaced in place" in new[0][0] and "Mallory" in new[0][0],
              f"stale ENVELOPE after a rewrite: {new[0][0]!r}")
        check('RFC822.SIZE %d' % len(REPLACED) in new[0][0],
              f"stale size: {new[0][0]!r}")
        check("04-Jan-2023" in new[0][0], f"stale date: {new[0][0]!r}")
        check(new[0][1] == cold[0][1], "message 2 changed")
        check(new[1] == ["* SEARCH"], f"stale FROM: {new[1]!r}")
        check(new[4] == ["* SEARCH 1 2"], f"stale SENTSINCE: {new[4]!r}")
        os.unlink(cache)
        check(answers(c, "j") == new, "after a rewrite: cached and "
              "uncached answers differ")
        c.cmd("z", "LOGOUT")
    finally:
        srv.stop()


def test_fetch_cache_examine_and_readonly(world):
    md, _ = make(world, "Maildir-fcache-ro")
    cache = os.path.join(md, "skua.cache")
    srv = Server(world, maildir="~/Maildir-fcache-ro")
    try:
        # EXAMINE answers the same, with the cache absent and present.
        c = session(srv, "EXAMINE")
        cold = answers(c, "a")
        check(answers(c, "b") == cold, "EXAMINE: warm answers differ")
        c.cmd("z", "LOGOUT")
        c = session(srv)
        check(answers(c, "c") == cold, "SELECT after EXAMINE differs")
        c.cmd("z", "LOGOUT")
        # A folder that may not be written: the cache is read, not
        # written, and nothing is refused; then without any cache.
        for mode in ("cached", "none"):
            if mode == "none":
                os.chmod(md, 0o700)
                os.unlink(cache)
            os.chmod(md, 0o500)
            try:
                c = session(srv, "EXAMINE")
                check(answers(c, mode) == cold,
                      f"read-only folder, cache {mode}: answers differ")
                c.cmd("z", "LOGOUT")
            finally:
                os.chmod(md, 0o700)
        check(not os.path.exists(cache) or
              os.path.getmtime(cache) <= time.time(), "cache")
    finally:
        srv.stop()
    check("cache:" not in srv.log_text(),
          "a read-only folder's cache was logged as an error")
