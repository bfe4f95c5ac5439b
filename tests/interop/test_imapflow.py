"""imapflow (the Node.js IMAP client of the npm registry) against skua.

imapflow is what Node mail software talks IMAP with, and it uses nearly
every extension a modern server offers: COMPRESS=DEFLATE as soon as it
is offered, ENABLE CONDSTORE and QRESYNC, APPENDUID and COPYUID
(UIDPLUS), MOVE, ESEARCH, UNCHANGEDSINCE, CHANGEDSINCE, SELECT
(QRESYNC ...) and IDLE. tests/interop/imapflow_client.mjs drives it,
phase by phase, and prints what imapflow saw; this test checks that, and
checks on the server side what was really done: the Maildir files and
their flags, a separate imaplib session, and the server's protocol trace
(rawlog) for the commands imapflow sent.

Each test, over plain TCP (test_imapflow_plain) and over implicit TLS
with the certificate checked (test_imapflow_tls):

1. main: folders made, renamed, deleted and listed; STATUS; messages
   appended (APPENDUID), fetched whole (envelope, bodystructure, source,
   flags, MODSEQ); flags added, removed and set, one STORE UNCHANGEDSINCE
   that passes and one that must fail; SEARCH and ESEARCH; COPY and MOVE
   (COPYUID) and UID EXPUNGE; the QRESYNC state is kept.
2. While imapflow is away, an imaplib session changes flags, expunges
   and appends. resync: SELECT (QRESYNC (uidvalidity modseq)) must bring
   exactly the changed messages' flags, exactly the expunged UIDs as
   VANISHED (EARLIER), and the new messages.
3. idle: imapflow IDLEs; imaplib appends; imapflow's 'exists' event must
   come, and the new message is fetched (over STARTTLS in the TLS test).

imapflow is installed with npm, at IMAPFLOW_VERSION, into the build
directory (BUILD/imapflow-VERSION), once; scripts/deps.sh makes sure node
and npm are there."""
import base64
import json
import os
import re
import shutil
import subprocess

from harness import USERS, Server, TestFailure, check, fresh_maildir
from interop_util import (CLIENT_TIMEOUT, Imap, client_env, deliver, lf,
                          make_message, maildir_files, maildir_flags,
                          message_id, private_home, run_client)

IMAPFLOW_VERSION = "1.7.8"
HERE = os.path.dirname(os.path.abspath(__file__))
CLIENT = os.path.join(HERE, "imapflow_client.mjs")
NPM_TIMEOUT = 300


def imapflow_modules(world):
    """The directory holding node_modules/imapflow at IMAPFLOW_VERSION,
    installed there by npm the first time (into a fresh directory renamed
    into place, so that an interrupted install is never taken for a
    finished one)."""
    dest = os.path.join(world.build, "imapflow-" + IMAPFLOW_VERSION)
    pkg = os.path.join(dest, "node_modules", "imapflow", "package.json")
    if os.path.exists(pkg):
        return dest
    for tool in ("node", "npm"):
        check(shutil.which(tool), f"{tool} is missing: scripts/deps.sh "
              "check installs it (Debian: apt-get install nodejs npm)")
    tmp = "%s.tmp%d" % (dest, os.getpid())
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    env = client_env(tmp)
    # npm's cache and settings stay in the build directory: HOME may be
    # anything (a temporary directory when make check runs as nobody).
    env.update(npm_config_cache=os.path.join(world.build, "npm-cache"),
               npm_config_update_notifier="false",
               npm_config_userconfig=os.path.join(tmp, "npmrc"))
    argv = ["npm", "install", "--prefix", tmp, "--no-audit", "--no-fund",
            "--no-save", "--ignore-scripts", "--loglevel=error",
            "imapflow@" + IMAPFLOW_VERSION]
    try:
        p = subprocess.run(argv, env=env, stdin=subprocess.DEVNULL,
                           capture_output=True, text=True,
                           timeout=NPM_TIMEOUT)
    except subprocess.TimeoutExpired:
        raise TestFailure(f"{' '.join(argv)}: no answer in {NPM_TIMEOUT}s "
                          "(is the npm registry reachable?)") from None
    check(p.returncode == 0 and os.path.exists(
        os.path.join(tmp, "node_modules", "imapflow", "package.json")),
        f"{' '.join(argv)}: exit {p.returncode}\n{p.stdout}\n{p.stderr}")
    try:
        os.rename(tmp, dest)
    except OSError:
        # Another run put it there first.
        shutil.rmtree(tmp, ignore_errors=True)
    return dest


