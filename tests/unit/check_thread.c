/* tests/unit/check_thread.c — THREAD=ORDEREDSUBJECT and
 * THREAD=REFERENCES (RFC 5256 3) on hand-made messages with known
 * trees, and the thread-list syntax (RFC 5256 4, 5). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "imap/thread.h"

/* A message: number (its seq unless given), sent date, base subject
 * key, reply flag, Message-ID, references separated by spaces. */
struct tmsg {
	uint32_t num;
	long date;
	const char *subject;
	int reply;
	const char *id;
	const char *refs;
};

static char *
run(enum thread_alg alg, const struct tmsg *in, size_t n)
{
	struct arena *a = arena_new(4096);
	struct thread_msg *m = arena_zalloc(a, (n + 1) * sizeof(*m));
	struct buf out;
	char *ret;

	for (size_t i = 0; i < n; i++) {
		const char **refs = arena_alloc(a, 64 * sizeof(*refs));
		char *r = arena_strdup(a, in[i].refs ? in[i].refs : "");

		m[i].num = in[i].num;
		m[i].seq = (uint32_t)i + 1;
		m[i].date = (time_t)in[i].date;
		m[i].subject = in[i].subject ? in[i].subject : "";
		m[i].is_reply = in[i].reply;
		m[i].msgid = in[i].id;
		for (char *t = strtok(r, " "); t; t = strtok(NULL, " "))
			refs[m[i].nrefs++] = t;
		m[i].refs = refs;
	}
	buf_init(&out, 1 << 24);
	ck_assert_int_eq(thread_write(alg, m, n, a, &out), 0);
	ret = strdup(buf_str(&out));
	buf_free(&out);
	arena_free(&a);
	return ret;
}

#define CHECK(alg, msgs, want) do {                                       \
	char *got = run(alg, msgs, sizeof(msgs) / sizeof(msgs[0]));       \
	ck_assert_msg(strcmp(got, want) == 0, "got '%s', want '%s'", got, \
		      want);                                              \
	free(got);                                                        \
} while (0)

START_TEST(alg_names)
{
	enum thread_alg a;

	ck_assert_int_eq(thread_alg_parse("references", &a), 0);
	ck_assert_int_eq(a, THREAD_REFERENCES);
	ck_assert_int_eq(thread_alg_parse("OrderedSubject", &a), 0);
	ck_assert_int_eq(a, THREAD_ORDEREDSUBJECT);
	ck_assert_int_eq(thread_alg_parse("REFS", &a), -1);
	ck_assert_int_eq(thread_alg_parse("", &a), -1);
}
END_TEST

START_TEST(empty)
{
	struct buf out;
	struct arena *a = arena_new(1024);

	buf_init(&out, 100);
	ck_assert_int_eq(thread_write(THREAD_REFERENCES, NULL, 0, a, &out), 0);
	ck_assert_int_eq(thread_write(THREAD_ORDEREDSUBJECT, NULL, 0, a, &out),
			 0);
	ck_assert_int_eq(out.len, 0);
	buf_free(&out);
	arena_free(&a);
}
END_TEST

START_TEST(orderedsubject)
{
	/* A: 3 (date 2), 1 (3), 4 (5); B: 2 (1); C: 5 (4); D: 6, 7 */
	static const struct tmsg m[] = {
		{ 1, 3, "A", 0, NULL, NULL },
		{ 2, 1, "B", 0, NULL, NULL },
		{ 3, 2, "A", 1, NULL, NULL },
		{ 4, 5, "A", 0, NULL, NULL },
		{ 5, 4, "C", 0, NULL, NULL },
		{ 6, 6, "D", 0, NULL, NULL },
		{ 7, 6, "D", 0, NULL, NULL },
	};
	CHECK(THREAD_ORDEREDSUBJECT, m, "(2)(3 (1)(4))(5)(6 7)");
}
END_TEST

START_TEST(orderedsubject_empty_subjects_group)
{
	static const struct tmsg m[] = {
		{ 1, 2, "", 0, NULL, NULL },
		{ 2, 1, "", 0, NULL, NULL },
		{ 3, 0, "X", 0, NULL, NULL },
	};
	CHECK(THREAD_ORDEREDSUBJECT, m, "(3)(2 1)");
}
END_TEST

