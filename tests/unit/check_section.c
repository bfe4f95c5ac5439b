/* tests/unit/check_section.c — mail/section: parsing BODY[section]<partial>
 * (RFC 3501 6.4.5), the name echoed in the response, and the bytes
 * fetched from real message shapes, all verified with Dovecot 2.3.19
 * (the table below is its output for the same files, run through a
 * private Dovecot with "FETCH 1 (BODY.PEEK[...])"). */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mail/message.h"
#include "mail/section.h"
#include "util/arena.h"
#include "util/buf.h"

struct fetch_case {
	int msg;
	const char *spec, *partial, *name, *want;
};

/* Messages: multipart/mixed with a preamble, a text part, a part with
 * no header, a forwarded multipart/alternative message, and a
 * multipart/related holding a message; the same with bare LF; a
 * single-part LF message; message/rfc822 parts whose header ends right
 * before a boundary; the broken boundaries of m2. Sections: verified with
 * Dovecot 2.3.19. */
static const char *const msgs[] = {
	/* shapes */
	"From: a@b.c\r\n"
	  "Subject: shapes\r\n"
	  "MIME-Version: 1.0\r\n"
	  "Content-Type: multipart/mixed; boundary=\"X\"\r\n"
	  "\r\n"
	  "pre\r\n"
	  "--X\r\n"
	  "Content-Type: text/plain\r\n"
	  "\r\n"
	  "hello\r\n"
	  "--X\r\n"
	  "\r\n"
	  "no header\r\n"
	  "--X\r\n"
	  "Content-Type: message/rfc822\r\n"
	  "Content-Description: fwd\r\n"
	  "\r\n"
	  "From: c@d\r\n"
	  "Subject: inner\r\n"
	  "Content-Type: multipart/alternative; boundary=Y\r\n"
	  "\r\n"
	  "--Y\r\n"
	  "Content-Type: text/plain\r\n"
	  "\r\n"
	  "inner text\r\n"
	  "--Y\r\n"
	  "Content-Type: text/html\r\n"
	  "\r\n"
	  "<b>x</b>\r\n"
	  "--Y--\r\n"
	  "--X\r\n"
	  "Content-Type: multipart/related; boundary=Z\r\n"
	  "\r\n"
	  "--Z\r\n"
	  "Content-Type: text/plain\r\n"
	  "\r\n"
	  "rel1\r\n"
	  "--Z\r\n"
	  "Content-Type: message/rfc822\r\n"
	  "\r\n"
	  "Subject: deep\r\n"
	  "\r\n"
	  "deep body\r\n"
	  "--Z--\r\n"
	  "--X--\r\n"
	  "epi\r\n",
	/* shapes_lf */
	"From: a@b.c\n"
	  "Subject: shapes\n"
	  "MIME-Version: 1.0\n"
	  "Content-Type: multipart/mixed; boundary=\"X\"\n"
	  "\n"
	  "pre\n"
	  "--X\n"
	  "Content-Type: text/plain\n"
	  "\n"
	  "hello\n"
	  "--X\n"
	  "\n"
	  "no header\n"
	  "--X\n"
	  "Content-Type: message/rfc822\n"
	  "Content-Description: fwd\n"
	  "\n"
	  "From: c@d\n"
	  "Subject: inner\n"
	  "Content-Type: multipart/alternative; boundary=Y\n"
	  "\n"
	  "--Y\n"
	  "Content-Type: text/plain\n"
	  "\n"
	  "inner text\n"
	  "--Y\n"
	  "Content-Type: text/html\n"
	  "\n"
	  "<b>x</b>\n"
	  "--Y--\n"
	  "--X\n"
	  "Content-Type: multipart/related; boundary=Z\n"
	  "\n"
	  "--Z\n"
	  "Content-Type: text/plain\n"
	  "\n"
	  "rel1\n"
	  "--Z\n"
	  "Content-Type: message/rfc822\n"
	  "\n"
	  "Subject: deep\n"
	  "\n"
	  "deep body\n"
	  "--Z--\n"
	  "--X--\n"
	  "epi\n",
	/* single */
	"Subject: single\n"
	  "X-A: 1\n"
	  "\n"
	  "line1\n"
	  "line2\n",
	/* r1 */
	"Content-Type: multipart/mixed; boundary=b\r\n"
	  "\r\n"
	  "--b\r\n"
	  "Content-Type: message/rfc822\r\n"
	  "\r\n"
	  "Subject: x\r\n"
	  "\r\n"
	  "--b\r\n"
	  "Content-Type: message/rfc822\r\n"
	  "\r\n"
	  "--b\r\n"
	  "Content-Type: text/plain\r\n"
	  "\r\n"
	  "--b--\r\n",
	/* r2 */
	"Content-Type: multipart/mixed; boundary=b\r\n"
	  "\r\n"
	  "--b\r\n"
	  "Content-Type: message/rfc822\r\n"
	  "\r\n"
	  "Subject: x\r\n"
	  "X-A: y\r\n"
	  "--b\r\n"
	  "Content-Type: message/rfc822\r\n"
	  "\r\n"
	  "X-A: y\r\n"
	  "Subject: x\r\n"
	  "--b\r\n"
	  "Content-Type: message/rfc822\r\n"
	  "\r\n"
	  "X-A: y\r\n"
	  "Subject: x\r\n"
	  "\r\n"
	  "body\r\n"
	  "--b--\r\n",
	/* v1 */
	"Subject: x\r\n"
	  "X-A: y",
	/* m2 */
	"Content-Type: multipart/mixed; boundary=b\n"
	  "\n"
	  "--b\n"
	  "--b\n"
	  "\n"
	  "--b\n"
	  "Content-Type: text/plain\n"
	  "--b\n"
	  "Content-Type: text/plain\n"
	  "\n"
	  "\n"
	  "--b\n"
	  "Content-Type: text/plain\n"
	  "\n"
	  "x\n"
	  "--b  \n"
	  "Content-Type: text/html\n"
	  "\n"
	  "nofinal",
};
static const struct fetch_case cases[] = {
	{ 0, "", NULL, "BODY[]",
	  "From: a@b.c\r\n"
	  "Subject: shapes\r\n"
	  "MIME-Version: 1.0\r\n"
	  "Content-Type: multipart/mixed; boundary=\"X\"\r\n"
	  "\r\n"
	  "pre\r\n"
	  "--X\r\n"
	  "Content-Type: text/plain\r\n"
	  "\r\n"
	  "hello\r\n"
	  "--X\r\n"
	  "\r\n"
	  "no header\r\n"
	  "--X\r\n"
	  "Content-Type: message/rfc822\r\n"
	  "Content-Description: fwd\r\n"
	  "\r\n"
	  "From: c@d\r\n"
	  "Subject: inner\r\n"
	  "Content-Type: multipart/alternative; boundary=Y\r\n"
	  "\r\n"
	  "--Y\r\n"
	  "Content-Type: text/plain\r\n"
	  "\r\n"
	  "inner text\r\n"
	  "--Y\r\n"
	  "Content-Type: text/html\r\n"
	  "\r\n"
	  "<b>x</b>\r\n"
	  "--Y--\r\n"
	  "--X\r\n"
	  "Content-Type: multipart/related; boundary=Z\r\n"
	  "\r\n"
	  "--Z\r\n"
	  "Content-Type: text/plain\r\n"
	  "\r\n"
	  "rel1\r\n"
	  "--Z\r\n"
	  "Content-Type: message/rfc822\r\n"
	  "\r\n"
	  "Subject: deep\r\n"
	  "\r\n"
	  "deep body\r\n"
	  "--Z--\r\n"
	  "--X--\r\n"
	  "epi\r\n" },
	{ 0, "HEADER", NULL, "BODY[HEADER]",
	  "From: a@b.c\r\n"
	  "Subject: shapes\r\n"
	  "MIME-Version: 1.0\r\n"
	  "Content-Type: multipart/mixed; boundary=\"X\"\r\n"
	  "\r\n" },
	{ 0, "TEXT", NULL, "BODY[TEXT]",
	  "pre\r\n"
	  "--X\r\n"
	  "Content-Type: text/plain\r\n"
	  "\r\n"
	  "hello\r\n"
	  "--X\r\n"
	  "\r\n"
	  "no header\r\n"
	  "--X\r\n"
	  "Content-Type: message/rfc822\r\n"
	  "Content-Description: fwd\r\n"
	  "\r\n"
	  "From: c@d\r\n"
	  "Subject: inner\r\n"
	  "Content-Type: multipart/alternative; boundary=Y\r\n"
	  "\r\n"
	  "--Y\r\n"
	  "Content-Type: text/plain\r\n"
	  "\r\n"
	  "inner text\r\n"
	  "--Y\r\n"
	  "Content-Type: text/html\r\n"
	  "\r\n"
	  "<b>x</b>\r\n"
	  "--Y--\r\n"
	  "--X\r\n"
	  "Content-Type: multipart/related; boundary=Z\r\n"
	  "\r\n"
	  "--Z\r\n"
	  "Content-Type: text/plain\r\n"
	  "\r\n"
	  "rel1\r\n"
	  "--Z\r\n"
	  "Content-Type: message/rfc822\r\n"
	  "\r\n"
	  "Subject: deep\r\n"
	  "\r\n"
	  "deep body\r\n"
	  "--Z--\r\n"
	  "--X--\r\n"
	  "epi\r\n" },
	{ 0, "1", NULL, "BODY[1]",
	  "hello" },
	{ 0, "1.MIME", NULL, "BODY[1.MIME]",
	  "Content-Type: text/plain\r\n"
	  "\r\n" },
	{ 0, "2", NULL, "BODY[2]",
	  "no header" },
	{ 0, "2.MIME", NULL, "BODY[2.MIME]",
	  "\r\n" },
	{ 0, "3", NULL, "BODY[3]",
	  "From: c@d\r\n"
	  "Subject: inner\r\n"
	  "Content-Type: multipart/alternative; boundary=Y\r\n"
	  "\r\n"
	  "--Y\r\n"
	  "Content-Type: text/plain\r\n"
	  "\r\n"
	  "inner text\r\n"
	  "--Y\r\n"
	  "Content-Type: text/html\r\n"
	  "\r\n"
	  "<b>x</b>\r\n"
	  "--Y--\r\n" },
	{ 0, "3.MIME", NULL, "BODY[3.MIME]",
	  "Content-Type: message/rfc822\r\n"
	  "Content-Description: fwd\r\n"
	  "\r\n" },
	{ 0, "3.HEADER", NULL, "BODY[3.HEADER]",
	  "From: c@d\r\n"
	  "Subject: inner\r\n"
	  "Content-Type: multipart/alternative; boundary=Y\r\n"
	  "\r\n" },
	{ 0, "3.TEXT", NULL, "BODY[3.TEXT]",
	  "--Y\r\n"
	  "Content-Type: text/plain\r\n"
	  "\r\n"
	  "inner text\r\n"
	  "--Y\r\n"
	  "Content-Type: text/html\r\n"
	  "\r\n"
	  "<b>x</b>\r\n"
	  "--Y--\r\n" },
	{ 0, "3.1", NULL, "BODY[3.1]",
	  "inner text" },
	{ 0, "3.2", NULL, "BODY[3.2]",
	  "<b>x</b>" },
	{ 0, "3.1.MIME", NULL, "BODY[3.1.MIME]",
	  "Content-Type: text/plain\r\n"
	  "\r\n" },
	{ 0, "3.2.MIME", NULL, "BODY[3.2.MIME]",
	  "Content-Type: text/html\r\n"
	  "\r\n" },
	{ 0, "4", NULL, "BODY[4]",
	  "--Z\r\n"
	  "Content-Type: text/plain\r\n"
	  "\r\n"
	  "rel1\r\n"
	  "--Z\r\n"
	  "Content-Type: message/rfc822\r\n"
	  "\r\n"
	  "Subject: deep\r\n"
	  "\r\n"
	  "deep body\r\n"
	  "--Z--\r\n" },
	{ 0, "4.MIME", NULL, "BODY[4.MIME]",
	  "Content-Type: multipart/related; boundary=Z\r\n"
	  "\r\n" },
	{ 0, "4.1", NULL, "BODY[4.1]",
	  "rel1" },
	{ 0, "4.2", NULL, "BODY[4.2]",
	  "Subject: deep\r\n"
	  "\r\n"
	  "deep body" },
	{ 0, "4.2.MIME", NULL, "BODY[4.2.MIME]",
	  "Content-Type: message/rfc822\r\n"
	  "\r\n" },
	{ 0, "4.2.HEADER", NULL, "BODY[4.2.HEADER]",
	  "Subject: deep\r\n"
	  "\r\n" },
	{ 0, "4.2.TEXT", NULL, "BODY[4.2.TEXT]",
	  "deep body" },
	{ 0, "4.2.1", NULL, "BODY[4.2.1]",
	  "deep body" },
	{ 0, "1.2.MIME", NULL, "BODY[1.2.MIME]",
	  "" },
	{ 0, "0", NULL, "BODY[0]",
	  "hello" },
	{ 0, "01", NULL, "BODY[01]",
	  "hello" },
	{ 0, "1.0", NULL, "BODY[1.0]",
	  "" },
	{ 0, "1.1", NULL, "BODY[1.1]",
	  "hello" },
	{ 0, "5", NULL, "BODY[5]",
	  "" },
	{ 0, "2.1", NULL, "BODY[2.1]",
	  "no header" },
	{ 0, "1.HEADER", NULL, "BODY[1.HEADER]",
	  "" },
	{ 0, "1.TEXT", NULL, "BODY[1.TEXT]",
	  "" },
	{ 0, "HEADER.FIELDS (SUBJECT FROM)", NULL, "BODY[HEADER.FIELDS (SUBJECT FROM)]",
	  "From: a@b.c\r\n"
	  "Subject: shapes\r\n"
	  "\r\n" },
	{ 0, "HEADER.FIELDS.NOT (SUBJECT)", NULL, "BODY[HEADER.FIELDS.NOT (SUBJECT)]",
	  "From: a@b.c\r\n"
	  "MIME-Version: 1.0\r\n"
	  "Content-Type: multipart/mixed; boundary=\"X\"\r\n"
	  "\r\n" },
	{ 0, "3.HEADER.FIELDS (SUBJECT)", NULL, "BODY[3.HEADER.FIELDS (SUBJECT)]",
	  "Subject: inner\r\n"
	  "\r\n" },
	{ 0, "3.HEADER.FIELDS.NOT (SUBJECT)", NULL, "BODY[3.HEADER.FIELDS.NOT (SUBJECT)]",
	  "From: c@d\r\n"
	  "Content-Type: multipart/alternative; boundary=Y\r\n"
	  "\r\n" },
	{ 0, "4.2.HEADER.FIELDS (SUBJECT)", NULL, "BODY[4.2.HEADER.FIELDS (SUBJECT)]",
	  "Subject: deep\r\n"
	  "\r\n" },
	{ 0, "1.HEADER.FIELDS (SUBJECT)", NULL, "BODY[1.HEADER.FIELDS (SUBJECT)]",
	  "" },
	{ 0, "", "<0.10>", "BODY[]<0>",
	  "From: a@b." },
	{ 0, "", "<5>", "BODY[]<5>",
	  " a@b.c\r\n"
	  "Subject: shapes\r\n"
	  "MIME-Version: 1.0\r\n"
	  "Content-Type: multipart/mixed; boundary=\"X\"\r\n"
	  "\r\n"
	  "pre\r\n"
	  "--X\r\n"
	  "Content-Type: text/plain\r\n"
	  "\r\n"
	  "hello\r\n"
	  "--X\r\n"
	  "\r\n"
	  "no header\r\n"
	  "--X\r\n"
	  "Content-Type: message/rfc822\r\n"
	  "Content-Description: fwd\r\n"
	  "\r\n"
	  "From: c@d\r\n"
	  "Subject: inner\r\n"
	  "Content-Type: multipart/alternative; boundary=Y\r\n"
	  "\r\n"
	  "--Y\r\n"
	  "Content-Type: text/plain\r\n"
	  "\r\n"
	  "inner text\r\n"
	  "--Y\r\n"
	  "Content-Type: text/html\r\n"
	  "\r\n"
	  "<b>x</b>\r\n"
	  "--Y--\r\n"
	  "--X\r\n"
	  "Content-Type: multipart/related; boundary=Z\r\n"
	  "\r\n"
	  "--Z\r\n"
	  "Content-Type: text/plain\r\n"
	  "\r\n"
	  "rel1\r\n"
	  "--Z\r\n"
	  "Content-Type: message/rfc822\r\n"
	  "\r\n"
	  "Subject: deep\r\n"
	  "\r\n"
	  "deep body\r\n"
	  "--Z--\r\n"
	  "--X--\r\n"
	  "epi\r\n" },
	{ 0, "TEXT", "<3.4>", "BODY[TEXT]<3>",
	  "\r\n"
	  "--" },
	{ 0, "3", "<10.20>", "BODY[3]<10>",
	  "\n"
	  "Subject: inner\r\n"
	  "Con" },
	{ 0, "HEADER", "<5.5>", "BODY[HEADER]<5>",
	  " a@b." },
	{ 0, "", "<100000>", "BODY[]<100000>",
	  "" },
	{ 0, "1.MIME", "<2.2>", "BODY[1.MIME]<2>",
	  "nt" },
	{ 0, "1.1", NULL, "BODY[1.1]",
	  "hello" },
	{ 0, "1.1.1", NULL, "BODY[1.1.1]",
	  "" },
	{ 0, "2.1.1", NULL, "BODY[2.1.1]",
	  "" },
	{ 0, "1.1.MIME", NULL, "BODY[1.1.MIME]",
	  "Content-Type: text/plain\r\n"
	  "\r\n" },
	{ 0, "2.2.MIME", NULL, "BODY[2.2.MIME]",
	  "" },
	{ 0, "1.HEADER.FIELDS (X-A)", NULL, "BODY[1.HEADER.FIELDS (X-A)]",
	  "" },
	{ 0, "1.HEADER.FIELDS.NOT (X-A)", NULL, "BODY[1.HEADER.FIELDS.NOT (X-A)]",
	  "" },
	{ 0, "3.HEADER.FIELDS.NOT (X-A)", NULL, "BODY[3.HEADER.FIELDS.NOT (X-A)]",
	  "From: c@d\r\n"
	  "Subject: inner\r\n"
	  "Content-Type: multipart/alternative; boundary=Y\r\n"
	  "\r\n" },
	{ 0, "2.HEADER.FIELDS (SUBJECT)", NULL, "BODY[2.HEADER.FIELDS (SUBJECT)]",
	  "" },
	{ 1, "", NULL, "BODY[]",
	  "From: a@b.c\r\n"
	  "Subject: shapes\r\n"
	  "MIME-Version: 1.0\r\n"
	  "Content-Type: multipart/mixed; boundary=\"X\"\r\n"
	  "\r\n"
	  "pre\r\n"
	  "--X\r\n"
	  "Content-Type: text/plain\r\n"
	  "\r\n"
	  "hello\r\n"
	  "--X\r\n"
	  "\r\n"
	  "no header\r\n"
	  "--X\r\n"
	  "Content-Type: message/rfc822\r\n"
	  "Content-Description: fwd\r\n"
	  "\r\n"
	  "From: c@d\r\n"
	  "Subject: inner\r\n"
	  "Content-Type: multipart/alternative; boundary=Y\r\n"
	  "\r\n"
	  "--Y\r\n"
	  "Content-Type: text/plain\r\n"
	  "\r\n"
	  "inner text\r\n"
	  "--Y\r\n"
	  "Content-Type: text/html\r\n"
	  "\r\n"
	  "<b>x</b>\r\n"
	  "--Y--\r\n"
	  "--X\r\n"
	  "Content-Type: multipart/related; boundary=Z\r\n"
	  "\r\n"
	  "--Z\r\n"
	  "Content-Type: text/plain\r\n"
	  "\r\n"
	  "rel1\r\n"
	  "--Z\r\n"
	  "Content-Type: message/rfc822\r\n"
	  "\r\n"
	  "Subject: deep\r\n"
	  "\r\n"
	  "deep body\r\n"
	  "--Z--\r\n"
	  "--X--\r\n"
	  "epi\r\n" },
	{ 1, "HEADER", NULL, "BODY[HEADER]",
	  "From: a@b.c\r\n"
	  "Subject: shapes\r\n"
	  "MIME-Version: 1.0\r\n"
	  "Content-Type: multipart/mixed; boundary=\"X\"\r\n"
	  "\r\n" },
	{ 1, "TEXT", NULL, "BODY[TEXT]",
	  "pre\r\n"
	  "--X\r\n"
	  "Content-Type: text/plain\r\n"
	  "\r\n"
	  "hello\r\n"
	  "--X\r\n"
	  "\r\n"
	  "no header\r\n"
	  "--X\r\n"
	  "Content-Type: message/rfc822\r\n"
	  "Content-Description: fwd\r\n"
	  "\r\n"
	  "From: c@d\r\n"
	  "Subject: inner\r\n"
	  "Content-Type: multipart/alternative; boundary=Y\r\n"
	  "\r\n"
	  "--Y\r\n"
	  "Content-Type: text/plain\r\n"
	  "\r\n"
	  "inner text\r\n"
	  "--Y\r\n"
	  "Content-Type: text/html\r\n"
	  "\r\n"
	  "<b>x</b>\r\n"
	  "--Y--\r\n"
	  "--X\r\n"
	  "Content-Type: multipart/related; boundary=Z\r\n"
	  "\r\n"
	  "--Z\r\n"
	  "Content-Type: text/plain\r\n"
	  "\r\n"
	  "rel1\r\n"
	  "--Z\r\n"
	  "Content-Type: message/rfc822\r\n"
	  "\r\n"
	  "Subject: deep\r\n"
	  "\r\n"
	  "deep body\r\n"
	  "--Z--\r\n"
	  "--X--\r\n"
	  "epi\r\n" },
	{ 1, "1", NULL, "BODY[1]",
	  "hello" },
	{ 1, "1.MIME", NULL, "BODY[1.MIME]",
	  "Content-Type: text/plain\r\n"
	  "\r\n" },
	{ 1, "2", NULL, "BODY[2]",
	  "no header" },
	{ 1, "2.MIME", NULL, "BODY[2.MIME]",
	  "\r\n" },
	{ 1, "3", NULL, "BODY[3]",
	  "From: c@d\r\n"
	  "Subject: inner\r\n"
	  "Content-Type: multipart/alternative; boundary=Y\r\n"
	  "\r\n"
	  "--Y\r\n"
	  "Content-Type: text/plain\r\n"
	  "\r\n"
	  "inner text\r\n"
	  "--Y\r\n"
	  "Content-Type: text/html\r\n"
	  "\r\n"
	  "<b>x</b>\r\n"
	  "--Y--\r\n" },
	{ 1, "3.MIME", NULL, "BODY[3.MIME]",
	  "Content-Type: message/rfc822\r\n"
	  "Content-Description: fwd\r\n"
	  "\r\n" },
	{ 1, "3.HEADER", NULL, "BODY[3.HEADER]",
	  "From: c@d\r\n"
	  "Subject: inner\r\n"
	  "Content-Type: multipart/alternative; boundary=Y\r\n"
	  "\r\n" },
	{ 1, "3.TEXT", NULL, "BODY[3.TEXT]",
	  "--Y\r\n"
	  "Content-Type: text/plain\r\n"
	  "\r\n"
	  "inner text\r\n"
	  "--Y\r\n"
	  "Content-Type: text/html\r\n"
	  "\r\n"
	  "<b>x</b>\r\n"
	  "--Y--\r\n" },
	{ 1, "3.1", NULL, "BODY[3.1]",
	  "inner text" },
	{ 1, "3.2", NULL, "BODY[3.2]",
	  "<b>x</b>" },
	{ 1, "3.1.MIME", NULL, "BODY[3.1.MIME]",
	  "Content-Type: text/plain\r\n"
	  "\r\n" },
	{ 1, "3.2.MIME", NULL, "BODY[3.2.MIME]",
	  "Content-Type: text/html\r\n"
	  "\r\n" },
	{ 1, "4", NULL, "BODY[4]",
	  "--Z\r\n"
	  "Content-Type: text/plain\r\n"
	  "\r\n"
	  "rel1\r\n"
	  "--Z\r\n"
	  "Content-Type: message/rfc822\r\n"
	  "\r\n"
	  "Subject: deep\r\n"
	  "\r\n"
	  "deep body\r\n"
	  "--Z--\r\n" },
	{ 1, "4.MIME", NULL, "BODY[4.MIME]",
	  "Content-Type: multipart/related; boundary=Z\r\n"
	  "\r\n" },
	{ 1, "4.1", NULL, "BODY[4.1]",
	  "rel1" },
	{ 1, "4.2", NULL, "BODY[4.2]",
	  "Subject: deep\r\n"
	  "\r\n"
	  "deep body" },
	{ 1, "4.2.MIME", NULL, "BODY[4.2.MIME]",
	  "Content-Type: message/rfc822\r\n"
	  "\r\n" },
	{ 1, "4.2.HEADER", NULL, "BODY[4.2.HEADER]",
	  "Subject: deep\r\n"
	  "\r\n" },
	{ 1, "4.2.TEXT", NULL, "BODY[4.2.TEXT]",
	  "deep body" },
	{ 1, "4.2.1", NULL, "BODY[4.2.1]",
	  "deep body" },
	{ 1, "1.2.MIME", NULL, "BODY[1.2.MIME]",
	  "" },
	{ 1, "0", NULL, "BODY[0]",
	  "hello" },
	{ 1, "01", NULL, "BODY[01]",
	  "hello" },
	{ 1, "1.0", NULL, "BODY[1.0]",
	  "" },
	{ 1, "1.1", NULL, "BODY[1.1]",
	  "hello" },
	{ 1, "5", NULL, "BODY[5]",
	  "" },
	{ 1, "2.1", NULL, "BODY[2.1]",
	  "no header" },
	{ 1, "1.HEADER", NULL, "BODY[1.HEADER]",
	  "" },
	{ 1, "1.TEXT", NULL, "BODY[1.TEXT]",
	  "" },
	{ 1, "HEADER.FIELDS (SUBJECT FROM)", NULL, "BODY[HEADER.FIELDS (SUBJECT FROM)]",
	  "From: a@b.c\r\n"
	  "Subject: shapes\r\n"
	  "\r\n" },
	{ 1, "HEADER.FIELDS.NOT (SUBJECT)", NULL, "BODY[HEADER.FIELDS.NOT (SUBJECT)]",
	  "From: a@b.c\r\n"
	  "MIME-Version: 1.0\r\n"
	  "Content-Type: multipart/mixed; boundary=\"X\"\r\n"
	  "\r\n" },
	{ 1, "3.HEADER.FIELDS (SUBJECT)", NULL, "BODY[3.HEADER.FIELDS (SUBJECT)]",
	  "Subject: inner\r\n"
	  "\r\n" },
	{ 1, "3.HEADER.FIELDS.NOT (SUBJECT)", NULL, "BODY[3.HEADER.FIELDS.NOT (SUBJECT)]",
	  "From: c@d\r\n"
	  "Content-Type: multipart/alternative; boundary=Y\r\n"
	  "\r\n" },
	{ 1, "4.2.HEADER.FIELDS (SUBJECT)", NULL, "BODY[4.2.HEADER.FIELDS (SUBJECT)]",
	  "Subject: deep\r\n"
	  "\r\n" },
	{ 1, "1.HEADER.FIELDS (SUBJECT)", NULL, "BODY[1.HEADER.FIELDS (SUBJECT)]",
	  "" },
	{ 1, "", "<0.10>", "BODY[]<0>",
	  "From: a@b." },
	{ 1, "", "<5>", "BODY[]<5>",
	  " a@b.c\r\n"
	  "Subject: shapes\r\n"
	  "MIME-Version: 1.0\r\n"
	  "Content-Type: multipart/mixed; boundary=\"X\"\r\n"
	  "\r\n"
	  "pre\r\n"
	  "--X\r\n"
	  "Content-Type: text/plain\r\n"
	  "\r\n"
	  "hello\r\n"
	  "--X\r\n"
	  "\r\n"
	  "no header\r\n"
	  "--X\r\n"
	  "Content-Type: message/rfc822\r\n"
	  "Content-Description: fwd\r\n"
	  "\r\n"
	  "From: c@d\r\n"
	  "Subject: inner\r\n"
	  "Content-Type: multipart/alternative; boundary=Y\r\n"
	  "\r\n"
	  "--Y\r\n"
	  "Content-Type: text/plain\r\n"
	  "\r\n"
	  "inner text\r\n"
	  "--Y\r\n"
	  "Content-Type: text/html\r\n"
	  "\r\n"
	  "<b>x</b>\r\n"
	  "--Y--\r\n"
	  "--X\r\n"
	  "Content-Type: multipart/related; boundary=Z\r\n"
	  "\r\n"
	  "--Z\r\n"
	  "Content-Type: text/plain\r\n"
	  "\r\n"
	  "rel1\r\n"
	  "--Z\r\n"
	  "Content-Type: message/rfc822\r\n"
	  "\r\n"
	  "Subject: deep\r\n"
	  "\r\n"
	  "deep body\r\n"
	  "--Z--\r\n"
	  "--X--\r\n"
	  "epi\r\n" },
	{ 1, "TEXT", "<3.4>", "BODY[TEXT]<3>",
	  "\r\n"
	  "--" },
	{ 1, "3", "<10.20>", "BODY[3]<10>",
	  "\n"
	  "Subject: inner\r\n"
	  "Con" },
	{ 1, "HEADER", "<5.5>", "BODY[HEADER]<5>",
	  " a@b." },
	{ 1, "", "<100000>", "BODY[]<100000>",
	  "" },
	{ 1, "1.MIME", "<2.2>", "BODY[1.MIME]<2>",
	  "nt" },
	{ 1, "1.1", NULL, "BODY[1.1]",
	  "hello" },
	{ 1, "1.1.1", NULL, "BODY[1.1.1]",
	  "" },
	{ 1, "2.1.1", NULL, "BODY[2.1.1]",
	  "" },
	{ 1, "1.1.MIME", NULL, "BODY[1.1.MIME]",
	  "Content-Type: text/plain\r\n"
	  "\r\n" },
	{ 1, "2.2.MIME", NULL, "BODY[2.2.MIME]",
	  "" },
	{ 1, "1.HEADER.FIELDS (X-A)", NULL, "BODY[1.HEADER.FIELDS (X-A)]",
	  "" },
	{ 1, "1.HEADER.FIELDS.NOT (X-A)", NULL, "BODY[1.HEADER.FIELDS.NOT (X-A)]",
	  "" },
	{ 1, "3.HEADER.FIELDS.NOT (X-A)", NULL, "BODY[3.HEADER.FIELDS.NOT (X-A)]",
	  "From: c@d\r\n"
	  "Subject: inner\r\n"
	  "Content-Type: multipart/alternative; boundary=Y\r\n"
	  "\r\n" },
	{ 1, "2.HEADER.FIELDS (SUBJECT)", NULL, "BODY[2.HEADER.FIELDS (SUBJECT)]",
	  "" },
	{ 2, "", NULL, "BODY[]",
	  "Subject: single\r\n"
	  "X-A: 1\r\n"
	  "\r\n"
	  "line1\r\n"
	  "line2\r\n" },
	{ 2, "HEADER", NULL, "BODY[HEADER]",
	  "Subject: single\r\n"
	  "X-A: 1\r\n"
	  "\r\n" },
	{ 2, "TEXT", NULL, "BODY[TEXT]",
	  "line1\r\n"
	  "line2\r\n" },
	{ 2, "1", NULL, "BODY[1]",
	  "line1\r\n"
	  "line2\r\n" },
	{ 2, "1.MIME", NULL, "BODY[1.MIME]",
	  "Subject: single\r\n"
	  "X-A: 1\r\n"
	  "\r\n" },
	{ 2, "2", NULL, "BODY[2]",
	  "" },
	{ 2, "2.MIME", NULL, "BODY[2.MIME]",
	  "" },
	{ 2, "3", NULL, "BODY[3]",
	  "" },
	{ 2, "3.MIME", NULL, "BODY[3.MIME]",
	  "" },
	{ 2, "3.HEADER", NULL, "BODY[3.HEADER]",
	  "" },
	{ 2, "3.TEXT", NULL, "BODY[3.TEXT]",
	  "" },
	{ 2, "3.1", NULL, "BODY[3.1]",
	  "" },
	{ 2, "3.2", NULL, "BODY[3.2]",
	  "" },
	{ 2, "3.1.MIME", NULL, "BODY[3.1.MIME]",
	  "" },
	{ 2, "3.2.MIME", NULL, "BODY[3.2.MIME]",
	  "" },
	{ 2, "4", NULL, "BODY[4]",
	  "" },
	{ 2, "4.MIME", NULL, "BODY[4.MIME]",
	  "" },
	{ 2, "4.1", NULL, "BODY[4.1]",
	  "" },
	{ 2, "4.2", NULL, "BODY[4.2]",
	  "" },
	{ 2, "4.2.MIME", NULL, "BODY[4.2.MIME]",
	  "" },
	{ 2, "4.2.HEADER", NULL, "BODY[4.2.HEADER]",
	  "" },
	{ 2, "4.2.TEXT", NULL, "BODY[4.2.TEXT]",
	  "" },
	{ 2, "4.2.1", NULL, "BODY[4.2.1]",
	  "" },
	{ 2, "1.2.MIME", NULL, "BODY[1.2.MIME]",
	  "" },
	{ 2, "0", NULL, "BODY[0]",
	  "" },
	{ 2, "01", NULL, "BODY[01]",
	  "line1\r\n"
	  "line2\r\n" },
	{ 2, "1.0", NULL, "BODY[1.0]",
	  "" },
	{ 2, "1.1", NULL, "BODY[1.1]",
	  "" },
	{ 2, "5", NULL, "BODY[5]",
	  "" },
	{ 2, "2.1", NULL, "BODY[2.1]",
	  "" },
	{ 2, "1.HEADER", NULL, "BODY[1.HEADER]",
	  "" },
	{ 2, "1.TEXT", NULL, "BODY[1.TEXT]",
	  "" },
	{ 2, "HEADER.FIELDS (SUBJECT FROM)", NULL, "BODY[HEADER.FIELDS (SUBJECT FROM)]",
	  "Subject: single\r\n"
	  "\r\n" },
	{ 2, "HEADER.FIELDS.NOT (SUBJECT)", NULL, "BODY[HEADER.FIELDS.NOT (SUBJECT)]",
	  "X-A: 1\r\n"
	  "\r\n" },
	{ 2, "3.HEADER.FIELDS (SUBJECT)", NULL, "BODY[3.HEADER.FIELDS (SUBJECT)]",
	  "" },
	{ 2, "3.HEADER.FIELDS.NOT (SUBJECT)", NULL, "BODY[3.HEADER.FIELDS.NOT (SUBJECT)]",
	  "" },
	{ 2, "4.2.HEADER.FIELDS (SUBJECT)", NULL, "BODY[4.2.HEADER.FIELDS (SUBJECT)]",
	  "" },
	{ 2, "1.HEADER.FIELDS (SUBJECT)", NULL, "BODY[1.HEADER.FIELDS (SUBJECT)]",
	  "" },
	{ 2, "", "<0.10>", "BODY[]<0>",
	  "Subject: s" },
	{ 2, "", "<5>", "BODY[]<5>",
	  "ct: single\r\n"
	  "X-A: 1\r\n"
	  "\r\n"
	  "line1\r\n"
	  "line2\r\n" },
	{ 2, "TEXT", "<3.4>", "BODY[TEXT]<3>",
	  "e1\r\n" },
	{ 2, "3", "<10.20>", "BODY[3]<10>",
	  "" },
	{ 2, "HEADER", "<5.5>", "BODY[HEADER]<5>",
	  "ct: s" },
	{ 2, "", "<100000>", "BODY[]<100000>",
	  "" },
	{ 2, "1.MIME", "<2.2>", "BODY[1.MIME]<2>",
	  "bj" },
	{ 2, "1.1", NULL, "BODY[1.1]",
	  "" },
	{ 2, "1.1.1", NULL, "BODY[1.1.1]",
	  "" },
	{ 2, "2.1.1", NULL, "BODY[2.1.1]",
	  "" },
	{ 2, "1.1.MIME", NULL, "BODY[1.1.MIME]",
	  "" },
	{ 2, "2.2.MIME", NULL, "BODY[2.2.MIME]",
	  "" },
	{ 2, "1.HEADER.FIELDS (X-A)", NULL, "BODY[1.HEADER.FIELDS (X-A)]",
	  "" },
	{ 2, "1.HEADER.FIELDS.NOT (X-A)", NULL, "BODY[1.HEADER.FIELDS.NOT (X-A)]",
	  "" },
	{ 2, "3.HEADER.FIELDS.NOT (X-A)", NULL, "BODY[3.HEADER.FIELDS.NOT (X-A)]",
	  "" },
	{ 2, "2.HEADER.FIELDS (SUBJECT)", NULL, "BODY[2.HEADER.FIELDS (SUBJECT)]",
	  "" },
	{ 3, "", NULL, "BODY[]",
	  "Content-Type: multipart/mixed; boundary=b\r\n"
	  "\r\n"
	  "--b\r\n"
	  "Content-Type: message/rfc822\r\n"
	  "\r\n"
	  "Subject: x\r\n"
	  "\r\n"
	  "--b\r\n"
	  "Content-Type: message/rfc822\r\n"
	  "\r\n"
	  "--b\r\n"
	  "Content-Type: text/plain\r\n"
	  "\r\n"
	  "--b--\r\n" },
	{ 3, "HEADER", NULL, "BODY[HEADER]",
	  "Content-Type: multipart/mixed; boundary=b\r\n"
	  "\r\n" },
	{ 3, "TEXT", NULL, "BODY[TEXT]",
	  "--b\r\n"
	  "Content-Type: message/rfc822\r\n"
	  "\r\n"
	  "Subject: x\r\n"
	  "\r\n"
	  "--b\r\n"
	  "Content-Type: message/rfc822\r\n"
	  "\r\n"
	  "--b\r\n"
	  "Content-Type: text/plain\r\n"
	  "\r\n"
	  "--b--\r\n" },
	{ 3, "1", NULL, "BODY[1]",
	  "Subject: x\r\n"
	  "\r\n" },
	{ 3, "1.MIME", NULL, "BODY[1.MIME]",
	  "Content-Type: message/rfc822\r\n"
	  "\r\n" },
	{ 3, "2", NULL, "BODY[2]",
	  "" },
	{ 3, "2.MIME", NULL, "BODY[2.MIME]",
	  "Content-Type: message/rfc822\r\n" },
	{ 3, "3", NULL, "BODY[3]",
	  "" },
	{ 3, "3.MIME", NULL, "BODY[3.MIME]",
	  "Content-Type: text/plain\r\n" },
	{ 3, "3.HEADER", NULL, "BODY[3.HEADER]",
	  "" },
	{ 3, "3.TEXT", NULL, "BODY[3.TEXT]",
	  "" },
	{ 3, "3.1", NULL, "BODY[3.1]",
	  "" },
	{ 3, "3.2", NULL, "BODY[3.2]",
	  "" },
	{ 3, "3.1.MIME", NULL, "BODY[3.1.MIME]",
	  "Content-Type: text/plain\r\n" },
	{ 3, "3.2.MIME", NULL, "BODY[3.2.MIME]",
	  "" },
	{ 3, "4", NULL, "BODY[4]",
	  "" },
	{ 3, "4.MIME", NULL, "BODY[4.MIME]",
	  "" },
	{ 3, "4.1", NULL, "BODY[4.1]",
	  "" },
	{ 3, "4.2", NULL, "BODY[4.2]",
	  "" },
	{ 3, "4.2.MIME", NULL, "BODY[4.2.MIME]",
	  "" },
	{ 3, "4.2.HEADER", NULL, "BODY[4.2.HEADER]",
	  "" },
	{ 3, "4.2.TEXT", NULL, "BODY[4.2.TEXT]",
	  "" },
	{ 3, "4.2.1", NULL, "BODY[4.2.1]",
	  "" },
	{ 3, "1.2.MIME", NULL, "BODY[1.2.MIME]",
	  "" },
	{ 3, "0", NULL, "BODY[0]",
	  "Subject: x\r\n"
	  "\r\n" },
	{ 3, "01", NULL, "BODY[01]",
	  "Subject: x\r\n"
	  "\r\n" },
	{ 3, "1.0", NULL, "BODY[1.0]",
	  "" },
	{ 3, "1.1", NULL, "BODY[1.1]",
	  "" },
	{ 3, "5", NULL, "BODY[5]",
	  "" },
	{ 3, "2.1", NULL, "BODY[2.1]",
	  "" },
	{ 3, "1.HEADER", NULL, "BODY[1.HEADER]",
	  "Subject: x\r\n" },
	{ 3, "1.TEXT", NULL, "BODY[1.TEXT]",
	  "" },
	{ 3, "HEADER.FIELDS (SUBJECT FROM)", NULL, "BODY[HEADER.FIELDS (SUBJECT FROM)]",
	  "\r\n" },
	{ 3, "HEADER.FIELDS.NOT (SUBJECT)", NULL, "BODY[HEADER.FIELDS.NOT (SUBJECT)]",
	  "Content-Type: multipart/mixed; boundary=b\r\n"
	  "\r\n" },
	{ 3, "3.HEADER.FIELDS (SUBJECT)", NULL, "BODY[3.HEADER.FIELDS (SUBJECT)]",
	  "" },
	{ 3, "3.HEADER.FIELDS.NOT (SUBJECT)", NULL, "BODY[3.HEADER.FIELDS.NOT (SUBJECT)]",
	  "" },
	{ 3, "4.2.HEADER.FIELDS (SUBJECT)", NULL, "BODY[4.2.HEADER.FIELDS (SUBJECT)]",
	  "" },
	{ 3, "1.HEADER.FIELDS (SUBJECT)", NULL, "BODY[1.HEADER.FIELDS (SUBJECT)]",
	  "Subject: x\r\n"
	  "\r\n" },
	{ 3, "", "<0.10>", "BODY[]<0>",
	  "Content-Ty" },
	{ 3, "", "<5>", "BODY[]<5>",
	  "nt-Type: multipart/mixed; boundary=b\r\n"
	  "\r\n"
	  "--b\r\n"
	  "Content-Type: message/rfc822\r\n"
	  "\r\n"
	  "Subject: x\r\n"
	  "\r\n"
	  "--b\r\n"
	  "Content-Type: message/rfc822\r\n"
	  "\r\n"
	  "--b\r\n"
	  "Content-Type: text/plain\r\n"
	  "\r\n"
	  "--b--\r\n" },
	{ 3, "TEXT", "<3.4>", "BODY[TEXT]<3>",
	  "\r\n"
	  "Co" },
	{ 3, "3", "<10.20>", "BODY[3]<10>",
	  "" },
	{ 3, "HEADER", "<5.5>", "BODY[HEADER]<5>",
	  "nt-Ty" },
	{ 3, "", "<100000>", "BODY[]<100000>",
	  "" },
	{ 3, "1.MIME", "<2.2>", "BODY[1.MIME]<2>",
	  "nt" },
	{ 3, "1.1", NULL, "BODY[1.1]",
	  "" },
	{ 3, "1.1.1", NULL, "BODY[1.1.1]",
	  "" },
	{ 3, "2.1.1", NULL, "BODY[2.1.1]",
	  "" },
	{ 3, "1.1.MIME", NULL, "BODY[1.1.MIME]",
	  "Subject: x\r\n" },
	{ 3, "2.2.MIME", NULL, "BODY[2.2.MIME]",
	  "" },
	{ 3, "1.HEADER.FIELDS (X-A)", NULL, "BODY[1.HEADER.FIELDS (X-A)]",
	  "\r\n" },
	{ 3, "1.HEADER.FIELDS.NOT (X-A)", NULL, "BODY[1.HEADER.FIELDS.NOT (X-A)]",
	  "Subject: x\r\n"
	  "\r\n" },
	{ 3, "3.HEADER.FIELDS.NOT (X-A)", NULL, "BODY[3.HEADER.FIELDS.NOT (X-A)]",
	  "" },
	{ 3, "2.HEADER.FIELDS (SUBJECT)", NULL, "BODY[2.HEADER.FIELDS (SUBJECT)]",
	  "\r\n" },
	{ 4, "", NULL, "BODY[]",
	  "Content-Type: multipart/mixed; boundary=b\r\n"
	  "\r\n"
	  "--b\r\n"
	  "Content-Type: message/rfc822\r\n"
	  "\r\n"
	  "Subject: x\r\n"
	  "X-A: y\r\n"
	  "--b\r\n"
	  "Content-Type: message/rfc822\r\n"
	  "\r\n"
	  "X-A: y\r\n"
	  "Subject: x\r\n"
	  "--b\r\n"
	  "Content-Type: message/rfc822\r\n"
	  "\r\n"
	  "X-A: y\r\n"
	  "Subject: x\r\n"
	  "\r\n"
	  "body\r\n"
	  "--b--\r\n" },
	{ 4, "HEADER", NULL, "BODY[HEADER]",
	  "Content-Type: multipart/mixed; boundary=b\r\n"
	  "\r\n" },
	{ 4, "TEXT", NULL, "BODY[TEXT]",
	  "--b\r\n"
	  "Content-Type: message/rfc822\r\n"
	  "\r\n"
	  "Subject: x\r\n"
	  "X-A: y\r\n"
	  "--b\r\n"
	  "Content-Type: message/rfc822\r\n"
	  "\r\n"
	  "X-A: y\r\n"
	  "Subject: x\r\n"
	  "--b\r\n"
	  "Content-Type: message/rfc822\r\n"
	  "\r\n"
	  "X-A: y\r\n"
	  "Subject: x\r\n"
	  "\r\n"
	  "body\r\n"
	  "--b--\r\n" },
	{ 4, "1", NULL, "BODY[1]",
	  "Subject: x\r\n"
	  "X-A: y\r\n" },
	{ 4, "1.MIME", NULL, "BODY[1.MIME]",
	  "Content-Type: message/rfc822\r\n"
	  "\r\n" },
	{ 4, "2", NULL, "BODY[2]",
	  "X-A: y\r\n"
	  "Subject: x\r\n" },
	{ 4, "2.MIME", NULL, "BODY[2.MIME]",
	  "Content-Type: message/rfc822\r\n"
	  "\r\n" },
	{ 4, "3", NULL, "BODY[3]",
	  "X-A: y\r\n"
	  "Subject: x\r\n"
	  "\r\n"
	  "body" },
	{ 4, "3.MIME", NULL, "BODY[3.MIME]",
	  "Content-Type: message/rfc822\r\n"
	  "\r\n" },
	{ 4, "3.HEADER", NULL, "BODY[3.HEADER]",
	  "X-A: y\r\n"
	  "Subject: x\r\n"
	  "\r\n" },
	{ 4, "3.TEXT", NULL, "BODY[3.TEXT]",
	  "body" },
	{ 4, "3.1", NULL, "BODY[3.1]",
	  "body" },
	{ 4, "3.2", NULL, "BODY[3.2]",
	  "" },
	{ 4, "3.1.MIME", NULL, "BODY[3.1.MIME]",
	  "X-A: y\r\n"
	  "Subject: x\r\n"
	  "\r\n" },
	{ 4, "3.2.MIME", NULL, "BODY[3.2.MIME]",
	  "" },
	{ 4, "4", NULL, "BODY[4]",
	  "" },
	{ 4, "4.MIME", NULL, "BODY[4.MIME]",
	  "" },
	{ 4, "4.1", NULL, "BODY[4.1]",
	  "" },
	{ 4, "4.2", NULL, "BODY[4.2]",
	  "" },
	{ 4, "4.2.MIME", NULL, "BODY[4.2.MIME]",
	  "" },
	{ 4, "4.2.HEADER", NULL, "BODY[4.2.HEADER]",
	  "" },
	{ 4, "4.2.TEXT", NULL, "BODY[4.2.TEXT]",
	  "" },
	{ 4, "4.2.1", NULL, "BODY[4.2.1]",
	  "" },
	{ 4, "1.2.MIME", NULL, "BODY[1.2.MIME]",
	  "" },
	{ 4, "0", NULL, "BODY[0]",
	  "Subject: x\r\n"
	  "X-A: y\r\n" },
	{ 4, "01", NULL, "BODY[01]",
	  "Subject: x\r\n"
	  "X-A: y\r\n" },
	{ 4, "1.0", NULL, "BODY[1.0]",
	  "" },
	{ 4, "1.1", NULL, "BODY[1.1]",
	  "" },
	{ 4, "5", NULL, "BODY[5]",
	  "" },
	{ 4, "2.1", NULL, "BODY[2.1]",
	  "" },
	{ 4, "1.HEADER", NULL, "BODY[1.HEADER]",
	  "Subject: x\r\n"
	  "X-A: y" },
	{ 4, "1.TEXT", NULL, "BODY[1.TEXT]",
	  "" },
	{ 4, "HEADER.FIELDS (SUBJECT FROM)", NULL, "BODY[HEADER.FIELDS (SUBJECT FROM)]",
	  "\r\n" },
	{ 4, "HEADER.FIELDS.NOT (SUBJECT)", NULL, "BODY[HEADER.FIELDS.NOT (SUBJECT)]",
	  "Content-Type: multipart/mixed; boundary=b\r\n"
	  "\r\n" },
	{ 4, "3.HEADER.FIELDS (SUBJECT)", NULL, "BODY[3.HEADER.FIELDS (SUBJECT)]",
	  "Subject: x\r\n"
	  "\r\n" },
	{ 4, "3.HEADER.FIELDS.NOT (SUBJECT)", NULL, "BODY[3.HEADER.FIELDS.NOT (SUBJECT)]",
	  "X-A: y\r\n"
	  "\r\n" },
	{ 4, "4.2.HEADER.FIELDS (SUBJECT)", NULL, "BODY[4.2.HEADER.FIELDS (SUBJECT)]",
	  "" },
	{ 4, "1.HEADER.FIELDS (SUBJECT)", NULL, "BODY[1.HEADER.FIELDS (SUBJECT)]",
	  "Subject: x\r\n"
	  "\r\n" },
	{ 4, "", "<0.10>", "BODY[]<0>",
	  "Content-Ty" },
	{ 4, "", "<5>", "BODY[]<5>",
	  "nt-Type: multipart/mixed; boundary=b\r\n"
	  "\r\n"
	  "--b\r\n"
	  "Content-Type: message/rfc822\r\n"
	  "\r\n"
	  "Subject: x\r\n"
	  "X-A: y\r\n"
	  "--b\r\n"
	  "Content-Type: message/rfc822\r\n"
	  "\r\n"
	  "X-A: y\r\n"
	  "Subject: x\r\n"
	  "--b\r\n"
	  "Content-Type: message/rfc822\r\n"
	  "\r\n"
	  "X-A: y\r\n"
	  "Subject: x\r\n"
	  "\r\n"
	  "body\r\n"
	  "--b--\r\n" },
	{ 4, "TEXT", "<3.4>", "BODY[TEXT]<3>",
	  "\r\n"
	  "Co" },
	{ 4, "3", "<10.20>", "BODY[3]<10>",
	  "bject: x\r\n"
	  "\r\n"
	  "body" },
	{ 4, "HEADER", "<5.5>", "BODY[HEADER]<5>",
	  "nt-Ty" },
	{ 4, "", "<100000>", "BODY[]<100000>",
	  "" },
	{ 4, "1.MIME", "<2.2>", "BODY[1.MIME]<2>",
	  "nt" },
	{ 4, "1.1", NULL, "BODY[1.1]",
	  "" },
	{ 4, "1.1.1", NULL, "BODY[1.1.1]",
	  "" },
	{ 4, "2.1.1", NULL, "BODY[2.1.1]",
	  "" },
	{ 4, "1.1.MIME", NULL, "BODY[1.1.MIME]",
	  "Subject: x\r\n"
	  "X-A: y" },
	{ 4, "2.2.MIME", NULL, "BODY[2.2.MIME]",
	  "" },
	{ 4, "1.HEADER.FIELDS (X-A)", NULL, "BODY[1.HEADER.FIELDS (X-A)]",
	  "X-A: y\r\n"
	  "\r\n" },
	{ 4, "1.HEADER.FIELDS.NOT (X-A)", NULL, "BODY[1.HEADER.FIELDS.NOT (X-A)]",
	  "Subject: x\r\n"
	  "--b\r\n"
	  "Content-Type: message/rfc822\r\n"
	  "\r\n" },
	{ 4, "3.HEADER.FIELDS.NOT (X-A)", NULL, "BODY[3.HEADER.FIELDS.NOT (X-A)]",
	  "Subject: x\r\n"
	  "\r\n" },
	{ 4, "2.HEADER.FIELDS (SUBJECT)", NULL, "BODY[2.HEADER.FIELDS (SUBJECT)]",
	  "Subject: x\r\n"
	  "\r\n" },
	{ 5, "", NULL, "BODY[]",
	  "Subject: x\r\n"
	  "X-A: y" },
	{ 5, "HEADER", NULL, "BODY[HEADER]",
	  "Subject: x\r\n"
	  "X-A: y" },
	{ 5, "TEXT", NULL, "BODY[TEXT]",
	  "" },
	{ 5, "1", NULL, "BODY[1]",
	  "" },
	{ 5, "1.MIME", NULL, "BODY[1.MIME]",
	  "Subject: x\r\n"
	  "X-A: y" },
	{ 5, "2", NULL, "BODY[2]",
	  "" },
	{ 5, "2.MIME", NULL, "BODY[2.MIME]",
	  "" },
	{ 5, "3", NULL, "BODY[3]",
	  "" },
	{ 5, "3.MIME", NULL, "BODY[3.MIME]",
	  "" },
	{ 5, "3.HEADER", NULL, "BODY[3.HEADER]",
	  "" },
	{ 5, "3.TEXT", NULL, "BODY[3.TEXT]",
	  "" },
	{ 5, "3.1", NULL, "BODY[3.1]",
	  "" },
	{ 5, "3.2", NULL, "BODY[3.2]",
	  "" },
	{ 5, "3.1.MIME", NULL, "BODY[3.1.MIME]",
	  "" },
	{ 5, "3.2.MIME", NULL, "BODY[3.2.MIME]",
	  "" },
	{ 5, "4", NULL, "BODY[4]",
	  "" },
	{ 5, "4.MIME", NULL, "BODY[4.MIME]",
	  "" },
	{ 5, "4.1", NULL, "BODY[4.1]",
	  "" },
	{ 5, "4.2", NULL, "BODY[4.2]",
	  "" },
	{ 5, "4.2.MIME", NULL, "BODY[4.2.MIME]",
	  "" },
	{ 5, "4.2.HEADER", NULL, "BODY[4.2.HEADER]",
	  "" },
	{ 5, "4.2.TEXT", NULL, "BODY[4.2.TEXT]",
	  "" },
	{ 5, "4.2.1", NULL, "BODY[4.2.1]",
	  "" },
	{ 5, "1.2.MIME", NULL, "BODY[1.2.MIME]",
	  "" },
	{ 5, "0", NULL, "BODY[0]",
	  "" },
	{ 5, "01", NULL, "BODY[01]",
	  "" },
	{ 5, "1.0", NULL, "BODY[1.0]",
	  "" },
	{ 5, "1.1", NULL, "BODY[1.1]",
	  "" },
	{ 5, "5", NULL, "BODY[5]",
	  "" },
	{ 5, "2.1", NULL, "BODY[2.1]",
	  "" },
	{ 5, "1.HEADER", NULL, "BODY[1.HEADER]",
	  "" },
	{ 5, "1.TEXT", NULL, "BODY[1.TEXT]",
	  "" },
	{ 5, "HEADER.FIELDS (SUBJECT FROM)", NULL, "BODY[HEADER.FIELDS (SUBJECT FROM)]",
	  "Subject: x\r\n"
	  "\r\n" },
	{ 5, "HEADER.FIELDS.NOT (SUBJECT)", NULL, "BODY[HEADER.FIELDS.NOT (SUBJECT)]",
	  "X-A: y" },
	{ 5, "3.HEADER.FIELDS (SUBJECT)", NULL, "BODY[3.HEADER.FIELDS (SUBJECT)]",
	  "" },
	{ 5, "3.HEADER.FIELDS.NOT (SUBJECT)", NULL, "BODY[3.HEADER.FIELDS.NOT (SUBJECT)]",
	  "" },
	{ 5, "4.2.HEADER.FIELDS (SUBJECT)", NULL, "BODY[4.2.HEADER.FIELDS (SUBJECT)]",
	  "" },
	{ 5, "1.HEADER.FIELDS (SUBJECT)", NULL, "BODY[1.HEADER.FIELDS (SUBJECT)]",
	  "" },
	{ 5, "", "<0.10>", "BODY[]<0>",
	  "Subject: x" },
	{ 5, "", "<5>", "BODY[]<5>",
	  "ct: x\r\n"
	  "X-A: y" },
	{ 5, "TEXT", "<3.4>", "BODY[TEXT]<3>",
	  "" },
	{ 5, "3", "<10.20>", "BODY[3]<10>",
	  "" },
	{ 5, "HEADER", "<5.5>", "BODY[HEADER]<5>",
	  "ct: x" },
	{ 5, "", "<100000>", "BODY[]<100000>",
	  "" },
	{ 5, "1.MIME", "<2.2>", "BODY[1.MIME]<2>",
	  "bj" },
	{ 5, "1.1", NULL, "BODY[1.1]",
	  "" },
	{ 5, "1.1.1", NULL, "BODY[1.1.1]",
	  "" },
	{ 5, "2.1.1", NULL, "BODY[2.1.1]",
	  "" },
	{ 5, "1.1.MIME", NULL, "BODY[1.1.MIME]",
	  "" },
	{ 5, "2.2.MIME", NULL, "BODY[2.2.MIME]",
	  "" },
	{ 5, "1.HEADER.FIELDS (X-A)", NULL, "BODY[1.HEADER.FIELDS (X-A)]",
	  "" },
	{ 5, "1.HEADER.FIELDS.NOT (X-A)", NULL, "BODY[1.HEADER.FIELDS.NOT (X-A)]",
	  "" },
	{ 5, "3.HEADER.FIELDS.NOT (X-A)", NULL, "BODY[3.HEADER.FIELDS.NOT (X-A)]",
	  "" },
	{ 5, "2.HEADER.FIELDS (SUBJECT)", NULL, "BODY[2.HEADER.FIELDS (SUBJECT)]",
	  "" },
	{ 6, "", NULL, "BODY[]",
	  "Content-Type: multipart/mixed; boundary=b\r\n"
	  "\r\n"
	  "--b\r\n"
	  "--b\r\n"
	  "\r\n"
	  "--b\r\n"
	  "Content-Type: text/plain\r\n"
	  "--b\r\n"
	  "Content-Type: text/plain\r\n"
	  "\r\n"
	  "\r\n"
	  "--b\r\n"
	  "Content-Type: text/plain\r\n"
	  "\r\n"
	  "x\r\n"
	  "--b  \r\n"
	  "Content-Type: text/html\r\n"
	  "\r\n"
	  "nofinal" },
	{ 6, "HEADER", NULL, "BODY[HEADER]",
	  "Content-Type: multipart/mixed; boundary=b\r\n"
	  "\r\n" },
	{ 6, "TEXT", NULL, "BODY[TEXT]",
	  "--b\r\n"
	  "--b\r\n"
	  "\r\n"
	  "--b\r\n"
	  "Content-Type: text/plain\r\n"
	  "--b\r\n"
	  "Content-Type: text/plain\r\n"
	  "\r\n"
	  "\r\n"
	  "--b\r\n"
	  "Content-Type: text/plain\r\n"
	  "\r\n"
	  "x\r\n"
	  "--b  \r\n"
	  "Content-Type: text/html\r\n"
	  "\r\n"
	  "nofinal" },
	{ 6, "1", NULL, "BODY[1]",
	  "" },
	{ 6, "1.MIME", NULL, "BODY[1.MIME]",
	  "" },
	{ 6, "2", NULL, "BODY[2]",
	  "" },
	{ 6, "2.MIME", NULL, "BODY[2.MIME]",
	  "" },
	{ 6, "3", NULL, "BODY[3]",
	  "" },
	{ 6, "3.MIME", NULL, "BODY[3.MIME]",
	  "Content-Type: text/plain" },
	{ 6, "3.HEADER", NULL, "BODY[3.HEADER]",
	  "" },
	{ 6, "3.TEXT", NULL, "BODY[3.TEXT]",
	  "" },
	{ 6, "3.1", NULL, "BODY[3.1]",
	  "" },
	{ 6, "3.2", NULL, "BODY[3.2]",
	  "" },
	{ 6, "3.1.MIME", NULL, "BODY[3.1.MIME]",
	  "Content-Type: text/plain" },
	{ 6, "3.2.MIME", NULL, "BODY[3.2.MIME]",
	  "" },
	{ 6, "4", NULL, "BODY[4]",
	  "" },
	{ 6, "4.MIME", NULL, "BODY[4.MIME]",
	  "Content-Type: text/plain\r\n"
	  "\r\n" },
	{ 6, "4.1", NULL, "BODY[4.1]",
	  "" },
	{ 6, "4.2", NULL, "BODY[4.2]",
	  "" },
	{ 6, "4.2.MIME", NULL, "BODY[4.2.MIME]",
	  "" },
	{ 6, "4.2.HEADER", NULL, "BODY[4.2.HEADER]",
	  "" },
	{ 6, "4.2.TEXT", NULL, "BODY[4.2.TEXT]",
	  "" },
	{ 6, "4.2.1", NULL, "BODY[4.2.1]",
	  "" },
	{ 6, "1.2.MIME", NULL, "BODY[1.2.MIME]",
	  "" },
	{ 6, "0", NULL, "BODY[0]",
	  "" },
	{ 6, "01", NULL, "BODY[01]",
	  "" },
	{ 6, "1.0", NULL, "BODY[1.0]",
	  "" },
	{ 6, "1.1", NULL, "BODY[1.1]",
	  "" },
	{ 6, "5", NULL, "BODY[5]",
	  "x" },
	{ 6, "2.1", NULL, "BODY[2.1]",
	  "" },
	{ 6, "1.HEADER", NULL, "BODY[1.HEADER]",
	  "" },
	{ 6, "1.TEXT", NULL, "BODY[1.TEXT]",
	  "" },
	{ 6, "HEADER.FIELDS (SUBJECT FROM)", NULL, "BODY[HEADER.FIELDS (SUBJECT FROM)]",
	  "\r\n" },
	{ 6, "HEADER.FIELDS.NOT (SUBJECT)", NULL, "BODY[HEADER.FIELDS.NOT (SUBJECT)]",
	  "Content-Type: multipart/mixed; boundary=b\r\n"
	  "\r\n" },
	{ 6, "3.HEADER.FIELDS (SUBJECT)", NULL, "BODY[3.HEADER.FIELDS (SUBJECT)]",
	  "" },
	{ 6, "3.HEADER.FIELDS.NOT (SUBJECT)", NULL, "BODY[3.HEADER.FIELDS.NOT (SUBJECT)]",
	  "" },
	{ 6, "4.2.HEADER.FIELDS (SUBJECT)", NULL, "BODY[4.2.HEADER.FIELDS (SUBJECT)]",
	  "" },
	{ 6, "1.HEADER.FIELDS (SUBJECT)", NULL, "BODY[1.HEADER.FIELDS (SUBJECT)]",
	  "" },
	{ 6, "", "<0.10>", "BODY[]<0>",
	  "Content-Ty" },
	{ 6, "", "<5>", "BODY[]<5>",
	  "nt-Type: multipart/mixed; boundary=b\r\n"
	  "\r\n"
	  "--b\r\n"
	  "--b\r\n"
	  "\r\n"
	  "--b\r\n"
	  "Content-Type: text/plain\r\n"
	  "--b\r\n"
	  "Content-Type: text/plain\r\n"
	  "\r\n"
	  "\r\n"
	  "--b\r\n"
	  "Content-Type: text/plain\r\n"
	  "\r\n"
	  "x\r\n"
	  "--b  \r\n"
	  "Content-Type: text/html\r\n"
	  "\r\n"
	  "nofinal" },
	{ 6, "TEXT", "<3.4>", "BODY[TEXT]<3>",
	  "\r\n"
	  "--" },
	{ 6, "3", "<10.20>", "BODY[3]<10>",
	  "" },
	{ 6, "HEADER", "<5.5>", "BODY[HEADER]<5>",
	  "nt-Ty" },
	{ 6, "", "<100000>", "BODY[]<100000>",
	  "" },
	{ 6, "1.MIME", "<2.2>", "BODY[1.MIME]<2>",
	  "" },
	{ 6, "1.1", NULL, "BODY[1.1]",
	  "" },
	{ 6, "1.1.1", NULL, "BODY[1.1.1]",
	  "" },
	{ 6, "2.1.1", NULL, "BODY[2.1.1]",
	  "" },
	{ 6, "1.1.MIME", NULL, "BODY[1.1.MIME]",
	  "" },
	{ 6, "2.2.MIME", NULL, "BODY[2.2.MIME]",
	  "" },
	{ 6, "1.HEADER.FIELDS (X-A)", NULL, "BODY[1.HEADER.FIELDS (X-A)]",
	  "" },
	{ 6, "1.HEADER.FIELDS.NOT (X-A)", NULL, "BODY[1.HEADER.FIELDS.NOT (X-A)]",
	  "" },
	{ 6, "3.HEADER.FIELDS.NOT (X-A)", NULL, "BODY[3.HEADER.FIELDS.NOT (X-A)]",
	  "" },
	{ 6, "2.HEADER.FIELDS (SUBJECT)", NULL, "BODY[2.HEADER.FIELDS (SUBJECT)]",
	  "" },
};

