#!/usr/bin/env python3
"""tests/bench/run.py — skua and Dovecot side by side (issue 8; `make bench`).

    run.py [--build build] [--quick] [--reps N] [--only W1,W4,...] [--keep]

Starts skua (build/imapd -F, auth = passwd-file) and a private Dovecot
(/usr/sbin/dovecot -F with a complete configuration of its own: base_dir,
state_dir and logs in the run directory, a self-signed certificate,
passdb passwd-file, userdb static) on free loopback ports, each on its own
copy of the same generated corpora, and runs every workload on both in
turn, A B A B, N times. Each run is one invocation of the C client
build/bench/imapbench, which checks every answer (tagged OK; the counts are
then checked here: EXISTS and FETCH responses against the corpus, SEARCH
hits between the servers, APPENDed messages), so a fast wrong answer never
makes a number. A failed check on one server is printed as FAIL with what
was wrong and makes the exit status 1.

Corpora come from tests/bench/gen_corpus.py, made once into
build/bench/corpus-N (1k, 10k and 100k messages; --quick uses 1k and 10k
only) and given to each server as a hard-linked copy (cp -al: Maildir
never rewrites a message file in place, and the index files each server
writes are its own). "Cold" means a fresh copy without any index file of
either server (no dovecot-uidlist, dovecot.index*, skua.*); the page cache
is not dropped.

The table shows per workload and server the median [min-max] over the
repetitions, the server's CPU time (the whole server process tree, from
/proc, for the whole invocation), the client's CPU time, and the ratio
skua/Dovecot of each pair of runs with the target from the issue.
"""
import argparse
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
DOVECOT = "/usr/sbin/dovecot"
NOBODY = 65534
IS_ROOT = os.geteuid() == 0
PASSWORD = "bench"
TICK = os.sysconf("SC_CLK_TCK")
START = 1609459200          # gen_corpus.py's first date

# workload key: (label, unit, better, target ratio)  better: "low"|"high"
WORKLOADS = [
    ("W1plain", "W1 login loop plain", "ms/session", "low", 0.6),
    ("W1tls", "W1 login loop TLS", "ms/session", "low", 0.8),
    ("W2cold", "W2 SELECT cold", "ms", "low", 0.4),
    ("W2again", "W2 SELECT again at once", "ms", "low", None),
    ("W2warm", "W2 SELECT warm", "ms", "low", 1.0),
    ("W3", "W3 UID FETCH FLAGS", "ms", "low", 0.4),
    ("W7", "W7 STORE +/-\\Seen", "ms", "low", 0.8),
    # The same renames by a bare C loop (tests/bench/renfloor.c) in the
    # skua column, against Dovecot's W7: the floor the target stands on.
    ("W7floor", "W7 floor: renames alone", "ms", "low", None),
    ("W4cold", "W4 FETCH ENV/BS cold", "ms", "low", 0.5),
    ("W4warm", "W4 FETCH ENV/BS warm", "ms", "low", 0.5),
    ("W5body", "W5 SEARCH BODY", "ms", "low", 0.25),
    ("W5from", "W5 SEARCH FROM", "ms", "low", 0.7),
    ("W5since", "W5 SEARCH SINCE", "ms", "low", 0.7),
    ("W6", "W6 APPEND x%(append)d", "ms", "low", 0.5),
    ("W8", "W8 %(clients)d clients", "ops/s", "high", 2.0),
    ("W8p50", "W8 latency p50", "ms", "low", None),
    ("W8p95", "W8 latency p95", "ms", "low", None),
    ("M1one", "M1 PSS 1 session", "KiB", "low", 1.0),
    ("M1rss", "M1 RSS 1 session", "KiB", "low", None),
    ("M1fifty", "M1 PSS %(clients)d sessions", "KiB", "low", None),
    ("M1tree", "M1 PSS whole server", "KiB", "low", None),
    # Only with --only W9: skua with fts = yes (a server of its own) on
    # the big folder against Dovecot scanning it.
    ("W9build", "W9 fts: index built, all searches", "ms", "low", None),
    ("W9size", "W9 fts: index size", "KiB", "low", None),
    ("W9rare", "W9 fts SEARCH BODY rare, warm", "ms", "low", None),
    ("W9common", "W9 fts SEARCH BODY common, warm", "ms", "low", None),
    ("W9text", "W9 fts SEARCH TEXT Message-ID, warm", "ms", "low", None),
]


