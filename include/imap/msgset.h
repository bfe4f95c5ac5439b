/* include/imap/msgset.h — the message set argument of STORE and COPY and
 * their UID forms (RFC 3501 6.4.6-6.4.8), read into sequence numbers of
 * the selected mailbox.
 *
 * One reading for every command that takes a set: UIDs that no message
 * has match nothing (RFC 3501 6.4.8), while a sequence number beyond
 * EXISTS, "*" of an empty mailbox included, makes the set invalid, as in
 * Dovecot 2.3 ("Invalid messageset"). */
#ifndef SKUA_IMAP_MSGSET_H
#define SKUA_IMAP_MSGSET_H

#include "imap/command.h"
#include "imap/seqset.h"

/* Parses a (for UID commands, s->uid_command) into sequence numbers of
 * s->sel.view, as increasing disjoint ranges. Returns 0, or -1 with
 * *err_r fit for BAD. */
int  msgset_parse(struct session *s, const struct arg *a, struct seqset *set,
		  const char **err_r);
/* Parses a as a UID set (UID EXPUNGE) into resolved, increasing UID
 * ranges, UIDs no message has included. Returns 0, or -1 with *err_r.
 * Both read "$" as the saved search result (RFC 5182, imap/searchres.h). */
int  msgset_parse_uids(struct session *s, const struct arg *a,
		       struct seqset *set, const char **err_r);

#endif
