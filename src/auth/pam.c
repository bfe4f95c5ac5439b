/* src/auth/pam.c — system users through PAM.
 *
 * PAM talks back through a conversation function. A mail server has no
 * terminal, so the conversation answers from what the client already
 * sent: a hidden prompt (PAM_PROMPT_ECHO_OFF) gets the password, a visible
 * one (PAM_PROMPT_ECHO_ON) the user name. The name is passed to pam_start,
 * so modules rarely ask for it; answering a visible prompt with the
 * password would put the password where modules log user names. Messages
 * (PAM_TEXT_INFO, PAM_ERROR_MSG) are dropped; anything else ends the
 * conversation with PAM_CONV_ERR. Answers are malloc'ed because PAM frees
 * them.
 *
 * Account management runs after authentication so that expired or locked
 * accounts are refused even with the right password. The name PAM settles
 * on (PAM_USER) is the one looked up and served: a module may map it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <security/pam_appl.h>

#include "auth/pam.h"

struct pam_conv_data {
	const char *name;
	const char *password;
};

static char errbuf[512];

static void
free_responses(struct pam_response *resp, int n)
{
	for (int i = 0; i < n; i++)
		if (resp[i].resp != NULL) {
			explicit_bzero(resp[i].resp, strlen(resp[i].resp));
			free(resp[i].resp);
		}
	free(resp);
}

/* Linux-PAM passes msg as an array of pointers, one per message. */
static int
conversation(int num_msg, const struct pam_message **msg,
	     struct pam_response **resp_r, void *appdata)
{
	const struct pam_conv_data *data = appdata;
	struct pam_response *resp;
	const char *answer;

	if (num_msg <= 0 || num_msg > PAM_MAX_NUM_MSG)
		return PAM_CONV_ERR;
	resp = calloc((size_t)num_msg, sizeof(*resp));
	if (resp == NULL)
		return PAM_BUF_ERR;
	for (int i = 0; i < num_msg; i++) {
		switch (msg[i]->msg_style) {
		case PAM_PROMPT_ECHO_OFF:
			answer = data->password;
			break;
		case PAM_PROMPT_ECHO_ON:
			answer = data->name;
			break;
		case PAM_TEXT_INFO:
		case PAM_ERROR_MSG:
			continue;
		default:
			free_responses(resp, num_msg);
			return PAM_CONV_ERR;
		}
		resp[i].resp = strdup(answer);
		if (resp[i].resp == NULL) {
			free_responses(resp, num_msg);
			return PAM_BUF_ERR;
		}
	}
	*resp_r = resp;
	return PAM_SUCCESS;
}

/* Codes that say "this user may not log in" rather than "PAM is broken". */
static int
pam_refusal(int rc)
{
	switch (rc) {
	case PAM_AUTH_ERR:
	case PAM_USER_UNKNOWN:
	case PAM_MAXTRIES:
	case PAM_ACCT_EXPIRED:
	case PAM_NEW_AUTHTOK_REQD:
	case PAM_AUTHTOK_EXPIRED:
	case PAM_PERM_DENIED:
		return 1;
	default:
		return 0;
	}
}

static int
name_ok(const char *name)
{
	if (name[0] == '\0' || strlen(name) >= AUTH_NAME_MAX)
		return 0;
	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return 0;
	return 1;
}

/* After PAM said yes: the user to serve is the one PAM settled on. */
static enum auth_result
pam_user(pam_handle_t *h, const char *service, struct auth_user *user,
	 const char **err_r)
{
	const void *item = NULL;
	int rc = pam_get_item(h, PAM_USER, &item);

	if (rc != PAM_SUCCESS || item == NULL) {
		snprintf(errbuf, sizeof(errbuf), "pam(%s): no PAM_USER: %s",
			 service, pam_strerror(h, rc));
		*err_r = errbuf;
		return AUTH_ERROR;
	}
	if (auth_user_lookup(item, user) < 0) {
		snprintf(errbuf, sizeof(errbuf), "pam(%s): user %.*s has no "
			 "usable passwd entry (missing, or home not absolute)",
			 service, AUTH_NAME_MAX, (const char *)item);
		*err_r = errbuf;
		return AUTH_ERROR;
	}
	return AUTH_OK;
}

/* Runs the PAM steps; *rc_r gets the last PAM code, for pam_end. */
static enum auth_result
pam_run(pam_handle_t *h, const char *service, const char *rhost,
	struct auth_user *user, int *rc_r, const char **err_r)
{
	int rc = PAM_SUCCESS;

	if (rhost != NULL)
		rc = pam_set_item(h, PAM_RHOST, rhost);
	if (rc == PAM_SUCCESS)
		rc = pam_authenticate(h, PAM_DISALLOW_NULL_AUTHTOK);
	if (rc == PAM_SUCCESS)
		rc = pam_acct_mgmt(h, PAM_DISALLOW_NULL_AUTHTOK);
	*rc_r = rc;
	if (rc == PAM_SUCCESS)
		return pam_user(h, service, user, err_r);
	snprintf(errbuf, sizeof(errbuf), "pam(%s): %s", service,
		 pam_strerror(h, rc));
	*err_r = errbuf;
	return pam_refusal(rc) ? AUTH_FAILED : AUTH_ERROR;
}

enum auth_result
pam_check(const char *service, const char *name, const char *password,
	  const char *rhost, struct auth_user *user, const char **err_r)
{
	struct pam_conv_data data = { name, password };
	struct pam_conv conv = { conversation, &data };
	struct auth_user found;
	enum auth_result res;
	pam_handle_t *h = NULL;
	int rc;

	/* An empty name would make PAM prompt for one. */
	if (!name_ok(name) || password[0] == '\0') {
		*err_r = "empty or invalid user name, or empty password";
		return AUTH_FAILED;
	}
	rc = pam_start(service, name, &conv, &h);
	if (rc != PAM_SUCCESS) {
		snprintf(errbuf, sizeof(errbuf), "pam_start(%s): %s", service,
			 pam_strerror(h, rc));
		*err_r = errbuf;
		if (h != NULL)
			pam_end(h, rc);
		return AUTH_ERROR;
	}
	res = pam_run(h, service, rhost, &found, &rc, err_r);
	pam_end(h, rc);
	/* A failure is counted per address by the caller (cmd_login.c). */
	if (res == AUTH_OK)
		*user = found;
	return res;
}
