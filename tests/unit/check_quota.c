/* tests/unit/check_quota.c — store/quota: maildirsize as
 * maildirplusplus.txt defines it, its recalculation rules, and
 * concurrent writers. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <utime.h>

#include "store/quota.h"

#define EXPECT_INT(got, want) do {					\
	long long got_ = (got), want_ = (want);				\
	ck_assert_msg(got_ == want_, "%s: got %lld, want %lld",		\
		      #got, got_, want_);				\
} while (0)

static char md[64];

static void
mkdirs(const char *sub)
{
	static const char *parts[] = { "", "/cur", "/new", "/tmp" };
	char path[256];

	for (int i = 0; i < 4; i++) {
		snprintf(path, sizeof(path), "%s%s%s", md, sub, parts[i]);
		ck_assert_msg(mkdir(path, 0700) == 0 || i == 0,
			      "mkdir %s failed", path);
	}
}

static void
put(const char *name, const char *data)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", md, name);
	f = fopen(path, "w");
	ck_assert_msg(f != NULL, "cannot create %s", path);
	fputs(data, f);
	fclose(f);
}

static void
setup(void)
{
	strcpy(md, "/tmp/check_quota.XXXXXX");
	ck_assert_msg(mkdtemp(md) != NULL, "mkdtemp failed");
	mkdirs("");
	/* 3 messages in INBOX: two with ,S= (whose claim is believed),
	 * one to stat (5 bytes) */
	put("cur/1000.M1P1.h,S=100:2,S", "x");
	put("new/1001.M1P1.h,S=200", "x");
	put("cur/1002.M1P1.h:2,T", "12345");
	mkdirs("/.Sent");
	put(".Sent/maildirfolder", "");
	put(".Sent/cur/1003.M1P1.h,S=1000,W=1010:2,S", "x");
	mkdirs("/.Trash");
	put(".Trash/maildirfolder", "");
	put(".Trash/cur/1004.M1P1.h,S=5000:2,S", "x");
	put("cur/.hidden", "ignored");
}

static void
teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", md);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", md);
}

static const char *
get_sizefile(void)
{
	static char data[65536];
	char path[256];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/maildirsize", md);
	f = fopen(path, "r");
	ck_assert_msg(f != NULL, "no maildirsize");
	n = fread(data, 1, sizeof(data) - 1, f);
	data[n] = '\0';
	fclose(f);
	return data;
}

static void
age_sizefile(int secs)
{
	char path[256];
	struct utimbuf ut;

	snprintf(path, sizeof(path), "%s/maildirsize", md);
	ut.actime = ut.modtime = time(NULL) - secs;
	ck_assert_int_eq(utime(path, &ut), 0);
}

static struct quota_usage
get_ok(void)
{
	struct quota_usage u;
	const char *err = NULL;
	int ret = quota_get(md, &u, &err);

	ck_assert_msg(ret == 0, "quota_get: got %d (%s), want 0", ret, err);
	return u;
}

START_TEST(spec_example_read)
{
	struct quota_usage u;

	/* maildirplusplus.txt: "10000000S,1000C"; Courier pads lines to
	 * 12 columns, Dovecot does not; both count */
	put("maildirsize", "10000000S,1000C\n"
	    "        1305            3\n"
	    "2500 1\n-300 -1\n");
	u = get_ok();
	EXPECT_INT(u.limit_bytes, 10000000);
	EXPECT_INT(u.limit_messages, 1000);
	EXPECT_INT(u.bytes, 3505);
	EXPECT_INT(u.messages, 3);
	EXPECT_INT(quota_would_exceed(&u, 10000000 - 3505, 1), 0);
	EXPECT_INT(quota_would_exceed(&u, 10000000 - 3504, 1), 1);
	EXPECT_INT(quota_would_exceed(&u, 0, 998), 1);

	put("maildirsize", "1000000S\n10 1\n");
	u = get_ok();
	EXPECT_INT(u.limit_bytes, 1000000);
	EXPECT_INT(u.limit_messages, 0);
	EXPECT_INT(quota_would_exceed(&u, 0, 1000000), 0);
	put("maildirsize", "50C\n10 1\n");
	u = get_ok();
	EXPECT_INT(u.limit_bytes, 0);
	EXPECT_INT(u.limit_messages, 50);
}
END_TEST

START_TEST(no_file_no_quota)
{
	struct quota_usage u;
	const char *err = NULL;

	EXPECT_INT(quota_get(md, &u, &err), 1);
	EXPECT_INT(u.limit_bytes, 0);
	EXPECT_INT(quota_would_exceed(&u, 1LL << 40, 1000000), 0);
	EXPECT_INT(quota_add(md, 100, 1, &err), 0);
	EXPECT_INT(quota_check(md, 1LL << 40, 1, &u, &err), 0);
}
END_TEST

START_TEST(partial_last_line_ignored)
{
	struct quota_usage u;

	put("maildirsize", "1000S\n10 1\n20 1\n5");
	u = get_ok();
	EXPECT_INT(u.bytes, 30);
	EXPECT_INT(u.messages, 2);
}
END_TEST

/* INBOX 100 + 200 + 5 (stat) + .Sent 1000; .Trash not counted (step 2);
 * the T-marked message is. */
static void
expect_recounted(const struct quota_usage *u)
{
	EXPECT_INT(u->bytes, 1305);
	EXPECT_INT(u->messages, 4);
}

