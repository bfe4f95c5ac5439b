/* src/mail/message.c — the MIME tree of one message in one pass.
 *
 * The problem: IMAP clients judge a server by BODYSTRUCTURE, and they
 * compare it with what Dovecot said yesterday for the same Maildir file.
 * RFC 2046 5.1.1 says how boundaries work, but real mail breaks it in
 * every way, so the rule here is "what Dovecot 2.3 does", checked by
 * running Dovecot on the same bytes:
 *
 * - A boundary line is "--" followed by a boundary of any enclosing
 *   multipart as a prefix; anything may follow ("--b  ", "--bx" both
 *   match "b"). When several match, the longest wins (RFC 2046 5.1.1
 *   asks for boundaries that are not prefixes of each other; mail that
 *   ignores that still parses the way Dovecot parses it).
 * - The CRLF (or LF) before a boundary line belongs to the boundary, not
 *   to the part before it. The first line of a body is also checked.
 * - A boundary of an outer multipart closes every part inside it. A close
 *   delimiter "--b--" forgets b; the rest is epilogue, which still ends at
 *   an outer boundary.
 * - Boundaries are checked at the start of every header line too: a part
 *   whose header is cut by a boundary has no body, and its last newline
 *   goes to the boundary.
 * - A missing final boundary ends everything at the end of the buffer.
 * - Content-* fields count only in a MIME part: a multipart child, or a
 *   message with MIME-Version or Content-Type.
 * - Without Content-Type a part is text/plain, or message/rfc822 inside
 *   multipart/digest (RFC 2046 5.1.5). multipart/x without a boundary
 *   parameter is a multipart with no children.
 * - A container (multipart with boundary, message/rfc822) at depth
 *   MAIL_MAX_DEPTH - 1 or deeper becomes an application/octet-stream leaf
 *   that keeps its parameters, as Dovecot's nesting limit does.
 *
 * The parse is iterative: an explicit stack of open boundaries, parents
 * reached through pointers, so 1000 nested parts cost no C stack. Nodes
 * are linked while parsing and turned into the arrays of struct mail_part
 * at the end, children before parents. Sizes count every bare LF as CRLF
 * (wire bytes); lines count LFs. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mail/message.h"
#include "util/buf.h"

#define MAX_TOTAL_PARTS 10000

struct node {
	struct mail_part p;
	struct node *parent, *first, *last, *next, *created_prev;
	size_t nchild;
	unsigned depth;
	int multipart, rfc822, digest, is_mime, cut;
	size_t eoh_len;         /* bytes of the empty line ending the header */
	size_t body_end;        /* raw end offset, set when closed */
};

struct bnd {
	const char *s;
	size_t len;
	struct node *part;
};

struct ctx {
	const unsigned char *d;
	size_t len;
	struct arena *a;
	struct bnd *stack;
	size_t nstack;
	struct node *last_created;
	size_t nparts;
};

/* --- sizes ---------------------------------------------------------- */

typedef unsigned char v16 __attribute__((vector_size(16)));

/* Adds to *lf_r the LFs of p[1..len) and to *crlf_r those after a CR,
 * 16 bytes at a time: a memchr per line cost more than the rest of a
 * search's parse. Lanes count up to 255 before they are summed. */
static void
count_lf(const unsigned char *p, size_t len, size_t *lf_r, size_t *crlf_r)
{
	size_t i = 1;

	while (len >= 16 && i <= len - 16) {
		v16 lf = { 0 }, crlf = { 0 };
		size_t n = (len - i) / 16;

		for (n = n > 255 ? 255 : n; n > 0; n--, i += 16) {
			v16 cur, prev, is_lf;

			memcpy(&cur, p + i, 16);
			memcpy(&prev, p + i - 1, 16);
			is_lf = (v16)(cur == '\n');
			lf -= is_lf;
			crlf -= is_lf & (v16)(prev == '\r');
		}
		for (int k = 0; k < 16; k++) {
			*lf_r += lf[k];
			*crlf_r += crlf[k];
		}
	}
	for (; i < len; i++) {
		*lf_r += p[i] == '\n';
		*crlf_r += p[i] == '\n' && p[i - 1] == '\r';
	}
}

