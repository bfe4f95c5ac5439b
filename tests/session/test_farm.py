"""A farm: two imapd instances behind HAProxy (mode tcp, roundrobin,
send-proxy-v2 to proxy_listen), sharing one Maildir tree. Concurrent
sessions of one user go through HAProxy to both instances and APPEND,
STORE +FLAGS, COPY, EXPUNGE and FETCH at once; afterwards no message may
be lost or duplicated, UIDs must be unique and increasing, and a final
session on each instance must see the same UID -> flags map, equal to
what the operations imply.

HAProxy runs in the foreground (-db) with a configuration file of our
own, on a free loopback port, and is stopped by the PID we started. The
test is skipped (passes with a note) when haproxy is not installed."""
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import threading
import time

from harness import Client, TIMEOUT, TestFailure, check
from test_proxy import ProxyServer

CLIENTS = 8
OPS = 25                # per client
HAPROXY = shutil.which("haproxy") or "/usr/sbin/haproxy"


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class HAProxy:
    def __init__(self, world, backends):
        self.log = world.path("haproxy.log")
        for _ in range(5):
            self.port = free_port()
            conf = world.path("haproxy.cfg")
            with open(conf, "w") as f:
                f.write(f"""# written by tests/session/test_farm.py
global
    maxconn 256

defaults
    mode tcp
    timeout connect 5s
    timeout client 60s
    timeout server 60s

frontend imap
    bind 127.0.0.1:{self.port}
    default_backend skua

backend skua
    balance roundrobin
""")
                for i, port in enumerate(backends):
                    f.write(f"    server skua{i + 1} 127.0.0.1:{port} "
                            f"send-proxy-v2\n")
            out = open(self.log, "w")
            self.proc = subprocess.Popen([HAPROXY, "-f", conf, "-db"],
                                         stdin=subprocess.DEVNULL,
                                         stdout=out, stderr=out)
            out.close()
            deadline = time.time() + TIMEOUT
            while time.time() < deadline and self.proc.poll() is None:
                try:
                    socket.create_connection(("127.0.0.1", self.port),
                                             timeout=1).close()
                    return
                except OSError:
                    time.sleep(0.05)
            self.stop()     # the port was taken after all: try another
        raise TestFailure("haproxy did not start: " + open(self.log).read())

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(TIMEOUT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def login(port):
    c = Client(port)
    c.expect(r"\* OK .*")
    c.cmd("l", "LOGIN alice alice-secret")
    return c


def flags_of(text):
    m = re.search(r"FLAGS \(([^)]*)\)", text)
    return frozenset(f for f in m.group(1).split() if f != "\\Recent")


class Worker(threading.Thread):
    """One client: OPS operations in cycles of five (APPEND, STORE +FLAGS
    on its own message, COPY it, STORE +FLAGS \\Seen on someone else's
    message, then EXPUNGE one of its own or FETCH everything)."""

    def __init__(self, k, port, folder, copies, seed):
        super().__init__(daemon=True)
        self.k, self.port, self.folder, self.copies = k, port, folder, copies
        self.rng = random.Random(seed)
        self.appended = {}      # subject -> uid
        self.deleted = set()    # subjects
        self.seen_on = set()    # uids of others' messages given \Seen
        self.said_gone = set()  # uids a STORE found expunged
        self.copied = {}        # subject -> uid in the copy folder
        self.error = None
        self.ops = 0
        self.tag = 0

    def cmd(self, text, status="OK"):
        self.tag += 1
        return self.c.cmd(f"w{self.k}.{self.tag}", text, status)

    def cmd_racing(self, text):
        """A command on messages another session may have expunged:
        RFC 9051 7.1 allows NO [EXPUNGEISSUED] then. Returns True for
        OK, False for that NO."""
        self.tag += 1
        tag = f"w{self.k}.{self.tag}"
        self.c.send(f"{tag} {text}\r\n")
        while True:
            line = self.c.line()
            if line.startswith(tag + " "):
                break
        check(re.match(rf"{re.escape(tag)} (OK|NO \[EXPUNGEISSUED\])",
                       line), f"{text}: {line!r}")
        return " OK" in line

    def run(self):
        try:
            self.c = login(self.port)
            self.cmd(f"SELECT {self.folder}")
            last = None
            for j in range(OPS):
                step = j % 5
                if step == 0:
                    subject = f"c{self.k}-m{j}"
                    msg = (f"From: c{self.k}@example.org\r\n"
                           f"Subject: {subject}\r\n"
                           f"Message-ID: <{subject}@farm>\r\n\r\n"
                           f"body of {subject}\r\n")
                    self.tag += 1
                    tag = f"w{self.k}.{self.tag}"
                    self.c.send(f"{tag} APPEND {self.folder} "
                                f"{{{len(msg)}}}\r\n")
                    self.c.expect(r"\+ .*")
                    self.c.send(msg + "\r\n")
                    while True:
                        line = self.c.line()
                        if line.startswith(tag + " "):
                            break
                    m = re.match(rf"{re.escape(tag)} OK \[APPENDUID \d+ "
                                 r"(\d+)\]", line)
                    check(m, f"APPEND: {line!r}")
                    last = subject
                    self.appended[subject] = int(m.group(1))
                elif step == 1:
                    self.cmd(f"UID STORE {self.appended[last]} +FLAGS "
                             f"(\\Flagged $c{self.k})")
                elif step == 2:
                    _, ok = self.cmd(f"UID COPY {self.appended[last]} "
                                     f"{self.copies}")
                    m = re.search(r"\[COPYUID \d+ \d+ (\d+)\]", ok)
                    check(m, f"COPY: {ok!r}")
                    self.copied[last] = int(m.group(1))
                elif step == 3:
                    lines, _ = self.cmd("UID FETCH 1:* (UID)")
                    uids = [int(u) for u in re.findall(r"UID (\d+)",
                                                       " ".join(lines))]
                    mine = set(self.appended.values())
                    others = [u for u in uids if u not in mine]
                    if others:
                        u = self.rng.choice(others)
                        if self.cmd_racing(f"UID STORE {u} +FLAGS.SILENT "
                                           f"(\\Seen)"):
                            self.seen_on.add(u)
                        else:
                            self.said_gone.add(u)
                elif (j // 5) % 2 == 1:
                    self.cmd(f"UID STORE {self.appended[last]} "
                             f"+FLAGS.SILENT (\\Deleted)")
                    self.cmd("EXPUNGE")
                    self.deleted.add(last)
                else:
                    self.cmd_racing("FETCH 1:* (UID FLAGS)")
                self.ops += 1
            self.cmd("LOGOUT")
        except Exception as e:         # reported by the main thread
            self.error = f"client {self.k}: {e!r}"


def snapshot(port, folder):
    """UIDVALIDITY and {uid: (subject, flags)} of folder, from one
    instance, after a NOOP to catch up."""
    c = login(port)
    lines, _ = c.cmd("s", f"SELECT {folder}")
    uv = int(re.search(r"UIDVALIDITY (\d+)", " ".join(lines)).group(1))
    c.cmd("n", "NOOP")
    lines, _ = c.cmd("f", "UID FETCH 1:* (FLAGS BODY.PEEK[HEADER.FIELDS "
                          "(SUBJECT)])")
    c.cmd("z", "LOGOUT")
    out = {}
    text = "\n".join(lines)
    for m in re.finditer(r"\* \d+ FETCH \((.*?)\{\d+\}\nSubject: (\S+)",
                         text):
        uid = int(re.search(r"UID (\d+)", m.group(1)).group(1))
        check(uid not in out, f"{folder}: UID {uid} listed twice")
        out[uid] = (m.group(2), flags_of(m.group(1)))
    return uv, out


def test_farm_behind_haproxy(world):
    if not os.path.exists(HAPROXY):
        print("     (haproxy not installed; farm test skipped)")
        return
    stamp = f"{os.getpid()}x{int(time.time())}"
    folder, copies = f"Farm{stamp}", f"FarmCopy{stamp}"
    common = dict(proxy_listen_tls="", proxy_trusted="127.0.0.1",
                  plaintext_auth="loopback", max_connections_per_ip=100,
                  special_folders="")
    a = ProxyServer(world, name="farm1.conf", **common)
    b = ProxyServer(world, name="farm2.conf", **common)
    hap = None
    try:
        hap = HAProxy(world, [a.proxy_port, b.proxy_port])
        c = login(a.port)
        c.cmd("c1", f"CREATE {folder}")
        c.cmd("c2", f"CREATE {copies}")
        c.cmd("z", "LOGOUT")
        uv_before, _ = snapshot(b.port, folder)

        start = time.time()
        workers = [Worker(k, hap.port, folder, copies, seed=k)
                   for k in range(CLIENTS)]
        for w in workers:
            w.start()
        for w in workers:
            w.join(120)
            check(not w.is_alive(), f"client {w.k} still running after "
                                    f"120s; did {w.ops} operations")
        took = time.time() - start
        errors = [w.error for w in workers if w.error]
        check(not errors, "; ".join(errors))
        ops = sum(w.ops for w in workers)
        check(ops == CLIENTS * OPS, f"{ops} operations done")

        # Both instances served some of the sessions, through the proxy.
        served = []
        for srv in (a, b):
            n = len(re.findall(r"client 127\.0\.0\.1:\d+ \(v2\)",
                               srv.log_text()))
            check(n > 0, "an instance got no session from HAProxy")
            served.append(n)
            check("bad PROXY header" not in srv.log_text(),
                  "an instance refused a header from HAProxy")

        # UIDs: unique, and increasing in the order each client saw.
        all_uids = [u for w in workers for u in w.appended.values()]
        check(len(all_uids) == len(set(all_uids)),
              f"two APPENDs got one UID: {sorted(all_uids)}")
        for w in workers:
            seq = [w.appended[f"c{w.k}-m{j}"] for j in range(0, OPS, 5)]
            check(seq == sorted(seq), f"client {w.k}: UIDs not "
                                      f"increasing: {seq}")
        copy_uids = [u for w in workers for u in w.copied.values()]
        check(len(copy_uids) == len(set(copy_uids)),
              f"two COPYs got one UID: {sorted(copy_uids)}")

        # What must be there, with which flags.
        seen = set().union(*(w.seen_on for w in workers))
        want = {}
        for w in workers:
            for subject, uid in w.appended.items():
                if subject in w.deleted:
                    continue
                fl = {"\\Flagged", f"$c{w.k}"}
                if uid in seen:
                    fl.add("\\Seen")
                want[uid] = (subject, frozenset(fl))

        views = {}
        for name, srv in (("first", a), ("second", b)):
            uv, got = snapshot(srv.port, folder)
            check(uv == uv_before, f"{name}: UIDVALIDITY changed from "
                                   f"{uv_before} to {uv}")
            views[name] = got
        check(views["first"] == views["second"],
              f"the instances disagree:\n{views['first']}\n"
              f"{views['second']}")
        got = views["first"]
        missing = set(want) - set(got)
        extra = set(got) - set(want)
        check(not missing and not extra,
              f"lost UIDs {sorted(missing)}, unexpected {sorted(extra)}")
        for uid, (subject, fl) in want.items():
            check(got[uid] == (subject, fl),
                  f"UID {uid}: got {got[uid]}, want {(subject, set(fl))}")
        gone = set().union(*(w.said_gone for w in workers))
        check(not gone & set(got), f"STORE said UIDs {sorted(gone & set(got))}"
                                   f" were expunged, but they are there")
        subjects = [s for s, _ in got.values()]
        check(len(subjects) == len(set(subjects)),
              "one message under two UIDs")

        # Copies: all there, each once, with the owner's flags (and
        # \Seen only when someone set it on the original before the
        # copy, which the clients cannot know; both views must agree).
        ca = snapshot(a.port, copies)[1]
        cb = snapshot(b.port, copies)[1]
        check(ca == cb, f"the instances disagree on the copies:\n{ca}\n{cb}")
        want_copies = {uid: s for w in workers for s, uid in w.copied.items()}
        check(set(ca) == set(want_copies),
              f"copies: got UIDs {sorted(ca)}, want "
              f"{sorted(want_copies)}")
        for uid, (subject, fl) in ca.items():
            k = subject.split("-")[0][1:]
            check(subject == want_copies[uid] and
                  {"\\Flagged", f"$c{k}"} <= fl <=
                  {"\\Flagged", f"$c{k}", "\\Seen"},
                  f"copy UID {uid}: got {subject} {set(fl)}")

        # On disk: one file per message, no leftovers in tmp/.
        d = world.path("home", "alice", "Maildir", "." + folder)
        files = os.listdir(os.path.join(d, "cur")) + \
            os.listdir(os.path.join(d, "new"))
        check(len(files) == len(want), f"{len(files)} files on disk, "
                                       f"want {len(want)}")
        check(not os.listdir(os.path.join(d, "tmp")), "files left in tmp/")
        print(f"     farm: {CLIENTS} clients x {OPS} operations = {ops} "
              f"through HAProxy in {took:.1f}s (sessions per instance: "
              f"{served[0]}, {served[1]}); {len(want)} messages and "
              f"{len(ca)} copies left", flush=True)
    finally:
        if hap:
            hap.stop()
        a.stop()
        b.stop()
