/* src/mail/header.c — walking the header block of a message or part.
 *
 * Lines end in CRLF or in a bare LF (RFC 5322 2.2 wants CRLF; files on
 * disk and broken mailers give LF). A field is a line with a colon plus
 * every following line that starts with SP or HTAB (folding, RFC 5322
 * 2.2.3). The name is what precedes the colon with trailing white space
 * removed, as Dovecot does. A line without a colon, and a continuation
 * line with no field before it, are skipped. The block ends at the first
 * empty line. NUL and 8-bit bytes are ordinary bytes here: every scan is
 * bounded by the length, never by a terminator. */
#include <string.h>
#include <strings.h>

#include "mail/header.h"

static int
is_wsp(unsigned char c)
{
	return c == ' ' || c == '\t';
}

/* End of the line at p: one past its LF, or end. */
static const unsigned char *
line_end(const unsigned char *p, const unsigned char *end)
{
	const unsigned char *nl = memchr(p, '\n', end - p);

	return nl != NULL ? nl + 1 : end;
}

/* 1 when the line at p is empty (LF or CRLF). */
static int
is_empty_line(const unsigned char *p, const unsigned char *end)
{
	if (p < end && *p == '\n')
		return 1;
	return end - p >= 2 && p[0] == '\r' && p[1] == '\n';
}

size_t
header_block_len(const unsigned char *data, size_t len)
{
	const unsigned char *p = data, *end = data + len;

	while (p < end) {
		if (is_empty_line(p, end))
			return (size_t)(line_end(p, end) - data);
		p = line_end(p, end);
	}
	return len;
}

void
header_iter_init(struct header_iter *it, const unsigned char *hdr,
		 size_t len)
{
	it->p = hdr;
	it->end = hdr + len;
}

/* Length of the field value without its final line end. */
static size_t
strip_line_end(const unsigned char *v, size_t len)
{
	if (len > 0 && v[len - 1] == '\n') {
		len--;
		if (len > 0 && v[len - 1] == '\r')
			len--;
	}
	return len;
}

/* The next line group: a field with its continuation lines (*is_field
 * set), or a line that is not a field, such as a continuation with no
 * field before it or a line without a colon (*is_field clear, only raw
 * filled). Returns 0 at the end of the header. */
static int
iter_next_any(struct header_iter *it, struct header_field *f, int *is_field)
{
	const unsigned char *start, *eol, *colon, *name_end;

	if (it->p >= it->end)
		return 0;
	start = it->p;
	if (is_empty_line(start, it->end)) {
		it->p = it->end;
		return 0;
	}
	eol = line_end(start, it->end);
	/* the field runs over its continuation lines */
	while (eol < it->end && is_wsp(*eol))
		eol = line_end(eol, it->end);
	it->p = eol;
	memset(f, 0, sizeof(*f));
	f->raw = start;
	f->raw_len = (size_t)(eol - start);
	colon = is_wsp(*start) ? NULL :
		memchr(start, ':', line_end(start, eol) - start);
	*is_field = colon != NULL;
	if (colon == NULL)
		return 1;
	name_end = colon;
	while (name_end > start && is_wsp(name_end[-1]))
		name_end--;
	f->name = start;
	f->name_len = (size_t)(name_end - start);
	f->value = colon + 1;
	f->value_len = strip_line_end(colon + 1, (size_t)(eol - colon - 1));
	return 1;
}

int
header_iter_next(struct header_iter *it, struct header_field *f)
{
	int is_field;

	/* Lines that are not fields are skipped, as mail readers do. */
	while (iter_next_any(it, f, &is_field))
		if (is_field)
			return 1;
	return 0;
}

static int
name_is(const struct header_field *f, const char *name)
{
	size_t n = strlen(name);

	return f->name_len == n &&
		strncasecmp((const char *)f->name, name, n) == 0 &&
		memchr(f->name, '\0', n) == NULL;
}

int
header_find(const unsigned char *hdr, size_t len, const char *name,
	    struct header_field *f)
{
	struct header_iter it;

	header_iter_init(&it, hdr, len);
	while (header_iter_next(&it, f))
		if (name_is(f, name))
			return 1;
	return 0;
}

static int
is_fold_byte(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

int
header_unfold(const unsigned char *value, size_t len, struct buf *out)
{
	size_t i = 0, j = len, run;

	while (i < j && is_fold_byte(value[i]))
		i++;
	while (j > i && is_fold_byte(value[j - 1]))
		j--;
	while (i < j) {
		/* copy up to the next line end in one piece */
		for (run = i; run < j && value[run] != '\r' &&
		     value[run] != '\n'; run++)
			;
		if (buf_append(out, value + i, run - i) < 0)
			return -1;
		if (run < j && value[run] == '\r' &&
		    (run + 1 >= j || value[run + 1] != '\n')) {
			/* a bare CR is not a line end: keep it */
			if (buf_append_byte(out, '\r') < 0)
				return -1;
		}
		i = run < j ? run + 1 : j;
	}
	return 0;
}

/* Appends raw with every bare LF turned into CRLF. */
static int
append_crlf(const unsigned char *raw, size_t len, struct buf *out)
{
	size_t i = 0, nl;
	const unsigned char *p;

	while (i < len) {
		p = memchr(raw + i, '\n', len - i);
		nl = p != NULL ? (size_t)(p - raw) : len;
		if (buf_append(out, raw + i, nl - i) < 0)
			return -1;
		if (nl == len)
			break;
		if ((nl == 0 || raw[nl - 1] != '\r') &&
		    buf_append_byte(out, '\r') < 0)
			return -1;
		if (buf_append_byte(out, '\n') < 0)
			return -1;
		i = nl + 1;
	}
	return 0;
}

static int
name_in(const struct header_field *f, const char *const *names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (name_is(f, names[i]))
			return 1;
	return 0;
}

int
header_select(const unsigned char *hdr, size_t len,
	      const char *const *names, size_t nnames, int exclude,
	      struct buf *out)
{
	struct header_iter it;
	struct header_field f;
	int is_field;

	header_iter_init(&it, hdr, len);
	while (iter_next_any(&it, &f, &is_field)) {
		/* A line that is no field matches no name: HEADER.FIELDS.NOT
		 * keeps it, as Dovecot does. */
		int match = is_field && name_in(&f, names, nnames);
		if (match == !!exclude)
			continue;
		if (append_crlf(f.raw, f.raw_len, out) < 0)
			return -1;
		/* a last field cut off without its line end */
		if ((f.raw_len == 0 || f.raw[f.raw_len - 1] != '\n') &&
		    buf_append(out, "\r\n", 2) < 0)
			return -1;
	}
	return buf_append(out, "\r\n", 2);
}