/* Fetches spec<partial> from message m; returns the bytes (arena). */
static const char *
fetch(const char *m, const char *spec, const char *partial,
      struct arena *a, size_t *len_r, const char **name_r)
{
	struct mail_part *root = mail_parse((const unsigned char *)m,
					    strlen(m), a);
	struct section s;
	const char *err;
	struct buf out;
	char *r;

	ck_assert_msg(section_parse(spec, partial, a, &s, &err) == 0,
		      "section_parse(%s): got error %s, want 0", spec, err);
	buf_init(&out, 1 << 20);
	ck_assert_msg(section_fetch(&s, root, (const unsigned char *)m,
				    &out) == 0,
		      "section_fetch(%s): got -1, want 0", spec);
	r = arena_strndup(a, out.data != NULL ? (const char *)out.data : "",
			  out.len);
	*len_r = out.len;
	buf_free(&out);
	if (name_r != NULL)
		*name_r = section_name(&s, a);
	return r;
}

START_TEST(dovecot_sections)
{
	const struct fetch_case *c = &cases[_i];
	struct arena *a = arena_new(4096);
	const char *got, *name;
	size_t len;

	got = fetch(msgs[c->msg], c->spec, c->partial, a, &len, &name);
	ck_assert_msg(len == strlen(c->want) && memcmp(got, c->want, len) == 0,
		      "msg %d BODY[%s]%s: got {%zu} '%s', want {%zu} '%s'",
		      c->msg, c->spec, c->partial ? c->partial : "", len, got,
		      strlen(c->want), c->want);
	ck_assert_msg(strcmp(name, c->name) == 0,
		      "msg %d BODY[%s]: name got '%s', want '%s'", c->msg,
		      c->spec, name, c->name);
	arena_free(&a);
}
END_TEST

