/* src/mail/rfc2231.c — extended parameter values (RFC 2231 section 4):
 * charset'language'octets, where octets are attribute-chars and %XX
 * escapes. Mailers get the details wrong often enough (no quotes at all,
 * a lone %, a charset with no language part) that the decoder takes
 * what it can and never fails on content. */
#include <string.h>

#include "mail/charset.h"
#include "mail/rfc2231.h"

static int
hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Appends the octets of s with %XX decoded. */
static int
percent_decode(const char *s, struct buf *out)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		int hi, lo;

		if (*p == '%' && (hi = hexval(p[1])) >= 0 &&
		    (lo = hexval(p[2])) >= 0) {
			if (buf_append_byte(out, (unsigned char)(hi * 16 + lo)) < 0)
				return -1;
			p += 2;
		} else if (buf_append_byte(out, *p) < 0) {
			return -1;
		}
	}
	return 0;
}

int
rfc2231_decode(const char *name, const char *value, struct buf *out)
{
	size_t nlen = strlen(name);
	const char *q1, *q2;
	char charset[64];
	struct buf raw;
	int ret;

	if (nlen == 0 || name[nlen - 1] != '*')
		return buf_append_str(out, value);
	/* Section 4: the two quotes are required, but a value without
	 * them is still percent-encoded text in no named charset. */
	q1 = strchr(value, '\'');
	q2 = q1 != NULL ? strchr(q1 + 1, '\'') : NULL;
	charset[0] = '\0';
	if (q2 != NULL) {
		size_t clen = (size_t)(q1 - value);
		if (clen < sizeof(charset)) {
			memcpy(charset, value, clen);
			charset[clen] = '\0';
		}
		value = q2 + 1;
	}
	buf_init(&raw, strlen(value) + 1);
	ret = percent_decode(value, &raw);
	if (ret == 0)
		ret = charset_to_utf8(charset[0] ? charset : "utf-8", raw.data,
				      raw.len, out);
	buf_free(&raw);
	return ret;
}
