/* tests/fuzz/fuzz_seqset.c — libFuzzer target for imap/seqset, which parses
 * the sequence sets of FETCH, STORE, COPY, SEARCH and their UID forms
 * straight from the wire. Whatever the bytes, parsing must neither crash
 * nor read past the NUL, and:
 *
 *   - seqset_parse accepts exactly RFC 3501's sequence-set (nz-number
 *     below 2^32 or "*", ranges "a:b", joined by ","), with at most
 *     SEQSET_MAX_RANGES ranges, as a second, naive parser here judges it,
 *     and gives the same ranges;
 *   - seqset_resolve yields increasing, disjoint, non-adjacent ranges, and
 *     seqset_contains answers as a linear scan of the unresolved ranges
 *     does, at every boundary and beside it.
 *
 * Input: bytes 0-3 are "*" (little-endian; 0 is an empty mailbox), the
 * rest the set.
 *
 * Built and run by `make fuzz`; seeds in tests/fuzz/corpus/fuzz_seqset/. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "imap/seqset.h"
#include "util/arena.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The naive parser: 1 and the ranges when s is a sequence-set. */
static int
naive(const char *s, struct seqrange *out, size_t max, size_t *n_r)
{
	size_t n = 0;
	int half = 0;           /* 0: lo next, 1: after ':' */
	const char *p = s;

	if (*p == '\0')
		return 0;
	for (;;) {
		uint64_t v = 0;
		uint32_t num;

		if (*p == '*') {
			num = SEQ_STAR;
			p++;
		} else if (*p >= '1' && *p <= '9') {
			while (*p >= '0' && *p <= '9') {
				v = v * 10 + (uint64_t)(*p++ - '0');
				if (v > 0xffffffffULL)
					return 0;
			}
			num = (uint32_t)v;
		} else {
			return 0;
		}
		if (!half) {
			if (n == max)
				return 0;
			out[n].lo = out[n].hi = num;
			n++;
		} else {
			out[n - 1].hi = num;
		}
		if (*p == ':' && !half) {
			half = 1;
			p++;
			continue;
		}
		half = 0;
		if (*p == '\0')
			break;
		if (*p != ',')
			return 0;
		p++;
	}
	*n_r = n;
	return 1;
}

static uint32_t
resolve(uint32_t v, uint32_t star)
{
	return v == SEQ_STAR ? star : v;
}

/* Linear: is x in one of the unresolved ranges? */
static int
linear(const struct seqrange *r, size_t n, uint32_t star, uint32_t x)
{
	for (size_t i = 0; i < n; i++) {
		uint32_t a = resolve(r[i].lo, star), b = resolve(r[i].hi, star);

		if (a > b) {
			uint32_t t = a;
			a = b;
			b = t;
		}
		if (x >= a && x <= b)
			return 1;
	}
	return 0;
}

static void
probe(const struct seqset *set, const struct seqrange *ref, size_t n,
      uint32_t star, uint32_t x)
{
	if (seqset_contains(set, x) != linear(ref, n, star, x)) {
		fprintf(stderr, "fuzz_seqset: contains(%u) is %d, want %d "
			"(star %u)\n", x, seqset_contains(set, x),
			linear(ref, n, star, x), star);
		abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena *a;
	struct seqset set;
	struct seqrange *ref;
	const char *err = NULL;
	char *s;
	uint32_t star;
	size_t nref = 0;
	int ok, want;

	if (size < 4)
		return 0;
	star = (uint32_t)data[0] | (uint32_t)data[1] << 8 |
	       (uint32_t)data[2] << 16 | (uint32_t)data[3] << 24;
	s = malloc(size - 4 + 1);
	ref = malloc((size - 4 + 1) * sizeof(*ref));
	if (s == NULL || ref == NULL)
		abort();
	memcpy(s, data + 4, size - 4);
	s[size - 4] = '\0';
	a = arena_new(4096);

	want = naive(s, ref, SEQSET_MAX_RANGES, &nref);
	ok = seqset_parse(s, a, &set, &err) == 0;
	if (ok != want) {
		fprintf(stderr, "fuzz_seqset: \"%s\" %s, want %s\n", s,
			ok ? "accepted" : "refused",
			want ? "accepted" : "refused");
		abort();
	}
	if (!ok && (err == NULL || err[0] == '\0'))
		abort();
	if (ok) {
		if (set.n != nref ||
		    memcmp(set.r, ref, nref * sizeof(*ref)) != 0) {
			fprintf(stderr, "fuzz_seqset: \"%s\": other ranges\n",
				s);
			abort();
		}
		seqset_resolve(&set, star);
		if (set.n == 0 || set.n > nref)
			abort();
		for (size_t i = 0; i < set.n; i++) {
			if (set.r[i].lo > set.r[i].hi)
				abort();
			if (i > 0 && (uint64_t)set.r[i - 1].hi + 1 >=
				     set.r[i].lo)
				abort();
		}
		probe(&set, ref, nref, star, 0);
		probe(&set, ref, nref, star, 1);
		probe(&set, ref, nref, star, star);
		probe(&set, ref, nref, star, star + 1);
		probe(&set, ref, nref, star, UINT32_MAX);
		for (size_t i = 0; i < nref && i < 64; i++) {
			uint32_t lo = resolve(ref[i].lo, star);
			uint32_t hi = resolve(ref[i].hi, star);

			probe(&set, ref, nref, star, lo);
			probe(&set, ref, nref, star, lo - 1);
			probe(&set, ref, nref, star, lo + 1);
			probe(&set, ref, nref, star, hi);
			probe(&set, ref, nref, star, hi - 1);
			probe(&set, ref, nref, star, hi + 1);
		}
	}
	arena_free(&a);
	free(ref);
	free(s);
	return 0;
}
