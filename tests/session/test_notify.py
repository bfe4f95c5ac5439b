"""NOTIFY (RFC 5465) over real sockets: the examples of 3.1, 5.1-5.5 and
6 replayed with events made by a second session or by an MDA dropping a
file into new/, for the selected mailbox and for others; STATUS with the
STATUS indicator; SELECTED-DELAYED holding EXPUNGE back (6.1.2); events
during IDLE (4); CONDSTORE and QRESYNC (HIGHESTMODSEQ, VANISHED); LIST
for CREATE, DELETE, RENAME (OLDNAME) and subscription changes made by
another session, and none for this session's own; NOTIFY NONE; the
errors: BAD for what is malformed or breaks 5's rules, NO [BADEVENT
(...)] for the events skua lacks, NO [NOTIFICATIONOVERFLOW] past
notify_max_folders watched folders and the untagged one (5.8) when
folders created later push the set past it.

Two of the RFC's examples are not valid by its own grammar (8) and its
rule that MessageNew and MessageExpunge come together (5): 3.1's
"(selected MessageNew (...) MessageExpunge)" lacks the parentheses
around the events, and "(subtree Lists MessageNew)" lacks both them and
MessageExpunge. Those are answered BAD, as section 5 requires; they are
replayed in their corrected form too. Nothing here waits for a fixed
time: an event is awaited by reading the next line (with the harness's
timeout), and the absence of one is shown by a later event or command
arriving first."""
import os
import re
import shutil

from harness import Client, Server, USERS, check, own
from test_write import fresh_maildir, make_dirs

HDR = "body.peek[header.fields (from to subject)]"
_serial = [0]


def message(subject="good morning"):
    return (f"Subject: Re: {subject}\r\nFrom: alice@example.org\r\n"
            f"To: bob@example.org\r\n\r\nhello\r\n").encode()


def mda(folder, data=None):
    """Delivers a message into folder/new as an MDA does: tmp, then
    rename. Returns the base name."""
    _serial[0] += 1
    base = "%d.M%dP%d.notify" % (1700000000 + _serial[0], _serial[0],
                                 os.getpid())
    tmp = os.path.join(folder, "tmp", base)
    with open(tmp, "wb") as f:
        f.write(data or message())
    own(tmp)
    os.rename(tmp, os.path.join(folder, "new", base))
    return base


def put_cur(folder, info="2,S"):
    """A message straight into cur/ (already seen); its base name."""
    _serial[0] += 1
    base = "%d.M%dP%d.notify" % (1600000000 + _serial[0], _serial[0],
                                 os.getpid())
    path = os.path.join(folder, "cur", base + ":" + info)
    with open(path, "wb") as f:
        f.write(message())
    own(path)
    return base


def login(srv):
    c = Client(srv.port)
    c.expect(r"\* OK .*")
    c.cmd("l", f"LOGIN alice {USERS['alice'][1]}")
    return c


def lines_until(c, pattern):
    """Lines up to and including one matching pattern (whole line)."""
    got = []
    while True:
        line = c.line()
        got.append(line)
        if re.fullmatch(pattern, line):
            return got


def status_items(line):
    """'* STATUS name (K v ...)' -> (name, {K: v})."""
    m = re.fullmatch(r"\* STATUS (\S+|\"[^\"]*\") \((.*)\)", line)
    check(m is not None, f"not a STATUS: {line!r}")
    v = m.group(2).split()
    return m.group(1).strip('"'), dict(zip(v[::2], v[1::2]))


def uidvalidity(c, tag, box):
    u, _ = c.cmd(tag, f"STATUS {box} (UIDVALIDITY)")
    return status_items(u[0])[1]["UIDVALIDITY"]


