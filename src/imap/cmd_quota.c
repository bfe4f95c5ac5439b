/* src/imap/cmd_quota.c — GETQUOTA, GETQUOTAROOT and SETQUOTA (RFC 9208
 * 4.1.1-4.1.3) over the Maildir++ quota of store/quota.h.
 *
 * The user's Maildir has one maildirsize, so every mailbox shares one
 * quota root. It is named "User quota", as in Dovecot's customary
 * "quota = maildir:User quota": a client moving between the two servers
 * sees the same root (RFC 9208 3.2: the name is opaque to clients).
 *
 * Resources (RFC 9208 5): STORAGE is the byte limit of maildirsize in
 * units of 1024 octets (5.1), the usage rounded down as Dovecot does;
 * MESSAGE is the message count (5.2). Only limited resources are listed:
 * "Resources not named in the list are not limited in the quota root.
 * Thus, an empty list means there are no administrative resource limits
 * in the quota root." (4.2.1). Without a maildirsize there is no quota:
 * the root is still reported, with an empty list, so that a client can
 * learn its name.
 *
 * SETQUOTA lets a user change their own limits, so it is refused with
 * NO [NOPERM] unless the admin allows it (quota_set = yes; then the
 * QUOTASET capability is advertised, 4.1.3). Maildir++ writes "no limit"
 * as 0 and cannot say "nothing at all" (RFC 9208 3.1.2: "0 indicates
 * that any usage is prohibited"); a zero limit is therefore refused
 * ("A client MUST be prepared for a SETQUOTA command to fail if a limit
 * cannot be set", 3.2). */
#include <inttypes.h>
#include <string.h>
#include <strings.h>

#include "imap/command.h"
#include "imap/mailstore.h"
#include "imap/mboxwire.h"
#include "imap/response.h"
#include "store/mailboxes.h"
#include "store/quota.h"
#include "util/log.h"

#define QUOTA_ROOT_NAME "User quota"

/* The bytes of an astring argument, or NULL (a list, a NUL inside). */
static const char *
astring(const struct arg *a)
{
	if (a->type == ARG_LIST || (a->type == ARG_LITERAL && a->sunk) ||
	    memchr(a->data, '\0', a->len) != NULL)
		return NULL;
	return (const char *)a->data;
}

/* Writes "* QUOTA "User quota" (...)" for u. */
static void
put_quota(struct session *s, const struct quota_usage *u)
{
	const char *sep = "";

	stream_puts(s->stream, "* QUOTA ");
	resp_string(s->stream, QUOTA_ROOT_NAME, strlen(QUOTA_ROOT_NAME));
	stream_puts(s->stream, " (");
	if (u->limit_bytes > 0) {
		stream_printf(s->stream, "STORAGE %" PRId64 " %" PRId64,
			      (u->bytes > 0 ? u->bytes : 0) / 1024,
			      u->limit_bytes / 1024);
		sep = " ";
	}
	if (u->limit_messages > 0)
		stream_printf(s->stream, "%sMESSAGE %" PRId64 " %" PRId64, sep,
			      u->messages > 0 ? u->messages : 0,
			      u->limit_messages);
	stream_puts(s->stream, ")\r\n");
}

/* Reads the quota. Returns 0, or -1 after answering NO [SERVERBUG]. */
static int
get_usage(struct session *s, const struct command *cmd,
	  struct quota_usage *u)
{
	const char *err = "";

	if (quota_get(s->maildir, u, &err) >= 0)
		return 0;
	log_error("%s: user=%s: %s", cmd->name, s->user.name, err);
	resp_tagged(s->stream, cmd->tag, "NO", "[SERVERBUG] Internal error "
		    "occurred. Refer to server log for more information.");
	return -1;
}

/* 1 when name is our quota root, else answers NO and returns 0. */
static int
known_root(struct session *s, const struct command *cmd, const char *name)
{
	if (strcmp(name, QUOTA_ROOT_NAME) == 0)
		return 1;
	resp_tagged(s->stream, cmd->tag, "NO", "[NONEXISTENT] Quota root "
		    "doesn't exist.");
	return 0;
}

void
cmd_getquota(struct session *s, const struct command *cmd)
{
	struct quota_usage u;
	const char *root;

	if (cmd->nargs != 1 || (root = astring(&cmd->args[0])) == NULL) {
		resp_tagged(s->stream, cmd->tag, "BAD", "GETQUOTA wants a "
			    "quota root name");
		return;
	}
	if (!known_root(s, cmd, root) || get_usage(s, cmd, &u) < 0)
		return;
	put_quota(s, &u);
	session_ok(s, cmd, "Getquota completed.");
}

/* The mailbox name as the client gave it, quoted when it must be (in
 * UTF-8 once the session enabled it, RFC 6855 3). */
static void
put_mailbox(struct session *s, const char *name)
{
	mboxwire_put_name(s, name);
}

