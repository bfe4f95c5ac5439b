/* tests/unit/check_folder.c — the folder sync: UIDs for new files, flags
 * by rename, expunges, appends, and several processes at once. */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <poll.h>
#include <time.h>
#include <unistd.h>

#include "store/filename.h"
#include "store/folder.h"
#include "store/quota.h"
#include "maildir_fixture.h"

static char root[256];

static void
setup(void)
{
	fixture_maildir(root, sizeof(root), "folder");
}

static void
teardown(void)
{
	fixture_remove(root);
}

/* Delivers a message into new/ as an MDA would: tmp/, then rename. */
static void
deliver(const char *dir, const char *name, const char *body)
{
	char tmp[512], dst[512];
	FILE *fp;

	snprintf(tmp, sizeof(tmp), "%s/tmp/%s", dir, name);
	snprintf(dst, sizeof(dst), "%s/new/%s", dir, name);
	fp = fopen(tmp, "w");
	ck_assert_ptr_nonnull(fp);
	fputs(body, fp);
	fclose(fp);
	ck_assert_int_eq(rename(tmp, dst), 0);
}

/* The file name of m, in a buffer the next call reuses. */
static const char *
mname(struct folder *f, const struct store_msg *m)
{
	static char buf[FOLDER_NAME_SIZE];
	const char *name = folder_msg_name(f, m, buf, sizeof(buf));

	ck_assert_ptr_nonnull(name);
	return name;
}

START_TEST(new_mail_gets_uids_in_name_order)
{
	struct folder *f;
	const struct store_msg *m;
	size_t n;

	deliver(root, "1000.b.host", "Subject: b\n\nb\n");
	deliver(root, "1000.a.host", "Subject: a\n\na\n");
	f = fixture_open(root, 0);
	m = folder_msgs(f, &n);
	ck_assert_msg(n == 2, "got %zu messages, want 2", n);
	ck_assert_uint_eq(m[0].uid, 1);
	ck_assert_str_eq(mname(f, &m[0]), "1000.a.host:2,");
	ck_assert_uint_eq(m[1].uid, 2);
	ck_assert_msg(m[0].recent && m[1].recent, "new mail not \\Recent");
	ck_assert_uint_eq(folder_uidnext(f), 3);
	ck_assert_msg(folder_uidvalidity(f) != 0, "UIDVALIDITY 0");
	folder_close(&f);

	/* A second session: same UIDs, nothing recent any more. */
	f = fixture_open(root, 0);
	m = folder_msgs(f, &n);
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_eq(m[1].uid, 2);
	ck_assert_msg(!m[0].recent, "recent seen by two sessions");
	folder_close(&f);
}
END_TEST

START_TEST(sync_reports_changes)
{
	struct folder *a = NULL, *b = NULL;
	struct folder_changes ch;
	const char *err = NULL;

	deliver(root, "1.x.host", "x\n");
	deliver(root, "2.y.host", "y\n");
	a = fixture_open(root, 0);
	b = fixture_open(root, 0);
	ck_assert_int_eq(folder_set_flags(a, 1, MF_SEEN, 0, &err), 0);
	ck_assert_int_eq(folder_expunge(a, 2, &err), 0);
	deliver(root, "3.z.host", "z\n");
	ck_assert_int_eq(folder_sync(b, &ch, &err), 0);
	ck_assert_msg(ch.nadded == 1 && ch.added[0] == 3,
		      "added %zu, want uid 3", ch.nadded);
	ck_assert_msg(ch.nexpunged == 1 && ch.expunged[0] == 2,
		      "expunged %zu, want uid 2", ch.nexpunged);
	ck_assert_msg(ch.nflagged == 1 && ch.flagged[0] == 1,
		      "flagged %zu, want uid 1", ch.nflagged);
	ck_assert_uint_eq(folder_msg(b, 1)->flags, MF_SEEN);
	/* The renamed file is still found by its base. */
	int gone = 0, fd = folder_msg_open(a, 1, &gone, &err);
	ck_assert_msg(fd >= 0, "open after rename: gone=%d", gone);
	close(fd);
	folder_close(&a);
	folder_close(&b);
}
END_TEST

