"""Authentication over real sockets: PAM through pam_wrapper (pam_matrix)
and passwd-file; LOGIN and AUTHENTICATE PLAIN/LOGIN with and without
SASL-IR; failures, their limit, and the privilege drop."""
import base64
import os

import re

from harness import Client, IS_ROOT, Server, check, proc_status
import harness

CAPS_AUTHED = r"\[CAPABILITY " + re.escape(harness.CAPS_AUTHED) + r"\] Logged in"


def b64(s):
    return base64.b64encode(s.encode()).decode()


def login_variants(srv, user, password):
    c = Client(srv.port)
    c.expect(r"\* OK .*")
    c.cmd("a", f"LOGIN {user} \"{password}\"")
    c.close()
    # AUTHENTICATE PLAIN with an initial response (RFC 4959)
    c = Client(srv.tls_port, tls=True)
    c.expect(r"\* OK .*")
    _, ok = c.cmd("b", f"AUTHENTICATE PLAIN {b64(chr(0) + user + chr(0) + password)}")
    check("Logged in" in ok, f"got {ok!r}")
    c.close()
    # AUTHENTICATE PLAIN without one: empty challenge, then the response
    c = Client(srv.port)
    c.expect(r"\* OK .*")
    c.send("c AUTHENTICATE PLAIN\r\n")
    c.expect(r"\+ ")
    c.send(b64(user + "\0" + user + "\0" + password) + "\r\n")
    c.expect(r"c OK " + CAPS_AUTHED)
    c.close()
    # AUTHENTICATE LOGIN: Username:, Password:
    c = Client(srv.port)
    c.expect(r"\* OK .*")
    c.send("d AUTHENTICATE LOGIN\r\n")
    c.expect(r"\+ VXNlcm5hbWU6")
    c.send(b64(user) + "\r\n")
    c.expect(r"\+ UGFzc3dvcmQ6")
    c.send(b64(password) + "\r\n")
    c.expect(r"d OK " + CAPS_AUTHED)
    c.close()


def test_pam_login_and_authenticate(world):
    srv = Server(world, auth="pam")
    try:
        login_variants(srv, "alice", "alice-secret")
        srv.wait_log(r"login: user=alice rip=127\.0\.0\.1 lip=127\.0\.0\.1 mech=PLAIN tls=yes")
    finally:
        srv.stop()


def test_passwd_file_login_and_authenticate(world):
    srv = Server(world, auth="passwd-file " + world.path("users"))
    try:
        login_variants(srv, "alice", "alice-secret")   # {PLAIN}
        login_variants(srv, "bob", "bob-secret")       # SHA512-CRYPT
    finally:
        srv.stop()


def test_wrong_password_delay_and_limit(world):
    srv = Server(world, auth="pam", max_auth_failures=3)
    try:
        c = Client(srv.port)
        c.expect(r"\* OK .*")
        c.cmd("a1", "LOGIN alice wrong", "NO [AUTHENTICATIONFAILED] Authentication failed.")
        c.cmd("a2", "LOGIN nosuchuser wrong", "NO [AUTHENTICATIONFAILED]")
        c.send("a3 AUTHENTICATE PLAIN " + b64("\0alice\0wrong") + "\r\n")
        c.expect(r"a3 NO \[AUTHENTICATIONFAILED\] Authentication failed\.")
        c.expect(r"\* BYE Too many failed logins")
        check(c.closed(), "connection open after 3 failures")
        # One log line per failure, with user and address, for fail2ban.
        srv.wait_log(r"auth failed: user=<alice> rip=127\.0\.0\.1 mech=LOGIN attempt=1")
        srv.wait_log(r"auth failed: user=<nosuchuser> rip=127\.0\.0\.1 mech=LOGIN attempt=2")
        srv.wait_log(r"auth failed: user=<alice> rip=127\.0\.0\.1 mech=PLAIN attempt=3")
    finally:
        srv.stop()


