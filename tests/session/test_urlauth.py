"""URLAUTH (RFC 4467) over a real socket: the examples of BASE.6.3 and
BASE.7 replayed (joe becomes alice; tokens are skua's), the access
identifiers of 3 (anonymous, authuser, user+, submit+), ;EXPIRE=, a
tampered token or URL (6: no decoding or case folding of the rump), keys
revoked by RESETKEY with and without a mailbox, NIL for every URL that
names nothing or someone else's mail (BASE.7.4.URLFETCH; skua has no
cross-user access), the key table on disk (0600, written whole), and
URLAUTH-authorized URLs in CATENATE."""
import os
import re
import stat

from harness import IS_ROOT, USERS, Client, Server, check
from test_catenate import catenate, put_message, uidlist
from test_write import fresh_maildir, login

HOST = "example.com"
SI_VIS = b"Si vis pacem, para bellum.\r\n"
MSG20 = (b"From: joe@example.com\r\nSubject: quote\r\nMIME-Version: 1.0\r\n"
         b"Content-Type: multipart/mixed; boundary=\"outer\"\r\n\r\n"
         b"--outer\r\n"
         b"Content-Type: multipart/alternative; boundary=\"inner\"\r\n\r\n"
         b"--inner\r\nContent-Type: text/plain\r\n\r\nLatin follows.\r\n"
         b"\r\n--inner\r\nContent-Type: text/plain\r\n\r\n" + SI_VIS +
         b"\r\n--inner--\r\n"
         b"\r\n--outer\r\nContent-Type: text/plain\r\n\r\nBye.\r\n"
         b"\r\n--outer--\r\n")
MSG21 = b"From: x@example.com\r\nSubject: other\r\n\r\nOther.\r\n"
TOKEN = r"[0-9a-f]{42}"


def setup(world, name):
    md = fresh_maildir(world, name, folders=[".Drafts"])
    uidlist(md, 785799047, {20: put_message(md, 20, MSG20),
                            21: put_message(md, 21, MSG21)})
    return md


def rump(access, section="1.2", uid=20, box="INBOX", user="alice",
         expire=None):
    u = f"imap://{user}@{HOST}/{box}/;uid={uid}"
    if section:
        u += f"/;section={section}"
    if expire:
        u += f";EXPIRE={expire}"
    return u + f";urlauth={access}"


def gen(c, tag, *rumps):
    """GENURLAUTH of the rumps with INTERNAL: the full URLs."""
    args = " ".join(f'"{r}" INTERNAL' for r in rumps)
    u, t = c.cmd(tag, f"GENURLAUTH {args}")
    check(t == f"{tag} OK GENURLAUTH completed", f"GENURLAUTH: {t!r}")
    check(len(u) == 1 and u[0].startswith("* GENURLAUTH "), f"{u!r}")
    urls = re.findall(r'"([^"]*)"', u[0])
    check(len(urls) == len(rumps), f"{u!r}")
    for r, full in zip(rumps, urls):
        check(re.fullmatch(re.escape(r) + ":internal:" + TOKEN, full),
              f"GENURLAUTH {r}: {full}")
    return urls


def urlfetch(c, tag, *urls):
    """URLFETCH: the data for each URL, None for NIL, in order."""
    c.send(f"{tag} URLFETCH " + " ".join(f'"{u}"' for u in urls) + "\r\n")
    end = f"\r\n{tag} ".encode()
    while end not in c.buf:
        chunk = c.sock.recv(65536)
        check(chunk, "URLFETCH: connection closed")
        c.buf += chunk
    resp, c.buf = c.buf.split(end, 1)
    c.buf = f"{tag} ".encode() + c.buf
    c.expect(f"{tag} OK URLFETCH completed")
    check(resp.startswith(b"* URLFETCH"), f"URLFETCH: {resp[:80]!r}")
    p, got = len(b"* URLFETCH"), []
    for u in urls:
        check(resp[p:p + 2] == b' "', f"URLFETCH at {p}: {resp!r}")
        q = resp.index(b'"', p + 2)
        check(resp[p + 2:q].decode() == u, f"URLFETCH url {resp!r}")
        p = q + 1
        if resp[p:p + 4] == b" NIL":
            got.append(None)
            p += 4
            continue
        m = re.match(rb" \{(\d+)\}\r\n", resp[p:])
        check(m is not None, f"URLFETCH data {resp[p:p + 40]!r}")
        n = int(m.group(1))
        p += m.end()
        got.append(resp[p:p + n])
        p += n
    check(p == len(resp), f"URLFETCH: trailing {resp[p:]!r}")
    return got


