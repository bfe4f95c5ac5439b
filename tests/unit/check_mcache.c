/* tests/unit/check_mcache.c — store/mcache: round trips, records
 * replaced, damaged and truncated files (a record is right or a miss,
 * never wrong), UIDVALIDITY, compaction, writers at once and writers
 * killed with -9. */
#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "store/mcache.h"

#define EXPECT_INT(got, want) do {					\
	long long got_ = (long long)(got), want_ = (long long)(want);	\
	ck_assert_msg(got_ == want_, "%s: got %lld, want %lld",		\
		      #got, got_, want_);				\
} while (0)

static char tmpdir[256];
static char path[300];

static void
setup(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/check_mcache.XXXXXX");
	ck_assert_msg(mkdtemp(tmpdir) != NULL, "mkdtemp: %s", strerror(errno));
	snprintf(path, sizeof(path), "%s/skua.cache", tmpdir);
}

static void
teardown(void)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", tmpdir);
}

static struct mcache *
xopen(uint32_t uidvalidity)
{
	struct mcache *c = NULL;
	const char *err = NULL;

	ck_assert_msg(mcache_open(tmpdir, uidvalidity, &c, &err) == 0,
		      "mcache_open: got error '%s', want success", err);
	return c;
}

/* The record of uid, derived from uid (and a version) so that any hit can
 * be checked. */
static char envbuf[4][600];

static struct mcache_entry
entry_for(uint32_t uid, int version, size_t envlen)
{
	struct mcache_entry e = { uid * 100 + (uint64_t)version,
				  uid * 101, 1700000000 + uid, uid % 977, 2,
				  { { 0 } } };
	char *env = envbuf[uid % 4];

	if (envlen >= sizeof(envbuf[0]))
		envlen = sizeof(envbuf[0]) - 1;
	for (size_t i = 0; i < envlen; i++)
		env[i] = (char)('a' + (uid + i + (size_t)version) % 26);
	e.blobs[0] = (struct mcache_blob){ MCACHE_ENVELOPE,
		(const unsigned char *)env, envlen };
	e.blobs[1] = (struct mcache_blob){ MCACHE_BODYSTRUCTURE,
		(const unsigned char *)"(\"text\" \"plain\")", 17 };
	return e;
}

static void
xput(struct mcache *c, uint32_t uid, int version, size_t envlen)
{
	struct mcache_entry e = entry_for(uid, version, envlen);
	const char *err = NULL;

	ck_assert_msg(mcache_put(c, uid, &e, &err) == 0,
		      "mcache_put %u: got error '%s'", uid, err);
}

/* 1 when uid is there and right, 0 when a miss; fails when wrong. */
static int
check_get(struct mcache *c, uint32_t uid, int version, size_t envlen)
{
	struct mcache_entry got, want = entry_for(uid, version, envlen);
	const struct mcache_blob *b;

	if (!mcache_get(c, uid, &got))
		return 0;
	ck_assert_msg(got.psize == want.psize && got.vsize == want.vsize &&
		      got.idate == want.idate && got.hdr_len == want.hdr_len,
		      "uid %u: got psize %llu, want %llu", uid,
		      (unsigned long long)got.psize,
		      (unsigned long long)want.psize);
	EXPECT_INT(got.nblobs, 2);
	b = mcache_blob(&got, MCACHE_ENVELOPE);
	ck_assert_ptr_nonnull(b);
	ck_assert_msg(b->len == want.blobs[0].len &&
		      memcmp(b->data, want.blobs[0].data, b->len) == 0,
		      "uid %u envelope: got %zu bytes, want %zu", uid, b->len,
		      want.blobs[0].len);
	b = mcache_blob(&got, MCACHE_BODYSTRUCTURE);
	ck_assert_ptr_nonnull(b);
	EXPECT_INT(b->len, 17);
	ck_assert_ptr_null(mcache_blob(&got, MCACHE_PARTS));
	return 1;
}