def test_authenticate_errors(world):
    srv = Server(world)
    try:
        c = Client(srv.port)
        c.expect(r"\* OK .*")
        c.cmd("a", "AUTHENTICATE CRAM-MD5", "NO Unsupported authentication mechanism")
        c.send("b AUTHENTICATE PLAIN\r\n")
        c.expect(r"\+ ")
        c.send("*\r\n")
        c.expect(r"b BAD Authentication cancelled")
        c.cmd("c", "AUTHENTICATE PLAIN !!!notbase64", "BAD Authentication invalid base64")
        c.cmd("d", "AUTHENTICATE PLAIN " + b64("bob\0alice\0alice-secret"),
              "NO [AUTHORIZATIONFAILED]")
        c.cmd("e", "AUTHENTICATE", "BAD")
        # Still usable afterwards.
        c.cmd("f", "AUTHENTICATE PLAIN " + b64("alice\0alice\0alice-secret"))
    finally:
        srv.stop()


def test_privilege_drop_is_final(world):
    """The process serving alice runs as alice, with alice's groups only,
    and no saved root uid; read from /proc as the issue asks."""
    srv = Server(world)
    try:
        c = Client(srv.port)
        c.expect(r"\* OK .*")
        c.cmd("a", "LOGIN alice alice-secret")
        c.cmd("b", "NOOP")
        kids = srv.children()
        check(len(kids) == 1, f"got {len(kids)} connection processes, want 1")
        st = proc_status(kids[0])
        if IS_ROOT:
            check(st["Uid"] == ["10001"] * 4, f"Uid {st['Uid']}, want 10001 x4")
            check(st["Gid"] == ["10001"] * 4, f"Gid {st['Gid']}, want 10001 x4")
            check(sorted(st.get("Groups", [])) == ["10001", "10010"],
                  f"Groups {st.get('Groups')}, want 10001 10010")
            check(st["CapEff"] == ["0000000000000000"],
                  f"CapEff {st['CapEff']}, want none")
        else:
            # uid_wrapper: the ids are virtual; the real ones are ours.
            # The drop itself is checked in check_privdrop as well.
            check(st["Uid"][0] == str(os.getuid()), f"Uid {st['Uid']}")
    finally:
        srv.stop()


def test_session_cwd_is_home(world):
    srv = Server(world)
    try:
        c = Client(srv.port)
        c.expect(r"\* OK .*")
        c.cmd("a", "LOGIN bob bob-secret")
        kids = srv.children()
        check(len(kids) == 1, f"got {kids}")
        try:
            cwd = os.readlink(f"/proc/{kids[0]}/cwd")
        except PermissionError:
            # Not root: the session made itself undumpable after the
            # drop, so its /proc entries are root's. The run as root
            # checks the directory.
            check(not IS_ROOT, "root cannot read the session's cwd")
            return
        check(cwd == world.path("home", "bob"), f"cwd {cwd}, want bob's home")
    finally:
        srv.stop()


def test_loopback_exemption(world):
    """plaintext_auth = loopback trusts local_networks: a client from
    127.0.0.1 outside local_networks = 127.0.0.2/32 gets LOGINDISABLED,
    the same from 127.0.0.2 may log in."""
    srv = Server(world, plaintext_auth="loopback",
                 local_networks="127.0.0.2/32")
    try:
        c = Client(srv.port, source="127.0.0.1")
        c.expect(r"\* OK \[CAPABILITY .* STARTTLS LOGINDISABLED\] .*")
        c.cmd("a", "LOGIN alice alice-secret", "NO [PRIVACYREQUIRED]")
        c.close()
        c = Client(srv.port, source="127.0.0.2")
        c.expect(r"\* OK \[CAPABILITY .* STARTTLS AUTH=PLAIN AUTH=LOGIN\] .*")
        c.cmd("a", "LOGIN alice alice-secret")
        c.close()
    finally:
        srv.stop()
    srv = Server(world, plaintext_auth="always", local_networks="127.0.0.2/32")
    try:
        c = Client(srv.port, source="127.0.0.1")
        c.expect(r"\* OK \[CAPABILITY .* AUTH=PLAIN AUTH=LOGIN\] .*")
        c.cmd("a", "LOGIN alice alice-secret")
    finally:
        srv.stop()


def test_backend_error_is_not_a_failure(world):
    """A missing passwd-file is the admin's problem, not the user's: the
    client gets NO [UNAVAILABLE] and the log names the file."""
    srv = Server(world, auth="passwd-file " + world.path("no-such-file"))
    try:
        c = Client(srv.port)
        c.expect(r"\* OK .*")
        c.cmd("a", "LOGIN alice alice-secret", "NO [UNAVAILABLE]")
        srv.wait_log(r"auth error: user=<alice> .*no-such-file")
    finally:
        srv.stop()
