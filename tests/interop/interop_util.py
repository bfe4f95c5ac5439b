"""tests/interop/interop_util.py — what the real-client tests share:
messages delivered into a Maildir as an MDA would, Maildir and IMAP views
of a folder, and running a client program with a private HOME, a time
limit and its output kept for the failure message."""
import imaplib
import os
import re
import subprocess
import tempfile
import time

from harness import USERS, TestFailure, check, own

CLIENT_TIMEOUT = 30

_serial = [0]
_runs = [0]


def make_message(tag, n, body_lines=3, extra=b""):
    """A small LF-ended message with a Message-ID <tag.n@interop.test>."""
    body = b"".join(b"Line %d of message %s %d.\n" % (i, tag.encode(), n)
                    for i in range(body_lines))
    return (b"From: Sender %d <sender%d@example.org>\n" % (n, n) +
            b"To: alice@example.org\n" +
            b"Subject: %s message %d\n" % (tag.encode(), n) +
            b"Date: Mon, 1 Jan 2024 %02d:%02d:00 +0000\n" % (n // 60 % 24,
                                                             n % 60) +
            b"Message-ID: <%s.%d@interop.test>\n" % (tag.encode(), n) +
            extra +
            b"\n" + body)


def deliver(folder, data, info=None, user="alice"):
    """Writes data to tmp/ and renames it into new/ (or cur/ with the
    flag letters of info, as ':2,SF'); the file is the user's. Returns
    the base name."""
    _serial[0] += 1
    base = "%d.M%dP%d.interop" % (1700000000 + _serial[0], _serial[0],
                                  os.getpid())
    tmp = os.path.join(folder, "tmp", base)
    with open(tmp, "wb") as f:
        f.write(data)
    own(tmp, user)
    if info is None:
        os.rename(tmp, os.path.join(folder, "new", base))
    else:
        os.rename(tmp, os.path.join(folder, "cur", base + ":2," + info))
    return base


def make_folder(root, dirname, user="alice"):
    """A Maildir++ folder root/dirname (dirname like .Work.Sub)."""
    path = os.path.join(root, dirname)
    for sub in ("cur", "new", "tmp"):
        os.makedirs(os.path.join(path, sub), exist_ok=True)
    for d in (path,) + tuple(os.path.join(path, s)
                             for s in ("cur", "new", "tmp")):
        os.chmod(d, 0o700)
        own(d, user)
    return path


def maildir_files(folder):
    """{path: bytes} of a Maildir folder's new/ and cur/."""
    out = {}
    for sub in ("new", "cur"):
        d = os.path.join(folder, sub)
        if not os.path.isdir(d):
            continue
        for name in sorted(os.listdir(d)):
            p = os.path.join(d, name)
            with open(p, "rb") as f:
                out[p] = f.read()
    return out


def maildir_flags(path):
    """The flag letters of a Maildir file name."""
    base = os.path.basename(path)
    return base.split(":2,", 1)[1] if ":2," in base else ""


def message_id(data):
    m = re.search(rb"^Message-ID:\s*(<[^>\r\n]*>)", data,
                  re.IGNORECASE | re.MULTILINE)
    return m.group(1).decode() if m else None


def lf(data):
    """CRLF line ends made LF, as a Maildir keeps them."""
    return data.replace(b"\r\n", b"\n")


def private_home(world, name):
    """A fresh directory to be a client's HOME, so that no real
    ~/.mbsyncrc, ~/.fetchmailrc or ~/.muttrc is read or written."""
    return tempfile.mkdtemp(prefix=name + "-", dir=world.dir)


