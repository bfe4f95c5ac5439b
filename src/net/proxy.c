/* src/net/proxy.c — parsing the PROXY protocol header, versions 1 and 2.
 *
 * The header is the first thing on a connection from a load balancer:
 *
 *   v1  "PROXY TCP4 192.0.2.1 198.51.100.7 51234 143\r\n"  (at most 107
 *       bytes; "PROXY UNKNOWN ...\r\n" when the proxy cannot tell)
 *   v2  12-byte signature, version 2 and command (LOCAL or PROXY), family
 *       and transport, a 16-bit length, then that many bytes: the address
 *       block (12 bytes for TCP/IPv4, 36 for TCP/IPv6) and TLVs.
 *
 * Two things make it delicate. It is read as root, by the listener, from
 * a peer we only trust to be a proxy, so every length is checked before
 * it is used and the whole header is bounded (PROXY_HEADER_MAX). And the
 * bytes after it belong to someone else: a TLS ClientHello for an
 * implicit-TLS listener, or a client's IMAP command that the proxy passed
 * on at once. So the parser says, for an incomplete header, that every
 * byte seen so far is header (v1 cannot end before its CR LF, v2 not
 * before 16 + length), and proxy_read peeks (MSG_PEEK) and then takes
 * from the socket exactly the bytes the parser has vouched for.
 *
 * Strictness follows the spec: "any sequence which does not exactly match
 * the protocol must be discarded and cause the receiver to abort the
 * connection". v1 numbers are canonical (no leading zeros), a lone CR or
 * LF does not end the line; v2 TLVs must tile the rest of the header, and
 * a CRC32C TLV must match. LOCAL (v2) and UNKNOWN (v1) keep the socket's
 * own addresses, as do the v2 families the spec lets a receiver fall back
 * from (AF_UNSPEC, AF_UNIX, UDP). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "net/proxy.h"

static const unsigned char v2_signature[12] = {
	0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a
};
static const char v1_prefix[] = "PROXY ";

#define V2_CMD_LOCAL 0x0
#define V2_CMD_PROXY 0x1
#define PP2_TYPE_CRC32C 0x03

/* --- version 1 ------------------------------------------------------ */

/* A field of a v1 line: bytes up to the next space or the end. */
struct field {
	const char *p;
	size_t len;
};

/* Splits line[0..len) at single spaces into at most max fields. Returns
 * the count, or -1 for an empty field (two spaces, or a space at either
 * end) or more than max fields. */
static int
split_fields(const char *line, size_t len, struct field *f, int max)
{
	int n = 0;
	size_t start = 0;

	for (size_t i = 0; i <= len; i++) {
		if (i < len && line[i] != ' ')
			continue;
		if (i == start || n == max)
			return -1;
		f[n].p = line + start;
		f[n].len = i - start;
		n++;
		start = i + 1;
	}
	return n;
}

/* A decimal number of 1 to max_digits digits without a leading zero (but
 * "0" itself), at most max. Returns 0 or -1. */
static int
canonical_number(const struct field *f, size_t max_digits, unsigned long max,
		 unsigned long *value_r)
{
	unsigned long v = 0;

	if (f->len == 0 || f->len > max_digits ||
	    (f->len > 1 && f->p[0] == '0'))
		return -1;
	for (size_t i = 0; i < f->len; i++) {
		if (f->p[i] < '0' || f->p[i] > '9')
			return -1;
		v = v * 10 + (unsigned long)(f->p[i] - '0');
	}
	if (v > max)
		return -1;
	*value_r = v;
	return 0;
}

/* Four dot-separated canonical numbers up to 255. inet_pton is not used:
 * what it allows differs between C libraries. */
static int
parse_v1_ipv4(const struct field *f, struct in_addr *a)
{
	unsigned char b[4];
	struct field part;
	size_t i = 0;
	unsigned long v;

	for (int n = 0; n < 4; n++) {
		part.p = f->p + i;
		part.len = 0;
		while (i < f->len && f->p[i] != '.') {
			i++;
			part.len++;
		}
		if (canonical_number(&part, 3, 255, &v) < 0)
			return -1;
		b[n] = (unsigned char)v;
		if (n < 3) {
			if (i == f->len)
				return -1;
			i++;            /* the dot */
		}
	}
	if (i != f->len)
		return -1;
	memcpy(a, b, 4);
	return 0;
}