def test_rfc4467_examples(world):
    md = setup(world, "Maildir-ua")
    srv = Server(world, maildir="~/Maildir-ua")
    try:
        c = login(srv)
        # BASE.6.3.RESETKEY
        c.cmd("a31", "RESETKEY", status="OK All keys removed")
        c.cmd("a32", "RESETKEY INBOX", status="OK [URLMECH INTERNAL]")
        # skua has INTERNAL only: XSAMPLE is an unknown mechanism.
        c.cmd("a33", "RESETKEY INBOX XSAMPLE", status="BAD")
        c.cmd("a34", "RESETKEY INBOX INTERNAL",
              status="OK [URLMECH INTERNAL]")
        # BASE.6.3.GENURLAUTH
        c.cmd("a775", f'GENURLAUTH "imap://alice@{HOST}/INBOX/;uid=20/'
              f';section=1.2" INTERNAL',
              status="BAD missing access identifier in supplied URL")
        c.cmd("a776", f'GENURLAUTH "imap://{HOST}/Shared/;uid=20/'
              f';section=1.2;urlauth=submit+fred" INTERNAL',
              status="BAD missing owner username in supplied URL")
        (sub,) = gen(c, "a777", rump("submit+fred"))
        # BASE.6.3.URLFETCH: the submit server's fetch. skua knows no
        # submission entity, so no session may use a submit+ URL.
        check(urlfetch(c, "a002", sub) == [None], "submit+ fetched")
        # The same fetch with an access this session has.
        (own,) = gen(c, "a778", rump("user+alice"))
        check(urlfetch(c, "a003", own) == [SI_VIS], "user+alice")
        # BASE.7.1.URLMECH in SELECT is not sent; RESETKEY's tagged OK
        # carries it (BASE.7.1: "can be sent in the tagged OK").
        c.cmd("z", "LOGOUT")
        # The key table: one file, 0600, in the Maildir, nothing left.
        path = os.path.join(md, "skua.urlauth")
        st = os.stat(path)
        check(stat.S_IMODE(st.st_mode) == 0o600, f"mode {st.st_mode:o}")
        if IS_ROOT:
            check(st.st_uid == USERS["alice"][0], "key table owner")
        with open(path) as f:
            lines = f.read().splitlines()
        check(len(lines) == 1 and re.fullmatch(r"[0-9a-f]{32} [0-9a-f]{32}",
                                               lines[0]), f"{lines!r}")
        left = [n for n in os.listdir(md) if n.startswith("skua.urlauth")]
        check(left == ["skua.urlauth"], f"left behind: {left}")
    finally:
        srv.stop()


