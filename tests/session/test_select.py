"""SELECT, EXAMINE, CHECK, CLOSE, EXPUNGE (RFC 3501 6.3.1, 6.3.2,
6.4.1-6.4.3) and IDLE (RFC 2177) over real sockets, with mail delivered
by the test as an MDA would: a file written into tmp/ and renamed into
new/, or a file in cur/ renamed to change its flags.

Each test has a Maildir of its own (maildir = ~/NAME) so that the
outcome does not depend on the order of tests. Expected responses are
Dovecot 2.3's (checked against /usr/lib/dovecot/imap), but for the
timing words Dovecot puts into its tagged replies."""
import os
import re
import shutil
import time

from harness import Client, IS_ROOT, Server, USERS, check, own, fresh_maildir

SYSTEM = r"\Answered \Flagged \Deleted \Seen \Draft"
FLAGS = f"* FLAGS ({SYSTEM})"
PERMANENT = f"* OK [PERMANENTFLAGS ({SYSTEM} \\*)] Flags permitted."
READ_ONLY = "* OK [PERMANENTFLAGS ()] Read-only mailbox."
MSG = b"From: mda@example.org\r\nSubject: test\r\n\r\nbody\r\n"

_serial = [0]




def deliver(maildir, info=None, folder=""):
    """Delivers one message the Maildir way; with info (":2,S") straight
    into cur/. Returns the file's base name."""
    _serial[0] += 1
    base = "%d.M%dP%d.mda" % (1700000000 + _serial[0], _serial[0],
                             os.getpid())
    d = os.path.join(maildir, folder) if folder else maildir
    tmp = os.path.join(d, "tmp", base)
    with open(tmp, "wb") as f:
        f.write(MSG)
    own(tmp)
    if info is None:
        os.rename(tmp, os.path.join(d, "new", base))
    else:
        os.rename(tmp, os.path.join(d, "cur", base + info))
    return base


def find_file(maildir, base):
    for sub in ("cur", "new"):
        for name in os.listdir(os.path.join(maildir, sub)):
            if name.split(":")[0] == base:
                return os.path.join(maildir, sub, name)
    return None


def set_info(maildir, base, info):
    """Changes a message's flags on disk, as another program would."""
    old = find_file(maildir, base)
    check(old is not None, f"{base}: no such message file")
    os.rename(old, os.path.join(maildir, "cur", base + ":2," + info))


def message_files(maildir):
    return sorted(os.listdir(os.path.join(maildir, "new")) +
                  os.listdir(os.path.join(maildir, "cur")))


def flags_of(name):
    return name.split(":2,")[1] if ":2," in name else ""


def session(srv, user="alice"):
    c = Client(srv.port)
    c.expect(r"\* OK .*")
    c.cmd("l", f"LOGIN {user} {USERS[user][1]}")
    return c


def server(world, name):
    return Server(world, maildir="~/" + name, special_folders="")


def select_lines(untagged):
    """The SELECT responses with the UIDVALIDITY and MAILBOXID (RFC 8474
    4.2) values made fixed."""
    return [re.sub(r"MAILBOXID \([A-Za-z0-9_-]+\)", "MAILBOXID (ID)",
                   re.sub(r"UIDVALIDITY \d+", "UIDVALIDITY V", l))
            for l in untagged]


def expect_lines(got, want, what):
    check(got == want, f"{what}:\n got  {got}\n want {want}")


