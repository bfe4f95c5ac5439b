/* src/store/keywords.c — the letters a-z in Maildir file names and the
 * keyword names they stand for, in Dovecot's dovecot-keywords.
 *
 * The file, as Dovecot 2.3 writes it (maildir-keywords.c; observed with
 * 2.3.19): one line "<index> <name>\n" per letter in use, index 0 for
 * 'a', in index order, with gaps where a letter is free. Reading follows
 * Dovecot: the index is digits only and below 26, the name is the rest of
 * the line up to LF and not empty; any other line is skipped, and a later
 * line for the same index wins.
 *
 * Writing follows Dovecot's rules too: only while holding the uidlist
 * dot-lock (dovecot-uidlist.lock), so two writers never hand out the same
 * letter; the new contents go into dovecot-keywords.lock (which is stale
 * by definition while we hold the uidlist lock, so it is removed first),
 * are fsynced and renamed over dovecot-keywords. Dovecot notices a change
 * only by the file's mtime in seconds, so the new file's mtime is made
 * later than the old one's even when both fall in the same second.
 *
 * Courier (courier-libs maildir/maildirkeywords2.c) keeps keywords in a
 * directory courierimapkeywords/: the file ":list" holds the names, one a
 * line, then an empty line, then "<base>:<n> <n> ..." lines giving each
 * message the names by their position in the list. A message whose
 * keywords changed since has a file of its own, "<base>" or
 * ".<counter>.<base>", holding its names one a line; the plain name or
 * else the highest counter wins over ":list". When a folder has no
 * dovecot-keywords but has that directory, the names are imported (the
 * first 26, in the order Courier lists them, then those found only in
 * the per-message files) and dovecot-keywords is written, so that the
 * letters we then put in file names mean the same to Dovecot. */
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

#include "store/keywords.h"
#include "store/dotlock.h"
#include "util/fdio.h"

#define KEYWORDS_FILE "dovecot-keywords"
#define COURIER_DIR "courierimapkeywords"
#define READ_MAX (1024 * 1024)  /* no sane keywords file comes near */
#define LOCK_TIMEOUT 30

struct keywords {
	char *dir;
	char *names[KEYWORDS_MAX];
	struct stat st;         /* of the file last read; st_ino 0: none */
};

static char errbuf[8800];   /* room for a whole path and the error */

static const char *
errf(const char *what, const char *path)
{
	snprintf(errbuf, sizeof(errbuf), "%s %s: %s", what, path,
		 strerror(errno));
	return errbuf;
}

static void
clear_names(struct keywords *kw)
{
	for (int i = 0; i < KEYWORDS_MAX; i++) {
		free(kw->names[i]);
		kw->names[i] = NULL;
	}
}

static char *
xstrndup(const char *s, size_t n)
{
	char *p = strndup(s, n);

	if (p == NULL)
		abort();        /* as arena.h: out of memory is fatal */
	return p;
}

/* Reads a whole small file into a NUL-terminated malloc'd buffer.
 * Returns 1, 0 when it does not exist, -1 with errno. */
static int
read_file(const char *path, char **data_r, size_t *len_r, struct stat *st)
{
	char *data;
	size_t len = 0;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0)
		return errno == ENOENT ? 0 : -1;
	if (fstat(fd, st) < 0 || (data = malloc(READ_MAX + 1)) == NULL) {
		close(fd);
		return -1;
	}
	while (len < READ_MAX &&
	       (n = read(fd, data + len, READ_MAX - len)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			free(data);
			close(fd);
			return -1;
		}
		len += (size_t)n;
	}
	close(fd);
	data[len] = '\0';
	*data_r = data;
	*len_r = len;
	return 1;
}

/* Dovecot's str_to_uint(): digits only, nothing else. */
static int
parse_index(const char *s, size_t len, unsigned *idx)
{
	unsigned v = 0;

	if (len == 0 || len > 4)
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	*idx = v;
	return 0;
}

static void
parse_keywords(struct keywords *kw, const char *data, size_t len)
{
	const char *p = data, *end = data + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl != NULL ? nl : end;
		const char *sp = memchr(p, ' ', (size_t)(eol - p));
		unsigned idx;

		if (sp != NULL && sp + 1 < eol &&
		    memchr(sp, '\0', (size_t)(eol - sp)) == NULL &&
		    parse_index(p, (size_t)(sp - p), &idx) == 0 &&
		    idx < KEYWORDS_MAX) {
			free(kw->names[idx]);
			kw->names[idx] = xstrndup(sp + 1,
						  (size_t)(eol - sp - 1));
		}
		p = eol + 1;
	}
}

