/* include/store/dotlock.h — Dovecot-compatible dot-locks ("<file>.lock"),
 * the lock Dovecot takes on dovecot-uidlist, dovecot-keywords and other
 * Maildir control files, so that skua and Dovecot exclude each other.
 *
 * The lock file is created with O_EXCL and holds "<pid>:<hostname>" (no
 * newline), as Dovecot's file_dotlock_create writes it. A lock is taken
 * over when its pid is on this host and no longer exists, or when neither
 * the lock nor the file it guards has changed for two minutes
 * (Dovecot's MAILDIR_UIDLIST_LOCK_STALE_TIMEOUT). See src/store/dotlock.c. */
#ifndef SKUA_STORE_DOTLOCK_H
#define SKUA_STORE_DOTLOCK_H

/* Seconds without a change to the lock or the guarded file after which
 * a lock is stale, as Dovecot's maildir code sets it. */
#define DOTLOCK_STALE_SECS 120

/* Locks path (the guarded file; the lock is path + ".lock"), waiting up
 * to timeout_s seconds (0: one try) for another holder to let go.
 * Returns 0, or -1 with *err_r (errno EAGAIN on timeout). Locks are not
 * recursive: taking one this process already holds waits and times out. */
int  dotlock_take(const char *path, int timeout_s, const char **err_r);
/* Removes the lock on path if this process holds it and it is still the
 * file we created (not one that another process put in its place after
 * overriding ours as stale). Otherwise does nothing. */
void dotlock_release(const char *path);
/* Whether this process still holds the lock on path: our lock file is
 * there, not overridden. Writers check it before committing. */
int  dotlock_is_ours(const char *path);

#endif
