/* tests/unit/check_decode.c — mail/decode: base64 and quoted-printable
 * (RFC 2045 6.7, 6.8) strict for BINARY (RFC 3516) and lenient for
 * SEARCH. The strict cases were verified with Dovecot 2.3.19: BINARY[1]
 * of a single-part message with the body given here (which includes
 * the CRLF before the end). */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "mail/decode.h"
#include "util/buf.h"

#define OK DECODE_OK
#define INVALID DECODE_INVALID
#define UNKNOWN DECODE_UNKNOWN

static const struct {
	const char *enc, *in;
	enum decode_result want;
	const char *out;        /* for DECODE_OK */
	size_t out_len;
} strict_cases[] = {
	/* verified with Dovecot 2.3.19 */
	{ "quoted-printable", "a=4a=4Ab\r\n", OK, "aJJb\r\n", 6 },
	{ "quoted-printable", "tr  \r\nx=\r\ny\r\n", OK, "tr\r\nxy\r\n", 8 },
	{ "quoted-printable", "a= \r\nb\r\n", OK, "ab\r\n", 4 },
	{ "quoted-printable", "end=\r\n", OK, "end", 3 },
	{ "quoted-printable", "a=ZZb\r\n", INVALID, NULL, 0 },
	{ "quoted-printable", "a=4\r\n", INVALID, NULL, 0 },
	{ "quoted-printable", "caf=C3=A9 =\r\n\r\n", OK, "caf\xc3\xa9 \r\n", 8 },
	{ "quoted-printable", "a\tb\t\r\nc\r\n", OK, "a\tb\r\nc\r\n", 8 },
	{ "quoted-printable", "=41=\r\n\r\n", OK, "A\r\n", 3 },
	{ "quoted-printable", "x =\r\n\r\n", OK, "x \r\n", 4 },
	{ "quoted-printable", "a=\nb\r\n", OK, "ab\r\n", 4 },
	{ "quoted-printable", "=4=41\r\n", INVALID, NULL, 0 },
	{ "base64", "QUJD\r\nRA==\r\n", OK, "ABCD", 4 },
	{ "base64", "QUJ\r\n", INVALID, NULL, 0 },
	{ "base64", "QUJD=\r\n", INVALID, NULL, 0 },
	{ "base64", "QU*JD\r\n", INVALID, NULL, 0 },
	{ "base64", "QUJD RA==\r\n", OK, "ABCD", 4 },
	{ "base64", "QQ==QUJD\r\n", INVALID, NULL, 0 },
	{ "base64", "QQ= =\r\n", OK, "A", 1 },
	{ "base64", "QQ\r\n", INVALID, NULL, 0 },
	{ "base64", "QUI=\r\n", OK, "AB", 2 },
	{ "base64", "\r\n", OK, "", 0 },
	{ "x-uuencode", "abc\r\n", UNKNOWN, NULL, 0 },
	{ "BASE64", "QUJD\r\n", OK, "ABC", 3 },
	{ "7BIT", "a=ZZ\r\n", OK, "a=ZZ\r\n", 6 },
	{ "binary", "x\r\n", OK, "x\r\n", 3 },
	{ "base64", "QUJD\r\nRA==\r\n\r\n\r\n", OK, "ABCD", 4 },
	{ "base64", "Q U J D\r\n", OK, "ABC", 3 },
	{ "base64", "QUJD\r\n=\r\n", INVALID, NULL, 0 },
	{ "base64", "=\r\n", INVALID, NULL, 0 },
	/* RFC 2045 6.8 and 6.7 examples and corners */
	{ NULL, "plain\n", OK, "plain\n", 6 },
	{ "8bit", "\xff\x80z", OK, "\xff\x80z", 3 },
	{ "base64", "AAEC/w==", OK, "\x00\x01\x02\xff", 4 },
	{ "base64", "+/+/", OK, "\xfb\xff\xbf", 3 },
	{ "quoted-printable", "Now's the time =\r\nfor all folk", OK,
	  "Now's the time for all folk", 27 },
	{ "quoted-printable", "=3D=0D=0A", OK, "=\r\n", 3 },
	{ "quoted-printable", "8-bit \xe9 passes", OK, "8-bit \xe9 passes", 14 },
	{ "quoted-printable", "trailing   ", OK, "trailing", 8 },
	{ "quoted-printable", "=", OK, "", 0 },
};

