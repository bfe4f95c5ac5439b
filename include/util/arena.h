/* include/util/arena.h — region allocator for memory that lives as long as
 * one command (or one session): allocate freely, free everything at once.
 *
 * Allocation failure is fatal (the process is one connection; a session
 * that cannot get a few KiB has nothing sensible left to do), so callers
 * never check for NULL. Limits on how much a client may make us allocate
 * are enforced before calling, where the length comes off the wire. */
#ifndef SKUA_UTIL_ARENA_H
#define SKUA_UTIL_ARENA_H

#include <stddef.h>

struct arena;

/* Creates an arena whose blocks are at least block_size bytes. */
struct arena *arena_new(size_t block_size);
/* Returns len bytes aligned for any type, uninitialised. */
void *arena_alloc(struct arena *a, size_t len);
/* Returns len bytes set to zero. */
void *arena_zalloc(struct arena *a, size_t len);
/* Copies a NUL-terminated string, or len bytes plus a NUL. */
char *arena_strdup(struct arena *a, const char *s);
char *arena_strndup(struct arena *a, const void *s, size_t len);
/* Formats like printf into the arena. */
char *arena_printf(struct arena *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Frees every allocation but keeps the first block for reuse. */
void arena_reset(struct arena *a);
/* Bytes currently reserved from the system, for limits and tests. */
size_t arena_footprint(const struct arena *a);
void arena_free(struct arena **a);  /* sets *a to NULL */

#endif
