/* include/mail/rfc2047.h — encoded-words in header text (RFC 2047):
 * "=?charset?B?...?=" and "=?charset?Q?...?=", decoded to UTF-8 for SEARCH
 * and SORT. White space between adjacent encoded-words is dropped
 * (RFC 2047 6.2); an RFC 2231 language suffix (charset*lang) is ignored.
 * Undecodable words stay as they are. Needs iconv for charsets other than
 * US-ASCII and UTF-8. */
#ifndef SKUA_MAIL_RFC2047_H
#define SKUA_MAIL_RFC2047_H

#include <stddef.h>

#include "util/buf.h"

/* Appends the decoded text. Returns 0, or -1 when out would overflow. */
int rfc2047_decode(const char *text, size_t len, struct buf *out);

#endif
