/* include/imap/append_utf8.h — RFC 6855 4 for APPEND: the "UTF8" data
 * extension that carries a message with UTF-8 header fields, and the
 * rule for messages with 8-bit headers from a client that did not
 * enable UTF-8.
 *
 *     utf8-literal = "UTF8" SP "(" literal8 ")"
 *     append-data  =/ utf8-literal
 *
 * "If an IMAP server supports UTF8=ACCEPT and the IMAP client has not
 * issued the ENABLE UTF8=ACCEPT command, the server MUST reject, with a
 * NO response, an APPEND command that includes any 8-bit character in
 * message header fields." The UTF8 form itself is only grammar: before
 * ENABLE it is taken like any literal8 and the same rule judges its
 * header. (IMAP4rev2 has message headers in UTF-8 too, RFC 9051
 * Appendix E item 16, so ENABLE IMAP4rev2 lifts the rule as well.) */
#ifndef SKUA_IMAP_APPEND_UTF8_H
#define SKUA_IMAP_APPEND_UTF8_H

#include <stddef.h>
#include <sys/types.h>

#include "imap/command.h"

/* When args (n of them) start with "UTF8" and a list, returns the
 * literal the list holds and sets *used_r to 2; *err_r is set and NULL
 * returned when that list is not exactly one literal8 ~{n}. Returns NULL
 * with *used_r 0 for anything else. */
const struct arg *append_utf8_literal(const struct arg *args, size_t n,
				      size_t *used_r, const char **err_r);

/* 1 when the header of the message in lit (in memory, or sunk at offset
 * in the session's literal file) has a byte with the high bit set, 0
 * when not or when the file cannot be read (the write that follows
 * reports that). Reads at most up to the blank line that ends the
 * header. */
int  append_header_8bit(struct session *s, const struct arg *lit,
			off_t offset);

/* 1 when messages with 8-bit header fields are refused on s now: the
 * session has enabled neither UTF8=ACCEPT nor IMAP4rev2. */
int  append_8bit_refused(const struct session *s);

#endif
