"""SORT and UID SORT (RFC 5256 3, SORT=DISPLAY of RFC 5957), THREAD and
UID THREAD (ORDEREDSUBJECT and REFERENCES) over real sockets.

The Maildir holds messages made to tell the keys apart: names and
mailboxes that sort differently, dates in several zones (one without a
Date, so INTERNALDATE stands in), subjects with Re:, Fwd:, [list] blobs,
(fwd) and encoded-words, quoted Message-IDs, a missing parent, a loop
in References and threads joined by subject alone.

Where Dovecot is installed, every command also runs against a private
Dovecot on a copy of the Maildir and the answers must agree; the
expected answers are written out here as well."""
import calendar
import os
import shutil
import time

from harness import Client, IS_ROOT, Server, USERS, check
import test_search

# (file, mtime UTC, header lines). UIDs and sequence numbers follow the
# file names: message n is UID n.
MESSAGES = [
    ("cur/1700000001.M1P1.mda:2,S", "2024-01-05 00:00",
     b"From: Zed <zed@b.example>\n"
     b"To: alice@x.example\n"
     b"Cc: carol@x.example\n"
     b"Subject: Re: Project plan\n"
     b"Date: Mon, 1 Jan 2024 10:00:00 +0000\n"
     b"Message-ID: <m2@x>\n"
     b"References: <m1@x>\n"),
    ("cur/1700000002.M2P1.mda:2,", "2024-01-01 00:00",
     b"From: Bob <bob@x.example>\n"
     b"To: Yvonne <aaron@x.example>\n"
     b"Cc: =?UTF-8?Q?=C3=A9ve?= <eve@x.example>\n"
     b"Subject: Project plan\n"
     b"Date: Sun, 31 Dec 2023 16:01:33 -0800\n"
     b"Message-ID: <m1@x>\n"),
    ("cur/1700000003.M3P1.mda:2,", "2023-06-01 00:00",
     b"From: =?UTF-8?Q?=C3=89mile?= <emile@x.example>\n"
     b"To: zoe@x.example\n"
     b"Subject: [list] Fwd: Lunch\n"
     b"Message-ID: <\"m3\"@x>\n"),
    ("cur/1700000004.M4P1.mda:2,", "2024-02-01 00:00",
     b"From: adam@x.example\n"
     b"Subject: =?UTF-8?Q?Re=3A_lunch?=\n"
     b"Date: Tue, 2 Jan 2024 08:00:00 +0100\n"
     b"Message-ID: <m4@x>\n"
     b"In-Reply-To: <m3@x> (the lunch mail)\n"),
    ("cur/1700000005.M5P1.mda:2,", "2024-02-02 00:00",
     b"From: \"carl\" <Carl@x.example>\n"
     b"To: Bea <bea@x.example>\n"
     b"Subject: Dinner (fwd)\n"
     b"Date: Wed, 3 Jan 2024 12:00:00 +0000\n"
     b"Message-ID: <m5@x>\n"
     b"References: <gone@x>\n"),
    ("cur/1700000006.M6P1.mda:2,", "2024-02-03 00:00",
     b"From: dora@x.example\n"
     b"To: \"\" <amy@x.example>\n"
     b"Subject: Dinner\n"
     b"Date: Wed, 3 Jan 2024 11:00:00 +0000\n"
     b"Message-ID: <m6@x>\n"
     b"References: <gone@x>\n"),
    ("cur/1700000007.M7P1.mda:2,", "2024-02-04 00:00",
     b"From: Loop One <loop@x.example>\n"
     b"To: bob@x.example\n"
     b"Subject: Loop\n"
     b"Date: Thu, 4 Jan 2024 10:00:00 +0000\n"
     b"Message-ID: <m7@x>\n"
     b"References: <m8@x>\n"),
    ("cur/1700000008.M8P1.mda:2,", "2024-02-05 00:00",
     b"From: Loop Two <loop@x.example>\n"
     b"To: bob@x.example\n"
     b"Subject: Re: Loop\n"
     b"Date: Thu, 4 Jan 2024 11:00:00 +0000\n"
     b"Message-ID: <m8@x>\n"
     b"References: <m7@x>\n"),
    ("cur/1700000009.M9P1.mda:2,S", "2024-02-06 00:00",
     b"From: zed@b.example\n"
     b"To: \"Yvonne\" <aaron@x.example>\n"
     b"Subject: Project plan\n"
     b"Date: Fri, 5 Jan 2024 10:00:00 +0000\n"
     b"Message-ID: <m9@x>\n"),
]

BODIES = [b"\nbody %d\n" % i + b"x" * (100 * ((i * 7) % 5))
          for i in range(1, len(MESSAGES) + 1)]

