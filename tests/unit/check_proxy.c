/* tests/unit/check_proxy.c — net/proxy: the PROXY protocol header, v1 and
 * v2. Every valid header is also cut at every byte (each cut must be
 * "need more", never an error and never a header), followed by protocol
 * bytes (which must not count as header), and read through a socket one
 * byte at a time with proxy_read, which must leave the bytes after the
 * header in the socket. */
#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net/proxy.h"

#define EXPECT_INT(got, want) do {					\
	long got_ = (got), want_ = (want);				\
	ck_assert_msg(got_ == want_, "%s: got %ld, want %ld",		\
		      #got, got_, want_);				\
} while (0)

#define EXPECT_STR(got, want) do {					\
	const char *got_ = (got), *want_ = (want);			\
	ck_assert_msg(strcmp(got_, want_) == 0,				\
		      "%s: got '%s', want '%s'", #got, got_, want_);	\
} while (0)

static const char *
status_name(enum proxy_status st)
{
	return st == PROXY_OK ? "OK" : st == PROXY_NEED_MORE ? "NEED_MORE"
								: "BAD";
}

/* "host" or "[host]" and ":port" of a parsed address, for comparing. */
static const char *
show(const struct sockaddr_storage *ss)
{
	static char out[2][80];
	static int which;
	char host[INET6_ADDRSTRLEN] = "?";
	char *o = out[which++ % 2];

	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;

		inet_ntop(AF_INET, &sin->sin_addr, host, sizeof(host));
		snprintf(o, 80, "%s:%u", host, ntohs(sin->sin_port));
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ss;

		inet_ntop(AF_INET6, &s6->sin6_addr, host, sizeof(host));
		snprintf(o, 80, "[%s]:%u", host, ntohs(s6->sin6_port));
	} else {
		snprintf(o, 80, "family %d", ss->ss_family);
	}
	return o;
}

/* A header under test: bytes, and what it must parse to. */
struct want {
	int version;
	int proxied;
	int local_command;
	const char *src, *dst;  /* as show() prints them, when proxied */
};

/* Checks hdr[0..len) parses to w; every shorter cut needs more; with
 * bytes after it the length stays len. */
static void
check_valid(const char *what, const unsigned char *hdr, size_t len,
	    const struct want *w)
{
	struct proxy_info info;
	const char *err = NULL;
	unsigned char *more = malloc(len + 32);
	enum proxy_status st;

	ck_assert(more != NULL);
	for (size_t cut = 0; cut < len; cut++) {
		st = proxy_parse(hdr, cut, &info, &err);
		ck_assert_msg(st == PROXY_NEED_MORE,
			      "%s cut at %zu of %zu: got %s (%s), want NEED_MORE",
			      what, cut, len, status_name(st),
			      st == PROXY_BAD ? err : "");
	}
	st = proxy_parse(hdr, len, &info, &err);
	ck_assert_msg(st == PROXY_OK, "%s: got %s (%s), want OK", what,
		      status_name(st), st == PROXY_BAD ? err : "");
	EXPECT_INT(info.length, len);
	EXPECT_INT(info.version, w->version);
	EXPECT_INT(info.proxied, w->proxied);
	EXPECT_INT(info.local_command, w->local_command);
	if (w->proxied) {
		EXPECT_STR(show(&info.src), w->src);
		EXPECT_STR(show(&info.dst), w->dst);
	}
	/* IMAP (or a TLS ClientHello) right behind the header. */
	memcpy(more, hdr, len);
	memcpy(more + len, "a1 CAPABILITY\r\n\x16\x03\x01", 18);
	st = proxy_parse(more, len + 18, &info, &err);
	ck_assert_msg(st == PROXY_OK, "%s + data: got %s, want OK", what,
		      status_name(st));
	EXPECT_INT(info.length, len);
	free(more);
}

static void
check_bad(const char *what, const unsigned char *hdr, size_t len,
	  const char *err_part)
{
	struct proxy_info info;
	const char *err = NULL;
	enum proxy_status st = proxy_parse(hdr, len, &info, &err);

	ck_assert_msg(st == PROXY_BAD, "%s: got %s, want BAD", what,
		      status_name(st));
	ck_assert_msg(err != NULL && strstr(err, err_part) != NULL,
		      "%s: got error '%s', want one with '%s'", what,
		      err ? err : "(none)", err_part);
}

