/* src/mail/rfc2047.c — encoded-words (RFC 2047) decoded to UTF-8 for
 * SEARCH and SORT.
 *
 * An encoded-word is "=?" charset ["*" lang] "?" B|Q "?" text "?="
 * (RFC 2047 2, RFC 2231 5). Like Dovecot and mail readers we decode it
 * wherever it appears, also inside a word, a quoted string or a comment,
 * although RFC 2047 5 forbids those places. White space between two
 * encoded-words is dropped (6.2); line ends of folding are removed. A
 * word that does not parse stays as it is. Text outside encoded-words is
 * taken as UTF-8, invalid bytes becoming U+FFFD. Decoding is one pass;
 * the only allocation is one scratch buffer as long as the input. */
#include <stdlib.h>
#include <string.h>

#include "mail/charset.h"
#include "mail/rfc2047.h"
#include "util/base64.h"

struct eword {
	const char *charset;    /* NUL-terminated copy in cs */
	char cs[64];
	char enc;               /* 'B' or 'Q' */
	const char *text;
	size_t text_len;
	size_t total;           /* bytes of the whole word */
};

/* Parses an encoded-word at s. Returns 1 with *w filled, or 0. */
static int
parse_eword(const char *s, size_t len, struct eword *w)
{
	size_t i = 2, cs_start = 2, cs_len, t;

	if (len < 8 || s[0] != '=' || s[1] != '?')
		return 0;
	while (i < len && s[i] != '?' && s[i] != ' ' && s[i] != '\t' &&
	       s[i] != '\r' && s[i] != '\n')
		i++;
	if (i + 3 >= len || s[i] != '?' || s[i + 2] != '?')
		return 0;
	cs_len = i - cs_start;
	if (cs_len == 0 || cs_len >= sizeof(w->cs))
		return 0;
	memcpy(w->cs, s + cs_start, cs_len);
	w->cs[cs_len] = '\0';
	/* RFC 2231 5: charset*language */
	char *star = memchr(w->cs, '*', cs_len);
	if (star != NULL)
		*star = '\0';
	w->charset = w->cs;
	w->enc = s[i + 1] & ~0x20;
	if (w->enc != 'B' && w->enc != 'Q')
		return 0;
	t = i + 3;
	for (i = t; i + 1 < len; i++) {
		if (s[i] == '?' && s[i + 1] == '=')
			break;
		if (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' ||
		    s[i] == '\n')
			return 0;
	}
	if (i + 1 >= len)
		return 0;
	w->text = s + t;
	w->text_len = i - t;
	w->total = i + 2;
	return 1;
}

/* Lenient base64: stops at '=', skips other bytes outside the alphabet. */
static size_t
decode_b(const char *s, size_t len, unsigned char *out)
{
	unsigned acc = 0;
	int bits = 0, v;
	size_t n = 0;

	for (size_t i = 0; i < len && s[i] != '='; i++) {
		if ((v = base64_value((unsigned char)s[i], 0)) < 0)
			continue;
		acc = (acc << 6 | (unsigned)v) & 0xffffff;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[n++] = (unsigned char)(acc >> bits);
		}
	}
	return n;
}

static int
hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* RFC 2047 4.2: "_" is space, "=XX" a byte; a broken "=" stays. */
static size_t
decode_q(const char *s, size_t len, unsigned char *out)
{
	size_t n = 0;
	int hi, lo;

	for (size_t i = 0; i < len; i++) {
		if (s[i] == '_') {
			out[n++] = ' ';
		} else if (s[i] == '=' && i + 2 < len &&
			   (hi = hex_value(s[i + 1])) >= 0 &&
			   (lo = hex_value(s[i + 2])) >= 0) {
			out[n++] = (unsigned char)(hi << 4 | lo);
			i += 2;
		} else {
			out[n++] = (unsigned char)s[i];
		}
	}
	return n;
}

static int
is_lwsp(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Plain text: folding line ends removed, the rest validated as UTF-8. */
static int
append_plain(const char *s, size_t len, struct buf *out)
{
	size_t i = 0, run;

	while (i < len) {
		for (run = i; run < len && s[run] != '\r' && s[run] != '\n';
		     run++)
			;
		if (charset_to_utf8("UTF-8", (const unsigned char *)s + i,
				    run - i, out) < 0)
			return -1;
		i = run + 1;
	}
	return 0;
}

int
rfc2047_decode(const char *text, size_t len, struct buf *out)
{
	unsigned char *scratch = NULL;
	size_t i = 0, plain = 0, n, ws;
	struct eword w;
	int ret = 0, prev_word = 0;

	while (i < len && ret == 0) {
		if (text[i] != '=' || !parse_eword(text + i, len - i, &w)) {
			i++;
			continue;
		}
		/* only white space since the last encoded-word: drop it */
		for (ws = plain; ws < i && is_lwsp(text[ws]); ws++)
			;
		if (!(prev_word && ws == i))
			ret = append_plain(text + plain, i - plain, out);
		if (scratch == NULL && (scratch = malloc(len)) == NULL) {
			ret = -1;
			break;
		}
		n = w.enc == 'B' ? decode_b(w.text, w.text_len, scratch) :
			decode_q(w.text, w.text_len, scratch);
		if (ret == 0)
			ret = charset_to_utf8(w.charset, scratch, n, out);
		i += w.total;
		plain = i;
		prev_word = 1;
	}
	if (ret == 0)
		ret = append_plain(text + plain, len - plain, out);
	free(scratch);
	return ret;
}
