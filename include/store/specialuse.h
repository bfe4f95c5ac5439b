/* include/store/specialuse.h — the special-use attributes (RFC 6154) a
 * client gave folders with CREATE ... (USE (...)), kept in the Maildir.
 *
 * The file is "skua.specialuse" in the Maildir root: one line per folder,
 * its directory entry (".Sent Items"), a tab, and its attributes as RFC
 * 6154 spells them, separated by spaces ("\Sent"). Directory entries hold
 * no control characters (store/names.h), so the tab cannot be part of
 * one. Dovecot keeps special-use in its configuration and does not read
 * the file; neither does Courier. Changes take the dot-lock
 * "skua.specialuse.lock" and replace the file by a new one, fsynced and
 * renamed into place. The attributes of special_folders (configured, see
 * imapd.conf(5)) are not written here: they come from the configuration
 * at each login. See src/store/specialuse.c. */
#ifndef SKUA_STORE_SPECIALUSE_H
#define SKUA_STORE_SPECIALUSE_H

#include "store/mailboxes.h"    /* MBOX_* bits, struct mbox_err */

#define SPECIALUSE_FILE "skua.specialuse"
/* Largest file read, in bytes. */
#define SPECIALUSE_MAX_FILE (1024 * 1024)

/* The MBOX_* bit of an RFC 6154 attribute ("\Sent", any case), 0 for a
 * name that is none of the seven. */
unsigned specialuse_attr(const char *name);
/* The RFC 6154 spelling of one MBOX_* special-use bit, or NULL. */
const char *specialuse_name(unsigned bit);

struct specialuse;                      /* opaque */

/* Reads the file of the Maildir root (a missing file is an empty list).
 * Returns 0, or -1 with *err. */
int  specialuse_read(const char *root, struct specialuse **su_r,
		     struct mbox_err *err);
/* The attributes recorded for the directory entry dir, 0 for none. */
unsigned specialuse_get(const struct specialuse *su, const char *dir);
void specialuse_free(struct specialuse **su);   /* sets *su to NULL */

/* Records attrs (MBOX_* special-use bits) for dir; 0 removes its line.
 * Returns 0, or -1 with *err (MBOX_ERR_INUSE, MBOX_ERR_SERVER). */
int  specialuse_set(const char *root, const char *dir, unsigned attrs,
		    struct mbox_err *err);
/* After RENAME of the folder from to to (directory entries): the lines of
 * from and of its children (from + ".") move along. Returns 0 (also when
 * there is nothing to move, without writing), or -1 with *err. */
int  specialuse_rename(const char *root, const char *from, const char *to,
		       struct mbox_err *err);

#endif
