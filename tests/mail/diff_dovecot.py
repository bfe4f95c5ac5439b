#!/usr/bin/env python3
"""tests/mail/diff_dovecot.py — the mail layer checked against Dovecot.

    diff_dovecot.py [--build build] [--corpus DIR] [--keep] [--only SUBSTR]
                    [--items REGEX] [--dovecot-only] [--max-diffs N] [-v]

Generates the corpus (tests/mail/gen_corpus.py, plus the hand-written
files of tests/mail/corpus-extra/) into a temporary directory,
puts it into a Maildir, and asks a private Dovecot for every message:
RFC822.SIZE, ENVELOPE, BODY, BODYSTRUCTURE, BODY[HEADER], BODY[TEXT],
BODY[HEADER.FIELDS (...)], BODY[HEADER.FIELDS.NOT (RECEIVED)], BODY[]<10.100>
and, for every part p, BODY[p], BODY[p.MIME], BINARY[p] and BODY[p]<7.33>
for leaves, and BODY[p.HEADER], BODY[p.TEXT] and BODY[p.HEADER.FIELDS
(FROM SUBJECT)] for message/rfc822 parts. The same items come
from skua's mail layer through build/tests/mailinfo; every item is compared
byte for byte.

Dovecot runs as /usr/lib/dovecot/imap, a preauthenticated IMAP process on
pipes (no listener, no port, no authentication, no system configuration):
a config file of its own in the temporary directory. As root, Dovecot
refuses mail access as uid 0, so the temporary directory is given to
nobody (65534) and Dovecot drops to it by itself (mail_uid/mail_gid); as
any other user it runs as that user.

A difference fails the test unless KNOWN_DIFFERENCES lists it with the RFC
paragraph that shows Dovecot is the one that is wrong. Without Dovecot the
test is skipped. The last line is "mail-diff: N passed, M failed".

--dovecot-only runs the Dovecot side alone (corpus, Maildir, responses)
and checks its answers for consistency, for when the mail layer is not
built yet.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True          # no __pycache__ in the tree
import gen_corpus  # noqa: E402

DOVECOT_IMAP = "/usr/lib/dovecot/imap"
MAX_SECTION_DEPTH = 64          # SECTION_MAX_PARTS of include/mail/section.h
NOBODY = 65534

FIELDS = "FROM TO CC SUBJECT DATE MESSAGE-ID"

# Differences where Dovecot is wrong. Each entry: regular expressions
# matched against the message's shape name (the file name without its
# number and .eml) and the item; optionally the statuses on both sides
# ("dovecot", "skua": OK, NO, BAD, BYE); the RFC paragraph that shows
# Dovecot is wrong, and why. An entry never hides a crash of skua's side.
KNOWN_DIFFERENCES = [
    {"message": r".", "item": r"^BINARY\[", "dovecot": "BYE", "skua": "NO",
     "rfc": "RFC 3501 7.1.5: BYE is sent on LOGOUT, on a panic shutdown or "
            "an inactivity autologout, and when a connection is rejected; "
            "RFC 3516 4.2: a BINARY that cannot be decoded is failed with "
            "a tagged NO",
     "why": "Dovecot 2.3 ends the whole session ('* BYE FETCH failed: "
            "Internal error') when base64 or quoted-printable data is "
            "truncated at the end of the part (missing padding, a '=' with "
            "no hex digits), while other broken data gets NO [PARSE]; skua "
            "answers NO for both."},
    {"message": r"^plain-qp-soft$", "item": r"^BINARY\[1\]$",
     "dovecot": "BYE", "skua": "OK",
     "rfc": "RFC 2045 6.7 rule (5): an equal sign as the last character "
            "on an encoded line is a soft line break; RFC 3501 7.1.5 (when "
            "BYE is sent)",
     "why": "The body ends in 'newline=' without a line end: a soft break "
            "on the last line, valid quoted-printable. Dovecot calls it an "
            "invalid trailer and ends the session."},
    {"message": r"^dup-content-headers$", "item": r"^BINARY\[1\]$",
     "dovecot": "OK", "skua": "OK",
     "rfc": "RFC 3516 4.2.1: BINARY[] is the section after decoding its "
            "Content-Transfer-Encoding",
     "why": "With two Content-Transfer-Encoding fields (base64, then 7bit) "
            "Dovecot's own BODYSTRUCTURE reports base64 (the first field) "
            "but its BINARY does not decode (it uses the last); skua "
            "decodes by the encoding BODYSTRUCTURE reports."},
    {"message": r"^digest-defaults$",
     "item": r"^BODY\[3\.HEADER\.FIELDS ", "dovecot": "OK", "skua": "OK",
     "rfc": "RFC 2046 5.1.1: the CRLF preceding the boundary delimiter "
            "line is conceptually attached to the boundary; RFC 3501 "
            "6.4.5: HEADER.FIELDS is a subset of the message's header",
     "why": "Part 3 of the digest is an empty message/rfc822 (Dovecot's "
            "own BODYSTRUCTURE gives it size 0, and for the same empty "
            "message elsewhere, rfc822-empty, it answers ''), but here it "
            "returns the CRLF that belongs to the closing boundary; skua "
            "answers '' in both places."},
]


# --- IMAP response parsing ---------------------------------------------


class ParseError(Exception):
    pass


class Response:
    """Reads Dovecot's whole output: untagged FETCH responses with their
    items (value and raw bytes of the value) and tagged completions."""

    ATOM_END = b" ()\r\n"

    def __init__(self, data):
        self.b = data
        self.pos = 0

    def peek(self):
        return self.b[self.pos:self.pos + 1]

    def expect(self, s):
        if not self.b.startswith(s, self.pos):
            raise ParseError("want %r at %d: %r" % (
                s, self.pos, self.b[self.pos:self.pos + 60]))
        self.pos += len(s)

    def skip_sp(self):
        while self.peek() == b" ":
            self.pos += 1

    def line_rest(self):
        end = self.b.find(b"\r\n", self.pos)
        if end < 0:
            end = len(self.b)
        s = self.b[self.pos:end]
        self.pos = min(end + 2, len(self.b))
        return s

    def atom(self):
        """An atom, or a fetch item name with [...] and <n> in it."""
        start = self.pos
        b = self.b
        while self.pos < len(b):
            c = b[self.pos:self.pos + 1]
            if c == b"[":
                depth = 0
                while self.pos < len(b):
                    c = b[self.pos:self.pos + 1]
                    if c == b"[":
                        depth += 1
                    elif c == b"]":
                        depth -= 1
                        if depth == 0:
                            break
                    self.pos += 1
                self.pos += 1
                continue
            if c in (b" ", b"(", b")", b"\r", b"\n"):
                break
            self.pos += 1
        if self.pos == start:
            raise ParseError("empty atom at %d: %r" % (
                start, b[start:start + 60]))
        return b[start:self.pos].decode("latin-1")

    def value(self):
        """NIL -> None, string -> bytes, atom -> str, list -> list."""
        self.skip_sp()
        c = self.peek()
        if c == b"(":
            self.pos += 1
            out = []
            while True:
                self.skip_sp()
                if self.peek() == b")":
                    self.pos += 1
                    return out
                if not self.peek():
                    raise ParseError("unterminated list")
                out.append(self.value())
        if c == b'"':
            self.pos += 1
            out = bytearray()
            while True:
                ch = self.b[self.pos:self.pos + 1]
                if not ch:
                    raise ParseError("unterminated quoted string")
                self.pos += 1
                if ch == b'"':
                    return bytes(out)
                if ch == b"\\":
                    ch = self.b[self.pos:self.pos + 1]
                    self.pos += 1
                out += ch
        if c == b"{" or (c == b"~" and self.b[self.pos + 1:self.pos + 2]
                         == b"{"):
            if c == b"~":
                self.pos += 1
            m = re.compile(rb"\{(\d+)\+?\}\r\n").match(self.b, self.pos)
            if not m:
                raise ParseError("bad literal at %d" % self.pos)
            n = int(m.group(1))
            self.pos = m.end()
            s = self.b[self.pos:self.pos + n]
            if len(s) != n:
                raise ParseError("short literal")
            self.pos += n
            return s
        a = self.atom()
        return None if a.upper() == "NIL" else a

    def parse(self):
        """Returns ({tag: (status, text)}, {seq: {ITEM: (value, raw)}}).
        Dovecot runs pipelined FETCH commands at once, so the untagged
        responses are matched to commands by sequence number and item
        name, not by their order."""
        done = {}
        fetched = {}
        fetch_re = re.compile(rb"\* (\d+) FETCH \(")
        while self.pos < len(self.b):
            m = fetch_re.match(self.b, self.pos)
            if m:
                self.pos = m.end()
                items = fetched.setdefault(int(m.group(1)), {})
                while True:
                    self.skip_sp()
                    if self.peek() == b")":
                        self.pos += 1
                        break
                    key = self.atom().upper()
                    self.skip_sp()
                    start = self.pos
                    val = self.value()
                    items[key] = (val, self.b[start:self.pos])
                self.line_rest()
                continue
            if self.b.startswith(b"* ", self.pos) or \
                    self.b.startswith(b"+ ", self.pos):
                self.line_rest()
                continue
            line = self.line_rest().decode("latin-1")
            parts = line.split(" ", 2)
            if len(parts) < 2:
                raise ParseError("cannot read line %r" % line)
            done[parts[0]] = (parts[1], parts[2] if len(parts) > 2 else "")
        return done, fetched


# --- Dovecot -------------------------------------------------------------


def dovecot_config(tmp, maildir):
    if os.getuid() == 0:
        uid, gid = NOBODY, NOBODY
    else:
        uid, gid = os.getuid(), os.getgid()
    return "\n".join([
        "# private Dovecot for tests/mail/diff_dovecot.py",
        "mail_location = maildir:%s" % maildir,
        "log_path = /dev/stderr",
        "info_log_path = /dev/null",
        "ssl = no",
        "base_dir = %s/run" % tmp,
        "state_dir = %s/state" % tmp,
        "mail_uid = %d" % uid,
        "mail_gid = %d" % gid,
        "first_valid_uid = 1",
        "first_valid_gid = %d" % min(gid, 1),  # a user in group 0, too
        "mail_fsync = never",
        "mailbox_list_index = no",
        ""])


class Dovecot:
    def __init__(self, tmp, maildir):
        self.tmp = tmp
        self.conf = os.path.join(tmp, "dovecot.conf")
        self.log = []
        with open(self.conf, "w") as f:
            f.write(dovecot_config(tmp, maildir))
        if os.getuid() == 0:
            for root, dirs, files in os.walk(tmp):
                for n in dirs + files:
                    os.lchown(os.path.join(root, n), NOBODY, NOBODY)
            os.lchown(tmp, NOBODY, NOBODY)

    def run_once(self, commands, timeout=120):
        """One preauthenticated session with the commands (list of (tag,
        command-text)); returns what Response.parse returns, and for a
        session that ended early (BYE text, UID named in the log or None),
        else None."""
        script = "s SELECT INBOX\r\n" + "".join(
            "%s %s\r\n" % (t, c) for t, c in commands) + "z LOGOUT\r\n"
        env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin",
               "HOME": self.tmp,
               "USER": "nobody" if os.getuid() == 0 else
               (os.environ.get("USER") or "skuatest")}
        p = subprocess.run([DOVECOT_IMAP, "-c", self.conf],
                           input=script.encode("latin-1"),
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           env=env, cwd=self.tmp, timeout=timeout)
        if not p.stdout.startswith(b"* PREAUTH"):
            raise RuntimeError("dovecot imap failed (exit %d): %s" % (
                p.returncode, p.stderr.decode("latin-1", "replace")[-2000:]))
        log = p.stderr.decode("latin-1", "replace").splitlines()
        self.log += log
        done, fetched = Response(p.stdout).parse()
        bye = None
        if "z" not in done:
            m = re.search(rb"\* BYE ([^\r\n]*)", p.stdout)
            bye = m.group(1).decode("latin-1") if m else \
                "connection closed"
            # the log names the message Dovecot failed on (UID = seq)
            for l in log:
                m = re.search(r"UID=(\d+)", l)
                if m and ("Error" in l or "Disconnected" in l):
                    bye_uid = int(m.group(1))
                    return done, fetched, (bye, bye_uid)
            return done, fetched, (bye, None)
        return done, fetched, None

    def session(self, commands):
        """Runs the commands and returns ({tag: (status, text)}, {seq:
        {ITEM: (value, raw)}}). Dovecot ends the session with BYE when it
        cannot read a part (e.g. BINARY of broken quoted-printable), and
        runs pipelined commands at once: the unfinished commands on the
        message its log names are then run one by one (the one that ends
        its session again gets status BYE), the rest in a new session."""
        done, fetched = {}, {}

        def merge(f):
            for seq, items in f.items():
                fetched.setdefault(seq, {}).update(items)

        def seq_of(cmd):
            m = re.match(r"(?:UID )?FETCH (\d+)", cmd[1])
            return int(m.group(1)) if m else None

        todo = list(commands)
        while todo:
            d, f, bye = self.run_once(todo)
            done.update(d)
            merge(f)
            if bye is None:
                break
            rest = [c for c in todo if c[0] not in d]
            if not rest:
                break
            suspects = [c for c in rest if seq_of(c) == bye[1]] or rest[:1]
            for c in suspects:
                d1, f1, bye1 = self.run_once([c])
                if bye1 is not None:
                    done[c[0]] = ("BYE", bye1[0])
                else:
                    done.update(d1)
                    merge(f1)
            todo = [c for c in rest if c not in suspects]
        return done, fetched


def make_maildir(tmp, files):
    """Copies files into Maildir/cur so that sequence number n is files[n-1]:
    names sort in that order and a dovecot-uidlist says so too."""
    md = os.path.join(tmp, "Maildir")
    for d in ("cur", "new", "tmp"):
        os.makedirs(os.path.join(md, d))
    lines = []
    for n, path in enumerate(files, 1):
        base = "%d.M%dP1.skua" % (1700000000 + n, n)
        shutil.copyfile(path, os.path.join(md, "cur", base + ":2,"))
        lines.append("%d :%s\n" % (n, base))
    with open(os.path.join(md, "dovecot-uidlist"), "w") as f:
        f.write("3 V1700000000 N%d G%032x\n" % (len(files) + 1, 0x5c0a)
                + "".join(lines))
    return md


# --- parts of a BODYSTRUCTURE --------------------------------------------


def is_multipart(bs):
    return isinstance(bs, list) and bs and isinstance(bs[0], list)


def is_message(bs):
    # type subtype params id description encoding size ENVELOPE BODY lines
    return (isinstance(bs, list) and len(bs) > 9 and
            isinstance(bs[0], bytes) and isinstance(bs[1], bytes) and
            bs[0].lower() == b"message" and
            bs[1].lower() == b"rfc822" and
            isinstance(bs[8], list))


def enum_parts(bs):
    """[(part-number, kind)] with kind leaf, multipart or message, in the
    order of the tree, as RFC 3501 6.4.5 numbers them."""
    out = []

    def children(b, prefix):
        if is_multipart(b):
            k = 0
            for c in b:
                if not isinstance(c, list):
                    break
                k += 1
                add(c, prefix + [k])
        elif is_message(b):
            message(b[8], prefix)

    def message(b, prefix):
        if is_multipart(b):
            children(b, prefix)
        else:
            add(b, prefix + [1])

    def add(b, num):
        kind = ("multipart" if is_multipart(b) else
                "message" if is_message(b) else "leaf")
        out.append((".".join(map(str, num)), kind))
        children(b, num)

    message(bs, [])
    return out


# --- skua's side ---------------------------------------------------------


def mailinfo(binary, path, items):
    p = subprocess.run([binary, path] + items, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=60)
    res = {}
    b, pos = p.stdout, 0
    hdr = re.compile(rb"ITEM (\d+) (OK|NO|BAD) (\d+)\n")
    while pos < len(b):
        m = hdr.match(b, pos)
        if not m:
            break
        i, n = int(m.group(1)), int(m.group(3))
        res[items[i]] = (m.group(2).decode(), b[m.end():m.end() + n])
        pos = m.end() + n + 1
    if p.returncode != 0 or len(res) != len(items):
        crash = "mailinfo exit %d%s" % (
            p.returncode, " (signal %d)" % -p.returncode
            if p.returncode < 0 else "")
        for it in items:
            res.setdefault(it, ("CRASH", crash.encode()))
    return res


# --- comparison ------------------------------------------------------------


def first_diff(a, b):
    n = min(len(a), len(b))
    for i in range(n):
        if a[i] != b[i]:
            return i
    return n if len(a) != len(b) else -1


def context(data, off, width=40):
    s = max(0, off - width // 2)
    return repr(data[s:off + width])[1:] if isinstance(data, bytes) else \
        repr(data)


def known(shape, item, ws, gs):
    for k in KNOWN_DIFFERENCES:
        if (re.search(k["message"], shape) and re.search(k["item"], item)
                and k.get("dovecot", ws) == ws and k.get("skua", gs) == gs):
            return k
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default="build")
    ap.add_argument("--corpus", help="use this directory of messages")
    ap.add_argument("--keep", action="store_true",
                    help="keep the temporary directory")
    ap.add_argument("--only", help="only messages whose name contains this")
    ap.add_argument("--items", help="compare only items matching this "
                    "regular expression")
    ap.add_argument("--dovecot-only", action="store_true")
    ap.add_argument("--max-diffs", type=int, default=200,
                    help="print at most this many differences")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()
    t0 = time.time()

    if not os.access(DOVECOT_IMAP, os.X_OK):
        print("mail-diff: SKIP: Dovecot not installed (%s missing; "
              "apt-get install dovecot-imapd)" % DOVECOT_IMAP)
        return 0
    tool = os.path.join(args.build, "tests", "mailinfo")
    if not args.dovecot_only and not os.access(tool, os.X_OK):
        print("mail-diff: %s is not built (make %s)" % (tool, tool))
        print("mail-diff: 0 passed, 1 failed")
        return 1

    # As root the directory goes to nobody, who must be able to reach it:
    # /tmp, not a TMPDIR that may sit under a private home.
    tmp = tempfile.mkdtemp(prefix="skua-maildiff-",
                           dir="/tmp" if os.getuid() == 0 else None)
    try:
        return run(args, tmp, tool, t0)
    except (RuntimeError, ParseError, subprocess.TimeoutExpired) as e:
        print("mail-diff: %s" % e)
        print("mail-diff: 0 passed, 1 failed")
        return 1
    finally:
        if args.keep:
            print("mail-diff: kept %s" % tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)


def run(args, tmp, tool, t0):
    corpus = args.corpus
    if not corpus:
        corpus = os.path.join(tmp, "corpus")
        os.makedirs(corpus)
        for n, (name, data) in enumerate(gen_corpus.Gen(gen_corpus.SEED)
                                         .run(), 1):
            with open(os.path.join(corpus, "%04d-%s.eml" % (n, name)),
                      "wb") as f:
                f.write(data)
        # hand-written fixtures, numbered after the generated ones
        extra = os.path.join(HERE, "corpus-extra")
        if os.path.isdir(extra):
            for k, name in enumerate(sorted(os.listdir(extra)), n + 1):
                shutil.copyfile(os.path.join(extra, name), os.path.join(
                    corpus, "%04d-x-%s" % (k, name)))
    names = sorted(n for n in os.listdir(corpus)
                   if os.path.isfile(os.path.join(corpus, n)))
    if args.only:
        names = [n for n in names if args.only in n]
    files = [os.path.join(corpus, n) for n in names]
    md = make_maildir(tmp, files)
    dc = Dovecot(tmp, md)

    # Round 1: the structure of every message.
    cmds = [("a%d" % n, "FETCH %d (RFC822.SIZE ENVELOPE BODY BODYSTRUCTURE)"
             % n) for n in range(1, len(files) + 1)]
    r1, f1 = dc.session(cmds)
    plans = []          # per message: [(item-for-mailinfo, fetch-attr)]
    structure = []      # per message: {item: (status, raw bytes)}
    bad_mapping = 0
    for n, path in enumerate(files, 1):
        status, text = r1.get("a%d" % n, ("MISSING", ""))
        items = f1.get(n, {})
        st = {}
        for k in ("RFC822.SIZE", "ENVELOPE", "BODY", "BODYSTRUCTURE"):
            if status == "OK" and k in items:
                st[k] = ("OK", items[k][1])
            else:
                st[k] = (status, text.encode())
        structure.append(st)
        with open(path, "rb") as f:
            data = f.read()
        wire = len(data) + len(re.findall(rb"(?<!\r)\n", data))
        if st["RFC822.SIZE"][1] != str(wire).encode():
            if args.verbose:
                print("size %s: dovecot %r, file %d" % (
                    names[n - 1], st["RFC822.SIZE"][1], wire))
            bad_mapping += 1
        plan = [("BODY[HEADER]", "BODY.PEEK[HEADER]"),
                ("BODY[TEXT]", "BODY.PEEK[TEXT]"),
                ("BODY[HEADER.FIELDS (%s)]" % FIELDS,
                 "BODY.PEEK[HEADER.FIELDS (%s)]" % FIELDS),
                ("BODY[HEADER.FIELDS.NOT (RECEIVED)]",
                 "BODY.PEEK[HEADER.FIELDS.NOT (RECEIVED)]"),
                ("BODY[]<10.100>", "BODY.PEEK[]<10.100>")]
        bs = items.get("BODYSTRUCTURE", (None,))[0]
        parts = enum_parts(bs) if isinstance(bs, list) else []
        parts = [(p, k) for p, k in parts
                 if p.count(".") < MAX_SECTION_DEPTH]
        st["PARTS"] = ("OK", "".join(p + "\n" for p, _ in parts).encode())
        for p, kind in parts:
            plan.append(("BODY[%s]" % p, "BODY.PEEK[%s]" % p))
            plan.append(("BODY[%s.MIME]" % p, "BODY.PEEK[%s.MIME]" % p))
            if kind == "leaf":
                plan.append(("BINARY[%s]" % p, "BINARY.PEEK[%s]" % p))
                plan.append(("BODY[%s]<7.33>" % p, "BODY.PEEK[%s]<7.33>" % p))
            if kind == "message":
                plan.append(("BODY[%s.HEADER]" % p, "BODY.PEEK[%s.HEADER]"
                             % p))
                plan.append(("BODY[%s.TEXT]" % p, "BODY.PEEK[%s.TEXT]" % p))
                plan.append(("BODY[%s.HEADER.FIELDS (FROM SUBJECT)]" % p,
                             "BODY.PEEK[%s.HEADER.FIELDS (FROM SUBJECT)]"
                             % p))
        plans.append(plan)
    if bad_mapping > len(files) // 10:
        print("mail-diff: Dovecot's sizes disagree with the files for %d of "
              "%d messages: sequence numbers do not map to files" % (
                  bad_mapping, len(files)))
        print("mail-diff: 0 passed, 1 failed")
        return 1

    # Round 2: sections, one command each (a BINARY that Dovecot cannot
    # decode fails its whole command).
    cmds, where = [], []
    for n, plan in enumerate(plans, 1):
        for i, (item, attr) in enumerate(plan):
            tag = "b%d.%d" % (n, i)
            cmds.append((tag, "FETCH %d (%s)" % (n, attr)))
            where.append((n, item, tag))
    r2, f2 = dc.session(cmds)
    dovecot = [dict(s) for s in structure]
    for n, item, tag in where:
        status, text = r2.get(tag, ("MISSING", ""))
        # the name of the item in the response: "BODY[]<10>"
        key = re.sub(r"<(\d+)\.\d+>$", r"<\1>", item).upper()
        if status != "OK":
            dovecot[n - 1][item] = (status, text.encode())
        elif key not in f2.get(n, {}):
            dovecot[n - 1][item] = ("MISSING", b"no %s in the response"
                                    % key.encode())
        else:
            val = f2[n][key][0]
            if isinstance(val, str):
                val = val.encode()
            dovecot[n - 1][item] = ("OK", val if val is not None else b"")
    t_dovecot = time.time() - t0
    if args.verbose:
        for l in dc.log:
            if "Error" in l or "Panic" in l or "Fatal" in l:
                print("dovecot log: %s" % l)
    nitems = sum(len(d) for d in dovecot)

    if args.dovecot_only:
        statuses = {}
        for d in dovecot:
            for k, (s, _) in d.items():
                statuses[s] = statuses.get(s, 0) + 1
        print("mail-diff: Dovecot side only: %d messages, %d items %s, "
              "size mismatches %d, %.1fs" % (len(files), nitems,
                                             sorted(statuses.items()),
                                             bad_mapping, t_dovecot))
        if args.verbose:
            for n, d in enumerate(dovecot):
                print("== %s" % names[n])
                for k, v in d.items():
                    print("  %s %s %r" % (k, v[0], v[1][:200]))
        return 0

    passed = failed = known_n = printed = 0
    for n, path in enumerate(files):
        want = dovecot[n]
        items = [i for i in want
                 if not args.items or re.search(args.items, i)]
        got = mailinfo(tool, path, items)
        if got.get("PARTS", ("",))[0] == "OK":
            # Dovecot's side is cut at the depth a section can address
            got["PARTS"] = ("OK", b"".join(
                l + b"\n" for l in got["PARTS"][1].split(b"\n")
                if l and l.count(b".") < MAX_SECTION_DEPTH))
        shape = re.sub(r"^\d+-", "", names[n]).rsplit(".", 1)[0]
        for item in items:
            ws, wv = want[item]
            gs, gv = got.get(item, ("MISSING", b""))
            if ws == gs and (wv == gv or ws != "OK"):
                passed += 1
                continue
            k = known(shape, item, ws, gs) if gs != "CRASH" else None
            if k:
                if args.verbose:
                    print("KNOWN %s %s: %s" % (names[n], item, k["rfc"]))
                known_n += 1
                passed += 1
                continue
            failed += 1
            if printed >= args.max_diffs:
                continue
            printed += 1
            if ws != gs:
                print("DIFF %s %s: dovecot %s %s, skua %s %s" % (
                    names[n], item, ws, context(wv[:80], 0, 80), gs,
                    context(gv[:80], 0, 80)))
            else:
                off = first_diff(wv, gv)
                print("DIFF %s %s: at %d (len dovecot %d, skua %d)\n"
                      "  dovecot: %s\n  skua:    %s" % (
                          names[n], item, off, len(wv), len(gv),
                          context(wv, off), context(gv, off)))
    if printed < failed:
        print("mail-diff: ... %d more differences not shown" % (
            failed - printed))
    if known_n:
        print("mail-diff: %d known differences (Dovecot wrong, see "
              "KNOWN_DIFFERENCES)" % known_n)
    print("mail-diff: %d messages, %.1fs" % (len(files), time.time() - t0))
    print("mail-diff: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
