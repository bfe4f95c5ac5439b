/* include/mail/unicasemap.h — the i;unicode-casemap collation (RFC 5051),
 * which SORT and THREAD must use to compare strings (RFC 5256 7, with
 * I18NLEVEL=1 of RFC 5255): each character is mapped to its simple
 * titlecase, then fully decomposed (NFKD), and the results are compared
 * as octets. So "a" and "A" are equal, and "é" sorts between "E" and "F".
 *
 * A string is turned into its key once; keys compare with memcmp (or
 * strcmp: a key holds no NUL unless its input did). */
#ifndef SKUA_MAIL_UNICASEMAP_H
#define SKUA_MAIL_UNICASEMAP_H

#include <stddef.h>

#include "util/buf.h"

/* Appends the collation key of UTF-8 text; an invalid byte counts as
 * U+FFFD. Returns 0, or -1 when out would overflow (what fitted stays). */
int unicasemap_key(const unsigned char *utf8, size_t len, struct buf *out);

#endif
