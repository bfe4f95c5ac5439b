/* tests/bench/renfloor.c — the floor under W7: what the kernel alone
 * takes to do W7's renames, with no server around them.
 *
 *   renfloor MAILDIR
 *
 * Moves new/ into cur/ (":2,", untimed, as the first SELECT does), then
 * times two passes over cur/ in name order (the order of the UIDs for
 * these corpora): every file without S in its flags renamed to the name
 * with S, then every file with S renamed to the name without. One
 * renameat each, relative to an open cur/, and nothing else: no watch,
 * no index, no answer. Prints "plus_ms=X minus_ms=Y renames=N". */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define NAME_BYTES 512

static double
now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names in the directory open as fd, sorted (none is an empty
 * list); NULL when it cannot be read. */
static char **
list(int fd, size_t *n_r)
{
	DIR *d = fdopendir(dup(fd));
	struct dirent *de;
	size_t n = 0, cap = 4096;
	char **v = malloc(cap * sizeof(*v));

	if (v == NULL)
		abort();
	if (d == NULL) {
		free(v);
		return NULL;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (n == cap) {
			cap *= 2;
			if ((v = realloc(v, cap * sizeof(*v))) == NULL)
				abort();
		}
		if ((v[n++] = strdup(de->d_name)) == NULL)
			abort();
	}
	closedir(d);
	qsort(v, n, sizeof(*v), by_name);
	*n_r = n;
	return v;
}

/* Writes name with S added to (add) or taken from its flags into out;
 * returns 0, or 1 when the name is already so (or has no flags). */
static int
toggled(const char *name, int add, char *out)
{
	const char *info = strstr(name, ":2,"), *p;
	size_t k;
	int has, put = 0;

	if (info == NULL || strlen(name) + 2 > NAME_BYTES)
		return 1;
	has = strchr(info + 3, 'S') != NULL;
	if (has == add)
		return 1;
	k = (size_t)(info + 3 - name);
	memcpy(out, name, k);
	for (p = info + 3; *p != '\0'; p++) {
		if (add && !put && *p > 'S') {
			out[k++] = 'S';
			put = 1;
		}
		if (!add && *p == 'S')
			continue;
		out[k++] = *p;
	}
	if (add && !put)
		out[k++] = 'S';
	out[k] = '\0';
	return 0;
}

/* One pass; returns its time in ms, or -1. The names are updated. */
static double
pass(int cur, char **v, size_t n, int add, size_t *renames)
{
	char to[NAME_BYTES];
	double t0 = now_ms();

	for (size_t i = 0; i < n; i++) {
		if (toggled(v[i], add, to) != 0)
			continue;
		if (renameat(cur, v[i], cur, to) < 0) {
			perror(v[i]);
			return -1;
		}
		free(v[i]);
		if ((v[i] = strdup(to)) == NULL)
			abort();
		(*renames)++;
	}
	return now_ms() - t0;
}

int
main(int argc, char **argv)
{
	char path[4096], to[NAME_BYTES + 4];
	char **v;
	size_t n, renames = 0;
	int cur, newd;
	double plus, minus;

	if (argc != 2) {
		fprintf(stderr, "usage: renfloor MAILDIR\n");
		return 2;
	}
	snprintf(path, sizeof(path), "%s/cur", argv[1]);
	cur = open(path, O_RDONLY | O_DIRECTORY);
	snprintf(path, sizeof(path), "%s/new", argv[1]);
	newd = open(path, O_RDONLY | O_DIRECTORY);
	if (cur < 0 || newd < 0) {
		perror(argv[1]);
		return 1;
	}
	if ((v = list(newd, &n)) == NULL)
		return 1;
	for (size_t i = 0; i < n; i++) {
		snprintf(to, sizeof(to), "%s:2,", v[i]);
		if (renameat(newd, v[i], cur, to) < 0) {
			perror(v[i]);
			return 1;
		}
		free(v[i]);
	}
	free(v);
	if ((v = list(cur, &n)) == NULL)
		return 1;
	if ((plus = pass(cur, v, n, 1, &renames)) < 0 ||
	    (minus = pass(cur, v, n, 0, &renames)) < 0)
		return 1;
	printf("plus_ms=%.1f minus_ms=%.1f renames=%zu\n", plus, minus,
	       renames);
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
	return 0;
}
