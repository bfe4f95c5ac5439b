/* tests/unit/check_filename.c — store/filename: flags, keywords and sizes
 * in Maildir file names, as Dovecot and Courier write them. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/filename.h"

#define EXPECT_INT(got, want) do {					\
	long long got_ = (got), want_ = (want);				\
	ck_assert_msg(got_ == want_, "%s: got %lld, want %lld",		\
		      #got, got_, want_);				\
} while (0)

#define EXPECT_STR(got, want) do {					\
	const char *got_ = (got), *want_ = (want);			\
	ck_assert_msg(strcmp(got_, want_) == 0,				\
		      "%s: got '%s', want '%s'", #got, got_, want_);	\
} while (0)

#define KW(c) (UINT32_C(1) << ((c) - 'a'))

/* Observed with Dovecot 2.3.19: APPEND (\Seen $Forwarded $Junk NonJunk)
 * with dovecot-keywords "0 $Forwarded", "1 $Junk", "2 NonJunk". */
START_TEST(dovecot_appended)
{
	struct mfilename m;
	const char *n = "1795617671.M294119P26724.vm,S=3,W=4:2,Sabc";

	mfilename_parse(n, &m);
	EXPECT_INT(m.base_len, strlen("1795617671.M294119P26724.vm,S=3,W=4"));
	EXPECT_INT(m.has_info, 1);
	EXPECT_INT(m.flags, MF_SEEN);
	EXPECT_INT(m.keywords, KW('a') | KW('b') | KW('c'));
	EXPECT_INT(m.size, 3);
	EXPECT_INT(m.vsize, 4);
	EXPECT_STR(m.unknown, "");
}
END_TEST

/* Observed with Dovecot 2.3.19: \Answered \Flagged \Draft \Deleted \Seen
 * NonJunk $Label1. */
START_TEST(dovecot_all_flags)
{
	struct mfilename m;
	char out[256];
	const char *n = "1795617671.M581224P26724.vm,S=2,W=3:2,DFRSTcd";

	mfilename_parse(n, &m);
	EXPECT_INT(m.flags, MF_DRAFT | MF_FLAGGED | MF_ANSWERED | MF_SEEN |
		   MF_DELETED);
	EXPECT_INT(m.keywords, KW('c') | KW('d'));
	EXPECT_INT(mfilename_build(n, m.base_len, m.flags, m.keywords,
				   m.unknown, out, sizeof(out)),
		   (long long)strlen(n));
	EXPECT_STR(out, n);
}
END_TEST

START_TEST(no_info_and_empty_info)
{
	struct mfilename m;

	/* a fresh delivery in new/, Courier's form with V and I */
	mfilename_parse("1234567890.M20046P2137V0000000000000803I00000042"
			".mailserver,S=4542", &m);
	EXPECT_INT(m.has_info, 0);
	EXPECT_INT(m.flags, 0);
	EXPECT_INT(m.size, 4542);
	EXPECT_INT(m.vsize, -1);
	/* observed with Dovecot 2.3.19: APPEND without flags */
	mfilename_parse("1795617671.M889707P26724.vm,S=2,W=3:2,", &m);
	EXPECT_INT(m.has_info, 1);
	EXPECT_INT(m.flags, 0);
	EXPECT_INT(m.keywords, 0);
	/* a qmail name without sizes */
	mfilename_parse("1035478339.27041_118.foo.org", &m);
	EXPECT_INT(m.size, -1);
	EXPECT_INT(m.base_len, strlen("1035478339.27041_118.foo.org"));
}
END_TEST

START_TEST(sizes_as_dovecot_reads_them)
{
	struct mfilename m;

	/* dovecot-maildir-notes.txt's example */
	mfilename_parse("1035478339.27041_118.foo.org,S=1000,W=1030:2,S", &m);
	EXPECT_INT(m.size, 1000);
	EXPECT_INT(m.vsize, 1030);
	/* W before S, and fields in the middle of the base */
	mfilename_parse("1.M1P1.host,W=20,X=1,S=19", &m);
	EXPECT_INT(m.size, 19);
	EXPECT_INT(m.vsize, 20);
	/* digits followed by junk: the first ",S=" decides, no size */
	mfilename_parse("1.M1P1.host,S=12x,S=13:2,", &m);
	EXPECT_INT(m.size, -1);
	/* absurdly long number */
	mfilename_parse("1.host,S=99999999999999999999999:2,", &m);
	EXPECT_INT(m.size, -1);
}
END_TEST

