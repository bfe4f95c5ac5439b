"""mbsync (isync 1.4) keeping a local Maildir and skua in step, both ways.

mbsync is the strictest common client of a server's UID bookkeeping: it
keeps a sync state of UID pairs per folder, finds the messages it
appended by their X-TUID header (skua has no UIDPLUS), and trusts
UIDVALIDITY, UIDNEXT, FLAGS and EXPUNGE to mean what RFC 3501 says. A
server that renumbers, loses a flag, or reports a stale UIDNEXT shows up
here as a duplicate or a lost message on one of the two sides.

test_mbsync_two_way, over plain TCP on loopback (where LOGIN is allowed):

1. 300 messages in INBOX, Work, Work/Projects (nested) and Lists, some
   \\Seen or \\Flagged, are pulled into an empty MaildirStore; every one
   must arrive once, with the bytes of the server's file (mbsync writes
   LF line ends there and adds its X-TUID header line, which is removed
   before comparing) and its flags.
2. Both sides change: flags set and cleared locally (file renames) and on
   the server (STORE through an IMAP session, never by touching files),
   new messages by APPEND on the server, a file removed locally and a
   message expunged on the server, a folder made locally and a nested
   one made by CREATE on the server ("Create Both").
3. After the second sync both sides hold, per folder, the same messages
   by Message-ID, each once, with the same flags and bytes; the folder
   made on either side is listed on the other (LIST, directory), and
   what was deleted on one side is gone from both ("Expunge Both").
4. New local messages, one in the folder made locally, go up by APPEND;
   mbsync then finds each by its X-TUID header (or by APPENDUID once the
   server has UIDPLUS), and both sides must again hold the same, once.
5. A further sync changes nothing on either side.

test_mbsync_tls pulls 20 messages in two folders and pushes a flag change
back, over implicit TLS (SSLType IMAPS) and over STARTTLS, with
CertificateFile naming the test certificate and Host localhost, the name
in it; mbsync must not warn that the password goes in the clear."""
import os
import shutil

from harness import USERS, Server, TestFailure, check, fresh_maildir
from interop_util import (Imap, deliver, lf, maildir_files, maildir_flags,
                          make_folder, make_message, message_id,
                          private_home, run_client)

# Folder name on the wire -> (Maildir++ directory on the server, count).
FOLDERS = {
    "INBOX": ("", 150),
    "Work": (".Work", 60),
    "Work/Projects": (".Work.Projects", 50),
    "Lists": (".Lists", 40),
}
FLAG_LETTERS = {"\\Draft": "D", "\\Flagged": "F", "\\Answered": "R",
                "\\Seen": "S", "\\Deleted": "T"}


def initial_info(n):
    """The flags message n starts with on the server."""
    return ("F" if n % 7 == 0 else "") + ("S" if n % 3 == 0 else "")


def strip_tuid(data):
    """Removes the X-TUID line mbsync adds to every message it copies."""
    head, sep, body = data.partition(b"\n\n")
    lines = [l for l in head.split(b"\n") if not l.startswith(b"X-TUID: ")]
    return b"\n".join(lines) + sep + body


def letters(flags):
    return "".join(sorted(FLAG_LETTERS[f] for f in flags
                          if f in FLAG_LETTERS))


def write_config(home, local, port, ssl="None", extra=""):
    # With TLS the certificate's name (CN=localhost) must match the host.
    host = "127.0.0.1" if ssl == "None" else "localhost"
    conf = os.path.join(home, "mbsyncrc")
    with open(conf, "w") as f:
        f.write(f"""IMAPAccount skua
Host {host}
Port {port}
User alice
Pass {USERS['alice'][1]}
SSLType {ssl}
AuthMechs LOGIN
Timeout 10
PipelineDepth 10
{extra}
IMAPStore far
Account skua

MaildirStore near
Path {local}/
Inbox {local}/INBOX
SubFolders Verbatim

Channel skua
Far :far:
Near :near:
Patterns *
Create Both
Expunge Both
SyncState *
""")
    os.chmod(conf, 0o600)
    return conf


def local_dir(local, folder):
    return os.path.join(local, *folder.split("/"))


