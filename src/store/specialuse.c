/* src/store/specialuse.c — skua.specialuse, the special-use attributes
 * set by CREATE ... (USE (...)) (see include/store/specialuse.h).
 *
 * The file is small (a line per folder a client designated), so every
 * change reads it whole under the lock, edits the lines in memory and
 * writes it anew; LIST reads it once per command. Lines that do not
 * parse (no tab, an unknown attribute) are dropped at the next write. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/dotlock.h"
#include "store/specialuse.h"
#include "util/xalloc.h"

#define LOCK_TIMEOUT_SECS 10

static const struct {
	unsigned bit;
	const char *name;
} attrs_known[] = {
	{ MBOX_ALL, "\\All" },
	{ MBOX_ARCHIVE, "\\Archive" },
	{ MBOX_DRAFTS, "\\Drafts" },
	{ MBOX_FLAGGED, "\\Flagged" },
	{ MBOX_JUNK, "\\Junk" },
	{ MBOX_SENT, "\\Sent" },
	{ MBOX_TRASH, "\\Trash" },
};
#define N_KNOWN (sizeof(attrs_known) / sizeof(attrs_known[0]))

struct su_line {
	char *dir;
	unsigned attrs;
};

struct specialuse {
	struct su_line *v;
	size_t n;
};

unsigned
specialuse_attr(const char *name)
{
	for (size_t i = 0; i < N_KNOWN; i++)
		if (strcasecmp(name, attrs_known[i].name) == 0)
			return attrs_known[i].bit;
	return 0;
}

const char *
specialuse_name(unsigned bit)
{
	for (size_t i = 0; i < N_KNOWN; i++)
		if (attrs_known[i].bit == bit)
			return attrs_known[i].name;
	return NULL;
}

static int
fail(struct mbox_err *err, enum mbox_code code, const char *op)
{
	err->code = code;
	snprintf(err->text, sizeof(err->text), "%s(%s) failed: %s", op,
		 SPECIALUSE_FILE, strerror(errno));
	return -1;
}

/* Parses "dir\tattr attr" lines of data into su. */
static void
parse(char *data, struct specialuse *su)
{
	size_t cap = 0;
	char *line, *save = NULL;

	for (line = strtok_r(data, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		char *tab = strchr(line, '\t'), *w, *wsave = NULL;
		unsigned attrs = 0;

		if (tab == NULL || tab == line)
			continue;
		*tab = '\0';
		for (w = strtok_r(tab + 1, " ", &wsave); w != NULL;
		     w = strtok_r(NULL, " ", &wsave))
			attrs |= specialuse_attr(w);
		if (attrs == 0)
			continue;
		if (su->n == cap) {
			cap = cap ? cap * 2 : 8;
			su->v = xrealloc(su->v, cap * sizeof(*su->v));
		}
		su->v[su->n].dir = xstrdup(line);
		su->v[su->n].attrs = attrs;
		su->n++;
	}
}

int
specialuse_read(const char *root, struct specialuse **su_r,
		struct mbox_err *err)
{
	struct specialuse *su = xcalloc(1, sizeof(*su));
	char path[4200], *data;
	struct stat st;
	size_t got = 0;
	ssize_t n;
	int fd;

	*su_r = su;
	snprintf(path, sizeof(path), "%s/%s", root, SPECIALUSE_FILE);
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : fail(err, MBOX_ERR_SERVER, "open");
	if (fstat(fd, &st) < 0 || st.st_size > SPECIALUSE_MAX_FILE) {
		if (st.st_size > SPECIALUSE_MAX_FILE)
			errno = EFBIG;
		close(fd);
		return fail(err, MBOX_ERR_SERVER, "read");
	}
	data = xmalloc((size_t)st.st_size + 1);
	while (got < (size_t)st.st_size &&
	       (n = read(fd, data + got, (size_t)st.st_size - got)) > 0)
		got += (size_t)n;
	close(fd);
	data[got] = '\0';
	parse(data, su);
	free(data);
	return 0;
}

unsigned
specialuse_get(const struct specialuse *su, const char *dir)
{
	for (size_t i = 0; su != NULL && i < su->n; i++)
		if (strcmp(su->v[i].dir, dir) == 0)
			return su->v[i].attrs;
	return 0;
}

void
specialuse_free(struct specialuse **sup)
{
	struct specialuse *su = *sup;

	if (su == NULL)
		return;
	for (size_t i = 0; i < su->n; i++)
		free(su->v[i].dir);
	free(su->v);
	free(su);
	*sup = NULL;
}

/* Replaces the file by the lines of su, through a temporary file. */
static int
write_all(const char *root, const struct specialuse *su,
	  struct mbox_err *err)
{
	char path[4200], tpath[4200];
	FILE *fp;
	int fd, bad;

	snprintf(path, sizeof(path), "%s/%s", root, SPECIALUSE_FILE);
	snprintf(tpath, sizeof(tpath), "%s/%s.tmp", root, SPECIALUSE_FILE);
	fd = open(tpath, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
		  0600);
	if (fd < 0 || (fp = fdopen(fd, "w")) == NULL) {
		if (fd >= 0)
			close(fd);
		return fail(err, MBOX_ERR_SERVER, "open");
	}
	for (size_t i = 0; i < su->n; i++) {
		if (su->v[i].attrs == 0)
			continue;
		fprintf(fp, "%s\t", su->v[i].dir);
		for (size_t k = 0, first = 1; k < N_KNOWN; k++) {
			if (!(su->v[i].attrs & attrs_known[k].bit))
				continue;
			fprintf(fp, "%s%s", first ? "" : " ",
				attrs_known[k].name);
			first = 0;
		}
		putc('\n', fp);
	}
	bad = fflush(fp) != 0 || fsync(fd) != 0;
	if (fclose(fp) != 0 || bad || rename(tpath, path) < 0) {
		fail(err, MBOX_ERR_SERVER, "write");
		unlink(tpath);
		return -1;
	}
	return 0;
}

/* Reads the file under its lock, lets edit change the lines, and writes
 * them back when edit returns 1. */
static int
change(const char *root, int (*edit)(struct specialuse *, const void *),
       const void *arg, struct mbox_err *err)
{
	struct specialuse *su = NULL;
	char path[4200];
	const char *e;
	int ret;

	snprintf(path, sizeof(path), "%s/%s", root, SPECIALUSE_FILE);
	if (dotlock_take(path, LOCK_TIMEOUT_SECS, &e) < 0) {
		err->code = errno == EAGAIN ? MBOX_ERR_INUSE : MBOX_ERR_SERVER;
		snprintf(err->text, sizeof(err->text), "%s", e);
		return -1;
	}
	ret = specialuse_read(root, &su, err);
	if (ret == 0 && edit(su, arg) == 1)
		ret = write_all(root, su, err);
	specialuse_free(&su);
	dotlock_release(path);
	return ret;
}

struct set_arg {
	const char *dir;
	unsigned attrs;
};

static int
edit_set(struct specialuse *su, const void *p)
{
	const struct set_arg *a = p;

	for (size_t i = 0; i < su->n; i++)
		if (strcmp(su->v[i].dir, a->dir) == 0) {
			if (su->v[i].attrs == a->attrs)
				return 0;
			su->v[i].attrs = a->attrs;
			return 1;
		}
	if (a->attrs == 0)
		return 0;
	su->v = xrealloc(su->v, (su->n + 1) * sizeof(*su->v));
	su->v[su->n].dir = xstrdup(a->dir);
	su->v[su->n].attrs = a->attrs;
	su->n++;
	return 1;
}

int
specialuse_set(const char *root, const char *dir, unsigned attrs,
	       struct mbox_err *err)
{
	struct set_arg a = { dir, attrs };

	return change(root, edit_set, &a, err);
}

struct rename_arg {
	const char *from, *to;
};

static int
edit_rename(struct specialuse *su, const void *p)
{
	const struct rename_arg *a = p;
	size_t len = strlen(a->from);
	int changed = 0;

	for (size_t i = 0; i < su->n; i++) {
		char *d = su->v[i].dir, *nd;

		if (strncmp(d, a->from, len) != 0 ||
		    (d[len] != '\0' && d[len] != '.'))
			continue;
		nd = xmalloc(strlen(a->to) + strlen(d + len) + 1);
		strcpy(nd, a->to);
		strcat(nd, d + len);
		free(d);
		su->v[i].dir = nd;
		changed = 1;
	}
	return changed;
}

int
specialuse_rename(const char *root, const char *from, const char *to,
		  struct mbox_err *err)
{
	struct rename_arg a = { from, to };

	/* RENAME of INBOX moves its messages, not its children. */
	if (*from == '\0')
		return 0;
	return change(root, edit_rename, &a, err);
}
