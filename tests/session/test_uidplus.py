"""UIDPLUS (RFC 4315) over a real socket: APPENDUID for each APPEND,
COPYUID pairing source and destination UIDs in order (runs written as
ranges, gaps kept), and UID EXPUNGE removing only the \\Deleted messages
of its set while another client's \\Deleted message stays (the reason the
command exists, RFC 4315 2.1)."""
from harness import Server, check
from test_write import (MSG, append, deliver, files, fresh_maildir, login,
                        select, take_recent, uidplus)


def test_appenduid_and_copyuid(world):
    md = fresh_maildir(world, "Maildir-uidplus", folders=[".Dest"])
    for _ in range(6):
        deliver(md)
    srv = Server(world, maildir="~/Maildir-uidplus")
    try:
        take_recent(srv)
        c = select(srv)
        u, t = c.cmd("a", "STATUS Dest (UIDVALIDITY UIDNEXT)")
        dest_v = int(u[0].split("UIDVALIDITY ")[1].split()[0].rstrip(")"))
        u, t = append(c, "b", "APPEND Dest", MSG)
        check(t == f"b OK [APPENDUID {dest_v} 1] Append completed.",
              f"APPEND: {t!r}")
        # 1,2,3 and 5,6: two runs on each side, paired in order.
        u, t = c.cmd("c", "COPY 1:3,5:6 Dest")
        check(t == f"c OK [COPYUID {dest_v} 1:3,5:6 2:6] Copy completed.",
              f"COPY: {t!r}")
        u, t = c.cmd("d", "UID COPY 6,4,2 Dest")
        check(t == f"d OK [COPYUID {dest_v} 2,4,6 7:9] Copy completed.",
              f"UID COPY: {t!r}")
        u, t = c.cmd("e", "UID COPY 100:200 Dest")
        check(t == "e OK No messages found.", f"UID COPY of nothing: {t!r}")
        check(len(files(md + "/.Dest")) == 9, "Dest should hold 9")
        c.cmd("z", "LOGOUT")
    finally:
        srv.stop()


def test_uid_expunge(world):
    md = fresh_maildir(world, "Maildir-uidexp")
    for _ in range(5):
        deliver(md)
    srv = Server(world, maildir="~/Maildir-uidexp")
    try:
        take_recent(srv)
        c = select(srv)
        c.cmd("a", r"STORE 1:2,4:5 +FLAGS.SILENT (\Deleted)")
        # 4 and 5 are \Deleted too but outside the set: they stay.
        u, t = c.cmd("b", "UID EXPUNGE 1:3")
        check(u == ["* 2 EXPUNGE", "* 1 EXPUNGE"], f"UID EXPUNGE: {u!r}")
        check(t == "b OK Expunge completed.", f"UID EXPUNGE: {t!r}")
        u, t = c.cmd("c", "UID FETCH 1:* (FLAGS)")
        check(u == [r"* 1 FETCH (UID 3 FLAGS ())",
                    r"* 2 FETCH (UID 4 FLAGS (\Deleted))",
                    r"* 3 FETCH (UID 5 FLAGS (\Deleted))"], f"left: {u!r}")
        u, t = c.cmd("d", "UID EXPUNGE 5:*")
        check(u == ["* 3 EXPUNGE"], f"UID EXPUNGE 5:*: {u!r}")
        u, t = c.cmd("e", "UID EXPUNGE 100")
        check(u == [] and t == "e OK Expunge completed.", f"{u!r} {t!r}")
        u, t = c.cmd("f", "UID EXPUNGE", status="BAD")
        u, t = c.cmd("g", "UID EXPUNGE 1:x", status="BAD")
        check(len(files(md)) == 2, f"files {files(md)}")
        c.cmd("h", "EXAMINE INBOX")
        u, t = c.cmd("i", "UID EXPUNGE 4", status="")
        check(t.startswith("i OK") or t.startswith("i NO"),
              f"UID EXPUNGE read-only: {t!r}")
        check(len(files(md)) == 2, "EXAMINE must not expunge")
        c.cmd("z", "LOGOUT")
    finally:
        srv.stop()
