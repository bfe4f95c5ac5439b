/* src/mail/address.c — address lists (RFC 5322 3.4 and the obsolete forms
 * of 4.4) parsed the way Dovecot 2.3 parses them for ENVELOPE.
 *
 * The ENVELOPE must match Dovecot byte for byte, so this parser follows
 * Dovecot's lenient recursive descent rather than the RFC grammar:
 *
 *   - an address is tried as a group ("phrase :"), then as name-addr
 *     ("phrase <...>"), then as addr-spec; each try restarts at the same
 *     byte, so one address is scanned a small constant number of times;
 *   - a local part may have any number of dots ("a..b", ".a."), as
 *     Japanese mail needs; a domain must be a dot-atom or a literal;
 *   - the last comment seen while reading an addr-spec becomes the
 *     display name ("user@host (Joe)"); a word without "@" that is
 *     followed by more words is a display name without an address;
 *   - a missing local part or domain is filled with "MISSING_MAILBOX" or
 *     "MISSING_DOMAIN", a broken <...> with host "SYNTAX_ERROR", and a
 *     broken route with "INVALID_ROUTE";
 *   - NUL inside quoted strings, comments and domain literals becomes
 *     U+FFFD; elsewhere it simply ends a token.
 *
 * Every read goes through peek(), which yields 0 at the end, so no input
 * can make the parser read past the value; every loop consumes a byte. */
#include <string.h>

#include "mail/address.h"

#define REPLACEMENT_UTF8 "\xef\xbf\xbd"

/* Scratch string: sized once for the worst case (every input byte a NUL
 * that becomes three bytes), appends beyond it are dropped. */
struct sstr {
	char *d;
	size_t len, cap;
};

struct aparser {
	const unsigned char *data, *end;
	struct sstr *comment;   /* last comment, or NULL when not recorded */
	struct sstr str;
	struct arena *a;
	struct mail_address cur;
	int cur_invalid;
	struct mail_address *list;
	size_t n, cap;
};

static void
s_add(struct sstr *s, const void *p, size_t len)
{
	if (len > s->cap - s->len)
		len = s->cap - s->len;
	memcpy(s->d + s->len, p, len);
	s->len += len;
}

static void
s_addc(struct sstr *s, char c)
{
	s_add(s, &c, 1);
}

static const char *
s_dup(struct aparser *p, const struct sstr *s)
{
	return arena_strndup(p->a, s->d, s->len);
}

static int
peek(const struct aparser *p)
{
	return p->data < p->end ? *p->data : 0;
}

static int
is_atext(int c)
{
	if (c >= 0x80)
		return 1;
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return 1;
	switch (c) {            /* RFC 5322 3.2.3, without a strchr call */
	case '!': case '#': case '$': case '%': case '&': case '\'':
	case '*': case '+': case '-': case '/': case '=': case '?':
	case '^': case '_': case '`': case '{': case '|': case '}':
	case '~':
		return 1;
	}
	return 0;
}

static int skip_lwsp(struct aparser *p);

/* Skips a (possibly nested) comment, recording its text. Returns 1 when
 * input follows, 0 at the end, -1 when it is not closed. */
static int
skip_comment(struct aparser *p)
{
	struct sstr *lc = p->comment;
	const unsigned char *start;
	int level = 1;

	if (lc != NULL)
		lc->len = 0;
	start = ++p->data;
	for (; p->data < p->end; p->data++) {
		switch (*p->data) {
		case '\0':
			if (lc != NULL) {
				s_add(lc, start, p->data - start);
				s_add(lc, REPLACEMENT_UTF8, 3);
				start = p->data + 1;
			}
			break;
		case '(':
			level++;
			break;
		case ')':
			if (--level > 0)
				break;
			if (lc != NULL)
				s_add(lc, start, p->data - start);
			p->data++;
			return p->data < p->end;
		case '\n':
			if (lc == NULL)
				break;
			/* folding: drop the line end */
			s_add(lc, start, p->data - start -
			      (p->data > start && p->data[-1] == '\r'));
			start = p->data + 1;
			break;
		case '\\':
			if (++p->data >= p->end)
				return -1;
			if (*p->data == '\r' || *p->data == '\n' ||
			    *p->data == '\0') {
				p->data--;
				break;
			}
			if (lc != NULL)
				s_add(lc, start, p->data - start - 1);
			start = p->data;
			break;
		}
	}
	return -1;
}

