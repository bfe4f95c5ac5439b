/* tests/unit/check_keywords.c — store/keywords: dovecot-keywords as
 * Dovecot writes and reads it, adding under the uidlist lock, and the
 * import of Courier's courierimapkeywords/. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "store/keywords.h"

#define EXPECT_INT(got, want) do {					\
	long long got_ = (got), want_ = (want);				\
	ck_assert_msg(got_ == want_, "%s: got %lld, want %lld",		\
		      #got, got_, want_);				\
} while (0)

#define EXPECT_STR(got, want) do {					\
	const char *got_ = (got), *want_ = (want);			\
	ck_assert_msg(got_ != NULL && strcmp(got_, want_) == 0,		\
		      "%s: got '%s', want '%s'", #got,			\
		      got_ ? got_ : "(null)", want_);			\
} while (0)

static char dir[64];

static void
setup(void)
{
	strcpy(dir, "/tmp/check_keywords.XXXXXX");
	ck_assert_msg(mkdtemp(dir) != NULL, "mkdtemp failed");
}

static void
teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
}

static void
put_file(const char *name, const char *data)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	ck_assert_msg(f != NULL, "cannot create %s", path);
	fputs(data, f);
	fclose(f);
}

static char *
get_file(const char *name)
{
	static char data[4096];
	char path[256];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "r");
	if (f == NULL)
		return NULL;
	n = fread(data, 1, sizeof(data) - 1, f);
	data[n] = '\0';
	fclose(f);
	return data;
}

static struct keywords *
open_ok(void)
{
	struct keywords *kw = NULL;
	const char *err = NULL;

	ck_assert_msg(keywords_open(dir, &kw, &err) == 0,
		      "keywords_open: got -1 (%s), want 0", err);
	return kw;
}

/* Observed with Dovecot 2.3.19 after APPENDs with $Forwarded, $Junk,
 * NonJunk, $Label1 and a file name carrying the letter z. */
static const char dovecot_file[] =
	"0 $Forwarded\n1 $Junk\n2 NonJunk\n3 $Label1\n25 unknown-25\n";

START_TEST(read_dovecot_file)
{
	struct keywords *kw;

	put_file("dovecot-keywords", dovecot_file);
	kw = open_ok();
	EXPECT_STR(keywords_name(kw, 0), "$Forwarded");
	EXPECT_STR(keywords_name(kw, 3), "$Label1");
	EXPECT_STR(keywords_name(kw, 25), "unknown-25");
	ck_assert_ptr_null(keywords_name(kw, 4));
	ck_assert_ptr_null(keywords_name(kw, 26));
	ck_assert_ptr_null(keywords_name(kw, -1));
	EXPECT_INT(keywords_index(kw, "nonjunk"), 2);
	EXPECT_INT(keywords_index(kw, "$JUNK"), 1);
	EXPECT_INT(keywords_index(kw, "Junk"), -1);
	keywords_free(&kw);
	ck_assert_ptr_null(kw);
}
END_TEST

START_TEST(missing_file_is_empty)
{
	struct keywords *kw = open_ok();

	for (int i = 0; i < KEYWORDS_MAX; i++)
		ck_assert_ptr_null(keywords_name(kw, i));
	keywords_free(&kw);
}
END_TEST

START_TEST(junk_lines_skipped)
{
	struct keywords *kw;

	/* as Dovecot: digits only, below 26, a non-empty name; the
	 * later line for an index wins */
	put_file("dovecot-keywords",
		 "x foo\n-1 bar\n26 baz\n3\n4 \n 5 sp\n07 seven\n"
		 "1 one\n1 uno\n2 two words\n9 nine");
	kw = open_ok();
	EXPECT_STR(keywords_name(kw, 7), "seven");
	EXPECT_STR(keywords_name(kw, 1), "uno");
	EXPECT_STR(keywords_name(kw, 2), "two words");
	EXPECT_STR(keywords_name(kw, 9), "nine");
	ck_assert_ptr_null(keywords_name(kw, 3));
	ck_assert_ptr_null(keywords_name(kw, 4));
	ck_assert_ptr_null(keywords_name(kw, 5));
	ck_assert_ptr_null(keywords_name(kw, 0));
	keywords_free(&kw);
}
END_TEST

