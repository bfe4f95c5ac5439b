"""Several sessions of one user on one folder, over real sockets: one
stores, expunges, appends and copies while another fetches and idles, and
an MDA drops mail into new/ (tmp/ + rename) at the same time. The second
session must hear of every change, in order, with the right numbers.

Every untagged response a session gets is applied to a model of what that
session knows: its messages in sequence order (UID and flags, or None
while not yet heard), the flags the folder defines, the UIDs it was told
are gone. The model checks each line as it comes, by the rules of
RFC 3501:
  - 7.4.1: "* n EXPUNGE" names a message the client has, and renumbers
    those above at once; never during FETCH, STORE or SEARCH (the UID
    forms MAY have it: "An EXPUNGE response MAY be sent during a UID
    command").
  - 5.2: EXISTS never lowers the count; only EXPUNGE does.
  - 7.4.2: "* n FETCH" names a message the client has; a UID it carries
    is the one the client knows there, or a new one, never one already
    expunged, and UIDs rise with sequence numbers (2.3.1.1).
  - 7.2.6: a keyword shows in FETCH FLAGS only once "* FLAGS" has
    defined it, and PERMANENTFLAGS lists it too.
  - 2.3.2: \\Recent goes to one session only.
RFC 2180 4.1 leaves a FETCH of a message expunged by another session but
not yet announced to the server: data from a cache (4.1.1) or no
response and a tagged NO (4.1.2); both are accepted, the other messages
of the same FETCH must be right, and the next NOOP must announce it.

The truth at the end is what a fresh EXAMINE session reads."""
import os
import random
import re
import select
import socket
import threading
import time

from harness import (Client, Server, TIMEOUT, TestFailure, USERS, check,
                     fresh_maildir, own)

SYSTEM = r"\Answered \Flagged \Deleted \Seen \Draft"
SYSTEM_SET = set(SYSTEM.split())
PROMPT = 1.0            # IDLE news must come within this (inotify)

_serial = [0]


def message(tag):
    return (f"From: mda@example.org\r\nSubject: {tag}\r\n"
            f"Message-ID: <{tag}@example.org>\r\n\r\nbody of {tag}\r\n"
            ).encode()


def deliver(maildir, info=None):
    """An MDA's delivery: written into tmp/, owned by alice, renamed into
    new/ (or cur/ with info such as ":2,S"). Returns the subject tag."""
    _serial[0] += 1
    tag = "m%d" % _serial[0]
    base = "%d.M%dP%d.mda" % (1700000000 + _serial[0], _serial[0],
                             os.getpid())
    tmp = os.path.join(maildir, "tmp", base)
    with open(tmp, "wb") as f:
        f.write(message(tag))
    own(tmp)
    if info is None:
        os.rename(tmp, os.path.join(maildir, "new", base))
    else:
        os.rename(tmp, os.path.join(maildir, "cur", base + info))
    return tag


def session(srv):
    c = Client(srv.port)
    c.expect(r"\* OK .*")
    c.cmd("l", f"LOGIN alice {USERS['alice'][1]}")
    return c


def take_recent(srv):
    """A first session takes \\Recent, so later ones start without it."""
    c = session(srv)
    c.cmd("s", "SELECT INBOX")
    c.cmd("z", "LOGOUT")
    c.close()


def response(c):
    """One response, its literals read in full (kept in the text)."""
    text = c.line()
    while (m := re.search(r"\{(\d+)\}$", text)):
        n = int(m.group(1))
        while len(c.buf) < n:
            chunk = c.sock.recv(65536)
            if not chunk:
                raise TestFailure(f"closed inside a literal: {text!r}")
            c.buf += chunk
        data, c.buf = c.buf[:n], c.buf[n:]
        text += "\r\n" + data.decode("utf-8", "replace") + c.line()
    return text


def response_within(c, seconds):
    """The next response, or None when none begins within seconds."""
    if b"\r\n" not in c.buf:
        ready, _, _ = select.select([c.sock], [], [], max(seconds, 0))
        if not ready:
            return None
    c.sock.settimeout(max(seconds, 0.001) + PROMPT)
    try:
        return response(c)
    except socket.timeout:
        raise TestFailure(f"a response began but did not end: {c.buf!r}")
    finally:
        c.sock.settimeout(TIMEOUT)


# --- the model of what a session knows ---------------------------------

class Msg:
    def __init__(self, uid=None, flags=None):
        self.uid = uid
        self.flags = flags      # a set, or None while not heard

    def __repr__(self):
        f = "?" if self.flags is None else " ".join(sorted(self.flags))
        return f"{self.uid or '?'}({f})"


def parse_flags(text):
    return set(text.split()) if text.strip() else set()


