#!/usr/bin/env python3
"""tests/store/interop_dovecot.py — skua's store and Dovecot take turns on
one Maildir, and must then agree on what is in it (issue 3, "Tests").

    interop_dovecot.py [--build build] [--rounds 6] [--keep] [-v]

skua's side is the store API, driven through build/tests/storetool
(tests/tools/storetool.c), until skua serves these commands over IMAP.
Dovecot's side is Debian's dovecot-imapd: /usr/lib/dovecot/imap run as a
preauthenticated IMAP process on pipes with a private configuration
(mail_location = maildir:<tmp>/Maildir:LAYOUT=maildir++, separator "/").
Dovecot refuses to serve mail as root, so when the test runs as root both
Dovecot and storetool run as nobody (uid/gid 65534) on a temporary
directory given to that uid; as an ordinary user both run as that user.

Each round has these turns, and after each turn the state is compared:

    skua-append     storetool appends with flags and keywords
    dovecot-append  APPEND with flags and keywords
    mda             files dropped into new/, names out of time order
    dovecot-store   UID STORE +FLAGS/-FLAGS/FLAGS, and EXPUNGE (which also
                    removes what skua marked \\Deleted)
    skua-store      storetool store + / - / =, \\Deleted, expunge
    folders         Dovecot CREATEs a folder that skua appends into first;
                    skua creates one (mailboxes_create; by hand, mkdir,
                    when storetool has no "mbox") that skua fills and
                    Dovecot APPENDs and STOREs into
    renames         Dovecot RENAMEs a folder skua made, skua RENAMEs one
                    Dovecot made (mailboxes_rename), and in the last round
                    a level with children; both DELETE folders

A compared state is one folder as both sides see it: UIDVALIDITY, UIDNEXT
and every message's UID, flags and keywords (\\Recent ignored), and which
file the UID names (Dovecot's X-GUID is a Maildir message's base name), or
the folder list: Dovecot's LIST "" "*" against the folder directories
that storetool's "folders" (names_from_dir) maps to names. In round 3
Dovecot is restarted without its index files, so that it rebuilds
everything from dovecot-uidlist, dovecot-keywords and the file names; the
test ends with that too, for every folder.

Who syncs first matters (moving new/ to cur/ and giving UIDs): odd rounds
ask Dovecot first, even rounds skua.

Differences are printed as "DIFF <round>/<turn> <folder>: ...". Errors in
Dovecot's log (it complains about a file skua wrote) are printed and count
as one failure. The last line is "store-interop: N passed, M failed" (N,
M: compared states). Exit
status 1 when anything differed or failed, 0 otherwise; 0 with a "skipped"
line when Dovecot is not installed.
"""
import argparse
import os
import re
import selectors
import shutil
import subprocess
import sys
import tempfile
import time

DOVECOT_IMAP = "/usr/lib/dovecot/imap"
NOBODY = 65534
TIMEOUT = 20            # seconds for one IMAP command or storetool run

# --- running as the mail user --------------------------------------------


def as_user():
    """subprocess arguments that make a child nobody when the test runs as
    root (no preexec_fn: that rules out vfork and costs a fork each)."""
    if os.getuid() != 0:
        return {"umask": 0o077}
    return {"user": NOBODY, "group": NOBODY, "extra_groups": [],
            "umask": 0o077}


def own(path):
    if os.getuid() == 0:
        os.lchown(path, NOBODY, NOBODY)


def own_tree(top):
    if os.getuid() != 0:
        return
    own(top)
    for root, dirs, files in os.walk(top):
        for n in dirs + files:
            own(os.path.join(root, n))


# --- IMAP responses --------------------------------------------------------

ATOM_END = b' ()\r\n"'


