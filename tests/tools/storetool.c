/* tests/tools/storetool.c — drives one Maildir folder through the store
 * API (include/store/folder.h, keywords.h), for tests that compare skua's
 * store with Dovecot on the same Maildir (tests/store/interop_dovecot.py)
 * and for timing the open of a large folder.
 *
 *     storetool ROOT DIR list [-g]
 *     storetool ROOT DIR append FILE [FLAG...]
 *     storetool ROOT DIR store UID +|-|= [FLAG...]
 *     storetool ROOT DIR expunge UID...
 *     storetool ROOT DIR bench [ROUNDS]
 *     storetool ROOT - folders
 *     storetool ROOT - mbox list [PATTERN]
 *     storetool ROOT - mbox create|delete NAME
 *     storetool ROOT - mbox rename FROM TO
 *
 * ROOT is the Maildir (INBOX); DIR is the folder's directory, ROOT itself
 * or ROOT/.Name ("INBOX" stands for ROOT). A FLAG is an IMAP system flag
 * (\Seen \Answered \Flagged \Deleted \Draft, any case) or a keyword, kept
 * as a letter of dovecot-keywords. $Forwarded is a keyword, as Dovecot
 * 2.3 keeps it; a 'P' in a file name (MF_PASSED) is listed as $Forwarded.
 *
 * Output:
 *   list     "UIDVALIDITY n", "UIDNEXT n", "EXISTS n", then one line per
 *            message in UID order: "<uid> <flag-or-keyword>..." (flags
 *            first, then keywords in letter order; a letter without a
 *            name is "unknown-<i>", as Dovecot would call it); with -g
 *            a last word "guid=<base name>", which is what Dovecot
 *            answers to FETCH X-GUID for a Maildir message
 *   append   the new UID
 *   store    "<uid> <flag-or-keyword>..." after the change, or "gone"
 *   expunge  nothing
 *   bench    "open <i> <ms> ms <n> messages" per round, each a
 *            folder_open + folder_close in this process (the first one
 *            assigns UIDs to files the uidlist does not know yet)
 *   folders  "INBOX", then "<wire name>\t<directory entry>" for each
 *            folder directory in ROOT (with cur/) that names_from_dir
 *            maps to a name (separator '/', no prefix, mUTF-7), sorted
 *            by entry; a directory it refuses is "!\t<entry>"
 *   mbox     the folder tree through include/store/mailboxes.h (names
 *            '/'-separated, mUTF-7, no prefix): list prints
 *            "<attr,...>\t<name>\t<dir>" per entry of mailboxes_list
 *            (PATTERN "*" by default); create, delete and rename print
 *            nothing, or "NO <code> <text>" with exit status 1
 *
 * Exit status: 0; 1 on a store error (message on stderr); 2 on bad usage;
 * 3 when store finds the UID gone. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "store/filename.h"
#include "store/folder.h"
#include "store/keywords.h"
#include "store/mailboxes.h"
#include "store/names.h"

static const struct {
	const char *name;
	unsigned bit;
} sysflags[] = {
	{ "\\Answered", MF_ANSWERED },
	{ "\\Flagged", MF_FLAGGED },
	{ "\\Deleted", MF_DELETED },
	{ "\\Seen", MF_SEEN },
	{ "\\Draft", MF_DRAFT },
};
#define NSYSFLAGS (sizeof(sysflags) / sizeof(sysflags[0]))

static const char *root, *dir;

static void
usage(void)
{
	fprintf(stderr,
		"usage: storetool ROOT DIR list\n"
		"       storetool ROOT DIR append FILE [FLAG...]\n"
		"       storetool ROOT DIR store UID +|-|= [FLAG...]\n"
		"       storetool ROOT DIR expunge UID...\n"
		"       storetool ROOT DIR bench [ROUNDS]\n"
		"       storetool ROOT - folders\n"
		"       storetool ROOT - mbox list [PATTERN]\n"
		"       storetool ROOT - mbox create|delete NAME\n"
		"       storetool ROOT - mbox rename FROM TO\n");
	exit(2);
}

static void
die(const char *what, const char *err)
{
	fprintf(stderr, "storetool: %s: %s\n", what, err);
	exit(1);
}

static uint32_t
parse_uid(const char *s)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || v == 0 || v > UINT32_MAX) {
		fprintf(stderr, "storetool: bad UID %s\n", s);
		exit(2);
	}
	return (uint32_t)v;
}

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static struct folder *
open_folder(void)
{
	struct folder *f;
	const char *err = "";

	if (folder_open(root, dir, 0, &f, &err) < 0)
		die("folder_open", err);
	return f;
}

static struct keywords *
open_keywords(void)
{
	struct keywords *kw;
	const char *err = "";

	if (keywords_open(dir, &kw, &err) < 0)
		die("keywords_open", err);
	return kw;
}

/* Turns FLAG arguments into flag and keyword bits; with add, unknown
 * keywords are given letters, else they are left out. */
