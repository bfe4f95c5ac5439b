/* src/store/mutf7.c — modified UTF-7 (RFC 3501 5.1.3) to and from UTF-8.
 *
 * Mailbox names travel in modified UTF-7 and Dovecot keeps them that way
 * on disk, so the form of a name is also the name of a directory. Two
 * spellings of one name would be two directories; this decoder therefore
 * accepts only the one canonical spelling that the encoder produces:
 *
 *  - printable US-ASCII (0x20-0x7e) stands for itself, "&" as "&-";
 *    other bytes outside base64 runs are refused;
 *  - a base64 run ("&" ... "-", alphabet A-Z a-z 0-9 + ,) holds UTF-16BE
 *    code units; it must not encode a printing ASCII character (5.1.3:
 *    "MUST NOT be used to represent any printing US-ASCII character"),
 *    must end in "-" (no implicit shift back), must leave fewer than six
 *    bits over and those zero, and must not be followed directly by
 *    another run ("-&" is a superfluous shift, 5.1.3's "&U,BTFw-&ZeVnLIqe-"
 *    example);
 *  - surrogates come in high-low pairs inside one run;
 *  - U+0000 is refused both ways: a name is a C string.
 *
 * Dovecot 2.3.19 refuses the same inputs for CREATE ("Mailbox name is not
 * valid mUTF-7"), except that it silently clears non-zero padding bits
 * ("&AOR-" creates ".&AOQ-"); refusing them keeps the spelling unique.
 *
 * Output goes through the bounded buf API; on any error the buffer is put
 * back to its length on entry, so a caller never sees half a name. */
#include <stdint.h>

#include "store/mutf7.h"
#include "util/base64.h"

