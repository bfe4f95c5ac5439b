/* include/imap/mailstore.h — one session's view of the user's Maildir:
 * the folder tree with the configured namespace, set up once at login.
 *
 * Setting up is also where a new user's Maildir comes to exist and the
 * special-use folders (RFC 6154) are made when absent, as Dovecot does on
 * first login. None of it may keep a user from the mail already there: a
 * failure is logged and the session goes on with what the disk allows. */
#ifndef SKUA_IMAP_MAILSTORE_H
#define SKUA_IMAP_MAILSTORE_H

#include "store/mailboxes.h"
#include "util/config.h"

struct mailstore;                       /* opaque */

/* Runs as the user, after the privilege drop. Creates maildir (0700,
 * with cur/ new/ tmp/) when it has no cur/, decides how folder names are
 * written on disk (folder_names_on_disk; auto reads the Maildir's
 * entries), and creates the special_folders that do not exist, at one
 * stat each when all do. Problems are logged with user= and the error
 * text and are not returned. Never returns NULL. */
struct mailstore *mailstore_open(const struct config *c, const char *maildir,
				 const char *user);
/* The folder tree for the store layer. Its wire_utf8 starts at 0
 * (modified UTF-7 on the wire); mailstore_set_wire_utf8 changes it. */
struct mailboxes *mailstore_mailboxes(struct mailstore *ms);
/* Switches the wire names to UTF-8 (1) or modified UTF-7 (0): sets
 * wire_utf8 of the folder tree and gives it the special-use names in
 * the same form (RFC 6855 3, RFC 9051 5.1: after ENABLE UTF8=ACCEPT or
 * IMAP4rev2). */
void mailstore_set_wire_utf8(struct mailstore *ms, int utf8);
void mailstore_free(struct mailstore **ms);     /* sets *ms to NULL */

#endif
