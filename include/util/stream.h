/* include/util/stream.h — the abstract byte stream a session talks over.
 *
 * The imap layer sees only this interface: never a socket, never an SSL
 * object. net/ implements it for file descriptors and TLS (and later
 * deflate); tests implement it in memory. Output is buffered here and
 * written by flush; input is read straight from the transport into the
 * caller's buffer, so what the parser has not consumed stays with the
 * parser's caller, not hidden in the stream (that matters for STARTTLS:
 * bytes pipelined behind it must be thrown away, RFC 3501 6.2.1).
 *
 * Reads block for at most the timeout given, in milliseconds. */
#ifndef SKUA_UTIL_STREAM_H
#define SKUA_UTIL_STREAM_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "util/buf.h"

#define STREAM_EOF      0
#define STREAM_ERROR   -1
#define STREAM_TIMEOUT -2

/* What stream_wait found ready; both bits may be set. */
#define STREAM_WAIT_INPUT 1
#define STREAM_WAIT_EXTRA 2

struct stream;

struct stream_ops {
	/* Reads up to len bytes, waiting at most timeout_ms (-1: forever).
	 * Returns a count > 0, STREAM_EOF, STREAM_ERROR or STREAM_TIMEOUT. */
	ssize_t (*read)(struct stream *s, void *buf, size_t len, int timeout_ms);
	/* Writes all len bytes. Returns 0 or STREAM_ERROR. */
	int (*write)(struct stream *s, const void *buf, size_t len);
	/* Starts server-side TLS on the transport. NULL when not offered. */
	int (*start_tls)(struct stream *s);
	/* Says whether the transport is encrypted, and describes it
	 * ("TLSv1.3 TLS_AES_256_GCM_SHA384") for the log. NULL if plain. */
	const char *(*security)(struct stream *s);
	void (*destroy)(struct stream *s);
	/* Optional: waits at most timeout_ms (-1: forever) until a read
	 * would not block or, when extra_fd >= 0, extra_fd is readable.
	 * Returns STREAM_WAIT_* bits, STREAM_TIMEOUT or STREAM_ERROR. Input
	 * already decrypted and buffered counts as readable; so do end of
	 * stream and errors, which the next read reports. */
	int (*wait)(struct stream *s, int extra_fd, int timeout_ms);
};

struct stream {
	const struct stream_ops *ops;
	void *ctx;              /* the implementation's state */
	struct buf out;         /* output not yet flushed */
	uint64_t bytes_in;
	uint64_t bytes_out;
	char error[160];        /* why the last call failed */
};

/* Creates a stream over an implementation; ctx belongs to it from now on
 * and is released by ops->destroy. Output buffers up to 64 KiB, then
 * flushes by itself. */
struct stream *stream_new(const struct stream_ops *ops, void *ctx);

ssize_t stream_read(struct stream *s, void *buf, size_t len, int timeout_ms);
/* Waits for input and, at the same time, for another descriptor (IDLE's
 * change notification): see stream_ops.wait. A stream without the wait
 * operation answers STREAM_WAIT_INPUT at once, so that the caller's next
 * read does the waiting (give it a short timeout) and extra_fd is looked
 * at only between reads: the caller polls. */
int  stream_wait(struct stream *s, int extra_fd, int timeout_ms);
/* Buffers output; flushes when the buffer is full. Returns 0 or -1. */
int  stream_write(struct stream *s, const void *data, size_t len);
int  stream_puts(struct stream *s, const char *str);
int  stream_printf(struct stream *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Writes out everything buffered. Returns 0 or -1. */
int  stream_flush(struct stream *s);
/* Flushes, then starts TLS. Returns 0, or -1 with s->error set. */
int  stream_start_tls(struct stream *s);
/* 1 if the stream can start TLS now, 0 if not. */
int  stream_can_tls(const struct stream *s);
/* Protocol and cipher when encrypted, NULL when plain. */
const char *stream_security(struct stream *s);
/* Records why a call failed, for the implementations. */
void stream_set_error(struct stream *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void stream_free(struct stream **s);

#endif
