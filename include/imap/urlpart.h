/* include/imap/urlpart.h — the data an IMAP URL (imap/imapurl.h) names in
 * the logged-in user's own Maildir: what CATENATE catenates (RFC 4469 3)
 * and URLFETCH returns (RFC 4467 BASE.6.3.URLFETCH).
 *
 * A URL names "the object returned by a UID FETCH <uid>
 * BODY.PEEK[<section>]<<partial>>" (RFC 5092 6), so that is what comes
 * out, byte for byte as FETCH sends it (mail/section.h); \Seen is not
 * set (RFC 4469 3: "does not cause the \Seen flag to be set").
 *
 * skua has no access to other users' mailboxes (no ACL, no shared
 * namespace): a URL whose user is not the session's own names nothing
 * here. The host part is not compared: the server knows no single name
 * of its own, and a URL that reaches this session is for it. */
#ifndef SKUA_IMAP_URLPART_H
#define SKUA_IMAP_URLPART_H

#include "imap/command.h"
#include "imap/imapurl.h"
#include "util/buf.h"

#define URLPART_BADURL 1        /* names nothing that exists here */
#define URLPART_TOOBIG 2        /* more than out may hold */

/* The mailbox of u: u's own, or the selected one for a URL without a
 * mailbox (the ";UID=" form). Sets *wire_r (the name as the client
 * would write it now) and *dir_r (its directory) in s->arena. Returns
 * 0, URLPART_BADURL (no such mailbox, another user's, not selected)
 * with *err_r. */
int  urlpart_mailbox(struct session *s, const struct imapurl *u,
		     const char **wire_r, const char **dir_r,
		     const char **err_r);

/* The last mailbox a command's URLs opened, kept open for the next URL
 * of the same command: a CATENATE of many parts of one mailbox syncs it
 * once. Zero it before the first URL; urlpart_done closes it. */
struct urlpart_cache {
	char *dir;              /* malloc'ed; NULL: none */
	struct folder *f;
};

/* Appends the data u names to out. Returns 0, URLPART_BADURL (not a
 * message URL, no such mailbox, UIDVALIDITY or UID, no such part),
 * URLPART_TOOBIG (out's max reached), or -1 (a server error, logged),
 * each with *err_r, a sentence for the client. */
int  urlpart_fetch(struct session *s, const struct imapurl *u,
		   struct urlpart_cache *c, struct buf *out,
		   const char **err_r);
void urlpart_done(struct urlpart_cache *c);

#endif
