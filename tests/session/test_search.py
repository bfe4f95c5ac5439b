"""SEARCH and UID SEARCH (RFC 3501 6.4.4, 6.4.8, 7.2.5) over real
sockets: every search key, NOT, OR, parentheses, sequence and UID sets,
CHARSET, and the errors.

The Maildir holds a handful of messages made to tell the keys apart:
different senders, dates, sizes, flags, keywords and charsets (an
ISO-8859-1 quoted-printable body, a base64 UTF-8 body, RFC 2047 encoded
subjects and names, a multipart with an attachment that must not be
searched as text). Flags are set by file name before SELECT, as an MDA
or another server would have left them.

Where Dovecot (/usr/lib/dovecot/imap) is installed, the same searches are
run against a private Dovecot on a copy of the same Maildir, and the
"* SEARCH" answers must agree. The expected answers are also written out
here, so the test means something without Dovecot."""
import calendar
import os
import shutil
import subprocess
import tempfile
import time

from harness import Client, IS_ROOT, Server, USERS, check

DOVECOT_IMAP = "/usr/lib/dovecot/imap"
NOBODY = 65534

# (file name, mtime as UTC "YYYY-MM-DD HH:MM", bytes). Files in cur/
# carry their flags; the one in new/ is \Recent. UIDs follow the
# file-name order, so message n has UID n (and sequence number n).
MESSAGES = [
    ("cur/1700000001.M1P1.mda:2,S", "2024-01-01 12:00",
     b"From: Alice Example <alice@example.org>\n"
     b"To: bob@example.com\n"
     b"Cc: Carol <carol@example.net>\n"
     b"Subject: Meeting tomorrow\n"
     b"Date: Mon, 1 Jan 2024 10:00:00 +0000\n"
     b"X-Custom: hello world\n"
     b"\n"
     b"Let us meet at noon in the usual room.\n"),
    ("cur/1700000002.M2P1.mda:2,FR", "2022-02-16 03:00",
     b"From: =?ISO-8859-1?Q?Fran=E7ois?= <francois@example.fr>\n"
     b"To: Alice Example <alice@example.org>\n"
     b"Subject: =?ISO-8859-1?Q?Caf=E9_cr=E8me?=\n"
     b"Date: Tue, 15 Feb 2022 23:30:00 -0500\n"
     b"MIME-Version: 1.0\n"
     b"Content-Type: text/plain; charset=ISO-8859-1\n"
     b"Content-Transfer-Encoding: quoted-printable\n"
     b"\n"
     b"Gr=FC=DFe aus M=FCnchen, und ein soft=\n"
     b"break hier.\n"),
    ("cur/1700000003.M3P1.mda:2,DT", "2023-06-30 23:59",
     b"From: =?UTF-8?B?RMO2cnRl?= <doerte@example.de>\n"
     b"To: bob@example.com,\n"
     b" Dave <dave@example.com>\n"
     b"Bcc: secret@example.org\n"
     b"Subject: =?UTF-8?B?R3LDvMOfIEdvdHQ=?=\n"
     b"Date: Fri, 30 Jun 2023 23:59:00 +0200\n"
     b"MIME-Version: 1.0\n"
     b"Content-Type: text/plain; charset=UTF-8\n"
     b"Content-Transfer-Encoding: base64\n"
     b"\n"
     b"w5xuw69jw7Zkw6kgdGV4dCDigJQgc25vd21hbiDimIMK\n"
     + b"UGFkZGluZyBsaW5lIGZvciBzaXplLgo=\n" * 40),
    ("cur/1700000004.M4P1.mda:2,a", "2021-12-31 00:30",
     b"From: robot@example.org\n"
     b"To: alice@example.org\n"
     b"Subject: Report attached\n"
     b"MIME-Version: 1.0\n"
     b"Content-Type: multipart/mixed; boundary=XYZ\n"
     b"\n"
     b"--XYZ\n"
     b"Content-Type: text/plain\n"
     b"\n"
     b"The weekly report is attached.\n"
     b"--XYZ\n"
     b"Content-Type: application/octet-stream; name=report.bin\n"
     b"Content-Transfer-Encoding: base64\n"
     b"X-Part-Note: inner header\n"
     b"\n"
     b"aGlkZGVubmVlZGxlIGluc2lkZQo=\n"
     b"--XYZ--\n"),
    ("new/1700000005.M5P1.mda", "2024-03-10 08:00",
     b"From: Bob <bob@example.com>\n"
     b"To: alice@example.org\n"
     b"Subject: Hello again\n"
     b"Date: Sun, 10 Mar 2024 09:00:00 +0100\n"
     b"\n"
     b"Short.\n"),
]
KEYWORDS = b"0 $Label1\n1 Junk\n"

