#!/usr/bin/env python3
"""tests/session/diff_dovecot.py — the differential session test: the same
scripted IMAP sessions against skua and against Dovecot (issue 5).

    diff_dovecot.py [--build build] [--keep] [--only SUBSTR] [-v]

Two copies of one small Maildir are made: INBOX and a few folders, a few
dozen messages of varied MIME structure (tests/mail/gen_corpus.py), flags
in the file names, keywords in dovecot-keywords, a dovecot-uidlist, fixed
mtimes. skua serves one copy as build/rimapd (the preauthenticated session
on stdin/stdout, -c a config whose maildir key names the copy); Debian's
Dovecot serves the other as /usr/lib/dovecot/imap -c CONF, preauthenticated
on pipes too, with the private configuration of tests/store/
interop_dovecot.py (Maildir++ layout, separator "/", INBOX in the
namespace). As root both run as nobody (65534) on copies owned by nobody;
as an ordinary user both run as that user. rimapd finds its home through
nss_wrapper (a passwd line for the uid with the temporary directory as
home), as the session tests do.

Each script (SCRIPTS below) is a list of commands run in one session on
each server: one command at a time, the next sent only after the tagged
response; synchronizing literals wait for the continuation request. Every
command's responses are normalized (NORMALIZATION below says what and
why) and compared; a mismatch prints both sides, and counts as a failure
unless KNOWN_DIFFERENCES lists it with the RFC paragraph that shows skua's
answer is right or that both answers are allowed.

The last line is "session-diff: N passed, M failed" (N, M: commands).
Exit status 1 when anything failed, 0 otherwise; 0 with a SKIP line when
Dovecot is not installed.

NORMALIZATION — what may legitimately differ, and is made equal:

  greeting        Both must greet with PREAUTH; the rest is text.
  CAPABILITY      The lists differ until skua implements Dovecot's
                  extensions (issue 6): a CAPABILITY response is reduced to
                  whether it names IMAP4rev1; [CAPABILITY ...] response
                  codes are dropped.
  text            Human-readable text after a status word and its response
                  code (RFC 3501 7.1: "human-readable text") and after a
                  continuation request ("+", 7.5) is dropped: "a OK [READ-
                  WRITE] Select completed." becomes "a OK [READ-WRITE]".
  extension codes Response codes of extensions skua does not have yet
                  (APPENDUID, COPYUID: UIDPLUS; HIGHESTMODSEQ, NOMODSEQ:
                  CONDSTORE; CLOSED: QRESYNC) are dropped. RFC 3501 7.1:
                  "Client implementations MUST ignore response codes that
                  they do not recognize." So is MAILBOXID (OBJECTID, RFC
                  8474 4.1, 4.2), which Dovecot 2.3 does not have: in
                  CREATE's tagged OK the code goes, and SELECT/EXAMINE's
                  untagged "* OK [MAILBOXID (...)]" line goes whole; so
                  does their "* OK [URLMECH INTERNAL]" (URLAUTH, RFC 4467
                  7.1: the private Dovecot runs without imap-urlauth).
  UIDVALIDITY     Values become tokens, <UV1>, <UV2>, ... in the order each
                  server first reports them (SELECT/EXAMINE, STATUS): each
                  side must give a folder the same value every time and
                  different folders different values; new folders' values
                  come from the clock.
  INTERNALDATE    A date within RUN_WINDOW of the test run (APPEND without a
                  date, RFC 3501 6.3.11: "the internal date ... SHOULD be
                  set to the current date and time") becomes <NOW>; all
                  other dates come from the copies' mtimes and must match.
  order           RFC 3501 leaves the order of untagged responses within one
                  command free except where a response changes sequence
                  numbers (7.4.1 EXPUNGE): untagged responses are sorted,
                  EXPUNGE responses keeping their order. Also free and
                  sorted: the items of a FETCH response (7.4.2), of a
                  STATUS response (7.2.4), the flags of a FLAGS response,
                  FLAGS item or PERMANENTFLAGS code (flag lists are sets,
                  2.3.2), the attributes of LIST/LSUB (7.2.2), the numbers
                  of a SEARCH response (7.2.5).
  strings         A string may be sent quoted or as a literal (4.3), a
                  mailbox name as atom or string (astring, 9): compared by
                  value.
  literal8        BINARY[...] data (RFC 3516 4.3) without a NUL is compared
                  as a string: the RFC says such data SHOULD be "a <string>
                  instead of a <literal8>", which skua does, while Dovecot
                  2.3 sends literal8 for all decoded data. With a NUL both
                  must send literal8, and it is compared as one.
"""
import argparse
import os
import re
import selectors
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "mail"))
sys.dont_write_bytecode = True          # no __pycache__ in the tree
import gen_corpus  # noqa: E402

DOVECOT_IMAP = "/usr/lib/dovecot/imap"
NOBODY = 65534
TIMEOUT = 20            # seconds for one command
RUN_WINDOW = 600        # seconds around the run that make a date "now"
BASE_TIME = 1700000000  # mtimes of the Maildir's messages

NSS_WRAPPER = None
for _d in ("/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu",
           "/usr/lib64", "/usr/lib"):
    if os.path.exists(os.path.join(_d, "libnss_wrapper.so")):
        NSS_WRAPPER = os.path.join(_d, "libnss_wrapper.so")
        break