START_TEST(round_trip)
{
	struct mcache *c = xopen(7);

	EXPECT_INT(check_get(c, 1, 0, 10), 0);
	for (uint32_t uid = 1; uid <= 50; uid++)
		xput(c, uid, 0, uid * 3);
	xput(c, 10, 1, 5);                      /* replaced */
	for (uint32_t uid = 1; uid <= 50; uid++)
		EXPECT_INT(check_get(c, uid, uid == 10, uid == 10 ? 5 : uid * 3),
			   1);
	mcache_free(&c);
	ck_assert_ptr_null(c);
	c = xopen(7);
	EXPECT_INT(mcache_count(c), 50);
	for (uint32_t uid = 1; uid <= 50; uid++)
		EXPECT_INT(check_get(c, uid, uid == 10, uid == 10 ? 5 : uid * 3),
			   1);
	EXPECT_INT(check_get(c, 51, 0, 1), 0);
	/* Out of order UIDs, and one seen by another open cache. */
	struct mcache *other = xopen(7);
	xput(other, 3, 2, 4);
	EXPECT_INT(check_get(c, 3, 0, 9), 1);    /* stale but right */
	mcache_free(&c);
	c = xopen(7);
	EXPECT_INT(check_get(c, 3, 2, 4), 1);
	mcache_free(&c);
	mcache_free(&other);
	/* Another UIDVALIDITY: nothing is taken over. */
	c = xopen(8);
	EXPECT_INT(mcache_count(c), 0);
	EXPECT_INT(check_get(c, 1, 0, 3), 0);
	mcache_free(&c);
}
END_TEST

static void *
slurp(size_t *len_r)
{
	FILE *fp = fopen(path, "rb");
	char *buf;
	long len;

	ck_assert_ptr_nonnull(fp);
	fseek(fp, 0, SEEK_END);
	len = ftell(fp);
	rewind(fp);
	buf = malloc((size_t)len + 1);
	ck_assert_int_eq(fread(buf, 1, (size_t)len, fp), (size_t)len);
	fclose(fp);
	*len_r = (size_t)len;
	return buf;
}

static void
spew(const void *buf, size_t len)
{
	FILE *fp = fopen(path, "wb");

	ck_assert_ptr_nonnull(fp);
	ck_assert_int_eq(fwrite(buf, 1, len, fp), len);
	fclose(fp);
}

/* Damaged files: every hit is right; the cache takes new records. */
START_TEST(damage_is_a_miss)
{
	enum { N = 20 };
	struct mcache *c = xopen(7);
	unsigned char *good, *bad;
	size_t len;
	int hits = 0;

	for (uint32_t uid = 1; uid <= N; uid++)
		xput(c, uid, 0, uid);
	mcache_free(&c);
	good = slurp(&len);
	bad = malloc(len);
	for (size_t at = 0; at < len; at += 3) {
		memcpy(bad, good, len);
		bad[at] ^= 0x21;
		spew(bad, len);
		c = xopen(7);
		for (uint32_t uid = 1; uid <= N; uid++)
			hits += check_get(c, uid, 0, uid);
		xput(c, N + 1, 0, 3);
		ck_assert_msg(check_get(c, N + 1, 0, 3) == 1, "corrupt at %zu of %zu: new record: got miss, want hit", at, len);
		mcache_free(&c);
	}
	for (size_t at = 0; at < len; at += 5) {
		spew(good, at);
		c = xopen(7);
		for (uint32_t uid = 1; uid <= N; uid++)
			hits += check_get(c, uid, 0, uid);
		xput(c, 2, 1, 8);
		ck_assert_msg(check_get(c, 2, 1, 8) == 1, "truncated at %zu of %zu: new record: got miss, want hit", at, len);
		mcache_free(&c);
	}
	ck_assert_msg(hits > N * 10, "hits: got %d, want most", hits);
	free(good);
	free(bad);
}
END_TEST

START_TEST(compaction)
{
	struct mcache *c = xopen(7);
	uint32_t live[10];
	const char *err;
	size_t before, after;

	for (uint32_t uid = 1; uid <= 400; uid++)
		xput(c, uid, 0, 500);
	for (int i = 0; i < 10; i++)
		live[i] = (uint32_t)(i * 40 + 5);
	free(slurp(&before));
	EXPECT_INT(mcache_compact(c, live, 10, 0, &err), 1);
	free(slurp(&after));
	ck_assert_msg(after < before / 10, "size: got %zu, want < %zu", after,
		      before / 10);
	EXPECT_INT(mcache_count(c), 10);
	for (int i = 0; i < 10; i++)
		EXPECT_INT(check_get(c, live[i], 0, 500), 1);
	EXPECT_INT(check_get(c, 6, 0, 500), 0);
	/* Not needed now. */
	EXPECT_INT(mcache_compact(c, live, 10, 0, &err), 0);
	mcache_free(&c);
	c = xopen(7);
	EXPECT_INT(mcache_count(c), 10);
	EXPECT_INT(check_get(c, live[3], 0, 500), 1);
	mcache_free(&c);
}
END_TEST