# (search keys, expected sequence numbers). Sizes on the wire (LF as
# CRLF): 1: 223, 2: 342, 3: 1702, 4: 374, 5: 123.
SEARCHES = [
    ("ALL", [1, 2, 3, 4, 5]),
    ("ANSWERED", [2]),
    ("UNANSWERED", [1, 3, 4, 5]),
    ("DELETED", [3]),
    ("UNDELETED", [1, 2, 4, 5]),
    ("DRAFT", [3]),
    ("UNDRAFT", [1, 2, 4, 5]),
    ("FLAGGED", [2]),
    ("UNFLAGGED", [1, 3, 4, 5]),
    ("SEEN", [1]),
    ("UNSEEN", [2, 3, 4, 5]),
    ("RECENT", [1, 2, 3, 4, 5]),
    ("NEW", [2, 3, 4, 5]),
    ("OLD", []),
    ("KEYWORD $Label1", [4]),
    ("KEYWORD Junk", []),
    ("KEYWORD NoSuchKeyword", []),
    ("UNKEYWORD $label1", [1, 2, 3, 5]),
    ("UNKEYWORD NoSuchKeyword", [1, 2, 3, 4, 5]),
    ("LARGER 400", [3]),
    ("SMALLER 300", [1, 5]),
    ("LARGER 1702", []),
    ("SMALLER 1703 LARGER 1701", [3]),
    ("BEFORE 1-Jan-2024", [2, 3, 4]),
    ("ON 1-Jan-2024", [1]),
    ("ON 16-Feb-2022", [2]),
    ("SINCE 30-Jun-2023", [1, 3, 5]),
    ("SINCE 1-Jul-2023", [1, 5]),
    ("SENTBEFORE 16-Feb-2022", [2, 4]),
    ("SENTON 15-Feb-2022", [2]),
    ("SENTON 30-Jun-2023", [3]),
    ("SENTSINCE 1-Jan-2024", [1, 5]),
    ("SENTSINCE \"10-Mar-2024\"", [5]),
    ("FROM alice", [1]),
    ("FROM \"Alice Example\"", [1]),
    ("FROM fran\u00e7ois", [2]),
    ("FROM FRAN\u00c7OIS", [2]),
    ("FROM d\u00f6rte", [3]),
    ("FROM example.org", [1, 4]),
    ("TO bob", [1, 3]),
    ("TO dave", [3]),
    ("TO alice@example.org", [2, 4, 5]),
    ("CC carol", [1]),
    ("CC nobody", []),
    ("BCC secret", [3]),
    ("SUBJECT meeting", [1]),
    ("SUBJECT caf\u00e9", [2]),
    ("SUBJECT CR\u00c8ME", [2]),
    ("SUBJECT gr\u00fc\u00df", [3]),
    ("SUBJECT \"\"", [1, 2, 3, 4, 5]),
    ("HEADER X-Custom hello", [1]),
    ("HEADER x-custom \"\"", [1]),
    ("HEADER Date \"\"", [1, 2, 3, 5]),
    ("HEADER Subject again", [5]),
    ("HEADER X-Part-Note inner", []),
    ("BODY noon", [1]),
    ("BODY M\u00fcnchen", [2]),
    ("BODY gr\u00fc\u00dfe", [2]),
    ("BODY softbreak", [2]),
    ("BODY snowman", [3]),
    ("BODY \u00fcn\u00efc\u00f6d\u00e9", [3]),
    ("BODY \u2603", [3]),
    ("BODY weekly", [4]),
    ("BODY hiddenneedle", []),
    ("BODY meeting", []),
    ("TEXT meeting", [1]),
    ("TEXT noon", [1]),
    ("TEXT x-custom", [1]),
    ("TEXT \"inner header\"", [4]),
    ("TEXT hiddenneedle", []),
    ("1", [1]),
    ("2:4", [2, 3, 4]),
    ("4:2", [2, 3, 4]),
    ("*", [5]),
    ("3:*", [3, 4, 5]),
    ("1,3,5", [1, 3, 5]),
    ("UID 2:3", [2, 3]),
    ("UID *", [5]),
    ("UID 9:*", [5]),
    ("UID 6:9", []),
    ("NOT SEEN", [2, 3, 4, 5]),
    ("NOT NOT SEEN", [1]),
    ("OR SEEN FLAGGED", [1, 2]),
    ("OR DELETED OR SEEN KEYWORD $Label1", [1, 3, 4]),
    ("(SEEN)", [1]),
    ("(OR SEEN ANSWERED) (OR FROM alice TO alice)", [1, 2]),
    ("NOT (UNSEEN SMALLER 400)", [1, 3]),
    ("UNSEEN SUBJECT \"\" NOT BODY short", [2, 3, 4]),
    ("OR (BODY noon) (BODY short) UID 1:4", [1]),
    ("all uid 1:* not from BOB", [1, 2, 3, 4]),
]


