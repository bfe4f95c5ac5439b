/* tests/unit/check_mindex.c — store/mindex: MODSEQ assignment (RFC 7162
 * 3.1), the expunge log and its window (5.3), UIDVALIDITY resets, many
 * updaters at once, damaged files, and writers killed with -9. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "store/mindex.h"

#define EXPECT_INT(got, want) do {					\
	long long got_ = (long long)(got), want_ = (long long)(want);	\
	ck_assert_msg(got_ == want_, "%s: got %lld, want %lld",		\
		      #got, got_, want_);				\
} while (0)

#define EXPECT_GE(got, want) do {					\
	unsigned long long got_ = (got), want_ = (want);		\
	ck_assert_msg(got_ >= want_, "%s: got %llu, want >= %llu",	\
		      #got, got_, want_);				\
} while (0)

static char tmpdir[256];

static void
setup(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/check_mindex.XXXXXX");
	ck_assert_msg(mkdtemp(tmpdir) != NULL, "mkdtemp: %s", strerror(errno));
}

static void
teardown(void)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", tmpdir);
}

static struct mindex *
xopen(uint32_t uidvalidity)
{
	struct mindex *ix = NULL;
	const char *err = NULL;

	ck_assert_msg(mindex_open(tmpdir, uidvalidity, &ix, &err) == 0,
		      "mindex_open: got error '%s', want success", err);
	return ix;
}

static int
xupdate(struct mindex *ix, const struct mindex_msg *m, size_t n, int mode)
{
	const char *err = NULL;
	int r = mindex_update(ix, m, n, mode, &err);

	ck_assert_msg(r >= 0, "mindex_update: got %d '%s', want >= 0", r, err);
	return r;
}

/* The records must be sorted, positive and at most HIGHESTMODSEQ. */
static void
check_sane(const struct mindex *ix)
{
	size_t n;
	const struct mindex_rec *r = mindex_records(ix, &n);

	for (size_t i = 0; i < n; i++) {
		ck_assert_msg(i == 0 || r[i].uid > r[i - 1].uid,
			      "uid order: got %u after %u", r[i].uid,
			      i ? r[i - 1].uid : 0);
		ck_assert_msg(r[i].modseq > 0 &&
			      r[i].modseq <= mindex_highest(ix),
			      "uid %u: got modseq %llu, want 1..%llu",
			      r[i].uid, (unsigned long long)r[i].modseq,
			      (unsigned long long)mindex_highest(ix));
	}
}

START_TEST(assign_rules)
{
	struct mindex_msg m[3] = { { 1, 0, 0 }, { 2, 0, 0 }, { 5, 0x10, 1 } };
	struct mindex *ix = xopen(77);
	uint64_t h, m2;
	uint32_t *uids;
	size_t n;

	EXPECT_INT(mindex_highest(ix), 0);
	EXPECT_INT(xupdate(ix, m, 3, MINDEX_FULL), 3);
	EXPECT_INT(mindex_modseq(ix, 1), 1);
	EXPECT_INT(mindex_modseq(ix, 2), 2);
	EXPECT_INT(mindex_modseq(ix, 5), 3);
	EXPECT_INT(mindex_highest(ix), 3);
	/* No change, no MODSEQ (RFC 7162 3.1: setting a set flag SHOULD
	 * NOT change it). */
	EXPECT_INT(xupdate(ix, m, 3, MINDEX_FULL), 0);
	EXPECT_INT(mindex_highest(ix), 3);
	m[1].flags = 0x02;
	EXPECT_INT(xupdate(ix, m, 3, MINDEX_FULL), 1);
	m2 = mindex_modseq(ix, 2);
	EXPECT_INT(m2, 4);
	/* A partial update leaves the others alone. */
	m[2].keywords = 3;
	EXPECT_INT(xupdate(ix, &m[2], 1, MINDEX_PARTIAL), 1);
	EXPECT_INT(mindex_modseq(ix, 5), 5);
	EXPECT_INT(mindex_modseq(ix, 1), 1);
	/* Expunge uid 1. */
	EXPECT_INT(xupdate(ix, &m[1], 2, MINDEX_FULL), 1);
	EXPECT_INT(mindex_modseq(ix, 1), 0);
	h = mindex_highest(ix);
	EXPECT_INT(h, 6);
	EXPECT_INT(mindex_expunged_since(ix, 0, &uids, &n), 1);
	EXPECT_INT(n, 1);
	EXPECT_INT(uids[0], 1);
	free(uids);
	EXPECT_INT(mindex_expunged_since(ix, 6, &uids, &n), 1);
	EXPECT_INT(n, 0);
	free(uids);
	/* Unsorted input is refused. */
	{
		struct mindex_msg bad[2] = { { 3, 0, 0 }, { 2, 0, 0 } };
		const char *err;
		EXPECT_INT(mindex_update(ix, bad, 2, MINDEX_FULL, &err), -1);
	}
	mindex_free(&ix);
	/* Reopened: the same MODSEQs, HIGHESTMODSEQ not lower. */
	ix = xopen(77);
	EXPECT_INT(mindex_modseq(ix, 2), 4);
	EXPECT_INT(mindex_modseq(ix, 5), 5);
	EXPECT_GE(mindex_highest(ix), h);
	EXPECT_INT(xupdate(ix, &m[1], 2, MINDEX_FULL), 0);
	check_sane(ix);
	mindex_free(&ix);
	ck_assert_ptr_null(ix);
}
END_TEST

