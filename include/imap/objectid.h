/* include/imap/objectid.h — the per-message attributes that a Maildir
 * keeps nowhere in so many words, derived from what it does keep: the
 * save date of SAVEDATE (RFC 8514) and the EMAILID of OBJECTID (RFC
 * 8474). See src/imap/objectid.c for why each is what it is. */
#ifndef SKUA_IMAP_OBJECTID_H
#define SKUA_IMAP_OBJECTID_H

#include <stddef.h>
#include <time.h>

#include "store/folder.h"

/* "M" and 32 hex digits. */
#define OBJECTID_EMAILID_LEN 33
/* RFC 8474 7: objectid = 1*255(ALPHA / DIGIT / "_" / "-"). */
#define OBJECTID_MAX 255

/* The save date of message m of f: the delivery time that begins its
 * Maildir base name, or its INTERNALDATE when the name has none.
 * Returns 0, or -1 when the message is gone. */
int  objectid_savedate(struct folder *f, const struct store_msg *m,
		       time_t *t_r);
/* The time a Maildir base name begins with ("1700000000.M1P2.host"), or
 * -1 when it begins with no such number. */
time_t objectid_name_time(const char *name);
/* Writes the EMAILID of a message with these bytes and INTERNALDATE into
 * out (OBJECTID_EMAILID_LEN + 1 bytes). */
void objectid_emailid(const unsigned char *data, size_t len, time_t date,
		      char *out);
/* The MAILBOXID (RFC 8474 4) of the mailbox the client calls name (its
 * dovecot-uidlist GUID, store/folder.h), in s's arena, or NULL (logged)
 * when it cannot be had. */
struct session;
const char *objectid_mailboxid(struct session *s, const char *name);
/* 1 when s (len bytes) is a syntactically valid objectid (RFC 8474 7). */
int  objectid_valid(const unsigned char *s, size_t len);

#endif