START_TEST(set_limits_recalculates)
{
	struct quota_usage u;
	const char *err = NULL;

	EXPECT_INT(quota_set_limits(md, 10000000, 1000, &err), 0);
	ck_assert_str_eq(get_sizefile(), "10000000S,1000C\n1305 4\n");
	u = get_ok();
	expect_recounted(&u);
	EXPECT_INT(quota_set_limits(md, 0, 20, &err), 0);
	ck_assert_str_eq(get_sizefile(), "20C\n1305 4\n");
	/* from a folder: the parent's maildirsize */
	{
		char sent[128];

		snprintf(sent, sizeof(sent), "%s/.Sent", md);
		EXPECT_INT(quota_get(sent, &u, &err), 0);
		expect_recounted(&u);
		EXPECT_INT(quota_add(sent, 7, 1, &err), 0);
	}
	ck_assert_str_eq(get_sizefile(), "20C\n1305 4\n7 1\n");
}
END_TEST

START_TEST(negative_total_recalculates)
{
	struct quota_usage u;

	put("maildirsize", "1000000S\n100 1\n-500 -2\n");
	u = get_ok();
	expect_recounted(&u);
	ck_assert_str_eq(get_sizefile(), "1000000S\n1305 4\n");
}
END_TEST

START_TEST(big_file_recalculates)
{
	struct quota_usage u;
	char line[32];
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/maildirsize", md);
	f = fopen(path, "w");
	fputs("1000000S,100C\n", f);
	for (int i = 0; i < 1000; i++) {
		snprintf(line, sizeof(line), "%d 1\n", i);
		fputs(line, f);
	}
	fclose(f);
	u = get_ok();
	EXPECT_INT(u.limit_bytes, 1000000);
	EXPECT_INT(u.limit_messages, 100);
	expect_recounted(&u);
	ck_assert_str_eq(get_sizefile(), "1000000S,100C\n1305 4\n");
}
END_TEST

START_TEST(over_quota_rules)
{
	struct quota_usage u;
	const char *err = NULL;

	/* over, but a fresh single-line recalculation: believed */
	put("maildirsize", "1000S\n5000 9\n");
	u = get_ok();
	EXPECT_INT(u.bytes, 5000);
	/* over and older than 15 minutes: recounted */
	age_sizefile(16 * 60);
	u = get_ok();
	expect_recounted(&u);
	/* over with more than one line: recounted at once */
	put("maildirsize", "1000S\n100 1\n4900 8\n");
	u = get_ok();
	expect_recounted(&u);
	/* under quota with many lines: used as it is */
	put("maildirsize", "100000S\n100 1\n99000 1\n");
	u = get_ok();
	EXPECT_INT(u.bytes, 99100);
	/* quota_check recounts before refusing: 99100 + 2000 is over
	 * going by the file, 1305 + 2000 fits after recounting */
	EXPECT_INT(quota_check(md, 2000, 1, &u, &err), 0);
	expect_recounted(&u);
	/* fresh one-line file: 1305 + 98696 is over without recounting */
	EXPECT_INT(quota_check(md, 98696, 1, &u, &err), 1);
	EXPECT_INT(quota_check(md, 98695, 1, &u, &err), 0);
}
END_TEST

START_TEST(add_appends_lines)
{
	const char *err = NULL;

	put("maildirsize", "1000S\n");
	EXPECT_INT(quota_add(md, 2041, 1, &err), 0);
	EXPECT_INT(quota_add(md, -2041, -1, &err), 0);
	EXPECT_INT(quota_add(md, 0, 0, &err), 0);
	ck_assert_str_eq(get_sizefile(), "1000S\n2041 1\n-2041 -1\n");
}
END_TEST

START_TEST(concurrent_writers_exact)
{
	enum { PROCS = 8, EACH = 200 };
	struct quota_usage u;
	int status;

	put("maildirsize", "1000000000S\n0 0\n");
	for (int p = 0; p < PROCS; p++) {
		pid_t pid = fork();

		if (pid < 0)     /* not ck_assert: the child would run it too */
			ck_abort_msg("fork: %s", strerror(errno));
		if (pid == 0) {
			const char *err;

			for (int i = 0; i < EACH; i++) {
				if (quota_add(md, 1000 + p, 1, &err) < 0)
					_exit(1);
			}
			_exit(0);
		}
	}
	for (int p = 0; p < PROCS; p++) {
		wait(&status);
		ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
			      "writer: got status %d, want 0", status);
	}
	/* the file is far past 5120 bytes by now: read it ourselves */
	{
		const char *s = strchr(get_sizefile(), '\n') + 1;
		long long b = 0, c = 0, lines = 0, x, y;
		int n;

		while (sscanf(s, "%lld %lld\n%n", &x, &y, &n) == 2) {
			b += x;
			c += y;
			lines++;
			s += n;
		}
		EXPECT_INT(lines, PROCS * EACH + 1);
		EXPECT_INT(b, EACH * (1000LL * PROCS + PROCS * (PROCS - 1) / 2));
		EXPECT_INT(c, PROCS * EACH);
	}
	u = get_ok();   /* and now it is recalculated */
	expect_recounted(&u);
}
END_TEST

static Suite *
quota_suite(void)
{
	Suite *s = suite_create("quota");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, spec_example_read);
	tcase_add_test(tc, no_file_no_quota);
	tcase_add_test(tc, partial_last_line_ignored);
	tcase_add_test(tc, set_limits_recalculates);
	tcase_add_test(tc, negative_total_recalculates);
	tcase_add_test(tc, big_file_recalculates);
	tcase_add_test(tc, over_quota_rules);
	tcase_add_test(tc, add_appends_lines);
	tcase_add_test(tc, concurrent_writers_exact);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(quota_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
