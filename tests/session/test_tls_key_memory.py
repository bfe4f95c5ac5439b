"""The TLS private key leaves a connection process's memory once its
handshake is done, or at login when it made none (issue 9,
src/net/tls.c). The proof reads the processes' memory through
/proc/PID/maps and /proc/PID/mem and looks for the key's secret numbers
(both primes and the private exponent, from `openssl pkey -text`):

- in the listener, which keeps the key for the connections to come, they
  must be found (so the search can find them);
- in a connection process that has not made its handshake yet, too (it
  holds the listener's copy, inherited by fork);
- after the handshake or the login they must be found nowhere: neither
  as the big-endian bytes of the DER the key came from nor as the
  little-endian words of OpenSSL's BIGNUMs, nor a line of the PEM file.

The listener must hold the numbers only, not the file's text or DER:
those passed through buffers that are wiped when freed.

As root this works although the sessions are undumpable after the
privilege drop. As an ordinary user the sessions do not drop (they run as
we do), so it works too; if the kernel refuses anyway, the tests say so
and skip.

Under a memory checker (SKUA_SANITIZER, set by tests/sanitize.sh) the
scans are skipped: an AddressSanitizer process has hundreds of MiB of
resident bookkeeping to read, and what the checker is for, the C code
that drops the key, runs in every TLS and plaintext login of the other
session tests anyway."""
import os
import subprocess
import time

from harness import IS_ROOT, Client, Server, TIMEOUT, USERS, check

SECRETS = ("prime1", "prime2", "privateExponent")
CHUNK = 4 << 20
# Bigger mappings are reservations, not data: AddressSanitizer's shadow
# (terabytes mapped without backing). Reading them would take hours.
MAX_MAPPING = 1 << 30


class Unreadable(Exception):
    pass


def key_numbers(path):
    """The key's secret numbers, big-endian, without leading zeros."""
    text = subprocess.run(["openssl", "pkey", "-in", path, "-text",
                           "-noout"], check=True, capture_output=True,
                          text=True).stdout
    fields, name = {}, None
    for line in text.splitlines():
        if not line.startswith(" "):
            name = line.split(":", 1)[0]
            fields[name] = ""
        elif name is not None:
            fields[name] += line.strip()
    return {n: bytes.fromhex(fields[n].replace(":", "")).lstrip(b"\0")
            for n in SECRETS}