/* --- version 1 ------------------------------------------------------ */

static const struct {
	const char *line;
	struct want w;
} v1_valid[] = {
	{ "PROXY TCP4 192.0.2.1 198.51.100.7 51234 143\r\n",
	  { 1, 1, 0, "192.0.2.1:51234", "198.51.100.7:143" } },
	{ "PROXY TCP4 255.255.255.255 255.255.255.255 65535 65535\r\n",
	  { 1, 1, 0, "255.255.255.255:65535", "255.255.255.255:65535" } },
	{ "PROXY TCP4 0.0.0.0 10.0.0.1 0 0\r\n",
	  { 1, 1, 0, "0.0.0.0:0", "10.0.0.1:0" } },
	{ "PROXY TCP6 2001:db8::5 2001:db8::1 40000 993\r\n",
	  { 1, 1, 0, "[2001:db8::5]:40000", "[2001:db8::1]:993" } },
	{ "PROXY TCP6 ::1 ::1 1 2\r\n",
	  { 1, 1, 0, "[::1]:1", "[::1]:2" } },
	{ "PROXY TCP6 ::ffff:192.0.2.9 ::ffff:192.0.2.10 4 5\r\n",
	  { 1, 1, 0, "[::ffff:192.0.2.9]:4", "[::ffff:192.0.2.10]:5" } },
	/* 104 bytes, the longest TCP6 line. */
	{ "PROXY TCP6 ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff "
	  "FFFF:FFFF:FFFF:FFFF:FFFF:FFFF:FFFF:FFFF 65535 65535\r\n",
	  { 1, 1, 0, "[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535",
	    "[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535" } },
	{ "PROXY UNKNOWN\r\n", { 1, 0, 0, NULL, NULL } },
	/* 107 bytes, the worst case; what follows UNKNOWN is ignored. */
	{ "PROXY UNKNOWN ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff "
	  "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 65535\r\n",
	  { 1, 0, 0, NULL, NULL } },
	{ "PROXY UNKNOWN whatever  it says\r\n", { 1, 0, 0, NULL, NULL } },
};

START_TEST(v1_valid_headers)
{
	const char *line = v1_valid[_i].line;

	check_valid(line, (const unsigned char *)line, strlen(line),
		    &v1_valid[_i].w);
}
END_TEST

START_TEST(v1_longest_lengths)
{
	EXPECT_INT(strlen(v1_valid[1].line), 56);
	EXPECT_INT(strlen(v1_valid[6].line), 104);
	EXPECT_INT(strlen(v1_valid[8].line), 107);
}
END_TEST

