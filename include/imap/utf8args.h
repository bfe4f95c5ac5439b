/* include/imap/utf8args.h — the check RFC 6855 3 asks of a server once
 * the client has enabled UTF-8 (ENABLE UTF8=ACCEPT, or IMAP4rev2 whose
 * quoted strings are the same, RFC 9051 4.3): "the server MUST reject,
 * with a BAD response, any octet sequences with the high bit set that
 * fail to comply with the formal syntax requirements of UTF-8". */
#ifndef SKUA_IMAP_UTF8ARGS_H
#define SKUA_IMAP_UTF8ARGS_H

#include "imap/parser.h"

/* 1 when every quoted string of cmd, at any depth, is valid UTF-8
 * (RFC 3629), else 0. Atoms cannot hold 8-bit bytes (the parser refuses
 * them) and literals may carry any octets, so only quoted strings are
 * looked at. */
int utf8args_valid(const struct command *cmd);

/* The BAD for SEARCH CHARSET after ENABLE UTF8=ACCEPT (RFC 6855 3: the
 * client "MUST NOT issue a SEARCH command that contains a charset
 * specification", and the server SHOULD reject it with BAD). */
#define UTF8_NO_CHARSET "CHARSET is not allowed after ENABLE UTF8=ACCEPT; " \
	"search strings are UTF-8"

#endif