class Model:
    """A session's messages in sequence order, checked line by line."""

    def __init__(self, name, msgs=(), keywords=()):
        self.name = name
        self.msgs = list(msgs)
        self.defined = SYSTEM_SET | set(keywords)
        self.recent = None
        self.expunged = set()       # UIDs told gone
        self.ever = set()           # UIDs ever heard of
        self.vanished_msgs = []     # Msg objects told gone (UID or not)
        self.owed = []              # Msgs a FETCH skipped: must go next
        self.searches = []
        self.fetched = {}           # seq -> text, for the last command
        self.trace = []

    def fail(self, why):
        tail = "\n   ".join(self.trace[-25:])
        raise TestFailure(f"{self.name}: {why}\n  model {self.msgs}\n"
                          f"  last lines:\n   {tail}")

    def uids(self):
        return [m.uid for m in self.msgs]

    def seq_of(self, uid):
        for i, m in enumerate(self.msgs):
            if m.uid == uid:
                return i + 1
        return None

    def apply(self, lines, command):
        """Applies the untagged lines of one command. command is its
        name, with "UID " before it for the UID forms."""
        words = command.upper().split()
        uid_form = words[0] == "UID"
        name = words[1] if uid_form else words[0]
        no_expunge = not uid_form and name in ("FETCH", "STORE", "SEARCH")
        self.fetched = {}
        for line in lines:
            self.trace.append(f"[{command}] {line[:200]}")
            self.line(line, no_expunge, uid_form)
        self.check_order()

    def line(self, line, no_expunge, uid_form):
        if (m := re.fullmatch(r"\* (\d+) EXPUNGE", line)):
            n = int(m.group(1))
            if no_expunge:
                self.fail(f"{line!r} during FETCH, STORE or SEARCH "
                          "(RFC 3501 7.4.1)")
            if not 1 <= n <= len(self.msgs):
                self.fail(f"{line!r} with {len(self.msgs)} messages")
            gone = self.msgs.pop(n - 1)
            if gone.uid is not None:
                self.expunged.add(gone.uid)
            self.vanished_msgs.append(gone)
            self.owed = [o for o in self.owed if o is not gone]
        elif (m := re.fullmatch(r"\* (\d+) EXISTS", line)):
            n = int(m.group(1))
            if n < len(self.msgs):
                self.fail(f"{line!r} lowers the count from "
                          f"{len(self.msgs)} (RFC 3501 5.2)")
            self.msgs.extend(Msg() for _ in range(n - len(self.msgs)))
        elif (m := re.fullmatch(r"\* (\d+) RECENT", line)):
            n = int(m.group(1))
            if n > len(self.msgs):
                self.fail(f"{line!r} with {len(self.msgs)} messages")
            self.recent = n
        elif (m := re.fullmatch(r"\* (\d+) FETCH \((.*)\)", line, re.S)):
            self.fetch(int(m.group(1)), m.group(2), line, uid_form)
        elif (m := re.fullmatch(r"\* FLAGS \((.*)\)", line)):
            got = parse_flags(m.group(1))
            if not SYSTEM_SET <= got:
                self.fail(f"{line!r} lacks system flags")
            missing = {k for k in self.defined if k not in got}
            if missing:
                self.fail(f"{line!r} forgets {missing}")
            self.defined = got
        elif (m := re.fullmatch(r"\* OK \[PERMANENTFLAGS \((.*)\)\] .*",
                                line)):
            got = parse_flags(m.group(1))
            if not self.defined <= got or "\\*" not in got:
                self.fail(f"{line!r}: want {sorted(self.defined)} and \\*")
        elif (m := re.fullmatch(r"\* SEARCH((?: \d+)*)", line)):
            self.searches.append([int(x) for x in m.group(1).split()])
        elif line == "* OK Still here":
            pass
        else:
            self.fail(f"unexpected {line!r}")

    def fetch(self, seq, items, line, uid_form):
        if not 1 <= seq <= len(self.msgs):
            self.fail(f"FETCH for {seq} with {len(self.msgs)} messages: "
                      f"{line!r}")
        msg = self.msgs[seq - 1]
        if seq in self.fetched and not re.fullmatch(
                r"(UID \d+ )?FLAGS \([^)]*\)", items):
            # A second FETCH FLAGS is news of a later change; anything
            # more is the same answer twice.
            self.fail(f"{seq} answered twice in one command: {line!r}")
        self.fetched[seq] = line
        m = re.match(r"UID (\d+)(?: |$)", items) or \
            re.search(r"[ (]UID (\d+)(?: |$)", items)
        if uid_form and not re.match(r"UID \d+", items):
            self.fail(f"{line!r} in a UID command does not start with UID "
                      "(RFC 3501 6.4.8)")
        if m:
            uid = int(m.group(1))
            if msg.uid is None:
                if uid in self.expunged:
                    self.fail(f"{line!r}: UID {uid} was expunged before")
                msg.uid = uid
                self.ever.add(uid)
            elif msg.uid != uid:
                self.fail(f"{line!r}: message {seq} has UID {msg.uid}")
        f = re.search(r"FLAGS \(([^)]*)\)", items)
        if f:
            flags = parse_flags(f.group(1))
            undefined = {x for x in flags - {"\\Recent"}
                         if x not in self.defined}
            if undefined:
                self.fail(f"{line!r} uses {undefined} before * FLAGS "
                          f"defined it (have {sorted(self.defined)})")
            msg.flags = flags

    def check_order(self):
        known = [m.uid for m in self.msgs if m.uid is not None]
        if any(a >= b for a, b in zip(known, known[1:])):
            self.fail(f"UIDs not rising in sequence order: {known}")
        back = self.expunged.intersection(known)
        if back:
            self.fail(f"expunged UIDs {back} are back")

    def plain(self):
        """(uid, flags without \\Recent) for every message."""
        return [(m.uid, None if m.flags is None else
                 frozenset(m.flags - {"\\Recent"})) for m in self.msgs]


def run(c, model, tag, text, status=("OK",)):
    """Sends a command, applies its untagged responses to the model and
    returns (untagged, tagged). The tagged status must be one of
    status."""
    c.send(f"{tag} {text}\r\n")
    untagged = []
    while True:
        got = response(c)
        if got.startswith(tag + " "):
            break
        untagged.append(got)
    if got.split(" ")[1] not in status:
        model.fail(f"{text!r}: got {got!r}, want {status}")
    words = text.split()
    model.apply(untagged, " ".join(words[:2] if words[0].upper() == "UID"
                                   else words[:1]))
    return untagged, got


def owe_if_no(model, seqs, tagged, uid_form=False):
    """After a FETCH of seqs: what was not answered must be expunged
    (RFC 2180 4.1.2), and then the answer is NO (for UID FETCH, where a
    UID that is not there is no error, OK will do)."""
    missing = [s for s in seqs if s not in model.fetched]
    if missing and " NO " not in tagged + " " and not uid_form:
        model.fail(f"messages {missing} not answered, yet {tagged!r}")
    if not missing and " OK " not in tagged + " ":
        model.fail(f"all answered, yet {tagged!r}")
    model.owed.extend(model.msgs[s - 1] for s in missing)


def settle_owed(model):
    """After a command that may expunge: every message a FETCH skipped
    has been announced gone."""
    if model.owed:
        model.fail(f"{model.owed} skipped by FETCH but never expunged")


def idle_start(c, model, tag):
    c.send(f"{tag} IDLE\r\n")
    lines = []
    while (got := response(c)) != "+ idling":
        lines.append(got)
    model.apply(lines, "IDLE")


