#!/usr/bin/env python3
"""tests/session/run.py — runs the session tests: transcripts (*.t) and
Python tests (test_*.py, functions named test_*), each against real
imapd/rimapd processes over real sockets.

    run.py --build build [--dir DIR] [NAME-SUBSTRING ...]

DIR holds the tests (default: this directory; tests/interop uses the same
runner and harness). Ends with one line: "NAME: N passed, N failed",
NAME being DIR's last component.
"""
import argparse
import glob
import importlib.util
import os
import re
import sys
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import harness  # noqa: E402


def run_transcript(world, path):
    """A transcript reads like the RFC's examples:

        # comment
        % config KEY=VALUE ...     server configuration for this file
        % connect plain|tls        (re)connect to the server
        % starttls                 TLS handshake on the current connection
        % closed                   the server must close the connection
        C: a1 NOOP                 a line the client sends (CRLF added)
        S: a1 OK NOOP completed.   a line the server must send, exactly
        S~ a1 OK .*                the same, as a regular expression

    ${CAPS_BASE} and ${CAPS_AUTHED} stand for the capability lists of
    README.md (harness.CAPS_BASE, harness.CAPS_AUTHED); in S~ lines they
    are regex-escaped.
    """
    server = client = None
    config = {}
    try:
        with open(path) as f:
            lines = f.read().splitlines()
        for n, line in enumerate(lines, 1):
            where = f"{os.path.basename(path)}:{n}"
            esc = re.escape if line.startswith("S~ ") else str
            line = (line.replace("${CAPS_BASE}", esc(harness.CAPS_BASE))
                    .replace("${CAPS_AUTHED}", esc(harness.CAPS_AUTHED)))
            if not line.strip() or line.startswith("#"):
                continue
            if line.startswith("% config "):
                for kv in line[len("% config "):].split(";"):
                    k, _, v = kv.partition("=")
                    config[k.strip()] = v.strip()
            elif line.startswith("% connect "):
                if server is None:
                    server = harness.Server(world, **config)
                if client:
                    client.close()
                tls = line.split()[2] == "tls"
                client = harness.Client(
                    server.tls_port if tls else server.port, tls=tls)
            elif line == "% starttls":
                client.starttls_handshake()
            elif line == "% closed":
                harness.check(client.closed(), f"{where}: connection still open")
            elif line.startswith("C: "):
                client.send(line[3:] + "\r\n")
            elif line.startswith("S: "):
                got = client.line()
                harness.check(got == line[3:],
                              f"{where}: got {got!r}, want {line[3:]!r}")
            elif line.startswith("S~ "):
                got = client.line()
                harness.check(re.fullmatch(line[3:], got),
                              f"{where}: got {got!r}, want /{line[3:]}/")
            else:
                raise harness.TestFailure(f"{where}: cannot read {line!r}")
    finally:
        if client:
            client.close()
        if server:
            server.stop()


def collect(where, selected):
    tests = []
    for path in sorted(glob.glob(os.path.join(where, "*.t"))):
        name = os.path.basename(path)
        tests.append((name, lambda w, p=path: run_transcript(w, p)))
    for path in sorted(glob.glob(os.path.join(where, "test_*.py"))):
        modname = os.path.basename(path)[:-3]
        spec = importlib.util.spec_from_file_location(modname, path)
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        for attr in sorted(dir(mod)):
            if attr.startswith("test_") and callable(getattr(mod, attr)):
                tests.append((f"{modname}.{attr}", getattr(mod, attr)))
    if selected:
        tests = [t for t in tests if any(s in t[0] for s in selected)]
    return tests


def show_logs(world, lines=40):
    """The end of each log of the servers the failed test started: a
    failure seen once, in CI or under load, can be read afterwards."""
    for i, srv in enumerate(world.servers):
        tail = srv.log_text().splitlines()[-lines:]
        print(f"     server {i + 1} log, last {len(tail)} lines:")
        for line in tail:
            print(f"       {line}")
    sys.stdout.flush()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--dir", default=HERE)
    ap.add_argument("select", nargs="*")
    args = ap.parse_args()
    where = os.path.abspath(args.dir)
    sys.path.insert(0, where)
    world = harness.World(args.build)
    passed = failed = 0
    try:
        for name, fn in collect(where, args.select):
            start = time.time()
            world.servers.clear()
            try:
                fn(world)
                passed += 1
                print(f"ok   {name} ({time.time() - start:.1f}s)", flush=True)
            except harness.TestFailure as e:
                failed += 1
                print(f"FAIL {name}: {e}", flush=True)
                show_logs(world)
            except Exception:
                failed += 1
                print(f"FAIL {name}: exception", flush=True)
                traceback.print_exc()
                show_logs(world)
            # A failed test may leave its server running, holding the
            # pidfile the next test's server wants.
            for srv in world.servers:
                srv.stop()
            harness.clean_pam_dirs()
    finally:
        if os.environ.get("SKUA_KEEP_TMP"):
            print(f"kept {world.dir}")
        else:
            world.cleanup()
    print(f"{os.path.basename(where)}: {passed} passed, {failed} failed")
    return 1 if failed or not passed else 0


if __name__ == "__main__":
    sys.exit(main())
