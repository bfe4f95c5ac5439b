/* src/imap/cmd_search.c — SEARCH and UID SEARCH (RFC 3501 6.4.4). Not built yet:
 * each answers NO [UNAVAILABLE] until its handler lands. */
#include "imap/command.h"

void
cmd_search(struct session *s, const struct command *cmd)
{
	cmd_unavailable(s, cmd);
}
