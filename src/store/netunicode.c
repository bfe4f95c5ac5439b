/* src/store/netunicode.c — is a UTF-8 name in Normalization Form C (see
 * include/store/netunicode.h)?
 *
 * The straight way, which cannot be wrong in a corner: decode, decompose
 * canonically (recursively, Hangul syllables by arithmetic), put runs of
 * combining marks in canonical order, compose again (UAX #15 1.3 and
 * 3.11's sample algorithm), and compare with the input. A name is at
 * most NAMES_MAX_LEN bytes, so this is a few thousand code points at the
 * very worst, once per command that names a mailbox in UTF-8. The tables
 * (decompositions, combining classes, primary composites) are generated
 * by scripts/gen_nfc.py into nfc_data.inc. */
#include <stdint.h>
#include <stdlib.h>

#include "store/netunicode.h"
#include "util/xalloc.h"

struct nfc_decomp { uint32_t cp, a, b; };       /* b 0: a singleton */
struct nfc_ccc { uint32_t lo, hi; uint8_t ccc; };
struct nfc_comp { uint32_t a, b, c; };

#include "nfc_data.inc"

#define N(t) (sizeof(t) / sizeof((t)[0]))

/* Hangul (Unicode 3.12). */
#define S_BASE 0xAC00
#define L_BASE 0x1100
#define V_BASE 0x1161
#define T_BASE 0x11A7
#define L_COUNT 19
#define V_COUNT 21
#define T_COUNT 28
#define N_COUNT (V_COUNT * T_COUNT)
#define S_COUNT (L_COUNT * N_COUNT)

/* A canonical decomposition yields at most 4 code points per input one
 * (Unicode's stability policy bounds it at 3 for NFD; 4 leaves room). */
#define EXPANSION 4

static uint8_t
ccc_of(uint32_t cp)
{
	size_t lo = 0, hi = N(nfc_ccc);

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (cp < nfc_ccc[mid].lo)
			hi = mid;
		else if (cp > nfc_ccc[mid].hi)
			lo = mid + 1;
		else
			return nfc_ccc[mid].ccc;
	}
	return 0;
}

static const struct nfc_decomp *
decomp_of(uint32_t cp)
{
	size_t lo = 0, hi = N(nfc_decomp);

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (cp < nfc_decomp[mid].cp)
			hi = mid;
		else if (cp > nfc_decomp[mid].cp)
			lo = mid + 1;
		else
			return &nfc_decomp[mid];
	}
	return NULL;
}

/* The primary composite of a and b, or 0. */
static uint32_t
compose(uint32_t a, uint32_t b)
{
	size_t lo = 0, hi = N(nfc_comp);

	if (a >= L_BASE && a < L_BASE + L_COUNT &&
	    b >= V_BASE && b < V_BASE + V_COUNT)
		return S_BASE + ((a - L_BASE) * V_COUNT + (b - V_BASE)) *
		       T_COUNT;
	if (a >= S_BASE && a < S_BASE + S_COUNT &&
	    (a - S_BASE) % T_COUNT == 0 && b > T_BASE &&
	    b < T_BASE + T_COUNT)
		return a + (b - T_BASE);
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (a < nfc_comp[mid].a ||
		    (a == nfc_comp[mid].a && b < nfc_comp[mid].b))
			hi = mid;
		else if (a > nfc_comp[mid].a || b > nfc_comp[mid].b)
			lo = mid + 1;
		else
			return nfc_comp[mid].c;
	}
	return 0;
}

/* Appends the full canonical decomposition of cp; depth bounds the
 * recursion (the tables nest a few levels at most). */
static void
decompose(uint32_t cp, uint32_t *out, size_t *n, size_t max, int depth)
{
	const struct nfc_decomp *d;

	if (cp >= S_BASE && cp < S_BASE + S_COUNT) {
		uint32_t s = cp - S_BASE, t = s % T_COUNT;

		if (*n + 3 > max)
			return;
		out[(*n)++] = L_BASE + s / N_COUNT;
		out[(*n)++] = V_BASE + (s % N_COUNT) / T_COUNT;
		if (t != 0)
			out[(*n)++] = T_BASE + t;
		return;
	}
	if (depth < 8 && (d = decomp_of(cp)) != NULL) {
		decompose(d->a, out, n, max, depth + 1);
		if (d->b != 0)
			decompose(d->b, out, n, max, depth + 1);
		return;
	}
	if (*n < max)
		out[(*n)++] = cp;
}

/* Canonical ordering: a stable sort of each run of non-starters. */
static void
reorder(uint32_t *v, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		uint32_t c = v[i];
		uint8_t cc = ccc_of(c);
		size_t k = i;

		if (cc == 0)
			continue;
		while (k > 0 && ccc_of(v[k - 1]) > cc) {
			v[k] = v[k - 1];
			k--;
		}
		v[k] = c;
	}
}

/* UAX #15's composition over v in place; returns the new length. */
static size_t
recompose(uint32_t *v, size_t n)
{
	size_t starter = 0, out = 1;
	int last;

	if (n == 0)
		return 0;
	last = ccc_of(v[0]) == 0 ? 0 : 256;
	for (size_t i = 1; i < n; i++) {
		uint32_t c = v[i], comp = compose(v[starter], c);
		int cc = ccc_of(c);

		if (comp != 0 && (last < cc || last == 0)) {
			v[starter] = comp;
			continue;
		}
		if (cc == 0)
			starter = out;
		last = cc;
		v[out++] = c;
	}
	return out;
}

/* Decodes valid UTF-8; returns the count, or (size_t)-1. */
static size_t
decode(const unsigned char *s, size_t len, uint32_t *out)
{
	size_t n = 0;

	for (size_t i = 0; i < len; n++) {
		unsigned char b = s[i];
		int k = b < 0x80 ? 0 : b >= 0xf0 ? 3 : b >= 0xe0 ? 2 : 1;
		uint32_t cp = k == 0 ? b : b & (0x3f >> k);

		if (k > 0 && i + (size_t)k >= len)
			return (size_t)-1;
		for (int j = 1; j <= k; j++)
			cp = cp << 6 | (s[i + (size_t)j] & 0x3f);
		out[n] = cp;
		i += (size_t)k + 1;
	}
	return n;
}

int
netunicode_is_nfc(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	uint32_t *in, *work;
	size_t n, m = 0, i;
	int ascii = 1, ok;

	for (i = 0; i < len && ascii; i++)
		ascii = p[i] < 0x80;
	if (ascii)
		return 1;
	in = xmalloc((len + 1) * sizeof(*in));
	work = xmalloc((len * EXPANSION + 1) * sizeof(*work));
	n = decode(p, len, in);
	ok = n != (size_t)-1;
	for (i = 0; ok && i < n; i++)
		decompose(in[i], work, &m, len * EXPANSION, 0);
	if (ok) {
		reorder(work, m);
		m = recompose(work, m);
		ok = m == n;
		for (i = 0; ok && i < n; i++)
			ok = work[i] == in[i];
	}
	free(in);
	free(work);
	return ok;
}