START_TEST(info_variants)
{
	struct mfilename m;

	/* experimental info: no flags */
	mfilename_parse("1700000001.M1P1.vm:1,xyz", &m);
	EXPECT_INT(m.has_info, 0);
	EXPECT_INT(m.keywords, 0);
	EXPECT_INT(m.base_len, strlen("1700000001.M1P1.vm"));
	/* unknown letters and non-standard fields */
	mfilename_parse("1700000000.M1P1.vm,S=2:2,P1ZSz,foo", &m);
	EXPECT_INT(m.flags, MF_PASSED | MF_SEEN);
	EXPECT_INT(m.keywords, KW('z'));
	EXPECT_STR(m.unknown, "1Z");
	EXPECT_INT(m.size, 2);
}
END_TEST

START_TEST(build_sorted)
{
	char out[256];
	int n;

	n = mfilename_build("1.M2P3.h", 8, MF_SEEN | MF_PASSED | MF_DRAFT,
			    KW('b') | KW('a') | KW('z'), "", out, sizeof(out));
	EXPECT_STR(out, "1.M2P3.h:2,DPSabz");
	EXPECT_INT(n, 17);
	/* unknown letters merge in ASCII order */
	mfilename_build("x", 1, MF_FLAGGED | MF_SEEN | MF_DELETED, KW('c'),
			"1EZ", out, sizeof(out));
	EXPECT_STR(out, "x:2,1EFSTZc");
	/* and a trailing ",..." is kept verbatim */
	mfilename_build("x", 1, MF_SEEN, 0, "Z,foo=bar", out, sizeof(out));
	EXPECT_STR(out, "x:2,SZ,foo=bar");
	/* base_len shorter than the string */
	mfilename_build("abc:2,S", 3, 0, 0, NULL, out, sizeof(out));
	EXPECT_STR(out, "abc:2,");
}
END_TEST

START_TEST(build_too_long)
{
	char base[300], out[512], small[8];

	memset(base, 'x', sizeof(base));
	EXPECT_INT(mfilename_build(base, 252, MF_SEEN, 0, "", out,
				   sizeof(out)), -1);
	EXPECT_INT(mfilename_build(base, 252, 0, 0, "", out, sizeof(out)),
		   255);
	EXPECT_INT(mfilename_build("abcdef", 6, MF_SEEN, 0, "", small,
				   sizeof(small)), -1);
	EXPECT_STR(small, "");
}
END_TEST

/* Observed with Dovecot 2.3.19: STORE +FLAGS (\Flagged $Forwarded),
 * $Forwarded being letter a, renamed
 *   1700000000.M1P1.vm,S=2:2,P1ZSz,foo -> ...:2,FP1SZaz,foo
 *   1700000001.M1P1.vm:1,xyz           -> ...:2,Fa
 *   1700000002.M1P1.vm,S=2:2,PS        -> ...:2,FPSa
 * Dovecot 2.3 does not know P and leaves it where it stood among the
 * unknown letters; we know it and put it in its ASCII place, so for the
 * unsorted first name we write "1FPSZaz" (same flags, sorted). */
