/* src/mail/bodystructure.c — BODY and BODYSTRUCTURE (RFC 3501 7.4.2) in
 * the exact form Dovecot 2.3 writes, since clients cache it and compare:
 *
 * - type, subtype and parameter names keep the case of the header
 *   ("Text" "Plain" ("Charset" "UTF-8")); only the defaults are lower
 *   case: "text" "plain", ("charset" "us-ascii") added to a text part
 *   without a charset, "7bit", and "message" "rfc822" whatever the case
 *   of the header or when multipart/digest implied it.
 * - strings with CR, LF, 8-bit bytes or more than four quotes or
 *   backslashes are literals; others are quoted strings.
 * - a multipart without parts gets one empty text/plain part.
 * - sizes are wire bytes of the body; lines (text, message/rfc822) count
 *   LFs. */
#include <string.h>
#include <strings.h>

#include "mail/bodystructure.h"
#include "mail/envelope.h"

static int
is_multipart(const struct mail_part *p)
{
	return p->message == NULL && p->type != NULL &&
		strcasecmp(p->type, "multipart") == 0 && p->subtype[0] != '\0';
}

/* " n": buf_printf would run vsnprintf twice for every size and count. */
static void
put_number(struct buf *out, size_t n)
{
	char digits[24];
	size_t i = sizeof(digits);

	do
		digits[--i] = (char)('0' + n % 10);
	while ((n /= 10) > 0);
	digits[--i] = ' ';
	buf_append(out, digits + i, sizeof(digits) - i);
}

/* A string as Dovecot's imap_append_nstring writes it. */
static void
put_string(struct buf *out, const char *s)
{
	unsigned esc = 0;

	if (s == NULL) {
		buf_append_str(out, "NIL");
		return;
	}
	for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
		if (((*p == '"' || *p == '\\') && esc++ >= 4) ||
		    *p == '\r' || *p == '\n' || *p >= 0x80) {
			buf_printf(out, "{%zu}\r\n", strlen(s));
			buf_append_str(out, s);
			return;
		}
	}
	buf_append_byte(out, '"');
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			buf_append_byte(out, '\\');
		buf_append_byte(out, (unsigned char)*s);
	}
	buf_append_byte(out, '"');
}

/* The same without CR and LF (Dovecot's imap_append_nstring_nolf). */
static void
put_nstring_nolf(struct buf *out, const char *s, struct arena *a)
{
	char *t, *q;

	if (s == NULL || strpbrk(s, "\r\n") == NULL) {
		put_string(out, s);
		return;
	}
	t = q = arena_strdup(a, s);
	for (; *s != '\0'; s++)
		if (*s != '\r' && *s != '\n')
			*q++ = *s;
	*q = '\0';
	put_string(out, t);
}

static void
put_params(struct buf *out, const struct mail_param *params, size_t n,
	   int default_charset)
{
	int seen = 0;

	if (!default_charset && n == 0) {
		buf_append_str(out, "NIL");
		return;
	}
	buf_append_byte(out, '(');
	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			buf_append_byte(out, ' ');
		if (strcasecmp(params[i].name, "charset") == 0)
			seen = 1;
		put_string(out, params[i].name);
		buf_append_byte(out, ' ');
		put_string(out, params[i].value);
	}
	if (default_charset && !seen)
		buf_append_str(out, n > 0 ? " \"charset\" \"us-ascii\"" :
			       "\"charset\" \"us-ascii\"");
	buf_append_byte(out, ')');
}

/* Disposition, language and location, common to both kinds. */
static void
put_ext_common(struct buf *out, const struct mail_part *p, struct arena *a)
{
	buf_append_byte(out, ' ');
	if (p->disposition == NULL) {
		buf_append_str(out, "NIL");
	} else {
		buf_append_byte(out, '(');
		put_string(out, p->disposition);
		buf_append_byte(out, ' ');
		put_params(out, p->disp_params, p->ndisp_params, 0);
		buf_append_byte(out, ')');
	}
	buf_append_byte(out, ' ');
	if (p->language == NULL) {
		buf_append_str(out, "NIL");
	} else {
		buf_append_byte(out, '(');
		for (size_t i = 0; p->language[i] != NULL; i++) {
			if (i > 0)
				buf_append_byte(out, ' ');
			put_string(out, p->language[i]);
		}
		buf_append_byte(out, ')');
	}
	buf_append_byte(out, ' ');
	put_nstring_nolf(out, p->location, a);
}

/* The structure is written with an explicit stack, not recursion:
 * message/rfc822 and multiparts nest up to MAIL_MAX_DEPTH. A frame is a
 * part plus what is left to write after its children. */
struct frame {
	const struct mail_part *p;
	size_t next_child;      /* multipart: index of the next child */
	int stage;              /* 0: start, 1: children/message written */
};