static const struct {
	const char *line;
	const char *err;
} v1_bad[] = {
	{ "PROXY TCP4 192.0.2.1 198.51.100.7 51234 143\n", "LF without CR" },
	{ "PROXY TCP4 192.0.2.1 198.51.100.7 51234 143\rX", "CR without LF" },
	{ "PROXY TCP4 192.0.2.1\r\r\n", "CR without LF" },
	{ "PROXY\r\n", "not a PROXY" },
	{ "PROXY \r\n", "protocol" },
	{ "PROXYTCP4 1.2.3.4 1.2.3.4 1 2\r\n", "not a PROXY" },
	{ "proxy TCP4 1.2.3.4 1.2.3.4 1 2\r\n", "not a PROXY" },
	{ "PROXY  TCP4 1.2.3.4 1.2.3.4 1 2\r\n", "protocol" },
	{ "PROXY TCP5 1.2.3.4 1.2.3.4 1 2\r\n", "protocol" },
	{ "PROXY TCP4\r\n", "protocol" },
	{ "PROXY tcp4 1.2.3.4 1.2.3.4 1 2\r\n", "protocol" },
	{ "PROXY UNKNOWNX\r\n", "protocol" },
	{ "PROXY UDP4 1.2.3.4 1.2.3.4 1 2\r\n", "protocol" },
	{ "PROXY TCP4 1.2.3.4 1.2.3.4 1\r\n", "single spaces" },
	{ "PROXY TCP4 1.2.3.4 1.2.3.4 1 2 3\r\n", "single spaces" },
	{ "PROXY TCP4 1.2.3.4  1.2.3.4 1 2\r\n", "single spaces" },
	{ "PROXY TCP4 1.2.3.4 1.2.3.4 1 2 \r\n", "single spaces" },
	{ "PROXY TCP4 1.2.3.4 1.2.3.4 01 2\r\n", "port" },
	{ "PROXY TCP4 1.2.3.4 1.2.3.4 1 65536\r\n", "port" },
	{ "PROXY TCP4 1.2.3.4 1.2.3.4 1 -1\r\n", "port" },
	{ "PROXY TCP4 1.2.3.4 1.2.3.4 1 0x10\r\n", "port" },
	{ "PROXY TCP4 1.2.3.4 1.2.3.4 1 100000\r\n", "port" },
	{ "PROXY TCP4 01.2.3.4 1.2.3.4 1 2\r\n", "IPv4" },
	{ "PROXY TCP4 1.2.3.256 1.2.3.4 1 2\r\n", "IPv4" },
	{ "PROXY TCP4 1.2.3 1.2.3.4 1 2\r\n", "IPv4" },
	{ "PROXY TCP4 1.2.3.4.5 1.2.3.4 1 2\r\n", "IPv4" },
	{ "PROXY TCP4 1.2.3. 1.2.3.4 1 2\r\n", "IPv4" },
	{ "PROXY TCP4 1..3.4 1.2.3.4 1 2\r\n", "IPv4" },
	{ "PROXY TCP4 ::1 1.2.3.4 1 2\r\n", "IPv4" },
	{ "PROXY TCP4 1.2.3.4 host 1 2\r\n", "IPv4" },
	{ "PROXY TCP6 1.2.3.4 ::1 1 2\r\n", "IPv6" },
	{ "PROXY TCP6 ::1 ::1::2 1 2\r\n", "IPv6" },
	{ "PROXY TCP6 ::1 fe80::1%eth0 1 2\r\n", "IPv6" },
	{ "PROXY TCP6 ::1 12345::1 1 2\r\n", "IPv6" },
	{ "PROXY TCP4 1.2.3.4 1.2.3.4 1 2\t\r\n", "printable" },
	{ "PROXY TCP4 1.2.3.4 1.2.3.4 1 \xc3\xa9\r\n", "printable" },
	{ "PROXY UNKNOWN \x01\r\n", "printable" },
	{ "GET / HTTP/1.0\r\n", "not a PROXY" },
	{ "a1 LOGIN alice secret\r\n", "not a PROXY" },
	{ "\x16\x03\x01\x02\x00\x01", "not a PROXY" },
	{ "PRO\n", "not a PROXY" },
};

START_TEST(v1_bad_headers)
{
	const char *line = v1_bad[_i].line;

	check_bad(line, (const unsigned char *)line, strlen(line),
		  v1_bad[_i].err);
}
END_TEST

/* No CR LF in the first 107 bytes, or one that ends past them. */
START_TEST(v1_oversize)
{
	char line[200];

	memset(line, 'x', sizeof(line));
	memcpy(line, "PROXY UNKNOWN ", 14);
	check_bad("107 bytes without CRLF", (unsigned char *)line, 107,
		  "107");
	check_bad("200 bytes without CRLF", (unsigned char *)line, 200,
		  "107");
	/* 108 bytes with the CRLF at the end: one too many. */
	memcpy(line + 106, "\r\n", 2);
	check_bad("108-byte line", (unsigned char *)line, 108, "107");
	/* 107 with it: fine. */
	memcpy(line + 105, "\r\n", 2);
	struct want w = { 1, 0, 0, NULL, NULL };
	check_valid("107-byte line", (unsigned char *)line, 107, &w);
}
END_TEST

/* --- version 2 ------------------------------------------------------ */

static const unsigned char sig[12] = {
	0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a
};

/* A v2 header being built. */
struct v2 {
	unsigned char b[PROXY_HEADER_MAX + 64];
	size_t len;
};