/* The name Dovecot echoes (verified with Dovecot 2.3.19): the number as
 * written, keywords and names upper case, quoted names quoted, NIL
 * quoted, the partial's origin only. */
static const struct {
	const char *spec, *partial, *name;
} names[] = {
	{ "header", NULL, "BODY[HEADER]" },
	{ "1.mime", NULL, "BODY[1.MIME]" },
	{ "01", NULL, "BODY[01]" },
	{ "4294967297", NULL, "BODY[4294967297]" },
	{ "header.fields (subject \"From\" x-a)", NULL,
	  "BODY[HEADER.FIELDS (SUBJECT \"FROM\" X-A)]" },
	{ "HEADER.FIELDS  (SUBJECT)", NULL, "BODY[HEADER.FIELDS (SUBJECT)]" },
	{ "HEADER.FIELDS (SUBJECT )", NULL, "BODY[HEADER.FIELDS (SUBJECT)]" },
	{ "HEADER.FIELDS (\"a b\" \"subject\")", NULL,
	  "BODY[HEADER.FIELDS (\"A B\" \"SUBJECT\")]" },
	{ "HEADER.FIELDS (a\\b)", NULL, "BODY[HEADER.FIELDS (A\\B)]" },
	{ "HEADER.FIELDS (\"a\\\"b\")", NULL,
	  "BODY[HEADER.FIELDS (\"A\\\"B\")]" },
	{ "HEADER.FIELDS (NIL)", NULL, "BODY[HEADER.FIELDS (\"NIL\")]" },
	{ "HEADER.FIELDS (\"\")", NULL, "BODY[HEADER.FIELDS (\"\")]" },
	{ "Header.Fields.Not (x)", NULL, "BODY[HEADER.FIELDS.NOT (X)]" },
	{ "3.HEADER.FIELDS (SUBJECT)", NULL,
	  "BODY[3.HEADER.FIELDS (SUBJECT)]" },
	{ "", "<5>", "BODY[]<5>" },
	{ "", "<0.0>", "BODY[]<0>" },
	{ "1", "<2.3>", "BODY[1]<2>" },
	{ "", "<01.02>", "BODY[]<1>" },
	{ "", "<4294967296.1>", "BODY[]<4294967296>" },
	{ "TEXT", "<100.5>", "BODY[TEXT]<100>" },
};