def local_view(local, folder):
    """{Message-ID: [(path, flag letters, bytes without X-TUID)]} of a
    folder of the MaildirStore."""
    out = {}
    for path, data in maildir_files(local_dir(local, folder)).items():
        out.setdefault(message_id(data), []).append(
            (path, "".join(sorted(maildir_flags(path))), strip_tuid(data)))
    return out


def local_folders(local):
    """The folders of the MaildirStore, by their names on the wire."""
    out = set()
    for root, _, _ in os.walk(local):
        if os.path.isdir(os.path.join(root, "cur")):
            out.add(os.path.relpath(root, local).replace(os.sep, "/"))
    return out


def server_view(imap, folder):
    """{Message-ID: [(uid, flag letters, bytes with LF ends)]}."""
    return {mid: [(uid, letters(flags), lf(data))
                  for uid, flags, data in entries]
            for mid, entries in imap.by_id(folder).items()}


def mbsync(conf, home, srv, verbose=False):
    argv = ["mbsync", "-c", conf, "-a"]
    if verbose:
        argv.insert(1, "-V")
    if os.environ.get("SKUA_INTEROP_DEBUG"):
        argv.insert(1, "-D")
    try:
        return run_client(argv, home, server=srv)
    except TestFailure as e:
        if "extraneous data in FETCH response" in str(e):
            raise TestFailure(
                "mbsync could not find the messages it had just APPENDed: "
                "without UIDPLUS (no APPENDUID) isync 1.4 fetches "
                "BODY.PEEK[HEADER.FIELDS (X-TUID)] of the new UIDs and "
                "its parser rejects the answer (an isync 1.4 bug that "
                "APPENDUID avoids). " + str(e)) from None
        raise


def set_local_flags(path, flags):
    """Renames a MaildirStore file to cur/ with the given flag letters."""
    folder = os.path.dirname(os.path.dirname(path))
    base = os.path.basename(path).split(":2,", 1)[0]
    new = os.path.join(folder, "cur", base + ":2," + "".join(sorted(flags)))
    os.rename(path, new)
    return new


_local_serial = [0]


def deliver_local(folder_dir, data):
    """A new message in the MaildirStore, as a local MDA would write it."""
    _local_serial[0] += 1
    name = "%d.L%dP%d.interop" % (1700000000 + _local_serial[0],
                                  _local_serial[0], os.getpid())
    tmp = os.path.join(folder_dir, "tmp", name)
    with open(tmp, "wb") as f:
        f.write(data)
    os.rename(tmp, os.path.join(folder_dir, "new", name))


def check_converged(imap, local, expected):
    """expected: {folder: {Message-ID: (flag letters, LF bytes)}}. Both
    sides must hold exactly that, each message once."""
    for folder, want in expected.items():
        srv = server_view(imap, folder)
        loc = local_view(local, folder)
        for side, view in (("server", srv), ("local", loc)):
            dups = {k: len(v) for k, v in view.items() if len(v) != 1}
            check(not dups, f"{folder}: duplicates on the {side} side: "
                  f"{dups}")
            missing = sorted(set(want) - set(view))
            extra = sorted(set(view) - set(want))
            check(not missing and not extra,
                  f"{folder} on the {side} side: missing {missing[:10]} "
                  f"({len(missing)}), unexpected {extra[:10]} "
                  f"({len(extra)})")
        for mid, (flags, data) in want.items():
            _, sflags, sdata = srv[mid][0]
            path, lflags, ldata = loc[mid][0]
            check(strip_tuid(sdata) == data,
                  f"{folder} {mid}: server bytes differ:\n{sdata!r}\n"
                  f"want\n{data!r}")
            check(ldata == data, f"{folder} {mid}: local bytes differ "
                  f"({path}):\n{ldata!r}\nwant\n{data!r}")
            check(sflags == flags, f"{folder} {mid}: server flags "
                  f"{sflags!r}, want {flags!r}")
            check(lflags == flags, f"{folder} {mid}: local flags "
                  f"{lflags!r} ({path}), want {flags!r}")


def check_folders(imap, local, expected):
    folders = imap.folders()
    check(folders == set(expected),
          f"LIST on the server: {sorted(folders)}, want {sorted(expected)}")
    check(local_folders(local) == set(expected),
          f"local folders: {sorted(local_folders(local))}, want "
          f"{sorted(expected)}")