def setup(world, name, folders, before=None, **config):
    """A Maildir with folders, before(md) run on it, and a server on it;
    a first session has taken the messages' \\Recent."""
    md = fresh_maildir(world, name, folders=folders)
    if before:
        before(md)
    srv = Server(world, maildir="~/" + name, special_folders="", **config)
    c = login(srv)
    for f in ["INBOX"] + [f[1:].replace(".", "/") for f in folders]:
        c.cmd("s", f"SELECT {f}")
    c.cmd("z", "LOGOUT")
    c.close()
    return md, srv


def test_notify_rfc_31_example(world):
    def fill(md):
        for _ in range(2):
            put_cur(os.path.join(md, ".Lists.Lemonade"))
        put_cur(os.path.join(md, ".misc"))
    md, srv = setup(world, "Maildir-notify-31",
                    [".Lists.Lemonade", ".Lists.Im2000", ".misc"], fill)
    lemonade = os.path.join(md, ".Lists.Lemonade")
    try:
        c = login(srv)
        uv = {b: uidvalidity(c, "v", b) for b in
              ("Lists/Lemonade", "Lists/Im2000", "misc")}
        # The example as printed: events without their parentheses, and
        # MessageNew without MessageExpunge (5: "MUST respond with the
        # tagged BAD response").
        c.cmd("b", f"notify set status (selected MessageNew (uid {HDR}) "
              "MessageExpunge) (subtree Lists MessageNew)", "BAD")
        c.cmd("b", f"notify set status (selected (MessageNew (uid {HDR}) "
              "MessageExpunge)) (subtree Lists MessageNew)", "BAD")
        # Corrected.
        u, t = c.cmd("b", f"notify set status (selected (MessageNew (uid "
                     f"{HDR}) MessageExpunge)) (subtree Lists (MessageNew "
                     "MessageExpunge))")
        check(sorted(u) == sorted([
            f"* STATUS Lists/Lemonade (MESSAGES 2 UIDNEXT 3 UIDVALIDITY "
            f"{uv['Lists/Lemonade']} UNSEEN 0)",
            f"* STATUS Lists/Im2000 (MESSAGES 0 UIDNEXT 1 UIDVALIDITY "
            f"{uv['Lists/Im2000']} UNSEEN 0)"]), f"NOTIFY SET STATUS: {u!r}")
        check(t == "b OK NOTIFY completed.", t)
        u, t = c.cmd("c", "select inbox")
        check("* 0 EXISTS" in u, f"SELECT: {u!r}")
        # Time passes. A new message is delivered to Lists/Lemonade.
        mda(lemonade)
        line = c.line()
        check(line == "* STATUS Lists/Lemonade (MESSAGES 3 UIDNEXT 4)",
              f"delivery to Lists/Lemonade: {line!r}")
        # Time passes. A new message is delivered to inbox.
        data = message()
        mda(md, data)
        got = lines_until(c, r"\)")
        hdr = data.split(b"\r\n\r\n")[0] + b"\r\n\r\n"
        check(got[:3] == ["* 1 EXISTS", "* 1 RECENT",
                          "* 1 FETCH (UID 1 BODY[HEADER.FIELDS (FROM TO "
                          f"SUBJECT)] {{{len(hdr)}}}"],
              f"delivery to INBOX: {got!r}")
        check("\r\n".join(got[3:]).encode() == hdr + b")",
              f"header fields: {got[3:]!r}")
        # The client adds misc, having asked for its STATUS itself.
        u, t = c.cmd("d", "STATUS misc (UIDVALIDITY UIDNEXT MESSAGES)")
        check(u == [f"* STATUS misc (MESSAGES 1 UIDNEXT 2 UIDVALIDITY "
                    f"{uv['misc']})"], f"STATUS misc: {u!r}")
        u, t = c.cmd("e", f"notify set (selected (MessageNew (uid {HDR}) "
                     "MessageExpunge)) (subtree Lists (MessageNew "
                     "MessageExpunge)) (mailboxes misc (MessageNew "
                     "MessageExpunge))")
        check(u == [], f"NOTIFY SET without STATUS: {u!r}")
        mda(os.path.join(md, ".misc"))
        line = c.line()
        check(line == "* STATUS misc (MESSAGES 2 UIDNEXT 3)",
              f"delivery to misc: {line!r}")
        # 5.2: no FETCH for a message this session appended itself.
        data = message("mine")
        c.send(f"f APPEND INBOX {{{len(data)}+}}\r\n".encode() + data +
               b"\r\n")
        got = lines_until(c, r"f .*")
        check(got[-1].startswith("f OK [APPENDUID ") and
              "* 2 EXISTS" in got and
              not any("FETCH" in l for l in got), f"own APPEND: {got!r}")
        c.cmd("z", "LOGOUT")
    finally:
        srv.stop()