static void
mail_span_measure(const unsigned char *d, size_t start, size_t len,
		  struct mail_span *s)
{
	size_t lf = 0, crlf = 0;

	s->start = start;
	s->len = len;
	/* An LF that starts the span counts as bare, whatever precedes. */
	if (len > 0 && d[start] == '\n')
		lf++;
	count_lf(d + start, len, &lf, &crlf);
	s->wire_len = len + lf - crlf;
	s->lines = lf;
}

/* --- boundaries ----------------------------------------------------- */

/* The boundary that a line at pos starts, or NULL. Dovecot compares the
 * boundary with the bytes after "--", not limited to the line. */
static struct bnd *
boundary_at(struct ctx *c, size_t pos)
{
	struct bnd *best = NULL;
	size_t rest;

	if (c->nstack == 0 || c->len - pos < 2 || c->d[pos] != '-' ||
	    c->d[pos + 1] != '-')
		return NULL;
	rest = c->len - pos - 2;
	for (size_t i = c->nstack; i-- > 0;) {
		struct bnd *b = &c->stack[i];
		if (b->len <= rest && memcmp(b->s, c->d + pos + 2, b->len) == 0 &&
		    (best == NULL || best->len < b->len))
			best = b;
	}
	return best;
}

static size_t
line_end(struct ctx *c, size_t pos)
{
	const unsigned char *nl = memchr(c->d + pos, '\n', c->len - pos);
	return nl == NULL ? c->len : (size_t)(nl - c->d) + 1;
}

/* --- nodes ---------------------------------------------------------- */

static struct node *
node_new(struct ctx *c, struct node *parent)
{
	struct node *n = arena_zalloc(c->a, sizeof(*n));

	n->parent = parent;
	n->depth = parent == NULL ? 0 : parent->depth + 1;
	n->created_prev = c->last_created;
	c->last_created = n;
	c->nparts++;
	if (parent != NULL) {
		if (parent->last == NULL)
			parent->first = n;
		else
			parent->last->next = n;
		parent->last = n;
		parent->nchild++;
		/* Children of a multipart are MIME parts by definition. */
		n->is_mime = parent->multipart;
	}
	return n;
}

static void
node_close(struct node *n, size_t end)
{
	size_t start = n->p.body.start;

	/* A part whose header a boundary cut has no body (Dovecot gives
	 * the newline to the parent). */
	n->body_end = n->cut || end < start ? start : end;
}

/* --- Content-* values (RFC 2045, RFC 2183, RFC 2231) ----------------
 *
 * A tokenizer shaped like Dovecot's rfc822-parser, because its corners
 * (what ends a token, where a broken parameter list stops, how RFC 2231
 * pieces merge) decide the bytes of BODYSTRUCTURE. */

struct rp {
	const unsigned char *p, *end;
};

/* 0: not atext; 1, 2: atext and MIME token; 4: atext but tspecial. */
static int
atext_class(unsigned char ch)
{
	if (ch >= 0x80)
		return 2;
	if (ch <= ' ' || ch == 0x7f)
		return 0;
	/* A switch, not strchr: this runs for every byte of a value. */
	switch (ch) {
	case '(': case ')': case '<': case '>': case '@': case ',':
	case ';': case ':': case '\\': case '"': case '.': case '[':
	case ']':
		return 0;
	case '/': case '=': case '?':
		return 4;
	}
	return 1;
}

