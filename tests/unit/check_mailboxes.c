/* tests/unit/check_mailboxes.c — the folder tree: the examples of RFC
 * 3501 6.3.3-6.3.5 and 6.3.8, \Noselect levels, children on DELETE and
 * RENAME, renaming INBOX, special-use folders, and names and symlinks
 * that try to leave the Maildir. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "store/mailboxes.h"

static char base[256], root[300], outside[300];
static struct mailboxes mb;
static struct mbox_err err;

static void
mkfolder(const char *dir, int with_cur)
{
	char p[600];

	snprintf(p, sizeof(p), "%s/%s", root, dir);
	mkdir(p, 0700);
	if (!with_cur)
		return;
	snprintf(p, sizeof(p), "%s/%s/cur", root, dir);
	mkdir(p, 0700);
	snprintf(p, sizeof(p), "%s/%s/new", root, dir);
	mkdir(p, 0700);
	snprintf(p, sizeof(p), "%s/%s/tmp", root, dir);
	mkdir(p, 0700);
}

static void
touch(const char *rel, const char *body)
{
	char p[600];
	FILE *fp;

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	fp = fopen(p, "w");
	ck_assert_msg(fp != NULL, "fopen(%s): %s", p, strerror(errno));
	fputs(body, fp);
	fclose(fp);
}

static int
exists(const char *rel)
{
	char p[600];
	struct stat st;

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	return lstat(p, &st) == 0;
}

static void
setup(void)
{
	snprintf(base, sizeof(base), "/tmp/skua-mailboxes-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(base));
	snprintf(root, sizeof(root), "%s/Maildir", base);
	snprintf(outside, sizeof(outside), "%s/outside", base);
	mkdir(outside, 0700);
	mkdir(root, 0700);
	mkfolder(".", 1);
	memset(&mb, 0, sizeof(mb));
	mb.root = root;
	mb.rules.sep = '/';
	mb.rules.prefix = "";
	mb.special = mbox_special_default;
	mb.nspecial = MBOX_SPECIAL_DEFAULT_N;
	memset(&err, 0, sizeof(err));
}

static void
teardown(void)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", base);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", base);
}

static void
attrs_str(unsigned a, char *out, size_t size)
{
	static const struct { unsigned bit; const char *s; } names[] = {
		{ MBOX_NOSELECT, "\\Noselect" },
		{ MBOX_HASCHILDREN, "\\HasChildren" },
		{ MBOX_HASNOCHILDREN, "\\HasNoChildren" },
		{ MBOX_MARKED, "\\Marked" },
		{ MBOX_UNMARKED, "\\Unmarked" },
		{ MBOX_DRAFTS, "\\Drafts" },
		{ MBOX_SENT, "\\Sent" },
		{ MBOX_TRASH, "\\Trash" },
		{ MBOX_JUNK, "\\Junk" },
		{ MBOX_ARCHIVE, "\\Archive" },
	};
	size_t i, len = 0;

	out[0] = '\0';
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (a & names[i].bit)
			len += (size_t)snprintf(out + len, size - len, "%s%s",
						len > 0 ? " " : "",
						names[i].s);
}

/* The LIST result as "name(attrs) name(attrs) ...". */
static const char *
list(const char *ref, const char *pat, unsigned flags)
{
	static char out[65536];
	char a[200];
	const struct mbox_entry *e;
	struct mbox_list *l;
	size_t n, i, len = 0;

	ck_assert_msg(mailboxes_list(&mb, ref, pat, flags, &l, &err) == 0,
		      "LIST \"%s\" \"%s\": got %s, want success", ref, pat,
		      err.text);
	e = mbox_list_entries(l, &n);
	out[0] = '\0';
	for (i = 0; i < n; i++) {
		attrs_str(e[i].attrs, a, sizeof(a));
		len += (size_t)snprintf(out + len, sizeof(out) - len,
					"%s%s(%s)", i > 0 ? " " : "",
					e[i].name, a);
	}
	mbox_list_free(&l);
	return out;
}

