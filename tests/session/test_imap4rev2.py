"""IMAP4rev2 (RFC 9051) over a real socket, after ENABLE IMAP4rev2.

skua advertises IMAP4rev1 and IMAP4rev2 together, so a session speaks
RFC 3501 until the client sends ENABLE IMAP4rev2 (RFC 9051 Appendix A);
then it answers as RFC 9051 says. The RFC's examples whose answer differs
from IMAP4rev1's are replayed (tags kept; UIDVALIDITY, MAILBOXID and
message numbers adapted to the test's mailbox), and
test_rev2_appendix_e walks Appendix E ("Changes from RFC 3501 /
IMAP4rev1") item by item. Where each item is handled:

   1  64-bit sizes: partial origins and lengths are 64-bit
      (src/mail/section.c), literal sizes too (src/imap/parser.c);
      APPENDLIMIT keeps stored messages far below 2^63.
   2  NAMESPACE, UNSELECT, UIDPLUS, ESEARCH, SEARCHRES, ENABLE, IDLE,
      SASL-IR, LIST-EXTENDED, LIST-STATUS, MOVE, LITERAL- (LITERAL+ is
      more), RFC 4466 grammar, RFC 5530 codes, BINARY FETCH, SPECIAL-USE
      attributes: the extensions skua had, used here in rev2 form.
   3  STATUS SIZE and DELETED: src/imap/status.c.
   4  SEARCH answers ESEARCH: src/imap/cmd_search.c (RETURN (ALL) when
      no RETURN is given).
   5  substring match: src/imap/search.c, as before.
   6  RFC 2231 continuations: src/mail (tests/unit/check_rfc2231.c).
   7  COPYUID for MOVE: src/imap/cmd_copy.c.
   8  COPY/MOVE never create the target, TRYCREATE: src/imap/dest.c.
   9  CLOSED when SELECT replaces a selection: src/imap/cmd_select.c.
  10  SELECT/EXAMINE send LIST: src/imap/listone.c (with OLDNAME for
      "inbox", RFC 9051 6.3.1's example).
  11  no UNSEEN code on SELECT: src/imap/cmd_select.c.
  12  no RECENT response, no \\Recent flag: src/imap/view.c (VIEW_REV2),
      cmd_select.c, cmd_fetch.c, cmd_store.c, condstore.c. STATUS RECENT
      and SEARCH NEW/RECENT/OLD are not in RFC 9051's grammar; skua
      still answers them when asked (Appendix A: removed items are only
      returned when "explicitly requested").
  13  PERMANENTFLAGS after a new keyword: a MAY; skua keeps sending it
      (src/imap/flagnews.c).
  14  tagged-ext-simple number64: no extension of skua takes one.
  15  $MDNSent, $Forwarded, $Junk, $NotJunk, $Phishing: keywords like
      any other (26 per mailbox, the Maildir limit).
  16  UTF-8 names and headers: src/imap/mboxwire.c (names),
      src/imap/utf8args.c (BAD for invalid UTF-8 in quoted strings),
      src/imap/append_utf8.c (8-bit headers taken).
  17  CHECK removed: still answered, as NOOP-like as before.
  18  RFC822, RFC822.HEADER, RFC822.TEXT: still answered when asked.
  19  LSUB deprecated: still answered.
  20  IDLE may report other mailboxes: only with NOTIFY (not here).
  21  UID in every unsolicited FETCH: src/imap/view.c (VIEW_REV2).
  22, 23, 26, 29, 30: client rules, grammar, text; nothing to do.
  24  UTF-8 in response text: a MAY; skua's texts are ASCII.
  25  TLS: src/net (tests/session/test_tls_hardening.py).
  27  SCRAM-SHA-256: RFC 9051 6.2.2 says implementations SHOULD offer a
      mechanism without plaintext passwords (GSSAPI, SCRAM, EXTERNAL);
      skua has AUTH=PLAIN (the MUST) and LOGIN, under TLS or on
      local_networks, since PAM and crypt(3) hashes cannot serve SCRAM.
      A SHOULD not met, not a change of the protocol's responses.
  28  any command resets the autologout timer: the session's read
      timeout restarts at every command (src/imap/session.c)."""
import os
import re

from harness import CAPS_AUTHED, CAPS_BASE, check, login, running, served
from test_write import append, deliver, fresh_maildir

FLAGS = "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)"
PERMANENT = ("* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen "
             "\\Draft \\*)] Flags permitted.")


def norm(lines):
    """UIDVALIDITY and MAILBOXID as V and ID."""
    return [re.sub(r"MAILBOXID \([A-Za-z0-9_-]+\)", "MAILBOXID (ID)",
                   re.sub(r"UIDVALIDITY \d+", "UIDVALIDITY V", x))
            for x in lines]


