/* src/util/stream.c — output buffering and bookkeeping common to every
 * stream implementation. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/log.h"
#include "util/stream.h"

#define STREAM_OUT_MAX (64 * 1024)

struct stream *
stream_new(const struct stream_ops *ops, void *ctx)
{
	struct stream *s = calloc(1, sizeof(*s));

	if (s == NULL)
		fatal("out of memory");
	s->ops = ops;
	s->ctx = ctx;
	buf_init(&s->out, STREAM_OUT_MAX);
	return s;
}

ssize_t
stream_read(struct stream *s, void *buf, size_t len, int timeout_ms)
{
	ssize_t n = s->ops->read(s, buf, len, timeout_ms);

	if (n > 0) {
		s->bytes_in += (uint64_t)n;
		if (s->tap != NULL)
			s->tap(s->tap_ctx, 0, buf, (size_t)n);
	}
	return n;
}

int
stream_wait(struct stream *s, int extra_fd, int timeout_ms)
{
	if (s->ops->wait == NULL)
		return STREAM_WAIT_INPUT;
	return s->ops->wait(s, extra_fd, timeout_ms);
}

/* Hands the buffer to the implementation, without a flush point: a full
 * buffer in the middle of a big response need not reach the peer at
 * once, and a compressor does better when it may keep a few bytes. */
static int
drain(struct stream *s)
{
	if (s->out.len == 0)
		return 0;
	if (s->ops->write(s, s->out.data, s->out.len) < 0) {
		buf_reset(&s->out);
		return -1;
	}
	s->bytes_out += s->out.len;
	buf_reset(&s->out);
	return 0;
}

int
stream_flush(struct stream *s)
{
	if (drain(s) < 0)
		return -1;
	if (s->ops->flush != NULL && s->ops->flush(s) < 0)
		return -1;
	return 0;
}

int
stream_write(struct stream *s, const void *data, size_t len)
{
	if (s->tap != NULL && len > 0)
		s->tap(s->tap_ctx, 1, data, len);
	if (s->out.len + len > s->out.max && drain(s) < 0)
		return -1;
	if (len > s->out.max) {
		if (s->ops->write(s, data, len) < 0)
			return -1;
		s->bytes_out += len;
		return 0;
	}
	return buf_append(&s->out, data, len);
}

int
stream_puts(struct stream *s, const char *str)
{
	return stream_write(s, str, strlen(str));
}

int
stream_printf(struct stream *s, const char *fmt, ...)
{
	char small[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0)
		return -1;
	if ((size_t)n < sizeof(small))
		return stream_write(s, small, (size_t)n);

	char *big = malloc((size_t)n + 1);
	if (big == NULL)
		fatal("out of memory");
	va_start(ap, fmt);
	vsnprintf(big, (size_t)n + 1, fmt, ap);
	va_end(ap);
	int ret = stream_write(s, big, (size_t)n);
	free(big);
	return ret;
}

int
stream_can_tls(const struct stream *s)
{
	return s->ops->start_tls != NULL &&
	       (s->ops->security == NULL ||
		s->ops->security((struct stream *)s) == NULL);
}

void
stream_end_tls_offer(struct stream *s)
{
	if (s->ops->end_tls_offer != NULL)
		s->ops->end_tls_offer(s);
}

int
stream_start_tls(struct stream *s)
{
	if (!stream_can_tls(s)) {
		stream_set_error(s, "TLS is not available on this stream");
		return -1;
	}
	if (stream_flush(s) < 0)
		return -1;
	return s->ops->start_tls(s);
}

const char *
stream_security(struct stream *s)
{
	return s->ops->security != NULL ? s->ops->security(s) : NULL;
}

int
stream_can_deflate(const struct stream *s)
{
	return s->ops->start_deflate != NULL &&
	       stream_compression((struct stream *)s) == NULL;
}

int
stream_start_deflate(struct stream *s, const void *pending, size_t len)
{
	if (!stream_can_deflate(s)) {
		stream_set_error(s, "compression is not available on this "
				 "stream");
		return -1;
	}
	if (stream_flush(s) < 0)
		return -1;
	return s->ops->start_deflate(s, pending, len);
}

const char *
stream_compression(struct stream *s)
{
	return s->ops->compression != NULL ? s->ops->compression(s) : NULL;
}

void
stream_set_tap(struct stream *s, stream_tap_fn *fn, void *ctx)
{
	s->tap = fn;
	s->tap_ctx = ctx;
}

void
stream_set_error(struct stream *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->error, sizeof(s->error), fmt, ap);
	va_end(ap);
}

void
stream_free(struct stream **sp)
{
	struct stream *s = *sp;

	if (s == NULL)
		return;
	if (s->ops->destroy != NULL)
		s->ops->destroy(s);
	buf_free(&s->out);
	free(s);
	*sp = NULL;
}
