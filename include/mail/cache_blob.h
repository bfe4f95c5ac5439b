/* include/mail/cache_blob.h — a parsed message in a compact form for the
 * store's cache: the part tree with its spans and the header values
 * BODYSTRUCTURE needs, plus the ENVELOPE text, so that FETCH of
 * structure and sections needs no parse, and a FETCH of ENVELOPE or
 * BODYSTRUCTURE opens no file.
 *
 * The format is versioned and checked on load: any doubt and the loader
 * says no, and the store reparses the message. */
#ifndef SKUA_MAIL_CACHE_BLOB_H
#define SKUA_MAIL_CACHE_BLOB_H

#include <stddef.h>

#include "mail/message.h"
#include "util/arena.h"
#include "util/buf.h"

/* Appends the blob of a parsed message. Returns 0 or -1 on overflow. */
int  cache_blob_write(const struct mail_part *root, struct buf *out);
/* Rebuilds the tree from a blob. Returns NULL when the blob is damaged
 * or from another version. */
struct mail_part *cache_blob_read(const unsigned char *blob, size_t len,
				  struct arena *a);

#endif