def test_access(world):
    setup(world, "Maildir-uaacc")
    srv = Server(world, maildir="~/Maildir-uaacc")
    try:
        c = login(srv)
        urls = gen(c, "g", rump("anonymous"), rump("authuser"),
                   rump("user+alice"), rump("user+bob"),
                   rump("submit+alice"), rump("anonymous", section=None),
                   rump("anonymous", section="2/;PARTIAL=0.3"),
                   rump("anonymous", expire="2000-01-01T00:00:00Z"),
                   rump("anonymous", expire="2999-01-01T00:00:00+01:00"),
                   rump("anonymous", uid=99),
                   rump("anonymous", box="INBOX;UIDVALIDITY=1"),
                   rump("anonymous", box="INBOX;UIDVALIDITY=785799047"))
        got = urlfetch(c, "f", *urls)
        check(got == [SI_VIS, SI_VIS, SI_VIS, None, None, MSG20, b"Bye",
                      None, SI_VIS, None, None, SI_VIS], f"access: {got!r}")
        # Tampering: the token, the URL, its case (RFC 4467 6), the
        # mechanism, and URLs that are no URLAUTH URL at all.
        a = urls[0]
        digit = "0" if a[-1] != "0" else "1"
        bad = [a[:-1] + digit, a.replace(";uid=20", ";uid=21"),
               a.replace("section=1.2", "SECTION=1.2"),
               a.replace("imap://alice@", "imap://ALICE@"),
               a.replace(":internal:", ":other:"),
               a.split(":internal:")[0],
               f"imap://alice@{HOST}/INBOX/;uid=20",
               f"imap://alice@{HOST}/INBOX", "/INBOX/;UID=20",
               a.replace("/INBOX/", "/Nope/"),
               a.replace("/INBOX/", "/INBOX;UIDVALIDITY=1/"),
               "not a url", a + "0"]
        got = urlfetch(c, "t", *bad)
        check(got == [None] * len(bad), f"tampered: {got!r}")
        # The case of the token's hex digits does not matter.
        m = a.rsplit(":", 1)
        check(urlfetch(c, "u", m[0] + ":" + m[1].upper()) == [SI_VIS],
              "upper-case token")
        c.cmd("z", "LOGOUT")
        # Another user: skua has no cross-user access, so alice's URLs are
        # NIL to bob, even anonymous ones; bob's own work.
        c = Client(srv.port)
        c.expect(r"\* OK .*")
        c.cmd("l", f"LOGIN bob {USERS['bob'][1]}")
        check(urlfetch(c, "b", urls[0], urls[1]) == [None, None],
              "bob fetched alice's URL")
        c.cmd("g", f'GENURLAUTH "{rump("anonymous")}" INTERNAL',
              status="BAD no access to another user's mailbox access keys")
        c.cmd("z", "LOGOUT")
    finally:
        srv.stop()


def test_resetkey(world):
    setup(world, "Maildir-uareset")
    srv = Server(world, maildir="~/Maildir-uareset")
    try:
        c = login(srv)
        # A session with INBOX selected hears of RESETKEYs that replace
        # its key (BASE.6.3.RESETKEY), not of the first key's making.
        sel = login(srv)
        sel.cmd("s", "SELECT INBOX")
        mech = "* OK [URLMECH INTERNAL] Mailbox access key reset"
        old, drafts = gen(c, "g1", rump("authuser"),
                          rump("authuser", box="Drafts"))
        check(sel.cmd("n1", "NOOP")[0] == [], "URLMECH for a new key")
        again = gen(c, "g2", rump("authuser"))[0]
        check(again == old, "GENURLAUTH made a new key without RESETKEY")
        check(urlfetch(c, "f1", old, drafts) == [SI_VIS, None],
              "before RESETKEY")
        c.cmd("r1", "RESETKEY Drafts", status="OK [URLMECH INTERNAL]")
        check(urlfetch(c, "f2", old) == [SI_VIS], "RESETKEY Drafts hit INBOX")
        check(sel.cmd("n2", "NOOP")[0] == [], "URLMECH for Drafts")
        c.cmd("r2", "RESETKEY INBOX", status="OK [URLMECH INTERNAL]")
        check(sel.cmd("n3", "NOOP")[0] == [mech], "no URLMECH")
        check(sel.cmd("n4", "NOOP")[0] == [], "URLMECH twice")
        check(urlfetch(c, "f3", old) == [None], "old URL after RESETKEY")
        new = gen(c, "g3", rump("authuser"))[0]
        check(new != old, "same token after RESETKEY")
        check(urlfetch(c, "f4", new) == [SI_VIS], "new URL")
        # Another session sees the new key at once.
        c2 = login(srv)
        check(urlfetch(c2, "f5", new, old) == [SI_VIS, None], "session 2")
        c2.cmd("z", "LOGOUT")
        c.cmd("r3", "RESETKEY", status="OK All keys removed")
        check(sel.cmd("n5", "NOOP")[0] == [mech], "no URLMECH (all)")
        # The session's own RESETKEY of its selected mailbox.
        gen(sel, "g4", rump("authuser"))
        u, _ = sel.cmd("r7", "RESETKEY INBOX", status="OK [URLMECH INTERNAL]")
        check(u == [mech], f"own RESETKEY: {u!r}")
        sel.cmd("z", "LOGOUT")
        check(urlfetch(c, "f6", new) == [None], "URL after RESETKEY")
        c.cmd("r4", "RESETKEY Nope", status="NO [NONEXISTENT]")
        c.cmd("r5", "RESETKEY INBOX (x)", status="BAD")
        c.cmd("r6", "RESETKEY (x)", status="BAD")
        c.cmd("z", "LOGOUT")
    finally:
        srv.stop()


