#!/usr/bin/env python3
"""tests/bench/gen_corpus.py — a deterministic Maildir of N messages for the
benchmark (tests/bench/run.py, issue 8).

    gen_corpus.py DIR --messages N [--seed S]

Writes DIR/Maildir/{cur,new,tmp} and, last, DIR/corpus.done with the
message count, total bytes and the seed; a DIR with corpus.done is complete
and is not written again. The same N and seed give the same bytes, names
and mtimes on every run (random.Random with an explicit seed, no clock,
no hash-ordered containers). Python standard library only.

The mix, as the issue asks for it:

  ~55% text/plain: us-ascii 7bit, UTF-8 8bit, UTF-8 quoted-printable,
       UTF-8 base64, ISO-8859-1 quoted-printable, windows-1252 8bit
  ~25% multipart/alternative: text/plain and text/html, quoted-printable
  ~20% multipart/mixed: a text part and 1-3 base64 attachments
       (80% 2-16 KB, 19.5% 16-64 KB, 0.5% 64 KB-1 MB), some with RFC 2231
       file names

Headers carry RFC 2047 encoded words (some subjects and display names);
about a third of the messages answer an earlier one (In-Reply-To,
References, "Re: " subject), which makes threads. Dates run forward from
2021-01-01 by a few minutes to an hour each; the file's mtime is the Date.
Messages are LF-terminated on disk as MDAs write them; names are the
Dovecot kind, "<secs>.M<usecs>P<n>.bench,S=<size>,W=<crlf size>:2,<flags>",
with flags (mostly S, some RS, F, T, D) in cur/ and 2% in new/ without
":2,".

Sizes on this generator (measured): 1k messages ~10 MB, 10k ~100 MB,
100k ~1 GB (the mixed share carries most of the bytes).
"""
import argparse
import base64
import os
import random
import sys
import time

SEED = 8

WORDS = ("the quick brown fox jumps over lazy dog mail server message "
         "header body part boundary meeting agenda report invoice attached "
         "please find regards thanks tomorrow project status release build "
         "test review budget draft final schedule customer payment order "
         "delivery contract team update question answer notes office "
         "weekend holiday travel flight hotel conference slides quarter "
         "numbers figures analysis proposal feedback support ticket issue "
         "ready soon later today morning evening call phone address").split()
UTF8_WORDS = ("Grüße", "Übersicht", "café", "naïve", "Straße", "résumé",
              "Ångström", "żółw", "Привет", "καλημέρα", "日本語", "coöperate")
LATIN1_WORDS = ("Grüße", "Übersicht", "café", "naïve", "Straße", "résumé",
                "Ångström", "façade", "señor", "smörgåsbord")

PEOPLE = [("Alice Example", "alice", "example.com"),
          ("Bob Smith", "bob", "example.org"),
          ("Carol O'Neil", "carol", "mail.example.net"),
          ("Dave Null", "dave", "example.com"),
          ("Eve Müller", "eve", "example.de"),
          ("Frank Çelik", "frank", "example.com.tr"),
          ("Grace Hopper", "grace", "navy.example.mil"),
          ("Heidi Klum", "heidi", "example.org"),
          ("Ivan Petrov", "ivan", "example.ru"),
          ("Judy Tanaka", "judy", "example.jp"),
          ("Mallory", "mallory", "evil.example"),
          ("Zoë Ångström", "zoe", "example.se"),
          ("Oscar Wilde", "oscar", "lists.example.org"),
          ("Peggy Sue", "peggy", "example.net"),
          ("Trent Reznor", "trent", "example.com"),
          ("Victor Hugo", "victor", "example.fr")]

ATTACH = [("application/pdf", "report", "pdf"),
          ("image/jpeg", "photo", "jpg"),
          ("image/png", "screenshot", "png"),
          ("application/octet-stream", "data", "bin"),
          ("application/zip", "archive", "zip"),
          ("application/vnd.openxmlformats-officedocument."
           "wordprocessingml.document", "Angebot", "docx")]

FLAGS = ["S"] * 60 + ["RS"] * 12 + [""] * 16 + ["FS"] * 5 + ["F"] * 2 + \
    ["ST"] * 2 + ["DS"] * 1 + ["FRS"] * 2

START = 1609459200            # 2021-01-01 00:00:00 UTC
MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()
DAYS = "Mon Tue Wed Thu Fri Sat Sun".split()


def rfc822_date(t, tz_min):
    lt = time.gmtime(t + tz_min * 60)
    sign = "+" if tz_min >= 0 else "-"
    return "%s, %d %s %d %02d:%02d:%02d %s%02d%02d" % (
        DAYS[lt.tm_wday], lt.tm_mday, MONTHS[lt.tm_mon - 1], lt.tm_year,
        lt.tm_hour, lt.tm_min, lt.tm_sec, sign, abs(tz_min) // 60,
        abs(tz_min) % 60)


