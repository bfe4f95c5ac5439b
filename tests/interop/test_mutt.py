"""mutt (2.2) reading and moving mail on skua over IMAP, as a person
does: open INBOX, display a message, save another one to a folder,
sync, quit.

mutt needs a terminal, so it runs on a pseudo-terminal (24x80, TERM
vt100) and its keystrokes come from a -e 'push ...' line: mutt reads them
after opening the folder, so nothing depends on timing. A run that does
not end within the time limit is killed and fails with the screen and
mutt's debug log (-d 2, in the private HOME). mutt reads no ~/.muttrc
(-n -F file), keeps no header or message cache, and does not try
STARTTLS on the plain port (ssl_starttls=no).

What mutt does underneath, and what is checked on the server after it
quits (through a separate IMAP session and in the Maildir):

- displaying a message fetches it with UID FETCH BODY.PEEK[] and marks
  it read with UID STORE +FLAGS.SILENT (\\Seen) on sync: the message is
  \\Seen on the server, the ones not displayed are not;
- save-message to =Archive is a UID COPY on the same server, then
  \\Deleted and, with delete=yes, EXPUNGE on sync: Archive holds the
  message once, byte for byte as it was in INBOX, and INBOX no longer
  has it, in IMAP nor on disk.

test_mutt_plain does this over plain TCP on loopback (mutt logs in with
AUTHENTICATE PLAIN and SASL-IR), test_mutt_compress the same with
imap_deflate set, so that the session after login runs over COMPRESS
DEFLATE, and test_mutt_tls over imaps:// with the test certificate in
certificate_file and the host name localhost, the certificate's name (an
untrusted certificate would make mutt ask, and the time limit would fail
the test)."""
import fcntl
import os
import pty
import re
import select
import shutil
import struct
import subprocess
import termios
import time

from harness import TestFailure, USERS, Server, check, fresh_maildir
from interop_util import (Imap, client_env, deliver, maildir_files,
                          make_folder, make_message, message_id,
                          private_home)

MUTT_TIMEOUT = 20


