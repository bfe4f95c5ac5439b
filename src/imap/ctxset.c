/* src/imap/ctxset.c — sequence-sets in a requested order, and the
 * ADDTO/REMOVEFROM difference of two result lists (RFC 5267 3.2,
 * 4.3.3, 4.3.4).
 *
 * Membership is decided on keys (UIDs) through sorted copies and binary
 * search, so that a list of n messages costs O(n log n) and no per-
 * message allocation. Positions follow the RFC's processing model: a
 * REMOVEFROM pair "p a,b" removes a at position p, then b, which has
 * moved up to p; an ADDTO pair "p a,b" inserts a at p and b at p + 1.
 * Removing first (walking the old list) and then inserting (walking the
 * new list) reaches the new list exactly when the messages present in
 * both keep their relative order, which sorting by criteria that do not
 * change with flags guarantees; anything else is sent as "remove all,
 * add all", which is correct if not short. */
#include <stdlib.h>
#include <string.h>

#include "imap/ctxset.h"

void
ctxset_write(struct buf *b, const uint32_t *v, size_t n)
{
	for (size_t i = 0; i < n;) {
		size_t j = i;

		while (j + 1 < n && v[j] != UINT32_MAX && v[j + 1] == v[j] + 1)
			j++;
		(void)buf_printf(b, "%s%u", i == 0 ? "" : ",", v[i]);
		if (j > i)
			(void)buf_printf(b, ":%u", v[j]);
		i = j + 1;
	}
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static uint32_t *
sorted_copy(const uint32_t *v, size_t n)
{
	uint32_t *c = malloc((n + 1) * sizeof(*c));

	if (c == NULL)
		abort();
	if (n > 0)
		memcpy(c, v, n * sizeof(*c));
	qsort(c, n, sizeof(*c), cmp_u32);
	return c;
}

static int
has(const uint32_t *sorted, size_t n, uint32_t key)
{
	return bsearch(&key, sorted, n, sizeof(*sorted), cmp_u32) != NULL;
}

/* Appends " NAME (0 set)" of out[i] for every marked i. */
static int
write_unpositioned(struct buf *b, const char *name, const uint32_t *out,
		   const unsigned char *mark, size_t n)
{
	uint32_t *sel = malloc((n + 1) * sizeof(*sel));
	size_t k = 0;

	if (sel == NULL)
		abort();
	for (size_t i = 0; i < n; i++)
		if (mark[i])
			sel[k++] = out[i];
	if (k > 0) {
		(void)buf_printf(b, " %s (0 ", name);
		ctxset_write(b, sel, k);
		(void)buf_append_byte(b, ')');
	}
	free(sel);
	return k > 0;
}

/* Appends " NAME (p set p set ...)" for the runs of marked entries.
 * removing: a marked entry does not advance the position (it leaves);
 * inserting: every entry does (it is, or comes to be, in the list). */
static int
write_positioned(struct buf *b, const char *name, const uint32_t *out,
		 const unsigned char *mark, size_t n, int removing)
{
	size_t pos = 1, pairs = 0;

	for (size_t i = 0; i < n;) {
		size_t j = i;

		if (!mark[i]) {
			pos++;
			i++;
			continue;
		}
		while (j < n && mark[j])
			j++;
		if (pairs++ == 0)
			(void)buf_printf(b, " %s (%zu ", name, pos);
		else
			(void)buf_printf(b, " %zu ", pos);
		ctxset_write(b, out + i, j - i);
		if (!removing)
			pos += j - i;
		i = j;
	}
	if (pairs > 0)
		(void)buf_append_byte(b, ')');
	return pairs > 0;
}

int
ctxset_diff(struct buf *b, const uint32_t *old, const uint32_t *out_old,
	    size_t nold, const uint32_t *new_, const uint32_t *out_new,
	    size_t nnew, int positional)
{
	uint32_t *so = sorted_copy(old, nold), *sn = sorted_copy(new_, nnew);
	unsigned char *gone = calloc(nold + 1, 1), *added = calloc(nnew + 1, 1);
	size_t kept_old = 0, kept_new = 0, i, j;
	int wrote = 0, same_order = 1;

	if (gone == NULL || added == NULL)
		abort();
	for (i = 0; i < nold; i++)
		if (!has(sn, nnew, old[i]))
			gone[i] = 1;
		else
			kept_old++;
	for (i = 0; i < nnew; i++)
		if (!has(so, nold, new_[i]))
			added[i] = 1;
		else
			kept_new++;
	/* Do the messages in both lists keep their relative order? */
	for (i = 0, j = 0; positional && i < nold; i++) {
		if (gone[i])
			continue;
		while (j < nnew && added[j])
			j++;
		if (j >= nnew || new_[j] != old[i]) {
			same_order = 0;
			break;
		}
		j++;
	}
	if (!same_order && (kept_old > 0 || kept_new > 0)) {
		memset(gone, 1, nold);
		memset(added, 1, nnew);
	}
	if (positional) {
		wrote |= write_positioned(b, "REMOVEFROM", out_old, gone, nold, 1);
		wrote |= write_positioned(b, "ADDTO", out_new, added, nnew, 0);
	} else {
		wrote |= write_unpositioned(b, "REMOVEFROM", out_old, gone, nold);
		wrote |= write_unpositioned(b, "ADDTO", out_new, added, nnew);
	}
	free(so);
	free(sn);
	free(gone);
	free(added);
	return wrote;
}
