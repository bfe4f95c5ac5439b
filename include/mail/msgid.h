/* include/mail/msgid.h — message identifiers in Message-ID, In-Reply-To
 * and References (RFC 5322 3.6.4, with the obsolete forms of 4.5.4),
 * normalized so that two spellings of one id compare equal, as THREAD
 * REFERENCES requires (RFC 5256 3): <"a.b"@c> and <a.b@c> are both
 * "a.b@c". Comments and folding white space are dropped, quoted-pairs
 * and quotes resolved; comparison of the results is case-sensitive. */
#ifndef SKUA_MAIL_MSGID_H
#define SKUA_MAIL_MSGID_H

#include <stddef.h>

#include "util/arena.h"

/* Finds the next valid msg-id in text[*pos..len) and returns it
 * normalized ("left@right", without the angle brackets) in the arena,
 * advancing *pos past it; NULL when there is none left. Text between
 * ids that is not one (phrases in In-Reply-To, garbage) is skipped. */
const char *msgid_next(const char *text, size_t len, size_t *pos,
		       struct arena *a);

#endif
