"""CREATE, DELETE, RENAME, SUBSCRIBE, UNSUBSCRIBE, LIST, LSUB and STATUS
(RFC 3501 6.3.3-6.3.10) over a real socket, with the answers Dovecot 2.3
gives where RFC 3501 leaves room (see src/imap/cmd_mailbox.c).

Each test has a Maildir of its own (maildir = ~/Maildir-NAME), so its
LIST output does not depend on other tests. Login makes the special-use
folders Drafts Sent Trash Junk Archive in it."""
import os
import re
import shutil
import time

from harness import Client, IS_ROOT, Server, USERS, check

SPECIAL = [r'* LIST (\HasNoChildren \Archive) "/" Archive',
           r'* LIST (\HasNoChildren \Drafts) "/" Drafts',
           r'* LIST (\HasNoChildren \Junk) "/" Junk',
           r'* LIST (\HasNoChildren \Sent) "/" Sent',
           r'* LIST (\HasNoChildren \Trash) "/" Trash']
INBOX = r'* LIST (\HasNoChildren) "/" INBOX'


def fresh(world, name):
    path = world.path("home", "alice", name)
    if os.path.lexists(path):
        shutil.rmtree(path)
    for sub in ("cur", "new", "tmp"):
        os.makedirs(os.path.join(path, sub))
    for root, _, _ in os.walk(path):
        os.chmod(root, 0o700)
        if IS_ROOT:
            os.chown(root, USERS["alice"][0], USERS["alice"][0])
    return path


class Session:
    def __init__(self, world, name):
        self.maildir = fresh(world, name)
        self.srv = Server(world, maildir="~/" + name)
        self.c = self.connect()

    def connect(self):
        c = Client(self.srv.port)
        c.expect(r"\* OK .*")
        c.cmd("l", "LOGIN alice " + USERS["alice"][1])
        return c

    def close(self):
        self.c.close()
        self.srv.stop()


def run(world, name, body):
    s = Session(world, name)
    try:
        body(s)
    finally:
        s.close()


def no_mailboxid(tag):
    """CREATE's tagged OK without its MAILBOXID code (RFC 8474 4.1: on
    every successful CREATE; test_esearch.py checks its value)."""
    m = re.fullmatch(r"(t OK )\[MAILBOXID \([A-Za-z0-9_-]{1,255}\)\] (.*)",
                     tag)
    return m.group(1) + m.group(2) if m else tag


def want(c, text, lines, tagged, status="OK"):
    """Sends text; the untagged lines and the tagged line must be exactly
    these (lines in any order when given as a set)."""
    got, tag = c.cmd("t", text, status)
    if text.upper().startswith("CREATE "):
        tag = no_mailboxid(tag)
    if isinstance(lines, set):
        check(set(got) == lines and len(got) == len(lines),
              f"{text}: got {got}, want {sorted(lines)}")
    else:
        check(got == lines, f"{text}: got {got}, want {lines}")
    check(tag == "t " + tagged, f"{text}: got {tag!r}, want 't {tagged}'")


def deliver(maildir, folder, name, body, info=None):
    """Writes a message file as an MDA would, readable by the user."""
    d = os.path.join(maildir, folder, "cur" if info else "new")
    path = os.path.join(d, name + (":2," + info if info else ""))
    with open(path, "wb") as f:
        f.write(body)
    if IS_ROOT:
        os.chown(path, USERS["alice"][0], USERS["alice"][0])


def test_list_separator_and_special(world):
    def body(s):
        c = s.c
        want(c, 'LIST "" ""', [r'* LIST (\Noselect) "/" ""'],
             "OK List completed.")
        want(c, 'LIST "a/b" ""', [r'* LIST (\Noselect) "/" a/'],
             "OK List completed.")
        want(c, 'LIST "" "*"', [INBOX] + SPECIAL, "OK List completed.")
        want(c, 'LIST "" %', [INBOX] + SPECIAL, "OK List completed.")
        want(c, 'LIST "" inbox', [INBOX], "OK List completed.")
        want(c, 'LIST "" nothing*', [], "OK List completed.")
        want(c, 'LIST NIL ""', [r'* LIST (\Noselect) "/" ""'],
             "OK List completed.")
    run(world, "Maildir-list", body)