/* Rereads dovecot-keywords. Returns 1 if it exists, 0 if not, -1. */
static int
load(struct keywords *kw, const char **err_r)
{
	char path[4096], *data;
	size_t len;
	struct stat st;
	int ret;

	snprintf(path, sizeof(path), "%s/" KEYWORDS_FILE, kw->dir);
	ret = read_file(path, &data, &len, &st);
	if (ret < 0) {
		*err_r = errf("cannot read", path);
		return -1;
	}
	clear_names(kw);
	if (ret == 0) {
		memset(&kw->st, 0, sizeof(kw->st));
		return 0;
	}
	parse_keywords(kw, data, len);
	free(data);
	kw->st = st;
	return 1;
}

static int
fill_file(const struct keywords *kw, int fd)
{
	char line[KEYWORD_MAX_LEN + 64];
	struct stat st;

	for (int i = 0; i < KEYWORDS_MAX; i++) {
		if (kw->names[i] == NULL)
			continue;
		int n = snprintf(line, sizeof(line), "%d %s\n", i,
				 kw->names[i]);
		if (n < 0 || (size_t)n >= sizeof(line)) {
			/* a name read from disk longer than we would
			 * write: write it in pieces, unchanged */
			if (dprintf(fd, "%d %s\n", i, kw->names[i]) < 0)
				return -1;
		} else if (fd_write_all(fd, line, (size_t)n) < 0) {
			return -1;
		}
	}
	if (fstat(fd, &st) < 0)
		return -1;
	/* Dovecot rereads only when the mtime (seconds) moved on */
	if (kw->st.st_ino != 0 && st.st_mtime <= kw->st.st_mtime) {
		struct timespec ts[2] = {
			{ .tv_nsec = UTIME_OMIT },
			{ .tv_sec = kw->st.st_mtime + 1 },
		};
		if (futimens(fd, ts) < 0)
			return -1;
	}
	return fsync(fd);
}

/* Writes kw->names as the new dovecot-keywords. Caller holds the uidlist
 * dot-lock. */
static int
save(struct keywords *kw, const char **err_r)
{
	char path[4096], lock[4200];
	struct stat dst;
	mode_t mode = 0600;
	int fd;

	snprintf(path, sizeof(path), "%s/" KEYWORDS_FILE, kw->dir);
	snprintf(lock, sizeof(lock), "%s.lock", path);
	if (stat(kw->dir, &dst) == 0)
		mode = dst.st_mode & 0666;  /* as Dovecot: the folder's */
	(void)unlink(lock);
	fd = open(lock, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		  mode);
	if (fd < 0) {
		*err_r = errf("cannot create", lock);
		return -1;
	}
	if (fill_file(kw, fd) < 0) {
		*err_r = errf("cannot write", lock);
		close(fd);
		unlink(lock);
		return -1;
	}
	if (close(fd) < 0 || rename(lock, path) < 0) {
		*err_r = errf("cannot replace", path);
		unlink(lock);
		return -1;
	}
	if (stat(path, &dst) == 0)
		kw->st = dst;
	return 0;
}

/* RFC 3501 9: flag-keyword = atom; atom = 1*ATOM-CHAR, which excludes
 * "(" ")" "{" SP CTL "%" "*" '"' "\" "]" and anything past 7-bit. */
static int
valid_keyword(const char *name)
{
	size_t len = strlen(name);

	if (len == 0 || len > KEYWORD_MAX_LEN)
		return 0;
	for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
		if (*p <= 0x20 || *p >= 0x7f || strchr("(){%*\"\\]", *p))
			return 0;
	}
	return 1;
}

static int
find(const struct keywords *kw, const char *name)
{
	for (int i = 0; i < KEYWORDS_MAX; i++) {
		if (kw->names[i] != NULL && strcasecmp(kw->names[i], name) == 0)
			return i;
	}
	return -1;
}

static int
free_slot(const struct keywords *kw)
{
	for (int i = 0; i < KEYWORDS_MAX; i++) {
		if (kw->names[i] == NULL)
			return i;
	}
	return -1;
}

/* Adds a name to the first free letter unless known; used for imports.
 * Returns its index or -1 when full. */