def rev2(c):
    u, t = c.cmd("babc", "ENABLE IMAP4rev2")
    check(u == ["* ENABLED IMAP4rev2"], f"ENABLE: {u!r}")
    return c


def test_rev2_capability(world):
    check(CAPS_BASE.split()[:2] == ["IMAP4rev1", "IMAP4rev2"] and
          CAPS_AUTHED.split()[:2] == ["IMAP4rev1", "IMAP4rev2"],
          f"README: {CAPS_BASE!r} / {CAPS_AUTHED!r}")
    fresh_maildir(world, "Maildir-r2cap")
    with served(world, "Maildir-r2cap") as (srv, c):
        u, t = c.cmd("c", "CAPABILITY")
        check(u == [f"* CAPABILITY {CAPS_AUTHED}"], f"CAPABILITY: {u!r}")
        c.cmd("s", "SELECT INBOX")
        u, t = c.cmd("e", "ENABLE IMAP4rev2", status="BAD")
        c.cmd("u", "UNSELECT")
        rev2(c)
        u, t = c.cmd("e2", "ENABLE IMAP4REV2")
        check(u == ["* ENABLED"], f"second ENABLE: {u!r}")


def test_rev2_select(world):
    md = fresh_maildir(world, "Maildir-r2sel")
    deliver(md, ":2,S")
    deliver(md)
    with running(world, "Maildir-r2sel", special_folders="") as srv:
        # IMAP4rev1 first: unchanged (and it takes \Recent).
        c = login(srv)
        u, t = c.cmd("s", "SELECT inbox")
        check("* 2 RECENT" in u and "* OK [UNSEEN 2] First unseen." in u,
              f"rev1 SELECT: {u!r}")
        c.cmd("z", "LOGOUT")
        # RFC 9051 6.3.1's example, after the authentication
        c = rev2(login(srv))
        u, t = c.cmd("a002", "select inbox")
        check(norm(u) == [FLAGS, PERMANENT, "* 2 EXISTS",
                          '* LIST (\\HasNoChildren) "/" INBOX ("OLDNAME" '
                          '("inbox"))',
                          "* OK [UIDVALIDITY V] UIDs valid",
                          "* OK [UIDNEXT 3] Predicted next UID",
                          "* OK [MAILBOXID (ID)] Ok",
                          "* OK [URLMECH INTERNAL] URLAUTH mechanisms"],
              f"SELECT: {u!r}")
        check(t == "a002 OK [READ-WRITE] Select completed.", t)
        c.cmd("c1", "CREATE Drafts")
        c.cmd("c2", "CREATE Drafts/Old")
        # 6.3.2's example: CLOSED first, LIST without OLDNAME
        u, t = c.cmd("A142", "EXAMINE Drafts")
        check(norm(u) == ["* OK [CLOSED] Previous mailbox closed.", FLAGS,
                          "* OK [PERMANENTFLAGS ()] Read-only mailbox.",
                          "* 0 EXISTS",
                          '* LIST (\\HasChildren) "/" Drafts',
                          "* OK [UIDVALIDITY V] UIDs valid",
                          "* OK [UIDNEXT 1] Predicted next UID",
                          "* OK [MAILBOXID (ID)] Ok",
                          "* OK [URLMECH INTERNAL] URLAUTH mechanisms"],
              f"EXAMINE: {u!r}")
        check(t == "A142 OK [READ-ONLY] Examine completed.", t)
        c.cmd("z", "LOGOUT")


