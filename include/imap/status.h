/* include/imap/status.h — the STATUS items (RFC 3501 6.3.10; SIZE, RFC
 * 8438; APPENDLIMIT, RFC 7889), shared by STATUS and by LIST's RETURN
 * (STATUS (...)) (LIST-STATUS, RFC 5819).
 *
 * The items are one table in src/imap/status.c: a name and a function
 * that writes the value. A new item (MAILBOXID, HIGHESTMODSEQ, ...) is
 * one line there and one function; the answer lists items in the
 * table's order, whatever the order asked. */
#ifndef SKUA_IMAP_STATUS_H
#define SKUA_IMAP_STATUS_H

#include <stdint.h>

#include "imap/command.h"

/* A set of items: bit i is the table's item i. */
typedef uint32_t status_mask;

/* Reads the parenthesised item list a into *mask_r. Returns 0, or -1
 * after answering "tag BAD ..." (an empty list, or an item that is not
 * one of the table's atoms). */
int  status_parse(struct session *s, const struct command *cmd,
		  const struct arg *a, status_mask *mask_r);
/* Writes "* STATUS name (item value ...)" for the folder dir ("" for
 * INBOX) of the session's tree, opened read-only. Returns 0, or -1 or
 * FOLDER_INUSE (store/folder.h) with *err_r (nothing written). */
int  status_write(struct session *s, const char *name, const char *dir,
		  status_mask mask, const char **err_r);

#endif
