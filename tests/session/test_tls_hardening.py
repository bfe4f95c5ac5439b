"""TLS policy of the listener (issue 9, src/net/tls.c): TLS 1.2 at
least, the server's cipher order, forward secret AEAD suites only for
TLS 1.2, no compression, and no client-initiated renegotiation. Each is
tested against the implicit TLS port with a client that would accept
what the server must refuse."""
import re
import socket
import ssl
import subprocess
import time

from harness import Server, TIMEOUT, check


def handshake(port, ciphers=None, version=ssl.TLSVersion.TLSv1_2,
              min_version=None):
    """A TLS connection to port with the given offer; the SSLSocket, or
    the ssl.SSLError the handshake ended in."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.maximum_version = version
    if min_version is not None:
        ctx.minimum_version = min_version
    if ciphers is not None:
        ctx.set_ciphers(ciphers)
    sock = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
    try:
        s = ctx.wrap_socket(sock, server_hostname="localhost")
    except (ssl.SSLError, ConnectionResetError) as e:
        sock.close()
        return e
    return s


def s_client(port, args, script, pause=0.5):
    """openssl s_client with args, fed script line by line; its stdout
    and stderr."""
    p = subprocess.Popen(["openssl", "s_client", "-connect",
                          f"127.0.0.1:{port}", "-crlf"] + args,
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    time.sleep(pause)
    for line in script:
        try:
            p.stdin.write(line)
            p.stdin.flush()
        except BrokenPipeError:
            break
        time.sleep(pause)
    try:
        out, err = p.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        p.kill()
        out, err = p.communicate()
    return out.decode("utf-8", "replace"), err.decode("utf-8", "replace")


def test_tls11_is_refused(world):
    """A client that offers at most TLS 1.1 (with its own security level
    lowered so that it really offers it) gets no session."""
    srv = Server(world)
    try:
        out, err = s_client(srv.tls_port, ["-tls1_1", "-cipher",
                                           "DEFAULT@SECLEVEL=0"], [])
        check("* OK" not in out, f"TLS 1.1 got a greeting:\n{out}")
        check(re.search(r"(?i)alert protocol version|unsupported protocol|"
                        r"wrong version|no protocols available", err),
              f"s_client -tls1_1 said:\n{err}")
        # TLS 1.2 and 1.3 are served.
        for v in (ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_3):
            s = handshake(srv.tls_port, version=v, min_version=v)
            check(isinstance(s, ssl.SSLSocket), f"{v.name}: {s}")
            check(s.version() == v.name.replace("v1_", "v1."),
                  f"{v.name}: got {s.version()}")
            check(s.compression() is None, f"compression {s.compression()}")
            s.close()
    finally:
        srv.stop()


def test_tls12_suites(world):
    """TLS 1.2: the server's order wins (ECDHE-RSA-AES128-GCM before
    CHACHA20 in its list, whatever the client prefers); suites without
    forward secrecy (RSA key exchange) or without AEAD (CBC) are
    refused."""
    srv = Server(world)
    try:
        s = handshake(srv.tls_port, "ECDHE-RSA-CHACHA20-POLY1305:"
                      "ECDHE-RSA-AES256-GCM-SHA384:"
                      "ECDHE-RSA-AES128-GCM-SHA256")
        check(isinstance(s, ssl.SSLSocket), f"handshake: {s}")
        check(s.cipher()[0] == "ECDHE-RSA-AES128-GCM-SHA256",
              f"server preference not applied: {s.cipher()}")
        s.close()
        s = handshake(srv.tls_port, "DHE-RSA-AES256-GCM-SHA384")
        check(isinstance(s, ssl.SSLSocket), f"DHE: {s}")
        check(s.cipher()[0] == "DHE-RSA-AES256-GCM-SHA384", f"{s.cipher()}")
        s.close()
        for weak in ("AES128-GCM-SHA256", "AES256-SHA256",
                     "ECDHE-RSA-AES128-SHA", "ECDHE-RSA-AES256-SHA384",
                     "DHE-RSA-AES128-SHA"):
            s = handshake(srv.tls_port, weak)
            check(not isinstance(s, ssl.SSLSocket),
                  f"{weak} was accepted: {getattr(s, 'cipher', lambda: 0)()}")
    finally:
        srv.stop()


def test_client_renegotiation_is_refused(world):
    """openssl s_client -tls1_2 and "R" (renegotiate): the server does not
    renegotiate; the connection worked before and the IMAP command after
    the request is not served on a renegotiated session."""
    srv = Server(world)
    try:
        out, err = s_client(srv.tls_port, ["-tls1_2"],
                            [b"a NOOP\n", b"R\n", b"b NOOP\n"])
        check("a OK NOOP completed." in out, f"before R:\n{out}\n{err}")
        check("RENEGOTIATING" in out + err, f"R was not tried:\n{out}{err}")
        check("b OK" not in out, f"served after a renegotiation:\n{out}")
        check(re.search(r"(?i)no renegotiation", out + err),
              f"no no_renegotiation alert seen:\n{out}\n{err}")
    finally:
        srv.stop()