def client_env(home):
    """The environment of a client program: the runner's, without the
    wrappers the server needs, with HOME private and a C locale."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("LD_PRELOAD", "NSS_WRAPPER", "PAM_WRAPPER",
                                "UID_WRAPPER", "MAIL", "IMAP", "MUTT",
                                "FETCHMAIL"))}
    env["HOME"] = home
    env["LC_ALL"] = "C"
    env["TZ"] = "UTC"
    env.setdefault("PATH", "/usr/bin:/bin")
    return env


def _keep(argv, home, out, err):
    """Writes a run's whole output to a file in its HOME (kept with
    SKUA_KEEP_TMP=1); returns the file name."""
    _runs[0] += 1
    keep = os.path.join(home, "run%d.out" % _runs[0])
    with open(keep, "w") as f:
        f.write(" ".join(argv) + "\n" + out + "\n--- stderr\n" + err)
    return keep


def run_client(argv, home, timeout=CLIENT_TIMEOUT, ok_codes=(0,),
               stdin=subprocess.DEVNULL, server=None):
    """Runs a client; a time-out or an exit code not in ok_codes fails
    the test with the client's output and the server's log."""
    start = time.time()
    try:
        p = subprocess.run(argv, env=client_env(home), stdin=stdin,
                           capture_output=True, timeout=timeout, cwd=home)
    except subprocess.TimeoutExpired as e:
        out = (e.stdout or b"").decode("utf-8", "replace")
        err = (e.stderr or b"").decode("utf-8", "replace")
        keep = _keep(argv, home, out, err)
        raise TestFailure(f"{argv[0]} timed out after {timeout}s (all "
                          f"output in {keep})\nstdout:\n{out[-6000:]}\n"
                          f"stderr:\n{err[-6000:]}") from None
    out = p.stdout.decode("utf-8", "replace")
    err = p.stderr.decode("utf-8", "replace")
    keep = _keep(argv, home, out, err)
    log = ("\nserver log:\n" + server.log_text()[-4000:]) if server else ""
    check(p.returncode in ok_codes,
          f"{' '.join(argv)}: exit {p.returncode} after "
          f"{time.time() - start:.1f}s (all output in {keep})\n"
          f"stdout:\n{out[-8000:]}\n"
          f"stderr:\n{err[-8000:]}{log}")
    return p.returncode, out, err


class Imap:
    """An imaplib session as alice, with answers checked."""

    def __init__(self, port, user="alice"):
        self.m = imaplib.IMAP4("127.0.0.1", port, timeout=10)
        self.ok(self.m.login(user, USERS[user][1]), "LOGIN")

    def ok(self, result, what):
        typ, data = result
        check(typ == "OK", f"{what}: got {typ} {data!r}, want OK")
        return data

    def folders(self):
        """The names LIST "" "*" answers."""
        out = set()
        for line in self.ok(self.m.list('""', "*"), "LIST"):
            if line is None:
                continue
            m = re.fullmatch(rb'\(([^)]*)\) (?:"[^"]*"|NIL) (.+)', line)
            check(m, f"LIST line {line!r}")
            name = m.group(2).decode()
            if name.startswith('"'):
                name = name[1:-1].replace('\\"', '"').replace("\\\\", "\\")
            out.add(name)
        return out

    def select(self, folder, readonly=False):
        return int(self.ok(self.m.select(_quote(folder), readonly),
                           f"SELECT {folder}")[0])

    def messages(self, folder):
        """{uid: (flags set, bytes)} of a folder, read with EXAMINE and
        BODY.PEEK so that nothing changes."""
        n = self.select(folder, readonly=True)
        out = {}
        if n == 0:
            return out
        data = self.ok(self.m.uid("FETCH", "1:*",
                                  "(UID FLAGS BODY.PEEK[])"),
                       f"UID FETCH in {folder}")
        for item in data:
            if not isinstance(item, tuple):
                continue
            head = item[0]
            uid = int(re.search(rb"UID (\d+)", head).group(1))
            flags = set(re.search(rb"FLAGS \(([^)]*)\)", head).group(1)
                        .decode().split())
            flags.discard("\\Recent")
            out[uid] = (flags, item[1])
        return out

    def by_id(self, folder):
        """{Message-ID: [(uid, flags, bytes)]} of a folder."""
        out = {}
        for uid, (flags, data) in self.messages(folder).items():
            out.setdefault(message_id(data), []).append((uid, flags, data))
        return out

    def logout(self):
        try:
            self.m.logout()
        except (imaplib.IMAP4.error, OSError):
            pass


def _quote(name):
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'
