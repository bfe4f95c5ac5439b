/* include/store/netunicode.h — Net-Unicode (RFC 5198 2) for mailbox
 * names: RFC 6855 3 says UTF-8 mailbox names "MUST comply with the
 * Net-Unicode Definition", and RFC 9051 6.3.4 has the server reject (or
 * normalize) a name that does not. Net-Unicode is UTF-8 in Unicode
 * Normalization Form C; the control characters it also rules out are
 * names.c's to refuse. skua refuses names that are not in NFC rather
 * than normalize them, so a name on disk is always the one the client
 * gave (and no OLDNAME is ever needed, RFC 9051 6.3.9.7). */
#ifndef SKUA_STORE_NETUNICODE_H
#define SKUA_STORE_NETUNICODE_H

#include <stddef.h>

/* 1 when the len bytes of valid UTF-8 at s are in Normalization Form C
 * (UAX #15, with the tables of scripts/gen_nfc.py), else 0. Pure ASCII
 * is answered without a look at the tables. Invalid UTF-8 gives 0. */
int netunicode_is_nfc(const char *s, size_t len);

#endif
