"""COMPRESS=DEFLATE (RFC 4978) over real sockets, in the clear and over
implicit TLS. The client side is Python's zlib with wbits=-15 (raw
DEFLATE), each command sent with a sync flush as RFC 4978 clients do.

Covered: the capability only after login; COMPRESS answered OK in the
clear and everything after it compressed both ways, through a whole
session (SELECT, FETCH of a message large enough to span many deflate
blocks, APPEND with a synchronizing literal, IDLE hearing of a delivery,
LOGOUT with BYE); a second COMPRESS refused with COMPRESSIONACTIVE; an
unknown mechanism and a missing one refused with BAD, after which the
session goes on uncompressed; COMPRESS before login refused; and a
client that pipelines the next command, compressed, right behind the
COMPRESS line, in the same packet."""
import os
import random
import re
import time
import zlib

from harness import Client, Server, USERS, check, own, fresh_maildir

_serial = [0]


def deliver(maildir, data):
    _serial[0] += 1
    base = "%d.M%dP%d.cmp" % (1700000000 + _serial[0], _serial[0],
                             os.getpid())
    tmp = os.path.join(maildir, "tmp", base)
    with open(tmp, "wb") as f:
        f.write(data)
    own(tmp)
    os.rename(tmp, os.path.join(maildir, "new", base))
    return base


def big_message(size, seed):
    """A CRLF message of about size bytes: text lines with enough
    randomness that deflate cannot shrink it to nothing."""
    rnd = random.Random(seed)
    words = ["alpha", "beta", "gamma", "delta", "mail", "server", "zlib",
             "block", "window", "literal", "fetch", "idle"]
    out = [b"From: big@example.org\r\nTo: alice@example.org\r\n"
           b"Subject: big one\r\nMessage-ID: <big%d@example.org>\r\n\r\n"
           % seed]
    n = 0
    while n < size:
        line = " ".join(rnd.choice(words) + str(rnd.randrange(100000))
                        for _ in range(10)).encode() + b"\r\n"
        out.append(line)
        n += len(line)
    return b"".join(out)


