/* tests/unit/check_track.c — the selected folder's watch (FOLDER_TRACK),
 * armed before the open first looks at cur/ and new/: the first sync
 * after opening a folder that changed a moment ago reads cur/ no more,
 * cold open or warm, while every change someone else makes after the
 * open still comes out at the next sync. The reads of cur/ are counted
 * by wrapping fdopendir, which the folder's scans go through. */
#include <check.h>
#include <dirent.h>
#include <dlfcn.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "store/filename.h"
#include "store/folder.h"
#include "maildir_fixture.h"

static char root[256];
static int cur_reads;

/* Counts the directory reads of a cur/; the rest go through as they
 * are. */
DIR *
fdopendir(int fd)
{
	static DIR *(*real)(int);
	char link[64], path[PATH_MAX];
	ssize_t n;

	if (real == NULL)
		real = (DIR *(*)(int))dlsym(RTLD_NEXT, "fdopendir");
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, path, sizeof(path) - 1);
	if (n >= 4 && memcmp(path + n - 4, "/cur", 4) == 0)
		cur_reads++;
	return real(fd);
}

static void
setup(void)
{
	fixture_maildir(root, sizeof(root), "track");
}

static void
teardown(void)
{
	fixture_remove(root);
}

static void
put(const char *sub, const char *name)
{
	fixture_put(root, sub, name, "Subject: x\n\nabc\n");
}

/* Renames cur/from to cur/to, as another process changing flags. */
static void
rename_by_hand(const char *from, const char *to)
{
	char a[512], b[512];

	snprintf(a, sizeof(a), "%s/cur/%s", root, from);
	snprintf(b, sizeof(b), "%s/cur/%s", root, to);
	ck_assert_int_eq(rename(a, b), 0);
}

/* Syncs f; returns how often that read cur/. */
static int
sync_reads(struct folder *f, struct folder_changes *ch)
{
	const char *err = NULL;
	int before = cur_reads;

	memset(ch, 0, sizeof(*ch));
	ck_assert_msg(folder_sync(f, ch, &err) == 0, "folder_sync: %s", err);
	return cur_reads - before;
}

/* Three messages with UIDs, their files just renamed: the folder
 * changed this very second. */
static void
fresh_folder(void)
{
	struct folder *f;

	put("cur", "1000.a.host,S=16:2,");
	put("cur", "1001.b.host,S=16:2,");
	put("cur", "1002.c.host,S=16:2,");
	f = fixture_open(root, 0);
	folder_close(&f);
}

/* The same folder, opened untracked: a change this second cannot be
 * ruled out by the mtimes, so its first sync reads cur/ again. That is
 * what FOLDER_TRACK saves. */
START_TEST(untracked_first_sync_rescans)
{
	struct folder_changes ch;
	struct folder *f;

	fresh_folder();
	f = fixture_open(root, 0);
	ck_assert_int_eq(sync_reads(f, &ch), 1);
	folder_close(&f);
}
END_TEST

START_TEST(tracked_cold_open_first_sync_reads_nothing)
{
	struct folder_changes ch;
	const struct store_msg *m;
	struct folder *f;
	size_t n;

	fresh_folder();
	cur_reads = 0;
	f = fixture_open(root, FOLDER_TRACK);
	ck_assert_msg(cur_reads == 1, "the open read cur/ %d times", cur_reads);
	ck_assert_int_eq(sync_reads(f, &ch), 0);
	ck_assert_uint_eq(ch.nadded + ch.nexpunged + ch.nflagged, 0);

	/* Someone else's flag change right after: seen, by one scan. */
	rename_by_hand("1001.b.host,S=16:2,", "1001.b.host,S=16:2,F");
	ck_assert_int_eq(sync_reads(f, &ch), 1);
	ck_assert_uint_eq(ch.nflagged, 1);
	ck_assert_uint_eq(ch.flagged[0], 2);
	m = folder_msgs(f, &n);
	ck_assert_uint_eq(n, 3);
	ck_assert_uint_eq(m[1].flags, MF_FLAGGED);

	/* Our own rename: no scan, and nothing to report but our own. */
	ck_assert_int_eq(folder_change_flags(f, 3, MF_SEEN, 0, 0, 0, NULL), 0);
	ck_assert_int_eq(sync_reads(f, &ch), 0);
	ck_assert_uint_eq(ch.nadded + ch.nexpunged, 0);

	/* A delivery: seen. */
	put("new", "1003.d.host");
	ck_assert_int_eq(sync_reads(f, &ch), 1);
	ck_assert_uint_eq(ch.nadded, 1);
	ck_assert_uint_eq(ch.added[0], 4);
	folder_close(&f);
}
END_TEST

START_TEST(tracked_warm_open_first_sync_reads_nothing)
{
	struct folder_changes ch;
	struct folder *f;
	char p[512];

	fresh_folder();
	fixture_age(root);
	f = fixture_open(root, 0);         /* writes skua.snap */
	folder_close(&f);
	snprintf(p, sizeof(p), "%s/skua.snap", root);
	ck_assert_int_eq(access(p, F_OK), 0);

	cur_reads = 0;
	f = fixture_open(root, FOLDER_TRACK);
	ck_assert_msg(cur_reads == 0, "a warm open read cur/");
	ck_assert_int_eq(sync_reads(f, &ch), 0);

	/* An expunge by someone else after the open: seen. */
	snprintf(p, sizeof(p), "%s/cur/1000.a.host,S=16:2,", root);
	ck_assert_int_eq(unlink(p), 0);
	/* (a file missing is looked for once more before it counts as
	 * gone: two reads) */
	ck_assert_int_ge(sync_reads(f, &ch), 1);
	ck_assert_uint_eq(ch.nexpunged, 1);
	ck_assert_uint_eq(ch.expunged[0], 1);
	ck_assert_int_eq(sync_reads(f, &ch), 0);
	folder_close(&f);
}
END_TEST

/* A change made while the open runs cannot fall between the open's look
 * at the folder and the watch: one made before the open is in what the
 * open read, one after is an event. Checked here for the moment just
 * after the open, in the same second as its read. */
START_TEST(change_right_after_open_is_seen)
{
	struct folder_changes ch;
	struct folder *f;

	fresh_folder();
	for (int round = 0; round < 20; round++) {
		f = fixture_open(root, FOLDER_TRACK);
		if (round % 2 == 0)
			rename_by_hand("1002.c.host,S=16:2,",
				       "1002.c.host,S=16:2,D");
		else
			rename_by_hand("1002.c.host,S=16:2,D",
				       "1002.c.host,S=16:2,");
		sync_reads(f, &ch);
		ck_assert_msg(ch.nflagged == 1 && ch.flagged[0] == 3,
			      "round %d: the rename after the open was not "
			      "reported", round);
		folder_close(&f);
	}
}
END_TEST

static Suite *
track_suite(void)
{
	Suite *s = suite_create("track");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, untracked_first_sync_rescans);
	tcase_add_test(tc, tracked_cold_open_first_sync_reads_nothing);
	tcase_add_test(tc, tracked_warm_open_first_sync_reads_nothing);
	tcase_add_test(tc, change_right_after_open_is_seen);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(track_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
