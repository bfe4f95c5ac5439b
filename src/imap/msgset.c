/* src/imap/msgset.c — message sets as sequence numbers of the view. */
#include <stdint.h>

#include "imap/msgset.h"
#include "imap/searchres.h"
#include "imap/view.h"

/* A UID set into sequence numbers, range by range: O(ranges). */
static void
uids_to_seqs(const struct view *v, struct seqset *set)
{
	uint32_t exists = view_exists(v);
	size_t k = 0;

	if (exists == 0) {
		set->n = 0;
		return;
	}
	seqset_resolve(set, view_uid(v, exists));
	for (size_t i = 0; i < set->n; i++) {
		uint32_t lo = view_seq_at_least(v, set->r[i].lo);
		uint32_t hi = set->r[i].hi == UINT32_MAX ? exists + 1 :
			view_seq_at_least(v, set->r[i].hi + 1);

		if (lo < hi) {
			set->r[k].lo = lo;
			set->r[k++].hi = hi - 1;
		}
	}
	set->n = k;
}

int
msgset_parse(struct session *s, const struct arg *a, struct seqset *set,
	     const char **err_r)
{
	const char *bad = s->uid_command ? "Invalid uidset" :
		"Invalid messageset";
	uint32_t exists = view_exists(s->sel.view);

	/* RFC 5182 2.1: "$" names the saved UIDs in UID and plain commands
	 * alike, and when it holds nothing it is "a valid, but
	 * non-matching list of messages", never an invalid set. */
	if (searchres_is_marker(a)) {
		searchres_get(s, s->arena, set);
		uids_to_seqs(s->sel.view, set);
		return 0;
	}
	if (a->type != ARG_ATOM ||
	    seqset_parse((const char *)a->data, s->arena, set, err_r) < 0) {
		*err_r = bad;
		return -1;
	}
	if (s->uid_command) {
		uids_to_seqs(s->sel.view, set);
		return 0;
	}
	seqset_resolve(set, exists);
	if (exists == 0 || (set->n > 0 && set->r[set->n - 1].hi > exists)) {
		*err_r = bad;
		return -1;
	}
	return 0;
}

int
msgset_parse_uids(struct session *s, const struct arg *a, struct seqset *set,
		  const char **err_r)
{
	uint32_t exists = view_exists(s->sel.view);

	if (searchres_is_marker(a)) {
		searchres_get(s, s->arena, set);
		return 0;
	}
	if (a->type != ARG_ATOM ||
	    seqset_parse((const char *)a->data, s->arena, set, err_r) < 0) {
		*err_r = "Invalid uidset";
		return -1;
	}
	seqset_resolve(set, exists > 0 ? view_uid(s->sel.view, exists) :
		       folder_uidnext(s->sel.folder) - 1);
	return 0;
}
