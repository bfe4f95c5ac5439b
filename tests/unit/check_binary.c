/* tests/unit/check_binary.c — mail/binary: decoded sections for BINARY
 * (RFC 3516 4.3). The container cases are Dovecot 2.3's answers (see
 * tests/session/diff_dovecot.py, script "binary"). */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "mail/binary.h"
#include "util/arena.h"
#include "util/buf.h"

static const char multi[] =
	"Subject: m\r\nMIME-Version: 1.0\r\n"
	"Content-Type: multipart/mixed; boundary=a\r\n\r\n"
	"pre\r\n--a\r\nContent-Type: text/plain\r\n"
	"Content-Transfer-Encoding: quoted-printable\r\nX-A: 1\r\n\r\n"
	"x=3Dy\r\n--a\r\nContent-Type: message/rfc822\r\n\r\n"
	"Subject: in\r\nMIME-Version: 1.0\r\n"
	"Content-Transfer-Encoding: base64\r\n\r\nQUI=\r\n"
	"--a\r\nContent-Type: text/plain\r\n\r\nplain\r\n--a--\r\nepi\r\n";

static const struct {
	const char *msg, *section;
	enum decode_result want;
	const char *out;
	size_t out_len;
} cases[] = {
	{ "MIME-Version: 1.0\r\nContent-Transfer-Encoding: base64\r\n\r\n"
	  "AGE=\r\n", "1", DECODE_OK, "\0a", 2 },
	{ "MIME-Version: 1.0\r\nContent-Transfer-Encoding: base64\r\n\r\n"
	  "AGE=\r\n", "", DECODE_OK, "MIME-Version: 1.0\r\n"
	  "Content-Transfer-Encoding: binary\r\n\r\n\0a", 58 },
	/* bare LFs: CRLF before decoding (RFC 3516 6) */
	{ "MIME-Version: 1.0\nContent-Transfer-Encoding: quoted-printable\n"
	  "\na=\nb\nc\n", "1", DECODE_OK, "ab\r\nc\r\n", 7 },
	/* not MIME: the encoding field means nothing (RFC 2045 4) */
	{ "Content-Transfer-Encoding: base64\r\n\r\nAGE=\r\n", "1",
	  DECODE_OK, "AGE=\r\n", 6 },
	{ "MIME-Version: 1.0\r\nContent-Transfer-Encoding: x-foo\r\n\r\n"
	  "a\r\n", "1", DECODE_UNKNOWN, NULL, 0 },
	{ "MIME-Version: 1.0\r\nContent-Transfer-Encoding: base64\r\n\r\n"
	  "A*E=\r\n", "1", DECODE_INVALID, NULL, 0 },
	{ multi, "1", DECODE_OK, "x=y", 3 },
	{ multi, "2", DECODE_OK, "Subject: in\r\nMIME-Version: 1.0\r\n"
	  "Content-Transfer-Encoding: binary\r\n\r\nAB", 71 },
	{ multi, "2.1", DECODE_OK, "AB", 2 },
	{ multi, "3", DECODE_OK, "plain", 5 },
	{ multi, "4", DECODE_OK, "", 0 },
	{ multi, "", DECODE_OK,
	  "Subject: m\r\nMIME-Version: 1.0\r\n"
	  "Content-Type: multipart/mixed; boundary=a\r\n\r\n"
	  "pre\r\n--a\r\nContent-Type: text/plain\r\nX-A: 1\r\n"
	  "Content-Transfer-Encoding: binary\r\n\r\n"
	  "x=y\r\n--a\r\nContent-Type: message/rfc822\r\n\r\n"
	  "Subject: in\r\nMIME-Version: 1.0\r\n"
	  "Content-Transfer-Encoding: binary\r\n\r\nAB\r\n"
	  "--a\r\nContent-Type: text/plain\r\n\r\nplain\r\n--a--\r\nepi\r\n",
	  0 },
};

START_TEST(sections)
{
	struct arena *a = arena_new(4096);
	struct section sec;
	const char *err;
	const char *msg = cases[_i].msg;
	struct mail_part *root;
	struct buf out;
	enum decode_result r;
	size_t want_len = cases[_i].out_len ? cases[_i].out_len :
		(cases[_i].out ? strlen(cases[_i].out) : 0);

	ck_assert_int_eq(section_parse(cases[_i].section, NULL, a, &sec,
				       &err), 0);
	root = mail_parse((const unsigned char *)msg, strlen(msg), a);
	buf_init(&out, 1 << 20);
	r = mail_binary(&sec, root, (const unsigned char *)msg, &out);
	ck_assert_msg(r == cases[_i].want, "case %d: got %d, want %d", _i,
		      r, cases[_i].want);
	if (r == DECODE_OK) {
		ck_assert_msg(out.len == want_len,
			      "case %d: got %zu bytes, want %zu", _i, out.len,
			      want_len);
		ck_assert_msg(out.len == 0 ||
			      memcmp(out.data, cases[_i].out, out.len) == 0,
			      "case %d: got %.*s", _i, (int)out.len,
			      (const char *)out.data);
	}
	buf_free(&out);
	arena_free(&a);
}
END_TEST

/* Every prefix of a message and every section parse without a crash. */
START_TEST(truncated)
{
	static const char *const secs[] = { "", "1", "2", "2.1", "3", "9" };
	struct arena *a = arena_new(4096);
	struct buf out;

	buf_init(&out, 1 << 20);
	for (size_t n = 0; n <= sizeof(multi) - 1; n++)
		for (size_t k = 0; k < sizeof(secs) / sizeof(secs[0]); k++) {
			struct section sec;
			const char *err;
			struct mail_part *root;

			section_parse(secs[k], NULL, a, &sec, &err);
			root = mail_parse((const unsigned char *)multi, n, a);
			buf_reset(&out);
			(void)mail_binary(&sec, root,
					  (const unsigned char *)multi, &out);
			arena_reset(a);
		}
	buf_free(&out);
	arena_free(&a);
}
END_TEST

static Suite *
binary_suite(void)
{
	Suite *s = suite_create("binary");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, sections, 0,
			    sizeof(cases) / sizeof(cases[0]));
	tcase_add_test(tc, truncated);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(binary_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
