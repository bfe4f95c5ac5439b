"""Isolation (issue 9, DESIGN.md security rules): alice, logged in, tries
every mailbox-taking command with names that point into bob's home or out
of her Maildir, and with symbolic links planted in her Maildir. Nothing of
bob's may be read, listed, created, renamed or deleted (his tree is
compared byte for byte, with mtimes, before and after), nothing may appear
outside alice's Maildir, and each hostile name gets NO or BAD.

Bob's tree is made readable to everyone for these tests: as root the
kernel would otherwise keep alice's process out on its own, and it is the
server's checks that are under test (as an ordinary user, uid_wrapper
makes every file the runner's anyway)."""
import os
import re

from harness import Client, IS_ROOT, Server, check, own
from hardening import (MSG, append, deliver, diff_snapshots, fresh,
                       make_maildir, read_until_tag, snapshot)

SECRETS = ("BobSecret", "bob-secret-subject", "root:x:0", "outside-secret",
           "OutsideDir")

# Names that must never become a path: traversal, absolute, home, control
# characters, mUTF-7 spellings of "." "/" NUL and newline, dots, empty
# levels, overlong.
HOSTILE = [
    "..", "../..", "../bob/Maildir", "../../bob/Maildir", "/", "/etc",
    "/etc/passwd", "~bob", "~bob/Maildir", "~/../bob", "~", ".", ".hidden",
    "a.b", "INBOX/..", "INBOX/../../bob", "a/../b", "a/./b", "a//b", "/a",
    "a/", "&AC4-", "&AC4ALg-", "&AC8-", "&AC4ALgAv-", "a&AC8-b",
    "&AC4ALgAvAC4ALg-", "&AAA-", "&AAo-", "&AH8-", "a&AC4-b",
    "&-&AC4-", "&ACE", "&ZeVnLIqe-&AC4-", "x" * 2000, "a/" * 300 + "a",
]
# Names that are fine as folders but collide with files of the Maildir or
# its subdirectories: they must become dot-directories, never touch the
# files themselves.
ODD_BUT_LEGAL = [
    "cur", "new", "tmp", "dovecot-uidlist", "dovecot-keywords",
    "dovecot-uidvalidity", "maildirsize",
    "maildirfolder", "courierimapuiddb", "%2e%2e", "cur/new",
]
RESERVED = ["subscriptions", "subscriptions/x"]


def quote(name):
    if any(ch in name for ch in '\r\n\0"\\') or len(name) > 900:
        return None
    return '"' + name + '"'


def arg(name):
    """The name as a quoted string, or a literal when it must be."""
    q = quote(name)
    if q is not None:
        return q.encode()
    data = name.encode("latin-1")
    return b"{%d+}\r\n" % len(data) + data


def send_cmd(c, tag, parts):
    """Sends a command built of str and bytes parts; returns the lines
    and the tagged reply."""
    data = b"".join(p.encode() if isinstance(p, str) else p for p in parts)
    c.send(data + b"\r\n")
    return read_until_tag(c, tag)


def no_secrets(lines, what):
    text = "\n".join(lines)
    for s in SECRETS:
        check(s not in text, f"{what}: {s!r} in the answer: {text[:300]!r}")


