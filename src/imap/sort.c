/* src/imap/sort.c — SORT criteria (RFC 5256 3, RFC 5957 4) and sorting.
 *
 *   ARRIVAL      INTERNALDATE, date and time
 *   CC FROM TO   addr-mailbox of the first address of the field
 *   DATE         sent date (RFC 5256 2.2): Date in UTC, else INTERNALDATE
 *   SIZE         RFC822.SIZE
 *   SUBJECT      base subject (RFC 5256 2.1)
 *   DISPLAYFROM, DISPLAYTO  display name, else mailbox@host (RFC 5957 3)
 *
 * Strings compare by i;unicode-casemap (RFC 5256 7): their keys are made
 * once per message, so a comparison is a strcmp; an absent field is the
 * empty string, which sorts first. Ties go by sequence number, never
 * reversed (RFC 5256 3, REVERSE). */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "imap/msgkeys.h"
#include "imap/sort.h"

static const struct {
	const char *name;
	enum sort_key key;
} key_names[] = {
	{ "ARRIVAL",     SORT_ARRIVAL },
	{ "CC",          SORT_CC },
	{ "DATE",        SORT_DATE },
	{ "FROM",        SORT_FROM },
	{ "SIZE",        SORT_SIZE },
	{ "SUBJECT",     SORT_SUBJECT },
	{ "TO",          SORT_TO },
	{ "DISPLAYFROM", SORT_DISPLAYFROM },
	{ "DISPLAYTO",   SORT_DISPLAYTO },
};

static int
is_string_key(enum sort_key k)
{
	return k != SORT_ARRIVAL && k != SORT_DATE && k != SORT_SIZE;
}

int
sort_parse(const struct arg *list, struct sort_program *p,
	   const char **err_r)
{
	int reverse = 0;

	p->n = 0;
	if (list->type != ARG_LIST) {
		*err_r = "Sort criteria must be a parenthesized list";
		return -1;
	}
	if (list->count == 0) {
		*err_r = "Empty sort criteria";
		return -1;
	}
	for (size_t i = 0; i < list->count; i++) {
		const struct arg *a = &list->list[i];
		const char *name = (const char *)a->data;
		size_t j;

		if (a->type != ARG_ATOM) {
			*err_r = "Invalid sort criterion";
			return -1;
		}
		if (strcasecmp(name, "REVERSE") == 0) {
			if (reverse) {
				*err_r = "REVERSE must be followed by a "
					"sort key";
				return -1;
			}
			reverse = 1;
			continue;
		}
		for (j = 0; j < sizeof(key_names) / sizeof(*key_names); j++)
			if (strcasecmp(name, key_names[j].name) == 0)
				break;
		if (j == sizeof(key_names) / sizeof(*key_names)) {
			*err_r = "Unknown sort criterion";
			return -1;
		}
		if (p->n == SORT_MAX_CRITERIA) {
			*err_r = "Too many sort criteria";
			return -1;
		}
		p->key[p->n] = key_names[j].key;
		p->reverse[p->n++] = reverse;
		reverse = 0;
	}
	if (reverse) {
		*err_r = "REVERSE must be followed by a sort key";
		return -1;
	}
	return 0;
}

/* One message's keys: vals[0..p->n) in the program's order. */
struct sort_val {
	int64_t num;
	const char *str;
};

struct sort_item {
	uint32_t seq, uid;
	struct sort_val *vals;
};

static int
cmp_items(const void *x, const void *y, void *ctx)
{
	const struct sort_program *p = ctx;
	const struct sort_item *a = x, *b = y;

	for (size_t i = 0; i < p->n; i++) {
		const struct sort_val *va = &a->vals[i], *vb = &b->vals[i];
		int r;

		if (is_string_key(p->key[i]))
			r = strcmp(va->str, vb->str);
		else
			r = va->num < vb->num ? -1 : va->num > vb->num;
		if (r != 0)
			return p->reverse[i] ? -r : r;
	}
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

static void
read_keys(struct msgkeys *k, const struct sort_program *p,
	  struct sort_val *v)
{
	for (size_t i = 0; i < p->n; i++) {
		/* The same key twice is read twice; a program with
		 * repeats is rare and bounded. */
		switch (p->key[i]) {
		case SORT_ARRIVAL:
			v[i].num = (int64_t)msgkeys_arrival(k);
			break;
		case SORT_DATE:
			v[i].num = (int64_t)msgkeys_sent(k);
			break;
		case SORT_SIZE:
			v[i].num = (int64_t)msgkeys_size(k);
			break;
		case SORT_SUBJECT:
			v[i].str = msgkeys_subject(k, NULL);
			break;
		case SORT_FROM:
			v[i].str = msgkeys_address(k, "From", 0);
			break;
		case SORT_TO:
			v[i].str = msgkeys_address(k, "To", 0);
			break;
		case SORT_CC:
			v[i].str = msgkeys_address(k, "Cc", 0);
			break;
		case SORT_DISPLAYFROM:
			v[i].str = msgkeys_address(k, "From", 1);
			break;
		case SORT_DISPLAYTO:
			v[i].str = msgkeys_address(k, "To", 1);
			break;
		}
	}
}

void
sort_messages(struct folder *f, const struct sort_program *p,
	      uint32_t *seqs, uint32_t *uids, size_t n, struct arena *a)
{
	struct sort_item *items;
	struct sort_val *vals;
	struct msgkeys *k;

	if (n < 2)
		return;
	items = arena_alloc(a, n * sizeof(*items));
	vals = arena_zalloc(a, n * p->n * sizeof(*vals));
	k = msgkeys_new(f, a);
	for (size_t i = 0; i < n; i++) {
		items[i].seq = seqs[i];
		items[i].uid = uids[i];
		items[i].vals = &vals[i * p->n];
		(void)msgkeys_load(k, uids[i]);
		read_keys(k, p, items[i].vals);
	}
	msgkeys_free(&k);
	qsort_r(items, n, sizeof(*items), cmp_items, (void *)p);
	for (size_t i = 0; i < n; i++) {
		seqs[i] = items[i].seq;
		uids[i] = items[i].uid;
	}
}