def needles(path):
    """32 bytes from the middle of each secret number, in both byte
    orders: big-endian as in the DER decoded from the file, little-endian
    as OpenSSL's BIGNUMs hold them (64-bit words, least significant
    first: on x86-64 and arm64 the whole number reversed). And a line of
    the file's base64 text."""
    out = {}
    for name, be in key_numbers(path).items():
        mid = len(be) // 2
        piece = be[mid - 16:mid + 16]
        out[name + "/be"] = piece
        out[name + "/le"] = piece[::-1]
    with open(path, "rb") as f:
        lines = f.read().splitlines()
    out["pem"] = lines[len(lines) // 2]
    return out


def as_numbers(wanted):
    return {k for k in wanted if k.endswith("/le")}


def scan(pid, wanted):
    """The names of the needles found in pid's readable mappings. Raises
    Unreadable when the memory cannot be read at all."""
    try:
        with open(f"/proc/{pid}/maps") as f:
            maps = f.read().splitlines()
        mem = open(f"/proc/{pid}/mem", "rb", buffering=0)
    except OSError as e:
        raise Unreadable(f"/proc/{pid}: {e}")
    found, read = set(), 0
    overlap = max(len(n) for n in wanted.values()) - 1
    with mem:
        for line in maps:
            fields = line.split()
            lo, hi = (int(x, 16) for x in fields[0].split("-"))
            path = fields[5] if len(fields) > 5 else ""
            if fields[1][0] != "r" or path in ("[vvar]", "[vsyscall]") or \
                    hi - lo > MAX_MAPPING:
                continue
            tail = b""
            for at in range(lo, hi, CHUNK):
                try:
                    mem.seek(at)
                    data = mem.read(min(CHUNK, hi - at))
                except OSError:
                    break
                read += len(data)
                data = tail + data
                found.update(k for k, n in wanted.items() if n in data)
                tail = data[-overlap:]
    if read == 0:
        raise Unreadable(f"/proc/{pid}/mem: nothing readable")
    return found


def only_child(srv):
    """The one connection process of srv, once it is there."""
    deadline = time.time() + TIMEOUT
    while time.time() < deadline:
        kids = srv.children()
        if len(kids) == 1:
            return kids[0]
        time.sleep(0.05)
    check(False, f"want one connection process, have {kids}")


def login(c):
    c.cmd("l", f"LOGIN alice {USERS['alice'][1]}")
    c.cmd("n", "NOOP")


def setup(world):
    """A server, the needles, and the proof that the listener's memory
    can be read and holds the key. None (after saying why) when the
    memory of our own children cannot be read here."""
    if os.environ.get("SKUA_SANITIZER"):
        print(f"skip: memory scans under {os.environ['SKUA_SANITIZER']} "
              f"(see the docstring)")
        return None, None
    wanted = needles(world.key)
    srv = Server(world)
    try:
        in_listener = scan(srv.proc.pid, wanted)
    except Unreadable as e:
        srv.stop()
        check(not IS_ROOT, f"root cannot read the listener's memory: {e}")
        print(f"skip: cannot read a process's memory as uid "
              f"{os.getuid()} ({e}); the key's absence is not checked")
        return None, None
    if not as_numbers(wanted) <= in_listener:
        srv.stop()
        check(False, f"the listener's memory should hold the key (the "
              f"search must find it); found only {sorted(in_listener)}")
    # It holds the numbers only: the file's text and the DER decoded
    # from it went through buffers that were wiped (net/tlsmem).
    if in_listener - as_numbers(wanted):
        srv.stop()
        check(False, f"the listener holds the key file's text or DER: "
              f"{sorted(in_listener)}")
    return srv, wanted


def absent(srv, wanted, when):
    pid = only_child(srv)
    try:
        found = scan(pid, wanted)
    except Unreadable as e:
        # As an ordinary user, uid_wrapper lets the session believe it
        # drops privileges, but its PR_SET_DUMPABLE is real: after login
        # only root may read it.
        check(not IS_ROOT, f"{when}: root cannot read the session: {e}")
        print(f"skip: {when}: the session's memory is closed to uid "
              f"{os.getuid()} ({e})")
        return
    check(not found, f"{when}: the session (pid {pid}) still holds the "
          f"private key's {sorted(found)}")


def test_key_gone_after_implicit_tls_login(world):
    srv, wanted = setup(world)
    if srv is None:
        return
    c = None
    try:
        c = Client(srv.tls_port, tls=True)
        c.expect(r"\* OK .*")
        absent(srv, wanted, "after the handshake")
        login(c)
        absent(srv, wanted, "after a login over TLS")
    finally:
        if c:
            c.close()
        srv.stop()


def test_key_gone_after_starttls(world):
    """Before STARTTLS the connection process holds the key (the copy it
    was forked with); after the handshake it does not."""
    srv, wanted = setup(world)
    if srv is None:
        return
    c = None
    try:
        c = Client(srv.port)
        c.expect(r"\* OK .*")
        c.cmd("n0", "NOOP")
        pid = only_child(srv)
        found = scan(pid, wanted)
        check(as_numbers(wanted) <= found,
              f"before STARTTLS the session should hold the key; found "
              f"only {sorted(found)}")
        c.cmd("t", "STARTTLS")
        c.starttls_handshake()
        c.cmd("n1", "NOOP")
        absent(srv, wanted, "after STARTTLS")
        login(c)
        absent(srv, wanted, "after STARTTLS and login")
    finally:
        if c:
            c.close()
        srv.stop()


def test_key_gone_after_plaintext_login(world):
    """A session that never made a handshake drops the key at login:
    STARTTLS is over then (RFC 3501 6.2.1), and after login it runs as the
    user."""
    srv, wanted = setup(world)
    if srv is None:
        return
    c = None
    try:
        c = Client(srv.port)
        c.expect(r"\* OK .*")
        login(c)
        absent(srv, wanted, "after a plaintext login")
        c.cmd("s", "STARTTLS", status="BAD")
    finally:
        if c:
            c.close()
        srv.stop()