def idle_until(c, model, done, what, limit=PROMPT):
    """Reads IDLE news, each line within limit of the one before, until
    done(model). Returns the lines."""
    lines = []
    while not done(model):
        got = response_within(c, limit)
        if got is None:
            model.fail(f"IDLE: {what} not heard within {limit}s; "
                       f"got {lines}")
        lines.append(got)
        model.apply([got], "IDLE")
    return lines


def idle_quiet(c, model, seconds):
    """IDLE news for a while, whatever comes."""
    lines = []
    deadline = time.time() + seconds
    while (left := deadline - time.time()) > 0:
        got = response_within(c, left)
        if got is None:
            break
        lines.append(got)
        model.apply([got], "IDLE")
    return lines


def idle_done(c, model, tag):
    c.send("DONE\r\n")
    lines = []
    while not (got := response(c)).startswith(tag + " "):
        lines.append(got)
    model.apply(lines, "IDLE")
    if got != f"{tag} OK Idle completed.":
        model.fail(f"DONE: got {got!r}")
    return lines


def truth(srv):
    """[(uid, flags without \\Recent)] as a fresh EXAMINE session reads
    them."""
    c = session(srv)
    c.cmd("e", "EXAMINE INBOX")
    untagged, _ = c.cmd("f", "UID FETCH 1:* (FLAGS)")
    c.cmd("z", "LOGOUT")
    c.close()
    out = []
    for i, line in enumerate(untagged, 1):
        m = re.fullmatch(r"\* (\d+) FETCH \(UID (\d+) FLAGS \(([^)]*)\)\)",
                         line)
        check(m and int(m.group(1)) == i, f"truth: {line!r}")
        out.append((int(m.group(2)),
                    frozenset(parse_flags(m.group(3)) - {"\\Recent"})))
    return out


def selected(srv, name, tag="s"):
    """A session with INBOX selected, and its model filled by a
    UID FETCH 1:* (FLAGS)."""
    c = session(srv)
    model = Model(name)
    untagged, _ = c.cmd(tag, "SELECT INBOX")
    for line in untagged:
        if (m := re.fullmatch(r"\* FLAGS \((.*)\)", line)):
            model.defined = parse_flags(m.group(1))
    n = int(next(l for l in untagged if l.endswith(" EXISTS")).split()[1])
    model.msgs = [Msg() for _ in range(n)]
    if n:
        run(c, model, tag + "f", "UID FETCH 1:* (FLAGS)")
    return c, model


def same_as_truth(model, want, partial=False):
    """The model matches the truth; with partial, what the model has not
    heard yet (None) may be anything."""
    got = model.plain()
    if len(got) != len(want):
        have = {u for u, _ in got}
        model.fail(f"{len(got)} messages, truth has {len(want)}: {want}\n"
                   f"  UIDs the model lacks: "
                   f"{sorted({u for u, _ in want} - have)}; ever heard of "
                   f"among them: {sorted(model.ever - have)}; told "
                   f"expunged: {sorted(model.expunged & {u for u, _ in want})}")
    for (uid, flags), (tuid, tflags) in zip(got, want):
        if partial and uid is None:
            continue
        if uid != tuid or (flags != tflags and not
                           (partial and flags is None)):
            model.fail(f"model {got}\n  differs from truth {want}")


def logout(*clients):
    for c in clients:
        c.cmd("z", "LOGOUT")
        c.close()


# --- the tests -----------------------------------------------------------