START_TEST(stale_name_is_relocated)
{
	struct folder *a, *b;
	const char *err = NULL;
	int gone, fd;

	deliver(root, "1.x.host", "x\n");
	a = fixture_open(root, 0);
	b = fixture_open(root, 0);
	ck_assert_int_eq(folder_set_flags(a, 1, MF_FLAGGED, 0, &err), 0);
	/* b still has the old name: it must find the new one. */
	fd = folder_msg_open(b, 1, &gone, &err);
	ck_assert_msg(fd >= 0 && !gone, "open by old name failed");
	close(fd);
	ck_assert_int_eq(folder_set_flags(b, 1, MF_FLAGGED | MF_SEEN, 0, &err), 0);
	ck_assert_int_eq(folder_expunge(a, 1, &err), 0);
	fd = folder_msg_open(b, 1, &gone, &err);
	ck_assert_msg(fd < 0 && gone, "expunged message opened");
	ck_assert_int_eq(folder_set_flags(b, 1, 0, 0, &err), 1);
	folder_close(&a);
	folder_close(&b);
}
END_TEST

START_TEST(append_commits_with_flags_and_date)
{
	struct folder *f = fixture_open(root, 0);
	struct folder_append *ap;
	const char *err = NULL;
	const struct store_msg *m;
	uint32_t uid = 0;
	time_t t = 0;
	int fd;

	ck_assert_int_eq(folder_append_begin(f, &ap, &fd, &err), 0);
	ck_assert_int_eq(write(fd, "Subject: hi\n\nbody\n", 18), 18);
	ck_assert_msg(folder_append_commit(&ap, MF_SEEN | MF_DRAFT, 0,
					   1000000000, &uid, &err) == 0,
		      "commit: %s", err);
	ck_assert_uint_eq(uid, 1);
	ck_assert_int_eq(folder_sync(f, NULL, &err), 0);
	m = folder_msg(f, 1);
	ck_assert_ptr_nonnull(m);
	ck_assert_uint_eq(m->flags, MF_SEEN | MF_DRAFT);
	ck_assert_msg(m->size == 18 && m->vsize == 21,
		      "size %lld vsize %lld, want 18 21",
		      (long long)m->size, (long long)m->vsize);
	ck_assert_int_eq(folder_msg_date(f, 1, &t), 0);
	ck_assert_int_eq(t, 1000000000);
	ck_assert_msg(strstr(mname(f, m), ":2,DS") != NULL, "name %s",
		      mname(f, m));
	folder_close(&f);
}
END_TEST

/* Every file in cur/ has one UID, unique, and the uidlist agrees. */
static void
check_consistent(size_t want_at_least)
{
	struct folder *f = fixture_open(root, 0);
	const struct store_msg *m;
	size_t n, files = 0;
	char cur[300];
	DIR *d;
	struct dirent *de;

	m = folder_msgs(f, &n);
	for (size_t i = 1; i < n; i++)
		ck_assert_msg(m[i].uid > m[i - 1].uid, "UIDs not increasing");
	snprintf(cur, sizeof(cur), "%s/cur", root);
	d = opendir(cur);
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			files++;
	closedir(d);
	ck_assert_msg(files == n, "%zu files, %zu messages", files, n);
	ck_assert_msg(n >= want_at_least, "%zu messages, want >= %zu", n,
		      want_at_least);
	folder_close(&f);
}

/* An unnamed file adopted by the append is linked into cur/ itself; an
 * unlinked ordinary file (no O_TMPFILE) is copied instead. Either way
 * the message is there once, with its bytes, and tmp/ stays empty. */
static void
adopt_one(struct folder *f, int fd, uint32_t want_uid)
{
	struct folder_append *ap;
	const char *err = NULL;
	const struct store_msg *m;
	char path[600], buf[64];
	uint32_t uid = 0;
	ssize_t n;
	int rfd, gone;

	ck_assert_int_eq(write(fd, "Subject: a\n\nadopted\n", 20), 20);
	ck_assert_int_eq(folder_append_adopt(f, fd, &ap, &err), 0);
	ck_assert_msg(folder_append_commit(&ap, MF_SEEN, 0, 1000000000, &uid,
					   &err) == 0, "commit: %s", err);
	ck_assert_uint_eq(uid, want_uid);
	ck_assert_int_eq(folder_sync(f, NULL, &err), 0);
	m = folder_msg(f, uid);
	ck_assert_ptr_nonnull(m);
	ck_assert_msg(m->size == 20 && m->flags == MF_SEEN, "size %lld",
		      (long long)m->size);
	rfd = folder_msg_open(f, uid, &gone, &err);
	ck_assert_int_ge(rfd, 0);
	n = read(rfd, buf, sizeof(buf));
	close(rfd);
	ck_assert_msg(n == 20 && memcmp(buf + 12, "adopted\n", 8) == 0,
		      "got %zd bytes", n);
	snprintf(path, sizeof(path), "%s/tmp", root);
	{
		DIR *d = opendir(path);
		struct dirent *de;
		int files = 0;

		while ((de = readdir(d)) != NULL)
			files += de->d_name[0] != '.';
		closedir(d);
		ck_assert_msg(files == 0, "%d files left in tmp/", files);
	}
}

