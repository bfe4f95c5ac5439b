/* src/imap/cmd_copy.c — COPY and UID COPY (RFC 3501 6.4.7). Not built yet:
 * each answers NO [UNAVAILABLE] until its handler lands. */
#include "imap/command.h"

void
cmd_copy(struct session *s, const struct command *cmd)
{
	cmd_unavailable(s, cmd);
}
