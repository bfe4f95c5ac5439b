/* include/imap/fetch_binary.h — the BINARY fetch items (RFC 3516 4.2,
 * 4.3) for cmd_fetch.c: BINARY[part]<partial>, BINARY.PEEK[part]<partial>
 * and BINARY.SIZE[part], made with mail/binary.h. */
#ifndef SKUA_IMAP_FETCH_BINARY_H
#define SKUA_IMAP_FETCH_BINARY_H

#include "mail/message.h"
#include "mail/section.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/stream.h"

/* One BINARY item as asked. */
struct fetch_binary_item {
	struct section sec;     /* part numbers and partial only */
	int peek;               /* BINARY.PEEK: no \Seen */
	int size;               /* BINARY.SIZE */
	const char *name;       /* as the response names it (arena) */
};

/* Reads a fetch-att (RFC 3516 7): "BINARY" [".PEEK"] section-binary
 * [partial] / "BINARY.SIZE" section-binary. Returns 1 with *item_r
 * filled, 0 when atom is not a BINARY item, -1 with *err_r (for BAD)
 * when it is one but malformed. */
int fetch_binary_parse(const char *atom, struct arena *a,
		       struct fetch_binary_item *item_r, const char **err_r);

/* Decodes the item's section of the message into out (reset first).
 * Returns 0, or -1 with *code_r the response code and *text_r the text
 * of the tagged NO that fails the command ("UNKNOWN-CTE", RFC 3516 4.3;
 * "PARSE" for broken encoded data, as Dovecot 2.3 answers). */
int fetch_binary_make(const struct fetch_binary_item *it,
		      const struct mail_part *root, const unsigned char *data,
		      struct buf *out, const char **code_r,
		      const char **text_r);

/* Writes "BINARY[..]<n> " and the data (partial applied) as a literal,
 * or as a literal8 when it holds NUL (RFC 3516 4.3); or "BINARY.SIZE[..]
 * n" with the size of the whole decoded section. */
void fetch_binary_write(struct stream *out,
			const struct fetch_binary_item *it,
			const struct buf *data);

#endif