# Sent dates (UTC): 1 Jan 1 10:00, 2 Jan 1 00:01:33, 3 none (INTERNALDATE
# 2023-06-01), 4 Jan 2 07:00, 5 Jan 3 12:00, 6 Jan 3 11:00, 7 Jan 4
# 10:00, 8 Jan 4 11:00, 9 Jan 5 10:00.
SORTS = [
    ("(ARRIVAL) UTF-8 ALL", [3, 2, 1, 4, 5, 6, 7, 8, 9]),
    ("(REVERSE ARRIVAL) UTF-8 ALL", [9, 8, 7, 6, 5, 4, 1, 2, 3]),
    ("(DATE) UTF-8 ALL", [3, 2, 1, 4, 6, 5, 7, 8, 9]),
    ("(REVERSE DATE) US-ASCII ALL", [9, 8, 7, 5, 6, 4, 1, 2, 3]),
    ("(FROM) UTF-8 ALL", [4, 2, 5, 6, 3, 7, 8, 1, 9]),
    ("(REVERSE FROM) UTF-8 ALL", [1, 9, 7, 8, 3, 6, 5, 2, 4]),
    ("(TO) UTF-8 ALL", [4, 2, 9, 1, 6, 5, 7, 8, 3]),
    ("(CC) UTF-8 ALL", [3, 4, 5, 6, 7, 8, 9, 1, 2]),
    ("(SUBJECT) UTF-8 ALL", [5, 6, 7, 8, 3, 4, 1, 2, 9]),
    ("(SUBJECT DATE) UTF-8 ALL", [6, 5, 7, 8, 3, 4, 2, 1, 9]),
    ("(SUBJECT REVERSE DATE) UTF-8 ALL", [5, 6, 8, 7, 4, 3, 9, 1, 2]),
    ("(REVERSE SUBJECT) UTF-8 ALL", [1, 2, 9, 3, 4, 7, 8, 5, 6]),
    ("(SIZE) UTF-8 ALL", None),
    ("(REVERSE SIZE FROM) UTF-8 ALL", None),
    ("(DISPLAYFROM) UTF-8 ALL", [4, 2, 5, 6, 3, 7, 8, 1, 9]),
    ("(DISPLAYTO) UTF-8 ALL", [4, 1, 6, 5, 7, 8, 2, 9, 3]),
    ("(REVERSE DISPLAYTO ARRIVAL) UTF-8 ALL", [3, 2, 9, 7, 8, 5, 6, 1, 4]),
    ("(SUBJECT) UTF-8 SEEN", [1, 9]),
    ("(DATE) UTF-8 UNSEEN FROM x.example", [3, 2, 4, 6, 5, 7, 8]),
    ("(subject reverse arrival) utf-8 1:4", [4, 3, 1, 2]),
    ("(SUBJECT) US-ASCII TEXT \"not in mailbox\"", []),
]

THREADS = [
    ("ORDEREDSUBJECT UTF-8 ALL", "(3 4)(2 (1)(9))(6 5)(7 8)"),
    # 2 and 9 are both originals of "Project plan": a dummy holds them
    # (RFC 5256 REFERENCES 5.C); 5 and 6 share a parent no message has;
    # 7 and 8 reference each other; 4 names 3's Message-ID unquoted.
    ("REFERENCES UTF-8 ALL", "(3 4)((2 1)(9))((6)(5))(8 7)"),
    ("ORDEREDSUBJECT US-ASCII TEXT \"gewp\"", ""),
    ("REFERENCES UTF-8 NOT 3", "((2 1)(9))(4)((6)(5))(8 7)"),
    ("REFERENCES UTF-8 2,5:9", "((2)(9))((6)(5))(8 7)"),
]


def make_maildir(path, owner):
    if os.path.lexists(path):
        shutil.rmtree(path)
    for sub in ("cur", "new", "tmp"):
        os.makedirs(os.path.join(path, sub))
    for (name, when, hdr), body in zip(MESSAGES, BODIES):
        p = os.path.join(path, name)
        with open(p, "wb") as f:
            f.write(hdr + body)
        t = calendar.timegm(time.strptime(when, "%Y-%m-%d %H:%M"))
        os.utime(p, (t, t))
    for root, dirs, files in os.walk(path):
        os.chmod(root, 0o700)
        for n in [root] + [os.path.join(root, f) for f in files]:
            if IS_ROOT:
                os.lchown(n, owner, owner)


def answer(untagged, word):
    lines = [l for l in untagged if l == "* " + word or
             l.startswith("* %s " % word)]
    check(len(lines) == 1, f"got {untagged!r}, want one * {word}")
    return lines[0][len(word) + 3:]


def sort(c, tag, args, uid=False):
    untagged, tagged = c.cmd(tag, ("UID SORT " if uid else "SORT ") + args)
    check(tagged == f"{tag} OK Sort completed.", f"{args}: got {tagged!r}")
    return [int(x) for x in answer(untagged, "SORT").split()]


