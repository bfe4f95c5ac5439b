/* tests/unit/check_snap.c — skua.snap and the folders opened from it:
 * the file round-trips and refuses what is damaged, short or foreign;
 * a folder whose cur/, new/ and uidlist are as a full sync left them
 * opens from it without reading the uidlist, with the same messages,
 * names, \Recent and MAILBOXID as a full open; any change to either
 * directory or the uidlist, or a change too close to the scan, makes
 * the next open a full one. */
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "store/filename.h"
#include "store/folder.h"
#include "store/snap.h"
#include "maildir_fixture.h"

static char root[256];

static void
setup(void)
{
	fixture_maildir(root, sizeof(root), "snap");
}

static void
teardown(void)
{
	fixture_remove(root);
}

static void
put(const char *sub, const char *name, const char *body)
{
	fixture_put(root, sub, name, body);
}

static int
snap_exists(void)
{
	char p[512];

	snprintf(p, sizeof(p), "%s/skua.snap", root);
	return access(p, F_OK) == 0;
}

/* Three messages in cur/, opened once so they have UIDs, the dirs
 * aged, and opened again: that open writes skua.snap. */
static void
folder_with_snap(void)
{
	struct folder *f;

	put("cur", "1000.a.host,S=10:2,S", "Subject: a\n\nabc\n");
	put("cur", "1001.b.host,S=10:2,", "Subject: b\n\nabc\n");
	put("cur", "1002.c.host,S=10:2,FS", "Subject: c\n\nabc\n");
	f = fixture_open(root, 0);
	folder_close(&f);
	fixture_age(root);
	f = fixture_open(root, 0);
	folder_close(&f);
	ck_assert_msg(snap_exists(), "no skua.snap after a full open of an "
		      "old folder");
}

/* Rewrites dovecot-uidlist's bytes in place, keeping its size, mtime
 * and inode: an open that reads it would see other names. */
static void
scramble_uidlist_keep_stat(void)
{
	char p[512];
	struct stat st;
	struct timespec t[2];
	FILE *fp;
	int c;

	snprintf(p, sizeof(p), "%s/dovecot-uidlist", root);
	ck_assert_int_eq(stat(p, &st), 0);
	fp = fopen(p, "r+");
	ck_assert_ptr_nonnull(fp);
	while ((c = fgetc(fp)) != EOF)
		if (c == 'h') {         /* ".host" becomes ".xost" */
			fseek(fp, -1, SEEK_CUR);
			fputc('x', fp);
			fseek(fp, 0, SEEK_CUR);
		}
	fclose(fp);
	t[0] = st.st_atim;
	t[1] = st.st_mtim;
	ck_assert_int_eq(utimensat(AT_FDCWD, p, t, 0), 0);
}

START_TEST(file_round_trip)
{
	struct store_msg m[3], *got;
	struct snap_info si, back;
	size_t len;
	int fd;

	memset(m, 0, sizeof(m));
	memset(&si, 0, sizeof(si));
	for (int i = 0; i < 3; i++) {
		m[i].uid = (uint32_t)(i * 2 + 1);
		m[i].flags = (unsigned)i;
		m[i].keywords = 1u << i;
		m[i].size = 100 + i;
		m[i].vsize = 110 + i;
		m[i].recent = 1;
	}
	si.uidvalidity = 42;
	si.uidnext = 7;
	si.n = 3;
	strcpy(si.guid, "0123456789abcdef0123456789abcdef");
	si.stamp.cur_sec = 5;
	si.stamp.ul_ino = 9;
	ck_assert_int_eq(snap_write(root, &si, m, 3), 0);
	ck_assert_int_eq(snap_open(root, &back, &fd), 0);
	ck_assert_uint_eq(back.uidvalidity, 42);
	ck_assert_uint_eq(back.uidnext, 7);
	ck_assert_uint_eq(back.n, 3);
	ck_assert_str_eq(back.guid, si.guid);
	ck_assert_int_eq(memcmp(&back.stamp, &si.stamp, sizeof(si.stamp)), 0);
	got = snap_map(fd, &back, &len);
	close(fd);
	ck_assert_ptr_nonnull(got);
	for (int i = 0; i < 3; i++) {
		ck_assert_uint_eq(got[i].uid, m[i].uid);
		ck_assert_uint_eq(got[i].flags, m[i].flags);
		ck_assert_uint_eq(got[i].keywords, m[i].keywords);
		ck_assert_int_eq(got[i].size, m[i].size);
		ck_assert_int_eq(got[i].vsize, m[i].vsize);
		ck_assert_msg(!got[i].recent, "\\Recent written to the file");
	}
	got[0].flags = 9;       /* private: the file keeps its bytes */
	snap_unmap(got, len);
	ck_assert_int_eq(snap_open(root, &back, &fd), 0);
	got = snap_map(fd, &back, &len);
	close(fd);
	ck_assert_uint_eq(got[0].flags, 0);
	snap_unmap(got, len);
}
END_TEST

