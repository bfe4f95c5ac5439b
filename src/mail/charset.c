/* src/mail/charset.c — text into UTF-8 (for SEARCH, RFC 3501 6.4.4) and
 * the case folding that SEARCH compares with.
 *
 * UTF-8 and US-ASCII input is validated here (US-ASCII is read as UTF-8,
 * as Dovecot does, because 8-bit "ASCII" headers are mostly UTF-8);
 * anything else goes through iconv, whose descriptors are cached per
 * process because opening one costs far more than converting a header.
 * A byte that does not convert becomes U+FFFD and the conversion goes on
 * with the next byte, so every step consumes input and nothing loops.
 * Some labels that mail uses but glibc does not know, or knows as a
 * narrower set, are mapped to the superset mail readers use. */
#include <errno.h>
#include <stdint.h>
#include <iconv.h>
#include <string.h>
#include <strings.h>

#include "mail/charset.h"

#define REPLACEMENT "\xef\xbf\xbd"
#define CACHE_SIZE 8
#define NAME_MAX_LEN 64

static const struct {
	const char *label, *iconv_name;
} aliases[] = {
	{ "ks_c_5601-1987", "CP949" },
	{ "ks_c_5601", "CP949" },
	{ "euc-kr", "CP949" },
	{ "gb2312", "GB18030" },
	{ "gbk", "GB18030" },
	{ "x-gbk", "GB18030" },
	{ "x-sjis", "SHIFT_JIS" },
	{ "shift-jis", "SHIFT_JIS" },
	{ "unicode-1-1-utf-7", "UTF-7" },
	{ "x-unknown", "UTF-8" },
};

static struct {
	char name[NAME_MAX_LEN];
	iconv_t cd;
} cache[CACHE_SIZE];
static unsigned cache_next;

static int
is_utf8_name(const char *n)
{
	return strcasecmp(n, "utf-8") == 0 || strcasecmp(n, "utf8") == 0 ||
		strcasecmp(n, "us-ascii") == 0 || strcasecmp(n, "ascii") == 0;
}

static const char *
iconv_name(const char *n)
{
	for (size_t i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++)
		if (strcasecmp(n, aliases[i].label) == 0)
			return aliases[i].iconv_name;
	return n;
}

/* A cached descriptor for name, or (iconv_t)-1 when iconv lacks it. */
static iconv_t
get_cd(const char *name)
{
	unsigned i;
	iconv_t cd;

	if (strlen(name) >= NAME_MAX_LEN)
		return (iconv_t)-1;
	for (i = 0; i < CACHE_SIZE; i++) {
		if (cache[i].name[0] != '\0' &&
		    strcasecmp(cache[i].name, name) == 0) {
			/* reset the shift state from an earlier use */
			iconv(cache[i].cd, NULL, NULL, NULL, NULL);
			return cache[i].cd;
		}
	}
	cd = iconv_open("UTF-8", iconv_name(name));
	if (cd == (iconv_t)-1)
		return cd;
	i = cache_next++ % CACHE_SIZE;
	if (cache[i].name[0] != '\0')
		iconv_close(cache[i].cd);
	strcpy(cache[i].name, name);
	cache[i].cd = cd;
	return cd;
}

int
charset_known(const char *name)
{
	return is_utf8_name(name) || get_cd(name) != (iconv_t)-1;
}

