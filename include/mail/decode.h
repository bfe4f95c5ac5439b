/* include/mail/decode.h — Content-Transfer-Encoding decoding for BINARY
 * (RFC 3516) and for SEARCH on body text: base64 and quoted-printable;
 * 7bit, 8bit and binary pass through. */
#ifndef SKUA_MAIL_DECODE_H
#define SKUA_MAIL_DECODE_H

#include <stddef.h>

#include "util/buf.h"

enum decode_result {
	DECODE_OK,
	DECODE_INVALID,         /* the data is not valid in its encoding:
				 * BINARY answers NO [UNKNOWN-CTE]... */
	DECODE_UNKNOWN,         /* an encoding we do not know */
	DECODE_OVERFLOW,        /* out is full */
};

/* Decodes data in the named encoding (case-insensitive; NULL = 7bit).
 * Lenient for SEARCH unless strict is set: with strict, broken base64 or
 * QP gives DECODE_INVALID as RFC 3516 4.2 wants for BINARY. */
enum decode_result decode_body(const char *encoding,
			       const unsigned char *data, size_t len,
			       int strict, struct buf *out);

#endif
