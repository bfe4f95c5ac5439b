/* include/mail/header.h — the header block of a message or MIME part
 * (RFC 5322 2.2, 3.6): finding its end, walking its fields, unfolding,
 * and the selections of HEADER.FIELDS and HEADER.FIELDS.NOT (RFC 3501
 * 6.4.5), which return the original bytes of the chosen fields. */
#ifndef SKUA_MAIL_HEADER_H
#define SKUA_MAIL_HEADER_H

#include <stddef.h>

#include "util/buf.h"

struct header_field {
	const unsigned char *name;      /* points into the header; white
					 * space before the colon dropped */
	size_t name_len;
	const unsigned char *value;     /* after the colon, folded, raw,
					 * without the final line end */
	size_t value_len;
	const unsigned char *raw;       /* the whole field with its line
					 * end(s): what HEADER.FIELDS returns */
	size_t raw_len;
};

struct header_iter {
	const unsigned char *p;
	const unsigned char *end;
};

/* Length of the header block at data, up to and including the empty line
 * that ends it; all of len when there is none. */
size_t header_block_len(const unsigned char *data, size_t len);

void header_iter_init(struct header_iter *it, const unsigned char *hdr,
		      size_t len);
/* Next field, or 0 at the end. A line without a colon that does not
 * continue a field is skipped, as mail readers do. */
int  header_iter_next(struct header_iter *it, struct header_field *f);

/* Finds the first field named name (case-insensitive). Returns 1 with *f
 * filled, or 0. */
int  header_find(const unsigned char *hdr, size_t len, const char *name,
		 struct header_field *f);

/* Appends value unfolded: CRLF or LF followed by WSP is removed (RFC 5322
 * 2.2.3), leading and trailing white space is trimmed. */
int  header_unfold(const unsigned char *value, size_t len, struct buf *out);

/* HEADER.FIELDS (names) and, with exclude, HEADER.FIELDS.NOT: appends the
 * raw bytes of the matching fields in header order, with line ends as
 * CRLF, and the final empty line (CRLF) as RFC 3501 6.4.5 wants. */
int  header_select(const unsigned char *hdr, size_t len,
		   const char *const *names, size_t nnames, int exclude,
		   struct buf *out);

#endif