def test_rev2_search(world):
    md = fresh_maildir(world, "Maildir-r2search")
    for info in (":2,", ":2,F", ":2,S", ":2,FS", ":2,T"):
        deliver(md, info)
    with running(world, "Maildir-r2search", special_folders="") as srv:
        c = rev2(login(srv))
        c.cmd("s", "SELECT INBOX")
        # 6.4.4's examples
        u, t = c.cmd("A282", "SEARCH RETURN (MIN COUNT) FLAGGED SINCE "
                     "1-Feb-1994 NOT FROM \"Smith\"")
        check(u == ['* ESEARCH (TAG "A282") MIN 2 COUNT 2'], f"{u!r}")
        u, t = c.cmd("A283", "SEARCH RETURN () FLAGGED SINCE 1-Feb-1994 "
                     "NOT FROM \"Smith\"")
        check(u == ['* ESEARCH (TAG "A283") ALL 2,4'], f"{u!r}")
        u, t = c.cmd("A284", 'SEARCH TEXT "string not in mailbox"')
        check(u == ['* ESEARCH (TAG "A284")'], f"{u!r}")
        c.send(b"A285 SEARCH CHARSET UTF-8 TEXT {2}\r\n")
        c.expect(r"\+ .*")
        c.send("\u00e4\r\n".encode())
        u = []
        while True:
            line = c.line()
            if line.startswith("A285 "):
                break
            u.append(line)
        check(u == ['* ESEARCH (TAG "A285")'] and line.startswith(
            "A285 OK"), f"CHARSET UTF-8 in rev2: {u!r} {line!r}")
        u, t = c.cmd("A284b", "SEARCH RETURN (MIN) UNSEEN")
        check(u == ['* ESEARCH (TAG "A284b") MIN 1'], f"{u!r}")
        u, t = c.cmd("A285b", "UID SEARCH RETURN (MIN MAX) 1:5000")
        check(u == ['* ESEARCH (TAG "A285b") UID MIN 1 MAX 5'], f"{u!r}")
        u, t = c.cmd("A286", "SEARCH RETURN (COUNT) DELETED")
        check(u == ['* ESEARCH (TAG "A286") COUNT 1'], f"{u!r}")
        # plain SEARCH and UID SEARCH: ESEARCH ALL (item 4)
        u, t = c.cmd("p1", "SEARCH FLAGGED")
        check(u == ['* ESEARCH (TAG "p1") ALL 2,4'], f"{u!r}")
        u, t = c.cmd("p2", "UID SEARCH SEEN")
        check(u == ['* ESEARCH (TAG "p2") UID ALL 3:4'], f"{u!r}")
        # 6.4.4.1's SEARCHRES examples
        u, t = c.cmd("A300", "SEARCH RETURN (SAVE) SINCE 1-Jan-2004")
        check(u == [] and t == "A300 OK Search completed, result saved.",
              f"{u!r} {t!r}")
        u, t = c.cmd("A301", "UID SEARCH UID $ SMALLER 4096")
        check(u == ['* ESEARCH (TAG "A301") UID ALL 1:5'], f"{u!r}")
        c.cmd("z", "LOGOUT")


def test_rev2_no_recent_and_uid_fetch(world):
    md = fresh_maildir(world, "Maildir-r2recent")
    deliver(md)
    with running(world, "Maildir-r2recent", special_folders="") as srv:
        c = rev2(login(srv))
        c.cmd("s", "SELECT INBOX")
        u, t = c.cmd("f", "FETCH 1 FLAGS")
        check(u == ["* 1 FETCH (FLAGS ())"], f"FETCH: {u!r}")
        u, t = c.cmd("st", "STORE 1 +FLAGS (\\Seen)")
        check(u == ["* 1 FETCH (FLAGS (\\Seen))"], f"STORE: {u!r}")
        # another session adds a message and changes a flag
        o = login(srv)
        o.cmd("s", "SELECT INBOX")
        u, t = append(o, "a", "APPEND INBOX", b"Subject: x\r\n\r\ny\r\n")
        o.cmd("st", "STORE 1 +FLAGS (\\Flagged)")
        u, t = c.cmd("n", "NOOP")
        # item 12: no RECENT; item 21: UID in the unsolicited FETCH
        check(sorted(u) == ["* 1 FETCH (UID 1 FLAGS (\\Flagged \\Seen))",
                            "* 2 EXISTS"], f"NOOP: {u!r}")
        u, t = c.cmd("f2", "FETCH 2 (FLAGS)")
        check(u == ["* 2 FETCH (FLAGS ())"], f"FETCH new: {u!r}")
        # the IMAP4rev1 session still hears RECENT (of 0: rev2 took it)
        u, t = o.cmd("n", "NOOP")
        o.cmd("z", "LOGOUT")
        c.cmd("z", "LOGOUT")


