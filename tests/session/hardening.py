"""tests/session/hardening.py — helpers shared by the hardening tests
(test_isolation, test_abuse, test_faults, test_load): logging in, APPEND
by literal, planting messages, snapshots of a directory tree that do not
follow symbolic links, and the memory of a process from /proc."""
import hashlib
import os
import re
import shutil
import time

from harness import Client, IS_ROOT, TIMEOUT, USERS, check, own

MSG = b"From: a@example.org\r\nSubject: hello\r\n\r\nbody\r\n"
_serial = [0]


def greet(c):
    c.expect(r"\* OK .*")


def login(srv, user="alice", source=None):
    c = Client(srv.port, source=source)
    greet(c)
    c.cmd("l", f"LOGIN {user} {USERS[user][1]}")
    return c


def append(c, tag, mailbox, data=MSG, status="OK"):
    """APPEND with a synchronizing literal; returns the tagged line."""
    c.send(f"{tag} APPEND {mailbox} {{{len(data)}}}\r\n")
    got = c.line()
    if not got.startswith("+"):
        check(got.startswith(f"{tag} {status}"),
              f"APPEND {mailbox}: got {got!r}, want + or {tag} {status}")
        return got
    c.send(data + b"\r\n")
    while True:
        got = c.line()
        if got.startswith(tag + " "):
            check(got.startswith(f"{tag} {status}"),
                  f"APPEND {mailbox}: got {got!r}, want {tag} {status}")
            return got


def deliver(maildir, data=MSG, sub="cur", info=":2,", user="alice"):
    """A message straight into the Maildir, as an MDA would; its path."""
    _serial[0] += 1
    base = "%d.M%dP%d.hard" % (1700000000 + _serial[0], _serial[0],
                              os.getpid())
    path = os.path.join(maildir, sub, base + (info if sub == "cur" else ""))
    with open(path, "wb") as f:
        f.write(data)
    own(path, user)
    return path


def make_maildir(path, user="alice", folder=False):
    for sub in ("cur", "new", "tmp"):
        os.makedirs(os.path.join(path, sub), exist_ok=True)
    if folder:
        open(os.path.join(path, "maildirfolder"), "w").close()
    for root, dirs, files in os.walk(path):
        os.chmod(root, 0o700)
        own(root, user)
        for f in files:
            own(os.path.join(root, f), user)


def fresh(world, name, user="alice"):
    """An empty Maildir ~user/NAME (for maildir = ~/NAME)."""
    path = world.path("home", user, name)
    if os.path.lexists(path):
        shutil.rmtree(path)
    make_maildir(path, user)
    return path


def snapshot(top):
    """Everything under top, without following links: path -> (kind,
    mode, size, mtime_ns, content hash or link target)."""
    out = {}
    for root, dirs, files in os.walk(top, followlinks=False):
        for name in dirs + files:
            p = os.path.join(root, name)
            st = os.lstat(p)
            rel = os.path.relpath(p, top)
            if os.path.islink(p):
                out[rel] = ("link", os.readlink(p))
            elif os.path.isdir(p):
                out[rel] = ("dir", st.st_mode, st.st_mtime_ns)
            else:
                with open(p, "rb") as f:
                    h = hashlib.sha256(f.read()).hexdigest()
                out[rel] = ("file", st.st_mode, st.st_size, st.st_mtime_ns,
                            h)
    st = os.lstat(top)
    out["."] = ("top", st.st_mode, st.st_mtime_ns)
    return out


def diff_snapshots(before, after):
    lines = []
    for k in sorted(set(before) | set(after)):
        if before.get(k) != after.get(k):
            lines.append(f"{k}: {before.get(k)} -> {after.get(k)}")
    return lines


def rss_kb(pid, field="VmRSS"):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def wait_children(srv, want, timeout=TIMEOUT):
    """Waits until the listener has at most want children; their pids."""
    deadline = time.time() + timeout
    kids = srv.children()
    while len(kids) > want and time.time() < deadline:
        time.sleep(0.05)
        kids = srv.children()
    return kids


def session_pid(srv, before=()):
    """The pid of the one connection process not in before."""
    deadline = time.time() + TIMEOUT
    while time.time() < deadline:
        kids = [k for k in srv.children() if k not in before]
        if len(kids) == 1:
            return kids[0]
        time.sleep(0.02)
    raise AssertionError(f"no single new child: {srv.children()}")


def uids_of(lines):
    """UIDs of '* N FETCH (UID u ...)' lines."""
    out = []
    for l in lines:
        m = re.match(r"\* \d+ FETCH \(.*UID (\d+)", l)
        if m:
            out.append(int(m.group(1)))
    return out


def read_until_tag(c, tag):
    lines = []
    while True:
        got = c.line()
        if got.startswith(tag + " "):
            return lines, got
        lines.append(got)
