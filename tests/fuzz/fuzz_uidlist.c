/* tests/fuzz/fuzz_uidlist.c — libFuzzer target for store/uidlist, which
 * reads dovecot-uidlist files that Dovecot, a crash or a user may have
 * written. Whatever the bytes, reading must neither crash nor read
 * outside the file nor leak a descriptor, and the list must keep what
 * uidlist.h and the file format promise:
 *
 *   - records in strictly increasing UID order, UIDs in 1..next_uid-1,
 *     base names not empty and without '/' or ':', each found again by
 *     uidlist_lookup; UIDVALIDITY never 0; the GUID "" or 32 hex digits;
 *   - uidlist_refresh on a replaced file keeps the same promises, and
 *     under the same UIDVALIDITY next_uid never goes down;
 *   - uidlist_update gives every new storable name a UID and drops the
 *     gone ones, and the file it writes reads back as the very list it
 *     holds in memory (UIDVALIDITY, next UID, GUID, records and their
 *     extension fields).
 *
 * Input: byte 0 holds flags (bit 0: the first part is a Courier
 * courierimapuiddb rather than a dovecot-uidlist; bit 1: expunge every
 * other record in the update), then up to three parts separated by
 * "\n====\n": the file read first, the file that replaces it before
 * uidlist_refresh, and new base names, one a line, for uidlist_update.
 *
 * Built and run by `make fuzz`; seeds in tests/fuzz/corpus/fuzz_uidlist/. */
#include "tmpdir.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/uidlist.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SEP "\n====\n"
#define MAX_NAMES 64

static void
die(const char *why, uint32_t a, uint32_t b)
{
	fprintf(stderr, "fuzz_uidlist: %s (%u, %u)\n", why, a, b);
	abort();
}

static void
check(const struct uidlist *l)
{
	const struct uidlist_rec *r;
	const char *g = uidlist_guid(l);
	size_t n, i;

	if (uidlist_uidvalidity(l) == 0)
		die("UIDVALIDITY 0", 0, 0);
	if (g == NULL || (g[0] != '\0' && (strlen(g) != 32 ||
			   strspn(g, "0123456789abcdefABCDEF") != 32)))
		die("bad GUID", 0, 0);
	r = uidlist_records(l, &n);
	for (i = 0; i < n; i++) {
		if (r[i].uid == 0 || (i > 0 && r[i].uid <= r[i - 1].uid))
			die("records out of order", i ? r[i - 1].uid : 0,
			    r[i].uid);
		if (r[i].uid >= uidlist_next_uid(l))
			die("UID not below next UID", r[i].uid,
			    uidlist_next_uid(l));
		if (r[i].base == NULL || r[i].base[0] == '\0' ||
		    strchr(r[i].base, '/') != NULL ||
		    strchr(r[i].base, ':') != NULL || r[i].ext == NULL)
			die("bad base name", r[i].uid, 0);
		if (uidlist_lookup(l, r[i].base) != r[i].uid)
			die("lookup disagrees", uidlist_lookup(l, r[i].base),
			    r[i].uid);
	}
}

/* The file must read back as the list in memory. */
static void
same(const struct uidlist *a, const struct uidlist *b)
{
	const struct uidlist_rec *ra, *rb;
	size_t na, nb;

	if (uidlist_uidvalidity(a) != uidlist_uidvalidity(b))
		die("UIDVALIDITY changed by the round trip",
		    uidlist_uidvalidity(a), uidlist_uidvalidity(b));
	if (uidlist_next_uid(a) != uidlist_next_uid(b))
		die("next UID changed by the round trip",
		    uidlist_next_uid(a), uidlist_next_uid(b));
	if (strcmp(uidlist_guid(a), uidlist_guid(b)) != 0)
		die("GUID changed by the round trip", 0, 0);
	ra = uidlist_records(a, &na);
	rb = uidlist_records(b, &nb);
	if (na != nb)
		die("record count changed by the round trip", (uint32_t)na,
		    (uint32_t)nb);
	for (size_t i = 0; i < na; i++) {
		if (ra[i].uid != rb[i].uid || strcmp(ra[i].base, rb[i].base) ||
		    strcmp(ra[i].ext, rb[i].ext))
			die("record changed by the round trip", ra[i].uid,
			    rb[i].uid);
	}
}

