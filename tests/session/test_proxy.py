"""PROXY protocol listeners (proxy_listen, proxy_listen_tls,
proxy_trusted): a fake load balancer in Python sends v1 and v2 headers
over real sockets, and the server must take the client address from them
for the log, for local_networks (plaintext_auth = loopback) and for the
per-address connection limit; it must close connections from untrusted
sources and with malformed or late headers, consume no byte beyond the
header, and start implicit TLS after it."""
import re
import socket
import ssl
import struct
import time

from harness import (Client, Server, TIMEOUT, TestFailure, check)

SIG = b"\r\n\r\n\x00\r\nQUIT\n"
TRUSTED = "127.0.0.1"          # the fake proxy connects from here
UNTRUSTED = "127.0.0.2"


def v1(src, dst="192.0.2.200", sport=40000, dport=143):
    fam = "TCP6" if ":" in src else "TCP4"
    return f"PROXY {fam} {src} {dst} {sport} {dport}\r\n".encode()


def crc32c(data):
    crc = 0xffffffff
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ 0x82f63b78 if crc & 1 else crc >> 1
    return crc ^ 0xffffffff


def tlv(t, value):
    return struct.pack("!BH", t, len(value)) + value


def v2(src=None, dst=None, sport=40000, dport=143, tlvs=b"", local=False,
       crc=False):
    """A v2 header: PROXY over TCP4/TCP6 for src, or LOCAL."""
    if local:
        return SIG + b"\x20\x00" + struct.pack("!H", 0)
    if ":" in src:
        fam = b"\x21"
        addrs = (socket.inet_pton(socket.AF_INET6, src) +
                 socket.inet_pton(socket.AF_INET6, dst or "2001:db8::1"))
    else:
        fam = b"\x11"
        addrs = (socket.inet_pton(socket.AF_INET, src) +
                 socket.inet_pton(socket.AF_INET, dst or "192.0.2.200"))
    body = addrs + struct.pack("!HH", sport, dport) + tlvs
    if crc:
        body += tlv(0x03, b"\0\0\0\0")
    hdr = SIG + b"\x21" + fam + struct.pack("!H", len(body)) + body
    if crc:
        hdr = hdr[:-4] + struct.pack("!I", crc32c(hdr))
    return hdr


class ProxyServer(Server):
    """A Server with proxy listeners; their ports come from the log."""

    def __init__(self, world, **config):
        keys = {"proxy_listen": "127.0.0.1:0",
                "proxy_listen_tls": "127.0.0.1:0",
                "proxy_trusted": "127.0.0.1/32 10.9.9.9"}
        keys.update(config)
        super().__init__(world, **keys)
        self.proxy_port = self.proxy_tls_port = None
        deadline = time.time() + TIMEOUT
        while time.time() < deadline:
            for m in re.finditer(r"listening on 127\.0\.0\.1:(\d+) "
                                 r"\((tls, )?proxy\)", self.log_text()):
                if m.group(2):
                    self.proxy_tls_port = int(m.group(1))
                else:
                    self.proxy_port = int(m.group(1))
            if self.proxy_port and (self.proxy_tls_port or
                                    not keys["proxy_listen_tls"]):
                return
            time.sleep(0.02)
        self.stop()
        raise TestFailure("no proxy listener in the log:\n" + self.log_text())


