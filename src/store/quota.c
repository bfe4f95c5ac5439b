/* src/store/quota.c — the Maildir++ quota in maildirsize
 * (maildirplusplus.txt, "Contents of maildirsize" and after).
 *
 * The file: a first line with the limits ("10000000S,1000C", either
 * part may be missing), then "<bytes> <count>" lines; the usage is the
 * sum of those lines. Writers append one line per change with a single
 * O_APPEND write and no lock, so concurrent writers never mix lines.
 *
 * When to recalculate (maildirplusplus.txt, "Calculating the quota for a
 * Maildir++", with Courier's maildirquota.c for the details):
 * - the file is 5120 bytes or more (only its first line is used then);
 * - a total is negative;
 * - the usage (plus what is about to be added) is over a limit, unless
 *   the file is a fresh recalculation: exactly one line of totals and
 *   younger than 15 minutes.
 * Recalculation counts new/ and cur/ of the Maildir and of every .folder
 * except .Trash (step 2), takes sizes from ",S=" in names and else from
 * stat(). Messages marked T are counted: the spec's procedure does not
 * skip them, Dovecot counts them, and an IMAP server subtracts a message
 * when it is expunged, not when it is marked (Courier's library skips
 * them by default, "Quotas and deleted messages"). It writes the new file in tmp/ and renames it over
 * maildirsize, then stats the directories again; if one changed meanwhile
 * it counts again (step 4), at most a few times.
 *
 * Like Dovecot (quota-maildir.c), a last line without LF is a writer
 * caught mid-write and is not counted, and delta lines are written as
 * "<bytes> <count>\n" without Courier's padding. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "store/filename.h"
#include "store/quota.h"

#define SIZE_FILE "maildirsize"
#define SIZE_MAX_READ 5120      /* maildirplusplus.txt: at least this: recount */
#define STALE_SECS (15 * 60)
#define RECALC_TRIES 5

struct sizefile {
	char first[SIZE_MAX_READ + 1];  /* the limits line, without LF */
	int64_t bytes, messages;
	int64_t limit_bytes, limit_messages;
	int lines;              /* lines after the first */
	int too_big;
	time_t mtime;
};

static char errbuf[8800];   /* room for a whole path and the error */

static const char *
errf(const char *what, const char *path)
{
	snprintf(errbuf, sizeof(errbuf), "%s %s: %s", what, path,
		 strerror(errno));
	return errbuf;
}

/* The Maildir that holds maildirsize: a folder's parent (step 1). */
static void
root_of(const char *maildir, char *root, size_t size)
{
	char path[4200];
	struct stat st;

	snprintf(path, sizeof(path), "%s/maildirfolder", maildir);
	if (stat(path, &st) == 0)
		snprintf(root, size, "%s/..", maildir);
	else
		snprintf(root, size, "%s", maildir);
}

/* Courier's parsequotastr(): numbers followed by S or C. */
static void
parse_limits(const char *s, int64_t *bytes, int64_t *messages)
{
	*bytes = *messages = 0;
	while (*s != '\0') {
		int64_t v = 0;

		if (*s < '0' || *s > '9') {
			s++;
			continue;
		}
		for (; *s >= '0' && *s <= '9'; s++)
			v = v < INT64_MAX / 10 ? v * 10 + (*s - '0') : v;
		if (*s == 'S')
			*bytes = v;
		else if (*s == 'C')
			*messages = v;
	}
}

static int
parse_signed(const char **p, int64_t *v)
{
	const char *s = *p;
	int neg = 0;

	while (*s == ' ' || *s == '\t')
		s++;
	if (*s == '-') {
		neg = 1;
		s++;
	}
	if (*s < '0' || *s > '9')
		return -1;
	for (*v = 0; *s >= '0' && *s <= '9'; s++)
		*v = *v < INT64_MAX / 10 ? *v * 10 + (*s - '0') : *v;
	if (neg)
		*v = -*v;
	*p = s;
	return 0;
}

static void
parse_sizefile(char *buf, size_t len, struct sizefile *f)
{
	char *line, *p = buf, *nl = strchr(buf, '\n');

	if (nl == NULL) {
		/* the limits line alone, without LF */
		snprintf(f->first, sizeof(f->first), "%s", buf);
		parse_limits(f->first, &f->limit_bytes, &f->limit_messages);
		return;
	}
	*nl = '\0';
	snprintf(f->first, sizeof(f->first), "%s", buf);
	parse_limits(f->first, &f->limit_bytes, &f->limit_messages);
	if (f->too_big)
		return;
	p = nl + 1;
	while (len > 0 && buf[len - 1] != '\n' && buf + len > p)
		len--;
	buf[len] = '\0';
	while ((line = strsep(&p, "\n")) != NULL) {
		const char *q = line;
		int64_t b, c;

		if (*line == '\0' && p == NULL)
			break;
		f->lines++;
		if (parse_signed(&q, &b) == 0 && parse_signed(&q, &c) == 0) {
			f->bytes += b;
			f->messages += c;
		}
	}
}

