/* include/store/mutf7.h — modified UTF-7, the mailbox-name encoding of
 * IMAP4rev1 (RFC 3501 5.1.3): printable US-ASCII stands for itself except
 * "&", which is written "&-"; everything else is "&" + modified base64 of
 * UTF-16BE + "-". Dovecot and Courier before version 5 also use it for
 * folder names on disk. */
#ifndef SKUA_STORE_MUTF7_H
#define SKUA_STORE_MUTF7_H

#include <stddef.h>

#include "util/buf.h"

/* Appends the UTF-8 form of a modified UTF-7 name. Only the canonical
 * spelling (the one utf8_to_mutf7 writes) is accepted; RFC 3501 5.1.3
 * forbids, among others, encoded printable ASCII, an unterminated "&",
 * bad base64, a superfluous shift ("-&"), an unpaired surrogate and
 * non-zero padding bits. U+0000 is refused too. Returns 0, or -1 when the
 * input is not valid or out would overflow; out is then left as it was. */
int mutf7_to_utf8(const char *in, size_t len, struct buf *out);
/* Appends the modified UTF-7 form of a UTF-8 name. Returns 0, or -1 for
 * invalid UTF-8 (overlong forms, surrogates, beyond U+10FFFF, truncated
 * sequences), for U+0000, or when out would overflow; out is then left as
 * it was. */
int utf8_to_mutf7(const char *in, size_t len, struct buf *out);
/* 1 when in is valid modified UTF-7 that mutf7_to_utf8 accepts, else 0. */
int mutf7_valid(const char *in, size_t len);
/* 1 when in is valid UTF-8 (RFC 3629; NUL bytes count as valid), else 0. */
int utf8_valid(const char *in, size_t len);

#endif
