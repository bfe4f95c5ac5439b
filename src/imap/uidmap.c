/* src/imap/uidmap.c — the sequence number <-> UID map of a view.
 *
 * bucket[b] is the index of the first UID whose bucket number,
 * (uid - uids[0]) >> shift, is at least b; bucket[nbuckets] is n. The
 * shift is the smallest that makes the buckets no more numerous than
 * one per UIDS_PER_BUCKET UIDs, so a dense folder has about eight UIDs
 * a bucket and a sparse one a few more: either way the binary search
 * inside a bucket is a few steps, and the table costs half a byte a
 * message instead of four (an idle session keeps it for every message
 * of its folder). */
#include <stdlib.h>

#include "imap/uidmap.h"
#include "util/xalloc.h"

#define UIDS_PER_BUCKET 8

void
uidmap_init(struct uidmap *m)
{
	*m = (struct uidmap){ 0 };
}

void
uidmap_free(struct uidmap *m)
{
	free(m->uids);
	free(m->bucket);
	uidmap_init(m);
}

void
uidmap_reserve(struct uidmap *m, size_t n)
{
	/* The first reservation (a SELECT's) is exact: the map of a big
	 * folder is not rounded up to the next power of two. */
	size_t cap = m->cap ? m->cap : n > 64 ? n : 64;

	if (n <= m->cap)
		return;
	while (cap < n)
		cap *= 2;
	m->uids = xrealloc(m->uids, cap * sizeof(*m->uids));
	m->cap = cap;
}

int
uidmap_append(struct uidmap *m, uint32_t uid)
{
	if (uid == 0 || (m->n > 0 && uid <= m->uids[m->n - 1]))
		return -1;
	uidmap_reserve(m, m->n + 1);
	m->uids[m->n++] = uid;
	m->stale = 1;
	return 0;
}

void
uidmap_compact(struct uidmap *m, const unsigned char *marks,
	       unsigned drop)
{
	size_t k = 0;

	for (size_t i = 0; i < m->n; i++)
		if (!(marks[i] & drop))
			m->uids[k++] = m->uids[i];
	m->n = k;
	m->stale = 1;
}

void
uidmap_reindex(struct uidmap *m)
{
	uint32_t base, range;
	size_t i = 0, most;

	m->stale = 0;
	m->nbuckets = 0;
	m->shift = 0;
	if (m->n == 0)
		return;
	base = m->uids[0];
	range = m->uids[m->n - 1] - base;       /* last bucket number, shift 0 */
	most = m->n / UIDS_PER_BUCKET > 0 ? m->n / UIDS_PER_BUCKET : 1;
	while ((size_t)(range >> m->shift) + 1 > most)
		m->shift++;
	m->nbuckets = (size_t)(range >> m->shift) + 1;
	m->bucket = xrealloc(m->bucket, (m->nbuckets + 1) *
			     sizeof(*m->bucket));
	for (size_t b = 0; b < m->nbuckets; b++) {
		while (i < m->n && ((m->uids[i] - base) >> m->shift) < b)
			i++;
		m->bucket[b] = (uint32_t)i;
	}
	m->bucket[m->nbuckets] = (uint32_t)m->n;
}

uint32_t
uidmap_uid(const struct uidmap *m, uint32_t seq)
{
	return seq >= 1 && seq <= m->n ? m->uids[seq - 1] : 0;
}

/* First index in [lo, hi) whose UID is at least uid, or hi. */
static size_t
lower_bound(const uint32_t *uids, size_t lo, size_t hi, uint32_t uid)
{
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (uids[mid] < uid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

uint32_t
uidmap_seq_at_least(const struct uidmap *m, uint32_t uid)
{
	size_t b;

	if (m->n == 0 || uid <= m->uids[0])
		return 1;
	if (uid > m->uids[m->n - 1])
		return (uint32_t)m->n + 1;
	if (m->stale)
		return (uint32_t)lower_bound(m->uids, 0, m->n, uid) + 1;
	b = (uid - m->uids[0]) >> m->shift;
	return (uint32_t)lower_bound(m->uids, m->bucket[b], m->bucket[b + 1],
				     uid) + 1;
}

uint32_t
uidmap_seq(const struct uidmap *m, uint32_t uid)
{
	uint32_t seq = uidmap_seq_at_least(m, uid);

	return seq <= m->n && m->uids[seq - 1] == uid ? seq : 0;
}

size_t
uidmap_bytes(const struct uidmap *m)
{
	return m->cap * sizeof(*m->uids) +
	       (m->nbuckets ? (m->nbuckets + 1) * sizeof(*m->bucket) : 0);
}
