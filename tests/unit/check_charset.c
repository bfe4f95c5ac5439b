/* tests/unit/check_charset.c — conversion to UTF-8 and case folding. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "mail/charset.h"

static void
conv(const char *cs, const char *in, size_t len, const char *want)
{
	struct buf b;

	buf_init(&b, 1000);
	ck_assert_int_eq(charset_to_utf8(cs, (const unsigned char *)in, len, &b), 0);
	ck_assert_msg(strcmp(buf_str(&b), want) == 0, "%s: got '%s', want '%s'",
		      cs, buf_str(&b), want);
	buf_free(&b);
}

START_TEST(convert)
{
	conv("ISO-8859-1", "Gr\374\337e", 5, "Gr\303\274\303\237e");
	conv("latin1", "\374", 1, "\303\274");
	conv("windows-1252", "\200", 1, "\342\202\254");
	conv("UTF8", "ok\303\274", 4, "ok\303\274");
	conv("utf-8", "a\377b\300\200c\355\240\200", 9,
	     "a\357\277\275b\357\277\275\357\277\275c"
	     "\357\277\275\357\277\275\357\277\275");
	conv("us-ascii", "a\351", 2, "a\357\277\275");
	conv("x-no-such-charset", "a\303\251", 3, "a\303\251");
	conv("ks_c_5601-1987", "\260\241", 2, "\352\260\200");
	conv("gb2312", "\304\343", 2, "\344\275\240");
	/* cut off in the middle of a character */
	conv("Shift_JIS", "a\202", 2, "a\357\277\275");
	conv("utf-8", "a\0b", 3, "a");  /* NUL kept, C string view stops */
}
END_TEST

START_TEST(known)
{
	ck_assert_int_eq(charset_known("UTF-8"), 1);
	ck_assert_int_eq(charset_known("iso-8859-15"), 1);
	ck_assert_int_eq(charset_known("ks_c_5601-1987"), 1);
	ck_assert_int_eq(charset_known("x-no-such-charset"), 0);
}
END_TEST

START_TEST(cache_reuse)
{
	/* more charsets than cache slots, many times over */
	static const char *const cs[] = {
		"iso-8859-1", "iso-8859-2", "iso-8859-5", "koi8-r", "cp1251",
		"iso-8859-7", "cp1250", "iso-8859-15", "big5", "euc-jp",
	};
	struct buf b;

	buf_init(&b, 1 << 20);
	for (int i = 0; i < 1000; i++)
		ck_assert_int_eq(charset_to_utf8(cs[i % 10],
				 (const unsigned char *)"abc", 3, &b), 0);
	ck_assert_int_eq(b.len, 3000);
	buf_free(&b);
}
END_TEST

START_TEST(overflow)
{
	struct buf b;

	buf_init(&b, 2);
	ck_assert_int_eq(charset_to_utf8("iso-8859-1",
			 (const unsigned char *)"\374\374", 2, &b), -1);
	buf_free(&b);
}
END_TEST

static void
fold(const char *in, const char *want)
{
	struct buf b;

	buf_init(&b, 1000);
	ck_assert_int_eq(charset_fold((const unsigned char *)in, strlen(in), &b), 0);
	ck_assert_msg(strcmp(buf_str(&b), want) == 0, "got '%s', want '%s'",
		      buf_str(&b), want);
	buf_free(&b);
}

START_TEST(folding)
{
	fold("HeLLo 123", "hello 123");
	fold("\303\204\303\226\303\234\303\237\303\227", "\303\244\303\266\303\274\303\237\303\227");
	fold("\305\201\303\223D\305\271", "\305\202\303\263d\305\272");   /* ŁÓDŹ */
	fold("\304\260\305\270", "i\303\277");                     /* İŸ */
	fold("\316\221", "\316\221");           /* Greek: unchanged */
	fold("a\377", "a\357\277\275");
}
END_TEST

static Suite *
charset_suite(void)
{
	Suite *s = suite_create("charset");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, convert);
	tcase_add_test(tc, known);
	tcase_add_test(tc, cache_reuse);
	tcase_add_test(tc, overflow);
	tcase_add_test(tc, folding);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(charset_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