class BenchError(Exception):
    pass


def log(msg):
    print(msg, flush=True)


# --- processes --------------------------------------------------------------

def proc_table():
    """{pid: (ppid, comm, utime+stime ticks, cutime+cstime ticks)}"""
    out = {}
    for e in os.listdir("/proc"):
        if not e.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % e) as f:
                st = f.read()
        except OSError:
            continue
        comm = st[st.index("(") + 1:st.rindex(")")]
        f = st.rsplit(")", 1)[1].split()
        out[int(e)] = (int(f[1]), comm, int(f[11]) + int(f[12]),
                       int(f[13]) + int(f[14]), f[0])
    return out


def descendants(root, table):
    kids = {}
    for pid, v in table.items():
        kids.setdefault(v[0], []).append(pid)
    out, todo = [], [root]
    while todo:
        p = todo.pop()
        for k in kids.get(p, []):
            out.append(k)
            todo.append(k)
    return out


def tree_cpu_ms(root):
    t = proc_table()
    if root not in t:
        return 0.0
    ticks = t[root][2] + t[root][3]
    for p in descendants(root, t):
        ticks += t[p][2]
    return ticks * 1000.0 / TICK


def smaps(pid):
    v = {}
    with open("/proc/%d/smaps_rollup" % pid) as f:
        for line in f:
            k, _, rest = line.partition(":")
            if k in ("Rss", "Pss"):
                v[k] = int(rest.split()[0])
    return v


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def run_quiet(args):
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL)


# --- the servers ------------------------------------------------------------

class Server:
    name = "?"

    def __init__(self, rundir, users, uid, gid, cert, key):
        self.rundir = rundir
        self.home = os.path.join(rundir, "home-" + self.name)
        os.makedirs(self.home)
        os.chmod(rundir, 0o755)
        os.chmod(self.home, 0o755)
        self.users, self.uid, self.gid = users, uid, gid
        self.cert, self.key = cert, key
        self.proc = None
        self.baseline = 0

    def user_home(self, user):
        return os.path.join(self.home, user)

    def settle(self, timeout=3.0):
        """Waits until the connection processes of the last run are gone
        and reaped, so that their CPU time is in the master's."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            t = proc_table()
            kids = [p for p in descendants(self.proc.pid, t)
                    if not self.is_daemon(t[p][1])]
            if not kids:
                return
            time.sleep(0.01)

    def is_daemon(self, comm):
        return False

    def cpu_ms(self):
        return tree_cpu_ms(self.proc.pid)

    def sessions(self):
        """Pids of the processes serving a session."""
        t = proc_table()
        return [p for p in descendants(self.proc.pid, t)
                if self.is_session(t[p][1])]

    def tree(self):
        return [self.proc.pid] + descendants(self.proc.pid, proc_table())

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class Skua(Server):
    name = "skua"
    files = ""              # prefix of its files in the run directory
    extra = ""              # more imapd.conf lines

    def start(self, build):
        users = os.path.join(self.rundir, self.files + "skua-users")
        with open(users, "w") as f:
            for u in self.users:
                f.write("%s:{PLAIN}%s:%d:%d::%s::\n" % (
                    u, PASSWORD, self.uid, self.gid, self.user_home(u)))
        conf = os.path.join(self.rundir, self.files + "imapd.conf")
        self.port, self.tls_port = free_port(), free_port()
        with open(conf, "w") as f:
            f.write("# skua for tests/bench/run.py\n"
                    "listen = 127.0.0.1:%d\nlisten_tls = 127.0.0.1:%d\n"
                    "tls_cert = %s\ntls_key = %s\n"
                    "auth = passwd-file %s\nplaintext_auth = loopback\n"
                    "pidfile = %s/%simapd.pid\n"
                    "max_connections_per_ip = 1000\n"
                    # W8 opens 50 connections at once from one address
                    "max_unauth_connections_per_ip = 1000\n%s" % (
                        self.port, self.tls_port, self.cert, self.key,
                        users, self.rundir, self.files, self.extra))
        self.logf = open(os.path.join(self.rundir, self.files + "skua.log"),
                         "w")
        self.proc = subprocess.Popen(
            [os.path.join(build, "imapd"), "-F", "-c", conf],
            stdin=subprocess.DEVNULL, stdout=self.logf, stderr=self.logf)
        wait_port(self, self.port)
        wait_port(self, self.tls_port)

    def is_session(self, comm):
        return True

    def version(self):
        return "skua"


class SkuaFts(Skua):
    """skua with the full-text index (W9); its results count as skua's."""
    name = "skua-fts"
    files = "fts-"
    extra = "fts = yes\n"


