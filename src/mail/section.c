/* src/mail/section.c — BODY[section]<partial> of FETCH (RFC 3501 6.4.5).
 *
 * The grammar is RFC 3501's, read the way Dovecot 2.3 reads it, because
 * clients compare our answers with Dovecot's on the same Maildir:
 *
 * - a part number is digits and dots ("1.2.3"); 0 and leading zeros are
 *   taken (BODY[0] and BODY[01] act as 1 in a multipart), larger numbers
 *   wrap modulo 2^32; "1.", ".1", "1..2" are BAD;
 * - MIME needs a part number; nothing may follow MIME or TEXT;
 * - HEADER.FIELDS needs one or more names in parentheses, atoms or
 *   quoted strings; the response echoes them upper-cased, quoted names
 *   quoted (and NIL quoted);
 * - "<origin>" without octets means "to the end"; the response shows the
 *   origin only (RFC 3501 7.4.2).
 *
 * Resolving a number (RFC 3501 6.4.5 and Dovecot's imap-msgpart): in a
 * multipart, n is the n-th child; on anything else only 1 is allowed and
 * means the part itself; a message/rfc822 part is entered when more
 * numbers follow. HEADER, TEXT and HEADER.FIELDS of a numbered part are
 * those of the enclosed message and empty unless the part is
 * message/rfc822. A missing part gives an empty result.
 *
 * Output is CRLF (a bare LF is sent as CRLF) and the partial counts those
 * wire bytes. Spans wholly before the origin are skipped by their known
 * wire size, so a partial fetch of a large body converts only what it
 * sends. */
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "mail/header.h"
#include "mail/section.h"

/* --- parsing -------------------------------------------------------- */

static int
kw(const char **p, const char *word)
{
	size_t n = strlen(word);

	if (strncasecmp(*p, word, n) != 0)
		return 0;
	*p += n;
	return 1;
}

/* "1.2.3" at *p, up to (not including) a '.' that is not followed by a
 * digit. Returns 0, or -1 for too many numbers. */
static int
parse_numbers(const char **p, struct section *s)
{
	const char *q = *p;

	for (;;) {
		uint32_t n = 0;

		if (s->nparts == SECTION_MAX_PARTS)
			return -1;
		for (; *q >= '0' && *q <= '9'; q++)
			n = n * 10 + (uint32_t)(*q - '0');      /* wraps */
		s->part[s->nparts++] = n;
		if (q[0] != '.' || q[1] < '0' || q[1] > '9')
			break;
		q++;
	}
	*p = q;
	return 0;
}

static int
is_atom_char(unsigned char c)
{
	return c > ' ' && c != 0x7f && strchr("()\"{", c) == NULL;
}

static char *
upcase(char *s)
{
	for (char *q = s; *q != '\0'; q++)
		if (*q >= 'a' && *q <= 'z')
			*q = (char)(*q - 'a' + 'A');
	return s;
}

/* One name of the header list: an atom or a quoted string. Appends its
 * echo to echo. Returns the name (upper-cased), or NULL. */
static const char *
parse_field(const char **p, struct arena *a, struct buf *echo)
{
	const char *q = *p;
	struct buf v;
	char *name;
	int quoted = *q == '"';

	buf_init(&v, strlen(q) + 1);
	if (quoted) {
		for (q++; *q != '"'; q++) {
			if (*q == '\0' || *q == '\r' || *q == '\n') {
				buf_free(&v);
				return NULL;
			}
			if (*q == '\\' && (q[1] == '"' || q[1] == '\\'))
				q++;
			buf_append_byte(&v, (unsigned char)*q);
		}
		q++;
	} else {
		for (; is_atom_char((unsigned char)*q); q++)
			buf_append_byte(&v, (unsigned char)*q);
		if (v.len == 0) {
			buf_free(&v);
			return NULL;
		}
	}
	name = upcase(arena_strdup(a, buf_str(&v)));
	buf_free(&v);
	if (quoted || strcmp(name, "NIL") == 0) {
		buf_append_byte(echo, '"');
		for (const char *c = name; *c != '\0'; c++) {
			if (*c == '"' || *c == '\\')
				buf_append_byte(echo, '\\');
			buf_append_byte(echo, (unsigned char)*c);
		}
		buf_append_byte(echo, '"');
	} else {
		buf_append_str(echo, name);
	}
	*p = q;
	return name;
}

