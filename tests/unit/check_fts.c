/* tests/unit/check_fts.c — the full-text index (imap/fts.h): which
 * needles it may answer, the query it asks, and a folder kept in step in
 * a database of its own (added, dropped, skipped, reset on a new
 * UIDVALIDITY, made anew when the file is garbage). */
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "imap/fts.h"

static int
ok(const char *s)
{
	return fts_needle_ok((const unsigned char *)s, strlen(s));
}

START_TEST(needles)
{
	ck_assert(ok("abc"));
	ck_assert(ok("caf\xc3\xa9"));
	ck_assert(!ok("ab"));
	ck_assert(!ok(""));
	/* Three bytes, one character: a trigram query finds nothing. */
	ck_assert(!ok("\xe2\x82\xac"));
	ck_assert(!ok("\xe2\x82\xac\xe2\x82\xac"));
	ck_assert(ok("\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac"));
	ck_assert(!ok("ab\xc3"));               /* cut short */
	ck_assert(!ok("abc\xff"));
	ck_assert(!ok("a\xc3(b"));
	ck_assert(!fts_needle_ok((const unsigned char *)"ab\0cd", 5));
}
END_TEST

START_TEST(query_strings)
{
	char *q = fts_query_string((const unsigned char *)"a\"b c", 5, 0);

	ck_assert_str_eq(q, "body : \"a\"\"b c\"");
	free(q);
	q = fts_query_string((const unsigned char *)"xyz", 3, 1);
	ck_assert_str_eq(q, "\"xyz\"");
	free(q);
}
END_TEST

#ifdef HAVE_SQLITE3

/* Message uid's text: "word<uid>" in the body, "hdr<uid>" in the
 * header; uid 7 is too large, uid 9 is gone. */
static int calls, slow;

static int
text_of(void *ctx, uint32_t uid, struct buf *hdr, struct buf *body)
{
	calls++;
	if (slow)
		usleep(2000);
	if (uid == 7)
		return 0;
	if (uid == 9)
		return -1;
	buf_printf(hdr, "subject: hdr%u\n", uid);
	buf_printf(body, "word%u\n", uid);
	return 1;
}

static char dir[] = "/tmp/skua-check-fts-XXXXXX";

static int
sync_list(struct fts *x, uint32_t uidv, const uint32_t *uids, size_t n,
	  size_t *nscan_r, size_t *added_r)
{
	uint32_t *scan;
	const char *err;
	int r;

	calls = 0;
	r = fts_sync(x, "guid", uidv, uids, n, text_of, NULL, &scan,
		     nscan_r, added_r, &err);
	free(scan);
	return r;
}

static size_t
query(struct fts *x, const char *needle, int headers, uint32_t *first_r)
{
	uint32_t *uids;
	size_t n;
	const char *err;

	ck_assert_int_eq(fts_query(x, (const unsigned char *)needle,
				   strlen(needle), headers, &uids, &n, &err), 0);
	*first_r = n > 0 ? uids[0] : 0;
	free(uids);
	return n;
}

START_TEST(folder_in_step)
{
	const uint32_t all[] = { 1, 2, 3, 7, 9 }, later[] = { 1, 3, 7, 9, 10 };
	const char *err = NULL;
	struct fts *x;
	size_t nscan, added;
	uint32_t first;
	char path[64];
	struct stat st;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	x = fts_open(dir, &err);
	ck_assert_msg(x != NULL, "open: %s", err);
	snprintf(path, sizeof(path), "%s/%s", dir, FTS_FILE);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600);

	ck_assert_int_eq(sync_list(x, 5, all, 5, &nscan, &added), 0);
	ck_assert_uint_eq(added, 3);
	ck_assert_uint_eq(nscan, 2);            /* 7 too large, 9 gone */
	ck_assert_uint_eq(query(x, "word2", 0, &first), 1);
	ck_assert_uint_eq(first, 2);
	ck_assert_uint_eq(query(x, "hdr3", 0, &first), 0);   /* BODY */
	ck_assert_uint_eq(query(x, "hdr3", 1, &first), 1);   /* TEXT */
	ck_assert_uint_eq(query(x, "word", 0, &first), 3);

	/* 2 expunged, 10 new; 7 stays skipped, 9 is tried again. */
	ck_assert_int_eq(sync_list(x, 5, later, 5, &nscan, &added), 0);
	ck_assert_uint_eq(added, 1);
	ck_assert_int_eq(calls, 2);
	ck_assert_uint_eq(nscan, 2);
	ck_assert_uint_eq(query(x, "word2", 0, &first), 0);
	ck_assert_uint_eq(query(x, "word10", 0, &first), 1);

	/* Nothing new: nothing read. */
	ck_assert_int_eq(sync_list(x, 5, later, 5, &nscan, &added), 0);
	ck_assert_int_eq(calls, 1);             /* 9, still gone */

	/* A new UIDVALIDITY: all again. */
	ck_assert_int_eq(sync_list(x, 6, all, 3, &nscan, &added), 0);
	ck_assert_uint_eq(added, 3);
	ck_assert_uint_eq(query(x, "word10", 0, &first), 0);

	/* A budget: what is left when it runs out is to be scanned, and
	 * indexed by the next sync. */
	uint32_t many[200];

	for (uint32_t i = 0; i < 200; i++)
		many[i] = 100 + i;
	fts_set_budget(x, 1);
	slow = 1;
	ck_assert_int_eq(sync_list(x, 6, many, 200, &nscan, &added), 0);
	slow = 0;
	ck_assert_uint_eq(added, 64);
	ck_assert_uint_eq(nscan, 136);
	fts_set_budget(x, 0);
	ck_assert_int_eq(sync_list(x, 6, many, 200, &nscan, &added), 0);
	ck_assert_uint_eq(added, 136);
	ck_assert_uint_eq(nscan, 0);
	fts_close(&x);

	/* Garbage in the file: made anew. */
	int fd = open(path, O_WRONLY | O_TRUNC);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "garbage garbage garbage garbage", 31), 31);
	close(fd);
	x = fts_open(dir, &err);
	ck_assert_msg(x != NULL, "reopen: %s", err);
	ck_assert_int_eq(sync_list(x, 6, all, 3, &nscan, &added), 0);
	ck_assert_uint_eq(added, 3);
	fts_close(&x);
	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(path), 0);
}
END_TEST

#endif

static Suite *
fts_suite(void)
{
	Suite *s = suite_create("fts");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, needles);
	tcase_add_test(tc, query_strings);
#ifdef HAVE_SQLITE3
	tcase_add_test(tc, folder_in_step);
#endif
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(fts_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
