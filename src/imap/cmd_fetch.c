/* src/imap/cmd_fetch.c — FETCH and UID FETCH (RFC 3501 6.4.5). Not built yet:
 * each answers NO [UNAVAILABLE] until its handler lands. */
#include "imap/command.h"

void
cmd_fetch(struct session *s, const struct command *cmd)
{
	cmd_unavailable(s, cmd);
}
