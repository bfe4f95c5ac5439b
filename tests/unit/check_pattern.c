/* tests/unit/check_pattern.c — LIST/LSUB patterns (RFC 3501 6.3.8):
 * "*" and "%", the reference, INBOX without case, and patterns built to
 * make a backtracking matcher crawl. */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store/pattern.h"

static int
m(const char *ref, const char *pat, char sep, const char *name)
{
	struct pattern *p = pattern_new(ref, pat, sep);
	int r;

	ck_assert_msg(p != NULL, "pattern_new(%s, %s): got NULL, want one",
		      ref, pat);
	r = pattern_match(p, name);
	pattern_free(&p);
	return r;
}

#define MATCH(ref, pat, name, want) \
	ck_assert_msg(m(ref, pat, '/', name) == (want), \
		      "\"%s\" + \"%s\" vs \"%s\": got %d, want %d", ref, pat, \
		      name, !(want), (want))

START_TEST(star_and_percent)
{
	MATCH("", "*", "A", 1);
	MATCH("", "*", "A/B/C", 1);
	MATCH("", "%", "A", 1);
	MATCH("", "%", "A/B", 0);
	MATCH("", "A/%", "A/B", 1);
	MATCH("", "A/%", "A/B/C", 0);
	MATCH("", "A/*", "A/B/C", 1);
	MATCH("", "A/*", "A", 0);
	MATCH("", "A*", "A", 1);
	MATCH("", "A*", "AB/C", 1);
	MATCH("", "A%", "AB/C", 0);
	MATCH("", "%/%", "A/B", 1);
	MATCH("", "%/%", "A/B/C", 0);
	MATCH("", "*/C", "A/B/C", 1);
	MATCH("", "%/C", "A/B/C", 0);
	MATCH("", "a%c", "abc", 1);
	MATCH("", "a%c", "ac", 1);
	MATCH("", "a%c", "a/c", 0);
	MATCH("", "foo", "foo", 1);
	MATCH("", "foo", "foobar", 0);
	MATCH("", "foo", "Foo", 0);
	MATCH("", "", "", 1);
	MATCH("", "", "A", 0);
	MATCH("", "%*%", "A/B", 1);
	MATCH("", "*%", "A/B", 1);
}
END_TEST

/* RFC 3501 6.3.8: "archive/" + "%" is "archive/%"; Dovecot 2.3 joins
 * reference and pattern by concatenation (LIST "M" "/S" lists M/S). */
START_TEST(reference)
{
	MATCH("archive/", "%", "archive/2024", 1);
	MATCH("archive/", "%", "archive/2024/x", 0);
	MATCH("archive/", "%", "archive", 0);
	MATCH("M", "/S", "M/S", 1);
	MATCH("M", "S", "M/S", 0);
	MATCH("M", "S", "MS", 1);
	MATCH("M", "%", "M", 1);
	MATCH("x", "INBOX", "INBOX", 0);
}
END_TEST

/* RFC 3501 5.1 and 6.3.8: INBOX is case-insensitive, also as the first
 * level (Dovecot lists INBOX/x for "inbox/%" and INBOX for "inb*"). */
START_TEST(inbox_case)
{
	MATCH("", "inbox", "INBOX", 1);
	MATCH("", "InBoX", "INBOX", 1);
	MATCH("", "inbox/%", "INBOX/x", 1);
	MATCH("", "inb*", "INBOX", 1);
	MATCH("", "In%/%", "INBOX/x", 1);
	MATCH("", "inboxes", "INBOXES", 0);
	MATCH("", "inbox*", "INBOXES", 0);
	MATCH("", "INBOX/X", "INBOX/x", 0);
}
END_TEST

/* RFC 3501 6.3.9 with "." as the separator. */
START_TEST(news_example)
{
	ck_assert_int_eq(m("#news.", "comp.mail.*", '.',
			   "#news.comp.mail.mime"), 1);
	ck_assert_int_eq(m("#news.", "comp.%", '.', "#news.comp.mail.misc"), 0);
	ck_assert_int_eq(m("#news.", "comp.%", '.', "#news.comp.mail"), 1);
}
END_TEST

START_TEST(percent_flag)
{
	struct pattern *p = pattern_new("", "A/*", '/');

	ck_assert_int_eq(pattern_has_percent(p), 0);
	pattern_free(&p);
	p = pattern_new("A/", "%", '/');
	ck_assert_int_eq(pattern_has_percent(p), 1);
	pattern_free(&p);
	ck_assert_ptr_null(p);
}
END_TEST

/* A backtracking glob needs ages for this; the state set needs
 * microseconds. */
START_TEST(no_blowup)
{
	char pat[200], name[1100];
	struct pattern *p;
	clock_t t0 = clock();
	size_t i;

	for (i = 0; i < 60; i++)
		memcpy(pat + 2 * i, "*a", 2);
	strcpy(pat + 120, "*b");
	memset(name, 'a', 1024);
	name[1024] = '\0';
	p = pattern_new("", pat, '/');
	for (i = 0; i < 100; i++)
		ck_assert_int_eq(pattern_match(p, name), 0);
	pattern_free(&p);
	ck_assert_msg(clock() - t0 < 5 * CLOCKS_PER_SEC,
		      "100 matches took %ld ticks, want under 5 s",
		      (long)(clock() - t0));
}
END_TEST

START_TEST(too_long)
{
	char *big = malloc(PATTERN_MAX_LEN + 2);

	memset(big, '%', PATTERN_MAX_LEN + 1);
	big[PATTERN_MAX_LEN + 1] = '\0';
	ck_assert_ptr_null(pattern_new("", big, '/'));
	big[PATTERN_MAX_LEN] = '\0';
	{
		struct pattern *p = pattern_new("", big, '/');

		ck_assert_ptr_nonnull(p);
		ck_assert_int_eq(pattern_match(p, "abc"), 1);
		pattern_free(&p);
	}
	free(big);
}
END_TEST

START_TEST(tree_order)
{
	ck_assert_int_lt(pattern_tree_cmp("A", "A/x", '/'), 0);
	ck_assert_int_lt(pattern_tree_cmp("A/x", "A b", '/'), 0);
	ck_assert_int_lt(pattern_tree_cmp("A/x", "A-b", '/'), 0);
	ck_assert_int_gt(pattern_tree_cmp("B", "A/x", '/'), 0);
	ck_assert_int_eq(pattern_tree_cmp("A/x", "A/x", '/'), 0);
}
END_TEST

static Suite *
pattern_suite(void)
{
	Suite *s = suite_create("pattern");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, star_and_percent);
	tcase_add_test(tc, reference);
	tcase_add_test(tc, inbox_case);
	tcase_add_test(tc, news_example);
	tcase_add_test(tc, percent_flag);
	tcase_add_test(tc, no_blowup);
	tcase_add_test(tc, too_long);
	tcase_add_test(tc, tree_order);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(pattern_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
