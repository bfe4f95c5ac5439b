"""etc/pam.d/imap as PAM reads it: the installed file goes into
pam_wrapper's service directory, and the common-auth and common-account
it includes are test files there that use pam_matrix, so its @include
lines, and the auth and account stacks they bring, decide LOGINs over a
socket. libpam resolves a relative @include in /etc/pam.d even when
pam_wrapper gives it another directory, so the copy names the test files
by absolute path; nothing else in it changes."""
import os
import re
import shutil
import socket
import subprocess

from harness import Client, PAM_MATRIX, TIMEOUT, check
from opsutil import installed


def pam_world(world):
    d = world.path("ops-pam.d")
    if os.path.exists(d):
        shutil.rmtree(d)
    os.makedirs(d)
    passdb = world.path("ops-passdb")
    with open(passdb, "w") as f:
        f.write("alice:alice-secret:imap\n")
        # bob's password is right, but his account is for another
        # service: only the account stack (pam_acct_mgmt) refuses him.
        f.write("bob:bob-secret:smtp\n")
    with open(installed(world).path("/etc/pam.d/imap")) as f:
        text = f.read()
    text, n = re.subn(r"^@include (\S+)$", lambda m: "@include " +
                      os.path.join(d, m.group(1)), text, flags=re.M)
    check(n == 2, f"etc/pam.d/imap has {n} @include lines, want 2")
    with open(os.path.join(d, "imap"), "w") as f:
        f.write(text)
    with open(os.path.join(d, "common-auth"), "w") as f:
        f.write(f"auth required {PAM_MATRIX} passdb={passdb}\n")
    with open(os.path.join(d, "common-account"), "w") as f:
        f.write(f"account required {PAM_MATRIX} passdb={passdb}\n")
    with open(os.path.join(d, "other"), "w") as f:
        f.write("auth required pam_deny.so\naccount required pam_deny.so\n")
    env = world.env()
    env["PAM_WRAPPER_SERVICE_DIR"] = d
    return env


def login(world, env, user, password, status):
    conf = world.config("pam-ops.conf", auth_failure_delay=0)
    ours, theirs = socket.socketpair()
    p = subprocess.Popen([world.imapd, "-i", "-F", "-c", conf], env=env,
                         stdin=theirs, stdout=theirs, stderr=subprocess.PIPE,
                         text=True)
    theirs.close()
    try:
        c = Client(sock=ours)
        c.expect(r"\* OK .*")
        c.cmd("a", f"LOGIN {user} {password}", status)
        c.cmd("b", "LOGOUT")
        p.wait(TIMEOUT)
        return p.stderr.read()
    finally:
        if p.poll() is None:
            p.kill()
        p.wait()
        p.stderr.close()


def test_pam_file_end_to_end(world):
    with open(installed(world).path("/etc/pam.d/imap")) as f:
        lines = [l.strip() for l in f if l.strip() and not l.startswith("#")]
    check(lines == ["@include common-auth", "@include common-account"],
          f"etc/pam.d/imap: {lines}")
    env = pam_world(world)
    log = login(world, env, "alice", "alice-secret", "OK")
    check("login: user=alice" in log, f"log:\n{log}")
    log = login(world, env, "alice", "wrong", "NO")
    check("auth failed: user=<alice>" in log, f"log:\n{log}")
    log = login(world, env, "bob", "bob-secret", "NO")
    check("auth failed: user=<bob>" in log, f"log:\n{log}")
    # Without the file the service is "other", which denies: the LOGIN
    # above succeeded through etc/pam.d/imap and nothing else.
    os.unlink(os.path.join(env["PAM_WRAPPER_SERVICE_DIR"], "imap"))
    login(world, env, "alice", "alice-secret", "NO")