def run_on_pty(argv, env, cwd, timeout=MUTT_TIMEOUT):
    """Runs argv with a pseudo-terminal as its terminal; returns (exit
    status, everything it wrote). Kills it after timeout seconds."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    proc = subprocess.Popen(argv, env=env, cwd=cwd, stdin=slave,
                            stdout=slave, stderr=slave,
                            start_new_session=True)
    os.close(slave)
    screen = b""
    deadline = time.time() + timeout
    try:
        while True:
            left = deadline - time.time()
            if left <= 0:
                break
            ready, _, _ = select.select([master], [], [], min(left, 0.2))
            if ready:
                try:
                    chunk = os.read(master, 65536)
                except OSError:         # EIO: the other side is closed
                    chunk = b""
                if chunk:
                    screen += chunk
                    continue
                if proc.poll() is not None:
                    break
            elif proc.poll() is not None:
                break
        if proc.poll() is None:
            proc.kill()
            proc.wait(5)
            return None, screen
        return proc.returncode, screen
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(5)
        os.close(master)


def readable(screen):
    """The terminal output with the escape sequences taken out."""
    text = re.sub(rb"\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][0-9A-B]|\x1b[=>78]",
                  b" ", screen)
    text = re.sub(rb"[\x00-\x08\x0e-\x1f]", b"", text)
    return text.decode("utf-8", "replace")[-3000:]


def mutt(world, srv, url, keys, certfile=None, extra=()):
    """Runs mutt on url (a folder URL) with the pushed keys; fails the
    test unless it quits by itself with status 0. Returns mutt's debug
    log."""
    home = private_home(world, "mutt")
    os.makedirs(os.path.join(home, "tmp"))
    rc = os.path.join(home, "muttrc")
    lines = [
        f'set folder="{url}"',
        'set spoolfile="+INBOX"',
        'set imap_user="alice"',
        f'set imap_pass="{USERS["alice"][1]}"',
        'set imap_check_subscribed=no',
        'set ssl_starttls=no',
        'set ssl_force_tls=no',
        'set header_cache=""',
        'set message_cachedir=""',
        f'set certificate_file="{certfile or os.path.join(home, "certs")}"',
        f'set tmpdir="{os.path.join(home, "tmp")}"',
        f'set mbox="{os.path.join(home, "mbox")}"',
        f'set postponed="{os.path.join(home, "postponed")}"',
        'set record=""',
        'set sort=mailbox-order',
        'set delete=yes',
        'set move=no',
        'set mark_old=no',
        'set confirmappend=no',
        'set confirmcreate=no',
        'set wait_key=no',
        'set quit=yes',
        'set beep=no',
        'set sleep_time=0',
        'set timeout=3',
        'set mail_check=60',
        'unset help',
    ] + list(extra)
    with open(rc, "w") as f:
        f.write("\n".join(lines) + "\n")
    os.chmod(rc, 0o600)
    env = client_env(home)
    env["TERM"] = "vt100"
    env["COLUMNS"], env["LINES"] = "80", "24"
    argv = ["mutt", "-n", "-F", rc, "-d", "2", "-f", url + "INBOX",
            "-e", f'push "{keys}"']
    status, screen = run_on_pty(argv, env, home)
    debug = ""
    for name in sorted(os.listdir(home)):
        if name.startswith(".muttdebug"):
            with open(os.path.join(home, name), errors="replace") as f:
                debug += f"--- {name}\n" + f.read()
    if status != 0:
        debug = debug[-6000:]
        what = ("did not finish within %ds and was killed" % MUTT_TIMEOUT
                if status is None else "exited with status %d" % status)
        raise TestFailure(f"mutt {what}\nscreen:\n{readable(screen)}\n"
                          f"debug log:\n{debug}\nserver log:\n"
                          f"{srv.log_text()[-3000:]}")
    shutil.rmtree(home, ignore_errors=True)
    return debug


def read_and_move(world, md, srv, url, certfile=None, extra=()):
    """Messages 1..4 in INBOX: mutt displays 1 and saves 2 to Archive.
    Returns mutt's debug log."""
    msgs = {}
    for n in range(1, 5):
        data = make_message("mutt", n, body_lines=n * 3)
        if n == 2:
            data = data.replace(b"\n", b"\r\n")     # as some MDAs write
        deliver(md, data)
        msgs[n] = data
    archive = make_folder(md, ".Archive")
    keys = ("<first-entry><display-message><exit>"
            "<next-entry><save-message><kill-line>=Archive<enter>"
            "<sync-mailbox><quit>")
    debug = mutt(world, srv, url, keys, certfile, extra)

    imap = Imap(srv.port)
    try:
        inbox = imap.by_id("INBOX")
        arch = imap.by_id("Archive")
    finally:
        imap.logout()
    ids = {n: message_id(m) for n, m in msgs.items()}
    check(set(inbox) == {ids[1], ids[3], ids[4]},
          f"INBOX after the move: {sorted(inbox)}, want messages 1, 3, 4")
    check(all(len(v) == 1 for v in inbox.values()),
          f"INBOX has duplicates: {inbox.keys()}")
    check("\\Seen" in inbox[ids[1]][0][1],
          f"the displayed message is not \\Seen: {inbox[ids[1]][0][1]}")
    for n in (3, 4):
        check("\\Seen" not in inbox[ids[n]][0][1],
              f"message {n}, not displayed, is \\Seen")
    for n in (1, 3, 4):
        check(inbox[ids[n]][0][2] == msgs[n].replace(b"\n", b"\r\n"),
              f"message {n} changed in INBOX: {inbox[ids[n]][0][2]!r}")
    check(list(arch) == [ids[2]] and len(arch[ids[2]]) == 1,
          f"Archive after the move: {arch}")
    check(arch[ids[2]][0][2] == msgs[2],
          f"the moved message differs:\n{arch[ids[2]][0][2]!r}\nwant\n"
          f"{msgs[2]!r}")
    on_disk = list(maildir_files(archive).values())
    check(on_disk == [msgs[2]], f"Archive on disk: {on_disk}")
    in_inbox = [d for d in maildir_files(md).values()
                if message_id(d) == ids[2]]
    check(not in_inbox, "the moved message is still in INBOX on disk")
    return debug


def test_mutt_plain(world):
    md = fresh_maildir(world, "Maildir-mutt")
    srv = Server(world, maildir="~/Maildir-mutt", special_folders="")
    try:
        read_and_move(world, md, srv, f"imap://alice@127.0.0.1:{srv.port}/")
    finally:
        srv.stop()


def test_mutt_tls(world):
    md = fresh_maildir(world, "Maildir-mutt-tls")
    srv = Server(world, maildir="~/Maildir-mutt-tls", special_folders="")
    try:
        read_and_move(world, md, srv,
                      f"imaps://alice@localhost:{srv.tls_port}/",
                      certfile=world.cert)
        srv.wait_log(r"login: user=alice .*tls=yes")
    finally:
        srv.stop()


def test_mutt_compress(world):
    """The same with imap_deflate set: the server offers COMPRESS=DEFLATE
    (RFC 4978) after login, and mutt then talks deflate both ways."""
    md = fresh_maildir(world, "Maildir-mutt-deflate")
    srv = Server(world, maildir="~/Maildir-mutt-deflate", special_folders="")
    try:
        debug = read_and_move(world, md, srv,
                              f"imap://alice@127.0.0.1:{srv.port}/",
                              extra=["set imap_deflate=yes"])
        sent = re.search(r"> (a\d+) COMPRESS DEFLATE", debug)
        check(sent, "mutt did not send COMPRESS DEFLATE:\n" + debug[-3000:])
        check(re.search(r"< %s OK" % sent.group(1), debug),
              "COMPRESS DEFLATE was not accepted:\n" + debug[-3000:])
    finally:
        srv.stop()