/* Length of the valid UTF-8 sequence at p (1..4), or 0 if invalid. */
static size_t
utf8_seq_len(const unsigned char *p, size_t len)
{
	unsigned char c = p[0];
	size_t n, i;
	unsigned min;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2, min = 0x80;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3, min = 0x800;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4, min = 0x10000;
	else
		return 0;
	if (len < n)
		return 0;
	unsigned cp = c & (0xff >> (n + 1));
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

static int
utf8_validate(const unsigned char *data, size_t len, struct buf *out)
{
	size_t i = 0, start = 0, n;

	while (i < len) {
		/* ASCII eight bytes at a time: most text is. */
		while (len - i >= 8) {
			uint64_t w;

			memcpy(&w, data + i, 8);
			if (w & UINT64_C(0x8080808080808080))
				break;
			i += 8;
		}
		if (i >= len)
			break;
		n = utf8_seq_len(data + i, len - i);
		if (n > 0) {
			i += n;
			continue;
		}
		if (buf_append(out, data + start, i - start) < 0 ||
		    buf_append(out, REPLACEMENT, 3) < 0)
			return -1;
		start = ++i;
	}
	return buf_append(out, data + start, i - start);
}

static int
iconv_convert(iconv_t cd, const unsigned char *data, size_t len,
	      struct buf *out)
{
	char tmp[1024], *in = (char *)data, *o;
	size_t inleft = len, oleft, r;

	while (inleft > 0) {
		o = tmp;
		oleft = sizeof(tmp);
		r = iconv(cd, &in, &inleft, &o, &oleft);
		if (buf_append(out, tmp, sizeof(tmp) - oleft) < 0)
			return -1;
		if (r != (size_t)-1 || errno == E2BIG)
			continue;
		/* EILSEQ or EINVAL (cut off): replace one byte, go on */
		if (buf_append(out, REPLACEMENT, 3) < 0)
			return -1;
		in++;
		inleft--;
		iconv(cd, NULL, NULL, NULL, NULL);
	}
	/* flush any shift state (e.g. ISO-2022-JP) */
	o = tmp;
	oleft = sizeof(tmp);
	iconv(cd, NULL, NULL, &o, &oleft);
	return buf_append(out, tmp, sizeof(tmp) - oleft);
}

int
charset_to_utf8(const char *charset, const unsigned char *data,
		size_t len, struct buf *out)
{
	iconv_t cd;

	if (charset == NULL || is_utf8_name(charset) ||
	    (cd = get_cd(charset)) == (iconv_t)-1)
		return utf8_validate(data, len, out);
	return iconv_convert(cd, data, len, out);
}

/* Lower case of a code point in ASCII, Latin-1 Supplement and Latin
 * Extended-A; others unchanged. */
static unsigned
fold_cp(unsigned cp)
{
	if (cp >= 'A' && cp <= 'Z')
		return cp + 0x20;
	if (cp < 0xc0)
		return cp;
	if (cp <= 0xde)
		return cp == 0xd7 ? cp : cp + 0x20;
	if (cp < 0x100 || cp > 0x17f)
		return cp;
	if (cp == 0x130)
		return 'i';             /* I with dot above */
	if (cp == 0x178)
		return 0xff;            /* Y with diaeresis */
	if (cp == 0x131 || cp == 0x138 || cp == 0x149 || cp == 0x17f)
		return cp;              /* no upper/lower pair */
	if ((cp >= 0x139 && cp <= 0x148) || (cp >= 0x179 && cp <= 0x17e))
		return (cp & 1) ? cp + 1 : cp;
	return (cp & 1) ? cp : cp + 1;
}

int
charset_put_utf8(struct buf *out, uint32_t cp)
{
	unsigned char b[4];
	size_t n;

	if (cp == 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		cp = 0xfffd;
	if (cp < 0x80) {
		b[0] = (unsigned char)cp;
		n = 1;
	} else if (cp < 0x800) {
		b[0] = (unsigned char)(0xc0 | cp >> 6);
		b[1] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		b[0] = (unsigned char)(0xe0 | cp >> 12);
		b[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		b[2] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		b[0] = (unsigned char)(0xf0 | cp >> 18);
		b[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
		b[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		b[3] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	return buf_append(out, b, n);
}

int
charset_fold(const unsigned char *utf8, size_t len, struct buf *out)
{
	size_t i = 0, n, k;
	unsigned cp;

	while (i < len) {
		/* A run of ASCII (NUL aside, which becomes U+FFFD) is copied
		 * and lowered in place: most text is, and one call per
		 * character was most of a SEARCH BODY. */
		for (k = i; k < len && utf8[k] != 0 && utf8[k] < 0x80; k++)
			;
		if (k > i) {
			size_t at = out->len, room = out->max - out->len;
			int full = k - i > room;

			/* What fits goes in, as one character at a time did. */
			if (buf_append(out, utf8 + i, full ? room : k - i) < 0)
				return -1;
			for (unsigned char *p = out->data + at,
			     *end = out->data + out->len; p < end; p++)
				if (*p >= 'A' && *p <= 'Z')
					*p += 0x20;
			if (full)
				return -1;
			i = k;
			continue;
		}
		n = utf8_seq_len(utf8 + i, len - i);
		if (n == 0) {
			if (buf_append(out, REPLACEMENT, 3) < 0)
				return -1;
			i++;
			continue;
		}
		cp = n == 1 ? utf8[i] : utf8[i] & (0xff >> (n + 1));
		for (k = 1; k < n; k++)
			cp = cp << 6 | (utf8[i + k] & 0x3f);
		if (charset_put_utf8(out, fold_cp(cp)) < 0)
			return -1;
		i += n;
	}
	return 0;
}

/* Single-byte charsets that iconv converts one byte at a time, none of
 * whose bytes is U+0130 (ISO-8859-3, -9 and windows-1254 have it) and
 * whose converters compose nothing (windows-1255 and -1258 do: a letter
 * and a following accent become one character). */
static int
is_bytewise_name(const char *n)
{
	static const char *const names[] = {
		"iso-8859-1", "iso-8859-2", "iso-8859-4", "iso-8859-5",
		"iso-8859-6", "iso-8859-7", "iso-8859-8", "iso-8859-10",
		"iso-8859-11", "iso-8859-13", "iso-8859-14", "iso-8859-15",
		"iso-8859-16", "windows-1250", "windows-1251", "windows-1252",
		"windows-1253", "windows-1256", "windows-1257",
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcasecmp(n, names[i]) == 0)
			return 1;
	return 0;
}

int
charset_ascii_safe(const char *charset)
{
	if (charset == NULL || is_utf8_name(charset) ||
	    is_bytewise_name(charset))
		return 1;
	if (strncasecmp(charset, "iso-8859-", 9) == 0 ||
	    strncasecmp(charset, "windows-125", 11) == 0)
		return 2;
	return 0;
}