def test_select_inbox(world):
    md = fresh_maildir(world, "Maildir-sel")
    deliver(md, ":2,S")
    deliver(md)
    deliver(md, ":2,")
    srv = server(world, "Maildir-sel")
    try:
        c = session(srv)
        untagged, tagged = c.cmd("s", "SELECT inbox")
        expect_lines(select_lines(untagged), [
            FLAGS, PERMANENT, "* 3 EXISTS", "* 3 RECENT",
            "* OK [UNSEEN 2] First unseen.",
            "* OK [UIDVALIDITY V] UIDs valid",
            "* OK [UIDNEXT 4] Predicted next UID",
            "* OK [MAILBOXID (ID)] Ok",
            "* OK [URLMECH INTERNAL] URLAUTH mechanisms"], "SELECT inbox")
        check(tagged == "s OK [READ-WRITE] Select completed.", tagged)
        # The UIDVALIDITY is the one in dovecot-uidlist.
        with open(os.path.join(md, "dovecot-uidlist")) as f:
            v = re.search(r"V(\d+)", f.readline()).group(1)
        check(f"* OK [UIDVALIDITY {v}] UIDs valid" in untagged,
              f"UIDVALIDITY is not {v}: {untagged}")
        check(os.listdir(os.path.join(md, "new")) == [],
              "SELECT left mail in new/")
        # A second SELECT of the same mailbox: \Recent is gone, and the
        # first is closed as Dovecot says.
        untagged, tagged = c.cmd("t", "SELECT INBOX")
        expect_lines(select_lines(untagged), [
            "* OK [CLOSED] Previous mailbox closed.",
            FLAGS, PERMANENT, "* 3 EXISTS", "* 0 RECENT",
            "* OK [UNSEEN 2] First unseen.",
            "* OK [UIDVALIDITY V] UIDs valid",
            "* OK [UIDNEXT 4] Predicted next UID",
            "* OK [MAILBOXID (ID)] Ok",
            "* OK [URLMECH INTERNAL] URLAUTH mechanisms"], "second SELECT")
        c.cmd("z", "LOGOUT")
        c.close()
    finally:
        srv.stop()


def test_examine_changes_nothing(world):
    md = fresh_maildir(world, "Maildir-exa")
    deliver(md)
    deliver(md, ":2,ST")
    deliver(md, ":2,S")
    before = message_files(md)
    srv = server(world, "Maildir-exa")
    try:
        c = session(srv)
        untagged, tagged = c.cmd("e", "EXAMINE INBOX")
        # EXAMINE counts the new mail as recent, as Dovecot 2.3 does,
        # without taking \Recent from the next SELECT (skua.recent).
        expect_lines(select_lines(untagged), [
            FLAGS, READ_ONLY, "* 3 EXISTS", "* 3 RECENT",
            "* OK [UNSEEN 1] First unseen.",
            "* OK [UIDVALIDITY V] UIDs valid",
            "* OK [UIDNEXT 4] Predicted next UID",
            "* OK [MAILBOXID (ID)] Ok",
            "* OK [URLMECH INTERNAL] URLAUTH mechanisms"], "EXAMINE")
        check(tagged == "e OK [READ-ONLY] Examine completed.", tagged)
        # EXPUNGE and CLOSE remove nothing in a read-only mailbox and,
        # as with Dovecot, answer OK.
        untagged, tagged = c.cmd("x", "EXPUNGE")
        check(untagged == [] and tagged == "x OK Expunge completed.",
              f"EXPUNGE in EXAMINE: {untagged} {tagged}")
        untagged, tagged = c.cmd("c", "CLOSE")
        check(untagged == [] and tagged == "c OK Close completed.",
              f"CLOSE in EXAMINE: {untagged} {tagged}")
        # Only the flags are compared: store/folder.c moves new/ into
        # cur/ (adding ":2,") even when read-only, where Dovecot leaves
        # new/ alone. Nothing is flagged, expunged or renamed otherwise.
        after = message_files(md)
        check([f.split(":2,")[0] + ":" + flags_of(f) for f in after] ==
              [f.split(":2,")[0] + ":" + flags_of(f) for f in before],
              f"EXAMINE changed the messages: {before} -> {after}")
        # \Recent was not taken: SELECT still gets it (RFC 3501 2.3.2).
        untagged, _ = c.cmd("s", "SELECT INBOX")
        check("* 3 RECENT" in untagged, f"after EXAMINE: {untagged}")
        c.cmd("z", "LOGOUT")
        c.close()
    finally:
        srv.stop()