def test_idle_sees_store_expunge_append_copy(world):
    """B idles while A stores, expunges, appends and copies, and an MDA
    delivers: B hears each change within a second, numbered right."""
    md = fresh_maildir(world, "Maildir-cc-idle")
    for _ in range(5):
        deliver(md, ":2,")
    srv = Server(world, maildir="~/Maildir-cc-idle", special_folders="")
    try:
        take_recent(srv)
        a, ma = selected(srv, "A")
        b, mb = selected(srv, "B")
        check(mb.uids() == [1, 2, 3, 4, 5], f"B starts with {mb.msgs}")
        idle_start(b, mb, "i")

        run(a, ma, "a1", r"STORE 2 +FLAGS (\Flagged)")
        lines = idle_until(b, mb, lambda m: m.msgs[1].flags == {r"\Flagged"},
                           "FETCH FLAGS of 2")
        check(lines == [r"* 2 FETCH (FLAGS (\Flagged))"],
              f"B in IDLE after STORE: {lines}")

        # Two expunged: B may hear them in one sync or two; either way
        # the numbers must leave 1, 2 and 4.
        run(a, ma, "a2", r"STORE 3,5 +FLAGS.SILENT (\Deleted)")
        run(a, ma, "a3", "EXPUNGE")
        check(ma.uids() == [1, 2, 4], f"A after EXPUNGE: {ma.msgs}")
        lines = idle_until(b, mb, lambda m: m.uids() == [1, 2, 4],
                           "EXPUNGE of UIDs 3 and 5")
        check(sum(l.endswith(" EXPUNGE") for l in lines) == 2,
              f"B in IDLE after EXPUNGE: {lines}")
        check(mb.expunged == {3, 5}, f"B: expunged {mb.expunged}")

        # APPEND: one EXISTS; \Recent goes to A or B, never both.
        a.send("a4 APPEND INBOX (\\Seen) {%d+}\r\n" % len(message("ap")))
        a.send(message("ap") + b"\r\n")
        lines_a = []
        while not (got := response(a)).startswith("a4 "):
            lines_a.append(got)
        check(re.fullmatch(r"a4 OK (\[APPENDUID \d+ 6\] )?Append completed\.",
                           got), got)
        ma.apply(lines_a, "APPEND")
        lines = idle_until(b, mb, lambda m: len(m.msgs) == 4,
                           "EXISTS after APPEND")
        lines += idle_until(b, mb, lambda m: m.recent is not None and
                            m.trace[-1].endswith("RECENT"), "RECENT")
        check(lines[0] == "* 4 EXISTS" and
              lines[1] in ("* 4 RECENT", "* 1 RECENT", "* 0 RECENT")
              and len(lines) == 2, f"B in IDLE after APPEND: {lines}")

        # COPY into the folder itself: B may hear of the two copies in
        # one sync or in two; each EXISTS comes with its RECENT.
        run(a, ma, "a5", "COPY 1:2 INBOX")
        check(len(ma.msgs) == 6, f"A after COPY: {ma.msgs}")
        lines = idle_until(b, mb, lambda m: len(m.msgs) == 6 and
                           m.trace[-1].endswith("RECENT"), "COPY")
        check(lines[0::2] in (["* 6 EXISTS"], ["* 5 EXISTS", "* 6 EXISTS"])
              and len(lines) in (2, 4) and
              all(l.endswith(" RECENT") for l in lines[1::2]),
              f"B in IDLE after COPY: {lines}")

        # An MDA delivery, nobody's command.
        deliver(md)
        lines = idle_until(b, mb, lambda m: len(m.msgs) == 7,
                           "EXISTS after delivery")
        lines += idle_until(b, mb, lambda m: m.trace[-1].endswith("RECENT"),
                            "RECENT")
        check(lines[0] == "* 7 EXISTS" and lines[1].endswith(" RECENT")
              and len(lines) == 2, f"B in IDLE after delivery: {lines}")
        # B is idling, A is not: B saw the delivery first.
        check(mb.recent >= 1, f"B in IDLE did not get \\Recent: {lines}")

        # A flag change on a message B has only heard of by EXISTS.
        run(a, ma, "a6", r"STORE 5 FLAGS (\Answered)")
        lines = idle_until(b, mb, lambda m: m.msgs[4].flags is not None,
                           "FETCH FLAGS of 5")
        check(len(lines) == 1 and re.fullmatch(
            r"\* 5 FETCH \(FLAGS \(\\Answered( \\Recent)?\)\)", lines[0]),
              f"B in IDLE after STORE 5: {lines}")
        check(idle_quiet(b, mb, 0.3) == [], "B in IDLE: more news")
        check(idle_done(b, mb, "i") == [], "news after DONE")

        run(b, mb, "n", "NOOP")
        run(b, mb, "f", "UID FETCH 1:* (FLAGS)")
        run(a, ma, "n", "NOOP")
        run(a, ma, "f", "UID FETCH 1:* (FLAGS)")
        want = truth(srv)
        same_as_truth(mb, want)
        same_as_truth(ma, want)
        check([u for u, _ in want] == [1, 2, 4, 6, 7, 8, 9],
              f"truth {want}")
        # Each new message is \Recent in exactly one session.
        for i in range(3, 7):
            ra = "\\Recent" in ma.msgs[i].flags
            rb = "\\Recent" in mb.msgs[i].flags
            check(ra != rb, f"UID {ma.msgs[i].uid}: \\Recent in A {ra}, "
                  f"in B {rb} (RFC 3501 2.3.2: exactly one)")
        logout(a, b)
    finally:
        srv.stop()


def test_no_expunge_during_fetch_store_search(world):
    """A expunges; B's FETCH, STORE and SEARCH keep the numbers (RFC 3501
    7.4.1), B's FETCH of an expunged message is answered from a cache or
    skipped with NO (RFC 2180 4.1), and the next NOOP says EXPUNGE."""
    md = fresh_maildir(world, "Maildir-cc-noexp")
    tags = [deliver(md, ":2,S") for _ in range(6)]
    srv = Server(world, maildir="~/Maildir-cc-noexp", special_folders="")
    try:
        take_recent(srv)
        a, ma = selected(srv, "A")
        b, mb = selected(srv, "B")
        run(a, ma, "a1", r"STORE 2,4 +FLAGS.SILENT (\Deleted)")
        u, _ = run(a, ma, "a2", "EXPUNGE")
        check(u == ["* 4 EXPUNGE", "* 2 EXPUNGE"], f"A EXPUNGE: {u}")

        # FETCH with the message text: the files of 2 and 4 are gone.
        u, t = run(b, mb, "b1", "FETCH 1:6 (UID BODY.PEEK[])",
                   status=("OK", "NO"))
        owe_if_no(mb, range(1, 7), t)
        for seq in (1, 3, 5, 6):
            check(seq in mb.fetched, f"message {seq} not answered: {u}")
            body = message(tags[seq - 1]).decode()
            check(mb.fetched[seq] == f"* {seq} FETCH (UID {seq} BODY[] "
                  f"{{{len(body)}}}\r\n{body})", f"{seq}: {mb.fetched[seq]!r}")
        for seq in (2, 4):
            if seq in mb.fetched:
                # A cached copy (4.1.1) must be the message itself.
                body = message(tags[seq - 1]).decode()
                check(mb.fetched[seq].endswith(f"\r\n{body})"),
                      f"ghost {seq}: {mb.fetched[seq]!r}")
        if " NO " in t + " ":
            check(t == "b1 NO [EXPUNGEISSUED] Some of the requested "
                  "messages no longer exist.", t)

        # FETCH of flags only: from the list (4.1.1) or skipped (4.1.2).
        u, t = run(b, mb, "b2", "FETCH 1:6 (UID FLAGS)", status=("OK", "NO"))
        owe_if_no(mb, range(1, 7), t)
        for seq in (1, 3, 5, 6):
            check(mb.fetched.get(seq) == f"* {seq} FETCH (UID {seq} FLAGS "
                  r"(\Seen))", f"FETCH FLAGS of {seq}: {u}")
        # Once skipped, skipped again: a server does not bring back
        # what it has said is no longer there.
        skipped = [s for s in (2, 4) if s not in mb.fetched]
        u, t = run(b, mb, "b3", "FETCH 1:6 (FLAGS)", status=("OK", "NO"))
        owe_if_no(mb, range(1, 7), t)
        for s in skipped:
            check(s not in mb.fetched, f"{s} skipped, then answered: {u}")

        # STORE on all six: the four left change; no EXPUNGE.
        u, t = run(b, mb, "b4", r"STORE 1:6 +FLAGS (\Flagged)",
                   status=("OK", "NO"))
        for seq in (1, 3, 5, 6):
            check(mb.fetched.get(seq) == f"* {seq} FETCH (FLAGS "
                  r"(\Flagged \Seen))", f"STORE answer for {seq}: {u}")
        check(all(s in (1, 3, 5, 6) for s in mb.fetched),
              f"STORE answered an expunged message: {u}")
        check(t in ("b4 OK Store completed.", "b4 NO [EXPUNGEISSUED] Some "
                    "of the requested messages no longer exist."), t)

        # SEARCH: the numbers of the messages as B still has them.
        mb.searches = []
        u, _ = run(b, mb, "b5", "SEARCH FLAGGED")
        check(mb.searches == [[1, 3, 5, 6]], f"SEARCH FLAGGED: {u}")
        mb.searches = []
        u, _ = run(b, mb, "b6", "SEARCH ALL")
        check(len(mb.searches) == 1 and
              {1, 3, 5, 6} <= set(mb.searches[0]) <= set(range(1, 7)),
              f"SEARCH ALL: {u}")
        check(len(mb.msgs) == 6, "B lost messages without EXPUNGE")

        # UID SEARCH and UID FETCH MAY announce the expunges (7.4.1);
        # whatever they do, the model says whether it was right.
        mb.searches = []
        u, _ = run(b, mb, "b7", "UID SEARCH 1:*")
        check(len(mb.searches) == 1 and
              {1, 3, 5, 6} <= set(mb.searches[0]) <= {1, 2, 3, 4, 5, 6},
              f"UID SEARCH: {u}")
        u, t = run(b, mb, "b8", "UID FETCH 1:6 (FLAGS)", status=("OK", "NO"))
        check(sorted(int(re.search(r"UID (\d+)", l).group(1))
                     for l in mb.fetched.values()) in
              ([1, 3, 5, 6], [1, 2, 3, 4, 5, 6]), f"UID FETCH: {u}")

        # The NOOP tells; 4 first (each EXPUNGE renumbers the rest) or
        # 2 then 3: the model checks either.
        u, _ = run(b, mb, "b9", "NOOP")
        settle_owed(mb)
        check(mb.uids() == [1, 3, 5, 6], f"B after NOOP: {mb.msgs} ({u})")
        check(mb.expunged == {2, 4}, f"B expunged {mb.expunged}")
        u, _ = run(b, mb, "b10", "NOOP")
        check(u == [], f"second NOOP: {u}")
        run(b, mb, "b11", "FETCH 1:* (UID FLAGS)")
        check(len(mb.fetched) == 4, f"FETCH after NOOP: {mb.fetched}")
        same_as_truth(mb, truth(srv))
        logout(a, b)
    finally:
        srv.stop()


