/* tests/unit/check_renlog.c — store/renlog: our renames' events match in
 * the order made, with inotify's NUL padding; anything else (another
 * name, a TO before its FROM, an event past the end, a prefix of a
 * name) does not and leaves the log as it was; a long log wraps its
 * buffer many times without losing order; clear forgets. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/renlog.h"

static int
ev(struct renlog *l, int is_to, const char *name)
{
	return renlog_match(l, is_to, name, strlen(name));
}

START_TEST(in_order)
{
	struct renlog *l = renlog_new();

	ck_assert_int_eq(renlog_push(l, "1.M1P1.h:2,", "1.M1P1.h:2,S"), 0);
	ck_assert_int_eq(renlog_push(l, "2.M2P1.h:2,", "2.M2P1.h:2,S"), 0);
	ck_assert_uint_eq(renlog_pending(l), 2);
	ck_assert_int_eq(ev(l, 0, "1.M1P1.h:2,"), 1);
	ck_assert_int_eq(ev(l, 1, "1.M1P1.h:2,S"), 1);
	ck_assert_uint_eq(renlog_pending(l), 1);
	ck_assert_int_eq(ev(l, 0, "2.M2P1.h:2,"), 1);
	ck_assert_int_eq(ev(l, 1, "2.M2P1.h:2,S"), 1);
	ck_assert_uint_eq(renlog_pending(l), 0);
	/* nothing owed: any event is someone else's */
	ck_assert_int_eq(ev(l, 0, "1.M1P1.h:2,S"), 0);
	renlog_free(&l);
	ck_assert_ptr_null(l);
}
END_TEST

START_TEST(padding_is_not_name)
{
	struct renlog *l = renlog_new();
	char padded[32] = "a:2,";      /* inotify pads names with NULs */

	renlog_push(l, "a:2,", "a:2,F");
	ck_assert_int_eq(renlog_match(l, 0, padded, sizeof(padded)), 1);
	memset(padded, 0, sizeof(padded));
	strcpy(padded, "a:2,F");
	ck_assert_int_eq(renlog_match(l, 1, padded, 16), 1);
	ck_assert_uint_eq(renlog_pending(l), 0);
	renlog_free(&l);
}
END_TEST

START_TEST(others_do_not_match)
{
	struct renlog *l = renlog_new();

	renlog_push(l, "a:2,", "a:2,S");
	renlog_push(l, "b:2,", "b:2,S");
	/* the second rename's events before the first's */
	ck_assert_int_eq(ev(l, 0, "b:2,"), 0);
	/* TO before FROM */
	ck_assert_int_eq(ev(l, 1, "a:2,S"), 0);
	/* a prefix, a longer name, another name */
	ck_assert_int_eq(ev(l, 0, "a:2"), 0);
	ck_assert_int_eq(ev(l, 0, "a:2,S"), 0);
	ck_assert_int_eq(ev(l, 0, "c:2,"), 0);
	ck_assert_uint_eq(renlog_pending(l), 2);
	/* the log is as it was */
	ck_assert_int_eq(ev(l, 0, "a:2,"), 1);
	/* FROM twice */
	ck_assert_int_eq(ev(l, 0, "a:2,"), 0);
	ck_assert_int_eq(ev(l, 1, "a:2,"), 0);
	ck_assert_int_eq(ev(l, 1, "a:2,S"), 1);
	ck_assert_int_eq(ev(l, 0, "b:2,"), 1);
	ck_assert_int_eq(ev(l, 1, "b:2,S"), 1);
	renlog_free(&l);
}
END_TEST

START_TEST(bad_names_refused)
{
	struct renlog *l = renlog_new();
	char longname[300];

	memset(longname, 'x', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	ck_assert_int_eq(renlog_push(l, "", "a"), -1);
	ck_assert_int_eq(renlog_push(l, "a", ""), -1);
	ck_assert_int_eq(renlog_push(l, longname, "a"), -1);
	longname[255] = '\0';
	ck_assert_int_eq(renlog_push(l, longname, "a"), 0);
	ck_assert_uint_eq(renlog_pending(l), 1);
	ck_assert_int_eq(ev(l, 0, longname), 1);
	ck_assert_int_eq(ev(l, 1, "a"), 1);
	renlog_free(&l);
}
END_TEST

/* The k-th rename of long_log_in_slices. */
static void
nth(size_t k, char from[64], char to[80])
{
	snprintf(from, 64, "%zu.M%zuP9.host,S=%zu:2,", k, k, k * 7);
	snprintf(to, 80, "%.64s%s", from, k % 3 ? "S" : "FS");
}

/* A STORE of many messages read back in slices, as the watch does:
 * the buffer is reused and moved, the order stays. */
START_TEST(long_log_in_slices)
{
	struct renlog *l = renlog_new();
	char from[64], to[80];
	size_t pushed = 0, read = 0;

	for (int round = 0; round < 50; round++) {
		for (int i = 0; i < 700 + round; i++, pushed++) {
			nth(pushed, from, to);
			ck_assert_int_eq(renlog_push(l, from, to), 0);
		}
		/* a read stops anywhere, even between FROM and TO */
		for (; read + 3 < pushed; read++) {
			nth(read, from, to);
			ck_assert_msg(ev(l, 0, from) == 1, "FROM %zu", read);
			ck_assert_msg(ev(l, 1, to) == 1, "TO %zu", read);
		}
		nth(read, from, to);
		ck_assert_int_eq(ev(l, 0, from), 1);
		ck_assert_uint_eq(renlog_pending(l), pushed - read);
		ck_assert_int_eq(ev(l, 1, to), 1);
		read++;
	}
	ck_assert_uint_eq(renlog_pending(l), pushed - read);
	renlog_free(&l);
}
END_TEST

START_TEST(clear_forgets)
{
	struct renlog *l = renlog_new();
	char from[32], to[32];

	for (int i = 0; i < 5000; i++) {        /* past the kept size */
		snprintf(from, sizeof(from), "%d:2,", i);
		snprintf(to, sizeof(to), "%d:2,S", i);
		renlog_push(l, from, to);
	}
	ck_assert_int_eq(ev(l, 0, "0:2,"), 1);
	renlog_clear(l);
	ck_assert_uint_eq(renlog_pending(l), 0);
	ck_assert_int_eq(ev(l, 1, "0:2,S"), 0);
	ck_assert_int_eq(ev(l, 0, "1:2,"), 0);
	renlog_push(l, "x:2,", "x:2,T");
	ck_assert_int_eq(ev(l, 0, "x:2,"), 1);
	ck_assert_int_eq(ev(l, 1, "x:2,T"), 1);
	renlog_free(&l);
}
END_TEST

static Suite *
renlog_suite(void)
{
	Suite *s = suite_create("renlog");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, in_order);
	tcase_add_test(tc, padding_is_not_name);
	tcase_add_test(tc, others_do_not_match);
	tcase_add_test(tc, bad_names_refused);
	tcase_add_test(tc, long_log_in_slices);
	tcase_add_test(tc, clear_forgets);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(renlog_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
