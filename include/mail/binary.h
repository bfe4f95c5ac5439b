/* include/mail/binary.h — the content of a body section with its
 * Content-Transfer-Encoding removed, for FETCH BINARY[...] and
 * BINARY.SIZE[...] (RFC 3516 4.2, 4.3; RFC 9051 6.4.5). */
#ifndef SKUA_MAIL_BINARY_H
#define SKUA_MAIL_BINARY_H

#include <stddef.h>

#include "mail/decode.h"
#include "mail/message.h"
#include "mail/section.h"
#include "util/buf.h"

/* Appends to out the decoded content of section s (part numbers only;
 * the partial is not applied) of the message root parsed from data:
 * a leaf part's body decoded from its encoding; a multipart's or an
 * enclosed message's content with each leaf inside decoded and its
 * Content-Transfer-Encoding field saying "binary"; BINARY[] the whole
 * message so. Line ends are CRLF (RFC 3516 6) except what base64 gave.
 * A part number beyond the structure gives nothing. Returns DECODE_OK,
 * DECODE_UNKNOWN (some part's encoding is unknown: NO [UNKNOWN-CTE]),
 * DECODE_INVALID (broken base64 or quoted-printable: NO [PARSE]), or
 * DECODE_OVERFLOW (out is full). */
enum decode_result mail_binary(const struct section *s,
			       const struct mail_part *root,
			       const unsigned char *data, struct buf *out);

#endif