class Dovecot(Server):
    name = "dovecot"
    DAEMONS = ("anvil", "log", "config", "stats", "auth", "dovecot")

    def is_daemon(self, comm):
        return comm in self.DAEMONS

    def is_session(self, comm):
        return comm == "imap"

    def start(self, build):
        d = os.path.join(self.rundir, "dc")
        os.makedirs(d)
        users = os.path.join(d, "users")
        with open(users, "w") as f:
            for u in self.users:
                f.write("%s:{PLAIN}%s::::::\n" % (u, PASSWORD))
        self.port, self.tls_port = free_port(), free_port()
        # base_dir holds unix sockets: keep its path short.
        self.base = tempfile.mkdtemp(prefix="skb-")
        me = None if IS_ROOT else os.environ.get("USER") or \
            subprocess.run(["id", "-un"], capture_output=True,
                           text=True).stdout.strip()
        conf = os.path.join(d, "dovecot.conf")
        with open(conf, "w") as f:
            f.write("""# private Dovecot for tests/bench/run.py
base_dir = %(base)s
state_dir = %(d)s/state
log_path = %(d)s/log
info_log_path = %(d)s/log
protocols = imap
listen = 127.0.0.1
ssl = yes
ssl_cert = <%(cert)s
ssl_key = <%(key)s
disable_plaintext_auth = no
auth_mechanisms = plain login
passdb {
  driver = passwd-file
  args = %(users)s
}
userdb {
  driver = static
  args = uid=%(uid)d gid=%(gid)d home=%(home)s/%%u
}
first_valid_uid = 1
first_valid_gid = 1
mail_location = maildir:~/Maildir
mail_max_userip_connections = 1000
%(nonroot)s
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = %(port)d
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = %(tls_port)d
    ssl = yes
  }
}
""" % {"base": self.base, "d": d, "cert": self.cert, "key": self.key,
                "users": users, "uid": self.uid, "gid": self.gid,
                "home": self.home, "port": self.port,
                "tls_port": self.tls_port,
                "nonroot": "" if IS_ROOT else
                "default_login_user = %s\ndefault_internal_user = %s\n"
                % (me, me)})
        self.proc = subprocess.Popen(
            [DOVECOT, "-F", "-c", conf], stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=open(os.path.join(
                d, "stderr"), "w"))
        wait_port(self, self.port)
        wait_port(self, self.tls_port)

    def version(self):
        p = subprocess.run([DOVECOT, "--version"], capture_output=True,
                           text=True)
        return "Dovecot " + p.stdout.split()[0]

    def stop(self):
        super().stop()
        shutil.rmtree(self.base, ignore_errors=True)


def wait_port(srv, port):
    deadline = time.time() + 15
    while time.time() < deadline:
        if srv.proc.poll() is not None:
            raise BenchError("%s exited at start (status %s)" % (
                srv.name, srv.proc.returncode))
        try:
            socket.create_connection(("127.0.0.1", port), 0.5).close()
            return
        except OSError:
            time.sleep(0.05)
    raise BenchError("%s did not listen on %d" % (srv.name, port))


# --- corpora and copies -----------------------------------------------------

def corpus(cache, n, uid, gid):
    top = os.path.join(cache, "corpus-%d" % n)
    subprocess.run([sys.executable, os.path.join(HERE, "gen_corpus.py"),
                    top, "--messages", str(n)], check=True)
    stamp = os.path.join(top, "owner")
    want = "%d:%d" % (uid, gid)
    have = open(stamp).read().strip() if os.path.exists(stamp) else ""
    if have != want:
        if IS_ROOT:
            run_quiet(["chown", "-R", want, os.path.join(top, "Maildir")])
        with open(stamp, "w") as f:
            f.write(want + "\n")
    return os.path.join(top, "Maildir")


