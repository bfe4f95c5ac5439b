/* include/mail/charset.h — text into UTF-8, and the case folding SEARCH
 * compares with (RFC 3501 6.4.4: case-insensitive substring match).
 *
 * Conversions go through iconv, with a cache of open descriptors per
 * process. Bytes that do not convert become U+FFFD; an unknown charset is
 * treated as UTF-8 with invalid sequences replaced, which is what both
 * Dovecot and mail readers show. */
#ifndef SKUA_MAIL_CHARSET_H
#define SKUA_MAIL_CHARSET_H

#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

/* 1 when name is a charset this process can convert from. */
int charset_known(const char *name);
/* Appends data converted from charset to UTF-8. Returns 0, or -1 when out
 * would overflow. */
int charset_to_utf8(const char *charset, const unsigned char *data,
		    size_t len, struct buf *out);
/* Appends UTF-8 text case-folded for comparison: ASCII and Latin-1
 * Supplement / Latin Extended-A letters to lower case, invalid bytes to
 * U+FFFD. Returns 0 or -1 on overflow. */
int charset_fold(const unsigned char *utf8, size_t len, struct buf *out);
/* 1 when charset_to_utf8 would give ASCII bytes back as they are, every
 * other byte as bytes of 0x80 and above, and U+0130 (C4 B0) only where
 * the input has those two bytes: UTF-8 and US-ASCII (NULL too), whose
 * conversion only replaces invalid sequences, and the single-byte
 * charsets converted byte by byte that lack U+0130 (ISO-8859-1, -2,
 * windows-1252 ...); 2 when only text of ASCII alone comes back as it is
 * (the other ISO-8859-*, windows-125*); 0 for the rest (UTF-7,
 * ISO-2022-*, UTF-16 ... rewrite ASCII too). */
int charset_ascii_safe(const char *charset);
/* Appends code point cp as UTF-8; NUL, surrogates and values past
 * U+10FFFF become U+FFFD. Returns 0 or -1 on overflow. */
int charset_put_utf8(struct buf *out, uint32_t cp);

#endif
