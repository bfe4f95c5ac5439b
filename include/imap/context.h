/* include/imap/context.h — ESORT, CONTEXT=SEARCH and CONTEXT=SORT (RFC
 * 5267): SORT with RETURN options, SEARCH with the CONTEXT, PARTIAL and
 * UPDATE return options, the updating contexts that follow the selected
 * mailbox with ADDTO and REMOVEFROM, and CANCELUPDATE.
 *
 * cmd_search and cmd_sort hand a command over when context_wanted says
 * so; the session calls context_before and context_after around the
 * untagged updates it sends (session_announce), and context_clear when
 * the selection ends. */
#ifndef SKUA_IMAP_CONTEXT_H
#define SKUA_IMAP_CONTEXT_H

#include "imap/command.h"

/* Updating contexts one session may hold; one more answers
 * "* NO [NOUPDATE tag]" (RFC 5267 4.3.1: at least one MUST be given). */
#define CONTEXT_MAX_UPDATES 8

/* 1 when this SEARCH (sort 0) or SORT (sort 1) is for context.c: a SORT
 * with RETURN (ESORT), a SEARCH whose RETURN names CONTEXT, PARTIAL or
 * UPDATE. */
int  context_wanted(const struct command *cmd, int sort);
/* Runs such a SEARCH or SORT, UID form too, and answers it. */
void context_search(struct session *s, const struct command *cmd, int sort);
/* Before the view's news is written: REMOVEFROM for the messages of
 * each updating context that are expunged, for contexts of sequence
 * numbers only when the EXPUNGEs go out now (allow_expunge), since the
 * numbers must still be valid (RFC 5267 4.3.4). */
void context_before(struct session *s, int allow_expunge);
/* After EXISTS, EXPUNGE and FETCH: ADDTO and REMOVEFROM for what else
 * changed in each updating context's result (RFC 5267 4.3.3). */
void context_after(struct session *s);
/* Ends every updating context (the mailbox is no longer selected). */
void context_clear(struct session *s);

command_fn cmd_cancelupdate;

#endif
