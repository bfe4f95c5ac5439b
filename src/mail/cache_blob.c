/* src/mail/cache_blob.c — the part tree of a parsed message as bytes for
 * the store's cache, and back.
 *
 * The problem: the store keeps this blob next to the message and hands
 * it back later, possibly damaged (a torn write, a disk error, a file
 * from another version, or bytes an attacker placed in the cache). The
 * loader must never trust it: every count, length, span and depth is
 * checked, and any doubt gives NULL, so that the store reparses.
 *
 * Format (version 1), all numbers LEB128 varints:
 *
 *   "skMB" version
 *   node                   the root, then its descendants in preorder
 *
 *   node    = flags span(header) span(body)
 *             nstr(type) nstr(subtype) nstr(id) nstr(description)
 *             nstr(encoding) nstr(md5) nstr(disposition) nstr(location)
 *             count params  count disp_params  ncount languages
 *             count(children)
 *             children...   then, when flags has MESSAGE, the message
 *   span    = start len wire_len lines
 *   nstr    = 0 for NULL, or 1 + length, then the bytes (no NUL)
 *   param   = str(name) str(value)   (str: length, then the bytes)
 *   ncount  = 0 for NULL, or 1 + count
 *
 * The loader also checks what the readers of a tree rely on: a type has
 * a subtype, only a multipart has children, a part has children or a
 * message but not both, every span lies inside the message the root's
 * spans describe, the depth stays within what mail_parse makes
 * (MAIL_MAX_DEPTH), and the blob ends exactly after the last node.
 * Both directions use an explicit stack: no recursion on nesting. */
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "mail/cache_blob.h"

#define BLOB_MAGIC "skMB"
#define BLOB_VERSION 1
#define FLAG_MESSAGE 1u
#define MAX_STACK (MAIL_MAX_DEPTH + 2)
#define MAX_NODES 100000

/* --- writing -------------------------------------------------------- */

static void
put_num(struct buf *out, uint64_t v)
{
	unsigned char b[10];
	size_t n = 0;

	do {
		b[n] = (unsigned char)(v & 0x7f);
		v >>= 7;
		if (v != 0)
			b[n] |= 0x80;
		n++;
	} while (v != 0);
	buf_append(out, b, n);
}

static void
put_str(struct buf *out, const char *s)
{
	size_t n = strlen(s);

	put_num(out, n);
	buf_append(out, s, n);
}

static void
put_nstr(struct buf *out, const char *s)
{
	if (s == NULL) {
		put_num(out, 0);
		return;
	}
	put_num(out, (uint64_t)strlen(s) + 1);
	buf_append(out, s, strlen(s));
}

static void
put_span(struct buf *out, const struct mail_span *s)
{
	put_num(out, s->start);
	put_num(out, s->len);
	put_num(out, s->wire_len);
	put_num(out, s->lines);
}

static void
put_params(struct buf *out, const struct mail_param *p, size_t n)
{
	put_num(out, n);
	for (size_t i = 0; i < n; i++) {
		put_str(out, p[i].name);
		put_str(out, p[i].value != NULL ? p[i].value : "");
	}
}

static void
put_node(struct buf *out, const struct mail_part *p)
{
	size_t nlang = 0;

	put_num(out, p->message != NULL ? FLAG_MESSAGE : 0);
	put_span(out, &p->header);
	put_span(out, &p->body);
	put_nstr(out, p->type);
	put_nstr(out, p->type == NULL ? NULL :
		 p->subtype != NULL ? p->subtype : "");
	put_nstr(out, p->id);
	put_nstr(out, p->description);
	put_nstr(out, p->encoding);
	put_nstr(out, p->md5);
	put_nstr(out, p->disposition);
	put_nstr(out, p->location);
	put_params(out, p->params, p->nparams);
	put_params(out, p->disp_params, p->ndisp_params);
	if (p->language == NULL) {
		put_num(out, 0);
	} else {
		while (p->language[nlang] != NULL)
			nlang++;
		put_num(out, (uint64_t)nlang + 1);
		for (size_t i = 0; i < nlang; i++)
			put_str(out, p->language[i]);
	}
	put_num(out, p->message != NULL ? 0 : p->nchildren);
}

