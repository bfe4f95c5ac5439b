/* src/imap/rawlog.c — the protocol trace of rawlog_users.
 *
 * The file. One file per session, YYYYMMDD-HHMMSS-PID.log (local time of
 * the login), that reads like the transcripts of the session tests:
 *
 *	# skua rawlog user=alice rip=10.0.0.5 pid=4242 start=2026-...
 *	# a1 logged in with LOGIN; credentials not recorded
 *	S: a1 OK [CAPABILITY ...] Logged in
 *	C: a2 SELECT INBOX
 *	S: * 3 EXISTS
 *
 * Every line starts with "C: " (from the client) or "S: " (from the
 * server), then the bytes as they were, CRLF included. When one side's
 * line is cut by the other side's bytes (a client pipelining while the
 * server answers, say), the trace ends the cut line with a newline of its
 * own and goes on with it later under "C+ " or "S+ ". Lines starting with
 * "# " are the trace's own.
 *
 * Safety. The file is made by the user's process, after the privilege
 * drop, so it can never be more than the user could write anyway; still,
 * the directory is opened without following a symbolic link and must be
 * the user's (compared with the owner of the file just made, which is
 * right under uid_wrapper too), and the file is created with O_EXCL and
 * O_NOFOLLOW, so that nothing planted there redirects it. The size is
 * bounded by rawlog_max_size: a FETCH of a big mailbox must not fill the
 * disk. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "imap/rawlog.h"
#include "util/log.h"

struct rawlog {
	FILE *f;
	struct stream *stream;
	char user[LOG_WORD_MAX];
	uint64_t written, max;
	int last;               /* -1 at first, else 0 (client), 1 (server) */
	int mid_line[2];        /* that side's last line is not ended */
	int full;               /* rawlog_max_size reached */
};

/* 1 when name is a word of the blank-separated list. */
static int
listed(const char *list, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = list; *p != '\0';) {
		size_t w = strcspn(p, " ");

		if (w == n && strncmp(p, name, n) == 0)
			return 1;
		p += w;
		while (*p == ' ')
			p++;
	}
	return 0;
}

/* Opens the directory of the traces, making it when it is missing.
 * Returns a descriptor, or -1 with *why set. */
static int
open_dir(const char *path, struct stat *st, const char **why)
{
	int fd;

	fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT) {
		if (mkdir(path, 0700) < 0 && errno != EEXIST) {
			*why = strerror(errno);
			return -1;
		}
		fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
			  O_CLOEXEC);
	}
	if (fd < 0) {
		*why = errno == ELOOP || errno == ENOTDIR ?
		       "a symbolic link or not a directory" : strerror(errno);
		return -1;
	}
	if (fstat(fd, st) < 0) {
		*why = strerror(errno);
		close(fd);
		return -1;
	}
	if (st->st_mode & (S_IWGRP | S_IWOTH)) {
		*why = "writable by group or others";
		close(fd);
		return -1;
	}
	return fd;
}

/* Creates the session's file in dir. Returns it, or NULL with *why set;
 * name is filled in either case. */
static FILE *
create_file(int dir, const struct stat *dir_st, char *name, size_t size,
	    const char **why)
{
	struct stat st;
	struct tm tm;
	time_t now = time(NULL);
	FILE *f;
	int fd;

	strftime(name, size, "%Y%m%d-%H%M%S", localtime_r(&now, &tm));
	snprintf(name + strlen(name), size - strlen(name), "-%ld.log",
		 (long)getpid());
	fd = openat(dir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
		    O_CLOEXEC, 0600);
	if (fd < 0) {
		*why = errno == EEXIST ? "the file exists (a link planted "
		       "there?)" : strerror(errno);
		return NULL;
	}
	/* The directory must be ours: the file we just made says who we
	 * are on this file system. */
	if (fstat(fd, &st) < 0 || st.st_uid != dir_st->st_uid) {
		*why = "the directory belongs to another user";
		unlinkat(dir, name, 0);
		close(fd);
		return NULL;
	}
	f = fdopen(fd, "w");
	if (f == NULL) {
		*why = strerror(errno);
		unlinkat(dir, name, 0);
		close(fd);
	}
	return f;
}

static void
stop(struct rawlog *r, const char *why)
{
	if (r->f == NULL)
		return;
	if (why != NULL)
		log_warn("rawlog: user=%s: %s; the trace stops here", r->user,
			 why);
	fclose(r->f);
	r->f = NULL;
	stream_set_tap(r->stream, NULL, NULL);
}

