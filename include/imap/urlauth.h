/* include/imap/urlauth.h — URLAUTH (RFC 4467) as a session sees it:
 * checking a URL that carries ";URLAUTH=access:mech:token", for
 * URLFETCH and for CATENATE's URL parts (src/imap/cmd_urlauth.c has
 * GENURLAUTH, RESETKEY and URLFETCH).
 *
 * Access identifiers (RFC 4467 3): "anonymous" and "authuser" admit
 * every session (skua has no anonymous login, so every session is an
 * authorized user's); "user+NAME" admits the session of NAME only;
 * "submit+NAME" admits a message submission entity, which skua does
 * not know, so no session. The owner of the key table is the URL's
 * user, which must be the session's own: skua gives no access to
 * another user's mailboxes, and RFC 4467 BASE.6.3.URLFETCH has an
 * invalid URL answered NIL. */
#ifndef SKUA_IMAP_URLAUTH_H
#define SKUA_IMAP_URLAUTH_H

#include "imap/command.h"
#include "imap/imapurl.h"

/* The GUID of the mailbox wire in directory dir, in s->arena. Returns
 * 0, or -1 (logged) with *err_r. */
int  urlauth_dir_guid(struct session *s, const char *wire, const char *dir,
		      const char **guid_r, const char **err_r);
/* The mailbox GUID of the URL's mailbox (the key table's index), in
 * s->arena. Returns 0, URLPART_BADURL, or -1, with *err_r. */
int  urlauth_mailbox_guid(struct session *s, const struct imapurl *u,
			  const char **guid_r, const char **err_r);

/* Checks u, parsed from text, as a full URLAUTH URL this session may
 * use: an absolute URL of the session's user, not expired (RFC 4467 3),
 * mechanism INTERNAL, access admitting the session, and the token the
 * rump's (RFC 4467 6). Returns 0, or URLPART_BADURL with *err_r. */
int  urlauth_verify(struct session *s, const struct imapurl *u,
		    const char *text, const char **err_r);

/* In the selected state, after each command: when the selected
 * mailbox's access key was replaced or removed since the last look (a
 * RESETKEY, in this session or another of the user's), sends "* OK
 * [URLMECH INTERNAL]" (RFC 4467 BASE.6.3.RESETKEY: sessions that have
 * the mailbox selected "will receive" it). A new selection is only
 * noted. Costs one stat of the key table while nothing changes. */
void urlauth_announce(struct session *s);

#endif