START_TEST(echo_names)
{
	struct arena *a = arena_new(4096);
	struct section s;
	const char *err, *got;

	ck_assert_msg(section_parse(names[_i].spec, names[_i].partial, a, &s,
				    &err) == 0,
		      "section_parse(%s): got error %s, want 0",
		      names[_i].spec, err);
	got = section_name(&s, a);
	ck_assert_msg(strcmp(got, names[_i].name) == 0,
		      "name of [%s]: got '%s', want '%s'", names[_i].spec, got,
		      names[_i].name);
	arena_free(&a);
}
END_TEST

/* Dovecot 2.3.19 answers BAD to these (the IMAP parser already refuses
 * "HEADER.FIELDS(X)" and literals inside the section). */
static const struct {
	const char *spec, *partial;
} bad[] = {
	{ "MIME", NULL }, { "TEXT.MIME", NULL }, { "HEADER.FIELDS", NULL },
	{ "HEADER.FIELDS ()", NULL }, { "HEADER.FIELDS.NOT ()", NULL },
	{ "1.MIME.X", NULL }, { "1.TEXT.MIME", NULL }, { "1.", NULL },
	{ ".1", NULL }, { "1..2", NULL }, { "-1", NULL }, { "HEADER.", NULL },
	{ "HEADER.FIELDS (A", NULL }, { "HEADER.FIELDS (A) X", NULL },
	{ "HEADER.FIELDS (A (B))", NULL }, { "HEADER.FIELDS(A)", NULL },
	{ "HEADER.FIELDS ({7}", NULL }, { "HEADER.FIELDS (\"a)", NULL },
	{ "X", NULL }, { "HEADERX", NULL }, { "1X", NULL },
	{ "", "<1.2.3>" }, { "", "<>" }, { "", "<.1>" }, { "", "<1.>" },
	{ "", "<99999999999999999999.1>" }, { "", "<+1.2>" },
	{ "", "<1.2" }, { "", "1.2>" }, { "", "<1.2>x" },
};