/* Writes len bytes of one side, marking the lines. */
static void
put(struct rawlog *r, int output, const unsigned char *p, size_t len)
{
	static const char *const mark[2][2] = {
		{ "C: ", "C+ " }, { "S: ", "S+ " },
	};

	while (len > 0) {
		const unsigned char *nl;
		size_t n;

		if (r->last != output) {
			if (r->last >= 0 && r->mid_line[r->last])
				fputc('\n', r->f);
			fputs(mark[output][r->mid_line[output]], r->f);
		} else if (!r->mid_line[output]) {
			fputs(mark[output][0], r->f);
		}
		nl = memchr(p, '\n', len);
		n = nl != NULL ? (size_t)(nl - p) + 1 : len;
		fwrite(p, 1, n, r->f);
		r->written += n + 3;
		r->mid_line[output] = nl == NULL;
		r->last = output;
		p += n;
		len -= n;
	}
}

void
rawlog_record(struct rawlog *r, int output, const void *buf, size_t len)
{
	size_t room;

	if (r == NULL || r->f == NULL || r->full || len == 0)
		return;
	room = r->written < r->max ? (size_t)(r->max - r->written) : 0;
	put(r, output, buf, len < room ? len : room);
	if (len > room) {
		r->full = 1;
		rawlog_note(r, "rawlog_max_size (%llu bytes) reached; nothing "
			    "more is recorded", (unsigned long long)r->max);
		stream_set_tap(r->stream, NULL, NULL);
	}
	/* The client spoke: what the server said before is complete. */
	if (!output && fflush(r->f) == EOF)
		stop(r, strerror(errno));
}

static void
tap(void *ctx, int output, const void *buf, size_t len)
{
	rawlog_record(ctx, output, buf, len);
}

void
rawlog_note(struct rawlog *r, const char *fmt, ...)
{
	va_list ap;

	if (r == NULL || r->f == NULL)
		return;
	if (r->last >= 0 && r->mid_line[r->last]) {
		fputc('\n', r->f);
		r->last = -1;
	}
	fputs("# ", r->f);
	va_start(ap, fmt);
	vfprintf(r->f, fmt, ap);
	va_end(ap);
	fputc('\n', r->f);
}

struct rawlog *
rawlog_start(const struct config *c, const struct auth_user *u,
	     const char *rip, struct stream *stream)
{
	char path[4096], name[64], start[64];
	const char *why = NULL;
	struct rawlog *r;
	struct stat dir_st;
	struct tm tm;
	time_t now;
	FILE *f;
	int dir;

	if (!listed(c->rawlog_users, u->name))
		return NULL;
	if (c->rawlog_dir[0] == '~')
		snprintf(path, sizeof(path), "%s%s", u->home, c->rawlog_dir + 1);
	else
		snprintf(path, sizeof(path), "%s", c->rawlog_dir);
	r = calloc(1, sizeof(*r));
	if (r == NULL)
		fatal("out of memory");
	log_word(u->name, r->user, sizeof(r->user));
	name[0] = '\0';
	dir = open_dir(path, &dir_st, &why);
	f = dir < 0 ? NULL : create_file(dir, &dir_st, name, sizeof(name),
					  &why);
	if (dir >= 0)
		close(dir);
	if (f == NULL) {
		log_warn("rawlog: user=%s: not tracing: %s%s%s: %s", r->user,
			 path, name[0] ? "/" : "", name, why);
		free(r);
		return NULL;
	}
	r->f = f;
	r->stream = stream;
	r->max = (uint64_t)c->rawlog_max_size;
	r->last = -1;
	now = time(NULL);
	strftime(start, sizeof(start), "%Y-%m-%dT%H:%M:%S%z",
		 localtime_r(&now, &tm));
	rawlog_note(r, "skua rawlog user=%s rip=%s pid=%ld start=%s",
		    r->user, rip, (long)getpid(), start);
	stream_set_tap(stream, tap, r);
	log_info("rawlog: user=%s file=%s/%s", r->user, path, name);
	return r;
}

void
rawlog_free(struct rawlog **rp)
{
	struct rawlog *r = *rp;

	if (r == NULL)
		return;
	if (r->f != NULL) {
		rawlog_note(r, "end in=%llu out=%llu",
			    (unsigned long long)r->stream->bytes_in,
			    (unsigned long long)r->stream->bytes_out);
		stream_set_tap(r->stream, NULL, NULL);
		if (fclose(r->f) == EOF)
			log_warn("rawlog: user=%s: %s", r->user,
				 strerror(errno));
		r->f = NULL;
	}
	free(r);
	*rp = NULL;
}
