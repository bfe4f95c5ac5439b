/* src/imap/cmd_append.c — APPEND (RFC 3501 6.3.11). Not built yet:
 * each answers NO [UNAVAILABLE] until its handler lands. */
#include "imap/command.h"

void
cmd_append(struct session *s, const struct command *cmd)
{
	cmd_unavailable(s, cmd);
}
