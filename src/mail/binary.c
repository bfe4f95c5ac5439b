/* src/mail/binary.c — decoded body sections for BINARY (RFC 3516).
 *
 * RFC 3516 4.3: BINARY[section] is "the content of the specified section
 * after removing any CTE-related encoding". For a leaf part that is its
 * body decoded with mail/decode (strictly: broken base64 or
 * quoted-printable fails, as in Dovecot 2.3). RFC 2045 6.4 allows only
 * 7bit, 8bit and binary on a multipart or message/rfc822 entity, so
 * removing its own encoding changes nothing; the parts inside keep
 * theirs. RFC 9051 6.4.5 says the item "can only be requested for leaf
 * body parts" and RFC 3516 does not say what a container gives, so skua
 * answers what Dovecot 2.3 answers, which clients have met: the whole
 * entity with every leaf inside decoded and the Content-Transfer-
 * Encoding field of each decoded leaf rewritten to "binary", so that the
 * result is again a correct MIME entity. An unknown encoding anywhere
 * inside fails the whole item (RFC 3516 4.3: "If the server does not
 * know how to decode the section's CTE, it MUST fail the request").
 *
 * Line ends (RFC 3516 6: "servers MUST ensure that textual line-oriented
 * sections are always transmitted using the IMAP4 CRLF line termination
 * syntax"): every bare LF of the stored bytes becomes CRLF before
 * decoding, as for BODY[]; base64 output is left as decoded. */
#include <string.h>
#include <strings.h>

#include "mail/binary.h"
#include "mail/header.h"

#define CTE_FIELD "Content-Transfer-Encoding"

/* data[0..len) with every bare LF as CRLF; an LF at data[0] is bare, as
 * the parser counts it. */
static int
put_crlf(struct buf *out, const unsigned char *d, size_t len)
{
	const unsigned char *p = d, *end = d + len, *nl;

	while (p < end && (nl = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		if (nl == d || nl[-1] != '\r') {
			if (buf_append(out, p, (size_t)(nl - p)) < 0 ||
			    buf_append(out, "\r\n", 2) < 0)
				return -1;
		} else if (buf_append(out, p, (size_t)(nl + 1 - p)) < 0) {
			return -1;
		}
		p = nl + 1;
	}
	return buf_append(out, p, (size_t)(end - p));
}

static int
is_multipart(const struct mail_part *p)
{
	return p->message == NULL && p->type != NULL && p->subtype != NULL &&
		strcasecmp(p->type, "multipart") == 0 && p->subtype[0] != '\0';
}

/* A leaf whose encoding decoding changes: its header gets "binary". */
static int
decodes(const struct mail_part *p)
{
	return p->message == NULL && !is_multipart(p) && p->encoding != NULL &&
		strcasecmp(p->encoding, "7bit") != 0 &&
		strcasecmp(p->encoding, "8bit") != 0 &&
		strcasecmp(p->encoding, "binary") != 0;
}

static enum decode_result body(const struct mail_part *p,
			       const unsigned char *data, struct buf *out,
			       int depth);

/* The header of p; when its body is decoded, without its
 * Content-Transfer-Encoding fields and with "Content-Transfer-Encoding:
 * binary" after the last field, where Dovecot 2.3 puts it. */
static enum decode_result
header(const struct mail_part *p, const unsigned char *data,
       struct buf *out)
{
	const unsigned char *h = data + p->header.start, *at = h;
	const unsigned char *fields_end = h;
	struct header_iter it;
	struct header_field f;

	if (!decodes(p))
		return put_crlf(out, h, p->header.len) < 0 ?
			DECODE_OVERFLOW : DECODE_OK;
	header_iter_init(&it, h, p->header.len);
	while (header_iter_next(&it, &f)) {
		fields_end = f.raw + f.raw_len;
		if (f.name_len != sizeof(CTE_FIELD) - 1 ||
		    strncasecmp((const char *)f.name, CTE_FIELD,
				f.name_len) != 0)
			continue;
		if (put_crlf(out, at, (size_t)(f.raw - at)) < 0)
			return DECODE_OVERFLOW;
		at = fields_end;
	}
	if (fields_end < at)
		fields_end = at;
	if (put_crlf(out, at, (size_t)(fields_end - at)) < 0 ||
	    buf_append_str(out, CTE_FIELD ": binary\r\n") < 0 ||
	    put_crlf(out, fields_end,
		     p->header.len - (size_t)(fields_end - h)) < 0)
		return DECODE_OVERFLOW;
	return DECODE_OK;
}

/* A whole entity: its header, then its body. */
static enum decode_result
entity(const struct mail_part *p, const unsigned char *data,
       struct buf *out, int depth)
{
	enum decode_result r = header(p, data, out);

	return r != DECODE_OK ? r : body(p, data, out, depth);
}

/* A multipart's body: preamble, boundary lines and epilogue as they
 * are, each child as an entity. */
static enum decode_result
multipart(const struct mail_part *p, const unsigned char *data,
	  struct buf *out, int depth)
{
	size_t at = p->body.start, end = p->body.start + p->body.len;
	enum decode_result r;

	for (size_t i = 0; i < p->nchildren; i++) {
		const struct mail_part *c = &p->children[i];
		size_t c_end = c->body.start + c->body.len;

		if (c->header.start > at &&
		    put_crlf(out, data + at, c->header.start - at) < 0)
			return DECODE_OVERFLOW;
		if ((r = entity(c, data, out, depth + 1)) != DECODE_OK)
			return r;
		if (c_end > at)
			at = c_end;
	}
	if (end > at && put_crlf(out, data + at, end - at) < 0)
		return DECODE_OVERFLOW;
	return DECODE_OK;
}

static enum decode_result
body(const struct mail_part *p, const unsigned char *data, struct buf *out,
     int depth)
{
	struct buf crlf;
	enum decode_result r;

	/* The parser nests no deeper than MAIL_MAX_DEPTH; this is a
	 * guard, not a limit anyone meets. */
	if (depth > 2 * MAIL_MAX_DEPTH + 2)
		return DECODE_OVERFLOW;
	if (p->message != NULL)
		return entity(p->message, data, out, depth + 1);
	if (is_multipart(p) && p->nchildren > 0)
		return multipart(p, data, out, depth);
	if (!decodes(p))
		return put_crlf(out, data + p->body.start, p->body.len) < 0 ?
			DECODE_OVERFLOW : DECODE_OK;
	buf_init(&crlf, p->body.wire_len + 1);
	if (put_crlf(&crlf, data + p->body.start, p->body.len) < 0)
		r = DECODE_OVERFLOW;
	else
		r = decode_body(p->encoding, crlf.data, crlf.len, 1, out);
	buf_free(&crlf);
	return r;
}

enum decode_result
mail_binary(const struct section *s, const struct mail_part *root,
	    const unsigned char *data, struct buf *out)
{
	const struct mail_part *p = section_part(s, root);

	if (p == NULL)
		return DECODE_OK;
	if (s->nparts == 0)
		return entity(p, data, out, 0);
	return body(p, data, out, 0);
}