def parse_items(data, i=0):
    """Parses a sequence of IMAP values from data[i:] (literals already
    inlined as ("LIT", bytes)) up to ')' or the end. Returns (list, i)."""
    out = []
    while i < len(data):
        c = data[i:i + 1]
        if c == b" ":
            i += 1
        elif c == b"(":
            sub, i = parse_items(data, i + 1)
            out.append(sub)
        elif c == b")":
            return out, i + 1
        elif c == b'"':
            j, s = i + 1, bytearray()
            while data[j:j + 1] != b'"':
                if data[j:j + 1] == b"\\":
                    j += 1
                s += data[j:j + 1]
                j += 1
            out.append(bytes(s).decode("utf-8", "replace"))
            i = j + 1
        elif c == b"\x00":          # inlined literal: \0<len>\0<bytes>
            j = data.index(b"\x00", i + 1)
            n = int(data[i + 1:j])
            out.append(data[j + 1:j + 1 + n].decode("utf-8", "replace"))
            i = j + 1 + n
        else:
            j = i
            while j < len(data) and data[j:j + 1] not in (b" ", b"(",
                                                          b")"):
                if data[j:j + 1] == b"[":   # BODY[...] style: to ']'
                    j = data.index(b"]", j)
                j += 1
            out.append(data[i:j].decode("utf-8", "replace"))
            i = j
    return out, i


class Dovecot:
    """One preauthenticated Dovecot imap process on pipes."""

    def __init__(self, tmp, log):
        env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "HOME": tmp,
               "USER": "nobody" if os.getuid() == 0 else
               (os.environ.get("USER") or "skuatest")}
        self.p = subprocess.Popen(
            [DOVECOT_IMAP, "-c", os.path.join(tmp, "dovecot.conf")],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log,
            env=env, cwd=tmp, **as_user())
        self.buf = b""
        self.sel = selectors.DefaultSelector()
        self.sel.register(self.p.stdout, selectors.EVENT_READ)
        self.tagn = 0
        first = self.read_response_line(time.time() + TIMEOUT)
        if not first.startswith(b"* PREAUTH"):
            raise RuntimeError("dovecot did not greet with PREAUTH: %r"
                               % first)

    def _fill(self, deadline):
        left = deadline - time.time()
        if left <= 0 or not self.sel.select(left):
            raise RuntimeError("dovecot: no answer in %ds" % TIMEOUT)
        chunk = os.read(self.p.stdout.fileno(), 65536)
        if not chunk:
            raise RuntimeError("dovecot closed the connection (exit %s)"
                               % self.p.poll())
        self.buf += chunk

    def read_response_line(self, deadline):
        """One response line with its literals inlined as \\0<n>\\0<bytes>,
        without the CRLF."""
        out = b""
        while True:
            while b"\r\n" not in self.buf:
                self._fill(deadline)
            line, self.buf = self.buf.split(b"\r\n", 1)
            m = re.search(rb"\{(\d+)\}$", line)
            if not m:
                return out + line
            n = int(m.group(1))
            while len(self.buf) < n:
                self._fill(deadline)
            out += line[:m.start()] + b"\x00%d\x00" % n + self.buf[:n]
            self.buf = self.buf[n:]

    def command(self, text, literal=None):
        """Sends a command (a non-synchronizing literal, LITERAL+, is
        appended when given); returns (status, text, untagged lines)."""
        self.tagn += 1
        tag = b"t%d" % self.tagn
        data = tag + b" " + text.encode("utf-8")
        if literal is not None:
            data += b" {%d+}\r\n" % len(literal) + literal
        self.p.stdin.write(data + b"\r\n")
        self.p.stdin.flush()
        deadline = time.time() + TIMEOUT
        untagged = []
        while True:
            line = self.read_response_line(deadline)
            if line.startswith(tag + b" "):
                status, _, rest = line[len(tag) + 1:].partition(b" ")
                return status.decode(), rest.decode("utf-8", "replace"), \
                    untagged
            untagged.append(line)

    def ok(self, text, literal=None):
        t0 = time.time()
        status, rest, untagged = self.command(text, literal)
        if time.time() - t0 > 1:
            print("SLOW dovecot %s took %.1fs: %s" % (
                text, time.time() - t0, rest))
        if status != "OK":
            raise RuntimeError("dovecot: %s -> %s %s" % (text, status, rest))
        return rest, untagged

    def close(self):
        try:
            self.command("LOGOUT")
        except (RuntimeError, OSError):
            pass
        try:
            self.p.stdin.close()
        except OSError:
            pass
        try:
            self.p.wait(5)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()
        self.sel.close()
        self.p.stdout.close()

    # -- what Dovecot reports ---------------------------------------------

    def folder_state(self, name):
        """(uidvalidity, uidnext, {uid: (frozenset(flags), guid)})."""
        _, untagged = self.ok("SELECT %s" % quote(name))
        uv = un = None
        for line in untagged:
            m = re.match(rb"\* OK \[UIDVALIDITY (\d+)\]", line)
            if m:
                uv = int(m.group(1))
            m = re.match(rb"\* OK \[UIDNEXT (\d+)\]", line)
            if m:
                un = int(m.group(1))
        msgs = {}
        _, untagged = self.ok("UID FETCH 1:* (UID FLAGS X-GUID)")
        for line in untagged:
            m = re.match(rb"\* \d+ FETCH \(", line)
            if not m:
                continue
            items, _ = parse_items(line, m.end())
            d = dict(zip(items[0::2], items[1::2]))
            flags = frozenset(f for f in d.get("FLAGS", [])
                              if f.lower() != "\\recent")
            msgs[int(d["UID"])] = (flags, d.get("X-GUID"))
        self.ok("UNSELECT")
        return uv, un, msgs

    def folders(self):
        """{name: attributes} of LIST "" "*"."""
        _, untagged = self.ok('LIST "" "*"')
        out = {}
        for line in untagged:
            if not line.startswith(b"* LIST "):
                continue
            items, _ = parse_items(line, len(b"* LIST "))
            out[items[2]] = [a.lower() for a in items[0]]
        return out


