/* src/mail/unicasemap.c — i;unicode-casemap (RFC 5051 2).
 *
 * The mapping of a code point (titlecase, then NFKD) comes from a table
 * generated from the Unicode data (unicasemap.tab, see
 * scripts/gen-unicasemap.py), searched by binary search; ASCII is done
 * inline, being most of what mail holds, and Hangul syllables are
 * decomposed by the rule of Unicode 3.12 rather than by 11172 rows. */
#include <stdint.h>

#include "mail/unicasemap.h"

#include "unicasemap.tab"

#define REPLACEMENT 0xfffd

/* Hangul syllable decomposition (Unicode 3.12). */
#define S_BASE 0xac00
#define L_BASE 0x1100
#define V_BASE 0x1161
#define T_BASE 0x11a7
#define V_COUNT 21
#define T_COUNT 28
#define S_COUNT (19 * V_COUNT * T_COUNT)

static int
put_cp(struct buf *out, uint32_t c)
{
	unsigned char b[4];
	size_t n;

	if (c < 0x80) {
		b[0] = (unsigned char)c;
		n = 1;
	} else if (c < 0x800) {
		b[0] = (unsigned char)(0xc0 | (c >> 6));
		b[1] = (unsigned char)(0x80 | (c & 0x3f));
		n = 2;
	} else if (c < 0x10000) {
		b[0] = (unsigned char)(0xe0 | (c >> 12));
		b[1] = (unsigned char)(0x80 | ((c >> 6) & 0x3f));
		b[2] = (unsigned char)(0x80 | (c & 0x3f));
		n = 3;
	} else {
		b[0] = (unsigned char)(0xf0 | (c >> 18));
		b[1] = (unsigned char)(0x80 | ((c >> 12) & 0x3f));
		b[2] = (unsigned char)(0x80 | ((c >> 6) & 0x3f));
		b[3] = (unsigned char)(0x80 | (c & 0x3f));
		n = 4;
	}
	return buf_append(out, b, n);
}

/* Decodes one UTF-8 sequence at s[0..len) (len >= 1) into *c; returns
 * its length. Overlong forms, surrogates and values past U+10FFFF are
 * invalid: one byte, U+FFFD. */
static size_t
next_cp(const unsigned char *s, size_t len, uint32_t *c)
{
	uint32_t v, min;
	size_t n;

	if (s[0] < 0x80) {
		*c = s[0];
		return 1;
	}
	if ((s[0] & 0xe0) == 0xc0) {
		n = 2; v = s[0] & 0x1f; min = 0x80;
	} else if ((s[0] & 0xf0) == 0xe0) {
		n = 3; v = s[0] & 0x0f; min = 0x800;
	} else if ((s[0] & 0xf8) == 0xf0) {
		n = 4; v = s[0] & 0x07; min = 0x10000;
	} else {
		goto bad;
	}
	if (n > len)
		goto bad;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			goto bad;
		v = (v << 6) | (s[i] & 0x3f);
	}
	if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
		goto bad;
	*c = v;
	return n;
bad:
	*c = REPLACEMENT;
	return 1;
}

static int
map_cp_of(uint32_t c, struct buf *out)
{
	size_t lo = 0, hi = UNICASEMAP_N;

	if (c - S_BASE < S_COUNT) {
		uint32_t s = c - S_BASE, t = s % T_COUNT;

		if (put_cp(out, L_BASE + s / (V_COUNT * T_COUNT)) < 0 ||
		    put_cp(out, V_BASE + (s % (V_COUNT * T_COUNT)) / T_COUNT) < 0)
			return -1;
		return t != 0 ? put_cp(out, T_BASE + t) : 0;
	}
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (map_cp[mid] < c) {
			lo = mid + 1;
		} else if (map_cp[mid] > c) {
			hi = mid;
		} else {
			for (size_t i = map_off[mid]; i < map_off[mid + 1]; i++)
				if (put_cp(out, map_pool[i]) < 0)
					return -1;
			return 0;
		}
	}
	return put_cp(out, c);
}

int
unicasemap_key(const unsigned char *s, size_t len, struct buf *out)
{
	size_t i = 0;
	uint32_t c;

	while (i < len) {
		if (s[i] < 0x80) {
			unsigned char b = s[i++];

			if (b >= 'a' && b <= 'z')
				b = (unsigned char)(b - 'a' + 'A');
			if (buf_append_byte(out, b) < 0)
				return -1;
			continue;
		}
		i += next_cp(s + i, len - i, &c);
		if (map_cp_of(c, out) < 0)
			return -1;
	}
	return 0;
}
