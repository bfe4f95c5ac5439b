/* include/imap/msgkeys.h — what SORT and THREAD compare of one message
 * (RFC 5256, RFC 5957), read from its header block once: base subject,
 * first addresses, sent date, Message-ID and references; and from the
 * store: internal date and size.
 *
 * Strings come back as collation keys (i;unicode-casemap, see
 * mail/unicasemap.h) in the arena the reader was made with, so callers
 * compare them with strcmp and keep them for the whole command. A field
 * that is absent is the empty string (RFC 5256 3: "treated as the empty
 * string"). */
#ifndef SKUA_IMAP_MSGKEYS_H
#define SKUA_IMAP_MSGKEYS_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "store/folder.h"
#include "util/arena.h"

struct msgkeys;

struct msgkeys *msgkeys_new(struct folder *f, struct arena *a);
void msgkeys_free(struct msgkeys **k);          /* sets *k to NULL */

/* Makes uid the message the keys are read of; its file is mapped when
 * a key first needs it. Returns 0. A file gone or unreadable (logged
 * unless gone) counts as an empty message: its keys are those of an
 * empty message. */
int  msgkeys_load(struct msgkeys *k, uint32_t uid);
/* Unmaps it; call before loading the next. */
void msgkeys_unload(struct msgkeys *k);

/* INTERNALDATE; 0 when unknown. */
time_t msgkeys_arrival(struct msgkeys *k);
/* The sent date of RFC 5256 2.2: the Date field in UTC, or INTERNALDATE
 * when it is missing or cannot be parsed. */
time_t msgkeys_sent(struct msgkeys *k);
/* RFC822.SIZE. */
uint64_t msgkeys_size(struct msgkeys *k);
/* The base subject (RFC 5256 2.1); *is_reply_r as in
 * mail/basesubject.h (may be NULL). */
const char *msgkeys_subject(struct msgkeys *k, int *is_reply_r);
/* The first address of field (From, To, Cc): its addr-mailbox
 * (RFC 5256 SORT FROM, TO, CC), or with display its DISPLAY value
 * (RFC 5957 3: the decoded display name, else mailbox@host, else the
 * mailbox). */
const char *msgkeys_address(struct msgkeys *k, const char *field,
			    int display);
/* The normalized Message-ID (mail/msgid.h), or NULL when none is valid;
 * as is, not a collation key (ids compare case-sensitively). */
const char *msgkeys_msgid(struct msgkeys *k);
/* The references of RFC 5256 3 (REFERENCES): every valid id of
 * References, or when there is none the first valid id of
 * In-Reply-To. Returns their number, *refs_r an array in the arena. */
size_t msgkeys_refs(struct msgkeys *k, const char ***refs_r);

#endif
