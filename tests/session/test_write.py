"""STORE, COPY and APPEND (RFC 3501 6.4.6, 6.4.7, 6.3.11) and their UID
forms (6.4.8) over real sockets: the responses exactly, and what they
leave on disk (file names with flags and keyword letters, dovecot-keywords,
hard links, mtimes, maildirsize).

Each test has a Maildir of its own (maildir = ~/NAME). Messages are made
non-recent by a first session, so that FETCH responses do not depend on
\\Recent. Expected texts are Dovecot 2.3's (checked against
/usr/lib/dovecot/imap) but for its timing words, and for STORE on an
EXAMINEd mailbox, which Dovecot answers "OK Store ignored with read-only
mailbox." and skua, having stored nothing, NO [READ-ONLY] (RFC 3501
6.4.6: NO, "can't store that data")."""
import calendar
import os
import re
import shutil
import time

from harness import Server, check, login, own

SYSTEM = r"\Answered \Flagged \Deleted \Seen \Draft"
MSG = b"From: mda@example.org\r\nSubject: test\r\n\r\nbody\r\n"
TRYCREATE = "NO [TRYCREATE] Mailbox doesn't exist: Nope"
OVERQUOTA = "NO [OVERQUOTA] Quota exceeded (mailbox for user is full)"

_serial = [0]



def make_dirs(path):
    for sub in ("cur", "new", "tmp"):
        os.makedirs(os.path.join(path, sub))
    for root, _, _ in os.walk(path):
        os.chmod(root, 0o700)
        own(root)


def fresh_maildir(world, name, folders=()):
    path = world.path("home", "alice", name)
    if os.path.lexists(path):
        shutil.rmtree(path)
    make_dirs(path)
    for f in folders:
        make_dirs(os.path.join(path, f))
        open(os.path.join(path, f, "maildirfolder"), "w").close()
        own(os.path.join(path, f, "maildirfolder"))
    return path


def put(path, data):
    with open(path, "w") as f:
        f.write(data)
    own(path)


def deliver(maildir, info=":2,"):
    """One message straight into cur/ with the given info; its base."""
    _serial[0] += 1
    base = "%d.M%dP%d.mda" % (1700000000 + _serial[0], _serial[0],
                             os.getpid())
    tmp = os.path.join(maildir, "tmp", base)
    with open(tmp, "wb") as f:
        f.write(MSG)
    own(tmp)
    os.rename(tmp, os.path.join(maildir, "cur", base + info))
    return base


def files(d):
    return sorted(os.listdir(os.path.join(d, "cur")) +
                  os.listdir(os.path.join(d, "new")))


def file_of(d, base):
    for name in os.listdir(os.path.join(d, "cur")):
        if name.split(":")[0] == base:
            return name
    raise AssertionError(f"{base}: not in {d}/cur")


def info_of(d, base):
    return file_of(d, base).split(":2,", 1)[1]


def keywords_file(d):
    try:
        with open(os.path.join(d, "dovecot-keywords")) as f:
            return f.read()
    except FileNotFoundError:
        return ""


def select(srv, name="INBOX", cmd="SELECT"):
    c = login(srv)
    c.cmd("s", f"{cmd} {name}")
    return c


def take_recent(srv):
    """A first session sees the messages as \\Recent; later ones not."""
    c = select(srv)
    c.cmd("z", "LOGOUT")
    c.close()


def exact(c, tag, text, untagged, tagged):
    u, t = c.cmd(tag, text, status="")
    check(u == untagged, f"{text!r}: untagged {u!r}, want {untagged!r}")
    check(t == f"{tag} {tagged}", f"{text!r}: got {t!r}, "
          f"want {tag + ' ' + tagged!r}")


def uidplus(t, want):
    """t is the tagged line want, with the response code's UIDVALIDITY
    (RFC 4315 3) as a number: APPENDUID/COPYUID carry the destination's."""
    m = re.fullmatch(want.replace("[", r"\[").replace("]", r"\]")
                     .replace("V", r"([1-9][0-9]*)"), t)
    check(m is not None, f"got {t!r}, want {want!r}")
    return int(m.group(1))


