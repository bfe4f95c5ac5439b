"""UTF8=ACCEPT (RFC 6855) over a real socket.

RFC 6855 has no transcripts, only rules and ABNF; each test below takes
one of them, section by section:

  3  ENABLE UTF8=ACCEPT is listed in "* ENABLED" once; it is only valid
     in the authenticated state (BAD with a mailbox selected); ENABLE is
     advertised with UTF8=ACCEPT.
  3  After it, mailbox names go both ways in UTF-8, in quoted strings
     (uQUOTED-CHAR): CREATE, LIST, LSUB, STATUS, SELECT, RENAME,
     SUBSCRIBE, DELETE, COPY; on disk they stay modified UTF-7, so an
     IMAP4rev1 session sees the same folder as "Entw&APw-rfe" and a
     UTF-8 session can name a folder "&" literally.
  3  Invalid UTF-8 in a quoted string is BAD; a mailbox name with a C1
     control, U+2028 or U+2029, or not in NFC (Net-Unicode, RFC 5198
     2), is refused with NO [CANNOT]; before ENABLE an 8-bit name
     is refused as it always was ("not valid mUTF-7", like Dovecot).
  3  SEARCH with CHARSET after ENABLE is BAD; without, UTF-8 strings
     match.
  4  APPEND ... UTF8 (~{n}) stores the message; "UTF8 (" must hold one
     literal8; before ENABLE a message with 8-bit header fields is NO,
     in plain and UTF8 form alike, and one with 8-bit only in its body is
     taken."""
import os

from harness import CAPS_AUTHED, check, login, running, served
from test_write import append, fresh_maildir

UMLAUT = "Entw\u00fcrfe"            # "Entw&APw-rfe" in modified UTF-7
MSG8 = ("From: J\u00f6rg <joerg@example.org>\r\nTo: a@example.org\r\n"
        "Subject: Gr\u00fc\u00dfe\r\n\r\nHallo\r\n").encode()
BODY8 = ("From: joerg@example.org\r\nSubject: plain\r\n\r\n"
         "Gr\u00fc\u00dfe\r\n").encode()


def raw(c, tag, data):
    """Sends the bytes of one command line (tag included by the caller)
    and returns (untagged, tagged)."""
    c.send(data)
    untagged = []
    while True:
        line = c.line()
        if line.startswith(tag + " "):
            return untagged, line
        untagged.append(line)


def utf8_literal(c, tag, head, body):
    """APPEND head UTF8 (~{n}) with a synchronizing literal8."""
    c.send(f"{tag} {head} UTF8 (~{{{len(body)}}}\r\n")
    line = c.line()
    if not line.startswith("+"):
        return [], line
    c.send(body + b")\r\n")
    return raw(c, tag, b"")


def enabled(c):
    u, t = c.cmd("e", "ENABLE UTF8=ACCEPT")
    check(u == ["* ENABLED UTF8=ACCEPT"], f"ENABLE: {u!r}")
    return c


def test_utf8_capability_and_enable(world):
    check("UTF8=ACCEPT" in CAPS_AUTHED.split() and
          "ENABLE" in CAPS_AUTHED.split(),
          f"README's after-login list: {CAPS_AUTHED!r}")
    fresh_maildir(world, "Maildir-u8cap")
    with served(world, "Maildir-u8cap") as (srv, c):
        u, t = c.cmd("c", "CAPABILITY")
        check(f"* CAPABILITY {CAPS_AUTHED}" in u, f"CAPABILITY: {u!r}")
        c.cmd("s", "SELECT INBOX")
        u, t = c.cmd("e0", "ENABLE UTF8=ACCEPT", status="BAD")
        check(t == "e0 BAD ENABLE UTF8=ACCEPT and IMAP4rev2 are only valid "
              "in the authenticated state; CLOSE or UNSELECT first",
              f"ENABLE while selected: {t!r}")
        c.cmd("u", "UNSELECT")
        u, t = c.cmd("e1", "ENABLE utf8=accept")
        check(u == ["* ENABLED UTF8=ACCEPT"], f"ENABLE: {u!r}")
        # the special-use folders keep their attributes in UTF-8 names
        u, t = c.cmd("l", 'LIST "" Sent')
        check(u == ['* LIST (\\HasNoChildren \\Sent) "/" Sent'],
              f"LIST Sent: {u!r}")
        u, t = c.cmd("e2", "ENABLE UTF8=ACCEPT CONDSTORE")
        check(u == ["* ENABLED CONDSTORE"], f"second ENABLE: {u!r}")
        # once on, naming it again with a mailbox selected is harmless
        c.cmd("s2", "SELECT INBOX")
        u, t = c.cmd("e3", "ENABLE UTF8=ACCEPT")
        check(u == ["* ENABLED"], f"ENABLE again while selected: {u!r}")


