/* src/util/proctitle.c — process titles on Linux, by writing over the
 * memory argv and environ came in.
 *
 * The kernel put the argv strings, then the environ strings, one after
 * another in one block; /proc/PID/cmdline shows that block from argv[0].
 * Reading it, the kernel returns argv's part only, up to the NUL that
 * ended the last argument; but when that byte is no longer NUL, it takes
 * the block as a title that may run on into environ's part, up to the
 * first NUL (fs/proc/base.c, get_mm_cmdline). So a title shorter than
 * the command line is padded with NULs, and a longer one simply runs on.
 *
 * Before any of that the strings are copied: argv[] and environ point at
 * the copies, and so do glibc's program_invocation_name and
 * program_invocation_short_name. A pointer somebody took into the block
 * earlier (none in skua: we run first thing in main) would see the title.
 * The original bytes are kept, to put back when titles are turned off. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/log.h"
#include "util/proctitle.h"

extern char **environ;

static char *area;              /* the block, NULL before init */
static size_t area_len;         /* its bytes, the last NUL included */
static char *original;          /* a copy of the block as it came */
/* environ's copy: the array and, in one block, its strings. setenv()
 * overwrites entries or moves environ to a new array without freeing
 * anything, so these keep the copies reachable rather than lost
 * (volatile, for nothing reads them and the compiler would drop them). */
static char **volatile env_copy;
static char *volatile env_strings;
static char prog_name[32];
static int enabled = 1;

static char *
copy(const char *s)
{
	char *c = strdup(s);

	if (c == NULL)
		fatal("out of memory");
	return c;
}

void
proctitle_init(int argc, char **argv, const char *prog)
{
	char *start, *end, *p;
	size_t n = 0, bytes = 0;

	snprintf(prog_name, sizeof(prog_name), "%s", prog);
	if (area != NULL || argc < 1 || argv[0] == NULL)
		return;
	/* The block: argv strings, then environ strings, while each begins
	 * right after the previous one's NUL. */
	start = argv[0];
	end = start + strlen(start) + 1;
	for (int i = 1; i < argc && argv[i] == end; i++)
		end = argv[i] + strlen(argv[i]) + 1;
	for (size_t i = 0; environ[i] != NULL; i++) {
		if (environ[i] == end)
			end = environ[i] + strlen(environ[i]) + 1;
		n++;
		bytes += strlen(environ[i]) + 1;
	}

	env_copy = malloc((n + 1) * sizeof(*env_copy));
	env_strings = p = malloc(bytes + 1);
	if (env_copy == NULL || p == NULL)
		fatal("out of memory");
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(environ[i]) + 1;

		env_copy[i] = memcpy(p, environ[i], len);
		p += len;
	}
	env_copy[n] = NULL;
	environ = env_copy;
	for (int i = 0; i < argc; i++)
		argv[i] = copy(argv[i]);
	program_invocation_name = argv[0];
	program_invocation_short_name = strrchr(argv[0], '/') != NULL ?
					strrchr(argv[0], '/') + 1 : argv[0];

	area = start;
	area_len = (size_t)(end - start);
	original = malloc(area_len);
	if (original == NULL)
		fatal("out of memory");
	memcpy(original, area, area_len);
}

void
proctitle_enable(int on)
{
	if (area != NULL && enabled && !on)
		memcpy(area, original, area_len);
	enabled = on;
}

void
proctitle_set(const char *fmt, ...)
{
	char title[512];
	va_list ap;
	int n;
	size_t len;

	if (area == NULL || !enabled || area_len < 2)
		return;
	n = snprintf(title, sizeof(title), "%s: ", prog_name);
	va_start(ap, fmt);
	if (n > 0 && (size_t)n < sizeof(title))
		vsnprintf(title + n, sizeof(title) - (size_t)n, fmt, ap);
	va_end(ap);
	for (char *p = title; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	len = strlen(title);
	if (len > area_len - 1)
		len = area_len - 1;
	memcpy(area, title, len);
	memset(area + len, '\0', area_len - len);
}
