/* src/imap/cmd_mailbox.c — CREATE, DELETE, RENAME, SUBSCRIBE, UNSUBSCRIBE, LIST, LSUB, STATUS (RFC 3501 6.3.3-6.3.10). Not built yet:
 * each answers NO [UNAVAILABLE] until its handler lands. */
#include "imap/command.h"

void
cmd_create(struct session *s, const struct command *cmd)
{
	cmd_unavailable(s, cmd);
}

void
cmd_delete(struct session *s, const struct command *cmd)
{
	cmd_unavailable(s, cmd);
}

void
cmd_rename(struct session *s, const struct command *cmd)
{
	cmd_unavailable(s, cmd);
}

void
cmd_subscribe(struct session *s, const struct command *cmd)
{
	cmd_unavailable(s, cmd);
}

void
cmd_unsubscribe(struct session *s, const struct command *cmd)
{
	cmd_unavailable(s, cmd);
}

void
cmd_list(struct session *s, const struct command *cmd)
{
	cmd_unavailable(s, cmd);
}

void
cmd_lsub(struct session *s, const struct command *cmd)
{
	cmd_unavailable(s, cmd);
}

void
cmd_status(struct session *s, const struct command *cmd)
{
	cmd_unavailable(s, cmd);
}
