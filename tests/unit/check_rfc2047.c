/* tests/unit/check_rfc2047.c — encoded-words, with the examples of
 * RFC 2047 section 8. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "mail/rfc2047.h"

static const struct {
	const char *in, *want;
} cases[] = {
	/* RFC 2047 8 */
	{ "=?US-ASCII?Q?Keith_Moore?= <moore@cs.utk.edu>",
	  "Keith Moore <moore@cs.utk.edu>" },
	{ "=?ISO-8859-1?Q?Keld_J=F8rn_Simonsen?= <keld@dkuug.dk>",
	  "Keld J\303\270rn Simonsen <keld@dkuug.dk>" },
	{ "=?ISO-8859-1?Q?Andr=E9?= Pirard <PIRARD@vm1.ulg.ac.be>",
	  "Andr\303\251 Pirard <PIRARD@vm1.ulg.ac.be>" },
	{ "=?ISO-8859-1?B?SWYgeW91IGNhbiByZWFkIHRoaXMgeW8=?=\r\n"
	  " =?ISO-8859-2?B?dSB1bmRlcnN0YW5kIHRoZSBleGFtcGxlLg==?=",
	  "If you can read this you understand the example." },
	{ "(=?ISO-8859-1?Q?a?=)", "(a)" },
	{ "(=?ISO-8859-1?Q?a?= b)", "(a b)" },
	{ "(=?ISO-8859-1?Q?a?= =?ISO-8859-1?Q?b?=)", "(ab)" },
	{ "(=?ISO-8859-1?Q?a?=  =?ISO-8859-1?Q?b?=)", "(ab)" },
	{ "(=?ISO-8859-1?Q?a?=\r\n    =?ISO-8859-1?Q?b?=)", "(ab)" },
	{ "(=?ISO-8859-1?Q?a_b?=)", "(a b)" },
	{ "(=?ISO-8859-1?Q?a?= =?ISO-8859-2?Q?_b?=)", "(a b)" },
	/* RFC 2231 5: language suffix */
	{ "=?US-ASCII*EN?Q?Keith_Moore?=", "Keith Moore" },
	/* lenient: inside quotes and words, lower-case encoding */
	{ "\"=?utf-8?b?SsO2cmc=?=\" <j@x>", "\"J\303\266rg\" <j@x>" },
	{ "x=?utf-8?q?=C3=A4?=y", "x\303\244y" },
	/* malformed words stay */
	{ "=?utf-8?x?abc?=", "=?utf-8?x?abc?=" },
	{ "=?utf-8?q?no end", "=?utf-8?q?no end" },
	{ "=??q?a?=", "=??q?a?=" },
	{ "=?utf-8?q?a b?=", "=?utf-8?q?a b?=" },
	{ "=?utf-8?q?bad=ZZ?=", "bad=ZZ" },
	{ "=?utf-8?b?!!!?=", "" },
	/* plain text: folding removed, 8-bit validated */
	{ "plain\r\n text \377", "plain text \357\277\275" },
	{ "=?koi8-r?b?8NLJ18XU?=", "\320\237\321\200\320\270\320\262\320\265\321\202" },
};

START_TEST(decode)
{
	struct buf b;

	buf_init(&b, 1000);
	ck_assert_int_eq(rfc2047_decode(cases[_i].in, strlen(cases[_i].in), &b), 0);
	ck_assert_msg(strcmp(buf_str(&b), cases[_i].want) == 0,
		      "'%s': got '%s', want '%s'", cases[_i].in, buf_str(&b),
		      cases[_i].want);
	buf_free(&b);
}
END_TEST

START_TEST(overflow)
{
	struct buf b;

	buf_init(&b, 3);
	ck_assert_int_eq(rfc2047_decode("=?utf-8?q?abcdef?=", 18, &b), -1);
	buf_free(&b);
}
END_TEST

START_TEST(random_never_crash)
{
	static const char alphabet[] = "=?QqBb_-uft8*\r\n \t\377AZ09+/";
	char in[200];
	unsigned seed = 7;
	struct buf b;

	buf_init(&b, 1 << 16);
	for (int round = 0; round < 20000; round++) {
		size_t len;

		seed = seed * 1103515245u + 12345u;
		len = (seed >> 16) % sizeof(in);
		for (size_t i = 0; i < len; i++) {
			seed = seed * 1103515245u + 12345u;
			in[i] = alphabet[(seed >> 16) % (sizeof(alphabet) - 1)];
		}
		buf_reset(&b);
		ck_assert_int_eq(rfc2047_decode(in, len, &b), 0);
	}
	buf_free(&b);
}
END_TEST

static Suite *
rfc2047_suite(void)
{
	Suite *s = suite_create("rfc2047");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, decode, 0, sizeof(cases) / sizeof(cases[0]));
	tcase_add_test(tc, overflow);
	tcase_add_test(tc, random_never_crash);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(rfc2047_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