/* " (A B)" after HEADER.FIELDS[.NOT], to the end of the spec. */
static int
parse_fields(const char *p, struct arena *a, struct section *s,
	     struct buf *echo, const char **err_r)
{
	if (*p != ' ') {
		*err_r = "Invalid BODY[..] section";
		return -1;
	}
	while (*p == ' ')
		p++;
	if (*p++ != '(') {
		*err_r = "Invalid BODY[..] section";
		return -1;
	}
	buf_append_str(echo, " (");
	for (;;) {
		while (*p == ' ')
			p++;
		if (*p == ')')
			break;
		if (s->nfields == SECTION_MAX_FIELDS) {
			*err_r = "Too many header field names";
			return -1;
		}
		if (s->nfields > 0)
			buf_append_byte(echo, ' ');
		if ((s->fields[s->nfields] = parse_field(&p, a, echo)) == NULL) {
			*err_r = *p == '\0' ? "Missing ')'" :
				"Header list contains non-strings";
			return -1;
		}
		s->nfields++;
	}
	if (s->nfields == 0 || p[1] != '\0') {
		*err_r = s->nfields == 0 ? "Invalid BODY[..] section" :
			"Invalid BODY[..] parameter: Missing ']'";
		return -1;
	}
	buf_append_byte(echo, ')');
	return 0;
}

/* The text after the part number (and its dot), or all of a spec without
 * a number. */
static int
parse_text(const char *p, int numbered, struct arena *a, struct section *s,
	   struct buf *echo, const char **err_r)
{
	*err_r = "Invalid BODY[..] section";
	if (kw(&p, "HEADER.FIELDS.NOT")) {
		s->kind = SECTION_FIELDS_NOT;
		buf_append_str(echo, "HEADER.FIELDS.NOT");
		return parse_fields(p, a, s, echo, err_r);
	}
	if (kw(&p, "HEADER.FIELDS")) {
		s->kind = SECTION_FIELDS;
		buf_append_str(echo, "HEADER.FIELDS");
		return parse_fields(p, a, s, echo, err_r);
	}
	if (kw(&p, "HEADER")) {
		s->kind = SECTION_HEADER;
		buf_append_str(echo, "HEADER");
	} else if (kw(&p, "TEXT")) {
		s->kind = SECTION_TEXT;
		buf_append_str(echo, "TEXT");
	} else if (numbered && kw(&p, "MIME")) {
		s->kind = SECTION_MIME;
		buf_append_str(echo, "MIME");
	} else {
		return -1;
	}
	return *p == '\0' ? 0 : -1;
}

/* "<origin.octets>" or "<origin>"; numbers are 64-bit and must fit. */
static int
parse_u64(const char **p, uint64_t *v)
{
	const char *q = *p;

	*v = 0;
	if (*q < '0' || *q > '9')
		return -1;
	for (; *q >= '0' && *q <= '9'; q++) {
		unsigned d = (unsigned)(*q - '0');
		if (*v > (UINT64_MAX - d) / 10)
			return -1;
		*v = *v * 10 + d;
	}
	*p = q;
	return 0;
}

static int
parse_partial(const char *p, struct section *s, const char **err_r)
{
	if (*p++ != '<') {
		*err_r = "Invalid BODY[..] parameter: Missing '<' in partial";
		return -1;
	}
	if (parse_u64(&p, &s->origin) < 0) {
		*err_r = "Invalid BODY[..] parameter: Too big partial start";
		return -1;
	}
	s->octets = UINT64_MAX;
	if (*p == '.') {
		p++;
		if (parse_u64(&p, &s->octets) < 0) {
			*err_r = "Invalid BODY[..] parameter: Too big partial end";
			return -1;
		}
	}
	if (p[0] != '>' || p[1] != '\0') {
		*err_r = "Invalid BODY[..] parameter: Missing '>' in partial";
		return -1;
	}
	s->partial = 1;
	return 0;
}

int
section_parse(const char *spec, const char *partial_text, struct arena *a,
	      struct section *s, const char **err_r)
{
	const char *p = spec, *num_start = spec;
	struct buf echo;
	int ret = 0;

