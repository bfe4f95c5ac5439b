"""Python's imaplib (the standard library's client) through a full
session against a real imapd, over plain TCP on loopback (where LOGIN is
allowed) and over implicit TLS (IMAP4_SSL with a context that does not
verify the test certificate).

Every command imaplib has for IMAP4rev1 is used, and each outcome is
checked where it shows: in the answer imaplib parsed and on disk in the
Maildir (the file an APPEND made, with its flags and mtime; the copy
COPY made, byte for byte; the file EXPUNGE removed; the folder directories
CREATE, RENAME and DELETE made and removed)."""
import calendar
import imaplib
import os
import re
import ssl

from harness import Server, USERS, check, own, fresh_maildir

INBOX_MSG = (b"From: Alice <alice@example.org>\r\n"
             b"To: bob@example.org\r\n"
             b"Subject: first message\r\n"
             b"Date: Mon, 1 Jan 2024 10:00:00 +0000\r\n"
             b"Message-ID: <first@example.org>\r\n"
             b"\r\n"
             b"Hello Bob, this is the first one.\r\n")
APPENDED = (b"From: Carol <carol@example.net>\r\n"
            b"To: alice@example.org\r\n"
            b"Subject: appended with imaplib\r\n"
            b"Date: Tue, 2 Jan 2024 11:00:00 +0000\r\n"
            b"Message-ID: <appended@example.net>\r\n"
            b"X-Colour: purple\r\n"
            b"\r\n"
            b"A somewhat longer body, with the word walrus in it.\r\n"
            b"And a second line.\r\n")
MTIME = calendar.timegm((2024, 1, 1, 10, 0, 0, 0, 0, 0))
APPEND_TIME = calendar.timegm((2024, 3, 4, 5, 6, 7, 0, 0, 0))

_serial = [0]


def deliver(maildir, data):
    """tmp/ then new/, as an MDA does; returns the base name."""
    _serial[0] += 1
    base = "%d.M%dP%d.imaplib" % (1700000000 + _serial[0], _serial[0],
                                 os.getpid())
    tmp = os.path.join(maildir, "tmp", base)
    with open(tmp, "wb") as f:
        f.write(data)
    os.utime(tmp, (MTIME, MTIME))
    own(tmp)
    os.rename(tmp, os.path.join(maildir, "new", base))
    return base


def messages(folder):
    """{file name: bytes} of a Maildir folder's new/ and cur/."""
    out = {}
    for sub in ("new", "cur"):
        d = os.path.join(folder, sub)
        for name in os.listdir(d):
            with open(os.path.join(d, name), "rb") as f:
                out[name] = f.read()
    return out


def info(name):
    return name.split(":2,", 1)[1] if ":2," in name else ""


def ok(result, what):
    """imaplib's (typ, data): typ must be OK; returns data."""
    typ, data = result
    check(typ == "OK", f"{what}: got {typ} {data!r}, want OK")
    return data


def no(result, what):
    typ, data = result
    check(typ == "NO", f"{what}: got {typ} {data!r}, want NO")
    return data


def nums(data):
    """A SEARCH answer as a list of ints."""
    return [int(x) for x in b" ".join(data).split()]


def fetch_parts(data):
    """imaplib's FETCH data: a list of (envelope, literal) tuples and
    plain bytes, made into [(text before, literal or None)]."""
    out = []
    for item in data:
        if isinstance(item, tuple):
            out.append((item[0], item[1]))
        elif item != b")":
            out.append((item, None))
    return out


def listed(data):
    """LIST/LSUB answers as {name: attributes}."""
    out = {}
    for line in data:
        if line is None:
            continue
        m = re.fullmatch(rb'\(([^)]*)\) (?:"."|NIL) (.+)', line)
        check(m, f"LIST line {line!r}")
        name = m.group(2).decode()
        if name.startswith('"'):
            name = name[1:-1]
        out[name] = m.group(1).decode()
    return out