def test_mbsync_two_way(world):
    md = fresh_maildir(world, "Maildir-mbsync")
    expected = {}
    for folder, (dirname, count) in FOLDERS.items():
        fdir = make_folder(md, dirname) if dirname else md
        tag = folder.replace("/", "-").lower()
        expected[folder] = {}
        for n in range(count):
            data = make_message(tag, n, body_lines=1 + n % 20)
            info = initial_info(n)
            deliver(fdir, data, info=info if info else None)
            expected[folder][message_id(data)] = (info, data)
    home = private_home(world, "mbsync")
    local = os.path.join(home, "mail")
    os.makedirs(local)
    srv = Server(world, maildir="~/Maildir-mbsync", special_folders="")
    imap = None
    try:
        conf = write_config(home, local, srv.port)

        # 1. The first pull.
        mbsync(conf, home, srv)
        check(local_folders(local) == set(FOLDERS),
              f"folders after the pull: {sorted(local_folders(local))}")
        for folder, want in expected.items():
            loc = local_view(local, folder)
            check(len(loc) == len(want) and
                  all(len(v) == 1 for v in loc.values()),
                  f"{folder}: {sum(map(len, loc.values()))} local files "
                  f"for {len(loc)} ids, want {len(want)}")
            for mid, (info, data) in want.items():
                check(mid in loc, f"{folder}: {mid} not pulled")
                path, flags, got = loc[mid][0]
                check(got == data, f"{folder} {mid}: pulled bytes differ "
                      f"({path}):\n{got!r}\nwant\n{data!r}")
                check(flags == info, f"{folder} {mid}: local flags "
                      f"{flags!r}, want {info!r}")
        imap = Imap(srv.port)
        check_converged(imap, local, expected)

        # 2a. Local changes: flags, a removed file, an empty new folder.
        inbox = local_view(local, "INBOX")
        lists = local_view(local, "Lists")
        projects = local_view(local, "Work/Projects")
        local_changes = [
            # (folder, view, message number, new flags)
            ("INBOX", inbox, 1, "S"),         # read
            ("INBOX", inbox, 2, "F"),         # flagged
            ("INBOX", inbox, 3, ""),          # was S: unread again
            ("INBOX", inbox, 14, "FS"),       # was F: also read
            ("Lists", lists, 5, "RS"),        # answered
        ]
        for folder, view, n, flags in local_changes:
            mid = "<%s.%d@interop.test>" % (folder.lower(), n)
            path = view[mid][0][0]
            set_local_flags(path, flags)
            expected[folder][mid] = (flags, expected[folder][mid][1])
        gone = "<work-projects.4@interop.test>"
        os.unlink(projects[gone][0][0])
        del expected["Work/Projects"][gone]
        newdir = local_dir(local, "Made Locally")
        for sub in ("cur", "new", "tmp"):
            os.makedirs(os.path.join(newdir, sub))
        expected["Made Locally"] = {}

        # 2b. Server changes, through IMAP: flags, APPEND, EXPUNGE, CREATE.
        m = imap.m
        srv_inbox = server_view(imap, "INBOX")
        imap.select("INBOX")

        def uid_of(view, tag, n):
            return str(view["<%s.%d@interop.test>" % (tag, n)][0][0])
        server_changes = [
            # (folder, tag, message number, STORE item, flags, new letters)
            ("INBOX", "inbox", 4, "+FLAGS", "(\\Seen)", "S"),
            ("INBOX", "inbox", 5, "+FLAGS", "(\\Flagged \\Seen)", "FS"),
            ("INBOX", "inbox", 6, "-FLAGS", "(\\Seen)", ""),
            ("INBOX", "inbox", 7, "FLAGS", "(\\Answered)", "R"),
        ]
        for folder, tag, n, item, flags, now in server_changes:
            imap.ok(m.uid("STORE", uid_of(srv_inbox, tag, n), item, flags),
                    f"UID STORE {item} {flags}")
            mid = "<%s.%d@interop.test>" % (tag, n)
            expected[folder][mid] = (now, expected[folder][mid][1])
        for folder, tag, n in (("INBOX", "server-inbox", 2000),
                               ("Lists", "server-lists", 2000),
                               ("Lists", "server-lists", 2001)):
            data = make_message(tag, n).replace(b"\n", b"\r\n")
            imap.ok(m.append(folder, "(\\Flagged)", None, data),
                    f"APPEND to {folder}")
            expected[folder][message_id(data)] = ("F", lf(data))
        srv_work = server_view(imap, "Work")
        imap.select("Work")
        imap.ok(m.uid("STORE", uid_of(srv_work, "work", 10), "+FLAGS",
                      "(\\Deleted)"), "UID STORE \\Deleted")
        imap.ok(m.expunge(), "EXPUNGE")
        del expected["Work"]["<work.10@interop.test>"]
        imap.ok(m.create('"Made Remotely/Sub"'), "CREATE")
        data = make_message("made-remotely", 1).replace(b"\n", b"\r\n")
        imap.ok(m.append('"Made Remotely/Sub"', "(\\Seen)", None, data),
                "APPEND to Made Remotely/Sub")
        imap.ok(m.close(), "CLOSE")
        # CREATE of a nested name makes the parent too; mbsync makes both.
        expected["Made Remotely"] = {}
        expected["Made Remotely/Sub"] = {message_id(data): ("S", lf(data))}

        # 3. The second sync: both sides converge.
        mbsync(conf, home, srv)
        check_folders(imap, local, expected)
        check_converged(imap, local, expected)
        on_disk = [d for d in maildir_files(os.path.join(md,
                                                         ".Work.Projects"))
                   .values() if message_id(d) == gone]
        check(not on_disk, f"{gone} deleted locally is still in the "
              f"server's Maildir")

        # 4. New local messages go up (APPEND, then mbsync looks for them
        # by X-TUID: it must find each exactly once).
        for folder, n in (("INBOX", 1000), ("INBOX", 1001),
                          ("Work/Projects", 1000), ("Made Locally", 1)):
            data = make_message("local-" + folder.replace("/", "-")
                                .replace(" ", "-").lower(), n)
            deliver_local(local_dir(local, folder), data)
            expected[folder][message_id(data)] = ("", data)
        mbsync(conf, home, srv)
        check_folders(imap, local, expected)
        check_converged(imap, local, expected)

        # 5. A further sync has nothing to do.
        before = {f: sorted(os.path.basename(p) for p in
                            maildir_files(local_dir(local, f)))
                  for f in expected}
        mbsync(conf, home, srv)
        after = {f: sorted(os.path.basename(p) for p in
                           maildir_files(local_dir(local, f)))
                 for f in expected}
        check(before == after, f"the last sync changed local files: "
              f"{before} -> {after}")
        check_converged(imap, local, expected)
    finally:
        if imap:
            imap.logout()
        srv.stop()