def test_utf8_mailbox_names(world):
    md = fresh_maildir(world, "Maildir-u8names")
    with running(world, "Maildir-u8names", special_folders="") as srv:
        c = enabled(login(srv))
        c.cmd("c1", f'CREATE "{UMLAUT}"')
        check(os.path.isdir(os.path.join(md, ".Entw&APw-rfe")),
              f"on disk: {sorted(os.listdir(md))}")
        # "&" is an ordinary character in a UTF-8 name
        c.cmd("c2", 'CREATE "R&D"')
        check(os.path.isdir(os.path.join(md, ".R&-D")),
              f"on disk: {sorted(os.listdir(md))}")
        u, t = c.cmd("l1", 'LIST "" *')
        check(u == ['* LIST (\\HasNoChildren) "/" INBOX',
                    f'* LIST (\\HasNoChildren) "/" "{UMLAUT}"',
                    '* LIST (\\HasNoChildren) "/" R&D'], f"LIST: {u!r}")
        u, t = c.cmd("l2", 'LIST "" "Entw\u00fc*"')
        check(u == [f'* LIST (\\HasNoChildren) "/" "{UMLAUT}"'],
              f"LIST pattern: {u!r}")
        # the mUTF-7 spelling is now just another name
        u, t = c.cmd("l3", 'LIST "" "Entw&APw-rfe"')
        check(u == [], f"LIST mUTF-7 after ENABLE: {u!r}")
        u, t = c.cmd("st", f'STATUS "{UMLAUT}" (MESSAGES UIDNEXT)')
        check(u == [f'* STATUS "{UMLAUT}" (MESSAGES 0 UIDNEXT 1)'],
              f"STATUS: {u!r}")
        c.cmd("sb", f'SUBSCRIBE "{UMLAUT}"')
        u, t = c.cmd("ls", 'LSUB "" *')
        check(u == [f'* LSUB () "/" "{UMLAUT}"'], f"LSUB: {u!r}")
        u, t = c.cmd("ls2", 'LIST (SUBSCRIBED) "" *')
        check(u == [f'* LIST (\\Subscribed \\HasNoChildren) "/" '
                    f'"{UMLAUT}"'], f"LIST (SUBSCRIBED): {u!r}")
        c.cmd("rn", f'RENAME "{UMLAUT}" "Archiv/\u00c9t\u00e9"')
        check(os.path.isdir(os.path.join(md, ".Archiv.&AMk-t&AOk-")),
              f"on disk: {sorted(os.listdir(md))}")
        u, t = c.cmd("q", 'GETQUOTAROOT "Archiv/\u00c9t\u00e9"')
        check(u[0] == '* QUOTAROOT "Archiv/\u00c9t\u00e9" "User quota"',
              f"GETQUOTAROOT: {u!r}")
        u, t = c.cmd("s", 'SELECT "Archiv/\u00c9t\u00e9"')
        check(t.startswith("s OK [READ-WRITE]"), f"SELECT: {t!r}")
        c.cmd("a", "APPEND INBOX {5+}\r\nA: b\r\n")
        c.cmd("si", "SELECT INBOX")
        u, t = c.cmd("cp", 'COPY 1 "Archiv/\u00c9t\u00e9"')
        check("[COPYUID " in t, f"COPY: {t!r}")
        u, t = c.cmd("cp2", 'COPY 1 "Nirgendw\u00f6"', status="NO")
        check(t == "cp2 NO [TRYCREATE] Mailbox doesn't exist: "
              "Nirgendw\u00f6", f"COPY to a missing name: {t!r}")
        # a literal name is UTF-8 too
        c.send(b"c3 CREATE {5}\r\n")
        c.expect(r"\+ .*")
        u, t = raw(c, "c3", "\u00e9t\u00e9\r\n".encode())
        check(t.startswith("c3 OK"), f"CREATE literal: {t!r}")
        check(os.path.isdir(os.path.join(md, ".&AOk-t&AOk-")),
              f"on disk: {sorted(os.listdir(md))}")
        c.cmd("z", "LOGOUT")

        # An IMAP4rev1 session sees the same folders in modified UTF-7.
        c = login(srv)
        u, t = c.cmd("l", 'LIST "" *')
        check('* LIST (\\HasNoChildren) "/" Archiv/&AMk-t&AOk-' in u and
              '* LIST (\\HasNoChildren) "/" R&-D' in u and
              '* LIST (\\HasNoChildren) "/" &AOk-t&AOk-' in u,
              f"rev1 LIST: {u!r}")
        u, t = c.cmd("ls", 'LSUB "" *')
        check(u == ['* LSUB () "/" Entw&APw-rfe'], f"rev1 LSUB: {u!r}")
        c.cmd("z", "LOGOUT")

        c = enabled(login(srv))
        c.cmd("d", 'DELETE "\u00e9t\u00e9"')
        c.cmd("us", f'UNSUBSCRIBE "{UMLAUT}"')
        u, t = c.cmd("ls", 'LSUB "" *')
        check(u == [], f"LSUB after UNSUBSCRIBE: {u!r}")
        c.cmd("z", "LOGOUT")