void
cmd_getquotaroot(struct session *s, const struct command *cmd)
{
	struct mailboxes *mb = mailstore_mailboxes(s->store);
	char dir[NAMES_DIR_MAX + 1];
	struct quota_usage u;
	struct mbox_err merr;
	const char *name;
	unsigned attrs = 0;

	if (cmd->nargs != 1 || (name = astring(&cmd->args[0])) == NULL) {
		resp_tagged(s->stream, cmd->tag, "BAD", "GETQUOTAROOT wants a "
			    "mailbox name");
		return;
	}
	/* RFC 9208 4.1.2: "the mailbox name parameter doesn't have to
	 * reference an existing mailbox"; a name that can never be one
	 * is refused all the same. */
	if (mailboxes_lookup(mb, name, dir, sizeof(dir), &attrs, &merr) < 0 &&
	    merr.code != MBOX_ERR_NONEXISTENT) {
		if (merr.code == MBOX_ERR_SERVER) {
			log_error("getquotaroot: user=%s mailbox=%s: %s",
				  s->user.name, name, merr.text);
			resp_tagged(s->stream, cmd->tag, "NO", "[SERVERBUG] "
				    "Internal error occurred. Refer to server "
				    "log for more information.");
		} else {
			resp_tagged(s->stream, cmd->tag, "NO", "[CANNOT] %s",
				    merr.text);
		}
		return;
	}
	if (get_usage(s, cmd, &u) < 0)
		return;
	stream_puts(s->stream, "* QUOTAROOT ");
	put_mailbox(s, strcasecmp(name, "INBOX") == 0 ? "INBOX" : name);
	stream_puts(s->stream, " ");
	resp_string(s->stream, QUOTA_ROOT_NAME, strlen(QUOTA_ROOT_NAME));
	stream_puts(s->stream, "\r\n");
	put_quota(s, &u);
	session_ok(s, cmd, "Getquotaroot completed.");
}

/* Reads a number64 (RFC 9051 9: 0 to 2^63-1). Returns 0, or -1. */
static int
number64(const struct arg *a, int64_t *v_r)
{
	int64_t v = 0;

	if (a->type != ARG_ATOM || a->len == 0 || a->len > 19)
		return -1;
	for (size_t i = 0; i < a->len; i++) {
		int d = a->data[i] - '0';

		if (d < 0 || d > 9 || v > (INT64_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*v_r = v;
	return 0;
}

/* Reads setquota-list into byte and message limits (0: none). Returns
 * 0, -1 for BAD with *err_r, or -2 for NO with *err_r. */
static int
setquota_list(const struct arg *l, int64_t *bytes_r, int64_t *messages_r,
	      const char **err_r)
{
	int seen_bytes = 0, seen_messages = 0;

	*bytes_r = *messages_r = 0;
	*err_r = "Invalid arguments";
	if (l->type != ARG_LIST || l->count % 2 != 0)
		return -1;
	for (size_t i = 0; i < l->count; i += 2) {
		const struct arg *name = &l->list[i];
		int64_t v;

		if (name->type != ARG_ATOM || number64(&l->list[i + 1], &v) < 0)
			return -1;
		if (strcasecmp((const char *)name->data, "STORAGE") == 0 &&
		    !seen_bytes) {
			seen_bytes = 1;
			if (v > INT64_MAX / 1024) {
				*err_r = "STORAGE limit too large";
				return -2;
			}
			*bytes_r = v * 1024;
		} else if (strcasecmp((const char *)name->data, "MESSAGE") ==
			   0 && !seen_messages) {
			seen_messages = 1;
			*messages_r = v;
		} else if (seen_bytes || seen_messages) {
			*err_r = "Resource named twice";
			return -1;
		} else {
			*err_r = "Unknown resource: only STORAGE and MESSAGE "
				 "can be limited";
			return -2;
		}
		if (v == 0) {
			*err_r = "A zero limit cannot be set: the Maildir++ "
				 "quota knows no such limit";
			return -2;
		}
	}
	return 0;
}

void
cmd_setquota(struct session *s, const struct command *cmd)
{
	int64_t bytes, messages;
	struct quota_usage u;
	const char *root, *err = "";
	int r;

	if (cmd->nargs != 2 || (root = astring(&cmd->args[0])) == NULL) {
		resp_tagged(s->stream, cmd->tag, "BAD", "SETQUOTA wants a "
			    "quota root name and a list of resource limits");
		return;
	}
	r = setquota_list(&cmd->args[1], &bytes, &messages, &err);
	if (r == -1) {
		resp_tagged(s->stream, cmd->tag, "BAD", "%s", err);
		return;
	}
	if (!s->config->quota_set_allowed) {
		resp_tagged(s->stream, cmd->tag, "NO", "[NOPERM] Quota can be "
			    "changed only by the administrator.");
		return;
	}
	if (!known_root(s, cmd, root))
		return;
	if (r == -2) {
		resp_tagged(s->stream, cmd->tag, "NO", "[CANNOT] %s", err);
		return;
	}
	if (quota_set_limits(s->maildir, bytes, messages, &err) < 0) {
		log_error("setquota: user=%s: %s", s->user.name, err);
		resp_tagged(s->stream, cmd->tag, "NO", "[SERVERBUG] Internal "
			    "error occurred. Refer to server log for more "
			    "information.");
		return;
	}
	log_info("setquota: user=%s limits=%" PRId64 "S,%" PRId64 "C",
		 s->user.name, bytes, messages);
	/* RFC 9208 4.1.3's example answers with the new QUOTA. */
	if (get_usage(s, cmd, &u) < 0)
		return;
	put_quota(s, &u);
	session_ok(s, cmd, "Setquota completed.");
}