def qp(raw):
    """Quoted-printable of bytes with LF line ends, soft breaks at 76."""
    out = []
    for line in raw.split(b"\n"):
        cur = ""
        for b in line:
            c = chr(b)
            if (33 <= b <= 126 and c != "=") or c == " ":
                enc = c
            else:
                enc = "=%02X" % b
            if len(cur) + len(enc) > 75:
                out.append(cur + "=")
                cur = ""
            cur += enc
        if cur.endswith(" "):
            cur = cur[:-1] + "=20"
        out.append(cur)
    return "\n".join(out)


def b64(raw):
    s = base64.b64encode(raw).decode()
    return "\n".join(s[i:i + 76] for i in range(0, len(s), 76))


def ew(text, charset, enc):
    raw = text.encode(charset)
    if enc == "B":
        return "=?%s?B?%s?=" % (charset, base64.b64encode(raw).decode())
    q = "".join("_" if b == 32 else chr(b) if chr(b).isalnum() and b < 128
                else "=%02X" % b for b in raw)
    return "=?%s?Q?%s?=" % (charset, q)


class Gen:
    def __init__(self, seed):
        self.r = random.Random(seed)
        # One pool of random bytes; attachments are slices of it at random
        # offsets, which is as good as fresh bytes for a server and much
        # faster to make.
        self.pool = self.r.randbytes(1 << 21)

    def words(self, n, extra=()):
        r = self.r
        out = []
        for _ in range(n):
            if extra and r.random() < 0.08:
                out.append(r.choice(extra))
            else:
                out.append(WORDS[min(int(r.expovariate(0.06)),
                                     len(WORDS) - 1)])
        return " ".join(out)

    def text(self, extra=(), lines=None):
        r = self.r
        lines = lines or r.randint(3, 60)
        out = []
        for _ in range(lines):
            out.append(self.words(r.randint(4, 13), extra))
            if r.random() < 0.15:
                out.append("")
        return "\n".join(out) + "\n"

    def person(self):
        r = self.r
        name, local, dom = r.choice(PEOPLE)
        k = r.randrange(6)
        if k == 0:
            return "%s@%s" % (local, dom)
        if name.isascii():
            return ('"%s" <%s@%s>' if "'" in name else "%s <%s@%s>") % (
                name, local, dom)
        return "%s <%s@%s>" % (
            ew(name, r.choice(["utf-8", "iso-8859-1"])
               if all(ord(c) < 256 for c in name) else "utf-8",
               r.choice("BQ")), local, dom)

    def subject(self):
        r = self.r
        s = self.words(r.randint(2, 8)).capitalize()
        if r.random() < 0.25:
            w = r.choice(UTF8_WORDS)
            s = ew(s + " " + w, "utf-8", r.choice("BQ"))
        return s

    def plain(self):
        """(content-type header value, cte, body text)"""
        r = self.r
        k = r.randrange(6)
        if k == 0:
            return "text/plain; charset=us-ascii", "7bit", self.text()
        if k == 1:
            return ("text/plain; charset=utf-8", "8bit",
                    self.text(UTF8_WORDS))
        if k == 2:
            return ("text/plain; charset=UTF-8; format=flowed",
                    "quoted-printable",
                    qp(self.text(UTF8_WORDS).encode()) + "\n")
        if k == 3:
            return ("text/plain; charset=utf-8", "base64",
                    b64(self.text(UTF8_WORDS).encode()) + "\n")
        if k == 4:
            return ("text/plain; charset=ISO-8859-1", "quoted-printable",
                    qp(self.text(LATIN1_WORDS).encode("latin-1")) + "\n")
        return ("text/plain; charset=windows-1252", "8bit",
                self.text(LATIN1_WORDS).encode("cp1252").decode(
                    "ascii", "surrogateescape"))

    def html(self, text):
        paras = "".join("<p>%s</p>\n" % p for p in text.split("\n\n"))
        return ("<html><head><meta http-equiv=\"Content-Type\" content=\""
                "text/html; charset=utf-8\"></head>\n<body>\n%s</body>"
                "</html>\n" % paras)

    def attachment(self):
        r = self.r
        x = r.random()
        if x < 0.8:
            size = r.randint(2048, 16384)
        elif x < 0.995:
            size = r.randint(16384, 65536)
        else:
            size = int(65536 * (16 ** r.random()))     # up to 1 MB
        ctype, stem, ext = r.choice(ATTACH)
        off = r.randrange(len(self.pool) - size) if size < len(
            self.pool) else 0
        data = self.pool[off:off + size]
        name = "%s-%d.%s" % (stem, r.randrange(1000), ext)
        if r.random() < 0.15:
            fname = "filename*=utf-8''%s%s" % ("%C3%9Cbersicht-", name)
        else:
            fname = 'filename="%s"' % name
        return ("Content-Type: %s; name=\"%s\"\n"
                "Content-Transfer-Encoding: base64\n"
                "Content-Disposition: attachment; %s\n\n%s\n" % (
                    ctype, name, fname, b64(data)))

    def message(self, i, t, parent):
        """Returns (text, message-id, references, subject)."""
        r = self.r
        mid = "<%d.%x@bench.example>" % (i, r.getrandbits(40))
        tz = r.choice([0, 60, 120, -300, -420, 330, 540])
        if parent:
            pmid, prefs, psubj = parent
            refs = (prefs + [pmid])[-10:]
            subj = psubj if psubj.startswith("Re: ") else "Re: " + psubj
        else:
            refs, subj = [], self.subject()
        h = ["Return-Path: <bounce-%d@example.org>" % i,
             "Received: from mx%d.example.org (mx%d.example.org "
             "[192.0.2.%d])\n\tby mail.example.com with ESMTPS id %08X\n"
             "\tfor <bench@example.com>; %s" % (
                 i % 7, i % 7, i % 250, r.getrandbits(32),
                 rfc822_date(t + 2, tz)),
             "Date: " + rfc822_date(t, tz),
             "From: " + self.person(),
             "To: " + ", ".join(self.person()
                                for _ in range(r.randint(1, 3)))]
        if r.random() < 0.3:
            h.append("Cc: " + self.person())
        h.append("Subject: " + subj)
        h.append("Message-ID: " + mid)
        if refs:
            h.append("In-Reply-To: " + refs[-1])
            h.append("References: " + "\n ".join(refs))
        h.append("MIME-Version: 1.0")
        x = r.random()
        if x < 0.55:
            ct, cte, body = self.plain()
            h.append("Content-Type: " + ct)
            h.append("Content-Transfer-Encoding: " + cte)
        elif x < 0.80:
            bd = "=_alt_%d_%x" % (i, r.getrandbits(32))
            txt = self.text(UTF8_WORDS)
            h.append("Content-Type: multipart/alternative; boundary=\"%s\""
                     % bd)
            body = ("This is a multi-part message in MIME format.\n\n"
                    "--%s\nContent-Type: text/plain; charset=utf-8\n"
                    "Content-Transfer-Encoding: quoted-printable\n\n%s\n"
                    "--%s\nContent-Type: text/html; charset=utf-8\n"
                    "Content-Transfer-Encoding: quoted-printable\n\n%s\n"
                    "--%s--\n" % (bd, qp(txt.encode()), bd,
                                  qp(self.html(txt).encode()), bd))
        else:
            bd = "=_mix_%d_%x" % (i, r.getrandbits(32))
            h.append("Content-Type: multipart/mixed; boundary=\"%s\"" % bd)
            ct, cte, txt = self.plain()
            parts = ["Content-Type: %s\nContent-Transfer-Encoding: %s\n\n%s"
                     % (ct, cte, txt)]
            n = 1 + (r.random() < 0.3) + (r.random() < 0.07)
            parts += [self.attachment() for _ in range(n)]
            body = "This is a multi-part message in MIME format.\n\n" + \
                "".join("--%s\n%s" % (bd, p) for p in parts) + \
                "--%s--\n" % bd
        return "\n".join(h) + "\n\n" + body, mid, refs, subj