/* Skips white space, line ends and comments. 1: more input, 0: end,
 * -1: unclosed comment. */
static int
skip_lwsp(struct aparser *p)
{
	while (p->data < p->end) {
		int c = *p->data;

		if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
			p->data++;
			continue;
		}
		if (c != '(')
			break;
		if (skip_comment(p) < 0)
			return -1;
	}
	return p->data < p->end;
}

static int
parse_atom(struct aparser *p, struct sstr *s)
{
	const unsigned char *start;

	if (!is_atext(peek(p)))
		return -1;
	for (start = p->data++; p->data < p->end; p->data++) {
		if (is_atext(*p->data))
			continue;
		s_add(s, start, p->data - start);
		return skip_lwsp(p);
	}
	s_add(s, start, p->data - start);
	return 0;
}

/* dot-atom of a domain: no empty parts. */
static int
parse_dot_atom(struct aparser *p, struct sstr *s)
{
	const unsigned char *start;
	int ret;

	if (!is_atext(peek(p)))
		return -1;
	for (start = p->data++; p->data < p->end;) {
		if (is_atext(*p->data)) {
			p->data++;
			continue;
		}
		if (start == p->data)
			return -1;
		s_add(s, start, p->data - start);
		if ((ret = skip_lwsp(p)) <= 0)
			return ret;
		if (*p->data != '.')
			return 1;
		p->data++;
		s_addc(s, '.');
		if (skip_lwsp(p) <= 0)
			return -1;
		start = p->data;
	}
	s_add(s, start, p->data - start);
	return 0;
}

/* Local part with dots anywhere ("a..b", ".a."). */
static int
parse_loose_dot_atom(struct aparser *p, struct sstr *s)
{
	int ret = -1;

	do {
		while (peek(p) == '.') {
			s_addc(s, '.');
			if (++p->data == p->end)
				return 0;
			ret = 1;
		}
		if (peek(p) == '@')
			break;
		ret = parse_atom(p, s);
	} while (ret > 0 && peek(p) == '.');
	return ret;
}

/* Appends the unquoted, unescaped content; line ends inside are folding
 * and dropped. */
static int
parse_quoted_string(struct aparser *p, struct sstr *s)
{
	const unsigned char *start;

	p->data++;
	for (start = p->data; p->data < p->end; p->data++) {
		switch (*p->data) {
		case '\0':
			s_add(s, start, p->data - start);
			s_add(s, REPLACEMENT_UTF8, 3);
			start = p->data + 1;
			break;
		case '"':
			s_add(s, start, p->data - start);
			p->data++;
			return skip_lwsp(p);
		case '\n':
			s_add(s, start, p->data - start -
			      (p->data > start && p->data[-1] == '\r'));
			start = p->data + 1;
			break;
		case '\\':
			if (++p->data >= p->end)
				return -1;
			if (*p->data == '\r' || *p->data == '\n' ||
			    *p->data == '\0') {
				p->data--;
				break;
			}
			s_add(s, start, p->data - start - 1);
			start = p->data;
			break;
		}
	}
	return -1;
}

static int
parse_atom_or_dot(struct aparser *p, struct sstr *s)
{
	const unsigned char *start;

	for (start = p->data; p->data < p->end; p->data++) {
		if (is_atext(*p->data) || *p->data == '.')
			continue;
		s_add(s, start, p->data - start);
		return skip_lwsp(p);
	}
	s_add(s, start, p->data - start);
	return 0;
}

/* phrase = 1*word / obs-phrase; words are joined by one space. */
static int
parse_phrase(struct aparser *p, struct sstr *s)
{
	int ret, c;

	if (p->data >= p->end)
		return 0;
	if (*p->data == '.')
		return -1;
	for (;;) {
		if (peek(p) == '"')
			ret = parse_quoted_string(p, s);
		else
			ret = parse_atom_or_dot(p, s);
		if (ret <= 0)
			return ret;
		c = peek(p);
		if (!is_atext(c) && c != '"' && c != '.')
			break;
		s_addc(s, ' ');
	}
	return skip_lwsp(p);
}

