/* include/mail/cache_blob.h — a parsed message in a compact form for the
 * store's cache: the part tree with its spans and every header value
 * that BODYSTRUCTURE and the sections use (types, parameters, id,
 * description, encoding, MD5, disposition, language, location), so that
 * FETCH of BODY, BODYSTRUCTURE and sections needs no parse. The tree
 * still points into the message: sections read its bytes, and the
 * ENVELOPE of message/rfc822 parts is made from their header bytes (the
 * store caches ENVELOPE and BODYSTRUCTURE text itself where it wants to
 * open no file).
 *
 * The format is versioned and checked on load: any doubt and the loader
 * says no, and the store reparses the message. */
#ifndef SKUA_MAIL_CACHE_BLOB_H
#define SKUA_MAIL_CACHE_BLOB_H

#include <stddef.h>

#include "mail/message.h"
#include "util/arena.h"
#include "util/buf.h"

/* Appends the blob of a tree made by mail_parse (or cache_blob_read).
 * Returns 0, or -1 on overflow or a tree deeper than mail_parse makes. */
int  cache_blob_write(const struct mail_part *root, struct buf *out);
/* Rebuilds the tree from a blob (everything in the arena). Returns NULL
 * when the blob is damaged or from another version; safe on arbitrary
 * bytes. A tree it returns keeps every span within the message size
 * the root's spans give, so use it only with the message it was made
 * from. */
struct mail_part *cache_blob_read(const unsigned char *blob, size_t len,
				  struct arena *a);

#endif
