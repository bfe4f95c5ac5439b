/* src/imap/limits.c — the parser limits of a session (see
 * include/imap/limits.h). */
#include "imap/command.h"
#include "imap/limits.h"

/* Limits before login are tiny: everything a client may say then is a
 * user name, a password or an ID, and the process is still root. */
const struct parser_limits imap_limits_preauth = {
	.max_line = 8192,
	.max_literal = 8192,
	.max_literals_total = 16384,
	.max_skip = 65536,
	.max_args = 64,
	.max_depth = 4,
	.literal_plus = 1,
};

/* max_sunk_literal bounds APPEND's message, which goes to a file, not to
 * memory; APPENDLIMIT (RFC 7889) announces it. */
const struct parser_limits imap_limits_authed = {
	.max_line = 65536,
	.max_literal = 1024 * 1024,
	.max_sunk_literal = SESSION_APPEND_LIMIT,
	.max_literals_total = 2 * 1024 * 1024,
	.max_skip = 1024 * 1024,
	.max_args = 10000,
	.max_depth = 32,
	.literal_plus = 1,
	.binary = 1,            /* APPEND's ~{n} (RFC 3516 4.4) */
};
