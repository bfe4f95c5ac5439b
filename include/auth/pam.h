/* include/auth/pam.h — system users through PAM: authentication and
 * account management (pam_authenticate, then pam_acct_mgmt), with the
 * client address passed as PAM_RHOST so that modules can log and limit
 * by it. */
#ifndef SKUA_AUTH_PAM_H
#define SKUA_AUTH_PAM_H

#include "auth/passwd_file.h"   /* enum auth_result */
#include "auth/user.h"

/* Checks name and password with the PAM service given (pam_authenticate
 * and pam_acct_mgmt, both with PAM_DISALLOW_NULL_AUTHTOK); rhost, when not
 * NULL, becomes PAM_RHOST. On AUTH_OK fills *user from the user database
 * (the name PAM settled on, PAM_USER); a PAM user without a usable passwd
 * entry is AUTH_ERROR. AUTH_FAILED for a refusal (wrong password, unknown
 * user, expired or locked account, and an empty or control-character name
 * or empty password, which never reach PAM); AUTH_ERROR when PAM itself
 * fails. *err_r is set on both, to "pam(SERVICE): <pam_strerror>" or our
 * own reason, for the log only; it may point to a static buffer. */
enum auth_result pam_check(const char *service, const char *name,
			   const char *password, const char *rhost,
			   struct auth_user *user, const char **err_r);

#endif
