/* tests/unit/check_uidmap.c — sequence numbers <-> UIDs: every lookup
 * right on small maps, stale or indexed, after compaction, and on a
 * million messages with dense, gappy and clustered UIDs, within the
 * memory the view promises (under 6 bytes a message with its state
 * byte). */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>

#include "imap/uidmap.h"

#define MILLION 1000000

/* Checks every held UID both ways, the UIDs between them (absent), and
 * seq_at_least around each. Plain comparisons in the loop: each of
 * Check's assertions writes to its pipe, too slow a million times. */
static void
check_all(const struct uidmap *m)
{
	uint32_t bad = 0;

	for (uint32_t seq = 1; seq <= m->n && bad == 0; seq++) {
		uint32_t uid = uidmap_uid(m, seq);

		if (uidmap_seq(m, uid) != seq ||
		    uidmap_seq_at_least(m, uid) != seq)
			bad = seq;
		if (seq > 1 && uid - 1 > uidmap_uid(m, seq - 1) &&
		    (uidmap_seq(m, uid - 1) != 0 ||
		     uidmap_seq_at_least(m, uid - 1) != seq))
			bad = seq;
	}
	ck_assert_msg(bad == 0, "lookups wrong around seq %u uid %u", bad,
		      uidmap_uid(m, bad));
	if (m->n > 0) {
		uint32_t last = uidmap_uid(m, (uint32_t)m->n);
		ck_assert_uint_eq(uidmap_seq_at_least(m, last + 1), m->n + 1);
		ck_assert_uint_eq(uidmap_seq(m, last + 1), 0);
	}
	ck_assert_uint_eq(uidmap_uid(m, 0), 0);
	ck_assert_uint_eq(uidmap_uid(m, (uint32_t)m->n + 1), 0);
}

/* The largest number of UIDs one bucket holds: the work of a lookup. */
static size_t
widest_bucket(const struct uidmap *m)
{
	size_t w = 0;

	for (size_t b = 0; b < m->nbuckets; b++)
		if (m->bucket[b + 1] - m->bucket[b] > w)
			w = m->bucket[b + 1] - m->bucket[b];
	return w;
}

START_TEST(empty)
{
	struct uidmap m;

	uidmap_init(&m);
	ck_assert_uint_eq(uidmap_seq(&m, 1), 0);
	ck_assert_uint_eq(uidmap_seq_at_least(&m, 1), 1);
	uidmap_reindex(&m);
	ck_assert_uint_eq(uidmap_seq(&m, 7), 0);
	ck_assert_uint_eq(uidmap_uid(&m, 1), 0);
	uidmap_free(&m);
}
END_TEST

START_TEST(small_stale_and_indexed)
{
	static const uint32_t uids[] = { 3, 4, 9, 10, 11, 40, 41, 1000 };
	struct uidmap m;

	uidmap_init(&m);
	for (size_t i = 0; i < sizeof(uids) / sizeof(uids[0]); i++)
		ck_assert_int_eq(uidmap_append(&m, uids[i]), 0);
	ck_assert_int_eq(uidmap_append(&m, 1000), -1);
	ck_assert_int_eq(uidmap_append(&m, 5), -1);
	ck_assert_int_eq(uidmap_append(&m, 0), -1);
	ck_assert_uint_eq(m.n, 8);
	check_all(&m);                  /* stale: binary search */
	uidmap_reindex(&m);
	ck_assert(m.nbuckets <= m.n);
	check_all(&m);
	ck_assert_uint_eq(uidmap_seq_at_least(&m, 1), 1);
	ck_assert_uint_eq(uidmap_seq_at_least(&m, 12), 6);
	ck_assert_uint_eq(uidmap_seq_at_least(&m, 999), 8);
	uidmap_free(&m);
}
END_TEST

START_TEST(single)
{
	struct uidmap m;

	uidmap_init(&m);
	uidmap_append(&m, 4000000000u);
	uidmap_reindex(&m);
	ck_assert_uint_eq(uidmap_seq(&m, 4000000000u), 1);
	ck_assert_uint_eq(uidmap_seq(&m, 1), 0);
	ck_assert_uint_eq(uidmap_seq(&m, UINT32_MAX), 0);
	ck_assert_uint_eq(uidmap_seq_at_least(&m, UINT32_MAX), 2);
	uidmap_free(&m);
}
END_TEST

START_TEST(compact)
{
	struct uidmap m;
	unsigned char marks[20] = { 0 };

	uidmap_init(&m);
	for (uint32_t uid = 1; uid <= 20; uid++)
		uidmap_append(&m, uid * 2);
	uidmap_reindex(&m);
	/* bit 1 drops; bit 2 is another of the caller's marks. */
	marks[0] = 1; marks[5] = 3; marks[6] = 2; marks[19] = 1;
	uidmap_compact(&m, marks, 1);
	ck_assert_uint_eq(m.n, 17);
	ck_assert_uint_eq(uidmap_seq(&m, 2), 0);
	ck_assert_uint_eq(uidmap_seq(&m, 4), 1);
	ck_assert_uint_eq(uidmap_seq(&m, 14), 5);   /* marked 2 only: kept */
	check_all(&m);
	uidmap_reindex(&m);
	check_all(&m);
	ck_assert_uint_eq(uidmap_seq(&m, 40), 0);
	uidmap_free(&m);
}
END_TEST

/* A million messages: UIDs from next(), indexed; every lookup checked;
 * memory and the widest bucket bounded. */
static void
million(uint32_t (*next)(uint32_t prev, uint32_t i), size_t max_bucket)
{
	struct uidmap m;
	uint32_t uid = 0;

	uidmap_init(&m);
	uidmap_reserve(&m, MILLION);
	for (uint32_t i = 0; i < MILLION; i++) {
		uid = next(uid, i);
		if (uidmap_append(&m, uid) != 0)
			ck_abort_msg("append %u refused", uid);
	}
	uidmap_reindex(&m);
	check_all(&m);
	ck_assert_msg(uidmap_bytes(&m) <= 5 * (size_t)MILLION,
		      "%zu bytes for a million UIDs", uidmap_bytes(&m));
	ck_assert_msg(widest_bucket(&m) <= max_bucket,
		      "a bucket holds %zu UIDs", widest_bucket(&m));
	uidmap_free(&m);
}

static uint32_t
dense(uint32_t prev, uint32_t i)
{
	(void)i;
	return prev + 1;
}

static uint32_t
gappy(uint32_t prev, uint32_t i)
{
	/* A deterministic mix of gaps of 1 to 16, like years of expunges. */
	return prev + 1 + ((i * 2654435761u) >> 28);
}

static uint32_t
clustered(uint32_t prev, uint32_t i)
{
	/* Half low, half near the top of the UID space. */
	return i == MILLION / 2 ? 4000000000u : prev + 1;
}

START_TEST(million_dense)
{
	million(dense, 8);
}
END_TEST

START_TEST(million_gappy)
{
	million(gappy, 64);
}
END_TEST

START_TEST(million_clustered)
{
	/* The table cannot spread two far clusters evenly; a lookup then
	 * binary-searches one bucket. Still right, and still bounded. */
	million(clustered, MILLION / 2);
}
END_TEST

static Suite *
uidmap_suite(void)
{
	Suite *s = suite_create("uidmap");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, empty);
	tcase_add_test(tc, small_stale_and_indexed);
	tcase_add_test(tc, single);
	tcase_add_test(tc, compact);
	tcase_add_test(tc, million_dense);
	tcase_add_test(tc, million_gappy);
	tcase_add_test(tc, million_clustered);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(uidmap_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