def place(src, home, uid, gid):
    """home/Maildir becomes a fresh hard-linked copy of the corpus src."""
    md = os.path.join(home, "Maildir")
    if os.path.exists(md):
        run_quiet(["rm", "-rf", md])
    os.makedirs(home, exist_ok=True)
    if IS_ROOT:
        os.chown(home, uid, gid)
    os.chmod(home, 0o700)
    run_quiet(["cp", "-al", src, md])


# --- running the client -----------------------------------------------------

class Runner:
    def __init__(self, build, servers):
        self.client = os.path.join(build, "bench", "imapbench")
        self.servers = servers

    def run(self, srv, args, tls=False, user="bench", stdin_cb=None):
        port = srv.tls_port if tls else srv.port
        cmd = [self.client] + (["-t"] if tls else []) + \
            ["-u", user, "-w", PASSWORD, "127.0.0.1", str(port)] + args
        srv.settle()
        c0 = srv.cpu_ms()
        t0 = time.time()
        if stdin_cb:
            p = subprocess.Popen(cmd, stdin=subprocess.PIPE,
                                 stdout=subprocess.PIPE, text=True)
            first = p.stdout.readline()
            extra = stdin_cb(first)
            p.stdin.close()
            out = first + p.stdout.read()
            p.wait()
            rc = p.returncode
        else:
            p = subprocess.run(cmd, stdout=subprocess.PIPE, text=True)
            out, rc, extra = p.stdout, p.returncode, None
        wall = time.time() - t0
        srv.settle()
        cpu = srv.cpu_ms() - c0
        steps = []
        for line in out.splitlines():
            if line.startswith("error"):
                raise BenchError("%s: %s" % (srv.name, line[6:]))
            if line.startswith("step ") or line.startswith("ready "):
                kv = dict(x.split("=", 1) for x in line.split()[1:])
                steps.append(kv)
        if rc != 0 or not out.rstrip().endswith("done ok=1"):
            raise BenchError("%s: client exit %s: %s" % (
                srv.name, rc, out[-300:]))
        return {"steps": steps, "server_cpu_ms": cpu, "wall": wall,
                "extra": extra}


def num(step, key):
    return float(step[key])


def expect(cond, srv, what):
    if not cond:
        raise BenchError("%s: check failed: %s" % (srv.name, what))