	memset(s, 0, sizeof(*s));
	*err_r = NULL;
	buf_init(&echo, strlen(spec) * 3 + 8);
	if (*p >= '0' && *p <= '9') {
		if (parse_numbers(&p, s) < 0) {
			*err_r = "Too many part numbers";
			ret = -1;
		} else {
			buf_append(&echo, num_start, (size_t)(p - num_start));
			if (*p == '.') {
				buf_append_byte(&echo, '.');
				ret = parse_text(p + 1, 1, a, s, &echo, err_r);
			} else if (*p != '\0') {
				*err_r = "Invalid BODY[..] section";
				ret = -1;
			}
		}
	} else if (*p != '\0') {
		ret = parse_text(p, 0, a, s, &echo, err_r);
	}
	if (ret == 0 && partial_text != NULL && *partial_text != '\0')
		ret = parse_partial(partial_text, s, err_r);
	s->text = arena_strdup(a, buf_str(&echo));
	buf_free(&echo);
	if (ret == 0)
		*err_r = NULL;
	return ret;
}

const char *
section_name(const struct section *s, struct arena *a)
{
	const char *text = s->text != NULL ? s->text : "";

	if (s->partial)
		return arena_printf(a, "BODY[%s]<%llu>", text,
				    (unsigned long long)s->origin);
	return arena_printf(a, "BODY[%s]", text);
}

/* --- resolving ------------------------------------------------------ */

static int
is_multipart(const struct mail_part *p)
{
	return p->message == NULL && p->type != NULL && p->subtype != NULL &&
		strcasecmp(p->type, "multipart") == 0 && p->subtype[0] != '\0';
}

/* The part that numbers name, or NULL. A part that is not a multipart
 * answers to 1 as itself, once: Dovecot finds BODY[1] and BODY[2.1]
 * (2 a leaf) but not BODY[1.1] of a single-part message. Entering the
 * message of a message/rfc822 part starts afresh. */
static const struct mail_part *
find_part(const struct mail_part *root, const uint32_t *nums, size_t n)
{
	const struct mail_part *p = root;
	int self_used = 0;

	for (size_t i = 0; i < n; i++) {
		if (is_multipart(p)) {
			size_t idx = nums[i] <= 1 ? 0 : (size_t)nums[i] - 1;
			if (idx >= p->nchildren)
				return NULL;
			p = &p->children[idx];
			self_used = 0;
		} else if (nums[i] != 1 || self_used) {
			return NULL;
		} else {
			self_used = 1;
		}
		if (p->message != NULL && i + 1 < n) {
			p = p->message;
			self_used = 0;
		}
	}
	return p;
}

const struct mail_part *
section_part(const struct section *s, const struct mail_part *root)
{
	if (s->nparts == 0)
		return root;
	return find_part(root, s->part, s->nparts);
}

/* --- output --------------------------------------------------------- */

/* Where the bytes go: the partial's window over the wire bytes. */
struct sink {
	struct buf *out;
	uint64_t skip;          /* wire bytes still to drop */
	uint64_t left;          /* wire bytes still to send */
	int err;
};

static void
sink_put(struct sink *k, const unsigned char *d, size_t n)
{
	if (k->skip >= n) {
		k->skip -= n;
		return;
	}
	d += k->skip;
	n -= (size_t)k->skip;
	k->skip = 0;
	if (n > k->left)
		n = (size_t)k->left;
	if (n == 0)
		return;
	k->left -= n;
	size_t at = k->out->len;
	if (buf_append(k->out, d, n) < 0) {
		k->err = 1;
		return;
	}
	/* RFC 3501 9: a literal is CHAR8, which has no NUL. Like Dovecot,
	 * send 0x80 in its place; BINARY[] is the way to get the bytes. */
	for (unsigned char *q = k->out->data + at, *e = q + n;
	     (q = memchr(q, 0, (size_t)(e - q))) != NULL; q++)
		*q = 0x80;
}

/* A span of the raw message with bare LFs sent as CRLF; an LF at the
 * span's first byte counts as bare, as mail_span_measure counts it. */
static void
sink_span(struct sink *k, const unsigned char *data,
	  const struct mail_span *sp)
{
	const unsigned char *p = data + sp->start, *end = p + sp->len, *nl;

	if (k->skip >= sp->wire_len) {
		k->skip -= sp->wire_len;
		return;
	}
	while (p < end && k->left > 0 && !k->err) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL) {
			sink_put(k, p, (size_t)(end - p));
			break;
		}
		if (nl == data + sp->start || nl[-1] != '\r') {
			sink_put(k, p, (size_t)(nl - p));
			sink_put(k, (const unsigned char *)"\r\n", 2);
		} else {
			sink_put(k, p, (size_t)(nl + 1 - p));
		}
		p = nl + 1;
	}
}