#define LIST_IS(ref, pat, want) do { \
	const char *got_ = list(ref, pat, 0); \
	ck_assert_msg(strcmp(got_, want) == 0, \
		      "LIST \"%s\" \"%s\":\n got  %s\n want %s", ref, pat, \
		      got_, want); \
} while (0)

#define OK(call) ck_assert_msg((call) == 0, "%s: got \"%s\", want success", \
			       #call, err.text)
#define FAILS(call, want) do { \
	int r_ = (call); \
	ck_assert_msg(r_ == -1 && err.code == (want), \
		      "%s: got %d code %d \"%s\", want -1 code %d", #call, \
		      r_, err.code, err.text, (want)); \
} while (0)

#define EXISTS(rel, want) ck_assert_msg(exists(rel) == (want), \
	"%s: got %s, want %s", rel, exists(rel) ? "present" : "absent", \
	(want) ? "present" : "absent")

/* ---- CREATE ------------------------------------------------------- */

/* RFC 3501 6.3.3, the example. */
START_TEST(create_rfc_example)
{
	OK(mailboxes_create(&mb, "owatagusiam/", &err));
	OK(mailboxes_create(&mb, "owatagusiam/blurdybloop", &err));
	EXISTS(".owatagusiam/cur", 1);
	EXISTS(".owatagusiam/maildirfolder", 1);
	EXISTS(".owatagusiam.blurdybloop/new", 1);
	EXISTS(".owatagusiam.blurdybloop/tmp", 1);
	EXISTS(".owatagusiam.blurdybloop/maildirfolder", 1);
	LIST_IS("", "*", "INBOX(\\HasNoChildren) "
		"owatagusiam(\\HasChildren) "
		"owatagusiam/blurdybloop(\\HasNoChildren)");
}
END_TEST

START_TEST(create_parents)
{
	OK(mailboxes_create(&mb, "A/B/C", &err));
	EXISTS(".A/cur", 1);
	EXISTS(".A.B/cur", 1);
	EXISTS(".A.B.C/cur", 1);
	LIST_IS("", "*", "INBOX(\\HasNoChildren) A(\\HasChildren) "
		"A/B(\\HasChildren) A/B/C(\\HasNoChildren)");
	/* INBOX/x: INBOX is the Maildir, no ".INBOX" is made. */
	OK(mailboxes_create(&mb, "inbox/x", &err));
	EXISTS(".INBOX.x/cur", 1);
	EXISTS(".INBOX", 0);
	LIST_IS("", "INBOX*", "INBOX(\\HasChildren) INBOX/x(\\HasNoChildren)");
}
END_TEST

START_TEST(create_existing)
{
	OK(mailboxes_create(&mb, "A", &err));
	FAILS(mailboxes_create(&mb, "A", &err), MBOX_ERR_EXISTS);
	FAILS(mailboxes_create(&mb, "A/", &err), MBOX_ERR_EXISTS);
	FAILS(mailboxes_create(&mb, "INBOX", &err), MBOX_ERR_EXISTS);
	FAILS(mailboxes_create(&mb, "inbox", &err), MBOX_ERR_EXISTS);
	/* A \Noselect directory is completed into a folder. */
	mkfolder(".N", 0);
	OK(mailboxes_create(&mb, "N", &err));
	EXISTS(".N/cur", 1);
	EXISTS(".N/maildirfolder", 1);
	/* Nothing is left behind in INBOX's tmp/. */
	LIST_IS("", "N", "N(\\HasNoChildren)");
	ck_assert_int_eq(rmdir(strcat(strcpy((char[600]){ 0 }, root),
				      "/tmp")), 0);
	/* Without INBOX's tmp/, the folder is made in place. */
	OK(mailboxes_create(&mb, "T", &err));
	EXISTS(".T/cur", 1);
}
END_TEST