def test_select_errors(world):
    md = fresh_maildir(world, "Maildir-err")
    deliver(md)
    # "Work" is a folder; "Lvl" only a level above "Lvl/Sub".
    for d in (".Work", ".Lvl.Sub"):
        for sub in ("cur", "new", "tmp"):
            os.makedirs(os.path.join(md, d, sub))
        open(os.path.join(md, d, "maildirfolder"), "w").close()
    for root, _, files in os.walk(md):
        own(root)
        for f in files:
            own(os.path.join(root, f))
    srv = server(world, "Maildir-err")
    try:
        c = session(srv)
        _, tagged = c.cmd("a", "SELECT nosuch", "NO")
        check(tagged == "a NO [NONEXISTENT] Mailbox doesn't exist: nosuch",
              tagged)
        _, tagged = c.cmd("b", "SELECT Lvl", "NO")
        check(tagged.startswith("b NO [NONEXISTENT] "), tagged)
        c.cmd("c", "SELECT", "BAD")
        c.cmd("d", "SELECT a b", "BAD")
        c.cmd("e", "SELECT (INBOX)", "BAD")
        c.cmd("f", "CHECK", "BAD")
        c.cmd("g", "CLOSE", "BAD")
        c.cmd("h", "EXPUNGE", "BAD")
        untagged, tagged = c.cmd("i", 'SELECT "Work"')
        expect_lines(select_lines(untagged), [
            FLAGS, PERMANENT, "* 0 EXISTS", "* 0 RECENT",
            "* OK [UIDVALIDITY V] UIDs valid",
            "* OK [UIDNEXT 1] Predicted next UID",
            "* OK [MAILBOXID (ID)] Ok",
            "* OK [URLMECH INTERNAL] URLAUTH mechanisms"], "SELECT Work")
        c.cmd("j", "CHECK x", "BAD")
        c.cmd("k", "CLOSE x", "BAD")
        c.cmd("l", "EXPUNGE x", "BAD")
        # RFC 3501 6.3.1: a failed SELECT leaves no mailbox selected.
        untagged, _ = c.cmd("m", "SELECT nosuch", "NO")
        check(untagged == ["* OK [CLOSED] Previous mailbox closed."],
              f"failed SELECT: {untagged}")
        c.cmd("n", "CHECK", "BAD")
        # A literal and INBOX in any case.
        c.send("o SELECT {5}\r\n")
        c.expect(r"\+ .*")
        c.send("iNbOx\r\n")
        untagged = []
        while not (got := c.line()).startswith("o "):
            untagged.append(got)
        check(got == "o OK [READ-WRITE] Select completed.", got)
        check("* 1 EXISTS" in untagged, f"SELECT {{5}} iNbOx: {untagged}")
        _, tagged = c.cmd("p", "CHECK")
        check(tagged == "p OK Check completed.", tagged)
        c.cmd("z", "LOGOUT")
        c.close()
    finally:
        srv.stop()


def test_close_expunges_silently(world):
    md = fresh_maildir(world, "Maildir-close")
    a = deliver(md, ":2,S")
    b = deliver(md, ":2,")
    d = deliver(md, ":2,F")
    srv = server(world, "Maildir-close")
    try:
        c = session(srv)
        c.cmd("s", "SELECT INBOX")
        set_info(md, a, "ST")
        set_info(md, d, "FT")
        untagged, tagged = c.cmd("c", "CLOSE")
        check(untagged == [] and tagged == "c OK Close completed.",
              f"CLOSE: {untagged} {tagged}")
        left = message_files(md)
        check(len(left) == 1 and left[0].startswith(b),
              f"after CLOSE: {left}")
        c.cmd("n", "NOOP")
        c.cmd("x", "EXPUNGE", "BAD")
        untagged, _ = c.cmd("t", "SELECT INBOX")
        check("* 1 EXISTS" in untagged, f"SELECT after CLOSE: {untagged}")
        c.cmd("z", "LOGOUT")
        c.close()
    finally:
        srv.stop()