/* Splits data at SEP into up to n parts; returns how many. */
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

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *part[3];
	size_t len[3], nparts;
	struct uidlist *l = NULL, *again = NULL;
	const char *err = NULL;
	char *names_buf = NULL;
	const char *names[MAX_NAMES], *gone[MAX_NAMES];
	size_t n_names = 0, n_gone = 0;
	const char *dir = fz_dir();
	int fd0 = fz_fd_probe(), damaged = -1;
	uint32_t uv, next;

	if (size < 1)
		return 0;
	nparts = split(data + 1, size - 1, part, len, 3);
	fz_write(data[0] & 1 ? "courierimapuiddb" : "dovecot-uidlist",
		 part[0], len[0]);
	if (uidlist_open(dir, dir, &l, &damaged, &err) < 0) {
		if (err == NULL || err[0] == '\0')
			die("open failed without a message", 0, 0);
		goto out;
	}
	if (damaged != 0 && damaged != 1)
		die("damaged not set", 0, 0);
	check(l);

	if (nparts > 1) {
		uv = uidlist_uidvalidity(l);
		next = uidlist_next_uid(l);
		fz_write("dovecot-uidlist", part[1], len[1]);
		if (uidlist_refresh(l, &err) < 0)
			goto out;
		check(l);
		if (uidlist_uidvalidity(l) == uv && uidlist_next_uid(l) < next)
			die("next UID went down on refresh", next,
			    uidlist_next_uid(l));
	}

	/* New names, and (flag bit 1) every other record as gone. */
	if (nparts > 2) {
		char *p, *nl;

		names_buf = malloc(len[2] + 1);
		if (names_buf == NULL)
			goto out;
		memcpy(names_buf, part[2], len[2]);
		names_buf[len[2]] = '\0';
		for (p = names_buf; n_names < MAX_NAMES && *p; p = nl + 1) {
			nl = strchr(p, '\n');
			if (nl != NULL)
				*nl = '\0';
			names[n_names++] = p;
			if (nl == NULL)
				break;
		}
	}
	if (data[0] & 2) {
		const struct uidlist_rec *r;
		size_t n;

		r = uidlist_records(l, &n);
		for (size_t i = 0; i < n && n_gone < MAX_NAMES; i += 2)
			gone[n_gone++] = r[i].base;
	}
	/* gone[] points into l, which the update replaces: copy first. */
	for (size_t i = 0; i < n_gone; i++)
		gone[i] = strdup(gone[i]);
	next = uidlist_next_uid(l);
	if (uidlist_update(l, names, n_names, gone, n_gone, &err) < 0) {
		if (err == NULL || err[0] == '\0')
			die("update failed without a message", 0, 0);
		goto out;
	}
	check(l);
	if (uidlist_next_uid(l) < next)
		die("next UID went down on update", next, uidlist_next_uid(l));
	for (size_t i = 0; i < n_names; i++) {
		size_t bl = strcspn(names[i], ":");

		if (bl == 0 || memchr(names[i], '/', bl) != NULL ||
		    memchr(names[i], '\r', bl) != NULL)
			continue;
		/* a name that was also gone may or may not stay */
		if (uidlist_lookup(l, names[i]) == 0) {
			int was_gone = 0;

			for (size_t k = 0; k < n_gone; k++)
				if (strncmp(gone[k], names[i], bl) == 0 &&
				    gone[k][bl] == '\0')
					was_gone = 1;
			if (!was_gone)
				die("new name got no UID", (uint32_t)i, 0);
		}
	}
	if (uidlist_open(dir, dir, &again, NULL, &err) < 0)
		die("cannot reread what update wrote", 0, 0);
	same(l, again);
out:
	for (size_t i = 0; i < n_gone; i++)
		free((char *)gone[i]);
	uidlist_free(&l);
	uidlist_free(&again);
	free(names_buf);
	fz_clean();
	fz_fd_check("fuzz_uidlist", fd0);
	return 0;
}
