/* src/imap/cmd_any.c — the commands valid in every state: CAPABILITY,
 * NOOP, LOGOUT (RFC 3501 6.1) and ID (RFC 2971). */
#include <string.h>

#include "imap/capability.h"
#include "imap/command.h"
#include "imap/response.h"
#include "util/log.h"

void
cmd_capability(struct session *s, const struct command *cmd)
{
	if (command_has_args(s, cmd))
		return;
	resp_untagged(s->stream, "CAPABILITY %s", capability_list(s));
	resp_tagged(s->stream, cmd->tag, "OK", "Capability completed.");
}

void
cmd_noop(struct session *s, const struct command *cmd)
{
	if (command_has_args(s, cmd))
		return;
	/* RFC 3501 6.1.2: NOOP is how a client polls for updates. */
	session_ok(s, cmd, "NOOP completed.");
}

void
cmd_logout(struct session *s, const struct command *cmd)
{
	if (command_has_args(s, cmd))
		return;
	resp_untagged(s->stream, "BYE Logging out");
	resp_tagged(s->stream, cmd->tag, "OK", "Logout completed.");
	s->closing = 1;
}

/* RFC 2971 3.3: at most 30 field-value pairs, fields of at most 30 octets,
 * values of at most 1024. */
static const char *
id_check(const struct arg *a)
{
	if (a->type == ARG_NIL)
		return NULL;
	if (a->type != ARG_LIST)
		return "ID wants NIL or a parenthesized list";
	if (a->count % 2 != 0)
		return "ID list must hold field-value pairs";
	if (a->count > 60)
		return "ID list holds more than 30 pairs";
	for (size_t i = 0; i < a->count; i++) {
		const struct arg *e = &a->list[i];
		int is_field = i % 2 == 0;

		if (e->type == ARG_NIL && !is_field)
			continue;
		if (e->type != ARG_QUOTED && e->type != ARG_LITERAL)
			return "ID fields and values must be strings";
		if (e->len > (is_field ? 30u : 1024u))
			return "ID field or value too long";
	}
	return NULL;
}

/* Puts the client's identification into the log, as one line of
 * printable text (the log itself masks control characters). */
static void
id_log(struct session *s, const struct arg *a)
{
	char line[512] = "";
	size_t used = 0;

	if (a->type != ARG_LIST)
		return;
	for (size_t i = 0; i + 1 < a->count && used < sizeof(line) - 1; i += 2) {
		const struct arg *v = &a->list[i + 1];
		int n = snprintf(line + used, sizeof(line) - used, "%s%.30s=%.64s",
				 used ? " " : "", (const char *)a->list[i].data,
				 v->type == ARG_NIL ? "NIL" : (const char *)v->data);
		if (n < 0)
			break;
		used += (size_t)n;
	}
	log_info("client id: %s rip=%s", line, s->peer_ip);
}

void
cmd_id(struct session *s, const struct command *cmd)
{
	const char *why;

	if (cmd->nargs != 1) {
		resp_tagged(s->stream, cmd->tag, "BAD", "ID takes one argument: "
			    "NIL or a list of field-value pairs");
		return;
	}
	if ((why = id_check(&cmd->args[0])) != NULL) {
		resp_tagged(s->stream, cmd->tag, "BAD", "%s", why);
		return;
	}
	id_log(s, &cmd->args[0]);
	resp_untagged(s->stream, "ID (\"name\" \"skua\" \"version\" \"%s\")",
		      PACKAGE_VERSION);
	resp_tagged(s->stream, cmd->tag, "OK", "ID completed.");
}