START_TEST(uidvalidity_reset)
{
	struct mindex_msg m[2] = { { 1, 0, 0 }, { 2, 0, 0 } };
	struct mindex *ix = xopen(10), *other;
	uint64_t h;
	uint32_t *uids;
	size_t n;
	const char *err;

	xupdate(ix, m, 2, MINDEX_FULL);
	xupdate(ix, m, 1, MINDEX_FULL);
	h = mindex_highest(ix);
	other = xopen(11);
	EXPECT_INT(mindex_records(other, &n) != NULL || n == 0, 1);
	EXPECT_INT(n, 0);
	EXPECT_GE(mindex_highest(other), h);
	EXPECT_INT(mindex_expunged_since(other, 0, &uids, &n), 0);
	EXPECT_INT(n, 0);
	free(uids);
	/* The stale process is told. */
	EXPECT_INT(mindex_update(ix, m, 2, MINDEX_FULL, &err), MINDEX_RESET);
	EXPECT_INT(xupdate(other, m, 2, MINDEX_FULL), 2);
	ck_assert_msg(mindex_modseq(other, 1) > h,
		      "modseq after reset: got %llu, want > %llu",
		      (unsigned long long)mindex_modseq(other, 1),
		      (unsigned long long)h);
	mindex_free(&ix);
	mindex_free(&other);
}
END_TEST

START_TEST(expunge_window)
{
	struct mindex_msg m[40];
	struct mindex *ix = xopen(5);
	uint32_t *uids;
	size_t n;
	uint64_t floor;
	const char *err;

	for (int i = 0; i < 40; i++)
		m[i] = (struct mindex_msg){ (uint32_t)i + 1, 0, 0 };
	xupdate(ix, m, 40, MINDEX_FULL);
	mindex_set_expunge_limit(ix, 10);
	/* Expunge 1..30, one at a time. */
	for (int i = 1; i <= 30; i++)
		EXPECT_INT(xupdate(ix, m + i, (size_t)(40 - i), MINDEX_FULL), 1);
	EXPECT_INT(mindex_compact(ix, &err), 0);
	floor = mindex_expunge_floor(ix);
	EXPECT_INT(floor, 60);  /* uid 20, the last dropped: 40 + 20 */
	EXPECT_INT(mindex_expunged_since(ix, floor, &uids, &n), 1);
	EXPECT_INT(n, 10);
	EXPECT_INT(uids[0], 21);
	EXPECT_INT(uids[9], 30);
	free(uids);
	EXPECT_INT(mindex_expunged_since(ix, floor - 1, &uids, &n), 0);
	free(uids);
	EXPECT_INT(mindex_expunged_since(ix, floor + 5, &uids, &n), 1);
	EXPECT_INT(n, 5);
	free(uids);
	mindex_free(&ix);
	ix = xopen(5);
	EXPECT_INT(mindex_expunge_floor(ix), floor);
	EXPECT_INT(mindex_expunged_since(ix, floor, &uids, &n), 1);
	EXPECT_INT(n, 10);
	free(uids);
	mindex_free(&ix);
}
END_TEST

/* A first update big enough to go straight into a snapshot, into an
 * empty table: the table it makes must be the one the file gives back,
 * and must take inserts, flag changes and expunges afterwards. Then the
 * same once every record is expunged but the expunge log is not empty. */