START_TEST(file_refused_when_damaged)
{
	struct store_msg m[2];
	struct snap_info si, back;
	char p[512];
	struct stat st;
	int fd;

	memset(m, 0, sizeof(m));
	memset(&si, 0, sizeof(si));
	m[0].uid = 1;
	m[1].uid = 2;
	si.uidvalidity = 1;
	si.uidnext = 3;
	si.n = 2;
	ck_assert_int_eq(snap_write(root, &si, m, 2), 0);
	snprintf(p, sizeof(p), "%s/skua.snap", root);
	ck_assert_int_eq(stat(p, &st), 0);

	/* one record short */
	ck_assert_int_eq(truncate(p, st.st_size - 1), 0);
	ck_assert_int_eq(snap_open(root, &back, &fd), -1);

	/* a flipped header byte */
	ck_assert_int_eq(snap_write(root, &si, m, 2), 0);
	fd = open(p, O_RDWR);
	ck_assert_int_eq(pwrite(fd, "X", 1, 20), 1);
	close(fd);
	ck_assert_int_eq(snap_open(root, &back, &fd), -1);

	/* a body that is not the header's (last UID differs) */
	ck_assert_int_eq(snap_write(root, &si, m, 2), 0);
	ck_assert_int_eq(snap_open(root, &back, &fd), 0);
	{
		int w = open(p, O_RDWR);
		uint32_t other = 77;

		ck_assert_int_eq(pwrite(w, &other, 4,
			st.st_size - (off_t)sizeof(struct store_msg)), 4);
		close(w);
	}
	{
		size_t len;

		ck_assert_ptr_null(snap_map(fd, &back, &len));
	}
	close(fd);

	/* missing */
	unlink(p);
	ck_assert_int_eq(snap_open(root, &back, &fd), -1);
}
END_TEST