class Flow:
    """Runs imapflow_client.mjs phases against one server."""

    def __init__(self, world, srv, tls):
        self.modules = imapflow_modules(world)
        self.home = private_home(world, "imapflow")
        self.srv = srv
        self.conn = {"host": "127.0.0.1", "user": "alice",
                     "pass": USERS["alice"][1], "limitMs": 60000}
        if tls:
            self.conn.update(port=srv.tls_port, secure=True, ca=world.cert)
        else:
            self.conn.update(port=srv.port, secure=False)
        self.runs = 0

    def _job(self, phase, data):
        self.runs += 1
        path = os.path.join(self.home, "job%d.json" % self.runs)
        with open(path, "w") as f:
            json.dump(dict(self.conn, phase=phase, data=data), f)
        return ["node", CLIENT, self.modules, path]

    @staticmethod
    def _result(out):
        lines = [l for l in out.splitlines() if l.startswith("RESULT ")]
        check(len(lines) == 1, f"one RESULT line, got:\n{out[-4000:]}")
        return json.loads(lines[0][len("RESULT "):])

    def run(self, phase, data):
        _, out, _ = run_client(self._job(phase, data), self.home,
                               server=self.srv)
        return self._result(out)

    def run_idle(self, while_idling):
        """The idle phase: once imapflow says it is IDLE, while_idling()
        runs; then the phase must end by itself."""
        argv = self._job("idle", {})
        errfile = os.path.join(self.home, "idle%d.err" % self.runs)

        def err():
            with open(errfile) as f:
                return f.read()[-6000:]
        with open(errfile, "w") as ef:
            p = subprocess.Popen(argv, env=client_env(self.home),
                                 stdin=subprocess.DEVNULL,
                                 stdout=subprocess.PIPE, stderr=ef,
                                 cwd=self.home, text=True)
        try:
            first = p.stdout.readline()     # bounded by the watchdog
            check(first == "IDLING\n", f"imapflow did not IDLE: {first!r}"
                  f"\n{err()}")
            while_idling()
            out = first + p.stdout.read()   # bounded by the watchdog
            p.wait(timeout=CLIENT_TIMEOUT)
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()
        check(p.returncode == 0, f"idle phase: exit {p.returncode}\n{out}\n"
              f"{err()}\nserver log:\n{self.srv.log_text()[-3000:]}")
        return self._result(out)


def crlf(data):
    return lf(data).replace(b"\n", b"\r\n")


def multipart(n):
    """A multipart/mixed message: text and an attachment."""
    return (b"From: Flow Sender <flow@example.org>\r\n"
            b"To: alice@example.org\r\n"
            b"Subject: imapflow multipart %d\r\n"
            b"Date: Mon, 1 Jan 2024 10:00:00 +0000\r\n"
            b"Message-ID: <flow-multi.%d@interop.test>\r\n"
            b"MIME-Version: 1.0\r\n"
            b"Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n"
            b"--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
            b"The text part.\r\n"
            b"--b1\r\nContent-Type: application/octet-stream\r\n"
            b"Content-Disposition: attachment; filename=\"a.bin\"\r\n"
            b"Content-Transfer-Encoding: base64\r\n\r\n"
            b"AAECAwQFBgcICQ==\r\n--b1--\r\n" % (n, n))


def rawlog(md_home):
    """The client's lines of every protocol trace of alice's, in order."""
    d = os.path.join(md_home, "rawlog")
    out = []
    for name in sorted(os.listdir(d)) if os.path.isdir(d) else []:
        with open(os.path.join(d, name), "rb") as f:
            out.append(f.read().decode("utf-8", "replace"))
    return "\n".join(out)


def flags_of(imap, folder):
    """{Message-ID: (uid, flags)} of a folder, read with EXAMINE."""
    return {mid: (e[0][0], e[0][1]) for mid, e in imap.by_id(folder).items()}


def file_of(folder, mid):
    """(path, bytes) of the Maildir file holding Message-ID mid."""
    hits = [(p, d) for p, d in maildir_files(folder).items()
            if message_id(d) == mid]
    check(len(hits) == 1, f"{mid} in {folder}: {len(hits)} files")
    return hits[0]


