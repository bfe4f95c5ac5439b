/* src/imap/seqset.c — sequence sets: parse, resolve "*", look up. */
#include <stdlib.h>
#include <string.h>

#include "imap/seqset.h"

/* Reads a seq-number: "*" or a non-zero uint32. */
static const char *
parse_number(const char *p, uint32_t *n_r)
{
	uint64_t n = 0;

	if (*p == '*') {
		*n_r = SEQ_STAR;
		return p + 1;
	}
	if (*p < '1' || *p > '9')
		return NULL;
	while (*p >= '0' && *p <= '9') {
		n = n * 10 + (uint64_t)(*p++ - '0');
		if (n > UINT32_MAX)
			return NULL;
	}
	*n_r = (uint32_t)n;
	return p;
}

int
seqset_parse(const char *s, struct arena *a, struct seqset *set,
	     const char **err_r)
{
	size_t count = 1;
	const char *p;

	for (p = s; *p; p++)
		count += *p == ',';
	if (count > SEQSET_MAX_RANGES) {
		*err_r = "Too many ranges in sequence set";
		return -1;
	}
	set->r = arena_alloc(a, count * sizeof(*set->r));
	set->n = 0;
	for (p = s;;) {
		struct seqrange *r = &set->r[set->n];

		if ((p = parse_number(p, &r->lo)) == NULL)
			goto bad;
		r->hi = r->lo;
		if (*p == ':' && (p = parse_number(p + 1, &r->hi)) == NULL)
			goto bad;
		set->n++;
		if (*p == '\0')
			return 0;
		if (*p++ != ',')
			goto bad;
	}
bad:
	*err_r = "Invalid sequence set";
	return -1;
}

static int
range_cmp(const void *x, const void *y)
{
	const struct seqrange *a = x, *b = y;

	return a->lo < b->lo ? -1 : a->lo > b->lo;
}

void
seqset_resolve(struct seqset *set, uint32_t star)
{
	size_t k = 0;

	for (size_t i = 0; i < set->n; i++) {
		struct seqrange *r = &set->r[i];
		if (r->lo == SEQ_STAR)
			r->lo = star;
		if (r->hi == SEQ_STAR)
			r->hi = star;
		if (r->lo > r->hi) {
			uint32_t t = r->lo;
			r->lo = r->hi;
			r->hi = t;
		}
	}
	if (set->n > 1)         /* an empty set ($ unset) has no array */
		qsort(set->r, set->n, sizeof(*set->r), range_cmp);
	for (size_t i = 0; i < set->n; i++) {
		if (k > 0 && set->r[i].lo <= set->r[k - 1].hi + (uint64_t)1) {
			if (set->r[i].hi > set->r[k - 1].hi)
				set->r[k - 1].hi = set->r[i].hi;
			continue;
		}
		set->r[k++] = set->r[i];
	}
	set->n = k;
}

int
seqset_contains(const struct seqset *set, uint32_t n)
{
	size_t lo = 0, hi = set->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (n < set->r[mid].lo)
			hi = mid;
		else if (n > set->r[mid].hi)
			lo = mid + 1;
		else
			return 1;
	}
	return 0;
}