static int
rp_skip_comment(struct rp *r)
{
	int level = 1;

	for (r->p++; r->p != r->end; r->p++) {
		if (*r->p == '(') {
			level++;
		} else if (*r->p == ')') {
			if (--level == 0) {
				r->p++;
				return r->p != r->end;
			}
		} else if (*r->p == '\\') {
			if (++r->p == r->end)
				return -1;
		}
	}
	return -1;
}

/* Skips white space and comments: -1 unterminated comment, 0 at the end,
 * 1 before more data. */
static int
rp_skip_lwsp(struct rp *r)
{
	while (r->p != r->end) {
		if (*r->p == ' ' || *r->p == '\t' || *r->p == '\r' || *r->p == '\n') {
			r->p++;
			continue;
		}
		if (*r->p != '(')
			break;
		if (rp_skip_comment(r) < 0)
			return -1;
	}
	return r->p != r->end;
}

static int
rp_token(struct rp *r, struct buf *out)
{
	const unsigned char *start = r->p;

	while (r->p != r->end && ((atext_class(*r->p) & 3) != 0 || *r->p == '.'))
		r->p++;
	buf_append(out, start, (size_t)(r->p - start));
	return r->p == r->end ? 0 : rp_skip_lwsp(r);
}

static int
rp_atom(struct rp *r, struct buf *out)
{
	const unsigned char *start = r->p;

	if (r->p == r->end || atext_class(*r->p) == 0)
		return -1;
	while (r->p != r->end && atext_class(*r->p) != 0)
		r->p++;
	buf_append(out, start, (size_t)(r->p - start));
	return r->p == r->end ? 0 : rp_skip_lwsp(r);
}

static int
rp_quoted(struct rp *r, struct buf *out)
{
	const unsigned char *start = ++r->p;

	for (; r->p != r->end; r->p++) {
		if (*r->p == '"') {
			buf_append(out, start, (size_t)(r->p - start));
			r->p++;
			return rp_skip_lwsp(r);
		} else if (*r->p == '\n') {
			size_t len = (size_t)(r->p - start);
			if (len > 0 && start[len - 1] == '\r')
				len--;
			buf_append(out, start, len);
			start = r->p + 1;
		} else if (*r->p == '\\') {
			if (++r->p == r->end)
				return -1;
			buf_append(out, start, (size_t)(r->p - start - 1));
			start = r->p;
		}
	}
	return -1;
}

/* One ";name=value". 1 with *name_r and *value_r (arena), 0 at the end,
 * -1 when broken. */
static int
rp_param(struct rp *r, struct arena *a, char **name_r, char **value_r)
{
	struct buf k, v;
	int ret;

	if (r->p == r->end)
		return 0;
	if (*r->p != ';')
		return -1;
	r->p++;
	if (rp_skip_lwsp(r) <= 0)
		return -1;
	buf_init(&k, (size_t)(r->end - r->p) + 1);
	buf_init(&v, (size_t)(r->end - r->p) + 1);
	ret = rp_token(r, &k);
	if (ret > 0 && *r->p == '=') {
		r->p++;
		if ((ret = rp_skip_lwsp(r)) <= 0) {
			/* no value */
		} else if (*r->p == '"') {
			ret = rp_quoted(r, &v);
		} else if (*r->p == '=') {
			/* Dovecot's workaround for name==?utf-8?b?...?= */
			while (r->p != r->end && strchr("; \t\r\n", *r->p) == NULL)
				buf_append_byte(&v, *r->p++);
		} else {
			ret = rp_token(r, &v);
		}
		*name_r = arena_strdup(a, buf_str(&k));
		*value_r = arena_strdup(a, buf_str(&v));
		ret = ret < 0 ? -1 : 1;
	} else {
		ret = -1;
	}
	buf_free(&k);
	buf_free(&v);
	return ret;
}

struct p2231 {
	char *key;
	const char *value;
	unsigned idx;
	int extended;
	size_t order;
};