def test_notify_message_events(world):
    """5.1-5.3's examples: FETCH, EXISTS, EXPUNGE for the selected
    mailbox, STATUS for another, made by a second session."""
    def fill(md):
        for _ in range(3):
            put_cur(md, "2,")
            put_cur(os.path.join(md, ".misc"), "2,")
    md, srv = setup(world, "Maildir-notify-5", [".misc"], fill)
    misc = os.path.join(md, ".misc")
    try:
        c, o = login(srv), login(srv)
        c.cmd("s", "SELECT INBOX")
        o.cmd("s", "SELECT INBOX")
        c.cmd("n", "NOTIFY SET (selected (MessageNew MessageExpunge "
              "FlagChange)) (mailboxes misc (MessageNew MessageExpunge "
              "FlagChange))")
        # 5.1, in the selected mailbox.
        o.cmd("f", "STORE 2 +FLAGS ($Junk)")
        got = lines_until(c, r"\* \d+ FETCH .*")
        check(got[-1] == "* 2 FETCH (UID 2 FLAGS ($Junk))",
              f"FlagChange: {got!r}")
        # 5.2: EXISTS (then the FETCH only when a list was asked for).
        mda(md)
        got = lines_until(c, r"\* \d+ RECENT")
        check(got == ["* 4 EXISTS", "* 1 RECENT"], f"MessageNew: {got!r}")
        # 5.3, in the selected mailbox.
        o.cmd("d", "STORE 1 +FLAGS.SILENT (\\Deleted)")
        line = c.line()
        check(line == "* 1 FETCH (UID 1 FLAGS (\\Deleted))",
              f"FlagChange \\Deleted: {line!r}")
        o.cmd("e", "EXPUNGE")
        line = c.line()
        check(line == "* 1 EXPUNGE", f"MessageExpunge: {line!r}")
        # Another mailbox: new, flag (no CONDSTORE: UNSEEN), expunge.
        o.cmd("m", "SELECT misc")
        o.cmd("a", "STORE 1 +FLAGS.SILENT (\\Seen)")
        line = c.line()
        check(line == "* STATUS misc (UNSEEN 2)", f"flag in misc: {line!r}")
        o.cmd("b", "STORE 2 +FLAGS.SILENT (\\Flagged)")
        o.cmd("c", "STORE 3 +FLAGS.SILENT (\\Deleted)")
        o.cmd("d", "EXPUNGE")
        line = c.line()
        check(line == "* STATUS misc (MESSAGES 2 UIDNEXT 4 UNSEEN 1)",
              f"expunge in misc: {line!r}")
        mda(misc)
        line = c.line()
        check(line == "* STATUS misc (MESSAGES 3 UIDNEXT 5 UNSEEN 2)",
              f"new in misc: {line!r}")
        # Nothing else is pending.
        u, t = c.cmd("x", "NOOP")
        check(u == [], f"NOOP after the events: {u!r}")
        # NOTIFY NONE: no more events between commands.
        c.cmd("y", "NOTIFY NONE")
        mda(misc)
        mda(md)
        o.cmd("w", "NOOP")
        u, t = c.cmd("x", "NOOP")
        check(u[:1] == ["* 4 EXISTS"], f"NOOP after NOTIFY NONE: {u!r}")
        c.cmd("z", "LOGOUT")
        o.cmd("z", "LOGOUT")
    finally:
        srv.stop()


