"""Hostile and careless input before login: oversized lines and
literals, STARTTLS command injection, timeouts, garbage."""
import socket
import ssl
import threading
import time

from harness import Client, Server, TestFailure, check


def greet(c):
    c.expect(r"\* OK .*")


def test_ten_megabyte_line(world):
    """A 10 MB line gets a BAD, is skipped without being buffered, and
    the session goes on."""
    srv = Server(world)
    try:
        c = Client(srv.port)
        greet(c)
        junk = b"a1 NOOP " + b"x" * (10 * 1024 * 1024) + b"\r\n"
        t = threading.Thread(target=c.send, args=(junk,))
        t.start()
        c.expect(r"a1 BAD Line too long")
        t.join(30)
        c.cmd("a2", "NOOP")
        kids = srv.children()
        with open(f"/proc/{kids[0]}/status") as f:
            rss = [l for l in f if l.startswith("VmHWM")][0].split()[1]
        check(int(rss) < 20 * 1024, f"peak RSS {rss} kB after a 10 MB line")
    finally:
        srv.stop()


def test_huge_literal_announcements(world):
    srv = Server(world)
    try:
        c = Client(srv.port)
        greet(c)
        # Synchronizing: refused before the client sends a byte of it.
        c.send("a1 LOGIN {4294967296}\r\n")
        c.expect(r"a1 BAD Literal too large")
        c.cmd("a2", "NOOP")
        c.send("a3 LOGIN {99999999999999999999999999}\r\n")
        c.expect(r"a3 BAD Literal too large")
        c.cmd("a4", "NOOP")
        # Non-synchronizing and too large to skip: BYE (RFC 7888 4).
        c.send("a5 LOGIN {4294967296+}\r\n")
        c.expect(r"a5 BAD Literal too large")
        c.expect(r"\* BYE .*")
        check(c.closed(), "connection still open after a 4 GB {n+}")
    finally:
        srv.stop()


def test_nonsync_literal_over_limit_is_skipped(world):
    srv = Server(world)
    try:
        c = Client(srv.port)
        greet(c)
        c.send(b"a1 LOGIN {20000+}\r\n" + b"y" * 20000 + b" pw\r\n")
        c.expect(r"a1 BAD Literal too large")
        c.cmd("a2", "NOOP")
    finally:
        srv.stop()


def test_starttls_injection(world):
    """Commands pipelined after STARTTLS in the same packet are thrown
    away, not run as if they came over TLS (CERT VU#555316)."""
    srv = Server(world, plaintext_auth="never")
    try:
        c = Client(srv.port)
        greet(c)
        c.send("s1 STARTTLS\r\ns2 LOGIN alice alice-secret\r\n")
        c.expect(r"s1 OK Begin TLS negotiation now\.")
        check(c.buf == b"", f"bytes after the STARTTLS reply: {c.buf!r}")
        c.starttls_handshake()
        _, ok = c.cmd("s3", "NOOP")
        c.cmd("s4", "CAPABILITY")
        # s2 never ran: still not authenticated.
        c.cmd("s5", "SELECT INBOX", "BAD SELECT is not allowed before login")
    finally:
        srv.stop()


def test_login_timeout(world):
    srv = Server(world, login_timeout=1)
    try:
        c = Client(srv.port)
        greet(c)
        start = time.time()
        c.expect(r"\* BYE Login timed out")
        check(c.closed(), "still open after the login timeout")
        check(time.time() - start < 5, "timeout took too long")
    finally:
        srv.stop()


def test_login_timeout_is_not_reset_by_activity(world):
    """The deadline runs from the greeting: NOOPs do not extend it."""
    srv = Server(world, login_timeout=2)
    try:
        c = Client(srv.port)
        greet(c)
        for i in range(4):
            try:
                c.cmd(f"n{i}", "NOOP")
            except TestFailure:
                break
            time.sleep(0.7)
        check(c.closed(), "session outlived its login deadline")
    finally:
        srv.stop()


def test_garbage_then_bye(world):
    srv = Server(world)
    try:
        c = Client(srv.port)
        greet(c)
        c.send("\r\n")                   # empty lines are ignored
        c.send("(\r\n")
        c.expect(r"\* BAD .*")
        c.send('a1 LOGIN "unterminated\r\n')
        c.expect(r"a1 BAD .*")
        c.send(b"\x00\xff\xfe\r\n")
        c.expect(r"\* BAD .*")
        c.cmd("a2", "NOOP")
        for i in range(25):
            c.send(f"x{i} BOGUS\r\n")
        lines = []
        while True:
            try:
                lines.append(c.line())
            except (TestFailure, ConnectionResetError):
                break
        check(any(l.startswith("* BYE Too many invalid commands") for l in lines),
              f"no BYE after 25 bad commands: {lines[-3:]}")
    finally:
        srv.stop()


def test_tls_handshake_garbage(world):
    """Plaintext on the TLS port ends that connection, not the server."""
    srv = Server(world)
    try:
        s = socket.create_connection(("127.0.0.1", srv.tls_port), timeout=10)
        s.sendall(b"a1 LOGIN alice alice-secret\r\n")
        s.settimeout(10)
        try:
            data = s.recv(100)
        except ConnectionResetError:
            data = b""
        check(b"OK" not in data, f"plaintext answered on the TLS port: {data!r}")
        s.close()
        c = Client(srv.tls_port, tls=True)
        greet(c)
    finally:
        srv.stop()


def test_idle_timeout_after_login(world):
    srv = Server(world, idle_timeout=1)
    try:
        c = Client(srv.port)
        greet(c)
        c.cmd("a", "LOGIN alice alice-secret")
        c.expect(r"\* BYE Autologout; idle for too long")
        check(c.closed(), "still open after the idle timeout")
        srv.wait_log(r"disconnect: idle timeout user=alice rip=127\.0\.0\.1")
    finally:
        srv.stop()