static int
p2231_cmp(const void *x, const void *y)
{
	const struct p2231 *a = x, *b = y;
	int r = strcmp(a->key, b->key);

	if (r != 0)
		return r;
	if (a->idx != b->idx)
		return a->idx < b->idx ? -1 : 1;
	return a->order < b->order ? -1 : a->order > b->order;
}

/* Appends "%" escaped as "%25", for plain pieces among extended ones. */
static void
escape_2231(struct buf *b, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '%')
			buf_append_str(b, "%25");
		else
			buf_append_byte(b, (unsigned char)*s);
	}
}

/* Merges the RFC 2231 pieces of one name (sorted, [i, next)). */
static void
merge_2231(struct arena *a, struct p2231 *v, size_t i, size_t next,
	   struct mail_param *out, size_t *n)
{
	int ok = 1, ext = 0;
	size_t total = 0;

	for (size_t j = i; j < next; j++) {
		ok &= v[j].idx == j - i;
		ext |= v[j].extended;
		total += strlen(v[j].value) * 3 + 2;
	}
	if (!ok) {
		/* Missing pieces: keep them apart, as Dovecot does. */
		for (size_t j = i; j < next; j++) {
			out[*n].name = arena_printf(a, v[j].extended ? "%s*%u*" : "%s*%u",
						    v[j].key, v[j].idx);
			out[(*n)++].value = v[j].value;
		}
		return;
	}
	struct buf b;
	buf_init(&b, total + 1);
	if (!v[i].extended && ext)
		buf_append_str(&b, "''");
	for (size_t j = i; j < next; j++) {
		if (!v[j].extended && ext)
			escape_2231(&b, v[j].value);
		else
			buf_append_str(&b, v[j].value);
	}
	out[*n].name = ext ? arena_printf(a, "%s*", v[i].key) : v[i].key;
	out[(*n)++].value = arena_strdup(a, buf_str(&b));
	buf_free(&b);
}

/* Parses the parameter list at r into *params_r. */
static void
parse_params(struct rp *r, struct arena *a, struct mail_param **params_r,
	     size_t *n_r)
{
	size_t max = (size_t)(r->end - r->p) / 2 + 1, n = 0, n2 = 0;
	struct mail_param *out = arena_alloc(a, sizeof(*out) * max);
	struct p2231 *v = arena_alloc(a, sizeof(*v) * max);
	unsigned idx = 0;       /* Dovecot keeps the last index for "x*" */
	char *name, *value;
	int ret;

	while ((ret = rp_param(r, a, &name, &value)) != 0) {
		if (ret < 0) {
			if (r->p == r->end)
				break;
			r->p++;
			continue;
		}
		char *star = strchr(name, '*'), *q = star;
		int ext = 0;
		if (q != NULL) {
			if (q[1] != '\0') {
				q++;
				idx = 0;
				for (; *q >= '0' && *q <= '9'; q++)
					idx = idx * 10 + (unsigned)(*q - '0');
			}
			if (*q == '*') {
				ext = 1;
				q++;
			}
			if (*q != '\0')
				q = NULL;
		}
		if (q == NULL) {
			out[n].name = name;
			out[n++].value = value;
		} else {
			*star = '\0';
			v[n2] = (struct p2231){ name, value, idx, ext, n2 };
			n2++;
		}
	}
	qsort(v, n2, sizeof(*v), p2231_cmp);
	for (size_t i = 0, next; i < n2; i = next) {
		for (next = i; next < n2 && strcasecmp(v[i].key, v[next].key) == 0;)
			next++;
		merge_2231(a, v, i, next, out, &n);
	}
	*params_r = n == 0 ? NULL : out;
	*n_r = n;
}

/* Content-Type as Dovecot 2.3 reads it: a type without a valid subtype
 * keeps the type only when nothing follows it; anything else broken
 * gives "" and "" and no parameters. */
