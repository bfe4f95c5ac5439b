/* tests/unit/check_urlauth_keys.c — imap/urlauth_keys: the mailbox
 * access key table (RFC 4467 2.2) and INTERNAL tokens: made on first
 * use, stable, replaced by a reset, all gone after a reset of all, the
 * file 0600 and nothing else left behind, damaged lines dropped, and a
 * mailbox without a key never matching. */
#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "imap/urlauth_keys.h"

#define G1 "0123456789abcdef0123456789abcdef"
#define G2 "fedcba9876543210fedcba9876543210"
#define RUMP "imap://alice@h/INBOX/;uid=20;urlauth=anonymous"

static char dir[64];

static void
setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/check_urlauth.XXXXXX");
	ck_assert_ptr_ne(mkdtemp(dir), NULL);
}

static void
teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}

static int
token(const char *guid, int create, char *t)
{
	const char *err = NULL;
	int r = urlauth_keys_token(dir, guid, create, RUMP, strlen(RUMP), t,
				   &err);

	ck_assert_msg(r >= 0, "token: %s", err ? err : "?");
	return r;
}

static size_t
entries(void)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t n = 0;

	while ((e = readdir(d)) != NULL)
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

START_TEST(lifecycle)
{
	char a[URLAUTH_TOKEN_LEN + 1], b[URLAUTH_TOKEN_LEN + 1],
	     c[URLAUTH_TOKEN_LEN + 1], path[128];
	const char *err;
	struct stat st;

	/* No key yet: 1, and a token that is not the later one. */
	ck_assert_int_eq(token(G1, 0, a), 1);
	ck_assert_uint_eq(entries(), 0);
	ck_assert_int_eq(token(G1, 1, b), 0);
	ck_assert_uint_eq(strlen(b), URLAUTH_TOKEN_LEN);
	ck_assert(strncmp(b, "01", 2) == 0);
	ck_assert(!urlauth_token_equal(b, a));
	ck_assert_int_eq(token(G1, 0, c), 0);
	ck_assert_str_eq(b, c);
	ck_assert(urlauth_token_equal(b, c));
	snprintf(path, sizeof(path), "%s/%s", dir, URLAUTH_KEYS_FILE);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0600);
	ck_assert_uint_eq(entries(), 1);
	/* A second mailbox has a key of its own. */
	ck_assert_int_eq(token(G2, 1, a), 0);
	ck_assert_str_ne(a, b);
	/* A reset of G1 changes G1's token only. */
	ck_assert_int_eq(urlauth_keys_reset(dir, G1, &err), 0);
	ck_assert_int_eq(token(G1, 0, c), 0);
	ck_assert_str_ne(b, c);
	ck_assert_int_eq(token(G2, 0, b), 0);
	ck_assert_str_eq(a, b);
	ck_assert_uint_eq(entries(), 1);
	/* A reset of everything. */
	ck_assert_int_eq(urlauth_keys_reset(dir, NULL, &err), 0);
	ck_assert_int_eq(token(G1, 0, a), 1);
	ck_assert_int_eq(token(G2, 0, a), 1);
	/* A bad GUID is an error, not a key. */
	ck_assert_int_eq(urlauth_keys_token(dir, "../x", 1, RUMP, 5, a, &err),
			 -1);
	ck_assert_int_eq(urlauth_keys_token(dir, "", 1, RUMP, 5, a, &err), -1);
}
END_TEST

START_TEST(damaged)
{
	char a[URLAUTH_TOKEN_LEN + 1], b[URLAUTH_TOKEN_LEN + 1], path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, URLAUTH_KEYS_FILE);
	f = fopen(path, "w");
	fputs("garbage\n" G2 " 00112233445566778899aabbccddeeff\n"
	      G1 " 0011\n" "x y z\n" G1 " zz112233445566778899aabbccddeeff\n"
	      "no newline at the end", f);
	fclose(f);
	ck_assert_int_eq(token(G1, 0, a), 1);
	ck_assert_int_eq(token(G2, 0, a), 0);
	ck_assert_int_eq(token(G1, 1, b), 0);
	/* G2's key survived the rewrite. */
	ck_assert_int_eq(token(G2, 0, b), 0);
	ck_assert_str_eq(a, b);
}
END_TEST

START_TEST(compare)
{
	const char *t = "01aabbccddeeff00112233445566778899aabbccdd";

	ck_assert(urlauth_token_equal(t,
		  "01AABBCCDDEEFF00112233445566778899AABBCCDD"));
	ck_assert(!urlauth_token_equal(t,
		  "01aabbccddeeff00112233445566778899aabbccde"));
	ck_assert(!urlauth_token_equal(t, "01aabb"));
	ck_assert(!urlauth_token_equal(t, ""));
	ck_assert(!urlauth_token_equal(t,
		  "01aabbccddeeff00112233445566778899aabbccdd00"));
}
END_TEST

static Suite *
urlauth_keys_suite(void)
{
	Suite *s = suite_create("urlauth_keys");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, lifecycle);
	tcase_add_test(tc, damaged);
	tcase_add_test(tc, compare);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(urlauth_keys_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
