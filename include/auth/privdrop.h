/* include/auth/privdrop.h — becoming the user for good.
 *
 * The connection process is root until the password is checked; then it
 * takes the user's groups (initgroups), gid and uid with no way back
 * (setresgid/setresuid: real, effective and saved), verifies that
 * setuid(0) fails and that no supplementary group is left but the user's,
 * sets umask 077 and changes to the home directory.
 *
 * A process that is not root cannot change user: it may serve only the
 * account whose uid is its own. */
#ifndef SKUA_AUTH_PRIVDROP_H
#define SKUA_AUTH_PRIVDROP_H

#include "auth/user.h"

/* 1 when the process can change to another user (it is root). */
int privdrop_possible(void);
/* Checks whether this process may serve user: never root (uid 0), else
 * anyone when root, else only the user with its own uid; and, under the
 * standalone listener, whether the user has fewer sessions than
 * max_user_connections (util/childlink.h asks the listener, which then
 * counts this process as the user's). Returns 0, or -1 with *err_r set
 * to a message fit for the client: "logging in as root is not allowed"
 * or "this server runs as uid N and can serve only that user"; or
 * PRIVDROP_TOO_MANY with "Too many sessions for this user; try again
 * later" (a limit, not a failure: the imap layer answers NO [LIMIT]). */
int privdrop_allowed(const struct auth_user *user, const char **err_r);
#define PRIVDROP_TOO_MANY -2
/* Drops to the user (groups from getgrouplist, then setresgid and
 * setresuid; when not root it only verifies the uid), verifies the drop,
 * sets umask 077, changes to the home and sets HOME, USER and LOGNAME.
 * First of all it closes the link to the listener (util/childlink.h).
 * Any failure is fatal, including uid 0 and a home it cannot enter: a
 * process left half-dropped must not serve anyone. */
void privdrop_become(const struct auth_user *user);
/* Loads the name service modules that privdrop_become and the user
 * lookups use (nsswitch.conf's passwd and group: libnss_systemd and
 * the like) into this process. The standalone listener calls it once,
 * so that the connection processes it forks find them loaded rather
 * than each loading and relocating them again at login. */
void privdrop_preload(void);

#endif