static void
v2_start(struct v2 *h, unsigned char ver_cmd, unsigned char fam)
{
	memcpy(h->b, sig, 12);
	h->b[12] = ver_cmd;
	h->b[13] = fam;
	h->len = 16;
}

static void
v2_add(struct v2 *h, const void *p, size_t n)
{
	ck_assert(h->len + n <= sizeof(h->b));
	memcpy(h->b + h->len, p, n);
	h->len += n;
}

static void
v2_tlv(struct v2 *h, unsigned char type, const void *value, size_t n)
{
	unsigned char t[3] = { type, (unsigned char)(n >> 8),
			       (unsigned char)n };

	v2_add(h, t, 3);
	v2_add(h, value, n);
}

/* Sets the length field to what was added after the fixed part. */
static void
v2_finish(struct v2 *h)
{
	size_t n = h->len - 16;

	h->b[14] = (unsigned char)(n >> 8);
	h->b[15] = (unsigned char)n;
}

static void
v2_tcp4(struct v2 *h, const char *src, const char *dst, uint16_t sport,
	uint16_t dport)
{
	struct in_addr a;
	uint16_t p;

	v2_start(h, 0x21, 0x11);
	inet_pton(AF_INET, src, &a);
	v2_add(h, &a, 4);
	inet_pton(AF_INET, dst, &a);
	v2_add(h, &a, 4);
	p = htons(sport);
	v2_add(h, &p, 2);
	p = htons(dport);
	v2_add(h, &p, 2);
}

static void
v2_tcp6(struct v2 *h, const char *src, const char *dst, uint16_t sport,
	uint16_t dport)
{
	struct in6_addr a;
	uint16_t p;

	v2_start(h, 0x21, 0x21);
	inet_pton(AF_INET6, src, &a);
	v2_add(h, &a, 16);
	inet_pton(AF_INET6, dst, &a);
	v2_add(h, &a, 16);
	p = htons(sport);
	v2_add(h, &p, 2);
	p = htons(dport);
	v2_add(h, &p, 2);
}

/* CRC-32C the slow and obvious way, independent of the code under test;
 * checked against the standard check value below. */
static uint32_t
crc32c(const unsigned char *p, size_t n)
{
	uint32_t crc = 0xffffffffu;

	for (size_t i = 0; i < n; i++) {
		crc ^= p[i];
		for (int k = 0; k < 8; k++)
			crc = crc & 1 ? (crc >> 1) ^ 0x82f63b78u : crc >> 1;
	}
	return ~crc;
}

/* Adds a CRC32C TLV and fills it in (after v2_finish of everything). */
static void
v2_crc(struct v2 *h, int corrupt)
{
	static const unsigned char zero[4];
	size_t at;
	uint32_t crc;

	v2_tlv(h, 0x03, zero, 4);
	at = h->len - 4;
	v2_finish(h);
	crc = crc32c(h->b, h->len) ^ (corrupt ? 1u : 0u);
	h->b[at] = (unsigned char)(crc >> 24);
	h->b[at + 1] = (unsigned char)(crc >> 16);
	h->b[at + 2] = (unsigned char)(crc >> 8);
	h->b[at + 3] = (unsigned char)crc;
}

START_TEST(crc32c_reference)
{
	EXPECT_INT(crc32c((const unsigned char *)"123456789", 9), 0xe3069283);
}
END_TEST

START_TEST(v2_tcp4_plain)
{
	struct v2 h;
	struct want w = { 2, 1, 0, "192.0.2.1:51234", "198.51.100.7:143" };

	v2_tcp4(&h, "192.0.2.1", "198.51.100.7", 51234, 143);
	v2_finish(&h);
	EXPECT_INT(h.len, 28);
	check_valid("v2 TCP4", h.b, h.len, &w);
}
END_TEST

START_TEST(v2_tcp6_plain)
{
	struct v2 h;
	struct want w = { 2, 1, 0, "[2001:db8::5]:40000", "[2001:db8::1]:993" };

	v2_tcp6(&h, "2001:db8::5", "2001:db8::1", 40000, 993);
	v2_finish(&h);
	EXPECT_INT(h.len, 52);
	check_valid("v2 TCP6", h.b, h.len, &w);
}
END_TEST