static int
import_name(struct keywords *kw, const char *name, size_t len)
{
	char tmp[KEYWORD_MAX_LEN + 1];
	int i;

	if (len == 0 || len > KEYWORD_MAX_LEN)
		return -1;
	memcpy(tmp, name, len);
	tmp[len] = '\0';
	if (!valid_keyword(tmp))
		return -1;
	if ((i = find(kw, tmp)) >= 0)
		return i;
	if ((i = free_slot(kw)) >= 0)
		kw->names[i] = xstrndup(tmp, len);
	return i;
}

/* Imports each line of data up to an empty line as a name. */
static void
import_lines(struct keywords *kw, const char *data)
{
	while (*data != '\0' && *data != '\n') {
		size_t len = strcspn(data, "\n");

		import_name(kw, data, len);
		data += len;
		if (*data == '\n')
			data++;
	}
}

/* Visits the per-message files of courierimapkeywords/ that may hold a
 * message's names: "<base>" and ".<digits>.<base>". */
static int
courier_each(const char *cdir,
	     void (*fn)(void *ctx, const char *file, const char *base,
			unsigned long prio),
	     void *ctx)
{
	DIR *d = opendir(cdir);
	struct dirent *de;

	if (d == NULL)
		return errno == ENOENT ? 0 : -1;
	while ((de = readdir(d)) != NULL) {
		const char *n = de->d_name, *base = n;
		unsigned long prio = (unsigned long)-1;  /* plain: newest */

		if (n[0] == ':')
			continue;
		if (n[0] == '.') {
			char *end;

			prio = strtoul(n + 1, &end, 10);
			if (end == n + 1 || *end != '.' || end[1] == '\0' ||
			    prio == (unsigned long)-1)
				continue;   /* ".", "..", ".tmp.*" */
			base = end + 1;
		}
		fn(ctx, n, base, prio);
	}
	closedir(d);
	return 0;
}

struct import_ctx {
	struct keywords *kw;
	const char *cdir;
};

static void
import_file_names(void *vctx, const char *file, const char *base,
		  unsigned long prio)
{
	struct import_ctx *ctx = vctx;
	char path[4096], *data;
	size_t len;
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", ctx->cdir, file);
	if (read_file(path, &data, &len, &st) > 0) {
		if (S_ISREG(st.st_mode))
			import_lines(ctx->kw, data);
		free(data);
	}
}

/* Fills kw->names from courierimapkeywords/. Returns 1 if there was
 * such a directory, 0 if not, -1. */
static int
courier_import(struct keywords *kw, const char **err_r)
{
	char cdir[4096], path[4200], *data;
	struct import_ctx ctx = { kw, cdir };
	struct stat st;
	size_t len;
	int ret;

	snprintf(cdir, sizeof(cdir), "%s/" COURIER_DIR, kw->dir);
	if (stat(cdir, &st) < 0 || !S_ISDIR(st.st_mode))
		return 0;
	snprintf(path, sizeof(path), "%s/:list", cdir);
	if ((ret = read_file(path, &data, &len, &st)) < 0) {
		*err_r = errf("cannot read", path);
		return -1;
	}
	if (ret > 0) {
		import_lines(kw, data);
		free(data);
	}
	if (courier_each(cdir, import_file_names, &ctx) < 0) {
		*err_r = errf("cannot read", cdir);
		return -1;
	}
	return 1;
}

/* After a Courier import, writes dovecot-keywords under the uidlist lock,
 * unless another process wrote one meanwhile (then that one is read). A
 * folder we may not write to keeps the names in memory only. */
static int
persist_import(struct keywords *kw, const char **err_r)
{
	char uidlist[4096], path[4200];
	struct stat st;
	int ret;

	snprintf(uidlist, sizeof(uidlist), "%s/dovecot-uidlist", kw->dir);
	if (dotlock_take(uidlist, LOCK_TIMEOUT, err_r) < 0)
		return errno == EACCES || errno == EROFS ? 0 : -1;
	snprintf(path, sizeof(path), "%s/" KEYWORDS_FILE, kw->dir);
	if (lstat(path, &st) == 0)
		ret = load(kw, err_r) < 0 ? -1 : 0;
	else if ((ret = save(kw, err_r)) < 0 &&
		 (errno == EACCES || errno == EROFS))
		ret = 0;
	dotlock_release(uidlist);
	return ret;
}

int
keywords_open(const char *dir, struct keywords **kw_r, const char **err_r)
{
	struct keywords *kw = calloc(1, sizeof(*kw));
	int ret;

	if (kw == NULL)
		abort();
	kw->dir = xstrndup(dir, strlen(dir));
	ret = load(kw, err_r);
	if (ret == 0) {
		ret = courier_import(kw, err_r);
		if (ret > 0 && kw->names[0] != NULL)
			ret = persist_import(kw, err_r);
	}
	if (ret < 0) {
		keywords_free(&kw);
		return -1;
	}
	*kw_r = kw;
	return 0;
}

