/* src/net/deflate.c — the COMPRESS=DEFLATE layer (RFC 4978) over any
 * stream.
 *
 * Layering. deflate_stream_start moves the stream's implementation into
 * a struct stream of its own (lower) and puts this one in its place; the
 * lower one is called with that struct, so an fdstream, with or without
 * TLS, or a test's memory stream, works unchanged underneath. RFC 4978 3
 * orders the layers COMPRESS, then TLS: data is compressed, then
 * encrypted; since COMPRESS only comes after login and STARTTLS only
 * before it, pushing on top is always that order.
 *
 * Output and flushing (RFC 4978 4). stream.c hands its buffer to write
 * when it fills (64 KiB) or a big write bypasses it, and calls flush at
 * a flush point (before every wait for the client). write deflates with
 * Z_NO_FLUSH, so a large FETCH is one run of deflate blocks, not a sync
 * flush per 64 KiB; flush ends with Z_SYNC_FLUSH, which pushes out every
 * byte written so far on a byte boundary (the 00 00 FF FF marker), so
 * each response reaches the client as soon as the session waits. A flush
 * with nothing new since the last one sends nothing.
 *
 * Input and memory. What comes from below goes into a fixed buffer (16
 * KiB, or larger only to take the bytes handed over at the start) and
 * is inflated straight into the caller's buffer, never more than it
 * asked for. A decompression bomb therefore costs time, not memory: the
 * parser gets it chunk by chunk, and its limits (line length, literal
 * sizes) decide when enough is enough. zlib's own state is fixed: 32 KiB
 * window for inflate; for deflate at memLevel 8 and a 32 KiB window
 * about 256 KiB, once per connection process.
 *
 * Waiting (IDLE). poll on the descriptor cannot see what zlib or our
 * input buffer hold, and a readable descriptor may carry only a flush
 * marker that inflates to nothing. So wait first inflates what it has
 * into a small held buffer (read hands that out before anything else);
 * only when that yields nothing does it wait below, and when the bytes
 * that arrive inflate to nothing it waits again, until its deadline. End
 * of stream and errors count as ready; the next read reports them.
 *
 * Counting. s->bytes_in and s->bytes_out go on counting what the
 * session read and wrote, uncompressed, as they count the plaintext
 * under TLS: the logout line means the same with or without COMPRESS.
 * The compressed bytes are counted here (deflate_stream_wire), and
 * logged at debug level when the stream ends.
 *
 * Level. 6, zlib's default and Dovecot's (imap_compress_deflate_level):
 * responses and headers compress to a quarter or a third at any level,
 * the higher levels cost much CPU for little, and RFC 4978 4's hint of
 * 1-5 was written for the CPUs of 2007. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "net/deflate.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/xalloc.h"

#define DEFLATE_LEVEL 6
#define DEFLATE_WBITS (-15)     /* raw deflate, 32 KiB window */
#define DEFLATE_MEMLEVEL 8
#define IN_SIZE 16384           /* compressed input read at once */
#define OUT_SIZE 16384          /* compressed output gathered per write */
#define HELD_SIZE 4096          /* inflated by wait for the next read */

struct deflate_layer {
	struct stream lower;    /* the implementation underneath */
	z_stream zin;           /* next_in/avail_in: the unread part of in */
	z_stream zout;
	unsigned char *in;
	size_t in_size;
	unsigned char out[OUT_SIZE];
	size_t out_len;
	unsigned char held[HELD_SIZE];
	size_t held_pos, held_len;
	int inflate_full;       /* the last inflate filled its output:
				 * zlib may have more without new input */
	int in_end;             /* the peer ended its deflate stream */
	int lower_ended;        /* wait saw the end below, or an error: */
	ssize_t lower_end;      /* STREAM_EOF or STREAM_ERROR, for the
				 * next read */
	int dirty;              /* deflated since the last sync flush */
	int failed;             /* sticky; s->error says why */
	uint64_t wire_in, wire_out;
};