START_TEST(refs_basic)
{
	static const struct tmsg m[] = {
		{ 1, 1, "S1", 0, "a@x", NULL },
		{ 2, 2, "S2", 0, "b@x", "a@x" },
		{ 3, 3, "S3", 0, "c@x", "a@x b@x" },
		{ 4, 4, "S4", 0, "d@x", "a@x" },
	};
	CHECK(THREAD_REFERENCES, m, "(1 (2 3)(4))");
}
END_TEST

START_TEST(refs_rfc_example)
{
	/* RFC 5256 4: "(2)(3 6 (4 23)(44 7 96))" */
	static const struct tmsg m[] = {
		{ 2, 0, "other", 0, "m2", NULL },
		{ 3, 1, "S", 0, "m3", NULL },
		{ 4, 3, "S", 1, "m4", "m3 m6" },
		{ 6, 2, "S", 1, "m6", "m3" },
		{ 7, 6, "S", 1, "m7", "m3 m6 m44" },
		{ 23, 4, "S", 1, "m23", "m3 m6 m4" },
		{ 44, 5, "S", 1, "m44", "m3 m6" },
		{ 96, 7, "S", 1, "m96", "m3 m6 m44 m7" },
	};
	CHECK(THREAD_REFERENCES, m, "(2)(3 6 (4 23)(44 7 96))");
}
END_TEST

START_TEST(refs_missing_parent)
{
	/* RFC 5256 4: "((3)(5))", siblings of a parent not there */
	static const struct tmsg m[] = {
		{ 3, 1, "A", 0, "m3", "gone" },
		{ 5, 2, "B", 0, "m5", "gone" },
	};
	CHECK(THREAD_REFERENCES, m, "((3)(5))");
}
END_TEST

START_TEST(refs_missing_parent_one_child)
{
	/* a dummy with one child is promoted to the root; dummies with
	 * none go; a chain of dummies collapses */
	static const struct tmsg m[] = {
		{ 1, 1, "A", 0, "m1", "g1 g2 g3" },
		{ 2, 2, "B", 0, "m2", "h1" },
		{ 3, 3, "C", 0, "m3", "g1 k1" },
	};
	CHECK(THREAD_REFERENCES, m, "((1)(3))(2)");
}
END_TEST

START_TEST(refs_dummy_not_at_root)
{
	/* 1 <- gone <- 2: the dummy's child is promoted under 1 */
	static const struct tmsg m[] = {
		{ 1, 1, "A", 0, "m1", NULL },
		{ 2, 2, "B", 0, "m2", "m1 gone" },
		{ 3, 3, "C", 0, "m3", "m1 gone" },
	};
	CHECK(THREAD_REFERENCES, m, "(1 (2)(3))");
}
END_TEST

START_TEST(refs_loop_between_messages)
{
	static const struct tmsg m[] = {
		{ 1, 1, "A", 0, "a", "b" },
		{ 2, 2, "B", 0, "b", "a" },
	};
	CHECK(THREAD_REFERENCES, m, "(2 1)");
}
END_TEST

START_TEST(refs_loop_in_references)
{
	static const struct tmsg m[] = {
		{ 1, 1, "A", 0, "a", "x y x" },
		{ 2, 2, "B", 0, "b", "a b" },   /* itself, last */
		{ 3, 3, "C", 0, "c", "c" },     /* only itself */
	};
	/* 1A makes a the parent of b; 1B breaks that link to make b the
	 * parent of itself, which is a loop and not made. */
	CHECK(THREAD_REFERENCES, m, "(1)(2)(3)");
}
END_TEST

START_TEST(refs_existing_parent_kept)
{
	/* 1A: b's parent is a from message 2; message 3 says x b, which
	 * does not change it; 1B: 3 under b */
	static const struct tmsg m[] = {
		{ 1, 1, "A", 0, "a", NULL },
		{ 2, 2, "B", 0, "b", "a" },
		{ 3, 3, "C", 0, "c", "x b" },
	};
	CHECK(THREAD_REFERENCES, m, "(1 2 3)");
}
END_TEST

