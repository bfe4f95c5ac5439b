/* tests/unit/check_subscriptions.c — .subscriptions: SUBSCRIBE,
 * UNSUBSCRIBE, LSUB with patterns (RFC 3501 6.3.6, 6.3.7, 6.3.9), the file
 * Dovecot 2.3 writes, kept in step, and Courier's imported. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "store/subscriptions.h"

/* Written by Dovecot 2.3.19 (maildir:~/Maildir:LAYOUT=maildir++,
 * separator "/") after SUBSCRIBE INBOX, INBOX/kid, &AOQ-b/c&AOQ-, a\b,
 * M/L: a version header, an empty line, a tab between levels. */
static const char dovecot_fixture[] =
	"V\t2\n\nINBOX\nINBOX\tkid\n&AOQ-b\tc&AOQ-\na\\b\nM\tL\n";

static char root[256];
static struct mailboxes mb;
static struct mbox_err err;

static void
setup(void)
{
	snprintf(root, sizeof(root), "/tmp/skua-subs-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(root));
	memset(&mb, 0, sizeof(mb));
	mb.root = root;
	mb.rules.sep = '/';
	mb.rules.prefix = "";
	memset(&err, 0, sizeof(err));
}

static void
teardown(void)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", root);
}

static void
put(const char *file, const char *body)
{
	char p[400];
	FILE *fp;

	snprintf(p, sizeof(p), "%s/%s", root, file);
	fp = fopen(p, "w");
	ck_assert_msg(fp != NULL, "fopen(%s): %s", p, strerror(errno));
	fputs(body, fp);
	fclose(fp);
}

static const char *
get(const char *file)
{
	static char buf[8192];
	char p[400];
	ssize_t n;
	int fd;

	snprintf(p, sizeof(p), "%s/%s", root, file);
	fd = open(p, O_RDONLY);
	if (fd < 0)
		return "(absent)";
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n < 0 ? 0 : n] = '\0';
	return buf;
}

/* The LSUB result as "name name(\Noselect) ...". */
static const char *
lsub(const char *ref, const char *pat)
{
	static char out[8192];
	const struct subs_entry *e;
	struct subs_list *l;
	size_t n, i, len = 0;

	ck_assert_msg(subs_list(&mb, ref, pat, &l, &err) == 0,
		      "LSUB \"%s\" \"%s\": got %s, want success", ref, pat,
		      err.text);
	e = subs_list_entries(l, &n);
	out[0] = '\0';
	for (i = 0; i < n; i++)
		len += (size_t)snprintf(out + len, sizeof(out) - len, "%s%s%s",
					i > 0 ? " " : "", e[i].name,
					e[i].noselect ? "(\\Noselect)" : "");
	subs_list_free(&l);
	return out;
}

#define LSUB_IS(ref, pat, want) do { \
	const char *got_ = lsub(ref, pat); \
	ck_assert_msg(strcmp(got_, want) == 0, \
		      "LSUB \"%s\" \"%s\":\n got  %s\n want %s", ref, pat, \
		      got_, want); \
} while (0)

#define FILE_IS(file, want) do { \
	const char *got_ = get(file); \
	ck_assert_msg(strcmp(got_, want) == 0, "%s:\n got  \"%s\"\n want \"%s\"", \
		      file, got_, want); \
} while (0)

#define OK(call) ck_assert_msg((call) == 0, "%s: got \"%s\", want success", \
			       #call, err.text)

START_TEST(add_remove)
{
	LSUB_IS("", "*", "");
	OK(subs_add(&mb, "A/B", &err));
	OK(subs_add(&mb, "inbox", &err));
	OK(subs_add(&mb, "A/B", &err));
	FILE_IS(SUBS_FILE, "A/B\nINBOX\n");
	LSUB_IS("", "*", "INBOX A/B");
	OK(subs_remove(&mb, "A/B", &err));
	OK(subs_remove(&mb, "never", &err));
	FILE_IS(SUBS_FILE, "INBOX\n");
	/* No Dovecot file is made where there was none; no leftovers. */
	FILE_IS(SUBS_DOVECOT_FILE, "(absent)");
	FILE_IS(SUBS_FILE ".tmp", "(absent)");
	FILE_IS(SUBS_FILE ".lock", "(absent)");
}
END_TEST

