/* include/mail/message.h — the MIME structure of one message (RFC 2045,
 * RFC 2046, RFC 3501 6.4.5 and 7.4.2), found in one pass over its bytes.
 *
 * The message is given as one buffer (a memory map of the file, usually).
 * The parse copies no body bytes: a part records offsets into the buffer,
 * and the few header values IMAP reports (content type, parameters, id,
 * description, encoding, MD5, disposition, language, location) are copied
 * into the arena, unfolded and with comments removed.
 *
 * Line ends on disk may be LF or CRLF (or a mix); IMAP always speaks
 * CRLF. Every size in a part is counted as the client will see it, with
 * each bare LF counted as CRLF: RFC822.SIZE, the body size of BODYSTRUCTURE
 * and the offsets of partial fetches all agree with the bytes sent.
 *
 * Malformed input gets the best structure its bytes allow; the parse never
 * fails and never reads outside the buffer. Nesting deeper than
 * MAIL_MAX_DEPTH is treated as an opaque leaf, as Dovecot does. */
#ifndef SKUA_MAIL_MESSAGE_H
#define SKUA_MAIL_MESSAGE_H

#include <stddef.h>
#include <stdint.h>

#include "util/arena.h"

#define MAIL_MAX_DEPTH 100

/* A span of the raw buffer, with its size as sent on the wire (CRLF). */
struct mail_span {
	size_t start;           /* offset in the raw buffer */
	size_t len;             /* raw bytes */
	size_t wire_len;        /* bytes once every bare LF is CRLF */
	size_t lines;           /* number of lines (for BODY line counts) */
};

struct mail_param {
	const char *name;       /* as written; compare with strcasecmp */
	const char *value;      /* RFC 2231 continuations joined; still in
				 * its charset'lang'%XX form when so encoded */
};

struct mail_part {
	/* The part's MIME header, including the empty line that ends it
	 * (empty span for a part without a header), and its body. */
	struct mail_span header;
	struct mail_span body;

	/* Content-Type, defaulted per RFC 2045 5.2 and RFC 2046 5.1.5
	 * (message/rfc822 inside multipart/digest). Case as written in the
	 * header; compare with strcasecmp. */
	const char *type;
	const char *subtype;
	struct mail_param *params;
	size_t nparams;
	const char *id;                 /* NULL when absent */
	const char *description;
	const char *encoding;           /* NULL: absent (7BIT reported) */
	const char *md5;
	const char *disposition;        /* NULL: absent */
	struct mail_param *disp_params;
	size_t ndisp_params;
	const char **language;          /* NULL-terminated, NULL if absent */
	const char *location;

	/* A multipart (type "multipart" with a non-empty subtype): the
	 * parts between the boundaries, in order; none when it had no
	 * boundary or no part. */
	struct mail_part *children;
	size_t nchildren;
	/* message/rfc822 (message/global is a leaf, as in Dovecot 2.3;
	 * multipart/digest children default to rfc822): the enclosed message, whose
	 * own header and body are in its spans. NULL otherwise. */
	struct mail_part *message;
};

/* Parses the message in data[0..len). Everything lives in the arena. */
struct mail_part *mail_parse(const unsigned char *data, size_t len,
			     struct arena *a);

/* Size of the whole message on the wire (RFC822.SIZE). */
size_t mail_wire_size(const struct mail_part *root);

/* Writes data[0..len) with every bare LF turned into CRLF, through
 * write(ctx, bytes, n), which returns 0 or -1. Returns 0 or -1. */
int mail_write_crlf(const unsigned char *data, size_t len,
		    int (*write)(void *ctx, const void *bytes, size_t n),
		    void *ctx);

#endif