START_TEST(refs_last_reference_wins)
{
	/* 1B: a message's own last reference replaces the parent the
	 * references of others gave it (a truncated References) */
	static const struct tmsg m[] = {
		{ 1, 1, "A", 0, "a", NULL },
		{ 2, 2, "B", 0, "b", NULL },
		{ 3, 3, "C", 0, "c", "a d" },
		{ 4, 4, "D", 0, "d", "b" },
	};
	CHECK(THREAD_REFERENCES, m, "(1)(2 4 3)");
}
END_TEST

START_TEST(refs_duplicate_ids)
{
	/* the first message keeps the id; the second is on its own */
	static const struct tmsg m[] = {
		{ 1, 1, "A", 0, "a", NULL },
		{ 2, 2, "B", 0, "a", NULL },
		{ 3, 3, "C", 0, "c", "a" },
	};
	CHECK(THREAD_REFERENCES, m, "(1 3)(2)");
}
END_TEST

START_TEST(refs_no_ids)
{
	static const struct tmsg m[] = {
		{ 1, 2, "A", 0, NULL, NULL },
		{ 2, 1, "B", 0, NULL, "nowhere" },
	};
	CHECK(THREAD_REFERENCES, m, "(2)(1)");
}
END_TEST

START_TEST(refs_subject_reply_joins)
{
	/* no references: "Re: x" joins "x" */
	static const struct tmsg m[] = {
		{ 1, 1, "X", 0, "a", NULL },
		{ 2, 2, "X", 1, "b", NULL },
		{ 3, 3, "X", 1, "c", NULL },
	};
	CHECK(THREAD_REFERENCES, m, "(1 (2)(3))");
}
END_TEST

START_TEST(refs_subject_reply_first)
{
	/* the reply came first: the original still becomes the parent */
	static const struct tmsg m[] = {
		{ 1, 1, "X", 1, "a", NULL },
		{ 2, 2, "X", 0, "b", NULL },
	};
	CHECK(THREAD_REFERENCES, m, "(2 1)");
}
END_TEST

START_TEST(refs_subject_both_originals)
{
	/* neither is a reply: a dummy holds both */
	static const struct tmsg m[] = {
		{ 1, 2, "X", 0, "a", NULL },
		{ 2, 1, "X", 0, "b", NULL },
		{ 3, 3, "X", 0, "c", NULL },
		{ 4, 0, "Y", 0, "d", NULL },
	};
	CHECK(THREAD_REFERENCES, m, "(4)((2)(1)(3))");
}
END_TEST

START_TEST(refs_subject_both_replies)
{
	static const struct tmsg m[] = {
		{ 1, 1, "X", 1, "a", NULL },
		{ 2, 2, "X", 1, "b", NULL },
	};
	CHECK(THREAD_REFERENCES, m, "((1)(2))");
}
END_TEST

START_TEST(refs_subject_empty_not_merged)
{
	static const struct tmsg m[] = {
		{ 1, 1, "", 0, "a", NULL },
		{ 2, 2, "", 1, "b", NULL },
	};
	CHECK(THREAD_REFERENCES, m, "(1)(2)");
}
END_TEST

START_TEST(refs_subject_dummy_absorbs)
{
	/* a dummy thread with subject S takes the lone message of S,
	 * and two dummies of one subject become one */
	static const struct tmsg m[] = {
		{ 1, 1, "S", 0, "a", "p" },
		{ 2, 2, "S", 1, "b", "p" },
		{ 3, 3, "S", 0, "c", NULL },
		{ 4, 4, "S", 1, "d", "q" },
		{ 5, 5, "S", 1, "e", "q" },
	};
	CHECK(THREAD_REFERENCES, m, "((1)(2)(3)(4)(5))");
}
END_TEST

START_TEST(refs_subject_uses_thread_root)
{
	/* the thread subject is the root's; 3's subject differs from its
	 * parent's, so it does not pull 4 in, but 1 does */
	static const struct tmsg m[] = {
		{ 1, 1, "A", 0, "a", NULL },
		{ 2, 2, "A", 0, "b", "a" },
		{ 3, 3, "B", 0, "c", "a" },
		{ 4, 4, "A", 1, "d", NULL },
		{ 5, 5, "B", 0, "e", NULL },
	};
	CHECK(THREAD_REFERENCES, m, "(1 (2)(3)(4))(5)");
}
END_TEST

