#!/usr/bin/env python3
"""tests/bench/store_open.py — the SELECT-equivalent open of a large
folder, through skua's store API (storetool bench) and, for comparison,
Dovecot's SELECT on a copy of the same folder (issue 3's note).

    store_open.py [--build build] [--messages 100000] [--no-dovecot]
                  [--keep] [--dir DIR]

Generates a Maildir with N small messages in cur/, named as Dovecot 2.3
names them ("<secs>.M<usecs>P<pid>.host,S=<n>,W=<n>:2,S"), and no
dovecot-uidlist. Then:

    skua cold      first folder_open in a fresh process: scans cur/,
                   gives N UIDs, writes dovecot-uidlist
    skua warm      a second folder_open in the same process, nothing
                   changed (reads the uidlist and scans cur/ again)
    skua warm/new  a folder_open in another fresh process
    dovecot cold   SELECT on a copy with neither uidlist nor index
    dovecot warm   SELECT in a new Dovecot process, index in place
    dovecot on skua's uidlist
                   SELECT on skua's folder: a uidlist, no index

The page cache is not dropped (that needs root and affects the whole
machine), so "cold" means "no uidlist, no index", not "no cached disk
blocks". The Dovecot figures are the time Dovecot reports for SELECT.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

DOVECOT_IMAP = "/usr/lib/dovecot/imap"
NOBODY = 65534


def drop():
    os.setgroups([])
    os.setgid(NOBODY)
    os.setuid(NOBODY)


def as_user():
    return drop if os.getuid() == 0 else None


def chown_tree(top):
    if os.getuid() != 0:
        return
    os.lchown(top, NOBODY, NOBODY)
    for root, dirs, files in os.walk(top):
        for n in dirs + files:
            os.lchown(os.path.join(root, n), NOBODY, NOBODY)


def generate(md, n):
    for d in ("cur", "new", "tmp"):
        os.makedirs(os.path.join(md, d))
    cur = os.path.join(md, "cur")
    t = 1700000000
    for i in range(n):
        body = ("From: a@example.org\nSubject: message %d\n"
                "Message-ID: <%d@bench.skua>\n\nHello %d.\n" % (i, i, i))
        data = body.encode()
        name = "%d.M%dP%d.bench,S=%d,W=%d:2,S" % (
            t + i // 1000, (i % 1000) * 997, 4242, len(data),
            len(data) + body.count("\n"))
        fd = os.open(os.path.join(cur, name),
                     os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.write(fd, data)
        os.close(fd)


def storetool_bench(tool, md, rounds):
    p = subprocess.run([tool, md, "INBOX", "bench", str(rounds)],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       preexec_fn=as_user(), check=False)
    if p.returncode != 0:
        raise RuntimeError("storetool: %s" % p.stderr.decode())
    out = []
    for line in p.stdout.decode().splitlines():
        m = re.match(r"open \d+ ([\d.]+) ms (\d+) messages", line)
        out.append((float(m.group(1)), int(m.group(2))))
    return out


def dovecot_select(tmp, md):
    conf = os.path.join(tmp, "dovecot-%s.conf" % os.path.basename(md))
    with open(conf, "w") as f:
        f.write("mail_location = maildir:%s:LAYOUT=maildir++\n"
                "namespace inbox {\n  separator = /\n  inbox = yes\n}\n"
                "log_path = /dev/stderr\ninfo_log_path = /dev/null\n"
                "ssl = no\nbase_dir = %s/run\nstate_dir = %s/state\n"
                "first_valid_uid = 1\nfirst_valid_gid = 1\n"
                "mailbox_list_index = no\n" % (md, tmp, tmp))
    chown_tree(tmp)
    env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "HOME": tmp,
           "USER": "nobody" if os.getuid() == 0 else
           (os.environ.get("USER") or "skuabench")}
    t0 = time.time()
    p = subprocess.run([DOVECOT_IMAP, "-c", conf],
                       input=b"a SELECT INBOX\r\nz LOGOUT\r\n",
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       env=env, cwd=tmp, preexec_fn=as_user())
    wall = (time.time() - t0) * 1e3
    m = re.search(rb"a OK \[READ-WRITE\] Select completed \(([\d.]+) ",
                  p.stdout)
    e = re.search(rb"\* (\d+) EXISTS", p.stdout)
    if not m:
        raise RuntimeError("dovecot: %s %s" % (p.stdout[-300:], p.stderr))
    return float(m.group(1)) * 1e3, wall, int(e.group(1))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--messages", type=int, default=100000)
    ap.add_argument("--no-dovecot", action="store_true")
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--dir", default=None, help="parent of the temp dir")
    args = ap.parse_args()

    tmp = tempfile.mkdtemp(prefix="skua-bench-", dir=args.dir)
    try:
        tool = os.path.join(tmp, "storetool")
        shutil.copy(os.path.join(args.build, "tests", "storetool"), tool)
        os.chmod(tool, 0o755)
        skua_md = os.path.join(tmp, "skua", "Maildir")
        t0 = time.time()
        generate(skua_md, args.messages)
        print("generated %d messages in %.1fs" % (args.messages,
                                                   time.time() - t0))
        dovecot = not args.no_dovecot and os.access(DOVECOT_IMAP, os.X_OK)
        if dovecot:
            dc_md = os.path.join(tmp, "dovecot", "Maildir")
            os.makedirs(os.path.dirname(dc_md))
            shutil.copytree(skua_md, dc_md)
        chown_tree(tmp)
        os.chmod(tmp, 0o755)

        (cold, n1), (warm, n2) = storetool_bench(tool, skua_md, 2)
        (warm_new, n3), = storetool_bench(tool, skua_md, 1)
        print("skua    cold (no uidlist, %d UIDs given): %8.1f ms" % (n1,
                                                                      cold))
        print("skua    warm (same process, %d msgs):     %8.1f ms" % (n2,
                                                                      warm))
        print("skua    warm (new process, %d msgs):      %8.1f ms" % (
            n3, warm_new))
        if dovecot:
            c, cw, n = dovecot_select(os.path.join(tmp, "dovecot"), dc_md)
            w, ww, n = dovecot_select(os.path.join(tmp, "dovecot"), dc_md)
            print("dovecot cold (no uidlist, no index, %d):  %8.1f ms "
                  "(process %.0f ms)" % (n, c, cw))
            print("dovecot warm (index, new process):         %8.1f ms "
                  "(process %.0f ms)" % (w, ww))
            s, sw, n = dovecot_select(os.path.join(tmp, "skua"), skua_md)
            print("dovecot on skua's uidlist, no index (%d):%8.1f ms "
                  "(process %.0f ms)" % (n, s, sw))
    finally:
        if args.keep:
            print("kept %s" % tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