RECENT_KEYS = {"RECENT", "NEW", "OLD"}


def uid_of(user):
    return USERS[user][0] if IS_ROOT else os.getuid()


def make_maildir(path, owner):
    """Writes MESSAGES into a fresh Maildir at path, owned by owner."""
    if os.path.lexists(path):
        shutil.rmtree(path)
    for sub in ("cur", "new", "tmp"):
        os.makedirs(os.path.join(path, sub))
    with open(os.path.join(path, "dovecot-keywords"), "wb") as f:
        f.write(KEYWORDS)
    for name, when, data in MESSAGES:
        p = os.path.join(path, name)
        with open(p, "wb") as f:
            f.write(data)
        t = calendar.timegm(time.strptime(when, "%Y-%m-%d %H:%M"))
        os.utime(p, (t, t))
    for root, dirs, files in os.walk(path):
        os.chmod(root, 0o700)
        for n in [root] + [os.path.join(root, f) for f in files]:
            if IS_ROOT:
                os.lchown(n, owner, owner)


def wire_sizes():
    return [len(d) + d.count(b"\n") for _, _, d in MESSAGES]


def numbers(line):
    check(line == "* SEARCH" or line.startswith("* SEARCH "),
          f"got {line!r}, want * SEARCH ...")
    return [int(x) for x in line.split()[2:]]


def search(c, tag, keys, uid=False, status="OK"):
    """Runs one search and returns its numbers (None if it failed)."""
    untagged, tagged = c.cmd(tag, ("UID SEARCH " if uid else "SEARCH ")
                             + keys, status)
    if status != "OK":
        return None
    lines = [l for l in untagged if l.startswith("* SEARCH")]
    check(len(lines) == 1, f"{keys!r}: got {untagged!r}, want one * SEARCH")
    check(tagged == f"{tag} OK Search completed.",
          f"{keys!r}: got {tagged!r}")
    return numbers(lines[0])