START_TEST(refs_date_order_and_ties)
{
	/* siblings by sent date, equal dates by sequence number; the
	 * numbers written are UIDs */
	static const struct tmsg m[] = {
		{ 10, 5, "A", 0, "a", NULL },
		{ 20, 9, "B", 0, "b", "a" },
		{ 30, 7, "C", 0, "c", "a" },
		{ 40, 7, "D", 0, "d", "a" },
		{ 50, 1, "E", 0, "e", NULL },
	};
	CHECK(THREAD_REFERENCES, m, "(50)(10 (30)(40)(20))");
}
END_TEST

START_TEST(refs_dummy_sorted_by_first_child)
{
	static const struct tmsg m[] = {
		{ 1, 5, "A", 0, "a", NULL },
		{ 2, 9, "B", 0, "b", "gone" },
		{ 3, 2, "C", 0, "c", "gone" },
	};
	CHECK(THREAD_REFERENCES, m, "((3)(2))(1)");
}
END_TEST

/* A chain as long as a big mailbox: no recursion to overflow. */
START_TEST(refs_long_chain)
{
	size_t n = 100000;
	struct tmsg *m = calloc(n, sizeof(*m));
	char **ids = calloc(n, sizeof(*ids));
	char *got;

	for (size_t i = 0; i < n; i++) {
		char b[32];

		snprintf(b, sizeof(b), "m%zu", i);
		ids[i] = strdup(b);
		m[i].num = (uint32_t)i + 1;
		m[i].date = (long)i;
		m[i].subject = "S";
		m[i].id = ids[i];
		m[i].refs = i > 0 ? ids[i - 1] : NULL;
	}
	got = run(THREAD_REFERENCES, m, n);
	ck_assert(strncmp(got, "(1 2 3 ", 7) == 0);
	ck_assert(strcmp(got + strlen(got) - 13, "99999 100000)") == 0);
	free(got);
	/* and deep nesting: each message has two children */
	for (size_t i = 1; i < n; i++)
		m[i].refs = ids[(i - 1) / 2];
	got = run(THREAD_REFERENCES, m, n);
	ck_assert(strncmp(got, "(1 (2 (4 (8 ", 12) == 0);
	free(got);
	for (size_t i = 0; i < n; i++)
		free(ids[i]);
	free(ids);
	free(m);
}
END_TEST

static Suite *
thread_suite(void)
{
	Suite *s = suite_create("thread");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, alg_names);
	tcase_add_test(tc, empty);
	tcase_add_test(tc, orderedsubject);
	tcase_add_test(tc, orderedsubject_empty_subjects_group);
	tcase_add_test(tc, refs_basic);
	tcase_add_test(tc, refs_rfc_example);
	tcase_add_test(tc, refs_missing_parent);
	tcase_add_test(tc, refs_missing_parent_one_child);
	tcase_add_test(tc, refs_dummy_not_at_root);
	tcase_add_test(tc, refs_loop_between_messages);
	tcase_add_test(tc, refs_loop_in_references);
	tcase_add_test(tc, refs_existing_parent_kept);
	tcase_add_test(tc, refs_last_reference_wins);
	tcase_add_test(tc, refs_duplicate_ids);
	tcase_add_test(tc, refs_no_ids);
	tcase_add_test(tc, refs_subject_reply_joins);
	tcase_add_test(tc, refs_subject_reply_first);
	tcase_add_test(tc, refs_subject_both_originals);
	tcase_add_test(tc, refs_subject_both_replies);
	tcase_add_test(tc, refs_subject_empty_not_merged);
	tcase_add_test(tc, refs_subject_dummy_absorbs);
	tcase_add_test(tc, refs_subject_uses_thread_root);
	tcase_add_test(tc, refs_date_order_and_ties);
	tcase_add_test(tc, refs_dummy_sorted_by_first_child);
	tcase_add_test(tc, refs_long_chain);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(thread_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