/* A handle kept open from one command to the next (mcache_refresh):
 * it finds records another handle appended, follows a compaction's new
 * file, and survives its file being cut to nothing under its mapping
 * or removed. Peeks never refresh by themselves. */
START_TEST(refresh_held_handle)
{
	struct mcache *held = xopen(7), *other = xopen(7);
	struct mcache_entry e;
	const char *err = NULL;
	uint32_t live[1] = { 2 };

	xput(held, 1, 0, 300);
	xput(other, 2, 0, 300);
	EXPECT_INT(mcache_peek(held, 2, &e), 0);
	EXPECT_INT(mcache_refresh(held, &err), 0);
	EXPECT_INT(mcache_peek(held, 2, &e), 1);
	EXPECT_INT(check_get(held, 2, 0, 300), 1);

	EXPECT_INT(mcache_compact(other, live, 1, 1, &err), 1);
	EXPECT_INT(mcache_refresh(held, &err), 0);
	EXPECT_INT(mcache_count(held), 1);
	EXPECT_INT(mcache_peek(held, 1, &e), 0);
	EXPECT_INT(check_get(held, 2, 0, 300), 1);

	ck_assert_int_eq(truncate(path, 0), 0);
	EXPECT_INT(mcache_refresh(held, &err), 0);
	EXPECT_INT(mcache_peek(held, 2, &e), 0);
	xput(held, 3, 0, 300);
	EXPECT_INT(check_get(held, 3, 0, 300), 1);

	ck_assert_int_eq(unlink(path), 0);
	EXPECT_INT(mcache_refresh(held, &err), 0);
	EXPECT_INT(mcache_peek(held, 3, &e), 0);
	xput(held, 4, 0, 300);
	EXPECT_INT(check_get(held, 4, 0, 300), 1);
	mcache_free(&other);
	mcache_free(&held);
}
END_TEST

START_TEST(concurrent_writers)
{
	enum { PROCS = 4, PER = 150 };
	struct mcache *c;

	for (int p = 0; p < PROCS; p++) {
		pid_t pid = fork();
		if (pid < 0)     /* not ck_assert: the child would run it too */
			ck_abort_msg("fork: %s", strerror(errno));
		if (pid > 0)
			continue;
		struct mcache *w;
		const char *err;
		if (mcache_open(tmpdir, 7, &w, &err) < 0)
			_exit(2);
		for (int i = 0; i < PER; i++) {
			uint32_t uid = (uint32_t)(i * PROCS + p + 1);
			struct mcache_entry e = entry_for(uid, 0, uid % 300);
			if (mcache_put(w, uid, &e, &err) < 0)
				_exit(3);
		}
		mcache_free(&w);
		_exit(0);
	}
	for (int p = 0; p < PROCS; p++) {
		int st;
		ck_assert_int_ge(wait(&st), 0);
		ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0,
			      "child: got status %d, want exit 0", st);
	}
	c = xopen(7);
	EXPECT_INT(mcache_count(c), PROCS * PER);
	for (uint32_t uid = 1; uid <= PROCS * PER; uid++)
		EXPECT_INT(check_get(c, uid, 0, uid % 300), 1);
	mcache_free(&c);
}
END_TEST

START_TEST(kill9_fault_loop)
{
	struct timeval t0, t;
	int iter;

	srand(99);
	gettimeofday(&t0, NULL);
	for (iter = 0; iter < 200; iter++) {
		gettimeofday(&t, NULL);
		if (t.tv_sec - t0.tv_sec >= 15)
			break;
		pid_t pid = fork();
		if (pid < 0)     /* not ck_assert: the child would run it too */
			ck_abort_msg("fork: %s", strerror(errno));
		if (pid == 0) {
			struct mcache *w;
			const char *err;
			unsigned seed = (unsigned)getpid();
			uint32_t live[50];
			if (mcache_open(tmpdir, 7, &w, &err) < 0)
				_exit(2);
			for (;;) {
				uint32_t uid = rand_r(&seed) % 3000 + 1;
				struct mcache_entry e = entry_for(uid, 0,
								  uid % 500);
				if (mcache_put(w, uid, &e, &err) < 0)
					_exit(3);
				if (rand_r(&seed) % 500 == 0) {
					for (int i = 0; i < 50; i++)
						live[i] = (uint32_t)i * 60 + 1;
					if (mcache_compact(w, live, 50, 1,
							   &err) < 0)
						_exit(4);
				}
			}
		}
		usleep((useconds_t)(rand() % 20000));
		kill(pid, SIGKILL);
		int st;
		waitpid(pid, &st, 0);
		ck_assert_msg(WIFSIGNALED(st),
			      "writer: got status %d, want killed", st);
		struct mcache *c = xopen(7);
		for (uint32_t uid = 1; uid <= 3000; uid += 7)
			check_get(c, uid, 0, uid % 500);
		xput(c, 3001, 0, 1);
		EXPECT_INT(check_get(c, 3001, 0, 1), 1);
		mcache_free(&c);
	}
	ck_assert_msg(iter >= 20, "iterations: got %d, want >= 20", iter);
}
END_TEST

