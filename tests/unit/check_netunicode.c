/* tests/unit/check_netunicode.c — store/netunicode: which UTF-8 names are
 * in Normalization Form C. The cases were checked against Python's
 * unicodedata.is_normalized("NFC", ...), which the tables come from;
 * each says why it is or is not NFC. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "store/netunicode.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const struct {
	const char *s;
	int nfc;
	const char *why;
} cases[] = {
	{ "INBOX", 1, "ASCII" },
	{ "", 1, "empty" },
	{ "Entw\xc3\xbc" "rfe", 1, "precomposed u-umlaut" },
	{ "Entwu\xcc\x88rfe", 0, "u + combining diaeresis composes" },
	{ "q\xcc\x81", 1, "q + acute: no precomposed form" },
	{ "\xc3\xa9\xcc\xa3", 0, "e-acute + dot below: dot goes first" },
	{ "\xe1\xba\xb9\xcc\x81", 1, "e-dot-below + acute: NFC of the above" },
	{ "\xe1\xbb\x87", 1, "e-circumflex-dot-below precomposed" },
	{ "a\xcc\x81\xcc\xa3", 0, "marks out of canonical order" },
	{ "\xe2\x84\xab", 0, "ANGSTROM SIGN, a singleton" },
	{ "\xc3\x85", 1, "A-ring, what it maps to" },
	{ "\xe0\xa5\x98", 0, "DEVANAGARI QA, composition exclusion" },
	{ "\xe0\xa4\x95\xe0\xa4\xbc", 1, "KA + NUKTA stays decomposed" },
	{ "\xed\x95\x9c\xea\xb5\xad", 1, "Hangul syllables" },
	{ "\xe1\x84\x92\xe1\x85\xa1\xe1\x86\xab", 0, "Hangul jamo L V T" },
	{ "\xea\xb0\x80\xe1\x86\xa8", 0, "Hangul LV + T composes" },
	{ "\xe3\x81\x8b\xe3\x82\x99", 0, "KA + voiced mark composes" },
	{ "\xe3\x81\x8c", 1, "GA precomposed" },
	{ "\xcd\x84", 0, "COMBINING GREEK DIALYTIKA TONOS decomposes" },
	{ "\xf0\x9f\x98\x80", 1, "an emoji" },
};

START_TEST(nfc_cases)
{
	const char *s = cases[_i].s;
	int got = netunicode_is_nfc(s, strlen(s));

	ck_assert_msg(got == cases[_i].nfc, "case %d (%s): got %d, want %d",
		      _i, cases[_i].why, got, cases[_i].nfc);
}
END_TEST

START_TEST(truncated_is_not_nfc)
{
	ck_assert_msg(netunicode_is_nfc("a\xc3", 2) == 0,
		      "truncated UTF-8: got 1, want 0");
}
END_TEST

static Suite *
netunicode_suite(void)
{
	Suite *s = suite_create("netunicode");
	TCase *tc = tcase_create("nfc");

	tcase_add_loop_test(tc, nfc_cases, 0, N(cases));
	tcase_add_test(tc, truncated_is_not_nfc);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(netunicode_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
