/* include/imap/response.h — writing server responses (RFC 3501 7).
 *
 * Every line ends in CRLF. Strings go out as an atom, a quoted string or a
 * literal, whichever their bytes allow (RFC 3501 4.3: 8-bit data, CR, LF
 * and NUL only in literals). Output is buffered in the stream; the
 * session flushes before it waits for the client. */
#ifndef SKUA_IMAP_RESPONSE_H
#define SKUA_IMAP_RESPONSE_H

#include <stddef.h>

#include "util/stream.h"

/* "tag STATUS text" — text is a printf format, and may begin with a
 * response code such as "[ALERT] ". */
void resp_tagged(struct stream *out, const char *tag, const char *status,
		 const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* "* text" */
void resp_untagged(struct stream *out, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* "+ text" */
void resp_continue(struct stream *out, const char *text);
/* Writes data as a quoted string when it can be one, else as a literal. */
void resp_string(struct stream *out, const void *data, size_t len);
/* Like resp_string, but NIL for a NULL pointer. */
void resp_nstring(struct stream *out, const char *str);

#endif