def send_search(c, tag, keys, uid=False):
    """Sends a search whose strings may hold UTF-8, as a literal."""
    cmd = ("UID SEARCH" if uid else "SEARCH")
    raw = keys.encode()
    if raw == keys.encode("ascii", "ignore"):
        return search(c, tag, keys, uid)
    # CHARSET UTF-8 with each non-ASCII word sent as a literal.
    parts = []
    for w in keys.split(" "):
        b = w.encode()
        if b.isascii():
            parts.append(b)
        else:
            parts.append(b"{%d+}\r\n" % len(b) + b)
    c.send(f"{tag} {cmd} CHARSET UTF-8 ".encode() + b" ".join(parts) +
           b"\r\n")
    untagged = []
    while True:
        line = c.line()
        if line.startswith(tag + " "):
            check(line == f"{tag} OK Search completed.",
                  f"{keys!r}: got {line!r}")
            break
        untagged.append(line)
    lines = [l for l in untagged if l.startswith("* SEARCH")]
    check(len(lines) == 1, f"{keys!r}: got {untagged!r}")
    return numbers(lines[0])


def session(world, maildir):
    srv = Server(world, maildir="~/" + maildir)
    c = Client(srv.port)
    c.expect(r"\* OK .*")
    c.cmd("a", "LOGIN alice " + USERS["alice"][1])
    c.cmd("b", "SELECT INBOX")
    return srv, c


def dovecot_answers(path, searches):
    """The * SEARCH answers of a private Dovecot on a copy of the Maildir
    at path, for each search; None without Dovecot."""
    if not os.path.exists(DOVECOT_IMAP):
        return None
    import sys
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "mail"))
    from diff_dovecot import dovecot_config
    tmp = tempfile.mkdtemp(prefix="skua-search-dovecot-")
    try:
        maildir = os.path.join(tmp, "Maildir")
        shutil.copytree(path, maildir)
        with open(os.path.join(tmp, "dovecot.conf"), "w") as f:
            f.write(dovecot_config(tmp, maildir))
        if IS_ROOT:
            for root, dirs, files in os.walk(tmp):
                for n in dirs + files:
                    os.lchown(os.path.join(root, n), NOBODY, NOBODY)
            os.lchown(tmp, NOBODY, NOBODY)
        env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "HOME": tmp,
               "USER": "nobody" if IS_ROOT else
               (os.environ.get("USER") or "skuatest")}
        # One session per search: Dovecot answers pipelined commands
        # out of order, and a failed one has no * SEARCH to pair.
        return [dovecot_one(tmp, env, keys) for keys in searches]
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def dovecot_one(tmp, env, keys):
    script = (b"s SELECT INBOX\r\nt SEARCH CHARSET UTF-8 %s\r\n"
              b"z LOGOUT\r\n" % literalize(keys))
    p = subprocess.run([DOVECOT_IMAP, "-c", os.path.join(tmp, "dovecot.conf")],
                       input=script, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, env=env, cwd=tmp, timeout=60)
    out = p.stdout.decode("utf-8", "replace").split("\r\n")
    check(out and out[0].startswith("* PREAUTH"),
          f"dovecot failed: {p.stderr[-500:]!r}")
    found = None
    for line in out:
        if line.startswith("* SEARCH"):
            found = numbers(line)
        elif line.startswith("t "):
            return found if line.startswith("t OK") else line
    return None


def literalize(keys):
    parts = []
    for w in keys.split(" "):
        b = w.encode()
        parts.append(b if b.isascii() else b"{%d+}\r\n" % len(b) + b)
    return b" ".join(parts)


