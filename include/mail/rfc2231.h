/* include/mail/rfc2231.h — parameter values in the extended form of RFC
 * 2231 section 4: name*=charset'language'percent-encoded-octets, as in
 * filename*=utf-8''Gr%C3%BC%C3%9Fe.pdf. The MIME parser joins the
 * continuations (name*0*, name*1*, ...) and keeps the value as written,
 * as BODYSTRUCTURE wants; SEARCH and display want the text, in UTF-8. */
#ifndef SKUA_MAIL_RFC2231_H
#define SKUA_MAIL_RFC2231_H

#include "util/buf.h"

/* Appends the value of the parameter called name as UTF-8 text. A name
 * ending in '*' marks the extended form: the charset prefix selects the
 * conversion (none or unknown: UTF-8 with bad bytes replaced), the
 * language is dropped, and %XX are decoded; a bad %-escape is kept as
 * it is. Any other value is appended unchanged. Returns 0, or -1 when
 * out would overflow. */
int rfc2231_decode(const char *name, const char *value, struct buf *out);

#endif
