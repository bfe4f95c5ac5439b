/* tests/unit/check_ctxset.c — imap/ctxset: sequence-sets in the
 * requested order (RFC 5267 3.2) and the ADDTO/REMOVEFROM items between
 * two result lists (4.3.3, 4.3.4), positioned and not. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "imap/ctxset.h"

static const char *
set(const uint32_t *v, size_t n)
{
	static char out[256];
	struct buf b;

	buf_init(&b, 4096);
	ctxset_write(&b, v, n);
	snprintf(out, sizeof(out), "%.*s", (int)b.len, (const char *)b.data);
	buf_free(&b);
	return out;
}

START_TEST(write_order)
{
	uint32_t a[] = { 23765, 23764, 23763, 23761 };
	uint32_t b[] = { 1, 2, 3, 5, 7, 8 };
	uint32_t c[] = { 13, 8, 15, 17, 5, 6, 9, 10 };
	uint32_t d[] = { 4294967294U, 4294967295U, 1 };

	ck_assert_str_eq(set(a, 4), "23765,23764,23763,23761");
	ck_assert_str_eq(set(b, 6), "1:3,5,7:8");
	ck_assert_str_eq(set(c, 8), "13,8,15,17,5:6,9:10");
	ck_assert_str_eq(set(d, 3), "4294967294:4294967295,1");
	ck_assert_str_eq(set(a, 0), "");
}
END_TEST

static const char *
diff(const uint32_t *o, size_t no, const uint32_t *n, size_t nn, int pos,
     int *wrote)
{
	static char out[512];
	struct buf b;

	buf_init(&b, 4096);
	*wrote = ctxset_diff(&b, o, o, no, n, n, nn, pos);
	snprintf(out, sizeof(out), "%.*s", (int)b.len, (const char *)b.data);
	buf_free(&b);
	return out;
}

START_TEST(diff_search)
{
	uint32_t o[] = { 2734, 2735 }, n[] = { 2731, 2732, 2733, 2734, 2735 };
	uint32_t o2[] = { 1, 2, 3, 9 }, n2[] = { 2, 4, 9, 10 };
	int w;

	ck_assert_str_eq(diff(o, 2, n, 5, 0, &w), " ADDTO (0 2731:2733)");
	ck_assert_int_eq(w, 1);
	ck_assert_str_eq(diff(o2, 4, n2, 4, 0, &w),
			 " REMOVEFROM (0 1,3) ADDTO (0 4,10)");
	ck_assert_str_eq(diff(o2, 4, o2, 4, 0, &w), "");
	ck_assert_int_eq(w, 0);
	ck_assert_str_eq(diff(o2, 4, n2, 0, 0, &w), " REMOVEFROM (0 1:3,9)");
}
END_TEST

START_TEST(diff_sort)
{
	/* 4.3.3's example: 2734:2735 becomes 2731:2735. */
	uint32_t o[] = { 2734, 2735 }, n[] = { 2731, 2732, 2733, 2734, 2735 };
	uint32_t o2[] = { 5, 3, 2, 1 }, n2[] = { 3, 1 };
	uint32_t o3[] = { 3 }, n3[] = { 5, 3, 2, 1 };
	uint32_t o4[] = { 1, 2, 3 }, n4[] = { 3, 2, 1 };
	int w;

	ck_assert_str_eq(diff(o, 2, n, 5, 1, &w), " ADDTO (1 2731:2733)");
	ck_assert_str_eq(diff(o2, 4, n2, 2, 1, &w),
			 " REMOVEFROM (1 5 2 2)");
	ck_assert_str_eq(diff(o3, 1, n3, 4, 1, &w),
			 " ADDTO (1 5 3 2,1)");
	ck_assert_str_eq(diff(n3, 4, o3, 1, 1, &w),
			 " REMOVEFROM (1 5 2 2,1)");
	/* Order changed: all out, all in. */
	ck_assert_str_eq(diff(o4, 3, n4, 3, 1, &w),
			 " REMOVEFROM (1 1:3) ADDTO (1 3,2,1)");
	ck_assert_str_eq(diff(o4, 3, o4, 3, 1, &w), "");
	ck_assert_int_eq(w, 0);
}
END_TEST

START_TEST(diff_numbers)
{
	/* Keys are UIDs, the client reads sequence numbers. */
	uint32_t o[] = { 10, 20, 30 }, oo[] = { 1, 2, 3 };
	uint32_t n[] = { 10, 30, 40 }, no[] = { 1, 2, 3 };
	struct buf b;

	buf_init(&b, 4096);
	ck_assert_int_eq(ctxset_diff(&b, o, oo, 3, n, no, 3, 0), 1);
	ck_assert_int_eq((int)b.len, (int)strlen(" REMOVEFROM (0 2) ADDTO "
						 "(0 3)"));
	ck_assert(memcmp(b.data, " REMOVEFROM (0 2) ADDTO (0 3)", b.len) == 0);
	buf_free(&b);
}
END_TEST

static Suite *
ctxset_suite(void)
{
	Suite *s = suite_create("ctxset");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, write_order);
	tcase_add_test(tc, diff_search);
	tcase_add_test(tc, diff_sort);
	tcase_add_test(tc, diff_numbers);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(ctxset_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
