/* include/imap/sort.h — the sort program of SORT and UID SORT (RFC 5256
 * 3, with DISPLAYFROM and DISPLAYTO of RFC 5957), and sorting the
 * searched messages by it.
 *
 * Each message's keys are read once into an array (imap/msgkeys.h), and
 * the array is sorted by the criteria in order, then by sequence number
 * (the implicit last criterion of RFC 5256 3). REVERSE turns one
 * criterion around, not the sequence number tie-break. */
#ifndef SKUA_IMAP_SORT_H
#define SKUA_IMAP_SORT_H

#include <stddef.h>
#include <stdint.h>

#include "imap/parser.h"
#include "store/folder.h"
#include "util/arena.h"

enum sort_key {
	SORT_ARRIVAL,
	SORT_CC,
	SORT_DATE,
	SORT_FROM,
	SORT_SIZE,
	SORT_SUBJECT,
	SORT_TO,
	SORT_DISPLAYFROM,
	SORT_DISPLAYTO,
};

/* More criteria than keys would only repeat some: a bound on the work. */
#define SORT_MAX_CRITERIA 32

struct sort_program {
	size_t n;
	enum sort_key key[SORT_MAX_CRITERIA];
	int reverse[SORT_MAX_CRITERIA];
};

/* Parses sort-criteria (RFC 5256 5), which must be a parenthesized list
 * of [REVERSE] sort-key. Returns 0, or -1 with *err_r a sentence for
 * BAD. */
int  sort_parse(const struct arg *list, struct sort_program *p,
		const char **err_r);

/* Sorts the messages seqs[i]/uids[i] (i < n) of f in place by p. Keys
 * and scratch come from the arena. */
void sort_messages(struct folder *f, const struct sort_program *p,
		   uint32_t *seqs, uint32_t *uids, size_t n, struct arena *a);

#endif