def scenario(world, tls):
    name = "Maildir-flow-" + ("tls" if tls else "plain")
    md = fresh_maildir(world, name)
    home = os.path.dirname(md)
    delivered = [make_message("flow-mda", n) for n in range(4)]
    for data in delivered:
        deliver(md, data)
    srv = Server(world, maildir="~/" + name, special_folders="",
                 rawlog_users="alice", rawlog_dir="~/rawlog")
    imap = None
    try:
        flow = Flow(world, srv, tls)
        appended = [crlf(make_message("flow-app", 0)),
                    crlf(make_message("flow-app", 1)),
                    multipart(2),
                    crlf(make_message("flow-app", 3)),
                    crlf(make_message("flow-app", 4))]
        app_flags = [[], ["\\Seen"], ["\\Flagged", "$Work"], [], []]
        data = {
            "create": ["Flow", "Flow/Sub", "Archive", "Scratch"],
            "rename": ["Flow/Sub", "Flow/Renamed"],
            "delete": "Scratch",
            "append": [{"raw": base64.b64encode(a).decode(), "flags": f}
                       for a, f in zip(appended, app_flags)],
            "flagOps": [
                {"op": "add", "msg": 0, "flags": ["\\Flagged", "$Label1"]},
                {"op": "remove", "msg": 1, "flags": ["\\Seen"]},
                {"op": "set", "msg": 2, "flags": ["\\Answered", "$Work"]},
                # UNCHANGEDSINCE: passes with the MODSEQ just fetched,
                # fails with 1 (RFC 7162 3.1.3).
                {"op": "add", "msg": 3, "flags": ["\\Seen"],
                 "unchangedSince": "fresh"},
                {"op": "add", "msg": 4, "flags": ["\\Draft"],
                 "unchangedSince": "1"},
            ],
            "copy": 0, "copyTo": "Flow/Renamed",
            "move": 1, "moveTo": "Archive",
            "expunge": 3,
        }
        r = flow.run("main", data)
        check_main(r, md, srv, tls, delivered, appended)
        imap = Imap(srv.port)
        check_main_server(imap, r, md, delivered, appended)
        trace = rawlog(home)
        for want in (r"C: \S+ COMPRESS DEFLATE", r"C: \S+ ENABLE .*QRESYNC",
                     r"C: \S+ UID MOVE ", r"C: \S+ UID EXPUNGE ",
                     r"C: \S+ UID COPY ", r"S: \S+ OK \[MODIFIED \d+\]",
                     r"C: \S+ UID SEARCH RETURN \(", r"C: \S+ APPEND "):
            check(re.search(want, trace), f"no /{want}/ in the trace:\n"
                  f"{trace[-6000:]}")

        # 2. Away: another session changes flags, expunges, appends.
        state = r["state"]
        uid = {message_id(d): u for d, u in
               zip(delivered, sorted(state["uids"])[:4])}
        ids = [message_id(d) for d in delivered]
        app_uid = [a["uid"] for a in r["appended"]]
        m = imap.m
        imap.select("INBOX")
        imap.ok(m.uid("STORE", str(uid[ids[0]]), "+FLAGS", "(\\Seen)"),
                "STORE")
        imap.ok(m.uid("STORE", str(uid[ids[1]]), "+FLAGS", "($Label2)"),
                "STORE")
        imap.ok(m.uid("STORE", str(app_uid[2]), "-FLAGS", "($Work)"),
                "STORE")
        imap.ok(m.uid("STORE", "%d,%d" % (uid[ids[2]], app_uid[4]),
                      "+FLAGS", "(\\Deleted)"), "STORE")
        imap.ok(m.expunge(), "EXPUNGE")
        news = [crlf(make_message("flow-away", n)) for n in range(2)]
        for d in news:
            imap.ok(m.append("INBOX", None, None, d), "APPEND")
        imap.ok(m.close(), "CLOSE")
        now = flags_of(imap, "INBOX")
        new_uids = sorted(now[message_id(d)][0] for d in news)

        r = flow.run("resync", {"state": state})
        check(r["opened"]["qresync"] is True,
              f"imapflow did not take the QRESYNC answer: {r['opened']}")
        gone = sorted([uid[ids[2]], app_uid[4]])
        for when in ("vanishedOnSelect", "vanishedOnFetch"):
            got = r[when]
            check(sorted(v["uid"] for v in got) == gone and
                  all(v["vanished"] and v["earlier"] for v in got),
                  f"VANISHED (EARLIER) {when}: {got}, want {gone}")
        changed = sorted([uid[ids[0]], uid[ids[1]], app_uid[2]] + new_uids)
        got = sorted(e["uid"] for e in r["flagsOnSelect"])
        check(got == changed, f"changed messages: {got}, want {changed}")
        by_uid = {u: f for u, f in now.values()}
        for e in r["flagsOnSelect"]:
            check(set(e["flags"]) - {"\\Recent"} == by_uid[e["uid"]],
                  f"flags of {e['uid']}: {e['flags']}, server has "
                  f"{by_uid[e['uid']]}")
            check(int(e["modseq"]) > int(state["highestModseq"]),
                  f"MODSEQ of {e['uid']}: {e['modseq']}")
        check(sorted(c["uid"] for c in r["changedSince"]) == changed,
              f"CHANGEDSINCE: {r['changedSince']}")
        check(r["opened"]["exists"] == len(now),
              f"EXISTS {r['opened']['exists']}, server has {len(now)}")
        check([lf(base64.b64decode(n["source"])) for n in r["newMessages"]]
              == [lf(d) for d in news],
              f"new messages: {r['newMessages']}")

        # 3. IDLE: an append by another session wakes imapflow.
        idle_msg = crlf(make_message("flow-idle", 0))

        def append_now():
            other = Imap(srv.port)
            other.ok(other.m.append("INBOX", None, None, idle_msg),
                     "APPEND while imapflow IDLEs")
            other.logout()
        if tls:
            # The idle phase over STARTTLS on the plain port.
            flow.conn.update(port=srv.port, secure=False, starttls=True)
        r = flow.run_idle(append_now)
        check(r["exists"]["count"] == r["existsBefore"] + 1,
              f"exists event: {r['exists']} after {r['existsBefore']}")
        check(len(r["newest"]) == 1 and
              r["newest"][0]["messageId"] == message_id(idle_msg),
              f"the new message: {r['newest']}")
        file_of(md, message_id(idle_msg))
        check(re.search(r"C: \S+ IDLE\r?\n(.*\n)*?S: \* \d+ EXISTS",
                        rawlog(home)),
              "no EXISTS during IDLE in the trace")
        if tls:
            srv.wait_log(r"login: user=alice .*mech=PLAIN", count=3)
            logins = re.findall(r"login: user=alice .*mech=PLAIN tls=(\w+)",
                                srv.log_text())
            check(logins == ["yes"] * 3, f"imapflow's logins: {logins}")
    finally:
        if imap:
            imap.logout()
        srv.stop()