def test_notify_condstore_qresync(world):
    """5.1 with CONDSTORE (HIGHESTMODSEQ and UIDVALIDITY), 5.3 with
    QRESYNC (VANISHED), STATUS with HIGHESTMODSEQ for FlagChange."""
    def fill(md):
        for _ in range(3):
            put_cur(md, "2,")
            put_cur(os.path.join(md, ".Lists.Lemonade"), "2,S")
    md, srv = setup(world, "Maildir-notify-cs", [".Lists.Lemonade"], fill)
    try:
        c, o = login(srv), login(srv)
        uv = uidvalidity(c, "v", "Lists/Lemonade")
        c.cmd("q", "ENABLE QRESYNC")
        c.cmd("s", "SELECT INBOX")
        o.cmd("s", "SELECT INBOX")
        u, t = c.cmd("n", "NOTIFY SET STATUS (selected (MessageNew "
                     "MessageExpunge FlagChange)) (subtree Lists "
                     "(MessageNew MessageExpunge FlagChange))")
        check(len(u) == 1, f"NOTIFY SET STATUS: {u!r}")
        name, items = status_items(u[0])
        check(name == "Lists/Lemonade" and items["UIDVALIDITY"] == uv and
              items["MESSAGES"] == "3" and items["UIDNEXT"] == "4" and
              "HIGHESTMODSEQ" in items, f"initial STATUS: {u!r}")
        hms = int(items["HIGHESTMODSEQ"])
        o.cmd("l", "SELECT Lists/Lemonade")
        o.cmd("f", "STORE 1 +FLAGS.SILENT ($Junk)")
        name, items = status_items(c.line())
        check(items.get("UIDVALIDITY") == uv and
              int(items.get("HIGHESTMODSEQ", 0)) > hms and
              "MESSAGES" not in items,
              f"FlagChange with CONDSTORE: {items!r}")
        o.cmd("s", "SELECT INBOX")
        o.cmd("d", "STORE 2 +FLAGS.SILENT (\\Deleted)")
        line = c.line()
        check(re.fullmatch(r"\* 2 FETCH \(UID 2 MODSEQ \(\d+\) FLAGS "
                           r"\(\\Deleted\)\)", line) is not None or
              re.fullmatch(r"\* 2 FETCH \(UID 2 FLAGS \(\\Deleted\) "
                           r"MODSEQ \(\d+\)\)", line) is not None,
              f"FlagChange with QRESYNC: {line!r}")
        o.cmd("e", "EXPUNGE")
        line = c.line()
        check(line == "* VANISHED 2", f"MessageExpunge with QRESYNC: "
              f"{line!r}")
        c.cmd("z", "LOGOUT")
        o.cmd("z", "LOGOUT")
    finally:
        srv.stop()


