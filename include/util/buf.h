/* include/util/buf.h — growable byte buffer with an upper bound.
 *
 * Every buffer has a maximum size: appending past it fails instead of
 * growing, so no client input can make one grow without limit. The data is
 * always followed by a NUL (not counted in len), so a buffer of text can be
 * used as a C string. */
#ifndef SKUA_UTIL_BUF_H
#define SKUA_UTIL_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct buf {
	unsigned char *data;
	size_t len;
	size_t cap;
	size_t max;     /* largest len allowed */
};

/* Initialises an empty buffer that may hold up to max bytes. */
void buf_init(struct buf *b, size_t max);
/* Appends bytes. Returns 0, or -1 (nothing appended) past the maximum. */
int  buf_append(struct buf *b, const void *data, size_t len);
int  buf_append_str(struct buf *b, const char *s);
/* Inline: ENVELOPE, BODYSTRUCTURE and the response writers append byte
 * by byte, and a call per byte cost more than the rest of their work. */
static inline int
buf_append_byte(struct buf *b, unsigned char c)
{
	if (b->len < b->max && b->len + 1 < b->cap) {
		b->data[b->len++] = c;
		b->data[b->len] = '\0';
		return 0;
	}
	return buf_append(b, &c, 1);
}
int  buf_printf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int  buf_vprintf(struct buf *b, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));
/* Removes the first n bytes (n <= len). */
void buf_consume(struct buf *b, size_t n);
/* Empties the buffer, keeping its memory. */
void buf_reset(struct buf *b);
/* Overwrites the contents with zeros, e.g. after a password passed through. */
void buf_wipe(struct buf *b);
void buf_free(struct buf *b);
/* The contents as a C string. */
const char *buf_str(const struct buf *b);

#endif
