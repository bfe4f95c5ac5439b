/* include/imap/searchres.h — the search result variable "$" of SEARCHRES
 * (RFC 5182): what the last SEARCH RETURN (SAVE) found, for any later
 * command that takes a sequence set.
 *
 * The result is kept as UIDs, never as sequence numbers: an expunged
 * message drops out by itself because its UID names no message any more
 * (RFC 5182 2.1: "When a message listed in the search result variable is
 * EXPUNGEd, it is automatically removed from the list"), and "$" reads as
 * UIDs in UID commands and as sequence numbers in the others (2.1,
 * implementation note). It lives in malloc'ed memory, not in the
 * command's arena, and is emptied when the selection ends (SELECT,
 * EXAMINE, CLOSE, UNSELECT: session_unselect) and at the end. */
#ifndef SKUA_IMAP_SEARCHRES_H
#define SKUA_IMAP_SEARCHRES_H

#include <stddef.h>
#include <stdint.h>

#include "imap/command.h"
#include "imap/seqset.h"

/* 1 when a is the seq-last-command "$" (RFC 5182 3). */
int  searchres_is_marker(const struct arg *a);
/* Replaces the saved result with uids[0..n), increasing. */
void searchres_save(struct session *s, const uint32_t *uids, size_t n);
/* Empties the saved result (RFC 5182 2.1: SELECT and EXAMINE reset it;
 * a SEARCH with SAVE that answers NO saves the empty list). */
void searchres_clear(struct session *s);
/* The saved result as increasing, disjoint UID ranges, copied into a
 * (an empty set when nothing is saved). */
void searchres_get(struct session *s, struct arena *a, struct seqset *uids);

#endif
