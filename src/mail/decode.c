/* src/mail/decode.c — Content-Transfer-Encoding (RFC 2045 6) for BINARY
 * (RFC 3516) and SEARCH.
 *
 * Strict mode answers what Dovecot 2.3 answers for BINARY, checked by
 * running it: a base64 body fails on a byte outside the alphabet and
 * white space, on data after the padding, on a lone "=" and when it
 * ends inside a quantum; a quoted-printable body fails on "=" not
 * followed by two hex digits (either case) or by a line end. Lenient
 * mode (SEARCH) decodes what it can: bad base64 bytes are skipped, a bad
 * "=" is kept as it is.
 *
 * Quoted-printable (RFC 2045 6.7): white space at the end of a line is
 * transport padding and removed (rule 3); "=" at the end of a line,
 * after optional white space, is a soft line break (rule 5); line ends
 * are kept as they are. */
#include <string.h>
#include <strings.h>

#include "mail/decode.h"
#include "util/base64.h"

static int
is_b64_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Decoded bytes gather here and go to the buffer a block at a time:
 * one call per quantum (base64) or per run between two "=" (QP) was
 * most of the decoding's cost. */
struct out_block {
	unsigned char b[3072];
	size_t n;
	struct buf *out;
};

static int
block_flush(struct out_block *o)
{
	int r = buf_append(o->out, o->b, o->n);

	o->n = 0;
	return r;
}

/* block_put when the block is full: a run longer than the block goes
 * straight through. */
static int
block_put_flush(struct out_block *o, const unsigned char *d, size_t len)
{
	if (block_flush(o) < 0)
		return -1;
	if (len > sizeof(o->b))
		return buf_append(o->out, d, len);
	memcpy(o->b, d, len);
	o->n = len;
	return 0;
}

/* Adds len bytes. Inline: it runs for every run between two "=". */
static inline int
block_put(struct out_block *o, const unsigned char *d, size_t len)
{
	if (o->n + len > sizeof(o->b))
		return block_put_flush(o, d, len);
	memcpy(o->b + o->n, d, len);
	o->n += len;
	return 0;
}

/* Emits the bytes of a quantum of n (2..4) sextets. */
static int
b64_emit(unsigned long q, int n, struct out_block *o)
{
	q <<= 6 * (4 - n);
	if (o->n + 3 > sizeof(o->b) && block_flush(o) < 0)
		return -1;
	o->b[o->n] = (unsigned char)(q >> 16);
	o->b[o->n + 1] = (unsigned char)(q >> 8);
	o->b[o->n + 2] = (unsigned char)q;
	o->n += (size_t)(n - 1);
	return 0;
}

/* base64_value(c, 0) for every byte, -1 outside the alphabet. */
static signed char b64_table[256];

static void
b64_table_init(void)
{
	if (b64_table['B'] == 1)
		return;
	for (int c = 0; c < 256; c++)
		b64_table[c] = (signed char)base64_value((unsigned char)c, 0);
}

static enum decode_result
decode_base64(const unsigned char *d, size_t len, int strict,
	      struct buf *out)
{
	unsigned long q = 0;
	int n = 0, pad = 0;
	struct out_block o = { .n = 0, .out = out };

