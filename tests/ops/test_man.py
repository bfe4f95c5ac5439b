"""The manual pages: mandoc -Tlint finds nothing in them, and
imapd.conf(5) and the sample etc/imapd.conf document every key of the
table in src/util/config.c with its default."""
import glob
import os
import re
import shutil
import subprocess

from harness import TIMEOUT, check

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
# What depends on the machine, not on the page: whether the pages it
# refers to are installed here, and the state of mandoc's database.
IGNORED = (r"referenced manual not found", r"outdated mandoc\.db",
           r"run makewhatis")


def config_keys():
    """[(key, default)] from the key table of src/util/config.c."""
    with open(os.path.join(ROOT, "src", "util", "config.c")) as f:
        src = f.read()
    m = re.search(r"static const struct key keys\[\] = \{(.*?)\n\};", src,
                  re.S)
    check(m, "no key table in src/util/config.c")
    keys = []
    for entry in re.split(r"\n\t\{", m.group(1))[1:]:
        name = re.search(r'\.name\s*=\s*"([^"]+)"', entry)
        check(name, f"a key without a name: {entry!r}")
        d = re.search(r'\.def\s*=\s*((?:"(?:[^"\\]|\\.)*"\s*)+)', entry)
        default = "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', d.group(1))) \
            if d else ""
        keys.append((name.group(1), default))
    check(len(keys) >= 20, f"only {len(keys)} keys found in config.c")
    return keys


def test_mandoc_lint(world):
    if shutil.which("mandoc") is None:
        print("  (mandoc not installed; skipped)")
        return
    pages = sorted(glob.glob(os.path.join(ROOT, "man", "*.[1-9]")))
    check(pages, "no manual pages")
    r = subprocess.run(["mandoc", "-Tlint", "-Wstyle"] + pages,
                       capture_output=True, text=True, timeout=TIMEOUT,
                       cwd=ROOT)
    found = [l for l in (r.stdout + r.stderr).splitlines()
             if l.strip() and not any(re.search(i, l) for i in IGNORED)]
    check(not found, "mandoc -Tlint:\n" + "\n".join(found))


def man_items(text):
    """{key: source of its .It paragraph} of imapd.conf(5)."""
    items = {}
    cur = None
    for line in text.splitlines():
        m = re.match(r"\.It Cm (\w+)\b", line)
        if m:
            cur = m.group(1)
            items[cur] = []
            continue
        if line.startswith((".It", ".El", ".Sh", ".Ss")):
            cur = None
        if cur:
            items[cur].append(line)
    return items


def plain(lines):
    """The words of mdoc source lines, without their macros."""
    words = []
    for line in lines:
        line = line.replace("\\&", "")
        toks = line.split()
        if line.startswith("."):
            toks = [t for t in toks[1:] if not re.fullmatch(
                r"[A-Z][a-z]|Ns|No|Op|Ar|Cm|Ql|Pa|Pq|Dq|Sq|Xr|Em|Li", t)]
        words += toks
    return " ".join(words)


def test_imapd_conf_5_documents_every_key(world):
    with open(os.path.join(ROOT, "man", "imapd.conf.5")) as f:
        items = man_items(f.read())
    problems = []
    for key, default in config_keys():
        if key not in items:
            problems.append(f"{key}: not documented")
            continue
        text = plain(items[key])
        m = re.search(r"[Tt]he default is (.*)", text)
        if not m:
            problems.append(f"{key}: no 'The default is'")
            continue
        after = m.group(1)
        want = default if default else "empty"
        if not (after.startswith(want) and
                not after[len(want):len(want) + 1].isalnum()):
            problems.append(f"{key}: default {default!r}, the page says "
                            f"{after[:40]!r}")
    check(not problems, "imapd.conf(5):\n" + "\n".join(problems))


def test_sample_imapd_conf_lists_every_key(world):
    with open(os.path.join(ROOT, "etc", "imapd.conf")) as f:
        lines = [l.rstrip("\n") for l in f]
    problems = []
    for key, default in config_keys():
        want = f"#{key} = {default}".rstrip()
        if want not in lines:
            problems.append(f"no line {want!r}")
    check(not problems, "etc/imapd.conf:\n" + "\n".join(problems))