def test_uid_commands_and_expunge(world):
    """UID FETCH, UID STORE and UID SEARCH while A has expunged: EXPUNGE
    MAY come (RFC 3501 7.4.1 note); if it does, the numbers in the same
    reply follow it; UID STORE of an expunged UID changes nothing."""
    md = fresh_maildir(world, "Maildir-cc-uid")
    for _ in range(4):
        deliver(md, ":2,")
    srv = Server(world, maildir="~/Maildir-cc-uid", special_folders="")
    try:
        take_recent(srv)
        a, ma = selected(srv, "A")
        b, mb = selected(srv, "B")
        run(a, ma, "a1", r"STORE 1,3 +FLAGS.SILENT (\Deleted)")
        run(a, ma, "a2", "EXPUNGE")
        run(a, ma, "a3", r"STORE 2 +FLAGS (\Seen)")    # UID 4
        u, t = run(b, mb, "b1", r"UID STORE 1:4 +FLAGS (\Flagged)",
                   status=("OK", "NO"))
        answered = sorted(int(re.search(r"UID (\d+)", l).group(1))
                          for l in mb.fetched.values())
        check(answered == [2, 4], f"UID STORE answered {answered}: {u}")
        # RFC 3501 6.4.6: +FLAGS adds to the message's flags, which
        # include the \Seen A set (B has not heard of it yet).
        lost = []
        if mb.msgs[mb.seq_of(4) - 1].flags != {r"\Flagged", r"\Seen"}:
            lost.append(f"UID STORE 1:4 +FLAGS (\\Flagged) lost A's "
                        f"\\Seen on UID 4: {u}")
        u, t = run(b, mb, "b2", "UID FETCH 1:* (FLAGS)", status=("OK", "NO"))
        if not any(l.endswith(" EXPUNGE") for l in u):
            owe_if_no(mb, range(1, 5), t, uid_form=True)
        u, _ = run(b, mb, "b3", "NOOP")
        settle_owed(mb)
        check(mb.uids() == [2, 4], f"B after NOOP: {mb.msgs}")
        want = truth(srv)
        if want != [(2, {r"\Flagged"}), (4, {r"\Flagged", r"\Seen"})]:
            lost.append(f"the folder after both STOREs: {want}")
        same_as_truth(mb, want)
        # A change by A shows in B's next UID command with the UID.
        run(a, ma, "a4", r"STORE 1 +FLAGS (\Answered)")
        mb.searches = []
        u, _ = run(b, mb, "b4", "UID SEARCH ANSWERED")
        # The search may run before or after the sync that brings the
        # news; the news carries the UID either way.
        check(len(u) == 2 and set(u) & {"* SEARCH", "* SEARCH 2"} and
              any(l.startswith("* 1 FETCH (UID 2 FLAGS (") for l in u),
              f"UID SEARCH after A's STORE: {u}")
        if r"* 1 FETCH (UID 2 FLAGS (\Answered \Flagged))" not in u:
            lost.append(f"A's STORE 1 +FLAGS (\\Answered) lost B's "
                        f"\\Flagged on UID 2: {u}")
        logout(a, b)
    finally:
        srv.stop()
    check(not lost, "\n".join(lost))