def test_create_hierarchy(world):
    def body(s):
        c = s.c
        want(c, "CREATE a/b/c", [], "OK Create completed.")
        want(c, 'LIST "" a*', [r'* LIST (\HasChildren) "/" a',
                               r'* LIST (\HasChildren) "/" a/b',
                               r'* LIST (\HasNoChildren) "/" a/b/c'],
             "OK List completed.")
        want(c, 'LIST "" a/%', [r'* LIST (\HasChildren) "/" a/b'],
             "OK List completed.")
        want(c, 'LIST "a/" %', [r'* LIST (\HasChildren) "/" a/b'],
             "OK List completed.")
        want(c, 'LIST "" %/%/%', [r'* LIST (\HasNoChildren) "/" a/b/c'],
             "OK List completed.")
        want(c, "CREATE x/", [], "OK Create completed.")
        want(c, 'LIST "" x', [r'* LIST (\HasNoChildren) "/" x'],
             "OK List completed.")
        check(os.path.isdir(os.path.join(s.maildir, ".a.b.c", "cur")),
              ".a.b.c/cur missing")
    run(world, "Maildir-create", body)


def test_create_errors(world):
    def body(s):
        c = s.c
        want(c, "CREATE INBOX", [],
             "NO [ALREADYEXISTS] Mailbox already exists", "NO")
        want(c, "CREATE inbox", [],
             "NO [ALREADYEXISTS] Mailbox already exists", "NO")
        want(c, "CREATE Sent", [],
             "NO [ALREADYEXISTS] Mailbox already exists", "NO")
        want(c, 'CREATE "a.b"', [], "NO [CANNOT] Character not allowed "
             "in mailbox name: '.'", "NO")
        want(c, "CREATE ~x", [], "NO [CANNOT] Invalid mailbox name: "
             "Begins with '~'", "NO")
        want(c, 'CREATE "x//y"', [], "NO [CANNOT] Invalid mailbox name: "
             "Has adjacent hierarchy separators", "NO")
        want(c, 'CREATE "Entw&AP"', [],
             "NO [CANNOT] Mailbox name is not valid mUTF-7", "NO")
        want(c, 'CREATE ""', [],
             "NO [CANNOT] Invalid mailbox name: Name is empty", "NO")
        want(c, "CREATE", [], "BAD CREATE wants one mailbox name", "BAD")
        want(c, "CREATE a b", [], "BAD CREATE wants one mailbox name",
             "BAD")
        want(c, "CREATE (a)", [], "BAD CREATE wants one mailbox name",
             "BAD")
    run(world, "Maildir-createerr", body)


def test_names_quoted_and_literal(world):
    def body(s):
        c = s.c
        for name in ('"a b"', '"q\\"x"', '"p%q"', '"t\\\\u"', "r]s",
                     "Entw&APw-rfe", "NIL"):
            want(c, "CREATE " + name, [], "OK Create completed.")
        c.send("t CREATE {3}\r\n")
        c.expect(r"\+ .*")
        c.send("n;l\r\n")
        c.expect(r"t OK \[MAILBOXID \([0-9a-f]{32}\)\] Create completed\.")
        want(c, 'LIST "" *', [INBOX] + sorted(SPECIAL + [
            r'* LIST (\HasNoChildren) "/" "a b"',
            r'* LIST (\HasNoChildren) "/" "q\"x"',
            r'* LIST (\HasNoChildren) "/" "p%q"',
            r'* LIST (\HasNoChildren) "/" "t\\u"',
            r'* LIST (\HasNoChildren) "/" r]s',
            r'* LIST (\HasNoChildren) "/" Entw&APw-rfe',
            r'* LIST (\HasNoChildren) "/" "NIL"',
            r'* LIST (\HasNoChildren) "/" n;l',
        ], key=lambda l: l.rsplit('" ', 1)[1].strip('"')),
            "OK List completed.")
        check(os.path.isdir(os.path.join(s.maildir, ".Entw&APw-rfe")),
              "mUTF-7 folder not on disk as .Entw&APw-rfe")
        want(c, 'LIST "" Entw%', [r'* LIST (\HasNoChildren) "/" '
                                  r'Entw&APw-rfe'], "OK List completed.")
    run(world, "Maildir-names", body)


