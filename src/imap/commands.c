/* src/imap/commands.c — the command table: name, handler, states.
 *
 * The mailbox commands of RFC 3501 6.3 and 6.4 are listed so that they
 * get an honest NO in the right states instead of "unknown command";
 * they come to life with the Maildir store. */
#include <string.h>

#include "imap/command.h"
#include "imap/response.h"

static const struct command_def commands[] = {
	/* name           handler            states */
	{ "CAPABILITY",   cmd_capability,    ST_ANY },
	{ "NOOP",         cmd_noop,          ST_ANY },
	{ "LOGOUT",       cmd_logout,        ST_ANY },
	{ "ID",           cmd_id,            ST_ANY },
	{ "STARTTLS",     cmd_starttls,      ST_NOT_AUTH },
	{ "LOGIN",        cmd_login,         ST_NOT_AUTH },
	{ "AUTHENTICATE", cmd_authenticate,  ST_NOT_AUTH },
	{ "SELECT",       cmd_unavailable,   ST_AUTHED },
	{ "EXAMINE",      cmd_unavailable,   ST_AUTHED },
	{ "CREATE",       cmd_unavailable,   ST_AUTHED },
	{ "DELETE",       cmd_unavailable,   ST_AUTHED },
	{ "RENAME",       cmd_unavailable,   ST_AUTHED },
	{ "SUBSCRIBE",    cmd_unavailable,   ST_AUTHED },
	{ "UNSUBSCRIBE",  cmd_unavailable,   ST_AUTHED },
	{ "LIST",         cmd_unavailable,   ST_AUTHED },
	{ "LSUB",         cmd_unavailable,   ST_AUTHED },
	{ "STATUS",       cmd_unavailable,   ST_AUTHED },
	{ "APPEND",       cmd_unavailable,   ST_AUTHED },
	{ "CHECK",        cmd_unavailable,   ST_SELECTED },
	{ "CLOSE",        cmd_unavailable,   ST_SELECTED },
	{ "EXPUNGE",      cmd_unavailable,   ST_SELECTED },
	{ "SEARCH",       cmd_unavailable,   ST_SELECTED },
	{ "FETCH",        cmd_unavailable,   ST_SELECTED },
	{ "STORE",        cmd_unavailable,   ST_SELECTED },
	{ "COPY",         cmd_unavailable,   ST_SELECTED },
	{ "UID",          cmd_unavailable,   ST_SELECTED },
};

const struct command_def *
command_lookup(const char *name)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

void
cmd_unavailable(struct session *s, const struct command *cmd)
{
	resp_tagged(s->stream, cmd->tag, "NO", "[UNAVAILABLE] %s: mailbox "
		    "access is not part of this build of skua yet", cmd->name);
}
