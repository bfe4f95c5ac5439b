"""QUOTA (RFC 9208) over a real socket, on the Maildir++ maildirsize:
GETQUOTA and GETQUOTAROOT (4.1.1, 4.1.2) with STORAGE in units of 1024
octets (5.1) and MESSAGE (5.2), only limited resources listed (4.2.1),
GETQUOTAROOT of a mailbox that does not exist (4.1.2), the unknown root,
SETQUOTA refused unless quota_set = yes and then rewriting the limits
line (4.1.3, the example's "Any previous resource limits ... are
discarded"), a zero limit refused (3.2: "A client MUST be prepared for a
SETQUOTA command to fail"), STATUS DELETED and DELETED-STORAGE (4.1.4)
and the tagged NO [OVERQUOTA] of APPEND and COPY (4.3.1).

The RFC's examples use roots "#user/alice" and "!partition/sda4"; skua
has one root per user, "User quota" as in Dovecot, so they are replayed
with that name."""
import os

from harness import check
from test_write import (MSG, OVERQUOTA, append, deliver, exact, files,
                        fresh_maildir, login, put, select, take_recent)
from harness import Server

ROOT = '"User quota"'


def sizefile(md, first, total=None, count=None):
    if total is None:
        total = count = 0
        for root, _, names in os.walk(md):
            if os.path.basename(root) in ("cur", "new"):
                for n in names:
                    total += os.path.getsize(os.path.join(root, n))
                    count += 1
    put(os.path.join(md, "maildirsize"), f"{first}\n{total} {count}\n")


def first_line(md):
    with open(os.path.join(md, "maildirsize")) as f:
        return f.readline().rstrip("\n")


def caps(c):
    u, t = c.cmd("cap", "CAPABILITY")
    return u[0].split()[2:]


def test_capabilities(world):
    fresh_maildir(world, "Maildir-qcap")
    srv = Server(world, maildir="~/Maildir-qcap")
    try:
        c = login(srv)
        got = caps(c)
        # RFC 9208 1: QUOTA for RFC 2087 clients, and at least one
        # QUOTA=RES-; STORAGE and MESSAGE are what maildirsize limits.
        for cap in ("QUOTA", "QUOTA=RES-STORAGE", "QUOTA=RES-MESSAGE"):
            check(cap in got, f"{cap} missing from {got}")
        check("QUOTASET" not in got, "QUOTASET without quota_set = yes")
        c.cmd("z", "LOGOUT")
    finally:
        srv.stop()
    srv = Server(world, maildir="~/Maildir-qcap", quota_set="yes")
    try:
        c = login(srv)
        check("QUOTASET" in caps(c), "QUOTASET missing with quota_set")
        c.cmd("z", "LOGOUT")
    finally:
        srv.stop()


def test_getquota(world):
    md = fresh_maildir(world, "Maildir-getq", folders=[".Sent"])
    for _ in range(3):
        deliver(md)
    # 1024000 bytes: 1000 units of 1024 octets (RFC 9208 5.1); the usage
    # is written large on purpose so that it is not below 1 KiB.
    sizefile(md, "1024000S,1000C", 5000, 42)
    srv = Server(world, maildir="~/Maildir-getq")
    try:
        c = login(srv)
        # 4.1.1 (with our root's name)
        exact(c, "G0001", f"GETQUOTA {ROOT}",
              [f"* QUOTA {ROOT} (STORAGE 4 1000 MESSAGE 42 1000)"],
              "OK Getquota completed.")
        # 4.1.2
        exact(c, "G0002", "GETQUOTAROOT INBOX",
              [f"* QUOTAROOT INBOX {ROOT}",
               f"* QUOTA {ROOT} (STORAGE 4 1000 MESSAGE 42 1000)"],
              "OK Getquotaroot completed.")
        exact(c, "a", "GETQUOTAROOT inbox",
              [f"* QUOTAROOT INBOX {ROOT}",
               f"* QUOTA {ROOT} (STORAGE 4 1000 MESSAGE 42 1000)"],
              "OK Getquotaroot completed.")
        exact(c, "b", "GETQUOTAROOT Sent",
              [f"* QUOTAROOT Sent {ROOT}",
               f"* QUOTA {ROOT} (STORAGE 4 1000 MESSAGE 42 1000)"],
              "OK Getquotaroot completed.")
        # 4.1.2: "the mailbox name parameter doesn't have to reference an
        # existing mailbox"
        exact(c, "c", 'GETQUOTAROOT "Not yet"',
              [f'* QUOTAROOT "Not yet" {ROOT}',
               f"* QUOTA {ROOT} (STORAGE 4 1000 MESSAGE 42 1000)"],
              "OK Getquotaroot completed.")
        # 4.1.1: "NO - getquota error: no such quota root"
        exact(c, "d", 'GETQUOTA "!partition/sda4"', [],
              "NO [NONEXISTENT] Quota root doesn't exist.")
        exact(c, "e", 'GETQUOTA ""', [],
              "NO [NONEXISTENT] Quota root doesn't exist.")
        c.cmd("f", "GETQUOTA", status="BAD")
        c.cmd("g", "GETQUOTA a b", status="BAD")
        c.cmd("h", "GETQUOTAROOT", status="BAD")
        c.cmd("i", "GETQUOTAROOT (INBOX)", status="BAD")
        c.cmd("z", "LOGOUT")
        # Not in the not-authenticated state (RFC 9208 4.1: commands of
        # the authenticated state, like the others that name mailboxes).
        from harness import Client
        c = Client(srv.port)
        c.expect(r"\* OK .*")
        c.cmd("n", f"GETQUOTA {ROOT}", status="BAD")
        c.close()
    finally:
        srv.stop()


