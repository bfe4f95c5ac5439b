"""FETCH and UID FETCH (RFC 3501 6.4.5, 6.4.8, 7.4.2; RFC 2180 4.1) over
real sockets, with real messages delivered into the Maildir as an MDA
would: a plain LF-only text message and a CRLF multipart.

Each test has a Maildir of its own (maildir = ~/NAME). Responses are
read with their literals, byte for byte, so literal lengths are checked
exactly. Where /usr/lib/dovecot/imap is installed, the same commands run
against a private preauthenticated Dovecot on a copy of the same Maildir
and the answers are compared byte for byte (only the timing words of
Dovecot's tagged replies are taken off)."""
import os
import re
import shutil
import subprocess
import tempfile
import time

from harness import Client, IS_ROOT, Server, USERS, TIMEOUT, check, own, fresh_maildir

DOVECOT_IMAP = "/usr/lib/dovecot/imap"

TEXT_MSG = (b"From: Alice <alice@example.org>\n"
            b"To: bob@example.org\n"
            b"Subject: hello\n"
            b"Date: Mon, 1 Jan 2024 10:00:00 +0100\n"
            b"Message-ID: <a1@example.org>\n"
            b"\n"
            b"Hello Bob,\n"
            b"this is a test.\n")
MULTI_MSG = (b"From: carol@example.org\r\n"
             b"To: dave@example.org\r\n"
             b"Subject: multi\r\n"
             b"MIME-Version: 1.0\r\n"
             b"Content-Type: multipart/mixed; boundary=\"XX\"\r\n"
             b"\r\n"
             b"preamble\r\n"
             b"--XX\r\n"
             b"Content-Type: text/plain; charset=us-ascii\r\n"
             b"\r\n"
             b"part one\r\n"
             b"--XX\r\n"
             b"Content-Type: application/octet-stream\r\n"
             b"Content-Transfer-Encoding: base64\r\n"
             b"\r\n"
             b"aGVsbG8=\r\n"
             b"--XX--\r\n")
MTIME = 1704110400      # 2024-01-01 12:00:00 UTC

_serial = [0]


def crlf(data):
    return data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")




def deliver(maildir, data, info=None):
    """Writes a message into tmp/ and renames it into new/ (or cur/ with
    info such as ":2,S"), with a fixed mtime. Returns its base name."""
    _serial[0] += 1
    base = "%d.M%dP%d.mda" % (1700000000 + _serial[0], _serial[0],
                             os.getpid())
    tmp = os.path.join(maildir, "tmp", base)
    with open(tmp, "wb") as f:
        f.write(data)
    os.utime(tmp, (MTIME, MTIME))
    own(tmp)
    if info is None:
        os.rename(tmp, os.path.join(maildir, "new", base))
    else:
        os.rename(tmp, os.path.join(maildir, "cur", base + info))
    return base


def find_file(maildir, base):
    for sub in ("cur", "new"):
        for name in os.listdir(os.path.join(maildir, sub)):
            if name.split(":")[0] == base:
                return os.path.join(maildir, sub, name)
    return None


def read_response(c):
    """One response line with its literals, as bytes, without the final
    CRLF. Literals are read by their announced length, exactly."""
    out = b""
    while True:
        while b"\r\n" not in c.buf:
            chunk = c.sock.recv(65536)
            check(chunk, f"connection closed; unread {c.buf!r}")
            c.buf += chunk
        line, c.buf = c.buf.split(b"\r\n", 1)
        m = re.search(rb"\{(\d+)\}$", line)
        if not m:
            return out + line
        n = int(m.group(1))
        while len(c.buf) < n:
            chunk = c.sock.recv(65536)
            check(chunk, "connection closed inside a literal")
            c.buf += chunk
        out += line + b"\r\n" + c.buf[:n]
        c.buf = c.buf[n:]


def run(c, tag, text, status="OK"):
    """Sends a command; returns (untagged responses, tagged line) as
    bytes; the tagged status must be the one given."""
    c.send(f"{tag} {text}\r\n")
    untagged = []
    while True:
        got = read_response(c)
        if got.startswith(tag.encode() + b" "):
            check(got.startswith(f"{tag} {status}".encode()),
                  f"{text!r}: got {got!r}, want {tag} {status}")
            return untagged, got
        untagged.append(got)


