/* tests/fuzz/fuzz_keywords.c — libFuzzer target for store/keywords, which
 * reads Dovecot's dovecot-keywords and Courier's courierimapkeywords/.
 * Whatever the bytes, reading must neither crash nor read outside the
 * file nor leak a descriptor, and the keywords must keep what keywords.h
 * promises:
 *
 *   - at most 26 names, none empty, each found again by keywords_index
 *     (at its own index or at an earlier one with the same name in
 *     another case); names imported from Courier are atoms and unique;
 *   - keywords_add of an atom gives an index holding that name, leaves
 *     every other letter as it was, and the file it writes reads back as
 *     the very names in memory; a name that is not an atom is refused;
 *   - Courier's per-message keywords: one entry per base name, sorted,
 *     each bit standing for a letter that has a name.
 *
 * Input: byte 0 holds flags (bit 0: Courier), then up to four parts
 * separated by "\n====\n". Dovecot: dovecot-keywords, the file that
 * replaces it before keywords_refresh, names to add (one a line).
 * Courier: courierimapkeywords/:list, the message file "<base>", the
 * message file ".5.<base>", names to add.
 *
 * Built and run by `make fuzz`; seeds in tests/fuzz/corpus/fuzz_keywords/. */
#include "tmpdir.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "store/keywords.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SEP "\n====\n"
#define BASE "1700000001.M1P1.host"
#define MAX_ADDS 8

static void
die(const char *why, int a)
{
	fprintf(stderr, "fuzz_keywords: %s (%d)\n", why, a);
	abort();
}

static int
is_atom(const char *s)
{
	size_t len = strlen(s);

	if (len == 0 || len > KEYWORD_MAX_LEN)
		return 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p <= 0x20 || *p >= 0x7f || strchr("(){%*\"\\]", *p))
			return 0;
	return 1;
}

static void
check(const struct keywords *kw, int imported)
{
	if (keywords_name(kw, -1) != NULL || keywords_name(kw, KEYWORDS_MAX))
		die("name outside 0-25", 0);
	for (int i = 0; i < KEYWORDS_MAX; i++) {
		const char *n = keywords_name(kw, i);
		int k;

		if (n == NULL)
			continue;
		if (n[0] == '\0' || strchr(n, '\n') != NULL)
			die("empty or multi-line name", i);
		k = keywords_index(kw, n);
		if (k < 0 || k > i || strcasecmp(keywords_name(kw, k), n) != 0)
			die("keywords_index does not find the name", i);
		if (imported && (!is_atom(n) || k != i))
			die("imported name not an atom or twice", i);
	}
}

static size_t
split(const uint8_t *data, size_t size, const uint8_t **part,
      size_t *len, size_t n)
{
	size_t k = 0;

	while (k + 1 < n) {
		const uint8_t *s = memmem(data, size, SEP, strlen(SEP));

		if (s == NULL)
			break;
		part[k] = data;
		len[k++] = (size_t)(s - data);
		size -= (size_t)(s - data) + strlen(SEP);
		data = s + strlen(SEP);
	}
	part[k] = data;
	len[k++] = size;
	return k;
}

