/* tests/unit/check_specialuse.c — skua.specialuse: the seven RFC 6154
 * attributes by name, setting and clearing a folder's, RENAME carrying a
 * folder's and its children's along, and lines that do not parse. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/specialuse.h"

static char root[64];
static struct mbox_err err;

static void
setup(void)
{
	snprintf(root, sizeof(root), "/tmp/skua-specialuse-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(root));
}

static void
teardown(void)
{
	char p[128];

	snprintf(p, sizeof(p), "%s/%s", root, SPECIALUSE_FILE);
	unlink(p);
	rmdir(root);
}

/* The file's contents, "" when it is missing. */
static const char *
file_text(void)
{
	static char text[1024];
	char p[128];
	size_t n = 0;
	FILE *fp;

	snprintf(p, sizeof(p), "%s/%s", root, SPECIALUSE_FILE);
	text[0] = '\0';
	if ((fp = fopen(p, "r")) != NULL) {
		n = fread(text, 1, sizeof(text) - 1, fp);
		fclose(fp);
	}
	text[n] = '\0';
	return text;
}

static unsigned
get(const char *dir)
{
	struct specialuse *su;
	unsigned a;

	ck_assert_int_eq(specialuse_read(root, &su, &err), 0);
	a = specialuse_get(su, dir);
	specialuse_free(&su);
	ck_assert_ptr_null(su);
	return a;
}

START_TEST(names)
{
	ck_assert_uint_eq(specialuse_attr("\\Sent"), MBOX_SENT);
	ck_assert_uint_eq(specialuse_attr("\\all"), MBOX_ALL);
	ck_assert_uint_eq(specialuse_attr("\\FLAGGED"), MBOX_FLAGGED);
	ck_assert_uint_eq(specialuse_attr("Sent"), 0);
	ck_assert_uint_eq(specialuse_attr("\\Important"), 0);
	ck_assert_str_eq(specialuse_name(MBOX_JUNK), "\\Junk");
	ck_assert_ptr_null(specialuse_name(MBOX_NOSELECT));
}
END_TEST

START_TEST(set_and_clear)
{
	ck_assert_uint_eq(get(".Sent"), 0);     /* no file: nothing */
	ck_assert_int_eq(specialuse_set(root, ".Sent Items", MBOX_SENT, &err),
			 0);
	ck_assert_int_eq(specialuse_set(root, ".Old", MBOX_ARCHIVE |
					MBOX_TRASH, &err), 0);
	ck_assert_str_eq(file_text(), ".Sent Items\t\\Sent\n"
			 ".Old\t\\Archive \\Trash\n");
	ck_assert_uint_eq(get(".Sent Items"), MBOX_SENT);
	ck_assert_uint_eq(get(".Sent"), 0);
	ck_assert_int_eq(specialuse_set(root, ".Sent Items", 0, &err), 0);
	ck_assert_str_eq(file_text(), ".Old\t\\Archive \\Trash\n");
	/* Clearing what has nothing is no change. */
	ck_assert_int_eq(specialuse_set(root, ".None", 0, &err), 0);
	ck_assert_str_eq(file_text(), ".Old\t\\Archive \\Trash\n");
}
END_TEST

START_TEST(rename_children)
{
	ck_assert_int_eq(specialuse_set(root, ".A", MBOX_SENT, &err), 0);
	ck_assert_int_eq(specialuse_set(root, ".A.x", MBOX_JUNK, &err), 0);
	ck_assert_int_eq(specialuse_set(root, ".AB", MBOX_DRAFTS, &err), 0);
	ck_assert_int_eq(specialuse_rename(root, ".A", ".C.D", &err), 0);
	ck_assert_str_eq(file_text(), ".C.D\t\\Sent\n.C.D.x\t\\Junk\n"
			 ".AB\t\\Drafts\n");
	/* INBOX's children stay where they are. */
	ck_assert_int_eq(specialuse_rename(root, "", ".Z", &err), 0);
	ck_assert_uint_eq(get(".AB"), MBOX_DRAFTS);
}
END_TEST

START_TEST(bad_lines)
{
	char p[128];
	FILE *fp;

	snprintf(p, sizeof(p), "%s/%s", root, SPECIALUSE_FILE);
	fp = fopen(p, "w");
	ck_assert_ptr_nonnull(fp);
	fputs("no tab here\n\t\\Sent\n.X\t\\Bogus\n.Y\t\\Bogus \\Sent\n", fp);
	fclose(fp);
	ck_assert_uint_eq(get(".X"), 0);
	ck_assert_uint_eq(get(".Y"), MBOX_SENT);
	ck_assert_int_eq(specialuse_set(root, ".Z", MBOX_ALL, &err), 0);
	ck_assert_str_eq(file_text(), ".Y\t\\Sent\n.Z\t\\All\n");
}
END_TEST

static Suite *
specialuse_suite(void)
{
	Suite *s = suite_create("specialuse");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, names);
	tcase_add_test(tc, set_and_clear);
	tcase_add_test(tc, rename_children);
	tcase_add_test(tc, bad_lines);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(specialuse_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
