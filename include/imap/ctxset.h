/* include/imap/ctxset.h — the number lists of RFC 5267 (ESORT and
 * CONTEXT): result lists written as sequence-sets in the requested
 * order, and the ADDTO and REMOVEFROM data items that turn one result
 * list into the next. Pure: no session, no mailbox; imap/context.c
 * feeds it UIDs and the numbers the client is to read. */
#ifndef SKUA_IMAP_CTXSET_H
#define SKUA_IMAP_CTXSET_H

#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

/* Appends v[0..n) as a sequence-set in the order given: a run of
 * numbers each one above the one before becomes "lo:hi", anything else
 * is separated by commas. RFC 5267 3.2: ranges "MUST be ordered in
 * increasing numerical order after expansion", and 12:10 "SHOULD be
 * avoided", so a descending run is written out ("12,11,10"). */
void ctxset_write(struct buf *b, const uint32_t *v, size_t n);

/* Appends the REMOVEFROM and ADDTO data items (each with a leading
 * space, REMOVEFROM first) that turn the result list old[0..nold) into
 * new[0..nnew). Both lists hold keys (UIDs), each at most once, in the
 * requested order; out_old[i] and out_new[i] are the numbers the client
 * knows those messages by (UIDs again, or sequence numbers).
 *
 * positional 0 (SEARCH, RFC 5267 4.3.3/4.3.4): context position 0 and
 * one set each, in the lists' (mailbox) order. positional 1 (SORT):
 * pairs of a 1-based context position and the run of messages removed
 * from or inserted at it, processed in order. The messages in both
 * lists must keep their relative order for that; when they do not, the
 * whole old list is removed and the new one added.
 *
 * Returns 1 when anything was appended, 0 when the lists hold the same
 * keys in the same order. */
int  ctxset_diff(struct buf *b, const uint32_t *old, const uint32_t *out_old,
		 size_t nold, const uint32_t *new_, const uint32_t *out_new,
		 size_t nnew, int positional);

#endif