static void
courier_check(const struct keywords *kw)
{
	struct keywords_courier_msg *m = NULL;
	const char *err = NULL;
	size_t n = 0;

	if (keywords_courier_messages(kw, &m, &n, &err) < 0) {
		if (err == NULL)
			die("courier messages failed without a message", 0);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		if (m[i].base == NULL || m[i].base[0] == '\0')
			die("empty base", (int)i);
		if (i > 0 && strcmp(m[i - 1].base, m[i].base) >= 0)
			die("bases not sorted and unique", (int)i);
		for (int b = 0; b < 32; b++)
			if ((m[i].keywords >> b & 1) &&
			    keywords_name(kw, b) == NULL)
				die("bit for a letter without a name", b);
	}
	keywords_courier_free(&m, n);
	if (m != NULL)
		die("keywords_courier_free left the pointer", 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *part[4];
	size_t len[4], nparts;
	struct keywords *kw = NULL, *again = NULL;
	const char *err = NULL, *adds_part = NULL;
	char *adds = NULL, path[512];
	int courier, fd0 = fz_fd_probe(), wrote = 0;
	size_t adds_len = 0;

	if (size < 1)
		return 0;
	courier = data[0] & 1;
	nparts = split(data + 1, size - 1, part, len, 4);
	if (courier) {
		snprintf(path, sizeof(path), "%s/courierimapkeywords",
			 fz_dir());
		if (mkdir(path, 0700) < 0)
			die("mkdir", 0);
		fz_write("courierimapkeywords/:list", part[0], len[0]);
		if (nparts > 1)
			fz_write("courierimapkeywords/" BASE, part[1], len[1]);
		if (nparts > 2)
			fz_write("courierimapkeywords/.5." BASE, part[2],
				 len[2]);
		if (nparts > 3) {
			adds_part = (const char *)part[3];
			adds_len = len[3];
		}
	} else {
		fz_write("dovecot-keywords", part[0], len[0]);
		if (nparts > 2) {
			adds_part = (const char *)part[2];
			adds_len = len[2];
		}
	}
	if (keywords_open(fz_dir(), &kw, &err) < 0) {
		if (err == NULL || err[0] == '\0')
			die("open failed without a message", 0);
		goto out;
	}
	check(kw, courier);
	if (courier) {
		courier_check(kw);
		wrote = keywords_name(kw, 0) != NULL;
	} else if (nparts > 1) {
		fz_write("dovecot-keywords", part[1], len[1]);
		if (keywords_refresh(kw, &err) != 1)
			die("refresh missed a replaced file", 0);
		check(kw, 0);
	}

	if (adds_part != NULL) {
		char *p, *nl;
		int count = 0;

		adds = malloc(adds_len + 1);
		if (adds == NULL)
			goto out;
		memcpy(adds, adds_part, adds_len);
		adds[adds_len] = '\0';
		for (p = adds; *p && count < MAX_ADDS; p = nl + 1, count++) {
			char *before[KEYWORDS_MAX];
			int i;

			nl = strchr(p, '\n');
			if (nl != NULL)
				*nl = '\0';
			for (int k = 0; k < KEYWORDS_MAX; k++) {
				const char *n = keywords_name(kw, k);

				before[k] = n ? strdup(n) : NULL;
			}
			i = keywords_add(kw, p, &err);
			if (!is_atom(p) && i >= 0)
				die("not an atom, yet added", i);
			if (i >= 0) {
				if (keywords_name(kw, i) == NULL ||
				    strcasecmp(keywords_name(kw, i), p) != 0)
					die("added name not at its index", i);
				wrote |= before[i] == NULL;
			} else if (err == NULL || err[0] == '\0') {
				die("add failed without a message", i);
			}
			for (int k = 0; k < KEYWORDS_MAX; k++) {
				const char *n = keywords_name(kw, k);

				if (k != i && ((n == NULL) != (before[k] == NULL)
					       || (n && strcmp(n, before[k]))))
					die("add changed another letter", k);
				free(before[k]);
			}
			check(kw, 0);
			if (nl == NULL)
				break;
		}
	}

	/* What was written reads back as the names in memory. */
	if (wrote) {
		if (keywords_open(fz_dir(), &again, &err) < 0)
			die("cannot reread what was written", 0);
		for (int k = 0; k < KEYWORDS_MAX; k++) {
			const char *a = keywords_name(kw, k);
			const char *b = keywords_name(again, k);

			if ((a == NULL) != (b == NULL) || (a && strcmp(a, b)))
				die("name changed by the round trip", k);
		}
	}
out:
	keywords_free(&kw);
	keywords_free(&again);
	free(adds);
	fz_clean();
	fz_fd_check("fuzz_keywords", fd0);
	return 0;
}