class World2:
    """Bob's Maildir with a folder and a message, an outside directory,
    alice's Maildir with a message and a folder, snapshots."""

    def __init__(self, world, tag):
        self.world = world
        self.alice = fresh(world, "Iso" + tag)
        deliver(self.alice, b"From: a@x\r\nSubject: mine\r\n\r\nalice\r\n")
        make_maildir(os.path.join(self.alice, ".Src"), folder=True)
        bob = world.path("home", "bob", "Maildir")
        make_maildir(os.path.join(bob, ".BobSecret"), user="bob",
                     folder=True)
        self.bobmsg = deliver(bob, b"From: b@x\r\nSubject: bob-secret-"
                              b"subject\r\n\r\nbob\r\n", user="bob")
        os.chmod(world.path("home", "bob"), 0o755)
        for root, dirs, files in os.walk(bob):
            os.chmod(root, 0o755)
            for f in files:
                os.chmod(os.path.join(root, f), 0o644)
        self.bob = bob
        self.outside = world.path("outside")
        os.makedirs(os.path.join(self.outside, "OutsideDir", "cur"),
                    exist_ok=True)
        for sub in ("new", "tmp"):
            os.makedirs(os.path.join(self.outside, "OutsideDir", sub),
                        exist_ok=True)
        with open(os.path.join(self.outside, "OutsideDir", "cur",
                               "1.x.y:2,"), "w") as f:
            f.write("Subject: outside-secret\r\n\r\nx\r\n")
        os.chmod(self.outside, 0o777)
        self.guard = [world.path("home", "bob"), self.outside]
        self.before = {g: snapshot(g) for g in self.guard}
        self.top_before = set(os.listdir(world.dir))
        self.alice_home_before = set(os.listdir(world.path("home", "alice")))

    def verify(self):
        for g in self.guard:
            d = diff_snapshots(self.before[g], snapshot(g))
            check(not d, f"{g} changed:\n" + "\n".join(d[:20]))
        top = set(os.listdir(self.world.dir)) - self.top_before
        top = {t for t in top if not t.endswith((".conf", ".pid"))}
        check(not top, f"new entries in the test directory: {top}")
        home = set(os.listdir(self.world.path("home", "alice")))
        check(home == self.alice_home_before,
              f"alice's home changed: {home ^ self.alice_home_before}")
        for e in os.listdir(self.alice):
            p = os.path.join(self.alice, e)
            if e.startswith(".") or e in ("cur", "new", "tmp"):
                continue
            check(not os.path.isdir(p) or os.path.islink(p),
                  f"a directory {e!r} appeared in alice's Maildir root")

    def cleanup(self):
        os.chmod(self.world.path("home", "bob"), 0o700)


def select_inbox(c):
    c.cmd("si", "SELECT INBOX")


def mailbox_commands(name):
    """(label, needs_selected, parts) for each command taking name."""
    a = arg(name)
    return [
        ("SELECT", False, ["x SELECT ", a]),
        ("EXAMINE", False, ["x EXAMINE ", a]),
        ("CREATE", False, ["x CREATE ", a]),
        ("DELETE", False, ["x DELETE ", a]),
        ("RENAME from", False, ["x RENAME ", a, ' "Renamed"']),
        ("RENAME to", False, ['x RENAME "Src" ', a]),
        ("SUBSCRIBE", False, ["x SUBSCRIBE ", a]),
        ("UNSUBSCRIBE", False, ["x UNSUBSCRIBE ", a]),
        ("STATUS", False, ["x STATUS ", a, " (MESSAGES UIDNEXT)"]),
        ("APPEND", False, ["x APPEND ", a, b" {%d+}\r\n" % len(MSG), MSG]),
        ("COPY", True, ["x COPY 1 ", a]),
        ("UID COPY", True, ["x UID COPY 1:* ", a]),
        ("MOVE", True, ["x MOVE 1 ", a]),
        ("UID MOVE", True, ["x UID MOVE 1:* ", a]),
    ]


def run_hostile(c, name, problems):
    for label, selected, parts in mailbox_commands(name):
        if selected:
            select_inbox(c)
        lines, tagged = send_cmd(c, "x", parts)
        no_secrets(lines, f"{label} {name[:40]!r}")
        if label == "CREATE" and name == "a/" and tagged.startswith("x OK"):
            # RFC 3501 6.3.3: a trailing separator names the parent "a".
            send_cmd(c, "x", ['x DELETE "a"'])
            continue
        if not re.match(r"x (NO|BAD)", tagged):
            problems.append(f"{label} {name[:40]!r}: {tagged}")
        elif not re.match(r"x (NO|BAD) \[", tagged) and label != "UNSUBSCRIBE":
            problems.append(f"(no code) {label} {name[:40]!r}: {tagged}")


def test_hostile_names(world):
    w = World2(world, "Names")
    srv = Server(world, maildir="~/IsoNames")
    try:
        c = Client(srv.port)
        c.expect(r"\* OK .*")
        c.cmd("l", "LOGIN alice alice-secret")
        problems = []
        for name in HOSTILE + RESERVED + [w.bob, w.bob + "/.BobSecret",
                                          w.outside + "/OutsideDir"]:
            run_hostile(c, name, problems)
        # NUL, CR and LF can only come in a literal.
        for name in ["a\0b", "\0", "../\0", "a\nb", "INBOX\0/../x"]:
            run_hostile(c, name, problems)
        hard = [p for p in problems if not p.startswith("(no code)")]
        soft = [p for p in problems if p.startswith("(no code)")]
        if soft:
            kinds = sorted({re.sub(r"^\(no code\) (\S+( \S+)?) .*?: x ",
                                   r"\1: ", p) for p in soft})
            print(f"     {len(soft)} refusals without a response code:")
            for k in kinds:
                print("       " + k)
        check(not hard, "accepted:\n" + "\n".join(hard[:20]))
        c.cmd("z", "NOOP")
        w.verify()
    finally:
        srv.stop()
        w.cleanup()


