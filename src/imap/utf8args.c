/* src/imap/utf8args.c — UTF-8 in quoted strings (RFC 6855 3; see
 * include/imap/utf8args.h). The parser takes 8-bit bytes in a quoted
 * string whatever the session enabled, as Dovecot does, and leaves the
 * judgement to the session, which knows whether UTF-8 was promised. */
#include "imap/utf8args.h"
#include "store/mutf7.h"

static int
args_valid(const struct arg *a, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (a[i].type == ARG_LIST) {
			if (!args_valid(a[i].list, a[i].count))
				return 0;
		} else if (a[i].type == ARG_QUOTED &&
			   !utf8_valid((const char *)a[i].data, a[i].len)) {
			return 0;
		}
	}
	return 1;
}

int
utf8args_valid(const struct command *cmd)
{
	return args_valid(cmd->args, cmd->nargs);
}
