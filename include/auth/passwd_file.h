/* include/auth/passwd_file.h — virtual users from a Dovecot-style
 * passwd-file:
 *
 *     user:{SCHEME}hash:uid:gid::home::
 *
 * Fields 5 (gecos), 7 (shell) and 8 (extra) are ignored. The password field
 * is a crypt(3) hash ($y$ yescrypt, $6$ SHA-512, $5$ SHA-256, $2y$ bcrypt)
 * with or without the {CRYPT}, {SHA512-CRYPT}, {SHA256-CRYPT},
 * {BLF-CRYPT} prefix, or {PLAIN}text for tests; DES and MD5 crypt are
 * refused. Empty lines and lines starting with # are skipped, lines are at
 * most 4096 bytes, and the first entry of a name wins. The file is read at
 * each check, so edits take effect without a restart. */
#ifndef SKUA_AUTH_PASSWD_FILE_H
#define SKUA_AUTH_PASSWD_FILE_H

#include "auth/user.h"

enum auth_result {
	AUTH_OK,
	AUTH_FAILED,    /* unknown user or wrong password */
	AUTH_ERROR,     /* the backend itself failed: file unreadable, ... */
};

/* Checks user and password against the file at path. On AUTH_OK fills
 * *user. On AUTH_ERROR sets *err_r to a message naming the file, and the
 * line for a malformed entry ("FILE:LINE: uid 0 not allowed"): an entry
 * with uid or gid 0, a bad uid or gid, a missing or relative home, or an
 * unknown scheme is an error, never a login. Only the user's own line is
 * judged. On AUTH_FAILED *err_r says why for the log ("unknown user",
 * "password mismatch", ...); it is not for the client. A name with ':' or
 * control characters, a password with control characters, and an empty
 * password fail. The check costs one crypt(3) whether or not the user
 * exists. *err_r may point to a static buffer, valid until the next call. */
enum auth_result passwd_file_check(const char *path, const char *name,
				   const char *password, struct auth_user *user,
				   const char **err_r);

/* Checks a password against one stored value ("{PLAIN}x", "$6$...") in
 * constant time for a given length. Returns 1 on a match, 0 on a
 * mismatch, -1 for an unknown scheme or a hash crypt(3) refuses. */
int passwd_verify(const char *stored, const char *password);

#endif
