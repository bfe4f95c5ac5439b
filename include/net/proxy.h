/* include/net/proxy.h — the PROXY protocol header (HAProxy, versions 1 and
 * 2) that a load balancer puts in front of a connection to say who the
 * client really is.
 *
 * The parser works on bytes and never reads a socket; proxy_read feeds it
 * from a non-blocking socket without taking one byte beyond the header, so
 * that what follows (TLS or IMAP) is left for the session. Which listeners
 * expect a header, and from which addresses it is believed, is the
 * listener's business (net/listener.h). Spec: /work/shared/rfc/
 * proxy-protocol.txt, "The PROXY protocol, versions 1 & 2". */
#ifndef SKUA_NET_PROXY_H
#define SKUA_NET_PROXY_H

#include <stddef.h>
#include <sys/socket.h>

#define PROXY_V1_MAX 107        /* a v1 line, CRLF included (spec 2.1) */
#define PROXY_V2_FIXED 16       /* signature, ver/cmd, family, length */
/* Longest v2 header taken, TLVs included. The spec allows 16 + 65535;
 * what HAProxy sends (addresses, ALPN, authority, SSL, unique id) is a
 * few hundred bytes, so this leaves room and bounds what is kept per
 * connection that has not finished its header. */
#define PROXY_HEADER_MAX 4096
/* How long a proxy has to send the whole header, from accept. The spec
 * asks for at least 3 seconds, to cover a TCP retransmission. */
#define PROXY_HEADER_TIMEOUT_MS 5000

enum proxy_status {
	PROXY_OK,               /* a complete, valid header */
	PROXY_NEED_MORE,        /* valid so far; every byte given is header */
	PROXY_BAD,              /* not a valid header: close the connection */
};

struct proxy_info {
	int version;            /* 1 or 2 */
	/* 1 when the header carries the client: src and dst are set. 0 for
	 * LOCAL (v2: the proxy's own connection, e.g. a health check),
	 * UNKNOWN (v1), and v2 families skua does not take (AF_UNSPEC,
	 * AF_UNIX, UDP): the socket's own addresses stand. */
	int proxied;
	int local_command;      /* v2 LOCAL (else PROXY, or v1) */
	struct sockaddr_storage src;    /* the client */
	struct sockaddr_storage dst;    /* where the client connected to */
	size_t length;          /* bytes of the header, CRLF or TLVs included */
};

/* Parses the header at the start of buf[0..len). With PROXY_OK, *info is
 * filled and info->length bytes make the header (buf may hold more: the
 * protocol after it). With PROXY_NEED_MORE the bytes so far are a valid
 * beginning and all of them belong to the header, so a reader may consume
 * them. With PROXY_BAD, *err_r is a static sentence for the log. Checks:
 * v1 is "PROXY TCP4|TCP6 src dst sport dport\r\n" with canonical numbers
 * (no leading zeros) or "PROXY UNKNOWN ...\r\n", at most 107 bytes, ended
 * by CR LF exactly; v2 has the 12-byte signature, version 2, command
 * LOCAL or PROXY, a known family and transport, an address block as long
 * as its family needs, TLVs that fit the header exactly, a matching
 * CRC32C TLV when one is sent, and at most PROXY_HEADER_MAX bytes. */
enum proxy_status proxy_parse(const unsigned char *buf, size_t len,
			      struct proxy_info *info, const char **err_r);

/* Reads from the non-blocking socket fd what belongs to the header and no
 * more: it peeks at what has arrived, parses buf[0..*have + new), and
 * takes from the socket only the bytes the parser says are header.
 * buf holds PROXY_HEADER_MAX bytes and keeps what was read so far across
 * calls; *have is its length (start at 0). Returns PROXY_OK with *info
 * set, PROXY_NEED_MORE when the socket has nothing more for now (wait
 * for POLLIN and call again), or PROXY_BAD with *err_r set, also when the
 * peer closed or the socket failed. */
enum proxy_status proxy_read(int fd, unsigned char *buf, size_t *have,
			     struct proxy_info *info, const char **err_r);

#endif
