/* src/imap/cmd_idle.c — IDLE (RFC 2177). Not built yet:
 * each answers NO [UNAVAILABLE] until its handler lands. */
#include "imap/command.h"

void
cmd_idle(struct session *s, const struct command *cmd)
{
	cmd_unavailable(s, cmd);
}