def fetch(c, tag, text, status="OK"):
    return run(c, tag, text, status)[0]


def setup(world, name, messages):
    """A Maildir with the messages (data, info) and a session that has
    it selected. Returns (server, client, maildir, base names)."""
    md = fresh_maildir(world, name)
    bases = [deliver(md, data, info) for data, info in messages]
    srv = Server(world, maildir="~/" + name, special_folders="")
    c = Client(srv.port)
    c.expect(r"\* OK .*")
    c.cmd("a", f"LOGIN alice {USERS['alice'][1]}")
    c.cmd("s", "SELECT INBOX")
    return srv, c, md, bases


def done(srv, c):
    c.cmd("z", "LOGOUT")
    c.close()
    srv.stop()


def norm_flags(lines):
    """Sorts the words of every FLAGS list: the order of flags in it
    carries no meaning (RFC 3501 7.4.2), and skua's flags_write puts
    \\Recent first where Dovecot puts it last."""
    def fix(m):
        return b"FLAGS (" + b" ".join(sorted(m.group(1).split())) + b")"
    if isinstance(lines, bytes):
        return re.sub(rb"FLAGS \(([^)]*)\)", fix, lines)
    return [norm_flags(x) for x in lines]


def want(got, expected, what):
    got, expected = norm_flags(got), norm_flags(expected)
    check(got == expected, f"{what}:\n got  {got!r}\n want {expected!r}")