static int
parse_v1_ipv6(const struct field *f, struct in6_addr *a)
{
	char host[INET6_ADDRSTRLEN];

	if (f->len >= sizeof(host))
		return -1;
	for (size_t i = 0; i < f->len; i++) {
		char c = f->p[i];

		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
		      (c >= 'A' && c <= 'F') || c == ':' || c == '.'))
			return -1;
	}
	memcpy(host, f->p, f->len);
	host[f->len] = '\0';
	return inet_pton(AF_INET6, host, a) == 1 ? 0 : -1;
}

static int
set_v1_address(const struct field *host, unsigned long port, int v6,
	       struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (v6) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		return parse_v1_ipv6(host, &sin6->sin6_addr);
	}
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;

	sin->sin_family = AF_INET;
	sin->sin_port = htons((uint16_t)port);
	return parse_v1_ipv4(host, &sin->sin_addr);
}

/* The fields of a complete line, without "PROXY " and CR LF. */
static enum proxy_status
parse_v1_line(const char *line, size_t len, struct proxy_info *info,
	      const char **err_r)
{
	struct field f[5];
	unsigned long sport, dport;
	int n, v6;

	/* UNKNOWN: "the receiver must ignore anything presented before the
	 * CRLF is found". */
	if (len >= 7 && memcmp(line, "UNKNOWN", 7) == 0 &&
	    (len == 7 || line[7] == ' ')) {
		info->proxied = 0;
		return PROXY_OK;
	}
	if (!(len >= 5 && line[4] == ' ' && (memcmp(line, "TCP4", 4) == 0 ||
					      memcmp(line, "TCP6", 4) == 0))) {
		*err_r = "v1: the protocol is not TCP4, TCP6 or UNKNOWN";
		return PROXY_BAD;
	}
	n = split_fields(line, len, f, 5);
	if (n != 5) {
		*err_r = "v1: want protocol, two addresses and two ports, "
			 "separated by single spaces";
		return PROXY_BAD;
	}
	v6 = f[0].p[3] == '6';
	if (canonical_number(&f[3], 5, 65535, &sport) < 0 ||
	    canonical_number(&f[4], 5, 65535, &dport) < 0) {
		*err_r = "v1: a port is not a number from 0 to 65535 "
			 "without leading zeros";
		return PROXY_BAD;
	}
	if (set_v1_address(&f[1], sport, v6, &info->src) < 0 ||
	    set_v1_address(&f[2], dport, v6, &info->dst) < 0) {
		*err_r = v6 ? "v1: an address is not a valid IPv6 address"
			    : "v1: an address is not a canonical IPv4 address";
		return PROXY_BAD;
	}
	info->proxied = 1;
	return PROXY_OK;
}

static enum proxy_status
parse_v1(const unsigned char *buf, size_t len, struct proxy_info *info,
	 const char **err_r)
{
	size_t n = len < sizeof(v1_prefix) - 1 ? len : sizeof(v1_prefix) - 1;
	size_t scan = len < PROXY_V1_MAX ? len : PROXY_V1_MAX;

	if (memcmp(buf, v1_prefix, n) != 0) {
		*err_r = "not a PROXY protocol header";
		return PROXY_BAD;
	}
	info->version = 1;
	for (size_t i = 0; i < scan; i++) {
		if (buf[i] == '\n') {
			*err_r = "v1: LF without CR";
			return PROXY_BAD;
		}
		if (buf[i] == '\r') {
			if (i + 1 == PROXY_V1_MAX) {
				*err_r = "v1: line longer than 107 bytes";
				return PROXY_BAD;
			}
			if (i + 1 == len)
				return PROXY_NEED_MORE;
			if (buf[i + 1] != '\n') {
				*err_r = "v1: CR without LF";
				return PROXY_BAD;
			}
			info->length = i + 2;
			return parse_v1_line((const char *)buf + 6, i - 6,
					     info, err_r);
		}
		if (buf[i] < 0x20 || buf[i] > 0x7e) {
			*err_r = "v1: a byte that is not printable US-ASCII";
			return PROXY_BAD;
		}
	}
	if (len >= PROXY_V1_MAX) {
		*err_r = "v1: no CR LF within 107 bytes";
		return PROXY_BAD;
	}
	return PROXY_NEED_MORE;
}

