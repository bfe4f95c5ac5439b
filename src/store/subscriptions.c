/* src/store/subscriptions.c — subscriptions in ~/Maildir/.subscriptions,
 * in step with Dovecot's and imported from Courier's.
 *
 * Three files may hold a user's subscriptions, and the promise of
 * DESIGN.md is that a user moving between the servers keeps them:
 *
 *   .subscriptions          ours: one name per line, in the default
 *                           namespace ("Archive/2024", mUTF-7)
 *   subscriptions           Dovecot 2.3, seen by experiment: the header
 *                           "V\t2" and an empty line, then one name per
 *                           line, mUTF-7, a tab between levels, kept in
 *                           the order of subscribing
 *   courierimapsubscribed   Courier: "INBOX.Sent", one per line, with
 *                           Courier's "INBOX." prefix and "." separator,
 *                           UTF-8 levels since Courier 5
 *
 * Reading: ours when it exists, unless Dovecot's file is newer (Dovecot
 * changed it after we last wrote, since we always write Dovecot's file
 * first and ours second); else Dovecot's; else Courier's; else nothing.
 * Nothing is written on reading, so LSUB works on a read-only Maildir.
 *
 * Writing: under our dot-lock (and Dovecot's, for its file), read again,
 * change, write each file as a new file, fsync and rename it into place:
 * readers see the old list or the new, never half of one. A line we do not
 * understand is kept as it is, so rewriting loses nothing.
 *
 * Names are converted through names_to_dir and names_from_dir (store/
 * names.h) with the disk encoding fixed to mUTF-7, which makes the
 * conversion a pure name transform between namespaces and validates every
 * name on the way. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/dotlock.h"
#include "store/mutf7.h"
#include "store/pattern.h"
#include "store/subscriptions.h"
#include "util/arena.h"

#define LOCK_TIMEOUT_SECS 10
#define DOVECOT_HEADER "V\t2\n\n"

/* The default namespace, in which our file stores names. */
static const struct name_rules canon_rules = { '/', "", 0 };
/* Courier's namespace, for its file. */
static const struct name_rules courier_rules = { '.', "INBOX.", 0 };

struct names {
	struct arena *arena;
	char **v;
	size_t n, cap;
};

struct subs_list {
	struct arena *arena;
	struct subs_entry *v;
	size_t n;
};

static int
fail(struct mbox_err *err, enum mbox_code code, const char *what,
     const char *file)
{
	err->code = code;
	snprintf(err->text, sizeof(err->text), "%s(%s) failed: %s", what,
		 file, strerror(errno));
	return -1;
}

static int
ok(struct mbox_err *err)
{
	err->code = MBOX_OK;
	err->text[0] = '\0';
	return 0;
}

static void
names_push(struct names *ns, const char *s, size_t len)
{
	char **nv;

	if (ns->n == ns->cap) {
		ns->cap = ns->cap == 0 ? 32 : ns->cap * 2;
		nv = arena_alloc(ns->arena, ns->cap * sizeof(*nv));
		if (ns->n > 0)
			memcpy(nv, ns->v, ns->n * sizeof(*nv));
		ns->v = nv;
	}
	ns->v[ns->n++] = arena_strndup(ns->arena, s, len);
}

static ssize_t
names_find(const struct names *ns, const char *s)
{
	size_t i;

	for (i = 0; i < ns->n; i++)
		if (strcmp(ns->v[i], s) == 0)
			return (ssize_t)i;
	return -1;
}

/* A name from one namespace in another, through the directory name: -1
 * when it is no valid name in either. INBOX, in any case, is "INBOX". */
static int
convert(const struct name_rules *from, int from_utf8,
	const struct name_rules *to, int to_utf8, const char *name,
	char *out, size_t out_size)
{
	char dir[NAMES_DIR_MAX + 1];
	const char *e;

	if (names_to_dir(from, name, from_utf8, dir, sizeof(dir), &e) < 0)
		return -1;
	if (*dir == '\0') {
		snprintf(out, out_size, "INBOX");
		return 0;
	}
	return names_from_dir(to, dir, to_utf8, out, out_size);
}

/* The rules of the configured namespace with mUTF-7 on disk. */
static struct name_rules
wire_rules(const struct mailboxes *mb)
{
	struct name_rules r = mb->rules;

	r.utf8_on_disk = 0;
	return r;
}