static int
parse_domain_literal(struct aparser *p, struct sstr *s)
{
	const unsigned char *start;

	for (start = p->data++; p->data < p->end; p->data++) {
		switch (*p->data) {
		case '\0':
			s_add(s, start, p->data - start);
			s_add(s, REPLACEMENT_UTF8, 3);
			start = p->data + 1;
			break;
		case '[':
			return -1;
		case ']':
			s_add(s, start, p->data - start + 1);
			p->data++;
			return skip_lwsp(p);
		case '\n':
			s_add(s, start, p->data - start -
			      (p->data > start && p->data[-1] == '\r'));
			start = p->data + 1;
			break;
		case '\\':
			if (++p->data >= p->end)
				return -1;
			if (*p->data == '\r' || *p->data == '\n' ||
			    *p->data == '\0') {
				s_add(s, start, p->data - start);
				start = p->data;
				p->data--;
			}
			break;
		}
	}
	return -1;
}

/* At '@': the domain after it. */
static int
parse_rfc_domain(struct aparser *p, struct sstr *s)
{
	p->data++;
	if (skip_lwsp(p) <= 0)
		return -1;
	if (*p->data == '[')
		return parse_domain_literal(p, s);
	return parse_dot_atom(p, s);
}

static int
parse_local_part(struct aparser *p)
{
	int ret;

	p->str.len = 0;
	if (peek(p) == '"')
		ret = parse_quoted_string(p, &p->str);
	else
		ret = parse_loose_dot_atom(p, &p->str);
	if (ret < 0)
		return -1;
	p->cur.mailbox = s_dup(p, &p->str);
	return ret;
}

static int
parse_domain(struct aparser *p)
{
	int ret;

	p->str.len = 0;
	if ((ret = parse_rfc_domain(p, &p->str)) < 0)
		return -1;
	p->cur.host = s_dup(p, &p->str);
	return ret;
}

/* obs-domain-list = "@" domain *(*(CFWS / ",") [CFWS] "@" domain) */
static int
parse_domain_list(struct aparser *p)
{
	int ret;

	p->str.len = 0;
	for (;;) {
		if (p->data >= p->end)
			return 0;
		if (*p->data != '@')
			break;
		if (p->str.len > 0)
			s_addc(&p->str, ',');
		s_addc(&p->str, '@');
		if ((ret = parse_rfc_domain(p, &p->str)) <= 0)
			return ret;
		while (skip_lwsp(p) > 0 && *p->data == ',')
			p->data++;
	}
	p->cur.route = s_dup(p, &p->str);
	return 1;
}

/* "<" [route ":"] [local-part ["@" domain]] ">" */
static int
parse_angle_addr(struct aparser *p)
{
	p->data++;
	if (skip_lwsp(p) <= 0)
		return -1;
	if (*p->data == '@') {
		if (parse_domain_list(p) > 0 && peek(p) == ':') {
			p->data++;
		} else {
			p->cur.route = "INVALID_ROUTE";
			if (p->data >= p->end)
				return -1;
		}
		if (skip_lwsp(p) <= 0)
			return -1;
	}
	if (*p->data != '>') {
		if (parse_local_part(p) <= 0)
			return -1;
		if (peek(p) == '@' && parse_domain(p) <= 0)
			return -1;
	}
	if (peek(p) != '>')
		return -1;
	p->data++;
	return skip_lwsp(p);
}

static int
parse_name_addr(struct aparser *p)
{
	p->str.len = 0;
	if (parse_phrase(p, &p->str) <= 0 || peek(p) != '<')
		return -1;
	/* "<address>" has no display name */
	p->cur.name = p->str.len > 0 ? s_dup(p, &p->str) : NULL;
	if (parse_angle_addr(p) < 0) {
		p->cur.host = "SYNTAX_ERROR";
		p->cur_invalid = 1;
	}
	return p->data < p->end;
}