def test_limits_listed(world):
    md = fresh_maildir(world, "Maildir-qlist")
    deliver(md)
    srv = Server(world, maildir="~/Maildir-qlist")
    try:
        c = login(srv)
        # No maildirsize: no quota, an empty list (4.2.1: "an empty list
        # means there are no administrative resource limits").
        exact(c, "a", f"GETQUOTA {ROOT}", [f"* QUOTA {ROOT} ()"],
              "OK Getquota completed.")
        sizefile(md, "10C")
        exact(c, "b", f"GETQUOTA {ROOT}", [f"* QUOTA {ROOT} (MESSAGE 1 10)"],
              "OK Getquota completed.")
        sizefile(md, "10240S")
        exact(c, "c", f"GETQUOTA {ROOT}", [f"* QUOTA {ROOT} (STORAGE 0 10)"],
              "OK Getquota completed.")
        c.cmd("z", "LOGOUT")
    finally:
        srv.stop()


def test_setquota(world):
    md = fresh_maildir(world, "Maildir-setq")
    for _ in range(2):
        deliver(md)
    sizefile(md, "113664S,1000C")
    srv = Server(world, maildir="~/Maildir-setq")
    try:
        c = login(srv)
        exact(c, "a", f"SETQUOTA {ROOT} (STORAGE 510)", [],
              "NO [NOPERM] Quota can be changed only by the administrator.")
        check(first_line(md) == "113664S,1000C", "SETQUOTA refused changed "
              "maildirsize")
        c.cmd("b", f"SETQUOTA {ROOT}", status="BAD")
        c.cmd("c", f"SETQUOTA {ROOT} (STORAGE)", status="BAD")
        c.cmd("d", f"SETQUOTA {ROOT} (STORAGE x)", status="BAD")
        c.cmd("z", "LOGOUT")
    finally:
        srv.stop()
    srv = Server(world, maildir="~/Maildir-setq", quota_set="yes")
    try:
        c = login(srv)
        # 4.1.3's example, with our root's name.
        exact(c, "S0000", f"GETQUOTA {ROOT}",
              [f"* QUOTA {ROOT} (STORAGE 0 111 MESSAGE 2 1000)"],
              "OK Getquota completed.")
        # "Any previous resource limits for the named quota root are
        # discarded, even resource limits not explicitly listed"
        exact(c, "S0001", f"SETQUOTA {ROOT} (STORAGE 510)",
              [f"* QUOTA {ROOT} (STORAGE 0 510)"], "OK Setquota completed.")
        check(first_line(md) == "522240S", f"limits {first_line(md)!r}")
        exact(c, "S0002", 'SETQUOTA "!partition/sda4" (STORAGE 99999999)',
              [], "NO [NONEXISTENT] Quota root doesn't exist.")
        exact(c, "a", f"SETQUOTA {ROOT} (MESSAGE 5 STORAGE 20)",
              [f"* QUOTA {ROOT} (STORAGE 0 20 MESSAGE 2 5)"],
              "OK Setquota completed.")
        check(first_line(md) == "20480S,5C", f"limits {first_line(md)!r}")
        exact(c, "b", f"SETQUOTA {ROOT} (STORAGE 0)", [],
              "NO [CANNOT] A zero limit cannot be set: the Maildir++ quota "
              "knows no such limit")
        exact(c, "c", f"SETQUOTA {ROOT} (MAILBOX 10)", [],
              "NO [CANNOT] Unknown resource: only STORAGE and MESSAGE can "
              "be limited")
        c.cmd("d", f"SETQUOTA {ROOT} (STORAGE 1 STORAGE 2)", status="BAD")
        c.cmd("e", f"SETQUOTA {ROOT} (STORAGE 99999999999999999999)",
              status="BAD")
        check(first_line(md) == "20480S,5C", f"limits {first_line(md)!r}")
        # The new limit holds: 5 messages, 2 there, 3 more fit.
        for i in range(3):
            u, t = append(c, f"f{i}", "APPEND INBOX", MSG)
            check(t.startswith(f"f{i} OK"), f"APPEND {i}: {t!r}")
        u, t = append(c, "g", "APPEND INBOX", MSG)
        check(t == "g " + OVERQUOTA, f"APPEND over MESSAGE limit: {t!r}")
        exact(c, "h", f"SETQUOTA {ROOT} ()", [f"* QUOTA {ROOT} ()"],
              "OK Setquota completed.")
        u, t = append(c, "i", "APPEND INBOX", MSG)
        check(t.startswith("i OK"), f"APPEND without limits: {t!r}")
        c.cmd("z", "LOGOUT")
    finally:
        srv.stop()


