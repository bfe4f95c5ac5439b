/* src/imap/cmd_login.c — LOGIN and AUTHENTICATE (RFC 3501 6.2.2, 6.2.3;
 * SASL-IR, RFC 4959), and the step from root to the user.
 *
 * Both commands end in login_attempt(): check the password with the
 * configured backend, and on success drop privileges for good before
 * answering OK, so that nothing the client sends after the OK is ever
 * handled as root. On failure the answer is delayed, longer with each
 * failure, and after max_auth_failures the connection is closed: a
 * password guesser gets a few tries per connection, slowly, and each is
 * logged with the address for fail2ban. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auth/pam.h"
#include "auth/passwd_file.h"
#include "auth/privdrop.h"
#include "auth/sasl.h"
#include "imap/capability.h"
#include "imap/command.h"
#include "imap/response.h"
#include "util/childlink.h"
#include "util/clock.h"
#include "util/log.h"

static enum auth_result
check_password(struct session *s, const char *user, const char *password,
	       struct auth_user *u, const char **err_r)
{
	if (s->config->backend == AUTH_BACKEND_PASSWD_FILE)
		return passwd_file_check(s->config->passwd_file, user,
					 password, u, err_r);
	return pam_check(s->config->pam_service, user, password, s->peer_ip,
			 u, err_r);
}

static void
login_failed(struct session *s, const char *tag, const char *user,
	     const char *mech)
{
	long delay = s->config->auth_failure_delay;
	char word[LOG_WORD_MAX];

	s->auth_failures++;
	/* Every failure counts towards the client's address in the
	 * listener (auth_failures_per_ip), whatever refused it: the
	 * backend, or a name no backend may see (a NUL, too long). */
	childlink_auth_failed();
	/* fail2ban matches this line (etc/fail2ban/filter.d): keep it as
	 * it is, and the user name one word that cannot forge a rip=. */
	log_warn("auth failed: user=<%s> rip=%s mech=%s attempt=%d",
		 log_word(user, word, sizeof(word)), s->peer_ip, mech,
		 s->auth_failures);
	/* 1x, 2x, 4x ... the configured delay, growing with each failure. */
	for (int i = 1; i < s->auth_failures && delay < 60000; i++)
		delay *= 2;
	stream_flush(s->stream);
	sleep_ms(delay);
	resp_tagged(s->stream, tag, "NO", "[AUTHENTICATIONFAILED] "
		    "Authentication failed.");
	if (s->auth_failures >= s->config->max_auth_failures) {
		resp_untagged(s->stream, "BYE Too many failed logins");
		log_warn("disconnect: too many failed logins rip=%s",
			 s->peer_ip);
		s->closing = 1;
	}
}

static void
login_attempt(struct session *s, const char *tag, const char *user,
	      const char *password, const char *mech)
{
	struct auth_user u;
	const char *err = NULL;
	char word[LOG_WORD_MAX];
	int r;

	switch (check_password(s, user, password, &u, &err)) {
	case AUTH_FAILED:
		login_failed(s, tag, user, mech);
		return;
	case AUTH_ERROR:
		log_error("auth error: user=<%s> rip=%s: %s",
			  log_word(user, word, sizeof(word)), s->peer_ip,
			  err ? err : "unknown error");
		resp_tagged(s->stream, tag, "NO", "[UNAVAILABLE] Authentication "
			    "is not possible right now; try again later.");
		return;
	case AUTH_OK:
		break;
	}
	r = privdrop_allowed(&u, &err);
	if (r < 0) {
		log_error("login refused: user=%s rip=%s: %s",
			  log_word(u.name, word, sizeof(word)), s->peer_ip, err);
		/* RFC 5530 3: max_user_connections is a limit the user ran
		 * into (LIMIT) and goes away when a session ends; UNAVAILABLE
		 * is for a part of the server that is down or refuses to
		 * work (a backend, a uid we cannot serve). */
		resp_tagged(s->stream, tag, "NO", "[%s] %s",
			    r == PRIVDROP_TOO_MANY ? "LIMIT" : "UNAVAILABLE",
			    err);
		return;
	}
	privdrop_become(&u);
	session_logged_in(s, &u);
	session_login_done(s, tag, mech);
	resp_tagged(s->stream, tag, "OK", "[CAPABILITY %s] Logged in",
		    capability_list(s));
}

/* Answers NO and returns 0 when plaintext authentication is not allowed
 * here (RFC 3501 6.2.3, RFC 5530 PRIVACYREQUIRED). */