def thread(c, tag, args, uid=False):
    untagged, tagged = c.cmd(tag, ("UID THREAD " if uid else "THREAD ") +
                             args)
    check(tagged == f"{tag} OK Thread completed.",
          f"{args}: got {tagged!r}")
    return answer(untagged, "THREAD")


def session(world, maildir):
    srv = Server(world, maildir="~/" + maildir)
    c = Client(srv.port)
    c.expect(r"\* OK .*")
    c.cmd("a", "LOGIN alice " + USERS["alice"][1])
    c.cmd("b", "SELECT INBOX")
    return srv, c


def dovecot(path, commands):
    """Dovecot's untagged answer line to each command, or None."""
    if not os.path.exists(test_search.DOVECOT_IMAP):
        return None
    # dovecot_one runs SEARCH; run our own commands the same way.
    import subprocess
    import tempfile
    import sys
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..",
                                    "mail"))
    from diff_dovecot import dovecot_config
    tmp = tempfile.mkdtemp(prefix="skua-sort-dovecot-")
    try:
        maildir = os.path.join(tmp, "Maildir")
        shutil.copytree(path, maildir)
        with open(os.path.join(tmp, "dovecot.conf"), "w") as f:
            f.write(dovecot_config(tmp, maildir))
        if IS_ROOT:
            for root, dirs, files in os.walk(tmp):
                for n in dirs + files:
                    os.lchown(os.path.join(root, n), test_search.NOBODY,
                              test_search.NOBODY)
            os.lchown(tmp, test_search.NOBODY, test_search.NOBODY)
        env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "HOME": tmp,
               "USER": "nobody" if IS_ROOT else
               (os.environ.get("USER") or "skuatest")}
        # One session per command: Dovecot answers pipelined SORTs out
        # of order.
        res = []
        for cmd in commands:
            script = b"s SELECT INBOX\r\nt %s\r\nz LOGOUT\r\n" % \
                cmd.encode()
            p = subprocess.run([test_search.DOVECOT_IMAP, "-c",
                                os.path.join(tmp, "dovecot.conf")],
                               input=script, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, env=env, cwd=tmp,
                               timeout=60)
            found = None
            for line in p.stdout.decode("utf-8", "replace").split("\r\n"):
                if line.startswith("* SORT") or line.startswith("* THREAD"):
                    found = line
                elif line.startswith("t "):
                    found = found if line.startswith("t OK") else line
                    break
            res.append(found)
        return res
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def sizes():
    return [len(h + b) + (h + b).count(b"\n")
            for (_, _, h), b in zip(MESSAGES, BODIES)]


def expected_size_sorts():
    s = sizes()
    order = sorted(range(1, 10), key=lambda i: (s[i - 1], i))
    return order


def test_sort_keys(world):
    """Every sort key, REVERSE, several keys, search criteria after the
    charset; the same answers as Dovecot's."""
    path = world.path("home", "alice", "Maildir-sort")
    make_maildir(path, test_search.uid_of("alice"))
    cmds = ["SORT " + a for a, _ in SORTS] + \
        ["THREAD " + a for a, _ in THREADS]
    dc = dovecot(path, cmds)
    srv, c = session(world, "Maildir-sort")
    try:
        for i, (args, want) in enumerate(SORTS):
            got = sort(c, f"s{i}", args)
            if args == "(SIZE) UTF-8 ALL":
                want = expected_size_sorts()
            if want is not None:
                check(got == want, f"SORT {args}: got {got}, want {want}")
            if dc is not None:
                d = dc[i]
                check(d == "* SORT" + "".join(" %d" % n for n in got),
                      f"SORT {args}: we say {got}, Dovecot {d!r}")
        for i, (args, want) in enumerate(THREADS):
            got = thread(c, f"t{i}", args)
            check(got == want, f"THREAD {args}: got {got!r}, want {want!r}")
            if dc is not None:
                d = dc[len(SORTS) + i]
                # Dovecot writes "* THREAD " for none; RFC 5256 5
                # has no space then.
                check(d.rstrip() == ("* THREAD " + got).rstrip(),
                      f"THREAD {args}: we say {got!r}, Dovecot {d!r}")
        c.cmd("z", "LOGOUT")
    finally:
        c.close()
        srv.stop()


