/* include/net/fdstream.h — the stream of a connection: a socket (or
 * inetd's stdin/stdout pair) in the clear, and TLS over it once started.
 *
 * The descriptors are made non-blocking and every wait goes through
 * poll() with a deadline, so that neither a silent client nor one that
 * trickles half a TLS record can hold the process forever. */
#ifndef SKUA_NET_FDSTREAM_H
#define SKUA_NET_FDSTREAM_H

#include <openssl/ssl.h>

#include "util/stream.h"

/* Seconds a write or a TLS handshake may stall before the stream fails,
 * unless fdstream_set_io_timeout says otherwise (write_timeout). */
#define FDSTREAM_IO_TIMEOUT 120

/* Creates a stream reading in_fd and writing out_fd (the same descriptor
 * for a socket). tls is the context STARTTLS will use, or NULL when TLS
 * is not offered; the stream takes a reference. The stream closes the
 * descriptors when freed. */
struct stream *fdstream_new(int in_fd, int out_fd, SSL_CTX *tls);
/* Sets how long (seconds, at least 1) one write may wait for the peer
 * to take bytes, and a TLS handshake may take, on a stream fdstream_new
 * made, before anything is pushed onto it (compression). */
void fdstream_set_io_timeout(struct stream *s, long seconds);

#endif