def via_proxy(port, header, source=TRUSTED, tls=False, rest=b""):
    """Connects as the proxy would and sends the header (and rest) in one
    segment; returns a Client for what follows."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(TIMEOUT)
    s.bind((source, 0))
    s.connect(("127.0.0.1", port))
    s.sendall(header + rest)
    return Client(sock=s, tls=tls)


def refused(c):
    """True when the server closes without a greeting."""
    c.sock.settimeout(TIMEOUT)
    try:
        while True:
            chunk = c.sock.recv(65536)
            if not chunk:
                break
            c.buf += chunk
    except ConnectionResetError:
        pass
    except socket.timeout:
        return False
    return b"* OK" not in c.buf


def test_v1_client_address_decides_plaintext(world):
    srv = ProxyServer(world, plaintext_auth="loopback",
                      local_networks="127.0.0.0/8 192.0.2.0/24")
    try:
        # A client on a local network may log in without TLS...
        c = via_proxy(srv.proxy_port, v1("192.0.2.77", sport=51234))
        c.expect(r"\* OK \[CAPABILITY [^]]*AUTH=PLAIN[^]]*\] skua ready\.")
        c.cmd("a", "LOGIN alice alice-secret")
        c.cmd("b", "LOGOUT")
        srv.wait_log(r"login: user=alice rip=192\.0\.2\.77 ")
        srv.wait_log(r"proxy 127\.0\.0\.1 on 127\.0\.0\.1:\d+: "
                     r"client 192\.0\.2\.77:51234 \(v1\)")
        # ... one elsewhere may not, although the proxy is on loopback.
        c = via_proxy(srv.proxy_port, v1("203.0.113.5"))
        c.expect(r"\* OK \[CAPABILITY .*LOGINDISABLED\] skua ready\.")
        c.cmd("a", "LOGIN alice alice-secret", status="NO")
        c.cmd("b", "STARTTLS")
        c.starttls_handshake()
        c.cmd("c", "LOGIN alice alice-secret")
        c.cmd("d", "LOGOUT")
        srv.wait_log(r"login: user=alice rip=203\.0\.113\.5 ")
    finally:
        srv.stop()


def test_v2_tcp4_tcp6_and_tlvs(world):
    srv = ProxyServer(world, plaintext_auth="loopback",
                      local_networks="127.0.0.0/8 198.51.100.0/24 "
                                     "2001:db8::/32")
    try:
        tlvs = (tlv(0x01, b"imap") + tlv(0x02, b"mail.example.org") +
                tlv(0x05, b"conn-42") + tlv(0x04, b"\0\0\0") +
                tlv(0x20, b"\x01\0\0\0\0" + tlv(0x21, b"TLSv1.3")))
        c = via_proxy(srv.proxy_port, v2("198.51.100.20", tlvs=tlvs,
                                          crc=True))
        c.expect(r"\* OK \[CAPABILITY [^]]*AUTH=PLAIN[^]]*\] skua ready\.")
        c.cmd("a", "LOGIN bob bob-secret")
        c.cmd("b", "LOGOUT")
        srv.wait_log(r"login: user=bob rip=198\.51\.100\.20 ")
        srv.wait_log(r"client 198\.51\.100\.20:40000 \(v2\)")

        c = via_proxy(srv.proxy_port, v2("2001:db8::5", sport=6000))
        c.expect(r"\* OK \[CAPABILITY [^]]*AUTH=PLAIN[^]]*\] skua ready\.")
        c.cmd("a", "LOGIN alice alice-secret")
        c.cmd("b", "LOGOUT")
        srv.wait_log(r"login: user=alice rip=2001:db8::5 ")
        srv.wait_log(r"client \[2001:db8::5\]:6000 \(v2\)")

        c = via_proxy(srv.proxy_port, v2("2001:db9::5"))
        c.expect(r"\* OK \[CAPABILITY .*LOGINDISABLED\] skua ready\.")
        c.cmd("a", "LOGOUT")
    finally:
        srv.stop()


def test_local_and_unknown_keep_the_socket_address(world):
    srv = ProxyServer(world, plaintext_auth="loopback",
                      local_networks="127.0.0.1/32")
    try:
        for name, hdr in (("v2 LOCAL", v2(local=True)),
                          ("v1 UNKNOWN", b"PROXY UNKNOWN\r\n"),
                          ("v1 UNKNOWN long",
                           b"PROXY UNKNOWN ::1 ::2 1 2\r\n")):
            c = via_proxy(srv.proxy_port, hdr)
            got = c.expect(r"\* OK \[CAPABILITY .*\] skua ready\.")
            check("LOGINDISABLED" not in got,
                  f"{name}: the proxy's own loopback address was not used")
            c.cmd("a", "LOGIN alice alice-secret")
            c.cmd("b", "LOGOUT")
        srv.wait_log(r"login: user=alice rip=127\.0\.0\.1 ")
    finally:
        srv.stop()


def test_no_byte_beyond_the_header(world):
    """The client's first command arrives with the header; it must be
    answered, not swallowed with the header."""
    srv = ProxyServer(world)
    try:
        for hdr in (v1("192.0.2.5"), v2("192.0.2.6"), v2(local=True)):
            c = via_proxy(srv.proxy_port, hdr, rest=b"a1 CAPABILITY\r\n")
            c.expect(r"\* OK .*")
            c.expect(r"\* CAPABILITY .*")
            c.expect(r"a1 OK .*")
            c.cmd("z", "LOGOUT")
    finally:
        srv.stop()


def test_header_in_pieces(world):
    srv = ProxyServer(world)
    try:
        for hdr in (v1("192.0.2.8"), v2("192.0.2.9", tlvs=tlv(1, b"x"))):
            s = socket.create_connection(("127.0.0.1", srv.proxy_port),
                                         timeout=TIMEOUT)
            for i in range(len(hdr)):
                s.sendall(hdr[i:i + 1])
                time.sleep(0.005)
            c = Client(sock=s)
            c.expect(r"\* OK .*")
            c.cmd("z", "LOGOUT")
    finally:
        srv.stop()


def test_implicit_tls_after_the_header(world):
    srv = ProxyServer(world, plaintext_auth="never")
    try:
        for hdr in (v2("203.0.113.44", dport=993), v1("203.0.113.45")):
            c = via_proxy(srv.proxy_tls_port, hdr, tls=True)
            c.expect(r"\* OK \[CAPABILITY [^]]*AUTH=PLAIN[^]]*\] skua ready\.")
            c.cmd("a", "LOGIN alice alice-secret")
            c.cmd("b", "LOGOUT")
        srv.wait_log(r"login: user=alice rip=203\.0\.113\.44 .*tls=")
        srv.wait_log(r"login: user=alice rip=203\.0\.113\.45 ")
        # A client that starts TLS without a header is refused.
        s = socket.create_connection(("127.0.0.1", srv.proxy_tls_port),
                                     timeout=TIMEOUT)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        try:
            ctx.wrap_socket(s, server_hostname="localhost")
            raise TestFailure("TLS handshake without a PROXY header worked")
        except (ssl.SSLError, OSError):
            pass
        srv.wait_log(r"refused connection from 127\.0\.0\.1 on "
                     r"127\.0\.0\.1:\d+: bad PROXY header: not a PROXY")
    finally:
        srv.stop()


def test_untrusted_source_is_closed(world):
    srv = ProxyServer(world)
    try:
        c = via_proxy(srv.proxy_port, v1("192.0.2.1"), source=UNTRUSTED)
        check(refused(c), f"untrusted proxy got {c.buf!r}")
        srv.wait_log(r"refused connection from 127\.0\.0\.2 on "
                     r"127\.0\.0\.1:\d+: not in proxy_trusted")
        # The plain listener is no proxy listener: a header there is
        # a bad command, not a new address.
        c = Client(srv.port)
        c.expect(r"\* OK .*")
        c.send(v1("127.0.0.9"))
        c.expect(r"PROXY BAD .*")
        c.cmd("z", "LOGOUT")
    finally:
        srv.stop()


MALFORMED = [
    (b"a1 LOGIN alice alice-secret\r\n", "not a PROXY"),
    (b"PROXY TCP4 192.0.2.1 192.0.2.2 1 2\n", "LF without CR"),
    (b"PROXY TCP4 192.0.2.01 192.0.2.2 1 2\r\n", "IPv4"),
    (b"PROXY TCP4 192.0.2.1 192.0.2.2 1 65536\r\n", "port"),
    (b"PROXY TCP9 192.0.2.1 192.0.2.2 1 2\r\n", "protocol"),
    (b"PROXY UNKNOWN " + b"x" * 120 + b"\r\n", "107"),
    (SIG + b"\x31\x11\x00\x0c" + b"\0" * 12, "version"),
    (SIG + b"\x23\x11\x00\x0c" + b"\0" * 12, "command"),
    (SIG + b"\x21\x51\x00\x0c" + b"\0" * 12, "family"),
    (SIG + b"\x21\x11\x00\x08" + b"\0" * 8, "too short"),
    (SIG + b"\x21\x11\xff\xff", "longer"),
]


def test_malformed_headers_are_closed(world):
    bad_tlv = v2("192.0.2.1", tlvs=tlv(2, b"abc"))
    bad_tlv = bad_tlv[:14] + struct.pack("!H", len(bad_tlv) - 16 - 1) + \
        bad_tlv[16:-1]
    trailing = v2("192.0.2.1", tlvs=b"\x04\x00")
    bad_crc = bytearray(v2("192.0.2.1", crc=True))
    bad_crc[-1] ^= 1
    cases = MALFORMED + [(bad_tlv, "longer than the header"),
                              (trailing, "not a TLV"),
                              (bytes(bad_crc), "CRC32C")]
    srv = ProxyServer(world)
    try:
        for hdr, why in cases:
            c = via_proxy(srv.proxy_port, hdr)
            check(refused(c), f"{hdr!r}: got {c.buf!r}, want close")
            srv.wait_log(r"refused connection from 127\.0\.0\.1 on "
                         r"127\.0\.0\.1:\d+: bad PROXY header: .*" +
                         re.escape(why))
        # Still serving.
        c = via_proxy(srv.proxy_port, v1("192.0.2.1"))
        c.expect(r"\* OK .*")
        c.cmd("z", "LOGOUT")
    finally:
        srv.stop()


def test_late_header_is_closed(world):
    srv = ProxyServer(world)
    try:
        c = via_proxy(srv.proxy_port, b"PROXY TCP4 192.0.2")
        start = time.time()
        check(refused(c), f"half a header got {c.buf!r}")
        took = time.time() - start
        check(3 <= took <= 8, f"closed after {took:.1f}s, want about 5")
        srv.wait_log(r"no complete PROXY header in time")
    finally:
        srv.stop()


def test_per_address_limit_uses_the_reported_address(world):
    """All proxied connections come from the proxy's one address; the
    limit must count the clients, not lock everyone out at the proxy."""
    srv = ProxyServer(world, max_connections_per_ip=2, max_connections=6)
    try:
        held = []
        for i in range(2):
            c = via_proxy(srv.proxy_port, v2("203.0.113.1", sport=1000 + i))
            c.expect(r"\* OK .*")
            held.append(c)
        c = via_proxy(srv.proxy_port, v2("203.0.113.1", sport=1002))
        c.expect(r"\* BYE Too many connections from your address")
        srv.wait_log(r"refused connection from 203\.0\.113\.1 via "
                     r"127\.0\.0\.1 on 127\.0\.0\.1:\d+: Too many "
                     r"connections from your address")
        for i in range(2):      # other clients behind the same proxy
            c = via_proxy(srv.proxy_port, v1(f"203.0.113.{2 + i}"))
            c.expect(r"\* OK .*")
            held.append(c)
        c = via_proxy(srv.proxy_port, v1("203.0.113.9"))
        c.expect(r"\* OK .*")
        held.append(c)
        # Five children and one slot; direct clients share the total.
        d = Client(srv.port)
        d.expect(r"\* OK .*")
        held.append(d)
        e = via_proxy(srv.proxy_port, v1("203.0.113.10"))
        e.expect(r"\* BYE Too many connections, try again later")
        for c in held:
            c.close()
    finally:
        srv.stop()


def test_empty_trusted_refuses_everyone(world):
    srv = ProxyServer(world, proxy_trusted="")
    try:
        srv.wait_log(r"proxy_trusted is empty")
        c = via_proxy(srv.proxy_port, v1("192.0.2.1"))
        check(refused(c), f"got {c.buf!r} with nobody trusted")
    finally:
        srv.stop()