def test_notify_selected_delayed_and_idle(world):
    """6.1.2: EXPUNGE waits for a command that allows it, other events
    do not; 4: IDLE sends what NOTIFY asked for, EXPUNGE included."""
    md, srv = setup(world, "Maildir-notify-sd", [".misc"],
                    lambda md: [put_cur(md, "2,") for _ in range(4)])
    try:
        c, o = login(srv), login(srv)
        c.cmd("s", "SELECT INBOX")
        o.cmd("s", "SELECT INBOX")
        c.cmd("n", "NOTIFY SET (selected-delayed (MessageNew "
              "MessageExpunge FlagChange))")
        o.cmd("d", "STORE 1 +FLAGS.SILENT (\\Deleted)")
        line = c.line()
        check(line == "* 1 FETCH (UID 1 FLAGS (\\Deleted))", line)
        o.cmd("e", "EXPUNGE")
        # The expunge is held back: the next flag change comes first.
        o.cmd("f", "STORE 3 +FLAGS.SILENT (\\Flagged)")
        line = c.line()
        check(line == "* 4 FETCH (UID 4 FLAGS (\\Flagged))",
              f"FETCH before the held EXPUNGE: {line!r}")
        # FETCH may not shift numbers (RFC 3501 7.4.1); NOOP may.
        u, t = c.cmd("a", "FETCH 2 (UID)")
        check(u == ["* 2 FETCH (UID 2)"], f"FETCH with an expunge held: "
              f"{u!r}")
        u, t = c.cmd("b", "NOOP")
        check(u == ["* 1 EXPUNGE"], f"NOOP: {u!r}")
        # IDLE: the expunge goes out at once.
        c.send("i IDLE\r\n")
        c.expect(r"\+ idling")
        o.cmd("g", "STORE 1 +FLAGS.SILENT (\\Deleted)")
        check(c.line() == "* 1 FETCH (UID 2 FLAGS (\\Deleted))", "idle FETCH")
        o.cmd("h", "EXPUNGE")
        check(c.line() == "* 1 EXPUNGE", "EXPUNGE during IDLE")
        c.send("DONE\r\n")
        check(c.line() == "i OK Idle completed.", "DONE")
        # SELECTED (not delayed): EXPUNGE between commands.
        c.cmd("n", "NOTIFY SET (selected (MessageNew MessageExpunge))")
        o.cmd("j", "STORE 1 +FLAGS.SILENT (\\Deleted)")
        o.cmd("k", "EXPUNGE")
        check(c.line() == "* 1 EXPUNGE", "EXPUNGE with SELECTED")
        c.cmd("z", "LOGOUT")
        o.cmd("z", "LOGOUT")
    finally:
        srv.stop()


def test_notify_idle_other_mailboxes(world):
    """4: during IDLE, exactly NOTIFY's events: STATUS of another
    mailbox, and nothing for the selected one when SELECTED was not
    given (its news come with IDLE's tagged OK)."""
    md, srv = setup(world, "Maildir-notify-idle", [".misc"])
    try:
        c = login(srv)
        c.cmd("s", "SELECT INBOX")
        c.cmd("n", "NOTIFY SET (personal (MessageNew MessageExpunge))")
        c.send("i IDLE\r\n")
        c.expect(r"\+ idling")
        mda(md)
        mda(os.path.join(md, ".misc"))
        line = c.line()
        check(line == "* STATUS misc (MESSAGES 1 UIDNEXT 2)",
              f"IDLE: {line!r}")
        c.send("DONE\r\n")
        got = lines_until(c, r"i .*")
        check(got == ["* 1 EXISTS", "* 1 RECENT", "i OK Idle completed."],
              f"DONE: {got!r}")
        c.cmd("z", "LOGOUT")
    finally:
        srv.stop()


