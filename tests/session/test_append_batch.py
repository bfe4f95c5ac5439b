"""Pipelined APPENDs (LITERAL+, RFC 7888) committed as a group
(cmd_append.c): the answers come in the order of the commands, each OK
with its own UID (RFC 4315 3), also when another command, a failing
APPEND or another mailbox comes in between; every message is in cur/
and in dovecot-uidlist once answered."""
import os
import re

from harness import Server, check, login, own
from test_write import make_dirs

MSG = b"From: a@example.org\r\nSubject: batch %d\r\n\r\nbody %d\r\n"


def fresh(world, name):
    path = world.path("home", "alice", name)
    make_dirs(path)
    make_dirs(os.path.join(path, ".Sent"))
    open(os.path.join(path, ".Sent", "maildirfolder"), "w").close()
    own(os.path.join(path, ".Sent", "maildirfolder"))
    return path


def append_cmd(tag, box, n, flags=r"(\Seen)"):
    body = MSG % (n, n)
    return (b"%s APPEND %s %s {%d+}\r\n" % (tag.encode(), box.encode(),
                                            flags.encode(), len(body)) +
            body + b"\r\n")


def tagged(c, tags):
    """Reads until every tag is answered; the tagged lines in order and
    the untagged ones."""
    got, untagged = [], []
    while len(got) < len(tags):
        line = c.line()
        if line.startswith("* "):
            untagged.append(line)
        else:
            got.append(line)
    return got, untagged


def uidlist_uids(path):
    with open(os.path.join(path, "dovecot-uidlist")) as f:
        return [int(x.split()[0]) for x in f.read().splitlines()[1:]]


def test_pipelined_answers_in_order(world):
    md = fresh(world, "Maildir-batch")
    srv = Server(world, maildir="~/Maildir-batch")
    try:
        c = login(srv)
        data = b"".join([append_cmd("a%d" % i, "INBOX", i)
                         for i in range(1, 6)])
        data += append_cmd("b1", "Nope", 6)
        data += b"b2 NOOP\r\n"
        data += append_cmd("b3", "INBOX", 7)
        data += append_cmd("b4", "Sent", 8, "()")
        data += append_cmd("b5", "INBOX", 9, "($Keyword)")
        data += append_cmd("b6", "INBOX", 10)
        tags = ["a1", "a2", "a3", "a4", "a5", "b1", "b2", "b3", "b4", "b5",
                "b6"]
        c.send(data)
        got, _ = tagged(c, tags)
        check([g.split()[0] for g in got] == tags,
              f"answers out of order: {got}")
        m = re.fullmatch(r"a1 OK \[APPENDUID (\d+) 1\] Append completed\.",
                         got[0])
        check(m is not None, f"got {got[0]!r}")
        v = m.group(1)
        want = ["a%d OK [APPENDUID %s %d] Append completed." % (i, v, i)
                for i in range(1, 6)]
        check(got[:5] == want, f"got {got[:5]}, want {want}")
        check(got[5] == "b1 NO [TRYCREATE] Mailbox doesn't exist: Nope",
              f"got {got[5]!r}")
        check(got[6].startswith("b2 OK"), f"got {got[6]!r}")
        check(got[7] == "b3 OK [APPENDUID %s 6] Append completed." % v,
              f"got {got[7]!r}")
        check(re.fullmatch(r"b4 OK \[APPENDUID \d+ 1\] Append completed\.",
                           got[8]) is not None, f"got {got[8]!r}")
        check(got[9] == "b5 OK [APPENDUID %s 7] Append completed." % v,
              f"got {got[9]!r}")
        check(got[10] == "b6 OK [APPENDUID %s 8] Append completed." % v,
              f"got {got[10]!r}")
        # Answered means on disk and numbered.
        check(uidlist_uids(md) == list(range(1, 9)),
              f"uidlist {uidlist_uids(md)}")
        check(len(os.listdir(os.path.join(md, "cur"))) == 8,
              f"cur/ {os.listdir(os.path.join(md, 'cur'))}")
        check(uidlist_uids(os.path.join(md, ".Sent")) == [1],
              "Sent's uidlist")
        # Into the selected mailbox: EXISTS before the first OK.
        c.cmd("s", "SELECT INBOX")
        c.send(append_cmd("c1", "INBOX", 11) + append_cmd("c2", "INBOX", 12))
        got, untagged = tagged(c, ["c1", "c2"])
        check(got == ["c%d OK [APPENDUID %s %d] Append completed." %
                      (i, v, 8 + i) for i in (1, 2)], f"got {got}")
        check("* 10 EXISTS" in untagged, f"untagged {untagged}")
        c.cmd("l", "LOGOUT")
    finally:
        srv.stop()