/* --- version 2 ------------------------------------------------------ */

/* CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), as RFC 4960
 * appendix B; bitwise, since a header is a few hundred bytes at most. */
static uint32_t
crc32c_update(uint32_t crc, const unsigned char *p, size_t n)
{
	while (n-- > 0) {
		crc ^= *p++;
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0x82f63b78u & (0u - (crc & 1u)));
	}
	return crc;
}

/* Checks the CRC32C TLV whose 4-byte value is at value: the checksum of
 * the whole header with those 4 bytes taken as zeros (spec 2.2.3). */
static int
crc32c_matches(const unsigned char *hdr, size_t len,
	       const unsigned char *value)
{
	static const unsigned char zeros[4];
	size_t before = (size_t)(value - hdr);
	uint32_t crc = 0xffffffffu, want;

	crc = crc32c_update(crc, hdr, before);
	crc = crc32c_update(crc, zeros, 4);
	crc = crc32c_update(crc, value + 4, len - before - 4);
	crc = ~crc;
	want = (uint32_t)value[0] << 24 | (uint32_t)value[1] << 16 |
	       (uint32_t)value[2] << 8 | value[3];
	return crc == want;
}

/* Length of the address block for a family/transport byte, or -1 for a
 * byte the spec does not define. */
static int
v2_address_length(unsigned char fam)
{
	switch (fam) {
	case 0x00: return 0;            /* AF_UNSPEC */
	case 0x11: case 0x12: return 12; /* TCP, UDP over IPv4 */
	case 0x21: case 0x22: return 36; /* TCP, UDP over IPv6 */
	case 0x31: case 0x32: return 216; /* AF_UNIX stream, datagram */
	default: return -1;
	}
}

/* Walks the TLVs of hdr[from..len): each must fit, and together they
 * must fill the header to its end. */
static enum proxy_status
check_tlvs(const unsigned char *hdr, size_t from, size_t len,
	   const char **err_r)
{
	size_t off = from, vlen;

	while (off < len) {
		if (len - off < 3) {
			*err_r = "v2: bytes after the last TLV that are not a TLV";
			return PROXY_BAD;
		}
		vlen = (size_t)hdr[off + 1] << 8 | hdr[off + 2];
		if (vlen > len - off - 3) {
			*err_r = "v2: a TLV is longer than the header";
			return PROXY_BAD;
		}
		if (hdr[off] == PP2_TYPE_CRC32C) {
			if (vlen != 4) {
				*err_r = "v2: a CRC32C TLV is not 4 bytes";
				return PROXY_BAD;
			}
			if (!crc32c_matches(hdr, len, hdr + off + 3)) {
				*err_r = "v2: CRC32C mismatch";
				return PROXY_BAD;
			}
		}
		off += 3 + vlen;
	}
	return PROXY_OK;
}

static void
set_v2_addresses(const unsigned char *a, unsigned char fam,
		 struct proxy_info *info)
{
	memset(&info->src, 0, sizeof(info->src));
	memset(&info->dst, 0, sizeof(info->dst));
	if (fam == 0x11) {
		struct sockaddr_in *s = (struct sockaddr_in *)&info->src;
		struct sockaddr_in *d = (struct sockaddr_in *)&info->dst;

		s->sin_family = d->sin_family = AF_INET;
		memcpy(&s->sin_addr, a, 4);
		memcpy(&d->sin_addr, a + 4, 4);
		memcpy(&s->sin_port, a + 8, 2);
		memcpy(&d->sin_port, a + 10, 2);
	} else {
		struct sockaddr_in6 *s = (struct sockaddr_in6 *)&info->src;
		struct sockaddr_in6 *d = (struct sockaddr_in6 *)&info->dst;

		s->sin6_family = d->sin6_family = AF_INET6;
		memcpy(&s->sin6_addr, a, 16);
		memcpy(&d->sin6_addr, a + 16, 16);
		memcpy(&s->sin6_port, a + 32, 2);
		memcpy(&d->sin6_port, a + 34, 2);
	}
}

