/* src/imap/cmd_store.c — STORE and UID STORE (RFC 3501 6.4.6). Not built yet:
 * each answers NO [UNAVAILABLE] until its handler lands. */
#include "imap/command.h"

void
cmd_store(struct session *s, const struct command *cmd)
{
	cmd_unavailable(s, cmd);
}