def test_notify_mailbox_names(world):
    """5.4 and 5.5's examples, and section 6's first: LIST for another
    session's CREATE, DELETE, RENAME (OLDNAME, nothing for the children)
    and SUBSCRIBE/UNSUBSCRIBE; none for this session's own (5)."""
    md, srv = setup(world, "Maildir-notify-names", [".OldMailbox",
                                                    ".OldMailbox.kid"])
    try:
        c, o = login(srv), login(srv)
        o.cmd("a", "CREATE SubscribedMailbox")
        c.cmd("a", "notify set (mailboxes INBOX (Messagenew "
              "messageExpunge)) (personal (SubscriptionChange))")
        o.cmd("s", "SUBSCRIBE SubscribedMailbox")
        check(c.line() == '* LIST (\\Subscribed \\HasNoChildren) "/" '
              'SubscribedMailbox', "SUBSCRIBE")
        c.cmd("b", "NOTIFY SET (personal (MailboxName SubscriptionChange))")
        o.cmd("c", "CREATE NewMailbox")
        check(c.line() == '* LIST (\\HasNoChildren) "/" NewMailbox',
              "CREATE")
        o.cmd("d", "RENAME OldMailbox Renamed")
        line = c.line()
        check(line == '* LIST (\\HasChildren) "/" Renamed ("OLDNAME" '
              '(OldMailbox))', f"RENAME: {line!r}")
        o.cmd("e", "DELETE NewMailbox")
        check(c.line() == '* LIST (\\NonExistent) "/" NewMailbox', "DELETE")
        o.cmd("f", "DELETE SubscribedMailbox")
        check(c.line() == '* LIST (\\Subscribed \\NonExistent) "/" '
              'SubscribedMailbox', "DELETE of a subscribed name")
        o.cmd("g", "UNSUBSCRIBE SubscribedMailbox")
        check(c.line() == '* LIST (\\NonExistent) "/" SubscribedMailbox',
              "UNSUBSCRIBE")
        o.cmd("h", "CREATE Renamed/kid2")
        got = [c.line(), c.line()]
        check(sorted(got) == sorted([
            '* LIST (\\HasNoChildren) "/" Renamed/kid2',
            '* LIST (\\HasChildren) "/" Renamed']),
              f"CREATE of a child: the parent too: {got!r}")
        # This session's own changes are not told back; another's that
        # follows is.
        u, t = c.cmd("i", "CREATE Mine")
        check(u == [], f"own CREATE: {u!r}")
        c.cmd("j", "SUBSCRIBE Mine")
        c.cmd("k", "RENAME Mine Mine2")
        c.cmd("l", "DELETE Mine2")
        o.cmd("m", "CREATE Theirs")
        check(c.line() == '* LIST (\\HasNoChildren) "/" Theirs',
              "the next event after own changes")
        # A folder made by hand (mkdir, as another server would) counts.
        make_dirs(os.path.join(md, "tmp", ".ByHand"))
        os.rename(os.path.join(md, "tmp", ".ByHand"),
                  os.path.join(md, ".ByHand"))
        check(c.line() == '* LIST (\\HasNoChildren) "/" ByHand', "mkdir")
        shutil.rmtree(os.path.join(md, ".ByHand"))
        check(c.line() == '* LIST (\\NonExistent) "/" ByHand', "rmdir")
        # Filtered: only names under the subtree.
        c.cmd("n", "NOTIFY SET (subtree Renamed (MailboxName))")
        o.cmd("o", "CREATE Elsewhere")
        o.cmd("p", "CREATE Renamed/kid3")
        got = [c.line(), c.line()]
        check(got == ['* LIST (\\HasNoChildren) "/" Renamed/kid3',
                      '* LIST (\\HasChildren) "/" Renamed'],
              f"subtree filter: {got!r}")
        c.cmd("z", "LOGOUT")
        o.cmd("z", "LOGOUT")
    finally:
        srv.stop()


