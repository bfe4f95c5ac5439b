"""The MODSEQ result option of ESEARCH (RFC 4731 3.2, RFC 7162 3.1.10)
when a searching command returns only some of the messages it found:
with a single MIN or MAX it is the MODSEQ of that message, with MIN and
MAX (and no ALL or COUNT) the higher of the two, otherwise the highest of
all found. ESORT's MIN and MAX are the first and last in sort order, and
a PARTIAL range returns only the messages in it."""
import os
import re

from harness import Server, check, own
from test_write import fresh_maildir, login, take_recent

_serial = [0]


def deliver_subject(md, subject):
    """A message with the given Subject, straight into cur/."""
    _serial[0] += 1
    base = "%d.M%dP%d.esm" % (1700000000 + _serial[0], _serial[0],
                             os.getpid())
    data = (b"From: a@example.org\r\nSubject: " + subject.encode() +
            b"\r\nDate: Mon, 1 Jan 2024 10:00:00 +0000\r\n\r\nbody\r\n")
    tmp = os.path.join(md, "tmp", base)
    with open(tmp, "wb") as f:
        f.write(data)
    own(tmp)
    os.rename(tmp, os.path.join(md, "cur", base + ":2,"))


def modseq_of(c, tag, seq):
    u, _ = c.cmd(tag, "FETCH %d (MODSEQ)" % seq)
    for l in u:
        m = re.fullmatch(r"\* %d FETCH \(MODSEQ \((\d+)\)\)" % seq, l)
        if m:
            return int(m.group(1))
    raise AssertionError(f"no MODSEQ for {seq}: {u!r}")


def test_esearch_modseq_min_max(world):
    md = fresh_maildir(world, "Maildir-esm")
    # Subjects in reverse order: SORT (SUBJECT) turns the mailbox round.
    for subject in ("e", "d", "c", "b", "a"):
        deliver_subject(md, subject)
    srv = Server(world, maildir="~/Maildir-esm")
    take_recent(srv)
    try:
        c = login(srv)
        c.cmd("a", "ENABLE CONDSTORE")
        c.cmd("b", "SELECT INBOX")
        # Message 3 changed last and so has the highest MODSEQ; 5 more
        # recently than 1.
        for tag, seq in (("c1", 1), ("c2", 5), ("c3", 3)):
            c.cmd(tag, r"STORE %d +FLAGS.SILENT (\Flagged)" % seq)
        ms = {seq: modseq_of(c, "m%d" % seq, seq) for seq in range(1, 6)}
        check(ms[3] > ms[5] > ms[1] and ms[3] > max(ms[2], ms[4]),
              f"MODSEQs {ms}")
        top = max(ms.values())
        uid = {seq: seq for seq in ms}      # a fresh mailbox: UID = seq

        def esearch(tag, text, want):
            u, t = c.cmd(tag, text)
            check(u == ['* ESEARCH (TAG "%s")%s' % (tag, want)],
                  f"{text}: got {u!r}, want {want!r}")

        esearch("d", "SEARCH RETURN (MIN) MODSEQ 1",
                " MIN 1 MODSEQ %d" % ms[1])
        esearch("e", "SEARCH RETURN (MAX) MODSEQ 1",
                " MAX 5 MODSEQ %d" % ms[5])
        esearch("f", "SEARCH RETURN (MIN MAX) MODSEQ 1",
                " MIN 1 MAX 5 MODSEQ %d" % ms[5])
        esearch("g", "UID SEARCH RETURN (MIN) MODSEQ 1",
                " UID MIN %d MODSEQ %d" % (uid[1], ms[1]))
        # ALL or COUNT return every message: the highest of all.
        esearch("h", "SEARCH RETURN (MIN COUNT) MODSEQ 1",
                " MIN 1 COUNT 5 MODSEQ %d" % top)
        esearch("i", "SEARCH RETURN (MAX ALL) MODSEQ 1",
                " MAX 5 ALL 1:5 MODSEQ %d" % top)
        esearch("j", "SEARCH RETURN () MODSEQ 1",
                " ALL 1:5 MODSEQ %d" % top)
        # MIN with SAVE saves only the minimum (RFC 5182 2.4); the MODSEQ
        # is still the minimum's.
        esearch("k", "SEARCH RETURN (MIN SAVE) MODSEQ 1",
                " MIN 1 MODSEQ %d" % ms[1])
        # A search key narrowing the result: MIN of 2:4 is 2.
        esearch("l", "SEARCH RETURN (MIN) 2:4 MODSEQ 1",
                " MIN 2 MODSEQ %d" % ms[2])
        # The original rule still holds for plain SEARCH (RFC 7162 3.1.6).
        u, t = c.cmd("n", "SEARCH MODSEQ 1")
        check(u == ["* SEARCH 1 2 3 4 5 (MODSEQ %d)" % top], f"{u!r}")
        # ESORT: sorted by subject, MIN is message 5 ("a"), MAX message 1.
        esearch("o", "SORT RETURN (MIN) (SUBJECT) UTF-8 MODSEQ 1",
                " MIN 5 MODSEQ %d" % ms[5])
        esearch("p", "SORT RETURN (MAX) (SUBJECT) UTF-8 MODSEQ 1",
                " MAX 1 MODSEQ %d" % ms[1])
        esearch("q", "SORT RETURN (MIN MAX) (SUBJECT) UTF-8 MODSEQ 1",
                " MIN 5 MAX 1 MODSEQ %d" % ms[5])
        esearch("r", "SORT RETURN (COUNT) (SUBJECT) UTF-8 MODSEQ 1",
                " COUNT 5 MODSEQ %d" % top)
        # PARTIAL (RFC 5267 4.4) returns only the messages in its range.
        esearch("s", "SEARCH RETURN (PARTIAL 4:5) MODSEQ 1",
                " PARTIAL (4:5 4:5) MODSEQ %d" % ms[5])
        esearch("t", "SEARCH RETURN (PARTIAL 1:2) MODSEQ 1",
                " PARTIAL (1:2 1:2) MODSEQ %d" % max(ms[1], ms[2]))
        # Nothing found: no MODSEQ (RFC 7162 3.1.10: "non-empty").
        esearch("u", "SEARCH RETURN (MIN) MODSEQ %d" % (top + 1), "")
        c.cmd("z", "LOGOUT")
    finally:
        srv.stop()