/* What HAProxy can send with proxy-v2-options: ALPN, authority, unique
 * id, SSL with sub-TLVs, a NOOP, a custom type, an empty value, CRC. */
START_TEST(v2_tlvs)
{
	struct v2 h;
	struct want w = { 2, 1, 0, "203.0.113.9:1000", "10.0.0.2:993" };
	unsigned char ssl[64], *p = ssl;

	v2_tcp4(&h, "203.0.113.9", "10.0.0.2", 1000, 993);
	v2_tlv(&h, 0x01, "imap", 4);
	v2_tlv(&h, 0x02, "mail.example.org", 16);
	v2_tlv(&h, 0x05, "0123456789abcdef", 16);
	*p++ = 0x01;                            /* client: PP2_CLIENT_SSL */
	memset(p, 0, 4);                        /* verify */
	p += 4;
	memcpy(p, "\x21\x00\x07TLSv1.3", 10);   /* SSL_VERSION */
	p += 10;
	memcpy(p, "\x23\x00\x16TLS_AES_256_GCM_SHA384", 25);
	p += 25;
	v2_tlv(&h, 0x20, ssl, (size_t)(p - ssl));
	v2_tlv(&h, 0x04, "\0\0\0\0\0", 5);
	v2_tlv(&h, 0xe0, "custom", 6);
	v2_tlv(&h, 0x30, "", 0);
	v2_crc(&h, 0);
	check_valid("v2 with TLVs", h.b, h.len, &w);

	/* The checksum alone, over IPv6. */
	w = (struct want){ 2, 1, 0, "[::1]:7", "[::2]:8" };
	v2_tcp6(&h, "::1", "::2", 7, 8);
	v2_crc(&h, 0);
	check_valid("v2 TCP6 with CRC32C", h.b, h.len, &w);
}
END_TEST

/* LOCAL keeps the socket's addresses and ignores whatever follows,
 * family included; so do families skua falls back from. */
START_TEST(v2_local_and_unspec)
{
	struct v2 h;
	struct want local = { 2, 0, 1, NULL, NULL };
	struct want unspec = { 2, 0, 0, NULL, NULL };
	unsigned char junk[216];

	memset(junk, 0xab, sizeof(junk));
	v2_start(&h, 0x20, 0x00);
	v2_finish(&h);
	check_valid("v2 LOCAL", h.b, h.len, &local);

	v2_start(&h, 0x20, 0x11);               /* LOCAL with addresses */
	v2_add(&h, junk, 12);
	v2_finish(&h);
	check_valid("v2 LOCAL with an address block", h.b, h.len, &local);

	v2_start(&h, 0x20, 0xff);               /* family ignored */
	v2_add(&h, junk, 3);
	v2_finish(&h);
	check_valid("v2 LOCAL with a nonsense family", h.b, h.len, &local);

	v2_start(&h, 0x21, 0x00);               /* PROXY, AF_UNSPEC */
	v2_finish(&h);
	check_valid("v2 PROXY UNSPEC", h.b, h.len, &unspec);

	v2_start(&h, 0x21, 0x00);
	v2_add(&h, junk, 20);
	v2_finish(&h);
	check_valid("v2 PROXY UNSPEC with bytes", h.b, h.len, &unspec);

	v2_start(&h, 0x21, 0x31);               /* AF_UNIX stream */
	v2_add(&h, junk, 216);
	v2_finish(&h);
	check_valid("v2 PROXY UNIX", h.b, h.len, &unspec);

	v2_start(&h, 0x21, 0x12);               /* UDP over IPv4 */
	v2_add(&h, junk, 12);
	v2_tlv(&h, 0x04, "", 0);
	v2_finish(&h);
	check_valid("v2 PROXY UDP4", h.b, h.len, &unspec);
}
END_TEST