/* Dovecot writes the top part of a message as the plain default,
 * ("text" "plain" ("charset" "us-ascii") ... "7bit"), in lower case
 * whatever the header said, when nothing distinguishes it from that
 * default: text/plain, no parameter but charset=us-ascii, 7bit, and no
 * id, description, MD5, disposition, language or location (Dovecot
 * 2.3's message_part_data_is_plain_7bit; observed with 2.3.19). Only
 * the top part: a nested "TEXT/plain" keeps its case. */
static int
is_plain_7bit(const struct mail_part *p)
{
	if (p->message != NULL || p->type == NULL)
		return p->message == NULL;
	if (strcasecmp(p->type, "text") != 0 ||
	    strcasecmp(p->subtype, "plain") != 0)
		return 0;
	if (p->nparams > 1 || (p->nparams == 1 &&
	    (strcasecmp(p->params[0].name, "charset") != 0 ||
	     strcasecmp(p->params[0].value, "us-ascii") != 0)))
		return 0;
	if (p->encoding != NULL && strcasecmp(p->encoding, "7bit") != 0)
		return 0;
	return p->id == NULL && p->description == NULL && p->md5 == NULL &&
	       p->disposition == NULL && p->language == NULL &&
	       p->location == NULL;
}

static void
leaf_head(struct buf *out, const struct mail_part *p, int top,
	  struct arena *a)
{
	int text = 0;
	int plain = top && is_plain_7bit(p);

	if (p->message != NULL) {
		buf_append_str(out, "\"message\" \"rfc822\"");
	} else if (p->type == NULL || plain) {
		text = 1;
		buf_append_str(out, "\"text\" \"plain\"");
	} else {
		text = strcasecmp(p->type, "text") == 0;
		put_string(out, p->type);
		buf_append_byte(out, ' ');
		put_string(out, p->subtype);
	}
	buf_append_byte(out, ' ');
	if (plain)
		buf_append_str(out, "(\"charset\" \"us-ascii\")");
	else
		put_params(out, p->params, p->nparams, text);
	buf_append_byte(out, ' ');
	put_nstring_nolf(out, p->id, a);
	buf_append_byte(out, ' ');
	put_nstring_nolf(out, p->description, a);
	buf_append_byte(out, ' ');
	if (p->encoding != NULL && !plain)
		put_string(out, p->encoding);
	else
		buf_append_str(out, "\"7bit\"");
	put_number(out, p->body.wire_len);
	if (text)
		put_number(out, p->body.lines);
}

static void
leaf_tail(struct buf *out, const struct mail_part *p, int extended,
	  struct arena *a)
{
	if (p->message != NULL)
		put_number(out, p->body.lines);
	if (!extended)
		return;
	buf_append_byte(out, ' ');
	put_nstring_nolf(out, p->md5, a);
	put_ext_common(out, p, a);
}

static void
multipart_tail(struct buf *out, const struct mail_part *p, int extended,
	       struct arena *a)
{
	if (p->nchildren == 0)
		buf_append_str(out, extended ?
			"(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL "
			"\"7bit\" 0 0 NIL NIL NIL NIL)" :
			"(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL "
			"\"7bit\" 0 0)");
	buf_append_byte(out, ' ');
	put_string(out, p->subtype);
	if (!extended)
		return;
	buf_append_byte(out, ' ');
	put_params(out, p->params, p->nparams, 0);
	put_ext_common(out, p, a);
}

int
bodystructure_write(const struct mail_part *part, const unsigned char *data,
		    int extended, struct arena *a, struct buf *out)
{
	struct frame *st = arena_alloc(a, sizeof(*st) * (MAIL_MAX_DEPTH * 2 + 4));
	size_t n = 0, cap = MAIL_MAX_DEPTH * 2 + 4;
	size_t before = out->len;

	buf_append_byte(out, '(');
	st[n++] = (struct frame){ part, 0, 0 };
	while (n > 0) {
		struct frame *f = &st[n - 1];
		const struct mail_part *p = f->p;

		if (is_multipart(p)) {
			if (f->next_child < p->nchildren && n < cap) {
				buf_append_byte(out, '(');
				st[n++] = (struct frame){ &p->children[f->next_child++], 0, 0 };
				continue;
			}
			multipart_tail(out, p, extended, a);
		} else if (f->stage == 0) {
			leaf_head(out, p, n == 1, a);
			f->stage = 1;
			if (p->message != NULL && n < cap) {
				buf_append_byte(out, ' ');
				if (envelope_write(data + p->message->header.start,
						   p->message->header.len, a, out) < 0)
					return -1;
				buf_append_str(out, " (");
				st[n++] = (struct frame){ p->message, 0, 0 };
				continue;
			}
			leaf_tail(out, p, extended, a);
		} else {
			leaf_tail(out, p, extended, a);
		}
		buf_append_byte(out, ')');
		n--;
	}
	/* An append past the buffer's maximum fails and leaves it full. */
	return out->len == before || out->len >= out->max ? -1 : 0;
}