/* Returns 1 read, 0 no file, -1. */
static int
read_sizefile(const char *root, struct sizefile *f, const char **err_r)
{
	char path[4200], buf[SIZE_MAX_READ + 1];
	size_t len = 0;
	struct stat st;
	ssize_t n;
	int fd;

	memset(f, 0, sizeof(*f));
	if (snprintf(path, sizeof(path), "%s/" SIZE_FILE, root) >=
	    (int)sizeof(path)) {
		*err_r = "Maildir path too long";
		return -1;
	}
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		*err_r = errf("cannot open", path);
		return -1;
	}
	while (len < SIZE_MAX_READ &&
	       (n = read(fd, buf + len, SIZE_MAX_READ - len)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || fstat(fd, &st) < 0) {
			*err_r = errf("cannot read", path);
			close(fd);
			return -1;
		}
		len += (size_t)n;
	}
	if (fstat(fd, &st) < 0) {
		*err_r = errf("cannot stat", path);
		close(fd);
		return -1;
	}
	close(fd);
	buf[len] = '\0';
	f->mtime = st.st_mtime;
	f->too_big = len >= SIZE_MAX_READ;
	parse_sizefile(buf, len, f);
	return 1;
}

static int
over(int64_t used, int64_t limit)
{
	return limit > 0 && used > limit;
}

/* Dot files in new/ and cur/ are no messages (maildir.txt). */
static int
counted_file(const char *name)
{
	return name[0] != '.';
}

struct count {
	int64_t bytes, messages;
	struct timespec newest;
};

static void
note_time(struct count *c, const struct stat *st)
{
	if (st->st_mtim.tv_sec > c->newest.tv_sec ||
	    (st->st_mtim.tv_sec == c->newest.tv_sec &&
	     st->st_mtim.tv_nsec > c->newest.tv_nsec))
		c->newest = st->st_mtim;
}

