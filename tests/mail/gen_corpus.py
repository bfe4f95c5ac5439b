#!/usr/bin/env python3
"""tests/mail/gen_corpus.py — writes a deterministic corpus of mail messages
for the mail layer's differential test (tests/mail/diff_dovecot.py), its
fuzz seeds and its benchmark.

    gen_corpus.py OUTDIR [--seed N] [--small]

Writes NNNN-shape.eml files (several hundred) into OUTDIR: plain text in
many charsets and transfer encodings, the multipart shapes of Outlook, Gmail
and Apple Mail, related, mixed with attachments of up to ~200 KB, digests,
forwards of forwards, PGP and S/MIME signatures, calendar invites, RFC 2047
and RFC 2231 encodings, all the Content-* fields IMAP reports, groups and
broken address lists, and the broken shapes real mailers produce (bare LF,
8-bit headers, missing boundaries, deep nesting, ...). The same seed gives
the same bytes on every run and every Python 3 version (only Random with an
explicit seed, no hash-ordered containers, no clock). --small leaves out
attachments above 8 KB and the deep-nesting cases (for fuzz seeds).

Python standard library only.
"""
import base64
import binascii
import os
import random
import sys

SEED = 20240601


class Gen:
    def __init__(self, seed, small=False):
        self.r = random.Random(seed)
        self.small = small
        self.out = []           # (name, bytes)
        self.nb = 0

    # --- little helpers ------------------------------------------------

    def add(self, name, text, eol="crlf"):
        """text is str (encoded as UTF-8 unless already bytes) with \\n line
        ends; eol is crlf, lf, or mixed."""
        data = text.encode("utf-8", "surrogateescape") \
            if isinstance(text, str) else text
        if eol == "crlf":
            data = data.replace(b"\n", b"\r\n")
        elif eol == "mixed":
            lines = data.split(b"\n")
            data = b"".join(
                l + (b"\r\n" if self.r.random() < 0.5 else b"\n")
                for l in lines[:-1]) + lines[-1]
        self.out.append((name, data))

    def boundary(self, style=None):
        self.nb += 1
        r = self.r
        style = style or r.choice(["outlook", "gmail", "apple", "plain"])
        if style == "outlook":
            return "----=_NextPart_%03d_%04X_01D%X.%08X" % (
                r.randrange(1000), self.nb, r.randrange(1 << 20),
                r.randrange(1 << 32))
        if style == "gmail":
            return "%028x" % r.getrandbits(112)
        if style == "apple":
            return "Apple-Mail=_%08X-%04X-%04X-%04X-%012X" % (
                r.getrandbits(32), r.getrandbits(16), r.getrandbits(16),
                r.getrandbits(16), r.getrandbits(48))
        return "=-=b%d.%d=-=" % (self.nb, r.randrange(100000))

    WORDS = ("the quick brown fox jumps over lazy dog mail server message "
             "header body part boundary meeting agenda report invoice "
             "attached please find regards thanks tomorrow project status "
             "release build test review budget draft final").split()

    def words(self, n):
        return " ".join(self.r.choice(self.WORDS) for _ in range(n))

    def para(self, lines=None, width=72):
        r = self.r
        lines = lines or r.randint(1, 12)
        out = []
        for _ in range(lines):
            out.append(self.words(r.randint(1, width // 6)))
            if r.random() < 0.15:
                out.append("")
        return "\n".join(out) + "\n"

    NAMES = ["Alice Example", "Bob Smith", "Carol O'Neil", "Dave Null",
             "Eve Müller", "Frank Çelik", "Grace Hopper", "Heidi Klum",
             "Ivan Petrov", "Judy Tanaka", "Mallory", "Zoë Ångström"]
    DOMAINS = ["example.com", "example.org", "mail.example.net", "gmail.com",
               "outlook.com", "corp.example.co.uk", "xn--bcher-kva.example"]

    def mailbox(self):
        r = self.r
        name = r.choice(self.NAMES)
        local = name.split()[0].lower().encode("ascii", "ignore").decode()
        local = "".join(c for c in local if c.isalnum()) or "user"
        dom = r.choice(self.DOMAINS)
        k = r.randrange(9)
        if k == 0:
            return "%s@%s" % (local, dom)
        if k == 1:
            return "<%s@%s>" % (local, dom)
        if k == 2:
            return '"%s" <%s@%s>' % (name, local, dom)
        if k == 3:
            return "%s <%s@%s>" % (self.ew(name) if not name.isascii()
                                   else name, local, dom)
        if k == 4:
            return "%s@%s (%s)" % (local, dom, name)
        if k == 5:
            return '"%s, %s" <%s.%s@%s>' % (name.split()[-1], name.split()[0],
                                           local, "x", dom)
        if k == 6:
            return "=?utf-8?B?%s?= <%s@%s>" % (
                base64.b64encode(name.encode()).decode(), local, dom)
        if k == 7:
            return '"%s\\"q\\" \\\\ x" <%s@%s>' % (name, local, dom)
        return "%s <%s+tag@%s>" % (name if name.isascii() else self.ew(name),
                                  local, dom)

    def addrlist(self, n=None):
        n = n or self.r.randint(1, 4)
        return ", ".join(self.mailbox() for _ in range(n))

    def ew(self, text, charset=None, enc=None):
        """An RFC 2047 encoded-word for text."""
        r = self.r
        charset = charset or r.choice(["utf-8", "UTF-8", "iso-8859-1",
                                       "ISO-8859-15", "windows-1252"])
        enc = enc or r.choice("BQ")
        try:
            raw = text.encode(charset)
        except UnicodeEncodeError:
            charset = "utf-8"
            raw = text.encode(charset)
        if enc.upper() == "B":
            return "=?%s?%s?%s?=" % (charset, enc,
                                     base64.b64encode(raw).decode())
        q = ""
        for b in raw:
            c = chr(b)
            if c == " ":
                q += "_"
            elif c.isalnum() and b < 128:
                q += c
            else:
                q += "=%02X" % b
        return "=?%s?%s?%s?=" % (charset, enc, q)

    SUBJECTS = ["Meeting tomorrow", "Re: Re: Fwd: budget", "Invoice #12345",
                "Grüße aus München", "Café crème", "Ελληνικά", "Русский текст",
                "日本語の件名", "quoted \"subject\" with \\ backslash",
                "status report (draft)", "", "   leading spaces"]

    def subject(self):
        r = self.r
        s = r.choice(self.SUBJECTS)
        k = r.randrange(5)
        if s.isascii() or k == 0:
            if not s.isascii() and r.random() < 0.5:
                return s        # raw 8-bit (UTF-8) subject
            if not s.isascii():
                return self.ew(s, "utf-8")
            return s
        if k == 1:
            return self.ew(s, "utf-8", "B")
        if k == 2:
            return "Re: " + self.ew(s, "utf-8", "Q")
        if k == 3:
            half = len(s) // 2
            return "%s %s" % (self.ew(s[:half], "utf-8"),
                              self.ew(s[half:], "utf-8"))
        return "[list] " + self.ew(s, "utf-8") + " tail"

    DATES = ["Mon, 3 Jun 2024 10:11:12 +0200", "3 Jun 2024 10:11:12 -0700",
             "Tue, 04 Jun 2024 23:59:60 +0000",
             "Wed, 5 Jun 24 08:00:00 EST", "Thu, 6 Jun 2024 08:00 GMT",
             "Fri, 7 Jun 2024 08:00:00 +0000 (UTC)",
             "Sat,  8 Jun 2024  08:00:00  +0530", "Sun, 9 Jun 1999 08:00:00 Z",
             "garbage date", "Mon, 10 Jun 2024 08:00:00 -0000",
             "10 Jun 104 08:00:00 +0000"]

    def msgid(self):
        return "<%x.%d@%s>" % (self.r.getrandbits(64), self.r.randrange(1000),
                               self.r.choice(self.DOMAINS))

    def head(self, extra="", mime=True, subject=None, date=None,
             ctype=None):
        r = self.r
        h = []
        if r.random() < 0.3:
            h.append("Received: from mx%d.example.net (mx.example.net "
                     "[192.0.2.%d])\n\tby mail.example.com with ESMTPS id "
                     "%x\n\tfor <alice@example.com>; %s" % (
                         r.randrange(9), r.randrange(255), r.getrandbits(40),
                         self.DATES[0]))
        if r.random() < 0.4:
            h.append("Return-Path: <bounce-%d@example.org>" % r.randrange(999))
        h.append("From: %s" % self.addrlist(1))
        h.append("To: %s" % self.addrlist())
        if r.random() < 0.4:
            h.append("Cc: %s" % self.addrlist())
        if r.random() < 0.1:
            h.append("Bcc: %s" % self.addrlist(1))
        if r.random() < 0.15:
            h.append("Sender: %s" % self.addrlist(1))
        if r.random() < 0.15:
            h.append("Reply-To: %s" % self.addrlist(1))
        h.append("Subject: %s" % (self.subject() if subject is None
                                  else subject))
        h.append("Date: %s" % (date or r.choice(self.DATES)))
        h.append("Message-ID: %s" % self.msgid())
        if r.random() < 0.3:
            h.append("In-Reply-To: %s" % self.msgid())
            h.append("References: %s\n %s" % (self.msgid(), self.msgid()))
        if mime:
            h.append("MIME-Version: 1.0")
        if ctype:
            h.append(ctype)
        if extra:
            h.append(extra.rstrip("\n"))
        return "\n".join(h) + "\n"

    # --- encodings ------------------------------------------------------

    @staticmethod
    def qp(data):
        return binascii.b2a_qp(data, istext=True).decode("ascii")

    @staticmethod
    def b64(data):
        return base64.encodebytes(data).decode("ascii")

    def encode_body(self, raw, cte):
        if cte.lower() == "quoted-printable":
            return self.qp(raw)
        if cte.lower() == "base64":
            return self.b64(raw)
        # 7bit/8bit/binary: the bytes as they are, carried through str
        return raw.decode("utf-8", "surrogateescape")

    def blob(self, n):
        """n pseudo-random bytes (an 'attachment')."""
        return bytes(self.r.getrandbits(8) for _ in range(n))

    def text_leaf(self, sub="plain", charset="utf-8", cte=None, text=None,
                  extra=""):
        r = self.r
        text = text or self.para()
        if sub == "html":
            text = "<html><body>\n<p>" + text.replace("\n\n", "</p>\n<p>") + \
                "</p>\n</body></html>\n"
        raw = text.encode(charset, "replace")
        cte = cte or r.choice(["7bit", "8bit", "quoted-printable", "base64"])
        if cte == "7bit" and any(b > 127 for b in raw):
            cte = "quoted-printable"
        body = self.encode_body(raw, cte)
        h = 'Content-Type: text/%s; charset="%s"\n' % (sub, charset)
        if r.random() < 0.3:
            h = "Content-Type: text/%s; charset=%s; format=flowed\n" % (
                sub, charset)
        h += "Content-Transfer-Encoding: %s\n" % cte
        return h + extra + "\n" + body

    def attach(self, size=None, ctype=None, filename=None, inline=False,
               cid=None):
        r = self.r
        if size is None:
            size = r.choice([10, 300, 1500, 5000, 20000])
        if self.small:
            size = min(size, 2000)
        ctype = ctype or r.choice(["application/pdf", "image/png",
                                   "image/jpeg", "application/octet-stream",
                                   "application/zip", "audio/mpeg"])
        filename = filename or "file%d.%s" % (r.randrange(1000),
                                              ctype.split("/")[1][:4])
        h = 'Content-Type: %s; name="%s"\n' % (ctype, filename)
        h += "Content-Transfer-Encoding: base64\n"
        h += 'Content-Disposition: %s; filename="%s"' % (
            "inline" if inline else "attachment", filename)
        if r.random() < 0.3:
            h += ";\n\tsize=%d" % size
        h += "\n"
        if cid:
            h += "Content-ID: <%s>\n" % cid
        if r.random() < 0.2:
            h += "X-Attachment-Id: f_%x\n" % r.getrandbits(32)
        return h + "\n" + self.b64(self.blob(size))

    @staticmethod
    def multipart(sub, parts, boundary, params="", preamble="",
                  epilogue="", final=True, header=True):
        out = ""
        if header:
            out = 'Content-Type: multipart/%s; boundary="%s"%s\n\n' % (
                sub, boundary, params)
        out += preamble
        for p in parts:
            out += "--%s\n%s" % (boundary, p)
            if not p.endswith("\n"):
                out += "\n"
        if final:
            out += "--%s--\n" % boundary
        out += epilogue
        return out

    def message(self, ctype_and_body, eol="crlf", name="msg", mime=True,
                **kw):
        """ctype_and_body: the part text that starts with Content-Type...
        (its header lines), the empty line, the body; it is merged with
        the top-level header."""
        self.add(name, self.head(mime=mime, **kw) + ctype_and_body, eol)

    # --- the shapes -----------------------------------------------------

    def plain_texts(self):
        charsets = ["us-ascii", "utf-8", "iso-8859-1", "iso-8859-15",
                    "windows-1252", "koi8-r", "shift_jis", "iso-2022-jp",
                    "gb2312", "big5", "iso-8859-7", "utf-16"]
        samples = {"us-ascii": "Hello world, plain ASCII.\n",
                   "koi8-r": "Привет, мир! Съешь же ещё этих булок.\n",
                   "shift_jis": "こんにちは世界。日本語のテキスト。\n",
                   "iso-2022-jp": "こんにちは、世界。\n",
                   "gb2312": "你好，世界。中文文本。\n",
                   "big5": "你好，世界。\n",
                   "iso-8859-7": "Γειά σου Κόσμε\n",
                   "utf-16": "UTF-16 text, Grüße\n"}
        for cs in charsets:
            for cte in ["7bit", "8bit", "quoted-printable", "base64"]:
                text = samples.get(cs, "Grüße, café, naïve façade: ÄÖÜ äöü ß"
                                   " — €uro\n") + self.para()
                if cs == "utf-16" and cte in ("7bit", "8bit"):
                    cte = "binary"
                self.message(self.text_leaf("plain", cs, cte, text),
                             name="plain-%s-%s" % (cs, cte),
                             eol=self.r.choice(["crlf"] * 4 + ["lf"]))
        # no Content-Type at all (RFC 2045 5.2 default)
        for i in range(6):
            self.message("\n" + self.para(), name="plain-default-%d" % i,
                         mime=self.r.random() < 0.5,
                         eol=["crlf", "lf"][i % 2])
        # long lines, no final newline, trailing white space, tabs
        self.message("Content-Type: text/plain\n\n" + "x" * 5000 + "\n" +
                     "y" * 1200, name="plain-longline-nofinalnl")
        self.message("Content-Type: text/plain\n\nline with trailing   \n"
                     "\ttab\n \n\n\n", name="plain-whitespace")
        self.message("Content-Type: text/plain; charset=utf-8\n"
                     "Content-Transfer-Encoding: quoted-printable\n\n"
                     "soft=\nbreak and =C3=A9 and trailing=20\n"
                     "last line without newline=", name="plain-qp-soft")
        self.message("Content-Type: text/plain; charset=utf-8\n"
                     "Content-Transfer-Encoding: quoted-printable\n\n"
                     "bad =ZZ escape and =4 short\n",
                     name="broken-qp-invalid")
        self.message("Content-Type: text/plain\n"
                     "Content-Transfer-Encoding: base64\n\n"
                     "SGVsbG8gd29ybGQ\n", name="base64-nopad")
        self.message("Content-Type: text/plain\n"
                     "Content-Transfer-Encoding: base64\n\n"
                     "SGVs bG8g\n d29y bGQ=\n\n", name="base64-whitespace")
        self.message("Content-Type: text/plain\n"
                     "Content-Transfer-Encoding: base64\n\n"
                     "SGVsbG8*d29ybGQ=!!\n", name="broken-base64-garbage")
        self.message("Content-Type: text/plain\n"
                     "Content-Transfer-Encoding: base64\n\n"
                     "SGVsbG8=d29ybGQ=\n", name="broken-base64-midpad")
        self.message("Content-Type: application/octet-stream\n"
                     "Content-Transfer-Encoding: x-uuencode\n\n"
                     "begin 644 f\n#86)C\n`\nend\n", name="cte-unknown-uue")
        self.message("Content-Type: text/plain\n"
                     "Content-Transfer-Encoding: BASE64\n\n"
                     + self.b64(b"upper case encoding name\n"),
                     name="cte-uppercase")
        self.message("Content-Type: text/plain\n"
                     "Content-Transfer-Encoding: Quoted-Printable (comment)\n"
                     "\nabc=3D\n", name="cte-comment")
        for i in range(20):
            cs = self.r.choice(["utf-8", "iso-8859-1", "us-ascii"])
            self.message(self.text_leaf("plain", cs),
                         name="plain-rand-%d" % i,
                         eol=self.r.choice(["crlf", "crlf", "lf", "mixed"]))

    def outlook(self):
        r = self.r
        for i in range(14):
            b1 = self.boundary("outlook")
            alt = self.multipart("alternative", [
                self.text_leaf("plain", "us-ascii" if i % 2 else "utf-8",
                               "quoted-printable"),
                self.text_leaf("html", "utf-8", "quoted-printable")], b1,
                preamble="This is a multi-part message in MIME format.\n\n")
            extra = ("X-Mailer: Microsoft Outlook 16.0\nThread-Index: "
                     "AdW%x==\nContent-Language: en-us\n"
                     "X-MS-Has-Attach: %s\n" % (r.getrandbits(40),
                                                "yes" if i % 3 == 0 else ""))
            if i % 3 == 0:
                b2 = self.boundary("outlook")
                b3 = self.boundary("outlook")
                rel = self.multipart("related", [
                    alt, self.attach(800, "image/png", "image001.png", True,
                                     "image001.png@01D2.%X" % i)], b3,
                    params=';\n\ttype="multipart/alternative"')
                body = self.multipart("mixed", [
                    rel, self.attach(None, "application/vnd.openxmlformats-"
                                     "officedocument.wordprocessingml."
                                     "document", "Report Q%d.docx" % i)], b2)
            else:
                body = alt
            self.message(body, name="outlook-%d" % i, extra=extra)
        # winmail.dat (TNEF)
        b = self.boundary("outlook")
        self.message(self.multipart("mixed", [
            self.text_leaf("plain", "us-ascii", "7bit"),
            self.attach(600, "application/ms-tnef", "winmail.dat")], b),
            name="outlook-tnef")

    def gmail(self):
        for i in range(14):
            b1 = self.boundary("gmail")
            alt = self.multipart("alternative", [
                self.text_leaf("plain", "UTF-8", self.r.choice(
                    ["7bit", "quoted-printable", "base64"])),
                self.text_leaf("html", "UTF-8", "quoted-printable")], b1)
            if i % 2:
                b2 = self.boundary("gmail")
                atts = [self.attach() for _ in range(1 + i % 3)]
                body = self.multipart("mixed", [alt] + atts, b2)
            else:
                body = alt
            self.message(body, name="gmail-%d" % i)

    def apple(self):
        for i in range(12):
            b1 = self.boundary("apple")
            parts = [self.text_leaf("plain", "us-ascii", "7bit")]
            if i % 2:
                parts.append(self.attach(
                    3000, "image/jpeg", "IMG_%04d.jpeg" % i, inline=True))
                parts.append("Content-Type: text/plain; charset=us-ascii\n"
                             "Content-Transfer-Encoding: 7bit\n\n\n\n")
            if i % 3 == 0:
                b2 = self.boundary("apple")
                parts = [self.multipart("alternative", [
                    self.text_leaf("plain", "utf-8", "quoted-printable"),
                    self.text_leaf("html", "utf-8", "quoted-printable")], b2)]
            body = self.multipart("mixed" if i % 3 else "alternative",
                                  parts, b1) if i % 3 else parts[0]
            self.message(body, name="apple-%d" % i,
                         extra="X-Mailer: Apple Mail (2.3696.120.41.1.1)",
                         mime=False)
        # Apple's Mime-Version with a comment
        for i in range(3):
            self.add("apple-mimever-comment-%d" % i,
                     self.head(mime=False) +
                     "Mime-Version: 1.0 (Mac OS X Mail 16.0 \\(3696.120.41."
                     "1.1\\))\n" + self.text_leaf("plain", "utf-8"))

    def related(self):
        for i in range(8):
            b = self.boundary()
            imgs = [self.attach(500 + 100 * k, "image/gif", "img%d.gif" % k,
                                True, "part%d.%d@example.com" % (i, k))
                    for k in range(1 + i % 3)]
            html = ('Content-Type: text/html; charset=utf-8\n'
                    'Content-Transfer-Encoding: 7bit\n\n<html><img src="cid:'
                    'part%d.0@example.com"></html>\n' % i)
            params = ';\n type="text/html"' if i % 2 else \
                '; start="<root@x>"; type=text/html'
            self.message(self.multipart("related", [html] + imgs, b,
                                        params=params),
                         name="related-%d" % i)

    def mixed_big(self):
        sizes = [150000, 200000, 100000, 60000, 180000, 30000]
        for i, size in enumerate(sizes):
            if self.small:
                break
            b = self.boundary()
            self.message(self.multipart("mixed", [
                self.text_leaf("plain", "utf-8"),
                self.attach(size, "application/pdf", "big%d.pdf" % i)], b),
                name="mixed-big-%d" % i, eol="lf" if i == 2 else "crlf")
        for i in range(14):
            b = self.boundary()
            parts = [self.text_leaf("plain")]
            for _ in range(self.r.randint(1, 5)):
                if self.r.random() < 0.3:
                    parts.append(self.text_leaf(
                        "plain", cte="8bit", extra="Content-Disposition: "
                        "attachment; filename=notes.txt\n"))
                else:
                    parts.append(self.attach())
            self.message(self.multipart("mixed", parts, b,
                                        epilogue=self.r.choice(
                                            ["", "\n", "epilogue text\n"])),
                         name="mixed-%d" % i,
                         eol=self.r.choice(["crlf", "crlf", "lf"]))

    def inner_message(self, depth=0):
        """A complete message as text, for message/rfc822 parts."""
        r = self.r
        if depth > 0:
            b = self.boundary()
            body = self.multipart("mixed", [
                self.text_leaf("plain", "utf-8", "7bit",
                               "---------- Forwarded message ---------\n" +
                               self.para(3)),
                "Content-Type: message/rfc822\n" +
                ("Content-Disposition: attachment; filename=\"fwd.eml\"\n"
                 if r.random() < 0.5 else "") + "\n" +
                self.inner_message(depth - 1)], b)
            return self.head(subject="Fwd: level %d" % depth) + body
        k = r.randrange(3)
        if k == 0:
            return self.head() + self.text_leaf("plain")
        if k == 1:
            b = self.boundary()
            return self.head() + self.multipart("alternative", [
                self.text_leaf("plain"), self.text_leaf("html")], b)
        return self.head(mime=False) + "\n" + self.para()

    def forwards(self):
        for i in range(16):
            depth = i % 6
            msg = self.inner_message(depth + 1)
            self.add("forward-%d-depth%d" % (i, depth + 1), msg,
                     self.r.choice(["crlf", "crlf", "lf"]))
        # message/rfc822 as the whole body
        for i in range(4):
            self.message("Content-Type: message/rfc822\n\n" +
                         self.inner_message(0), name="rfc822-body-%d" % i)
        # message/rfc822 with base64 (illegal, RFC 2046 5.2.1) and global
        self.message("Content-Type: message/rfc822\n"
                     "Content-Transfer-Encoding: base64\n\n" +
                     self.b64(self.inner_message(0).encode()),
                     name="rfc822-base64")
        self.message("Content-Type: message/global\n\n" +
                     self.inner_message(0), name="message-global")
        self.message("Content-Type: message/partial; id=\"abc@x\"; number=1;"
                     " total=2\n\n" + self.inner_message(0),
                     name="message-partial")
        self.message("Content-Type: message/rfc822\n\n",
                     name="rfc822-empty")
        self.message("Content-Type: message/rfc822\n\nSubject: only a "
                     "header, no blank line", name="rfc822-headeronly")

    def digest(self):
        for i in range(6):
            b = self.boundary()
            parts = []
            for k in range(2 + i):
                if k == 1 and i % 2:
                    parts.append("Content-Type: text/plain\n\n" +
                                 self.para(2))
                else:
                    parts.append("\n" + self.inner_message(0))
            body = self.multipart("mixed", [
                self.text_leaf("plain", "us-ascii", "7bit",
                               "Today's Topics:\n" + self.para(4)),
                'Content-Type: multipart/digest; boundary="%s"\n\n' % b +
                self.multipart("digest", parts, b, header=False)],
                self.boundary())
            self.message(body, name="digest-%d" % i,
                         extra="List-Id: <list.example.com>")

    def signed(self):
        for i in range(6):
            b = self.boundary()
            inner = self.text_leaf("plain", "utf-8", "quoted-printable") \
                if i % 2 else self.multipart(
                    "mixed", [self.text_leaf("plain"), self.attach(200)],
                    self.boundary())
            sig = ("Content-Type: application/pgp-signature; "
                   "name=\"signature.asc\"\nContent-Description: OpenPGP "
                   "digital signature\nContent-Disposition: attachment; "
                   "filename=\"signature.asc\"\n\n-----BEGIN PGP SIGNATURE-"
                   "----\n\n" + self.b64(self.blob(300)) +
                   "=abcd\n-----END PGP SIGNATURE-----\n")
            self.message(self.multipart("signed", [inner, sig], b, params=(
                ';\n micalg=pgp-sha256;\n protocol="application/'
                'pgp-signature"')), name="pgp-signed-%d" % i)
        for i in range(5):
            b = self.boundary()
            sig = ('Content-Type: application/pkcs7-signature; '
                   'name="smime.p7s"\nContent-Transfer-Encoding: base64\n'
                   'Content-Disposition: attachment; filename="smime.p7s"\n'
                   'Content-Description: S/MIME Cryptographic Signature\n\n'
                   + self.b64(self.blob(1500)))
            self.message(self.multipart("signed", [
                self.text_leaf("plain", "us-ascii", "7bit"), sig], b,
                params='; protocol="application/pkcs7-signature"; '
                'micalg=sha-256'), name="smime-signed-%d" % i)
        for i in range(2):
            self.message('Content-Type: application/pkcs7-mime; '
                         'smime-type=enveloped-data; name="smime.p7m"\n'
                         'Content-Transfer-Encoding: base64\n'
                         'Content-Disposition: attachment; '
                         'filename="smime.p7m"\n\n' +
                         self.b64(self.blob(900)), name="smime-enveloped-%d"
                         % i)
            b = self.boundary()
            self.message(self.multipart("encrypted", [
                "Content-Type: application/pgp-encrypted\n"
                "Content-Description: PGP/MIME version identification\n\n"
                "Version: 1\n",
                'Content-Type: application/octet-stream; name="encrypted.asc'
                '"\nContent-Disposition: inline; filename="encrypted.asc"\n\n'
                "-----BEGIN PGP MESSAGE-----\n\n" + self.b64(self.blob(400)) +
                "-----END PGP MESSAGE-----\n"], b,
                params='; protocol="application/pgp-encrypted"'),
                name="pgp-encrypted-%d" % i)

    def calendar(self):
        for i in range(6):
            ics = ("BEGIN:VCALENDAR\nMETHOD:REQUEST\nPRODID:-//Example//EN\n"
                   "VERSION:2.0\nBEGIN:VEVENT\nDTSTART:20240610T090000Z\n"
                   "DTEND:20240610T100000Z\nSUMMARY:Réunion %d\nORGANIZER;"
                   "CN=Alice:mailto:alice@example.com\nATTENDEE;ROLE=REQ-"
                   "PARTICIPANT;RSVP=TRUE:mailto:bob@example.com\nUID:%x\n"
                   "END:VEVENT\nEND:VCALENDAR\n" % (i, self.r.getrandbits(64)))
            cal = ('Content-Type: text/calendar; charset="utf-8"; '
                   'method=REQUEST\nContent-Transfer-Encoding: %s\n\n%s' % (
                       ["base64", "quoted-printable", "8bit"][i % 3],
                       self.encode_body(ics.encode(),
                                        ["base64", "quoted-printable",
                                         "8bit"][i % 3])))
            alt = self.multipart("alternative", [
                self.text_leaf("plain"), self.text_leaf("html"), cal],
                self.boundary())
            body = alt
            if i % 2:
                body = self.multipart("mixed", [
                    alt, 'Content-Type: application/ics; name="invite.ics"\n'
                    'Content-Disposition: attachment; filename="invite.ics"'
                    '\nContent-Transfer-Encoding: base64\n\n' +
                    self.b64(ics.encode())], self.boundary())
            self.message(body, name="calendar-%d" % i)

    def rfc2231(self):
        cases = [
            "Content-Disposition: attachment;\n filename*=UTF-8''%E2%82%AC"
            "%20rates.pdf",
            "Content-Disposition: attachment;\n filename*0=\"very long file"
            " name \";\n filename*1=\"continued here\";\n filename*2=\".txt\"",
            "Content-Disposition: attachment;\n filename*0*=utf-8''%C3%A4%20"
            ";\n filename*1*=%C3%B6%20;\n filename*2=plain.txt",
            "Content-Disposition: inline; filename*=iso-8859-1'de'Gr%FC%DFe."
            "txt",
            "Content-Disposition: attachment; filename*1=\"second\"; "
            "filename*0=\"first\"",
            "Content-Disposition: attachment; filename*0=\"a\"; "
            "filename*2=\"gap\"",
            "Content-Disposition: attachment; filename*=''%41%42",
            "Content-Disposition: attachment; filename*=utf-8'en'%ZZbad",
            "Content-Disposition: attachment; filename=\"plain.txt\"; "
            "filename*=utf-8''%C3%A9.txt",
            "Content-Disposition: attachment; "
            "filename==?utf-8?B?w6nDqS50eHQ=?=",
            "Content-Disposition: attachment; filename=\"=?iso-8859-1?Q?"
            "r=E9sum=E9.doc?=\"",
            "Content-Disposition: attachment; FILENAME*0*=us-ascii'en'This"
            "%20is%20; FILENAME*1*=%2A%2A%2Afun%2A%2A%2A",
        ]
        for i, cd in enumerate(cases):
            ct = ["Content-Type: application/octet-stream",
                  "Content-Type: application/octet-stream;\n name*=utf-8''"
                  "%E2%82%AC.bin",
                  "Content-Type: application/x-stuff;\n title*0*=us-ascii'en'"
                  "This%20is%20even%20more%20;\n title*1*=%2A%2A%2Afun%2A%2A"
                  "%2A%20;\n title*2=\"isn't it!\""][i % 3]
            b = self.boundary()
            self.message(self.multipart("mixed", [
                self.text_leaf("plain"),
                ct + "\n" + cd + "\nContent-Transfer-Encoding: base64\n\n" +
                self.b64(self.blob(100))], b), name="rfc2231-%d" % i)

    def content_fields(self):
        r = self.r
        for i in range(14):
            extra = ""
            if i % 2 == 0:
                extra += "Content-ID: <%x@example.com>\n" % r.getrandbits(40)
            if i % 3 == 0:
                extra += "Content-Description: %s\n" % r.choice(
                    ["A description", self.ew("Beschreibung: Grüße"),
                     "quoted \"desc\"", "Ünïcode raw 8-bit"])
            if i % 4 != 1:
                extra += "Content-Disposition: %s\n" % r.choice(
                    ["inline", "attachment", "ATTACHMENT; filename=a.txt",
                     "inline; filename=\"x y.txt\"; creation-date=\"Mon, 3 "
                     "Jun 2024 10:00:00 +0000\"", "attachment;", "x-weird",
                     "attachment; filename"])
            if i % 3 != 2:
                extra += "Content-Language: %s\n" % r.choice(
                    ["en", "de-CH", "en, fr", "en-US,\n\tde (German)",
                     "i-klingon", "EN"])
            if i % 2 == 1:
                extra += "Content-Location: %s\n" % r.choice(
                    ["http://www.example.com/a.txt", "\"quoted location\"",
                     "http://example.com/very/long/path/\n that/is/folded",
                     "relative.html"])
            if i % 5 == 0:
                extra += "Content-MD5: Q2hlY2sgSW50ZWdyaXR5IQ==\n"
            inner = self.text_leaf("plain", "utf-8", extra=extra)
            if i % 2:
                self.message(inner, name="content-fields-%d" % i)
            else:
                self.message(self.multipart("mixed", [
                    inner, self.attach(200)], self.boundary(),
                    params=self.r.choice(["", '; charset="x"'])) if i % 4
                    else self.multipart("mixed", [inner], self.boundary()),
                    name="content-fields-%d" % i,
                    extra="Content-Language: en\nContent-Location: top.eml"
                    if i % 4 == 0 else "")

    def addresses(self):
        lists = [
            "undisclosed-recipients:;",
            "Team: alice@example.com, Bob <bob@example.com>;",
            "Team: alice@example.com, Bob <bob@example.com>;, carol@x.org",
            "A: a@x;, B: b@y, c@z;",
            "=?utf-8?Q?Gr=C3=BCppe?=: a@x;",
            "Empty group:;, single@example.com",
            "<@relay1.example,@relay2.example:joe@example.com>",
            "Joe <@relay.example:joe@example.com>",
            "joe@example.com (Joe (nested) Sixpack)",
            "Joe Smith joe@example.com",
            "<joe@example.com",
            "\"unterminated <a@b.com>",
            "a@b.com,,c@d.com",
            "joe@",
            "@host.example",
            "postmaster",
            "Jörg Müller <joerg@example.de>",
            "\"Müller, Jörg\" <joerg@example.de>",
            "\"a\\\"b\" <a@b>",
            "\"\" <empty@name>",
            "a.b.c@[192.0.2.1]",
            "\"quoted local\"@example.com",
            "user@example.com.",
            "Some Name <>",
            "foo.bar@example.com (comment) , baz@example.com",
            ",,,",
            "   ",
            "=?iso-8859-1?q?Andr=E9?= Pirard <PIRARD@vm1.ulg.ac.be>",
            "=?US-ASCII?Q?Keith_Moore?= <moore@cs.utk.edu>",
            "Name With\n Folding <fold@example.com>",
            "a@b.c d@e.f",
            "<a@b><c@d>",
            "group: a@b, <broken, c@d",
            "Mary Smith <mary@x.test>, jdoe@example.org, Who? <one@y.test>",
            "\"Giant; \\\"Big\\\" Box\" <sysservices@example.net>",
            "Pete(A nice \\) chap) <pete(his account)@silly.test(his host)>",
            "A Group(Some people):Chris Jones <c@(Chris's host.)public."
            "example>, joe@example.org, John <jdoe@one.test> (my dear "
            "friend); (the end of the group)",
            "addr1@example.com\n\t(comment), \"x\" <addr2@example.com>",
            "\x01ctrl <ctrl@example.com>",
            "a" * 300 + "@example.com",
        ]
        for i, al in enumerate(lists):
            fld = ["To", "From", "Cc", "Reply-To", "Sender", "Bcc"][i % 6]
            head = self.head().split("\n")
            head = [h for h in head if not h.startswith(fld + ":")]
            head.insert(1, "%s: %s" % (fld, al))
            self.add("address-%d" % i, "\n".join(head) +
                     self.text_leaf("plain", "us-ascii", "7bit"))
        # envelope corner cases: missing fields, empty fields, duplicates
        self.add("env-minimal", "Subject: minimal\n\nbody\n")
        self.add("env-empty-fields", "From:\nTo:\nSubject:\nDate:\n"
                 "Message-ID:\nIn-Reply-To:\n\nbody\n")
        self.add("env-dup-headers", "From: first@example.com\n"
                 "From: second@example.com\nSubject: one\nSubject: two\n"
                 "To: a@b\nTo: c@d\nMessage-ID: <1@x>\nMessage-ID: <2@x>\n"
                 "\nbody\n")
        self.add("env-msgid-odd", "From: a@b\nMessage-ID: no-brackets@x\n"
                 "In-Reply-To: <a@b> (comment) <c@d>\nSubject: \"quoted\" "
                 "\\ back\n\nbody\n")
        self.add("env-8bit-subject-latin1", b"From: J\xf6rg <j@x.de>\r\n"
                 b"Subject: Gr\xfc\xdfe aus K\xf6ln\r\nTo: a@b\r\n\r\nbody\r\n",
                 eol="none")
        self.add("env-subject-ctl", "From: a@b\nSubject: tab\there and "
                 "\x7f del and {5}\n\nbody\n")
        self.add("env-long-subject", "From: a@b\nSubject: " +
                 " ".join("word%d" % k for k in range(400)) + "\n\nbody\n")
        self.add("env-folded-subject", "From: a@b\nSubject: folded\n\tover"
                 "\n   three\n lines\n\nbody\n")
        self.add("env-header-case", "FROM: a@b\nsubject: lower\nTO: c@d\n"
                 "mime-version: 1.0\ncontent-type: TEXT/Plain; CHARSET=UTF-8"
                 "\n\nbody\n")
        self.add("env-no-space-after-colon", "From:a@b\nSubject:nospace\n"
                 "Content-Type:text/plain;charset=us-ascii\n\nbody\n")
        self.add("env-space-before-colon", "From : a@b\nSubject  : spaced\n"
                 "\nbody\n")

    def broken(self):
        r = self.r
        # bare LF and mixed line ends in multiparts
        for i in range(6):
            b = self.boundary()
            self.message(self.multipart("mixed", [
                self.text_leaf("plain"), self.attach(400)], b),
                name="bare-lf-%d" % i, eol="lf")
            self.message(self.multipart("mixed", [
                self.text_leaf("plain"), self.attach(400)], self.boundary()),
                name="mixed-eol-%d" % i, eol="mixed")
        self.add("lone-cr", b"From: a@b\r\nSubject: cr\r\n\r\nline\rwith "
                 b"lone CR\r\nend\r", eol="none")
        self.add("crlf-crlf-cr", b"From: a@b\r\n\r\nx\r\r\n\r\r\n", eol="none")
        self.add("nul-bytes", b"From: a@b\r\nSubject: nul\x00inside\r\n\r\n"
                 b"body\x00with nul\r\n", eol="none")
        # 8-bit headers
        self.add("8bit-headers", "From: Jörg Müller <j@x.de>\nTo: Zoë "
                 "<z@x>\nSubject: Ünïcödé raw\nContent-Type: text/plain; "
                 "name=\"fïlé.txt\"\nContent-Description: déscription\n\n"
                 "body\n")
        # missing MIME-Version
        self.message(self.multipart("mixed", [
            self.text_leaf("plain"), self.attach(100)], self.boundary()),
            name="no-mime-version-mixed", mime=False)
        self.message(self.text_leaf("plain", "utf-8", "base64"),
                     name="no-mime-version-base64", mime=False)
        # unterminated quotes
        self.message('Content-Type: text/plain; charset="utf-8\n\nbody\n',
                     name="unterminated-quote-param")
        self.message('Content-Type: multipart/mixed; boundary="abc\n\n--abc'
                     '\n\npart\n--abc--\n', name="unterminated-quote-boundary")
        self.message('Content-Type: text/plain; name="a\\"b"; x="y\\\\"\n\n'
                     'body\n', name="escaped-quote-param")
        # missing final boundary
        for i in range(3):
            self.message(self.multipart("mixed", [
                self.text_leaf("plain"), self.text_leaf("plain")],
                self.boundary(), final=False), name="no-final-boundary-%d" % i)
        self.message('Content-Type: multipart/mixed; boundary=x\n\nno '
                     'boundary at all\n', name="no-boundary-lines")
        self.message('Content-Type: multipart/mixed\n\n--x\n\npart\n--x--\n',
                     name="multipart-no-boundary-param")
        self.message('Content-Type: multipart/mixed; boundary=""\n\n--\n\n'
                     'part\n----\n', name="multipart-empty-boundary")
        # boundary prefix of another
        outer, inner = "abc", "abcdef"
        inner_mp = self.multipart("alternative", [
            self.text_leaf("plain"), self.text_leaf("html")], inner)
        self.message(self.multipart("mixed", [inner_mp, self.attach(50)],
                                    outer), name="boundary-prefix-1")
        self.message(self.multipart("mixed", [self.multipart(
            "alternative", [self.text_leaf("plain"), "\ninner\n"], "abc"),
            self.attach(50)], "abcdef"), name="boundary-prefix-2")
        self.message(self.multipart("mixed", [self.multipart(
            "alternative", [self.text_leaf("plain")], "same"),
            "\nafter\n"], "same"), name="boundary-same-nested")
        # boundary with transport padding, trailing text after --
        self.add("boundary-padding", self.head(
            ctype="Content-Type: multipart/mixed; boundary=pad") +
            "\n--pad   \n\npart one\n--pad\t\n\npart two\n--pad--  \n"
            "epilogue\n")
        self.add("boundary-trailing-junk", self.head(
            ctype="Content-Type: multipart/mixed; boundary=j") +
            "\n--jX\n\nnot a boundary\n--j junk\n\npart\n--j--junk\n")
        # empty parts, parts without headers
        self.message('Content-Type: multipart/mixed; boundary=e\n\n--e\n--e'
                     '\n\n--e\n\n\n--e--\n', name="empty-parts")
        self.message('Content-Type: multipart/mixed; boundary=e\n\n--e\n'
                     'no header here, no blank line\n--e\nX: y\n--e--\n',
                     name="parts-without-headers")
        self.message('Content-Type: multipart/mixed; boundary=e\n\n--e--\n',
                     name="multipart-zero-parts")
        self.message('Content-Type: multipart/alternative; boundary=e\n\n',
                     name="multipart-empty-body")
        # header only, empty body, empty file
        self.add("header-only", "From: a@b\nSubject: header only")
        self.add("header-only-nl", "From: a@b\nSubject: header only\n")
        self.add("empty-body", "From: a@b\nSubject: empty body\n\n")
        self.add("empty-file", b"", eol="none")
        self.add("only-newline", "\n")
        self.add("no-header-body-only", "\nbody without any header\n")
        self.add("header-starts-with-space", " continuation first\nFrom: "
                 "a@b\n\nbody\n")
        self.add("header-line-no-colon", "From: a@b\nthis is not a header\n"
                 "Subject: after junk\n\nbody\n")
        self.add("header-empty-name", "From: a@b\n: empty name\nSubject: s\n"
                 "\nbody\n")
        # very long header lines
        self.add("long-header-line", "From: a@b\nSubject: " + "x" * 20000 +
                 "\nX-Long: " + "y" * 70000 + "\n\nbody\n")
        self.add("long-to-list", "From: a@b\nTo: " + ",\n ".join(
            "user%d <user%d@example.com>" % (k, k) for k in range(300)) +
            "\nSubject: many recipients\n\nbody\n")
        self.add("many-headers", "From: a@b\n" + "".join(
            "X-H%d: value %d\n" % (k, k) for k in range(3000)) +
            "Subject: many\n\nbody\n")
        # weird case in type names and parameters
        for i, ct in enumerate([
                "TEXT/Plain; CHARSET=US-ASCII", "Text/HTML",
                "text/PLAIN; charset", "text/plain; ; ; charset=utf-8",
                "text/plain; charset=", "text/plain; =value",
                "text/plain (comment); charset=us-ascii (another)",
                "text", "text/", "/plain", "", "image", "application/x-"
                "foo; a=1; A=2; b=\"two words\"", "text/plain; charset="
                "\"utf-8\"; charset=iso-8859-1", "text/plain; format=flowed;"
                "delsp=yes", "text/plain;charset=utf-8;format=flowed",
                "te(comment)xt/pl\"ain\"", "text/plain; x=\"\"",
                "text/plain; x=a\\\"b", "text/plain; weird=\"multi\n\tline\""
                ]):
            self.message(("Content-Type: %s\n\n" % ct if ct else
                          "Content-Type:\n\n") + "body\n",
                         name="ctype-weird-%d" % i)
        self.message('Content-Type: Multipart/MIXED; BOUNDARY="Up"\n\n--Up\n'
                     'Content-Type: TEXT/plain\n\nx\n--Up\nContent-Type: '
                     'Message/RFC822\n\nSubject: in\n\ny\n--Up--\n',
                     name="multipart-case")
        # duplicate MIME headers
        self.message('Content-Type: text/html\nContent-Type: text/plain\n'
                     'Content-Transfer-Encoding: base64\n'
                     'Content-Transfer-Encoding: 7bit\n\nYWJj\n',
                     name="dup-content-headers")
        # preamble and epilogue
        self.message(self.multipart("mixed", [self.text_leaf("plain")],
                                    self.boundary(), preamble="preamble "
                                    "text\n--notboundary\n\n", epilogue="epil"
                                    "ogue\n--still epilogue\n"),
                     name="preamble-epilogue")
        # part header ending right at the boundary
        self.message('Content-Type: multipart/mixed; boundary=h\n\n--h\n'
                     'Content-Type: text/plain\n--h\nContent-Type: text/html'
                     '\n\n<p>x</p>\n--h--', name="part-header-no-body")
        # multipart without final newline, boundary at EOF
        self.message('Content-Type: multipart/mixed; boundary=eof\n\n--eof\n'
                     '\nx\n--eof--', name="boundary-at-eof")
        # text/plain inside multipart/digest (default message/rfc822)
        self.message('Content-Type: multipart/digest; boundary=d\n\n--d\n\n'
                     'From: a@b\nSubject: digested\n\nbody\n--d\n'
                     'Content-Type: text/plain\n\nplain\n--d\n\n--d--\n',
                     name="digest-defaults")
        # multipart/report (DSN)
        b = self.boundary()
        self.message(self.multipart("report", [
            self.text_leaf("plain", "us-ascii", "7bit", "Delivery failed.\n"),
            "Content-Type: message/delivery-status\n\nReporting-MTA: dns; "
            "mx.example.com\n\nFinal-Recipient: rfc822; x@y\nAction: failed"
            "\nStatus: 5.1.1\n",
            "Content-Type: text/rfc822-headers\n\n" + self.head()], b,
            params="; report-type=delivery-status"), name="dsn-report")
        # nesting
        if not self.small:
            for depth in (10, 50):
                self.add("deep-multipart-%d" % depth,
                         self.deep_multipart(depth))
                self.add("deep-rfc822-%d" % depth, self.deep_rfc822(depth))
            self.add("deep-multipart-1000", self.deep_multipart(1000))
            self.add("deep-rfc822-1000", self.deep_rfc822(1000))
            self.add("deep-mixed-120", self.deep_alternating(120))
        else:
            self.add("deep-multipart-8", self.deep_multipart(8))
            self.add("deep-rfc822-8", self.deep_rfc822(8))
        # many parts
        n = 50 if self.small else 300
        self.message(self.multipart("mixed", [
            "Content-Type: text/plain\n\npart %d\n" % k for k in range(n)],
            "many"), name="many-parts-%d" % n)
        # a body line longer than anything
        if not self.small:
            self.message("Content-Type: text/plain\n\n" + "z" * 300000 +
                         "\n", name="huge-line")

    def deep_multipart(self, depth):
        out = "From: a@b\nSubject: deep %d\nMIME-Version: 1.0\n" % depth
        for k in range(depth):
            out += "Content-Type: multipart/mixed; boundary=\"d%d\"\n\n--d%d" \
                "\n" % (k, k)
        out += "Content-Type: text/plain\n\ninnermost\n"
        for k in reversed(range(depth)):
            out += "--d%d--\n" % k
        return out

    def deep_rfc822(self, depth):
        out = ""
        for k in range(depth):
            out += "From: a%d@b\nSubject: level %d\nContent-Type: message/" \
                "rfc822\n\n" % (k, k)
        return out + "From: z@b\nSubject: bottom\n\nbottom body\n"

    def deep_alternating(self, depth):
        out = "From: a@b\nSubject: alternating\n"
        for k in range(depth):
            if k % 2:
                out += "Content-Type: message/rfc822\n\nSubject: m%d\n" % k
            else:
                out += "Content-Type: multipart/mixed; boundary=\"a%d\"\n\n" \
                    "--a%d\n" % (k, k)
        out += "Content-Type: text/plain\n\nbottom\n"
        for k in reversed(range(0, depth, 2)):
            out += "--a%d--\n" % k
        return out

    def random_mix(self, n):
        """Random trees of everything, to fill the corpus up."""
        for i in range(n):
            self.message(self.random_part(0), name="random-%d" % i,
                         eol=self.r.choice(["crlf"] * 3 + ["lf", "mixed"]))

    def random_part(self, depth):
        r = self.r
        k = r.randrange(10)
        if depth >= 4 or k < 4:
            return self.text_leaf(r.choice(["plain", "html", "enriched"]),
                                  r.choice(["utf-8", "iso-8859-1",
                                            "us-ascii"]))
        if k < 6:
            return self.attach(r.choice([20, 200, 2000]))
        if k < 8:
            n = r.randint(0, 4)
            return self.multipart(r.choice(["mixed", "alternative",
                                            "related", "parallel",
                                            "x-unknown"]),
                                  [self.random_part(depth + 1)
                                   for _ in range(n)], self.boundary())
        return "Content-Type: message/rfc822\n\n" + self.head() + \
            self.random_part(depth + 1)

    def run(self):
        self.plain_texts()
        self.outlook()
        self.gmail()
        self.apple()
        self.related()
        self.mixed_big()
        self.forwards()
        self.digest()
        self.signed()
        self.calendar()
        self.rfc2231()
        self.content_fields()
        self.addresses()
        self.broken()
        self.random_mix(max(0, 330 - len(self.out)) + 20)
        return self.out


def main():
    args = sys.argv[1:]
    seed, small = SEED, False
    if "--seed" in args:
        i = args.index("--seed")
        seed = int(args[i + 1])
        del args[i:i + 2]
    if "--small" in args:
        args.remove("--small")
        small = True
    if len(args) != 1:
        sys.stderr.write(__doc__)
        return 2
    outdir = args[0]
    os.makedirs(outdir, exist_ok=True)
    msgs = Gen(seed, small).run()
    for n, (name, data) in enumerate(msgs, 1):
        with open(os.path.join(outdir, "%04d-%s.eml" % (n, name)), "wb") as f:
            f.write(data)
    print("gen_corpus: %d messages in %s" % (len(msgs), outdir))
    return 0


if __name__ == "__main__":
    sys.exit(main())