static const struct stream_ops deflate_ops;

/* Takes the lower stream's reason for a failure. */
static void
lower_error(struct stream *s, struct deflate_layer *d)
{
	memcpy(s->error, d->lower.error, sizeof(s->error));
	s->error[sizeof(s->error) - 1] = '\0';
}

static int
time_left(long long deadline)
{
	long long left;

	if (deadline < 0)
		return -1;
	left = deadline - clock_ms();
	return left <= 0 ? 0 : left > INT_MAX ? INT_MAX : (int)left;
}

/* Inflates what is buffered into buf. Returns the count, or
 * STREAM_ERROR. 0 means all input is used up and zlib holds nothing
 * more, or, with d->in_end set, that the peer's deflate stream ended and
 * all of it was returned. */
static ssize_t
inflate_some(struct stream *s, struct deflate_layer *d, unsigned char *buf,
	     size_t len)
{
	uInt cap = len > UINT_MAX ? UINT_MAX : (uInt)len;
	size_t got;
	int r;

	if (d->failed)
		return STREAM_ERROR;
	if (d->in_end)
		return 0;
	if (d->zin.avail_in == 0 && !d->inflate_full)
		return 0;
	d->zin.next_out = buf;
	d->zin.avail_out = cap;
	r = inflate(&d->zin, Z_SYNC_FLUSH);
	got = cap - d->zin.avail_out;
	d->inflate_full = d->zin.avail_out == 0;
	switch (r) {
	case Z_OK:
	case Z_BUF_ERROR:       /* no progress possible: wants input */
		if (got == 0 && d->zin.avail_in > 0) {
			/* Cannot happen with room to write; never spin. */
			stream_set_error(s, "COMPRESS: inflate is stuck");
			d->failed = 1;
			return STREAM_ERROR;
		}
		return (ssize_t)got;
	case Z_STREAM_END:
		/* A final block: the peer will send nothing more that we
		 * could read. What followed it, if anything, is dropped. */
		d->in_end = 1;
		d->inflate_full = 0;
		return (ssize_t)got;
	case Z_MEM_ERROR:
		stream_set_error(s, "COMPRESS: inflate: out of memory");
		break;
	default:
		stream_set_error(s, "COMPRESS: the client's data is not "
				 "valid DEFLATE: %s", d->zin.msg != NULL ?
				 d->zin.msg : "error");
		break;
	}
	d->failed = 1;
	return STREAM_ERROR;
}

/* Reads compressed bytes from below into the empty input buffer.
 * Returns what the lower read returned. */
static ssize_t
fill(struct stream *s, struct deflate_layer *d, int timeout_ms)
{
	ssize_t n;

	n = d->lower.ops->read(&d->lower, d->in, d->in_size, timeout_ms);
	if (n > 0) {
		d->zin.next_in = d->in;
		d->zin.avail_in = (uInt)n;
		d->wire_in += (uint64_t)n;
	} else if (n == STREAM_ERROR) {
		lower_error(s, d);
	}
	return n;
}

static ssize_t
deflate_read(struct stream *s, void *buf, size_t len, int timeout_ms)
{
	struct deflate_layer *d = s->ctx;
	long long deadline = timeout_ms < 0 ? -1 : clock_ms() + timeout_ms;
	ssize_t n;

	if (len == 0)
		return 0;
	if (d->held_pos < d->held_len) {
		n = (ssize_t)(d->held_len - d->held_pos);
		if ((size_t)n > len)
			n = (ssize_t)len;
		memcpy(buf, d->held + d->held_pos, (size_t)n);
		d->held_pos += (size_t)n;
		return n;
	}
	for (;;) {
		n = inflate_some(s, d, buf, len);
		if (n != 0)
			return n;
		if (d->in_end)
			return STREAM_EOF;
		if (d->lower_ended)
			return d->lower_end;
		/* A read of only flush markers inflates to nothing: read on
		 * until the deadline. */
		n = fill(s, d, time_left(deadline));
		if (n <= 0)
			return n;
	}
}

