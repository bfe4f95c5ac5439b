/* include/mail/address.h — address lists of From, To, Cc and the rest
 * (RFC 5322 3.4, with the obsolete forms of 4.4), as the ENVELOPE wants
 * them: display name, route, mailbox, host, and groups (RFC 3501 7.4.2).
 *
 * Real mail is full of broken lists: unquoted commas in names, missing
 * angle brackets, stray quotes, 8-bit bytes. The parser never fails; it
 * returns what a mail reader would show. */
#ifndef SKUA_MAIL_ADDRESS_H
#define SKUA_MAIL_ADDRESS_H

#include <stddef.h>

#include "util/arena.h"

/* One entry of an ENVELOPE address list. A group is an entry with
 * group_start set (mailbox = group name, host NULL), its members, then an
 * entry with group_end set (all NULL). Strings are NUL-terminated, raw
 * bytes (encoded-words are not decoded: IMAP sends them as they are). */
struct mail_address {
	const char *name;       /* display name, unquoted; NULL if none */
	const char *route;      /* obsolete source route "@a,@b"; NULL */
	const char *mailbox;    /* local part, unquoted; NULL if none */
	const char *host;       /* domain; NULL if none */
	int group_start;
	int group_end;
};

/* Parses an unfolded field value. Returns the number of entries in
 * *list_r (0 for an empty list), allocated in the arena. */
size_t address_parse(const char *value, size_t len, struct arena *a,
		     struct mail_address **list_r);

#endif