def test_flags_from_other_session(world):
    """Flags set by A reach B at NOOP as FETCH FLAGS (with the UID in the
    UID forms); B's own STORE answer is not repeated later; B's STORE
    does not undo a flag A set that B has not heard of."""
    md = fresh_maildir(world, "Maildir-cc-flags")
    for _ in range(3):
        deliver(md, ":2,")
    srv = Server(world, maildir="~/Maildir-cc-flags", special_folders="")
    try:
        take_recent(srv)
        a, ma = selected(srv, "A")
        b, mb = selected(srv, "B")
        run(a, ma, "a1", r"STORE 1 +FLAGS (\Seen)")
        u, _ = run(b, mb, "b1", "NOOP")
        check(u == [r"* 1 FETCH (FLAGS (\Seen))"], f"NOOP: {u}")
        run(a, ma, "a2", r"STORE 2 +FLAGS (\Draft)")
        u, _ = run(b, mb, "b2", "UID FETCH 3 (FLAGS)")
        check(sorted(u) == [r"* 2 FETCH (UID 2 FLAGS (\Draft))",
                            r"* 3 FETCH (UID 3 FLAGS ())"],
              f"UID FETCH: {u}")
        # B's own STORE: answered once, not again at NOOP.
        u, _ = run(b, mb, "b3", r"STORE 3 +FLAGS (\Answered)")
        check(u == [r"* 3 FETCH (FLAGS (\Answered))"], f"STORE: {u}")
        u, _ = run(b, mb, "b4", "NOOP")
        check(u == [], f"NOOP after own STORE: {u}")
        u, _ = run(a, ma, "a3", "NOOP")
        check(u == [r"* 3 FETCH (FLAGS (\Answered))"], f"A NOOP: {u}")
        # .SILENT: B hears nothing of its own change, ever.
        run(b, mb, "b5", r"STORE 3 +FLAGS.SILENT (\Flagged)")
        mb.msgs[2].flags |= {r"\Flagged"}
        u, _ = run(b, mb, "b6", "NOOP")
        check(u == [], f"NOOP after STORE.SILENT: {u}")
        # A sets \Flagged on 1; B, not told yet, adds \Draft: both stay.
        run(a, ma, "a4", r"STORE 1 +FLAGS (\Flagged)")
        u, _ = run(b, mb, "b7", r"STORE 1 +FLAGS (\Draft)")
        check(u == [r"* 1 FETCH (FLAGS (\Flagged \Seen \Draft))"] or
              u == [r"* 1 FETCH (FLAGS (\Flagged \Draft \Seen))"],
              f"STORE over A's change: {u}")
        u, _ = run(b, mb, "b8", "NOOP")
        check(u == [], f"NOOP after STORE over A's change: {u}")
        same_as_truth(mb, truth(srv))
        logout(a, b)
    finally:
        srv.stop()


def flags_line(keywords):
    return f"* FLAGS ({SYSTEM}{''.join(' ' + k for k in keywords)})"


def permanent_line(keywords):
    kw = "".join(" " + k for k in keywords)
    return f"* OK [PERMANENTFLAGS ({SYSTEM}{kw} \\*)] Flags permitted."


def test_new_keyword_from_other_session(world):
    """A keyword new to the folder, added by A, is defined to B by
    "* FLAGS" and PERMANENTFLAGS before the FETCH that uses it (RFC 3501
    7.2.6), at NOOP and in IDLE. Two sessions making keywords at once
    do not give two keywords one letter."""
    md = fresh_maildir(world, "Maildir-cc-kw")
    for _ in range(3):
        deliver(md, ":2,")
    srv = Server(world, maildir="~/Maildir-cc-kw", special_folders="")
    failures = []
    try:
        take_recent(srv)
        a, ma = selected(srv, "A")
        b, mb = selected(srv, "B")
        u, _ = run(a, ma, "a1", "STORE 1 +FLAGS (NewKeyword)")
        check(u == [flags_line(["NewKeyword"]),
                    permanent_line(["NewKeyword"]),
                    "* 1 FETCH (FLAGS (NewKeyword))"], f"A STORE: {u}")
        u, _ = b.cmd("b1", "NOOP")
        want = [flags_line(["NewKeyword"]), permanent_line(["NewKeyword"]),
                "* 1 FETCH (FLAGS (NewKeyword))"]
        if u != want:
            failures.append(f"B NOOP after A's new keyword:\n  got  {u}\n"
                            f"  want {want}")
        mb.defined |= {"NewKeyword"}
        mb.msgs[0].flags = {"NewKeyword"}

        idle_start(b, mb, "i")
        run(a, ma, "a2", "STORE 2 +FLAGS (Second)")
        lines = []
        deadline = time.time() + PROMPT
        while len(lines) < 3 and (left := deadline - time.time()) > 0:
            got = response_within(b, left)
            if got is None:
                break
            lines.append(got)
        want = [flags_line(["NewKeyword", "Second"]),
                permanent_line(["NewKeyword", "Second"]),
                "* 2 FETCH (FLAGS (Second))"]
        if lines != want:
            failures.append(f"B in IDLE after A's new keyword:\n  got  "
                            f"{lines}\n  want {want}")
        mb.defined |= {"Second"}
        mb.msgs[1].flags = {"Second"}
        idle_done(b, mb, "i")

        # A makes a keyword; B, not synced since, makes another at once.
        run(a, ma, "a3", "STORE 3 +FLAGS (FromA)")
        u, _ = run(b, mb, "b2", "STORE 3 +FLAGS (FromB)")
        with open(os.path.join(md, "dovecot-keywords")) as f:
            kw = f.read()
        letters = [l.split()[0] for l in kw.splitlines()]
        check(len(letters) == len(set(letters)) and
              {"NewKeyword", "Second", "FromA", "FromB"} <=
              {l.split()[1] for l in kw.splitlines()},
              f"dovecot-keywords {kw!r}")
        want = truth(srv)
        if want[2][1] != {"FromA", "FromB"} or \
                mb.msgs[2].flags != {"FromA", "FromB"}:
            failures.append(f"A's STORE 3 +FLAGS (FromA) then B's STORE 3 "
                            f"+FLAGS (FromB): B answered {u}, the folder "
                            f"has {sorted(want[2][1])}")
        u, _ = run(a, ma, "a4", "NOOP")
        check("FromB" in ma.defined and
              ma.msgs[2].flags == set(want[2][1]), f"A NOOP: {u}")
        logout(a, b)
    finally:
        srv.stop()
    check(not failures, "\n".join(failures))