def test_list_patterns_and_references(world):
    w = World2(world, "List")
    srv = Server(world, maildir="~/IsoList")
    try:
        c = Client(srv.port)
        c.expect(r"\* OK .*")
        c.cmd("l", "LOGIN alice alice-secret")
        refs = ['""', '"../"', '"../.."', '"/"', '"~bob/"', '"~bob"',
                '"/etc/"', '"%s/"' % w.bob, '"INBOX/../"', '"&AC4ALgAv-"',
                '".."', '"~"']
        pats = ['"*"', '"%"', '"../*"', '"/*"', '"~bob/*"', '"/etc/*"',
                '"..%"', '"&AC4ALgAv-*"', '"%s/*"' % w.bob, '"*/../*"',
                '"~*"', '"*BobSecret*"']
        for cmd in ("LIST", "LSUB", 'LIST (SUBSCRIBED)', "LIST RETURN"):
            for r in refs:
                for p in pats:
                    if cmd == "LIST RETURN":
                        text = f"x LIST {r} {p} RETURN (CHILDREN STATUS (MESSAGES))"
                    else:
                        text = f"x {cmd} {r} {p}"
                    lines, tagged = send_cmd(c, "x", [text])
                    no_secrets(lines, text)
                    check(re.match(r"x (OK|NO|BAD)", tagged), f"{text}: {tagged}")
                    for l in lines:
                        m = re.match(r'\* (LIST|LSUB|STATUS) .*', l)
                        check(m, f"{text}: unexpected {l!r}")
                        check("/.." not in l and '"..' not in l and
                              "~bob" not in l,
                              f"{text}: listed {l!r}")
        c.cmd("z", "NOOP")
        w.verify()
    finally:
        srv.stop()
        w.cleanup()


def test_odd_but_legal_names_stay_folders(world):
    """Names of the Maildir's own files are ordinary folders below it:
    CREATE makes ".cur", never touches "cur"; the server's files are
    unchanged; RENAME and DELETE act on the folder only."""
    w = World2(world, "Odd")
    srv = Server(world, maildir="~/IsoOdd")
    try:
        c = Client(srv.port)
        c.expect(r"\* OK .*")
        c.cmd("l", "LOGIN alice alice-secret")
        c.cmd("s", "SELECT INBOX")
        c.cmd("u", "UNSELECT")
        own_files = {e: snapshot(os.path.join(w.alice, e))
                     for e in ("cur", "new", "tmp")}
        for name in ODD_BUT_LEGAL:
            q = quote(name)
            c.cmd("c", f"CREATE {q}")
            disk = "." + name.replace("/", ".")
            check(os.path.isdir(os.path.join(w.alice, disk)),
                  f"CREATE {name}: no {disk}")
            append(c, "a", q)
            c.cmd("t", f"STATUS {q} (MESSAGES)")
            c.cmd("r", f'RENAME {q} "Moved"')
            c.cmd("r2", f'RENAME "Moved" {q}')
            c.cmd("d", f"DELETE {q}")
            check(not os.path.exists(os.path.join(w.alice, disk)),
                  f"DELETE {name}: {disk} still there")
        for name in RESERVED:
            c.cmd("c", f'CREATE "{name}"', "NO")
        for e, snap in own_files.items():
            p = os.path.join(w.alice, e)
            check(os.path.isdir(p) and not os.path.islink(p), f"{e} gone")
        check(os.path.exists(os.path.join(w.alice, "dovecot-uidlist")),
              "dovecot-uidlist lost")
        c.cmd("s2", "SELECT INBOX")
        c.cmd("f", "FETCH 1 BODY.PEEK[HEADER.FIELDS (SUBJECT)]")
        w.verify()
    finally:
        srv.stop()
        w.cleanup()


