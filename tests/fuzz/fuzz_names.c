/* tests/fuzz/fuzz_names.c — libFuzzer target for store/mutf7 and
 * store/names: mailbox names come from the wire (every LIST, SELECT,
 * CREATE, RENAME...) and from directory entries anyone with access to the
 * Maildir may have made, and names_to_dir is what stands between a name
 * and a path. Whatever the bytes, nothing may crash or read outside them,
 * and:
 *
 *   - mutf7_to_utf8 accepts exactly what mutf7_valid calls valid; what it
 *     gives is valid UTF-8 without NUL that utf8_to_mutf7 turns back into
 *     the very input (only the canonical spelling is accepted); on failure
 *     the output buffer is untouched;
 *   - utf8_to_mutf7 accepts exactly valid UTF-8 without NUL, writes only
 *     printable US-ASCII, and mutf7_to_utf8 gives the input back;
 *   - names_to_dir gives "" (INBOX) or one directory entry: ".", then no
 *     "/", no control character, no empty level, at most NAMES_DIR_MAX
 *     bytes; names_from_dir on it gives a wire name that maps to the same
 *     entry and differs from the input at most in case;
 *   - names_from_dir on any entry gives a name that names_to_dir maps back
 *     to that very entry, or refuses it.
 *
 * Input: byte 0 holds flags (bit 0: wire names in UTF-8; bits 1-2: the
 * rules, "/" and no prefix or "." and "INBOX.", mUTF-7 or UTF-8 on disk),
 * the rest is the name (cut at a NUL for the string functions).
 *
 * Built and run by `make fuzz`; seeds in tests/fuzz/corpus/fuzz_names/. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "store/mutf7.h"
#include "store/names.h"
#include "util/buf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define BUF_MAX (1 << 20)

static void
die(const char *why, const char *in, size_t len)
{
	fprintf(stderr, "fuzz_names: %s: \"", why);
	for (size_t i = 0; i < len; i++)
		fprintf(stderr, in[i] >= 0x20 && in[i] < 0x7f ? "%c" : "\\x%02x",
			(unsigned char)in[i]);
	fprintf(stderr, "\"\n");
	abort();
}

static void
mutf7_checks(const char *in, size_t len)
{
	struct buf a, b;
	int ok;

	buf_init(&a, BUF_MAX);
	buf_init(&b, BUF_MAX);

	/* mUTF-7 to UTF-8 and back */
	buf_append_str(&a, "x");
	ok = mutf7_to_utf8(in, len, &a) == 0;
	if (ok != mutf7_valid(in, len))
		die("mutf7_valid disagrees with mutf7_to_utf8", in, len);
	if (!ok && a.len != 1)
		die("failed mutf7_to_utf8 changed its output", in, len);
	if (ok) {
		const char *u = (const char *)a.data + 1;
		size_t ulen = a.len - 1;

		if (!utf8_valid(u, ulen) || memchr(u, '\0', ulen) != NULL)
			die("mutf7_to_utf8 gave invalid UTF-8", in, len);
		if (utf8_to_mutf7(u, ulen, &b) < 0 || b.len != len ||
		    (len > 0 && memcmp(b.data, in, len) != 0))
			die("mUTF-7 round trip differs", in, len);
	}

	/* UTF-8 to mUTF-7 and back */
	buf_reset(&a);
	buf_reset(&b);
	buf_append_str(&a, "x");
	ok = utf8_to_mutf7(in, len, &a) == 0;
	if (ok != (utf8_valid(in, len) && memchr(in, '\0', len) == NULL))
		die("utf8_to_mutf7 accepts other than valid UTF-8", in, len);
	if (!ok && a.len != 1)
		die("failed utf8_to_mutf7 changed its output", in, len);
	if (ok) {
		const char *m = (const char *)a.data + 1;
		size_t mlen = a.len - 1;

		for (size_t i = 0; i < mlen; i++)
			if (m[i] < 0x20 || m[i] > 0x7e)
				die("utf8_to_mutf7 wrote a non-printable byte",
				    in, len);
		if (!mutf7_valid(m, mlen))
			die("utf8_to_mutf7 wrote invalid mUTF-7", in, len);
		if (mutf7_to_utf8(m, mlen, &b) < 0 || b.len != len ||
		    (len > 0 && memcmp(b.data, in, len) != 0))
			die("UTF-8 round trip differs", in, len);
	}
	buf_free(&a);
	buf_free(&b);
}

static void
check_entry(const char *d, const char *wire)
{
	size_t len = strlen(d);

	if (len == 0)
		return;
	if (d[0] != '.' || len > NAMES_DIR_MAX || d[len - 1] == '.' ||
	    strstr(d, "..") != NULL || strchr(d, '/') != NULL)
		die("names_to_dir made a bad entry", wire, strlen(wire));
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)d[i] < 0x20 || d[i] == 0x7f)
			die("control character in an entry", wire,
			    strlen(wire));
}

static void
names_checks(const struct name_rules *r, int wire_utf8, const char *s)
{
	char dir[NAMES_DIR_MAX + 1], dir2[NAMES_DIR_MAX + 1];
	char wire[NAMES_MAX_LEN + 1];
	const char *err = NULL;

	/* s as a wire name */
	memset(dir, 0x55, sizeof(dir));
	if (names_to_dir(r, s, wire_utf8, dir, sizeof(dir), &err) == 0) {
		check_entry(dir, s);
		if (dir[0] != '\0') {
			if (names_from_dir(r, dir, wire_utf8, wire,
					   sizeof(wire)) < 0)
				die("names_from_dir refuses what names_to_dir "
				    "made", s, strlen(s));
			if (names_to_dir(r, wire, wire_utf8, dir2,
					 sizeof(dir2), &err) < 0 ||
			    strcmp(dir, dir2) != 0)
				die("wire name does not map back", s,
				    strlen(s));
			if (strcasecmp(wire, s) != 0)
				die("wire name differs beyond case", s,
				    strlen(s));
		}
	} else if (err == NULL || err[0] == '\0') {
		die("names_to_dir refused without a reason", s, strlen(s));
	}

	/* s as a directory entry */
	if (names_from_dir(r, s, wire_utf8, wire, sizeof(wire)) == 0) {
		err = NULL;
		if (names_to_dir(r, wire, wire_utf8, dir, sizeof(dir),
				 &err) < 0 || strcmp(dir, s) != 0)
			die("names_from_dir gave a name that maps elsewhere",
			    s, strlen(s));
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct name_rules rules[4] = {
		{ '/', "", 0 },
		{ '/', "", 1 },
		{ '.', "INBOX.", 0 },
		{ '.', "INBOX.", 1 },
	};
	const struct name_rules *r;
	char *in, *s;
	const char *entries[8];
	size_t len, n = 0;

	if (size < 1)
		return 0;
	r = &rules[(data[0] >> 1) & 3];
	len = size - 1;
	/* Exact-size copies, so ASan sees any read past the end. */
	in = malloc(len ? len : 1);
	s = malloc(len + 1);
	if (in == NULL || s == NULL)
		abort();
	memcpy(in, data + 1, len);
	memcpy(s, data + 1, len);
	s[len] = '\0';

	mutf7_checks(in, len);
	names_checks(r, data[0] & 1, s);

	/* and as up to eight directory entries, one a line */
	for (char *p = s, *nl; n < 8; p = nl + 1) {
		entries[n++] = p;
		if ((nl = strchr(p, '\n')) == NULL)
			break;
		*nl = '\0';
	}
	int u = names_detect_utf8(entries, n);
	if (u != 0 && u != 1)
		abort();

	free(in);
	free(s);
	return 0;
}