def test_status_deleted(world):
    md = fresh_maildir(world, "Maildir-qstat", folders=[".Box"])
    box = os.path.join(md, ".Box")
    big = b"Subject: big\r\n\r\n" + b"x" * 3000 + b"\r\n"
    for i in range(12):
        base = deliver(box, ":2,T" if i < 4 else ":2,")
        if i < 4:
            name = [n for n in os.listdir(os.path.join(box, "cur"))
                    if n.startswith(base)][0]
            with open(os.path.join(box, "cur", name), "wb") as f:
                f.write(big)
    srv = Server(world, maildir="~/Maildir-qstat")
    try:
        c = login(srv)
        # 4.1.4's example: 12 messages, 4 of them \Deleted; their
        # 4 x 3018 bytes are 11 units of 1024 octets.
        exact(c, "S0003", "STATUS Box (MESSAGES DELETED DELETED-STORAGE)",
              ["* STATUS Box (MESSAGES 12 DELETED 4 DELETED-STORAGE 11)"],
              "OK Status completed.")
        exact(c, "a", "STATUS INBOX (DELETED DELETED-STORAGE)",
              ["* STATUS INBOX (DELETED 0 DELETED-STORAGE 0)"],
              "OK Status completed.")
        c.cmd("z", "LOGOUT")
    finally:
        srv.stop()


def test_overquota(world):
    md = fresh_maildir(world, "Maildir-overq", folders=[".Other"])
    deliver(md)
    deliver(md)
    sizefile(md, f"{3 * len(MSG) + 10}S")
    srv = Server(world, maildir="~/Maildir-overq")
    try:
        take_recent(srv)
        c = select(srv)
        # 4.3.1 Example 1: a tagged NO [OVERQUOTA] for APPEND ...
        body = (b"Date: Mon, 7 Feb 1994 21:52:25 -0800 (PST)\r\n"
                b"From: Fred Foobar <foobar@Blurdybloop.example>\r\n"
                b"Subject: afternoon meeting\r\n"
                b"To: mooch@owatagu.siam.edu.example\r\n"
                b"Message-Id: <B27397-0100000@Blurdybloop.example>\r\n"
                b"MIME-Version: 1.0\r\n"
                b"Content-Type: TEXT/PLAIN; CHARSET=US-ASCII\r\n\r\n"
                b"Hello Joe, do you think we can meet at 3:30 tomorrow?"
                b"\r\n")
        u, t = append(c, "A003", "APPEND Other (\\Seen)", body)
        check(t == "A003 " + OVERQUOTA, f"APPEND: {t!r}")
        # ... and COPY (and MOVE) "when the addition of the message(s)
        # puts the target mailbox over any one of its quota limits".
        exact(c, "A004", "COPY 1:2 Other", [], OVERQUOTA)
        check(files(os.path.join(md, ".Other")) == [], "Other not empty")
        c.cmd("z", "LOGOUT")
    finally:
        srv.stop()
