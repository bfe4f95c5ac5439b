/* tests/unit/maildir_fixture.h — a fresh Maildir under /tmp for the
 * store's suites (check_folder, check_snap, check_track, check_view):
 * made before each test, removed after it, the few ways the tests put
 * files in it, and its opening. Header-only: each suite is one file. */
#ifndef SKUA_TESTS_MAILDIR_FIXTURE_H
#define SKUA_TESTS_MAILDIR_FIXTURE_H

#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>

#include "store/folder.h"

/* dir with cur/, new/ and tmp/. */
static inline void
fixture_mkmaildir(const char *dir)
{
	static const char *const sub[] = { "cur", "new", "tmp" };
	char p[512];

	mkdir(dir, 0700);
	for (size_t i = 0; i < 3; i++) {
		snprintf(p, sizeof(p), "%s/%s", dir, sub[i]);
		mkdir(p, 0700);
	}
}

/* A new Maildir /tmp/skua-TAG-XXXXXX; its path goes to root. */
static inline void
fixture_maildir(char *root, size_t size, const char *tag)
{
	snprintf(root, size, "/tmp/skua-%s-XXXXXX", tag);
	ck_assert_ptr_nonnull(mkdtemp(root));
	fixture_mkmaildir(root);
}

static inline void
fixture_remove(const char *root)
{
	char cmd[600];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", root);
}

/* Writes body to root/sub/name. */
static inline void
fixture_put(const char *root, const char *sub, const char *name,
	    const char *body)
{
	char p[512];
	FILE *fp;

	snprintf(p, sizeof(p), "%s/%s/%s", root, sub, name);
	fp = fopen(p, "w");
	ck_assert_ptr_nonnull(fp);
	fputs(body, fp);
	fclose(fp);
}

/* Moves the mtimes of cur/ and new/ a minute back, as for a folder
 * nobody touched lately: only then may skua.snap stand for it. */
static inline void
fixture_age(const char *root)
{
	struct timespec t[2];
	char p[512];

	clock_gettime(CLOCK_REALTIME, &t[0]);
	t[0].tv_sec -= 60;
	t[1] = t[0];
	snprintf(p, sizeof(p), "%s/cur", root);
	ck_assert_int_eq(utimensat(AT_FDCWD, p, t, 0), 0);
	snprintf(p, sizeof(p), "%s/new", root);
	ck_assert_int_eq(utimensat(AT_FDCWD, p, t, 0), 0);
}

/* The Maildir root opened with folder_open's flags; the test fails
 * when it cannot be. */
static inline struct folder *
fixture_open(const char *root, int flags)
{
	struct folder *f = NULL;
	const char *err = NULL;

	ck_assert_msg(folder_open(root, root, flags, &f, &err) == 0,
		      "folder_open: %s", err);
	return f;
}

#endif