static void
parse_content_type(struct arena *a, struct mail_part *p, struct rp *r)
{
	struct buf t, st;
	int ret, ok = 0;

	buf_init(&t, (size_t)(r->end - r->p) + 1);
	buf_init(&st, (size_t)(r->end - r->p) + 1);
	if (rp_skip_lwsp(r) > 0) {
		ret = rp_token(r, &t);
		if (ret <= 0 || t.len == 0) {
			/* type only */
		} else if (*r->p != '/') {
			buf_reset(&t);
		} else {
			r->p++;
			if (rp_skip_lwsp(r) > 0 && (ret = rp_token(r, &st)) >= 0 &&
			    st.len > 0 && (ret == 0 || *r->p == ';'))
				ok = 1;
			else
				buf_reset(&t);
			if (!ok)
				buf_reset(&st);
		}
	}
	p->type = arena_strdup(a, buf_str(&t));
	p->subtype = arena_strdup(a, buf_str(&st));
	buf_free(&t);
	buf_free(&st);
	if (ok)
		parse_params(r, a, &p->params, &p->nparams);
}

static void
parse_language(struct arena *a, struct mail_part *p, struct rp *r)
{
	size_t max = (size_t)(r->end - r->p) / 2 + 2, n = 0;
	const char **langs = arena_alloc(a, sizeof(*langs) * max);
	struct buf b;

	buf_init(&b, (size_t)(r->end - r->p) + 1);
	rp_skip_lwsp(r);
	while (rp_atom(r, &b) >= 0) {
		langs[n++] = arena_strdup(a, buf_str(&b));
		buf_reset(&b);
		if (r->p == r->end || *r->p != ',')
			break;
		r->p++;
		rp_skip_lwsp(r);
	}
	buf_free(&b);
	langs[n] = NULL;
	p->language = n == 0 ? NULL : langs;
}

static void
parse_encoding(struct arena *a, struct mail_part *p, struct rp *r)
{
	struct buf b;

	buf_init(&b, (size_t)(r->end - r->p) + 1);
	rp_skip_lwsp(r);
	if (rp_token(r, &b) >= 0 && rp_skip_lwsp(r) == 0 && b.len > 0)
		p->encoding = arena_strdup(a, buf_str(&b));
	buf_free(&b);
}

static void
parse_disposition(struct arena *a, struct mail_part *p, struct rp *r)
{
	struct buf b;

	buf_init(&b, (size_t)(r->end - r->p) + 1);
	rp_skip_lwsp(r);
	if (rp_token(r, &b) >= 0) {
		p->disposition = arena_strdup(a, buf_str(&b));
		parse_params(r, a, &p->disp_params, &p->ndisp_params);
	}
	buf_free(&b);
}

/* One Content-* field (name without "Content-"); the first of each kind
 * counts, except that a Disposition without parameters may be replaced,
 * as in Dovecot. */
static void
mime_content_field(struct arena *a, struct mail_part *p, const char *name,
		   size_t name_len, const char *value, size_t value_len)
{
	struct rp r = { (const unsigned char *)value,
			(const unsigned char *)value + value_len };

#define IS(s) (name_len == sizeof(s) - 1 && strncasecmp(name, s, name_len) == 0)
	if (IS("Type") && p->type == NULL)
		parse_content_type(a, p, &r);
	else if (IS("Transfer-Encoding") && p->encoding == NULL)
		parse_encoding(a, p, &r);
	else if (IS("ID") && p->id == NULL)
		p->id = arena_strdup(a, value);
	else if (IS("MD5") && p->md5 == NULL)
		p->md5 = arena_strdup(a, value);
	else if (IS("Description") && p->description == NULL)
		p->description = arena_strdup(a, value);
	else if (IS("Location") && p->location == NULL)
		p->location = arena_strdup(a, value);
	else if (IS("Language") && p->language == NULL)
		parse_language(a, p, &r);
	else if (IS("Disposition") && p->disp_params == NULL)
		parse_disposition(a, p, &r);
#undef IS
}