def test_genurlauth_errors(world):
    setup(world, "Maildir-uagen")
    srv = Server(world, maildir="~/Maildir-uagen")
    try:
        c = login(srv)
        for i, args in enumerate([
                "", f'"{rump("anonymous")}"',
                f'"{rump("anonymous")}" XSAMPLE',
                f'"{rump("anonymous")}" INTERNAL "{rump("authuser")}"',
                f'"{rump("anonymous", box="Nope")}" INTERNAL',
                f'"imap://alice@{HOST}/INBOX;urlauth=anonymous" INTERNAL',
                f'"imap://alice@{HOST}/INBOX" INTERNAL',
                f'"/INBOX/;UID=20;urlauth=anonymous" INTERNAL',
                f'"{rump("nobody")}" INTERNAL',
                f'"{rump("anonymous")}:internal:{"0" * 42}" INTERNAL',
                f'"{rump("anonymous")}" (INTERNAL)',
                f'"{rump("anonymous")}" INTERNAL "x" INTERNAL']):
            c.cmd(f"e{i}", f"GENURLAUTH {args}".rstrip(), status="BAD")
        c.cmd("u", "URLFETCH", status="BAD")
        c.cmd("v", "URLFETCH (x)", status="BAD")
        c.cmd("z", "LOGOUT")
        # Not before login.
        c = Client(srv.port)
        c.expect(r"\* OK .*")
        for cmd in ("RESETKEY", f'GENURLAUTH "{rump("anonymous")}" INTERNAL',
                    "URLFETCH \"x\""):
            c.cmd("n", cmd, status="BAD")
        c.close()
    finally:
        srv.stop()


def test_catenate_urlauth(world):
    md = setup(world, "Maildir-uacat")
    srv = Server(world, maildir="~/Maildir-uacat")
    try:
        c = login(srv)
        (a,) = gen(c, "g", rump("user+alice", section="2"))
        _, t = catenate(c, "c1", "APPEND Drafts",
                        [("TEXT", b"Subject: cat\r\n\r\n"), ("URL", a)])
        check(t.startswith("c1 OK [APPENDUID "), f"CATENATE: {t!r}")
        bad = a[:-1] + ("0" if a[-1] != "0" else "1")
        _, t = catenate(c, "c2", "APPEND Drafts",
                        [("TEXT", b"Subject: cat\r\n\r\n"), ("URL", bad)])
        check(t == f"c2 NO [BADURL {bad}] Invalid URLAUTH token", f"{t!r}")
        check(len(os.listdir(os.path.join(md, ".Drafts", "cur"))) == 1,
              "Drafts")
        c.cmd("z", "LOGOUT")
    finally:
        srv.stop()


def test_capability(world):
    fresh_maildir(world, "Maildir-uacap")
    srv = Server(world, maildir="~/Maildir-uacap")
    try:
        c = login(srv)
        u, _ = c.cmd("a", "CAPABILITY")
        check("URLAUTH" in u[0].split(), f"no URLAUTH: {u[0]}")
        c.cmd("z", "LOGOUT")
    finally:
        srv.stop()
