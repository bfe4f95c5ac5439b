/* src/util/addr.c — numeric socket addresses: parsing what the admin wrote
 * in imapd.conf, matching peers against networks, printing for the log.
 *
 * Only numeric hosts are accepted (inet_pton, never the resolver): the
 * listener starts before the network may be up, and a configuration that
 * means different things depending on DNS is a configuration nobody can
 * check with `imapd -t`.
 *
 * On a dual-stack socket an IPv4 client arrives as ::ffff:a.b.c.d. Every
 * function here turns such an address back into plain IPv4 before it
 * compares or prints it, so that "10.0.0.0/8" matches the client, the log
 * shows "10.1.2.3", and per-address limits count one host once. A range
 * written in mapped form with a prefix of 96 or more (::ffff:0:0/96) is
 * turned into its IPv4 form too; other IPv6 ranges never match IPv4. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "util/addr.h"

/* Longest token a range list may hold: an IPv6 address with an embedded
 * IPv4 part and a "/128" is 49 characters. */
#define TOKEN_MAX 64

/* A host address without port, whatever the sockaddr it came from. */
struct host {
	int family;
	unsigned char a[16];    /* 4 bytes used for AF_INET */
	uint32_t scope;         /* IPv6 zone, 0 if none */
};

static const unsigned char v4mapped_prefix[12] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
};

/* Copies the address of sa into h. Returns -1 for a family other than
 * IPv4 and IPv6 (a Unix socket under inetd, for instance). */
static int
host_of(const struct sockaddr *sa, struct host *h)
{
	memset(h, 0, sizeof(*h));
	h->family = sa->sa_family;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;

		memcpy(h->a, &sin->sin_addr, 4);
		return 0;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 =
			(const struct sockaddr_in6 *)sa;

		memcpy(h->a, &sin6->sin6_addr, 16);
		h->scope = sin6->sin6_scope_id;
		return 0;
	}
	return -1;
}

/* Turns ::ffff:a.b.c.d into a.b.c.d. Returns 1 when h was such an address. */
static int
host_unmap(struct host *h)
{
	if (h->family != AF_INET6 ||
	    memcmp(h->a, v4mapped_prefix, sizeof(v4mapped_prefix)) != 0)
		return 0;
	memmove(h->a, h->a + 12, 4);
	memset(h->a + 4, 0, 12);
	h->family = AF_INET;
	h->scope = 0;
	return 1;
}

/* Parses 1 to max_digits decimal digits, nothing else, up to max. */
static int
parse_decimal(const char *s, int max_digits, unsigned long max,
	      unsigned long *value_r)
{
	unsigned long v = 0;
	int n;

	for (n = 0; s[n] >= '0' && s[n] <= '9'; n++) {
		if (n == max_digits)
			return -1;
		v = v * 10 + (unsigned long)(s[n] - '0');
	}
	if (n == 0 || s[n] != '\0' || v > max)
		return -1;
	*value_r = v;
	return 0;
}

/* inet_pton for a host that is not NUL-terminated. Returns 0 or -1. */
static int
pton(int family, const char *s, size_t len, void *dst)
{
	char host[INET6_ADDRSTRLEN];

	if (len >= sizeof(host))
		return -1;
	memcpy(host, s, len);
	host[len] = '\0';
	return inet_pton(family, host, dst) == 1 ? 0 : -1;
}

int
addr_parse_listen(const char *s, struct sockaddr_storage *ss,
		  socklen_t *len_r, const char **err_r)
{
	const char *h, *colon, *end;
	size_t hlen;
	unsigned long port;
	int v6 = s[0] == '[';

	if (v6) {
		h = s + 1;
		end = strchr(h, ']');
		if (end == NULL) {
			*err_r = "missing ']' after the IPv6 address";
			return -1;
		}
		if (end[1] != ':') {
			*err_r = "missing ':PORT' after ']'";
			return -1;
		}
		hlen = (size_t)(end - h);
		colon = end + 1;
	} else {
		h = s;
		colon = strrchr(s, ':');
		if (colon == NULL) {
			*err_r = "missing ':PORT'";
			return -1;
		}
		hlen = (size_t)(colon - h);
		if (memchr(h, ':', hlen) != NULL) {
			*err_r = "an IPv6 address needs brackets, "
				 "as in [::1]:143";
			return -1;
		}
	}
	if (hlen == 0) {
		*err_r = "missing address before ':PORT'";
		return -1;
	}
	if (parse_decimal(colon + 1, 5, 65535, &port) < 0) {
		*err_r = "the port is not a number from 0 to 65535";
		return -1;
	}

	memset(ss, 0, sizeof(*ss));
	if (v6) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

		if (pton(AF_INET6, h, hlen, &sin6->sin6_addr) < 0) {
			*err_r = "not a numeric IPv6 address";
			return -1;
		}
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		*len_r = sizeof(*sin6);
	} else {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		if (hlen == 1 && h[0] == '*')
			sin->sin_addr.s_addr = htonl(INADDR_ANY);
		else if (pton(AF_INET, h, hlen, &sin->sin_addr) < 0) {
			*err_r = "not a numeric IPv4 address (or *)";
			return -1;
		}
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		*len_r = sizeof(*sin);
	}
	return 0;
}