# Differences that stay. Each entry: "cmd", a regular expression searched
# in the command (as show_cmd prints it); then what the difference is,
# one of:
#   "dovecot" and "skua": regular expressions that must match each side's
#       whole normalized answer (lines joined with newlines);
#   "sub": (pattern, replacement) that turns each of Dovecot's lines into
#       skua's, all of them exactly;
#   "dovecot_extra", "skua_extra": that side sends the other's lines plus
#       lines matching this;
# "rfc": the paragraph that shows skua's answer is right or that both are
# allowed; "why". A command whose mismatch matches an entry passes as
# "known" (-v prints which).
KNOWN_DIFFERENCES = [
    # --- BINARY (RFC 3516), script "binary" ---
    {"cmd": r"^(UID )?FETCH (1:\*|3) \(?BINARY\.SIZE\[",
     "dovecot": r".*\* 3 FETCH \(UID 3\)\nTAG NO \[UNKNOWN-CTE\]",
     "skua": r".*\* 3 FETCH \([^\n]*BINARY\.SIZE\[[^\n]*\)\n"
             r"(\* 4 FETCH \(UID 4\)\nTAG NO \[PARSE\]|TAG OK)",
     "rfc": "RFC 3516 4.3: BINARY.SIZE \"If the server does not know how "
            "to decode the section's CTE, it MUST fail the request\"",
     "why": "Message 3 has an x-uuencode part (4) besides 7bit, base64, "
            "quoted-printable and message/rfc822 parts: Dovecot 2.3 fails "
            "BINARY.SIZE of every part of it; skua fails only the section "
            "whose encoding it does not know and answers the others (in "
            "FETCH 1:* it then stops at message 4, broken base64)."},
    {"cmd": r"^FETCH 10 \(BINARY\.PEEK\[2\.1\] BINARY\.SIZE\[2\] ",
     "sub": (r"BINARY\.SIZE\[2\] 70", "BINARY.SIZE[2] 71"),
     "rfc": "RFC 3516 4.3: BINARY.SIZE \"The value returned MUST match "
            "the size of the <nstring> or <literal8> that will be "
            "returned by the corresponding FETCH BINARY request\"",
     "why": "Both send the same 71 bytes for BINARY[2] (an enclosed "
            "message whose quoted-printable body was decoded); Dovecot's "
            "BINARY.SIZE[2] says 70, skua's says 71."},
    {"cmd": r"^FETCH \d+ BINARY(\.PEEK)?\[(HEADER|TEXT|1\.MIME)",
     "dovecot": r"\* \d+ FETCH \(.*\)\nTAG OK", "skua": r"TAG BAD",
     "rfc": "RFC 3516 7: fetch-att =/ \"BINARY\" [\".PEEK\"] "
            "section-binary [partial]; section-binary = \"[\" "
            "[section-part] \"]\" (part numbers only)",
     "why": "Dovecot 2.3 takes BODY's section specifiers (HEADER, TEXT, "
            "MIME, HEADER.FIELDS) in BINARY[...]; skua answers BAD to "
            "what the grammar does not allow."},
    {"cmd": r"^FETCH \d+ BINARY\.SIZE\[[\d.]*\]<",
     "dovecot": r"\* \d+ FETCH \(BINARY\.SIZE\[[\d.]*\] \d+\)\nTAG OK",
     "skua": r"TAG BAD",
     "rfc": "RFC 3516 7: fetch-att =/ \"BINARY.SIZE\" section-binary "
            "(no partial)",
     "why": "Dovecot 2.3 ignores a partial after BINARY.SIZE[...]; skua "
            "answers BAD."},
    {"cmd": r"^FETCH 9 \(BINARY\.PEEK\[\] ",
     "dovecot": r'\* 9 FETCH \(BINARY\.SIZE\[1\] 5 BINARY\[1\] "hello" '
                r'BINARY\[\] "[^\n]*Encoding: binary[^\n]*hello"\)\nTAG OK',
     "skua": r'\* 9 FETCH \(BINARY\.SIZE\[1\] 10 BINARY\[1\] "aGVsbG8=\\r'
             r'\\n" BINARY\[\] "[^\n]*Encoding: base64[^\n]*aGVsbG8=\\r'
             r'\\n"\)\nTAG OK',
     "rfc": "RFC 3516 3: \"Every IMAP4 body section has a MIME content-"
            "transfer-encoding. (Those without an explicit Content-"
            "Transfer-Encoding header are implicitly labeled as \"7bit\" "
            "content.)\"; RFC 2045 4: the MIME-Version field says a "
            "message is MIME; RFC 3516 6: FETCH BODY returns the content "
            "\"in the format described by the corresponding FETCH "
            "BODYSTRUCTURE response\"",
     "why": "A message without MIME-Version and Content-Type but with "
            "Content-Transfer-Encoding: base64. Both servers' BODYSTRUCTURE "
            "call its body 7BIT text/plain; Dovecot's BINARY decodes it "
            "all the same, skua's follows BODYSTRUCTURE and sends it as "
            "it is."},
    {"cmd": r"^STORE 1 \+FLAGS(\.SILENT)? \(\\(Flagged|Answered)\)$",
     "dovecot": r"\* 1 FETCH \((FLAGS \([^)]*\) )?MODSEQ \(<MS>\)\)\nTAG OK",
     "skua": r"\* 1 FETCH \((FLAGS \([^)]*\) )?MODSEQ \(<MS>\) UID 1\)\n"
             r"TAG OK",
     "rfc": "RFC 7162 3.2.4: \"Once a CONDSTORE enabling command is issued "
            "by the client, the server MUST automatically include both UID "
            "and mod-sequence data in all subsequent untagged FETCH "
            "responses\" (a requirement on QRESYNC servers; 3.1.4.2 asks "
            "CONDSTORE-only servers to follow it too)",
     "why": "With CONDSTORE enabled but not QRESYNC, Dovecot leaves UID out "
            "of STORE's FETCH responses; skua, which offers QRESYNC, "
            "includes it."},
    {"cmd": r"^STORE 2 \(UNCHANGEDSINCE 9+0+\) \+FLAGS\.SILENT \(\\Seen\)$",
     "dovecot": r"^TAG OK$",
     "skua": r"^\* 2 FETCH \(MODSEQ \(<MS>\) UID 2\)\nTAG OK$",
     "rfc": "RFC 7162 3.1.3: when the UNCHANGEDSINCE test passes \"the "
            "requested operation ... is performed ... An untagged FETCH "
            "response MUST be sent, even if the .SILENT suffix is "
            "specified, and the response MUST include the MODSEQ message "
            "data item\"",
     "why": "The message already had \\Seen; Dovecot sends nothing for a "
            "conditional STORE that changed nothing, skua answers the "
            "MODSEQ as 3.1.3 says."},
    {"cmd": r"^ENABLE QRESYNC CONDSTORE$",
     "dovecot": r"^\* ENABLED QRESYNC CONDSTORE\nTAG OK$",
     "skua": r"^\* ENABLED \nTAG OK$",
     "rfc": "RFC 5161 3.1: \"When multiple ENABLE commands are issued, each "
            "corresponding ENABLED response SHOULD only contain extensions "
            "enabled by the corresponding ENABLE command.\"",
     "why": "Both were enabled by the ENABLE before; Dovecot names them "
            "again, skua names only what this command newly enabled."},
    {"cmd": r"^ENABLE$",
     "dovecot": r"^TAG OK$", "skua": r"^TAG BAD$",
     "rfc": "RFC 5161 3.1: \"Result: ... BAD: No arguments, or syntax error "
            "in an argument\"; 4: command-any =/ \"ENABLE\" 1*(SP "
            "capability)",
     "why": "Dovecot accepts ENABLE without arguments."},
    {"cmd": r"^GETQUOTA(ROOT)? ",
     "dovecot": r"TAG OK",
     "skua": r'(\* QUOTA "User quota" \(\)\n)?'
             r'(\* QUOTAROOT \S+ "User quota"\n)?TAG OK',
     "rfc": "RFC 9208 4.1.1: GETQUOTA \"Responses: REQUIRED untagged "
            "responses: QUOTA\"; 4.1.2: GETQUOTAROOT \"REQUIRED untagged "
            "responses: QUOTAROOT, QUOTA\"; 4.2.1: \"an empty list means "
            "there are no administrative resource limits in the quota "
            "root\"",
     "why": "Without a maildirsize there are no limits: Dovecot 2.3 hides "
            "the root and answers a bare OK (no QUOTAROOT even); skua "
            "reports its one root \"User quota\" with the empty list, the "
            "responses the RFC requires."},
    {"cmd": r"^SETQUOTA ",
     "dovecot": r"TAG NO", "skua": r"TAG NO \[NOPERM\]",
     "rfc": "RFC 5530 3: NOPERM \"The access control system ... does not "
            "permit this user to carry out an operation\"; RFC 9208 "
            "4.1.3: \"NO - setquota error: can't set that data\"",
     "why": "Both refuse a user's SETQUOTA by default; skua says why with "
            "the RFC 5530 code (quota_set = yes allows it)."},
    {"cmd": r"^(UID )?MOVE ",
     "dovecot": r"(\* OK\n)?(\* \d+ EXPUNGE\n)*TAG OK",
     "skua": r"TAG NO \[READ-ONLY\]",
     "rfc": "RFC 3501 6.3.2: EXAMINE selects read-only, \"no changes to "
            "the permanent state of the mailbox, including per-user state, "
            "are permitted\"; RFC 6851 3.3: MOVE has the effect of COPY, "
            "STORE +FLAGS.SILENT \\Deleted and UID EXPUNGE",
     "why": "MOVE out of a mailbox selected with EXAMINE: Dovecot 2.3 "
            "moves the messages; skua refuses, since the move removes them "
            "from the read-only mailbox."},
    {"cmd": r"^APPEND Work \{\d+\}<literal> (\(\\Bogus\) )?\{\d+\}"
            r"<literal>$",
     "dovecot": r"\+\nTAG (BAD|NO)", "skua": r"\+\n\+\nTAG (BAD|NO)",
     "rfc": "RFC 3501 7.5: the server may answer a synchronizing literal "
            "with a tagged response instead of \"+\", or invite it and "
            "answer after the command; RFC 3502 6.3.11: on failure none of "
            "the messages is appended (both store nothing)",
     "why": "A MULTIAPPEND whose second message has a bad flag or is empty: "
            "Dovecot refuses before the second literal; skua reads the "
            "whole command and then answers BAD (syntax) or NO (empty)."},
    {"cmd": r"^UID MOVE 1:\* INBOX$",
     "dovecot_extra": r"\* 0 RECENT",
     "rfc": "RFC 3501 7.3.2: RECENT is sent \"as a result of a SELECT or "
            "EXAMINE command, and if the size of the mailbox changes (e.g., "
            "new messages)\"; the count after EXPUNGEs follows from them",
     "why": "After expunging every \\Recent message Dovecot repeats the "
            "count (0); skua sends RECENT with EXISTS only."},
    {"cmd": r"^(UID )?STORE .*\+FLAGS",
     "dovecot": r"TAG OK", "skua": r"TAG NO \[READ-ONLY\]",
     "rfc": "RFC 3501 6.3.2: EXAMINE selects read-only, \"no changes to "
            "the permanent state of the mailbox, including per-user state, "
            "are permitted\"; 6.4.6: STORE \"NO - store error: can't store "
            "that data\"; 7.1 READ-ONLY: \"The mailbox is selected "
            "read-only\"",
     "why": "STORE in a mailbox selected with EXAMINE: Dovecot answers "
            "\"OK Store ignored with read-only mailbox\" and changes "
            "nothing; skua says NO [READ-ONLY], so that the client does not "
            "believe the flags were stored."},
    {"cmd": r"^APPEND INBOX \{57\}",
     "dovecot": r"\+\n(\* [^\n]*\n)*TAG OK",
     "skua": r"\+\nTAG NO",
     "rfc": "RFC 6855 4: \"If an IMAP server supports UTF8=ACCEPT and "
            "the IMAP client has not issued the ENABLE UTF8=ACCEPT "
            "command, the server MUST reject, with a NO response, an "
            "APPEND command that includes any 8-bit character in message "
            "header fields.\"",
     "why": "script utf8: Dovecot 2.3 has no UTF8=ACCEPT and stores the "
            "message; skua advertises UTF8=ACCEPT and so must refuse it "
            "from a client that did not enable it."},
    {"cmd": r"^(CREATE \{\d+\}|RAW b'x CREATE \"Caf\\xe9)",
     "dovecot": r"(\+\n)?TAG NO(\nTAG OK)?",
     "skua": r"(\+\n)?TAG NO \[CANNOT\](\nTAG OK)?",
     "rfc": "RFC 5530 3: CANNOT \"The operation violates some invariant "
            "of the server and can never succeed\"; RFC 3501 7.1: "
            "response codes are optional",
     "why": "script utf8: an 8-bit mailbox name from a client that did "
            "not enable UTF-8 (a literal, or raw Latin-1 in a quoted "
            "string). Both say \"Mailbox name is not valid mUTF-7\"; "
            "skua adds [CANNOT], as for every invalid name."},
    {"cmd": r".",
     "dovecot": r"(\* OK\n)?TAG NO",
     "skua": r"(\* OK\n)?TAG NO \[(NONEXISTENT|CANNOT)\]",
     "rfc": "RFC 5530 3: NONEXISTENT \"The operation attempts to access "
            "something which doesn't exist\", CANNOT \"The operation "
            "violates some invariant of the server and can never succeed\"; "
            "RFC 3501 7.1: response codes are optional, and clients ignore "
            "those they do not know",
     "why": "skua gives a NO the RFC 5530 code that says why wherever it "
            "knows one; Dovecot 2.3 leaves it out in places (SELECT, STATUS "
            "and SUBSCRIBE of a name that is no mailbox, DELETE INBOX, "
            "RENAME into its own child, SUBSCRIBE \"\")."},
    {"cmd": r"^(SELECT INBOX|CREATE a|NOOP|CAPABILITY|CHECK|CLOSE|EXPUNGE"
            r"|LOGOUT) (extra|b)$",
     "dovecot": r".*TAG OK( \[READ-WRITE\])?", "skua": r"TAG BAD",
     "rfc": "RFC 3501 9: select = \"SELECT\" SP mailbox, create = "
            "\"CREATE\" SP mailbox, command-any = \"CAPABILITY\" / "
            "\"LOGOUT\" / \"NOOP\", command-select = \"CHECK\" / "
            "\"CLOSE\" / \"EXPUNGE\" / ... : nothing may follow; 6: BAD "
            "for \"command unknown or arguments invalid\"",
     "why": "Dovecot ignores arguments after those a command takes (CREATE "
            "a b creates a); skua answers BAD and does nothing."},
    {"cmd": r"^DELETE a$",
     "dovecot": r"TAG OK", "skua": r"TAG NO \[NONEXISTENT\]",
     "rfc": "(follows from CREATE a b above)",
     "why": "Dovecot made a on CREATE a b; skua did not."},
    {"cmd": r"^LIST \"\" (\*|Deep\*|Top\*)$",
     "skua_extra": r'\* LIST \(\\Has(No)?Children\) "/" '
                   r'"(Deep(/er)?|Top2?(/Mid)?)"',
     "rfc": "RFC 3501 6.3.3: \"the server SHOULD create any superior "
            "hierarchical names that are needed for the CREATE command to "
            "be successfully completed\"; 6.3.5 says the same for RENAME",
     "why": "CREATE Deep/er/Levels/ (and RENAME Empty Top/Mid/Empty) make "
            "Deep and Deep/er mailboxes in skua; Dovecot's Maildir++ layout "
            "needs no superior names, so for Dovecot they are levels "
            "that LIST \"*\" leaves out."},
    {"cmd": r"^CREATE Deep/er$",
     "dovecot": r"TAG OK", "skua": r"TAG NO \[ALREADYEXISTS\]",
     "rfc": "RFC 3501 6.3.3 (superior names, as above); 6.3.3: \"It is an "
            "error to attempt to create ... a mailbox with a name that "
            "refers to an extant mailbox\"",
     "why": "Deep/er exists in skua since CREATE Deep/er/Levels/."},
    {"cmd": r"^DELETE (Deep|Top2)(/[a-zA-Z]+)?$",
     "dovecot": r"TAG NO \[NONEXISTENT\]", "skua": r"TAG OK",
     "rfc": "RFC 3501 6.3.3 (superior names, as above); 6.3.4",
     "why": "The superior names skua created are mailboxes it deletes; "
            "for Dovecot they were never mailboxes."},
    {"cmd": r"^RENAME INBOX OldInbox$",
     "dovecot": r"TAG NO \[CANNOT\]", "skua": r"(\* \d+ EXPUNGE\n)*TAG OK",
     "rfc": "RFC 3501 6.3.5: \"Renaming INBOX is permitted, and has "
            "special behavior. It moves all messages in INBOX to a new "
            "mailbox with the given name, leaving INBOX empty.\"",
     "why": "Dovecot 2.3 refuses to rename INBOX when INBOX is the root of "
            "a Maildir++ tree; skua moves the messages (the selected INBOX "
            "sees them expunged)."},
    {"cmd": r"^APPEND ",
     "skua_extra": r"\+",
     "rfc": "RFC 3501 7.5: the continuation request \"permits the server "
            "to process commands and reject errors on a line-by-line "
            "basis\" (it may, it need not)",
     "why": "For an APPEND it can refuse from the command line alone (a bad "
            "flag or date, no such mailbox, an empty message), Dovecot "
            "answers BAD or NO instead of \"+\"; skua sends \"+\", reads the "
            "literal and then answers the same BAD or NO. The fix is in "
            "session.c (a check of the arguments before the continuation "
            "request), which this test does not own."},
    {"cmd": r"^APPEND Scratch \"01-Feb-2024 25:00:00 \+0000\"",
     "dovecot": r"\+\nTAG OK", "skua": r"\+\nTAG BAD",
     "rfc": "RFC 3501 9: date-time has time = 2DIGIT \":\" 2DIGIT \":\" "
            "2DIGIT ; Hours minutes seconds; 6: BAD for \"arguments "
            "invalid\"",
     "why": "Dovecot takes hour 25 (as 01:00 the next day); skua refuses a "
            "time no day has."},
    {"cmd": r"^NoOp$",
     "dovecot_extra": r"\* BAD|TAG BAD",
     "rfc": "RFC 7888 4: a server that rejects a command with a "
            "non-synchronizing literal must still \"Read the number of "
            "bytes specified in the non-synchronizing literal\" (or close "
            "the connection); RFC 3501 7.5: the literal is part of the "
            "command",
     "why": "After BAD for APPEND INBOX (\\Recent) {n+}, Dovecot runs the "
            "literal's lines (the message) as commands, answering BAD to "
            "each; skua reads the literal as part of the bad command."},
    {"cmd": r"^nOoP$",
     "dovecot": r"<connection closed>", "skua": r"TAG OK",
     "rfc": "(follows from LOGOUT extra above)",
     "why": "Dovecot logged out on LOGOUT extra; skua answered BAD and the "
            "session goes on."},
    {"cmd": r"^SELECT \"IN\\BOX\"$",
     "dovecot": r".*TAG OK \[READ-WRITE\]", "skua": r"TAG BAD",
     "rfc": "RFC 3501 9: quoted = DQUOTE *QUOTED-CHAR DQUOTE; QUOTED-CHAR = "
            "<any TEXT-CHAR except quoted-specials> / \"\\\" quoted-specials: "
            "a backslash may only escape '\"' or '\\'",
     "why": "Dovecot reads \\B as B and selects INBOX; skua answers BAD for "
            "the invalid quoted string."},
    {"cmd": r"^SELECT \(INBOX\)$",
     "dovecot": r"\* OK\nTAG BAD", "skua": r"TAG BAD",
     "rfc": "RFC 3501 6.3.1: \"if a mailbox is selected and a SELECT "
            "command that fails is attempted, no mailbox is selected\" (a "
            "SELECT that was attempted and failed: NO); 6: BAD means "
            "\"command unknown or arguments invalid\", a command that was "
            "not carried out",
     "why": "For a SELECT whose argument is not a mailbox name at all, "
            "Dovecot closes the selected mailbox before answering BAD "
            "(\"* OK [CLOSED]\"); skua answers BAD and leaves the selected "
            "mailbox as it was. Both deselect on NO."},
    {"cmd": r"^FETCH 1, FLAGS$",
     "dovecot": r"\* 1 FETCH .*\nTAG OK", "skua": r"TAG BAD",
     "rfc": "RFC 3501 9: sequence-set = (seq-number / seq-range) *(\",\" "
            "sequence-set): a comma must be followed by another number",
     "why": "Dovecot ignores a trailing comma; skua answers BAD."},
    {"cmd": r"^RAW b'\\r\\n'$",
     "dovecot": r"\* BAD\nTAG OK", "skua": r"TAG OK",
     "rfc": "RFC 3501 2.2.1: \"Each client command is prefixed with an "
            "identifier ... called a 'tag'\" and 2.2.2: the server answers "
            "each command with a completion result; an empty line is no "
            "command, and 7.1.3 describes an untagged BAD for a protocol "
            "error without requiring one",
     "why": "Dovecot answers an empty line with \"* BAD Error in IMAP tag\"; "
            "skua ignores empty lines on purpose, as clients that send an "
            "extra CRLF after a literal expect (src/imap/parser.c, tested "
            "by tests/unit/check_parser.c and tests/session/test_limits.py). "
            "A line of only a space gets \"* BAD\" from both."},
    {"cmd": r"^STATUS inbox ",
     "sub": (r'^\* STATUS "inbox" ', '* STATUS "INBOX" '),
     "rfc": "RFC 3501 5.1: \"The case-insensitive mailbox name INBOX is a "
            "special name reserved to mean 'the primary mailbox'\"; 7.2.4 "
            "(the STATUS response names the mailbox)",
     "why": "Dovecot echoes the client's spelling of INBOX, skua names it "
            "INBOX; both name the same mailbox."},
    {"cmd": r"nothere|^(SELECT|EXAMINE) ",
     "sub": (r" nothere(?=[ )])", ""),
     "dovecot_extra": r"\* (FLAGS|OK \[PERMANENTFLAGS) .*",
     "rfc": "RFC 3501 7.2.6: FLAGS lists \"the flags that are applicable "
            "for this mailbox\"; 6.4.6 (-FLAGS removes flags) and 6.4.4 "
            "(KEYWORD) define no keyword",
     "why": "Dovecot adds a keyword to the mailbox's FLAGS and "
            "PERMANENTFLAGS when a client merely removes it (STORE -FLAGS) "
            "or searches for it (SEARCH KEYWORD), and announces it; skua "
            "defines a keyword only when a message gets it."},
    {"cmd": r"^STORE 1:\* FLAGS \(\)$",
     "skua_extra": r"\* \d+ FETCH \(FLAGS \(\)\)",
     "rfc": "RFC 3501 6.4.6: \"Normally, STORE will return the updated "
            "value of the data with an untagged FETCH response\"; FLAGS: "
            "\"The new value of the flags is returned as if a FETCH of "
            "those flags was done\"",
     "why": "Dovecot leaves out the FETCH of a message whose flags the "
            "STORE did not change; skua answers for every message named."},
    {"cmd": r"^STORE \d+ FLAGS$",
     "dovecot": r".*TAG OK", "skua": r"TAG BAD",
     "rfc": "RFC 3501 9: store-att-flags = ([\"+\" / \"-\"] \"FLAGS\" "
            "[\".SILENT\"]) SP (flag-list / (flag *(SP flag))): a flag list "
            "or at least one flag must follow",
     "why": "Dovecot takes a missing flag list as (); skua answers BAD."},
    {"cmd": r"SUBJECT \"?cre\"?$",
     "dovecot": r"\* SEARCH( \d+)+\nTAG OK", "skua": r"\* SEARCH\nTAG OK",
     "rfc": "RFC 3501 6.4.4: \"a message matches the key if the string is "
            "a substring of the field. The matching is case-insensitive.\"",
     "why": "Dovecot compares with i;unicode-casemap (RFC 5051, the "
            "comparator of RFC 5255's I18NLEVEL, which it does not "
            "announce): decomposed, \"cr\u00e8me\" holds \"cre\". skua "
            "matches case-insensitive substrings of the text as written; "
            "\"cre\" is not one of \"cr\u00e8me\"."},
    {"cmd": r"CHARSET",
     "dovecot": r"(\+\n)?TAG NO \[BADCHARSET\]",
     "skua": r"(\+\n)?TAG NO \[BADCHARSET \(US-ASCII UTF-8\)\]",
     "rfc": "RFC 3501 7.1: BADCHARSET is \"Optionally followed by a "
            "parenthesized list of charsets\"",
     "why": "For a charset it cannot convert, skua names the two it "
            "always takes; Dovecot names none."},
    {"cmd": r"BEFORE 32-Jan-2020",
     "dovecot": r"\* SEARCH.*\nTAG OK", "skua": r"TAG BAD",
     "rfc": "RFC 3501 9: date-day = 1*2DIGIT \"Day of month\"; 6: BAD "
            "for \"arguments invalid\"",
     "why": "Dovecot takes 32-Jan-2020 (as 1-Feb); skua refuses a day that "
            "no month has."},
    {"cmd": r"^SEARCH SAVEDON 32-Jan-2000$",
     "dovecot": r"\* SEARCH.*\nTAG OK", "skua": r"TAG BAD",
     "rfc": "RFC 8514 5: search-key =/ \"SAVEDON\" SP date; RFC 3501 9: "
            "date-day = 1*2DIGIT \"Day of month\"; 6: BAD for \"arguments "
            "invalid\"",
     "why": "As for BEFORE 32-Jan-2020: skua refuses a day no month has."},
    {"cmd": r"^FETCH 1:3 \(SAVEDATE\)$",
     "dovecot": r'(\* \d+ FETCH \(SAVEDATE "[^"]+"\)\n)+TAG OK',
     "skua": r'(\* \d+ FETCH \(SAVEDATE "[^"]+"\)\n)+TAG OK',
     "rfc": "RFC 8514 3: the save date is \"the date and time at which the "
            "message was saved in the mailbox it is now located in\" and "
            "\"MUST NOT change as long as the message is contained within "
            "the same mailbox\"",
     "why": "Dovecot takes a Maildir message's ctime when it first needs "
            "the save date and keeps it in its index cache (here: the time "
            "the test copied the Maildir); skua, which keeps no such cache, "
            "takes the delivery time that begins the Maildir base name "
            "(src/imap/objectid.c), which a flag change (a rename) leaves "
            "alone while it moves the ctime."},
    {"cmd": r"EMAILID|THREADID|MAILBOXID",
     "dovecot": r"TAG BAD", "skua": r"(\* .*\n)*TAG OK",
     "rfc": "RFC 8474 5.3, 6, 4.3: FETCH EMAILID and THREADID, SEARCH "
            "EMAILID and THREADID, STATUS MAILBOXID",
     "why": "Dovecot 2.3 has no OBJECTID (it does not advertise it) and "
            "answers BAD to its items; skua implements RFC 8474."},
    # --- CATENATE (RFC 4469), script "catenate" ---
    {"cmd": r"^APPEND Scratch CATENATE \(TEXT \{\d+\}<literal>\)$",
     "dovecot": r"\+\nTAG OK", "skua": r"\+\nTAG BAD",
     "rfc": "RFC 4469 5: text-literal = \"TEXT\" SP literal; RFC 3501 9: "
            "literal = \"{\" number \"}\" CRLF *CHAR8, CHAR8 = %x01-ff "
            "(no NUL); RFC 3516 4.4: data with NULs comes as literal8",
     "why": "A NUL in a TEXT {n} literal: Dovecot 2.3 drops the NUL and "
            "stores the rest; skua refuses the command as invalid, so "
            "that no byte of the client's is silently lost (a ~{n} TEXT "
            "part carries NULs)."},
    # --- NOTIFY (RFC 5465), script "notify" ---
    {"cmd": r"^NOTIFY SET (STATUS )?\((mailboxes|subtree|personal|inboxes|"
            r"selected)",
     "dovecot": r"TAG NO \[NOTIFICATIONOVERFLOW\]",
     "skua": r"(\* STATUS [^\n]*\n)*TAG OK",
     "rfc": "RFC 5465 3.1: \"If the notification would be prohibitively "
            "expensive for the server ..., the server MAY refuse the "
            "command with a tagged NO [NOTIFICATIONOVERFLOW] response\"",
     "why": "Dovecot 2.3 watches other mailboxes only through its mailbox "
            "list index, which this comparison turns off "
            "(mailbox_list_index = no, for LIST and STATUS to compare); it "
            "then refuses every NOTIFY SET naming mailboxes. With the index "
            "on it accepts them and sends the same initial STATUS as skua "
            "(MESSAGES UIDNEXT UIDVALIDITY UNSEEN, HIGHESTMODSEQ with "
            "FlagChange)."},
    {"cmd": r"^NOTIFY SET \(personal \(.*(Annotation|Metadata)",
     "dovecot": r"TAG NO \[BADEVENT \w+\]",
     "skua": r"TAG NO \[BADEVENT \(MessageNew MessageExpunge FlagChange "
             r"MailboxName SubscriptionChange\)\]",
     "rfc": "RFC 5465 3.1: the BADEVENT code \"MUST list names of all "
            "events supported by the server\"; 8: unsupported-events-code "
            "= \"BADEVENT\" SP \"(\" event-name *(SP event-name) \")\"",
     "why": "Dovecot 2.3 names the unsupported event, without parentheses; "
            "skua lists the events it supports, as the RFC says."},
    {"cmd": r"^NOTIFY SET \(selected \(MailboxName\)\)$",
     "dovecot": r"TAG OK", "skua": r"TAG BAD",
     "rfc": "RFC 5465 6.1: \"The mailbox specifiers only apply to "
            "<message-event>s. It is an error to specify other types of "
            "events with either the SELECTED or the SELECTED-DELAYED "
            "selector.\"",
     "why": "Dovecot 2.3 accepts a mailbox event for the selected mailbox; "
            "skua answers BAD."},
    {"cmd": r"^NOTIFY SET$",
     "dovecot": r"TAG OK", "skua": r"TAG BAD",
     "rfc": "RFC 5465 8: notify-set = \"SET\" [status-indicator] SP "
            "event-groups; event-groups = event-group *(SP event-group)",
     "why": "Dovecot 2.3 takes NOTIFY SET without event groups; skua "
            "answers BAD: at least one group is required (NOTIFY NONE "
            "turns events off)."},
    {"cmd": r"^STORE 1 \+FLAGS \(\\Flagged\)$",
     "dovecot": r"TAG OK",
     "skua": r"\* 1 FETCH \(FLAGS \(\\Flagged \\Seen\)\)\nTAG OK",
     "rfc": "RFC 3501 6.4.6: STORE without .SILENT: \"The server then "
            "returns the new value\" in an untagged FETCH (RFC 5465 does "
            "not change the answer to the client's own STORE)",
     "why": "script notify: after the NOTIFY SET (selected-delayed ...) it "
            "refused, Dovecot 2.3 answers this STORE without its FETCH; "
            "with the list index on (NOTIFY accepted) it sends the FETCH, "
            "as skua does in both cases."},
    {"cmd": r"^STORE 3 \+FLAGS \(\\Seen\) \(UNCHANGEDSINCE 1\)$",
     "dovecot": r"^\* 3 FETCH \(FLAGS \(\\Seen\) MODSEQ \(<MS>\)\)\nTAG OK$",
     "skua": r"^TAG OK \[MODIFIED 3\]$",
     "rfc": "RFC 7162 3.1.3: a message whose mod-sequence is above "
            "UNCHANGEDSINCE \"MUST NOT\" be changed and is named in "
            "MODIFIED; RFC 4466 2.5 puts the store-modifiers before the "
            "item, imapflow 1.x writes them after the flags",
     "why": "script modseq_result: Dovecot ignores a modifier after the "
            "flags and stores unconditionally; skua takes it where "
            "imapflow puts it and honours it (message 3 changed after "
            "MODSEQ 1)."},
    {"cmd": r"^FETCH 3 \(FLAGS\)$",
     "dovecot": r"^\* 3 FETCH \(FLAGS \(\\Seen\)\)\nTAG OK$",
     "skua": r"^\* 3 FETCH \(FLAGS \(\)\)\nTAG OK$",
     "rfc": "RFC 7162 3.1.3 (the entry above)",
     "why": "script modseq_result: the conditional STORE before it changed "
            "nothing on skua."},
]


