/* include/store/uidlist.h — UID assignments of one Maildir folder, kept in
 * dovecot-uidlist (version 3) so that Dovecot reads and writes the same
 * file (DESIGN.md, "Storage").
 *
 * The file: a header line "3 V<uidvalidity> N<nextuid> G<guid>" (other
 * header fields kept as they are), then one line per message:
 * "<uid>[ <ext>...] :<base name>", where each <ext> is a letter and a
 * value (Dovecot writes W<vsize> and S<size>); extensions are kept
 * verbatim so that rewriting the file loses nothing Dovecot wrote.
 *
 * Changes take the dot-lock dovecot-uidlist.lock (created with O_EXCL;
 * stale after Dovecot's rules: its writer is gone or it has not changed
 * for two minutes), are written to a temporary file, fsynced, and renamed
 * over the old list: a crash leaves the old file or the new, never a mix.
 * A damaged file keeps its header and every intact line; only a missing
 * or unreadable header gives a new UIDVALIDITY, logged by the caller. */
#ifndef SKUA_STORE_UIDLIST_H
#define SKUA_STORE_UIDLIST_H

#include <stddef.h>
#include <stdint.h>

#include "store/dotlock.h"       /* dotlock_take, dotlock_release */

struct uidlist_rec {
	uint32_t uid;
	const char *base;       /* the file name before ":" */
	const char *ext;        /* extension fields as written, "" if none */
};

struct uidlist;                         /* opaque */

/* Reads dir/dovecot-uidlist; root is the Maildir (INBOX) directory that
 * holds the UIDVALIDITY counter. A missing file is not an error: the list
 * is empty, with UIDVALIDITY from uidvalidity_new (or, when dir holds a
 * Courier courierimapuiddb, the UIDs and UIDVALIDITY imported from it).
 * Returns 0, or -1 with *err_r. *damaged_r (may be NULL) is set when
 * lines had to be dropped. */
int  uidlist_open(const char *dir, const char *root, struct uidlist **list_r,
		  int *damaged_r, const char **err_r);
/* Rereads the file if it changed since the last read (size, mtime,
 * inode). Returns 1 if it did, 0 if not, -1 with *err_r. */
int  uidlist_refresh(struct uidlist *list, const char **err_r);
/* The identity of the file the list was last read from or written to
 * (device, inode, size, mtime), so that a cache of what it said can
 * tell later whether it still does. Returns 0, or -1 when the list
 * came from no file (missing, or not written yet). */
struct stat;
int  uidlist_file_stat(const struct uidlist *list, struct stat *st_r);
uint32_t uidlist_uidvalidity(const struct uidlist *list);
uint32_t uidlist_next_uid(const struct uidlist *list);
/* The mailbox GUID of the header (G, 32 hex digits), as Dovecot keeps
 * it; "" until the file has one (the next write gives it one). */
const char *uidlist_guid(const struct uidlist *list);
/* The records in UID order. */
const struct uidlist_rec *uidlist_records(const struct uidlist *list,
					  size_t *count_r);
/* Finds the UID of a base name. Returns 0 when unknown. */
uint32_t uidlist_lookup(const struct uidlist *list, const char *base);
/* The position in uidlist_records of the record for the base of name (a
 * whole file name will do: the base ends at its first ':'), or -1. O(1);
 * valid until the list changes (refresh, update). */
long uidlist_index(const struct uidlist *list, const char *name);
/* uidlist_index of each of names[0..n) into pos_r[0..n): the same
 * answers, several times faster for a big list, whose memory is then
 * fetched ahead instead of waited for name by name. */
void uidlist_index_many(const struct uidlist *list, const char *const *names,
			size_t n, long *pos_r);

/* Gives UIDs to the base names not yet in the list, in the order given
 * (the caller sorts them as Dovecot does: by file name; a whole file
 * name stands for its base, which ends at ':'), and drops the
 * records whose base is in gone (expunged files). Takes the dot-lock,
 * rereads the file under it so nothing another writer added is lost,
 * writes the new file and releases the lock. Returns 0, or -1 with
 * *err_r and the list unchanged; errno is EAGAIN when the lock did not
 * come free in time (store/dotlock.h), ENOSPC or EDQUOT when the disk
 * is full. */
int  uidlist_update(struct uidlist *list, const char *const *new_bases,
		    size_t n_new, const char *const *gone, size_t n_gone,
		    const char **err_r);
void uidlist_free(struct uidlist **list);  /* sets *list to NULL */

/* A UIDVALIDITY for a new folder, allocated as Dovecot does: from the
 * counter file dovecot-uidvalidity (and its dovecot-uidvalidity.<hex>
 * marker) in the Maildir root, so two folders never share one. */
uint32_t uidvalidity_new(const char *maildir_root);

#endif