START_TEST(busy_writer_gives_up)
{
	struct store_msg m = { .uid = 1 };
	struct snap_info si;
	char tmp[512];
	int fd;

	memset(&si, 0, sizeof(si));
	si.uidvalidity = 1;
	si.uidnext = 2;
	si.n = 1;
	snprintf(tmp, sizeof(tmp), "%s/skua.snap.tmp", root);
	fd = open(tmp, O_WRONLY | O_CREAT, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(flock(fd, LOCK_EX), 0);
	ck_assert_int_eq(snap_write(root, &si, &m, 1), -1);
	ck_assert(!snap_exists());
	close(fd);
	ck_assert_int_eq(snap_write(root, &si, &m, 1), 0);
	ck_assert(snap_exists());
}
END_TEST

/* The uidlist is scrambled behind its unchanged stat: an open from the
 * snapshot still gives the messages as they were, so it did not read
 * the file. */
START_TEST(warm_open_reads_no_uidlist)
{
	struct folder *f;
	const struct store_msg *m;
	size_t n;

	folder_with_snap();
	scramble_uidlist_keep_stat();
	f = fixture_open(root, 1);
	m = folder_msgs(f, &n);
	ck_assert_uint_eq(n, 3);
	ck_assert_uint_eq(m[0].uid, 1);
	ck_assert_uint_eq(m[2].uid, 3);
	ck_assert_uint_eq(m[2].flags, MF_FLAGGED | MF_SEEN);
	ck_assert_int_eq(m[1].size, 10);
	ck_assert_uint_eq(folder_uidnext(f), 4);
	folder_close(&f);
}
END_TEST

START_TEST(warm_open_same_as_full)
{
	struct folder *f, *g;
	const struct store_msg *a, *b;
	size_t na, nb;
	char buf[FOLDER_NAME_SIZE], buf2[FOLDER_NAME_SIZE];
	const char *err = NULL, *ga, *gb;
	int gone = 0, fd;

	folder_with_snap();
	f = fixture_open(root, 1);         /* from skua.snap */
	{
		char p[512];

		snprintf(p, sizeof(p), "%s/skua.snap", root);
		ck_assert_int_eq(unlink(p), 0);
	}
	g = fixture_open(root, 1);         /* in full (and writes it again) */
	a = folder_msgs(f, &na);
	b = folder_msgs(g, &nb);
	ck_assert_uint_eq(na, nb);
	for (size_t i = 0; i < na; i++) {
		ck_assert_uint_eq(a[i].uid, b[i].uid);
		ck_assert_uint_eq(a[i].flags, b[i].flags);
		ck_assert_uint_eq(a[i].keywords, b[i].keywords);
		ck_assert_int_eq(a[i].size, b[i].size);
		ck_assert_int_eq(a[i].vsize, b[i].vsize);
		ck_assert_str_eq(folder_msg_name(f, &a[i], buf, sizeof(buf)),
				 folder_msg_name(g, &b[i], buf2, sizeof(buf2)));
	}
	ck_assert_uint_eq(folder_uidvalidity(f), folder_uidvalidity(g));
	ck_assert_uint_eq(folder_uidnext(f), folder_uidnext(g));
	ck_assert_uint_eq(folder_highestmodseq(f), folder_highestmodseq(g));
	ga = folder_mailbox_guid(f, &err);
	gb = folder_mailbox_guid(g, &err);
	ck_assert_ptr_nonnull(ga);
	ck_assert_ptr_nonnull(gb);
	ck_assert_str_eq(ga, gb);
	fd = folder_msg_open(f, 2, &gone, &err);
	ck_assert_msg(fd >= 0, "folder_msg_open: %s", err);
	close(fd);
	folder_close(&f);
	folder_close(&g);
}
END_TEST

/* A flag change and a sync after a warm open: the uidlist is read when
 * a name is needed, and the change is seen by the next session. */
START_TEST(warm_open_then_changes)
{
	struct folder *f, *g;
	struct folder_changes ch;
	const struct store_msg *m;
	const char *err = NULL;
	size_t n;

	folder_with_snap();
	f = fixture_open(root, 0);
	ck_assert_int_eq(folder_change_flags(f, 2, MF_ANSWERED, 0, 0, 0,
					     &err), 0);
	ck_assert_int_eq(folder_sync(f, &ch, &err), 0);
	ck_assert_uint_eq(ch.nadded + ch.nexpunged, 0);
	put("new", "1003.d.host", "Subject: d\n\nabc\n");
	ck_assert_int_eq(folder_sync(f, &ch, &err), 0);
	ck_assert_uint_eq(ch.nadded, 1);
	ck_assert_uint_eq(ch.added[0], 4);
	folder_close(&f);
	g = fixture_open(root, 1);
	m = folder_msgs(g, &n);
	ck_assert_uint_eq(n, 4);
	ck_assert_uint_eq(m[1].flags, MF_ANSWERED);
	folder_close(&g);
}
END_TEST

/* Each of the three things the stamp covers, changed, makes the next
 * open a full one: the scrambled uidlist then shows, or the change. */
START_TEST(stamp_covers_dirs_and_uidlist)
{
	struct folder *f;
	const struct store_msg *m;
	char from[512], to[512];
	size_t n;

	folder_with_snap();
	/* a rename in cur/, done as another process would */
	snprintf(from, sizeof(from), "%s/cur/1001.b.host,S=10:2,", root);
	snprintf(to, sizeof(to), "%s/cur/1001.b.host,S=10:2,T", root);
	ck_assert_int_eq(rename(from, to), 0);
	f = fixture_open(root, 1);
	m = folder_msgs(f, &n);
	ck_assert_uint_eq(n, 3);
	ck_assert_uint_eq(m[1].flags, MF_DELETED);
	folder_close(&f);

	/* mail in new/ */
	fixture_age(root);
	f = fixture_open(root, 1);         /* writes a snapshot with \Deleted */
	folder_close(&f);
	put("new", "1004.e.host", "Subject: e\n\nabc\n");
	f = fixture_open(root, 1);
	(void)folder_msgs(f, &n);
	ck_assert_uint_eq(n, 4);
	folder_close(&f);
}
END_TEST

START_TEST(uidlist_change_forces_full_open)
{
	struct folder *f;
	char p[512];
	struct timespec t[2];

	folder_with_snap();
	/* the uidlist written anew (another mtime): the snapshot no
	 * longer stands, and the full open reads the scrambled names */
	scramble_uidlist_keep_stat();
	snprintf(p, sizeof(p), "%s/dovecot-uidlist", root);
	clock_gettime(CLOCK_REALTIME, &t[0]);
	t[1] = t[0];
	ck_assert_int_eq(utimensat(AT_FDCWD, p, t, 0), 0);
	f = fixture_open(root, 1);
	{
		char buf[FOLDER_NAME_SIZE];
		size_t n;
		const struct store_msg *m = folder_msgs(f, &n);

		/* the names the list now gives are not in cur/: those
		 * files got new UIDs */
		ck_assert_uint_eq(n, 3);
		ck_assert_uint_ge(m[0].uid, 4);
		ck_assert_ptr_nonnull(folder_msg_name(f, &m[0], buf,
						      sizeof(buf)));
	}
	folder_close(&f);
}
END_TEST

START_TEST(fresh_dirs_write_no_snap)
{
	struct folder *f;

	put("cur", "1000.a.host,S=10:2,S", "Subject: a\n\nabc\n");
	f = fixture_open(root, 0);
	folder_close(&f);
	f = fixture_open(root, 0);
	folder_close(&f);
	ck_assert_msg(!snap_exists(), "skua.snap written for a folder "
		      "changed within the last seconds");
}
END_TEST

START_TEST(recent_claimed_once)
{
	struct folder *f;
	const struct store_msg *m;
	size_t n;

	put("cur", "1000.a.host,S=10:2,", "Subject: a\n\nabc\n");
	f = fixture_open(root, 1);         /* EXAMINE: numbers it, claims nothing */
	folder_close(&f);
	fixture_age(root);
	f = fixture_open(root, 1);         /* writes the snapshot, still claims none */
	folder_close(&f);
	ck_assert(snap_exists());
	f = fixture_open(root, 0);         /* from the snapshot: \Recent is ours */
	m = folder_msgs(f, &n);
	ck_assert_uint_eq(n, 1);
	ck_assert_msg(m[0].recent, "first read-write session lost \\Recent");
	ck_assert_uint_eq(folder_recent_count(f), 1);
	folder_close(&f);
	f = fixture_open(root, 0);
	m = folder_msgs(f, &n);
	ck_assert_msg(!m[0].recent, "\\Recent claimed twice");
	ck_assert_uint_eq(folder_recent_count(f), 0);
	folder_close(&f);
}
END_TEST

START_TEST(damaged_snap_means_full_open)
{
	struct folder *f;
	char p[512];
	size_t n;
	FILE *fp;

	folder_with_snap();
	snprintf(p, sizeof(p), "%s/skua.snap", root);
	fp = fopen(p, "w");
	fputs("garbage", fp);
	fclose(fp);
	f = fixture_open(root, 1);
	(void)folder_msgs(f, &n);
	ck_assert_uint_eq(n, 3);
	folder_close(&f);
}
END_TEST

/* A full open that writes skua.snap keeps the file's pages, not a copy
 * of its own, and reads the uidlist again when it needs a name. */
START_TEST(full_open_adopts_snap)
{
	struct folder *f;
	const struct store_msg *m;
	char buf[FOLDER_NAME_SIZE];
	size_t n, copy;

	put("cur", "1000.a.host,S=10:2,S", "Subject: a\n\nabc\n");
	put("cur", "1001.b.host,S=10:2,", "Subject: b\n\nabc\n");

	f = fixture_open(root, 0);
	copy = folder_bytes(f);
	ck_assert_uint_ge(copy, 2 * sizeof(struct store_msg));
	folder_close(&f);
	fixture_age(root);
	f = fixture_open(root, 0);
	ck_assert(snap_exists());
	ck_assert_msg(folder_bytes(f) + 2 * sizeof(struct store_msg) <= copy,
		      "the list is still a copy: %zu bytes", folder_bytes(f));
	m = folder_msgs(f, &n);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(folder_msg_name(f, &m[1], buf, sizeof(buf)),
			 "1001.b.host,S=10:2,");
	folder_close(&f);
}
END_TEST

static Suite *
snap_suite(void)
{
	Suite *s = suite_create("snap");
	TCase *tc = tcase_create("snap");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, file_round_trip);
	tcase_add_test(tc, file_refused_when_damaged);
	tcase_add_test(tc, busy_writer_gives_up);
	tcase_add_test(tc, warm_open_reads_no_uidlist);
	tcase_add_test(tc, warm_open_same_as_full);
	tcase_add_test(tc, warm_open_then_changes);
	tcase_add_test(tc, stamp_covers_dirs_and_uidlist);
	tcase_add_test(tc, uidlist_change_forces_full_open);
	tcase_add_test(tc, fresh_dirs_write_no_snap);
	tcase_add_test(tc, recent_claimed_once);
	tcase_add_test(tc, damaged_snap_means_full_open);
	tcase_add_test(tc, full_open_adopts_snap);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(snap_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