START_TEST(append_adopts_unnamed_file)
{
	struct folder *f = fixture_open(root, 0);
	char path[600];
	int fd;

	snprintf(path, sizeof(path), "%s/tmp", root);
	fd = open(path, O_TMPFILE | O_RDWR, 0600);
	if (fd >= 0) {
		adopt_one(f, fd, 1);
		close(fd);
	}
	/* no O_TMPFILE: an unlinked file, which cannot be linked again */
	snprintf(path, sizeof(path), "%s/tmp/unlinked", root);
	fd = open(path, O_CREAT | O_RDWR | O_EXCL, 0600);
	ck_assert_int_ge(fd, 0);
	unlink(path);
	adopt_one(f, fd, folder_uidnext(f));
	close(fd);
	folder_close(&f);
}
END_TEST

/* The destination of an APPEND is opened without a scan when nothing
 * came in since the uidlist was written; mail delivered before the
 * append still gets the lower UID. */
START_TEST(dest_open_keeps_uid_order)
{
	struct folder *f, *d;
	struct folder_append *ap;
	const char *err = NULL;
	uint32_t uid = 0;
	int fd;

	f = fixture_open(root, 0);
	folder_close(&f);
	deliver(root, "1000.x.host", "Subject: x\n\nx\n");
	ck_assert_int_eq(folder_open_dest(root, root, &d, &err), 0);
	ck_assert_int_eq(folder_append_begin(d, &ap, &fd, &err), 0);
	ck_assert_int_eq(write(fd, "Subject: y\n\ny\n", 14), 14);
	ck_assert_int_eq(folder_append_commit(&ap, 0, 0, 1, &uid, &err), 0);
	ck_assert_msg(uid == 2, "appended UID %u, want 2 (after new mail)",
		      uid);
	folder_close(&d);
	/* nothing new since: no scan, the next UID follows */
	ck_assert_int_eq(folder_open_dest(root, root, &d, &err), 0);
	ck_assert_int_eq(folder_append_begin(d, &ap, &fd, &err), 0);
	ck_assert_int_eq(write(fd, "Subject: z\n\nz\n", 14), 14);
	ck_assert_int_eq(folder_append_commit(&ap, 0, 0, 1, &uid, &err), 0);
	ck_assert_uint_eq(uid, 3);
	ck_assert_uint_eq(folder_highestmodseq(d), 0);
	folder_close(&d);
	check_consistent(3);
}
END_TEST

/* A batch of flag changes: renamed at once, numbered in skua.index at
 * the end, also for a set out of order with a message twice. */
START_TEST(flags_batch_numbers_at_end)
{
	struct folder *f;
	const char *err = NULL;
	uint64_t before, after, m3;

	for (int i = 0; i < 3; i++) {
		char name[32];

		snprintf(name, sizeof(name), "100%d.b.host", i);
		deliver(root, name, "Subject: b\n\nb\n");
	}
	f = fixture_open(root, 0);
	before = folder_highestmodseq(f);
	folder_flags_batch_begin(f);
	ck_assert_int_eq(folder_change_flags(f, 3, MF_SEEN, 0, 0, 0, &err), 0);
	ck_assert_int_eq(folder_change_flags(f, 1, MF_SEEN, 0, 0, 0, &err), 0);
	ck_assert_int_eq(folder_change_flags(f, 3, MF_FLAGGED, 0, 0, 0, &err),
			 0);
	ck_assert_uint_eq(folder_highestmodseq(f), before);
	ck_assert_int_eq(folder_flags_batch_end(f, &err), 0);
	ck_assert_uint_gt(folder_highestmodseq(f), before);
	after = folder_highestmodseq(f);
	ck_assert_msg(folder_modseq(f, 3) > before && folder_modseq(f, 1) >
		      before && folder_modseq(f, 2) <= before,
		      "MODSEQs %llu %llu %llu", (unsigned long long)
		      folder_modseq(f, 1), (unsigned long long)
		      folder_modseq(f, 2), (unsigned long long)
		      folder_modseq(f, 3));
	ck_assert_uint_eq(folder_msg(f, 3)->flags, MF_SEEN | MF_FLAGGED);
	m3 = folder_modseq(f, 3);
	folder_close(&f);
	/* a new session sees the same flags and nothing to number */
	f = fixture_open(root, 0);
	ck_assert_uint_eq(folder_msg(f, 3)->flags, MF_SEEN | MF_FLAGGED);
	ck_assert_uint_ge(folder_highestmodseq(f), after);
	ck_assert_uint_eq(folder_modseq(f, 3), m3);
	folder_close(&f);
}
END_TEST