START_TEST(add_writes_dovecot_format)
{
	struct keywords *kw;
	const char *err = NULL;
	struct stat st;
	char lock[128];

	put_file("dovecot-keywords", "0 $Forwarded\n2 NonJunk\n");
	kw = open_ok();
	EXPECT_INT(keywords_add(kw, "nonjunk", &err), 2);
	EXPECT_INT(keywords_add(kw, "$Junk", &err), 1);
	EXPECT_INT(keywords_add(kw, "$Label1", &err), 3);
	EXPECT_STR(get_file("dovecot-keywords"),
		   "0 $Forwarded\n1 $Junk\n2 NonJunk\n3 $Label1\n");
	snprintf(lock, sizeof(lock), "%s/dovecot-keywords.lock", dir);
	ck_assert_msg(stat(lock, &st) < 0, "got %s, want it gone", lock);
	snprintf(lock, sizeof(lock), "%s/dovecot-uidlist.lock", dir);
	ck_assert_msg(stat(lock, &st) < 0, "got %s, want it gone", lock);
	keywords_free(&kw);
}
END_TEST

START_TEST(add_validates)
{
	static const char *bad[] = {
		"", "two words", "\\Seen", "a(b", "a)b", "a{b", "a%b",
		"a*b", "a\"b", "a]b", "tab\there", "\xc3\xa9t\xc3\xa9",
	};
	struct keywords *kw = open_ok();
	char big[KEYWORD_MAX_LEN + 2];
	const char *err;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err = NULL;
		ck_assert_msg(keywords_add(kw, bad[i], &err) == -1,
			      "'%s': got accepted, want -1", bad[i]);
		ck_assert_ptr_nonnull(err);
	}
	memset(big, 'k', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	EXPECT_INT(keywords_add(kw, big, &err), -1);
	big[KEYWORD_MAX_LEN] = '\0';
	EXPECT_INT(keywords_add(kw, big, &err), 0);
	EXPECT_INT(keywords_add(kw, "$MDNSent", &err), 1);
	EXPECT_INT(keywords_add(kw, "a[b", &err), 2);
	keywords_free(&kw);
}
END_TEST

START_TEST(add_until_full)
{
	struct keywords *kw = open_ok();
	const char *err = NULL;
	char name[16];

	for (int i = 0; i < KEYWORDS_MAX; i++) {
		snprintf(name, sizeof(name), "kw%d", i);
		EXPECT_INT(keywords_add(kw, name, &err), i);
	}
	err = NULL;
	EXPECT_INT(keywords_add(kw, "one-too-many", &err), KEYWORDS_FULL);
	ck_assert_ptr_nonnull(err);
	EXPECT_INT(keywords_add(kw, "KW25", &err), 25);
	keywords_free(&kw);
}
END_TEST

START_TEST(add_sees_other_writers)
{
	struct keywords *a = open_ok(), *b = open_ok();
	const char *err = NULL;

	EXPECT_INT(keywords_add(a, "First", &err), 0);
	/* b has not reread, but must not give out letter a again */
	EXPECT_INT(keywords_add(b, "Second", &err), 1);
	EXPECT_INT(keywords_add(b, "FIRST", &err), 0);
	EXPECT_INT(keywords_index(a, "Second"), -1);
	EXPECT_INT(keywords_refresh(a, &err), 1);
	EXPECT_INT(keywords_index(a, "Second"), 1);
	EXPECT_INT(keywords_refresh(a, &err), 0);
	keywords_free(&a);
	keywords_free(&b);
}
END_TEST