START_TEST(set_flags_like_dovecot)
{
	char out[256];

	mfilename_set_flags("1700000000.M1P1.vm,S=2:2,P1ZSz,foo",
			    MF_FLAGGED | MF_PASSED | MF_SEEN,
			    KW('a') | KW('z'), out, sizeof(out));
	EXPECT_STR(out, "1700000000.M1P1.vm,S=2:2,1FPSZaz,foo");
	/* sorted unknown letters: the same as Dovecot's merge */
	mfilename_set_flags("1700000000.M1P1.vm:2,1SZz,foo", MF_FLAGGED,
			    KW('a') | KW('z'), out, sizeof(out));
	EXPECT_STR(out, "1700000000.M1P1.vm:2,1FZaz,foo");
	mfilename_set_flags("1700000001.M1P1.vm:1,xyz", MF_FLAGGED, KW('a'),
			    out, sizeof(out));
	EXPECT_STR(out, "1700000001.M1P1.vm:2,Fa");
	mfilename_set_flags("1700000002.M1P1.vm,S=2:2,PS",
			    MF_FLAGGED | MF_PASSED | MF_SEEN, KW('a'), out,
			    sizeof(out));
	EXPECT_STR(out, "1700000002.M1P1.vm,S=2:2,FPSa");
	/* new/ name without info */
	mfilename_set_flags("1700000003.M5P6.vm,S=9,W=10", 0, 0, out,
			    sizeof(out));
	EXPECT_STR(out, "1700000003.M5P6.vm,S=9,W=10:2,");
}
END_TEST

START_TEST(new_base_unique)
{
	char a[256], b[256], host[256], want[300];
	struct mfilename m;
	int n;

	n = mfilename_new_base(2041, 2093, a, sizeof(a));
	ck_assert_msg(n > 0, "got %d, want a length", n);
	EXPECT_INT(n, strlen(a));
	mfilename_parse(a, &m);
	EXPECT_INT(m.size, 2041);
	EXPECT_INT(m.vsize, 2093);
	EXPECT_INT(m.has_info, 0);
	ck_assert_msg(strchr(a, '/') == NULL && strchr(a, ':') == NULL,
		      "got '%s', want no '/' or ':'", a);
	gethostname(host, sizeof(host));
	if (strpbrk(host, "/:") == NULL) {
		snprintf(want, sizeof(want), "P%ld.%s,S=2041,W=2093",
			 (long)getpid(), host);
		ck_assert_msg(strstr(a, want) != NULL, "got '%s', want '%s'",
			      a, want);
	}
	ck_assert_msg(strstr(a, ".M") != NULL, "got '%s', want .M", a);
	for (int i = 0; i < 1000; i++) {
		mfilename_new_base(-1, -1, b, sizeof(b));
		ck_assert_msg(strcmp(a, b) != 0 && strstr(b, ",S=") == NULL,
			      "got '%s' after '%s'", b, a);
		ck_assert_msg(mfilename_sort_cmp(a, b) < 0,
			      "got '%s' not after '%s'", b, a);
		strcpy(a, b);
	}
	EXPECT_INT(mfilename_new_base(1, 1, a, 10), -1);
}
END_TEST

START_TEST(sort_like_dovecot)
{
	/* seconds numerically, then microseconds, then the base */
	ck_assert_int_lt(mfilename_sort_cmp("999.M5P1.h", "1000.M1P1.h"), 0);
	ck_assert_int_lt(mfilename_sort_cmp("1000.M9P1.h:2,S",
					    "1000.M10P1.h"), 0);
	ck_assert_int_eq(mfilename_sort_cmp("1000.M9P1.h:2,S",
					    "1000.M9P1.h:2,T"), 0);
	ck_assert_int_lt(mfilename_sort_cmp("1000.M9P1.a", "1000.M9P1.b"), 0);
	ck_assert_int_gt(mfilename_sort_cmp("1000.2_1.h", "1000.10_1.h"), 0);
}
END_TEST

static Suite *
filename_suite(void)
{
	Suite *s = suite_create("filename");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, dovecot_appended);
	tcase_add_test(tc, dovecot_all_flags);
	tcase_add_test(tc, no_info_and_empty_info);
	tcase_add_test(tc, sizes_as_dovecot_reads_them);
	tcase_add_test(tc, info_variants);
	tcase_add_test(tc, build_sorted);
	tcase_add_test(tc, build_too_long);
	tcase_add_test(tc, set_flags_like_dovecot);
	tcase_add_test(tc, new_base_unique);
	tcase_add_test(tc, sort_like_dovecot);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(filename_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