static void
parse_flags(struct keywords *kw, char **argv, int argc, int add,
	    unsigned *flags_r, uint32_t *kws_r)
{
	const char *err = "";

	*flags_r = 0;
	*kws_r = 0;
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		size_t k;
		int idx;

		for (k = 0; k < NSYSFLAGS; k++)
			if (strcasecmp(a, sysflags[k].name) == 0)
				break;
		if (k < NSYSFLAGS) {
			*flags_r |= sysflags[k].bit;
			continue;
		}
		if (a[0] == '\\') {
			fprintf(stderr, "storetool: unknown flag %s\n", a);
			exit(2);
		}
		idx = keywords_index(kw, a);
		if (idx < 0 && add) {
			idx = keywords_add(kw, a, &err);
			if (idx < 0)
				die(a, err);
		}
		if (idx >= 0)
			*kws_r |= (uint32_t)1 << idx;
	}
}

static void
print_msg(struct folder *f, const struct keywords *kw,
	  const struct store_msg *m, int guid)
{
	printf("%u", m->uid);
	for (size_t k = 0; k < NSYSFLAGS; k++)
		if (m->flags & sysflags[k].bit)
			printf(" %s", sysflags[k].name);
	if ((m->flags & MF_PASSED) && (keywords_index(kw, "$Forwarded") < 0 ||
	    !(m->keywords & ((uint32_t)1 << keywords_index(kw, "$Forwarded")))))
		printf(" $Forwarded");
	for (int i = 0; i < KEYWORDS_MAX; i++) {
		if (!(m->keywords & ((uint32_t)1 << i)))
			continue;
		const char *name = keywords_name(kw, i);
		if (name != NULL)
			printf(" %s", name);
		else
			printf(" unknown-%d", i);
	}
	if (guid) {
		size_t len = 0;
		const char *base = folder_msg_base(f, m, &len);

		printf(" guid=%.*s", (int)len, base != NULL ? base : "");
	}
	putchar('\n');
}

static int
cmd_list(char **argv, int argc)
{
	int guid = argc > 0 && strcmp(argv[0], "-g") == 0;

	struct folder *f = open_folder();
	struct keywords *kw = open_keywords();
	const struct store_msg *m;
	size_t n;

	m = folder_msgs(f, &n);
	printf("UIDVALIDITY %u\nUIDNEXT %u\nEXISTS %zu\n",
	       folder_uidvalidity(f), folder_uidnext(f), n);
	for (size_t i = 0; i < n; i++)
		print_msg(f, kw, &m[i], guid);
	keywords_free(&kw);
	folder_close(&f);
	return 0;
}

static int
cmd_append(char **argv, int argc)
{
	struct folder *f;
	struct keywords *kw;
	struct folder_append *a;
	const char *err = "";
	unsigned flags;
	uint32_t kws, uid;
	char buf[65536];
	ssize_t n;
	struct stat st;
	int in, fd;

	if (argc < 1)
		usage();
	in = open(argv[0], O_RDONLY);
	if (in < 0 || fstat(in, &st) < 0)
		die(argv[0], strerror(errno));
	f = open_folder();
	kw = open_keywords();
	parse_flags(kw, argv + 1, argc - 1, 1, &flags, &kws);
	if (folder_append_begin(f, &a, &fd, &err) < 0)
		die("folder_append_begin", err);
	while ((n = read(in, buf, sizeof(buf))) > 0) {
		if (write(fd, buf, (size_t)n) != n) {
			folder_append_abort(&a);
			die("write", strerror(errno));
		}
	}
	if (n < 0) {
		folder_append_abort(&a);
		die(argv[0], strerror(errno));
	}
	close(in);
	if (folder_append_commit(&a, flags, kws, st.st_mtime, &uid, &err) < 0)
		die("folder_append_commit", err);
	printf("%u\n", uid);
	keywords_free(&kw);
	folder_close(&f);
	return 0;
}

static int
cmd_store(char **argv, int argc)
{
	struct folder *f;
	struct keywords *kw;
	const struct store_msg *m;
	const char *err = "";
	unsigned flags, nflags;
	uint32_t kws, nkws, uid;
	char op;
	int r;

	if (argc < 2 || strlen(argv[1]) != 1 || strchr("+-=", argv[1][0]) == NULL)
		usage();
	uid = parse_uid(argv[0]);
	op = argv[1][0];
	f = open_folder();
	kw = open_keywords();
	parse_flags(kw, argv + 2, argc - 2, op != '-', &flags, &kws);
	m = folder_msg(f, uid);
	if (m == NULL) {
		printf("gone\n");
		return 3;
	}
	nflags = m->flags;
	nkws = m->keywords;
	switch (op) {
	case '+':
		nflags |= flags;
		nkws |= kws;
		break;
	case '-':
		nflags &= ~flags;
		nkws &= ~kws;
		break;
	default:
		/* = replaces every flag, a 'P' letter too. */
		nflags = flags;
		nkws = kws;
		break;
	}
	r = folder_set_flags(f, uid, nflags, nkws, &err);
	if (r < 0)
		die("folder_set_flags", err);
	if (r == 1) {
		printf("gone\n");
		return 3;
	}
	print_msg(f, kw, folder_msg(f, uid), 0);
	keywords_free(&kw);
	folder_close(&f);
	return 0;
}

