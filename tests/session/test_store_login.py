"""What login does to the user's Maildir: a missing Maildir is made, the
special-use folders are made when absent (special_folders), as the user
and only once; a Maildir the user cannot write still lets the user in.

Each test uses a Maildir of its own under the user's home (maildir =
~/NAME), so the outcome does not depend on what other tests did; the one
that needs the default ~/Maildir puts bob's aside and back."""
import os
import shutil
import stat
import subprocess

from harness import Client, IS_ROOT, Server, TIMEOUT, USERS, check

SPECIAL = [".Drafts", ".Sent", ".Trash", ".Junk", ".Archive"]


def uid_of(user):
    """The uid that owns what the user's session creates."""
    return USERS[user][0] if IS_ROOT else os.getuid()


def fresh_maildir(world, user, name, create=True):
    """~user/name, removed first; made as an empty Maildir owned by the
    user when create is set. Returns its path."""
    path = world.path("home", user, name)
    if os.path.lexists(path):
        os.chmod(path, 0o700)
        shutil.rmtree(path)
    if create:
        for sub in ("cur", "new", "tmp"):
            os.makedirs(os.path.join(path, sub))
        for root, _, _ in os.walk(path):
            os.chmod(root, 0o700)
            if IS_ROOT:
                os.chown(root, USERS[user][0], USERS[user][0])
    return path


def login(srv, user):
    c = Client(srv.port)
    c.expect(r"\* OK .*")
    c.cmd("a", f"LOGIN {user} {USERS[user][1]}")
    c.cmd("b", "NOOP")
    c.cmd("c", "LOGOUT")
    c.close()


def folders(maildir):
    return sorted(e for e in os.listdir(maildir)
                  if e.startswith(".") and
                  os.path.isdir(os.path.join(maildir, e)))


def check_owned(path, user):
    st = os.stat(path)
    check(st.st_uid == uid_of(user),
          f"{path}: owner {st.st_uid}, want {uid_of(user)}")


def check_maildir(path, user):
    """A Maildir of the user's, 0700 as the session's umask makes it (a
    folder takes the mode of the Maildir, as with Dovecot)."""
    for sub in ("", "cur", "new", "tmp"):
        p = os.path.join(path, sub)
        check(os.path.isdir(p), f"{p}: missing")
        check_owned(p, user)
        mode = stat.S_IMODE(os.stat(p).st_mode)
        check(mode == 0o700, f"{p}: mode {mode:o}, want 700")


def check_folder(maildir, name, user):
    path = os.path.join(maildir, name)
    check_maildir(path, user)
    mf = os.path.join(path, "maildirfolder")
    check(os.path.isfile(mf), f"{mf}: missing")
    check_owned(mf, user)


def snapshot(path):
    """Every entry under path with its inode, mode, size and mtime."""
    seen = {}
    for root, dirs, files in os.walk(path):
        for e in [root] + [os.path.join(root, f) for f in files]:
            st = os.lstat(e)
            seen[os.path.relpath(e, path)] = (st.st_ino, st.st_mode,
                                              st.st_size, st.st_mtime_ns)
    return seen


def test_special_folders_made_once(world):
    maildir = fresh_maildir(world, "alice", "Maildir-special")
    srv = Server(world, maildir="~/Maildir-special")
    try:
        login(srv, "alice")
        check(folders(maildir) == sorted(SPECIAL),
              f"folders {folders(maildir)}, want {sorted(SPECIAL)}")
        for name in SPECIAL:
            check_folder(maildir, name, "alice")
        check(os.listdir(os.path.join(maildir, "tmp")) == [],
              f"tmp/ holds {os.listdir(os.path.join(maildir, 'tmp'))}")
        before = snapshot(maildir)
        login(srv, "alice")
        after = snapshot(maildir)
        check(after == before, "second login changed the Maildir: "
              f"{sorted(set(after.items()) ^ set(before.items()))}")
        check("special folders:" not in srv.log_text(),
              f"unexpected error; log:\n{srv.log_text()}")
    finally:
        srv.stop()