int
keywords_refresh(struct keywords *kw, const char **err_r)
{
	char path[4096];
	struct stat st;

	snprintf(path, sizeof(path), "%s/" KEYWORDS_FILE, kw->dir);
	if (stat(path, &st) < 0) {
		if (errno != ENOENT) {
			*err_r = errf("cannot stat", path);
			return -1;
		}
		if (kw->st.st_ino == 0)
			return 0;
	} else if (st.st_ino == kw->st.st_ino &&
		   st.st_size == kw->st.st_size &&
		   st.st_mtim.tv_sec == kw->st.st_mtim.tv_sec &&
		   st.st_mtim.tv_nsec == kw->st.st_mtim.tv_nsec) {
		return 0;
	}
	return load(kw, err_r) < 0 ? -1 : 1;
}

int
keywords_index(const struct keywords *kw, const char *name)
{
	return find(kw, name);
}

const char *
keywords_name(const struct keywords *kw, int index)
{
	if (index < 0 || index >= KEYWORDS_MAX)
		return NULL;
	return kw->names[index];
}

/* Under the lock: reread, then add name unless someone else did. */
static int
add_locked(struct keywords *kw, const char *name, const char **err_r)
{
	int i;

	if (load(kw, err_r) < 0)
		return -1;
	if ((i = find(kw, name)) >= 0)
		return i;
	if ((i = free_slot(kw)) < 0) {
		*err_r = "all 26 keyword letters of the folder are in use";
		return KEYWORDS_FULL;
	}
	kw->names[i] = xstrndup(name, strlen(name));
	if (save(kw, err_r) < 0) {
		int full = errno == ENOSPC || errno == EDQUOT;

		free(kw->names[i]);
		kw->names[i] = NULL;
		return full ? KEYWORDS_NOSPACE : -1;
	}
	return i;
}

int
keywords_add(struct keywords *kw, const char *name, const char **err_r)
{
	char uidlist[4096];
	int i;

	if (!valid_keyword(name)) {
		*err_r = "invalid keyword (RFC 3501 flag-keyword is an atom)";
		return -1;
	}
	if ((i = find(kw, name)) >= 0)
		return i;
	snprintf(uidlist, sizeof(uidlist), "%s/dovecot-uidlist", kw->dir);
	if (dotlock_take(uidlist, LOCK_TIMEOUT, err_r) < 0)
		return errno == EAGAIN ? KEYWORDS_INUSE : -1;
	i = add_locked(kw, name, err_r);
	dotlock_release(uidlist);
	return i;
}

void
keywords_free(struct keywords **kwp)
{
	struct keywords *kw = *kwp;

	if (kw == NULL)
		return;
	*kwp = NULL;
	clear_names(kw);
	free(kw->dir);
	free(kw);
}

/* --- Courier's per-message keywords ------------------------------------ */

struct msg_list {
	struct keywords_courier_msg *v;
	unsigned long *prio;
	size_t n, cap;
	const struct keywords *kw;
	const char *cdir;
};

static void
msg_push(struct msg_list *l, const char *base, size_t base_len,
	 uint32_t bits, unsigned long prio)
{
	if (base_len == 0)
		return;
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 64;
		l->v = realloc(l->v, l->cap * sizeof(*l->v));
		l->prio = realloc(l->prio, l->cap * sizeof(*l->prio));
		if (l->v == NULL || l->prio == NULL)
			abort();
	}
	l->v[l->n].base = xstrndup(base, base_len);
	l->v[l->n].keywords = bits;
	l->prio[l->n] = prio;
	l->n++;
}

/* Letter bits for the names in data, one a line, up to an empty line. */
static uint32_t
bits_of_lines(const struct keywords *kw, const char *data)
{
	char tmp[KEYWORD_MAX_LEN + 1];
	uint32_t bits = 0;

	while (*data != '\0' && *data != '\n') {
		size_t len = strcspn(data, "\n");
		int i;

		if (len <= KEYWORD_MAX_LEN) {
			memcpy(tmp, data, len);
			tmp[len] = '\0';
			if ((i = find(kw, tmp)) >= 0)
				bits |= UINT32_C(1) << i;
		}
		data += len;
		if (*data == '\n')
			data++;
	}
	return bits;
}

