/* tests/unit/check_objectid.c — the pure parts of imap/objectid: the
 * save date read from a Maildir base name (RFC 8514), EMAILIDs (RFC 8474
 * 5.1: the same bytes and INTERNALDATE give the same id, any difference
 * another, in the objectid syntax of 7) and objectid validation. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "imap/objectid.h"

START_TEST(name_time)
{
	static const struct {
		const char *name;
		long long want;
	} cases[] = {
		{ "1700000000.M1P2.host", 1700000000 },
		{ "1700000000.M1P2.host:2,S", 1700000000 },
		{ "1.x", 1 },
		{ "999999999999.x", 999999999999LL },
		{ "9999999999999.x", -1 },      /* 13 digits: no time */
		{ "1700000000", -1 },           /* no dot */
		{ "host.1700000000", -1 },
		{ ".1700000000", -1 },
		{ "", -1 },
		{ "17000x0000.M1", -1 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		long long got = (long long)objectid_name_time(cases[i].name);

		ck_assert_msg(got == cases[i].want, "%s: got %lld, want %lld",
			      cases[i].name, got, cases[i].want);
	}
}
END_TEST

START_TEST(emailid)
{
	const unsigned char *a = (const unsigned char *)"Subject: a\r\n\r\nx";
	const unsigned char *b = (const unsigned char *)"Subject: a\r\n\r\ny";
	char id1[OBJECTID_EMAILID_LEN + 1], id2[OBJECTID_EMAILID_LEN + 1];

	objectid_emailid(a, strlen((const char *)a), 1000, id1);
	ck_assert_int_eq(strlen(id1), OBJECTID_EMAILID_LEN);
	ck_assert_msg(id1[0] == 'M', "got %s, want M...", id1);
	ck_assert(objectid_valid((const unsigned char *)id1, strlen(id1)));
	objectid_emailid(a, strlen((const char *)a), 1000, id2);
	ck_assert_str_eq(id1, id2);
	/* Another INTERNALDATE, other bytes, no bytes: other ids. */
	objectid_emailid(a, strlen((const char *)a), 1001, id2);
	ck_assert_str_ne(id1, id2);
	objectid_emailid(b, strlen((const char *)b), 1000, id2);
	ck_assert_str_ne(id1, id2);
	objectid_emailid(a, 0, 1000, id2);
	ck_assert_str_ne(id1, id2);
	/* The date and the bytes do not run together: "10" + "0x" is not
	 * "100" + "x". */
	objectid_emailid((const unsigned char *)"0x", 2, 10, id1);
	objectid_emailid((const unsigned char *)"x", 1, 100, id2);
	ck_assert_str_ne(id1, id2);
}
END_TEST

START_TEST(valid)
{
	char big[300];

	ck_assert(objectid_valid((const unsigned char *)"M1", 2));
	ck_assert(objectid_valid((const unsigned char *)"a-b_C9", 6));
	ck_assert(!objectid_valid((const unsigned char *)"", 0));
	ck_assert(!objectid_valid((const unsigned char *)"a.b", 3));
	ck_assert(!objectid_valid((const unsigned char *)"a b", 3));
	ck_assert(!objectid_valid((const unsigned char *)"a\0b", 3));
	memset(big, 'x', sizeof(big));
	ck_assert(objectid_valid((const unsigned char *)big, 255));
	ck_assert(!objectid_valid((const unsigned char *)big, 256));
}
END_TEST

static Suite *
objectid_suite(void)
{
	Suite *s = suite_create("objectid");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, name_time);
	tcase_add_test(tc, emailid);
	tcase_add_test(tc, valid);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(objectid_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