START_TEST(first_snapshot)
{
	enum { N = 20000 };
	struct mindex_msg *m = malloc(2 * N * sizeof(*m));
	struct mindex *ix = xopen(6), *again;
	const struct mindex_rec *r, *r2;
	uint32_t *uids;
	size_t n, n2;

	for (int i = 0; i < N; i++)
		m[i] = (struct mindex_msg){ 2 * (uint32_t)i + 2, (unsigned)i & 7,
					    0 };
	EXPECT_INT(xupdate(ix, m, N, MINDEX_FULL), N);
	r = mindex_records(ix, &n);
	EXPECT_INT(n, N);
	for (int i = 0; i < N; i++) {
		EXPECT_INT(r[i].uid, 2 * i + 2);
		EXPECT_INT(r[i].modseq, i + 1);
		EXPECT_INT(r[i].state, mindex_state((unsigned)i & 7, 0));
	}
	EXPECT_INT(mindex_highest(ix), N);
	again = xopen(6);
	r2 = mindex_records(again, &n2);
	EXPECT_INT(n2, N);
	ck_assert_msg(memcmp(r, r2, n * sizeof(*r)) == 0,
		      "records read back differ from those written");
	EXPECT_GE(mindex_highest(again), N);   /* opens at the ceiling */
	mindex_free(&again);
	/* uid 1 before all, a flag change, uid 4 gone */
	memmove(m + 1, m, N * sizeof(*m));
	m[0] = (struct mindex_msg){ 1, 0, 0 };
	m[1].flags ^= 1;
	memmove(m + 2, m + 3, (N - 2) * sizeof(*m));
	EXPECT_INT(xupdate(ix, m, N, MINDEX_FULL), 3);
	check_sane(ix);
	EXPECT_INT(mindex_modseq(ix, 1), N + 1);
	EXPECT_INT(mindex_modseq(ix, 2), N + 2);
	EXPECT_INT(mindex_modseq(ix, 4), 0);
	EXPECT_INT(mindex_expunged_since(ix, N, &uids, &n), 1);
	EXPECT_INT(n, 1);
	EXPECT_INT(uids[0], 4);
	free(uids);
	/* all gone: an empty table with an expunge log; then twice as
	 * many new ones, so that they go straight into a snapshot again */
	EXPECT_INT(xupdate(ix, m, 0, MINDEX_FULL), N);
	EXPECT_INT(mindex_highest(ix), 2 * N + 3);
	for (int i = 0; i < 2 * N; i++)
		m[i] = (struct mindex_msg){ 3 * N + (uint32_t)i, 0, 0 };
	EXPECT_INT(xupdate(ix, m, 2 * N, MINDEX_FULL), 2 * N);
	check_sane(ix);
	(void)mindex_records(ix, &n);
	EXPECT_INT(n, 2 * N);
	EXPECT_INT(mindex_modseq(ix, 3 * N), 2 * N + 4);
	EXPECT_INT(mindex_expunged_since(ix, N + 3, &uids, &n), 1);
	EXPECT_INT(n, N);
	free(uids);
	mindex_free(&ix);
	ix = xopen(6);
	check_sane(ix);
	EXPECT_INT(mindex_modseq(ix, 5 * N - 1), 4 * N + 3);
	EXPECT_INT(mindex_expunged_since(ix, N + 3, &uids, &n), 1);
	EXPECT_INT(n, N);
	free(uids);
	mindex_free(&ix);
	free(m);
}
END_TEST

/* Several processes change flags of the same messages at once. */
START_TEST(concurrent_updaters)
{
	enum { PROCS = 4, ROUNDS = 60, MSGS = 20 };
	struct mindex_msg m[MSGS];
	struct mindex *ix = xopen(9);
	/* Per process and round: uid, and the MODSEQ it got (0: none). */
	uint64_t *got = mmap(NULL, sizeof(uint64_t) * 2 * PROCS * ROUNDS,
			     PROT_READ | PROT_WRITE,
			     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	uint64_t max = 0;
	size_t total = 0;

	ck_assert_ptr_ne(got, MAP_FAILED);
	for (int i = 0; i < MSGS; i++)
		m[i] = (struct mindex_msg){ (uint32_t)i + 1, 0, 0 };
	xupdate(ix, m, MSGS, MINDEX_FULL);
	mindex_free(&ix);
	for (int p = 0; p < PROCS; p++) {
		pid_t pid = fork();
		if (pid < 0)     /* not ck_assert: the child would run it too */
			ck_abort_msg("fork: %s", strerror(errno));
		if (pid > 0)
			continue;
		struct mindex *c;
		const char *err;
		if (mindex_open(tmpdir, 9, &c, &err) < 0)
			_exit(2);
		srand((unsigned)getpid());
		for (int r = 0; r < ROUNDS; r++) {
			struct mindex_msg one = {
				(uint32_t)(rand() % MSGS) + 1,
				(unsigned)(p * ROUNDS + r) & 63, 0 };
			int k = mindex_update(c, &one, 1, MINDEX_PARTIAL,
					      &err);
			if (k < 0)
				_exit(3);
			got[2 * (p * ROUNDS + r)] = one.uid;
			got[2 * (p * ROUNDS + r) + 1] =
				k ? mindex_modseq(c, one.uid) : 0;
		}
		mindex_free(&c);
		_exit(0);
	}
	for (int p = 0; p < PROCS; p++) {
		int st;
		ck_assert_int_ge(wait(&st), 0);
		ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0,
			      "child: got status %d, want exit 0", st);
	}
	ix = xopen(9);
	for (size_t i = 0; i < PROCS * ROUNDS; i++) {
		uint64_t s = got[2 * i + 1];
		if (s == 0)
			continue;
		total++;
		max = s > max ? s : max;
		for (size_t j = i + 1; j < PROCS * ROUNDS; j++)
			ck_assert_msg(got[2 * j + 1] != s,
				      "modseq %llu given twice, want unique",
				      (unsigned long long)s);
	}
	ck_assert_msg(total > PROCS * ROUNDS / 2,
		      "changes: got %zu, want most of %d", total,
		      PROCS * ROUNDS);
	EXPECT_GE(mindex_highest(ix), max);
	/* Each message's MODSEQ is the last one given to it. */
	for (uint32_t uid = 1; uid <= MSGS; uid++) {
		uint64_t last = 0;
		for (size_t i = 0; i < PROCS * ROUNDS; i++)
			if (got[2 * i] == uid && got[2 * i + 1] > last)
				last = got[2 * i + 1];
		if (last != 0)
			EXPECT_INT(mindex_modseq(ix, uid), last);
	}
	check_sane(ix);
	mindex_free(&ix);
	munmap(got, sizeof(uint64_t) * 2 * PROCS * ROUNDS);
}
END_TEST

