"""write_timeout (issue 9, imapd.conf(5)): a client that asks for a long
response and stops reading is cut off once a write has made no progress
for that long, and its connection process goes away; a client that does
read gets everything. The test sets 2 seconds; nothing else would end
these sessions (idle_timeout is 30 minutes)."""
import socket

from harness import Server, TIMEOUT, check
from hardening import deliver, fresh, login, session_pid, wait_children

# 16 MiB: more than the kernel's send and receive buffers on loopback
# (4 MiB each at most by default) and the stream's own 64 KiB.
LINE = b"w" * 1022 + b"\r\n"
BODY = b"Subject: big\r\n\r\n" + LINE * (16 * 1024)


def setup(world, name):
    deliver(fresh(world, name), BODY)
    return Server(world, maildir="~/" + name, write_timeout=2)


def test_reader_that_stops_is_cut_off(world):
    srv = setup(world, "WriteStall")
    c = None
    try:
        c = login(srv)
        c.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        pid = session_pid(srv)
        c.cmd("s", "SELECT INBOX")
        c.send("f FETCH 1 BODY.PEEK[]\r\n")
        # 2 s of stall, with a wide margin for a loaded machine.
        kids = wait_children(srv, 0, timeout=3 * TIMEOUT)
        check(pid not in kids, f"session {pid} still there long after "
              f"write_timeout ran out")
        srv.wait_log(r"disconnect: write: timed out rip=127\.0\.0\.1")
        srv.wait_log(r"logout: user=alice .* reason=error ")
    finally:
        if c:
            c.close()
        srv.stop()


def test_reader_that_reads_gets_it_all(world):
    """The same FETCH to a client that reads: the timeout is for a
    stalled peer, not for a long response."""
    srv = setup(world, "WriteFlow")
    c = None
    try:
        c = login(srv)
        c.cmd("s", "SELECT INBOX")
        c.send("f FETCH 1 BODY.PEEK[]\r\n")
        head = c.line()
        check(head.endswith(f"{{{len(BODY)}}}"), f"got {head!r}")
        while len(c.buf) < len(BODY):
            chunk = c.sock.recv(1 << 20)
            check(chunk, "connection closed during the FETCH")
            c.buf += chunk
        check(c.buf[:len(BODY)] == BODY, "the body came back different")
        c.buf = c.buf[len(BODY):]
        c.expect(r"\)")
        c.expect(r"f OK .*")
    finally:
        if c:
            c.close()
        srv.stop()