def test_rev2_appendix_e(world):
    md = fresh_maildir(world, "Maildir-r2e")
    deliver(md, ":2,S")
    deliver(md, ":2,T")
    with running(world, "Maildir-r2e", special_folders="") as srv:
        c = rev2(login(srv))
        # 2: NAMESPACE, LIST "" "" (the root and separator)
        u, t = c.cmd("e2a", "NAMESPACE")
        check(u == ['* NAMESPACE (("" "/")) NIL NIL'], f"{u!r}")
        u, t = c.cmd("e2b", 'LIST "" ""')
        check(u == ['* LIST (\\Noselect) "/" ""'], f"{u!r}")
        # 2: LIST-EXTENDED, \NonExistent and CHILDINFO (6.3.9.6)
        c.cmd("e2c", "CREATE Fruit/Apple")
        c.cmd("e2d", "SUBSCRIBE Fruit/Apple")
        c.cmd("e2e", "CREATE Fruit/Peach")
        c.cmd("e2e2", "SUBSCRIBE Fruit/Peach")
        c.cmd("e2e3", "DELETE Fruit/Peach")
        u, t = c.cmd("e2f", 'LIST (SUBSCRIBED RECURSIVEMATCH) "" %')
        check(u == ['* LIST (\\HasChildren) "/" Fruit ("CHILDINFO" '
                    '("SUBSCRIBED"))'],
              f"CHILDINFO: {u!r}")
        u, t = c.cmd("e2g", 'LIST (SUBSCRIBED) "" "Fruit/*"')
        check(u == ['* LIST (\\Subscribed \\HasNoChildren) "/" Fruit/Apple',
                    '* LIST (\\Subscribed \\NonExistent) "/" Fruit/Peach'],
              f"\\NonExistent: {u!r}")
        # 2 and 3: LIST-STATUS, STATUS DELETED and SIZE
        u, t = c.cmd("e3", "STATUS INBOX (MESSAGES DELETED SIZE)")
        check(re.fullmatch(r"\* STATUS INBOX \(MESSAGES 2 SIZE \d+ "
                           r"DELETED 1\)", u[0]) is not None, f"{u!r}")
        u, t = c.cmd("e3b", 'LIST "" INBOX RETURN (STATUS (DELETED))')
        check(u == ['* LIST (\\HasNoChildren) "/" INBOX',
                    "* STATUS INBOX (DELETED 1)"], f"{u!r}")
        c.cmd("s", "SELECT INBOX")
        # 2: BINARY FETCH, UID EXPUNGE, UNSELECT below
        u, t = c.cmd("e2h", "FETCH 1 BINARY.SIZE[1]")
        check(re.fullmatch(r"\* 1 FETCH \(BINARY\.SIZE\[1\] \d+\)", u[0])
              is not None, f"{u!r}")
        # 7, 8: MOVE answers COPYUID; a missing target is TRYCREATE
        u, t = c.cmd("e8", "MOVE 1 Nowhere", status="NO")
        check(t.startswith("e8 NO [TRYCREATE]"), t)
        check(not any(e == ".Nowhere" for e in os.listdir(md)), "created")
        u, t = c.cmd("e7", "MOVE 1 Fruit/Apple")
        check(re.fullmatch(r"\* OK \[COPYUID \d+ 1 1\] .*", u[0]) and
              u[1:] == ["* 1 EXPUNGE"], f"MOVE: {u!r}")
        # 15: the RFC 9051 keywords
        u, t = c.cmd("e15", "STORE 1 +FLAGS ($MDNSent $Forwarded $Junk "
                     "$NotJunk $Phishing)")
        check("$Phishing" in u[-1], f"{u!r}")
        # 17, 18, 19: CHECK, RFC822.SIZE, LSUB still answered
        c.cmd("e17", "CHECK")
        u, t = c.cmd("e18", "FETCH 1 RFC822.SIZE")
        check(u[0].startswith("* 1 FETCH (RFC822.SIZE "), f"{u!r}")
        u, t = c.cmd("e19", 'LSUB "" *')
        check(u == ['* LSUB () "/" Fruit/Apple',
                    '* LSUB () "/" Fruit/Peach'], f"{u!r}")
        # 12: \Recent nowhere; SEARCH RECENT still parses
        u, t = c.cmd("e12", "FETCH 1:* FLAGS")
        check(all("\\Recent" not in x for x in u), f"{u!r}")
        # (asked for explicitly, SEARCH RECENT still finds the message
        # this session took \Recent for)
        u, t = c.cmd("e12b", "SEARCH RECENT")
        check(u == ['* ESEARCH (TAG "e12b") ALL 1'], f"{u!r}")
        # 16: UTF-8 names, BAD for invalid UTF-8, 8-bit headers taken
        c.cmd("e16", 'CREATE "Entw\u00fcrfe"')
        u, t = c.cmd("e16b", 'LIST "" Entw*')
        check(u == ['* LIST (\\HasNoChildren) "/" "Entw\u00fcrfe"'],
              f"{u!r}")
        u, t = c.cmd("e16x", 'EXAMINE "Entw\u00fcrfe"')
        check('* LIST (\\HasNoChildren) "/" "Entw\u00fcrfe"' in u and
              "* OK [CLOSED] Previous mailbox closed." in u, f"{u!r}")
        c.cmd("e16y", "SELECT INBOX")
        c.send(b'e16c CREATE "Caf\xe9"\r\n')
        c.expect(r"e16c BAD Invalid UTF-8 in a quoted string")
        u, t = append(c, "e16d", 'APPEND "Entw\u00fcrfe"',
                      "Subject: Gr\u00fc\u00dfe\r\n\r\nx\r\n".encode())
        check(t.startswith("e16d OK [APPENDUID "), t)
        # 2: UID EXPUNGE and UNSELECT
        c.cmd("e2i", "STORE 1 +FLAGS.SILENT (\\Deleted)")
        u, t = c.cmd("e2j", "UID EXPUNGE 2")
        check(u == ["* 1 EXPUNGE"], f"{u!r}")
        c.cmd("e2k", "UNSELECT")
        c.cmd("z", "LOGOUT")
