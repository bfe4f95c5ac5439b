"""fetchmail (6.4) fetching from skua over IMAP into an MDA that writes
each message to a file, as fetchmail users deliver to procmail or
maildrop.

fetchmail reads a message as FETCH n RFC822.HEADER then BODY.PEEK[TEXT]
(or BODY[TEXT]), marks it \\Seen, and without "keep" flags it \\Deleted
and EXPUNGEs; by default it only takes unseen messages. So the checks:

- every delivered file equals the message on the server, byte for byte,
  once fetchmail's own additions are taken off: the Received: header it
  puts first (a "Received: from ... by ... with IMAP (fetchmail-...)"
  field with its continuation lines) and the CRs it strips for the MDA
  ("stripcr" is on when an MDA is used). "no rewrite" keeps it from
  touching addresses;
- with "keep" every message stays on the server, now \\Seen, and a second
  run fetches nothing (exit 1, "no mail");
- without "keep" (and with "fetchall", which takes the \\Seen ones too)
  every message is gone from the server, by IMAP and in the Maildir;
- the same over implicit TLS and over STARTTLS, with sslcertck on and
  sslcertfile naming the test certificate (the poll name is localhost,
  the certificate's name).

The messages are chosen to trip up a server: CRLF and LF files, a long
header folded over lines, an 8-bit body, a line starting with "From ",
lines of dots, a MIME message with a base64 part, a 300 KB one, and one
with an empty body."""
import base64
import os
import re

from harness import Server, USERS, check, fresh_maildir
from interop_util import (Imap, deliver, lf, maildir_files, make_message,
                          message_id, private_home, run_client)


def sample_messages(tag):
    """{Message-ID: bytes as delivered to the server's Maildir}."""
    msgs = [
        make_message(tag, 1),
        make_message(tag, 2).replace(b"\n", b"\r\n"),
        make_message(tag, 3, extra=b"X-Long: " + b" ".join(
            b"word%d" % i for i in range(40)).replace(b"word20",
                                                       b"\n\tword20") +
            b"\n"),
        make_message(tag, 4) + "Gr\u00fc\u00dfe, \u00e5ngstr\u00f6m "
        "\u2014 8-bit body.\n".encode("utf-8"),
        make_message(tag, 5) + b"From the start of a line.\n.\n..\n"
        b". dot first\n",
        (b"From: MIME Sender <mime@example.org>\n"
         b"To: alice@example.org\n"
         b"Subject: with an attachment\n"
         b"Message-ID: <%s.6@interop.test>\n"
         b"MIME-Version: 1.0\n"
         b"Content-Type: multipart/mixed; boundary=\"b-0\"\n"
         b"\n"
         b"Preamble.\n"
         b"--b-0\n"
         b"Content-Type: text/plain; charset=us-ascii\n"
         b"\n"
         b"The text part.\n"
         b"--b-0\n"
         b"Content-Type: application/octet-stream\n"
         b"Content-Transfer-Encoding: base64\n"
         b"\n" % tag.encode() +
         base64.encodebytes(bytes(range(256)) * 8) +
         b"--b-0--\n"),
        make_message(tag, 7, body_lines=6000),
        make_message(tag, 8, body_lines=0),
    ]
    return {message_id(m): m for m in msgs}


def strip_fetchmail(data):
    """Takes off the Received: field fetchmail puts first."""
    m = re.match(rb"Received: from [^\n]*\n(?:[ \t][^\n]*\n)*", data)
    check(m and b"fetchmail" in m.group(0),
          f"no fetchmail Received: header first: {data[:300]!r}")
    return data[m.end():]


class Fetchmail:
    """A private HOME, an MDA that writes each message to its own file,
    and an rcfile per run."""

    def __init__(self, world, name):
        self.home = private_home(world, "fetchmail-" + name)
        self.out = os.path.join(self.home, "delivered")
        os.makedirs(self.out)
        self.mda = os.path.join(self.home, "mda.sh")
        with open(self.mda, "w") as f:
            f.write("#!/bin/sh\n"
                    f"exec cat > \"$(mktemp '{self.out}/msg.XXXXXXXX')\"\n")
        os.chmod(self.mda, 0o755)
        self.runs = 0

    def run(self, srv, options, host="127.0.0.1", port=None, ssl="",
            ok_codes=(0,)):
        """Runs fetchmail once; returns {Message-ID: [bytes]} of what
        this run delivered, fetchmail's Received: field taken off."""
        self.runs += 1
        rc = os.path.join(self.home, "fetchmailrc%d" % self.runs)
        with open(rc, "w") as f:
            f.write("set no bouncemail\n"
                    f"poll {host} with proto IMAP port "
                    f"{port or srv.port} timeout 20\n"
                    f"  user \"alice\" there with password "
                    f"\"{USERS['alice'][1]}\"\n"
                    f"  {ssl}\n"
                    f"  mda \"{self.mda}\"\n"
                    f"  options no rewrite {options}\n")
        os.chmod(rc, 0o600)
        before = set(os.listdir(self.out))
        code, out, err = run_client(
            ["fetchmail", "-v", "-v", "--nosyslog", "-f", rc,
             "--pidfile", os.path.join(self.home, "fetchmail.pid"),
             "-i", os.path.join(self.home, "fetchids")],
            self.home, ok_codes=ok_codes, server=srv)
        got = {}
        for name in sorted(set(os.listdir(self.out)) - before):
            with open(os.path.join(self.out, name), "rb") as f:
                data = strip_fetchmail(f.read())
            got.setdefault(message_id(data), []).append(data)
        return code, got, out + err


