/* include/imap/fetch.h — FETCH items outside the FETCH command, for
 * NOTIFY's MessageNew (RFC 5465 5.2): the same items, the same responses,
 * no tagged reply. Implemented in src/imap/cmd_fetch.c. */
#ifndef SKUA_IMAP_FETCH_H
#define SKUA_IMAP_FETCH_H

#include <stdint.h>

#include "imap/command.h"

/* Checks a fetch-att list (or one fetch-att, or a macro) as FETCH reads
 * it. Returns 0, or -1 with *err_r fit for BAD. */
int  fetch_items_check(struct session *s, const struct arg *items,
		       const char **err_r);
/* Writes the untagged FETCH responses of the selected mailbox's messages
 * lo..hi (sequence numbers) with items, plus MODSEQ once CONDSTORE is on
 * (RFC 7162 3.1.4.2: every unsolicited FETCH). Messages expunged
 * meanwhile are skipped. Returns 0, or -1 when the client is gone. */
int  fetch_untagged(struct session *s, const struct arg *items, uint32_t lo,
		    uint32_t hi);

#endif
