/* include/mail/envelope.h — the ENVELOPE of RFC 3501 7.4.2: date,
 * subject, from, sender, reply-to, to, cc, bcc, in-reply-to, message-id,
 * written byte-exact as Dovecot does (sender and reply-to default to from,
 * strings quoted or as literals as their bytes require, NIL for absent
 * fields). */
#ifndef SKUA_MAIL_ENVELOPE_H
#define SKUA_MAIL_ENVELOPE_H

#include <stddef.h>

#include "util/arena.h"
#include "util/buf.h"

/* Like Dovecot, a repeated Date, Subject, In-Reply-To or Message-ID
 * counts by its last occurrence, and repeated address fields are
 * concatenated. See src/mail/envelope.c for the string rules.
 *
 * Appends the parenthesised ENVELOPE of the header block hdr[0..len). The
 * arena holds temporary allocations. Returns 0, or -1 on overflow. */
int envelope_write(const unsigned char *hdr, size_t len, struct arena *a,
		   struct buf *out);

/* 1 when ENVELOPE reads the field name (case-insensitive): Date,
 * Subject, From, Sender, Reply-To, To, Cc, Bcc, In-Reply-To, Message-ID. */
int envelope_field(const char *name);
/* Appends the raw bytes of those fields of hdr[0..len), in header order:
 * a smaller header block in which every field of those names is what it
 * was, so that envelope_write and any search of those fields give the
 * same answer on it (what a cache keeps). Returns 0, or -1 on overflow. */
int envelope_fields(const unsigned char *hdr, size_t len, struct buf *out);

#endif
