/* src/imap/msgread.c — reading one message file whole or its header
 * (include/imap/msgread.h says why reading, not mapping). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "imap/msgread.h"
#include "mail/header.h"
#include "store/folder.h"
#include "util/xalloc.h"

/* Files larger than this are mapped: their copy would cost more than
 * the mapping. */
#define READ_MAX (1024 * 1024)
/* A buffer grown above this is freed after its message. */
#define KEEP_MAX (2 * 1024 * 1024)
/* What a header-only read asks for first, then doubles. */
#define HEADER_CHUNK 8192

static void
reserve(struct msgread *r, size_t n)
{
	if (n <= r->cap)
		return;
	free(r->buf);
	r->cap = n < 16384 ? 16384 : n;
	r->buf = xmalloc(r->cap);
}

/* Reads up to want bytes from offset 0; returns the count or -1. */
static ssize_t
read_at_most(int fd, unsigned char *buf, size_t want)
{
	size_t got = 0;

	while (got < want) {
		ssize_t n = pread(fd, buf + got, want - got, (off_t)got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

/* The header (or all) of a file of size bytes into the buffer. */
static int
read_header(struct msgread *r, int fd)
{
	size_t want = HEADER_CHUNK;

	for (;;) {
		ssize_t n;

		if (want > r->size)
			want = r->size;
		reserve(r, want);
		if ((n = read_at_most(fd, r->buf, want)) < 0)
			return -1;
		r->data = r->buf;
		r->len = (size_t)n;
		/* Complete when the blank line is in, or all was read. */
		if (r->len < want || r->len == r->size ||
		    header_block_len(r->buf, r->len) < r->len)
			return 0;
		want *= 2;
	}
}

static int
read_whole(struct msgread *r, int fd)
{
	ssize_t n;

	if (r->size > READ_MAX) {
		r->map = mmap(NULL, r->size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (r->map == MAP_FAILED) {
			r->map = NULL;
			return -1;
		}
		r->map_len = r->size;
		r->data = r->map;
		r->len = r->size;
		return 0;
	}
	reserve(r, r->size);
	if ((n = read_at_most(fd, r->buf, r->size)) < 0)
		return -1;
	r->data = r->buf;
	r->len = (size_t)n;     /* shorter if it shrank meanwhile */
	return 0;
}

/* Reads a whole file into the buffer without asking its size, with one
 * pread: one that does not fill the buffer met the end of the file (a
 * regular file reads short only there). When the file name gives the
 * size (S=, else hint is -1), the buffer is made larger than it and the
 * read must bring that many bytes; a file to be mapped is left alone.
 * Returns 1 when the file is in, 0 when it may not be, -1 on error. */
static int
read_unsized(struct msgread *r, int fd, int64_t hint)
{
	ssize_t n;

	if (hint > READ_MAX)
		return 0;
	reserve(r, hint >= 0 ? (size_t)hint + 1 : 1);
	while ((n = pread(fd, r->buf, r->cap, 0)) < 0 && errno == EINTR)
		;
	if (n < 0)
		return -1;
	if ((size_t)n == r->cap || (hint >= 0 && n != hint))
		return 0;
	r->data = r->buf;
	r->len = r->size = (size_t)n;
	return 1;
}

/* Reads the file (or its header) knowing its size and mtime. */
static int
read_sized(struct msgread *r, int fd, unsigned how)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return -1;
	r->size = (size_t)st.st_size;
	r->mtime = st.st_mtime;
	if (r->size == 0)
		return 0;
	return (how & MSGREAD_HEADER) ? read_header(r, fd) :
		read_whole(r, fd);
}

int
msgread_load(struct msgread *r, struct folder *f, uint32_t uid,
	     unsigned how, const char **err_r)
{
	const struct store_msg *m;
	int gone = 0, fd, ret = 0;

	r->data = (const unsigned char *)"";
	r->len = r->size = 0;
	r->mtime = -1;
	fd = folder_msg_open(f, uid, &gone, err_r);
	if (fd < 0)
		return gone ? 1 : -1;
	/* An fstat per message was a tenth of a body search. */
	if (how == MSGREAD_NO_MTIME && (m = folder_msg(f, uid)) != NULL)
		ret = read_unsized(r, fd, m->size);
	if (ret == 0)
		ret = read_sized(r, fd, how);
	if (ret < 0)
		*err_r = strerror(errno);
	close(fd);
	return ret < 0 ? -1 : 0;
}

void
msgread_done(struct msgread *r)
{
	if (r->map != NULL)
		munmap(r->map, r->map_len);
	r->map = NULL;
	r->map_len = 0;
	if (r->cap > KEEP_MAX) {
		free(r->buf);
		r->buf = NULL;
		r->cap = 0;
	}
	r->data = (const unsigned char *)"";
	r->len = r->size = 0;
}

void
msgread_free(struct msgread *r)
{
	msgread_done(r);
	free(r->buf);
	r->buf = NULL;
	r->cap = 0;
}