def test_utf8_invalid(world):
    md = fresh_maildir(world, "Maildir-u8bad")
    with running(world, "Maildir-u8bad", special_folders="") as srv:
        # Before ENABLE: 8-bit names are not modified UTF-7, as before
        # (and as in Dovecot 2.3, tests/session/diff_dovecot.py "utf8").
        c = login(srv)
        u, t = c.cmd("b1", f'CREATE "{UMLAUT}"', status="NO")
        check(t == "b1 NO [CANNOT] Mailbox name is not valid mUTF-7",
              f"rev1 CREATE: {t!r}")
        enabled(c)
        # RFC 6855 3: BAD for 8-bit that is not UTF-8 in a quoted string
        for tag, data in (("q1", b'CREATE "Caf\xe9"'),
                          ("q2", b'SELECT "\xc3"'),
                          ("q3", b'STATUS "\xed\xa0\x80" (MESSAGES)'),
                          ("q4", b'LIST "" ("\xc0\xaf")')):
            u, t = raw(c, tag, tag.encode() + b" " + data + b"\r\n")
            check(t == f"{tag} BAD Invalid UTF-8 in a quoted string",
                  f"{data!r}: {t!r}")
        # in a literal it is a bad name, not bad syntax
        c.send(b"q5 CREATE {4}\r\n")
        c.expect(r"\+ .*")
        u, t = raw(c, "q5", b"Caf\xe9\r\n")
        check(t == "q5 NO [CANNOT] Mailbox name is not valid UTF-8",
              f"literal: {t!r}")
        # Net-Unicode (RFC 5198 2) minus controls and separators
        for tag, name in (("n1", "a\u0085b"), ("n2", "a\u2028b"),
                          ("n3", "a\u2029b"), ("n4", "a\u0001b")):
            u, t = c.cmd(tag, f'CREATE "{name}"', status="NO")
            check(t == f"{tag} NO [CANNOT] Control characters not allowed "
                  "in mailbox names", f"{name!r}: {t!r}")
        # Net-Unicode is NFC (RFC 5198 2); "u" + U+0308 is not
        u, t = c.cmd("n5", 'CREATE "Entwu\u0308rfe"', status="NO")
        check(t == "n5 NO [CANNOT] Mailbox name is not in Unicode "
              "Normalization Form C (RFC 5198)", f"not NFC: {t!r}")
        u, t = c.cmd("n6", 'SELECT "Entwu\u0308rfe"', status="NO")
        check(t.startswith("n6 NO [CANNOT] Mailbox name is not in Unicode"),
              f"SELECT not NFC: {t!r}")
        check(not any(e.startswith(".") for e in os.listdir(md)),
              f"nothing created: {sorted(os.listdir(md))}")
        c.cmd("z", "LOGOUT")


