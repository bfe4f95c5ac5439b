/* include/auth/user.h — who an authenticated user is: the facts the
 * privilege drop and the store need, whichever backend vouched for them. */
#ifndef SKUA_AUTH_USER_H
#define SKUA_AUTH_USER_H

#include <sys/types.h>

#define AUTH_NAME_MAX 256

struct auth_user {
	char name[AUTH_NAME_MAX];
	uid_t uid;
	gid_t gid;
	char home[4096];
};

/* Fills *user from the system user database (getpwnam_r, so nss_wrapper in
 * tests), with the name as the database spells it. Returns 0, or -1 when
 * there is no such user or its entry is unusable: a name or home that does
 * not fit, or a home that is empty or not absolute. */
int auth_user_lookup(const char *name, struct auth_user *user);

#endif
