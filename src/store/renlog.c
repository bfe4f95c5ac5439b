/* src/store/renlog.c — a FIFO of our own renames, matched against the
 * inotify events they cause (include/store/renlog.h says why in order).
 *
 * The renames are packed into one byte buffer, one entry after the
 * other: a length byte and the old name, a length byte and the new one.
 * head is where the next expected entry starts; half says whether its
 * IN_MOVED_FROM came already. A STORE of 100,000 messages pushes as many
 * entries, and the watch reads the events back every few thousand, so
 * the buffer stays small and is never searched. */
#include <stdlib.h>
#include <string.h>

#include "store/renlog.h"
#include "util/xalloc.h"

#define NAME_MAX_BYTES 255
#define KEEP_CAP (64 * 1024)    /* more than this goes at a clear */

struct renlog {
	unsigned char *buf;
	size_t len, cap;
	size_t head;            /* offset of the next expected entry */
	int half;               /* its IN_MOVED_FROM came */
	size_t n;               /* entries from head on */
};

struct renlog *
renlog_new(void)
{
	return xcalloc(1, sizeof(struct renlog));
}

/* Makes room for need more bytes at the end: the consumed part goes
 * first, the buffer grows only when that is not enough. */
static void
reserve(struct renlog *l, size_t need)
{
	if (l->len + need <= l->cap)
		return;
	if (l->head > 0) {
		memmove(l->buf, l->buf + l->head, l->len - l->head);
		l->len -= l->head;
		l->head = 0;
	}
	if (l->len + need <= l->cap)
		return;
	while (l->len + need > l->cap)
		l->cap = l->cap ? l->cap * 2 : 4096;
	l->buf = xrealloc(l->buf, l->cap);
}

int
renlog_push(struct renlog *l, const char *from, const char *to)
{
	size_t fl = strlen(from), tl = strlen(to);

	if (fl == 0 || tl == 0 || fl > NAME_MAX_BYTES || tl > NAME_MAX_BYTES)
		return -1;
	reserve(l, fl + tl + 2);
	l->buf[l->len++] = (unsigned char)fl;
	memcpy(l->buf + l->len, from, fl);
	l->len += fl;
	l->buf[l->len++] = (unsigned char)tl;
	memcpy(l->buf + l->len, to, tl);
	l->len += tl;
	l->n++;
	return 0;
}

/* 1 when the event's name (len bytes, NUL-padded) is the noted one of
 * nl bytes: a name holds no NUL, so it ends where the padding starts. */
static int
same_name(const unsigned char *noted, size_t nl, const char *name,
	  size_t len)
{
	return nl <= len && memcmp(noted, name, nl) == 0 &&
	       (nl == len || name[nl] == '\0');
}

int
renlog_match(struct renlog *l, int is_to, const char *name, size_t len)
{
	const unsigned char *e;
	size_t fl, tl;

	if (l->n == 0 || (is_to != 0) != (l->half != 0))
		return 0;
	e = l->buf + l->head;
	fl = e[0];
	if (!is_to) {
		if (!same_name(e + 1, fl, name, len))
			return 0;
		l->half = 1;
		return 1;
	}
	tl = e[1 + fl];
	if (!same_name(e + 2 + fl, tl, name, len))
		return 0;
	l->half = 0;
	l->head += fl + tl + 2;
	if (--l->n == 0)
		l->head = l->len = 0;
	return 1;
}

size_t
renlog_pending(const struct renlog *l)
{
	return l->n;
}

void
renlog_clear(struct renlog *l)
{
	l->len = l->head = l->n = 0;
	l->half = 0;
	if (l->cap > KEEP_CAP) {
		free(l->buf);
		l->buf = NULL;
		l->cap = 0;
	}
}

void
renlog_free(struct renlog **lp)
{
	if (*lp == NULL)
		return;
	free((*lp)->buf);
	free(*lp);
	*lp = NULL;
}