static enum proxy_status
parse_v2(const unsigned char *buf, size_t len, struct proxy_info *info,
	 const char **err_r)
{
	size_t n = len < sizeof(v2_signature) ? len : sizeof(v2_signature);
	size_t total;
	int cmd = -1, alen = 0;

	if (memcmp(buf, v2_signature, n) != 0) {
		*err_r = "not a PROXY protocol header";
		return PROXY_BAD;
	}
	info->version = 2;
	if (len >= 13) {
		if (buf[12] >> 4 != 2) {
			*err_r = "v2: the version is not 2";
			return PROXY_BAD;
		}
		cmd = buf[12] & 0x0f;
		if (cmd != V2_CMD_LOCAL && cmd != V2_CMD_PROXY) {
			*err_r = "v2: the command is neither LOCAL nor PROXY";
			return PROXY_BAD;
		}
	}
	/* LOCAL ignores the family, whatever it says (spec 2.2). */
	if (len >= 14 && cmd == V2_CMD_PROXY &&
	    (alen = v2_address_length(buf[13])) < 0) {
		*err_r = "v2: unknown address family or transport";
		return PROXY_BAD;
	}
	if (len < PROXY_V2_FIXED)
		return PROXY_NEED_MORE;
	total = PROXY_V2_FIXED + ((size_t)buf[14] << 8 | buf[15]);
	if (total > PROXY_HEADER_MAX) {
		*err_r = "v2: header longer than skua takes (4096 bytes)";
		return PROXY_BAD;
	}
	if (cmd == V2_CMD_PROXY && total < PROXY_V2_FIXED + (size_t)alen) {
		*err_r = "v2: the length is too short for the address family";
		return PROXY_BAD;
	}
	if (len < total)
		return PROXY_NEED_MORE;

	info->length = total;
	info->local_command = cmd == V2_CMD_LOCAL;
	if (cmd == V2_CMD_LOCAL || buf[13] == 0x00)
		return PROXY_OK;        /* the addresses, if any, are ignored */
	if (check_tlvs(buf, PROXY_V2_FIXED + (size_t)alen, total, err_r) != PROXY_OK)
		return PROXY_BAD;
	if (buf[13] == 0x11 || buf[13] == 0x21) {
		set_v2_addresses(buf + PROXY_V2_FIXED, buf[13], info);
		info->proxied = 1;
	}
	return PROXY_OK;
}

/* --- entry points ---------------------------------------------------- */

enum proxy_status
proxy_parse(const unsigned char *buf, size_t len, struct proxy_info *info,
	    const char **err_r)
{
	memset(info, 0, sizeof(*info));
	if (len == 0)
		return PROXY_NEED_MORE;
	if (buf[0] == v1_prefix[0])
		return parse_v1(buf, len, info, err_r);
	if (buf[0] == v2_signature[0])
		return parse_v2(buf, len, info, err_r);
	*err_r = "not a PROXY protocol header";
	return PROXY_BAD;
}

/* Takes n bytes that proxy_read has already peeked at off the socket. */
static int
consume(int fd, unsigned char *to, size_t n)
{
	ssize_t got;

	while (n > 0) {
		got = recv(fd, to, n, MSG_DONTWAIT);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			return -1;
		to += got;
		n -= (size_t)got;
	}
	return 0;
}

enum proxy_status
proxy_read(int fd, unsigned char *buf, size_t *have,
	   struct proxy_info *info, const char **err_r)
{
	static char why[96];
	enum proxy_status st;
	ssize_t n;
	size_t take;

	for (;;) {
		if (*have >= PROXY_HEADER_MAX) {
			*err_r = "header longer than skua takes";
			return PROXY_BAD;
		}
		n = recv(fd, buf + *have, PROXY_HEADER_MAX - *have,
			 MSG_PEEK | MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return PROXY_NEED_MORE;
		if (n < 0) {
			snprintf(why, sizeof(why), "read: %s", strerror(errno));
			*err_r = why;
			return PROXY_BAD;
		}
		if (n == 0) {
			*err_r = *have == 0
				? "closed before sending a header"
				: "closed in the middle of the header";
			return PROXY_BAD;
		}
		st = proxy_parse(buf, *have + (size_t)n, info, err_r);
		if (st == PROXY_BAD)
			return st;
		take = st == PROXY_OK ? info->length - *have : (size_t)n;
		if (consume(fd, buf + *have, take) < 0) {
			*err_r = "lost bytes that were there a moment ago";
			return PROXY_BAD;
		}
		*have += take;
		if (st == PROXY_OK)
			return PROXY_OK;
	}
}