/* DESIGN.md, security rules: no name leaves the Maildir. */
START_TEST(create_bad_names)
{
	static const char *const bad[] = {
		"..", "../x", "a/../b", "a/..", "a.b", "/etc", "A//B", "~x",
		"a\x01" "b", "a&AAE-b", "a\x7f", ".", "", "a/./b",
		"&Jjo", "x/../../outside",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err.code = MBOX_OK;
		ck_assert_msg(mailboxes_create(&mb, bad[i], &err) == -1 &&
			      err.code == MBOX_ERR_NAME,
			      "CREATE \"%s\": got code %d \"%s\", want %d",
			      bad[i], err.code, err.text, MBOX_ERR_NAME);
		FAILS(mailboxes_delete(&mb, bad[i], &err), MBOX_ERR_NAME);
		FAILS(mailboxes_rename(&mb, bad[i], "ok", &err),
		      MBOX_ERR_NAME);
	}
	LIST_IS("", "*", "INBOX(\\HasNoChildren)");
	ck_assert_msg(rmdir(outside) == 0, "outside/ got entries, want none");
	/* "subscriptions" would be our own file. */
	FAILS(mailboxes_create(&mb, "subscriptions", &err), MBOX_ERR_NAME);
}
END_TEST

/* ---- LIST --------------------------------------------------------- */

START_TEST(list_noselect_levels)
{
	mkfolder(".A.B.C", 1);
	mkfolder(".D", 0);              /* no cur/: \Noselect */
	LIST_IS("", "*", "INBOX(\\HasNoChildren) A(\\Noselect \\HasChildren) "
		"A/B(\\Noselect \\HasChildren) A/B/C(\\HasNoChildren) "
		"D(\\Noselect \\HasNoChildren)");
	/* RFC 3501 6.3.8: "%" returns the levels as \Noselect. */
	LIST_IS("", "%", "INBOX(\\HasNoChildren) A(\\Noselect \\HasChildren) "
		"D(\\Noselect \\HasNoChildren)");
	LIST_IS("", "A/%", "A/B(\\Noselect \\HasChildren)");
	LIST_IS("A/", "%", "A/B(\\Noselect \\HasChildren)");
	LIST_IS("A/B/", "*", "A/B/C(\\HasNoChildren)");
}
END_TEST

/* Never cur/ new/ tmp/, the server's files, hidden or invalid entries,
 * nor a symlink (which is never entered either). */
START_TEST(list_skips)
{
	char p[600];

	mkfolder(".ok", 1);
	touch("dovecot-uidlist", "3 V1 N1\n");
	touch(".subscriptions", "ok\n");
	touch(".file", "");
	mkfolder("..DOVECOT-TRASHED", 1);
	mkfolder(".a..b", 1);
	mkfolder(".~x", 1);
	mkfolder(".INBOX", 1);
	mkfolder(".subscriptions.x", 1);
	mkfolder("plain", 1);
	snprintf(p, sizeof(p), "%s/.evil", root);
	ck_assert_int_eq(symlink("/etc", p), 0);
	snprintf(p, sizeof(p), "%s/.evil2", root);
	ck_assert_int_eq(symlink(outside, p), 0);
	LIST_IS("", "*", "INBOX(\\HasNoChildren) ok(\\HasNoChildren)");
	LIST_IS("", "evil*", "");
	FAILS(mailboxes_delete(&mb, "evil2", &err), MBOX_ERR_NONEXISTENT);
	FAILS(mailboxes_rename(&mb, "evil2", "x", &err),
	      MBOX_ERR_NONEXISTENT);
	FAILS(mailboxes_create(&mb, "evil", &err), MBOX_ERR_EXISTS);
	EXISTS(".evil2", 1);
	ck_assert_msg(rmdir(outside) == 0, "outside/ got entries, want none");
}
END_TEST

