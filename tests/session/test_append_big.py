"""APPEND of a message far larger than the parser's in-memory literal
limit (1 MiB after login): the literal streams into a file in the
Maildir's tmp/ (DESIGN.md, "The way of one command"), for synchronizing
{n} and non-synchronizing {n+} literals alike. The message must land in
cur/ byte for byte, tmp/ must be empty afterwards, and the connection
process must not have held the message in memory (its VmHWM stays
small)."""
import os
import re

from harness import Client, Server, USERS, check, fresh_maildir, proc_status

SIZE = 5 * 1024 * 1024


def big_message(seed):
    head = (b"From: big@example.org\r\nSubject: big %d\r\n\r\n" % seed)
    line = b"%07d abcdefghijklmnopqrstuvwxyz0123456789 ABCDEFGHIJKLMNOPQRSTU" \
        b"\r\n"
    body = b"".join(line % (i + seed) for i in range(SIZE // 64))
    return (head + body)[:SIZE - 2] + b"\r\n"


def append(c, tag, body, sync):
    if sync:
        c.send(f"{tag} APPEND INBOX {{{len(body)}}}\r\n")
        c.expect(r"\+ .*")
        c.send(body + b"\r\n")
    else:
        c.send(f"{tag} APPEND INBOX {{{len(body)}+}}\r\n".encode() +
               body + b"\r\n")
    while True:
        line = c.line()
        if line.startswith(tag + " "):
            return line


def cur_files(md):
    out = {}
    for name in os.listdir(os.path.join(md, "cur")):
        with open(os.path.join(md, "cur", name), "rb") as f:
            out[name] = f.read()
    return out


def test_append_big(world):
    md = fresh_maildir(world, "Maildir-big")
    srv = Server(world, maildir="~/Maildir-big")
    try:
        c = Client(srv.port)
        c.expect(r"\* OK .*")
        c.cmd("l", f"LOGIN alice {USERS['alice'][1]}")
        kids = srv.children()
        check(len(kids) == 1, f"connection processes {kids}, want one")
        msgs = [big_message(1), big_message(2)]
        for tag, msg, sync in (("a", msgs[0], True), ("b", msgs[1], False)):
            t = append(c, tag, msg, sync)
            check(re.fullmatch(tag + r" OK \[APPENDUID [1-9][0-9]* [1-9][0-9]*\]"
                               r" Append completed\.", t), f"got {t!r}")
        got = sorted(cur_files(md).values())
        check(got == sorted(msgs),
              f"cur/ holds {len(got)} files of sizes "
              f"{[len(g) for g in got]}, want the two messages of {SIZE}")
        check(os.listdir(os.path.join(md, "tmp")) == [],
              f"tmp/ {os.listdir(os.path.join(md, 'tmp'))}")
        hwm = int(proc_status(kids[0])["VmHWM"][0])
        check(hwm < 20 * 1024, f"peak RSS {hwm} kB after two 5 MB APPENDs")
        # Still bounded: over max_sunk_literal is refused before the data.
        c.send("c APPEND INBOX {67108865}\r\n")
        c.expect(r"c NO \[TOOBIG\] Message too large")
        # A literal sunk and then a syntax error: nothing left behind.
        c.send(b"d APPEND INBOX {5+}\r\nhello)\r\n")
        c.expect(r"d BAD Unexpected character '\)'")
        c.send(b"e APPEND INBOX {5+}\r\nhello junk\r\n")
        c.expect(r"e BAD Invalid arguments")
        check(os.listdir(os.path.join(md, "tmp")) == [],
              f"tmp/ {os.listdir(os.path.join(md, 'tmp'))}")
        check(len(cur_files(md)) == 2, "a bad APPEND stored a message")
        c.cmd("z", "LOGOUT")
    finally:
        srv.stop()