static int
parse_addr_spec(struct aparser *p)
{
	int ret, ret2 = -2, quoted = peek(p) == '"';
	size_t before;

	p->comment->len = 0;
	ret = parse_local_part(p);
	if (ret <= 0)
		p->cur_invalid = 1;
	if (ret != 0 && peek(p) == '@') {
		ret2 = parse_domain(p);
		if (ret2 <= 0)
			ret = ret2;
	}
	if (p->comment->len > 0) {
		p->cur.name = s_dup(p, p->comment);
	} else if (ret2 == -2) {
		/* "user" alone is a mailbox without a domain, but words
		 * after it make the whole a display name */
		s_addc(&p->str, ' ');
		before = p->str.len;
		(void)parse_phrase(p, &p->str);
		if (p->str.len != before) {
			p->cur.mailbox = NULL;
			p->cur.name = s_dup(p, &p->str);
		} else if (!quoted) {
			p->cur.host = "";
		}
		p->cur_invalid = 1;
		ret = -1;
	}
	return ret;
}

static void
add_entry(struct aparser *p)
{
	struct mail_address *nl;

	if (p->n == p->cap) {
		p->cap = p->cap * 2 + 8;
		nl = arena_alloc(p->a, p->cap * sizeof(*nl));
		if (p->n > 0)
			memcpy(nl, p->list, p->n * sizeof(*nl));
		p->list = nl;
	}
	p->list[p->n++] = p->cur;
	memset(&p->cur, 0, sizeof(p->cur));
	p->cur_invalid = 0;
}

static void
add_fixed_entry(struct aparser *p)
{
	if (p->cur.mailbox == NULL)
		p->cur.mailbox = "MISSING_MAILBOX";
	if (p->cur.host == NULL || p->cur.host[0] == '\0')
		p->cur.host = "MISSING_DOMAIN";
	add_entry(p);
}

static int
parse_mailbox(struct aparser *p)
{
	const unsigned char *start = p->data;
	int ret;

	if ((ret = parse_name_addr(p)) < 0) {
		p->data = start;
		ret = parse_addr_spec(p);
		if (p->cur_invalid && p->cur.name == NULL &&
		    p->cur.mailbox != NULL && p->cur.host == NULL) {
			p->cur.name = p->cur.mailbox;
			p->cur.mailbox = NULL;
		}
	}
	add_fixed_entry(p);
	return ret;
}

/* group = display-name ":" [mailbox-list / CFWS] ";" [CFWS]. Once the
 * colon is seen it stays a group, however broken the rest is. */
static int
parse_group(struct aparser *p)
{
	int ret;

	p->str.len = 0;
	if (parse_phrase(p, &p->str) <= 0 || peek(p) != ':')
		return -1;
	p->data++;
	ret = skip_lwsp(p);
	p->cur.mailbox = s_dup(p, &p->str);
	p->cur.group_start = 1;
	add_entry(p);

	if (ret > 0 && *p->data != ';') {
		for (;;) {
			(void)parse_mailbox(p);
			if (peek(p) != ',')
				break;
			p->data++;
			if (skip_lwsp(p) <= 0) {
				ret = -1;
				break;
			}
		}
	}
	if (ret >= 0) {
		if (peek(p) != ';') {
			ret = -1;
		} else {
			p->data++;
			ret = skip_lwsp(p);
		}
	}
	p->cur.group_end = 1;
	add_entry(p);
	return ret == 0 ? 0 : 1;
}

static int
parse_address(struct aparser *p)
{
	const unsigned char *start = p->data;
	int ret;

	if ((ret = parse_group(p)) < 0) {
		p->data = start;
		ret = parse_mailbox(p);
	}
	return ret;
}

static void
parse_address_list(struct aparser *p)
{
	int ret;

	for (;;) {
		if (parse_address(p) == 0)
			break;
		if (peek(p) != ',')
			break;
		p->data++;
		if ((ret = skip_lwsp(p)) <= 0) {
			if (ret < 0)            /* ends with garbage */
				add_fixed_entry(p);
			break;
		}
	}
}

size_t
address_parse(const char *value, size_t len, struct arena *a,
	      struct mail_address **list_r)
{
	struct aparser p;
	struct sstr comment;
	size_t cap = len * 3 + 16;

	memset(&p, 0, sizeof(p));
	p.data = (const unsigned char *)value;
	p.end = p.data + len;
	p.a = a;
	p.str.d = arena_alloc(a, cap);
	p.str.cap = cap;
	comment.d = arena_alloc(a, cap);
	comment.cap = cap;
	comment.len = 0;
	p.comment = &comment;

	*list_r = NULL;
	if (skip_lwsp(&p) <= 0)
		return 0;
	parse_address_list(&p);
	*list_r = p.list;
	return p.n;
}