def generate(top, n, seed):
    md = os.path.join(top, "Maildir")
    for d in ("cur", "new", "tmp"):
        os.makedirs(os.path.join(md, d), exist_ok=True)
    g = Gen(seed)
    r = g.r
    t = START
    recent = []
    total = 0
    for i in range(n):
        t += int(r.expovariate(1 / 900.0)) + 1
        parent = r.choice(recent) if recent and r.random() < 0.35 else None
        text, mid, refs, subj = g.message(i, t, parent)
        recent.append((mid, refs, subj))
        if len(recent) > 200:
            recent.pop(0)
        # windows-1252 bodies are carried as surrogate escapes of their
        # bytes, everything else 8-bit is UTF-8.
        data = text.encode("utf-8", "surrogateescape")
        size = len(data)
        vsize = size + data.count(b"\n")
        base = "%d.M%dP%d.bench,S=%d,W=%d" % (t, r.randrange(1000000),
                                              1000 + i % 30000, size, vsize)
        if r.random() < 0.02:
            path = os.path.join(md, "new", base)
        else:
            path = os.path.join(md, "cur", base + ":2," + r.choice(FLAGS))
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.write(fd, data)
        os.close(fd)
        os.utime(path, (t, t))
        total += size
    return total


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--messages", type=int, required=True)
    ap.add_argument("--seed", type=int, default=SEED)
    args = ap.parse_args()
    done = os.path.join(args.dir, "corpus.done")
    if os.path.exists(done):
        return 0
    t0 = time.time()
    total = generate(args.dir, args.messages, args.seed)
    with open(done, "w") as f:
        f.write("messages %d\nbytes %d\nseed %d\n" % (
            args.messages, total, args.seed))
    print("gen_corpus: %d messages, %.1f MB in %.1fs -> %s" % (
        args.messages, total / 1e6, time.time() - t0, args.dir))
    return 0


if __name__ == "__main__":
    sys.exit(main())