def flags_lines(keywords):
    kw = "".join(" " + k for k in keywords)
    return [f"* FLAGS ({SYSTEM}{kw})",
            f"* OK [PERMANENTFLAGS ({SYSTEM}{kw} \\*)] Flags permitted."]


def test_store_forms(world):
    md = fresh_maildir(world, "Maildir-store")
    m1, m2, m3 = deliver(md), deliver(md, ":2,S"), deliver(md, ":2,F")
    srv = Server(world, maildir="~/Maildir-store")
    try:
        take_recent(srv)
        c = select(srv)
        exact(c, "a", r"STORE 1 +FLAGS (\Flagged)",
              [r"* 1 FETCH (FLAGS (\Flagged))"], "OK Store completed.")
        exact(c, "b", r"STORE 1:2 FLAGS (\Seen $Forwarded)",
              flags_lines(["$Forwarded"]) +
              [r"* 1 FETCH (FLAGS (\Seen $Forwarded))",
               r"* 2 FETCH (FLAGS (\Seen $Forwarded))"],
              "OK Store completed.")
        check(info_of(md, m1) == "Sa" and info_of(md, m2) == "Sa",
              f"files {files(md)}")
        exact(c, "c", r"STORE 2 -FLAGS \Seen",
              [r"* 2 FETCH (FLAGS ($Forwarded))"], "OK Store completed.")
        exact(c, "d", r"STORE 3 +FLAGS.SILENT (NonJunk \Deleted)",
              flags_lines(["$Forwarded", "NonJunk"]), "OK Store completed.")
        check(info_of(md, m3) == "FTb", f"files {files(md)}")
        check(keywords_file(md) == "0 $Forwarded\n1 NonJunk\n",
              f"dovecot-keywords {keywords_file(md)!r}")
        exact(c, "e", r"UID STORE 3 FLAGS (nonjunk)",
              [r"* 3 FETCH (UID 3 FLAGS (NonJunk))"], "OK Store completed.")
        exact(c, "f", r"UID STORE 1:* -FLAGS.SILENT ($Forwarded)", [],
              "OK Store completed.")
        check([info_of(md, m) for m in (m1, m2, m3)] == ["S", "", "b"],
              f"files {files(md)}")
        exact(c, "g", r"UID STORE 99 +FLAGS (\Seen)", [],
              "OK Store completed.")
        exact(c, "h", r"STORE 4 +FLAGS (\Seen)", [],
              "BAD Invalid messageset")
        exact(c, "i", r"STORE 1 +FLAGS (\Recent)", [],
              r"BAD \Recent cannot be changed")
        exact(c, "j", r"STORE 1 XFLAGS (\Seen)", [],
              "BAD Invalid arguments: STORE wants a set, FLAGS, +FLAGS or "
              "-FLAGS (.SILENT or not) and flags")
        exact(c, "k", r"STORE 1 +FLAGS", [],
              "BAD Invalid arguments: STORE wants a set, FLAGS, +FLAGS or "
              "-FLAGS (.SILENT or not) and flags")
        # Another session's change is reported with the next reply.
        os.rename(os.path.join(md, "cur", file_of(md, m2)),
                  os.path.join(md, "cur", m2 + ":2,R"))
        exact(c, "l", r"STORE 1 +FLAGS.SILENT (\Draft)",
              [r"* 2 FETCH (FLAGS (\Answered))"], "OK Store completed.")
        check([info_of(md, m) for m in (m1, m2)] == ["DS", "R"],
              f"files {files(md)}")
        c.cmd("z", "LOGOUT")
    finally:
        srv.stop()