def check_main(r, md, srv, tls, delivered, appended):
    """What imapflow itself saw in the main phase."""
    con = r["connect"]
    check("CONDSTORE" in con["enabled"] and "QRESYNC" in con["enabled"],
          f"ENABLE: {con}")
    if "COMPRESS=DEFLATE" in con["capabilities"]:
        check(con["compressed"], f"COMPRESS offered but not used: {con}")
    elif not tls:
        raise TestFailure(f"COMPRESS=DEFLATE not offered: {con}")
    want_after = sorted(["INBOX", "Flow", "Flow/Renamed", "Archive"])
    check(r["listAfter"] == want_after, f"LIST: {r['listAfter']}")
    check(r["listBefore"] == ["INBOX"], f"LIST before: {r['listBefore']}")
    check(r["renamed"]["newPath"] == "Flow/Renamed", f"{r['renamed']}")
    uids = [a["uid"] for a in r["appended"]]
    uv = r["opened"]["uidValidity"]
    check(all(a["uidValidity"] == uv for a in r["appended"]) and
          uids == sorted(uids) and len(set(uids)) == len(uids) and
          uids[0] >= 5, f"APPENDUID: {r['appended']}")
    check(r["statusBefore"]["messages"] == len(delivered) and
          r["statusBefore"]["unseen"] == len(delivered),
          f"STATUS: {r['statusBefore']}")
    fetched = {m["messageId"]: m for m in r["fetched"]}
    check(len(r["fetched"]) == len(delivered) + len(appended),
          f"{len(r['fetched'])} messages fetched")
    for data in delivered + appended:
        m = fetched[message_id(data)]
        # Moved to Archive or expunged since: the bytes appended.
        files = [(p, d) for folder in (md, os.path.join(md, ".Archive"))
                 for p, d in maildir_files(folder).items()
                 if message_id(d) == message_id(data)]
        path, disk = files[0] if files else ("APPEND", data)
        src = base64.b64decode(m["source"])
        check(src == crlf(disk), f"source of {m['uid']} differs from "
              f"{path}:\n{src!r}\n{disk!r}")
        subject = re.search(rb"^Subject: (.*?)\r?$", data, re.M).group(1)
        check(m["subject"] == subject.decode() and m["modseq"] and
              m["from"] and m["to"] == ["alice@example.org"],
              f"envelope of {m['uid']}: {m}")
    multi = fetched[message_id(appended[2])]["structure"]
    check(multi["type"] == "multipart/mixed" and
          [c["type"] for c in multi["childNodes"]] ==
          ["text/plain", "application/octet-stream"] and
          multi["childNodes"][1]["disposition"] == "attachment",
          f"BODYSTRUCTURE: {multi}")
    plain = fetched[message_id(delivered[0])]["structure"]
    check(plain["type"] == "text/plain" and not plain["childNodes"],
          f"BODYSTRUCTURE: {plain}")
    after = {m["uid"]: set(m["flags"]) - {"\\Recent"}
             for m in r["afterFlags"]}
    want = [{"\\Flagged", "$Label1"}, set(), {"\\Answered", "$Work"},
             {"\\Seen"}, set()]
    for u, w in zip(uids, want):
        check(after[u] == w, f"flags of {u}: {after[u]}, want {w}")
    # The failed UNCHANGEDSINCE is OK [MODIFIED ...] (RFC 7162 3.1.3),
    # which imapflow reports as success; the flags above tell.
    check(all(x is True for x in r["flagOps"]),
          f"STORE results: {r['flagOps']}")
    check(r["searchFlagged"] == [uids[0]], f"SEARCH: {r['searchFlagged']}")
    check(r["searchKeyword"] == [uids[0]], f"SEARCH: {r['searchKeyword']}")
    unseen = sorted(set(after) - {uids[3]})
    es = r["esearchUnseen"]
    check(es.get("min") == unseen[0] and es.get("max") == unseen[-1] and
          es.get("count") == len(unseen), f"ESEARCH: {es}, want {unseen}")
    check(r["copy"]["uidMap"][0][0] == uids[0] and
          r["move"]["uidMap"][0][0] == uids[1] and r["deleteOk"] is True,
          f"COPY/MOVE/EXPUNGE: {r['copy']} {r['move']} {r['deleteOk']}")


