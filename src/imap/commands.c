/* src/imap/commands.c — the command table: name, handler, states and
 * flags, one line per command of RFC 3501; and the UID prefix, which
 * runs the same handlers on UIDs (RFC 3501 6.4.8). */
#include <ctype.h>
#include <string.h>

#include "imap/command.h"
#include "imap/context.h"
#include "imap/response.h"

static const struct command_def commands[] = {
	/* name           handler            states        flags */
	{ "CAPABILITY",   cmd_capability,    ST_ANY,       0 },
	{ "NOOP",         cmd_noop,          ST_ANY,       0 },
	{ "LOGOUT",       cmd_logout,        ST_ANY,       0 },
	{ "ID",           cmd_id,            ST_ANY,       0 },
	{ "STARTTLS",     cmd_starttls,      ST_NOT_AUTH,  0 },
	{ "LOGIN",        cmd_login,         ST_NOT_AUTH,  0 },
	{ "AUTHENTICATE", cmd_authenticate,  ST_NOT_AUTH,  0 },
	{ "SELECT",       cmd_select,        ST_AUTHED,    0 },
	{ "EXAMINE",      cmd_examine,       ST_AUTHED,    0 },
	{ "CREATE",       cmd_create,        ST_AUTHED,    0 },
	{ "DELETE",       cmd_delete,        ST_AUTHED,    0 },
	{ "RENAME",       cmd_rename,        ST_AUTHED,    0 },
	{ "SUBSCRIBE",    cmd_subscribe,     ST_AUTHED,    0 },
	{ "UNSUBSCRIBE",  cmd_unsubscribe,   ST_AUTHED,    0 },
	{ "LIST",         cmd_list,          ST_AUTHED,    0 },
	{ "LSUB",         cmd_lsub,          ST_AUTHED,    0 },
	{ "NAMESPACE",    cmd_namespace,     ST_AUTHED,    0 },
	{ "STATUS",       cmd_status,        ST_AUTHED,    0 },
	{ "APPEND",       cmd_append,        ST_AUTHED,    0 },
	{ "IDLE",         cmd_idle,          ST_AUTHED,    0 },
	{ "COMPRESS",     cmd_compress,      ST_AUTHED,    0 },
	{ "ENABLE",       cmd_enable,        ST_AUTHED,    0 },
	{ "NOTIFY",       cmd_notify,        ST_AUTHED,    0 },
	{ "GETQUOTA",     cmd_getquota,      ST_AUTHED,    0 },
	{ "GETQUOTAROOT", cmd_getquotaroot,  ST_AUTHED,    0 },
	{ "SETQUOTA",     cmd_setquota,      ST_AUTHED,    0 },
	{ "GENURLAUTH",   cmd_genurlauth,    ST_AUTHED,    0 },
	{ "RESETKEY",     cmd_resetkey,      ST_AUTHED,    0 },
	{ "URLFETCH",     cmd_urlfetch,      ST_AUTHED,    0 },
	{ "CHECK",        cmd_check,         ST_SELECTED,  0 },
	{ "CLOSE",        cmd_close,         ST_SELECTED,  0 },
	{ "UNSELECT",     cmd_unselect,      ST_SELECTED,  0 },
	{ "EXPUNGE",      cmd_expunge,       ST_SELECTED,  CMD_UID_FORM },
	{ "SEARCH",       cmd_search,        ST_SELECTED,  CMD_NO_EXPUNGE | CMD_UID_FORM },
	{ "SORT",         cmd_sort,          ST_SELECTED,  CMD_NO_EXPUNGE | CMD_UID_FORM },
	{ "THREAD",       cmd_thread,        ST_SELECTED,  CMD_NO_EXPUNGE | CMD_UID_FORM },
	{ "CANCELUPDATE", cmd_cancelupdate,  ST_SELECTED,  0 },
	{ "FETCH",        cmd_fetch,         ST_SELECTED,  CMD_NO_EXPUNGE | CMD_UID_FORM },
	{ "STORE",        cmd_store,         ST_SELECTED,  CMD_NO_EXPUNGE | CMD_UID_FORM },
	{ "COPY",         cmd_copy,          ST_SELECTED,  CMD_UID_FORM },
	{ "MOVE",         cmd_move,          ST_SELECTED,  CMD_UID_FORM },
	{ "REPLACE",      cmd_replace,       ST_SELECTED,  CMD_UID_FORM },
	{ "UID",          cmd_uid,           ST_SELECTED,  CMD_NO_EXPUNGE },
};

const struct command_def *
command_lookup(const char *name)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

/* UID FETCH, UID STORE, UID COPY, UID SEARCH (RFC 3501 6.4.8): the
 * same handlers, told to read and answer UIDs. */
void
cmd_uid(struct session *s, const struct command *cmd)
{
	const struct command_def *def;
	struct command sub;
	char name[16];
	size_t i;

	if (cmd->nargs < 1 || cmd->args[0].type != ARG_ATOM ||
	    cmd->args[0].len >= sizeof(name)) {
		resp_tagged(s->stream, cmd->tag, "BAD", "UID wants FETCH, "
			    "STORE, COPY or SEARCH");
		return;
	}
	for (i = 0; i < cmd->args[0].len; i++)
		name[i] = (char)toupper(cmd->args[0].data[i]);
	name[i] = '\0';
	def = command_lookup(name);
	if (def == NULL || !(def->flags & CMD_UID_FORM)) {
		resp_tagged(s->stream, cmd->tag, "BAD", "UID %s is not a "
			    "command", name);
		return;
	}
	sub = *cmd;
	sub.name = arena_strdup(s->arena, name);
	sub.args = cmd->args + 1;
	sub.nargs = cmd->nargs - 1;
	s->uid_command = 1;
	s->cmd_flags = def->flags;
	def->fn(s, &sub);
	s->uid_command = 0;
}

int
command_has_args(struct session *s, const struct command *cmd)
{
	if (cmd->nargs == 0)
		return 0;
	resp_tagged(s->stream, cmd->tag, "BAD", "%s takes no arguments",
		    cmd->name);
	return 1;
}