static void
count_dir(const char *dir, struct count *c, int stat_only)
{
	char path[4400];
	struct dirent *de;
	struct stat st;
	DIR *d;

	if (stat(dir, &st) < 0)
		return;                 /* a folder being removed: ignore */
	note_time(c, &st);
	if (stat_only || (d = opendir(dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		struct mfilename m;

		if (!counted_file(de->d_name))
			continue;
		mfilename_parse(de->d_name, &m);
		if (m.size < 0) {
			snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
			if (stat(path, &st) < 0)
				continue;   /* gone meanwhile (step 3) */
			m.size = st.st_size;
		}
		c->bytes += m.size;
		c->messages++;
	}
	closedir(d);
}

static void
count_maildir(const char *md, struct count *c, int stat_only)
{
	char path[4300];

	if (snprintf(path, sizeof(path), "%s/new", md) < (int)sizeof(path))
		count_dir(path, c, stat_only);
	if (snprintf(path, sizeof(path), "%s/cur", md) < (int)sizeof(path))
		count_dir(path, c, stat_only);
}

int
quota_folder_counted(const char *dirname)
{
	return strcmp(dirname, ".Trash") != 0;
}

/* Step 2: the Maildir and every folder but Trash. */
static int
count_all(const char *root, struct count *c, int stat_only,
	  const char **err_r)
{
	char path[4300];
	struct dirent *de;
	DIR *d;

	memset(c, 0, sizeof(*c));
	count_maildir(root, c, stat_only);
	if ((d = opendir(root)) == NULL) {
		*err_r = errf("cannot read", root);
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		const char *n = de->d_name;

		if (n[0] != '.' || strcmp(n, ".") == 0 ||
		    strcmp(n, "..") == 0 || !quota_folder_counted(n) ||
		    de->d_type == DT_LNK)
			continue;
		snprintf(path, sizeof(path), "%s/%s", root, n);
		count_maildir(path, c, stat_only);
	}
	closedir(d);
	return 0;
}

static void
limits_line(char *out, size_t size, int64_t bytes, int64_t messages)
{
	out[0] = '\0';
	if (bytes > 0)
		snprintf(out, size, "%" PRId64 "S", bytes);
	if (messages > 0)
		snprintf(out + strlen(out), size - strlen(out), "%s%" PRId64 "C",
			 out[0] != '\0' ? "," : "", messages);
}

/* Step 4: writes first + totals into tmp/, then renames. */
static int
write_sizefile(const char *root, const char *first, const struct count *c,
	       const char **err_r)
{
	char tmp[4400], path[4300], host[256] = "localhost";
	char data[SIZE_MAX_READ + 128];
	int fd, n;

	(void)gethostname(host, sizeof(host) - 1);
	host[sizeof(host) - 1] = '\0';
	host[strcspn(host, "/:")] = '\0';
	snprintf(tmp, sizeof(tmp), "%s/tmp/%lld.%ld_NeWmAiLdIrSiZe.%s", root,
		 (long long)time(NULL), (long)getpid(), host);
	snprintf(path, sizeof(path), "%s/" SIZE_FILE, root);
	n = snprintf(data, sizeof(data), "%s\n%" PRId64 " %" PRId64 "\n",
		     first, c->bytes, c->messages);
	(void)unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		  0600);
	if (fd < 0) {
		*err_r = errf("cannot create", tmp);
		return -1;
	}
	if (write(fd, data, (size_t)n) != n || fsync(fd) < 0) {
		*err_r = errf("cannot write", tmp);
		close(fd);
		unlink(tmp);
		return -1;
	}
	if (close(fd) < 0 || rename(tmp, path) < 0) {
		*err_r = errf("cannot replace", path);
		unlink(tmp);
		return -1;
	}
	return 0;
}

static int
recalculate(const char *root, const char *first, struct count *c,
	    const char **err_r)
{
	struct count again;

	for (int i = 0; i < RECALC_TRIES; i++) {
		if (count_all(root, c, 0, err_r) < 0 ||
		    write_sizefile(root, first, c, err_r) < 0 ||
		    count_all(root, &again, 1, err_r) < 0)
			return -1;
		if (again.newest.tv_sec == c->newest.tv_sec &&
		    again.newest.tv_nsec == c->newest.tv_nsec)
			break;
		/* something changed while we counted: count again; after
		 * the last try the file stays, as near as we got */
	}
	return 0;
}

static int
quota_read(const char *maildir, int64_t add_bytes, int64_t add_messages,
	   struct quota_usage *u, const char **err_r)
{
	char root[4200];
	struct sizefile f;
	struct count c;
	int ret;

	memset(u, 0, sizeof(*u));
	root_of(maildir, root, sizeof(root));
	if ((ret = read_sizefile(root, &f, err_r)) <= 0)
		return ret < 0 ? -1 : 1;
	u->limit_bytes = f.limit_bytes;
	u->limit_messages = f.limit_messages;
	u->bytes = f.bytes;
	u->messages = f.messages;
	if (!f.too_big && f.bytes >= 0 && f.messages >= 0 &&
	    !over(f.bytes + add_bytes, f.limit_bytes) &&
	    !over(f.messages + add_messages, f.limit_messages))
		return 0;
	if (!f.too_big && f.bytes >= 0 && f.messages >= 0 && f.lines == 1 &&
	    time(NULL) < f.mtime + STALE_SECS)
		return 0;       /* over, and freshly counted: believe it */
	if (recalculate(root, f.first, &c, err_r) < 0)
		return -1;
	u->bytes = c.bytes;
	u->messages = c.messages;
	return 0;
}

/* quota_set_credit's: one process serves one user, one command at a
 * time, so the credit of the running REPLACE is the process's. */
static int64_t credit_bytes, credit_messages;

void
quota_set_credit(int64_t bytes, int64_t messages)
{
	credit_bytes = bytes;
	credit_messages = messages;
}

int
quota_get(const char *maildir, struct quota_usage *u, const char **err_r)
{
	return quota_read(maildir, 0, 0, u, err_r);
}

int
quota_check(const char *maildir, int64_t bytes, int64_t messages,
	    struct quota_usage *u, const char **err_r)
{
	int ret;

	bytes -= credit_bytes;
	messages -= credit_messages;
	ret = quota_read(maildir, bytes, messages, u, err_r);

	if (ret != 0)
		return ret < 0 ? -1 : 0;
	return quota_would_exceed(u, bytes, messages);
}

int
quota_would_exceed(const struct quota_usage *u, int64_t bytes,
		   int64_t messages)
{
	return over(u->bytes + bytes, u->limit_bytes) ||
		over(u->messages + messages, u->limit_messages);
}

int
quota_add(const char *maildir, int64_t bytes, int64_t messages,
	  const char **err_r)
{
	char root[4200], path[4300], line[64];
	int fd, n;

	if (bytes == 0 && messages == 0)
		return 0;
	root_of(maildir, root, sizeof(root));
	snprintf(path, sizeof(path), "%s/" SIZE_FILE, root);
	fd = open(path, O_WRONLY | O_APPEND | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		*err_r = errf("cannot open", path);
		return -1;
	}
	/* one write, so concurrent writers' lines never interleave */
	n = snprintf(line, sizeof(line), "%" PRId64 " %" PRId64 "\n", bytes,
		     messages);
	if (write(fd, line, (size_t)n) != n) {
		if (errno == 0)
			errno = EIO;
		*err_r = errf("cannot append to", path);
		close(fd);
		return -1;
	}
	if (close(fd) < 0) {
		*err_r = errf("cannot close", path);
		return -1;
	}
	return 0;
}

int
quota_set_limits(const char *maildir, int64_t bytes, int64_t messages,
		 const char **err_r)
{
	char root[4200], first[64];
	struct count c;

	if (bytes < 0 || messages < 0) {
		*err_r = "negative quota limit";
		return -1;
	}
	root_of(maildir, root, sizeof(root));
	limits_line(first, sizeof(first), bytes, messages);
	return recalculate(root, first, &c, err_r);
}