static int
cmd_expunge(char **argv, int argc)
{
	struct folder *f;
	const char *err = "";

	if (argc < 1)
		usage();
	f = open_folder();
	for (int i = 0; i < argc; i++)
		if (folder_expunge(f, parse_uid(argv[i]), &err) < 0)
			die("folder_expunge", err);
	folder_close(&f);
	return 0;
}

static int
cmd_bench(char **argv, int argc)
{
	int rounds = argc > 0 ? atoi(argv[0]) : 2;

	if (rounds < 1)
		usage();
	for (int i = 1; i <= rounds; i++) {
		struct folder *f;
		const char *err = "";
		size_t n;
		double t0 = now_ms(), t1;

		if (folder_open(root, dir, 0, &f, &err) < 0)
			die("folder_open", err);
		t1 = now_ms();
		folder_msgs(f, &n);
		printf("open %d %.1f ms %zu messages\n", i, t1 - t0, n);
		fflush(stdout);
		folder_close(&f);
	}
	return 0;
}

static int
entry_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
cmd_folders(void)
{
	const struct name_rules rules = { '/', "", 0 };
	char name[NAMES_MAX_LEN + 1], path[4200];
	char **v = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	struct stat st;
	DIR *d = opendir(root);

	if (d == NULL)
		die(root, strerror(errno));
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] != '.' || strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s/cur", root, de->d_name);
		if (stat(path, &st) < 0 || !S_ISDIR(st.st_mode))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			v = realloc(v, cap * sizeof(*v));
			if (v == NULL)
				abort();
		}
		if ((v[n++] = strdup(de->d_name)) == NULL)
			abort();
	}
	closedir(d);
	qsort(v, n, sizeof(*v), entry_cmp);
	printf("INBOX\n");
	for (size_t i = 0; i < n; i++) {
		if (names_from_dir(&rules, v[i], 0, name, sizeof(name)) < 0)
			printf("!\t%s\n", v[i]);
		else
			printf("%s\t%s\n", name, v[i]);
		free(v[i]);
	}
	free(v);
	return 0;
}

static const struct {
	unsigned bit;
	const char *name;
} mbox_attrs[] = {
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

static int
mbox_failed(const struct mbox_err *err)
{
	printf("NO %d %s\n", (int)err->code, err->text);
	return 1;
}

static int
cmd_mbox(char **argv, int argc)
{
	struct mailboxes mb = {
		.root = root,
		.rules = { '/', "", 0 },
		.wire_utf8 = 0,
		.special = NULL,
		.nspecial = 0,
	};
	struct mbox_err err = { 0 };

	if (argc < 1)
		usage();
	if (strcmp(argv[0], "list") == 0) {
		struct mbox_list *l;
		const struct mbox_entry *e;
		size_t n;

		if (mailboxes_list(&mb, "", argc > 1 ? argv[1] : "*", 0, &l,
				   &err) < 0)
			return mbox_failed(&err);
		e = mbox_list_entries(l, &n);
		for (size_t i = 0; i < n; i++) {
			const char *sep = "";

			for (size_t k = 0; k < sizeof(mbox_attrs) /
			     sizeof(mbox_attrs[0]); k++) {
				if (e[i].attrs & mbox_attrs[k].bit) {
					printf("%s%s", sep, mbox_attrs[k].name);
					sep = ",";
				}
			}
			printf("\t%s\t%s\n", e[i].name, e[i].dir);
		}
		mbox_list_free(&l);
		return 0;
	}
	if (strcmp(argv[0], "create") == 0 && argc == 2)
		return mailboxes_create(&mb, argv[1], &err) < 0 ?
		       mbox_failed(&err) : 0;
	if (strcmp(argv[0], "delete") == 0 && argc == 2)
		return mailboxes_delete(&mb, argv[1], &err) < 0 ?
		       mbox_failed(&err) : 0;
	if (strcmp(argv[0], "rename") == 0 && argc == 3)
		return mailboxes_rename(&mb, argv[1], argv[2], &err) < 0 ?
		       mbox_failed(&err) : 0;
	usage();
	return 2;
}

int
main(int argc, char **argv)
{
	const char *cmd;

	if (argc < 4)
		usage();
	root = argv[1];
	dir = strcmp(argv[2], "INBOX") == 0 ? root : argv[2];
	cmd = argv[3];
	argv += 4;
	argc -= 4;
	if (strcmp(cmd, "list") == 0)
		return cmd_list(argv, argc);
	if (strcmp(cmd, "append") == 0)
		return cmd_append(argv, argc);
	if (strcmp(cmd, "store") == 0)
		return cmd_store(argv, argc);
	if (strcmp(cmd, "expunge") == 0)
		return cmd_expunge(argv, argc);
	if (strcmp(cmd, "bench") == 0)
		return cmd_bench(argv, argc);
	if (strcmp(cmd, "folders") == 0)
		return cmd_folders();
	if (strcmp(cmd, "mbox") == 0)
		return cmd_mbox(argv, argc);
	usage();
	return 2;
}