struct wframe {
	const struct mail_part *p;
	size_t next;            /* next child to write */
	int message_done;
};

int
cache_blob_write(const struct mail_part *root, struct buf *out)
{
	struct wframe st[MAX_STACK];
	size_t n = 0, before = out->len;

	buf_append(out, BLOB_MAGIC, 4);
	put_num(out, BLOB_VERSION);
	put_node(out, root);
	st[n++] = (struct wframe){ root, 0, 0 };
	while (n > 0) {
		struct wframe *f = &st[n - 1];
		const struct mail_part *next = NULL;

		if (f->p->message == NULL && f->next < f->p->nchildren)
			next = &f->p->children[f->next++];
		else if (f->p->message != NULL && !f->message_done) {
			f->message_done = 1;
			next = f->p->message;
		}
		if (next == NULL) {
			n--;
			continue;
		}
		if (n == MAX_STACK)
			return -1;      /* deeper than any parse makes */
		put_node(out, next);
		st[n++] = (struct wframe){ next, 0, 0 };
	}
	/* A failed append leaves the buffer at its maximum. */
	return out->len == before || out->len >= out->max ? -1 : 0;
}

/* --- reading -------------------------------------------------------- */

struct reader {
	const unsigned char *p, *end;
	struct arena *a;
	uint64_t total;         /* message size, from the root's spans */
	int bad;
};

static uint64_t
get_num(struct reader *r)
{
	uint64_t v = 0;

	for (unsigned shift = 0; shift < 64; shift += 7) {
		if (r->p == r->end) {
			r->bad = 1;
			return 0;
		}
		unsigned char b = *r->p++;
		if (shift == 63 && (b & 0x7e) != 0) {
			r->bad = 1;     /* more than 64 bits */
			return 0;
		}
		v |= (uint64_t)(b & 0x7f) << shift;
		if ((b & 0x80) == 0)
			return v;
	}
	r->bad = 1;
	return 0;
}

/* A count of items of at least min_bytes each that the rest can hold. */
static size_t
get_count(struct reader *r, size_t min_bytes)
{
	uint64_t v = get_num(r);

	if (v > (uint64_t)(r->end - r->p) / min_bytes) {
		r->bad = 1;
		return 0;
	}
	return (size_t)v;
}

static const char *
get_bytes(struct reader *r, uint64_t n)
{
	const char *s;

	if (r->bad || n > (uint64_t)(r->end - r->p) ||
	    memchr(r->p, '\0', (size_t)n) != NULL) {
		r->bad = 1;
		return NULL;
	}
	s = arena_strndup(r->a, r->p, (size_t)n);
	r->p += n;
	return s;
}

static const char *
get_str(struct reader *r)
{
	uint64_t n = get_num(r);

	return r->bad ? NULL : get_bytes(r, n);
}

static const char *
get_nstr(struct reader *r)
{
	uint64_t n = get_num(r);

	return r->bad || n == 0 ? NULL : get_bytes(r, n - 1);
}

/* A span is sane on its own: its sizes agree and it fits in size_t. */
static void
get_span(struct reader *r, struct mail_span *s)
{
	uint64_t start = get_num(r), len = get_num(r);
	uint64_t wire = get_num(r), lines = get_num(r);

	if (r->bad || start > SIZE_MAX / 4 || len > SIZE_MAX / 4 ||
	    wire < len || wire - len > len || lines > len) {
		r->bad = 1;
		return;
	}
	s->start = (size_t)start;
	s->len = (size_t)len;
	s->wire_len = (size_t)wire;
	s->lines = (size_t)lines;
}

static struct mail_param *
get_params(struct reader *r, size_t *n_r)
{
	size_t n = get_count(r, 2);
	struct mail_param *p;

	*n_r = 0;
	if (r->bad || n == 0)
		return NULL;
	p = arena_alloc(r->a, sizeof(*p) * n);
	for (size_t i = 0; i < n && !r->bad; i++) {
		p[i].name = get_str(r);
		p[i].value = get_str(r);
	}
	*n_r = n;
	return p;
}