/* RFC 2045 4: without MIME-Version (or Content-Type, which Dovecot also
 * accepts) the Content-* fields of a message mean nothing. */
static void
mime_forget_content(struct mail_part *p)
{
	p->type = p->subtype = NULL;
	p->params = NULL;
	p->nparams = 0;
	p->id = p->description = p->encoding = p->md5 = NULL;
	p->disposition = NULL;
	p->disp_params = NULL;
	p->ndisp_params = 0;
	p->language = NULL;
	p->location = NULL;
}

/* --- header --------------------------------------------------------- */

/* Applies one complete field (name and unfolded value) to the part. */
static void
header_field(struct ctx *c, struct node *n, const unsigned char *name,
	     size_t name_len, const char *value, size_t value_len)
{
	while (name_len > 0 && (name[name_len - 1] == ' ' ||
				name[name_len - 1] == '\t'))
		name_len--;
	if (name_len == 12 && strncasecmp((const char *)name, "Mime-Version", 12) == 0) {
		n->is_mime = 1;
		return;
	}
	if (name_len < 8 || strncasecmp((const char *)name, "Content-", 8) != 0)
		return;
	if (name_len == 12 && strncasecmp((const char *)name + 8, "Type", 4) == 0)
		n->is_mime = 1;
	mime_content_field(c->a, &n->p, (const char *)name + 8, name_len - 8,
			   value, value_len);
}

/* 1 when header_field would look at a field of this name: the values of
 * the others (Received, Subject, ...) need not be gathered. */
static int
mime_field_name(const unsigned char *name, size_t name_len)
{
	while (name_len > 0 && (name[name_len - 1] == ' ' ||
				name[name_len - 1] == '\t'))
		name_len--;
	return (name_len == 12 &&
		strncasecmp((const char *)name, "Mime-Version", 12) == 0) ||
		(name_len >= 8 &&
		 strncasecmp((const char *)name, "Content-", 8) == 0);
}

/* Parses the header at pos and sets the header span and the body start.
 * Returns the offset where scanning goes on; *cut_r is set when a
 * boundary line ended the header. */
static size_t
parse_header(struct ctx *c, struct node *n, size_t pos, int *cut_r)
{
	size_t start = pos, prev_nl = 0, fstart = 0, fname_end = 0, hdr_end = 0;
	int infield = 0, wanted = 0;
	struct buf val;

	buf_init(&val, c->len + 1);
	*cut_r = 0;
	while (pos < c->len) {
		size_t le, ve;

		if (boundary_at(c, pos) != NULL) {
			*cut_r = 1;
			hdr_end = pos > start ? pos - prev_nl : pos;
			break;
		}
		le = line_end(c, pos);
		ve = le;
		if (ve > pos && c->d[ve - 1] == '\n')
			ve--;
		if (ve > pos && c->d[ve - 1] == '\r' && le != ve)
			ve--;
		prev_nl = le - ve;
		if (ve == pos && le > pos) {    /* the empty line */
			n->eoh_len = le - pos;
			pos = le;
			break;
		}
		if (infield && (c->d[pos] == ' ' || c->d[pos] == '\t')) {
			if (wanted)
				buf_append(&val, c->d + pos, ve - pos);
		} else {
			if (infield && wanted)
				header_field(c, n, c->d + fstart, fname_end - fstart,
					     buf_str(&val), val.len);
			const unsigned char *colon = memchr(c->d + pos, ':', ve - pos);
			buf_reset(&val);
			fstart = pos;
			infield = 1;
			fname_end = colon == NULL ? ve : (size_t)(colon - c->d);
			wanted = mime_field_name(c->d + fstart,
						 fname_end - fstart);
			if (colon != NULL && wanted) {
				size_t v = (size_t)(colon - c->d) + 1;
				while (v < ve && (c->d[v] == ' ' || c->d[v] == '\t'))
					v++;
				buf_append(&val, c->d + v, ve - v);
			}
		}
		pos = le;
	}
	if (infield && wanted)
		header_field(c, n, c->d + fstart, fname_end - fstart,
			     buf_str(&val), val.len);
	buf_free(&val);
	if (!*cut_r)
		hdr_end = pos;
	mail_span_measure(c->d, start, hdr_end - start, &n->p.header);
	n->p.body.start = hdr_end;
	return pos;
}