/* Writers append and flag, one expunges, an MDA delivers, all at once. */
START_TEST(many_processes)
{
	enum { WRITERS = 4, EACH = 40, DELIVERIES = 60 };
	pid_t pids[WRITERS + 2];
	int status;

	for (int w = 0; w < WRITERS + 2; w++) {
		pids[w] = fork();
		if (pids[w] < 0)     /* not ck_assert: the child would run it too */
			ck_abort_msg("fork: %s", strerror(errno));
		if (pids[w] != 0)
			continue;
		struct folder *f = NULL;
		const char *err;
		if (folder_open(root, root, 0, &f, &err) < 0)
			_exit(10);
		for (int i = 0; i < (w == WRITERS + 1 ? DELIVERIES : EACH); i++) {
			if (w < WRITERS) {
				struct folder_append *ap;
				uint32_t uid;
				int fd;
				if (folder_append_begin(f, &ap, &fd, &err) < 0 ||
				    write(fd, "x\n", 2) != 2 ||
				    folder_append_commit(&ap, 0, 0, 1, &uid,
							 &err) < 0)
					_exit(11);
				if (folder_set_flags(f, uid, MF_SEEN, 0, &err) < 0)
					_exit(12);
			} else if (w == WRITERS) {
				size_t n;
				if (folder_sync(f, NULL, &err) < 0) {
					fprintf(stderr, "sync: %s\n", err);
					_exit(13);
				}
				const struct store_msg *m = folder_msgs(f, &n);
				if (n > 0 && i % 4 == 0 &&
				    folder_expunge(f, m[n / 2].uid, &err) < 0)
					_exit(14);
			} else {
				char name[64];
				snprintf(name, sizeof(name), "%d.mda%d.host",
					 2000000 + i, i);
				char tmp[512], dst[512];
				snprintf(tmp, sizeof(tmp), "%s/tmp/%s", root, name);
				snprintf(dst, sizeof(dst), "%s/new/%s", root, name);
				FILE *fp = fopen(tmp, "w");
				if (fp == NULL)
					_exit(15);
				fputs("mda\n", fp);
				fclose(fp);
				if (rename(tmp, dst) < 0)
					_exit(16);
				if (i % 5 == 0 && folder_sync(f, NULL, &err) < 0) {
					fprintf(stderr, "sync: %s\n", err);
					_exit(17);
				}
			}
		}
		folder_close(&f);
		_exit(0);
	}
	for (int w = 0; w < WRITERS + 2; w++) {
		ck_assert_int_eq(waitpid(pids[w], &status, 0), pids[w]);
		ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
			      "process %d failed with %d", w,
			      WEXITSTATUS(status));
	}
	check_consistent(WRITERS * EACH + DELIVERIES - EACH);
}
END_TEST


