/* include/imap/seqset.h — sequence sets of RFC 3501 9 ("1:4,7,9:*"),
 * for message sequence numbers and for UIDs alike.
 *
 * "*" is kept as such and stands for the largest number in use when the
 * set is applied (RFC 3501 6.4.8: for UIDs, the highest UID in the
 * mailbox; in an empty mailbox, "*" matches nothing for sequence numbers
 * and UID "*" is the UIDNEXT - 1 that no message has). A range may be
 * written either way round ("4:2" is "2:4"). */
#ifndef SKUA_IMAP_SEQSET_H
#define SKUA_IMAP_SEQSET_H

#include <stddef.h>
#include <stdint.h>

#include "util/arena.h"

/* "*" before it is resolved: 0, which no seq-number or UID can be (RFC
 * 3501 9: nz-number, 0 < n < 4,294,967,296; so UID 4294967295 is a
 * number like any other). */
#define SEQ_STAR 0
#define SEQSET_MAX_RANGES 100000

struct seqrange {
	uint32_t lo, hi;        /* either may be SEQ_STAR */
};

struct seqset {
	struct seqrange *r;
	size_t n;
};

/* Parses s. Returns 0, or -1 with *err_r (fit for BAD) for a malformed
 * set, 0 as a number, or more than SEQSET_MAX_RANGES ranges. */
int  seqset_parse(const char *s, struct arena *a, struct seqset *set,
		  const char **err_r);
/* Resolves "*" to star and sorts and merges the ranges into increasing,
 * disjoint ones, so that walking them visits each number once, in
 * order. */
void seqset_resolve(struct seqset *set, uint32_t star);
/* 1 when n is in a resolved set. O(log ranges). */
int  seqset_contains(const struct seqset *set, uint32_t n);

#endif
