/* include/auth/pam.h — system users through PAM: authentication and
 * account management (pam_authenticate, then pam_acct_mgmt), with the
 * client address passed as PAM_RHOST so that modules can log and limit
 * by it. */
#ifndef SKUA_AUTH_PAM_H
#define SKUA_AUTH_PAM_H

#include "auth/passwd_file.h"   /* enum auth_result */
#include "auth/user.h"

/* Checks name and password with the PAM service given. On AUTH_OK fills
 * *user from the user database (the name PAM settled on, PAM_USER). On
 * AUTH_ERROR sets *err_r to PAM's message. */
enum auth_result pam_check(const char *service, const char *name,
			   const char *password, const char *rhost,
			   struct auth_user *user, const char **err_r);

#endif
