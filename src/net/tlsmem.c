/* src/net/tlsmem.c — OpenSSL's allocations, zeroed when freed.
 *
 * CRYPTO_set_mem_functions takes over OpenSSL's malloc, realloc and
 * free. malloc_usable_size tells how much of a block to clear, so no size
 * has to be remembered. realloc never resizes in place: the C library
 * would hand the tail of a shrunk block, or the old block of a moved one,
 * back to its free lists unwiped. So it allocates anew, copies and wipes
 * the old block. OpenSSL reallocates little (growing stacks and buffers),
 * and clearing a block costs about what touching it cost anyway. */
#include <malloc.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "net/tlsmem.h"

static void *
wipe_malloc(size_t n, const char *file, int line)
{
	(void)file;
	(void)line;
	/* OpenSSL's own malloc answers NULL to 0 bytes; so do we. */
	return n == 0 ? NULL : malloc(n);
}

static void
wipe_free(void *p, const char *file, int line)
{
	(void)file;
	(void)line;
	if (p == NULL)
		return;
	explicit_bzero(p, malloc_usable_size(p));
	free(p);
}

static void *
wipe_realloc(void *p, size_t n, const char *file, int line)
{
	size_t old;
	void *q;

	if (p == NULL)
		return wipe_malloc(n, file, line);
	if (n == 0) {
		wipe_free(p, file, line);
		return NULL;
	}
	q = malloc(n);
	if (q == NULL)
		return NULL;    /* p stays valid, as realloc promises */
	old = malloc_usable_size(p);
	memcpy(q, p, old < n ? old : n);
	wipe_free(p, file, line);
	return q;
}

int
tlsmem_wipe_on_free(void)
{
	return CRYPTO_set_mem_functions(wipe_malloc, wipe_realloc,
					wipe_free) == 1 ? 0 : -1;
}
