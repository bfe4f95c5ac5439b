/* include/util/xalloc.h — allocation that does not fail: running out of
 * memory ends the process (one connection), as arenas and buffers do, so
 * callers never check for NULL. */
#ifndef SKUA_UTIL_XALLOC_H
#define SKUA_UTIL_XALLOC_H

#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
/* realloc that also takes 0 (as 1) and never returns NULL. */
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
/* "dir/name" in a fresh allocation. */
char *path_join(const char *dir, const char *name);

#endif