def test_expunge_and_delivery_in_one_sync(world):
    """B's NOOP finds one message expunged and one delivered: EXPUNGE,
    then EXISTS with the new count (RFC 3501 7.4.1: the EXPUNGE lowered
    the count the client keeps; 5.2: the server MUST send the size
    update)."""
    md = fresh_maildir(world, "Maildir-cc-expexists")
    for _ in range(3):
        deliver(md, ":2,")
    srv = Server(world, maildir="~/Maildir-cc-expexists", special_folders="")
    try:
        take_recent(srv)
        a, ma = selected(srv, "A")
        b, mb = selected(srv, "B")
        run(a, ma, "a1", r"STORE 1 +FLAGS.SILENT (\Deleted)")
        run(a, ma, "a2", "EXPUNGE")
        deliver(md)
        u, _ = run(b, mb, "b1", "NOOP")
        check(u == ["* 1 EXPUNGE", "* 3 EXISTS", "* 1 RECENT"],
              f"B NOOP after an expunge and a delivery: {u}")
        logout(a, b)
    finally:
        srv.stop()


def test_recent_to_one_session(world):
    """Two read-write sessions: a new message is \\Recent in one of them
    only (RFC 3501 2.3.2), whether they sync one after the other or both
    wake in IDLE for the same delivery."""
    md = fresh_maildir(world, "Maildir-cc-recent")
    deliver(md, ":2,")
    srv = Server(world, maildir="~/Maildir-cc-recent", special_folders="")
    try:
        take_recent(srv)
        a, ma = selected(srv, "A")
        b, mb = selected(srv, "B")
        deliver(md)
        u, _ = run(a, ma, "a1", "NOOP")
        check(u == ["* 2 EXISTS", "* 1 RECENT"], f"A NOOP: {u}")
        u, _ = run(b, mb, "b1", "NOOP")
        check(u == ["* 2 EXISTS", "* 0 RECENT"], f"B NOOP: {u}")
        u, _ = run(a, ma, "a2", "FETCH 2 (FLAGS)")
        check(u == [r"* 2 FETCH (FLAGS (\Recent))"], f"A FETCH: {u}")
        u, _ = run(b, mb, "b2", "FETCH 2 (FLAGS)")
        check(u == ["* 2 FETCH (FLAGS ())"], f"B FETCH: {u}")

        # Both idle; each delivery wakes both at once.
        both = []
        for rnd in range(15):
            idle_start(a, ma, "i")
            idle_start(b, mb, "i")
            time.sleep(0.02)
            deliver(md)
            n = len(ma.msgs) + 1
            got = {}
            for who, c, m in (("A", a, ma), ("B", b, mb)):
                idle_until(c, m, lambda m: len(m.msgs) == n and
                           m.trace[-1].endswith("RECENT"), "the delivery")
                got[who] = m.recent
            idle_done(a, ma, "i")
            idle_done(b, mb, "i")
            for c, m in ((a, ma), (b, mb)):
                run(c, m, "f", f"FETCH {n} (FLAGS)")
            ra = "\\Recent" in ma.msgs[-1].flags
            rb = "\\Recent" in mb.msgs[-1].flags
            if ra == rb:
                both.append(f"round {rnd}: \\Recent in A {ra}, in B {rb} "
                            f"(RECENT counts {got})")
        check(not both, "a delivery seen by two idling sessions:\n  " +
              "\n  ".join(both))
        logout(a, b)
    finally:
        srv.stop()


# --- the interleaving stress ------------------------------------------

KEYWORDS = ["Alpha", "Beta", "Gamma", "$Label1", "NonJunk"]
FLAG_POOL = [r"\Seen", r"\Flagged", r"\Answered", r"\Draft"] + KEYWORDS


class Writer:
    """Session A and the MDA: a seeded sequence of operations."""

    def __init__(self, srv, md, seed, ops):
        self.c, self.m = selected(srv, "A", tag="as")
        self.md = md
        self.rng = random.Random(seed)
        self.ops = ops
        self.error = None
        self.done = threading.Event()
        self.n = 0
        self.log = []
        # B's commands so far, kept by the main thread: A waits for B
        # now and then, so that the interleaving does not depend on how
        # busy the machine is.
        self.b_rounds = [0]

    def seqs(self, k):
        n = len(self.m.msgs)
        picked = sorted(self.rng.sample(range(1, n + 1), min(k, n)))
        return ",".join(map(str, picked))

    def step(self):
        n = len(self.m.msgs)
        r = self.rng.random()
        tag = f"a{self.n}"
        if n < 3 or r < 0.15:
            flags = " ".join(self.rng.sample(FLAG_POOL, self.rng.randint(0, 2)))
            body = message(f"ap{self.n}")
            self.c.send(f"{tag} APPEND INBOX ({flags}) {{{len(body)}+}}\r\n"
                        .encode() + body + b"\r\n")
            lines = []
            while not (got := response(self.c)).startswith(tag + " "):
                lines.append(got)
            check(re.fullmatch(tag + r" OK (\[APPENDUID \d+ \d+\] )?Append "
                               r"completed\.", got), f"A: {got!r}")
            self.m.apply(lines, "APPEND")
            self.log.append(f"APPEND ({flags})")
        elif r < 0.30:
            deliver(self.md)
            self.log.append("deliver")
        elif r < 0.65:
            op = self.rng.choice(["+FLAGS", "-FLAGS", "FLAGS", "+FLAGS.SILENT"])
            flags = " ".join(self.rng.sample(FLAG_POOL, self.rng.randint(1, 3)))
            seqs = self.seqs(self.rng.randint(1, 3))
            text = f"STORE {seqs} {op} ({flags})"
            run(self.c, self.m, tag, text)
            if op.endswith(".SILENT"):
                # Not told: A's model no longer knows these flags.
                for q in seqs.split(","):
                    self.m.msgs[int(q) - 1].flags = None
            self.log.append(text)
        elif r < 0.85 or n > 40:
            text = (f"STORE {self.seqs(self.rng.randint(1, 3))} "
                    r"+FLAGS.SILENT (\Deleted)")
            run(self.c, self.m, tag, text)
            run(self.c, self.m, tag + "x", "EXPUNGE")
            self.log.append(text + "; EXPUNGE")
        else:
            text = f"COPY {self.seqs(self.rng.randint(1, 2))} INBOX"
            run(self.c, self.m, tag, text)
            self.log.append(text)
        self.n += 1

    def __call__(self):
        try:
            while self.n < self.ops:
                deadline = time.time() + 2
                while (self.b_rounds[0] < self.n // 6 and
                       time.time() < deadline):
                    time.sleep(0.001)
                self.step()
                if self.rng.random() < 0.3:
                    time.sleep(0.002)
        except Exception as e:      # handed to the main thread
            self.error = e
        finally:
            self.done.set()


