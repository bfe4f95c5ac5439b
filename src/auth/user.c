/* src/auth/user.c — a user from the system database (getpwnam_r), so that
 * PAM users and, in tests, nss_wrapper users look alike to the rest. */
#include <errno.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth/user.h"

/* getpwnam_r wants the caller's buffer; sysconf's hint may be missing or
 * too small for an entry with a long gecos, so grow it up to a bound. */
#define PW_BUF_FIRST 16384
#define PW_BUF_MAX   (1024 * 1024)

/* Copies the facts we keep; -1 when a field does not fit or the home is
 * unusable (empty or relative: the drop changes into it). */
static int
user_fill(const struct passwd *pw, struct auth_user *user)
{
	size_t nlen = strlen(pw->pw_name), hlen = strlen(pw->pw_dir);

	if (nlen == 0 || nlen >= sizeof(user->name))
		return -1;
	if (hlen == 0 || hlen >= sizeof(user->home) || pw->pw_dir[0] != '/')
		return -1;
	memcpy(user->name, pw->pw_name, nlen + 1);
	memcpy(user->home, pw->pw_dir, hlen + 1);
	user->uid = pw->pw_uid;
	user->gid = pw->pw_gid;
	return 0;
}

int
auth_user_lookup(const char *name, struct auth_user *user)
{
	struct passwd pw, *res = NULL;
	long hint = sysconf(_SC_GETPW_R_SIZE_MAX);
	size_t size = PW_BUF_FIRST;
	char *buf = NULL;
	int rc = ENOMEM, ret = -1;

	if (hint > PW_BUF_FIRST && hint < PW_BUF_MAX)
		size = (size_t)hint;
	if (name[0] == '\0' || strlen(name) >= sizeof(user->name))
		return -1;
	for (;;) {
		char *nbuf = realloc(buf, size);

		if (nbuf == NULL)
			break;
		buf = nbuf;
		rc = getpwnam_r(name, &pw, buf, size, &res);
		if (rc != ERANGE || size >= PW_BUF_MAX)
			break;
		size *= 2;
	}
	if (rc == 0 && res != NULL)
		ret = user_fill(res, user);
	free(buf);
	return ret;
}
