/* tests/unit/check_date.c — RFC 5322 dates and the IMAP date forms. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "mail/date.h"

static const struct {
	const char *in;
	time_t want;
	int tz;
} good[] = {
	{ "Fri, 21 Nov 1997 09:55:06 -0600", 880127706, -360 },
	{ "21 Nov 1997 09:55:06 -0600", 880127706, -360 },
	{ "Thu,\r\n 13\r\n  Feb\r\n 1969\r\n 23:32\r\n -0330 (Newfoundland Time)",
	  -27723480, -210 },
	{ "Mon, 3 Feb 2020 14:05:12 +0000", 1580738712, 0 },
	{ "Mon, 3 Feb 20 14:05:12 GMT", 1580738712, 0 },
	{ "3 Feb 99 14:05 EST", 918068700, -300 },
	{ "3 Feb 120 14:05:12 UT", 1580738712, 0 },         /* 3 digits */
	{ "Mon (comment), 03 feb 2020 14:05:12 Z", 1580738712, 0 },
	{ "Mon, 3 Feb 2020 14:05:12 A", 1580738712, 0 },    /* military */
	{ "Xyz, 3 Feb 2020 14:05:12 PDT", 1580763912, -420 },
	{ "3 February 2020 14:05:12", 1580738712, 0 },      /* no zone */
	{ "Mon, 29 Feb 2016 23:59:60 +0100", 1456786800, 60 },
};

static const char *const bad[] = {
	"", "Mon,", "32 Jan 2020 10:00:00 +0000", "1 Foo 2020 10:00 +0000",
	"1 Jan 2020", "1 Jan 2020 25:00 +0000", "1 Jan 2020 10:61 +0000",
	"1 Jan 2020 10:00 +99", "1 Jan 2020 10:00 +0099", "(unterminated",
};

START_TEST(rfc5322_good)
{
	time_t t;
	int tz;
	const char *s = good[_i].in;

	ck_assert_msg(date_parse_rfc5322(s, strlen(s), &t, &tz) == 0,
		      "'%s' rejected, want accepted", s);
	ck_assert_msg(tz == good[_i].tz, "'%s': got zone %d, want %d", s, tz,
		      good[_i].tz);
	ck_assert_msg(t == good[_i].want, "'%s': got %lld, want %lld", s,
		      (long long)t, (long long)good[_i].want);
}
END_TEST

START_TEST(rfc5322_appendix_a)
{
	/* RFC 5322 A.5: 1969-02-13 23:32 -0330 = 1969-02-14 03:02:00 UTC */
	const char *s = good[2].in;
	time_t t;
	int tz;

	ck_assert_int_eq(date_parse_rfc5322(s, strlen(s), &t, &tz), 0);
	ck_assert_msg(t == -27723480, "got %lld, want -27723480", (long long)t);
}
END_TEST

START_TEST(rfc5322_bad)
{
	time_t t;
	int tz;

	ck_assert_msg(date_parse_rfc5322(bad[_i], strlen(bad[_i]), &t, &tz) < 0,
		      "'%s' accepted, want rejected", bad[_i]);
}
END_TEST

START_TEST(rfc5322_not_terminated)
{
	static const char s[] = { '1', ' ', 'J', 'a', 'n', ' ', '2', '0' };
	time_t t;
	int tz;

	ck_assert_int_lt(date_parse_rfc5322(s, sizeof(s), &t, &tz), 0);
}
END_TEST

START_TEST(imap_date_time)
{
	time_t t;
	int tz;
	char out[27];

	ck_assert_int_eq(date_parse_imap("17-Jul-1996 02:44:25 -0700", &t, &tz), 0);
	ck_assert_msg(t == 837596665 && tz == -420, "got %lld %d", (long long)t, tz);
	date_format_imap(t, tz, out);
	ck_assert_msg(strcmp(out, "17-Jul-1996 02:44:25 -0700") == 0, "got %s", out);
	ck_assert_int_eq(date_parse_imap(" 7-jul-1996 02:44:25 +0000", &t, &tz), 0);
	date_format_imap(t, tz, out);
	/* zero-padded day, as Dovecot 2.3.19 sends INTERNALDATE */
	ck_assert_msg(strcmp(out, "07-Jul-1996 02:44:25 +0000") == 0, "got %s", out);
	ck_assert_int_lt(date_parse_imap("7-Jul-1996 02:44 +0000", &t, &tz), 0);
	ck_assert_int_lt(date_parse_imap("17-Jul-1996 02:44:25", &t, &tz), 0);
	ck_assert_int_lt(date_parse_imap("17-Jul-96 02:44:25 +0000", &t, &tz), 0);
	ck_assert_int_lt(date_parse_imap("17-Jul-1996 02:44:25 +0000x", &t, &tz), 0);
	date_format_imap(0, 330, out);
	ck_assert_msg(strcmp(out, "01-Jan-1970 05:30:00 +0530") == 0, "got %s", out);
}
END_TEST

START_TEST(imap_day)
{
	time_t t;

	ck_assert_int_eq(date_parse_imap_day("1-Feb-1994", &t), 0);
	ck_assert_msg(t == 760060800, "got %lld, want 760060800", (long long)t);
	ck_assert_int_eq(date_parse_imap_day("01-FEB-1994", &t), 0);
	ck_assert_int_lt(date_parse_imap_day("1-Feb-1994 ", &t), 0);
	ck_assert_int_lt(date_parse_imap_day("1-Fex-1994", &t), 0);
	ck_assert_int_lt(date_parse_imap_day("", &t), 0);
}
END_TEST

static Suite *
date_suite(void)
{
	Suite *s = suite_create("date");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, rfc5322_good, 0, sizeof(good) / sizeof(good[0]));
	tcase_add_test(tc, rfc5322_appendix_a);
	tcase_add_loop_test(tc, rfc5322_bad, 0, sizeof(bad) / sizeof(bad[0]));
	tcase_add_test(tc, rfc5322_not_terminated);
	tcase_add_test(tc, imap_date_time);
	tcase_add_test(tc, imap_day);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(date_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
