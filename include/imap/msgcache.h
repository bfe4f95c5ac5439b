/* include/imap/msgcache.h — the selected folder's skua.cache
 * (store/mcache.h) as FETCH and SEARCH use it: what is known of a
 * message's file without opening it.
 *
 * Whose record. A record is the UID's, and UIDs are not reused within a
 * UIDVALIDITY (the file's header holds it), but a Maildir file can still
 * be replaced under the same UID by hand or by another program. So each
 * record carries the base name of the file it was made from (the name
 * up to ':', which flag changes keep) and that file's size: a record is
 * used only when the name matches the message's current one and, when
 * the name gives the size (,S=), the size too; a name without ,S= cannot
 * vouch for the bytes, so then the file's size and mtime must be the
 * record's (one open and fstat, still far cheaper than a parse). A file
 * rewritten in place under a name that keeps a stale ,S= is trusted by
 * its name, as Dovecot trusts it. The internal date is the file's mtime
 * when the record was made, as Dovecot keeps it in its cache (a later
 * touch of a file named with ,S= is not seen).
 *
 * Opened at the first use after SELECT and kept open (s->sel.cache)
 * until the folder is closed, so that a command does not walk the whole
 * file again; the first use in each command catches up with what other
 * processes wrote meanwhile. Written once at the command's end (one
 * append under one lock, no fsync: the cache is disposable). When the
 * cache cannot be opened or written, everything works from the files and
 * the error is logged once per command. */
#ifndef SKUA_IMAP_MSGCACHE_H
#define SKUA_IMAP_MSGCACHE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "imap/command.h"
#include "mail/message.h"
#include "store/folder.h"
#include "store/mcache.h"
#include "util/arena.h"

struct msgcache;

/* What msgcache_make computes besides the header fields. */
#define MSGCACHE_ENVELOPE       0x1
#define MSGCACHE_BODYSTRUCTURE  0x2
#define MSGCACHE_BODY           0x4

struct msgcache *msgcache_new(struct session *s, const char *what);
/* Writes what was queued now, for another writer of the same records
 * (PREVIEW's) to build on. */
void msgcache_sync(struct msgcache *mc);
/* Writes what was queued, logs a failure once, frees; sets *mc NULL. */
void msgcache_free(struct msgcache **mc);

/* 1 with *e (blob data valid until the next call) when the cache holds
 * a record made from m's file, 0 when not. */
int  msgcache_get(struct msgcache *mc, const struct store_msg *m,
		  struct mcache_entry *e);
/* Fills e from a message read and parsed whole: sizes, mtime, header
 * length, the ENVELOPE header fields, and the texts want asks for,
 * allocated in a. Returns 0, or -1 when a text would not fit (then the
 * entry must not be put). */
int  msgcache_make(struct mcache_entry *e, const unsigned char *data,
		   size_t len, time_t mtime, const struct mail_part *root,
		   unsigned want, struct arena *a);
/* Queues e as m's record, with the name key, keeping the blobs of m's
 * current record that e does not replace. */
void msgcache_put(struct msgcache *mc, const struct store_msg *m,
		  const struct mcache_entry *e);

#endif