# --- running as the mail user --------------------------------------------


def as_user():
    """subprocess arguments that make a child nobody when the test runs as
    root."""
    if os.getuid() != 0:
        return {"umask": 0o077}
    return {"user": NOBODY, "group": NOBODY, "extra_groups": [],
            "umask": 0o077}


def own_tree(top):
    if os.getuid() != 0:
        return
    os.lchown(top, NOBODY, NOBODY)
    for root, dirs, files in os.walk(top):
        for n in dirs + files:
            os.lchown(os.path.join(root, n), NOBODY, NOBODY)


def mail_ids():
    return (NOBODY, NOBODY) if os.getuid() == 0 else \
        (os.getuid(), os.getgid())


# --- the Maildir ----------------------------------------------------------

KEYWORDS = ["$Forwarded", "$Label1", "NonJunk"]     # a, b, c

# folder (wire name; "" is INBOX) -> on-disk directory name
FOLDERS = [
    ("", ""),
    ("Work", ".Work"),
    ("Work/Projects", ".Work.Projects"),
    ("Lists/dovecot", ".Lists.dovecot"),     # "Lists" exists only as parent
    ("Entw\u00fcrfe", ".Entw&APw-rfe"),
    ("Empty", ".Empty"),
]

# per folder: list of (info flags, in new/?) for its messages; UIDs
# start at FIRST_UID and skip every fourth, so that UIDs and sequence
# numbers differ
LAYOUT = {
    "": ["S", "RS", "", "FS", "aS", "bc", "Sb", "DS", "T", "ST", "FRS",
         "", "S", "ac", "S", "F", "RSa", "S", "", "TS", None, None, None],
    "Work": ["S", "S", "F", "", "RS", "T", "Sc", "S"],
    "Work/Projects": ["S", "", "FS", None],
    "Lists/dovecot": ["S", "S", "", "", "S"],
    "Entw\u00fcrfe": ["D", "DS"],
    "Empty": [],
}
UIDVALIDITY = {"": 1500000001, "Work": 1500000002,
               "Work/Projects": 1500000003, "Lists/dovecot": 1500000004,
               "Entw\u00fcrfe": 1500000005, "Empty": 1500000006}


def corpus():
    """Messages for the Maildir, in order: a deterministic selection of
    gen_corpus's shapes (plain texts in several charsets, Outlook, Gmail,
    Apple, related, mixed, forwards, digests, signed, calendar, RFC 2231,
    odd addresses, a few broken ones)."""
    out = gen_corpus.Gen(gen_corpus.SEED, small=True).run()
    pick = [m for i, m in enumerate(out) if i % 7 == 3]
    return pick


def make_maildir(md, msgs):
    n = 0
    for folder, disk in FOLDERS:
        d = os.path.join(md, disk) if disk else md
        for sub in ("cur", "new", "tmp"):
            os.makedirs(os.path.join(d, sub))
        if disk:
            open(os.path.join(d, "maildirfolder"), "w").close()
        # As Dovecot writes it: only the keywords the folder's messages
        # use, lettered in that order.
        used = sorted(set(c for info in LAYOUT[folder] if info
                          for c in info if c.islower()))
        letter = {c: chr(ord("a") + i) for i, c in enumerate(used)}
        if used:
            with open(os.path.join(d, "dovecot-keywords"), "w") as f:
                f.write("".join("%d %s\n" % (i, KEYWORDS[ord(c) - 97])
                                for i, c in enumerate(used)))
        lines, uid = [], 0
        for k, info in enumerate(LAYOUT[folder]):
            name, data = msgs[n % len(msgs)]
            n += 1
            t = BASE_TIME + n * 86400 + k * 3607
            base = "%d.M%dP%d.skuatest" % (t, 100000 + n, 4000 + n)
            if info is None:
                path = os.path.join(d, "new", base)
            else:
                info = "".join(letter.get(c, c) for c in info)
                path = os.path.join(d, "cur", base + ":2," + "".join(
                    sorted(info, key=lambda c: (c.islower(), c))))
                uid += 2 if k % 4 == 3 else 1
                lines.append("%d :%s\n" % (uid, base))
            with open(path, "wb") as f:
                f.write(data)
            os.utime(path, (t, t))
        with open(os.path.join(d, "dovecot-uidlist"), "w") as f:
            f.write("3 V%d N%d G%032x\n" % (UIDVALIDITY[folder], uid + 1,
                                           0x5c0a0000 + n) + "".join(lines))
    return md


# --- IMAP responses --------------------------------------------------------


class Closed(Exception):
    pass


class Lit:
    """A literal in a command: sync waits for the continuation request."""

    def __init__(self, data, sync=True):
        self.data = data
        self.sync = sync


class Raw:
    """Bytes sent as they are (for malformed lines); a NOOP follows so that
    the reader knows where the answer ends."""

    def __init__(self, data):
        self.data = data


class Server:
    """One preauthenticated IMAP process on pipes."""

    def __init__(self, name, argv, env, cwd):
        self.name = name
        self.err = open(os.path.join(cwd, name + ".log"), "ab")
        self.p = subprocess.Popen(argv, stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, stderr=self.err,
                                  env=env, cwd=cwd, **as_user())
        self.buf = b""
        self.sel = selectors.DefaultSelector()
        self.sel.register(self.p.stdout, selectors.EVENT_READ)
        self.closed = False
        self.greeting = self.read_response(time.time() + TIMEOUT)

    def _fill(self, deadline):
        left = deadline - time.time()
        if left <= 0 or not self.sel.select(left):
            raise Closed("no answer in %ds" % TIMEOUT)
        chunk = os.read(self.p.stdout.fileno(), 65536)
        if not chunk:
            self.closed = True
            raise Closed("connection closed")
        self.buf += chunk

    def read_response(self, deadline):
        """One response: the line with its literals, without the final
        CRLF, literals kept as {n}CRLF<bytes>."""
        out = b""
        while True:
            while b"\r\n" not in self.buf:
                self._fill(deadline)
            line, self.buf = self.buf.split(b"\r\n", 1)
            m = re.search(rb"\{(\d+)\}$", line)
            if not m:
                return out + line
            n = int(m.group(1))
            while len(self.buf) < n:
                self._fill(deadline)
            out += line + b"\r\n" + self.buf[:n]
            self.buf = self.buf[n:]

    def send(self, data):
        try:
            self.p.stdin.write(data)
            self.p.stdin.flush()
        except OSError:
            self.closed = True
            raise Closed("connection closed")

    def until_tag(self, tag, out, deadline):
        while True:
            r = self.read_response(deadline)
            out.append(r)
            if r.startswith(tag + b" "):
                return

    def command(self, tag, cmd):
        """Runs one command (str, Lit or Raw pieces in a list); returns the
        list of responses, ending with the tagged one (or with a line that
        says the connection closed)."""
        tag = tag.encode()
        out = []
        deadline = time.time() + TIMEOUT
        if self.closed:
            return [b"<connection closed>"]
        try:
            if isinstance(cmd, Raw):
                self.send(cmd.data + tag + b" NOOP\r\n")
                self.until_tag(tag, out, deadline)
                return out
            pieces = cmd if isinstance(cmd, list) else [cmd]
            data = tag + b" "
            for p in pieces:
                if isinstance(p, str):
                    data += p.encode("utf-8")
                    continue
                if not p.sync:
                    data += b"{%d+}\r\n" % len(p.data) + p.data
                    continue
                self.send(data + b"{%d}\r\n" % len(p.data))
                data = b""
                r = self.read_response(deadline)
                out.append(r)
                if not r.startswith(b"+"):
                    if r.startswith(tag + b" "):
                        return out
                    self.until_tag(tag, out, deadline)
                    return out
                data = p.data
            self.send(data + b"\r\n")
            self.until_tag(tag, out, deadline)
        except Closed as e:
            # What the server said before it went (a BYE) may still be in
            # the pipe when writing to it failed.
            try:
                while True:
                    out.append(self.read_response(time.time() + 2))
            except Closed:
                pass
            out.append(("<%s>" % e).encode())
        return out

    def close(self):
        try:
            self.p.stdin.close()
        except OSError:
            pass
        try:
            self.p.wait(5)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()
        self.sel.close()
        self.p.stdout.close()
        self.err.close()


