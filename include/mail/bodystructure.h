/* include/mail/bodystructure.h — BODY and BODYSTRUCTURE (RFC 3501 7.4.2)
 * of a parsed message, byte-exact as Dovecot writes them: body type and
 * subtype upper-cased only where Dovecot does, parameter lists, id,
 * description, encoding, size, lines for text parts, the envelope, body and
 * lines of message/rfc822, and with extended set the extension data (MD5,
 * disposition, language, location; for multiparts the parameters,
 * disposition, language and location). */
#ifndef SKUA_MAIL_BODYSTRUCTURE_H
#define SKUA_MAIL_BODYSTRUCTURE_H

#include "mail/message.h"
#include "util/arena.h"
#include "util/buf.h"

/* Appends the structure of part (the root for the whole message). data is
 * the raw buffer the part was parsed from (needed for the envelope of
 * message/rfc822 parts). Returns 0, or -1 on overflow. */
int bodystructure_write(const struct mail_part *part,
			const unsigned char *data, int extended,
			struct arena *a, struct buf *out);

#endif
