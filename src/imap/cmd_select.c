/* src/imap/cmd_select.c — SELECT, EXAMINE, CLOSE, CHECK, EXPUNGE (RFC 3501 6.3.1, 6.3.2, 6.4.1-6.4.3). Not built yet:
 * each answers NO [UNAVAILABLE] until its handler lands. */
#include "imap/command.h"

void
cmd_select(struct session *s, const struct command *cmd)
{
	cmd_unavailable(s, cmd);
}

void
cmd_examine(struct session *s, const struct command *cmd)
{
	cmd_unavailable(s, cmd);
}

void
cmd_close(struct session *s, const struct command *cmd)
{
	cmd_unavailable(s, cmd);
}

void
cmd_check(struct session *s, const struct command *cmd)
{
	cmd_unavailable(s, cmd);
}

void
cmd_expunge(struct session *s, const struct command *cmd)
{
	cmd_unavailable(s, cmd);
}