START_TEST(speed_100k)
{
	enum { N = 100000 };
	struct mcache *c = xopen(7);
	struct mcache_entry e;
	struct timespec t0, t1;
	double ms;

	/* Built by hand-sized puts would take a while under valgrind; the
	 * records are small (about 120 bytes). */
	for (uint32_t uid = 1; uid <= N; uid++)
		xput(c, uid, 0, 40);
	mcache_free(&c);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	c = xopen(7);
	EXPECT_INT(mcache_get(c, N / 2, &e), 1);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 +
	     (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	fprintf(stderr, "mcache: open + one lookup, 100000 records: %.2f ms\n",
		ms);
	ck_assert_msg(ms < 5000, "open: got %.1f ms, want < 5000", ms);
	EXPECT_INT(mcache_count(c), N);
	mcache_free(&c);
}
END_TEST

/* Queued records reach the file only at the flush, in one piece, each
 * at its own offset (the header CRC covers it); many queued at once
 * flush by themselves. */
START_TEST(queue_and_flush)
{
	struct mcache *c = xopen(7), *other = xopen(7);
	const char *err = NULL;

	for (uint32_t uid = 1; uid <= 2000; uid++) {
		struct mcache_entry e = entry_for(uid, 3, uid % 300);
		ck_assert_msg(mcache_queue(c, uid, &e, &err) == 0,
			      "mcache_queue %u: got error '%s'", uid, err);
	}
	EXPECT_INT(check_get(other, 5, 3, 5), 0);       /* not yet */
	ck_assert_msg(mcache_flush(c, &err) == 0, "flush: '%s'", err);
	EXPECT_INT(mcache_flush(c, &err), 0);           /* nothing left */
	for (uint32_t uid = 1; uid <= 2000; uid++) {
		EXPECT_INT(check_get(other, uid, 3, uid % 300), 1);
		EXPECT_INT(check_get(c, uid, 3, uid % 300), 1);
	}
	/* A put after a flush lands after the queued records. */
	xput(c, 17, 4, 9);
	EXPECT_INT(check_get(c, 17, 4, 9), 1);
	/* Left queued: written when the handle is freed. */
	{
		struct mcache_entry e = entry_for(3000, 0, 12);
		EXPECT_INT(mcache_queue(c, 3000, &e, &err), 0);
	}
	mcache_free(&c);
	EXPECT_INT(check_get(other, 3000, 0, 12), 1);
	mcache_free(&other);
	c = xopen(7);
	EXPECT_INT(mcache_peek(c, 3000, &(struct mcache_entry){ 0 }), 1);
	EXPECT_INT(mcache_count(c), 2001);
	mcache_free(&c);
}
END_TEST

/* A file that may be read but not written: hits, and puts refused. As
 * root permissions do not bind, so only the hits are checked then. */
START_TEST(read_only_file)
{
	struct mcache *c = xopen(9);
	const char *err = NULL;

	xput(c, 4, 0, 30);
	mcache_free(&c);
	ck_assert_int_eq(chmod(path, 0400), 0);
	c = xopen(9);
	EXPECT_INT(check_get(c, 4, 0, 30), 1);
	if (geteuid() != 0) {
		struct mcache_entry e = entry_for(5, 0, 3);
		EXPECT_INT(mcache_readonly(c), 1);
		EXPECT_INT(mcache_put(c, 5, &e, &err), -1);
		EXPECT_INT(check_get(c, 4, 0, 30), 1);
	}
	mcache_free(&c);
	ck_assert_int_eq(chmod(path, 0600), 0);
}
END_TEST

static Suite *
mcache_suite(void)
{
	Suite *s = suite_create("mcache");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, round_trip);
	tcase_add_test(tc, queue_and_flush);
	tcase_add_test(tc, read_only_file);
	tcase_add_test(tc, damage_is_a_miss);
	tcase_add_test(tc, compaction);
	tcase_add_test(tc, refresh_held_handle);
	tcase_add_test(tc, concurrent_writers);
	tcase_add_test(tc, kill9_fault_loop);
	tcase_add_test(tc, speed_100k);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(mcache_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
