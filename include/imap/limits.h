/* include/imap/limits.h — the parser limits a session applies before and
 * after login, in one place so that the parser's fuzzer
 * (tests/fuzz/fuzz_parser.c) runs under exactly the server's limits. */
#ifndef SKUA_IMAP_LIMITS_H
#define SKUA_IMAP_LIMITS_H

#include "imap/parser.h"

/* Before login: a user name, a password or an ID is all a client may
 * say, and the process is still root. */
extern const struct parser_limits imap_limits_preauth;

/* After login; max_sunk_literal is APPENDLIMIT (RFC 7889). */
extern const struct parser_limits imap_limits_authed;

#endif