def test_utf8_search(world):
    fresh_maildir(world, "Maildir-u8search")
    with served(world, "Maildir-u8search") as (srv, c):
        enabled(c)
        c.cmd("s", "SELECT INBOX")
        u, t = append(c, "a", "APPEND INBOX", BODY8)
        check(t.startswith("a OK"), f"APPEND: {t!r}")
        for tag, cmd in (("c1", "SEARCH CHARSET UTF-8 ALL"),
                         ("c2", "UID SEARCH CHARSET US-ASCII ALL"),
                         ("c3", "SEARCH RETURN (COUNT) CHARSET UTF-8 ALL")):
            u, t = c.cmd(tag, cmd, status="BAD")
            check(t.endswith("CHARSET is not allowed after ENABLE "
                             "UTF8=ACCEPT; search strings are UTF-8"),
                  f"{cmd}: {t!r}")
        u, t = c.cmd("f", 'SEARCH BODY "gr\u00fc\u00dfe"')
        check(u == ["* SEARCH 1"], f"SEARCH UTF-8: {u!r}")
        # SORT and THREAD name a charset by their grammar; untouched
        u, t = c.cmd("o", "SORT (ARRIVAL) UTF-8 ALL")
        check(u == ["* SORT 1"], f"SORT: {u!r}")


def test_utf8_append(world):
    fresh_maildir(world, "Maildir-u8append")
    with served(world, "Maildir-u8append") as (srv, c):
        # RFC 6855 4: before ENABLE, 8-bit header fields are NO ...
        u, t = append(c, "n1", "APPEND INBOX", MSG8)
        check(t == "n1 NO Message has 8-bit header fields; ENABLE "
              "UTF8=ACCEPT first (RFC 6855 4)", f"APPEND 8-bit: {t!r}")
        u, t = utf8_literal(c, "n2", "APPEND INBOX", MSG8)
        check(t.startswith("n2 NO Message has 8-bit"), f"UTF8 form: {t!r}")
        u, t = append(c, "n3", "APPEND INBOX", MSG8, sync=False)
        check(t.startswith("n3 NO Message has 8-bit"), f"{{n+}}: {t!r}")
        # ... while 8-bit in the body only, or a UTF8 form with an ASCII
        # header, is fine
        u, t = append(c, "o1", "APPEND INBOX", BODY8)
        check(t.startswith("o1 OK [APPENDUID "), f"8-bit body: {t!r}")
        u, t = utf8_literal(c, "o2", "APPEND INBOX", BODY8)
        check(t.startswith("o2 OK [APPENDUID "), f"UTF8 ASCII: {t!r}")
        # "UTF8 (" holds exactly one literal8
        u, t = c.cmd("b1", "APPEND INBOX UTF8 ({6+}\r\nA: b\r\n)",
                     status="BAD")
        check(t == "b1 BAD UTF8 wants one literal8 in parentheses: "
              "UTF8 (~{n})", f"UTF8 ({{n}}): {t!r}")
        u, t = c.cmd("b2", "APPEND INBOX UTF8 ()", status="BAD")
        check(t.startswith("b2 BAD UTF8 wants"), f"UTF8 (): {t!r}")
        enabled(c)
        c.cmd("s", "SELECT INBOX")
        u, t = utf8_literal(c, "a1", "APPEND INBOX (\\Seen)", MSG8)
        check(t.startswith("a1 OK [APPENDUID "), f"UTF8 APPEND: {t!r}")
        # a plain literal with UTF-8 header is accepted after ENABLE too
        u, t = append(c, "a2", "APPEND INBOX", MSG8)
        check(t.startswith("a2 OK [APPENDUID "), f"plain APPEND: {t!r}")
        # MULTIAPPEND mixes both forms
        c.send(f"a3 APPEND INBOX UTF8 (~{{{len(MSG8)}+}}\r\n".encode() +
               MSG8 + f") {{{len(BODY8)}+}}\r\n".encode() + BODY8 +
               b"\r\n")
        u, t = raw(c, "a3", b"")
        check(t.startswith("a3 OK [APPENDUID ") and t.count(":") == 1,
              f"MULTIAPPEND: {t!r}")
        u, t = c.cmd("f", "FETCH 3 BODY.PEEK[HEADER.FIELDS (SUBJECT)]")
        check(u[0].startswith("* 3 FETCH (BODY[HEADER.FIELDS (SUBJECT)] "
                              "{"), f"FETCH: {u!r}")
        check("Subject: Gr\u00fc\u00dfe" in u[0] or
              any("Gr\u00fc\u00dfe" in x for x in u), f"FETCH: {u!r}")
        u, t = c.cmd("s2", 'SEARCH SUBJECT "gr\u00fc\u00dfe"')
        check(u == ["* SEARCH 3 4 5"], f"SEARCH: {u!r}")