/* Decides what the part is once its header is read. */
static void
part_classify(struct ctx *c, struct node *n, int cut)
{
	struct mail_part *p = &n->p;
	const char *boundary = NULL;

	if (!n->is_mime)
		mime_forget_content(p);
	if (p->type == NULL) {
		if (n->parent != NULL && n->parent->digest)
			n->rfc822 = 1;
		return;
	}
	if (strcasecmp(p->type, "message") == 0 &&
	    strcasecmp(p->subtype, "rfc822") == 0) {
		n->rfc822 = 1;
	} else if (strcasecmp(p->type, "multipart") == 0 && p->subtype[0] != '\0') {
		n->multipart = 1;
		n->digest = strcasecmp(p->subtype, "digest") == 0;
		for (size_t i = 0; i < p->nparams; i++) {
			if (strcasecmp(p->params[i].name, "boundary") == 0) {
				boundary = p->params[i].value;
				break;
			}
		}
	}
	if (cut)
		boundary = NULL;        /* pushed only at the empty line */
	if ((n->rfc822 || boundary != NULL) &&
	    (n->depth + 1 >= MAIL_MAX_DEPTH || c->nparts >= MAX_TOTAL_PARTS)) {
		/* Too deep: an opaque leaf, as Dovecot's nesting limit. */
		p->type = "application";
		p->subtype = "octet-stream";
		n->rfc822 = n->multipart = n->digest = 0;
		return;
	}
	if (boundary != NULL) {
		struct bnd *b = &c->stack[c->nstack++];
		b->s = boundary;
		b->len = strlen(boundary);
		b->part = n;
	}
}

/* An empty line that ends a header directly before a boundary line of
 * an enclosing multipart is that boundary's newline: Dovecot leaves it
 * out of the header (BODY[n.MIME], BODY[n.HEADER]); the body is empty.
 * The part's own first boundary leaves the header whole. */
static void
header_give_eoh(struct ctx *c, struct node *n, size_t pos)
{
	struct bnd *b;
	struct mail_span *h = &n->p.header;

	if (n->eoh_len == 0 || (b = boundary_at(c, pos)) == NULL ||
	    b->part == n)
		return;
	mail_span_measure(c->d, h->start, h->len - n->eoh_len, h);
}

/* --- body ----------------------------------------------------------- */

/* Scans a body from pos (a line start) for a boundary line. Returns the
 * offset where the body ends and sets *b_r and *bpos_r (the boundary
 * line), or returns len with *b_r NULL. */
static size_t
scan_body(struct ctx *c, size_t pos, struct bnd **b_r, size_t *bpos_r)
{
	const unsigned char *nl;
	size_t start = pos;

	*b_r = NULL;
	if (c->nstack == 0)
		return c->len;
	if ((*b_r = boundary_at(c, pos)) != NULL) {
		*bpos_r = pos;
		return pos;
	}
	/* A boundary line starts with "--": only such lines are looked
	 * at. memchr for the "-" of "\n--" skips text and base64 (which
	 * has no "-") much faster than memmem compares three bytes. */
	for (pos++; pos + 1 < c->len &&
	     (nl = memchr(c->d + pos, '-', c->len - 1 - pos)) != NULL;) {
		size_t at = (size_t)(nl - c->d) - 1;

		pos = at + 2;
		if (c->d[at] != '\n' || nl[1] != '-')
			continue;
		if ((*b_r = boundary_at(c, at + 1)) != NULL) {
			*bpos_r = at + 1;
			if (at > start && c->d[at - 1] == '\r')
				at--;
			return at;
		}
	}
	return c->len;
}

