/* tests/unit/check_log.c — util/log: log_word, which makes a user name
 * one word that a log parser (and fail2ban) cannot be fooled by. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "util/log.h"

#define EXPECT_STR(got, want) do {					\
	const char *got_ = (got), *want_ = (want);			\
	ck_assert_msg(strcmp(got_, want_) == 0,				\
		      "%s: got '%s', want '%s'", #got, got_, want_);	\
} while (0)

static const struct {
	const char *in, *want;
} words[] = {
	{ "alice", "alice" },
	{ "alice@example.org", "alice@example.org" },
	{ "", "" },
	{ "j doe", "j%20doe" },
	{ "x> rip=10.9.8.7", "x%3E%20rip=10.9.8.7" },
	{ "<\"%\\>", "%3C%22%25%5C%3E" },
	{ "tab\there\r\n", "tab%09here%0D%0A" },
	{ "caf\xc3\xa9", "caf%C3%A9" },
	{ "\x7f~!", "%7F~!" },
};

START_TEST(escapes)
{
	char out[LOG_WORD_MAX];

	EXPECT_STR(log_word(words[_i].in, out, sizeof(out)), words[_i].want);
}
END_TEST

/* Cut before an escape, never inside one; always NUL-terminated. */
START_TEST(small_buffer)
{
	char out[6];

	EXPECT_STR(log_word("abcdefgh", out, sizeof(out)), "abcde");
	EXPECT_STR(log_word("abc def", out, sizeof(out)), "abc");
	EXPECT_STR(log_word("ab def", out, sizeof(out)), "ab%20");
	EXPECT_STR(log_word("   ", out, 3), "");
}
END_TEST

/* The longest user name fits escaped whole. */
START_TEST(longest_name_fits)
{
	char name[256], out[LOG_WORD_MAX];

	memset(name, ' ', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	log_word(name, out, sizeof(out));
	ck_assert_msg(strlen(out) == 3 * 255, "got %zu bytes, want %d",
		      strlen(out), 3 * 255);
}
END_TEST

static Suite *
log_suite(void)
{
	Suite *s = suite_create("log");
	TCase *tc = tcase_create("word");

	tcase_add_loop_test(tc, escapes, 0, sizeof(words) / sizeof(words[0]));
	tcase_add_test(tc, small_buffer);
	tcase_add_test(tc, longest_name_fits);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(log_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