def test_expunge_highest_first(world):
    md = fresh_maildir(world, "Maildir-expunge")
    names = [deliver(md, ":2,S") for _ in range(5)]
    srv = server(world, "Maildir-expunge")
    try:
        c = session(srv)
        c.cmd("s", "SELECT INBOX")
        for i in (0, 1, 3):
            set_info(md, names[i], "ST")
        untagged, tagged = c.cmd("x", "EXPUNGE")
        expect_lines(untagged, ["* 4 EXPUNGE", "* 2 EXPUNGE",
                                "* 1 EXPUNGE"], "EXPUNGE")
        check(tagged == "x OK Expunge completed.", tagged)
        left = message_files(md)
        check(len(left) == 2 and left[0].startswith(names[2]) and
              left[1].startswith(names[4]), f"after EXPUNGE: {left}")
        # Nothing more to say: the numbers are told once.
        untagged, _ = c.cmd("n", "NOOP")
        check(untagged == [], f"NOOP after EXPUNGE: {untagged}")
        untagged, _ = c.cmd("y", "EXPUNGE")
        check(untagged == [], f"second EXPUNGE: {untagged}")
        c.cmd("z", "LOGOUT")
        c.close()
    finally:
        srv.stop()


def test_noop_reports_changes(world):
    md = fresh_maildir(world, "Maildir-noop")
    first = deliver(md, ":2,")
    srv = server(world, "Maildir-noop")
    try:
        c = session(srv)
        untagged, _ = c.cmd("s", "SELECT INBOX")
        check("* 1 EXISTS" in untagged, f"SELECT: {untagged}")
        deliver(md)
        deliver(md)
        untagged, _ = c.cmd("n", "NOOP")
        # \Recent stays on the first too: it is still this session's.
        expect_lines(untagged, ["* 3 EXISTS", "* 3 RECENT"], "new mail")
        set_info(md, first, "FS")
        untagged, _ = c.cmd("m", "NOOP")
        expect_lines(untagged,
                     [r"* 1 FETCH (FLAGS (\Flagged \Seen \Recent))"],
                     "flag change")
        os.unlink(find_file(md, first))
        untagged, tagged = c.cmd("k", "CHECK")
        expect_lines(untagged, ["* 1 EXPUNGE"], "expunged by another")
        check(tagged == "k OK Check completed.", tagged)
        c.cmd("z", "LOGOUT")
        c.close()
    finally:
        srv.stop()


def read_within(c, seconds):
    """One line, which must come within seconds."""
    start = time.time()
    got = c.line()
    took = time.time() - start
    check(took < seconds, f"{got!r} took {took:.2f}s")
    return got


def test_idle_reports_delivery(world):
    md = fresh_maildir(world, "Maildir-idle")
    first = deliver(md, ":2,")
    srv = server(world, "Maildir-idle")
    try:
        c = session(srv)
        c.cmd("s", "SELECT INBOX")
        c.send("i IDLE\r\n")
        c.expect(r"\+ idling")
        time.sleep(0.2)
        deliver(md)
        check(read_within(c, 1.0) == "* 2 EXISTS", "no EXISTS")
        check(c.line() == "* 2 RECENT", "no RECENT")
        set_info(md, first, "S")
        check(read_within(c, 1.0) == r"* 1 FETCH (FLAGS (\Seen \Recent))",
              "no FETCH")
        os.unlink(find_file(md, first))
        check(read_within(c, 1.0) == "* 1 EXPUNGE", "no EXPUNGE")
        c.send("DONE\r\n")
        check(c.line() == "i OK Idle completed.", "IDLE not ended")
        # Anything but DONE ends IDLE with BAD, as Dovecot does.
        c.send("j IDLE\r\n")
        c.expect(r"\+ idling")
        c.send("xx\r\n")
        check(c.line() == "j BAD Expected DONE", "IDLE xx")
        # A command pipelined behind DONE is not lost; "done" is DONE.
        c.send("k IDLE\r\n")
        c.expect(r"\+ idling")
        c.send("done\r\nl NOOP\r\n")
        check(c.line() == "k OK Idle completed.", "IDLE done")
        check(c.line() == "l OK NOOP completed.", "NOOP after DONE")
        c.cmd("z", "LOGOUT")
        c.close()
    finally:
        srv.stop()