START_TEST(bad_sections)
{
	struct arena *a = arena_new(4096);
	struct section s;
	const char *err = NULL;

	ck_assert_msg(section_parse(bad[_i].spec, bad[_i].partial, a, &s,
				    &err) == -1 && err != NULL,
		      "section_parse(%s, %s): got 0, want -1 with a reason",
		      bad[_i].spec, bad[_i].partial ? bad[_i].partial : "");
	arena_free(&a);
}
END_TEST

/* Numbers wrap modulo 2^32 as in Dovecot: 4294967297 is 1 (verified with
 * Dovecot 2.3.19: BODY[4294967297] of a single part is its body). */
START_TEST(number_wraps)
{
	struct arena *a = arena_new(4096);
	size_t len;
	const char *got = fetch("S: x\r\n\r\nbody\r\n", "4294967297", NULL, a,
				&len, NULL);

	ck_assert_msg(strcmp(got, "body\r\n") == 0, "got '%s', want 'body'",
		      got);
	got = fetch("S: x\r\n\r\nbody\r\n", "4294967296", NULL, a, &len, NULL);
	ck_assert_msg(len == 0, "got {%zu}, want {0}", len);
	arena_free(&a);
}
END_TEST

/* Partial windows over every origin and length agree with cutting the
 * whole section: the skipping by span sizes loses no byte. */