def check_main_server(imap, r, md, delivered, appended):
    """What the server holds after the main phase."""
    uids = [a["uid"] for a in r["appended"]]
    ids = [message_id(a) for a in appended]
    check(imap.folders() == {"INBOX", "Flow", "Flow/Renamed", "Archive"},
          f"LIST: {imap.folders()}")
    for d in (".Flow", ".Flow.Renamed", ".Archive"):
        check(os.path.isdir(os.path.join(md, d, "cur")), f"{d} missing")
    for d in (".Flow.Sub", ".Scratch"):
        check(not os.path.exists(os.path.join(md, d)), f"{d} still there")
    inbox = flags_of(imap, "INBOX")
    want_ids = {message_id(d) for d in delivered} | set(ids) - {ids[1],
                                                                ids[3]}
    check(set(inbox) == want_ids, f"INBOX: {sorted(inbox)}")
    check(sorted(u for u, _ in inbox.values()) == r["state"]["uids"],
          f"UIDs: {inbox} vs {r['state']}")
    check(inbox[ids[0]] == (uids[0], {"\\Flagged", "$Label1"}) and
          inbox[ids[2]] == (uids[2], {"\\Answered", "$Work"}) and
          inbox[ids[4]] == (uids[4], set()), f"INBOX flags: {inbox}")
    for mid, letters in ((ids[0], "F"), (ids[2], "R"), (ids[4], "")):
        path, data = file_of(md, mid)
        check(re.sub("[a-z]", "", maildir_flags(path)) == letters,
              f"{path}: want the letters {letters}")
    for i in (1, 3):
        check(not [p for p, d in maildir_files(md).items()
                   if message_id(d) == ids[i]], f"{ids[i]} still in INBOX")
    for i, a in enumerate(appended):
        if i not in (1, 3):
            check(lf(file_of(md, ids[i])[1]) == lf(a), f"{ids[i]} bytes")
    dst_copy = r["copy"]["uidMap"][0][1]
    dst_move = r["move"]["uidMap"][0][1]
    copied = flags_of(imap, "Flow/Renamed")
    check(copied == {ids[0]: (dst_copy, {"\\Flagged", "$Label1"})},
          f"Flow/Renamed: {copied}, COPYUID {r['copy']}")
    moved = flags_of(imap, "Archive")
    check(moved == {ids[1]: (dst_move, set())},
          f"Archive: {moved}, COPYUID {r['move']}")
    check(lf(file_of(os.path.join(md, ".Archive"), ids[1])[1]) ==
          lf(appended[1]), "moved bytes")
    typ, data = imap.m.status("INBOX", "(HIGHESTMODSEQ)")
    hms = re.search(rb"HIGHESTMODSEQ (\d+)", data[0]).group(1).decode()
    check(hms == r["state"]["highestModseq"],
          f"HIGHESTMODSEQ {hms}, imapflow kept {r['state']}")


def test_imapflow_plain(world):
    scenario(world, tls=False)


def test_imapflow_tls(world):
    scenario(world, tls=True)