static const char b64_chars[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

static int
is_printable_ascii(uint32_t c)
{
	return c >= 0x20 && c <= 0x7e;
}

/* Drops whatever was appended since the buffer had length len. */
static void
buf_truncate(struct buf *b, size_t len)
{
	b->len = len;
	if (b->data != NULL)
		b->data[len] = '\0';
}

/* Appends code point c (already checked to be a scalar value) as UTF-8. */
static int
put_utf8(struct buf *out, uint32_t c)
{
	unsigned char s[4];
	size_t n;

	if (c < 0x80) {
		s[0] = (unsigned char)c;
		n = 1;
	} else if (c < 0x800) {
		s[0] = (unsigned char)(0xc0 | (c >> 6));
		s[1] = (unsigned char)(0x80 | (c & 0x3f));
		n = 2;
	} else if (c < 0x10000) {
		s[0] = (unsigned char)(0xe0 | (c >> 12));
		s[1] = (unsigned char)(0x80 | ((c >> 6) & 0x3f));
		s[2] = (unsigned char)(0x80 | (c & 0x3f));
		n = 3;
	} else {
		s[0] = (unsigned char)(0xf0 | (c >> 18));
		s[1] = (unsigned char)(0x80 | ((c >> 12) & 0x3f));
		s[2] = (unsigned char)(0x80 | ((c >> 6) & 0x3f));
		s[3] = (unsigned char)(0x80 | (c & 0x3f));
		n = 4;
	}
	return out == NULL ? 0 : buf_append(out, s, n);
}

/* Decodes one UTF-8 sequence at in[*pos], advancing *pos. Returns 0, or -1
 * for the forms RFC 3629 section 3 forbids: stray continuation bytes,
 * truncated sequences, overlong forms, surrogates, values over U+10FFFF. */
static int
utf8_next(const unsigned char *in, size_t len, size_t *pos, uint32_t *c_r)
{
	static const uint32_t min_for_len[] = { 0, 0, 0x80, 0x800, 0x10000 };
	size_t i = *pos, n, k;
	uint32_t c = in[i];

	if (c < 0x80)
		n = 1;
	else if ((c & 0xe0) == 0xc0)
		n = 2, c &= 0x1f;
	else if ((c & 0xf0) == 0xe0)
		n = 3, c &= 0x0f;
	else if ((c & 0xf8) == 0xf0)
		n = 4, c &= 0x07;
	else
		return -1;
	if (n > len - i)
		return -1;
	for (k = 1; k < n; k++) {
		if ((in[i + k] & 0xc0) != 0x80)
			return -1;
		c = (c << 6) | (in[i + k] & 0x3f);
	}
	if (n > 1 && c < min_for_len[n])
		return -1;
	if (c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return -1;
	*pos = i + n;
	*c_r = c;
	return 0;
}

/* Decodes the base64 run that starts at in[*pos] (just after "&", which is
 * not followed by "-") up to and including its closing "-", appending
 * UTF-8 to out when out is not NULL. Returns 0 or -1. */
static int
decode_run(const unsigned char *in, size_t len, size_t *pos, struct buf *out)
{
	uint32_t bits = 0, high = 0;
	unsigned nbits = 0;
	size_t i = *pos;

	for (; i < len && in[i] != '-'; i++) {
		int v = base64_value(in[i], 1);
		uint32_t u;

		if (v < 0)
			return -1;
		bits = (bits << 6) | (uint32_t)v;
		nbits += 6;
		if (nbits < 16)
			continue;
		nbits -= 16;
		u = (bits >> nbits) & 0xffff;
		bits &= (1u << nbits) - 1;
		if (high != 0) {
			if (u < 0xdc00 || u > 0xdfff)
				return -1;      /* high surrogate alone */
			u = 0x10000 + ((high - 0xd800) << 10) + (u - 0xdc00);
			high = 0;
		} else if (u >= 0xd800 && u <= 0xdbff) {
			high = u;
			continue;
		} else if (u >= 0xdc00 && u <= 0xdfff) {
			return -1;              /* low surrogate alone */
		} else if (u == 0 || is_printable_ascii(u)) {
			return -1;
		}
		if (put_utf8(out, u) < 0)
			return -1;
	}
	/* No closing "-", a pair cut short, a whole sextet or non-zero bits
	 * left over, or an empty run (which "&-" already stands for). */
	if (i == len || high != 0 || nbits >= 6 || bits != 0 || i == *pos)
		return -1;
	i++;
	/* "-&" shifting straight back into base64 is a superfluous shift;
	 * "-&-" (a literal "&" after the run) is fine. */
	if (i < len && in[i] == '&' && (i + 1 == len || in[i + 1] != '-'))
		return -1;
	*pos = i;
	return 0;
}

/* Walks a modified UTF-7 name; out may be NULL to validate only. */
static int
mutf7_walk(const unsigned char *in, size_t len, struct buf *out)
{
	size_t i = 0;

	while (i < len) {
		unsigned char c = in[i];

		if (!is_printable_ascii(c))
			return -1;
		if (c != '&') {
			if (out != NULL && buf_append_byte(out, c) < 0)
				return -1;
			i++;
		} else if (i + 1 < len && in[i + 1] == '-') {
			if (out != NULL && buf_append_byte(out, '&') < 0)
				return -1;
			i += 2;
		} else {
			i++;
			if (decode_run(in, len, &i, out) < 0)
				return -1;
		}
	}
	return 0;
}

int
mutf7_to_utf8(const char *in, size_t len, struct buf *out)
{
	size_t start = out->len;

	if (mutf7_walk((const unsigned char *)in, len, out) < 0) {
		buf_truncate(out, start);
		return -1;
	}
	return 0;
}

int
mutf7_valid(const char *in, size_t len)
{
	return mutf7_walk((const unsigned char *)in, len, NULL) == 0;
}

/* Appends the 16-bit unit u to an open base64 run. */
static int
put_unit(struct buf *out, uint32_t *bits, unsigned *nbits, uint32_t u)
{
	*bits = (*bits << 16) | u;
	*nbits += 16;
	while (*nbits >= 6) {
		*nbits -= 6;
		if (buf_append_byte(out, (unsigned char)
				    b64_chars[(*bits >> *nbits) & 0x3f]) < 0)
			return -1;
	}
	*bits &= (1u << *nbits) - 1;
	return 0;
}

/* Closes an open base64 run: the last bits, zero-padded, and "-". */
static int
close_run(struct buf *out, uint32_t bits, unsigned nbits)
{
	if (nbits > 0 && buf_append_byte(out, (unsigned char)
				b64_chars[(bits << (6 - nbits)) & 0x3f]) < 0)
		return -1;
	return buf_append_byte(out, '-');
}

/* Encodes one code point, opening or closing a base64 run as needed. */
static int
encode_one(struct buf *out, uint32_t c, int *in_run, uint32_t *bits,
	   unsigned *nbits)
{
	if (is_printable_ascii(c)) {
		if (*in_run) {
			if (close_run(out, *bits, *nbits) < 0)
				return -1;
			*in_run = 0;
			*bits = 0;
			*nbits = 0;
		}
		if (c == '&')
			return buf_append(out, "&-", 2);
		return buf_append_byte(out, (unsigned char)c);
	}
	if (!*in_run) {
		if (buf_append_byte(out, '&') < 0)
			return -1;
		*in_run = 1;
	}
	if (c < 0x10000)
		return put_unit(out, bits, nbits, c);
	c -= 0x10000;
	if (put_unit(out, bits, nbits, 0xd800 + (c >> 10)) < 0)
		return -1;
	return put_unit(out, bits, nbits, 0xdc00 + (c & 0x3ff));
}

static int
utf8_to_mutf7_walk(const unsigned char *in, size_t len, struct buf *out)
{
	uint32_t bits = 0, c;
	unsigned nbits = 0;
	int in_run = 0;
	size_t i = 0;

	while (i < len) {
		if (utf8_next(in, len, &i, &c) < 0 || c == 0)
			return -1;
		if (encode_one(out, c, &in_run, &bits, &nbits) < 0)
			return -1;
	}
	if (in_run)
		return close_run(out, bits, nbits);
	return 0;
}

int
utf8_to_mutf7(const char *in, size_t len, struct buf *out)
{
	size_t start = out->len;

	if (utf8_to_mutf7_walk((const unsigned char *)in, len, out) < 0) {
		buf_truncate(out, start);
		return -1;
	}
	return 0;
}

int
utf8_valid(const char *in, size_t len)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t i = 0;
	uint32_t c;

	while (i < len) {
		if (utf8_next(s, len, &i, &c) < 0)
			return 0;
	}
	return 1;
}
