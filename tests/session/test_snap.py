"""skua.snap over a real socket: a SELECT of a folder nobody changed
since a full sync maps that sync's message list (src/store/snap.c)
instead of scanning cur/ and reading dovecot-uidlist. What the client
hears must be byte for byte what a full open says, and every change
made afterwards (by the session, another session, an MDA) must be seen
as without the snapshot."""
import os
import time

from harness import check, fresh_maildir, login, own, running
from test_write import MSG

N = 40
ITEMS = "(UID FLAGS RFC822.SIZE INTERNALDATE ENVELOPE MODSEQ)"


def flagged_maildir(world, name):
    """N messages in cur/ with a mix of flags and a keyword, all older
    than any change the test makes."""
    md = fresh_maildir(world, name)
    infos = [":2,", ":2,S", ":2,FS", ":2,a", ":2,RS", ":2,D"]
    for i in range(N):
        base = "%d.M%dP9.snap,S=%d" % (1600000000 + i, i, len(MSG))
        path = os.path.join(md, "cur", base + infos[i % len(infos)])
        with open(path, "wb") as f:
            f.write(MSG)
        own(path)
        os.utime(path, (1600000000 + i, 1600000000 + i))
    kw = os.path.join(md, "dovecot-keywords")
    with open(kw, "w") as f:
        f.write("0 $Work\n")
    own(kw)
    return md


def age(md):
    """The directories' mtimes a minute back: a snapshot may stand for
    the folder only when the scan began well after its last change."""
    t = time.time() - 60
    for sub in ("cur", "new"):
        os.utime(os.path.join(md, sub), (t, t))


def transcript(srv, tail=()):
    """What a new session hears from SELECT (CONDSTORE) and a FETCH of
    everything, then the commands in tail."""
    c = login(srv)
    out = []
    for i, text in enumerate(("SELECT INBOX (CONDSTORE)",
                              "FETCH 1:* " + ITEMS) + tuple(tail)):
        u, t = c.cmd("t%d" % i, text)
        out.append((text, u, t))
    c.cmd("z", "LOGOUT")
    c.close()
    return out


def same(a, b, what):
    for (text, ua, ta), (_, ub, tb) in zip(a, b):
        check(ua == ub, f"{what}: {text}: {ua[:4]!r} vs {ub[:4]!r}")
        check(ta == tb, f"{what}: {text}: {ta!r} vs {tb!r}")


def snap_path(md):
    return os.path.join(md, "skua.snap")


def test_snap_select_same_as_full(world):
    md = flagged_maildir(world, "Maildir-snap")
    with running(world, "Maildir-snap") as srv:
        transcript(srv)                 # UIDs, MODSEQs, \Recent taken
        age(md)
        check(not os.path.exists(snap_path(md)),
              "skua.snap written for a folder changed a moment ago")
        full = transcript(srv)          # a full open, which writes it
        check(os.path.exists(snap_path(md)), "no skua.snap written")
        check(os.stat(snap_path(md)).st_mode & 0o777 == 0o600,
              "skua.snap not 0600")
        warm = transcript(srv)
        same(full, warm, "from skua.snap")
        check(len(warm[1][1]) == N, f"FETCH: {len(warm[1][1])} lines")

        # Damaged: a full open, the same answers, the file written anew.
        with open(snap_path(md), "r+b") as f:
            f.seek(30)
            f.write(b"XXXX")
        same(full, transcript(srv), "damaged skua.snap")
        with open(snap_path(md), "rb") as f:
            check(f.read(8) == b"skuasnp1", "skua.snap not rewritten")


def test_snap_then_changes(world):
    """A session opened from the snapshot sees its own STORE, another
    session's STORE and EXPUNGE, and new mail, as always; and the next
    session sees them all too (the snapshot no longer stands)."""
    md = flagged_maildir(world, "Maildir-snap2")
    with running(world, "Maildir-snap2") as srv:
        transcript(srv)
        age(md)
        transcript(srv)
        check(os.path.exists(snap_path(md)), "no skua.snap written")
        a = login(srv)
        a.cmd("s", "SELECT INBOX")
        u, _ = a.cmd("f", "STORE 1 +FLAGS (\\Answered)")
        check(u == ["* 1 FETCH (FLAGS (\\Answered))"], f"STORE: {u!r}")
        b = login(srv)
        b.cmd("s", "SELECT INBOX")
        b.cmd("f", "STORE 2 +FLAGS (\\Flagged)")
        b.cmd("d", "STORE 3 +FLAGS (\\Deleted)")
        b.cmd("e", "EXPUNGE")
        b.cmd("z", "LOGOUT")
        base = "1700000001.M1P9.newmail"
        tmp = os.path.join(md, "tmp", base)
        with open(tmp, "wb") as f:
            f.write(MSG)
        own(tmp)
        os.rename(tmp, os.path.join(md, "new", base))
        u, _ = a.cmd("n", "NOOP")
        want = {"* 3 EXPUNGE", "* %d EXISTS" % N, "* 1 RECENT",
                "* 2 FETCH (FLAGS (\\Flagged \\Seen))"}
        check(set(u) == want, f"NOOP: {u!r}")
        u, _ = a.cmd("g", "UID FETCH %d (FLAGS)" % (N + 1))
        check(u == ["* %d FETCH (UID %d FLAGS (\\Recent))" % (N, N + 1)],
              f"new mail: {u!r}")
        a.cmd("z", "LOGOUT")
        u = transcript(srv)[0][1]
        check("* %d EXISTS" % N in u, f"next SELECT: {u!r}")


def test_snap_skips_uidlist(world):
    """The proof that a warm SELECT reads no uidlist: its bytes are
    changed behind an unchanged stat, and the session still shows the
    messages as they were."""
    md = flagged_maildir(world, "Maildir-snap3")
    with running(world, "Maildir-snap3") as srv:
        transcript(srv)
        age(md)
        full = transcript(srv)
        check(os.path.exists(snap_path(md)), "no skua.snap written")
        ul = os.path.join(md, "dovecot-uidlist")
        st = os.stat(ul)
        with open(ul, "rb") as f:
            data = f.read()
        with open(ul, "r+b") as f:
            f.write(data.replace(b".snap", b".xnap"))
        os.utime(ul, ns=(st.st_atime_ns, st.st_mtime_ns))
        check(os.stat(ul).st_ino == st.st_ino, "uidlist replaced")
        c = login(srv)
        u, t = c.cmd("s", "SELECT INBOX (CONDSTORE)")
        same(full[:1], [("", u, t.replace("s ", "t0 ", 1))], "uidlist "
             "scrambled behind its stat")
        c.cmd("z", "LOGOUT")