static const char **
get_language(struct reader *r)
{
	uint64_t v = get_num(r);
	size_t n;
	const char **l;

	if (r->bad || v == 0)
		return NULL;
	if (v - 1 > (uint64_t)(r->end - r->p)) {
		r->bad = 1;
		return NULL;
	}
	n = (size_t)(v - 1);
	l = arena_alloc(r->a, sizeof(*l) * (n + 1));
	for (size_t i = 0; i < n && !r->bad; i++)
		l[i] = get_str(r);
	l[n] = NULL;
	return l;
}

static int
is_multipart(const struct mail_part *p)
{
	return p->type != NULL && strcasecmp(p->type, "multipart") == 0 &&
		p->subtype[0] != '\0';
}

static int
span_inside(const struct mail_span *s, uint64_t total)
{
	return s->start <= total && s->len <= total - s->start;
}

/* Reads one node into p (zeroed). Returns 1 if a message follows its
 * children, 0 if not, -1 when damaged. */
static int
get_node(struct reader *r, struct mail_part *p)
{
	uint64_t flags = get_num(r);

	get_span(r, &p->header);
	get_span(r, &p->body);
	p->type = get_nstr(r);
	p->subtype = get_nstr(r);
	p->id = get_nstr(r);
	p->description = get_nstr(r);
	p->encoding = get_nstr(r);
	p->md5 = get_nstr(r);
	p->disposition = get_nstr(r);
	p->location = get_nstr(r);
	p->params = get_params(r, &p->nparams);
	p->disp_params = get_params(r, &p->ndisp_params);
	p->language = get_language(r);
	p->nchildren = get_count(r, 8);
	if (r->bad || (flags & ~(uint64_t)FLAG_MESSAGE) != 0 ||
	    (p->type == NULL) != (p->subtype == NULL))
		return -1;
	if (r->total == UINT64_MAX) {           /* the root */
		if (p->header.start != 0 || p->body.start <
		    p->header.start + p->header.len)
			return -1;
		r->total = (uint64_t)p->body.start + p->body.len;
	}
	if (!span_inside(&p->header, r->total) ||
	    !span_inside(&p->body, r->total) ||
	    p->header.start + p->header.len > p->body.start)
		return -1;
	if (p->nchildren > 0 && (flags != 0 || !is_multipart(p)))
		return -1;
	if (flags != 0 && is_multipart(p))
		return -1;
	if (p->nchildren > 0)
		p->children = arena_zalloc(r->a,
					   sizeof(struct mail_part) * p->nchildren);
	return flags != 0;
}

struct rframe {
	struct mail_part *p;
	size_t next;
	int message;            /* 1: a message is still to read */
};

struct mail_part *
cache_blob_read(const unsigned char *blob, size_t len, struct arena *a)
{
	struct reader r = { blob, blob + len, a, UINT64_MAX, 0 };
	struct rframe st[MAX_STACK];
	struct mail_part *root;
	size_t n = 0, nodes = 1;
	int m;

	if (len < 5 || memcmp(blob, BLOB_MAGIC, 4) != 0)
		return NULL;
	r.p += 4;
	if (get_num(&r) != BLOB_VERSION || r.bad)
		return NULL;
	root = arena_zalloc(a, sizeof(*root));
	if ((m = get_node(&r, root)) < 0)
		return NULL;
	st[n++] = (struct rframe){ root, 0, m };
	while (n > 0) {
		struct rframe *f = &st[n - 1];
		struct mail_part *next;

		if (f->next < f->p->nchildren) {
			next = &f->p->children[f->next++];
		} else if (f->message) {
			f->message = 0;
			next = f->p->message = arena_zalloc(a, sizeof(*next));
		} else {
			n--;
			continue;
		}
		if (n == MAX_STACK || ++nodes > MAX_NODES ||
		    (m = get_node(&r, next)) < 0)
			return NULL;
		st[n++] = (struct rframe){ next, 0, m };
	}
	return r.p == r.end ? root : NULL;
}
