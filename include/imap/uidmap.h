/* include/imap/uidmap.h — sequence numbers <-> UIDs of a selected
 * mailbox, both ways in constant time.
 *
 * The UIDs sit in sequence order in one array (4 bytes a message), so
 * seq -> UID is an index. For UID -> seq, a bucket table splits the UID
 * range into at most n / 8 buckets of 2^shift UIDs each and records
 * where each bucket starts in the array (about half a byte more a
 * message): a lookup finds its bucket by a shift and binary-searches
 * the eight or so entries it holds on average. UIDs only grow with sequence numbers
 * (RFC 3501 2.3.1.1), which is what makes the table possible.
 *
 * Appending is cheap and leaves the table stale; uidmap_reindex, once
 * per batch of changes, rebuilds it in O(n). Lookups on a stale table
 * stay correct (they fall back to a binary search), only slower. */
#ifndef SKUA_IMAP_UIDMAP_H
#define SKUA_IMAP_UIDMAP_H

#include <stddef.h>
#include <stdint.h>

struct uidmap {
	uint32_t *uids;         /* uids[seq - 1], strictly increasing */
	size_t n, cap;
	uint32_t *bucket;       /* nbuckets + 1 start indexes into uids */
	size_t nbuckets;
	unsigned shift;
	int stale;
};

void uidmap_init(struct uidmap *m);
void uidmap_free(struct uidmap *m);
/* Makes room for n entries in all (so a big SELECT grows once). */
void uidmap_reserve(struct uidmap *m, size_t n);
/* Adds uid as sequence number n + 1; uid must exceed every UID held
 * (returns -1 and changes nothing otherwise). */
int  uidmap_append(struct uidmap *m, uint32_t uid);
/* Drops every entry i with a bit of drop set in marks[i], keeping the
 * order; marks is the caller's array parallel to uids. Leaves the table
 * stale. */
void uidmap_compact(struct uidmap *m, const unsigned char *marks,
		    unsigned drop);
/* Rebuilds the bucket table after appends or a compaction. */
void uidmap_reindex(struct uidmap *m);

/* UID of seq (1-based), or 0 out of range. */
uint32_t uidmap_uid(const struct uidmap *m, uint32_t seq);
/* Sequence number of uid, or 0 when the map does not hold it. */
uint32_t uidmap_seq(const struct uidmap *m, uint32_t uid);
/* The first sequence number whose UID is at least uid; n + 1 when
 * there is none (UID sets into sequence ranges, RFC 3501 6.4.8). */
uint32_t uidmap_seq_at_least(const struct uidmap *m, uint32_t uid);
/* Bytes held, for the memory figures and their test. */
size_t uidmap_bytes(const struct uidmap *m);

#endif
