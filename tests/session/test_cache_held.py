"""skua.cache held open by the selected folder from one command to the
next (s->sel.cache, imap/msgcache.h): whatever happens to the file
between two commands (cut to nothing, replaced by another session's
compaction, removed, records appended by another session) the next
command answers as from the message files, and the session lives on."""
import os

from harness import check
from harness import Server
from test_fetch_cache import FETCH, make, session


def fetch(c, tag):
    u, _ = c.cmd(tag, FETCH)
    return u


def test_cache_held_between_commands(world):
    md, _ = make(world, "Maildir-cheld")
    cache = os.path.join(md, "skua.cache")
    srv = Server(world, maildir="~/Maildir-cheld")
    try:
        c = session(srv)
        cold = fetch(c, "a")
        check(len(cold) == 2 and os.path.getsize(cache) > 32,
              f"cold FETCH {cold!r}")
        check(fetch(c, "b") == cold, "warm answers differ")
        # Cut to nothing while mapped: no fault, answers as before.
        os.truncate(cache, 0)
        check(fetch(c, "c") == cold, "answers after the cache was cut")
        check(fetch(c, "d") == cold, "answers with the rebuilt cache")
        # Another session writes records and replaces the file (a new
        # inode, as compaction does) while this one holds the old one.
        other = session(srv)
        os.unlink(cache)
        check(fetch(other, "e") == cold, "the other session's answers")
        other.cmd("z", "LOGOUT")
        check(fetch(c, "f") == cold, "answers after the file was replaced")
        os.unlink(cache)
        check(fetch(c, "g") == cold, "answers after the file was removed")
        c.cmd("z", "LOGOUT")
    finally:
        srv.stop()
    check("cache:" not in srv.log_text(), "a cache error was logged")