def quote(name):
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


# --- the test --------------------------------------------------------------


class Interop:
    def __init__(self, args, tmp):
        self.args = args
        self.tmp = tmp
        self.md = os.path.join(tmp, "Maildir")
        self.tool = os.path.join(tmp, "storetool")
        self.passed = self.failed = 0
        self.where = "setup"
        self.msgn = 0
        self.mdan = 0
        self.order_dovecot_first = True
        self.noted = set()
        for d in ("cur", "new", "tmp"):
            os.makedirs(os.path.join(self.md, d))
        os.makedirs(os.path.join(tmp, "msgs"))
        shutil.copy(os.path.join(args.build, "tests", "storetool"),
                    self.tool)
        os.chmod(self.tool, 0o755)
        with open(os.path.join(tmp, "dovecot.conf"), "w") as f:
            f.write("\n".join([
                "# private Dovecot for tests/store/interop_dovecot.py",
                "mail_location = maildir:%s:LAYOUT=maildir++" % self.md,
                "namespace inbox {",
                "  separator = /",
                "  inbox = yes",
                "}",
                "log_path = /dev/stderr",
                "info_log_path = /dev/null",
                "ssl = no",
                "base_dir = %s/run" % tmp,
                "state_dir = %s/state" % tmp,
                "first_valid_uid = 1",
                "first_valid_gid = 1",
                "mailbox_list_index = no",
                ""]))
        self.logpath = os.path.join(tmp, "dovecot.log")
        self.log = open(self.logpath, "ab")
        own_tree(tmp)
        os.chmod(tmp, 0o755)
        os.chmod(self.md, 0o700)        # as maildirmake and Dovecot make it
        self.dc = Dovecot(tmp, self.log)
        self.have_mbox = subprocess.run(
            [self.tool, self.md, "-", "mbox", "list"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            **as_user()).returncode == 0
        if not self.have_mbox:
            print("store-interop: storetool has no mbox (mailboxes.h): "
                  "folders made by hand, skua-side RENAME and DELETE "
                  "not tested")

    def restart_dovecot(self, drop_index):
        self.dc.close()
        if drop_index:
            for root, dirs, files in os.walk(self.md):
                for n in files:
                    if n.startswith("dovecot.index") or \
                            n == "dovecot.mailbox.log":
                        os.unlink(os.path.join(root, n))
        self.dc = Dovecot(self.tmp, self.log)

    def say(self, text):
        if self.args.verbose:
            print(text, flush=True)

    # -- skua's side ------------------------------------------------------

    def fdir(self, name):
        if name == "INBOX":
            return self.md
        return os.path.join(self.md, self.dirs[name])

    def storetool(self, *argv):
        t0 = time.time()
        p = subprocess.run([self.tool] + list(argv), stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=TIMEOUT,
                           **as_user(), cwd=self.tmp)
        if p.returncode not in (0, 3):
            raise RuntimeError("storetool %s: exit %d: %s" % (
                " ".join(argv), p.returncode,
                (p.stdout + p.stderr).decode().strip()))
        if time.time() - t0 > 1:
            print("SLOW %s %s: storetool %s took %.1fs" % (
                self.where, argv[1], " ".join(argv[2:]), time.time() - t0))
        return p.stdout.decode("utf-8", "replace")

    def skua_state(self, name):
        out = self.storetool(self.md, self.fdir(name), "list", "-g")
        uv = un = None
        msgs = {}
        for line in out.splitlines():
            w = line.split()
            if w[0] == "UIDVALIDITY":
                uv = int(w[1])
            elif w[0] == "UIDNEXT":
                un = int(w[1])
            elif w[0] != "EXISTS":
                guid = w[-1][len("guid="):]
                msgs[int(w[0])] = (frozenset(w[1:-1]), guid)
        return uv, un, msgs

    def skua_folders(self):
        """{wire name: (directory entry, [attributes])}; entries
        names_from_dir refuses are under "!<entry>"."""
        out = {}
        if self.have_mbox:
            for line in self.storetool(self.md, "-", "mbox",
                                       "list").splitlines():
                attrs, name, entry = line.split("\t")
                out[name] = (entry, [a.lower() for a in attrs.split(",")])
            return out
        for line in self.storetool(self.md, "-", "folders").splitlines():
            name, _, entry = line.partition("\t")
            out[name if name != "!" else "!" + entry] = (entry, [])
        return out

    def skua_mbox(self, *argv):
        out = self.storetool(self.md, "-", "mbox", *argv).strip()
        self.say("  skua %s -> %s" % (" ".join(argv), out or "OK"))
        if out.startswith("NO"):
            raise RuntimeError("skua mbox %s: %s" % (" ".join(argv), out))

    def skua_create(self, name):
        if self.have_mbox:
            self.skua_mbox("create", name)
        else:
            self.make_folder_by_hand("." + name.replace("/", "."))

    def skua_append(self, folder, flags):
        path = self.message(folder)
        uid = int(self.storetool(self.md, self.fdir(folder), "append",
                                 path, *flags))
        self.say("  skua APPEND %s (%s) -> uid %d" % (folder, " ".join(flags),
                                                      uid))
        return uid

    def skua_store(self, folder, uid, op, flags):
        out = self.storetool(self.md, self.fdir(folder), "store", str(uid),
                             op, *flags).strip()
        self.say("  skua STORE %s %d %s(%s) -> %s" % (
            folder, uid, op, " ".join(flags), out))

    def skua_expunge(self, folder, *uids):
        self.storetool(self.md, self.fdir(folder), "expunge",
                       *[str(u) for u in uids])
        self.say("  skua EXPUNGE %s %s" % (folder, uids))

    # -- Dovecot's side ---------------------------------------------------

    def dovecot_append(self, folder, flags):
        path = self.message(folder)
        with open(path, "rb") as f:
            data = f.read().replace(b"\n", b"\r\n")
        rest, _ = self.dc.ok("APPEND %s (%s)" % (quote(folder),
                                                  " ".join(flags)), data)
        self.say("  dovecot APPEND %s (%s) -> %s" % (folder, " ".join(flags),
                                                     rest))

    def dovecot(self, text):
        rest, _ = self.dc.ok(text)
        self.say("  dovecot %s -> %s" % (text, rest))

    # -- others -----------------------------------------------------------

    def message(self, folder):
        self.msgn += 1
        path = os.path.join(self.tmp, "msgs", "m%d" % self.msgn)
        with open(path, "w") as f:
            f.write("From: Test <test@example.org>\n"
                    "To: skua <skua@example.org>\n"
                    "Subject: message %d for %s\n"
                    "Message-ID: <m%d@interop.skua>\n"
                    "\n"
                    "Body of message %d.\n" % (self.msgn, folder,
                                               self.msgn, self.msgn))
        own(path)
        return path

    def mda_deliver(self, folder, names):
        """Drops messages into new/ as an MDA does: written in tmp/, then
        renamed into new/."""
        d = self.fdir(folder)
        for base in names:
            src = self.message(folder)
            size = os.path.getsize(src)
            name = base.replace("SIZE", str(size))
            t = os.path.join(d, "tmp", name)
            shutil.copy(src, t)
            own(t)
            os.rename(t, os.path.join(d, "new", name))
            self.say("  mda %s new/%s" % (folder, name))

    def make_folder_by_hand(self, entry):
        """What a folder create amounts to in Maildir++, until skua's
        mailboxes module does it."""
        d = os.path.join(self.md, entry)
        os.mkdir(d)
        for sub in ("cur", "new", "tmp"):
            os.mkdir(os.path.join(d, sub))
        open(os.path.join(d, "maildirfolder"), "w").close()
        own_tree(d)

    # -- comparing --------------------------------------------------------

    def diff(self, folder, text):
        print("DIFF %s %s: %s" % (self.where, folder, text), flush=True)

    def compare_folder(self, folder, dovecot_first=None):
        if dovecot_first is None:
            dovecot_first = self.order_dovecot_first
        try:
            if dovecot_first:
                d = self.dc.folder_state(folder)
                s = self.skua_state(folder)
            else:
                s = self.skua_state(folder)
                d = self.dc.folder_state(folder)
        except RuntimeError as e:
            self.diff(folder, "error: %s" % e)
            self.failed += 1
            return None
        bad = 0
        if d[0] != s[0]:
            self.diff(folder, "UIDVALIDITY dovecot %s, skua %s" % (d[0], s[0]))
            bad += 1
        if d[1] != s[1]:
            self.diff(folder, "UIDNEXT dovecot %s, skua %s" % (d[1], s[1]))
            bad += 1
        for uid in sorted(set(d[2]) | set(s[2])):
            if uid not in s[2]:
                self.diff(folder, "uid %d only in dovecot (%s) %s" % (
                    uid, " ".join(sorted(d[2][uid][0])), d[2][uid][1]))
                bad += 1
            elif uid not in d[2]:
                self.diff(folder, "uid %d only in skua (%s) %s" % (
                    uid, " ".join(sorted(s[2][uid][0])), s[2][uid][1]))
                bad += 1
            else:
                (df, dg), (sf, sg) = d[2][uid], s[2][uid]
                if df != sf:
                    self.diff(folder, "uid %d flags: dovecot (%s), skua (%s)"
                              % (uid, " ".join(sorted(df)),
                                 " ".join(sorted(sf))))
                    bad += 1
                if dg != sg:
                    self.diff(folder, "uid %d file: dovecot %s, skua %s"
                              % (uid, dg, sg))
                    bad += 1
        if bad:
            self.failed += 1
        else:
            self.passed += 1
            self.say("  same: %s UIDVALIDITY %s UIDNEXT %s, %d messages" % (
                folder, d[0], d[1], len(d[2])))
        return s

    def compare_folders(self):
        try:
            d = self.dc.folders()
            s = self.skua_folders()
        except RuntimeError as e:
            self.diff("(list)", "error: %s" % e)
            self.failed += 1
            return
        def selectable(attrs):
            return "\\nonexistent" not in attrs and \
                "\\noselect" not in attrs
        dn = {n for n, a in d.items() if selectable(a)}
        sn = {n for n, (e, a) in s.items() if selectable(a)}
        bad = 0
        if dn != sn:
            self.diff("(list)", "dovecot only %s; skua only %s" % (
                sorted(dn - sn), sorted(sn - dn)))
            bad += 1
        for n in sorted(dn & sn):
            dc = [a for a in d[n] if a.endswith("children")]
            sc = [a for a in s[n][1] if a.endswith("children")]
            if self.have_mbox and dc != sc:
                self.diff("(list)", "%s: dovecot (%s), skua (%s)" % (
                    n, " ".join(d[n]), " ".join(s[n][1])))
                bad += 1
        for n in sorted(set(d) ^ set(s)):
            if n not in dn and n not in sn and n not in self.noted:
                self.noted.add(n)
                print("NOTE %s (list): %s: dovecot %s, skua %s" % (
                    self.where, n,
                    "(%s)" % " ".join(d[n]) if n in d else "-",
                    "(%s)" % " ".join(s[n][1]) if n in s else "-"))
        if bad:
            self.failed += 1
        else:
            self.passed += 1
            self.say("  same folder list: %s" % sorted(dn))
        self.dirs = {n: e for n, (e, a) in s.items()
                     if n != "INBOX" and selectable(a)}

    def compare_all(self):
        self.compare_folders()
        for name in ["INBOX"] + sorted(self.dirs):
            if not name.startswith("!"):
                self.compare_folder(name)

    def check_permissions(self):
        """Dovecot gives a new folder the root's permissions and refuses
        RENAME into a new level "across conflicting directory permissions"
        when a folder's differ from the root's: with the root 0755, a
        folder skua creates must be usable like one Dovecot creates."""
        self.where = "end/permissions"
        os.chmod(self.md, 0o755)
        try:
            self.dovecot("CREATE PermDovecot")
            self.skua_mbox("create", "PermSkua")
            modes = {}
            for n in ("PermDovecot", "PermSkua"):
                d = os.path.join(self.md, "." + n)
                modes[n] = tuple("%o" % (os.stat(os.path.join(d, x)).st_mode
                                         & 0o7777)
                                 for x in (".", "cur", "new", "tmp"))
            bad = 0
            if modes["PermDovecot"] != modes["PermSkua"]:
                self.diff("PermSkua", "modes of dir, cur, new, tmp with the "
                          "root 0755: dovecot %s, skua %s" % (
                              "/".join(modes["PermDovecot"]),
                              "/".join(modes["PermSkua"])))
                bad += 1
            for n in ("PermDovecot", "PermSkua"):
                st, rest, _ = self.dc.command("RENAME %s %s" % (
                    n, "Perm/" + n))
                if st != "OK":
                    self.diff(n, "dovecot RENAME %s Perm/%s: %s %s" % (
                        n, n, st, rest))
                    bad += 1
            if bad:
                self.failed += 1
            else:
                self.passed += 1
            self.compare_folders()
        finally:
            os.chmod(self.md, 0o700)

    def uids(self, folder):
        return sorted(self.skua_state(folder)[2])

    # -- the turns --------------------------------------------------------

    def turn(self, rnd, name):
        self.where = "%d/%s" % (rnd, name)
        self.say("round %s" % self.where)

    def run_round(self, rnd):
        kw_sets = [["\\Seen", "$Forwarded"], ["NonJunk"],
                   ["\\Flagged", "$Junk"], ["\\Draft", "$Label%d" % rnd],
                   ["\\Answered", "$Forwarded", "NonJunk"], []]
        self.order_dovecot_first = rnd % 2 == 1

        self.turn(rnd, "skua-append")
        self.skua_append("INBOX", kw_sets[rnd % 6])
        self.skua_append("INBOX", kw_sets[(rnd + 2) % 6] + ["\\Seen"])
        self.compare_folder("INBOX")

        self.turn(rnd, "dovecot-append")
        self.dovecot_append("INBOX", ["\\Flagged", "$Junk", "Work%d" %
                                      (rnd % 3)])
        self.dovecot_append("INBOX", [])
        self.compare_folder("INBOX")

        self.turn(rnd, "mda")
        # out of time order: UIDs follow seconds, then microseconds
        base = 1700000000 + rnd * 1000
        self.mda_deliver("INBOX", [
            "%d.M900000P%dQ1.mda,S=SIZE" % (base, 100 + rnd),
            "%d.M5P%dQ2.mda,S=SIZE" % (base, 100 + rnd),
            "%d.P%dQ3.mda" % (base - 500, 100 + rnd),
            "%d.M40P%dQ4.mda" % (base, 100 + rnd)])
        self.compare_folder("INBOX")

        self.turn(rnd, "dovecot-store")
        u = self.uids("INBOX")
        if len(u) >= 5:
            self.dovecot("SELECT INBOX")
            self.dovecot("UID STORE %d +FLAGS (\\Seen $Label%d)" % (u[-1],
                                                                    rnd))
            self.dovecot("UID STORE %d -FLAGS (\\Seen $Forwarded NonJunk)"
                         % u[-3])
            self.dovecot("UID STORE %d FLAGS (\\Answered NonJunk Work%d)"
                         % (u[-4], rnd % 3))
            self.dovecot("UID STORE %d +FLAGS (\\Deleted)" % u[0])
            self.dovecot("EXPUNGE")
            self.dovecot("UNSELECT")
        self.compare_folder("INBOX")

        self.turn(rnd, "skua-store")
        u = self.uids("INBOX")
        if len(u) >= 6:
            self.skua_store("INBOX", u[-1], "+", ["\\Flagged", "$Forwarded"])
            self.skua_store("INBOX", u[-2], "-", ["\\Seen", "$Junk"])
            self.skua_store("INBOX", u[-3], "=", ["\\Seen", "Skua%d" % rnd])
            self.skua_store("INBOX", u[1], "+", ["\\Deleted"])
            self.skua_expunge("INBOX", u[2])
        self.compare_folder("INBOX")

        self.turn(rnd, "folders")
        names = {1: "Archive/2024", 2: "Sent Items", 3: "Entw&APw-rfe",
                 4: "Archive/2024/Q%d" % rnd, 5: "Round%d" % rnd,
                 6: "Round%d" % rnd}
        dname = names.get(rnd, "Round%d" % rnd)
        self.dovecot("CREATE %s" % quote(dname))
        self.compare_folders()
        self.skua_append(dname, ["\\Seen", "$Junk"])
        self.skua_append(dname, ["NonJunk"])
        self.compare_folder(dname)
        self.dovecot_append(dname, ["\\Answered", "$Forwarded"])
        self.compare_folder(dname)
        # a folder made by skua
        sname = "Skua%d" % rnd if rnd != 4 else "Skua%d/Sub" % rnd
        self.skua_create(sname)
        self.compare_folders()
        self.skua_append(sname, ["\\Seen", "Keep%d" % rnd])
        self.compare_folder(sname, dovecot_first=False)
        self.dovecot_append(sname, ["\\Flagged", "$Junk"])
        self.dovecot("SELECT %s" % quote(sname))
        self.dovecot("UID STORE 1 +FLAGS (\\Answered NonJunk)")
        self.dovecot("UNSELECT")
        self.compare_folder(sname)

        if rnd >= 2:
            self.turn(rnd, "dovecot-rename")
            old = "Skua%d" % (rnd - 1)
            new = "Renamed/Skua%d" % (rnd - 1)
            self.dovecot("RENAME %s %s" % (quote(old), quote(new)))
            self.compare_folders()
            self.skua_append(new, ["\\Seen"])
            self.compare_folder(new)
        if rnd >= 2 and self.have_mbox and rnd != 4:
            self.turn(rnd, "skua-rename")
            old = names[rnd - 1] if rnd != 5 else "Archive/2024/Q4"
            new = "Moved%d/%s" % (rnd - 1, old.split("/")[-1])
            self.skua_mbox("rename", old, new)
            self.compare_folders()
            self.dovecot_append(new, ["\\Seen", "$Junk"])
            self.compare_folder(new)
        if rnd == 6 and self.have_mbox:
            self.turn(rnd, "skua-rename-level")
            # "Renamed" is a level: Dovecot made Renamed/SkuaN alone
            self.skua_mbox("rename", "Renamed", "Old")
            self.compare_all()
        if rnd == 5:
            self.turn(rnd, "dovecot-delete")
            self.dovecot("DELETE %s" % quote("Renamed/Skua1"))
            self.compare_folders()
            if self.have_mbox:
                self.turn(rnd, "skua-delete")
                self.skua_mbox("delete", "Renamed/Skua2")
                self.compare_folders()

        if rnd == 3:
            self.turn(rnd, "dovecot-without-index")
            self.restart_dovecot(drop_index=True)
            self.compare_all()

    def run(self):
        self.dirs = {}
        self.compare_all()
        for rnd in range(1, self.args.rounds + 1):
            self.run_round(rnd)
        if self.have_mbox:
            self.check_permissions()
        self.where = "end/dovecot-without-index"
        self.restart_dovecot(drop_index=True)
        self.compare_all()
        self.where = "end/skua-first"
        self.restart_dovecot(drop_index=False)
        self.order_dovecot_first = False
        self.compare_all()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--rounds", type=int, default=6)
    ap.add_argument("--keep", action="store_true",
                    help="keep the temporary directory")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()

    if not os.access(DOVECOT_IMAP, os.X_OK):
        print("store-interop: skipped (no %s; apt-get install dovecot-imapd)"
              % DOVECOT_IMAP)
        return 0
    tool = os.path.join(args.build, "tests", "storetool")
    if not os.access(tool, os.X_OK):
        print("store-interop: %s is missing (make %s)" % (tool, tool))
        return 1
    t0 = time.time()
    tmp = tempfile.mkdtemp(prefix="skua-interop-")
    test = None
    try:
        test = Interop(args, tmp)
        test.run()
    except (RuntimeError, OSError, subprocess.SubprocessError) as e:
        where = test.where if test else "setup"
        print("store-interop: stopped at %s: %s" % (where, e))
        if test:
            test.failed += 1
    finally:
        if test:
            test.dc.close()
            test.log.close()
            with open(os.path.join(tmp, "dovecot.log"), "rb") as f:
                errors = [ln for ln in f.read().decode(
                    "utf-8", "replace").splitlines()
                    if ": Error:" in ln or ": Warning:" in ln or
                    ": Panic:" in ln or ": Fatal:" in ln]
            for ln in errors:
                print("dovecot log: %s" % ln)
            # Dovecot complaining about what skua wrote fails the test
            if any(": Warning:" not in ln for ln in errors):
                test.failed += 1
        if args.keep:
            print("store-interop: kept %s" % tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    passed = test.passed if test else 0
    failed = test.failed if test else 1
    print("store-interop: took %.1fs" % (time.time() - t0))
    print("store-interop: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
