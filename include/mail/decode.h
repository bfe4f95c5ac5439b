/* include/mail/decode.h — Content-Transfer-Encoding decoding for BINARY
 * (RFC 3516) and for SEARCH on body text: base64 and quoted-printable;
 * 7bit, 8bit and binary pass through. */
#ifndef SKUA_MAIL_DECODE_H
#define SKUA_MAIL_DECODE_H

#include <stddef.h>

#include "util/buf.h"

enum decode_result {
	DECODE_OK,
	DECODE_INVALID,         /* the data is not valid in its encoding
				 * (strict only): BINARY answers
				 * NO [PARSE], as Dovecot 2.3 does */
	DECODE_UNKNOWN,         /* an encoding we do not know: BINARY
				 * answers NO [UNKNOWN-CTE] (RFC 3516 4.2) */
	DECODE_OVERFLOW,        /* out is full */
};

/* Appends data decoded from the named encoding (case-insensitive; NULL,
 * 7bit, 8bit and binary pass through). Give the body as sent (CRLF).
 * With strict (BINARY), broken base64 (a byte outside the alphabet, data
 * after the padding, a cut quantum) or QP ("=" without two hex digits or
 * a line end) gives DECODE_INVALID; without it (SEARCH) bad bytes are
 * skipped or kept and the rest is decoded. */
enum decode_result decode_body(const char *encoding,
			       const unsigned char *data, size_t len,
			       int strict, struct buf *out);

#endif