/* 1 when a read would return at once: held bytes, bytes zlib can
 * produce now, or an end or error to report. */
static int
input_ready(struct stream *s, struct deflate_layer *d)
{
	ssize_t n;

	if (d->held_pos < d->held_len || d->lower_ended || d->failed ||
	    d->in_end)
		return 1;
	n = inflate_some(s, d, d->held, sizeof(d->held));
	d->held_pos = 0;
	d->held_len = n > 0 ? (size_t)n : 0;
	return n != 0 || d->in_end;
}

static int
deflate_wait(struct stream *s, int extra_fd, int timeout_ms)
{
	struct deflate_layer *d = s->ctx;
	long long deadline = timeout_ms < 0 ? -1 : clock_ms() + timeout_ms;
	int r, extra = 0;
	ssize_t n;

	for (;;) {
		if (input_ready(s, d))
			return STREAM_WAIT_INPUT | extra;
		if (extra)
			return extra;
		if (d->lower.ops->wait == NULL)
			return STREAM_WAIT_INPUT;
		r = d->lower.ops->wait(&d->lower, extra_fd,
				       time_left(deadline));
		if (r == STREAM_ERROR)
			lower_error(s, d);
		if (r < 0)
			return r;
		extra = r & STREAM_WAIT_EXTRA;
		if (r & STREAM_WAIT_INPUT) {
			n = fill(s, d, 0);
			if (n == STREAM_EOF || n == STREAM_ERROR) {
				d->lower_ended = 1;
				d->lower_end = n;
			}
			/* STREAM_TIMEOUT: a TLS record not yet whole. */
		}
		if (!extra && time_left(deadline) == 0 && !input_ready(s, d))
			return STREAM_TIMEOUT;
	}
}

/* Writes the gathered compressed output below. */
static int
put_out(struct stream *s, struct deflate_layer *d)
{
	if (d->out_len == 0)
		return 0;
	if (d->lower.ops->write(&d->lower, d->out, d->out_len) < 0) {
		lower_error(s, d);
		d->failed = 1;
		return STREAM_ERROR;
	}
	d->wire_out += d->out_len;
	d->out_len = 0;
	return 0;
}

/* Runs len bytes through deflate with mode (Z_NO_FLUSH, Z_SYNC_FLUSH),
 * writing below whenever the output buffer fills. */
static int
deflate_some(struct stream *s, struct deflate_layer *d, const void *data,
	     size_t len, int mode)
{
	const unsigned char *p = data;
	uInt chunk;
	int r;

	if (d->failed)
		return STREAM_ERROR;
	do {
		chunk = len > UINT_MAX ? UINT_MAX : (uInt)len;
		d->zout.next_in = (unsigned char *)p;
		d->zout.avail_in = chunk;
		if (chunk > 0) {
			p += chunk;
			len -= chunk;
		}
		do {
			if (d->out_len == OUT_SIZE && put_out(s, d) < 0)
				return STREAM_ERROR;
			d->zout.next_out = d->out + d->out_len;
			d->zout.avail_out = (uInt)(OUT_SIZE - d->out_len);
			r = deflate(&d->zout, len == 0 ? mode : Z_NO_FLUSH);
			d->out_len = OUT_SIZE - d->zout.avail_out;
			if (r != Z_OK && r != Z_BUF_ERROR) {
				stream_set_error(s, "COMPRESS: deflate failed "
						 "(%d)", r);
				d->failed = 1;
				return STREAM_ERROR;
			}
		} while (d->zout.avail_in > 0 || d->zout.avail_out == 0);
	} while (len > 0);
	return 0;
}

static int
deflate_write(struct stream *s, const void *data, size_t len)
{
	struct deflate_layer *d = s->ctx;

	if (len == 0)
		return 0;
	d->dirty = 1;
	return deflate_some(s, d, data, len, Z_NO_FLUSH);
}