class ZClient(Client):
    """harness.Client that can switch to COMPRESS=DEFLATE: from then on
    what it sends is deflated with a sync flush per send, and what it
    reads is inflated before it is split into lines."""

    def __init__(self, *args, **kwargs):
        self.comp = self.dec = None
        self.wire_in = self.wire_out = 0
        super().__init__(*args, **kwargs)

    def start_compress(self):
        """Called right after the tagged OK: what is already buffered
        came after its CRLF, so it is compressed."""
        self.comp = zlib.compressobj(6, zlib.DEFLATED, -15)
        self.dec = zlib.decompressobj(-15)
        rest, self.buf = self.buf, b""
        self.buf = self.dec.decompress(rest)

    def deflate(self, data):
        if isinstance(data, str):
            data = data.encode()
        return self.comp.compress(data) + self.comp.flush(zlib.Z_SYNC_FLUSH)

    def send(self, data):
        if isinstance(data, str):
            data = data.encode()
        if self.comp is not None:
            data = self.deflate(data)
        self.wire_out += len(data)
        self.sock.sendall(data)

    def _recv(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            return b""
        self.wire_in += len(chunk)
        if self.dec is not None:
            plain = self.dec.decompress(chunk)
            check(not self.dec.unused_data, "data after a final block")
            return plain if plain else None
        return chunk

    def line(self):
        while b"\r\n" not in self.buf:
            chunk = self._recv()
            if chunk == b"":
                raise AssertionError(f"connection closed; unread {self.buf!r}")
            if chunk:
                self.buf += chunk
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line.decode("utf-8", "replace")

    def read_bytes(self, n):
        while len(self.buf) < n:
            chunk = self._recv()
            check(chunk != b"", "connection closed inside a literal")
            if chunk:
                self.buf += chunk
        data, self.buf = self.buf[:n], self.buf[n:]
        return data

    def closed(self, timeout=10.0):
        self.sock.settimeout(timeout)
        try:
            while True:
                chunk = self._recv()
                if chunk == b"":
                    return True
                if chunk:
                    self.buf += chunk
        except OSError:
            return False


def server(world, name):
    return Server(world, maildir="~/" + name, special_folders="")


def login(srv, tls=False):
    c = ZClient(srv.tls_port if tls else srv.port, tls=tls)
    greeting = c.expect(r"\* OK \[CAPABILITY [^]]*\] .*")
    check("COMPRESS" not in greeting, f"advertised before login: {greeting}")
    _, tagged = c.cmd("l", f"LOGIN alice {USERS['alice'][1]}")
    check(re.search(r"\[CAPABILITY [^]]* COMPRESS=DEFLATE[] ]", tagged),
          f"not advertised after login: {tagged}")
    return c


def compress(c, tag="c"):
    c.send(f"{tag} COMPRESS DEFLATE\r\n")
    got = c.line()
    check(got == f"{tag} OK DEFLATE active", f"COMPRESS: got {got!r}")
    c.start_compress()


def fetch_body(c, tag, seq):
    """FETCH seq BODY.PEEK[]; returns the literal's bytes."""
    c.send(f"{tag} FETCH {seq} (BODY.PEEK[])\r\n")
    head = c.line()
    m = re.fullmatch(r"\* %d FETCH \(BODY\[\] \{(\d+)\}" % seq, head)
    check(m, f"FETCH: got {head!r}")
    data = c.read_bytes(int(m.group(1)))
    rest = c.line()
    check(rest == ")", f"after the literal: {rest!r}")
    got = c.line()
    check(got.startswith(f"{tag} OK"), f"FETCH end: {got!r}")
    return data


def whole_session(world, tls):
    name = "Maildir-compress-" + ("tls" if tls else "plain")
    md = fresh_maildir(world, name)
    big = big_message(400 * 1024, 1 if tls else 2)
    deliver(md, big)
    srv = server(world, name)
    try:
        c = login(srv, tls)
        compress(c)
        untagged, _ = c.cmd("s", "SELECT INBOX")
        check("* 1 EXISTS" in untagged, f"SELECT: {untagged}")
        # A big literal: many deflate blocks, sent as one response.
        data = fetch_body(c, "f", 1)
        check(data == big, f"FETCH: {len(data)} bytes, want {len(big)}")
        check(c.wire_in < len(big), f"{c.wire_in} bytes on the wire for "
              f"a {len(big)}-byte message: not compressed")
        # APPEND with a synchronizing literal: the "+" comes compressed.
        msg = big_message(100 * 1024, 3)
        c.send("a APPEND INBOX (\\Seen) {%d}\r\n" % len(msg))
        cont = c.line()
        check(cont.startswith("+"), f"APPEND: got {cont!r}")
        c.send(msg + b"\r\n")
        lines = []
        while True:
            got = c.line()
            if got.startswith("a "):
                break
            lines.append(got)
        check(got.startswith("a OK"), f"APPEND: {got!r}")
        c.cmd("n", "NOOP")
        check(fetch_body(c, "g", 2) == msg, "appended message differs")
        # IDLE: a delivery is announced, compressed and flushed at once.
        c.send("i IDLE\r\n")
        c.expect(r"\+ idling")
        time.sleep(0.2)
        deliver(md, b"Subject: news\r\n\r\nnew mail\r\n")
        start = time.time()
        got = c.line()
        check(got == "* 3 EXISTS", f"IDLE: got {got!r}")
        check(time.time() - start < 1.5, "EXISTS came late")
        c.expect(r"\* 3 RECENT")
        c.send("DONE\r\n")
        c.expect(r"i OK Idle completed\.")
        # Once is enough (RFC 4978 3).
        _, tagged = c.cmd("c2", "COMPRESS DEFLATE", "BAD")
        check("[COMPRESSIONACTIVE]" in tagged, tagged)
        untagged, _ = c.cmd("k", "CAPABILITY")
        check(any("COMPRESS=DEFLATE" in l for l in untagged), untagged)
        c.send("z LOGOUT\r\n")
        c.expect(r"\* BYE .*")
        c.expect(r"z OK .*")
        check(c.closed(), "connection still open after LOGOUT")
        c.close()
        srv.wait_log(r"logout: user=alice .* in=\d+ out=\d+")
        # The log counts what the session read and wrote, uncompressed;
        # the layer's debug line adds what crossed the wire.
        srv.wait_log(r"compress: DEFLATE wire in=\d+ out=\d+ since "
                     r"COMPRESS \(session in=\d+ out=\d+ uncompressed\)")
        m = re.search(r"logout: user=alice .* out=(\d+)", srv.log_text())
        check(int(m.group(1)) > len(big) + len(msg),
              f"out= counts compressed bytes: {m.group(0)}")
        if os.environ.get("SKUA_SHOW_LOG"):
            print(srv.log_text())
    finally:
        srv.stop()


def test_whole_session_plain(world):
    whole_session(world, tls=False)


def test_whole_session_tls(world):
    whole_session(world, tls=True)


def test_errors(world):
    fresh_maildir(world, "Maildir-compress-err")
    srv = server(world, "Maildir-compress-err")
    try:
        c = ZClient(srv.port)
        c.expect(r"\* OK .*")
        # RFC 4978 5: command-auth, so not before login.
        _, tagged = c.cmd("a", "COMPRESS DEFLATE", "BAD")
        check("login" in tagged, tagged)
        c.cmd("b", "NOOP")              # still in the clear
        c.cmd("l", f"LOGIN alice {USERS['alice'][1]}")
        _, tagged = c.cmd("c", "COMPRESS LZW", "BAD")
        check("LZW" in tagged, tagged)
        c.cmd("d", "COMPRESS", "BAD")
        c.cmd("e", "COMPRESS DEFLATE DEFLATE", "BAD")
        c.cmd("f", 'COMPRESS "DEFLATE"', "BAD")
        # None of that turned compression on.
        c.cmd("g", "NOOP")
        # Case does not matter (RFC 4978 5).
        c.send("h compress deflate\r\n")
        c.expect(r"h OK DEFLATE active")
        c.start_compress()
        c.cmd("i", "NOOP")
        c.cmd("z", "LOGOUT")
        c.close()
    finally:
        srv.stop()


def pipelined(world, tls):
    name = "Maildir-compress-pipe" + ("-tls" if tls else "")
    md = fresh_maildir(world, name)
    deliver(md, b"Subject: one\r\n\r\nbody\r\n")
    srv = server(world, name)
    try:
        c = login(srv, tls)
        # COMPRESS and, in the same packet, two commands compressed as
        # the client will compress everything after COMPRESS.
        comp = zlib.compressobj(6, zlib.DEFLATED, -15)
        tail = (comp.compress(b"d SELECT INBOX\r\ne NOOP\r\n") +
                comp.flush(zlib.Z_SYNC_FLUSH))
        c.sock.sendall(b"c COMPRESS DEFLATE\r\n" + tail)
        c.expect(r"c OK DEFLATE active")
        c.start_compress()
        c.comp = comp
        got = c.line()
        while not got.startswith("d "):
            got = c.line()
        check(got.startswith("d OK [READ-WRITE]"), f"SELECT: {got!r}")
        c.expect(r"e OK NOOP completed\.")
        c.cmd("f", "FETCH 1 (FLAGS)")
        c.cmd("z", "LOGOUT")
        c.close()
    finally:
        srv.stop()


def test_pipelined_plain(world):
    pipelined(world, tls=False)


def test_pipelined_tls(world):
    pipelined(world, tls=True)


def test_garbage_after_compress(world):
    """A client that says COMPRESS and then sends uncompressed commands
    is cut off, with a log line, not served nonsense."""
    fresh_maildir(world, "Maildir-compress-garbage")
    srv = server(world, "Maildir-compress-garbage")
    try:
        c = login(srv)
        c.send("c COMPRESS DEFLATE\r\n")
        c.expect(r"c OK DEFLATE active")
        c.sock.sendall(b"\xff\xff\xff\xff d NOOP\r\n")
        c.start_compress()
        check(c.closed(), "connection still open")
        c.close()
        srv.wait_log(r"disconnect: .*DEFLATE")
    finally:
        srv.stop()