static int
privacy_ok(struct session *s, const struct command *cmd)
{
	if (session_plaintext_ok(s))
		return 1;
	log_info("auth refused: plaintext over an unencrypted connection "
		 "rip=%s", s->peer_ip);
	resp_tagged(s->stream, cmd->tag, "NO", "[PRIVACYREQUIRED] Plaintext "
		    "authentication is disabled on unencrypted connections; "
		    "use STARTTLS or port 993.");
	return 0;
}

static int
is_string(const struct arg *a)
{
	/* An astring: a bare NIL is the atom "NIL" here (a user may be
	 * called that), and the parser keeps its text. */
	return a->type == ARG_ATOM || a->type == ARG_QUOTED ||
	       a->type == ARG_LITERAL || a->type == ARG_NIL;
}

/* A user name or password with a NUL in it would be cut short by every C
 * interface below: refuse it rather than check a different string. */
static int
has_nul(const struct arg *a)
{
	return memchr(a->data, '\0', a->len) != NULL;
}

void
cmd_login(struct session *s, const struct command *cmd)
{
	if (cmd->nargs != 2 || !is_string(&cmd->args[0]) ||
	    !is_string(&cmd->args[1])) {
		resp_tagged(s->stream, cmd->tag, "BAD", "LOGIN wants a user "
			    "name and a password");
		return;
	}
	if (!privacy_ok(s, cmd))
		return;
	if (has_nul(&cmd->args[0]) || has_nul(&cmd->args[1]) ||
	    cmd->args[0].len >= AUTH_NAME_MAX) {
		login_failed(s, cmd->tag, "(invalid)", "LOGIN");
		return;
	}
	login_attempt(s, cmd->tag, (const char *)cmd->args[0].data,
		      (const char *)cmd->args[1].data, "LOGIN");
}

/* Runs the SASL exchange until it is done or fails. Returns 1 with the
 * credentials in *sasl, or 0 after answering the command. */
static int
sasl_exchange(struct session *s, const char *tag, struct sasl *sasl,
	      const char *initial)
{
	enum sasl_step step = sasl_step(sasl, initial);
	const char *line;
	size_t len;

	while (step == SASL_CONTINUE) {
		resp_continue(s->stream, sasl->challenge);
		line = session_read_line(s, &len);
		if (line == NULL)
			return 0;
		step = sasl_step(sasl, line);
	}
	if (step == SASL_DONE)
		return 1;
	/* RFC 3501 6.2.2: a cancelled or undecodable exchange is BAD. */
	resp_tagged(s->stream, tag, "BAD", "Authentication %s",
		    sasl->error ? sasl->error : "failed");
	return 0;
}

void
cmd_authenticate(struct session *s, const struct command *cmd)
{
	struct sasl sasl;
	enum sasl_mech mech;
	const char *initial = NULL;
	const char *tag = arena_strdup(s->arena, cmd->tag);
	const char *name;

	if (cmd->nargs < 1 || cmd->nargs > 2 || cmd->args[0].type != ARG_ATOM ||
	    (cmd->nargs == 2 && cmd->args[1].type != ARG_ATOM)) {
		resp_tagged(s->stream, tag, "BAD", "AUTHENTICATE wants a "
			    "mechanism and an optional initial response");
		return;
	}
	name = arena_strdup(s->arena, (const char *)cmd->args[0].data);
	if (sasl_mech_lookup(name, &mech) < 0) {
		resp_tagged(s->stream, tag, "NO", "Unsupported authentication "
			    "mechanism %.32s; this server offers PLAIN and LOGIN",
			    name);
		return;
	}
	if (!privacy_ok(s, cmd))
		return;
	if (cmd->nargs == 2)
		initial = arena_strdup(s->arena, (const char *)cmd->args[1].data);

	sasl_begin(&sasl, mech);
	if (sasl_exchange(s, tag, &sasl, initial)) {
		if (sasl.authzid[0] != '\0' &&
		    strcmp(sasl.authzid, sasl.user) != 0) {
			resp_tagged(s->stream, tag, "NO", "[AUTHORIZATIONFAILED] "
				    "Logging in as another user is not allowed");
		} else {
			login_attempt(s, tag, sasl.user, sasl.password,
				      mech == SASL_PLAIN ? "PLAIN" : "LOGIN");
		}
	}
	sasl_clear(&sasl);
}
