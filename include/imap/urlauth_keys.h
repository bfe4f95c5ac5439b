/* include/imap/urlauth_keys.h — a user's mailbox access keys (RFC 4467
 * 2.2) and the INTERNAL mechanism's tokens (2.4.1).
 *
 * The table is the file "skua.urlauth" in the Maildir root, mode
 * 0600, one line per mailbox: its GUID (the one dovecot-uidlist keeps,
 * store/folder.h folder_mailbox_guid, so a mailbox deleted and made
 * again under the same name does not inherit the old key) and a random
 * 128-bit key in hex. It is rewritten as a new file and renamed into
 * place under the dot-lock "skua.urlauth.lock", so a crash leaves
 * the old table or the new one, and two sessions do not lose each
 * other's keys. A missing file is an empty table.
 *
 * A token is "01" (the algorithm, as RFC 4467 2.4.1 advises, so that a
 * later one can be told apart) followed by HMAC-SHA1 over the rump URL
 * (RFC 4467 5), keyed with the mailbox's key, in lower-case hex. */
#ifndef SKUA_IMAP_URLAUTH_KEYS_H
#define SKUA_IMAP_URLAUTH_KEYS_H

#include <stddef.h>

#define URLAUTH_KEYS_FILE "skua.urlauth"
#define URLAUTH_TOKEN_LEN 42            /* hex digits */

/* Writes into token (URLAUTH_TOKEN_LEN + 1 bytes) the token of the rump
 * URL rump[0..len) for the mailbox guid of the table in maildir. With
 * create, a mailbox without a key is given one first. Returns 0, 1 when
 * the mailbox has no key (and create is 0: token is then computed with a
 * random key, so that failing takes as long, RFC 4467 6), or -1 with
 * *err_r. */
int  urlauth_keys_token(const char *maildir, const char *guid, int create,
			const char *rump, size_t len, char *token,
			const char **err_r);

/* RESETKEY: gives the mailbox guid a new key, or, with guid NULL,
 * removes every key. Returns 0, or -1 with *err_r. */
int  urlauth_keys_reset(const char *maildir, const char *guid,
			const char **err_r);

/* Compares a client's token with ours in constant time, case-
 * insensitively. Returns 1 when equal. */
int  urlauth_token_equal(const char *ours, const char *theirs);

#endif