START_TEST(parallel_adders)
{
	enum { PROCS = 5, EACH = 5 };
	struct keywords *kw;
	char name[32];
	int status;

	for (int p = 0; p < PROCS; p++) {
		pid_t pid = fork();

		if (pid < 0)     /* not ck_assert: the child would run it too */
			ck_abort_msg("fork: %s", strerror(errno));
		if (pid == 0) {
			const char *err;
			struct keywords *k = NULL;

			if (keywords_open(dir, &k, &err) < 0)
				_exit(1);
			for (int i = 0; i < EACH; i++) {
				snprintf(name, sizeof(name), "p%dk%d", p, i);
				if (keywords_add(k, name, &err) < 0)
					_exit(2);
			}
			keywords_free(&k);
			_exit(0);
		}
	}
	for (int p = 0; p < PROCS; p++) {
		wait(&status);
		ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
			      "child: got status %d, want 0", status);
	}
	kw = open_ok();
	for (int p = 0; p < PROCS; p++) {
		for (int i = 0; i < EACH; i++) {
			snprintf(name, sizeof(name), "p%dk%d", p, i);
			ck_assert_msg(keywords_index(kw, name) >= 0,
				      "%s: got lost, want a letter", name);
		}
	}
	keywords_free(&kw);
}
END_TEST

/* Courier's layout (courier-libs maildir/maildirkeywords2.c): names in
 * ":list", then assignments by position; per-message files override. */
START_TEST(courier_import)
{
	struct keywords *kw;
	struct keywords_courier_msg *msgs;
	const char *err = NULL;
	size_t n;
	char path[128];

	snprintf(path, sizeof(path), "%s/courierimapkeywords", dir);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	put_file("courierimapkeywords/:list",
		 "$Label1\nJunk\n\n"
		 "1100000000.M1P1.h,S=10:0 1\n"
		 "1100000001.M1P1.h,S=10:1\n"
		 "1100000003.M1P1.h,S=10:1\n"
		 "garbage line\n");
	put_file("courierimapkeywords/.4123.1100000001.M1P1.h,S=10",
		 "Later\n");
	put_file("courierimapkeywords/.4000.1100000001.M1P1.h,S=10",
		 "$Label1\n");
	put_file("courierimapkeywords/1100000002.M1P1.h", "Junk\n");
	put_file("courierimapkeywords/1100000003.M1P1.h,S=10", "");
	put_file("courierimapkeywords/.tmp.1100000000.x", "Scratch\n");
	kw = open_ok();
	EXPECT_STR(keywords_name(kw, 0), "$Label1");
	EXPECT_STR(keywords_name(kw, 1), "Junk");
	EXPECT_INT(keywords_index(kw, "later"), 2);
	EXPECT_INT(keywords_index(kw, "Scratch"), -1);
	EXPECT_STR(get_file("dovecot-keywords"),
		   "0 $Label1\n1 Junk\n2 Later\n");

	ck_assert_msg(keywords_courier_messages(kw, &msgs, &n, &err) == 0,
		      "got -1 (%s), want 0", err);
	EXPECT_INT(n, 4);
	EXPECT_STR(msgs[0].base, "1100000000.M1P1.h,S=10");
	EXPECT_INT(msgs[0].keywords, 0x3);
	EXPECT_STR(msgs[1].base, "1100000001.M1P1.h,S=10");
	EXPECT_INT(msgs[1].keywords, 0x4);      /* newest file: Later */
	EXPECT_STR(msgs[2].base, "1100000002.M1P1.h");
	EXPECT_INT(msgs[2].keywords, 0x2);
	EXPECT_STR(msgs[3].base, "1100000003.M1P1.h,S=10");
	EXPECT_INT(msgs[3].keywords, 0);        /* emptied since */
	keywords_courier_free(&msgs, n);
	ck_assert_ptr_null(msgs);
	keywords_free(&kw);

	/* once written, dovecot-keywords is what counts */
	put_file("courierimapkeywords/:list", "Other\n");
	kw = open_ok();
	EXPECT_INT(keywords_index(kw, "Other"), -1);
	EXPECT_INT(keywords_index(kw, "Later"), 2);
	keywords_free(&kw);
}
END_TEST

static Suite *
keywords_suite(void)
{
	Suite *s = suite_create("keywords");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, read_dovecot_file);
	tcase_add_test(tc, missing_file_is_empty);
	tcase_add_test(tc, junk_lines_skipped);
	tcase_add_test(tc, add_writes_dovecot_format);
	tcase_add_test(tc, add_validates);
	tcase_add_test(tc, add_until_full);
	tcase_add_test(tc, add_sees_other_writers);
	tcase_add_test(tc, parallel_adders);
	tcase_add_test(tc, courier_import);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(keywords_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