START_TEST(v2_longest)
{
	struct v2 h;
	struct want w = { 2, 1, 0, "192.0.2.1:1", "192.0.2.2:2" };
	static unsigned char pad[PROXY_HEADER_MAX];

	v2_tcp4(&h, "192.0.2.1", "192.0.2.2", 1, 2);
	v2_tlv(&h, 0x04, pad, PROXY_HEADER_MAX - h.len - 3);
	v2_finish(&h);
	EXPECT_INT(h.len, PROXY_HEADER_MAX);
	check_valid("v2 of PROXY_HEADER_MAX bytes", h.b, h.len, &w);

	/* One more byte is refused as soon as the length is known. */
	v2_tcp4(&h, "192.0.2.1", "192.0.2.2", 1, 2);
	v2_tlv(&h, 0x04, pad, PROXY_HEADER_MAX - h.len - 2);
	v2_finish(&h);
	check_bad("v2 one byte too long", h.b, 16, "longer");
	h.b[14] = h.b[15] = 0xff;
	check_bad("v2 of 16 + 65535 bytes", h.b, 16, "longer");
}
END_TEST

START_TEST(v2_bad_signature)
{
	struct v2 h;

	v2_tcp4(&h, "192.0.2.1", "192.0.2.2", 1, 2);
	v2_finish(&h);
	for (size_t i = 0; i < 12; i++) {
		struct v2 b = h;
		char what[64];

		b.b[i] ^= 0x40;
		snprintf(what, sizeof(what), "signature byte %zu changed", i);
		/* Found as soon as the byte is there. */
		check_bad(what, b.b, i + 1, "not a PROXY");
		check_bad(what, b.b, b.len, "not a PROXY");
	}
}
END_TEST

START_TEST(v2_bad_fixed_part)
{
	struct v2 h;

	for (unsigned v = 0; v < 16; v++) {
		if (v == 2)
			continue;
		v2_tcp4(&h, "192.0.2.1", "192.0.2.2", 1, 2);
		v2_finish(&h);
		h.b[12] = (unsigned char)(v << 4 | 1);
		check_bad("version", h.b, 13, "version");
	}
	for (unsigned cmd = 2; cmd < 16; cmd++) {
		v2_tcp4(&h, "192.0.2.1", "192.0.2.2", 1, 2);
		v2_finish(&h);
		h.b[12] = (unsigned char)(0x20 | cmd);
		check_bad("command", h.b, 13, "command");
	}
	static const unsigned char bad_fam[] = {
		0x01, 0x03, 0x10, 0x13, 0x1f, 0x20, 0x23, 0x30, 0x33, 0x40,
		0x41, 0xf1, 0xff,
	};
	for (size_t i = 0; i < sizeof(bad_fam); i++) {
		v2_tcp4(&h, "192.0.2.1", "192.0.2.2", 1, 2);
		v2_finish(&h);
		h.b[13] = bad_fam[i];
		check_bad("family", h.b, 14, "family");
		check_bad("family", h.b, h.len, "family");
	}
}
END_TEST

START_TEST(v2_bad_lengths)
{
	struct v2 h;
	static const unsigned char zero[64];

	v2_tcp4(&h, "192.0.2.1", "192.0.2.2", 1, 2);
	h.len--;                                /* 11 address bytes */
	v2_finish(&h);
	check_bad("TCP4 with 11 address bytes", h.b, 16, "too short");

	v2_tcp6(&h, "::1", "::2", 1, 2);
	h.len -= 13;                            /* room for TCP4 only */
	v2_finish(&h);
	check_bad("TCP6 with 23 address bytes", h.b, h.len, "too short");

	v2_start(&h, 0x21, 0x31);
	v2_add(&h, zero, 64);
	v2_finish(&h);
	check_bad("UNIX with 64 address bytes", h.b, 16, "too short");

	for (size_t extra = 1; extra <= 2; extra++) {
		v2_tcp4(&h, "192.0.2.1", "192.0.2.2", 1, 2);
		v2_add(&h, "\x04\x00", extra);
		v2_finish(&h);
		check_bad("bytes that are no TLV", h.b, h.len, "not a TLV");
	}

	v2_tcp4(&h, "192.0.2.1", "192.0.2.2", 1, 2);
	v2_tlv(&h, 0x02, "mail.example.org", 16);
	h.len -= 1;                             /* the value overruns */
	v2_finish(&h);
	check_bad("TLV longer than the header", h.b, h.len, "longer");

	v2_tcp4(&h, "192.0.2.1", "192.0.2.2", 1, 2);
	v2_add(&h, "\x01\xff\xff", 3);
	v2_finish(&h);
	check_bad("TLV of 65535 bytes", h.b, h.len, "longer");

	v2_tcp4(&h, "192.0.2.1", "192.0.2.2", 1, 2);
	v2_tlv(&h, 0x03, "abc", 3);
	v2_finish(&h);
	check_bad("CRC32C of 3 bytes", h.b, h.len, "4 bytes");

	v2_tcp4(&h, "192.0.2.1", "192.0.2.2", 1, 2);
	v2_tlv(&h, 0x01, "imap", 4);
	v2_crc(&h, 1);
	check_bad("CRC32C mismatch", h.b, h.len, "CRC32C");

	/* A changed address after the checksum was made. */
	v2_tcp4(&h, "192.0.2.1", "192.0.2.2", 1, 2);
	v2_crc(&h, 0);
	h.b[19] ^= 1;
	check_bad("CRC32C over a changed header", h.b, h.len, "CRC32C");
}
END_TEST