def test_search_keys(world):
    """Every key of RFC 3501 6.4.4 against messages made to tell them
    apart; the same answers as Dovecot's on a copy of the Maildir."""
    path = world.path("home", "alice", "Maildir-search")
    make_maildir(path, uid_of("alice"))
    check(wire_sizes() == [223, 342, 1702, 374, 123],
          f"message sizes {wire_sizes()} changed: fix SEARCHES")
    dovecot = dovecot_answers(path, [k for k, _ in SEARCHES])
    srv, c = session(world, "Maildir-search")
    try:
        for i, (keys, want) in enumerate(SEARCHES):
            got = send_search(c, f"s{i}", keys)
            check(got == want, f"SEARCH {keys}: got {got}, want {want}")
            # \Recent belongs to the first session that sees a message
            # (RFC 3501 2.3.2): each Dovecot run is a new session.
            if dovecot is not None and not RECENT_KEYS & set(keys.split()):
                check(dovecot[i] == want, f"SEARCH {keys}: Dovecot says "
                      f"{dovecot[i]}, the test wants {want}")
        c.cmd("z", "LOGOUT")
    finally:
        c.close()
        srv.stop()


def test_search_uid(world):
    """UID SEARCH answers UIDs (RFC 3501 6.4.8), also for sequence-set
    keys, which still name sequence numbers."""
    path = world.path("home", "alice", "Maildir-search-uid")
    make_maildir(path, uid_of("alice"))
    # Message 1 gone and its UID with it: UIDs 2..5 are seqs 1..4.
    with open(os.path.join(path, "dovecot-uidlist"), "w") as f:
        f.write("3 V1700000000 N6\n")
        for n, (name, _, _) in enumerate(MESSAGES[1:], 2):
            f.write("%d :%s\n" % (n, os.path.basename(name).split(":")[0]))
    if IS_ROOT:
        os.chown(os.path.join(path, "dovecot-uidlist"), uid_of("alice"),
                 uid_of("alice"))
    os.unlink(os.path.join(path, MESSAGES[0][0]))
    srv, c = session(world, "Maildir-search-uid")
    try:
        check(search(c, "d", "ALL") == [1, 2, 3, 4], "SEARCH ALL")
        check(search(c, "e", "ALL", uid=True) == [2, 3, 4, 5],
              "UID SEARCH ALL")
        check(search(c, "f", "1:2", uid=True) == [2, 3],
              "UID SEARCH 1:2 names sequence numbers")
        check(search(c, "g", "UID 1:2", uid=True) == [2], "UID SEARCH UID")
        check(search(c, "h", "UID 1") == [], "UID 1 is gone")
        check(search(c, "i", "UID *") == [4], "SEARCH UID *")
        check(search(c, "j", "SEEN", uid=True) == [], "UID SEARCH SEEN")
        check(search(c, "k", "FLAGGED", uid=True) == [2], "UID SEARCH FLAGGED")
        check(search(c, "l", "uid 3:* deleted", uid=True) == [3],
              "lower-case keys")
        c.cmd("z", "LOGOUT")
    finally:
        c.close()
        srv.stop()