START_TEST(partial_everywhere)
{
	struct arena *a = arena_new(1 << 16);
	const char *m = msgs[1];        /* bare LF: the wire is longer */
	size_t whole_len, len;
	const char *whole = fetch(m, "", NULL, a, &whole_len, NULL);
	char p[64];

	for (size_t o = 0; o <= whole_len + 1; o += 3) {
		for (size_t n = 0; n < 40; n += 7) {
			snprintf(p, sizeof(p), "<%zu.%zu>", o, n);
			const char *got = fetch(m, "", p, a, &len, NULL);
			size_t want = o >= whole_len ? 0 :
				whole_len - o < n ? whole_len - o : n;
			ck_assert_msg(len == want &&
				      memcmp(got, whole + (o < whole_len ? o : 0),
					     len) == 0,
				      "BODY[]%s: got {%zu}, want {%zu}", p, len,
				      want);
		}
	}
	arena_free(&a);
}
END_TEST

/* A full buffer is an error, not a silent cut. */
START_TEST(overflow)
{
	struct arena *a = arena_new(4096);
	const char *m = msgs[0];
	struct mail_part *root = mail_parse((const unsigned char *)m,
					    strlen(m), a);
	struct section s;
	const char *err;
	struct buf out;
	int ret;

	section_parse("", NULL, a, &s, &err);
	buf_init(&out, 10);
	ret = section_fetch(&s, root, (const unsigned char *)m, &out);
	ck_assert_msg(ret == -1, "got %d, want -1", ret);
	buf_free(&out);
	section_parse("HEADER.FIELDS (FROM SUBJECT)", NULL, a, &s, &err);
	buf_init(&out, 10);
	ret = section_fetch(&s, root, (const unsigned char *)m, &out);
	ck_assert_msg(ret == -1, "fields: got %d, want -1", ret);
	buf_free(&out);
	arena_free(&a);
}
END_TEST