def test_store_bare_flags(world):
    """RFC 3501 9: store-att-flags takes "(flag-list / (flag *(SP
    flag)))": several flags without parentheses are one list."""
    md = fresh_maildir(world, "Maildir-store-bare")
    m1 = deliver(md)
    srv = Server(world, maildir="~/Maildir-store-bare")
    try:
        take_recent(srv)
        c = select(srv)
        exact(c, "a", r"STORE 1 +FLAGS \Seen \Flagged",
              [r"* 1 FETCH (FLAGS (\Flagged \Seen))"], "OK Store completed.")
        check(info_of(md, m1) == "FS", f"files {files(md)}")
        exact(c, "b", r"STORE 1 -FLAGS.SILENT \Seen \Flagged", [],
              "OK Store completed.")
        check(info_of(md, m1) == "", f"files {files(md)}")
        exact(c, "c", r"STORE 1 FLAGS \Seen (\Flagged)", [],
              "BAD Invalid arguments: STORE wants a set, FLAGS, +FLAGS or "
              "-FLAGS (.SILENT or not) and flags")
        c.cmd("z", "LOGOUT")
    finally:
        srv.stop()


def test_store_recent_and_examine(world):
    md = fresh_maildir(world, "Maildir-store-ro")
    m1 = deliver(md)
    srv = Server(world, maildir="~/Maildir-store-ro")
    try:
        c = select(srv)
        exact(c, "a", r"STORE 1 +FLAGS (\Seen)",
              [r"* 1 FETCH (FLAGS (\Seen \Recent))"], "OK Store completed.")
        c.cmd("z", "LOGOUT")
        c = select(srv, cmd="EXAMINE")
        before = files(md)
        exact(c, "b", r"STORE 1 FLAGS (\Flagged)", [],
              "NO [READ-ONLY] Mailbox is read-only (EXAMINE); flags not "
              "changed.")
        exact(c, "c", r"UID STORE 1 +FLAGS (NewKeyword)", [],
              "NO [READ-ONLY] Mailbox is read-only (EXAMINE); flags not "
              "changed.")
        check(files(md) == before, f"files {files(md)}, want {before}")
        check(keywords_file(md) == "", "EXAMINE made a keyword")
        check(info_of(md, m1) == "S", f"files {files(md)}")
    finally:
        srv.stop()


def test_store_keyword_limit(world):
    md = fresh_maildir(world, "Maildir-store-kw")
    deliver(md)
    put(os.path.join(md, "dovecot-keywords"),
        "".join(f"{i} kw{i}\n" for i in range(26)))
    srv = Server(world, maildir="~/Maildir-store-kw")
    try:
        take_recent(srv)
        c = select(srv)
        u, t = c.cmd("a", "STORE 1 +FLAGS (kw3 Another)", status="NO")
        check(u == [] and t.startswith("a NO [LIMIT] Cannot create a new "
                                       "keyword"), f"got {u!r} {t!r}")
        exact(c, "b", "STORE 1 +FLAGS (kw3 kw25)",
              ["* 1 FETCH (FLAGS (kw3 kw25))"], "OK Store completed.")
    finally:
        srv.stop()


