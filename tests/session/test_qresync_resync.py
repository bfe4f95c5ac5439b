"""A QRESYNC client coming back (RFC 7162 3.2.5): it selected the
mailbox, kept UIDVALIDITY, HIGHESTMODSEQ, the UIDs it knows and a sample
of sequence numbers with their UIDs, and went away. Another session then
changed flags (and set one it already had: no change, 3.1.11), changed a
message and expunged it, expunged others, and new mail came. On

    SELECT INBOX (QRESYNC (uidvalidity modseq [known-uids [seq-match]]))

the client must get exactly: VANISHED (EARLIER) naming the expunged UIDs
it asked about, then one FETCH (UID FLAGS MODSEQ) for each message that
changed or came after its MODSEQ, with its sequence number now, and
EXISTS for the new count (3.2.5.1). Known UIDs narrow both; sequence
match data leaves out every UID at or below the last matching pair,
whether or not the expunge log reaches back (3.2.5.2)."""
import re

from harness import Server, check
from test_condstore import highest, uidvalidity
from test_write import deliver, fresh_maildir, login, take_recent

FETCH_RE = re.compile(r"\* (\d+) FETCH \(UID (\d+) FLAGS \(([^)]*)\) "
                      r"MODSEQ \((\d+)\)\)")


def answer(lines):
    """(VANISHED (EARLIER) set or None, {uid: (seq, flags, modseq)},
    EXISTS) of a SELECT's untagged lines, checking their order (3.2.6:
    VANISHED before the FETCHes) and that every FETCH has the form of
    3.2.5.1's example."""
    vanished, fetches, exists = None, {}, None
    for i, l in enumerate(lines):
        if l.startswith("* VANISHED"):
            check(l.startswith("* VANISHED (EARLIER) ") and vanished is None
                  and not fetches, f"VANISHED line {l!r} in {lines!r}")
            vanished = l[len("* VANISHED (EARLIER) "):]
        elif " FETCH " in l:
            m = FETCH_RE.fullmatch(l)
            check(m is not None, f"FETCH form: {l!r}")
            uid = int(m.group(2))
            check(uid not in fetches, f"UID {uid} twice: {lines!r}")
            # \Recent belongs to whichever session saw the message
            # first (RFC 3501 2.3.2); it is not what changed.
            fetches[uid] = (int(m.group(1)),
                            set(m.group(3).split()) - {"\\Recent"},
                            int(m.group(4)))
        elif re.fullmatch(r"\* \d+ EXISTS", l):
            exists = int(l.split()[1])
    return vanished, fetches, exists


def away(srv, md):
    """Another session's changes to a mailbox of 12 messages (UIDs 1-12):
    flags on 2, 6 and 11 (set, keyword, removed), \\Seen again on 4 (it
    had it: no change), 8 flagged and then expunged with 3, 7 and 12;
    two new messages (13, 14). Returns the UIDs left, in order."""
    b = login(srv)
    b.cmd("a", "SELECT INBOX")
    b.cmd("b", r"UID STORE 2 +FLAGS (\Flagged)")
    b.cmd("c", r"UID STORE 6 +FLAGS ($Label1 \Answered)")
    b.cmd("d", r"UID STORE 11 -FLAGS (\Seen)")
    b.cmd("e", r"UID STORE 4 +FLAGS (\Seen)")
    b.cmd("f", r"UID STORE 8 +FLAGS ($Late)")
    b.cmd("g", r"UID STORE 3,7:8,12 +FLAGS.SILENT (\Deleted)")
    b.cmd("h", "EXPUNGE")
    b.cmd("z", "LOGOUT")
    deliver(md)
    deliver(md)
    return [1, 2, 4, 5, 6, 9, 10, 11, 13, 14]