/* A boundary line at bpos ends node cur and everything up to the
 * boundary's multipart. Returns the node whose body continues (the
 * multipart, for its epilogue) or a new child; *pos_r is past the line. */
static struct node *
boundary_hit(struct ctx *c, struct node *cur, struct bnd *b, size_t end,
	     size_t bpos, size_t *pos_r, int *new_part_r)
{
	struct node *m = b->part;
	size_t idx = (size_t)(b - c->stack);
	int close = c->len - bpos - 2 >= b->len + 2 &&
		memcmp(c->d + bpos + 2 + b->len, "--", 2) == 0;

	for (struct node *n = cur; n != m; n = n->parent)
		node_close(n, end);
	c->nstack = close ? idx : idx + 1;
	*pos_r = line_end(c, bpos);
	*new_part_r = !close;
	return m;
}

struct mail_part *
mail_parse(const unsigned char *data, size_t len, struct arena *a)
{
	struct ctx c = { .d = data, .len = len, .a = a };
	struct node *root, *cur;
	size_t pos = 0;
	int cut = 0, need_header = 1;

	c.stack = arena_alloc(a, sizeof(*c.stack) * (MAIL_MAX_DEPTH + 1));
	root = cur = node_new(&c, NULL);
	for (;;) {
		struct bnd *b;
		size_t bpos = 0, end;
		int new_part;

		if (need_header) {
			pos = parse_header(&c, cur, pos, &cut);
			cur->cut = cut;
			part_classify(&c, cur, cut);
			header_give_eoh(&c, cur, pos);
			if (cur->rfc822) {
				cur = node_new(&c, cur);
				continue;
			}
		}
		end = scan_body(&c, pos, &b, &bpos);
		if (b == NULL) {
			for (struct node *n = cur; n != NULL; n = n->parent)
				node_close(n, len);
			break;
		}
		cur = boundary_hit(&c, cur, b, end, bpos, &pos, &new_part);
		if (new_part) {
			cur = node_new(&c, cur);
			need_header = 1;
		} else {
			need_header = 0;
		}
	}
	/* Children were created after their parents: walking back from the
	 * last created node finishes every child before its parent. */
	for (struct node *n = c.last_created; n != NULL; n = n->created_prev) {
		size_t i = 0;

		mail_span_measure(data, n->p.body.start,
				  n->body_end - n->p.body.start, &n->p.body);
		if (n->first == NULL)
			continue;
		if (n->rfc822) {
			n->p.message = arena_alloc(a, sizeof(struct mail_part));
			*n->p.message = n->first->p;
			continue;
		}
		n->p.children = arena_alloc(a, sizeof(struct mail_part) * n->nchild);
		for (struct node *ch = n->first; ch != NULL; ch = ch->next)
			n->p.children[i++] = ch->p;
		n->p.nchildren = n->nchild;
	}
	return &root->p;
}

size_t
mail_wire_size(const struct mail_part *root)
{
	return root->header.wire_len + root->body.wire_len;
}

int
mail_write_crlf(const unsigned char *data, size_t len,
		int (*write)(void *ctx, const void *bytes, size_t n), void *ctx)
{
	size_t i = 0;

	while (i < len) {
		const unsigned char *nl = memchr(data + i, '\n', len - i);
		size_t at = nl == NULL ? len : (size_t)(nl - data);

		if (nl != NULL && (at == 0 || data[at - 1] != '\r')) {
			if ((at > i && write(ctx, data + i, at - i) < 0) ||
			    write(ctx, "\r\n", 2) < 0)
				return -1;
		} else if (write(ctx, data + i, (nl == NULL ? at : at + 1) - i) < 0) {
			return -1;
		}
		i = nl == NULL ? len : at + 1;
	}
	return 0;
}
