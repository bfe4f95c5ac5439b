/* tests/unit/check_watch.c — store/watch: a delivery into a watched
 * folder marks it and only it; a folder made or removed in the root and
 * a replaced subscriptions file are reported; a set larger than the
 * bound is refused and the old set keeps working; the descriptor keeps
 * its number across sets; the tree's lock counts as busy while fresh. */
#include <check.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/watch.h"

static char root[64];

static void
mkfolder(const char *dir)
{
	static const char *const subs[] = { "", "/cur", "/new", "/tmp" };
	char p[256];

	for (size_t i = 0; i < 4; i++) {
		snprintf(p, sizeof(p), "%s%s%s%s", root, *dir ? "/" : "", dir,
			 subs[i]);
		mkdir(p, 0700);
	}
}

static void
rmfolder(const char *dir)
{
	static const char *const subs[] = { "/cur", "/new", "/tmp", "" };
	char p[256];

	for (size_t i = 0; i < 4; i++) {
		snprintf(p, sizeof(p), "%s/%s%s", root, dir, subs[i]);
		rmdir(p);
	}
}

static void
touch(const char *rel)
{
	char p[256];
	int fd;

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ck_assert_int_ge(fd, 0);
	close(fd);
}

static void
setup(void)
{
	snprintf(root, sizeof(root), "/tmp/skua-watch-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(root));
	mkfolder("");
	mkfolder(".A");
	mkfolder(".B");
}

static void
teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	ck_assert_int_eq(system(cmd), 0);
}

/* Waits (bounded) until the descriptor is readable. */
static int
readable(struct watch *w)
{
	struct pollfd p = { .fd = watch_fd(w), .events = POLLIN };

	return poll(&p, 1, 10000) == 1;
}

START_TEST(delivery_marks_folder)
{
	const char *dirs[] = { "", ".A", ".B" };
	struct watch *w = watch_new(root, 3);

	ck_assert_ptr_nonnull(w);
	ck_assert_int_eq(watch_set_folders(w, dirs, 3), 0);
	/* A new set starts with every folder marked. */
	for (size_t i = 0; i < 3; i++)
		ck_assert_int_eq(watch_take(w, i), 1);
	ck_assert_int_eq(watch_take(w, 1), 0);
	touch(".A/new/1.M1P1.host");
	ck_assert(readable(w));
	ck_assert_uint_eq(watch_read(w), 0);
	ck_assert_int_eq(watch_take(w, 0), 0);
	ck_assert_int_eq(watch_take(w, 1), 1);
	ck_assert_int_eq(watch_take(w, 2), 0);
	/* INBOX is the root's own new/ and cur/. */
	touch("cur/2.M2P2.host:2,S");
	ck_assert(readable(w));
	ck_assert_uint_eq(watch_read(w), 0);
	ck_assert_int_eq(watch_take(w, 0), 1);
	watch_free(&w);
	ck_assert_ptr_null(w);
}
END_TEST

START_TEST(tree_and_subscriptions)
{
	char from[256], to[256];
	struct watch *w = watch_new(root, 3);

	ck_assert_ptr_nonnull(w);
	mkfolder(".C");
	ck_assert(readable(w));
	ck_assert_uint_eq(watch_read(w) & WATCH_TREE, WATCH_TREE);
	rmfolder(".C");
	ck_assert(readable(w));
	ck_assert_uint_eq(watch_read(w) & WATCH_TREE, WATCH_TREE);
	/* Lock files and INBOX's uidlist are not news. */
	touch("dovecot-uidlist.lock");
	touch(".subscriptions.tmp");
	snprintf(from, sizeof(from), "%s/.subscriptions.tmp", root);
	snprintf(to, sizeof(to), "%s/.subscriptions", root);
	ck_assert_int_eq(rename(from, to), 0);
	ck_assert(readable(w));
	ck_assert_uint_eq(watch_read(w), WATCH_SUBS);
	watch_free(&w);
}
END_TEST

START_TEST(bound_and_stable_fd)
{
	const char *two[] = { ".A", ".B" }, *three[] = { "", ".A", ".B" };
	struct watch *w = watch_new(root, 2);
	int fd;

	ck_assert_ptr_nonnull(w);
	fd = watch_fd(w);
	ck_assert_int_eq(watch_set_folders(w, two, 2), 0);
	ck_assert_int_eq(watch_fd(w), fd);
	ck_assert_int_eq(watch_set_folders(w, three, 3), WATCH_OVERFLOW);
	ck_assert_int_eq(watch_fd(w), fd);
	(void)watch_take(w, 0);
	(void)watch_take(w, 1);
	/* The old set still works. */
	touch(".B/new/3.M3P3.host");
	ck_assert(readable(w));
	(void)watch_read(w);
	ck_assert_int_eq(watch_take(w, 1), 1);
	ck_assert_int_eq(watch_take(w, 0), 0);
	/* A folder that is gone is simply not watched. */
	ck_assert_int_eq(watch_set_folders(w, (const char *[]){ ".A", ".X" },
					   2), 0);
	watch_free(&w);
}
END_TEST

START_TEST(tree_lock_busy)
{
	char p[256];
	struct watch *w = watch_new(root, 1);

	ck_assert_ptr_nonnull(w);
	ck_assert_int_eq(watch_tree_busy(w), 0);
	touch("mailboxes.lock");
	ck_assert_int_eq(watch_tree_busy(w), 1);
	(void)watch_read(w);
	snprintf(p, sizeof(p), "%s/mailboxes.lock", root);
	unlink(p);
	ck_assert(readable(w));
	ck_assert_uint_eq(watch_read(w), WATCH_TREE);
	ck_assert_int_eq(watch_tree_busy(w), 0);
	watch_free(&w);
}
END_TEST

static Suite *
watch_suite(void)
{
	Suite *s = suite_create("watch");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, delivery_marks_folder);
	tcase_add_test(tc, tree_and_subscriptions);
	tcase_add_test(tc, bound_and_stable_fd);
	tcase_add_test(tc, tree_lock_busy);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(watch_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
