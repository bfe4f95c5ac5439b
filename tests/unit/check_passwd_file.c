/* tests/unit/check_passwd_file.c — passwd-file users: the hash schemes,
 * the file format, the entries refused for safety, and the time an unknown
 * user costs. Hashes are made here with libxcrypt, so the test needs no
 * fixtures. */
#include <check.h>
#include <crypt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "auth/passwd_file.h"

#define CHECK_INT(got, want)                                              \
	do {                                                              \
		long got_ = (long)(got), want_ = (long)(want);            \
		ck_assert_msg(got_ == want_, "%s: got %ld, want %ld",     \
			      #got, got_, want_);                         \
	} while (0)

#define CHECK_STR(got, want)                                              \
	do {                                                              \
		const char *got_ = (got), *want_ = (want);                \
		ck_assert_msg(got_ != NULL && strcmp(got_, want_) == 0,   \
			      "%s: got \"%s\", want \"%s\"", #got,        \
			      got_ ? got_ : "(null)", want_);             \
	} while (0)

static const char *
result_name(enum auth_result r)
{
	switch (r) {
	case AUTH_OK:
		return "AUTH_OK";
	case AUTH_FAILED:
		return "AUTH_FAILED";
	case AUTH_ERROR:
		return "AUTH_ERROR";
	}
	return "?";
}

#define CHECK_RES(got, want)                                              \
	do {                                                              \
		enum auth_result got_ = (got), want_ = (want);            \
		ck_assert_msg(got_ == want_, "%s: got %s, want %s (%s)",  \
			      #got, result_name(got_), result_name(want_), \
			      err ? err : "no message");                  \
	} while (0)

static char tmpdir[4096];
static char path[4096 + 32];
static struct auth_user user;
static const char *err;

static void
setup(void)
{
	const char *base = getenv("TMPDIR");

	snprintf(tmpdir, sizeof(tmpdir), "%s/skua-passwd-XXXXXX",
		 base != NULL && base[0] != '\0' ? base : "/tmp");
	ck_assert_msg(mkdtemp(tmpdir) != NULL, "mkdtemp %s failed", tmpdir);
	snprintf(path, sizeof(path), "%s/passwd", tmpdir);
	memset(&user, 0, sizeof(user));
	err = NULL;
}

static void
teardown(void)
{
	unlink(path);
	rmdir(tmpdir);
}

static void
write_file(const char *text)
{
	FILE *f = fopen(path, "w");

	ck_assert_msg(f != NULL, "cannot write %s", path);
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
}

/* A fresh crypt(3) hash of password with the scheme prefix given. */
static const char *
make_hash(const char *prefix, const char *password)
{
	static char out[CRYPT_OUTPUT_SIZE];
	char salt[CRYPT_GENSALT_OUTPUT_SIZE];
	struct crypt_data *data = calloc(1, sizeof(*data));
	const char *hash;

	ck_assert(data != NULL);
	ck_assert_msg(crypt_gensalt_rn(prefix, 0, NULL, 0, salt,
				       sizeof(salt)) != NULL,
		      "crypt_gensalt_rn(%s) failed", prefix);
	hash = crypt_rn(password, salt, data, sizeof(*data));
	ck_assert_msg(hash != NULL, "crypt_rn(%s) failed", salt);
	snprintf(out, sizeof(out), "%s", hash);
	free(data);
	return out;
}

static enum auth_result
check(const char *name, const char *password)
{
	return passwd_file_check(path, name, password, &user, &err);
}

/* err must be "<path>:<line>: <reason>". */
static void
check_line_error(int line, const char *reason)
{
	char want[sizeof(path) + 128];

	snprintf(want, sizeof(want), "%s:%d: %s", path, line, reason);
	CHECK_STR(err, want);
}

START_TEST(plain_scheme)
{
	write_file("alice:{PLAIN}secret:1000:1001::/home/alice::\n");
	CHECK_RES(check("alice", "secret"), AUTH_OK);
	CHECK_STR(user.name, "alice");
	CHECK_INT(user.uid, 1000);
	CHECK_INT(user.gid, 1001);
	CHECK_STR(user.home, "/home/alice");
	CHECK_RES(check("alice", "Secret"), AUTH_FAILED);
	CHECK_STR(err, "password mismatch");
	CHECK_RES(check("alice", "secret2"), AUTH_FAILED);
	CHECK_RES(check("alice", "secre"), AUTH_FAILED);
}
END_TEST

static const struct {
	const char *gensalt;    /* prefix for crypt_gensalt */
	const char *scheme;     /* {SCHEME} written before the hash */
} crypt_cases[] = {
	{ "$6$", "" }, { "$6$", "{SHA512-CRYPT}" }, { "$6$", "{CRYPT}" },
	{ "$5$", "" }, { "$5$", "{SHA256-CRYPT}" }, { "$5$", "{crypt}" },
	{ "$y$", "" }, { "$y$", "{CRYPT}" },
	{ "$2b$", "" }, { "$2b$", "{BLF-CRYPT}" },
	{ "$2y$", "" }, { "$2y$", "{BLF-CRYPT}" },
};

START_TEST(crypt_schemes)
{
	const char *hash = make_hash(crypt_cases[_i].gensalt, "pa:ss wörd");
	char text[1024];

	ck_assert_msg(strncmp(hash, crypt_cases[_i].gensalt,
			      strlen(crypt_cases[_i].gensalt)) == 0,
		      "hash: got %s, want prefix %s", hash,
		      crypt_cases[_i].gensalt);
	snprintf(text, sizeof(text),
		 "# users\nbob:{PLAIN}x:1002:1002::/home/bob::\n"
		 "alice:%s%s:1000:1000::/srv/mail/alice:/bin/false:extra=1\n",
		 crypt_cases[_i].scheme, hash);
	write_file(text);
	CHECK_RES(check("alice", "pa:ss wörd"), AUTH_OK);
	CHECK_STR(user.home, "/srv/mail/alice");
	CHECK_RES(check("alice", "pa:ss word"), AUTH_FAILED);
	CHECK_STR(err, "password mismatch");
	CHECK_RES(check("alice", "x"), AUTH_FAILED);
}
END_TEST

START_TEST(verify_values)
{
	char stored[CRYPT_OUTPUT_SIZE + 16];

	CHECK_INT(passwd_verify("{PLAIN}abc", "abc"), 1);
	CHECK_INT(passwd_verify("{plain}abc", "abc"), 1);
	CHECK_INT(passwd_verify("{PLAIN}abc", "abd"), 0);
	CHECK_INT(passwd_verify("{PLAIN}abc", "ab"), 0);
	CHECK_INT(passwd_verify("{PLAIN}abc", "abcd"), 0);
	CHECK_INT(passwd_verify("{PLAIN}abc", ""), 0);
	CHECK_INT(passwd_verify("{PLAIN}", ""), 1);
	snprintf(stored, sizeof(stored), "%s", make_hash("$6$", "abc"));
	CHECK_INT(passwd_verify(stored, "abc"), 1);
	CHECK_INT(passwd_verify(stored, "abd"), 0);
	/* Weak or unknown schemes are refused, not compared. */
	CHECK_INT(passwd_verify("abJnggxhB/yWI", "abc"), -1);     /* DES */
	CHECK_INT(passwd_verify("$1$saltsalt$ZQ0Yq0X8CoFqNxmaqv0ym1", "abc"), -1);
	CHECK_INT(passwd_verify("{MD5}kAFQmDzST7DWlj99KOF/cg==", "abc"), -1);
	CHECK_INT(passwd_verify("{SSHA}xyz", "abc"), -1);
	CHECK_INT(passwd_verify("", "abc"), -1);
	CHECK_INT(passwd_verify("{CRYPT}", "abc"), -1);
	/* A known prefix with a broken hash: crypt refuses it. */
	CHECK_INT(passwd_verify("$6$", "abc") == 1, 0);
	CHECK_INT(passwd_verify("$y$!!!", "abc") == 1, 0);
}
END_TEST

START_TEST(unknown_user_and_exact_names)
{
	write_file("alice:{PLAIN}secret:1000:1000::/home/alice::\n");
	CHECK_RES(check("bob", "secret"), AUTH_FAILED);
	CHECK_STR(err, "unknown user");
	CHECK_RES(check("Alice", "secret"), AUTH_FAILED);
	CHECK_RES(check("alic", "secret"), AUTH_FAILED);
	CHECK_RES(check("alice2", "secret"), AUTH_FAILED);
	CHECK_RES(check("alice ", "secret"), AUTH_FAILED);
}
END_TEST

START_TEST(forbidden_input)
{
	write_file("alice:{PLAIN}secret:1000:1000::/home/alice::\n"
		   "a:{PLAIN}x:1000:1000::/home/a::\n");
	CHECK_RES(check("alice:{PLAIN}secret", "secret"), AUTH_FAILED);
	CHECK_RES(check("a:", "x"), AUTH_FAILED);
	CHECK_RES(check("alice\n", "secret"), AUTH_FAILED);
	CHECK_RES(check("al\tice", "secret"), AUTH_FAILED);
	CHECK_RES(check("alice", "secret\n"), AUTH_FAILED);
	CHECK_RES(check("alice", "sec\x7fret"), AUTH_FAILED);
	CHECK_STR(err, "user name or password with forbidden characters");
	CHECK_RES(check("", "secret"), AUTH_FAILED);
}
END_TEST

START_TEST(empty_password_refused)
{
	write_file("alice:{PLAIN}:1000:1000::/home/alice::\n");
	CHECK_RES(check("alice", ""), AUTH_FAILED);
	CHECK_STR(err, "empty password");
}
END_TEST

START_TEST(comments_and_blank_lines)
{
	write_file("# passwd-file for tests\n"
		   "\n"
		   "#alice:{PLAIN}old:1000:1000::/home/alice::\n"
		   "bob:{PLAIN}b:1002:1002::/home/bob::\r\n"
		   "\n"
		   "alice:{PLAIN}new:1000:1000::/home/alice::");  /* no newline */
	CHECK_RES(check("alice", "old"), AUTH_FAILED);
	CHECK_RES(check("alice", "new"), AUTH_OK);
	CHECK_RES(check("bob", "b"), AUTH_OK);
	CHECK_STR(user.home, "/home/bob");
	CHECK_RES(check("#alice", "old"), AUTH_FAILED);
	CHECK_STR(err, "unknown user");
}
END_TEST

START_TEST(first_entry_wins)
{
	write_file("alice:{PLAIN}one:1000:1000::/home/alice::\n"
		   "alice:{PLAIN}two:1001:1001::/home/alice2::\n");
	CHECK_RES(check("alice", "one"), AUTH_OK);
	CHECK_INT(user.uid, 1000);
	CHECK_RES(check("alice", "two"), AUTH_FAILED);
}
END_TEST

static const struct {
	const char *line;
	const char *reason;
} bad_entries[] = {
	{ "alice:{PLAIN}pw", "too few fields (want user:pass:uid:gid::home::)" },
	{ "alice:{PLAIN}pw:1000:1000:", "too few fields (want user:pass:uid:gid::home::)" },
	{ "alice:{PLAIN}pw:0:1000::/home/alice::", "uid 0 not allowed" },
	{ "alice:{PLAIN}pw:00:1000::/home/alice::", "uid 0 not allowed" },
	{ "alice:{PLAIN}pw:1000:0::/home/alice::", "gid 0 not allowed" },
	{ "alice:{PLAIN}pw:abc:1000::/home/alice::", "bad uid" },
	{ "alice:{PLAIN}pw::1000::/home/alice::", "bad uid" },
	{ "alice:{PLAIN}pw:-1:1000::/home/alice::", "bad uid" },
	{ "alice:{PLAIN}pw:+5:1000::/home/alice::", "bad uid" },
	{ "alice:{PLAIN}pw:1000x:1000::/home/alice::", "bad uid" },
	{ "alice:{PLAIN}pw: 1000:1000::/home/alice::", "bad uid" },
	{ "alice:{PLAIN}pw:4294967295:1000::/home/alice::", "bad uid" },
	{ "alice:{PLAIN}pw:99999999999:1000::/home/alice::", "bad uid" },
	{ "alice:{PLAIN}pw:1000:x::/home/alice::", "bad gid" },
	{ "alice:{PLAIN}pw:1000:::/home/alice::", "bad gid" },
	{ "alice:{PLAIN}pw:1000:1000::::", "no home directory" },
	{ "alice:{PLAIN}pw:1000:1000::", "no home directory" },
	{ "alice:{PLAIN}pw:1000:1000::home/alice::", "home directory is not an absolute path" },
	{ "alice:{MD5}kAFQmDzST7DWlj99KOF/cg==:1000:1000::/home/alice::", "unknown password scheme" },
	{ "alice:$1$abc$def:1000:1000::/home/alice::", "unknown password scheme" },
	{ "alice:secret:1000:1000::/home/alice::", "unknown password scheme" },
	{ "alice::1000:1000::/home/alice::", "unknown password scheme" },
};

START_TEST(malformed_entry_is_an_error)
{
	char text[1024];

	snprintf(text, sizeof(text), "# test\nbob:{PLAIN}b:1002:1002::/b::\n"
		 "%s\n", bad_entries[_i].line);
	write_file(text);
	CHECK_RES(check("alice", "pw"), AUTH_ERROR);
	check_line_error(3, bad_entries[_i].reason);
	/* The other users are not held hostage by alice's line. */
	CHECK_RES(check("bob", "b"), AUTH_OK);
}
END_TEST

START_TEST(malformed_other_lines_are_skipped)
{
	write_file("garbage without colons\n"
		   "bob:{PLAIN}b:0:0::/root::\n"
		   "carol:{PLAIN}c\n"
		   "alice:{PLAIN}pw:4294967294:1000::/home/alice::\n");
	CHECK_RES(check("alice", "pw"), AUTH_OK);
	CHECK_INT(user.uid, 4294967294UL);
	CHECK_RES(check("bob", "b"), AUTH_ERROR);
	check_line_error(2, "uid 0 not allowed");
	CHECK_RES(check("carol", "c"), AUTH_ERROR);
}
END_TEST

START_TEST(long_lines)
{
	static char text[24576];
	char fill[5000];

	memset(fill, 'x', sizeof(fill) - 1);
	fill[sizeof(fill) - 1] = '\0';
	snprintf(text, sizeof(text),
		 "bob:{PLAIN}%s:1002:1002::/home/bob::\n"
		 "alicex:{PLAIN}%s:1003:1003::/home/alicex::\n"
		 "alice:{PLAIN}pw:1000:1000::/home/alice::\n"
		 "carol:{PLAIN}%s", fill, fill, fill);
	write_file(text);
	/* A long line of another user, even one whose name starts with
	 * alice's, is skipped. */
	CHECK_RES(check("alice", "pw"), AUTH_OK);
	CHECK_RES(check("bob", fill), AUTH_ERROR);
	check_line_error(1, "line longer than 4096 bytes");
	CHECK_RES(check("carol", fill), AUTH_ERROR);
	check_line_error(4, "line longer than 4096 bytes");
	CHECK_RES(check("dave", "pw"), AUTH_FAILED);
}
END_TEST

START_TEST(longest_line_accepted)
{
	static char text[8192];
	char home[4096 - 30];
	int n;

	memset(home, 'h', sizeof(home) - 1);
	home[0] = '/';
	home[sizeof(home) - 1] = '\0';
	n = snprintf(text, sizeof(text), "alice:{PLAIN}pw:1000:1000::%s", home);
	/* Pad the line to exactly the limit with the ignored shell field. */
	text[n++] = ':';
	while (n < 4096)
		text[n++] = 's';
	text[n++] = '\n';
	text[n] = '\0';
	write_file(text);
	CHECK_RES(check("alice", "pw"), AUTH_OK);
	CHECK_STR(user.home, home);
}
END_TEST

START_TEST(missing_file_names_the_file)
{
	char want[sizeof(path) + 64];

	CHECK_RES(check("alice", "pw"), AUTH_ERROR);
	snprintf(want, sizeof(want), "%s: No such file or directory", path);
	CHECK_STR(err, want);
}
END_TEST

START_TEST(unreadable_path_is_an_error)
{
	char want[sizeof(tmpdir) + 64];

	/* A directory opens but cannot be read as a file. */
	CHECK_RES(passwd_file_check(tmpdir, "alice", "pw", &user, &err),
		  AUTH_ERROR);
	snprintf(want, sizeof(want), "%s: read error: Is a directory", tmpdir);
	CHECK_STR(err, want);
}
END_TEST

static double
seconds_of_check(const char *name, const char *password)
{
	struct timespec a, b;
	double best = 1e9;

	for (int i = 0; i < 3; i++) {
		clock_gettime(CLOCK_MONOTONIC, &a);
		(void)check(name, password);
		clock_gettime(CLOCK_MONOTONIC, &b);
		double t = (double)(b.tv_sec - a.tv_sec) +
			   (double)(b.tv_nsec - a.tv_nsec) / 1e9;
		if (t < best)
			best = t;
	}
	return best;
}

/* An unknown user costs a crypt like a known one. The bound is loose: it
 * catches a missing decoy (orders of magnitude), not jitter. */
START_TEST(unknown_user_costs_a_hash)
{
	char text[1024];
	double known, unknown;

	snprintf(text, sizeof(text), "alice:%s:1000:1000::/home/alice::\n",
		 make_hash("$6$", "secret"));
	write_file(text);
	known = seconds_of_check("alice", "wrong");
	unknown = seconds_of_check("nobody", "wrong");
	ck_assert_msg(unknown > known / 4, "unknown user: got %.6fs, want "
		      "about the %.6fs of a known one", unknown, known);
	/* No usable hash in the file: the built-in yescrypt decoy. */
	write_file("alice:{PLAIN}secret:1000:1000::/home/alice::\n");
	unknown = seconds_of_check("nobody", "wrong");
	ck_assert_msg(unknown > 0.001, "unknown user in a {PLAIN} file: got "
		      "%.6fs, want the time of a yescrypt hash", unknown);
}
END_TEST

static Suite *
passwd_file_suite(void)
{
	Suite *s = suite_create("passwd_file");
	TCase *tc;

	tc = tcase_create("schemes");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, plain_scheme);
	tcase_add_loop_test(tc, crypt_schemes, 0,
			    sizeof(crypt_cases) / sizeof(crypt_cases[0]));
	tcase_add_test(tc, verify_values);
	tcase_add_test(tc, unknown_user_costs_a_hash);
	suite_add_tcase(s, tc);

	tc = tcase_create("file");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, unknown_user_and_exact_names);
	tcase_add_test(tc, forbidden_input);
	tcase_add_test(tc, empty_password_refused);
	tcase_add_test(tc, comments_and_blank_lines);
	tcase_add_test(tc, first_entry_wins);
	tcase_add_loop_test(tc, malformed_entry_is_an_error, 0,
			    sizeof(bad_entries) / sizeof(bad_entries[0]));
	tcase_add_test(tc, malformed_other_lines_are_skipped);
	tcase_add_test(tc, long_lines);
	tcase_add_test(tc, longest_line_accepted);
	tcase_add_test(tc, missing_file_names_the_file);
	tcase_add_test(tc, unreadable_path_is_an_error);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(passwd_file_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
