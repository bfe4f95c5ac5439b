/* tests/unit/check_charset.c — conversion to UTF-8 and case folding. */
#include <check.h>
#include <stdio.h>
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

/* charset_ascii_safe's promise, which lets SEARCH look for an ASCII
 * needle in text not converted: converting the whole gives the same as
 * converting each run of ASCII and of other bytes alone (nothing
 * composes across runs), the ASCII runs unchanged, the others as bytes
 * of 0x80 and above; and C4 B0 (U+0130) comes out only when it went
 * in. */
#define C4B0 "\xc4\xb0"

static void
check_ascii_safe(const char *cs, const unsigned char *in, size_t len)
{
	struct buf whole, runs, one;
	size_t bad = len;       /* Check logs each assertion: one at the end */

	buf_init(&whole, 4 * len);
	buf_init(&runs, 4 * len);
	buf_init(&one, 4 * len);
	ck_assert_int_eq(charset_to_utf8(cs, in, len, &whole), 0);
	for (size_t i = 0, j; i < len && bad == len; i = j) {
		int ascii = in[i] < 0x80;

		for (j = i; j < len && (in[j] < 0x80) == ascii; j++)
			;
		buf_reset(&one);
		if (charset_to_utf8(cs, in + i, j - i, &one) < 0 ||
		    (ascii && (one.len != j - i ||
			       memcmp(one.data, in + i, j - i) != 0)))
			bad = i;
		for (size_t k = 0; !ascii && k < one.len; k++)
			if (one.data[k] < 0x80)
				bad = i;
		if (one.len >= 2 && memmem(one.data, one.len, C4B0, 2) != NULL &&
		    memmem(in + i, j - i, C4B0, 2) == NULL)
			bad = i;
		(void)buf_append(&runs, one.data, one.len);
	}
	ck_assert_msg(bad == len, "%s: the run at %zu gave wrong bytes", cs,
		      bad);
	ck_assert_msg(whole.len == runs.len &&
		      memcmp(whole.data, runs.data, runs.len) == 0,
		      "%s: converts across runs", cs);
	buf_free(&whole);
	buf_free(&runs);
	buf_free(&one);
}

START_TEST(ascii_safe)
{
	static const char *const unsafe[] = {
		"ISO-8859-3", "iso-8859-9", "windows-1254", "windows-1255",
		"windows-1258", "UTF-7", "UTF-16", "ISO-2022-JP",
	};
	unsigned char *in = malloc(256 * 2 + 128 * 128 * 2 + 1);
	size_t n = 0;
	char name[32];
	int nsafe = 0;

	/* Every byte after a letter (an accent after it may compose), then
	 * every pair of bytes from 0x80 on, then a letter. */
	for (unsigned b = 0; b < 256; b++) {
		in[n++] = 'a';
		in[n++] = (unsigned char)b;
	}
	for (unsigned a = 0x80; a < 256; a++)
		for (unsigned b = 0x80; b < 256; b++) {
			in[n++] = (unsigned char)a;
			in[n++] = (unsigned char)b;
		}
	in[n++] = 'a';
	for (int i = 0; i < 2 + 16 + 9; i++) {
		if (i < 2)
			strcpy(name, i == 0 ? "UTF-8" : "us-ascii");
		else if (i < 18)
			snprintf(name, sizeof(name), "iso-8859-%d", i - 1);
		else
			snprintf(name, sizeof(name), "windows-%d", 1250 + i - 18);
		if (charset_ascii_safe(name) != 1)
			continue;
		nsafe++;
		check_ascii_safe(name, in, n);
	}
	ck_assert_int_ge(nsafe, 10);
	for (size_t i = 0; i < sizeof(unsafe) / sizeof(unsafe[0]); i++)
		ck_assert_int_ne(charset_ascii_safe(unsafe[i]), 1);
	free(in);
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
	tcase_add_test(tc, ascii_safe);
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