def test_notify_errors(world):
    """BAD for what is malformed or breaks 5 and 6.1, NO [BADEVENT] with
    the supported events for what skua lacks (no METADATA), and the
    section 6 examples accepted."""
    md, srv = setup(world, "Maildir-notify-err", [".misc"])
    badevent = ("NO [BADEVENT (MessageNew MessageExpunge FlagChange "
                "MailboxName SubscriptionChange)] Unsupported event")
    try:
        c = Client(srv.port)
        c.expect(r"\* OK .*")
        c.cmd("a", "NOTIFY NONE", "BAD")        # not before login
        c.cmd("l", f"LOGIN alice {USERS['alice'][1]}")
        for args in ["", "FOO", "SET", "SET STATUS", "NONE extra",
                     "SET ()", "SET (selected)", "SET (selected ())",
                     "SET (selected (MessageNew))",
                     "SET (selected (MessageExpunge))",
                     "SET (selected (FlagChange))",
                     "SET (selected (FlagChange MessageNew))",
                     "SET (selected (MailboxName))",
                     "SET (selected (MessageNew MessageExpunge)) "
                     "(selected-delayed (MessageNew MessageExpunge))",
                     "SET (selected (MessageNew (uid) MessageExpunge)) "
                     "(selected NONE)",
                     "SET (personal (MessageNew (uid) MessageExpunge))",
                     "SET (selected (MessageNew (uid nosuchitem) "
                     "MessageExpunge))",
                     "SET (subtree (MessageNew MessageExpunge))",
                     "SET (mailboxes () (MessageNew MessageExpunge))",
                     "SET (everything (MessageNew MessageExpunge))",
                     "SET (personal MessageNew)",
                     "SET (personal (MessageNew MessageExpunge) extra)",
                     "SET personal"]:
            u, t = c.cmd("b", f"NOTIFY {args}".rstrip(), "BAD")
        for ev in ["AnnotationChange", "MailboxMetadataChange",
                   "ServerMetadataChange", "XNoSuchEvent"]:
            u, t = c.cmd("c", f"NOTIFY SET (personal (MessageNew "
                         f"MessageExpunge {ev}))", "NO")
            check(t == "c " + badevent, f"{ev}: {t!r}")
        u, t = c.cmd("d", "NOTIFY SET (selected (MessageNew MessageExpunge "
                     "AnnotationChange))", "NO")
        check(t == "d " + badevent, t)
        # Section 6's examples; a name that does not exist is ignored
        # (3.1); SET ... NONE as a snapshot (5).
        for args in ["(mailboxes INBOX (Messagenew messageExpunge)) "
                     "(personal (SubscriptionChange))",
                     "(selected (Messagenew (uid flags) messageExpunge)) "
                     "(personal (MessageNew FlagChange MessageExpunge))",
                     "(mailboxes (nosuch \"also nosuch\") (MessageNew "
                     "MessageExpunge))",
                     "(inboxes NONE) (subscribed (MailboxName))"]:
            u, t = c.cmd("e", f"NOTIFY SET {args}")
            check(u == [], f"NOTIFY SET {args}: {u!r}")
        u, t = c.cmd("f", "NOTIFY SET STATUS (inboxes (MessageNew "
                     "MessageExpunge))")
        check(sorted(u) == ["* STATUS INBOX (MESSAGES 0 UIDNEXT 1 "
                            f"UIDVALIDITY {uidvalidity(c, 'v', 'INBOX')} "
                            "UNSEEN 0)",
                            "* STATUS misc (MESSAGES 0 UIDNEXT 1 "
                            f"UIDVALIDITY {uidvalidity(c, 'w', 'misc')} "
                            "UNSEEN 0)"],
              f"inboxes is personal: {u!r}")
        c.cmd("z", "LOGOUT")
    finally:
        srv.stop()


def test_notify_overflow(world):
    """3.1: too many mailboxes is NO [NOTIFICATIONOVERFLOW], and the
    events in force stay; 5.8: an overflow later is told and NOTIFY is
    off (as after NOTIFY NONE)."""
    max_folders = 20
    md, srv = setup(world, "Maildir-notify-over", [], lambda md: [
        make_dirs(os.path.join(md, ".f%03d" % i))   # INBOX makes it 21
        for i in range(max_folders)], notify_max_folders=str(max_folders))
    try:
        c, o = login(srv), login(srv)
        c.cmd("a", "NOTIFY SET (mailboxes f000 (MessageNew "
              "MessageExpunge))")
        u, t = c.cmd("b", "NOTIFY SET (personal (MessageNew "
                     "MessageExpunge))", "NO")
        check(t.startswith("b NO [NOTIFICATIONOVERFLOW] "), t)
        # The earlier NOTIFY SET is still in force.
        mda(os.path.join(md, ".f000"))
        check(c.line() == "* STATUS f000 (MESSAGES 1 UIDNEXT 2)",
              "after the refused SET")
        shutil.rmtree(os.path.join(md, ".f019"))
        c.cmd("c", "NOTIFY SET (personal (MessageNew MessageExpunge "
              "MailboxName))")
        o.cmd("d", "CREATE f019")
        got = lines_until(c, r"\* OK \[NOTIFICATIONOVERFLOW\] .*")
        check(got[-1].startswith("* OK [NOTIFICATIONOVERFLOW] "),
              f"overflow: {got!r}")
        # Off now, as after NOTIFY NONE.
        mda(os.path.join(md, ".f001"))
        o.cmd("e", "CREATE another")
        u, t = c.cmd("f", "NOOP")
        check(u == [], f"after the overflow: {u!r}")
        c.cmd("z", "LOGOUT")
        o.cmd("z", "LOGOUT")
    finally:
        srv.stop()