def test_mbsync_tls(world):
    md = fresh_maildir(world, "Maildir-mbsync-tls")
    work = make_folder(md, ".Work")
    expected = {"INBOX": {}, "Work": {}}
    for folder, fdir in (("INBOX", md), ("Work", work)):
        for n in range(10):
            data = make_message("tls-" + folder.lower(), n)
            deliver(fdir, data, info="S" if n % 2 else None)
            expected[folder][message_id(data)] = ("S" if n % 2 else "",
                                                  data)
    srv = Server(world, maildir="~/Maildir-mbsync-tls", special_folders="")
    imap = None
    try:
        for how, port in (("IMAPS", srv.tls_port), ("STARTTLS", srv.port)):
            home = private_home(world, "mbsync-" + how.lower())
            local = os.path.join(home, "mail")
            os.makedirs(local)
            conf = write_config(home, local, port, ssl=how,
                                extra=f"CertificateFile {world.cert}\n")
            _, out, err = mbsync(conf, home, srv, verbose=True)
            check("in the clear" not in out + err,
                  f"mbsync {how} sent the password in the clear:\n{err}")
            # A local flag change goes up (STORE over the same TLS link).
            mid = "<tls-work.%d@interop.test>" % (0 if how == "IMAPS" else 2)
            path = local_view(local, "Work")[mid][0][0]
            set_local_flags(path, "FS")
            expected["Work"][mid] = ("FS", expected["Work"][mid][1])
            mbsync(conf, home, srv)
            imap = Imap(srv.port)
            check_converged(imap, local, expected)
            imap.logout()
            imap = None
            shutil.rmtree(home)
        srv.wait_log(r"login: user=alice .*tls=yes")
    finally:
        if imap:
            imap.logout()
        srv.stop()