def check_delivered(got, want, what, log):
    check(set(got) == set(want),
          f"{what}: delivered {sorted(got)}, want {sorted(want)}\n"
          f"{log[-3000:]}")
    for mid, copies in got.items():
        check(len(copies) == 1, f"{what}: {mid} delivered {len(copies)} "
              f"times")
        check(copies[0] == lf(want[mid]),
              f"{what}: {mid} differs:\n{copies[0][:2000]!r}\nwant\n"
              f"{lf(want[mid])[:2000]!r}")


def test_fetchmail_keep_and_delete(world):
    md = fresh_maildir(world, "Maildir-fetchmail")
    want = sample_messages("fetchmail")
    for data in want.values():
        deliver(md, data)
    srv = Server(world, maildir="~/Maildir-fetchmail", special_folders="")
    imap = None
    try:
        fm = Fetchmail(world, "plain")
        # sslproto '' : no opportunistic STARTTLS, plain TCP on loopback.
        plain = "sslproto ''"

        # keep: everything arrives, stays, and is \Seen.
        _, got, log = fm.run(srv, "keep", ssl=plain)
        check_delivered(got, want, "fetchmail keep", log)
        imap = Imap(srv.port)
        left = imap.by_id("INBOX")
        check(set(left) == set(want) and
              all(len(v) == 1 for v in left.values()),
              f"after keep the server holds {sorted(left)}")
        for mid, [(uid, flags, data)] in left.items():
            check(data == want[mid] or lf(data) == lf(want[mid]),
                  f"after keep {mid} changed on the server")
            check("\\Seen" in flags and "\\Deleted" not in flags,
                  f"after keep {mid} has flags {flags}, want \\Seen")
        check(len(maildir_files(md)) == len(want),
              f"after keep the Maildir holds {len(maildir_files(md))} "
              f"files, want {len(want)}")

        # keep again: nothing unseen, nothing fetched.
        code, got, log = fm.run(srv, "keep", ssl=plain, ok_codes=(1,))
        check(not got, f"second keep run fetched {sorted(got)}")

        # no keep, fetchall: everything again, then gone from the server.
        _, got, log = fm.run(srv, "nokeep fetchall", ssl=plain)
        check_delivered(got, want, "fetchmail nokeep fetchall", log)
        left = imap.by_id("INBOX")
        check(not left, f"after nokeep the server still holds "
              f"{sorted(left)}")
        check(not maildir_files(md), f"after nokeep the Maildir holds "
              f"{sorted(maildir_files(md))}")
        check("yes" not in re.findall(r"login: user=alice .*tls=(\w+)",
                                      srv.log_text()),
              f"a plain run used TLS:\n{srv.log_text()}")
    finally:
        if imap:
            imap.logout()
        srv.stop()


def test_fetchmail_tls(world):
    md = fresh_maildir(world, "Maildir-fetchmail-tls")
    srv = Server(world, maildir="~/Maildir-fetchmail-tls",
                 special_folders="")
    imap = None
    try:
        fm = Fetchmail(world, "tls")
        cert = f"sslcertck sslcertfile \"{world.cert}\""
        for how, port, ssl, sign in (
                ("imaps", srv.tls_port, "ssl " + cert,
                 "SSL/TLS: using protocol"),
                ("starttls", srv.port, "sslproto 'tls1.2+' " + cert,
                 "upgrade to TLS succeeded")):
            want = {k: v for k, v in sample_messages("fetchmail-" + how)
                    .items() if not k.endswith((".7@interop.test>",))}
            for data in want.values():
                deliver(md, data)
            _, got, log = fm.run(srv, "nokeep", host="localhost",
                                 port=port, ssl=ssl)
            check_delivered(got, want, f"fetchmail {how}", log)
            check(sign in log and "verify_ok == 1" in log,
                  f"fetchmail {how}: no TLS in its log:\n{log[-3000:]}")
            imap = Imap(srv.port)
            left = imap.by_id("INBOX")
            imap.logout()
            imap = None
            check(not left, f"fetchmail {how}: the server still holds "
                  f"{sorted(left)}")
        # fetchmail's two logins and the two checking IMAP sessions.
        srv.wait_log(r"login: user=alice ", count=4)
        logins = re.findall(r"login: user=alice .*tls=(\w+)",
                            srv.log_text())
        check(logins == ["yes", "no", "yes", "no"],
              f"fetchmail logins were not over TLS: {logins}\n"
              f"{srv.log_text()}")
    finally:
        if imap:
            imap.logout()
        srv.stop()