def test_interleaving_stress(world):
    """A does 200 seeded random operations (APPEND, STORE, EXPUNGE, COPY
    into the folder, MDA deliveries) while B cycles through NOOP,
    FETCH 1:* (UID FLAGS), IDLE/DONE and UID FETCH 1:* (FLAGS). Every
    response of B's is checked against its model; at the end the model
    is the folder."""
    md = fresh_maildir(world, "Maildir-cc-stress")
    for _ in range(8):
        deliver(md, ":2,")
    srv = Server(world, maildir="~/Maildir-cc-stress", special_folders="")
    start = time.time()
    try:
        take_recent(srv)
        w = Writer(srv, md, seed=3501, ops=200)
        b, mb = selected(srv, "B", tag="bs")
        thread = threading.Thread(target=w, daemon=True)
        thread.start()
        rounds = 0
        while not w.done.is_set() or rounds % 4 != 0:
            kind = rounds % 4
            tag = f"b{rounds}"
            if time.time() - start > 20:
                raise TestFailure(f"stress still running after 20 s "
                                  f"({w.n} of A's operations)")
            if kind == 0:
                run(b, mb, tag, "NOOP")
                settle_owed(mb)
            elif kind == 1 and mb.msgs:
                n = len(mb.msgs)
                _, t = run(b, mb, tag, "FETCH 1:* (UID FLAGS)",
                           status=("OK", "NO"))
                owe_if_no(mb, range(1, n + 1), t)
            elif kind == 2:
                idle_start(b, mb, tag)
                idle_quiet(b, mb, 0.03)
                idle_done(b, mb, tag)
                settle_owed(mb)
            elif kind == 3 and mb.msgs:
                n = len(mb.msgs)
                u, t = run(b, mb, tag, "UID FETCH 1:* (FLAGS)",
                           status=("OK", "NO"))
                if not any(l.endswith(" EXPUNGE") for l in u):
                    owe_if_no(mb, range(1, n + 1), t, uid_form=True)
            rounds += 1
            w.b_rounds[0] = rounds
        thread.join(TIMEOUT)
        if w.error:
            raise TestFailure(f"A, after {w.log[-5:]}: {w.error}")
        run(w.c, w.m, "an", "NOOP")
        run(b, mb, "bn", "NOOP")
        settle_owed(mb)
        want = truth(srv)
        # What B knows from the news alone, then everything.
        same_as_truth(mb, want, partial=True)
        same_as_truth(w.m, want, partial=True)
        run(b, mb, "bf", "UID FETCH 1:* (FLAGS)")
        run(w.c, w.m, "af", "UID FETCH 1:* (FLAGS)")
        same_as_truth(mb, want)
        same_as_truth(w.m, want)
        gone = mb.expunged | w.m.expunged
        check(not gone & {u for u, _ in want},
              f"expunged UIDs are back: {gone & {u for u, _ in want}}")
        for x, y in zip(mb.msgs, w.m.msgs):
            check(not ("\\Recent" in x.flags and "\\Recent" in y.flags),
                  f"UID {x.uid} is \\Recent in both A and B "
                  "(RFC 3501 2.3.2)")
        check(rounds > 20, f"B ran only {rounds} commands")
        logout(w.c, b)
    except TestFailure as e:
        log = [l for l in srv.log_text().splitlines()
               if "error" in l or "warn" in l]
        raise TestFailure(f"{e}\n  A's last operations: {w.log[-8:]}\n"
                          f"  server log: {log[-10:]}") from None
    finally:
        srv.stop()


def test_flag_renames_are_not_expunges(world):
    """Another program changes flags by renaming files in cur/ (Maildir:
    the flags are in the name) while B syncs. A file renamed while B
    reads the directory may be missed by that readdir(); it still
    exists, so B must not be told EXPUNGE (RFC 3501 7.4.1: "permanently
    removed"), and B must keep every message."""
    md = fresh_maildir(world, "Maildir-cc-rename")
    for _ in range(300):
        deliver(md, ":2,")
    srv = Server(world, maildir="~/Maildir-cc-rename", special_folders="")
    stop = threading.Event()

    def renamer():
        rng = random.Random(2180)
        cur = os.path.join(md, "cur")
        while not stop.is_set():
            names = os.listdir(cur)
            for name in rng.sample(names, 20):
                base, _, info = name.partition(":2,")
                new = "S" if info == "" else ""
                try:
                    os.rename(os.path.join(cur, name),
                              os.path.join(cur, f"{base}:2,{new}"))
                except FileNotFoundError:
                    pass
    try:
        take_recent(srv)
        b, mb = selected(srv, "B")
        check(len(mb.msgs) == 300, f"B starts with {len(mb.msgs)}")
        thread = threading.Thread(target=renamer, daemon=True)
        thread.start()
        deadline = time.time() + 1.5
        n = 0
        try:
            while time.time() < deadline:
                u, _ = run(b, mb, f"n{n}", "NOOP")
                n += 1
                gone = [l for l in u if l.endswith(" EXPUNGE")]
                check(not gone, f"NOOP {n}: {gone} though no message was "
                      "removed, only renamed")
        finally:
            stop.set()
            thread.join(TIMEOUT)
        run(b, mb, "f", "UID FETCH 1:* (FLAGS)")
        same_as_truth(mb, truth(srv))
        logout(b)
    finally:
        srv.stop()