def test_notify_search_update_fetch(world):
    """7's example: SEARCH RETURN (UPDATE (fetch-att ...)) gets the FETCH
    of a new message that joins the result, after its EXISTS and before
    the ESEARCH ADDTO; a message that joins by a flag change gets no
    such FETCH."""
    md, srv = setup(world, "Maildir-notify-7", [],
                    lambda md: [put_cur(md, "2,S") for _ in range(2)])
    boss = (b"Subject: Re: good morning\r\nFrom: myboss@example.org\r\n"
            b"To: bob@example.org\r\n\r\nsee me\r\n")
    try:
        c, o = login(srv), login(srv)
        c.cmd("s", "SELECT INBOX")
        o.cmd("s", "SELECT INBOX")
        c.cmd("n", "NOTIFY SET (selected (MessageNew MessageExpunge "
              "FlagChange))")
        # BODY.PEEK: the example's BODY[...] would set \\Seen (5.2: the
        # client SHOULD NOT use such attributes).
        u, t = c.cmd("a00", "SEARCH RETURN (COUNT UPDATE (UID BODY.PEEK["
                     "HEADER.FIELDS (TO FROM SUBJECT)])) FROM \"boss\"")
        check(u == ['* ESEARCH (TAG "a00") COUNT 0'], f"SEARCH: {u!r}")
        u, t = c.cmd("a01", "UID SEARCH RETURN (UPDATE (UID)) UNSEEN NOT "
                     "FROM boss")
        check(u == ['* ESEARCH (TAG "a01") UID'], f"UID SEARCH: {u!r}")
        c.cmd("a02", "SEARCH RETURN (UPDATE (UID nosuchitem)) ALL", "BAD")
        mda(md, boss)
        got = lines_until(c, r'\* ESEARCH \(TAG "a00"\) .*')
        want_hdr = boss.split(b"\r\n\r\n")[0] + b"\r\n\r\n"
        check(got[0] == "* 3 EXISTS" and got[1] == "* 1 RECENT" and
              got[2] == "* 3 FETCH (UID 3 BODY[HEADER.FIELDS (TO FROM "
              f"SUBJECT)] {{{len(want_hdr)}}}" and
              got[-1] == '* ESEARCH (TAG "a00") ADDTO (0 3)',
              f"new message into the context: {got!r}")
        o.cmd("f", "STORE 1 -FLAGS.SILENT (\\Seen)")
        got = lines_until(c, r'\* ESEARCH \(TAG "a01"\) UID ADDTO .*')
        check(got == ["* 1 FETCH (UID 1 FLAGS ())",
                      '* ESEARCH (TAG "a01") UID ADDTO (0 1)'],
              f"flag change into the context: {got!r}")
        c.cmd("z", "LOGOUT")
        o.cmd("z", "LOGOUT")
    finally:
        srv.stop()


def test_notify_tls(world):
    """Events between commands over implicit TLS too: the wait covers
    input OpenSSL has buffered and the inotify descriptor together."""
    md, srv = setup(world, "Maildir-notify-tls", [".misc"])
    try:
        c = Client(srv.tls_port, tls=True)
        c.expect(r"\* OK .*")
        c.cmd("l", f"LOGIN alice {USERS['alice'][1]}")
        c.cmd("n", "NOTIFY SET (personal (MessageNew MessageExpunge))")
        mda(os.path.join(md, ".misc"))
        check(c.line() == "* STATUS misc (MESSAGES 1 UIDNEXT 2)",
              "STATUS over TLS")
        c.cmd("z", "LOGOUT")
    finally:
        srv.stop()