def test_copy(world):
    md = fresh_maildir(world, "Maildir-copy", folders=[".Other", ".Full"])
    other = os.path.join(md, ".Other")
    # The destination has its own letters: $Forwarded must become 'b'.
    put(os.path.join(other, "dovecot-keywords"), "0 Zzz\n")
    m1, m2 = deliver(md, ":2,F"), deliver(md, ":2,S")
    srv = Server(world, maildir="~/Maildir-copy")
    try:
        take_recent(srv)
        c = select(srv)
        c.cmd("a", r"STORE 2 +FLAGS.SILENT ($Forwarded)")
        u, t = c.cmd("b", "COPY 1:2 Other")
        check(u == [], f"COPY: {u!r}")
        v = uidplus(t, "b OK [COPYUID V 1:2 1:2] Copy completed.")
        got = files(other)
        check(len(got) == 2, f"Other holds {got}")
        check(sorted(n.split(":2,")[1] for n in got) == ["F", "Sb"],
              f"Other holds {got}")
        check(keywords_file(other) == "0 Zzz\n1 $Forwarded\n",
              f"Other's dovecot-keywords {keywords_file(other)!r}")
        src = {os.stat(os.path.join(md, "cur", file_of(md, m))).st_ino
               for m in (m1, m2)}
        dst = {os.stat(os.path.join(other, "cur", n)).st_ino for n in got}
        check(src == dst, "COPY did not hard-link the files")
        exact(c, "c", "COPY 1 Nope", [], TRYCREATE)
        exact(c, "d", "UID COPY 99 Other", [], "OK No messages found.")
        exact(c, "e", "UID COPY 2 \"Other\"", [],
              f"OK [COPYUID {v} 2 3] Copy completed.")
        exact(c, "f", "COPY 3 Other", [], "BAD Invalid messageset")
        check(len(files(other)) == 3, f"Other holds {files(other)}")
        # Into the selected mailbox: the sync announces the copy.
        u, t = c.cmd("g", "COPY 1 INBOX")
        check(u == ["* 3 EXISTS", "* 1 RECENT"], f"COPY INBOX: {u!r}")
        uidplus(t, "g OK [COPYUID V 1 3] Copy completed.")
        c.cmd("z", "LOGOUT")
    finally:
        srv.stop()


def quota_file(md, limit):
    """maildirsize with a byte limit and the size of what is there."""
    total = count = 0
    for root, _, names in os.walk(md):
        if os.path.basename(root) in ("cur", "new"):
            for n in names:
                total += os.path.getsize(os.path.join(root, n))
                count += 1
    put(os.path.join(md, "maildirsize"), f"{limit}S\n{total} {count}\n")


def quota_used(md):
    with open(os.path.join(md, "maildirsize")) as f:
        lines = f.read().splitlines()[1:]
    return sum(int(l.split()[0]) for l in lines)


def test_copy_over_quota_takes_back(world):
    md = fresh_maildir(world, "Maildir-copyq", folders=[".Other"])
    other = os.path.join(md, ".Other")
    for _ in range(2):
        deliver(md, ":2,S")
    quota_file(md, 3 * len(MSG) + 10)
    srv = Server(world, maildir="~/Maildir-copyq")
    try:
        take_recent(srv)
        c = select(srv)
        used = quota_used(md)
        exact(c, "a", "COPY 1:2 Other", [], OVERQUOTA)
        check(files(other) == [], f"Other holds {files(other)} after a "
              "failed COPY (RFC 3501 6.4.7)")
        check(quota_used(md) == used, f"quota {quota_used(md)}, want {used}")
        u, t = c.cmd("b", "COPY 1 Other")
        # UID 1 went to the copy taken back: UIDs are never reused.
        uidplus(t, "b OK [COPYUID V 1 2] Copy completed.")
        check(len(files(other)) == 1, f"Other holds {files(other)}")
    finally:
        srv.stop()


def append(c, tag, head, body, sync=True):
    """APPEND with the message as a literal, synchronizing or not."""
    if sync:
        c.send(f"{tag} {head} {{{len(body)}}}\r\n")
        c.expect(r"\+ .*")
        c.send(body + b"\r\n")
    else:
        c.send(f"{tag} {head} {{{len(body)}+}}\r\n".encode() + body + b"\r\n")
    untagged = []
    while True:
        line = c.line()
        if line.startswith(tag + " "):
            return untagged, line
        untagged.append(line)