/* ---- reading the files -------------------------------------------- */

/* Reads root/file whole. Returns 1 with *data_r (malloced, NUL-ended),
 * 0 when the file does not exist, or -1 with *err. */
static int
read_file(const struct mailboxes *mb, const char *file, char **data_r,
	  struct stat *st_r, struct mbox_err *err)
{
	char path[4200];
	ssize_t n;
	size_t got = 0;
	char *data;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", mb->root, file);
	memset(st_r, 0, sizeof(*st_r));
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : fail(err, MBOX_ERR_SERVER,
						  "open", file);
	if (fstat(fd, st_r) < 0 || st_r->st_size > SUBS_MAX_FILE) {
		if (st_r->st_size > SUBS_MAX_FILE)
			errno = EFBIG;
		close(fd);
		return fail(err, MBOX_ERR_SERVER, "read", file);
	}
	data = malloc((size_t)st_r->st_size + 1);
	if (data == NULL)
		abort();
	while (got < (size_t)st_r->st_size &&
	       (n = read(fd, data + got, (size_t)st_r->st_size - got)) > 0)
		got += (size_t)n;
	close(fd);
	data[got] = '\0';
	*data_r = data;
	return 1;
}

/* Ours: one name per line, kept as they are. */
static void
parse_ours(char *data, struct names *ns)
{
	char *line, *save = NULL;

	for (line = strtok_r(data, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		line[strcspn(line, "\r")] = '\0';
		if (*line != '\0' && names_find(ns, line) < 0)
			names_push(ns, line, strlen(line));
	}
}

/* Dovecot's: "V\t2", an empty line, then names with tabs between the
 * levels. A file without the header (version 1) has one name per
 * line. */
static void
parse_dovecot(char *data, struct names *ns)
{
	char *p;

	if (strncmp(data, "V\t", 2) == 0)
		data += strcspn(data, "\n");
	for (p = data; *p != '\0'; p++)
		if (*p == '\t')
			*p = '/';
	parse_ours(data, ns);
}

/* Courier's: names with its "INBOX." prefix and "." separator, UTF-8
 * (Courier 5) or mUTF-7 (before). Names that fit no folder are left. */
static void
parse_courier(char *data, struct names *ns)
{
	char *line, *save = NULL, canon[NAMES_MAX_LEN + 1];
	int utf8;

	for (line = strtok_r(data, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		line[strcspn(line, "\r")] = '\0';
		utf8 = !mutf7_valid(line, strlen(line)) &&
		       utf8_valid(line, strlen(line));
		if (convert(&courier_rules, utf8, &canon_rules, 0, line, canon,
			    sizeof(canon)) == 0 && names_find(ns, canon) < 0)
			names_push(ns, canon, strlen(canon));
	}
}

/* Loads the list as described at the top of this file. */
static int
load(const struct mailboxes *mb, struct names *ns, struct mbox_err *err)
{
	struct stat ours, dove;
	char *od = NULL, *dd = NULL, *cd = NULL;
	int have_o, have_d, have_c = 0;

	have_o = read_file(mb, SUBS_FILE, &od, &ours, err);
	have_d = have_o < 0 ? 0 : read_file(mb, SUBS_DOVECOT_FILE, &dd, &dove,
					    err);
	if (have_o < 0 || have_d < 0) {
		free(od);
		return -1;
	}
	if (have_d && (!have_o || dove.st_mtim.tv_sec > ours.st_mtim.tv_sec ||
		       (dove.st_mtim.tv_sec == ours.st_mtim.tv_sec &&
			dove.st_mtim.tv_nsec > ours.st_mtim.tv_nsec)))
		parse_dovecot(dd, ns);
	else if (have_o)
		parse_ours(od, ns);
	else if ((have_c = read_file(mb, SUBS_COURIER_FILE, &cd, &ours,
				     err)) > 0)
		parse_courier(cd, ns);
	free(od);
	free(dd);
	free(cd);
	return have_c < 0 ? -1 : 0;
}

/* ---- writing ------------------------------------------------------ */

/* Replaces root/file by the list, through root/tmpname. */
static int
write_file(const struct mailboxes *mb, const char *file, const char *tmp,
	   const struct names *ns, int dovecot, struct mbox_err *err)
{
	char path[4200], tpath[4200];
	size_t i;
	FILE *fp;
	char *p;
	int fd, bad;

	snprintf(path, sizeof(path), "%s/%s", mb->root, file);
	snprintf(tpath, sizeof(tpath), "%s/%s", mb->root, tmp);
	fd = open(tpath, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
		  0600);
	if (fd < 0 || (fp = fdopen(fd, "w")) == NULL) {
		if (fd >= 0)
			close(fd);
		return fail(err, MBOX_ERR_SERVER, "open", tmp);
	}
	if (dovecot)
		fputs(DOVECOT_HEADER, fp);
	for (i = 0; i < ns->n; i++) {
		for (p = ns->v[i]; dovecot && *p != '\0'; p++)
			putc(*p == '/' ? '\t' : *p, fp);
		if (!dovecot)
			fputs(ns->v[i], fp);
		putc('\n', fp);
	}
	bad = fflush(fp) != 0 || fsync(fd) != 0;
	if (fclose(fp) != 0 || bad || rename(tpath, path) < 0) {
		fail(err, MBOX_ERR_SERVER, "write", file);
		unlink(tpath);
		return -1;
	}
	return 0;
}

static int
lock(const struct mailboxes *mb, const char *file, char *path, size_t size,
     struct mbox_err *err)
{
	const char *e;

	snprintf(path, size, "%s/%s", mb->root, file);
	if (dotlock_take(path, LOCK_TIMEOUT_SECS, &e) == 0)
		return 0;
	err->code = errno == EAGAIN ? MBOX_ERR_INUSE : MBOX_ERR_SERVER;
	snprintf(err->text, sizeof(err->text), "%s", e);
	return -1;
}

/* Writes Dovecot's file (when there is one) first, ours second, so that
 * ours is never older than a Dovecot file that says the same. */
static int
save(const struct mailboxes *mb, const struct names *ns, struct mbox_err *err)
{
	char dpath[4200], dlock[4200];
	int ret = 0;

	snprintf(dpath, sizeof(dpath), "%s/%s", mb->root, SUBS_DOVECOT_FILE);
	if (access(dpath, F_OK) == 0) {
		if (lock(mb, SUBS_DOVECOT_FILE, dlock, sizeof(dlock), err) < 0)
			return -1;
		ret = write_file(mb, SUBS_DOVECOT_FILE,
				 SUBS_DOVECOT_FILE ".skua-tmp", ns, 1, err);
		dotlock_release(dlock);
	}
	if (ret == 0)
		ret = write_file(mb, SUBS_FILE, SUBS_FILE ".tmp", ns, 0, err);
	return ret;
}

/* Adds (add) or removes the canonical name under the lock. */
static int
change(const struct mailboxes *mb, const char *wire, int add,
       struct mbox_err *err)
{
	char canon[NAMES_MAX_LEN + 1], dir[NAMES_DIR_MAX + 1], lpath[4200];
	struct name_rules r = wire_rules(mb);
	struct names ns = { 0 };
	const char *e;
	ssize_t i;
	int ret;

	if (names_to_dir(&r, wire, mb->wire_utf8, dir, sizeof(dir), &e) < 0) {
		err->code = MBOX_ERR_NAME;
		snprintf(err->text, sizeof(err->text), "%s", e);
		return -1;
	}
	if (convert(&r, mb->wire_utf8, &canon_rules, 0, wire, canon,
		    sizeof(canon)) < 0) {
		err->code = MBOX_ERR_NAME;
		snprintf(err->text, sizeof(err->text),
			 "Mailbox name not valid in the default namespace");
		return -1;
	}
	if (lock(mb, SUBS_FILE, lpath, sizeof(lpath), err) < 0)
		return -1;
	ns.arena = arena_new(4096);
	ret = load(mb, &ns, err);
	i = ret == 0 ? names_find(&ns, canon) : -1;
	if (ret == 0 && add && i < 0) {
		names_push(&ns, canon, strlen(canon));
		ret = save(mb, &ns, err);
	} else if (ret == 0 && !add && i >= 0) {
		memmove(&ns.v[i], &ns.v[i + 1],
			(ns.n - (size_t)i - 1) * sizeof(*ns.v));
		ns.n--;
		ret = save(mb, &ns, err);
	}
	dotlock_release(lpath);
	arena_free(&ns.arena);
	return ret < 0 ? -1 : ok(err);
}

int
subs_add(const struct mailboxes *mb, const char *wire, struct mbox_err *err)
{
	return change(mb, wire, 1, err);
}

int
subs_remove(const struct mailboxes *mb, const char *wire,
	    struct mbox_err *err)
{
	return change(mb, wire, 0, err);
}

/* ---- LSUB --------------------------------------------------------- */

static int
entry_cmp(const void *pa, const void *pb, void *sep)
{
	const struct subs_entry *a = pa, *b = pb;
	int ai = strcmp(a->name, "INBOX") == 0, bi = strcmp(b->name, "INBOX") == 0;
	int c;

	if (ai || bi)
		c = bi - ai;
	else
		c = pattern_tree_cmp(a->name, b->name, *(const char *)sep);
	/* Of a name subscribed and the same as a parent, the first. */
	return c != 0 ? c : a->noselect - b->noselect;
}

static void
list_push(struct subs_list *l, size_t *cap, const char *name, int noselect)
{
	struct subs_entry *nv;

	if (l->n == *cap) {
		*cap = *cap == 0 ? 32 : *cap * 2;
		nv = arena_alloc(l->arena, *cap * sizeof(*nv));
		if (l->n > 0)
			memcpy(nv, l->v, l->n * sizeof(*nv));
		l->v = nv;
	}
	l->v[l->n].name = arena_strdup(l->arena, name);
	l->v[l->n].noselect = noselect;
	l->n++;
}

/* RFC 3501 6.3.9: "foo/bar" subscribed, "foo" not: LSUB "" "%" lists foo
 * with \Noselect. Offers every parent of wire that matches; duplicates and
 * subscribed parents are dropped after sorting. */
static void
push_parents(struct subs_list *l, size_t *cap, struct pattern *pat,
	     const char *wire, char sep)
{
	char parent[NAMES_MAX_LEN + 1];
	char *p;

	snprintf(parent, sizeof(parent), "%s", wire);
	while ((p = strrchr(parent, sep)) != NULL) {
		*p = '\0';
		if (*parent != '\0' && pattern_match(pat, parent))
			list_push(l, cap, parent, 1);
	}
}

static void
list_fill(const struct mailboxes *mb, const struct names *ns,
	  struct pattern *pat, struct subs_list *l)
{
	struct name_rules r = wire_rules(mb);
	char wire[NAMES_MAX_LEN + 1];
	size_t i, j, cap = 0;
	char sep = r.sep;

	for (i = 0; i < ns->n; i++) {
		if (convert(&canon_rules, 0, &r, mb->wire_utf8, ns->v[i], wire,
			    sizeof(wire)) < 0)
			continue;
		if (pattern_match(pat, wire))
			list_push(l, &cap, wire, 0);
		else if (pattern_has_percent(pat))
			push_parents(l, &cap, pat, wire, sep);
	}
	if (l->n == 0)
		return;
	qsort_r(l->v, l->n, sizeof(*l->v), entry_cmp, &sep);
	for (i = j = 0; i < l->n; i++)
		if (j == 0 || strcmp(l->v[j - 1].name, l->v[i].name) != 0)
			l->v[j++] = l->v[i];
	l->n = j;
}

int
subs_list(const struct mailboxes *mb, const char *ref, const char *pattern,
	  struct subs_list **list_r, struct mbox_err *err)
{
	struct names ns = { 0 };
	struct pattern *pat;
	struct subs_list *l;

	pat = pattern_new(ref, pattern, mb->rules.sep);
	if (pat == NULL) {
		err->code = MBOX_ERR_NAME;
		snprintf(err->text, sizeof(err->text), "Pattern too long");
		return -1;
	}
	ns.arena = arena_new(4096);
	if (load(mb, &ns, err) < 0) {
		arena_free(&ns.arena);
		pattern_free(&pat);
		return -1;
	}
	l = calloc(1, sizeof(*l));
	if (l == NULL)
		abort();
	l->arena = arena_new(4096);
	list_fill(mb, &ns, pat, l);
	arena_free(&ns.arena);
	pattern_free(&pat);
	*list_r = l;
	return ok(err);
}

const struct subs_entry *
subs_list_entries(const struct subs_list *l, size_t *n_r)
{
	*n_r = l->n;
	return l->v;
}

void
subs_list_free(struct subs_list **l)
{
	if (*l == NULL)
		return;
	arena_free(&(*l)->arena);
	free(*l);
	*l = NULL;
}