int
addr_parse_range(const char *s, struct net_range *r, const char **err_r)
{
	const char *slash = strchr(s, '/');
	size_t hlen = slash != NULL ? (size_t)(slash - s) : strlen(s);
	int v6 = memchr(s, ':', hlen) != NULL;
	unsigned long prefix, max = v6 ? 128 : 32;

	memset(r, 0, sizeof(*r));
	if (hlen == 0) {
		*err_r = "missing address";
		return -1;
	}
	if (v6) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&r->addr;

		if (pton(AF_INET6, s, hlen, &sin6->sin6_addr) < 0)
			goto bad_host;
		sin6->sin6_family = AF_INET6;
	} else {
		struct sockaddr_in *sin = (struct sockaddr_in *)&r->addr;

		if (pton(AF_INET, s, hlen, &sin->sin_addr) < 0)
			goto bad_host;
		sin->sin_family = AF_INET;
	}
	prefix = max;
	if (slash != NULL && parse_decimal(slash + 1, 3, max, &prefix) < 0) {
		*err_r = v6 ? "the prefix is not a number from 0 to 128"
			    : "the prefix is not a number from 0 to 32";
		return -1;
	}
	r->prefix = (int)prefix;
	return 0;

bad_host:
	*err_r = v6 ? "not a numeric IPv6 address"
		    : "not a numeric IPv4 or IPv6 address";
	return -1;
}

/* Copies the next blank-separated word of *pp into tok and moves *pp past
 * it. Returns 1, 0 at the end of the list, or -1 when the word does not
 * fit (tok then holds its beginning). */
static int
next_token(const char **pp, char *tok, size_t size)
{
	const char *p = *pp, *start;
	size_t len;

	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '\0')
		return 0;
	start = p;
	while (*p != '\0' && *p != ' ' && *p != '\t')
		p++;
	*pp = p;
	len = (size_t)(p - start);
	if (len >= size) {
		memcpy(tok, start, size - 1);
		tok[size - 1] = '\0';
		return -1;
	}
	memcpy(tok, start, len);
	tok[len] = '\0';
	return 1;
}

int
addr_check_ranges(const char *list, const char **err_r)
{
	static char err[TOKEN_MAX + 64];
	char tok[TOKEN_MAX];
	struct net_range r;
	const char *why;
	int ret;

	while ((ret = next_token(&list, tok, sizeof(tok))) != 0) {
		if (ret < 0) {
			snprintf(err, sizeof(err), "'%s...': too long", tok);
			*err_r = err;
			return -1;
		}
		if (addr_parse_range(tok, &r, &why) < 0) {
			snprintf(err, sizeof(err), "'%s': %s", tok, why);
			*err_r = err;
			return -1;
		}
	}
	return 0;
}

/* 1 when the first prefix bits of a and b are equal. */
static int
prefix_equal(const unsigned char *a, const unsigned char *b, int prefix)
{
	int bytes = prefix / 8, bits = prefix % 8;
	unsigned char mask;

	if (memcmp(a, b, (size_t)bytes) != 0)
		return 0;
	if (bits == 0)
		return 1;
	mask = (unsigned char)(0xff << (8 - bits));
	return (a[bytes] & mask) == (b[bytes] & mask);
}

static int
range_contains(const char *tok, const struct host *peer)
{
	struct net_range r;
	struct host net;
	const char *why;

	if (addr_parse_range(tok, &r, &why) < 0)
		return 0;
	host_of((const struct sockaddr *)&r.addr, &net);
	if (r.prefix >= 96 && host_unmap(&net))
		r.prefix -= 96;
	return net.family == peer->family &&
	       prefix_equal(net.a, peer->a, r.prefix);
}

int
addr_in_ranges(const struct sockaddr *sa, const char *list)
{
	char tok[TOKEN_MAX];
	struct host peer;
	int ret;

	if (host_of(sa, &peer) < 0)
		return 0;
	host_unmap(&peer);
	while ((ret = next_token(&list, tok, sizeof(tok))) != 0)
		if (ret > 0 && range_contains(tok, &peer))
			return 1;
	return 0;
}

/* Writes the host part of sa. Returns its family after unmapping, or -1
 * (and "unknown") for a family that has no numeric host. */
static int
format_host(const struct sockaddr *sa, char *out, size_t out_size)
{
	char buf[INET6_ADDRSTRLEN];
	struct host h;

	if (host_of(sa, &h) < 0) {
		snprintf(out, out_size, "unknown");
		return -1;
	}
	host_unmap(&h);
	if (inet_ntop(h.family, h.a, buf, sizeof(buf)) == NULL)
		snprintf(buf, sizeof(buf), "unknown");
	if (h.scope != 0)
		snprintf(out, out_size, "%s%%%u", buf, (unsigned)h.scope);
	else
		snprintf(out, out_size, "%s", buf);
	return h.family;
}

void
addr_ntop(const struct sockaddr *sa, char *out, size_t out_size)
{
	if (out_size > 0)
		format_host(sa, out, out_size);
}

void
addr_ntop_port(const struct sockaddr *sa, char *out, size_t out_size)
{
	char host[ADDR_STR_MAX];
	unsigned port = 0;
	int family;

	if (out_size == 0)
		return;
	family = format_host(sa, host, sizeof(host));
	if (sa->sa_family == AF_INET)
		port = ntohs(((const struct sockaddr_in *)sa)->sin_port);
	else if (sa->sa_family == AF_INET6)
		port = ntohs(((const struct sockaddr_in6 *)sa)->sin6_port);
	if (family == AF_INET)
		snprintf(out, out_size, "%s:%u", host, port);
	else if (family == AF_INET6)
		snprintf(out, out_size, "[%s]:%u", host, port);
	else
		snprintf(out, out_size, "%s", host);
}

int
addr_same_host(const struct sockaddr *a, const struct sockaddr *b)
{
	struct host ha, hb;

	if (host_of(a, &ha) < 0 || host_of(b, &hb) < 0)
		return 0;
	host_unmap(&ha);
	host_unmap(&hb);
	return ha.family == hb.family && ha.scope == hb.scope &&
	       memcmp(ha.a, hb.a, sizeof(ha.a)) == 0;
}