static int
ends_with_empty_line(const unsigned char *h, size_t len)
{
	return (len >= 1 && h[0] == '\n' && len == 1) ||
		(len == 2 && h[0] == '\r' && h[1] == '\n') ||
		(len >= 2 && h[len - 1] == '\n' && h[len - 2] == '\n') ||
		(len >= 3 && h[len - 1] == '\n' && h[len - 2] == '\r' &&
		 h[len - 3] == '\n');
}

/* Whether the last field of the header has no line end and is sent. */
static int
last_unterminated_sent(const unsigned char *h, size_t len,
		       const struct section *s, int exclude)
{
	struct header_iter it;
	struct header_field f, last = { 0 };
	int any = 0, named = 0;

	if (len == 0 || h[len - 1] == '\n')
		return 0;
	header_iter_init(&it, h, len);
	while (header_iter_next(&it, &f)) {
		last = f;
		any = 1;
	}
	if (!any || last.raw + last.raw_len != h + len)
		return exclude; /* a line without a colon: only .NOT sends it */
	for (size_t i = 0; i < s->nfields; i++)
		if (last.name_len == strlen(s->fields[i]) &&
		    strncasecmp((const char *)last.name, s->fields[i],
				last.name_len) == 0)
			named = 1;
	return named != exclude;
}

/* HEADER.FIELDS[.NOT] of the header of p. header_select ends every field
 * with CRLF and adds the empty line; Dovecot 2.3 does so for the
 * message's own HEADER.FIELDS. For .NOT, and for HEADER.FIELDS of an
 * enclosed message (n.HEADER.FIELDS), Dovecot filters the raw bytes from
 * the start of the header to the first empty line, past any boundary
 * (a header cut by a boundary line runs on into the next part), and
 * when that block has no empty line it sends neither one nor a line end
 * that the last field did not have.
 *
 * Known difference: Dovecot's own-message HEADER.FIELDS of an
 * unterminated last field loses the empty line once its cache holds the
 * field; the first answer, given here, is the reproducible one. */
static void
sink_fields(struct sink *k, const struct section *s,
	    const struct mail_part *p, const unsigned char *data,
	    size_t msg_end)
{
	const unsigned char *h = data + p->header.start;
	size_t len = p->header.len;
	int exclude = s->kind == SECTION_FIELDS_NOT;
	int filter = exclude || s->nparts > 0;
	struct buf tmp;

	if (filter && msg_end > p->header.start)
		len = header_block_len(h, msg_end - p->header.start);
	buf_init(&tmp, len * 2 + 4);
	if (header_select(h, len, s->fields, s->nfields, exclude, &tmp) < 0) {
		k->err = 1;
	} else if (filter && !ends_with_empty_line(h, len)) {
		tmp.len -= 2;
		if (last_unterminated_sent(h, len, s, exclude))
			tmp.len -= 2;
	}
	if (!k->err)
		sink_put(k, tmp.data, tmp.len);
	buf_free(&tmp);
}

/* HEADER, TEXT, HEADER.FIELDS[.NOT] of the message m. */
static void
sink_message(struct sink *k, const struct section *s,
	     const struct mail_part *m, const unsigned char *data,
	     size_t msg_end)
{
	switch (s->kind) {
	case SECTION_ALL:
		sink_span(k, data, &m->header);
		sink_span(k, data, &m->body);
		break;
	case SECTION_HEADER:
		sink_span(k, data, &m->header);
		break;
	case SECTION_TEXT:
		sink_span(k, data, &m->body);
		break;
	case SECTION_FIELDS:
	case SECTION_FIELDS_NOT:
		sink_fields(k, s, m, data, msg_end);
		break;
	case SECTION_MIME:
		break;
	}
}

int
section_fetch(const struct section *s, const struct mail_part *root,
	      const unsigned char *data, struct buf *out)
{
	struct sink k = { out, 0, UINT64_MAX, 0 };
	/* The root's spans cover the whole buffer. */
	size_t msg_end = root->body.start + root->body.len;
	const struct mail_part *p;

	if (s->partial) {
		k.skip = s->origin;
		k.left = s->octets;
	}
	if (s->nparts == 0) {
		sink_message(&k, s, root, data, msg_end);
		return k.err ? -1 : 0;
	}
	if ((p = find_part(root, s->part, s->nparts)) == NULL)
		return 0;
	switch (s->kind) {
	case SECTION_ALL:
		sink_span(&k, data, &p->body);
		break;
	case SECTION_MIME:
		sink_span(&k, data, &p->header);
		break;
	default:
		if (p->message != NULL)
			sink_message(&k, s, p->message, data,
				     msg_end);
		break;
	}
	return k.err ? -1 : 0;
}