def test_append(world):
    md = fresh_maildir(world, "Maildir-append")
    srv = Server(world, maildir="~/Maildir-append")
    date = calendar.timegm((2021, 3, 5, 9, 20, 30))
    try:
        c = login(srv)
        u, t = append(c, "a", r'APPEND INBOX (\Seen $Forwarded) '
                      '"05-Mar-2021 10:20:30 +0100"', MSG)
        check(u == [], f"got {u!r}")
        v = uidplus(t, "a OK [APPENDUID V 1] Append completed.")
        got = os.listdir(os.path.join(md, "cur"))
        check(len(got) == 1 and got[0].endswith(":2,Sa"), f"cur/ {got}")
        path = os.path.join(md, "cur", got[0])
        check(os.stat(path).st_mtime == date,
              f"mtime {os.stat(path).st_mtime}, want {date}")
        with open(path, "rb") as f:
            check(f.read() == MSG, "message bytes differ")
        check(keywords_file(md) == "0 $Forwarded\n",
              f"dovecot-keywords {keywords_file(md)!r}")
        start = time.time()
        u, t = append(c, "b", "APPEND INBOX", MSG, sync=False)
        check(u == [] and
              t == f"b OK [APPENDUID {v} 2] Append completed.",
              f"got {u!r} {t!r}")
        new = [n for n in os.listdir(os.path.join(md, "cur")) if n not in got]
        check(len(new) == 1 and new[0].endswith(":2,"), f"cur/ {new}")
        mtime = os.stat(os.path.join(md, "cur", new[0])).st_mtime
        check(abs(mtime - start) < 5, f"mtime {mtime}, want about {start}")
        u, t = append(c, "c", 'APPEND INBOX () " 5-Mar-2021 10:20:30 -0000"',
                      MSG, sync=False)
        check(t == f"c OK [APPENDUID {v} 3] Append completed.",
              f"got {t!r}")
        u, t = append(c, "d", "APPEND Nope", MSG, sync=False)
        check(t == "d " + TRYCREATE, f"got {t!r}")
        u, t = append(c, "e", 'APPEND INBOX "5-Mar-2021 25:00:00 +0000"',
                      MSG, sync=False)
        check(t == "e BAD Invalid internal date.", f"got {t!r}")
        u, t = append(c, "f", r"APPEND INBOX (\Recent)", MSG, sync=False)
        check(t == r"f BAD \Recent cannot be changed", f"got {t!r}")
        u, t = append(c, "g", "APPEND INBOX", b"", sync=False)
        check(t == "g NO Can't save a zero byte message.", f"got {t!r}")
        check(len(files(md)) == 3, f"files {files(md)}")
        check(os.listdir(os.path.join(md, "tmp")) == [],
              f"tmp/ {os.listdir(os.path.join(md, 'tmp'))}")
        # Into the selected mailbox: EXISTS before the OK.
        c.cmd("s", "SELECT INBOX")
        u, t = append(c, "h", "APPEND INBOX (NonJunk)", MSG)
        check(u[:2] == flags_lines(["$Forwarded", "NonJunk"]) and
              u[2] == "* 4 EXISTS" and
              t == f"h OK [APPENDUID {v} 4] Append completed.",
              f"got {u!r} {t!r}")
        c.cmd("z", "LOGOUT")
    finally:
        srv.stop()


def test_append_over_quota(world):
    md = fresh_maildir(world, "Maildir-appendq")
    deliver(md, ":2,S")
    quota_file(md, len(MSG) + 10)
    srv = Server(world, maildir="~/Maildir-appendq")
    try:
        c = login(srv)
        before, used = files(md), quota_used(md)
        u, t = append(c, "a", r"APPEND INBOX (\Seen)", MSG)
        check((u, t) == ([], "a " + OVERQUOTA), f"got {u!r} {t!r}")
        check(files(md) == before, f"files {files(md)}, want {before}")
        check(os.listdir(os.path.join(md, "tmp")) == [],
              f"tmp/ {os.listdir(os.path.join(md, 'tmp'))}")
        check(quota_used(md) == used, f"quota {quota_used(md)}, want {used}")
        u, t = append(c, "b", "APPEND INBOX", b"x\r\n")
        uidplus(t, "b OK [APPENDUID V 2] Append completed.")
    finally:
        srv.stop()
