/* tests/unit/check_preview.c — mail/preview: the PREVIEW text of RFC
 * 8970 3.3 (UTF-8, no transfer encoding, no markup, at most 200
 * characters) and the choice of the part it comes from. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mail/message.h"
#include "mail/preview.h"
#include "util/arena.h"
#include "util/buf.h"

static const char *
text(const char *in, int html)
{
	static char res[PREVIEW_MAX_CHARS * 4 + 8];
	struct buf out;

	buf_init(&out, PREVIEW_MAX_CHARS * 4 + 8);
	preview_text((const unsigned char *)in, strlen(in), html, &out);
	memcpy(res, out.len ? (const char *)out.data : "", out.len);
	res[out.len] = '\0';
	buf_free(&out);
	return res;
}

static const struct {
	const char *in;
	int html;
	const char *want;
} text_cases[] = {
	{ "Hello Joe,\r\n  do you\tthink\r\n\r\nwe can meet?\r\n", 0,
	  "Hello Joe, do you think we can meet?" },
	{ "   \r\n\r\n  ", 0, "" },
	{ "", 0, "" },
	{ "On Monday Ann wrote:\n> old text\n>> older\nMy answer.\n", 0,
	  "On Monday Ann wrote: My answer." },
	{ "a\x01" "b\x7f" "c", 0, "a b c" },
	{ "caf\xc3\xa9\xc2\xa0" "cr\xc3\xa8me", 0, "caf\xc3\xa9 cr\xc3\xa8me" },
	{ "<html><head><title>T</title><style>p{x:1}</style></head>"
	  "<body><p>Hello&nbsp;<b>Wo</b>rld</p><p>second &amp; last"
	  "</p></body></html>", 1, "Hello World second & last" },
	{ "<!-- hidden -->x &lt;y&gt; &#233;&#x263A; &bogus; a < b", 1,
	  "x <y> \xc3\xa9\xe2\x98\xba &bogus; a < b" },
	{ "<script type=\"x\">var a = '<p>';</script>Text<br/>more", 1,
	  "Text more" },
	{ "<a href=\"x>y\">link</a> <blockquote>quoted</blockquote>end", 1,
	  "link end" },
	{ "> only quoted\n", 0, "" },
};

START_TEST(texts)
{
	const char *got = text(text_cases[_i].in, text_cases[_i].html);

	ck_assert_msg(strcmp(got, text_cases[_i].want) == 0,
		      "case %d: got \"%s\", want \"%s\"", _i, got,
		      text_cases[_i].want);
}
END_TEST

/* 200 characters at most, counted as characters, not bytes, and never
 * a cut sequence. */
START_TEST(limit)
{
	char in[3000];
	const char *got;
	size_t chars = 0;

	in[0] = '\0';
	for (int i = 0; i < 300; i++)
		strcat(in, "\xc3\xa9 ");
	got = text(in, 0);
	for (const char *p = got; *p; p++)
		chars += ((unsigned char)*p & 0xc0) != 0x80;
	ck_assert_msg(chars <= PREVIEW_MAX_CHARS && chars >= 199,
		      "got %zu characters", chars);
	ck_assert_msg(got[strlen(got) - 1] != ' ', "ends in a space");
	ck_assert_msg((unsigned char)got[strlen(got) - 1] == 0xa9,
		      "cut sequence at the end");
}
END_TEST

static const char *
message(const char *msg)
{
	static char res[PREVIEW_MAX_CHARS * 4 + 8];
	struct arena *a = arena_new(4096);
	struct mail_part *root = mail_parse((const unsigned char *)msg,
					    strlen(msg), a);

	snprintf(res, sizeof(res), "%s",
		 mail_preview((const unsigned char *)msg, strlen(msg), root,
			      a));
	arena_free(&a);
	return res;
}

static const struct {
	const char *msg, *want;
} msg_cases[] = {
	/* RFC 8508 3.2's message, as in RFC 9208 4.3.1 */
	{ "Subject: afternoon meeting\r\nMIME-Version: 1.0\r\n"
	  "Content-Type: TEXT/PLAIN; CHARSET=US-ASCII\r\n\r\n"
	  "Hello Joe, do you think we can meet at 3:30 tomorrow?\r\n",
	  "Hello Joe, do you think we can meet at 3:30 tomorrow?" },
	{ "Subject: x\n\nno content type at all\n", "no content type at all" },
	{ "Content-Type: text/plain; charset=iso-8859-1\r\n"
	  "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
	  "caf=E9 au=\r\n lait\r\n", "caf\xc3\xa9 au lait" },
	{ "Content-Type: text/plain; charset=utf-8\r\n"
	  "Content-Transfer-Encoding: base64\r\n\r\n"
	  "w6l0w6kgYmFzZTY0\r\n", "\xc3\xa9t\xc3\xa9 base64" },
	{ "Content-Type: multipart/alternative; boundary=b\r\n\r\n"
	  "--b\r\nContent-Type: text/html\r\n\r\n<p>html <i>one</i></p>\r\n"
	  "--b\r\nContent-Type: text/plain\r\n\r\nplain one\r\n--b--\r\n",
	  "plain one" },
	{ "Content-Type: multipart/mixed; boundary=b\r\n\r\n"
	  "--b\r\nContent-Type: multipart/alternative; boundary=c\r\n\r\n"
	  "--c\r\nContent-Type: text/html\r\n\r\n<p>only html</p>\r\n"
	  "--c--\r\n"
	  "--b\r\nContent-Type: text/plain\r\n\r\nlater text\r\n--b--\r\n",
	  "only html" },
	{ "Content-Type: multipart/mixed; boundary=b\r\n\r\n"
	  "--b\r\nContent-Type: text/plain\r\n"
	  "Content-Disposition: attachment; filename=a.txt\r\n\r\n"
	  "attached\r\n"
	  "--b\r\nContent-Type: image/png\r\n\r\nPNG\r\n--b--\r\n", "" },
	{ "Content-Type: image/jpeg\r\n\r\n\xff\xd8\xff", "" },
};

START_TEST(messages)
{
	const char *got = message(msg_cases[_i].msg);

	ck_assert_msg(strcmp(got, msg_cases[_i].want) == 0,
		      "case %d: got \"%s\", want \"%s\"", _i, got,
		      msg_cases[_i].want);
}
END_TEST

/* Bytes that are no UTF-8 and no HTML never crash and stay UTF-8. */
START_TEST(random_bytes)
{
	unsigned char in[4096];
	struct buf out;

	srand(8970);
	for (int round = 0; round < 200; round++) {
		size_t n = (size_t)(rand() % (int)sizeof(in));

		for (size_t i = 0; i < n; i++)
			in[i] = (unsigned char)rand();
		buf_init(&out, PREVIEW_MAX_CHARS * 4 + 8);
		preview_text(in, n, round % 2, &out);
		ck_assert_uint_le(out.len, PREVIEW_MAX_CHARS * 4);
		buf_free(&out);
	}
}
END_TEST

static Suite *
preview_suite(void)
{
	Suite *s = suite_create("preview");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, texts, 0,
			    sizeof(text_cases) / sizeof(text_cases[0]));
	tcase_add_test(tc, limit);
	tcase_add_loop_test(tc, messages, 0,
			    sizeof(msg_cases) / sizeof(msg_cases[0]));
	tcase_add_test(tc, random_bytes);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(preview_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