def test_idle_authenticated(world):
    fresh_maildir(world, "Maildir-idle-auth")
    srv = server(world, "Maildir-idle-auth")
    try:
        c = session(srv)
        c.send("i IDLE\r\n")
        c.expect(r"\+ idling")
        c.send("DONE\r\n")
        check(c.line() == "i OK Idle completed.", "IDLE not ended")
        c.cmd("j", "IDLE x", "BAD")
        c.cmd("z", "LOGOUT")
        c.close()
    finally:
        srv.stop()


def test_idle_timeout(world):
    fresh_maildir(world, "Maildir-idle-to")
    srv = Server(world, maildir="~/Maildir-idle-to", special_folders="",
                 idle_timeout=2)
    try:
        c = session(srv)
        c.cmd("s", "SELECT INBOX")
        c.send("i IDLE\r\n")
        c.expect(r"\+ idling")
        start = time.time()
        check(c.line() == "* BYE Autologout; idle for too long", "no BYE")
        check(time.time() - start > 1.5, "BYE came too early")
        check(c.closed(), "connection still open")
        c.close()
    finally:
        srv.stop()


def test_two_sessions(world):
    """One session expunges what it found \\Deleted; the other, idling,
    hears of it at once, and hears of new mail too. \\Recent goes to
    the session that saw the mail first."""
    md = fresh_maildir(world, "Maildir-two")
    names = [deliver(md) for _ in range(3)]
    srv = server(world, "Maildir-two")
    try:
        a = session(srv)
        b = session(srv)
        untagged, _ = a.cmd("s", "SELECT INBOX")
        check("* 3 RECENT" in untagged, f"first SELECT: {untagged}")
        untagged, _ = b.cmd("s", "SELECT INBOX")
        check("* 3 EXISTS" in untagged and "* 0 RECENT" in untagged,
              f"second SELECT: {untagged}")
        a.send("i IDLE\r\n")
        a.expect(r"\+ idling")
        set_info(md, names[0], "T")
        set_info(md, names[2], "T")
        check(read_within(a, 1.0).endswith(r"FETCH (FLAGS (\Deleted \Recent))"),
              "flags in IDLE")
        check(a.line().endswith(r"FETCH (FLAGS (\Deleted \Recent))"),
              "flags in IDLE")
        untagged, _ = b.cmd("x", "EXPUNGE")
        expect_lines(untagged, ["* 3 EXPUNGE", "* 1 EXPUNGE"], "B EXPUNGE")
        # A may see both at once (3, then 1) or one sync apart (1,
        # then 3 renumbered to 2): either must leave the middle one.
        seqs = ["m1", "m2", "m3"]
        for _ in range(2):
            got = read_within(a, 1.0)
            m = re.fullmatch(r"\* (\d+) EXPUNGE", got)
            check(m and 1 <= int(m.group(1)) <= len(seqs),
                  f"A in IDLE: {got!r}")
            del seqs[int(m.group(1)) - 1]
        check(seqs == ["m2"], f"A in IDLE: expunged the wrong ones: {seqs}")
        deliver(md)
        check(read_within(a, 1.0) == "* 2 EXISTS", "A: no EXISTS")
        check(a.line() == "* 2 RECENT", "A: no RECENT")
        a.send("DONE\r\n")
        check(a.line() == "i OK Idle completed.", "IDLE not ended")
        untagged, _ = b.cmd("n", "NOOP")
        expect_lines(untagged, ["* 2 EXISTS", "* 0 RECENT"], "B NOOP")
        for c in (a, b):
            c.cmd("z", "LOGOUT")
            c.close()
    finally:
        srv.stop()
