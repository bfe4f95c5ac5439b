"""REPLACE and UID REPLACE (RFC 8508) over a real socket: 3.2's and
3.3's examples (APPENDUID in an untagged OK before the EXPUNGE, 4.3),
replacing into another mailbox (3.4), the old message's flags not
inherited (1), TRYCREATE for a missing mailbox with the old message
kept (3.4: "extensions that affect APPEND affect REPLACE in the same
way"; "MUST NOT leave the selected mailbox in an inconsistent state"),
an invalid or unknown message, a read-only mailbox, the selected state
only (3.5), and the quota counted net of the replaced message (3.4)."""
import os

from harness import Client, check, running, served
from test_quota import sizefile
from test_write import (MSG, OVERQUOTA, deliver, files, fresh_maildir,
                        login, select, take_recent)

DRAFT1 = (b"Date: Thu, 1 Jan 2015 00:05:00 -0500 (EST)\r\n"
          b"From: Fritz Schmidt <fritz.ze@example.org>\r\n"
          b"Subject: happy new year !!\r\n"
          b"To: miss.mitzy@example.org\r\n"
          b"Message-Id: <B238822388-0100000@example.org>\r\n"
          b"MIME-Version: 1.0\r\n"
          b"Content-Type: TEXT/PLAIN; CHARSET=US-ASCII\r\n\r\n"
          b"Just saw the best fireworks show. Wish you were here.\r\n")
DRAFT2 = DRAFT1.replace(b"0100000", b"0100001").replace(
    b"here.\r\n", b"here.\r\nHopefully next year you can join us.\r\n")


def replace(c, tag, head, body):
    c.send(f"{tag} {head} {{{len(body)}}}\r\n")
    line = c.line()
    if not line.startswith("+"):
        return [], line
    c.send(body + b"\r\n")
    untagged = []
    while True:
        line = c.line()
        if line.startswith(tag + " "):
            return untagged, line
        untagged.append(line)


def uidvalidity(c, tag, box):
    u, t = c.cmd(tag, f"STATUS {box} (UIDVALIDITY)")
    return int(u[0].split("UIDVALIDITY ")[1].rstrip(")"))


def test_replace_examples(world):
    md = fresh_maildir(world, "Maildir-repl", folders=[".Drafts"])
    drafts = os.path.join(md, ".Drafts")
    for _ in range(4):
        deliver(drafts)
    with served(world, "Maildir-repl") as (srv, c):
        v = uidvalidity(c, "v", "Drafts")
        c.cmd("s", "SELECT Drafts")
        c.cmd("f", r"STORE 4 +FLAGS.SILENT (\Flagged)")
        # 3.2's example (all four are \Recent to this first session,
        # and so is the new message)
        u, t = replace(c, "A003", r"REPLACE 4 Drafts (\Seen \Draft)", DRAFT1)
        check(u == [f"* OK [APPENDUID {v} 5] Replacement Message ready",
                    "* 4 EXPUNGE", "* 4 EXISTS", "* 4 RECENT"],
              f"REPLACE: {u!r}")
        check(t == "A003 OK Replace completed.", f"REPLACE: {t!r}")
        # 3.3's example: the new one, by UID
        u, t = replace(c, "A004", r"UID REPLACE 5 Drafts (\Seen \Draft)",
                       DRAFT2)
        check(u == [f"* OK [APPENDUID {v} 6] Replacement Message ready",
                    "* 4 EXPUNGE", "* 4 EXISTS", "* 4 RECENT"],
              f"UID REPLACE: {u!r}")
        check(t == "A004 OK Replace completed.", f"UID REPLACE: {t!r}")
        # Nothing inherited from the replaced message (1): no \Flagged.
        u, t = c.cmd("b", "UID FETCH 6 (FLAGS RFC822.SIZE)")
        check(u == [f"* 4 FETCH (UID 6 FLAGS (\\Seen \\Draft \\Recent) "
                    f"RFC822.SIZE {len(DRAFT2)})"], f"FETCH: {u!r}")
        check(len(files(drafts)) == 4, f"Drafts: {files(drafts)}")