/* RFC 3501 6.3.8: the examples that fit one namespace. */
START_TEST(list_rfc_examples)
{
	mkfolder(".archive", 1);
	mkfolder(".archive.2023", 1);
	mkfolder(".archive.2023.q1", 1);
	mkfolder(".Mail.foo.x", 1);
	mkfolder(".Mail.meetings", 1);
	LIST_IS("archive/", "%", "archive/2023(\\HasChildren)");
	LIST_IS("Mail/", "%", "Mail/foo(\\Noselect \\HasChildren) "
		"Mail/meetings(\\HasNoChildren)");
	LIST_IS("", "*2023*", "archive/2023(\\HasChildren) "
		"archive/2023/q1(\\HasNoChildren)");
	LIST_IS("", "inbox", "INBOX(\\HasNoChildren)");
	LIST_IS("", "nothing", "");
}
END_TEST

START_TEST(list_order_marked_special)
{
	char p[600];

	mkfolder(".A b", 1);
	mkfolder(".A.x", 1);
	mkfolder(".A", 1);
	mkfolder(".B", 1);
	mkfolder(".Sent", 1);
	mkfolder(".Trash", 1);
	mkfolder(".INBOX.kid", 1);
	LIST_IS("", "*", "INBOX(\\HasChildren) A(\\HasChildren) "
		"A/x(\\HasNoChildren) A b(\\HasNoChildren) "
		"B(\\HasNoChildren) INBOX/kid(\\HasNoChildren) "
		"Sent(\\HasNoChildren \\Sent) Trash(\\HasNoChildren \\Trash)");
	touch(".B/new/1.M1P1.host", "x");
	touch("new/2.M2P2.host", "x");
	snprintf(p, sizeof(p), "%s", list("", "%", MBOX_LIST_MARKED));
	ck_assert_msg(strstr(p, "INBOX(\\HasChildren \\Marked)") != NULL &&
		      strstr(p, "B(\\HasNoChildren \\Marked)") != NULL &&
		      strstr(p, "A(\\HasChildren \\Unmarked)") != NULL,
		      "LIST marked: got %s", p);
}
END_TEST

