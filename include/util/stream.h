/* include/util/stream.h — the abstract byte stream a session talks over.
 *
 * The imap layer sees only this interface: never a socket, never an SSL
 * object. net/ implements it for file descriptors and TLS, and DEFLATE
 * compression (RFC 4978) as a layer pushed onto either; tests implement
 * it in memory. Output is buffered here and written by flush; input is
 * read straight from the transport into the caller's buffer, so what the
 * parser has not consumed stays with the parser's caller, not hidden in
 * the stream (that matters for STARTTLS: bytes pipelined behind it must
 * be thrown away, RFC 3501 6.2.1; and for COMPRESS, whose pipelined bytes
 * are handed to the decompressor, see stream_start_deflate).
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
	/* Optional: a flush point. stream_flush calls it after handing the
	 * buffered output to write; an implementation that holds output
	 * back (a compressor) sends all of it now. Returns 0 or
	 * STREAM_ERROR. */
	int (*flush)(struct stream *s);
	/* Pushes DEFLATE compression (RFC 4978) onto the stream, which
	 * then reads and writes through it; pending is input already read
	 * from the transport that belongs to the compressed side. NULL
	 * when not offered (and once compression runs). Returns 0, or -1
	 * with the stream unchanged and s->error set. */
	int (*start_deflate)(struct stream *s, const void *pending,
			     size_t len);
	/* "DEFLATE" while compression runs; NULL (or no function) when not. */
	const char *(*compression)(struct stream *s);
	/* Optional: TLS will not start on this stream any more (the
	 * session logged in). The transport lets go of what only a
	 * handshake needs: the server's private key. */
	void (*end_tls_offer)(struct stream *s);
};

/* Sees the bytes the session reads (output 0) and writes (output 1),
 * as bytes_in and bytes_out count them: above TLS and compression, in
 * the order the session read them and handed them to stream_write. */
typedef void stream_tap_fn(void *tap_ctx, int output, const void *buf,
			   size_t len);

struct stream {
	const struct stream_ops *ops;
	void *ctx;              /* the implementation's state */
	stream_tap_fn *tap;     /* NULL, or see stream_set_tap */
	void *tap_ctx;
	struct buf out;         /* output not yet flushed */
	uint64_t bytes_in;       /* as the session read and wrote them: */
	uint64_t bytes_out;      /* before encryption and compression */
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
/* Buffers output; writes it on when the buffer is full (that is not a
 * flush point: a compressor may keep some). Returns 0 or -1. */
int  stream_write(struct stream *s, const void *data, size_t len);
int  stream_puts(struct stream *s, const char *str);
int  stream_printf(struct stream *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Writes out everything buffered, through every layer, so the peer can
 * read all of it now. Returns 0 or -1. */
int  stream_flush(struct stream *s);
/* Flushes, then starts TLS. Returns 0, or -1 with s->error set. */
int  stream_start_tls(struct stream *s);
/* 1 if the stream can start TLS now, 0 if not. */
int  stream_can_tls(const struct stream *s);
/* No TLS will be started from now on (STARTTLS is for the not
 * authenticated state only, RFC 3501 6.2.1): the transport forgets the
 * server's private key, and stream_can_tls says 0. */
void stream_end_tls_offer(struct stream *s);
/* Protocol and cipher when encrypted, NULL when plain. */
const char *stream_security(struct stream *s);
/* Flushes, then compresses both directions from here on (RFC 4978).
 * pending/len: bytes read from the stream but not consumed, which the
 * peer sent after it switched; they are decompressed before anything
 * read later. Returns 0, or -1 with s->error set (the stream is then as
 * it was, the flushed output gone out). */
int  stream_start_deflate(struct stream *s, const void *pending, size_t len);
/* 1 if compression can start now, 0 if not (not offered, or running). */
int  stream_can_deflate(const struct stream *s);
/* The compression running ("DEFLATE"), NULL when none. */
const char *stream_compression(struct stream *s);
/* Installs a tap (a protocol trace, imap/rawlog.h) that sees every
 * byte read or written from now on; fn NULL removes it. */
void stream_set_tap(struct stream *s, stream_tap_fn *fn, void *ctx);
/* Records why a call failed, for the implementations. */
void stream_set_error(struct stream *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void stream_free(struct stream **s);

#endif