START_TEST(empty_needs_more)
{
	struct proxy_info info;
	const char *err = NULL;

	EXPECT_INT(proxy_parse((const unsigned char *)"", 0, &info, &err),
		   PROXY_NEED_MORE);
}
END_TEST

/* --- proxy_read over a socket ---------------------------------------- */

static void
pair(int sv[2])
{
	ck_assert(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
}

/* Sends hdr one byte at a time, with "a1 NOOP\r\n" glued to the last
 * byte; proxy_read must need more after every byte but the last and
 * leave the command in the socket. */
static void
read_bytewise(const char *what, const unsigned char *hdr, size_t len,
	      int proxied)
{
	unsigned char buf[PROXY_HEADER_MAX], rest[32];
	struct proxy_info info;
	const char *err = NULL;
	size_t have = 0;
	enum proxy_status st;
	int sv[2];
	ssize_t n;

	pair(sv);
	for (size_t i = 0; i < len; i++) {
		if (i + 1 < len) {
			ck_assert(write(sv[1], hdr + i, 1) == 1);
		} else {
			unsigned char last[16];

			last[0] = hdr[i];
			memcpy(last + 1, "a1 NOOP\r\n", 9);
			ck_assert(write(sv[1], last, 10) == 10);
		}
		st = proxy_read(sv[0], buf, &have, &info, &err);
		if (i + 1 < len)
			ck_assert_msg(st == PROXY_NEED_MORE,
				      "%s after byte %zu: got %s (%s), want "
				      "NEED_MORE", what, i, status_name(st),
				      st == PROXY_BAD ? err : "");
		else
			ck_assert_msg(st == PROXY_OK, "%s: got %s (%s), "
				      "want OK", what, status_name(st),
				      st == PROXY_BAD ? err : "");
	}
	EXPECT_INT(have, len);
	EXPECT_INT(info.length, len);
	EXPECT_INT(info.proxied, proxied);
	ck_assert(memcmp(buf, hdr, len) == 0);
	n = recv(sv[0], rest, sizeof(rest), MSG_DONTWAIT);
	ck_assert_msg(n == 9 && memcmp(rest, "a1 NOOP\r\n", 9) == 0,
		      "%s: the bytes after the header: got %zd, want 9", what,
		      n);
	close(sv[0]);
	close(sv[1]);
}

START_TEST(read_v1_bytewise)
{
	const char *line = v1_valid[0].line;

	read_bytewise("v1", (const unsigned char *)line, strlen(line), 1);
	line = v1_valid[7].line;
	read_bytewise("v1 UNKNOWN", (const unsigned char *)line,
		      strlen(line), 0);
}
END_TEST

START_TEST(read_v2_bytewise)
{
	struct v2 h;

	v2_tcp6(&h, "2001:db8::5", "2001:db8::1", 40000, 993);
	v2_tlv(&h, 0x02, "mail.example.org", 16);
	v2_crc(&h, 0);
	read_bytewise("v2", h.b, h.len, 1);
	v2_start(&h, 0x20, 0x00);
	v2_finish(&h);
	read_bytewise("v2 LOCAL", h.b, h.len, 0);
}
END_TEST

/* All at once with a TLS ClientHello behind: the ClientHello stays. */
START_TEST(read_whole_then_tls)
{
	unsigned char buf[PROXY_HEADER_MAX], rest[8];
	struct proxy_info info;
	const char *err = NULL;
	size_t have = 0;
	struct v2 h;
	int sv[2];

	pair(sv);
	v2_tcp4(&h, "192.0.2.1", "192.0.2.2", 1, 993);
	v2_finish(&h);
	v2_add(&h, "\x16\x03\x01\x00\x05", 5);
	ck_assert(write(sv[1], h.b, h.len) == (ssize_t)h.len);
	EXPECT_INT(proxy_read(sv[0], buf, &have, &info, &err), PROXY_OK);
	EXPECT_INT(have, 28);
	EXPECT_INT(recv(sv[0], rest, sizeof(rest), MSG_DONTWAIT), 5);
	ck_assert(rest[0] == 0x16);
	close(sv[0]);
	close(sv[1]);
}
END_TEST

START_TEST(read_errors)
{
	unsigned char buf[PROXY_HEADER_MAX];
	struct proxy_info info;
	const char *err = NULL;
	size_t have = 0;
	int sv[2];

	/* Nothing yet: need more, and nothing taken. */
	pair(sv);
	EXPECT_INT(proxy_read(sv[0], buf, &have, &info, &err),
		   PROXY_NEED_MORE);
	EXPECT_INT(have, 0);
	/* Closed in the middle. */
	ck_assert(write(sv[1], "PROXY TCP4 1.2", 14) == 14);
	EXPECT_INT(proxy_read(sv[0], buf, &have, &info, &err),
		   PROXY_NEED_MORE);
	EXPECT_INT(have, 14);
	close(sv[1]);
	EXPECT_INT(proxy_read(sv[0], buf, &have, &info, &err), PROXY_BAD);
	ck_assert_msg(strstr(err, "middle") != NULL, "got '%s'", err);
	close(sv[0]);

	/* Closed before anything. */
	have = 0;
	pair(sv);
	close(sv[1]);
	EXPECT_INT(proxy_read(sv[0], buf, &have, &info, &err), PROXY_BAD);
	ck_assert_msg(strstr(err, "before") != NULL, "got '%s'", err);
	close(sv[0]);

	/* Garbage. */
	have = 0;
	pair(sv);
	ck_assert(write(sv[1], "a1 NOOP\r\n", 9) == 9);
	EXPECT_INT(proxy_read(sv[0], buf, &have, &info, &err), PROXY_BAD);
	ck_assert_msg(strstr(err, "not a PROXY") != NULL, "got '%s'", err);
	close(sv[0]);
	close(sv[1]);
}
END_TEST

static Suite *
proxy_suite(void)
{
	Suite *s = suite_create("proxy");
	TCase *tc = tcase_create("v1");

	tcase_add_loop_test(tc, v1_valid_headers, 0,
			    sizeof(v1_valid) / sizeof(v1_valid[0]));
	tcase_add_test(tc, v1_longest_lengths);
	tcase_add_loop_test(tc, v1_bad_headers, 0,
			    sizeof(v1_bad) / sizeof(v1_bad[0]));
	tcase_add_test(tc, v1_oversize);
	tcase_add_test(tc, empty_needs_more);
	suite_add_tcase(s, tc);

	tc = tcase_create("v2");
	tcase_add_test(tc, crc32c_reference);
	tcase_add_test(tc, v2_tcp4_plain);
	tcase_add_test(tc, v2_tcp6_plain);
	tcase_add_test(tc, v2_tlvs);
	tcase_add_test(tc, v2_local_and_unspec);
	tcase_add_test(tc, v2_longest);
	tcase_add_test(tc, v2_bad_signature);
	tcase_add_test(tc, v2_bad_fixed_part);
	tcase_add_test(tc, v2_bad_lengths);
	suite_add_tcase(s, tc);

	tc = tcase_create("read");
	tcase_add_test(tc, read_v1_bytewise);
	tcase_add_test(tc, read_v2_bytewise);
	tcase_add_test(tc, read_whole_then_tls);
	tcase_add_test(tc, read_errors);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(proxy_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
