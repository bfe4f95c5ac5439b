/* src/mail/msgid.c — msg-id = [CFWS] "<" id-left "@" id-right ">" [CFWS]
 * (RFC 5322 3.6.4), with obs-id-left = local-part and obs-id-right =
 * domain (4.5.4): dot-atoms, quoted strings, domain literals, and CFWS
 * between the words of the obsolete forms.
 *
 * Normalizing: quotes and quoted-pairs are resolved, CFWS dropped, so
 * that <"x"@y> equals <x@y> (RFC 5256 3, REFERENCES). An id that does not
 * parse so but has no white space, holds an "@" and ends at ">" is still
 * taken as written, because mailers write ids with characters atoms may
 * not hold ("<1234$abc/def@[x]>" or "<a..b@c>"), and Dovecot takes those
 * too. A "<" that starts neither is skipped. */
#include <string.h>

#include "mail/msgid.h"
#include "util/buf.h"

#define MSGID_MAX 1024

struct mp {
	const char *s;
	size_t len, i;
	struct buf *out;
};

static int
atext(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		(c >= '0' && c <= '9') || c >= 0x80 ||
		strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL;
}

/* Skips white space and (nested) comments. */
static void
skip_cfws(struct mp *p)
{
	while (p->i < p->len) {
		char c = p->s[p->i];

		if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
			p->i++;
		} else if (c == '(') {
			int depth = 0;

			for (; p->i < p->len; p->i++) {
				c = p->s[p->i];
				if (c == '\\' && p->i + 1 < p->len)
					p->i++;
				else if (c == '(')
					depth++;
				else if (c == ')' && --depth == 0)
					break;
			}
			if (p->i < p->len)
				p->i++;
		} else {
			return;
		}
	}
}

/* One atom, quoted-string (open "[" for a domain-literal) word. */
static int
word(struct mp *p, int domain)
{
	size_t start = p->i;
	char close;

	if (p->i >= p->len)
		return -1;
	if (p->s[p->i] == '"' || (domain && p->s[p->i] == '[')) {
		close = p->s[p->i] == '"' ? '"' : ']';
		if (close == ']')
			(void)buf_append_byte(p->out, '[');
		for (p->i++; p->i < p->len; p->i++) {
			char c = p->s[p->i];

			if (c == close) {
				p->i++;
				if (close == ']')
					(void)buf_append_byte(p->out, ']');
				return 0;
			}
			if (c == '\\' && p->i + 1 < p->len)
				c = p->s[++p->i];
			if (c == '\r' || c == '\n' || c == '[')
				continue;       /* folding, or bad literal */
			if (buf_append_byte(p->out, (unsigned char)c) < 0)
				return -1;
		}
		return -1;
	}
	while (p->i < p->len && atext((unsigned char)p->s[p->i]))
		p->i++;
	if (p->i == start)
		return -1;
	return buf_append(p->out, p->s + start, p->i - start);
}

/* word *("." word), with CFWS around each word. */
static int
dotted(struct mp *p, int domain)
{
	for (;;) {
		skip_cfws(p);
		if (word(p, domain) < 0)
			return -1;
		skip_cfws(p);
		if (p->i >= p->len || p->s[p->i] != '.')
			return 0;
		p->i++;
		if (buf_append_byte(p->out, '.') < 0)
			return -1;
	}
}

/* Parses from just after "<"; 0 with the id in p->out and p->i after
 * ">", or -1. */
static int
parse_id(struct mp *p)
{
	if (dotted(p, 0) < 0 || p->i >= p->len || p->s[p->i] != '@')
		return -1;
	p->i++;
	if (buf_append_byte(p->out, '@') < 0 || dotted(p, 1) < 0 ||
	    p->i >= p->len || p->s[p->i] != '>')
		return -1;
	p->i++;
	return 0;
}

/* The lenient form: no white space, an "@", up to ">". */
static int
raw_id(struct mp *p)
{
	size_t start = p->i;
	int at = 0;

	for (; p->i < p->len && p->s[p->i] != '>'; p->i++) {
		char c = p->s[p->i];

		if (c == ' ' || c == '\t' || c == '\r' || c == '\n' ||
		    c == '<' || c == '\0')
			return -1;
		at |= c == '@';
	}
	if (p->i >= p->len || !at || p->i == start)
		return -1;
	buf_reset(p->out);
	if (buf_append(p->out, p->s + start, p->i - start) < 0)
		return -1;
	p->i++;
	return 0;
}

const char *
msgid_next(const char *text, size_t len, size_t *pos, struct arena *a)
{
	struct buf b;
	struct mp p = { .s = text, .len = len, .i = *pos, .out = &b };
	const char *ret = NULL;

	buf_init(&b, MSGID_MAX);
	while (p.i < len && ret == NULL) {
		const char *lt = memchr(text + p.i, '<', len - p.i);
		size_t after;

		if (lt == NULL) {
			p.i = len;
			break;
		}
		after = (size_t)(lt - text) + 1;
		p.i = after;
		buf_reset(&b);
		if (parse_id(&p) == 0 && b.len > 0) {
			ret = arena_strndup(a, b.data, b.len);
			break;
		}
		p.i = after;
		if (raw_id(&p) == 0) {
			ret = arena_strndup(a, b.data, b.len);
			break;
		}
		p.i = after;
	}
	*pos = p.i;
	buf_free(&b);
	return ret;
}