START_TEST(bad_names)
{
	static const char *const bad[] = {
		"../x", "a.b", "a//b", "/etc", "a\x01", "~x", "", "subscriptions",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err.code = MBOX_OK;
		ck_assert_msg(subs_add(&mb, bad[i], &err) == -1 &&
			      err.code == MBOX_ERR_NAME,
			      "SUBSCRIBE \"%s\": got code %d, want %d",
			      bad[i], err.code, MBOX_ERR_NAME);
	}
	FILE_IS(SUBS_FILE, "(absent)");
}
END_TEST

/* RFC 3501 6.3.9: "foo/bar" subscribed, "foo" not: "%" lists foo with
 * \Noselect, "*" lists foo/bar only, as Dovecot 2.3 does. */
START_TEST(lsub_percent_parents)
{
	OK(subs_add(&mb, "foo/bar", &err));
	OK(subs_add(&mb, "x/y/z", &err));
	LSUB_IS("", "%", "foo(\\Noselect) x(\\Noselect)");
	LSUB_IS("", "*", "foo/bar x/y/z");
	LSUB_IS("", "foo", "");
	LSUB_IS("x/", "%", "x/y(\\Noselect)");
	OK(subs_add(&mb, "foo", &err));
	LSUB_IS("", "%", "foo x(\\Noselect)");
}
END_TEST

/* RFC 3501 6.3.9, the example, in a namespace with "." as separator. */
START_TEST(lsub_rfc_example)
{
	mb.rules.sep = '.';
	OK(subs_add(&mb, "#news.comp.mail.mime", &err));
	OK(subs_add(&mb, "#news.comp.mail.misc", &err));
	LSUB_IS("#news.", "comp.mail.*",
		"#news.comp.mail.mime #news.comp.mail.misc");
	LSUB_IS("#news.", "comp.%", "#news.comp.mail(\\Noselect)");
	/* Stored in the default namespace. */
	FILE_IS(SUBS_FILE, "#news/comp/mail/mime\n#news/comp/mail/misc\n");
}
END_TEST

START_TEST(dovecot_import_and_step)
{
	put(SUBS_DOVECOT_FILE, dovecot_fixture);
	LSUB_IS("", "*", "INBOX &AOQ-b/c&AOQ- INBOX/kid M/L a\\b");
	/* What Dovecot 2.3.19 answered to LSUB "" "%" on this file. */
	LSUB_IS("", "%", "INBOX &AOQ-b(\\Noselect) M(\\Noselect) a\\b");
	OK(subs_add(&mb, "New/Sub", &err));
	FILE_IS(SUBS_FILE, "INBOX\nINBOX/kid\n&AOQ-b/c&AOQ-\na\\b\nM/L\n"
		"New/Sub\n");
	FILE_IS(SUBS_DOVECOT_FILE, "V\t2\n\nINBOX\nINBOX\tkid\n&AOQ-b\tc&AOQ-\n"
		"a\\b\nM\tL\nNew\tSub\n");
	OK(subs_remove(&mb, "INBOX/kid", &err));
	FILE_IS(SUBS_DOVECOT_FILE, "V\t2\n\nINBOX\n&AOQ-b\tc&AOQ-\n"
		"a\\b\nM\tL\nNew\tSub\n");
}
END_TEST