	b64_table_init();
	for (size_t i = 0; i < len; i++) {
		int v = b64_table[d[i]];

		if (is_b64_space(d[i]))
			continue;
		if (d[i] == '=') {
			/* padding: only after 2 or 3 sextets, then "=" or
			 * white space to the end */
			if (pad == 0 && n < 2)
				goto bad;
			if (++pad > 2 || (pad == 2 && n != 2))
				goto bad;
			continue;
		}
		if (v < 0 || pad > 0)
			goto bad;
		q = q << 6 | (unsigned long)v;
		if (++n == 4) {
			if (b64_emit(q, 4, &o) < 0)
				return DECODE_OVERFLOW;
			q = 0;
			n = 0;
		}
		continue;
bad:
		if (strict) {
			(void)block_flush(&o);
			return DECODE_INVALID;
		}
		if (d[i] == '=' || pad > 0)
			break;          /* the data ends at its padding */
	}
	if (n == 1 || (strict && n > 0 && pad == 0) ||
	    (strict && n == 2 && pad == 1))
		return strict ? DECODE_INVALID :
			block_flush(&o) < 0 ? DECODE_OVERFLOW : DECODE_OK;
	if (n > 1 && b64_emit(q, n, &o) < 0)
		return DECODE_OVERFLOW;
	return block_flush(&o) < 0 ? DECODE_OVERFLOW : DECODE_OK;
}

static int
hex_value(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* One line of quoted-printable: text[0..len) without its line end. Sets
 * *soft_r when it ends in a soft line break. */
static enum decode_result
qp_line(const unsigned char *t, size_t len, int strict, int *soft_r,
	struct out_block *out)
{
	size_t i = 0, run;

	while (len > 0 && (t[len - 1] == ' ' || t[len - 1] == '\t'))
		len--;
	*soft_r = len > 0 && t[len - 1] == '=';
	if (*soft_r)
		len--;
	while (i < len) {
		const unsigned char *eq = memchr(t + i, '=', len - i);
		int hi, lo;

		run = eq == NULL ? len - i : (size_t)(eq - (t + i));
		if (block_put(out, t + i, run) < 0)
			return DECODE_OVERFLOW;
		i += run;
		if (i == len)
			break;
		hi = i + 1 < len ? hex_value(t[i + 1]) : -1;
		lo = i + 2 < len ? hex_value(t[i + 2]) : -1;
		if (hi >= 0 && lo >= 0) {
			unsigned char c = (unsigned char)(hi << 4 | lo);

			if (block_put(out, &c, 1) < 0)
				return DECODE_OVERFLOW;
			i += 3;
		} else if (strict) {
			return DECODE_INVALID;
		} else {
			if (block_put(out, t + i, 1) < 0)  /* the "=" */
				return DECODE_OVERFLOW;
			i++;
		}
	}
	return DECODE_OK;
}

static enum decode_result
decode_qp(const unsigned char *d, size_t len, int strict, struct buf *buf)
{
	struct out_block o = { .n = 0, .out = buf }, *out = &o;
	size_t i = 0;

	while (i < len) {
		const unsigned char *nl = memchr(d + i, '\n', len - i);
		size_t end = nl == NULL ? len : (size_t)(nl - d);
		size_t text_end = end;
		enum decode_result r;
		int soft;

		if (nl != NULL && text_end > i && d[text_end - 1] == '\r')
			text_end--;
		r = qp_line(d + i, text_end - i, strict, &soft, out);
		if (r != DECODE_OK) {
			(void)block_flush(out);
			return r;
		}
		if (nl != NULL && !soft &&
		    block_put(out, d + text_end, end + 1 - text_end) < 0)
			return DECODE_OVERFLOW;
		i = nl == NULL ? len : end + 1;
	}
	return block_flush(out) < 0 ? DECODE_OVERFLOW : DECODE_OK;
}

enum decode_result
decode_body(const char *encoding, const unsigned char *data, size_t len,
	    int strict, struct buf *out)
{
	if (encoding == NULL || strcasecmp(encoding, "7bit") == 0 ||
	    strcasecmp(encoding, "8bit") == 0 ||
	    strcasecmp(encoding, "binary") == 0)
		return buf_append(out, data, len) < 0 ? DECODE_OVERFLOW :
			DECODE_OK;
	if (strcasecmp(encoding, "base64") == 0)
		return decode_base64(data, len, strict, out);
	if (strcasecmp(encoding, "quoted-printable") == 0)
		return decode_qp(data, len, strict, out);
	return DECODE_UNKNOWN;
}