def test_sort_uid_and_errors(world):
    """UID SORT and UID THREAD answer UIDs, their search keys still name
    sequence numbers; BADCHARSET, BAD for bad criteria, algorithms and
    syntax; the capabilities after login."""
    path = world.path("home", "alice", "Maildir-sort-uid")
    make_maildir(path, test_search.uid_of("alice"))
    # Message 1 gone with its UID: UIDs 2..9 are sequence numbers 1..8.
    with open(os.path.join(path, "dovecot-uidlist"), "w") as f:
        f.write("3 V1700000000 N10\n")
        for n, (name, _, _) in enumerate(MESSAGES[1:], 2):
            f.write("%d :%s\n" % (n, os.path.basename(name).split(":")[0]))
    if IS_ROOT:
        os.chown(os.path.join(path, "dovecot-uidlist"),
                 test_search.uid_of("alice"), test_search.uid_of("alice"))
    os.unlink(os.path.join(path, MESSAGES[0][0]))
    srv = Server(world, maildir="~/Maildir-sort-uid")
    c = Client(srv.port)
    try:
        c.expect(r"\* OK .*")
        untagged, tagged = c.cmd("a", "LOGIN alice " + USERS["alice"][1])
        caps = " ".join(untagged) + tagged
        for cap in ("SORT", "SORT=DISPLAY", "THREAD=ORDEREDSUBJECT",
                    "THREAD=REFERENCES"):
            check(" %s " % cap in caps + " " or
                  " %s]" % cap in caps, f"{cap} missing in {caps!r}")
        c.cmd("b", "SELECT INBOX")
        check(sort(c, "c", "(DATE) UTF-8 ALL") == [2, 1, 3, 5, 4, 6, 7, 8],
              "SORT DATE by sequence numbers")
        check(sort(c, "d", "(DATE) UTF-8 ALL", uid=True) ==
              [3, 2, 4, 6, 5, 7, 8, 9], "UID SORT DATE")
        check(sort(c, "e", "(DATE) UTF-8 1:2", uid=True) == [3, 2],
              "UID SORT 1:2 names sequence numbers")
        check(sort(c, "f", "(DATE) UTF-8 UID 2:3", uid=True) == [3, 2],
              "UID SORT UID 2:3")
        check(thread(c, "g", "REFERENCES UTF-8 ALL", uid=True) ==
              "(3 4)((2)(9))((6)(5))(8 7)", "UID THREAD REFERENCES")
        check(thread(c, "h", "ORDEREDSUBJECT UTF-8 ALL", uid=True) ==
              "(3 4)(2 9)(6 5)(7 8)", "UID THREAD ORDEREDSUBJECT")
        check(thread(c, "i", "REFERENCES UTF-8 ALL") ==
              "(2 3)((1)(8))((5)(4))(7 6)", "THREAD by sequence numbers")
        _, t = c.cmd("j", "SORT (DATE) ISO-8859-1 ALL", "NO")
        check(t == "j NO [BADCHARSET (US-ASCII UTF-8)] Unknown charset",
              f"BADCHARSET: got {t!r}")
        c.cmd("k", "THREAD REFERENCES KOI8-R ALL", "NO")
        c.cmd("k2", "UID SORT (DATE) \"UTF-8\" ALL")
        for n, bad in enumerate([
                "SORT", "SORT (DATE)", "SORT (DATE) UTF-8",
                "SORT DATE UTF-8 ALL", "SORT () UTF-8 ALL",
                "SORT (BOGUS) UTF-8 ALL", "SORT (REVERSE) UTF-8 ALL",
                "SORT (DATE REVERSE) UTF-8 ALL",
                "SORT (REVERSE REVERSE DATE) UTF-8 ALL",
                "SORT (DATE) UTF-8 BOGUS", "SORT ((DATE)) UTF-8 ALL",
                "THREAD", "THREAD REFERENCES", "THREAD REFERENCES UTF-8",
                "THREAD BOGUS UTF-8 ALL", "THREAD (REFERENCES) UTF-8 ALL",
                "THREAD REFERENCES UTF-8 FROM",
                "UID SORT (FOO) UTF-8 ALL", "UID THREAD X UTF-8 ALL"]):
            c.cmd(f"x{n}", bad, "BAD")
        check(sort(c, "l", "(date) utf-8 all") ==
              [2, 1, 3, 5, 4, 6, 7, 8], "lower case")
        c.cmd("z", "LOGOUT")
    finally:
        c.close()
        srv.stop()


def test_sort_not_selected(world):
    """SORT and THREAD belong to the selected state."""
    path = world.path("home", "alice", "Maildir-sort-state")
    make_maildir(path, test_search.uid_of("alice"))
    srv = Server(world, maildir="~/Maildir-sort-state")
    c = Client(srv.port)
    try:
        c.expect(r"\* OK .*")
        c.cmd("a", "SORT (DATE) UTF-8 ALL", "BAD")
        c.cmd("b", "LOGIN alice " + USERS["alice"][1])
        c.cmd("c", "THREAD REFERENCES UTF-8 ALL", "BAD")
        c.cmd("z", "LOGOUT")
    finally:
        c.close()
        srv.stop()