START_TEST(list_thousand)
{
	char dir[64];
	struct mbox_list *l;
	struct timespec t0, t1;
	size_t n;
	int i;
	double ms;

	/* Levels implied by ".F<n>.sub" and a cur/ each: enough for the
	 * listing, and cheap to make on a slow disk. */
	for (i = 0; i < 1000; i++) {
		snprintf(dir, sizeof(dir), ".F%03d.sub", i);
		mkfolder(dir, 0);
		snprintf(dir, sizeof(dir), ".F%03d.sub/cur", i);
		mkfolder(dir, 0);
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	OK(mailboxes_list(&mb, "", "*", 0, &l, &err));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	mbox_list_entries(l, &n);
	ck_assert_msg(n == 2001, "entries: got %zu, want 2001", n);
	mbox_list_free(&l);
	ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 +
	     (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	ck_assert_msg(ms < 2000, "LIST of 1000 folders: got %.1f ms, want "
		      "well under 2 s", ms);
	fprintf(stderr, "list_thousand: LIST \"\" * of 1000 folders in "
		"%.1f ms\n", ms);
	LIST_IS("", "F999/%", "F999/sub(\\HasNoChildren)");
}
END_TEST

START_TEST(lookup)
{
	char dir[NAMES_DIR_MAX + 1];
	unsigned a;

	mkfolder(".A.B", 1);
	OK(mailboxes_lookup(&mb, "A/B", dir, sizeof(dir), &a, &err));
	ck_assert_str_eq(dir, ".A.B");
	ck_assert_uint_eq(a, 0);
	OK(mailboxes_lookup(&mb, "A", dir, sizeof(dir), &a, &err));
	ck_assert_uint_eq(a, MBOX_NOSELECT);
	OK(mailboxes_lookup(&mb, "inbox", dir, sizeof(dir), &a, &err));
	ck_assert_str_eq(dir, "");
	FAILS(mailboxes_lookup(&mb, "Z", dir, sizeof(dir), &a, &err),
	      MBOX_ERR_NONEXISTENT);
}
END_TEST

/* ---- DELETE ------------------------------------------------------- */

/* RFC 3501 6.3.4, first example: foo is a \Noselect directory. */
START_TEST(delete_rfc_example)
{
	mkfolder(".blurdybloop", 1);
	mkfolder(".foo", 0);
	mkfolder(".foo.bar", 1);
	LIST_IS("", "*", "INBOX(\\HasNoChildren) "
		"blurdybloop(\\HasNoChildren) foo(\\Noselect \\HasChildren) "
		"foo/bar(\\HasNoChildren)");
	OK(mailboxes_delete(&mb, "blurdybloop", &err));
	FAILS(mailboxes_delete(&mb, "foo", &err), MBOX_ERR_HASCHILDREN);
	ck_assert_str_eq(err.text, "Name \"foo\" has inferior hierarchical names");
	OK(mailboxes_delete(&mb, "foo/bar", &err));
	LIST_IS("", "*", "INBOX(\\HasNoChildren) "
		"foo(\\Noselect \\HasNoChildren)");
	OK(mailboxes_delete(&mb, "foo", &err));
	LIST_IS("", "*", "INBOX(\\HasNoChildren)");
	EXISTS("..DOVECOT-TRASHED", 0);
}
END_TEST

/* RFC 3501 6.3.4, second example ("." separator): a folder with
 * children loses its messages and stays as a \Noselect level. */
START_TEST(delete_with_children)
{
	mb.rules.sep = '.';
	OK(mailboxes_create(&mb, "blurdybloop", &err));
	OK(mailboxes_create(&mb, "foo", &err));
	OK(mailboxes_create(&mb, "foo.bar", &err));
	touch(".foo/cur/1.M1P1.host:2,S", "x");
	LIST_IS("", "*", "INBOX(\\HasNoChildren) "
		"blurdybloop(\\HasNoChildren) foo(\\HasChildren) "
		"foo.bar(\\HasNoChildren)");
	OK(mailboxes_delete(&mb, "blurdybloop", &err));
	OK(mailboxes_delete(&mb, "foo", &err));
	EXISTS(".foo", 0);
	EXISTS(".foo.bar/cur", 1);
	LIST_IS("", "%", "INBOX(\\HasNoChildren) "
		"foo(\\Noselect \\HasChildren)");
	/* A level without a directory of its own does not exist. */
	FAILS(mailboxes_delete(&mb, "foo", &err), MBOX_ERR_NONEXISTENT);
}
END_TEST

START_TEST(delete_errors)
{
	FAILS(mailboxes_delete(&mb, "INBOX", &err), MBOX_ERR_CANNOT);
	FAILS(mailboxes_delete(&mb, "inbox", &err), MBOX_ERR_CANNOT);
	FAILS(mailboxes_delete(&mb, "nope", &err), MBOX_ERR_NONEXISTENT);
	EXISTS("cur", 1);
}
END_TEST

/* A symlink inside a folder is removed, not followed; a trash directory
 * left by a crash does not stop the next DELETE. */
START_TEST(delete_no_follow)
{
	char p[600], q[600];

	mkfolder(".X", 1);
	snprintf(q, sizeof(q), "%s/canary", outside);
	close(open(q, O_CREAT | O_WRONLY, 0600));
	snprintf(p, sizeof(p), "%s/.X/cur/link", root);
	ck_assert_int_eq(symlink(outside, p), 0);
	snprintf(p, sizeof(p), "%s/.X/tmp/deep", root);
	mkdir(p, 0700);
	mkfolder("..DOVECOT-TRASHED", 1);
	touch("..DOVECOT-TRASHED/cur/old", "x");
	OK(mailboxes_delete(&mb, "X", &err));
	EXISTS(".X", 0);
	EXISTS("..DOVECOT-TRASHED", 0);
	ck_assert_msg(access(q, F_OK) == 0, "outside/canary: got removed, "
		      "want kept");
}
END_TEST

/* ---- RENAME ------------------------------------------------------- */

/* RFC 3501 6.3.5, first example. */
START_TEST(rename_rfc_example)
{
	mkfolder(".blurdybloop", 1);
	mkfolder(".foo", 0);
	mkfolder(".foo.bar", 1);
	OK(mailboxes_rename(&mb, "blurdybloop", "sarasoop", &err));
	OK(mailboxes_rename(&mb, "foo", "zowie", &err));
	LIST_IS("", "*", "INBOX(\\HasNoChildren) sarasoop(\\HasNoChildren) "
		"zowie(\\Noselect \\HasChildren) zowie/bar(\\HasNoChildren)");
}
END_TEST

START_TEST(rename_children)
{
	OK(mailboxes_create(&mb, "A/x/y", &err));
	OK(mailboxes_create(&mb, "A b", &err));        /* not a child */
	touch(".A.x/cur/1.M1P1.host:2,S", "x");
	OK(mailboxes_rename(&mb, "A", "B/C", &err));
	LIST_IS("", "*", "INBOX(\\HasNoChildren) A b(\\HasNoChildren) "
		"B(\\HasChildren) B/C(\\HasChildren) B/C/x(\\HasChildren) "
		"B/C/x/y(\\HasNoChildren)");
	EXISTS(".B.C.x/cur/1.M1P1.host:2,S", 1);
	/* A level with children only moves them. */
	OK(mailboxes_create(&mb, "P/Q", &err));
	OK(mailboxes_delete(&mb, "P", &err));
	OK(mailboxes_rename(&mb, "P", "R", &err));
	LIST_IS("", "R*", "R(\\Noselect \\HasChildren) R/Q(\\HasNoChildren)");
}
END_TEST

START_TEST(rename_errors)
{
	OK(mailboxes_create(&mb, "A/x", &err));
	OK(mailboxes_create(&mb, "B/x", &err));
	OK(mailboxes_create(&mb, "C", &err));
	FAILS(mailboxes_rename(&mb, "A", "C", &err), MBOX_ERR_EXISTS);
	FAILS(mailboxes_rename(&mb, "A", "A", &err), MBOX_ERR_EXISTS);
	FAILS(mailboxes_rename(&mb, "A", "INBOX", &err), MBOX_ERR_EXISTS);
	FAILS(mailboxes_rename(&mb, "A", "A/x/z", &err), MBOX_ERR_CANNOT);
	FAILS(mailboxes_rename(&mb, "nope", "D", &err), MBOX_ERR_NONEXISTENT);
	/* Dovecot 2.3 moves A and leaves A/x behind when B/x exists (and
	 * logs "Directory not empty"); we refuse before moving anything. */
	OK(mailboxes_delete(&mb, "B", &err));
	FAILS(mailboxes_rename(&mb, "A", "B", &err), MBOX_ERR_EXISTS);
	EXISTS(".A/cur", 1);
	EXISTS(".A.x/cur", 1);
	EXISTS(".B", 0);
	/* Dovecot 2.3 does allow a target that is only a level. */
	OK(mailboxes_delete(&mb, "B/x", &err));
	OK(mailboxes_create(&mb, "B/y", &err));
	OK(mailboxes_delete(&mb, "B", &err));
	OK(mailboxes_rename(&mb, "A", "B", &err));
	LIST_IS("", "B*", "B(\\HasChildren) B/x(\\HasNoChildren) "
		"B/y(\\HasNoChildren)");
}
END_TEST

/* RFC 3501 6.3.5: renaming INBOX moves its messages to a new folder and
 * leaves INBOX empty with its children (the example, "." separator). */
START_TEST(rename_inbox)
{
	mb.rules.sep = '.';
	OK(mailboxes_create(&mb, "INBOX.bar", &err));
	touch("new/1.M1P1.host", "a");
	touch("cur/2.M2P2.host:2,Sa", "b");
	touch("dovecot-keywords", "0 $Forwarded\n");
	touch("dovecot-uidlist", "3 V1 N3\n1 :2.M2P2.host\n");
	LIST_IS("", "*", "INBOX(\\HasChildren) INBOX.bar(\\HasNoChildren)");
	OK(mailboxes_rename(&mb, "INBOX", "old-mail", &err));
	LIST_IS("", "*", "INBOX(\\HasChildren) INBOX.bar(\\HasNoChildren) "
		"old-mail(\\HasNoChildren)");
	EXISTS(".old-mail/new/1.M1P1.host", 1);
	EXISTS(".old-mail/cur/2.M2P2.host:2,Sa", 1);
	EXISTS(".old-mail/dovecot-keywords", 1);
	EXISTS(".old-mail/dovecot-uidlist", 0);
	EXISTS("new/1.M1P1.host", 0);
	EXISTS("cur/2.M2P2.host:2,Sa", 0);
	EXISTS("dovecot-uidlist", 1);
	EXISTS(".INBOX.bar/cur", 1);
	FAILS(mailboxes_rename(&mb, "INBOX", "old-mail", &err),
	      MBOX_ERR_EXISTS);
}
END_TEST

/* ---- special-use -------------------------------------------------- */

START_TEST(special_use)
{
	const char *names[MBOX_SPECIAL_DEFAULT_N];
	size_t i;
	struct stat a, b;

	for (i = 0; i < MBOX_SPECIAL_DEFAULT_N; i++)
		names[i] = mbox_special_default[i].name;
	mkfolder(".Sent", 1);
	touch(".Sent/cur/1.M1P1.host:2,S", "x");
	OK(mailboxes_create_missing(&mb, names, MBOX_SPECIAL_DEFAULT_N, &err));
	LIST_IS("", "*", "INBOX(\\HasNoChildren) "
		"Archive(\\HasNoChildren \\Archive) "
		"Drafts(\\HasNoChildren \\Drafts) "
		"Junk(\\HasNoChildren \\Junk) Sent(\\HasNoChildren \\Sent) "
		"Trash(\\HasNoChildren \\Trash)");
	EXISTS(".Sent/cur/1.M1P1.host:2,S", 1);
	ck_assert_int_eq(stat(root, &a), 0);
	OK(mailboxes_create_missing(&mb, names, MBOX_SPECIAL_DEFAULT_N, &err));
	ck_assert_int_eq(stat(root, &b), 0);
	ck_assert_msg(a.st_mtim.tv_nsec == b.st_mtim.tv_nsec &&
		      a.st_mtim.tv_sec == b.st_mtim.tv_sec,
		      "root changed on the second call, want untouched");
}
END_TEST

static Suite *
mailboxes_suite(void)
{
	Suite *s = suite_create("mailboxes");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, create_rfc_example);
	tcase_add_test(tc, create_parents);
	tcase_add_test(tc, create_existing);
	tcase_add_test(tc, create_bad_names);
	tcase_add_test(tc, list_noselect_levels);
	tcase_add_test(tc, list_skips);
	tcase_add_test(tc, list_rfc_examples);
	tcase_add_test(tc, list_order_marked_special);
	tcase_add_test(tc, lookup);
	tcase_add_test(tc, delete_rfc_example);
	tcase_add_test(tc, delete_with_children);
	tcase_add_test(tc, delete_errors);
	tcase_add_test(tc, delete_no_follow);
	tcase_add_test(tc, rename_rfc_example);
	tcase_add_test(tc, rename_children);
	tcase_add_test(tc, rename_errors);
	tcase_add_test(tc, rename_inbox);
	tcase_add_test(tc, special_use);
	suite_add_tcase(s, tc);
	/* Making 2,000 directories takes a while on a loaded machine. */
	tc = tcase_create("big");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, list_thousand);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(mailboxes_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