static void *
slurp(const char *path, size_t *len_r)
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
spew(const char *path, const void *buf, size_t len)
{
	FILE *fp = fopen(path, "wb");

	ck_assert_ptr_nonnull(fp);
	ck_assert_int_eq(fwrite(buf, 1, len, fp), len);
	fclose(fp);
}

/* After damage: it opens, HIGHESTMODSEQ is not lower, and a full update
 * brings it back in step with every MODSEQ new or kept. */
static void
check_recovers(const struct mindex_msg *m, size_t n, uint64_t h,
	       const char *what, size_t at)
{
	struct mindex *ix = NULL;
	const char *err;

	ck_assert_msg(mindex_open(tmpdir, 3, &ix, &err) == 0,
		      "%s at %zu: got error '%s', want open", what, at, err);
	ck_assert_msg(mindex_highest(ix) >= h,
		      "%s at %zu: highest got %llu, want >= %llu", what, at,
		      (unsigned long long)mindex_highest(ix),
		      (unsigned long long)h);
	ck_assert_msg(mindex_update(ix, m, n, MINDEX_FULL, &err) >= 0,
		      "%s at %zu: update failed: %s", what, at, err);
	for (size_t i = 0; i < n; i++)
		ck_assert_msg(mindex_modseq(ix, m[i].uid) != 0,
			      "%s at %zu: uid %u has no modseq", what, at,
			      m[i].uid);
	check_sane(ix);
	mindex_free(&ix);
}

START_TEST(damage_recovery)
{
	enum { N = 60 };
	struct mindex_msg m[N];
	struct mindex *ix = xopen(3);
	char path[300], hwm[300];
	unsigned char *idx, *hw, *bad;
	size_t ilen, hlen;
	uint64_t h;

	for (int i = 0; i < N; i++)
		m[i] = (struct mindex_msg){ (uint32_t)i + 1, 0, 0 };
	xupdate(ix, m, N, MINDEX_FULL);
	mindex_compact(ix, &(const char *){ NULL });
	/* Then a log: flag changes and expunges after the snapshot. */
	for (int i = 0; i < 10; i++) {
		m[i * 3].flags = 0x10;
		xupdate(ix, m + 5, N - 5, MINDEX_FULL);
	}
	h = mindex_highest(ix);
	mindex_free(&ix);
	snprintf(path, sizeof(path), "%s/skua.index", tmpdir);
	snprintf(hwm, sizeof(hwm), "%s/skua.index.hwm", tmpdir);
	idx = slurp(path, &ilen);
	hw = slurp(hwm, &hlen);
	bad = malloc(ilen);
	for (size_t at = 0; at < ilen; at += 5) {
		memcpy(bad, idx, ilen);
		bad[at] ^= 0x5a;
		spew(path, bad, ilen);
		spew(hwm, hw, hlen);
		check_recovers(m + 5, N - 5, h, "corrupt index", at);
	}
	for (size_t at = 0; at < ilen; at += 7) {
		spew(path, idx, at);
		spew(hwm, hw, hlen);
		check_recovers(m + 5, N - 5, h, "truncated index", at);
	}
	for (size_t at = 0; at <= hlen; at++) {
		spew(path, idx, ilen);
		memcpy(bad, hw, hlen);
		if (at < hlen)
			bad[at] ^= 0x11;
		spew(hwm, bad, at < hlen ? hlen : at / 2);
		check_recovers(m + 5, N - 5, h, "damaged hwm", at);
	}
	unlink(path);
	spew(hwm, hw, hlen);
	check_recovers(m + 5, N - 5, h, "deleted index", 0);
	free(idx);
	free(hw);
	free(bad);
}
END_TEST

/* A writer killed with -9 at random points: the index opens, and no
 * MODSEQ it reported is above HIGHESTMODSEQ afterwards. */