def full_session(world, md, connect):
    inbox_base = deliver(md, INBOX_MSG)
    srv = Server(world, maildir="~/" + os.path.basename(md),
                 special_folders="")
    try:
        m = connect(srv)
        check(m.state == "NONAUTH", f"state after greeting: {m.state}")
        check("IMAP4REV1" in m.capabilities, f"greeting: {m.capabilities}")
        try:
            m.login("alice", "not-her-password")
            check(False, "LOGIN with a wrong password succeeded")
        except imaplib.IMAP4.error:
            pass
        ok(m.login("alice", USERS["alice"][1]), "LOGIN")
        check(m.state == "AUTH", f"state after LOGIN: {m.state}")
        caps = ok(m.capability(), "CAPABILITY")
        check(b"IMAP4rev1" in caps[0].split(), f"CAPABILITY {caps}")
        ok(m.noop(), "NOOP")

        # LIST, CREATE
        check(listed(ok(m.list(), "LIST")).keys() == {"INBOX"},
              f"LIST {m.list()}")
        ok(m.create("Work"), "CREATE Work")
        ok(m.create("Work/Sub"), "CREATE Work/Sub")
        no(m.create("Work"), "CREATE Work again")
        check(os.path.isdir(os.path.join(md, ".Work", "cur")),
              f"CREATE made no .Work: {os.listdir(md)}")
        check(os.path.isdir(os.path.join(md, ".Work.Sub", "cur")),
              f"CREATE made no .Work.Sub: {os.listdir(md)}")
        got = listed(ok(m.list(), "LIST"))
        check(got.keys() == {"INBOX", "Work", "Work/Sub"}, f"LIST {got}")
        check("\\HasChildren" in got["Work"], f"LIST Work: {got}")
        got = listed(ok(m.list('""', "%"), "LIST %"))
        check(got.keys() == {"INBOX", "Work"}, f"LIST \"\" %: {got}")
        got = listed(ok(m.list("Work/", "*"), "LIST Work/ *"))
        check(got.keys() == {"Work/Sub"}, f"LIST Work/ *: {got}")

        # APPEND with flags and a date
        date = imaplib.Time2Internaldate(APPEND_TIME)
        ok(m.append("INBOX", r"(\Flagged $Label1)", date, APPENDED),
           "APPEND")
        new = [n for n, data in messages(md).items() if data == APPENDED]
        check(len(new) == 1, f"APPEND: the message is not on disk once: "
              f"{list(messages(md))}")
        appended_name = new[0]
        check("F" in info(appended_name), f"APPEND: flags {appended_name}")
        where = os.path.join(md, "cur", appended_name)
        check(os.path.exists(where) and
              int(os.stat(where).st_mtime) == APPEND_TIME,
              f"APPEND: date {date} is not the file's mtime")
        no(m.append("Nope", None, None, APPENDED), "APPEND to no folder")

        # SELECT
        data = ok(m.select("INBOX"), "SELECT")
        check(data == [b"2"], f"SELECT: {data}")
        check(m.state == "SELECTED", f"state after SELECT: {m.state}")
        # Both are \Recent: no session has been told of either (RFC 3501
        # 2.3.2; 6.3.11 and appendix B item 112 for the appended one).
        recent = m.response("RECENT")[1]
        check(recent == [b"2"], f"SELECT: RECENT {recent}, want 2")
        uidvalidity = m.response("UIDVALIDITY")[1][0]
        check(uidvalidity and uidvalidity.isdigit(),
              f"UIDVALIDITY {uidvalidity}")

        # SEARCH, several keys
        searches = [
            (("ALL",), [1, 2]),
            (("FLAGGED",), [2]),
            (("UNFLAGGED",), [1]),
            (("KEYWORD", "$Label1"), [2]),
            (("UNSEEN",), [1, 2]),
            (("NEW",), [1, 2]),
            (("SUBJECT", '"appended"'), [2]),
            (("FROM", "alice@example.org"), [1]),
            (("TO", "bob"), [1]),
            (("HEADER", "X-Colour", "purple"), [2]),
            (("BODY", "walrus"), [2]),
            (("TEXT", "Bob"), [1]),
            (("SINCE", "1-Feb-2024"), [2]),
            (("BEFORE", "1-Feb-2024"), [1]),
            (("ON", "4-Mar-2024"), [2]),
            (("SENTBEFORE", "2-Jan-2024"), [1]),
            (("LARGER", str(len(INBOX_MSG))), [2]),
            (("SMALLER", str(len(APPENDED))), [1]),
            (("OR", "FLAGGED", "FROM", "alice"), [1, 2]),
            (("NOT", "FLAGGED"), [1]),
            (("(FLAGGED SUBJECT appended)",), [2]),
            (("2:*",), [2]),
            (("UID", "1"), [1]),
            (("DELETED",), []),
        ]
        for keys, want in searches:
            got = nums(ok(m.search(None, *keys), f"SEARCH {keys}"))
            check(got == want, f"SEARCH {' '.join(keys)}: got {got}, "
                  f"want {want}")
        got = nums(ok(m.search("UTF-8", "SUBJECT", "first"), "SEARCH UTF-8"))
        check(got == [1], f"SEARCH CHARSET UTF-8: {got}")
        no(m.search("X-NOSUCH", "ALL"), "SEARCH CHARSET X-NOSUCH")

        # FETCH
        parts = fetch_parts(ok(m.fetch("1", "(RFC822)"), "FETCH RFC822"))
        check(len(parts) == 1 and parts[0][1] == INBOX_MSG,
              f"FETCH 1 RFC822: {parts}")
        parts = fetch_parts(ok(m.fetch("2", "(BODY.PEEK[HEADER])"),
                               "FETCH BODY.PEEK[HEADER]"))
        header = APPENDED.split(b"\r\n\r\n", 1)[0] + b"\r\n\r\n"
        check(len(parts) == 1 and parts[0][1] == header,
              f"FETCH 2 BODY.PEEK[HEADER]: {parts}")
        data = ok(m.fetch("1:2", "(FLAGS)"), "FETCH FLAGS")
        check(len(data) == 2, f"FETCH FLAGS: {data}")
        f1 = imaplib.ParseFlags(data[0])
        f2 = imaplib.ParseFlags(data[1])
        # RFC822 (not PEEK) set \Seen on 1; the PEEK left 2 unseen.
        check(set(f1) == {b"\\Seen", b"\\Recent"},
              f"FETCH 1 FLAGS after RFC822: {data[0]}")
        check(set(f2) == {b"\\Flagged", b"$Label1", b"\\Recent"},
              f"FETCH 2 FLAGS after PEEK: {data[1]}")
        data = ok(m.fetch("1:*", "(UID)"), "FETCH UID")
        check(data == [b"1 (UID 1)", b"2 (UID 2)"], f"FETCH UID: {data}")
        got = {n: info(n) for n in messages(md)}
        # $Label1 is the folder's first keyword, letter a.
        check(sorted(got.values()) == ["Fa", "S"],
              f"flags on disk after FETCH: {got}")

        # STORE
        data = ok(m.store("2", "+FLAGS", r"(\Answered)"), "STORE +FLAGS")
        check(set(imaplib.ParseFlags(data[0])) ==
              {b"\\Answered", b"\\Flagged", b"$Label1", b"\\Recent"},
              f"STORE +FLAGS: {data}")
        data = ok(m.store("2", "-FLAGS.SILENT", r"($Label1)"),
                  "STORE -FLAGS.SILENT")
        check(data == [None], f"STORE .SILENT answered {data}")
        data = ok(m.store("2", "FLAGS", r"(\Answered \Flagged \Draft)"),
                  "STORE FLAGS")
        check(set(imaplib.ParseFlags(data[0])) ==
              {b"\\Answered", b"\\Flagged", b"\\Draft", b"\\Recent"},
              f"STORE FLAGS: {data}")
        check(info([n for n in messages(md) if n.startswith(
            appended_name.split(":")[0])][0]) == "DFR",
            f"STORE: on disk {list(messages(md))}")

        # COPY: the destination has the same bytes
        ok(m.copy("1", "Work"), "COPY")
        work = os.path.join(md, ".Work")
        copied = messages(work)
        check(list(copied.values()) == [INBOX_MSG],
              f"COPY: Work holds {copied}")
        check(info(list(copied)[0]) == "S",
              f"COPY: flags not kept: {list(copied)}")
        no(m.copy("1", "Nope"), "COPY to no folder")

        # UID forms
        data = ok(m.uid("FETCH", "2", "(UID FLAGS RFC822.SIZE)"),
                  "UID FETCH")
        check(re.fullmatch(rb"2 \(UID 2 FLAGS \([^)]*\) RFC822\.SIZE %d\)"
                           % len(APPENDED), data[0]) or
              re.fullmatch(rb"2 \((FLAGS \([^)]*\) )?UID 2 .*", data[0]),
              f"UID FETCH: {data}")
        check(b"RFC822.SIZE %d" % len(APPENDED) in data[0],
              f"UID FETCH size: {data}")
        data = ok(m.uid("FETCH", "1:*", "(BODY.PEEK[TEXT])"),
                  "UID FETCH BODY.PEEK[TEXT]")
        texts = [p[1] for p in fetch_parts(data)]
        check(texts == [INBOX_MSG.split(b"\r\n\r\n", 1)[1],
                        APPENDED.split(b"\r\n\r\n", 1)[1]],
              f"UID FETCH BODY.PEEK[TEXT]: {data}")
        data = ok(m.uid("FETCH", "99", "(FLAGS)"), "UID FETCH 99")
        check(data == [None], f"UID FETCH of no message: {data}")
        got = nums(ok(m.uid("SEARCH", None, "FLAGGED"), "UID SEARCH"))
        check(got == [2], f"UID SEARCH FLAGGED: {got}")
        got = nums(ok(m.uid("SEARCH", None, "UID", "2:*"), "UID SEARCH"))
        check(got == [2], f"UID SEARCH UID 2:*: {got}")
        data = ok(m.uid("STORE", "2", "+FLAGS", r"(\Seen)"), "UID STORE")
        check(b"UID 2" in data[0] and
              b"\\Seen" in imaplib.ParseFlags(data[0]),
              f"UID STORE: {data}")
        ok(m.uid("COPY", "2", "Work"), "UID COPY")
        copied = messages(work)
        check(sorted(copied.values()) == sorted([INBOX_MSG, APPENDED]),
              f"UID COPY: Work holds {list(copied)}")

        # EXPUNGE: gone from disk
        ok(m.store("1", "+FLAGS.SILENT", r"(\Deleted)"), "STORE \\Deleted")
        typ, data = m.expunge()
        check(typ == "OK" and data == [b"1"], f"EXPUNGE: {typ} {data}")
        left = messages(md)
        check(list(left.values()) == [APPENDED],
              f"EXPUNGE: INBOX holds {list(left)}")
        check(not any(n.startswith(inbox_base) for n in left),
              f"EXPUNGE left {inbox_base}: {list(left)}")
        check(nums(ok(m.search(None, "ALL"), "SEARCH")) == [1],
              "after EXPUNGE")

        # CHECK, CLOSE with a silent expunge
        ok(m.select("Work"), "SELECT Work")
        ok(m.check(), "CHECK")
        ok(m.store("1", "+FLAGS", r"(\Deleted)"), "STORE in Work")
        ok(m.close(), "CLOSE")
        check(m.state == "AUTH", f"state after CLOSE: {m.state}")
        check(list(messages(work).values()) == [APPENDED],
              f"CLOSE did not expunge: {list(messages(work))}")

        # EXAMINE is read-only
        data = ok(m.select("Work", readonly=True), "EXAMINE")
        check(data == [b"1"], f"EXAMINE: {data}")
        try:
            typ, data = m.store("1", "+FLAGS", r"(\Flagged)")
            check(typ == "NO", f"STORE on EXAMINE: {typ} {data}")
        except imaplib.IMAP4.readonly:
            pass
        ok(m.close(), "CLOSE after EXAMINE")

        # RENAME
        ok(m.rename("Work", "Archive"), "RENAME")
        check(not os.path.exists(work), "RENAME left .Work")
        check(os.path.isdir(os.path.join(md, ".Archive", "cur")),
              f"RENAME made no .Archive: {os.listdir(md)}")
        check(os.path.isdir(os.path.join(md, ".Archive.Sub", "cur")),
              f"RENAME did not move Work/Sub: {os.listdir(md)}")
        check(list(messages(os.path.join(md, ".Archive")).values()) ==
              [APPENDED], "RENAME lost the message")
        got = listed(ok(m.list(), "LIST"))
        check(got.keys() == {"INBOX", "Archive", "Archive/Sub"},
              f"LIST after RENAME: {got}")
        no(m.rename("Nope", "Other"), "RENAME of no folder")

        # SUBSCRIBE, LSUB, UNSUBSCRIBE
        ok(m.subscribe("Archive"), "SUBSCRIBE")
        ok(m.subscribe("INBOX"), "SUBSCRIBE INBOX")
        got = listed(ok(m.lsub(), "LSUB"))
        check(got.keys() == {"INBOX", "Archive"}, f"LSUB: {got}")
        ok(m.unsubscribe("INBOX"), "UNSUBSCRIBE")
        got = listed(ok(m.lsub(), "LSUB"))
        check(got.keys() == {"Archive"}, f"LSUB after UNSUBSCRIBE: {got}")

        # STATUS
        data = ok(m.status("Archive",
                           "(MESSAGES RECENT UIDNEXT UIDVALIDITY UNSEEN)"),
                  "STATUS")
        sm = re.fullmatch(rb'"?Archive"? \((.*)\)', data[0])
        check(sm, f"STATUS: {data}")
        items = dict(zip(sm.group(1).split()[::2], sm.group(1).split()[1::2]))
        check(items.keys() == {b"MESSAGES", b"RECENT", b"UIDNEXT",
                               b"UIDVALIDITY", b"UNSEEN"} and
              items[b"MESSAGES"] == b"1" and items[b"UNSEEN"] == b"0" and
              items[b"UIDNEXT"] == b"3", f"STATUS: {data}")
        data = ok(m.status("INBOX", "(MESSAGES UIDVALIDITY)"), "STATUS")
        check(data == [b'INBOX (MESSAGES 1 UIDVALIDITY ' + uidvalidity +
                       b')'] or
              data == [b'"INBOX" (MESSAGES 1 UIDVALIDITY ' + uidvalidity +
                       b')'], f"STATUS INBOX: {data}")
        no(m.status("Nope", "(MESSAGES)"), "STATUS of no folder")

        # DELETE
        ok(m.delete("Archive/Sub"), "DELETE Archive/Sub")
        ok(m.delete("Archive"), "DELETE Archive")
        check(not os.path.exists(os.path.join(md, ".Archive")),
              f"DELETE left .Archive: {os.listdir(md)}")
        no(m.delete("Archive"), "DELETE again")
        check(listed(ok(m.list(), "LIST")).keys() == {"INBOX"},
              "LIST after DELETE")

        ok(m.noop(), "NOOP")
        typ, data = m.logout()
        check(typ == "BYE", f"LOGOUT: {typ} {data}")
        check(m.state == "LOGOUT", f"state after LOGOUT: {m.state}")
    finally:
        srv.stop()


def test_imaplib_plain(world):
    md = fresh_maildir(world, "Maildir-imaplib")
    full_session(world, md,
                 lambda srv: imaplib.IMAP4("127.0.0.1", srv.port, timeout=10))


def test_imaplib_tls(world):
    md = fresh_maildir(world, "Maildir-imaplib-tls")
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE

    def connect(srv):
        m = imaplib.IMAP4_SSL("127.0.0.1", srv.tls_port, ssl_context=ctx,
                              timeout=10)
        check(m.sock.version() is not None, "no TLS on the connection")
        return m
    full_session(world, md, connect)
