"""`make install` as a packager runs it: DESTDIR, PREFIX=/usr and
sysconfdir=/etc, into a temporary directory. Every file lands where the
system reads it, with the installed paths written into it, and what an
admin may have edited is left alone by a second install."""
import os
import re
import subprocess

from harness import TIMEOUT, check
from opsutil import installed

UNITS = ["imapd.service", "imapd.socket", "imapd@.service", "imaps.socket",
         "imaps@.service", "imapd-activated.socket", "imaps-activated.socket",
         "imapd-activated.service"]

WANT = {
    "/usr/sbin/imapd", "/usr/bin/rimapd",
    "/etc/skua/imapd.conf",
    "/usr/share/man/man8/imapd.8", "/usr/share/man/man8/rimapd.8",
    "/usr/share/man/man5/imapd.conf.5",
    "/etc/pam.d/imap",
    "/etc/xinetd.d/imap", "/etc/xinetd.d/imaps",
    "/usr/share/doc/skua/inetd.conf",
    "/etc/fail2ban/filter.d/skua-imapd.conf",
    "/etc/fail2ban/jail.d/skua-imapd.conf",
} | {"/usr/lib/systemd/system/" + u for u in UNITS}


def test_install_puts_every_file_in_place(world):
    inst = installed(world)
    got = inst.files()
    check(got == WANT, f"installed files: missing {sorted(WANT - got)}, "
          f"unexpected {sorted(got - WANT)}")
    for exe in ("/usr/sbin/imapd", "/usr/bin/rimapd"):
        mode = os.stat(inst.path(exe)).st_mode & 0o777
        check(mode == 0o755, f"{exe} has mode {mode:o}, want 755")
    for f in WANT - {"/usr/sbin/imapd", "/usr/bin/rimapd"}:
        mode = os.stat(inst.path(f)).st_mode & 0o777
        check(mode == 0o644, f"{f} has mode {mode:o}, want 644")


def test_install_writes_the_installed_paths(world):
    inst = installed(world)
    for f in sorted(WANT - {"/usr/sbin/imapd", "/usr/bin/rimapd"}):
        with open(inst.path(f)) as fh:
            text = fh.read()
        check("@" + "sbindir@" not in text and "@" + "sysconfdir@" not in text,
              f"{f}: a template variable was left in it")
        check("/usr/local" not in text, f"{f} still names /usr/local")
    for u in UNITS:
        if not u.endswith(".service"):
            continue
        exe = inst.unit(u)["Service"]
        starts = [v for k, v in exe if k == "ExecStart"]
        check(len(starts) == 1 and starts[0].startswith("/usr/sbin/imapd "),
              f"{u}: ExecStart {starts}")
    with open(inst.path("/usr/share/man/man8/imapd.8")) as f:
        man = f.read()
    check("/etc/skua/imapd.conf" in man, "imapd(8) does not name "
          "/etc/skua/imapd.conf")
    # The installed program looks for its configuration there too.
    r = subprocess.run([inst.path("/usr/sbin/imapd"), "-h"],
                       capture_output=True, text=True, timeout=TIMEOUT)
    check("(default /etc/skua/imapd.conf)" in r.stdout,
          f"imapd -h of the installed program: {r.stdout!r}")
    with open(inst.path("/etc/skua/imapd.conf")) as f, \
            open(os.path.join(os.path.dirname(__file__), "..", "..", "etc",
                              "imapd.conf")) as g:
        check(f.read() == g.read(), "installed imapd.conf differs from "
              "etc/imapd.conf")


def test_install_keeps_what_the_admin_edited(world):
    inst = installed(world)
    mine = {"/etc/skua/imapd.conf": "# mine\nmax_connections = 5\n",
            "/etc/pam.d/imap": "auth required pam_permit.so # mine\n",
            "/etc/xinetd.d/imap": "# mine, enabled\n"}
    for f, text in mine.items():
        with open(inst.path(f), "w") as fh:
            fh.write(text)
    try:
        inst.run()
        for f, text in mine.items():
            with open(inst.path(f)) as fh:
                check(fh.read() == text, f"a second install replaced {f}")
        check(inst.files() == WANT, "a second install changed the file list")
    finally:
        for f in mine:
            os.unlink(inst.path(f))
        inst.run()
    with open(inst.path("/etc/pam.d/imap")) as f:
        check(re.search(r"^@include common-auth$", f.read(), re.M),
              "the PAM file was not put back")
