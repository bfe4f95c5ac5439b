/* include/auth/passwd_file.h — virtual users from a Dovecot-style
 * passwd-file:
 *
 *     user:{SCHEME}hash:uid:gid::home::
 *
 * Fields 5 (gecos), 7 (shell) and 8 (extra) are ignored. The password field
 * is a crypt(3) hash ($y$ yescrypt, $6$ SHA-512, $5$ SHA-256, $2y$ bcrypt)
 * with or without the {CRYPT}, {SHA512-CRYPT}, {SHA256-CRYPT},
 * {BLF-CRYPT} prefix, or {PLAIN}text for tests. Empty lines and lines
 * starting with # are skipped. The file is read at each check, so edits
 * take effect without a restart. */
#ifndef SKUA_AUTH_PASSWD_FILE_H
#define SKUA_AUTH_PASSWD_FILE_H

#include "auth/user.h"

enum auth_result {
	AUTH_OK,
	AUTH_FAILED,    /* unknown user or wrong password */
	AUTH_ERROR,     /* the backend itself failed: file unreadable, ... */
};

/* Checks user and password against the file at path. On AUTH_OK fills
 * *user. On AUTH_ERROR sets *err_r to a message naming the file (and line
 * for a malformed entry). The comparison takes the same time whether or
 * not the user exists. */
enum auth_result passwd_file_check(const char *path, const char *name,
				   const char *password, struct auth_user *user,
				   const char **err_r);

/* Checks a password against one stored value ("{PLAIN}x", "$6$...").
 * Returns 1 on a match, 0 on a mismatch, -1 for an unknown scheme. */
int passwd_verify(const char *stored, const char *password);

#endif
