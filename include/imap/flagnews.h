/* include/imap/flagnews.h — telling the client that the selected
 * mailbox's keywords changed.
 *
 * A keyword made by STORE, APPEND or COPY (here or by another session)
 * widens the FLAGS of the mailbox. RFC 3501 7.2.6 lets the server send
 * FLAGS again at any time; Dovecot 2.3 sends FLAGS and PERMANENTFLAGS
 * before the first response that uses the new keyword, and so does skua,
 * so a client never sees a keyword that is not in its FLAGS list. */
#ifndef SKUA_IMAP_FLAGNEWS_H
#define SKUA_IMAP_FLAGNEWS_H

#include "imap/command.h"

/* The number of keywords s->sel.kw names now (0 when nothing is
 * selected), to compare before and after a change. */
int  flagnews_count(const struct session *s);
/* Sends "* FLAGS (...)" and "* OK [PERMANENTFLAGS (...)]" for the
 * selected mailbox when it has more keywords than before (a count from
 * flagnews_count). With refresh, dovecot-keywords is read again first
 * (another folder object may have added to it). */
void flagnews_announce(struct session *s, int before, int refresh);

#endif