static void
msg_file(void *vctx, const char *file, const char *base, unsigned long prio)
{
	struct msg_list *l = vctx;
	char path[4096], *data;
	size_t len;
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", l->cdir, file);
	if (read_file(path, &data, &len, &st) <= 0)
		return;
	if (S_ISREG(st.st_mode))
		msg_push(l, base, strcspn(base, ":"), bits_of_lines(l->kw, data),
			 prio);
	free(data);
}

/* The "<base>:<n> <n>..." lines after the names in ":list". */
static void
msg_list_lines(struct msg_list *l, char *data)
{
	char *p = data, *line;
	size_t n_names = 0;
	const char **names = NULL;

	/* names first, by position */
	while (*p != '\0' && *p != '\n') {
		char *nl = strchr(p, '\n');

		names = realloc(names, (n_names + 1) * sizeof(*names));
		if (names == NULL)
			abort();
		names[n_names++] = p;
		if (nl == NULL) {
			p += strlen(p);
			break;
		}
		*nl = '\0';
		p = nl + 1;
	}
	if (*p == '\n')
		p++;
	while ((line = strsep(&p, "\n")) != NULL) {
		char *colon = strchr(line, ':'), *tok, *save_p = NULL;
		uint32_t bits = 0;

		if (colon == NULL)
			continue;
		*colon = '\0';
		for (tok = strtok_r(colon + 1, " ", &save_p); tok != NULL;
		     tok = strtok_r(NULL, " ", &save_p)) {
			unsigned long k = strtoul(tok, NULL, 10);
			int i;

			if (k < n_names && (i = find(l->kw, names[k])) >= 0)
				bits |= UINT32_C(1) << i;
		}
		msg_push(l, line, strlen(line), bits, 0);
	}
	free(names);
}

static struct msg_list *sort_list;

static int
msg_cmp(const void *a, const void *b)
{
	size_t i = *(const size_t *)a, j = *(const size_t *)b;
	int c = strcmp(sort_list->v[i].base, sort_list->v[j].base);

	if (c != 0)
		return c;
	if (sort_list->prio[i] != sort_list->prio[j])
		return sort_list->prio[i] > sort_list->prio[j] ? -1 : 1;
	return i < j ? -1 : i > j;
}

/* Keeps, per base, the entry with the highest priority. */
static void
msg_winners(struct msg_list *l)
{
	size_t *order, i, out = 0;
	struct keywords_courier_msg *v;

	if (l->n == 0)
		return;
	order = malloc(l->n * sizeof(*order));
	v = malloc(l->n * sizeof(*v));
	if (order == NULL || v == NULL)
		abort();
	for (i = 0; i < l->n; i++)
		order[i] = i;
	sort_list = l;
	qsort(order, l->n, sizeof(*order), msg_cmp);
	sort_list = NULL;
	for (i = 0; i < l->n; i++) {
		struct keywords_courier_msg *m = &l->v[order[i]];

		if (out > 0 && strcmp(v[out - 1].base, m->base) == 0)
			free(m->base);
		else
			v[out++] = *m;
	}
	free(order);
	free(l->v);
	l->v = v;
	l->n = out;
}

int
keywords_courier_messages(const struct keywords *kw,
			  struct keywords_courier_msg **msgs_r,
			  size_t *count_r, const char **err_r)
{
	char cdir[4096], path[4200], *data;
	struct msg_list l = { .kw = kw, .cdir = cdir };
	struct stat st;
	size_t len;
	int ret;

	*msgs_r = NULL;
	*count_r = 0;
	snprintf(cdir, sizeof(cdir), "%s/" COURIER_DIR, kw->dir);
	snprintf(path, sizeof(path), "%s/:list", cdir);
	if ((ret = read_file(path, &data, &len, &st)) < 0) {
		*err_r = errf("cannot read", path);
		return -1;
	}
	if (ret > 0) {
		msg_list_lines(&l, data);
		free(data);
	}
	if (courier_each(cdir, msg_file, &l) < 0) {
		*err_r = errf("cannot read", cdir);
		keywords_courier_free(&l.v, l.n);
		free(l.prio);
		return -1;
	}
	msg_winners(&l);
	free(l.prio);
	*msgs_r = l.v;
	*count_r = l.n;
	return 0;
}

void
keywords_courier_free(struct keywords_courier_msg **msgs, size_t count)
{
	if (*msgs == NULL)
		return;
	for (size_t i = 0; i < count; i++)
		free((*msgs)[i].base);
	free(*msgs);
	*msgs = NULL;
}