def date_text():
    t = time.localtime(MTIME)
    off = t.tm_gmtoff // 60
    sign = "-" if off < 0 else "+"
    return time.strftime("%d-%b-%Y %H:%M:%S", t) + \
        " %s%02d%02d" % (sign, abs(off) // 60, abs(off) % 60)


def test_fetch_simple_items(world):
    srv, c, md, _ = setup(world, "f-simple", [(TEXT_MSG, None),
                                              (MULTI_MSG, ":2,F")])
    try:
        size1 = len(crlf(TEXT_MSG))
        size2 = len(MULTI_MSG)
        want(fetch(c, "f1", "FETCH 1 (FLAGS UID RFC822.SIZE)"),
             [b"* 1 FETCH (FLAGS (\\Recent) UID 1 RFC822.SIZE %d)" % size1],
             "FLAGS UID RFC822.SIZE")
        want(fetch(c, "f2", "FETCH 2 FLAGS"),
             [b"* 2 FETCH (FLAGS (\\Flagged \\Recent))"], "FLAGS of cur/ :2,F")
        want(fetch(c, "f3", "FETCH 1:2 INTERNALDATE"),
             [b'* %d FETCH (INTERNALDATE "%s")' % (n, date_text().encode())
              for n in (1, 2)], "INTERNALDATE is the file's mtime")
        want(fetch(c, "f4", "FETCH 2 (RFC822.SIZE)"),
             [b"* 2 FETCH (RFC822.SIZE %d)" % size2], "size of CRLF mail")
        env = fetch(c, "f5", "FETCH 1 ENVELOPE")
        want(env, [b'* 1 FETCH (ENVELOPE ("Mon, 1 Jan 2024 10:00:00 +0100"'
                   b' "hello" (("Alice" NIL "alice" "example.org")) '
                   b'(("Alice" NIL "alice" "example.org")) '
                   b'(("Alice" NIL "alice" "example.org")) '
                   b'((NIL NIL "bob" "example.org")) NIL NIL NIL '
                   b'"<a1@example.org>"))'], "ENVELOPE")
        want(fetch(c, "f6", "FETCH 2 BODYSTRUCTURE"),
             [b'* 2 FETCH (BODYSTRUCTURE (("text" "plain" ("charset" '
              b'"us-ascii") NIL NIL "7bit" 8 0 NIL NIL NIL NIL)'
              b'("application" "octet-stream" NIL NIL NIL "base64" 8 NIL '
              b'NIL NIL NIL) "mixed" ("boundary" "XX") NIL NIL NIL))'],
             "BODYSTRUCTURE")
        want(fetch(c, "f7", "FETCH 2 BODY"),
             [b'* 2 FETCH (BODY (("text" "plain" ("charset" "us-ascii") '
              b'NIL NIL "7bit" 8 0)("application" "octet-stream" NIL NIL '
              b'NIL "base64" 8) "mixed"))'], "BODY")
        # Nothing was read: FLAGS are unchanged.
        want(fetch(c, "f8", "FETCH 1:2 FLAGS"),
             [b"* 1 FETCH (FLAGS (\\Recent))",
              b"* 2 FETCH (FLAGS (\\Flagged \\Recent))"], "no \\Seen yet")
    finally:
        done(srv, c)


def test_fetch_macros(world):
    srv, c, md, _ = setup(world, "f-macros", [(TEXT_MSG, ":2,S"),
                                              (MULTI_MSG, ":2,S")])
    try:
        d = date_text().encode()
        fast = fetch(c, "m1", "FETCH 1 FAST")
        want(fast, [b'* 1 FETCH (FLAGS (\\Seen \\Recent) INTERNALDATE "%s" '
                    b'RFC822.SIZE %d)' % (d, len(crlf(TEXT_MSG)))], "FAST")
        all_ = fetch(c, "m2", "FETCH 1 ALL")[0]
        check(all_.startswith(fast[0][:-1] + b" ENVELOPE (\"Mon,") and
              all_.endswith(b'"<a1@example.org>"))'),
              f"ALL: {all_!r}")
        full = fetch(c, "m3", "FETCH 2 FULL")[0]
        check(re.fullmatch(rb'\* 2 FETCH \(FLAGS \([^)]*\) INTERNALDATE '
                           rb'"[^"]+" RFC822.SIZE \d+ ENVELOPE \(.*\) '
                           rb'BODY \(\(.*"mixed"\)\)', full),
              f"FULL: {full!r}")
        check(b"BODYSTRUCTURE" not in full, "FULL has BODY, not "
              "BODYSTRUCTURE")
    finally:
        done(srv, c)


def test_fetch_body_sections(world):
    srv, c, md, bases = setup(world, "f-body", [(TEXT_MSG, None),
                                                (MULTI_MSG, None)])
    try:
        text = crlf(TEXT_MSG)
        hdr, _, body = text.partition(b"\r\n\r\n")
        hdr += b"\r\n\r\n"
        want(fetch(c, "b1", "FETCH 1 BODY.PEEK[HEADER]"),
             [b"* 1 FETCH (BODY[HEADER] {%d}\r\n%s)" % (len(hdr), hdr)],
             "BODY.PEEK[HEADER]")
        want(fetch(c, "b2", "FETCH 1 BODY.PEEK[TEXT]<0.10>"),
             [b"* 1 FETCH (BODY[TEXT]<0> {10}\r\n%s)" % body[:10]],
             "partial")
        want(fetch(c, "b3", "FETCH 1 BODY.PEEK[]<5>"),
             [b"* 1 FETCH (BODY[]<5> {%d}\r\n%s)" % (len(text) - 5,
                                                     text[5:])],
             "partial to the end")
        want(fetch(c, "b4", "FETCH 1 BODY.PEEK[]<500.10>"),
             [b"* 1 FETCH (BODY[]<500> {0}\r\n)"], "partial past the end")
        want(fetch(c, "b5", "FETCH 2 (BODY.PEEK[1] BODY.PEEK[2.MIME] "
                   "BODY.PEEK[3])"),
             [b"* 2 FETCH (BODY[1] {8}\r\npart one BODY[2.MIME] {77}\r\n"
              b"Content-Type: application/octet-stream\r\n"
              b"Content-Transfer-Encoding: base64\r\n\r\n BODY[3] {0}\r\n)"],
             "parts")
        want(fetch(c, "b6", "FETCH 2 BODY.PEEK[HEADER.FIELDS (From "
                   "Subject)]"),
             [b"* 2 FETCH (BODY[HEADER.FIELDS (FROM SUBJECT)] {43}\r\n"
              b"From: carol@example.org\r\nSubject: multi\r\n\r\n)"],
             "HEADER.FIELDS")
        want(fetch(c, "b7", "FETCH 1 RFC822.HEADER"),
             [b"* 1 FETCH (RFC822.HEADER {%d}\r\n%s)" % (len(hdr), hdr)],
             "RFC822.HEADER does not set \\Seen")
        want(fetch(c, "b8", "FETCH 1:2 FLAGS"),
             [b"* 1 FETCH (FLAGS (\\Recent))",
              b"* 2 FETCH (FLAGS (\\Recent))"], "PEEK leaves \\Seen")
        # A non-PEEK body sets \Seen and reports FLAGS before the body.
        got = fetch(c, "b9", "FETCH 1 (BODY[TEXT] UID)")
        check(len(got) == 1 and re.fullmatch(
            rb"\* 1 FETCH \(UID 1 FLAGS \((\\Seen \\Recent|\\Recent "
            rb"\\Seen)\) BODY\[TEXT\] \{%d\}\r\n%s\)" % (
                len(body), re.escape(body)), got[0]),
            f"BODY[TEXT]: {got!r}")
        name = find_file(md, bases[0])
        check(name.endswith(":2,S"), f"file not marked seen: {name}")
        # Already seen: no FLAGS this time.
        want(fetch(c, "b10", "FETCH 1 BODY[TEXT]<0.5>"),
             [b"* 1 FETCH (BODY[TEXT]<0> {5}\r\nHello)"], "seen already")
        # RFC822 is BODY[] and sets \Seen too.
        got = fetch(c, "b11", "FETCH 2 RFC822")
        check(len(got) == 1 and re.fullmatch(
            rb"\* 2 FETCH \(FLAGS \([^)]*\\Seen[^)]*\) RFC822 \{%d\}\r\n"
            rb"%s\)" % (len(MULTI_MSG), re.escape(MULTI_MSG)), got[0]),
            f"RFC822: {got!r}")
        check(find_file(md, bases[1]).endswith(":2,S"), "RFC822: not seen")
        # The flag change is not announced a second time.
        _, tagged = run(c, "b12", "NOOP")
        want(_, [], "NOOP after FETCH")
    finally:
        done(srv, c)


def test_fetch_examine_does_not_set_seen(world):
    md = fresh_maildir(world, "f-examine")
    base = deliver(md, TEXT_MSG, ":2,")
    srv = Server(world, maildir="~/f-examine", special_folders="")
    c = Client(srv.port)
    try:
        c.expect(r"\* OK .*")
        c.cmd("a", f"LOGIN alice {USERS['alice'][1]}")
        c.cmd("s", "EXAMINE INBOX")
        got = fetch(c, "e1", "FETCH 1 BODY[TEXT]")
        check(len(got) == 1 and got[0].startswith(b"* 1 FETCH (BODY[TEXT]"),
              f"EXAMINE: {got!r}")
        check(find_file(md, base).endswith(":2,"), "EXAMINE set \\Seen")
    finally:
        done(srv, c)


def test_uid_fetch(world):
    srv, c, md, _ = setup(world, "f-uid", [(TEXT_MSG, ":2,S")] * 3)
    try:
        want(fetch(c, "u1", "UID FETCH 2:3 FLAGS"),
             [b"* 2 FETCH (UID 2 FLAGS (\\Seen \\Recent))",
              b"* 3 FETCH (UID 3 FLAGS (\\Seen \\Recent))"],
             "UID FETCH range")
        want(fetch(c, "u2", "UID FETCH 1 (FLAGS UID)"),
             [b"* 1 FETCH (UID 1 FLAGS (\\Seen \\Recent))"],
             "UID once, first")
        want(fetch(c, "u3", "UID FETCH * UID"),
             [b"* 3 FETCH (UID 3)"], "UID *")
        want(fetch(c, "u4", "UID FETCH 7:* UID"),
             [b"* 3 FETCH (UID 3)"], "UID 7:* is 3:7")
        want(fetch(c, "u5", "UID FETCH 5:9 UID"), [], "no match: OK")
        want(fetch(c, "u6", "UID FETCH 1,3 RFC822.SIZE"),
             [b"* 1 FETCH (UID 1 RFC822.SIZE %d)" % len(crlf(TEXT_MSG)),
              b"* 3 FETCH (UID 3 RFC822.SIZE %d)" % len(crlf(TEXT_MSG))],
             "UID list")
        run(c, "u7", "UID FETCH 0 FLAGS", "BAD")
    finally:
        done(srv, c)


def test_fetch_errors(world):
    srv, c, md, _ = setup(world, "f-errors", [(TEXT_MSG, None)])
    try:
        for tag, cmd in (("x1", "FETCH 2 FLAGS"), ("x2", "FETCH 1:5 FLAGS"),
                         ("x3", "FETCH 0 FLAGS"), ("x4", "FETCH x FLAGS"),
                         ("x5", "FETCH 1 FOO"), ("x6", "FETCH 1"),
                         ("x7", "FETCH 1 BODY[FOO]"),
                         ("x8", "FETCH 1 (FLAGS BODY[1]<x>)"),
                         ("x9", "FETCH 1 ()")):
            untagged, _ = run(c, tag, cmd, "BAD")
            want(untagged, [], f"{cmd}: nothing before BAD")
        _, tagged = run(c, "x10", "FETCH 2 FLAGS", "BAD")
        want(tagged, b"x10 BAD Invalid messageset", "text of BAD")
        _, tagged = run(c, "x11", "FETCH 1 FOO", "BAD")
        want(tagged, b"x11 BAD Unknown parameter: FOO", "unknown item")
        want(fetch(c, "x12", "FETCH 1 FLAGS"),
             [b"* 1 FETCH (FLAGS (\\Recent))"], "session goes on")
    finally:
        done(srv, c)


def test_fetch_empty_mailbox(world):
    srv, c, md, _ = setup(world, "f-empty", [])
    try:
        run(c, "y1", "FETCH 1:* FLAGS", "BAD")
        run(c, "y2", "FETCH * FLAGS", "BAD")
        want(fetch(c, "y3", "UID FETCH 1:* FLAGS"), [], "UID 1:* empty")
        want(fetch(c, "y4", "UID FETCH * FLAGS"), [], "UID * empty")
    finally:
        done(srv, c)


def test_fetch_expunged_by_another(world):
    """RFC 2180 4.1.2: a message gone from disk but not yet announced
    gets no FETCH response and the command ends with NO; numbers do not
    shift and no EXPUNGE is sent during FETCH (RFC 3501 7.4.1)."""
    srv, c, md, bases = setup(world, "f-gone", [(TEXT_MSG, ":2,S")] * 3)
    try:
        os.unlink(find_file(md, bases[1]))
        untagged, tagged = run(c, "g1", "FETCH 1:3 (UID BODY.PEEK[])", "NO")
        check(b"EXPUNGEISSUED" in tagged, f"tagged: {tagged!r}")
        check(len(untagged) == 2 and untagged[0].startswith(b"* 1 FETCH")
              and untagged[1].startswith(b"* 3 FETCH (UID 3 "),
              f"expunged: {untagged!r}")
        check(not any(b"EXPUNGE" in u for u in untagged),
              "EXPUNGE during FETCH")
        untagged, _ = run(c, "g2", "NOOP")
        want(untagged, [b"* 2 EXPUNGE"], "EXPUNGE after NOOP")
        want(fetch(c, "g3", "FETCH 2 UID"), [b"* 2 FETCH (UID 3)"],
             "renumbered")
    finally:
        done(srv, c)


def test_fetch_large_and_many(world):
    """A large body streams out whole with its exact length; FETCH 1:*
    over many messages answers each once."""
    big = b"Subject: big\n\n" + b"".join(
        b"line %07d of a large message with bare LF ends\n" % i
        for i in range(60000))
    msgs = [(big, ":2,S")] + [(TEXT_MSG, ":2,S")] * 300
    srv, c, md, _ = setup(world, "f-large", msgs)
    try:
        got = fetch(c, "l1", "FETCH 1 BODY.PEEK[]")
        want(got, [b"* 1 FETCH (BODY[] {%d}\r\n%s)" % (len(crlf(big)),
                                                      crlf(big))],
             "large body")
        got = fetch(c, "l2", "FETCH 1:* (UID RFC822.SIZE BODY.PEEK[HEADER])")
        check(len(got) == 301, f"1:*: {len(got)} responses")
        for n, line in enumerate(got, 1):
            check(line.startswith(b"* %d FETCH (UID %d RFC822.SIZE " %
                                  (n, n)), f"response {n}: {line[:60]!r}")
    finally:
        done(srv, c)


class Dovecot:
    """A private preauthenticated Dovecot on pipes, on maildir md."""

    def __init__(self, tmp, md):
        with open(os.path.join(tmp, "dovecot.conf"), "w") as f:
            f.write("\n".join([
                "mail_location = maildir:%s:LAYOUT=maildir++" % md,
                "namespace inbox {", "  separator = /", "  inbox = yes",
                "}", "log_path = /dev/null", "info_log_path = /dev/null",
                "ssl = no", "base_dir = %s/run" % tmp,
                "state_dir = %s/state" % tmp, "first_valid_uid = 1",
                "first_valid_gid = 1", "mailbox_list_index = no", ""]))
        user = {}
        if IS_ROOT:
            for root, dirs, files in os.walk(tmp):
                for n in dirs + files + [""]:
                    os.chown(os.path.join(root, n), 65534, 65534)
            user = {"user": 65534, "group": 65534, "extra_groups": []}
        env = {"PATH": "/usr/bin:/bin", "HOME": tmp,
               "USER": "nobody" if IS_ROOT else
               (os.environ.get("USER") or "skuatest")}
        self.p = subprocess.Popen(
            [DOVECOT_IMAP, "-c", os.path.join(tmp, "dovecot.conf")],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL, env=env, cwd=tmp, **user)
        self.buf = b""

        self.sock = None
        first = self.response()
        check(first.startswith(b"* PREAUTH"), f"dovecot: {first!r}")

    def response(self):
        """One response with its literals, read from the pipe."""
        class Pipe:
            def __init__(self, f):
                self.f = f

            def recv(self, n):
                return os.read(self.f.fileno(), n)
        self.sock = Pipe(self.p.stdout)
        return read_response(self)

    def run(self, tag, text):
        """Sends one command; returns (untagged, tagged) as bytes."""
        self.p.stdin.write(b"%s %s\r\n" % (tag.encode(), text.encode()))
        self.p.stdin.flush()
        untagged = []
        while True:
            got = self.response()
            if got.startswith(tag.encode() + b" "):
                return untagged, got
            untagged.append(got)

    def close(self):
        self.p.stdin.close()
        self.p.wait(TIMEOUT)


def test_fetch_same_as_dovecot(world):
    if not os.path.exists(DOVECOT_IMAP):
        print("test_fetch_same_as_dovecot: no Dovecot, skipped")
        return
    cmds = ["FETCH 1:2 (FLAGS UID RFC822.SIZE)",
            "FETCH 1:2 ENVELOPE", "FETCH 1:2 BODYSTRUCTURE",
            "FETCH 2 (BODY[] ENVELOPE)",
            "FETCH 2 (BODY.PEEK[1] BODYSTRUCTURE FLAGS)",
            "FETCH 2 (RFC822.SIZE BODY[HEADER] UID)",
            "FETCH 2 (BODY.PEEK[HEADER.FIELDS (From)] BODY.PEEK[2])",
            "FETCH 1 BODY.PEEK[]<5.10>", "FETCH 1 (RFC822.HEADER)",
            "FETCH 1:2 FULL", "UID FETCH 1:* (FLAGS)",
            "FETCH 3 (BODY[TEXT] UID)", "FETCH 3 FLAGS",
            "FETCH 4 FLAGS", "UID FETCH 5:7 FLAGS", "FETCH 1 FOO"]
    md = fresh_maildir(world, "f-dovecot")
    deliver(md, TEXT_MSG, ":2,S")
    deliver(md, MULTI_MSG, ":2,S")
    deliver(md, TEXT_MSG, ":2,")
    tmp = tempfile.mkdtemp(prefix="skua-fetch-dc-")
    try:
        shutil.copytree(md, os.path.join(tmp, "md"))
        dc = Dovecot(tmp, os.path.join(tmp, "md"))
        dc.run("s", "SELECT INBOX")
        srv = Server(world, maildir="~/f-dovecot", special_folders="")
        c = Client(srv.port)
        c.expect(r"\* OK .*")
        c.cmd("a", f"LOGIN alice {USERS['alice'][1]}")
        c.cmd("s", "SELECT INBOX")
        try:
            for i, cmd in enumerate(cmds, 1):
                tag = "d%d" % i
                d_untagged, d_tagged = dc.run(tag, cmd)
                d_status = d_tagged.split(b" ")[1].decode()
                untagged, tagged = run(c, tag, cmd, d_status)
                want(untagged, d_untagged, f"{cmd} (skua vs Dovecot)")
                if d_status != "OK":
                    # Dovecot's words, but for its timing.
                    want(tagged, re.sub(rb"Error in IMAP command [A-Z ]+: "
                                        rb"| \(\d[^)]*\)\.?$", b"", d_tagged),
                         f"{cmd}: tagged (skua vs Dovecot)")
            dc.close()
        finally:
            done(srv, c)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
