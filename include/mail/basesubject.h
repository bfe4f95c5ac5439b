/* include/mail/basesubject.h — the "base subject" of RFC 5256 2.1, which
 * SORT (SUBJECT) and THREAD compare: the subject with its encoded-words
 * decoded, white space collapsed, and the artifacts of replying and
 * forwarding taken off ("Re:", "Fwd:", "[list] ", "(fwd)", "[fwd: ...]").
 * RFC 5256 says every server MUST extract it exactly so; the steps are
 * in src/mail/basesubject.c. */
#ifndef SKUA_MAIL_BASESUBJECT_H
#define SKUA_MAIL_BASESUBJECT_H

#include <stddef.h>

#include "util/buf.h"

/* Appends the base subject of a Subject field's value (as in the header:
 * possibly folded, with encoded-words) as UTF-8, in its original case.
 * *is_reply_r (may be NULL) is set to 1 when the extraction removed a
 * subj-refwd, a "(fwd)" trailer or a "[fwd: ...]" wrapper: the message
 * is a reply or forward in the sense of RFC 5256 section 4 (REFERENCES),
 * else 0. Returns 0, or -1 when out would overflow. */
int basesubject_get(const char *subject, size_t len, struct buf *out,
		    int *is_reply_r);

#endif