def test_search_charset_and_errors(world):
    """CHARSET: US-ASCII, UTF-8 and whatever iconv converts taken, others
    NO [BADCHARSET] (RFC 3501 6.4.4, 7.1); a bad key is BAD and the session
    goes on."""
    path = world.path("home", "alice", "Maildir-search-err")
    make_maildir(path, uid_of("alice"))
    srv, c = session(world, "Maildir-search-err")
    try:
        check(search(c, "c1", "CHARSET US-ASCII SEEN") == [1], "US-ASCII")
        check(search(c, "c2", "charset utf-8 SEEN") == [1], "utf-8")
        check(search(c, "c3", "CHARSET \"UTF-8\" FROM alice") == [1],
              "quoted charset")
        # a literal with UTF-8 in it, synchronizing
        c.send("c4 SEARCH CHARSET UTF-8 SUBJECT {5}\r\n")
        c.expect(r"\+ .*")
        c.send("caf\u00e9".encode() + b"\r\n")
        c.expect(r"\* SEARCH 2")
        c.expect(r"c4 OK Search completed\.")
        # other charsets iconv knows are converted (RFC 3501 6.4.4: they
        # MAY be supported), as Dovecot converts them
        c.send("c6 SEARCH CHARSET ISO-8859-1 SUBJECT {4}\r\n")
        c.expect(r"\+ .*")
        c.send(b"caf\xe9\r\n")
        c.expect(r"\* SEARCH 2")
        c.expect(r"c6 OK Search completed\.")
        _, line = c.cmd("c5", "SEARCH CHARSET X-NO-SUCH-CHARSET SUBJECT x",
                        "NO")
        check(line.startswith("c5 NO [BADCHARSET (US-ASCII UTF-8)] "),
              f"got {line!r}")
        bad = [
            "",
            "FOO",
            "SEEN BAR",
            "CHARSET",
            "FROM",
            "HEADER Subject",
            "KEYWORD",
            "SINCE yesterday",
            "LARGER ten",
            "SMALLER -1",
            "UID",
            "UID 1:x",
            "0",
            "1:0",
            "NOT",
            "OR SEEN",
            "()",
            "(SEEN",
            "\"SEEN\"",
            "(" * 70 + "SEEN" + ")" * 70,
            " ".join(["SEEN"] * 1100),
            "NOT " * 300 + "SEEN",
        ]
        for i, keys in enumerate(bad):
            _, line = c.cmd(f"b{i}", ("SEARCH " + keys).rstrip(), "BAD")
        # Dovecot's sentences, which name the key
        for tag, keys, text in [
                ("u1", "FOO", "Unknown argument FOO"),
                ("u2", "", "Missing search parameters"),
                ("u3", "FROM", "Missing parameter for search key "
                 "(for search key: FROM)"),
                ("u4", "\"SEEN\"", "Unexpected string as search key: SEEN"),
                ("u5", "()", "No search parameters inside list"),
                ("u6", "CHARSET", "Invalid charset argument")]:
            _, line = c.cmd(tag, ("SEARCH " + keys).rstrip(), "BAD")
            want = f"{tag} BAD Error in IMAP command SEARCH: {text}"
            check(line == want, f"got {line!r}, want {want!r}")
        # KEYWORD of a system flag is no keyword: nothing matches
        check(search(c, "k1", "KEYWORD \\Seen") == [], "KEYWORD \\Seen")
        check(search(c, "k2", "UNKEYWORD \\Seen") == [1, 2, 3, 4, 5],
              "UNKEYWORD \\Seen")
        # numbers past EXISTS name no message (Dovecot: OK, empty)
        check(search(c, "n1", "10") == [], "SEARCH 10")
        check(search(c, "n2", "3:10") == [3, 4, 5], "SEARCH 3:10")
        check(search(c, "ok", "SEEN") == [1], "session goes on after BAD")
        # a client's long OR chain nests one level per OR
        keys = "OR " * 199 + " ".join(["FROM x%d" % i for i in range(199)])
        check(search(c, "or", keys + " FROM alice") == [1], "OR chain")
        # The work of one SEARCH is bounded: keys and nesting.
        _, line = c.cmd("l1", "SEARCH " + " ".join(["ALL"] * 1001), "BAD")
        check("Too many search keys" in line, f"1001 keys: {line!r}")
        deep = "OR " * 300 + " ".join(["SEEN"] * 301)
        _, line = c.cmd("l2", "SEARCH " + deep, "BAD")
        check("nested too deeply" in line, f"OR 300 deep: {line!r}")
        check(search(c, "ok2", "SEEN") == [1], "session goes on after limits")
        c.cmd("z", "LOGOUT")
    finally:
        c.close()
        srv.stop()


def test_search_not_selected(world):
    """SEARCH belongs to the selected state (RFC 3501 6.4)."""
    srv = Server(world)
    c = Client(srv.port)
    try:
        c.expect(r"\* OK .*")
        c.cmd("a", "LOGIN alice " + USERS["alice"][1])
        c.cmd("b", "SEARCH ALL", "BAD")
        c.cmd("c", "UID SEARCH ALL", "BAD")
        c.cmd("z", "LOGOUT")
    finally:
        c.close()
        srv.stop()