START_TEST(kill9_fault_loop)
{
	enum { N = 300 };
	volatile uint64_t *reported = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
					   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	struct timeval t0, t;
	int iter;

	ck_assert_ptr_ne((void *)reported, MAP_FAILED);
	srand(4242);
	gettimeofday(&t0, NULL);
	for (iter = 0; iter < 200; iter++) {
		gettimeofday(&t, NULL);
		if (t.tv_sec - t0.tv_sec >= 15)
			break;
		pid_t pid = fork();
		if (pid < 0)     /* not ck_assert: the child would run it too */
			ck_abort_msg("fork: %s", strerror(errno));
		if (pid == 0) {
			struct mindex_msg m[N];
			struct mindex *ix;
			const char *err;
			unsigned seed = (unsigned)getpid();
			if (mindex_open(tmpdir, 1, &ix, &err) < 0)
				_exit(2);
			mindex_set_expunge_limit(ix, 50);
			for (uint32_t round = 0;; round++) {
				size_t k = 0;
				uint32_t base = round % 200;
				for (uint32_t u = 1; u <= N; u++)
					if (rand_r(&seed) % 10 || u < base)
						m[k++] = (struct mindex_msg){
							u + base,
							rand_r(&seed) % 4, 0 };
				if (mindex_update(ix, m, k, MINDEX_FULL,
						  &err) < 0)
					_exit(3);
				if (mindex_highest(ix) > reported[0])
					reported[0] = mindex_highest(ix);
			}
		}
		usleep((useconds_t)(rand() % 20000));
		kill(pid, SIGKILL);
		int st;
		waitpid(pid, &st, 0);
		ck_assert_msg(WIFSIGNALED(st),
			      "writer: got status %d, want killed", st);
		struct mindex *ix = xopen(1);
		ck_assert_msg(mindex_highest(ix) >= reported[0],
			      "iteration %d: highest got %llu, want >= %llu",
			      iter, (unsigned long long)mindex_highest(ix),
			      (unsigned long long)reported[0]);
		check_sane(ix);
		mindex_free(&ix);
	}
	ck_assert_msg(iter >= 20, "iterations: got %d, want >= 20", iter);
	munmap((void *)reported, 4096);
}
END_TEST

static double
ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) * 1e3 +
	       (double)(t.tv_nsec - t0->tv_nsec) / 1e6;
}

/* Measures open + update with nothing changed for 100,000 messages;
 * prints it, asserts only a loose bound (valgrind runs this too). */
START_TEST(speed_100k)
{
	enum { N = 100000 };
	struct mindex_msg *m = malloc(N * sizeof(*m));
	struct mindex *ix = xopen(2);
	struct timespec t0;
	double ms;

	for (int i = 0; i < N; i++)
		m[i] = (struct mindex_msg){ (uint32_t)i + 1, (unsigned)i & 31,
					    0 };
	EXPECT_INT(xupdate(ix, m, N, MINDEX_FULL), N);
	/* A log tail too: 1000 flag changes after the snapshot. */
	for (int i = 0; i < 1000; i++)
		m[i * 97].flags ^= 1;
	EXPECT_INT(xupdate(ix, m, N, MINDEX_FULL), 1000);
	mindex_free(&ix);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ix = xopen(2);
	EXPECT_INT(xupdate(ix, m, N, MINDEX_FULL), 0);
	ms = ms_since(&t0);
	fprintf(stderr, "mindex: open+update, 100000 messages, no change: "
		"%.2f ms\n", ms);
	ck_assert_msg(ms < 5000, "open+update: got %.1f ms, want < 5000", ms);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	EXPECT_INT(xupdate(ix, m, N, MINDEX_FULL), 0);
	fprintf(stderr, "mindex: update alone, no change: %.2f ms\n",
		ms_since(&t0));
	mindex_free(&ix);
	free(m);
}
END_TEST

/* --- lazy records and generations ------------------------------------ */

static void
fill(struct mindex_msg *m, size_t n)
{
	for (size_t i = 0; i < n; i++)
		m[i] = (struct mindex_msg){ (uint32_t)(2 * i + 1),
					    (unsigned)i & 31, 0 };
}

static void
gen_of(const struct mindex *ix, struct mindex_gen *g)
{
	mindex_generation(ix, g);
	ck_assert_msg(g->end != 0, "generation: got end 0, want a file read");
}

/* Flips one byte of the file in place (the same inode, as damage on
 * disk would be, not a new file). */
static void
flip_byte(const char *name, off_t at)
{
	char path[300];
	unsigned char c;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	fd = open(path, O_RDWR);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pread(fd, &c, 1, at), 1);
	c ^= 0x5a;
	ck_assert_int_eq(pwrite(fd, &c, 1, at), 1);
	close(fd);
}

/* An open of a 100,000-message index reads no records, with or without
 * a log after the snapshot; the first query reads them. */
