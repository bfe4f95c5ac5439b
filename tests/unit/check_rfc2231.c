/* tests/unit/check_rfc2231.c — extended parameter values (RFC 2231). */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "mail/rfc2231.h"

static void
expect(const char *name, const char *value, const char *want)
{
	struct buf b;

	buf_init(&b, 4096);
	ck_assert_int_eq(rfc2231_decode(name, value, &b), 0);
	ck_assert_msg(strcmp(buf_str(&b), want) == 0,
		      "%s=%s: got \"%s\", want \"%s\"", name, value,
		      buf_str(&b), want);
	buf_free(&b);
}

START_TEST(rfc_examples)
{
	/* RFC 2231 section 4 and 5. */
	expect("title*", "us-ascii'en-us'This%20is%20%2A%2A%2Afun%2A%2A%2A",
	       "This is ***fun***");
	expect("title*", "us-ascii'en'This%20is%20even%20more%20",
	       "This is even more ");
}
END_TEST

START_TEST(charsets)
{
	expect("filename*", "utf-8''Gr%C3%BC%C3%9Fe.pdf", "Grüße.pdf");
	expect("filename*", "UTF-8''%E2%82%AC", "€");
	expect("filename*", "iso-8859-1'de'Gr%FC%DFe", "Grüße");
	expect("filename*", "windows-1252''%80uro", "€uro");
	expect("name*", "''plain", "plain");
}
END_TEST

START_TEST(broken_forms)
{
	/* Not extended: kept as written. */
	expect("filename", "a%20b.txt", "a%20b.txt");
	/* No quotes: percent-decoded UTF-8. */
	expect("filename*", "a%20b", "a b");
	/* Bad escapes are kept. */
	expect("filename*", "utf-8''100%", "100%");
	expect("filename*", "utf-8''%zz%4", "%zz%4");
	/* Invalid UTF-8 becomes U+FFFD, never a failure. */
	expect("filename*", "utf-8''%FF", "\xef\xbf\xbd");
	/* An unknown charset is read as UTF-8. */
	expect("filename*", "x-unknown''ok%21", "ok!");
	expect("filename*", "", "");
}
END_TEST

START_TEST(overflow)
{
	struct buf b;

	buf_init(&b, 4);
	ck_assert_int_eq(rfc2231_decode("x*", "utf-8''abcdefgh", &b), -1);
	buf_free(&b);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("rfc2231");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, rfc_examples);
	tcase_add_test(tc, charsets);
	tcase_add_test(tc, broken_forms);
	tcase_add_test(tc, overflow);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
