/* include/imap/listone.h — a mailbox's attributes as LIST writes them,
 * and the one LIST line IMAP4rev2's SELECT and EXAMINE must send (RFC
 * 9051 6.3.2: "The server MUST return a LIST response with the mailbox
 * name. The list of mailbox attributes MUST be accurate."). */
#ifndef SKUA_IMAP_LISTONE_H
#define SKUA_IMAP_LISTONE_H

#include "imap/command.h"

/* Writes the parenthesised attributes (MBOX_* bits, store/mailboxes.h),
 * with \Subscribed first when subscribed, in Dovecot's order. */
void listone_attrs(struct stream *out, unsigned attrs, int subscribed);

/* Writes "* LIST (attrs) "sep" name" for the one mailbox called name,
 * with the attributes a plain LIST "" name gives it: children, the
 * special-use attributes configured or set by CREATE ... (USE), and
 * \Noselect. The name is the canonical one ("INBOX" for "inbox"), and
 * the one given follows as OLDNAME when they differ (RFC 9051 6.3.9.7,
 * the example of 6.3.1). When
 * the store cannot list it (an I/O error, logged), the line still goes
 * out with the attributes known, an empty list at worst. */
void listone_write(struct session *s, const char *name);

#endif