def test_special_folders_configured(world):
    maildir = fresh_maildir(world, "alice", "Maildir-sent")
    srv = Server(world, maildir="~/Maildir-sent", special_folders="Sent")
    try:
        login(srv, "alice")
        check(folders(maildir) == [".Sent"],
              f"folders {folders(maildir)}, want ['.Sent']")
        check_folder(maildir, ".Sent", "alice")
    finally:
        srv.stop()
    maildir = fresh_maildir(world, "alice", "Maildir-none")
    srv = Server(world, maildir="~/Maildir-none", special_folders="")
    try:
        login(srv, "alice")
        check(folders(maildir) == [], f"folders {folders(maildir)}, want none")
    finally:
        srv.stop()


def test_special_folders_courier_namespace(world):
    """With Courier's namespace (INBOX. and '.') the names in
    special_folders are below the prefix; on disk they are the same
    .Sent and .Trash, and a non-ASCII name is written as configured."""
    maildir = fresh_maildir(world, "alice", "Maildir-courier")
    srv = Server(world, maildir="~/Maildir-courier",
                 special_folders="Sent Trash Entw\u00fcrfe",
                 namespace_prefix="INBOX.", namespace_separator=".",
                 folder_names_on_disk="utf8")
    try:
        login(srv, "alice")
        want = sorted([".Sent", ".Trash", ".Entw\u00fcrfe"])
        check(folders(maildir) == want,
              f"folders {folders(maildir)}, want {want}")
    finally:
        srv.stop()
    maildir = fresh_maildir(world, "alice", "Maildir-mutf7")
    srv = Server(world, maildir="~/Maildir-mutf7",
                 special_folders="Entw\u00fcrfe",
                 folder_names_on_disk="auto")
    try:
        login(srv, "alice")
        # Nothing on disk tells, so auto means modified UTF-7.
        check(folders(maildir) == [".Entw&APw-rfe"],
              f"folders {folders(maildir)}, want ['.Entw&APw-rfe']")
    finally:
        srv.stop()


def test_missing_maildir_is_made(world):
    """bob's first login: no ~/Maildir yet. It is made (0700, cur/ new/
    tmp/, bob's), with the special folders, and bob is logged in."""
    maildir = world.path("home", "bob", "Maildir")
    saved = world.path("home", "bob", "Maildir.saved-by-test")
    os.rename(maildir, saved)
    srv = Server(world)
    try:
        login(srv, "bob")
        check_maildir(maildir, "bob")
        check(folders(maildir) == sorted(SPECIAL),
              f"folders {folders(maildir)}, want {sorted(SPECIAL)}")
        srv.wait_log(r"maildir: user=bob path=\S+/home/bob/Maildir created")
    finally:
        srv.stop()
        if os.path.lexists(maildir):
            shutil.rmtree(maildir)
        os.rename(saved, maildir)


def test_readonly_maildir_still_logs_in(world):
    maildir = fresh_maildir(world, "alice", "Maildir-ro")
    os.chmod(maildir, 0o500)
    srv = Server(world, maildir="~/Maildir-ro")
    try:
        login(srv, "alice")
        check(folders(maildir) == [], f"folders {folders(maildir)}, want none")
        srv.wait_log(r"special folders: user=alice: .*Permission denied")
    finally:
        srv.stop()
        os.chmod(maildir, 0o700)


def test_rimapd_makes_special_folders(world):
    """PREAUTH goes through the same setup as LOGIN."""
    user = "alice" if IS_ROOT else "runner"
    home = world.path("home", user)
    maildir = os.path.join(home, "Maildir-rimapd")
    if os.path.lexists(maildir):
        shutil.rmtree(maildir)
    conf = world.config("rimapd-store.conf", maildir="~/Maildir-rimapd",
                        special_folders="Trash")
    env = world.env()
    env["LD_PRELOAD"] = " ".join(x for x in env["LD_PRELOAD"].split()
                                 if "uid_wrapper" not in x)
    pre = None
    if IS_ROOT:
        def pre():
            os.setgroups([])
            os.setgid(USERS["alice"][0])
            os.setuid(USERS["alice"][0])
    p = subprocess.Popen([world.rimapd, "-F", "-c", conf], env=env,
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, preexec_fn=pre)
    out, err = p.communicate(b"a LOGOUT\r\n", timeout=TIMEOUT)
    check(p.returncode == 0, f"rimapd exit {p.returncode}: {err!r}")
    check(out.startswith(b"* PREAUTH "), f"greeting {out[:80]!r}")
    check(folders(maildir) == [".Trash"],
          f"folders {folders(maildir)}, want ['.Trash']")
    check_folder(maildir, ".Trash", "alice")