static uint32_t
append_text(struct folder *f, const char *text, unsigned flags)
{
	struct folder_append *ap;
	const char *err = NULL;
	uint32_t uid = 0;
	int fd, r;

	ck_assert_int_eq(folder_append_begin(f, &ap, &fd, &err), 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	r = folder_append_commit(&ap, flags, 0, 1000000000, &uid, &err);
	ck_assert_msg(r == 0, "commit: %d %s", r, err);
	return uid;
}

START_TEST(copy_links_with_new_flags)
{
	char sub[300];
	struct folder *a, *b = NULL;
	const char *err = NULL;
	uint32_t uid = 0;
	struct stat s1, s2;
	char p1[600], p2[600];

	snprintf(sub, sizeof(sub), "%s/.Sub", root);
	fixture_mkmaildir(sub);
	a = fixture_open(root, 0);
	ck_assert_int_eq(folder_open(root, sub, 0, &b, &err), 0);
	append_text(a, "Subject: x\n\nbody\n", MF_SEEN);
	ck_assert_int_eq(folder_sync(a, NULL, &err), 0);
	ck_assert_int_eq(folder_copy(a, 1, b, MF_SEEN | MF_FLAGGED, 0, &uid,
				     &err), 0);
	ck_assert_uint_eq(uid, 1);
	ck_assert_int_eq(folder_sync(b, NULL, &err), 0);
	ck_assert_uint_eq(folder_msg(b, 1)->flags, MF_SEEN | MF_FLAGGED);
	snprintf(p1, sizeof(p1), "%s/cur/%s", root,
		 mname(a, folder_msg(a, 1)));
	snprintf(p2, sizeof(p2), "%s/cur/%s", sub,
		 mname(b, folder_msg(b, 1)));
	ck_assert_int_eq(stat(p1, &s1), 0);
	ck_assert_int_eq(stat(p2, &s2), 0);
	ck_assert_msg(s1.st_ino == s2.st_ino, "copy is not a hard link");
	ck_assert_int_eq(s2.st_mtime, 1000000000);
	/* A message that is gone copies as "gone". */
	ck_assert_int_eq(folder_expunge(a, 1, &err), 0);
	ck_assert_int_eq(folder_copy(a, 1, b, 0, 0, &uid, &err), 1);
	folder_close(&a);
	folder_close(&b);
}
END_TEST

/* Another process renames the source file (flag changes, one every
 * 200 us, far more often than any client) while this one copies it:
 * every copy must land, never fail because the name it opened is gone
 * by the time it links (the load test found that as NO [SERVERBUG]). */
START_TEST(copy_races_flag_renames)
{
	enum { COPIES = 300 };
	char sub[300];
	struct folder *a, *b = NULL;
	const char *err = NULL;
	uint32_t uid = 0;
	pid_t pid;
	int status, failed = -1, r = 0;

	snprintf(sub, sizeof(sub), "%s/.Sub", root);
	fixture_mkmaildir(sub);
	a = fixture_open(root, 0);
	ck_assert_int_eq(folder_open(root, sub, 0, &b, &err), 0);
	append_text(a, "Subject: x\n\nbody\n", 0);
	ck_assert_int_eq(folder_sync(a, NULL, &err), 0);
	pid = fork();
	if (pid < 0)     /* not ck_assert: the child would run it too */
		ck_abort_msg("fork: %s", strerror(errno));
	if (pid == 0) {
		struct folder *f = NULL;
		if (folder_open(root, root, 0, &f, &err) < 0 ||
		    folder_sync(f, NULL, &err) < 0)
			_exit(10);
		for (int i = 0; i < 100000; i++) {
			if (folder_set_flags(f, 1, i % 2 ? MF_SEEN : 0, 0,
					     &err) < 0)
				_exit(11);
			usleep(200);
		}
		_exit(0);
	}
	for (int i = 0; i < COPIES && failed < 0; i++)
		if ((r = folder_copy(a, 1, b, 0, 0, &uid, &err)) != 0)
			failed = i;
	kill(pid, SIGKILL);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(failed < 0, "copy %d: %d %s", failed, r,
		      r < 0 ? err : "");
	ck_assert_uint_eq(uid, COPIES);
	folder_close(&a);
	folder_close(&b);
}
END_TEST

START_TEST(quota_refuses_and_counts)
{
	struct folder *f = fixture_open(root, 0);
	struct folder_append *ap;
	struct quota_usage u;
	const char *err = NULL;
	uint32_t uid;
	int fd;
	char big[200];

	ck_assert_int_eq(quota_set_limits(root, 100, 0, &err), 0);
	append_text(f, "small message\n", 0);          /* 14 bytes */
	ck_assert_int_eq(quota_get(root, &u, &err), 0);
	ck_assert_msg(u.bytes == 14 && u.messages == 1,
		      "usage %lld/%lld, want 14/1", (long long)u.bytes,
		      (long long)u.messages);
	memset(big, 'x', sizeof(big));
	ck_assert_int_eq(folder_append_begin(f, &ap, &fd, &err), 0);
	ck_assert_int_eq(write(fd, big, sizeof(big)), (ssize_t)sizeof(big));
	ck_assert_int_eq(folder_append_commit(&ap, 0, 0, 1, &uid, &err),
			 FOLDER_OVERQUOTA);
	ck_assert_ptr_null(ap);
	/* Nothing half-written: no new file in cur/ or tmp/. */
	ck_assert_int_eq(folder_sync(f, NULL, &err), 0);
	size_t n;
	folder_msgs(f, &n);
	ck_assert_uint_eq(n, 1);
	char tmp[300];
	snprintf(tmp, sizeof(tmp), "%s/tmp", root);
	DIR *d = opendir(tmp);
	struct dirent *de;
	while ((de = readdir(d)) != NULL)
		ck_assert_msg(de->d_name[0] == '.', "left in tmp/: %s",
			      de->d_name);
	closedir(d);
	ck_assert_int_eq(folder_expunge(f, 1, &err), 0);
	ck_assert_int_eq(quota_get(root, &u, &err), 0);
	ck_assert_msg(u.bytes == 0 && u.messages == 0,
		      "usage after expunge %lld/%lld, want 0/0",
		      (long long)u.bytes, (long long)u.messages);
	folder_close(&f);
}
END_TEST

/* Group commit: staged messages are in cur/ without UIDs, count for
 * the quota at once, and get consecutive UIDs in staging order from one
 * settle. */
START_TEST(stage_then_settle)
{
	struct folder *f = fixture_open(root, 0), *d;
	struct folder_append *ap;
	struct quota_usage u;
	const char *err = NULL;
	uint32_t uids[3] = { 0, 0, 0 };
	int fd;

	ck_assert_int_eq(quota_set_limits(root, 100, 0, &err), 0);
	append_text(f, "small message\n", 0);          /* 14 bytes, UID 1 */
	ck_assert_int_eq(folder_open_dest(root, root, &d, &err), 0);
	for (int i = 0; i < 3; i++) {
		ck_assert_int_eq(folder_append_begin(d, &ap, &fd, &err), 0);
		ck_assert_int_eq(write(fd, "Subject: s\n\n123456\n", 20), 20);
		ck_assert_int_eq(folder_append_stage(&ap, MF_SEEN, 0, 1, &err),
				 0);
		ck_assert_ptr_null(ap);
	}
	ck_assert_uint_eq(folder_append_staged(d), 3);
	/* 14 + 3 * 20 counted, one more of 30 would pass 100 */
	ck_assert_int_eq(folder_append_begin(d, &ap, &fd, &err), 0);
	ck_assert_int_eq(write(fd, "Subject: s\n\n1234567890123456\n", 30),
			 30);
	ck_assert_int_eq(folder_append_stage(&ap, 0, 0, 1, &err),
			 FOLDER_OVERQUOTA);
	ck_assert_int_eq(quota_get(root, &u, &err), 0);
	ck_assert_msg(u.bytes == 74 && u.messages == 4, "usage before settle "
		      "%lld/%lld, want 74/4", (long long)u.bytes,
		      (long long)u.messages);
	ck_assert_int_eq(folder_append_settle(d, uids, &err), 0);
	ck_assert_msg(uids[0] == 2 && uids[1] == 3 && uids[2] == 4,
		      "UIDs %u %u %u, want 2 3 4", uids[0], uids[1], uids[2]);
	ck_assert_uint_eq(folder_append_staged(d), 0);
	ck_assert_int_eq(quota_get(root, &u, &err), 0);
	ck_assert_msg(u.bytes == 74 && u.messages == 4, "usage after settle "
		      "%lld/%lld, want 74/4", (long long)u.bytes,
		      (long long)u.messages);
	folder_close(&d);
	folder_close(&f);
	check_consistent(4);
}
END_TEST

START_TEST(watch_wakes_on_delivery)
{
	struct folder *f = fixture_open(root, 0);
	int fd = folder_watch(f);
	struct pollfd p = { .fd = fd, .events = POLLIN };

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(poll(&p, 1, 0), 0);
	deliver(root, "5.w.host", "x\n");
	ck_assert_msg(poll(&p, 1, 1000) == 1, "no wake-up within a second");
	folder_watch_drain(f);
	ck_assert_int_eq(poll(&p, 1, 0), 0);
	folder_close(&f);
}
END_TEST

/* kill -9 a writer at random points; after each kill the folder opens,
 * every file has one UID, and no UID ever names another file. */
START_TEST(kill_nine_loop)
{
	enum { MAX_ROUNDS = 150 };
	char *seen[4096] = { 0 };
	time_t stop = time(NULL) + 15;
	unsigned seed = 12345;

	for (int round = 0; round < MAX_ROUNDS && time(NULL) < stop; round++) {
		pid_t pid = fork();

		if (pid < 0)     /* not ck_assert: the child would run it too */
			ck_abort_msg("fork: %s", strerror(errno));
		if (pid == 0) {
			struct folder *f;
			const char *err;
			if (folder_open(root, root, 0, &f, &err) < 0)
				_exit(1);
			for (int i = 0;; i++) {
				struct folder_append *ap;
				uint32_t uid;
				int fd;
				size_t n;
				if (folder_append_begin(f, &ap, &fd, &err) < 0 ||
				    write(fd, "k\n", 2) != 2 ||
				    folder_append_commit(&ap, 0, 0, 1, &uid,
							 &err) < 0)
					_exit(2);
				folder_set_flags(f, uid, MF_SEEN, 0, &err);
				folder_sync(f, NULL, &err);
				const struct store_msg *m = folder_msgs(f, &n);
				if (n > 20)
					folder_expunge(f, m[i % n].uid, &err);
			}
		}
		usleep(rand_r(&seed) % 20000);
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);

		struct folder *f = fixture_open(root, 0);
		const struct store_msg *m;
		size_t n;
		m = folder_msgs(f, &n);
		for (size_t i = 0; i < n; i++) {
			const char *nm = mname(f, &m[i]);
			size_t len = strcspn(nm, ":");
			ck_assert_msg(m[i].uid < 4096, "uid %u", m[i].uid);
			if (i > 0)
				ck_assert_msg(m[i].uid > m[i - 1].uid,
					      "UIDs out of order");
			if (seen[m[i].uid] == NULL)
				seen[m[i].uid] = strndup(nm, len);
			else
				ck_assert_msg(strncmp(seen[m[i].uid], nm,
						      len) == 0,
					      "uid %u now names %s, was %s",
					      m[i].uid, nm,
					      seen[m[i].uid]);
		}
		folder_close(&f);
		check_consistent(0);
	}
	for (int i = 0; i < 4096; i++)
		free(seen[i]);
}
END_TEST