START_TEST(lazy_open_100k)
{
	enum { N = 100000 };
	struct mindex_msg *m = malloc(N * sizeof(*m));
	struct mindex *ix = xopen(4), *w;
	struct timespec t0;
	size_t n;
	double ms;

	fill(m, N);
	EXPECT_INT(xupdate(ix, m, N, MINDEX_FULL), N);
	EXPECT_GE(mindex_bytes(ix), N * sizeof(struct mindex_rec));
	mindex_free(&ix);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ix = xopen(4);
	ms = ms_since(&t0);
	fprintf(stderr, "mindex: open, 100000 messages: %.3f ms, %zu bytes\n",
		ms, mindex_bytes(ix));
	EXPECT_INT(mindex_bytes(ix), 0);
	EXPECT_GE(mindex_highest(ix), N);
	EXPECT_INT(mindex_bytes(ix), 0);
	EXPECT_INT(mindex_modseq(ix, 2 * 500 + 1), 501);
	EXPECT_GE(mindex_bytes(ix), N * sizeof(struct mindex_rec));
	(void)mindex_records(ix, &n);
	EXPECT_INT(n, N);
	mindex_free(&ix);
	/* A log tail (flag changes and an expunge) is checked, not applied,
	 * until needed. */
	w = xopen(4);
	m[7].flags ^= 1;
	m[9000].keywords = 5;
	EXPECT_INT(xupdate(w, m, N, MINDEX_FULL), 2);
	EXPECT_INT(xupdate(w, m + 1, N - 1, MINDEX_FULL), 1);
	ix = xopen(4);
	EXPECT_INT(mindex_bytes(ix), 0);
	EXPECT_GE(mindex_highest(ix), mindex_highest(w));
	EXPECT_INT(mindex_modseq(ix, m[7].uid), mindex_modseq(w, m[7].uid));
	EXPECT_INT(mindex_modseq(ix, m[9000].uid),
		   mindex_modseq(w, m[9000].uid));
	EXPECT_INT(mindex_modseq(ix, m[0].uid), 0);
	(void)mindex_records(ix, &n);
	EXPECT_INT(n, N - 1);
	mindex_free(&ix);
	mindex_free(&w);
	free(m);
}
END_TEST

/* What a handle answers, its records, expunges and floor. */
struct answers {
	struct mindex_rec *recs;
	size_t n;
	uint32_t *exp;
	size_t nexp;
	int complete;
	uint64_t floor, highest;
};

static void
answers_take(struct mindex *ix, struct answers *a, uint64_t since)
{
	const struct mindex_rec *r = mindex_records(ix, &a->n);

	a->recs = malloc(a->n * sizeof(*r) + 1);
	memcpy(a->recs, r, a->n * sizeof(*r));
	a->complete = mindex_expunged_since(ix, since, &a->exp, &a->nexp);
	a->floor = mindex_expunge_floor(ix);
	a->highest = mindex_highest(ix);
}

static void
answers_same(const struct answers *a, const struct answers *b,
	     const char *what)
{
	ck_assert_msg(a->n == b->n && memcmp(a->recs, b->recs,
					     a->n * sizeof(*a->recs)) == 0,
		      "%s: records differ (%zu, %zu)", what, a->n, b->n);
	ck_assert_msg(a->nexp == b->nexp && a->complete == b->complete &&
		      (a->nexp == 0 ||
		       memcmp(a->exp, b->exp, a->nexp * sizeof(*a->exp)) == 0),
		      "%s: expunges differ (%zu, %zu)", what, a->nexp, b->nexp);
	EXPECT_INT(a->floor, b->floor);
}

static void
answers_free(struct answers *a)
{
	free(a->recs);
	free(a->exp);
}

/* Whichever query comes first after an open, the answers are those of
 * the writer, which has everything in memory; an update after a lazy
 * open gives the MODSEQs an eager one gives. */
