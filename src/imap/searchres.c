/* src/imap/searchres.c — the saved search result "$" (RFC 5182). */
#include <stdlib.h>
#include <string.h>

#include "imap/searchres.h"
#include "util/xalloc.h"

int
searchres_is_marker(const struct arg *a)
{
	return a->type == ARG_ATOM && a->len == 1 && a->data[0] == '$';
}

void
searchres_clear(struct session *s)
{
	if (s->searchres != NULL) {
		free(s->searchres->r);
		free(s->searchres);
		s->searchres = NULL;
	}
}

void
searchres_save(struct session *s, const uint32_t *uids, size_t n)
{
	struct seqset *set;
	size_t k = 0;

	searchres_clear(s);
	if (n == 0)
		return;
	set = xcalloc(1, sizeof(*set));
	/* Ranges, so that "1:100000" costs one entry, not 100000. */
	set->r = xcalloc(n, sizeof(*set->r));
	for (size_t i = 0; i < n; i++) {
		if (k > 0 && uids[i] == set->r[k - 1].hi + (uint64_t)1) {
			set->r[k - 1].hi = uids[i];
			continue;
		}
		set->r[k].lo = set->r[k].hi = uids[i];
		k++;
	}
	set->n = k;
	s->searchres = set;
}

void
searchres_get(struct session *s, struct arena *a, struct seqset *uids)
{
	const struct seqset *set = s->searchres;

	uids->n = 0;
	uids->r = NULL;
	if (set == NULL || set->n == 0)
		return;
	uids->r = arena_alloc(a, set->n * sizeof(*uids->r));
	memcpy(uids->r, set->r, set->n * sizeof(*uids->r));
	uids->n = set->n;
}