# --- the benchmark ----------------------------------------------------------

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--reps", type=int)
    ap.add_argument("--only", default="")
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--json", help="also write the results here")
    args = ap.parse_args()
    build = os.path.abspath(args.build)
    quick = args.quick
    reps = args.reps or (2 if quick else 5)
    small, mid, big = (1000, 1000, 10000) if quick else (1000, 10000, 100000)
    clients, ops = (20, 10) if quick else (50, 20)
    append_n = 200 if quick else 2000
    logins = (30, 15) if quick else (200, 100)
    only = set(x.strip() for x in args.only.split(",") if x.strip())

    def want(*keys):
        return not only or any(k.startswith(o) or o.startswith(k)
                               for k in keys for o in only)
    # W9 needs a server of its own and minutes to build its index: only
    # when asked for by name.
    want_w9 = any(o.startswith("W9") for o in only)

    if not os.access(DOVECOT, os.X_OK):
        log("bench: %s missing (apt-get install dovecot-imapd)" % DOVECOT)
        return 1
    uid, gid = (NOBODY, NOBODY) if IS_ROOT else (os.getuid(), os.getgid())
    cache = os.path.join(build, "bench")
    os.makedirs(cache, exist_ok=True)
    t0 = time.time()
    src = {n: corpus(cache, n, uid, gid) for n in sorted({small, mid, big})}
    log("bench: corpora ready in %.1fs" % (time.time() - t0))

    rundir = tempfile.mkdtemp(prefix="run-", dir=cache)
    os.chmod(rundir, 0o755)
    cert, key = os.path.join(rundir, "cert.pem"), os.path.join(rundir,
                                                               "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048",
                    "-nodes", "-keyout", key, "-out", cert, "-days", "2",
                    "-subj", "/CN=localhost"], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.chmod(key, 0o600)
    mixusers = ["mix%d" % i for i in range(1, clients + 1)]
    users = ["small", "mid", "big"] + mixusers
    servers = [Skua(rundir, users, uid, gid, cert, key),
               Dovecot(rundir, users, uid, gid, cert, key)]
    sk, dc = servers
    results = {k[0]: {"skua": [], "dovecot": [], "srvcpu": {"skua": [],
               "dovecot": []}, "clicpu": []} for k in WORKLOADS}
    failures = []
    r = Runner(build, servers)

    def record(key, srv, value, res=None, clicpu=None):
        results[key][srv.name].append(value)
        if res is not None:
            results[key]["srvcpu"][srv.name].append(res["server_cpu_ms"])
        if clicpu is not None:
            results[key]["clicpu"].append(clicpu)

    def guarded(key, fn):
        """Runs fn(srv, rep) A B A B; a failure is reported and the
        workload is left for the rest."""
        if not want(key):
            return
        t0 = time.time()
        try:
            for rep in range(reps):
                for srv in servers:
                    fn(srv, rep)
            log("bench: %s done in %.1fs" % (key, time.time() - t0))
        except BenchError as e:
            failures.append("%s: %s" % (key, e))
            log("FAIL %s: %s" % (key, e))

    try:
        t0 = time.time()
        for srv in servers:
            for u, n in (("small", small), ("mid", mid), ("big", big)):
                place(src[n], srv.user_home(u), uid, gid)
            for u in mixusers:
                place(src[small], srv.user_home(u), uid, gid)
            srv.start(build)
        log("bench: servers up in %.1fs (skua %d/%d, %s %d/%d)" % (
            time.time() - t0, sk.port, sk.tls_port, dc.version(), dc.port,
            dc.tls_port))
        # Warm up: auth processes, and the small folder's first SELECT.
        for srv in servers:
            r.run(srv, ["login", "2"], user="small")

        # W1
        def w1(tls):
            def fn(srv, rep):
                n = logins[1] if tls else logins[0]
                res = r.run(srv, ["login", str(n)], tls=tls, user="small")
                s = res["steps"][0]
                expect(int(s["exists"]) == small == int(s["exists_max"]),
                       srv, "EXISTS %s..%s, want %d" % (
                           s["exists"], s["exists_max"], small))
                record("W1tls" if tls else "W1plain", srv,
                       num(s, "per_ms"), res, num(s, "cpu_ms") / n)
            return fn
        guarded("W1plain", w1(False))
        guarded("W1tls", w1(True))

        # W2 cold and warm, W3, W7 on the big folder
        def w2(srv, rep):
            place(src[big], srv.user_home("big"), uid, gid)
            res = r.run(srv, ["session"], user="big")
            s = res["steps"][0]
            expect(int(s["exists"]) == big, srv, "EXISTS %s, want %d" % (
                s["exists"], big))
            record("W2cold", srv, num(s, "ms"), res, num(s, "cpu_ms"))

            def again(key):
                res = r.run(srv, ["session"], user="big")
                s = res["steps"][0]
                expect(int(s["exists"]) == big, srv, "EXISTS %s, want %d"
                       % (s["exists"], big))
                record(key, srv, num(s, "ms"), res, num(s, "cpu_ms"))
            # The cold SELECT moved new/ into cur/ a moment ago: a
            # directory changed within the last second or two cannot be
            # trusted by its mtime (a change in the same clock tick
            # leaves it as it was), so both servers scan it again
            # (Dovecot's MAILDIR_SYNC_SECS, skua's two seconds).
            again("W2again")
            # "Nothing changed": once the folder has settled, one
            # session notes that (both servers scan once more), and the
            # next is the warm SELECT.
            time.sleep(2.5)
            r.run(srv, ["session"], user="big")
            again("W2warm")
        guarded("W2cold", w2)

        def w3(srv, rep):
            res = r.run(srv, ["session", "UID FETCH 1:* (UID FLAGS)"],
                        user="big")
            s = res["steps"][1]
            expect(int(s["fetch"]) == big, srv, "%s FETCH responses, "
                   "want %d" % (s["fetch"], big))
            record("W3", srv, num(s, "ms"), res, num(s, "cpu_ms"))
        guarded("W3", w3)

        def w7(srv, rep):
            res = r.run(srv, ["session", "STORE 1:* +FLAGS.SILENT (\\Seen)",
                              "SEARCH UNSEEN",
                              "STORE 1:* -FLAGS.SILENT (\\Seen)",
                              "SEARCH SEEN"], user="big")
            st = res["steps"]
            expect(int(st[2]["hits"]) == 0, srv, "%s UNSEEN after +FLAGS "
                   "\\Seen, want 0" % st[2]["hits"])
            expect(int(st[4]["hits"]) == 0, srv, "%s SEEN after -FLAGS "
                   "\\Seen, want 0" % st[4]["hits"])
            expect(int(st[1]["fetch"]) == 0 and int(st[3]["fetch"]) == 0,
                   srv, "FETCH responses to .SILENT")
            ms = num(st[1], "ms") + num(st[3], "ms")
            record("W7", srv, ms, res,
                   num(st[1], "cpu_ms") + num(st[3], "cpu_ms"))
            if srv is dc:
                record("W7floor", srv, ms)
            elif os.access(floor_prog, os.X_OK):
                record("W7floor", srv, w7_floor(rep))

        # W7's renames without a server: one copy of the big corpus goes
        # through the same flag states as the servers' copies, right
        # after skua's turn.
        floor_prog = os.path.join(build, "bench", "renfloor")
        floor_home = os.path.join(rundir, "floor")

        def w7_floor(rep):
            if rep == 0:
                place(src[big], floor_home, uid, gid)
            out = subprocess.run([floor_prog, os.path.join(
                floor_home, "Maildir")], stdout=subprocess.PIPE, text=True,
                check=True).stdout
            kv = dict(x.split("=", 1) for x in out.split())
            return float(kv["plus_ms"]) + float(kv["minus_ms"])
        guarded("W7", w7)

        # W4 cold/warm and W5 on the mid folder
        fetch4 = "FETCH 1:* (ENVELOPE BODYSTRUCTURE INTERNALDATE RFC822.SIZE)"
        digests = {}

        def w4(srv, rep):
            place(src[mid], srv.user_home("mid"), uid, gid)
            for key in ("W4cold", "W4warm"):
                res = r.run(srv, ["session", fetch4], user="mid")
                sel, s = res["steps"]
                expect(int(s["fetch"]) == mid, srv, "%s: %s FETCH responses,"
                       " want %d" % (key, s["fetch"], mid))
                digests.setdefault(srv.name, set()).add(s["digest"])
                record(key, srv, num(sel, "ms") + num(s, "ms"), res,
                       num(sel, "cpu_ms") + num(s, "cpu_ms"))
        guarded("W4cold", w4)

        since = time.strftime("%d-%b-%Y", time.gmtime(START + mid // 2 * 900))
        w5cmds = [("W5body", 'SEARCH BODY "conference"'),
                  ("W5from", 'SEARCH FROM "alice"'),
                  ("W5since", "SEARCH SINCE %s" % since)]
        hits = {}

        def w5(srv, rep):
            res = r.run(srv, ["session"] + [c for _, c in w5cmds],
                        user="mid")
            for (key, c), s in zip(w5cmds, res["steps"][1:]):
                h = (int(s["hits"]), int(s["hitsum"]))
                hits.setdefault(key, {}).setdefault(srv.name, set()).add(h)
                expect(h[0] > 0, srv, "%s: no hits" % c)
                record(key, srv, num(s, "ms"), res, num(s, "cpu_ms"))
            for key, c in w5cmds:
                hs = hits[key]
                if len(hs) == 2 and hs["skua"] != hs["dovecot"]:
                    raise BenchError("%s: hits (count, sum of numbers) "
                                     "skua %s, dovecot %s" % (
                                         c, sorted(hs["skua"]),
                                         sorted(hs["dovecot"])))
        guarded("W5", w5)

        def w6(srv, rep):
            res = r.run(srv, ["append", os.path.join(src[mid], "cur"),
                              str(append_n), "W6-%d" % rep], user="small")
            s = res["steps"][0]
            expect(int(s["exists"]) == append_n, srv, "%s messages after "
                   "APPEND, want %d" % (s["exists"], append_n))
            record("W6", srv, num(s, "ms"), res, num(s, "cpu_ms"))
        guarded("W6", w6)

        def w8(srv, rep):
            res = r.run(srv, ["mix", str(clients), str(ops), str(rep + 1)],
                        user="mix%d")
            s = res["steps"][0]
            expect(int(s["ops"]) == clients * ops, srv, "%s ops" % s["ops"])
            record("W8", srv, num(s, "ops_s"), res, num(s, "cpu_ms"))
            record("W8p50", srv, num(s, "p50"))
            record("W8p95", srv, num(s, "p95"))
        if want("W8"):
            for srv in servers:     # every mix user's first SELECT
                r.run(srv, ["mix", str(clients), "1", "99"], user="mix%d")
        guarded("W8", w8)

        def m1(srv, rep):
            def measure(n):
                def cb(first):
                    expect(first.startswith("ready"), srv, "idle: %r" % first)
                    expect(("exists=%d" % big) in first, srv, first)
                    time.sleep(0.2)
                    pids = srv.sessions()
                    expect(len(pids) == n, srv, "%d session processes, "
                           "want %d" % (len(pids), n))
                    m = [smaps(p) for p in pids]
                    tree = sum(smaps(p)["Pss"] for p in srv.tree())
                    return m, tree
                return r.run(srv, ["idle", str(n)], user="big",
                             stdin_cb=cb)["extra"]
            m, _ = measure(1)
            record("M1one", srv, m[0]["Pss"])
            record("M1rss", srv, m[0]["Rss"])
            m, tree = measure(clients)
            record("M1fifty", srv, sum(x["Pss"] for x in m))
            record("M1tree", srv, tree)
        guarded("M1", m1)
        if want_w9:
            fts = SkuaFts(rundir, ["big"], uid, gid, cert, key)
            servers.append(fts)
            try:
                w9(r, build, fts, dc, src[big], uid, gid, reps, record)
            except BenchError as e:
                failures.append("W9: %s" % e)
                log("FAIL W9: %s" % e)
    except BenchError as e:
        failures.append(str(e))
        log("FAIL %s" % e)
    finally:
        for srv in servers:
            srv.stop()
        if not args.keep:
            shutil.rmtree(rundir, ignore_errors=True)
        else:
            log("bench: kept %s" % rundir)

    if "skua" in digests and "dovecot" in digests and \
            digests["skua"] != digests["dovecot"]:
        log("bench: W4 FETCH answers differ in bytes between the servers "
            "(skua %s, dovecot %s)" % (sorted(digests["skua"]),
                                       sorted(digests["dovecot"])))
    elif len(digests) == 2:
        log("bench: W4 FETCH answers are byte for byte the same on both "
            "servers")
    table = render(results, quick, reps, small, mid, big, clients, ops,
                   append_n, logins, dc_version())
    print(table)
    with open(os.path.join(cache, "last-%s.txt" % (
            "quick" if quick else "full")), "w") as f:
        f.write(table + "\n")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)
    for fl in failures:
        print("FAIL " + fl)
    return 1 if failures else 0


# Needles for W9 (tests/bench/gen_corpus.py writes bodies of a hundred
# common words in random order): three of them in a row, which few
# messages hold; one of them alone, which most hold; for TEXT, the
# Message-ID of one message.
W9_RARE = "slides quarter numbers"
W9_COMMON = "conference"
W9_ID = "512.73099c04f4"


def w9(r, build, fts, dc, big_src, uid, gid, reps, record):
    """The full-text index on the big folder: the first SEARCH builds it
    (time and size recorded), then warm searches, against Dovecot
    scanning (the fts results are reported as skua's)."""
    as_skua = Server.__new__(Server)
    as_skua.name = "skua"
    t0 = time.time()
    place(big_src, fts.user_home("big"), uid, gid)
    fts.start(build)
    log("bench: W9 skua-fts up in %.1fs" % (time.time() - t0))
    searches = [("W9rare", 'SEARCH BODY "%s"' % W9_RARE),
                ("W9common", 'SEARCH BODY "%s"' % W9_COMMON),
                ("W9text", 'SEARCH TEXT "%s"' % W9_ID)]
    # One search indexes for a few seconds and scans what is left
    # (src/imap/search.c); "UID 1" keeps that scan short. Searches until
    # the log says nothing was left.
    logf = os.path.join(fts.rundir, fts.files + "skua.log")
    total = cpu = 0.0
    for n in range(1, 1000):
        res = r.run(fts, ["session", 'SEARCH UID 1 BODY "%s"' % W9_RARE],
                    user="big")
        total += num(res["steps"][1], "ms")
        cpu += res["server_cpu_ms"]
        last = [l for l in open(logf) if "fts: user=big" in l][-1:]
        expect(last and "index not used" not in last[0], fts,
               "W9: index not used: %s" % last)
        if ", 0 scanned" in last[0]:
            break
    results_cpu = {"server_cpu_ms": cpu}
    record("W9build", as_skua, total, results_cpu)
    db = os.path.join(fts.user_home("big"), "Maildir", "skua.fts.sqlite")
    size = sum(os.path.getsize(db + x) for x in ("", "-wal")
               if os.path.exists(db + x))
    record("W9size", as_skua, size / 1024.0)
    log("bench: W9 index built by %d searches in %.1fs, %.0f MiB" % (
        n, total / 1000, size / 1048576.0))
    hits = {}
    for rep in range(reps):
        for srv in (fts, dc):
            res = r.run(srv, ["session"] + [c for _, c in searches],
                        user="big")
            for (key, c), s in zip(searches, res["steps"][1:]):
                hits.setdefault(key, set()).add((s["hits"], s["hitsum"]))
                record(key, as_skua if srv is fts else dc, num(s, "ms"),
                       res, num(s, "cpu_ms"))
    for key, hs in hits.items():
        if len(hs) != 1:
            raise BenchError("%s: hits differ between skua-fts and "
                             "Dovecot: %s" % (key, sorted(hs)))


def dc_version():
    p = subprocess.run([DOVECOT, "--version"], capture_output=True, text=True)
    return p.stdout.split()[0] if p.stdout else "?"


def fmt(v):
    if v >= 100:
        return "%.0f" % v
    if v >= 10:
        return "%.1f" % v
    return "%.2f" % v


def span(vals):
    if not vals:
        return "-"
    return "%s [%s-%s]" % (fmt(statistics.median(vals)), fmt(min(vals)),
                           fmt(max(vals)))


def render(results, quick, reps, small, mid, big, clients, ops, append_n,
           logins, dcv):
    k = lambda n: "%dk" % (n // 1000)
    head = ("skua vs Dovecot %s, %s, %d repetition%s A B A B; corpora "
            "small=%s mid=%s big=%s%s; W1 %d plain / %d TLS sessions per "
            "run" % (dcv, "QUICK" if quick else "full", reps,
                     "" if reps == 1 else "s", k(small), k(mid), k(big),
                     " (QUICK: big is 10k, not 100k, mid 1k, not 10k; W6 %d "
                     "messages, W8 %d clients x %d ops, not 2000, 50 x 20)"
                     % (append_n, clients, ops)
                     if quick else "", logins[0], logins[1]))
    rows = [("workload", "unit", "skua", "dovecot", "skua/dovecot",
             "target", "", "srv CPU ms skua/dc", "cli CPU")]
    for key, label, unit, better, target in WORKLOADS:
        res = results[key]
        label = label % {"append": append_n, "clients": clients}
        a, b = res["skua"], res["dovecot"]
        if not a and not b:
            continue
        ratios = [x / y for x, y in zip(a, b) if y]
        mark = ""
        if target is not None and ratios:
            rm = statistics.median(ratios)
            ok = rm <= target if better == "low" else rm >= target
            mark = "met" if ok else "MISSED"
        tgt = "" if target is None else ("%s%s" % (
            "<=" if better == "low" else ">=", target))
        sc = res["srvcpu"]
        cpu = ""
        if sc["skua"] and sc["dovecot"]:
            cpu = "%s/%s" % (fmt(statistics.median(sc["skua"])),
                             fmt(statistics.median(sc["dovecot"])))
        cli = fmt(max(res["clicpu"])) if res["clicpu"] else ""
        rows.append((label, unit, span(a), span(b),
                     span(ratios) if ratios else "-", tgt, mark, cpu, cli))
    w = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = [head, ""]
    for i, r in enumerate(rows):
        lines.append("  ".join(c.ljust(w[j]) for j, c in enumerate(r))
                     .rstrip())
        if i == 0:
            lines.append("  ".join("-" * x for x in w))
    lines.append("")
    lines.append("values: median [min-max]; ratio: per pair of runs; srv "
                 "CPU: whole server tree, whole invocation (median); cli "
                 "CPU: the client's own CPU for the timed part (max; for "
                 "W1 per session)")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