# --- normalization -----------------------------------------------------------


class Str(bytes):
    """A string (quoted or literal) as opposed to an atom."""


class Str8(Str):
    """A literal8 (RFC 3516 4.3) whose bytes hold a NUL."""


def tokens(data, i=0, end=None):
    """Parses IMAP values from data[i:] up to a ')' (or ']' when end says
    so) or the end. Returns (list, i): Str for strings, str for atoms,
    list for parenthesized lists."""
    out = []
    n = len(data)
    while i < n:
        c = data[i:i + 1]
        if c == b" ":
            i += 1
        elif c == b"(":
            sub, i = tokens(data, i + 1)
            out.append(sub)
        elif c == b")" or (end and c == end):
            return out, i + 1
        elif c == b'"':
            j, s = i + 1, bytearray()
            while j < n and data[j:j + 1] != b'"':
                if data[j:j + 1] == b"\\":
                    j += 1
                s += data[j:j + 1]
                j += 1
            out.append(Str(bytes(s)))
            i = j + 1
        elif c == b"{" and re.match(rb"\{\d+\}\r\n", data[i:]):
            m = re.match(rb"\{(\d+)\}\r\n", data[i:])
            k = int(m.group(1))
            j = i + m.end()
            out.append(Str(data[j:j + k]))
            i = j + k
        elif c == b"~" and re.match(rb"~\{\d+\}\r\n", data[i:]):
            m = re.match(rb"~\{(\d+)\}\r\n", data[i:])
            k = int(m.group(1))
            j = i + m.end()
            v = data[j:j + k]
            out.append(Str8(v) if b"\0" in v else Str(v))
            i = j + k
        else:
            j = i
            while j < n and data[j:j + 1] not in (b" ", b"(", b")") and \
                    not (end and data[j:j + 1] == end):
                if data[j:j + 1] == b"[":       # BODY[...]: to the ']'
                    k = data.find(b"]", j)
                    j = k if k > 0 else n
                j += 1
            out.append(data[i:j].decode("utf-8", "replace"))
            i = j
    return out, i


def render(v):
    if isinstance(v, list):
        return "(" + " ".join(render(x) for x in v) + ")"
    if isinstance(v, Str8):
        return "~" + render(Str(v))
    if isinstance(v, Str):
        return '"' + v.decode("utf-8", "backslashreplace").replace(
            "\\", "\\\\").replace('"', '\\"').replace("\r", "\\r").replace(
            "\n", "\\n") + '"'
    return v


def as_str(v):
    """A mailbox name or other astring: atom or string, by value."""
    if isinstance(v, str) and not isinstance(v, Str):
        return Str(v.encode())
    return v


def flag_list(v):
    if isinstance(v, list):
        return sorted(v, key=lambda f: str(f).lower())
    return v


