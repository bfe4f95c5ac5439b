/* src/imap/cmd_namespace.c — NAMESPACE (RFC 2342).
 *
 * One personal namespace: the configured namespace_prefix and
 * namespace_separator (imapd.conf(5)), ("" "/") by default, ("INBOX."
 * ".") for a site coming from Courier. There are no other users' and no
 * shared namespaces: both are NIL (RFC 2342 5). The prefix is a quoted
 * string (or a literal, were it ever to need one), and so is the
 * separator, escaped were it "\" or a quote (RFC 3501 9, QUOTED-CHAR). */
#include <string.h>

#include "imap/command.h"
#include "imap/response.h"

void
cmd_namespace(struct session *s, const struct command *cmd)
{
	const char *prefix = s->config->namespace_prefix;
	char sep = s->config->namespace_sep;

	if (command_has_args(s, cmd))
		return;
	stream_puts(s->stream, "* NAMESPACE ((");
	resp_string(s->stream, prefix, strlen(prefix));
	stream_puts(s->stream, " ");
	resp_string(s->stream, &sep, 1);
	stream_puts(s->stream, ")) NIL NIL\r\n");
	session_ok(s, cmd, "Namespace completed.");
}