/* A folder Courier served: its keywords arrive in the file names and in
 * dovecot-keywords on first open. */
START_TEST(courier_keywords_imported)
{
	char path[400];
	FILE *fp;
	struct folder *f;
	const struct store_msg *m;
	size_t n;

	deliver(root, "1700000000.c1.host", "x\n");
	deliver(root, "1700000001.c2.host", "y\n");
	snprintf(path, sizeof(path), "%s/courierimapkeywords", root);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/courierimapkeywords/:list", root);
	fp = fopen(path, "w");
	ck_assert_ptr_nonnull(fp);
	fputs("$Label1\nNonJunk\n\n1700000001.c2.host:0 1\n", fp);
	fclose(fp);
	f = fixture_open(root, 0);
	m = folder_msgs(f, &n);
	ck_assert_uint_eq(n, 2);
	ck_assert_msg(m[0].keywords == 0 && m[1].keywords == 3,
		      "keywords %x %x, want 0 3", m[0].keywords, m[1].keywords);
	ck_assert_msg(strstr(mname(f, &m[1]), ":2,ab") != NULL, "name %s",
		      mname(f, &m[1]));
	snprintf(path, sizeof(path), "%s/dovecot-keywords", root);
	ck_assert_int_eq(access(path, F_OK), 0);
	folder_close(&f);
}
END_TEST