def test_qresync_resync_exact(world):
    md = fresh_maildir(world, "Maildir-qrr")
    for n in range(12):
        # 4 and 11 start \Seen.
        deliver(md, ":2,S" if n + 1 in (4, 11) else ":2,")
    srv = Server(world, maildir="~/Maildir-qrr")
    take_recent(srv)
    try:
        a = login(srv)
        a.cmd("a", "ENABLE QRESYNC")
        u, t = a.cmd("b", "SELECT INBOX")
        uv, hms = uidvalidity(u), highest(u)
        check(uv is not None and hms is not None, f"SELECT: {u!r}")
        a.cmd("z", "LOGOUT")
        left = away(srv, md)
        seq_of = {uid: i + 1 for i, uid in enumerate(left)}
        changed = [2, 6, 11, 13, 14]
        want_flags = {2: {"\\Flagged"}, 6: {"$Label1", "\\Answered"},
                      11: set(), 13: set(), 14: set()}

        def resync(tag, params, want_vanished, want_uids):
            u, t = a.cmd(tag, "SELECT INBOX (QRESYNC (%d %d%s))"
                         % (uv, hms, params))
            vanished, fetches, exists = answer(u)
            check(vanished == want_vanished, f"{params or 'no known-uids'}"
                  f": VANISHED {vanished!r}, want {want_vanished!r}")
            check(sorted(fetches) == want_uids, f"{params}: FETCH for "
                  f"{sorted(fetches)}, want {want_uids}: {u!r}")
            for uid, (seq, flags, ms) in fetches.items():
                check(seq == seq_of[uid], f"UID {uid} as {seq}: {u!r}")
                check(flags == want_flags[uid], f"UID {uid}: {flags}")
                check(hms < ms <= highest(u), f"UID {uid} MODSEQ {ms}, "
                      f"client had {hms}, now {highest(u)}")
            check(exists == len(left), f"EXISTS {exists}: {u!r}")
            check(t.startswith(tag + " OK [READ-WRITE]"), t)
            return u

        a = login(srv)
        a.cmd("a", "ENABLE QRESYNC")
        # No known-uids: as if 1:<UIDNEXT-1> (3.2.5.1). 4 set \Seen again
        # and 8 changed before it went are not reported as changed.
        u = resync("b", "", "3,7:8,12", changed)
        # Known UIDs narrow VANISHED and FETCH alike.
        resync("c", " 1:7", "3,7", [2, 6])
        resync("d", " 2,8:20", "8,12", [2, 11, 13, 14])
        resync("e", " 5", None, [])
        # Known UIDs 1:12 leave out the new 13 and 14.
        old = [2, 6, 11]
        # Sequence match data the mailbox still agrees with: (1,2 -> 1,2)
        # and (3 -> 4) match, so nothing at or below UID 4 is news; (4 ->
        # 6) does not (4 is now UID 5), so 7:8 and 12 are still said.
        resync("f", " 1:12 (1:4 1:2,4,6)", "7:8,12", old)
        # The pair's UID is what counts: (3 -> 4) alone leaves 7:8,12.
        resync("g", " 1:12 (3 4)", "7:8,12", old)
        # A first pair that does not match leaves the whole set.
        resync("h", " 1:12 (2 3)", "3,7:8,12", old)
        # All pairs match up to UID 9 (6th message): only 12 is left.
        resync("i", " 1:14 (1:6 1:2,4:6,9)", "12", changed)
        # As in 3.2.5.2's second example: the last pair is the last
        # known UID, so no VANISHED at all.
        resync("j", " 1:11 (1:8 1:2,4:6,9:11)", None, old)
        # UIDVALIDITY another: only the plain SELECT answer (3.2.5).
        u, t = a.cmd("k", "SELECT INBOX (QRESYNC (%d %d 1:12 (1 1)))"
                     % (uv + 1, hms))
        vanished, fetches, exists = answer(u)
        check(vanished is None and not fetches and exists == len(left),
              f"UIDVALIDITY mismatch: {u!r}")
        # Up to date: the HIGHESTMODSEQ just sent: nothing.
        u, t = a.cmd("l", "SELECT INBOX (QRESYNC (%d %d))"
                     % (uv, highest(u)))
        vanished, fetches, exists = answer(u)
        check(vanished is None and not fetches, f"in sync: {u!r}")
        # EXAMINE takes the same parameters (3.2.5).
        u, t = a.cmd("m", "EXAMINE INBOX (QRESYNC (%d %d 1:14))"
                     % (uv, hms))
        vanished, fetches, exists = answer(u)
        check(vanished == "3,7:8,12" and sorted(fetches) == changed and
              t.startswith("m OK [READ-ONLY]"), f"EXAMINE: {u!r} {t!r}")
        a.cmd("z", "LOGOUT")
    finally:
        srv.stop()