static int
deflate_flush(struct stream *s)
{
	struct deflate_layer *d = s->ctx;

	if (d->failed)
		return STREAM_ERROR;
	if (d->dirty) {
		if (deflate_some(s, d, NULL, 0, Z_SYNC_FLUSH) < 0)
			return STREAM_ERROR;
		d->dirty = 0;
	}
	return put_out(s, d);
}

static const char *
deflate_security(struct stream *s)
{
	struct deflate_layer *d = s->ctx;

	return d->lower.ops->security != NULL ?
	       d->lower.ops->security(&d->lower) : NULL;
}

static const char *
deflate_compression(struct stream *s)
{
	(void)s;
	return "DEFLATE";
}

static void
deflate_destroy(struct stream *s)
{
	struct deflate_layer *d = s->ctx;

	log_debug("compress: DEFLATE wire in=%llu out=%llu since COMPRESS "
		  "(session in=%llu out=%llu uncompressed)",
		  (unsigned long long)d->wire_in,
		  (unsigned long long)d->wire_out,
		  (unsigned long long)s->bytes_in,
		  (unsigned long long)s->bytes_out);
	inflateEnd(&d->zin);
	deflateEnd(&d->zout);
	if (d->lower.ops->destroy != NULL)
		d->lower.ops->destroy(&d->lower);
	free(d->in);
	free(d);
}

static const struct stream_ops deflate_ops = {
	.read = deflate_read,
	.write = deflate_write,
	.start_tls = NULL,      /* TLS would have to go underneath */
	.security = deflate_security,
	.destroy = deflate_destroy,
	.wait = deflate_wait,
	.flush = deflate_flush,
	.start_deflate = NULL,  /* once is enough */
	.compression = deflate_compression,
};

int
deflate_stream_start(struct stream *s, const void *pending, size_t len)
{
	struct deflate_layer *d;

	if (s->ops == &deflate_ops) {
		stream_set_error(s, "COMPRESS: DEFLATE is already active");
		return -1;
	}
	if (s->out.len != 0) {
		stream_set_error(s, "COMPRESS: output not flushed");
		return -1;
	}
	d = xcalloc(1, sizeof(*d));
	d->in_size = len > IN_SIZE ? len : IN_SIZE;
	d->in = xmalloc(d->in_size);
	if (inflateInit2(&d->zin, DEFLATE_WBITS) != Z_OK) {
		stream_set_error(s, "COMPRESS: inflateInit2: %s",
				 d->zin.msg != NULL ? d->zin.msg : "failed");
		goto fail;
	}
	if (deflateInit2(&d->zout, DEFLATE_LEVEL, Z_DEFLATED, DEFLATE_WBITS,
			 DEFLATE_MEMLEVEL, Z_DEFAULT_STRATEGY) != Z_OK) {
		stream_set_error(s, "COMPRESS: deflateInit2: %s",
				 d->zout.msg != NULL ? d->zout.msg : "failed");
		inflateEnd(&d->zin);
		goto fail;
	}
	if (len > 0)
		memcpy(d->in, pending, len);
	d->zin.next_in = d->in;
	d->zin.avail_in = (uInt)len;
	/* The pending bytes were counted as read when they came; they
	 * were compressed bytes, not the session's. */
	d->wire_in = len;
	s->bytes_in -= len <= s->bytes_in ? len : s->bytes_in;
	d->lower.ops = s->ops;
	d->lower.ctx = s->ctx;
	s->ops = &deflate_ops;
	s->ctx = d;
	return 0;
fail:
	free(d->in);
	free(d);
	return -1;
}

int
deflate_stream_wire(const struct stream *s, uint64_t *in_r, uint64_t *out_r)
{
	const struct deflate_layer *d;

	if (s->ops != &deflate_ops)
		return -1;
	d = s->ctx;
	*in_r = d->wire_in;
	*out_r = d->wire_out;
	return 0;
}