def test_delete(world):
    def body(s):
        c = s.c
        want(c, "CREATE z/b/c", [], "OK Create completed.")
        want(c, "DELETE z", [], "OK Delete completed.")
        # The children stay; z is a level only now (RFC 3501 6.3.4).
        want(c, 'LIST "" z*', [r'* LIST (\HasChildren) "/" z/b',
                               r'* LIST (\HasNoChildren) "/" z/b/c'],
             "OK List completed.")
        want(c, 'LIST "" %', [INBOX] + SPECIAL +
             [r'* LIST (\Noselect \HasChildren) "/" z'],
             "OK List completed.")
        want(c, 'LIST "" z', [r'* LIST (\Noselect \HasChildren) "/" z'],
             "OK List completed.")
        want(c, "DELETE z", [], "NO [NONEXISTENT] Mailbox doesn't exist: z",
             "NO")
        want(c, "DELETE nonex", [],
             "NO [NONEXISTENT] Mailbox doesn't exist: nonex", "NO")
        want(c, "DELETE INBOX", [], "NO [CANNOT] INBOX can't be deleted",
             "NO")
        want(c, 'DELETE "a.b"', [], "NO [CANNOT] Character not allowed "
             "in mailbox name: '.'", "NO")
        want(c, "DELETE", [], "BAD DELETE wants one mailbox name", "BAD")
        want(c, "DELETE z/b/c", [], "OK Delete completed.")
        want(c, "DELETE z/b", [], "OK Delete completed.")
        want(c, 'LIST "" z*', [], "OK List completed.")
    run(world, "Maildir-delete", body)


def test_rename(world):
    def body(s):
        c = s.c
        want(c, "CREATE a/b/c", [], "OK Create completed.")
        want(c, "RENAME a q", [], "OK Rename completed.")
        want(c, 'LIST "" a*', [], "OK List completed.")
        want(c, 'LIST "" q*', [r'* LIST (\HasChildren) "/" q',
                               r'* LIST (\HasChildren) "/" q/b',
                               r'* LIST (\HasNoChildren) "/" q/b/c'],
             "OK List completed.")
        want(c, "RENAME nonex x", [],
             "NO [NONEXISTENT] Mailbox doesn't exist: nonex", "NO")
        want(c, "RENAME q Sent", [],
             "NO [ALREADYEXISTS] Target mailbox already exists", "NO")
        want(c, "RENAME q q/x", [],
             "NO [CANNOT] Can't rename mailbox under its own child", "NO")
        want(c, 'RENAME q "a.b"', [], "NO [CANNOT] Character not allowed "
             "in mailbox name: '.'", "NO")
        want(c, "RENAME q", [], "BAD RENAME wants an existing and a new "
             "mailbox name", "BAD")
        deliver(s.maildir, "", "1700000000.M1P1.host", b"Subject: a\r\n\r\n")
        want(c, "RENAME INBOX Old", [], "OK Rename completed.")
        want(c, "STATUS Old (MESSAGES)", ["* STATUS Old (MESSAGES 1)"],
             "OK Status completed.")
        want(c, "STATUS INBOX (MESSAGES)", ["* STATUS INBOX (MESSAGES 0)"],
             "OK Status completed.")
    run(world, "Maildir-rename", body)


def test_subscriptions(world):
    def body(s):
        c = s.c
        want(c, "CREATE z/b/c", [], "OK Create completed.")
        want(c, "SUBSCRIBE z/b/c", [], "OK Subscribe completed.")
        want(c, "SUBSCRIBE Sent", [], "OK Subscribe completed.")
        want(c, "SUBSCRIBE Sent", [], "OK Subscribe completed.")
        want(c, "SUBSCRIBE inbox", [], "OK Subscribe completed.")
        want(c, 'LSUB "" *', ['* LSUB () "/" INBOX',
                              r'* LSUB (\Sent) "/" Sent',
                              '* LSUB () "/" z/b/c'], "OK Lsub completed.")
        want(c, 'LSUB "" %', ['* LSUB () "/" INBOX',
                              r'* LSUB (\Sent) "/" Sent',
                              r'* LSUB (\Noselect) "/" z'],
             "OK Lsub completed.")
        want(c, 'LSUB "z/" %', [r'* LSUB (\Noselect) "/" z/b'],
             "OK Lsub completed.")
        want(c, "SUBSCRIBE nonex", [],
             "NO [NONEXISTENT] Mailbox doesn't exist: nonex", "NO")
        want(c, "UNSUBSCRIBE Sent", [], "OK Unsubscribe completed.")
        want(c, "UNSUBSCRIBE nonex", [], "OK Unsubscribe completed.")
        want(c, 'LSUB "" S*', [], "OK Lsub completed.")
        want(c, "SUBSCRIBE", [], "BAD SUBSCRIBE wants one mailbox name",
             "BAD")
        want(c, 'LSUB ""', [], "BAD LSUB wants a reference and a mailbox "
             "pattern", "BAD")
        # A subscription outlives its mailbox (RFC 3501 6.3.4).
        want(c, "DELETE z/b/c", [], "OK Delete completed.")
        want(c, 'LSUB "" z*', ['* LSUB () "/" z/b/c'], "OK Lsub completed.")
    run(world, "Maildir-subs", body)


