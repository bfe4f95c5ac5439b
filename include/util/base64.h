/* include/util/base64.h — base64 of RFC 4648 section 4, and the modified
 * form of IMAP's mailbox names (RFC 3501 5.1.3: ',' in place of '/'). */
#ifndef SKUA_UTIL_BASE64_H
#define SKUA_UTIL_BASE64_H

#include <stddef.h>

extern const char base64_alphabet[];

/* The 6-bit value of c, or -1 outside the alphabet; with modified set,
 * ',' stands where '/' does. */
int base64_value(unsigned char c, int modified);

/* The strict coder (no line breaks). decode is strict:
 * padding required, no whitespace, no characters outside the alphabet,
 * zero bits after the data. It returns the length (the output is not
 * NUL-terminated), or -1 for bad input or an output over out_size.
 * encode writes a NUL-terminated string and returns its length; like
 * snprintf, a return >= out_size means it did not fit and out holds "". */
long   base64_decode(const char *in, size_t in_len, unsigned char *out,
		     size_t out_size);
size_t base64_encode(const unsigned char *in, size_t in_len, char *out,
		     size_t out_size);

#endif
