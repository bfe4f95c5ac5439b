/* tests/unit/check_basesubject.c — base subject extraction (RFC 5256
 * 2.1) step by step, with the reply/forward flag REFERENCES uses. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "mail/basesubject.h"

static const struct {
	const char *in, *want;
	int reply;
} cases[] = {
	/* plain */
	{ "", "", 0 },
	{ "Hello", "Hello", 0 },
	{ "   ", "", 0 },
	/* (1) white space: tabs, continuations, runs */
	{ "a\tb", "a b", 0 },
	{ "a  \t  b", "a b", 0 },
	{ "a\r\n b", "a b", 0 },
	{ "a\r\n\tb", "a b", 0 },
	{ "=?UTF-8?Q?Re=3A_caf=C3=A9?=", "caf\303\251", 1 },
	{ "=?ISO-8859-1?Q?Caf=E9?= cr\303\250me", "Caf\303\251 cr\303\250me", 0 },
	{ "Re: =?UTF-8?B?R3LDvMOf?=", "Gr\303\274\303\237", 1 },
	/* (2) subj-trailer: "(fwd)" and WSP, repeated */
	{ "Hello (fwd)", "Hello", 1 },
	{ "Hello (FWD)", "Hello", 1 },
	{ "Hello(fwd)", "Hello", 1 },
	{ "Hello (fwd) (fwd)  ", "Hello", 1 },
	{ "Hello (fwd)x", "Hello (fwd)x", 0 },
	{ "(fwd)", "", 1 },
	{ "Hello   ", "Hello", 0 },
	/* (3) subj-leader: re, fw, fwd, blobs before, a blob inside */
	{ "Re: Hello", "Hello", 1 },
	{ "RE: Hello", "Hello", 1 },
	{ "re:Hello", "Hello", 1 },
	{ "Re : Hello", "Hello", 1 },
	{ "Fw: Hello", "Hello", 1 },
	{ "FWD: Hello", "Hello", 1 },
	{ "fwd:Hello", "Hello", 1 },
	{ "Re: Re: RE: fw: Hello", "Hello", 1 },
	{ "Re[2]: Hello", "Hello", 1 },
	{ "Re [2]: Hello", "Hello", 1 },
	{ "Re [2] : Hello", "Hello", 1 },   /* the blob takes its WSP */
	{ "Re [2] x: Hello", "Re [2] x: Hello", 0 },
	{ "[list] Re: Hello", "Hello", 1 },
	{ "[a][b] Re: Hello", "Hello", 1 },
	{ "Fwdx: Hello", "Fwdx: Hello", 0 },
	{ "Reply: Hello", "Reply: Hello", 0 },
	{ "Re Hello", "Re Hello", 0 },
	{ "Re:", "", 1 },
	{ "  Re:  Hello", "Hello", 1 },
	{ "Aw: Hello", "Aw: Hello", 0 },      /* no translations (7) */
	/* (4) a subj-blob, unless the base would be empty */
	{ "[list] Hello", "Hello", 0 },
	{ "[list]Hello", "Hello", 0 },
	{ "[list]", "[list]", 0 },
	{ "[list]   ", "[list]", 0 },
	{ "[a] [b]", "[b]", 0 },
	{ "[a] [b] c", "c", 0 },
	{ "[a] Re: [b] Re: c", "c", 1 },
	{ "[unclosed Hello", "[unclosed Hello", 0 },
	{ "[a[b] Hello", "[a[b] Hello", 0 },
	{ "[] Hello", "Hello", 0 },
	{ "Re: [list]", "[list]", 1 },
	/* (5) (3) and (4) repeated */
	{ "[x] Re: [y] Fwd: [z] Hello", "Hello", 1 },
	/* (6) "[fwd:" ... "]" and again from (2) */
	{ "[fwd: Hello]", "Hello", 1 },
	{ "[Fwd: Hello]", "Hello", 1 },
	{ "[FWD:Hello]", "Hello", 1 },
	{ "[fwd: Re: Hello] (fwd)", "Hello", 1 },
	{ "Re: [fwd: Re: x] (fwd)", "x", 1 },
	{ "Re: [fwd: Re: [fwd: [list] Re: x (fwd)]]", "x", 1 },
	{ "[fwd: Hello", "[fwd: Hello", 0 },
	{ "[fwd:]", "", 1 },
	/* (4) comes before (6): "[fwd: a] " is a blob */
	{ "[fwd: a] b]", "b]", 0 },
	{ "[fwd: Hello] x", "x", 0 },
	{ "[fwd: [list]]", "[list]", 1 },
	{ "Fwd: [fwd: Hello ]   ", "Hello", 1 },
	/* not artifacts */
	{ "Hello re: world", "Hello re: world", 0 },
	{ "Hello [x]", "Hello [x]", 0 },
	{ "(fwd) Hello", "(fwd) Hello", 0 },
	{ "Reminder", "Reminder", 0 },
	{ "Fwx: a", "Fwx: a", 0 },
	/* case is kept, comparison is the caller's */
	{ "rE: HeLLo", "HeLLo", 1 },
};

START_TEST(extract)
{
	struct buf b;
	int reply = -1;

	buf_init(&b, 4096);
	ck_assert_int_eq(basesubject_get(cases[_i].in, strlen(cases[_i].in),
					 &b, &reply), 0);
	ck_assert_msg(strcmp(buf_str(&b), cases[_i].want) == 0,
		      "'%s': got '%s', want '%s'", cases[_i].in, buf_str(&b),
		      cases[_i].want);
	ck_assert_msg(reply == cases[_i].reply, "'%s': reply got %d, want %d",
		      cases[_i].in, reply, cases[_i].reply);
	buf_free(&b);
}
END_TEST

START_TEST(null_reply_and_overflow)
{
	struct buf b;

	buf_init(&b, 3);
	ck_assert_int_eq(basesubject_get("Re: ab", 6, &b, NULL), 0);
	ck_assert_str_eq(buf_str(&b), "ab");
	buf_reset(&b);
	ck_assert_int_eq(basesubject_get("Re: abcd", 8, &b, NULL), -1);
	buf_free(&b);
}
END_TEST

START_TEST(random_never_crash)
{
	static const char alphabet[] = "[]():ReFwd \tx\r\n=?";
	char s[40];
	struct buf b;

	buf_init(&b, 1024);
	srand(5256);
	for (int n = 0; n < 200000; n++) {
		size_t len = (size_t)(rand() % (int)sizeof(s));

		for (size_t i = 0; i < len; i++)
			s[i] = alphabet[rand() % (int)(sizeof(alphabet) - 1)];
		buf_reset(&b);
		ck_assert_int_eq(basesubject_get(s, len, &b, NULL), 0);
		ck_assert(b.len <= len);
	}
	buf_free(&b);
}
END_TEST

static Suite *
basesubject_suite(void)
{
	Suite *s = suite_create("basesubject");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, extract, 0, sizeof(cases) / sizeof(cases[0]));
	tcase_add_test(tc, null_reply_and_overflow);
	tcase_add_test(tc, random_never_crash);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(basesubject_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