def test_status(world):
    def body(s):
        c = s.c
        want(c, "STATUS Sent (MESSAGES RECENT UIDNEXT UNSEEN)",
             ["* STATUS Sent (MESSAGES 0 RECENT 0 UIDNEXT 1 UNSEEN 0)"],
             "OK Status completed.")
        deliver(s.maildir, ".Sent", "1700000000.M1P1.host",
                b"Subject: a\r\n\r\nhi\r\n")
        deliver(s.maildir, ".Sent", "1700000001.M1P1.host",
                b"Subject: b\r\n\r\nhi\r\n", info="S")
        got, _ = c.cmd("t", "STATUS Sent (UIDVALIDITY UNSEEN MESSAGES "
                       "RECENT UIDNEXT)")
        check(len(got) == 1 and __import__("re").fullmatch(
            r"\* STATUS Sent \(MESSAGES 2 RECENT 2 UIDNEXT 3 "
            r"UIDVALIDITY \d+ UNSEEN 1\)", got[0]), f"got {got}")
        # Names other than INBOX are case-sensitive (RFC 3501 5.1).
        want(c, "STATUS sent (RECENT)", [], "NO [NONEXISTENT] Mailbox "
             "doesn't exist: sent", "NO")
        want(c, "STATUS inbox (MESSAGES)", ["* STATUS INBOX (MESSAGES 0)"],
             "OK Status completed.")
        want(c, "STATUS nonex (MESSAGES)", [],
             "NO [NONEXISTENT] Mailbox doesn't exist: nonex", "NO")
        want(c, "CREATE z/b/c", [], "OK Create completed.")
        want(c, "DELETE z", [], "OK Delete completed.")
        want(c, "STATUS z (MESSAGES)", [],
             "NO [NONEXISTENT] Mailbox doesn't exist: z", "NO")
        want(c, "STATUS Sent (BOGUS)", [], "BAD Invalid status item BOGUS",
             "BAD")
        want(c, "STATUS Sent ()", [], "BAD Empty status list", "BAD")
        want(c, "STATUS Sent MESSAGES", [], "BAD STATUS wants a mailbox "
             "name and a list of status items", "BAD")
        want(c, "STATUS", [], "BAD STATUS wants a mailbox name and a list "
             "of status items", "BAD")
        want(c, 'STATUS "a.b" (MESSAGES)', [], "NO [CANNOT] Character not "
             "allowed in mailbox name: '.'", "NO")
    run(world, "Maildir-status", body)


def test_selected_mailbox(world):
    def body(s):
        c = s.c
        want(c, "CREATE foo", [], "OK Create completed.")
        c.cmd("s", "SELECT foo")
        got, _ = c.cmd("t", "STATUS foo (MESSAGES)")
        check("* STATUS foo (MESSAGES 0)" in got, f"got {got}")
        c.send("t DELETE foo\r\n")
        c.expect("t OK Delete completed.")
        c.expect(r"\* BYE Selected mailbox was deleted, have to "
                 r"disconnect\.")
        check(c.closed(), "connection still open after BYE")
        c = s.c = s.connect()
        want(c, "CREATE bar/x", [], "OK Create completed.")
        c.cmd("s", "SELECT bar/x")
        c.send("t RENAME bar baz\r\n")
        c.expect("t OK Rename completed.")
        c.expect(r"\* BYE IMAP session state is inconsistent, please "
                 r"relogin\.")
        check(c.closed(), "connection still open after BYE")
        c = s.c = s.connect()
        c.cmd("s", "SELECT baz/x")
        want(c, "DELETE baz", [], "OK Delete completed.")
        want(c, "NOOP", [], "OK NOOP completed.")
    run(world, "Maildir-selected", body)