START_TEST(lazy_same_answers)
{
	enum { N = 3000 };
	struct mindex_msg *m = malloc(N * sizeof(*m));
	struct mindex *w = xopen(8), *ix;
	struct answers ref = { 0 }, got = { 0 };
	const char *err;
	uint64_t since, highest = 0;

	fill(m, N);
	xupdate(w, m, N, MINDEX_FULL);
	xupdate(w, m + 10, N - 10, MINDEX_FULL);        /* 10 expunges */
	EXPECT_INT(mindex_compact(w, &err), 0);
	since = mindex_highest(w) - 4;
	m[20].flags ^= 2;
	m[N - 1].keywords = 1;
	xupdate(w, m + 12, N - 12, MINDEX_FULL);        /* log: 2 + 2 */
	answers_take(w, &ref, since);
	mindex_free(&w);
	for (int first = 0; first < 5; first++) {
		ix = xopen(8);
		EXPECT_INT(mindex_bytes(ix), 0);
		switch (first) {
		case 0: (void)mindex_modseq(ix, m[20].uid); break;
		case 1: (void)mindex_records(ix, &got.n); break;
		case 2: {
			uint32_t *u;
			size_t k;
			(void)mindex_expunged_since(ix, since, &u, &k);
			free(u);
			break;
		}
		case 3: (void)mindex_expunge_floor(ix); break;
		case 4: EXPECT_INT(xupdate(ix, m + 12, N - 12, MINDEX_FULL),
				   0); break;
		}
		answers_take(ix, &got, since);
		answers_same(&ref, &got, "lazy");
		/* (an open counts on from the ceiling) */
		EXPECT_GE(got.highest, ref.highest);
		if (first == 0)
			highest = got.highest;
		EXPECT_INT(got.highest, highest);
		answers_free(&got);
		mindex_free(&ix);
	}
	EXPECT_INT(ref.n, N - 12);
	EXPECT_INT(ref.nexp, 4 + 2);
	EXPECT_INT(ref.complete, 1);
	/* An update with a change, first thing after the open. */
	ix = xopen(8);
	m[30].flags ^= 4;
	EXPECT_INT(xupdate(ix, m + 12, N - 12, MINDEX_FULL), 1);
	ck_assert_msg(mindex_modseq(ix, m[30].uid) > ref.highest,
		      "new modseq: got %llu, want > %llu",
		      (unsigned long long)mindex_modseq(ix, m[30].uid),
		      (unsigned long long)ref.highest);
	for (size_t i = 0; i < ref.n; i++)
		if (ref.recs[i].uid != m[30].uid)
			EXPECT_INT(mindex_modseq(ix, ref.recs[i].uid),
				   ref.recs[i].modseq);
	check_sane(ix);
	mindex_free(&ix);
	answers_free(&ref);
	free(m);
}
END_TEST

/* A body found damaged at the first query, at the first update, or a
 * log changed on disk after the open checked it: handled as an open of
 * a damaged file is (the records forgotten, HIGHESTMODSEQ kept, the file
 * rebuilt), and a full update then brings it back in step. */
START_TEST(lazy_damage)
{
	enum { N = 60 };
	struct mindex_msg m[N];
	struct mindex *ix = xopen(3), *again;
	char path[300];
	unsigned char *good;
	size_t len, n;
	uint32_t *uids;
	uint64_t h;
	const char *err;

	fill(m, N);
	xupdate(ix, m, N, MINDEX_FULL);
	xupdate(ix, m + 2, N - 2, MINDEX_FULL);
	EXPECT_INT(mindex_compact(ix, &err), 0);
	h = mindex_highest(ix);
	mindex_free(&ix);
	snprintf(path, sizeof(path), "%s/skua.index", tmpdir);
	good = slurp(path, &len);
	for (int how = 0; how < 4; how++) {
		struct stat st0, st1;
		spew(path, good, len);
		ix = xopen(3);
		ck_assert_int_eq(stat(path, &st0), 0);
		EXPECT_INT(mindex_bytes(ix), 0);
		EXPECT_GE(mindex_highest(ix), h);
		flip_byte("skua.index", 48 + 16 * (how + 3) + 4);
		switch (how) {
		case 0: EXPECT_INT(mindex_modseq(ix, m[5].uid), 0); break;
		case 1: EXPECT_INT(mindex_expunged_since(ix, 0, &uids, &n),
				   0);
			EXPECT_INT(n, 0);
			free(uids);
			break;
		case 2: (void)mindex_records(ix, &n);
			EXPECT_INT(n, 0);
			break;
		case 3: ck_assert_int_ge(mindex_update(ix, m + 2, N - 2,
						       MINDEX_FULL, &err),
					 0);
			break;
		}
		EXPECT_GE(mindex_highest(ix), h);
		if (how < 3) {
			/* As after an open of the damaged file: nothing
			 * known, the expunge log empty above HIGHEST. */
			(void)mindex_records(ix, &n);
			EXPECT_INT(n, 0);
			EXPECT_INT(mindex_expunge_floor(ix),
				   mindex_highest(ix));
		}
		/* The file was rebuilt: another open finds it sound. */
		ck_assert_int_eq(stat(path, &st1), 0);
		ck_assert_msg(st1.st_ino != st0.st_ino,
			      "how %d: file not rebuilt", how);
		again = xopen(3);
		EXPECT_GE(mindex_highest(again), h);
		(void)mindex_records(again, &n);
		EXPECT_INT(n, how < 3 ? 0 : N - 2);
		mindex_free(&again);
		check_recovers(m + 2, N - 2, h, "lazy damage", (size_t)how);
		check_sane(ix);
		mindex_free(&ix);
	}
	/* A log record, checked by the open, changed before the body is
	 * read. */
	spew(path, good, len);
	ix = xopen(3);
	m[40].flags = 7;
	xupdate(ix, m + 2, N - 2, MINDEX_FULL);
	h = mindex_highest(ix);
	mindex_free(&ix);
	ix = xopen(3);
	EXPECT_INT(mindex_bytes(ix), 0);
	flip_byte("skua.index", (off_t)len + 24 + 4);
	EXPECT_INT(mindex_modseq(ix, m[40].uid), 0);
	EXPECT_GE(mindex_highest(ix), h);
	mindex_free(&ix);
	check_recovers(m + 2, N - 2, h, "lazy log damage", 0);
	free(good);
}
END_TEST