/* EXAMINE and STATUS count \Recent without taking it away from the next
 * read-write session (RFC 3501 2.3.2). */
/* Writes a message straight into cur/ under name, as another program
 * might. */
static void
put_cur(const char *name, const char *body)
{
	fixture_put(root, "cur", name, body);
}

/* The folder keeps no name that the uidlist's base and the flags make,
 * and keeps exactly the others: every message is found by its real
 * name, and a rename to a name the flags make drops the kept one. */
START_TEST(names_not_made_are_kept)
{
	struct folder *f;
	const struct store_msg *m;
	const char *err = NULL;
	char from[512], to[512];
	struct folder_changes ch;
	size_t n;
	int gone, fd;

	put_cur("1000.a.host:2,SF", "a\n");    /* letters out of order */
	put_cur("1000.b.host", "b\n");         /* no info */
	put_cur("1000.c.host:2,S", "c\n");     /* as the flags make it */
	f = fixture_open(root, 0);
	m = folder_msgs(f, &n);
	ck_assert_uint_eq(n, 3);
	ck_assert_str_eq(mname(f, &m[0]), "1000.a.host:2,SF");
	ck_assert_str_eq(mname(f, &m[1]), "1000.b.host");
	ck_assert_str_eq(mname(f, &m[2]), "1000.c.host:2,S");
	ck_assert_msg(m[0].named && m[1].named && !m[2].named,
		      "named %d %d %d", m[0].named, m[1].named, m[2].named);
	for (uint32_t uid = 1; uid <= 3; uid++) {
		fd = folder_msg_open(f, uid, &gone, &err);
		ck_assert_msg(fd >= 0, "uid %u: %s", uid, err);
		close(fd);
	}
	ck_assert_int_eq(folder_set_flags(f, 1, MF_SEEN, 0, &err), 0);
	ck_assert_int_eq(folder_change_flags(f, 2, MF_SEEN, 0, 0, 0, &err), 0);
	m = folder_msgs(f, &n);
	ck_assert_str_eq(mname(f, &m[0]), "1000.a.host:2,S");
	ck_assert_str_eq(mname(f, &m[1]), "1000.b.host:2,S");
	ck_assert_msg(!m[0].named && !m[1].named, "kept a name made again");
	/* Another process flags c: the open finds it, the flags stay
	 * for the sync to report. */
	snprintf(from, sizeof(from), "%s/cur/1000.c.host:2,S", root);
	snprintf(to, sizeof(to), "%s/cur/1000.c.host:2,FS", root);
	ck_assert_int_eq(rename(from, to), 0);
	fd = folder_msg_open(f, 3, &gone, &err);
	ck_assert_msg(fd >= 0, "relocated open: %s", err);
	close(fd);
	m = folder_msg(f, 3);
	ck_assert_str_eq(mname(f, m), "1000.c.host:2,FS");
	ck_assert_msg(m->named && m->flags == MF_SEEN, "flags taken early");
	ck_assert_int_eq(folder_sync(f, &ch, &err), 0);
	ck_assert_msg(ch.nflagged == 1 && ch.flagged[0] == 3,
		      "%zu flagged", ch.nflagged);
	m = folder_msg(f, 3);
	ck_assert_msg(!m->named && m->flags == (MF_SEEN | MF_FLAGGED),
		      "after the sync: named %d flags %x", m->named,
		      m->flags);
	ck_assert_str_eq(mname(f, m), "1000.c.host:2,FS");
	/* Gone behind our back: the open says so. */
	ck_assert_int_eq(unlink(to), 0);
	fd = folder_msg_open(f, 3, &gone, &err);
	ck_assert_msg(fd < 0 && gone, "a removed message opened");
	folder_close(&f);
}
END_TEST