START_TEST(strict)
{
	struct buf out;
	enum decode_result r;

	buf_init(&out, 1 << 16);
	r = decode_body(strict_cases[_i].enc,
			(const unsigned char *)strict_cases[_i].in,
			strlen(strict_cases[_i].in), 1, &out);
	ck_assert_msg(r == strict_cases[_i].want,
		      "%s '%s': got result %d, want %d",
		      strict_cases[_i].enc, strict_cases[_i].in, r,
		      strict_cases[_i].want);
	if (r == DECODE_OK)
		ck_assert_msg(out.len == strict_cases[_i].out_len &&
			      (out.len == 0 || memcmp(out.data,
				strict_cases[_i].out, out.len) == 0),
			      "%s '%s': got {%zu} '%.*s', want {%zu} '%s'",
			      strict_cases[_i].enc, strict_cases[_i].in,
			      out.len, (int)out.len, out.data ? (char *)out.data : "",
			      strict_cases[_i].out_len, strict_cases[_i].out);
	buf_free(&out);
}
END_TEST

/* Lenient mode (SEARCH) never fails on bad data and decodes what it can. */
static const struct {
	const char *enc, *in, *out;
} lenient_cases[] = {
	{ "quoted-printable", "a=ZZb", "a=ZZb" },
	{ "quoted-printable", "a=4", "a=4" },
	{ "quoted-printable", "=4=41", "=4A" },
	{ "base64", "QU*JD", "ABC" },
	{ "base64", "QUJ", "AB" },
	{ "base64", "QQ", "A" },
	{ "base64", "QQ==QUJD", "A" },
	{ "base64", "QUJD=", "ABC" },
	{ "base64", "Q", "" },
};

START_TEST(lenient)
{
	struct buf out;
	enum decode_result r;

	buf_init(&out, 1 << 16);
	r = decode_body(lenient_cases[_i].enc,
			(const unsigned char *)lenient_cases[_i].in,
			strlen(lenient_cases[_i].in), 0, &out);
	ck_assert_msg(r == DECODE_OK, "%s '%s': got result %d, want OK",
		      lenient_cases[_i].enc, lenient_cases[_i].in, r);
	ck_assert_msg(strcmp(buf_str(&out), lenient_cases[_i].out) == 0,
		      "%s '%s': got '%s', want '%s'", lenient_cases[_i].enc,
		      lenient_cases[_i].in, buf_str(&out),
		      lenient_cases[_i].out);
	buf_free(&out);
}
END_TEST

START_TEST(overflow)
{
	static const char *const encs[] = { NULL, "base64", "quoted-printable" };
	static const char *const ins[] = { "0123456789abc", "QUJDREVGR0hJSktM",
					   "=41=42=43=44=45=46=47=48=49=4A=4B" };
	struct buf out;

	for (int i = 0; i < 3; i++) {
		buf_init(&out, 4);
		enum decode_result r = decode_body(encs[i],
			(const unsigned char *)ins[i], strlen(ins[i]), 1, &out);
		ck_assert_msg(r == DECODE_OVERFLOW, "%s: got %d, want OVERFLOW",
			      encs[i] ? encs[i] : "7bit", r);
		buf_free(&out);
	}
}
END_TEST

/* Random bytes in every encoding and mode: no crash, lenient never fails,
 * and strict success implies the same output as lenient. */
START_TEST(random_bytes)
{
	static const char *const encs[] = { "base64", "quoted-printable" };
	static const char alphabet[] = "AZaz09+/= \r\n=\t*QUJD%";
	unsigned long seed = 12345;
	unsigned char in[200];
	struct buf s, l;

	for (int round = 0; round < 4000; round++) {
		size_t n = (seed = seed * 1103515245 + 12345) % sizeof(in);
		for (size_t i = 0; i < n; i++) {
			seed = seed * 1103515245 + 12345;
			in[i] = (seed >> 16) % 4 == 0 ? (unsigned char)(seed >> 8) :
				(unsigned char)alphabet[(seed >> 8) %
							(sizeof(alphabet) - 1)];
		}
		for (int e = 0; e < 2; e++) {
			buf_init(&s, 1 << 16);
			buf_init(&l, 1 << 16);
			enum decode_result rs = decode_body(encs[e], in, n, 1, &s);
			enum decode_result rl = decode_body(encs[e], in, n, 0, &l);
			ck_assert_msg(rl == DECODE_OK, "lenient: got %d, want OK",
				      rl);
			if (rs == DECODE_OK)
				ck_assert_msg(s.len == l.len && (s.len == 0 ||
					      memcmp(s.data, l.data, s.len) == 0),
					      "%s round %d: strict {%zu} and "
					      "lenient {%zu} differ", encs[e],
					      round, s.len, l.len);
			buf_free(&s);
			buf_free(&l);
		}
	}
}
END_TEST

static Suite *
decode_suite(void)
{
	Suite *s = suite_create("decode");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, strict, 0,
			    sizeof(strict_cases) / sizeof(strict_cases[0]));
	tcase_add_loop_test(tc, lenient, 0,
			    sizeof(lenient_cases) / sizeof(lenient_cases[0]));
	tcase_add_test(tc, overflow);
	tcase_add_test(tc, random_bytes);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(decode_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