/* Deep nesting: every level can be named, and a number past the end of
 * the tree is empty. */
START_TEST(deep_numbers)
{
	struct arena *a = arena_new(1 << 16);
	struct buf m, spec;
	size_t len;
	const char *got;

	buf_init(&m, 1 << 20);
	buf_init(&spec, 4096);
	for (int i = 0; i < 60; i++) {
		buf_printf(&m, "Content-Type: multipart/mixed; boundary=b%d\r\n"
			   "\r\n--b%d\r\n", i, i);
		buf_append_str(&spec, i == 0 ? "1" : ".1");
	}
	buf_append_str(&m, "Content-Type: text/plain\r\n\r\ndeep\r\n");
	got = fetch(buf_str(&m), buf_str(&spec), NULL, a, &len, NULL);
	ck_assert_msg(strcmp(got, "deep\r\n") == 0, "got '%s', want 'deep'", got);
	buf_append_str(&spec, ".1.1");
	got = fetch(buf_str(&m), buf_str(&spec), NULL, a, &len, NULL);
	ck_assert_msg(len == 0, "past the leaf: got {%zu}, want {0}", len);
	buf_free(&m);
	buf_free(&spec);
	arena_free(&a);
}
END_TEST

static Suite *
section_suite(void)
{
	Suite *s = suite_create("section");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, dovecot_sections, 0,
			    sizeof(cases) / sizeof(cases[0]));
	tcase_add_loop_test(tc, echo_names, 0, sizeof(names) / sizeof(names[0]));
	tcase_add_loop_test(tc, bad_sections, 0, sizeof(bad) / sizeof(bad[0]));
	tcase_add_test(tc, number_wraps);
	tcase_add_test(tc, partial_everywhere);
	tcase_add_test(tc, overflow);
	tcase_add_test(tc, deep_numbers);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(section_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