/* Dovecot changed its file after we wrote ours: its list wins. */
START_TEST(dovecot_newer)
{
	struct timespec ts[2];
	char p[400];

	put(SUBS_DOVECOT_FILE, dovecot_fixture);
	OK(subs_add(&mb, "Mine", &err));
	LSUB_IS("", "Mine", "Mine");
	put(SUBS_DOVECOT_FILE, "V\t2\n\nINBOX\nTheirs\n");
	snprintf(p, sizeof(p), "%s/%s", root, SUBS_DOVECOT_FILE);
	clock_gettime(CLOCK_REALTIME, &ts[0]);
	ts[0].tv_sec += 10;
	ts[1] = ts[0];
	ck_assert_int_eq(utimensat(AT_FDCWD, p, ts, 0), 0);
	LSUB_IS("", "*", "INBOX Theirs");
	OK(subs_add(&mb, "Again", &err));
	FILE_IS(SUBS_FILE, "INBOX\nTheirs\nAgain\n");
}
END_TEST

/* Courier: "INBOX." prefix, "." separator, UTF-8 since Courier 5. */
START_TEST(courier_import)
{
	put(SUBS_COURIER_FILE, "INBOX\nINBOX.Sent\nINBOX.Entw\xc3\xbc" "rfe\n"
	    "INBOX.a.b\nINBOX.Entw&APw-rfe2\nshared.x\n");
	LSUB_IS("", "*", "INBOX Entw&APw-rfe Entw&APw-rfe2 Sent a/b");
	OK(subs_add(&mb, "Z", &err));
	FILE_IS(SUBS_FILE, "INBOX\nSent\nEntw&APw-rfe\na/b\nEntw&APw-rfe2\nZ\n");
	/* Once ours exists, Courier's file is not read again. */
	put(SUBS_COURIER_FILE, "INBOX.Other\n");
	LSUB_IS("", "Other", "");
}
END_TEST

/* A site coming from Courier keeps its names on the wire; the file
 * holds them in the default namespace. */
START_TEST(courier_namespace)
{
	mb.rules.sep = '.';
	mb.rules.prefix = "INBOX.";
	OK(subs_add(&mb, "INBOX.Sent", &err));
	OK(subs_add(&mb, "INBOX", &err));
	OK(subs_add(&mb, "INBOX.Sent.2024", &err));
	FILE_IS(SUBS_FILE, "Sent\nINBOX\nSent/2024\n");
	LSUB_IS("", "*", "INBOX INBOX.Sent INBOX.Sent.2024");
	LSUB_IS("INBOX.", "%", "INBOX.Sent");
	err.code = MBOX_OK;
	ck_assert_int_eq(subs_add(&mb, "Sent", &err), -1);
	ck_assert_int_eq(err.code, MBOX_ERR_NAME);
}
END_TEST

/* A line we cannot list stays in the file. */
START_TEST(unknown_lines_kept)
{
	put(SUBS_FILE, "INBOX\n../odd\nA\n");
	LSUB_IS("", "*", "INBOX A");
	OK(subs_add(&mb, "B", &err));
	FILE_IS(SUBS_FILE, "INBOX\n../odd\nA\nB\n");
}
END_TEST

START_TEST(utf8_wire)
{
	mb.wire_utf8 = 1;
	OK(subs_add(&mb, "Entw\xc3\xbc" "rfe", &err));
	FILE_IS(SUBS_FILE, "Entw&APw-rfe\n");
	LSUB_IS("", "*", "Entw\xc3\xbc" "rfe");
}
END_TEST

static Suite *
subscriptions_suite(void)
{
	Suite *s = suite_create("subscriptions");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, add_remove);
	tcase_add_test(tc, bad_names);
	tcase_add_test(tc, lsub_percent_parents);
	tcase_add_test(tc, lsub_rfc_example);
	tcase_add_test(tc, dovecot_import_and_step);
	tcase_add_test(tc, dovecot_newer);
	tcase_add_test(tc, courier_import);
	tcase_add_test(tc, courier_namespace);
	tcase_add_test(tc, unknown_lines_kept);
	tcase_add_test(tc, utf8_wire);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(subscriptions_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
