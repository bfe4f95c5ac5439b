/* include/store/subscriptions.h — the subscribed mailbox names of one
 * user (RFC 3501 6.3.6, 6.3.7, 6.3.9), kept in ~/Maildir/.subscriptions
 * (DESIGN.md, "Storage").
 *
 * The file: one name per line, as on the wire in the default namespace
 * (no prefix, separator "/", modified UTF-7), whatever the namespace
 * configured: "INBOX", "Archive/2024". On first use, when it does not
 * exist, Dovecot's "subscriptions" (written by Dovecot 2.3: "V\t2\n\n",
 * then one name per line with a tab between levels) or else Courier's
 * "courierimapsubscribed" ("INBOX.Sent", one per line) is imported.
 * Where Dovecot's file exists it is rewritten with ours, so that going
 * back to Dovecot loses nothing, and read again when Dovecot changed it
 * since. Changes take the dot-locks ".subscriptions.lock" (and
 * "subscriptions.lock" for Dovecot's file) and replace each file by a new
 * one, fsynced and renamed into place. See src/store/subscriptions.c. */
#ifndef SKUA_STORE_SUBSCRIPTIONS_H
#define SKUA_STORE_SUBSCRIPTIONS_H

#include <stddef.h>

#include "store/mailboxes.h"     /* struct mailboxes, struct mbox_err */

#define SUBS_FILE ".subscriptions"
#define SUBS_DOVECOT_FILE "subscriptions"
#define SUBS_COURIER_FILE "courierimapsubscribed"
/* Largest subscriptions file read, in bytes. */
#define SUBS_MAX_FILE (4 * 1024 * 1024)

/* SUBSCRIBE (RFC 3501 6.3.6): adds the wire name, which must be a valid
 * name (names_to_dir) but need not exist. Adding a name already there
 * changes nothing. Returns 0, or -1 with *err (MBOX_ERR_NAME,
 * MBOX_ERR_INUSE, MBOX_ERR_SERVER). */
int  subs_add(const struct mailboxes *mb, const char *wire,
	      struct mbox_err *err);
/* UNSUBSCRIBE (RFC 3501 6.3.7): removes the name; a name not subscribed
 * is not an error (as in Dovecot). Returns 0, or -1 with *err. */
int  subs_remove(const struct mailboxes *mb, const char *wire,
		 struct mbox_err *err);

struct subs_entry {
	const char *name;       /* wire name */
	int noselect;           /* not subscribed: the parent of one that
				 * is, matched by "%" (RFC 3501 6.3.9) */
};

struct subs_list;                       /* opaque */

/* LSUB (RFC 3501 6.3.9): the subscribed names matching ref + pattern
 * (store/pattern.h), INBOX first, then in tree order. With a "%" in the
 * pattern, an unsubscribed parent of a subscribed name that matches is
 * listed once, with noselect set. Names of the file that do not fit the
 * namespace are kept in the file but not listed. Returns 0, or -1 with
 * *err. */
int  subs_list(const struct mailboxes *mb, const char *ref,
	       const char *pattern, struct subs_list **list_r,
	       struct mbox_err *err);
const struct subs_entry *subs_list_entries(const struct subs_list *l,
					   size_t *n_r);
void subs_list_free(struct subs_list **l);      /* sets *l to NULL */

#endif
