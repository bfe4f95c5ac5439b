/* include/imap/fetch_preview.h — the PREVIEW fetch item (RFC 8970) for
 * cmd_fetch.c: its modifiers, and the previews kept in the selected
 * folder's skua.cache (store/mcache.h, blob MCACHE_PREVIEW) so that a
 * second FETCH PREVIEW of a message reads no message file. */
#ifndef SKUA_IMAP_FETCH_PREVIEW_H
#define SKUA_IMAP_FETCH_PREVIEW_H

#include <stdint.h>
#include <time.h>

#include "imap/command.h"
#include "mail/message.h"

struct fetch_preview;

/* Reads the list after PREVIEW (RFC 8970 6: "(" preview-mod *(SP
 * preview-mod) ")", preview-mod = "LAZY"). Returns 0 with *lazy_r set,
 * or -1 for anything else. */
int fetch_preview_modifiers(const struct arg *list, int *lazy_r);

/* For one FETCH in the selected state; the cache is opened at the first
 * lookup. lazy: every PREVIEW of the command had LAZY. */
struct fetch_preview *fetch_preview_new(struct session *s, int lazy);
int  fetch_preview_lazy(const struct fetch_preview *p);
/* 1 and *text_r (in a) when the preview of uid is in the cache, else 0. */
int  fetch_preview_cached(struct fetch_preview *p, uint32_t uid,
			  struct arena *a, const char **text_r);
/* Makes the preview of the message data[0..len) (parsed as root, its
 * file's mtime date) and keeps it in the cache. Never fails: a cache
 * that cannot be written is logged and the text returned all the same. */
const char *fetch_preview_make(struct fetch_preview *p, uint32_t uid,
			       const unsigned char *data, size_t len,
			       const struct mail_part *root, time_t date,
			       struct arena *a);
/* Logs how many previews were made (RFC 8970 8: "servers SHOULD log the
 * client authentication identity on FETCH PREVIEW operations") and
 * frees; sets *p to NULL. */
void fetch_preview_free(struct fetch_preview **p);

#endif