DROPPED_CODES = {"CAPABILITY", "APPENDUID", "COPYUID", "CLOSED", "MAILBOXID"}
# RFC 7162: MODSEQ values are the server's own (Dovecot counts from 1 per
# change, skua's skua.index from its high-water mark); that one is there,
# not its number, is compared: HIGHESTMODSEQ and MODIFIED codes, FETCH
# MODSEQ, SEARCH "(MODSEQ n)" and ESEARCH "MODSEQ n" become <MS>.
MODSEQ_TOKEN = "<MS>"
STATUS_WORDS = {"OK", "NO", "BAD", "BYE", "PREAUTH"}
MONTHS = {m: i for i, m in enumerate(
    "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split(), 1)}


class Normalizer:
    """Per server: the UIDVALIDITY tokens it has handed out."""

    def __init__(self, t0):
        self.uv = {}
        self.t0 = t0

    def uidvalidity(self, v):
        if v not in self.uv:
            self.uv[v] = "<UV%d>" % (len(self.uv) + 1)
        return self.uv[v]

    def date(self, v):
        m = re.match(rb"\s?(\d+)-(\w{3})-(\d{4}) (\d\d):(\d\d):(\d\d) "
                     rb"([-+])(\d\d)(\d\d)$", v)
        if not m:
            return v
        import calendar
        t = calendar.timegm((int(m.group(3)),
                             MONTHS.get(m.group(2).decode(), 0),
                             int(m.group(1)), int(m.group(4)),
                             int(m.group(5)), int(m.group(6))))
        off = (int(m.group(8)) * 60 + int(m.group(9))) * 60
        t -= off if m.group(7) == b"+" else -off
        if abs(t - self.t0) < RUN_WINDOW:
            return Str(b"<NOW>")
        return v

    def status(self, who, word, rest):
        """who: "*" or "TAG"; the text after the status word."""
        out = "%s %s" % (who, word)
        if rest.startswith(b"["):
            toks, _ = tokens(rest, 1, end=b"]")
            if toks:
                name = str(toks[0]).upper()
                args = toks[1:]
                if name in DROPPED_CODES:
                    return out
                if name == "PERMANENTFLAGS" and args:
                    args = [flag_list(args[0])] + args[1:]
                if name == "UIDVALIDITY" and args:
                    args = [self.uidvalidity(args[0])]
                if name == "HIGHESTMODSEQ" and args:
                    args = [MODSEQ_TOKEN]
                out += " [" + " ".join([name] + [render(a) for a in args]) \
                    + "]"
        return out

    def fetch(self, items):
        pairs = []
        for k in range(0, len(items) - 1, 2):
            name, v = str(items[k]).upper(), items[k + 1]
            if name == "FLAGS":
                v = flag_list(v)
            elif name == "INTERNALDATE" and isinstance(v, Str):
                v = self.date(v)
            elif name == "MODSEQ":
                v = [MODSEQ_TOKEN]
            pairs.append((name, render(v)))
        if len(items) % 2:
            pairs.append(("?", render(items[-1])))
        pairs.sort()
        return "(" + " ".join("%s %s" % p for p in pairs) + ")"

    def response(self, r):
        """One response as a normalized line, or None to drop it."""
        if r.startswith(b"+"):
            return "+"
        if r.startswith(b"<"):
            return r.decode()
        who, _, rest = r.partition(b" ")
        who = "*" if who == b"*" else "TAG"
        word, _, rest = rest.partition(b" ")
        uword = word.decode("utf-8", "replace").upper()
        if who == "*" and uword == "OK" and \
                rest.upper().startswith(b"[MAILBOXID "):
            return None         # OBJECTID: Dovecot 2.3 has none
        if who == "*" and uword == "OK" and \
                rest.upper().startswith(b"[URLMECH "):
            return None         # URLAUTH: off in the private Dovecot
        if uword in STATUS_WORDS:
            return self.status(who, uword, rest)
        if who == "TAG":
            return "TAG " + r.decode("utf-8", "replace")
        if uword == "CAPABILITY":
            caps = rest.upper().split()
            return "* CAPABILITY%s" % (" IMAP4rev1" if b"IMAP4REV1" in caps
                                       else "")
        toks, _ = tokens(rest)
        if uword == "FLAGS" and toks:
            return "* FLAGS " + render(flag_list(toks[0]))
        if uword in ("LIST", "LSUB") and len(toks) >= 3:
            return "* %s %s %s %s" % (uword, render(flag_list(toks[0])),
                                      render(as_str(toks[1])),
                                      render(as_str(toks[2])))
        if uword == "STATUS" and len(toks) >= 2 and \
                isinstance(toks[1], list):
            it = toks[1]
            pairs = []
            for k in range(0, len(it) - 1, 2):
                v = it[k + 1]
                if str(it[k]).upper() == "UIDVALIDITY":
                    v = self.uidvalidity(v)
                if str(it[k]).upper() == "HIGHESTMODSEQ":
                    v = MODSEQ_TOKEN
                pairs.append("%s %s" % (str(it[k]).upper(), v))
            return "* STATUS %s (%s)" % (render(as_str(toks[0])),
                                         " ".join(sorted(pairs)))
        if uword == "SEARCH":
            nums = sorted(int(x) for x in toks if str(x).isdigit())
            ms = " (MODSEQ %s)" % MODSEQ_TOKEN \
                if any(isinstance(x, list) for x in toks) else ""
            return "* SEARCH" + "".join(" %d" % x for x in nums) + ms
        if word.isdigit() and toks:
            what = str(toks[0]).upper()
            if what == "FETCH" and len(toks) >= 2 and \
                    isinstance(toks[1], list):
                return "* %s FETCH %s" % (word.decode(),
                                          self.fetch(toks[1]))
            return "* %s %s" % (word.decode(), " ".join(
                render(t) for t in toks))
        if uword == "ESEARCH":
            # The MODSEQ result option (RFC 4731 3.2): its number is the
            # server's own, as in FETCH.
            toks = [MODSEQ_TOKEN if k > 0 and str(toks[k - 1]).upper() ==
                    "MODSEQ" else t for k, t in enumerate(toks)]
        return "* %s %s" % (uword, " ".join(render(t) for t in toks))

    def all(self, responses):
        lines = [self.response(r) for r in responses]
        lines = [l for l in lines if l is not None]
        plus = [l for l in lines if l == "+"]
        tagged = [l for l in lines if not l.startswith("* ") and l != "+"]
        untagged = [l for l in lines if l.startswith("* ")]

        def key(l):
            m = re.match(r"\* (\d+) (\w+)", l)
            if m and m.group(2) == "EXPUNGE":
                return (1, 0, "")
            if m:
                return (2, int(m.group(1)), l)
            return (0, 0, l)
        untagged.sort(key=key)
        return plus + untagged + tagged


# --- the two servers ---------------------------------------------------------


def dovecot_config(tmp, md):
    uid, gid = mail_ids()
    return "\n".join([
        "# private Dovecot for tests/session/diff_dovecot.py",
        "mail_location = maildir:%s:LAYOUT=maildir++" % md,
        "namespace inbox {",
        "  separator = /",
        "  inbox = yes",
        "}",
        "log_path = /dev/stderr",
        "info_log_path = /dev/null",
        "ssl = no",
        "base_dir = %s/run" % tmp,
        "state_dir = %s/state" % tmp,
        "mail_uid = %d" % uid,
        "mail_gid = %d" % gid,
        "first_valid_uid = 1",
        "first_valid_gid = %d" % min(gid, 1),
        "mail_fsync = never",
        "mailbox_list_index = no",
        # QUOTA (s_quota): the Maildir++ maildirsize, one root named as
        # skua names it; limits come from maildirsize, as in skua.
        "mail_plugins = quota",
        "protocol imap {",
        "  mail_plugins = $mail_plugins imap_quota",
        "}",
        "plugin {",
        "  quota = maildir:User quota",
        "}",
        ""])


def skua_config(md):
    return "\n".join([
        "# skua for tests/session/diff_dovecot.py",
        "maildir = %s" % md,
        "special_folders =",
        "namespace_separator = /",
        "folder_names_on_disk = mutf7",
        ""])


class World:
    def __init__(self, tmp, build, msgs):
        self.tmp = tmp
        os.makedirs(tmp)
        self.rimapd = os.path.abspath(os.path.join(build, "rimapd"))
        self.dtmp = os.path.join(tmp, "dovecot")
        self.stmp = os.path.join(tmp, "skua")
        for d in (self.dtmp, self.stmp):
            os.makedirs(d)
            make_maildir(os.path.join(d, "Maildir"), msgs)
        with open(os.path.join(self.dtmp, "dovecot.conf"), "w") as f:
            f.write(dovecot_config(self.dtmp,
                                   os.path.join(self.dtmp, "Maildir")))
        with open(os.path.join(self.stmp, "imapd.conf"), "w") as f:
            f.write(skua_config(os.path.join(self.stmp, "Maildir")))
        uid, gid = mail_ids()
        with open(os.path.join(tmp, "passwd"), "w") as f:
            f.write("skuatest:x:%d:%d:skuatest:%s:/bin/sh\n"
                    % (uid, gid, self.stmp))
        with open(os.path.join(tmp, "group"), "w") as f:
            f.write("skuatest:x:%d:\n" % gid)
        own_tree(tmp)
        os.chmod(tmp, 0o755)
        os.chmod(os.path.dirname(tmp), 0o755)

    def env(self):
        env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "TZ": "UTC",
               "LANG": "C", "USER": "skuatest"}
        # make check-asan's settings: where a report goes, and no
        # RTLD_DEEPBIND in nss_wrapper, which libasan refuses.
        for k in ("ASAN_OPTIONS", "UBSAN_OPTIONS",
                  "NSS_WRAPPER_DISABLE_DEEPBIND"):
            if k in os.environ:
                env[k] = os.environ[k]
        return env

    def dovecot(self):
        env = self.env()
        env["HOME"] = self.dtmp
        return Server("dovecot", [DOVECOT_IMAP, "-c",
                                  os.path.join(self.dtmp, "dovecot.conf")],
                      env, self.dtmp)

    def skua(self):
        env = self.env()
        env["HOME"] = self.stmp
        if NSS_WRAPPER:
            env["LD_PRELOAD"] = NSS_WRAPPER
            env["NSS_WRAPPER_PASSWD"] = os.path.join(self.tmp, "passwd")
            env["NSS_WRAPPER_GROUP"] = os.path.join(self.tmp, "group")
        return Server("skua", [self.rimapd, "-F", "-c",
                               os.path.join(self.stmp, "imapd.conf")],
                      env, self.stmp)


# --- comparing -----------------------------------------------------------------


def known(cmd, dlines, slines):
    """The KNOWN_DIFFERENCES entry that explains the mismatch, or None."""
    d, s = "\n".join(dlines), "\n".join(slines)
    for k in KNOWN_DIFFERENCES:
        if not re.search(k["cmd"], cmd):
            continue
        if "sub" in k or "skua_extra" in k or "dovecot_extra" in k:
            # Dovecot's answer with the difference taken out must be
            # skua's exactly.
            dl, sl = list(dlines), list(slines)
            if "sub" in k:
                dl = [re.sub(k["sub"][0], k["sub"][1], l) for l in dl]
            if "dovecot_extra" in k:
                dl = [l for l in dl if l in sl or
                      not re.fullmatch(k["dovecot_extra"], l)]
            if "skua_extra" in k:
                sl = [l for l in sl if l in dl or
                      not re.fullmatch(k["skua_extra"], l)]
            if dl == sl:
                return k
            continue
        if re.fullmatch(k["dovecot"], d, re.S) and \
                re.fullmatch(k["skua"], s, re.S):
            return k
    return None


def show_cmd(cmd):
    if isinstance(cmd, Raw):
        return "RAW %r" % cmd.data
    pieces = cmd if isinstance(cmd, list) else [cmd]
    return "".join(p if isinstance(p, str) else "{%d%s}<literal>" % (
        len(p.data), "" if p.sync else "+") for p in pieces)


def diff_lines(a, b):
    import difflib
    return list(difflib.unified_diff(a, b, "dovecot", "skua", lineterm="",
                                     n=2))[2:]


def run_script(world, name, script, t0, verbose, raw, counts):
    dc, sk = world.dovecot(), world.skua()
    nd, ns = Normalizer(t0), Normalizer(t0)
    try:
        g = [nd.all([dc.greeting]), ns.all([sk.greeting])]
        ok = all(x and x[0].startswith("* PREAUTH") for x in g)
        counts["pass" if ok else "fail"] += 1
        if not ok:
            print("FAIL %s: greeting: dovecot %r, skua %r" % (
                name, dc.greeting, sk.greeting))
        for n, cmd in enumerate(script, 1):
            tag = "%s%d" % (name[:1], n)
            text = show_cmd(cmd)
            draw, sraw = dc.command(tag, cmd), sk.command(tag, cmd)
            dl, sl = nd.all(draw), ns.all(sraw)
            if dl == sl:
                counts["pass"] += 1
                counts["responses"] += len(dl)
                if verbose:
                    print("ok   %s %s" % (name, text))
                    for l in dl:
                        print("       " + l[:200])
                continue
            k = known(text, dl, sl)
            if k:
                counts["pass"] += 1
                counts["known"] += 1
                if verbose:
                    print("known %s %s: %s" % (name, text, k["why"]))
                continue
            counts["fail"] += 1
            print("FAIL %s #%d: %s" % (name, n, text))
            for l in diff_lines(dl, sl):
                print("    " + l[:300])
            if raw:
                for who, rr in (("dovecot", draw), ("skua", sraw)):
                    for r in rr:
                        print("    %-7s %r" % (who, r[:300]))
    finally:
        dc.close()
        sk.close()
    for srv in ("dovecot", "skua"):
        path = os.path.join(world.dtmp if srv == "dovecot" else world.stmp,
                            srv + ".log")
        with open(path, "rb") as f:
            log = f.read().decode("utf-8", "replace")
        if srv == "dovecot":
            bad = [l for l in log.splitlines() if "Error" in l or
                   "Panic" in l or "Fatal" in l]
        else:
            bad = [l for l in log.splitlines() if re.search(
                r"\b(error|fatal|panic|assert)", l, re.I)]
        if bad:
            counts["fail"] += 1
            print("FAIL %s: %s log:" % (name, srv))
            for l in bad[:10]:
                print("    " + l)
        open(path, "wb").close()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default="build")
    ap.add_argument("--keep", action="store_true",
                    help="keep the temporary directory")
    ap.add_argument("--only", help="only scripts whose name contains this")
    ap.add_argument("-v", "--verbose", action="store_true")
    ap.add_argument("--raw", action="store_true",
                    help="print both sides' raw responses on a mismatch")
    args = ap.parse_args()
    t0 = time.time()
    if not os.access(DOVECOT_IMAP, os.X_OK):
        print("session-diff: SKIP: Dovecot not installed (%s missing; "
              "apt-get install dovecot-imapd)" % DOVECOT_IMAP)
        return 0
    rimapd = os.path.join(args.build, "rimapd")
    if not os.access(rimapd, os.X_OK):
        print("session-diff: %s is not built" % rimapd)
        print("session-diff: 0 passed, 1 failed")
        return 1
    # As root the directory goes to nobody, who must be able to reach it.
    tmp = tempfile.mkdtemp(prefix="skua-sessdiff-",
                           dir="/tmp" if os.getuid() == 0 else None)
    counts = {"pass": 0, "fail": 0, "known": 0, "responses": 0}
    try:
        msgs = corpus()
        for name, script in SCRIPTS:
            if args.only and args.only not in name:
                continue
            # Each script starts from the same two fresh copies, so that
            # a difference does not spread into the next script.
            world = World(os.path.join(tmp, name), args.build, msgs)
            run_script(world, name, script(), t0, args.verbose,
                       args.raw, counts)
    finally:
        if args.keep:
            print("session-diff: kept %s" % tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    print("session-diff: %d responses compared, %d known differences, "
          "%.1fs" % (counts["responses"], counts["known"], time.time() - t0))
    print("session-diff: %d passed, %d failed" % (counts["pass"],
                                                  counts["fail"]))
    return 1 if counts["fail"] else 0


# --- the scripts -------------------------------------------------------------


def s_select():
    """SELECT/EXAMINE and every response they give; state errors; CHECK,
    CLOSE, NOOP in each state."""
    return [
        "CAPABILITY",
        "NOOP",
        "CHECK",                        # BAD: not selected
        "CLOSE",
        "EXPUNGE",
        "FETCH 1 FLAGS",
        "SELECT INBOX",
        "NOOP",
        "CHECK",
        "EXAMINE INBOX",
        "EXPUNGE",                      # NO: read-only
        "STORE 1 +FLAGS (\\Flagged)",
        "CHECK",
        "SELECT Work",
        "SELECT Work/Projects",
        "SELECT \"Work/Projects\"",
        "EXAMINE Empty",
        "SELECT Entw&APw-rfe",
        "SELECT inbox",
        "SELECT iNbOx",
        "SELECT Nonexistent",
        "NOOP",                         # no longer selected
        "SELECT Lists",                 # \\Noselect parent
        "SELECT Lists/dovecot",
        "SELECT work",                  # names other than INBOX keep case
        "SELECT",                       # BAD
        "SELECT INBOX",
        "SELECT INBOX extra",
        "SELECT INBOX",
        "SELECT \"\"",
        "SELECT Work/",
        "SELECT /Work",
        "SELECT Work//Projects",
        "EXAMINE Work",
        "CLOSE",
        "CLOSE",
        ["SELECT ", Lit(b"INBOX")],             # a literal mailbox name
        "CLOSE",
        "LOGOUT",
    ]


def s_fetch():
    """FETCH: every data item and macro, BODY[] setting \\Seen, sections,
    partials, UID FETCH, sequence sets, errors."""
    cmds = ["SELECT INBOX"]
    for item in ["FLAGS", "UID", "INTERNALDATE", "RFC822.SIZE",
                 "ENVELOPE", "BODY", "BODYSTRUCTURE", "ALL", "FAST", "FULL",
                 "RFC822.HEADER", "BODY.PEEK[]", "BODY.PEEK[HEADER]",
                 "BODY.PEEK[TEXT]", "BODY.PEEK[1]", "BODY.PEEK[1.MIME]",
                 "BODY.PEEK[HEADER.FIELDS (From Subject)]",
                 "BODY.PEEK[HEADER.FIELDS.NOT (Received Message-ID)]",
                 "BODY.PEEK[]<0.40>", "BODY.PEEK[TEXT]<10.20>",
                 "(UID FLAGS RFC822.SIZE)"]:
        cmds.append("FETCH 1:* %s" % item)
    cmds += [
        "FETCH 3 BODY[]",                       # sets \\Seen
        "FETCH 3 FLAGS",
        "FETCH 6 RFC822",                       # sets \\Seen
        "FETCH 12 RFC822.TEXT",                 # sets \\Seen
        "FETCH 19 BODY[HEADER]",                # sets \\Seen
        "FETCH 1:* FLAGS",
        "FETCH 2 (BODY[1] BODY[1.MIME] BODY[2] BODY[2.MIME])",
        "FETCH 2 (BODY.PEEK[1.1] BODY.PEEK[1.2] BODY.PEEK[3])",
        "FETCH 2 BODY.PEEK[99]",
        "FETCH 2 BODY.PEEK[1.HEADER]",
        "FETCH 4 (BODY.PEEK[]<0.0> BODY.PEEK[]<100000.10>)",
        "FETCH 4 BODY.PEEK[]<5.1>",
        "FETCH 4 BODY.PEEK[HEADER.FIELDS (NOTHERE)]",
        "FETCH 4 BODY.PEEK[HEADER.FIELDS (\"From\" X-None)]",
        ["FETCH 4 BODY.PEEK[HEADER.FIELDS (From ", Lit(b"Subject"), ")]"],
        "FETCH 5 (ENVELOPE BODYSTRUCTURE INTERNALDATE)",
        "FETCH 5,7,9:10 (FLAGS UID)",
        "FETCH 10:5 FLAGS",
        "FETCH * FLAGS",
        "FETCH *:20 UID",
        "FETCH 1,1,1 UID",
        "FETCH 23 UID",
        "FETCH 24 UID",                          # BAD: beyond the end
        "FETCH 0 UID",
        "FETCH 1:100 UID",
        "FETCH 1 (FLAGS",
        "FETCH 1 FOO",
        "FETCH 1 RFC822.PEEK",
        "FETCH 1 BODY[HEADER.FIELDS]",
        "FETCH 1 BODY[MIME]",
        "FETCH 1 BODY[0]",
        "FETCH 1 BODY[1.0]",
        "FETCH 1 BODY[]<1.2.3>",
        "FETCH 1 BODY[]<-1.2>",
        "FETCH 1 BODY[] extra",
        "FETCH 1 ()",
        "FETCH x FLAGS",
        "FETCH 1",
        "FETCH",
        "FETCH 1 ALL FLAGS",
        "FETCH 1 (ALL)",
        "UID FETCH 1:* FLAGS",
        "UID FETCH * FLAGS",
        "UID FETCH 2:4 FLAGS",
        "UID FETCH 4:2 FLAGS",
        "UID FETCH 1000:2000 FLAGS",
        "UID FETCH 1000 FLAGS",
        "UID FETCH 1000:* FLAGS",
        "UID FETCH 4 (BODY[TEXT]<0.30>)",
        "UID FETCH 5 RFC822.SIZE",
        "UID FETCH 0 FLAGS",
        "UID FETCH 0:1 UID",
        "uid fetch 1 flags",
        "UID FETCH x FLAGS",
        "UID NOSUCH 1",
        "FETCH 1:* FLAGS",
    ]
    return cmds


def s_store():
    """STORE in all its forms, .SILENT, keywords, UID STORE, errors."""
    return [
        "SELECT Work",
        "STORE 1 FLAGS (\\Seen \\Flagged)",
        "STORE 1 +FLAGS (\\Answered)",
        "STORE 1 -FLAGS (\\Seen)",
        "STORE 1 FLAGS.SILENT (\\Draft)",
        "STORE 1 +FLAGS.SILENT (\\Seen)",
        "STORE 1 -FLAGS.SILENT (\\Draft)",
        "FETCH 1 FLAGS",
        "STORE 2:4 +FLAGS \\Deleted",
        "STORE 2:4 -FLAGS (\\Deleted \\Seen)",
        "STORE 1:* +FLAGS.SILENT (\\Flagged)",
        "FETCH 1:* FLAGS",
        "STORE 1:* -FLAGS (\\Flagged)",
        "STORE 5 +FLAGS (NonJunk)",             # known keyword
        "STORE 5 +FLAGS ($Important)",          # a new keyword: FLAGS
        "STORE 6 +FLAGS.SILENT (Another)",
        "FETCH 5:6 FLAGS",
        "STORE 5 -FLAGS (NonJunk $Important nothere)",
        "STORE 5 FLAGS ()",
        "STORE 5 FLAGS (\\seen \\FLAGGED)",       # flags are not case-
        "STORE 5 FLAGS (nonjunk)",                # sensitive (2.3.2)
        "STORE 5 +FLAGS (\\Recent)",
        "STORE 5 +FLAGS (\\Bogus)",
        "STORE 5 +FLAGS (\\*)",
        "STORE 5 +FLAGS (a(b)",
        "STORE 5 +FLAGS (\"quoted\")",
        "STORE 5 FLAGS",
        "STORE 5 FLAGZ (\\Seen)",
        "STORE 5 +FLAGS.NOISY (\\Seen)",
        "STORE 5 (\\Seen)",
        "STORE 99 +FLAGS (\\Seen)",
        "STORE 0 +FLAGS (\\Seen)",
        "STORE 1:* FLAGS ()",
        "UID STORE 1:* +FLAGS (\\Seen)",
        "UID STORE 3,5 -FLAGS (\\Seen)",
        "UID STORE 3:5 FLAGS.SILENT (\\Answered)",
        "UID STORE 1000:2000 +FLAGS (\\Seen)",
        "UID STORE 1000 +FLAGS (\\Seen)",
        "UID STORE * +FLAGS (\\Flagged)",
        "UID FETCH 1:* FLAGS",
        "FETCH 1:* FLAGS",
        "STORE 2 +FLAGS (\\Deleted)",
        "NOOP",
        "SELECT Work",
        "EXAMINE Work",
        "STORE 1 +FLAGS.SILENT (\\Seen)",
        "FETCH 1:* (FLAGS)",
        "CLOSE",
        "STORE 1 +FLAGS (\\Seen)",
    ]


SEARCH_KEYS = [
    "ALL", "ANSWERED", "UNANSWERED", "DELETED", "UNDELETED", "DRAFT",
    "UNDRAFT", "FLAGGED", "UNFLAGGED", "NEW", "OLD", "RECENT", "SEEN",
    "UNSEEN", "KEYWORD $Forwarded", "KEYWORD NonJunk", "KEYWORD nonjunk",
    "KEYWORD nothere", "UNKEYWORD $Label1", "UNKEYWORD nothere",
    "BCC example", "CC a", "FROM example", "FROM \"\"", "TO .com",
    "SUBJECT rep", "SUBJECT \"\"", "SUBJECT cre", "SUBJECT CAF\u00c9", "BODY the", "BODY zzzznotthere",
    "TEXT hello", "TEXT Content-Type", "HEADER Message-ID \"\"",
    "HEADER Content-Type multipart", "HEADER X-Nothere \"\"",
    "HEADER subject REP", "BEFORE 1-Jan-2024", "BEFORE 20-Nov-2023",
    "ON 20-Nov-2023", "ON 5-Dec-2023", "SINCE 5-Dec-2023",
    "SINCE 1-Jan-1990", "SENTBEFORE 1-Jan-2010", "SENTON 1-Jan-2010",
    "SENTSINCE 1-Jan-2010", "SENTSINCE 1-Jan-2030",
    "LARGER 1000", "LARGER 0", "SMALLER 1000", "SMALLER 0",
    "UID 1:5", "UID 1000:*", "UID *", "1:5", "*", "2,4,6:8", "5:2",
    "NOT SEEN", "NOT NOT SEEN", "OR SEEN FLAGGED",
    "OR (SEEN FLAGGED) (DELETED ANSWERED)", "(SEEN) (UNFLAGGED)",
    "((((SEEN))))", "OR OR SEEN FLAGGED DELETED", "SEEN NOT FLAGGED 3:*",
    "NOT (SEEN OR FLAGGED DELETED)", "UID 1:* NOT UID 3",
    "CHARSET US-ASCII SUBJECT stat", "CHARSET UTF-8 BODY \"\"",
    "CHARSET utf-8 SUBJECT caf\u00e9", "CHARSET ISO-8859-1 FROM a",
    "CHARSET X-NOTACHARSET FROM a", "CHARSET", "CHARSET UTF-8",
    "FOO", "", "SEEN)", "(SEEN", "OR SEEN", "NOT", "BEFORE 32-Jan-2020",
    "BEFORE 1-Jam-2020", "BEFORE 2020-01-01", "SINCE \"1-Jan-2020\"",
    "LARGER x", "LARGER -1", "LARGER 99999999999999999999", "UID",
    "UID x", "KEYWORD", "KEYWORD \\Seen", "HEADER Subject", "0",
    "99", "1:99", "SEEN SEEN SEEN", "ALL ALL",
]


def s_search():
    """SEARCH and UID SEARCH: every key, OR/NOT/parentheses, sequence
    sets, CHARSET and BADCHARSET, syntax errors."""
    cmds = ["SELECT INBOX",
            "STORE 4 +FLAGS.SILENT (\\Deleted)"]
    for k in SEARCH_KEYS:
        cmds.append("SEARCH " + k if k else "SEARCH")
    for k in SEARCH_KEYS[::3]:
        cmds.append("UID SEARCH " + k if k else "UID SEARCH")
    cmds += [
        ["SEARCH CHARSET UTF-8 SUBJECT ", Lit("caf\u00e9".encode())],
        ["SEARCH CHARSET UTF-8 BODY ", Lit("\u00fc".encode())],
        ["SEARCH CHARSET ISO-8859-1 SUBJECT ", Lit(b"\xe9")],
        ["SEARCH CHARSET BOGUS SUBJECT ", Lit(b"\xe9")],
        "search seen",
        "Search Or Seen Flagged",
        "STORE 4 -FLAGS.SILENT (\\Deleted)",
    ]
    return cmds


def s_esearch():
    """ESEARCH (RFC 4731), SEARCHRES (RFC 5182), WITHIN (RFC 5032),
    SAVEDATE (RFC 8514) and OBJECTID (RFC 8474, which Dovecot 2.3 lacks:
    KNOWN_DIFFERENCES)."""
    return [
        "SELECT INBOX",
        "SEARCH RETURN (MIN COUNT) FLAGGED SINCE 1-Feb-1994 NOT FROM Smith",
        "SEARCH RETURN () SEEN",
        "SEARCH RETURN (ALL) UNSEEN",
        "SEARCH RETURN (MIN) UNSEEN",
        "UID SEARCH RETURN (MIN MAX) 1:5000",
        "SEARCH RETURN (COUNT) DELETED",
        "SEARCH RETURN (MIN MAX ALL COUNT) ALL",
        "UID SEARCH RETURN (ALL COUNT) NOT SEEN",
        "SEARCH RETURN (MIN MAX ALL) KEYWORD nothere",
        "SEARCH RETURN (COUNT) KEYWORD nothere",
        "search return (min max) charset UTF-8 all",
        "SEARCH RETURN (FOO) ALL",
        "SEARCH RETURN ALL 1",
        "SEARCH RETURN (MIN)",
        "SEARCH RETURN (ALL ALL) 1",
        "SEARCH RETURN (SAVE) FLAGGED",
        "FETCH $ (UID FLAGS)",
        "UID FETCH $ (FLAGS)",
        "SEARCH $",
        "UID SEARCH UID $ SMALLER 100000",
        "SEARCH OR $ 1:2 NOT SEEN",
        "SEARCH RETURN (SAVE MIN) $",
        "SEARCH $",
        "SEARCH RETURN (MAX SAVE MIN) ALL",
        "SEARCH $",
        "SEARCH RETURN (MAX SAVE MIN COUNT) SEEN",
        "SEARCH $",
        "SEARCH RETURN (SAVE) CHARSET BOGUS SUBJECT x",
        "SEARCH $",
        "SEARCH RETURN (SAVE) KEYWORD nothere",
        "FETCH $ (UID)",
        "COPY $ Work",
        "STORE $ +FLAGS (\\Answered)",
        "SEARCH RETURN () 1,$",
        "SEARCH $,1",
        "FETCH $,1 UID",
        "UID SEARCH RETURN (SAVE) UID 2:4",
        "FETCH $ (UID)",
        "SELECT INBOX",
        "SEARCH $",
        "SEARCH YOUNGER 1",
        "SEARCH OLDER 1",
        "SEARCH YOUNGER 0",
        "SEARCH OLDER x",
        "SEARCH SAVEDATESUPPORTED",
        "SEARCH SAVEDBEFORE 1-Jan-2000",
        "SEARCH SAVEDSINCE 1-Jan-2000",
        "SEARCH SAVEDON 32-Jan-2000",
        "FETCH 1:3 (SAVEDATE)",
        "FETCH 1 (EMAILID THREADID)",
        "SEARCH EMAILID M1",
        "STATUS Work (MAILBOXID)",
    ]


LIST_PATTERNS = [
    ('""', '""'), ('""', '"*"'), ('""', '%'), ('""', '%/%'), ('""', '*/%'),
    ('""', 'Work*'), ('""', 'Work/%'), ('""', 'Work%'), ('""', 'work*'),
    ('""', 'INBOX'), ('""', 'inbox'), ('""', 'InBox*'), ('""', 'Lists'),
    ('""', 'Lists/%'), ('""', 'L*s'), ('""', '*o*'), ('""', '%o%'),
    ('""', 'Nothing*'), ('""', 'Entw&APw-rfe'), ('""', '/'), ('""', '/*'),
    ('Work', '%'), ('Work/', '%'), ('Work/', '*'), ('Work', '""'),
    ('Work/', '""'), ('/', '%'), ('Lists/', '%'), ('Lists', '*'),
    ('"~"', '*'), ('INBOX', '*'), ('""', '"Work/Projects"'),
    ('""', 'Work/Pro%'),
]


def s_mailbox():
    """CREATE, DELETE, RENAME (INBOX too), SUBSCRIBE, UNSUBSCRIBE, LIST,
    LSUB and STATUS with their error paths."""
    cmds = []
    for ref, pat in LIST_PATTERNS:
        cmds.append("LIST %s %s" % (ref, pat))
    cmds += [
        ["LIST \"\" ", Lit(b"Work/*")],
        "LIST", "LIST \"\"", "LIST \"\" * extra", "LIST (foo) \"\" *",
        "LSUB \"\" *",
        "SUBSCRIBE Work", "SUBSCRIBE Work/Projects", "SUBSCRIBE INBOX",
        "SUBSCRIBE Nonexistent", "SUBSCRIBE Lists", "SUBSCRIBE Work",
        "LSUB \"\" *", "LSUB \"\" %", "LSUB \"\" Work/%", "LSUB Work/ %",
        "LSUB \"\" \"\"", "LSUB",
        "UNSUBSCRIBE Nonexistent", "UNSUBSCRIBE NotSubscribed",
        "UNSUBSCRIBE Work", "LSUB \"\" *", "LSUB \"\" %",
        "LIST \"\" *",
    ]
    for box in ["INBOX", "Work", "Work/Projects", "Empty", "Lists/dovecot",
                "Entw&APw-rfe"]:
        cmds.append("STATUS %s (MESSAGES RECENT UIDNEXT UIDVALIDITY UNSEEN)"
                    % box)
    cmds += [
        "STATUS INBOX (MESSAGES)", "STATUS INBOX (UNSEEN RECENT)",
        "STATUS inbox (UIDNEXT)", "STATUS Work ()", "STATUS Lists (MESSAGES)",
        "STATUS Nonexistent (MESSAGES)", "STATUS Work (FOO)",
        "STATUS Work MESSAGES", "STATUS Work", "STATUS", "STATUS Work (",
        "STATUS Work (messages uidnext)", "STATUS Work/ (MESSAGES)",
        "CREATE New", "CREATE New", "CREATE new", "CREATE INBOX",
        "CREATE inbox", "CREATE New/Child", "CREATE Deep/er/Levels/",
        "LIST \"\" Deep*", "CREATE Deep/er", "DELETE Deep/er",
        "DELETE Deep", "LIST \"\" Deep*", "CREATE Deep/er/Levels",
        "LIST \"\" Deep*", "STATUS Deep/er/Levels (MESSAGES)",
        "DELETE Deep/er/Levels", "LIST \"\" Deep*", "DELETE Deep/er",
        "DELETE Deep", "LIST \"\" Deep*",
        "CREATE Work/Projects", "CREATE Lists",
        "CREATE \"\"", "CREATE /Root", "CREATE A//B", "CREATE Tr%ck",
        "CREATE Star*", "CREATE \"Sp ace\"", "CREATE Caf&AOk-",
        "CREATE Bad&-Utf7", "CREATE &Jjo-", "CREATE", "CREATE a b",
        "DELETE a", "LIST \"\" *",
        "STATUS New (MESSAGES UIDNEXT UIDVALIDITY)",
        "SELECT New",
        "DELETE New/Child", "DELETE New/Child", "DELETE Nonexistent",
        "DELETE INBOX", "DELETE inbox",
        "DELETE Lists", "LIST \"\" *", "DELETE \"\"", "DELETE",
        "SELECT INBOX",
        "RENAME Nonexistent Foo", "RENAME Work Work", "RENAME Work Empty",
        "RENAME Work work2", "LIST \"\" *", "RENAME work2/Projects Proj",
        "RENAME work2 Work", "LIST \"\" *",
        "RENAME Work Work/Sub", "RENAME Empty Top/Mid/Empty",
        "LIST \"\" *", "STATUS Top/Mid/Empty (MESSAGES UIDVALIDITY)",
        "RENAME Top Top2", "LIST \"\" Top*", "RENAME Top2/Mid/Empty Empty",
        "DELETE Top2/Mid", "DELETE Top2", "LIST \"\" Top*",
        "RENAME Lists Listen",
        "LIST \"\" *", "RENAME Work INBOX", "RENAME INBOX \"\"",
        "RENAME \"Sp ace\" Space", "RENAME", "RENAME Work",
        "LSUB \"\" *",
        "RENAME Entw&APw-rfe Work/Entw&APw-rfe",
        "LIST \"\" *", "LIST \"\" Work/%",
        "SUBSCRIBE Nonexistent/Deep", "UNSUBSCRIBE Nonexistent/Deep",
        "SUBSCRIBE \"\"", "SUBSCRIBE", "UNSUBSCRIBE",
        "LSUB \"\" *",
        # last: the selected mailbox goes away and both end the session
        "SELECT New", "DELETE New", "NOOP",
    ]
    return cmds


def msg(n, subject="appended", extra=""):
    return ("From: Appender <app@example.org>\r\nTo: you@example.net\r\n"
            "Subject: %s %d\r\nDate: Mon, 4 Mar 2024 10:00:00 +0100\r\n"
            "Message-ID: <app%d@example.org>\r\n%s\r\n"
            "Body of appended message %d.\r\n" % (subject, n, n, extra, n)
            ).encode()


def s_append():
    """APPEND with flags, keywords and dates, TRYCREATE, errors."""
    return [
        "SELECT INBOX",
        ["APPEND INBOX ", Lit(msg(1))],
        ["APPEND INBOX (\\Seen) ", Lit(msg(2))],
        ["APPEND INBOX (\\Seen \\Flagged $Forwarded NewKw) ", Lit(msg(3))],
        ["APPEND INBOX () ", Lit(msg(4))],
        ["APPEND INBOX \"01-Feb-2024 12:34:56 +0000\" ", Lit(msg(5))],
        ["APPEND INBOX (\\Draft) \" 1-Feb-2024 12:34:56 -0500\" ",
         Lit(msg(6))],
        ["APPEND INBOX (\\Answered) \"29-Feb-2024 23:59:59 +1400\" ",
         Lit(msg(7))],
        ["APPEND Work ", Lit(msg(8), sync=False)],
        ["APPEND \"Work/Projects\" (\\Deleted) ", Lit(msg(9))],
        ["APPEND inbox ", Lit(msg(10))],
        "NOOP",
        "FETCH 24:* (FLAGS INTERNALDATE RFC822.SIZE ENVELOPE)",
        "UID FETCH 29:* (UID FLAGS)",
        "STATUS Work (MESSAGES UIDNEXT RECENT UNSEEN)",
        ["APPEND Nonexistent ", Lit(msg(11))],
        ["APPEND Lists ", Lit(msg(12))],
        ["APPEND INBOX (\\Recent) ", Lit(msg(13))],
        ["APPEND INBOX (\\Bogus) ", Lit(msg(14))],
        ["APPEND INBOX \"31-Feb-2024 12:00:00 +0000\" ", Lit(msg(15))],
        ["APPEND INBOX \"1-Feb-2024\" ", Lit(msg(16))],
        ["APPEND INBOX \"01-Feb-2024 12:00:00\" ", Lit(msg(17))],
        # Dovecot takes this one: into a folder of its own, so that the
        # difference does not spread
        "CREATE Scratch",
        ["APPEND Scratch \"01-Feb-2024 25:00:00 +0000\" ", Lit(msg(18))],
        "DELETE Scratch",
        # Not here: "APPEND INBOX (\\Seen {n}" and "APPEND INBOX (\\Seen)
        # (\\Seen) {n}": Dovecot neither sends "+" nor answers until more
        # input comes, so a client that waits for "+" (RFC 3501 7.5) hangs.
        ["APPEND INBOX ", Lit(b"")],
        ["APPEND INBOX ", Lit(b"", sync=False)],
        "APPEND INBOX",
        "APPEND INBOX \"not a literal\"",
        "APPEND",
        ["APPEND INBOX ", Lit(b"Subject: no body, bare LF\n\nhi\n")],
        ["APPEND INBOX ", Lit(b"Subject: x\r\n\r\n" + bytes(range(1, 256))
                              .replace(b"\r", b"").replace(b"\n", b""))],
        ["APPEND INBOX ", Lit(b"Subject: nul\r\n\r\na\x00b\r\n")],
        "NOOP",
        # a bad command with a LITERAL+ literal: the literal is still part
        # of the command (RFC 7888 4, 1.)
        ["APPEND INBOX (\\Recent) ", Lit(b"Subject: x\r\n\r\nhi",
                                          sync=False)],
        "NoOp",
        "FETCH 24:* (FLAGS RFC822.SIZE BODY.PEEK[HEADER.FIELDS (SUBJECT)])",
        "EXAMINE Work",
        ["APPEND Work (\\Seen) ", Lit(msg(21))],
        "NOOP",
        "FETCH * (FLAGS)",
        "CLOSE",
        ["APPEND Empty ", Lit(msg(22))],
        "STATUS Empty (MESSAGES UIDNEXT UIDVALIDITY RECENT UNSEEN)",
        "EXAMINE Empty",
        "FETCH 1 (UID FLAGS INTERNALDATE)",
    ]


def s_copy():
    """COPY and UID COPY, TRYCREATE, flags and dates kept, errors."""
    return [
        "SELECT INBOX",
        "COPY 1:3 Work",
        "COPY 4 Work/Projects",
        "COPY 1:* Empty",
        "UID COPY 2,5 Work",
        "UID COPY 1000:2000 Work",
        "UID COPY * Work",
        "COPY 1 Nonexistent",
        "COPY 1 Lists",
        "COPY 1 INBOX",
        "COPY 99 Work",
        "COPY 0 Work",
        "COPY 1",
        "COPY",
        "COPY x Work",
        "COPY 1 \"\"",
        "COPY 1 inbox",
        "NOOP",
        "FETCH 20:* (UID FLAGS INTERNALDATE)",
        "STATUS Work (MESSAGES RECENT UIDNEXT UNSEEN)",
        "STATUS Empty (MESSAGES RECENT UIDNEXT UNSEEN)",
        "EXAMINE Empty",
        "FETCH 1:* (UID FLAGS INTERNALDATE RFC822.SIZE)",
        "SELECT Work",
        "FETCH 1:* (UID FLAGS INTERNALDATE)",
        "COPY 1:* Work",
        "NOOP",
        "FETCH 1:* (UID FLAGS)",
    ]


def s_move():
    """MOVE and UID MOVE (RFC 6851): COPYUID before the EXPUNGEs, into
    the selected mailbox itself, TRYCREATE, read-only, errors."""
    return [
        "SELECT INBOX",
        "MOVE 1:2 Work",
        "UID MOVE 5,7 Work/Projects",
        "UID MOVE 1000:2000 Work",
        "MOVE 1 Nonexistent",
        "MOVE 1 Lists",
        "MOVE 1 INBOX",
        "MOVE 99 Work",
        "MOVE 0 Work",
        "MOVE 1",
        "MOVE",
        "MOVE x Work",
        "NOOP",
        "FETCH 1:* (UID FLAGS)",
        "STATUS Work (MESSAGES UIDNEXT UNSEEN)",
        "SELECT Work",
        "FETCH 1:* (UID FLAGS INTERNALDATE RFC822.SIZE)",
        "UID MOVE 1:* INBOX",
        "EXAMINE INBOX",
        "MOVE 1 Work",
    ]


def s_multiappend():
    """MULTIAPPEND (RFC 3502): several messages in one APPEND, literal8
    (RFC 3516 4.4), TRYCREATE before the literal, errors."""
    return [
        "SELECT Work",
        ["APPEND Work ", Lit(msg(30)), " (\\Seen) ", Lit(msg(31))],
        ["APPEND Work (\\Flagged) \"01-Feb-2024 12:34:56 +0000\" ",
         Lit(msg(32), sync=False), " ", Lit(msg(33), sync=False), " ",
         Lit(msg(34))],
        ["APPEND Work ", Lit(msg(35)), " (\\Bogus) ", Lit(msg(36))],
        ["APPEND Work ", Lit(msg(37)), " ", Lit(b"")],
        ["APPEND Nonexistent ", Lit(msg(38))],
        "NOOP",
        "FETCH 1:* (UID FLAGS INTERNALDATE RFC822.SIZE)",
    ]


BIN_MSGS = [
    # 1: single part, base64 with NUL bytes
    b"Subject: b64 nul\r\nContent-Type: application/octet-stream\r\n"
    b"Content-Transfer-Encoding: base64\r\n\r\nAAECA2hlbGxvAA==\r\n",
    # 2: single part quoted-printable text
    b"Subject: qp\r\nContent-Type: text/plain; charset=utf-8\r\n"
    b"Content-Transfer-Encoding: quoted-printable\r\n\r\n"
    b"caf=C3=A9 soft=\r\nbreak   \r\nline two=3D\r\n",
    # 3: multipart with 7bit, base64, qp, unknown CTE, message/rfc822
    b"Subject: multi\r\nMIME-Version: 1.0\r\n"
    b"Content-Type: multipart/mixed; boundary=\"XX\"\r\n\r\n"
    b"preamble\r\n--XX\r\nContent-Type: text/plain\r\n\r\nplain 7bit\r\n"
    b"--XX\r\nContent-Type: image/png\r\nContent-Transfer-Encoding: BASE64"
    b"\r\n\r\niVBORw0KGgoAAAA=\r\n"
    b"--XX\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: "
    b"Quoted-Printable\r\n\r\n=E2=82=AC 100\r\n"
    b"--XX\r\nContent-Type: application/x-foo\r\nContent-Transfer-Encoding:"
    b" x-uuencode\r\n\r\nbegin 644 f\r\nend\r\n"
    b"--XX\r\nContent-Type: message/rfc822\r\n\r\nSubject: inner\r\n"
    b"Content-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\n"
    b"aW5uZXIgYm9keQ==\r\n"
    b"--XX--\r\nepilogue\r\n",
    # 4: broken base64
    b"Subject: broken\r\nMIME-Version: 1.0\r\n"
    b"Content-Transfer-Encoding: base64\r\n\r\nSGVsbG8*d29ybGQ=!!\r\n",
    # 5: 8bit and binary CTE, no NUL
    b"Subject: 8bit\r\nMIME-Version: 1.0\r\n"
    b"Content-Transfer-Encoding: 8bit\r\n\r\n\xc3\xa9t\xc3\xa9\r\n",
    # 6: binary CTE with NUL
    b"Subject: bin\r\nMIME-Version: 1.0\r\n"
    b"Content-Transfer-Encoding: binary\r\n\r\na\x00b\r\n",
    # 7: top-level unknown CTE
    b"Subject: unk\r\nMIME-Version: 1.0\r\n"
    b"Content-Transfer-Encoding: x-gzip\r\n\r\nzzz\r\n",
    # 8: bare LF qp
    b"Subject: lf\nMIME-Version: 1.0\n"
    b"Content-Transfer-Encoding: quoted-printable\n\none=\ntwo\nthree=41\n",
    # 9: base64 without MIME-Version or Content-Type (not MIME: 7bit)
    b"Subject: not mime\r\nContent-Transfer-Encoding: base64\r\n\r\n"
    b"aGVsbG8=\r\n",
    # 10: nested multipart, all decodable
    b"Subject: nest\r\nMIME-Version: 1.0\r\n"
    b"Content-Type: multipart/mixed; boundary=a\r\n\r\n"
    b"--a\r\nContent-Type: multipart/alternative; boundary=b\r\n\r\n"
    b"--b\r\nContent-Type: text/plain\r\n"
    b"content-transfer-encoding: quoted-printable\r\n\r\nx=3Dy\r\n"
    b"--b\r\nContent-Type: text/html\r\nContent-Transfer-Encoding: base64"
    b"\r\nX-After: 1\r\n\r\nPGI+aGk8L2I+\r\n--b--\r\n"
    b"--a\r\nContent-Type: message/rfc822\r\n\r\n"
    b"Subject: in\r\nMIME-Version: 1.0\r\n"
    b"Content-Transfer-Encoding: quoted-printable\r\n\r\n=41=42\r\n"
    b"--a\r\nContent-Type: application/octet-stream\r\n"
    b"Content-Transfer-Encoding: base64\r\n\r\nAP8A\r\n--a--\r\n",
]


def s_binary():
    """BINARY (RFC 3516): FETCH BINARY[...], BINARY.PEEK, BINARY.SIZE,
    partials, literal8 for NUL, UNKNOWN-CTE, \\Seen, errors."""
    cmds = ["SELECT Empty"]
    cmds += [["APPEND Empty ", Lit(m)] for m in BIN_MSGS]
    cmds += [
        "NOOP",
        "FETCH 1:* BINARY.SIZE[]",
        "FETCH 1:* BINARY.SIZE[1]",
        "FETCH 1,2,4,5,6,8 BINARY.PEEK[]",
        "FETCH 1,2,4,5,6,8 BINARY.PEEK[1]",
        "FETCH 1 (BINARY.PEEK[1]<2.5> BINARY.PEEK[]<0.3>)",
        "FETCH 1 BINARY.PEEK[1]<100.5>",
        "FETCH 1 BINARY.PEEK[1]<4>",
        "FETCH 3 (BINARY.PEEK[1] BINARY.PEEK[2] BINARY.PEEK[3])",
        "FETCH 3 (BINARY.SIZE[1] BINARY.SIZE[2] BINARY.SIZE[3])",
        "FETCH 3 BINARY.PEEK[4]",
        "FETCH 3 BINARY.SIZE[4]",
        "FETCH 3 BINARY.PEEK[5]",
        "FETCH 3 BINARY.SIZE[5]",
        "FETCH 3 BINARY.PEEK[5.1]",
        "FETCH 3 BINARY.SIZE[5.1]",
        "FETCH 3 BINARY.PEEK[]",
        "FETCH 3 BINARY.PEEK[99]",
        "FETCH 3 BINARY.SIZE[99]",
        "FETCH 3 BINARY.PEEK[2.1]",
        "FETCH 7 BINARY.PEEK[]",
        "FETCH 7 BINARY.SIZE[]",
        "FETCH 7 BINARY.PEEK[1]",
        "FETCH 4 BINARY.SIZE[1]",
        "FETCH 1:* FLAGS",
        "FETCH 2 BINARY[1]",
        "FETCH 2 FLAGS",
        "FETCH 5 BINARY[]<1.2>",
        "FETCH 5 BINARY.SIZE[1]",
        "FETCH 1 BINARY.PEEK[HEADER]",
        "FETCH 1 BINARY.PEEK[1.MIME]",
        "FETCH 1 BINARY.PEEK[TEXT]",
        "FETCH 1 BINARY.SIZE[1]<0.2>",
        "FETCH 1 BINARY[1",
        "FETCH 1 BINARY.PEEK",
        "FETCH 1 BINARY.SIZE",
        "FETCH 1 BINARY[0]",
        "FETCH 1 BINARY[1.0]",
        "FETCH 1 (BINARY.PEEK[1] BODY.PEEK[1] BINARY.SIZE[1])",
        "FETCH 9 (BINARY.PEEK[] BINARY.PEEK[1] BINARY.SIZE[1])",
        "FETCH 10 (BINARY.PEEK[] BINARY.SIZE[])",
        "FETCH 10 (BINARY.PEEK[1] BINARY.SIZE[1])",
        "FETCH 10 (BINARY.PEEK[1.1] BINARY.PEEK[1.2] BINARY.PEEK[2])",
        "FETCH 10 (BINARY.PEEK[2.1] BINARY.SIZE[2] BINARY.PEEK[3])",
        "FETCH 10 (BINARY.PEEK[3]<1.1> BINARY.PEEK[]<200.30>)",
        "FETCH 5:6 (BINARY.PEEK[1] BINARY.SIZE[1])",
        "FETCH 8 (BINARY.PEEK[] BINARY.PEEK[1] BINARY.SIZE[1])",
        "FETCH 10 BINARY.PEEK[1]<0.0>",
        "FETCH 10 binary.peek[3]",
        "FETCH 10 BINARY.SIZE[]<0.1>",
        "FETCH 10 BINARY.PEEK[HEADER.FIELDS (Subject)]",
        "FETCH 10 BINARY.PEEK[2]",
        "UID FETCH 1:* BINARY.SIZE[1]",
        "FETCH 1:* FLAGS",
    ]
    return cmds


def s_expunge():
    """EXPUNGE, UID forms after it, CLOSE expunging silently, \\Recent."""
    return [
        "SELECT Work",
        "STORE 2,4,6 +FLAGS.SILENT (\\Deleted)",
        "EXPUNGE",
        "FETCH 1:* (UID FLAGS)",
        "SEARCH ALL",
        "UID SEARCH ALL",
        "STORE 1:* +FLAGS.SILENT (\\Deleted)",
        "STORE 1 -FLAGS.SILENT (\\Deleted)",
        "CLOSE",
        "SELECT Work",
        "FETCH 1:* (UID FLAGS)",
        "EXPUNGE",
        "STORE 1 +FLAGS (\\Deleted)",
        "EXPUNGE",
        "FETCH 1:* UID",
        "UID FETCH 1:* UID",
        "UID FETCH * UID",
        "SEARCH ALL",
        "UID SEARCH *",
        "STATUS Work (MESSAGES UIDNEXT)",
        "SELECT INBOX",
        "STORE 1,3,5 +FLAGS (\\Deleted)",
        "SEARCH DELETED",
        "EXPUNGE",
        "EXPUNGE extra",
        "SEARCH ALL",
        "FETCH 1:5 UID",
        "CLOSE",
        "EXPUNGE",
    ]


def s_empty():
    """A mailbox with no messages: "*" and ranges that match nothing."""
    return [
        "SELECT Lists/dovecot",
        "STORE 1:* +FLAGS.SILENT (\\Deleted)",
        "EXPUNGE",
        "FETCH 1:* FLAGS",
        "FETCH * FLAGS",
        "FETCH 1 FLAGS",
        "UID FETCH 1:* FLAGS",
        "UID FETCH * FLAGS",
        "UID FETCH 5:* FLAGS",
        "UID FETCH 1 FLAGS",
        "SEARCH ALL",
        "SEARCH *",
        "SEARCH 1:*",
        "SEARCH UID *",
        "SEARCH UID 1:*",
        "UID SEARCH ALL",
        "UID SEARCH *",
        "UID SEARCH UID 1:*",
        "STORE 1:* +FLAGS (\\Seen)",
        "STORE * +FLAGS (\\Seen)",
        "UID STORE 1:* +FLAGS (\\Seen)",
        "UID STORE * +FLAGS (\\Seen)",
        "COPY 1:* Work",
        "COPY * Work",
        "UID COPY 1:* Work",
        "UID COPY * Work",
        "EXPUNGE",
        "CHECK",
        "STATUS Lists/dovecot (MESSAGES RECENT UIDNEXT UNSEEN)",
        "CLOSE",
        "EXAMINE Lists/dovecot",
        "SELECT Empty",
        "FETCH 1:* FLAGS",
        "UID FETCH 1:* FLAGS",
        "SEARCH ALL",
    ]


def s_malformed():
    """Lines that are not commands, and commands in the wrong state."""
    return [
        Raw(b"\r\n"),
        Raw(b"notag\r\n"),
        Raw(b"a\r\n"),
        Raw(b"* NOOP\r\n"),
        Raw(b"+ NOOP\r\n"),
        "NOSUCHCOMMAND",
        "NOOP extra",
        "noop",
        "CAPABILITY extra",
        "LOGIN user pass",
        "AUTHENTICATE PLAIN",
        "STARTTLS",
        "UID",
        "UID NOOP",
        "UID FETCH",
        "SEARCH ALL",
        "STORE 1 +FLAGS (\\Seen)",
        "COPY 1 Work",
        "UID FETCH 1 FLAGS",
        "SELECT INBOX",
        "SELECT \"INBOX",
        "SELECT INBOX\"",
        "SELECT (INBOX)",
        "SELECT \"IN\\BOX\"",
        "SELECT NIL",
        "SELECT \"NIL\"",
        "LIST \"\" \"\\\"\"",
        ["SELECT ", Lit(b"INBOX", sync=False)],
        "FETCH 1 (FLAGS))",
        "FETCH 1 FLAGS ",
        "FETCH  1 FLAGS",
        "FETCH 1  FLAGS",
        "FETCH 1:2:3 FLAGS",
        "FETCH 1, FLAGS",
        "FETCH ,1 FLAGS",
        "FETCH 1 BODY[HEADER.FIELDS ()]",
        "FETCH 1 BODY[TEXT",
        "FETCH 1 BODY[TEXT]<0>",
        "FETCH 4294967295 FLAGS",
        "FETCH 4294967296 FLAGS",
        "UID FETCH 4294967295 FLAGS",
        "UID FETCH 4294967296 FLAGS",
        "SEARCH UID 4294967296",
        "CHECK extra",
        "CLOSE extra",
        "LOGOUT",
    ]


def s_inbox():
    """RENAME INBOX (alone: Dovecot refuses it, and the two INBOXes differ
    after it)."""
    return ["SELECT INBOX", "RENAME INBOX OldInbox"]


def s_quota():
    """QUOTA (RFC 9208) without limits, STATUS DELETED, PREVIEW (RFC
    8970) of the corpus: plain, HTML, encoded, multipart, none."""
    return [
        "GETQUOTAROOT INBOX",
        "GETQUOTAROOT Work",
        "GETQUOTA \"User quota\"",
        "GETQUOTA \"nonexistent\"",
        "SETQUOTA \"User quota\" (STORAGE 1000)",
        "GETQUOTA",
        "SELECT INBOX",
        "FETCH 1:* (UID PREVIEW)",
        "FETCH 1:3 (PREVIEW (LAZY))",
        "FETCH 1 (PREVIEW (FOO))",
    ]


def s_condstore():
    """ENABLE (RFC 5161), CONDSTORE and QRESYNC (RFC 7162): the enabling
    commands, MODSEQ in FETCH, STORE and SEARCH, UNCHANGEDSINCE and
    MODIFIED, CHANGEDSINCE and VANISHED, SELECT parameters, VANISHED in
    place of EXPUNGE, and the errors the RFC names."""
    return [
        "SELECT INBOX (QRESYNC (1 1))",         # BAD: not enabled
        "SELECT INBOX (CONDSTORE)",
        "FETCH 1:3 (MODSEQ FLAGS)",
        "STORE 1 +FLAGS (\\Flagged)",
        "STORE 1 +FLAGS.SILENT (\\Answered)",
        "STORE 2 (UNCHANGEDSINCE 0) +FLAGS.SILENT (\\Seen)",
        "STORE 2 (UNCHANGEDSINCE 9000000000000000000) +FLAGS.SILENT "
        "(\\Seen)",
        "UID FETCH 1:* (FLAGS) (CHANGEDSINCE 1)",
        "FETCH 1 (FLAGS) (CHANGEDSINCE 1 VANISHED)",   # BAD
        "SEARCH MODSEQ 1",
        "SEARCH MODSEQ \"/flags/\\\\draft\" all 1",
        "SEARCH OR NOT MODSEQ 1 LARGER 50000",
        "STATUS Work (MESSAGES HIGHESTMODSEQ)",
        "ENABLE CONDSTORE X-GOOD-IDEA",
        "ENABLE QRESYNC",
        "ENABLE QRESYNC CONDSTORE",
        "ENABLE",                                # BAD
        "UID FETCH 1:5 (FLAGS) (VANISHED)",      # BAD: no CHANGEDSINCE
        "UID FETCH 1:5 (FLAGS) (CHANGEDSINCE 1 VANISHED)",
        "STORE 3 +FLAGS.SILENT (\\Deleted)",
        "EXPUNGE",
        "SELECT Work (QRESYNC (1 1))",
        "EXAMINE INBOX (CONDSTORE)",
        "LOGOUT",
    ]


def s_modseq_result():
    """The MODSEQ of an ESEARCH answer with MIN and/or MAX only (RFC 4731
    3.2, RFC 7162 3.1.10), for SEARCH and ESORT, and STORE with its
    UNCHANGEDSINCE after the flags, as imapflow 1.x writes it."""
    return [
        "ENABLE CONDSTORE",
        "SELECT INBOX",
        "STORE 1 +FLAGS.SILENT (\\Answered)",
        "SEARCH RETURN (MIN) MODSEQ 1",
        "SEARCH RETURN (MAX) MODSEQ 1",
        "UID SEARCH RETURN (MIN MAX) MODSEQ 1",
        "SEARCH RETURN (MIN COUNT) MODSEQ 1",
        "SORT RETURN (MIN) (REVERSE SUBJECT) UTF-8 MODSEQ 1",
        "STORE 3 +FLAGS (\\Seen) (UNCHANGEDSINCE 1)",
        "FETCH 3 (FLAGS)",
    ]


def s_esort():
    """ESORT and CONTEXT=SEARCH (RFC 5267 3, 4): SORT RETURN, PARTIAL,
    UPDATE with ADDTO/REMOVEFROM, CANCELUPDATE."""
    return [
        "SELECT INBOX",
        "SORT RETURN () (SUBJECT) UTF-8 ALL",
        "UID SORT RETURN () (REVERSE ARRIVAL) UTF-8 ALL",
        "SORT RETURN (MIN MAX COUNT) (SUBJECT) UTF-8 ALL",
        "UID SORT RETURN (MIN MAX ALL COUNT) (REVERSE SIZE) UTF-8 NOT SEEN",
        "SORT RETURN (COUNT) (DATE) UTF-8 KEYWORD nothere",
        "SORT RETURN (MIN MAX ALL) (DATE) UTF-8 KEYWORD nothere",
        "SORT RETURN (FOO) (DATE) UTF-8 ALL",
        "SORT RETURN (SAVE) (REVERSE ARRIVAL) UTF-8 SEEN",
        "SEARCH $",
        "SORT RETURN (ALL) (DATE) NO-SUCH-CHARSET ALL",
        "SEARCH RETURN (CONTEXT COUNT) ALL",
        "SEARCH RETURN (PARTIAL 1:3) ALL",
        "UID SEARCH RETURN (PARTIAL 3:1) NOT SEEN",
        "SEARCH RETURN (PARTIAL 100:200) ALL",
        "SEARCH RETURN (PARTIAL 1:3 ALL) ALL",
        "SEARCH RETURN (PARTIAL 0:3) ALL",
        "SEARCH RETURN (PARTIAL 1:*) ALL",
        "SEARCH RETURN (PARTIAL) ALL",
        "SEARCH RETURN (PARTIAL 2:4 MIN COUNT) ALL",
        "UID SEARCH RETURN (UPDATE COUNT) FLAGGED",
        "UID SEARCH RETURN (UPDATE) SEEN",
        "STORE 2:3 +FLAGS (\\Flagged)",
        "STORE 2 -FLAGS (\\Flagged)",
        "UID SEARCH RETURN (UPDATE) DELETED",
        "CANCELUPDATE \"e21\"",
        "CANCELUPDATE \"e21\"",
        "SEARCH RETURN (UPDATE) FLAGGED",
        "STORE 5 +FLAGS (\\Flagged)",
        "EXPUNGE",
        "STORE 5 -FLAGS (\\Flagged)",
        "SORT RETURN (UPDATE ALL) (SUBJECT) UTF-8 FLAGGED",
        "NOOP",
        "CANCELUPDATE",
    ]


def s_utf8():
    """UTF-8 in mailbox names and quoted strings, before and after ENABLE
    UTF8=ACCEPT (RFC 6855 3). Debian 12's Dovecot 2.3.19 does not
    advertise UTF8=ACCEPT and ignores it in ENABLE ("* ENABLED" empty),
    so only the IMAP4rev1 half is compared: what each server does with
    8-bit names and strings from a client that enabled nothing. The
    UTF8=ACCEPT half is tests/session/test_utf8_accept.py's. IMAP4rev2 is
    not in Dovecot 2.3 at all; there is no script for it."""
    return [
        "CREATE \"Caf\u00e9\"", "LIST \"\" Caf*", "SELECT \"Caf\u00e9\"",
        "STATUS \"Caf\u00e9\" (MESSAGES)", "SUBSCRIBE \"Caf\u00e9\"",
        ["CREATE ", Lit("Entw\u00fcrfe".encode())],
        Raw(b"x CREATE \"Caf\xe9\"\r\n"),
        "LIST \"\" *", "SELECT INBOX", "SEARCH SUBJECT \"\u00fc\"",
        "SEARCH CHARSET UTF-8 BODY \"\u00fc\"",
        ["SEARCH CHARSET UTF-8 TEXT ", Lit("\u00fc".encode())],
        ["APPEND INBOX ", Lit(("From: j@example.org\r\nSubject: 8-bit "
                               "body\r\n\r\nGr\u00fc\u00dfe\r\n")
                              .encode())],
        # last: skua refuses it (KNOWN_DIFFERENCES), so EXISTS would differ
        ["APPEND INBOX ", Lit(("From: J\u00f6rg <j@example.org>\r\n"
                               "Subject: 8-bit header\r\n\r\nx\r\n")
                              .encode())],
    ]


def s_catenate():
    """CATENATE (RFC 4469): TEXT and URL parts, sections, partials and
    relative URLs, BADURL (4.1), in MULTIAPPEND (all or nothing). Not
    URLAUTH (RFC 4467): Dovecot needs its imap-urlauth service for it,
    which this private Dovecot does not run."""
    cat = "APPEND Work CATENATE "
    return [
        "SELECT INBOX",
        "STATUS Work (MESSAGES RECENT)",
        cat + '(URL "/INBOX/;UID=1")',
        ["APPEND Work (\\Seen) CATENATE (TEXT ", Lit(b"X-Cat: 1\r\n"),
         ' URL "/INBOX/;UID=3/;SECTION=HEADER" TEXT ',
         Lit(b"body\r\n", sync=False), ")"],
        cat + '(URL "/INBOX/;UID=3/;SECTION=1" URL ";UID=3/;SECTION=1.MIME")',
        cat + '(URL "/INBOX/;UID=2/;PARTIAL=0.20" URL ";UID=2/;PARTIAL=5")',
        cat + '(URL "/INBOX/;UID=9999")',
        cat + '(URL "/INBOX;UIDVALIDITY=1/;UID=1")',
        cat + '(URL "/Nonexistent/;UID=1")',
        cat + '(URL "/INBOX/;UID=1" URL "/INBOX/;UID=9998")',
        # Into a folder of its own, so that the difference does not
        # spread.
        "CREATE Scratch",
        ["APPEND Scratch CATENATE (TEXT ",
         Lit(b"Subject: nul\r\n\r\na\x00b\r\n"), ")"],
        "DELETE Scratch",
        'APPEND Nonexistent CATENATE (URL "/INBOX/;UID=1")',
        ["APPEND Work ", Lit(msg(40)), ' CATENATE (URL "/INBOX/;UID=1")'],
        ["APPEND Work ", Lit(msg(41)), ' CATENATE (URL "/INBOX/;UID=9")',
         ' CATENATE (URL "/INBOX/;UID=99999")'],
        "NOOP",
        "EXAMINE Work",
        "FETCH 1:* (UID FLAGS RFC822.SIZE BODY.PEEK[])",
    ]


def s_notify():
    """NOTIFY (RFC 5465): SET with and without STATUS (the initial STATUS
    responses), the filters, NONE, the events skua lacks (NO [BADEVENT]),
    the rules of 5 and 6.1 (BAD), SELECTED-DELAYED, and this session's
    own CREATE/RENAME/DELETE (no LIST back, 5). Events from other
    sessions and MDAs need a second connection and timing; they are
    tests/session/test_notify.py's."""
    return [
        "NOTIFY NONE",
        "NOTIFY SET (selected (MessageNew (UID FLAGS) MessageExpunge "
        "FlagChange)) (personal (MessageNew MessageExpunge MailboxName "
        "SubscriptionChange))",
        "NOTIFY SET STATUS (mailboxes (INBOX Work Nonexistent) "
        "(MessageNew MessageExpunge))",
        "NOTIFY SET STATUS (subtree Work (MessageNew MessageExpunge "
        "FlagChange))",
        "NOTIFY SET STATUS (subtree Lists (MessageNew MessageExpunge))",
        "NOTIFY SET (inboxes NONE) (subscribed (MailboxName))",
        "NOTIFY SET (personal (MessageNew MessageExpunge "
        "AnnotationChange))",
        "NOTIFY SET (personal (MailboxMetadataChange))",
        "NOTIFY SET (personal (ServerMetadataChange))",
        "NOTIFY SET (selected (MessageNew))",
        "NOTIFY SET (selected (FlagChange))",
        "NOTIFY SET (selected (MailboxName))",
        "NOTIFY SET (personal (MessageNew (UID) MessageExpunge))",
        "NOTIFY SET (selected (MessageNew MessageExpunge)) "
        "(selected-delayed (MessageNew MessageExpunge))",
        "NOTIFY SET (foo (MessageNew MessageExpunge))",
        "NOTIFY SET (personal MessageNew)",
        "NOTIFY SET",
        "NOTIFY",
        "SELECT INBOX",
        "NOTIFY SET (selected-delayed (MessageNew MessageExpunge "
        "FlagChange)) (personal (MailboxName SubscriptionChange))",
        "STORE 1 +FLAGS (\\Flagged)",
        "CREATE notified",
        "RENAME notified notified2",
        "SUBSCRIBE notified2",
        "DELETE notified2",
        "NOTIFY NONE",
        "LOGOUT",
    ]


def s_logout():
    """LOGOUT with an argument, alone (Dovecot logs out)."""
    return ["LOGOUT extra", "nOoP"]


SCRIPTS = [
    ("select", s_select),
    ("fetch", s_fetch),
    ("store", s_store),
    ("search", s_search),
    ("esearch", s_esearch),
    ("mailbox", s_mailbox),
    ("append", s_append),
    ("copy", s_copy),
    ("move", s_move),
    ("multiappend", s_multiappend),
    ("binary", s_binary),
    ("expunge", s_expunge),
    ("empty", s_empty),
    ("malformed", s_malformed),
    ("inbox", s_inbox),
    ("quota", s_quota),
    ("condstore", s_condstore),
    ("esort", s_esort),
    ("modseq_result", s_modseq_result),
    ("utf8", s_utf8),
    ("catenate", s_catenate),
    ("notify", s_notify),
    ("logout", s_logout),
]


if __name__ == "__main__":
    sys.exit(main())
