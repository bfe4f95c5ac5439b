/* src/util/arena.c — region allocator: a chain of blocks, bump allocation,
 * everything released at once. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/arena.h"
#include "util/log.h"

#define ALIGN 16

struct block {
	struct block *next;
	size_t size;
	size_t used;
	_Alignas(ALIGN) unsigned char data[];
};

struct arena {
	struct block *head;     /* the block being filled; older ones follow */
	struct block *first;    /* kept across resets */
	size_t block_size;
	size_t footprint;
};

static struct block *
block_new(struct arena *a, size_t min)
{
	size_t size = min > a->block_size ? min : a->block_size;
	struct block *b = malloc(sizeof(*b) + size);

	if (b == NULL)
		fatal("out of memory (%zu bytes)", size);
	b->size = size;
	b->used = 0;
	a->footprint += size;
	return b;
}

struct arena *
arena_new(size_t block_size)
{
	struct arena *a = calloc(1, sizeof(*a));

	if (a == NULL)
		fatal("out of memory");
	a->block_size = block_size < 256 ? 256 : block_size;
	a->head = a->first = block_new(a, 0);
	a->head->next = NULL;
	return a;
}

void *
arena_alloc(struct arena *a, size_t len)
{
	struct block *b = a->head;
	size_t off = (b->used + ALIGN - 1) & ~(size_t)(ALIGN - 1);

	if (len > SIZE_MAX - ALIGN)
		fatal("arena: impossible allocation of %zu bytes", len);
	if (off + len > b->size) {
		b = block_new(a, len);
		if (len >= a->block_size) {
			/* A big one goes behind the current block, so the
			 * rest of the current block is not wasted. */
			b->next = a->head->next;
			a->head->next = b;
			b->used = len;
			return b->data;
		}
		b->next = a->head;
		a->head = b;
		off = 0;
	}
	b->used = off + len;
	return b->data + off;
}

void *
arena_zalloc(struct arena *a, size_t len)
{
	void *p = arena_alloc(a, len);

	memset(p, 0, len);
	return p;
}

char *
arena_strndup(struct arena *a, const void *s, size_t len)
{
	char *p = arena_alloc(a, len + 1);

	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

char *
arena_strdup(struct arena *a, const char *s)
{
	return arena_strndup(a, s, strlen(s));
}

char *
arena_printf(struct arena *a, const char *fmt, ...)
{
	va_list ap;
	int n;
	char *p;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		fatal("arena_printf: bad format");
	p = arena_alloc(a, (size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}

void
arena_reset(struct arena *a)
{
	struct block *b, *next;

	for (b = a->head; b != NULL; b = next) {
		next = b->next;
		if (b == a->first)
			continue;
		a->footprint -= b->size;
		free(b);
	}
	a->first->used = 0;
	a->first->next = NULL;
	a->head = a->first;
}

size_t
arena_footprint(const struct arena *a)
{
	return a->footprint;
}

void
arena_free(struct arena **ap)
{
	struct block *b, *next;

	if (*ap == NULL)
		return;
	for (b = (*ap)->head; b != NULL; b = next) {
		next = b->next;
		free(b);
	}
	free(*ap);
	*ap = NULL;
}