def test_replace_into_other(world):
    md = fresh_maildir(world, "Maildir-repl2", folders=[".Drafts", ".Sent"])
    drafts = os.path.join(md, ".Drafts")
    for _ in range(2):
        deliver(drafts, ":2,DS")
    with running(world, "Maildir-repl2") as srv:
        take_recent(srv)
        c = login(srv)
        v = uidvalidity(c, "v", "Sent")
        c.cmd("s", "SELECT Drafts")
        # 3.4: from \Drafts to \Sent after submission; only the one
        # message goes, not every \Deleted one.
        c.cmd("d", r"STORE 1 +FLAGS.SILENT (\Deleted)")
        u, t = replace(c, "a", r"REPLACE 2 Sent (\Seen)", DRAFT1)
        check(u == [f"* OK [APPENDUID {v} 1] Replacement Message ready",
                    "* 2 EXPUNGE"], f"REPLACE into Sent: {u!r}")
        check(t == "a OK Replace completed.", f"{t!r}")
        check(len(files(drafts)) == 1 and
              len(files(os.path.join(md, ".Sent"))) == 1, "files")
        # TRYCREATE: the old message stays, no EXPUNGE.
        u, t = replace(c, "b", "REPLACE 1 Nope", DRAFT1)
        check(u == [] and t == "b NO [TRYCREATE] Mailbox doesn't exist: "
              "Nope", f"TRYCREATE: {u!r} {t!r}")
        check(len(files(drafts)) == 1, "TRYCREATE removed the message")
        # An empty message is refused as APPEND refuses it.
        c.send("b2 REPLACE 1 Sent {0}\r\n")
        line = c.line()
        if line.startswith("+"):
            c.send("\r\n")
            line = c.line()
        check(line.startswith("b2 NO"), f"empty: {line!r}")
        # Invalid and unknown messages.
        c.cmd("c", "REPLACE 0 Sent {1+}\r\nx", status="BAD")
        c.cmd("d2", "REPLACE 7 Sent {1+}\r\nx", status="BAD")
        c.cmd("e", "REPLACE 1:2 Sent {1+}\r\nx", status="BAD")
        c.cmd("f", "UID REPLACE 99 Sent {1+}\r\nx",
              status="NO [NONEXISTENT]")
        c.cmd("g", "REPLACE 1 Sent", status="BAD")
        c.cmd("h", "REPLACE 1 Sent {1+}\r\nx {1+}\r\ny", status="BAD")
        check(len(files(drafts)) == 1, "a failed REPLACE removed mail")
        # Read-only: the EXPUNGE cannot happen, nothing is added.
        c.cmd("x", "EXAMINE Drafts")
        u, t = replace(c, "i", "REPLACE 1 Sent", DRAFT1)
        check(t.startswith("i NO [READ-ONLY]"), f"EXAMINE: {t!r}")
        check(len(files(os.path.join(md, ".Sent"))) == 1, "Sent grew")
        c.cmd("z", "LOGOUT")
        # 3.5: only in the selected state.
        c = login(srv)
        c.cmd("j", "REPLACE 1 Sent {1+}\r\nx", status="BAD")
        c.cmd("k", "UID REPLACE 1 Sent {1+}\r\nx", status="BAD")
        c.cmd("z", "LOGOUT")
        c = Client(srv.port)
        c.expect(r"\* OK .*")
        c.cmd("l", "REPLACE 1 Sent {1+}\r\nx", status="BAD")
        c.close()


def test_replace_quota_net(world):
    md = fresh_maildir(world, "Maildir-replq")
    for _ in range(2):
        deliver(md)
    big = MSG + b"x" * 100 + b"\r\n"
    # Room for the two messages and a little: APPEND of big is over the
    # limit, REPLACE of one message by it is not (3.4: "only the net
    # quota consumption is considered").
    sizefile(md, f"{2 * len(MSG) + 110}S")
    with running(world, "Maildir-replq") as srv:
        take_recent(srv)
        c = select(srv)
        u, t = replace(c, "a", "APPEND INBOX", big)
        check(t == "a " + OVERQUOTA, f"APPEND: {t!r}")
        u, t = replace(c, "b", "REPLACE 1 INBOX", big)
        check(t == "b OK Replace completed.", f"REPLACE: {u!r} {t!r}")
        check(len(files(md)) == 2, f"files {files(md)}")
        # maildirsize adds up to what is there.
        with open(os.path.join(md, "maildirsize")) as f:
            lines = f.read().splitlines()[1:]
        used = sum(int(x.split()[0]) for x in lines)
        count = sum(int(x.split()[1]) for x in lines)
        check((used, count) == (len(MSG) + len(big), 2),
              f"quota {used} {count}")
        # Too big even net of the old message: NO [OVERQUOTA], kept.
        u, t = replace(c, "c", "REPLACE 1 INBOX", big + b"y" * 200)
        check(t == "c " + OVERQUOTA and u == [], f"{u!r} {t!r}")
        check(len(files(md)) == 2, f"files {files(md)}")
        with open(os.path.join(md, "maildirsize")) as f:
            lines = f.read().splitlines()[1:]
        check(sum(int(x.split()[0]) for x in lines) == used,
              "quota changed by a failed REPLACE")
        c.cmd("z", "LOGOUT")


def test_capability(world):
    fresh_maildir(world, "Maildir-replc")
    with served(world, "Maildir-replc") as (srv, c):
        u, t = c.cmd("a", "CAPABILITY")
        check("REPLACE" in u[0].split(), f"no REPLACE: {u[0]}")