/* A big folder costs its session a small constant per message: the
 * list, and no copy of the file names; a STORE on every message adds
 * nothing. (The uidlist's own records are counted by its tests.) */
START_TEST(memory_per_message)
{
	enum { N = 3000 };
	struct folder *f;
	const char *err = NULL;
	char name[128];
	size_t n;

	for (int i = 0; i < N; i++) {
		snprintf(name, sizeof(name),
			 "17000%05d.M%dP1.host,S=2,W=3:2,%s", i, i,
			 i % 3 == 0 ? "S" : i % 3 == 1 ? "FS" : "");
		put_cur(name, "x\n");
	}
	f = fixture_open(root, 0);
	(void)folder_msgs(f, &n);
	ck_assert_uint_eq(n, N);
	ck_assert_uint_le(sizeof(struct store_msg), 24);
	ck_assert_msg(folder_bytes(f) <= 24 * N + 16384,
		      "%zu bytes for %d messages", folder_bytes(f), N);
	folder_flags_batch_begin(f);
	for (uint32_t uid = 1; uid <= N; uid++)
		ck_assert_int_eq(folder_change_flags(f, uid, MF_ANSWERED, 0,
						     0, 0, &err), 0);
	ck_assert_int_eq(folder_flags_batch_end(f, &err), 0);
	ck_assert_msg(folder_bytes(f) <= 24 * N + 16384,
		      "%zu bytes after a STORE", folder_bytes(f));
	ck_assert_int_eq(folder_sync(f, NULL, &err), 0);
	ck_assert_msg(folder_bytes(f) <= 24 * N + 16384,
		      "%zu bytes after a sync", folder_bytes(f));
	folder_close(&f);
}
END_TEST

START_TEST(readonly_leaves_recent)
{
	struct folder *f = NULL;
	const char *err = NULL;
	size_t n;
	const struct store_msg *m;

	deliver(root, "1700000000.r1.host", "x\n");
	ck_assert_int_eq(folder_open(root, root, FOLDER_READONLY, &f, &err), 0);
	m = folder_msgs(f, &n);
	ck_assert_msg(n == 1 && m[0].recent, "EXAMINE does not see \\Recent");
	folder_close(&f);
	f = fixture_open(root, 0);
	m = folder_msgs(f, &n);
	ck_assert_msg(n == 1 && m[0].recent, "recent lost to a read-only open");
	folder_close(&f);
	f = fixture_open(root, 0);
	m = folder_msgs(f, &n);
	ck_assert_msg(n == 1 && !m[0].recent, "recent seen by two sessions");
	folder_close(&f);
}
END_TEST

static Suite *
folder_suite(void)
{
	Suite *s = suite_create("folder");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, new_mail_gets_uids_in_name_order);
	tcase_add_test(tc, sync_reports_changes);
	tcase_add_test(tc, stale_name_is_relocated);
	tcase_add_test(tc, append_commits_with_flags_and_date);
	tcase_add_test(tc, stage_then_settle);
	tcase_add_test(tc, many_processes);
	tcase_add_test(tc, copy_links_with_new_flags);
	tcase_add_test(tc, copy_races_flag_renames);
	tcase_add_test(tc, quota_refuses_and_counts);
	tcase_add_test(tc, watch_wakes_on_delivery);
	tcase_add_test(tc, courier_keywords_imported);
	tcase_add_test(tc, append_adopts_unnamed_file);
	tcase_add_test(tc, dest_open_keeps_uid_order);
	tcase_add_test(tc, flags_batch_numbers_at_end);
	tcase_add_test(tc, readonly_leaves_recent);
	tcase_add_test(tc, names_not_made_are_kept);
	tcase_add_test(tc, memory_per_message);
	tcase_add_test(tc, kill_nine_loop);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(folder_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