def plant_links(w):
    """Symbolic links in alice's Maildir pointing out of it."""
    a = w.alice
    os.symlink(w.bob, os.path.join(a, ".BobLink"))
    os.symlink("/etc", os.path.join(a, ".EtcLink"))
    os.symlink(os.path.join(w.outside, "OutsideDir"),
               os.path.join(a, ".OutLink"))
    make_maildir(os.path.join(a, ".CurLink"), folder=True)
    os.rmdir(os.path.join(a, ".CurLink", "cur"))
    os.symlink(os.path.join(w.bob, "cur"), os.path.join(a, ".CurLink", "cur"))
    make_maildir(os.path.join(a, ".NewLink"), folder=True)
    os.rmdir(os.path.join(a, ".NewLink", "new"))
    os.symlink(os.path.join(w.outside, "OutsideDir", "cur"),
               os.path.join(a, ".NewLink", "new"))
    make_maildir(os.path.join(a, ".MsgLink"), folder=True)
    os.symlink(w.bobmsg, os.path.join(a, ".MsgLink", "cur",
                                      "1700000001.M1P1.link:2,"))
    os.symlink("/etc/passwd", os.path.join(a, ".MsgLink", "cur",
                                           "1700000002.M2P2.link:2,"))
    os.symlink(w.bobmsg, os.path.join(a, "new", "1700000003.M3P3.link"))
    for l in (".BobLink", ".EtcLink", ".OutLink"):
        if IS_ROOT:
            os.lchown(os.path.join(a, l), 10001, 10001)


def test_symlinks_in_the_maildir(world):
    w = World2(world, "Links")
    plant_links(w)
    w.before = {g: snapshot(g) for g in w.guard}
    srv = Server(world, maildir="~/IsoLinks")
    try:
        c = Client(srv.port)
        c.expect(r"\* OK .*")
        c.cmd("l", "LOGIN alice alice-secret")
        findings = []
        for name in ("BobLink", "EtcLink", "OutLink", "CurLink", "NewLink",
                     "MsgLink", "INBOX"):
            for label, selected, parts in mailbox_commands(name):
                if label in ("CREATE", "DELETE", "RENAME from", "RENAME to"):
                    continue            # below, after the reads
                if selected:
                    select_inbox(c)
                lines, tagged = send_cmd(c, "x", parts)
                no_secrets(lines, f"{label} {name}")
                if name != "INBOX" and tagged.startswith("x OK") and \
                        label in ("SELECT", "EXAMINE", "STATUS"):
                    findings.append(f"{label} {name}: {tagged}")
            lines, tagged = send_cmd(c, "x", [f"x EXAMINE {name}"])
            if tagged.startswith("x OK"):
                lines, tagged = send_cmd(
                    c, "x", ["x FETCH 1:* (BODY.PEEK[] FLAGS)"])
                no_secrets(lines, f"FETCH in {name}")
                lines, tagged = send_cmd(c, "x", ["x SEARCH TEXT bob"])
                no_secrets(lines, f"SEARCH in {name}")
        lines, _ = send_cmd(c, "x", ['x LIST "" "*" RETURN (STATUS (MESSAGES))'])
        no_secrets(lines, "LIST")
        for name in ("BobLink", "EtcLink", "OutLink", "CurLink", "NewLink",
                     "MsgLink"):
            send_cmd(c, "x", [f"x CREATE {name}/Sub"])
            send_cmd(c, "x", [f'x RENAME {name} "{name}Moved"'])
            send_cmd(c, "x", [f'x RENAME "{name}Moved" {name}'])
        for name in ("BobLink", "OutLink", "CurLink", "NewLink", "MsgLink"):
            send_cmd(c, "x", [f"x DELETE {name}"])
        c.cmd("z", "NOOP")
        if findings:
            print("     symlinked folders served (kept inside by O_NOFOLLOW "
                  "or not?): " + "; ".join(findings))
        w.verify()
    finally:
        srv.stop()
        w.cleanup()


def test_one_validator(world):
    """Every wire name reaches the file system through names_to_dir
    (src/store/names.c): list the callers, so that a new path around it
    shows up here."""
    top = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
    callers = set()
    for d in ("src/imap", "src/store"):
        for f in sorted(os.listdir(os.path.join(top, d))):
            if f.endswith(".c") and f != "names.c":
                text = open(os.path.join(top, d, f)).read()
                if "names_to_dir(" in text:
                    callers.add(f"{d}/{f}")
    want = {"src/imap/cmd_mailbox.c", "src/imap/mailstore.c",
            "src/imap/cmd_list.c",
            "src/store/mailboxes.c", "src/store/subscriptions.c"}
    extra = callers - want
    if extra:
        print(f"     NOTE: names_to_dir is also called from {sorted(extra)}")
    check(callers, "nobody calls names_to_dir")
