/* tests/fuzz/fuzz_config.c — libFuzzer target for util/config, which reads
 * imapd.conf as root (and `imapd -t` on whatever file an admin names).
 * Whatever the bytes, loading must neither crash nor read outside the
 * line nor leak a descriptor, and it must keep what config.h promises:
 *
 *   - a failed config_load or config_set says why (non-empty message,
 *     "FILE:" first for a file) and leaves the configuration unchanged;
 *   - config_print_changed writes a valid imapd.conf: loaded over the
 *     defaults it gives the same configuration, printed the same again.
 *
 * Input: byte 0 is unused but for its bit 0 (the file is loaded over a
 * configuration that already has the settings, rather than over the
 * defaults), then two parts separated by "\n====\n": the file for
 * config_load, and lines "key value" for config_set (after the first).
 *
 * Built and run by `make fuzz`; seeds in tests/fuzz/corpus/fuzz_config/. */
#include "tmpdir.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SEP "\n====\n"
#define MAX_SETS 32

static void
die(const char *why, const char *a, const char *b)
{
	fprintf(stderr, "fuzz_config: %s\n--- before\n%s\n--- after\n%s\n", why,
		a ? a : "", b ? b : "");
	abort();
}

/* config_print_changed as a malloc'd string. */
static char *
printed(const struct config *c)
{
	char *s = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&s, &len);

	if (f == NULL)
		abort();
	config_print_changed(c, f);
	if (fclose(f) != 0)
		abort();
	return s;
}

static void
same_or_die(const char *why, const struct config *c, const char *before)
{
	char *after = printed(c);

	if (strcmp(before, after) != 0)
		die(why, before, after);
	free(after);
}

/* Printed, loaded over the defaults, printed again: the same text. */
static void
round_trip(const struct config *c)
{
	char *text = printed(c), *again, err[CONFIG_ERR_MAX], path[512];
	struct config d;

	fz_write("printed.conf", text, strlen(text));
	snprintf(path, sizeof(path), "%s/printed.conf", fz_dir());
	config_init(&d);
	err[0] = '\0';
	if (config_load(&d, path, err) < 0)
		die(err, text, "(refused)");
	again = printed(&d);
	if (strcmp(text, again) != 0)
		die("print, load, print differs", text, again);
	free(again);
	free(text);
	config_free(&d);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config c;
	char err[CONFIG_ERR_MAX], path[512], *before, *sets = NULL;
	const uint8_t *p0 = data + 1, *p1 = NULL, *s;
	size_t l0, l1 = 0;
	int fd0 = fz_fd_probe();

	if (size < 1)
		return 0;
	l0 = size - 1;
	s = memmem(p0, l0, SEP, strlen(SEP));
	if (s != NULL) {
		p1 = s + strlen(SEP);
		l1 = (size_t)(p0 + l0 - p1);
		l0 = (size_t)(s - p0);
	}
	config_init(&c);

	/* config_set, line by line */
	if (p1 != NULL) {
		char *line, *nl;
		int n = 0;

		sets = malloc(l1 + 1);
		if (sets == NULL)
			abort();
		memcpy(sets, p1, l1);
		sets[l1] = '\0';
		for (line = sets; line != NULL && n < MAX_SETS; line = nl,
		     n++) {
			char *value;

			nl = strchr(line, '\n');
			if (nl != NULL)
				*nl++ = '\0';
			value = strchr(line, ' ');
			if (value != NULL)
				*value++ = '\0';
			else
				value = (char *)"";
			before = printed(&c);
			err[0] = '\0';
			if (config_set(&c, line, value, err) < 0) {
				if (err[0] == '\0')
					die("config_set failed silently",
					    line, value);
				same_or_die("failed config_set changed it", &c,
					    before);
			}
			free(before);
		}
		round_trip(&c);
	}
	if (!(data[0] & 1)) {
		config_free(&c);
		config_init(&c);
	}

	fz_write("imapd.conf", p0, l0);
	snprintf(path, sizeof(path), "%s/imapd.conf", fz_dir());
	before = printed(&c);
	err[0] = '\0';
	if (config_load(&c, path, err) < 0) {
		if (strncmp(err, path, strlen(path)) != 0 ||
		    err[strlen(path)] != ':')
			die("error does not name the file", err, path);
		same_or_die("failed config_load changed it", &c, before);
	} else {
		if (c.path == NULL || strcmp(c.path, path) != 0)
			die("path not set", c.path, path);
		round_trip(&c);
	}
	free(before);
	free(sets);
	config_free(&c);
	config_free(&c);        /* twice is harmless */
	fz_clean();
	fz_fd_check("fuzz_config", fd0);
	return 0;
}
