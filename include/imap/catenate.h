/* include/imap/catenate.h — APPEND's CATENATE (RFC 4469): a message
 * made of TEXT literals and the data of IMAP URLs, in APPEND, in each
 * message of a MULTIAPPEND (RFC 4469 1) and in REPLACE (RFC 8508 4.2).
 *
 *     append-data =/ "CATENATE" SP "(" cat-part *(SP cat-part) ")"
 *     cat-part    = "TEXT" SP literal / "URL" SP astring
 *     cat-part    =/ "UTF8" SP "(" literal8 ")"         ; RFC 6855 4
 *
 * cmd_append.c finds the parts with catenate_args and has them written
 * into the message's tmp/ file with catenate_write; committing it is
 * APPEND's own business (quota, APPENDUID, all-or-nothing). */
#ifndef SKUA_IMAP_CATENATE_H
#define SKUA_IMAP_CATENATE_H

#include <stdint.h>
#include <sys/types.h>

#include "imap/command.h"

/* catenate_write's refusals: *err_r is the text after "NO" or "BAD",
 * response code first ("[BADURL url] Message not found"). */
#define CATENATE_NO  -20
#define CATENATE_BAD -21

/* Looks at args[0..n): 1 when they start with the atom CATENATE and a
 * well-formed part list (*list_r set), 0 when they do not start with
 * the atom, -1 with *err_r (for BAD) when the list is malformed. */
int   catenate_args(const struct arg *args, size_t n,
		    const struct arg **list_r, const char **err_r);

/* The bytes list's literals take in the session's literal file (the
 * sunk ones, imap/command.h session_literal_fd). */
off_t catenate_sunk(const struct arg *list);

/* Writes the message into fd: each TEXT literal as it came (from
 * memory, or from the session's literal file, where the list's first
 * sunk literal is at offset), each URL's data as urlpart_fetch gives
 * it. The whole may not exceed SESSION_APPEND_LIMIT (NO [TOOBIG], RFC
 * 4469 4.2, RFC 7889). A TEXT {n} literal holding a NUL is BAD: RFC
 * 4469 5 makes it a literal, whose CHAR8 excludes NUL (RFC 3501 9); a
 * literal8 ~{n} may hold NULs (RFC 3516 4.4); a UTF8 part is its
 * literal8. Until the session enables UTF8=ACCEPT (or IMAP4rev2) the
 * client's parts may put no 8-bit byte into the header (RFC 6855 4:
 * NO); what a URL copies is mail already here, like COPY's. Returns
 * 0 with *size_r,
 * FOLDER_OVERQUOTA when the disk is full, CATENATE_NO, CATENATE_BAD or
 * -1, with *err_r. Whatever fails, fd's file is the caller's to drop. */
int   catenate_write(struct session *s, const struct arg *list,
		     off_t offset, int fd, uint64_t *size_r,
		     const char **err_r);

#endif
