/* include/net/deflate.h — DEFLATE compression (RFC 4978 COMPRESS=DEFLATE:
 * raw RFC 1951 data, no zlib header) as a layer pushed onto a stream.
 *
 * The layer takes over the stream's implementation (its ops and ctx move
 * underneath), so it works over a plain descriptor and over TLS alike;
 * RFC 4978 3 wants compression above TLS, and that is where it lands.
 * What is read is inflated, what is written is deflated, and every
 * stream_flush ends in a sync flush (Z_SYNC_FLUSH) so the peer can
 * decompress every byte written before it. */
#ifndef SKUA_NET_DEFLATE_H
#define SKUA_NET_DEFLATE_H

#include <stddef.h>
#include <stdint.h>

#include "util/stream.h"

/* Pushes compression onto s. pending/len are bytes already read from s
 * that the peer sent compressed (pipelined behind COMPRESS); they are
 * copied and inflated before anything read later. Fits
 * stream_ops.start_deflate; s's output buffer must be empty (call it
 * through stream_start_deflate, which flushes). Returns 0, or -1 with
 * s->error set and s unchanged. */
int deflate_stream_start(struct stream *s, const void *pending, size_t len);

/* Bytes that crossed the wire under the layer (compressed, before any
 * TLS) since it started; s->bytes_in and s->bytes_out keep counting what
 * the session read and wrote, uncompressed. Returns 0, or -1 when s does
 * not compress. */
int deflate_stream_wire(const struct stream *s, uint64_t *in_r,
			uint64_t *out_r);

#endif