/* The generation: equal for a second handle when nothing was written,
 * whether the last write was a log record or a snapshot; different after
 * any update or compaction by another handle. */
START_TEST(generation)
{
	enum { N = 5000 };
	struct mindex_msg *m = malloc(N * sizeof(*m));
	struct mindex *w = xopen(12), *r;
	struct mindex_gen gw, gr, g0;
	const char *err;

	fill(m, N);
	mindex_generation(w, &g0);
	xupdate(w, m, N, MINDEX_FULL);                  /* a snapshot */
	gen_of(w, &gw);
	ck_assert_msg(!mindex_gen_eq(&g0, &gw), "gen: unchanged by update");
	r = xopen(12);
	gen_of(r, &gr);
	ck_assert_msg(mindex_gen_eq(&gw, &gr), "gen: open after snapshot");
	(void)mindex_records(r, &(size_t){ 0 });        /* reading it */
	gen_of(r, &gr);
	ck_assert_msg(mindex_gen_eq(&gw, &gr), "gen: changed by reading");
	mindex_free(&r);
	/* No change: the same generation, for the writer too. */
	EXPECT_INT(xupdate(w, m, N, MINDEX_FULL), 0);
	gen_of(w, &gr);
	ck_assert_msg(mindex_gen_eq(&gw, &gr), "gen: changed by no-op");
	/* A log record by the writer: a fresh open sees its end. */
	m[3].flags ^= 1;
	EXPECT_INT(xupdate(w, m, N, MINDEX_FULL), 1);
	gen_of(w, &gr);
	ck_assert_msg(!mindex_gen_eq(&gw, &gr), "gen: same after a change");
	gw = gr;
	r = xopen(12);
	gen_of(r, &gr);
	ck_assert_msg(mindex_gen_eq(&gw, &gr), "gen: open after a log record");
	EXPECT_INT(mindex_bytes(r), 0);
	/* Another handle writes: the old generation no longer matches. */
	m[4].keywords = 2;
	EXPECT_INT(xupdate(r, m, N, MINDEX_FULL), 1);
	gen_of(r, &gr);
	ck_assert_msg(!mindex_gen_eq(&gw, &gr), "gen: same after other's update");
	mindex_free(&r);
	r = xopen(12);
	gen_of(r, &gr);
	ck_assert_msg(!mindex_gen_eq(&gw, &gr), "gen: open after other's update");
	/* The writer catches up and matches again. */
	ck_assert_int_eq(mindex_refresh(w, &err), 0);
	gen_of(w, &gw);
	ck_assert_msg(mindex_gen_eq(&gw, &gr), "gen: refresh");
	/* An expunge, then a compaction by another handle. */
	EXPECT_INT(xupdate(r, m + 1, N - 1, MINDEX_FULL), 1);
	mindex_free(&r);
	r = xopen(12);
	gen_of(r, &gr);
	ck_assert_msg(!mindex_gen_eq(&gw, &gr), "gen: same after expunge");
	ck_assert_int_eq(mindex_refresh(w, &err), 0);
	gen_of(w, &gw);
	ck_assert_msg(mindex_gen_eq(&gw, &gr), "gen: refresh after expunge");
	EXPECT_INT(mindex_compact(r, &err), 0);
	mindex_free(&r);
	r = xopen(12);
	gen_of(r, &gr);
	ck_assert_msg(!mindex_gen_eq(&gw, &gr), "gen: same after compaction");
	mindex_free(&r);
	/* No generation equals one from nothing read. */
	memset(&g0, 0, sizeof(g0));
	ck_assert_msg(!mindex_gen_eq(&g0, &g0), "gen: empty equals empty");
	mindex_free(&w);
	free(m);
}
END_TEST

static Suite *
mindex_suite(void)
{
	Suite *s = suite_create("mindex");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, assign_rules);
	tcase_add_test(tc, uidvalidity_reset);
	tcase_add_test(tc, expunge_window);
	tcase_add_test(tc, first_snapshot);
	tcase_add_test(tc, concurrent_updaters);
	tcase_add_test(tc, damage_recovery);
	tcase_add_test(tc, kill9_fault_loop);
	tcase_add_test(tc, speed_100k);
	tcase_add_test(tc, lazy_open_100k);
	tcase_add_test(tc, lazy_same_answers);
	tcase_add_test(tc, lazy_damage);
	tcase_add_test(tc, generation);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(mindex_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
